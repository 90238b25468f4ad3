package auditnl

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

// The go-audit capture holds six unicast records exactly as a 2016 kernel
// sent them to go-audit: nlmsg_len excludes the header.
func TestParseDatagramGoAuditCapture(t *testing.T) {
	b := readCorpus(t, "go-audit__audit_test.go__Benchmark_MultiPacketMessage.nlmsgs.bin")
	var payloads []string
	for len(b) > 0 {
		n := int(binary.LittleEndian.Uint32(b)) + HeaderSize
		msgs, err := ParseDatagram(b[:n], nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 {
			t.Fatalf("datagram of %d bytes gave %d messages", n, len(msgs))
		}
		payloads = append(payloads, string(msgs[0].Data))
		b = b[n:]
	}
	if len(payloads) != 6 || !strings.HasPrefix(payloads[0], "audit(1459376866.885:1222763): arch=c000003e syscall=59") ||
		payloads[5] != "audit(1459376866.885:1222763): " {
		t.Fatalf("payloads %q", payloads)
	}
}

func TestParseDatagramMulti(t *testing.T) {
	a := MarshalMessage(Header{Type: 1013, Seq: 7}, []byte("abcde"))
	d := MarshalMessage(Header{Type: 3, Seq: 7}, make([]byte, 4))
	msgs, err := ParseDatagram(append(a, d...), nil)
	if err != nil || len(msgs) != 2 || string(msgs[0].Data) != "abcde" || msgs[1].Header.Type != 3 {
		t.Fatalf("%+v %v", msgs, err)
	}
}

func FuzzParseDatagram(f *testing.F) {
	f.Add(MarshalMessage(Header{Type: 1300}, []byte("audit(1.2:3): a=b")))
	f.Add([]byte{20, 0, 0, 0, 2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, err := ParseDatagram(b, nil)
		total := 0
		for _, m := range msgs {
			if int(m.Header.Len) < HeaderSize || len(m.Data) != int(m.Header.Len)-HeaderSize {
				t.Fatalf("message length %d with %d data bytes", m.Header.Len, len(m.Data))
			}
			if !bytes.Contains(b, m.Data) {
				t.Fatal("data not from the datagram")
			}
			total += int(m.Header.Len)
		}
		if err == nil && total > len(b) {
			t.Fatalf("messages cover %d bytes of %d", total, len(b))
		}
	})
}

func readCorpus(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(kerneltest.CorporaDir(t), name))
	if err != nil {
		kerneltest.Skip(t, "corpus file missing: %v", err)
	}
	return b
}

func TestParseSignalInfo(t *testing.T) {
	b := binary.NativeEndian.AppendUint32(nil, 0)
	b = binary.NativeEndian.AppendUint32(b, 4242)
	si, err := ParseSignalInfo(b)
	if err != nil || si.UID != 0 || si.PID != 4242 || si.Ctx != "" {
		t.Fatalf("no context: %+v %v", si, err)
	}
	si, err = ParseSignalInfo(append(b, "system_u:system_r:init_t:s0\x00"...))
	if err != nil || si.Ctx != "system_u:system_r:init_t:s0" {
		t.Fatalf("with context: %+v %v", si, err)
	}
	// No signal recorded yet: the kernel's initial values.
	none := binary.NativeEndian.AppendUint32(nil, 4294967295)
	none = binary.NativeEndian.AppendUint32(none, 0xffffffff)
	if si, err := ParseSignalInfo(none); err != nil || si.PID != -1 {
		t.Fatalf("initial: %+v %v", si, err)
	}
	if _, err := ParseSignalInfo(b[:7]); err == nil || !strings.Contains(err.Error(), "7 bytes") {
		t.Fatalf("short reply: %v", err)
	}
}

func FuzzParseSignalInfo(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 0, 'u', ':', 'r', 0, 'x'})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		si, err := ParseSignalInfo(b)
		if (err != nil) != (len(b) < 8) {
			t.Fatalf("len %d: err %v", len(b), err)
		}
		if strings.IndexByte(si.Ctx, 0) >= 0 {
			t.Fatalf("context keeps its NUL: %q", si.Ctx)
		}
	})
}
