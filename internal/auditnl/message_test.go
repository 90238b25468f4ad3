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
