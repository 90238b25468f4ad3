package record

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// Seeds beyond testdata/fuzz: one line per quirk.
func addQuirkSeeds(f *testing.F) {
	for _, l := range []string{
		benchSyscall, benchPath, benchUser, benchProc, benchEnrich,
		`node=n type=SYSCALL msg=audit(1.000:7): key=(null)node=n type=EOE msg=audit(1.000:7):`,
		`type=PATH msg=audit(1.000:1): cap_frootid=0OUID="root" OGID="root"`,
		`type=UNKNOWN[1329] msg=?`,
		`type=DAEMON_CONFIG msg=audit(1490239800.477:34) config changed, auid=0`,
		`type=SERVICE_START msg=audit(1.000:1): msg='unit=x res=success`,
	} {
		f.Add([]byte(l))
	}
}

// FuzzParseLine checks that any input parses without panicking into records
// whose Raw bytes are exactly the input, that a record comes back if and
// only if there is no error, and that a record's Raw parses on its own into
// the same record.
func FuzzParseLine(f *testing.F) {
	addQuirkSeeds(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		var p, q Parser
		var raw []byte
		b := line
		for len(b) > 0 {
			rec, rest, err := p.ParseLine(b)
			if (rec == nil) == (err == nil) {
				t.Fatalf("record %v with error %v", rec, err)
			}
			if err != nil {
				if rest != nil {
					t.Fatalf("rest %q with error", rest)
				}
				return
			}
			if len(rest) >= len(b) {
				t.Fatalf("no progress on %q", b)
			}
			if !bytes.Equal(append(append([]byte(nil), rec.Raw...), rest...), b) {
				t.Fatalf("Raw %q + rest %q is not %q", rec.Raw, rest, b)
			}
			raw = append(raw, rec.Raw...)
			var d1, d2, d3 bytes.Buffer
			dumpRecord(&d1, rec)
			dumpRecord(&d2, rec.Clone())
			if d1.String() != d2.String() {
				t.Fatalf("clone differs:\n%s\n%s", d1.String(), d2.String())
			}
			again, rest2, err := q.ParseLine(rec.Raw)
			if err != nil || len(rest2) != 0 || !bytes.Equal(again.Raw, rec.Raw) {
				t.Fatalf("Raw %q does not parse alone: %v, rest %q", rec.Raw, err, rest2)
			}
			again.Flags |= rec.Flags & SharedLine
			dumpRecord(&d3, again)
			if d1.String() != d3.String() && rec.Flags&(GluedEnriched|Enriched) == 0 {
				// Enriched detection looks at the whole line (a 0x1D in a
				// later record turns off glue detection), so only records
				// without enrichment must match exactly.
				t.Fatalf("Raw parses differently alone:\n%s\n%s", d1.String(), d3.String())
			}
			b = rest
		}
		if !bytes.Equal(raw, line) {
			t.Fatalf("records' Raw %q, line %q", raw, line)
		}
	})
}

// FuzzParseNetlink checks the same invariants for netlink payloads.
func FuzzParseNetlink(f *testing.F) {
	f.Add(uint32(1300), []byte(benchSyscall[len("type=SYSCALL msg="):]+"\x00"))
	f.Add(uint32(1320), []byte("audit(1459376866.885:1222763): \n"))
	f.Add(uint32(5000), []byte("audit(1.000:1): x=1"))
	f.Fuzz(func(t *testing.T, typ uint32, payload []byte) {
		rec, err := ParseNetlink(typ, payload)
		if (rec == nil) == (err == nil) {
			t.Fatalf("record %v with error %v", rec, err)
		}
		if err != nil {
			return
		}
		if rec.Type != typ || rec.TypeName == "" {
			t.Fatalf("type %d %q, want %d", rec.Type, rec.TypeName, typ)
		}
		if !bytes.HasPrefix(payload, rec.Raw) || len(bytes.TrimRight(payload[len(rec.Raw):], "\x00\n")) != 0 {
			t.Fatalf("Raw %q is not payload %q less trailing NULs and newlines", rec.Raw, payload)
		}
		var d1, d2 bytes.Buffer
		dumpRecord(&d1, rec)
		dumpRecord(&d2, rec.Clone())
		if d1.String() != d2.String() {
			t.Fatalf("clone differs:\n%s\n%s", d1.String(), d2.String())
		}
	})
}

// FuzzHexDecode checks HexDecode against encoding/hex.
func FuzzHexDecode(f *testing.F) {
	f.Add([]byte("2F62696E"))
	f.Add([]byte("2f6"))
	f.Add([]byte("zz"))
	f.Fuzz(func(t *testing.T, src []byte) {
		got, err := HexDecode([]byte("x"), src)
		want, werr := hex.DecodeString(string(src))
		if (err == nil) != (werr == nil) {
			t.Fatalf("HexDecode(%q): %v, encoding/hex: %v", src, err, werr)
		}
		if err != nil {
			if string(got) != "x" {
				t.Fatalf("dst changed on error: %q", got)
			}
			return
		}
		if string(got) != "x"+string(want) {
			t.Fatalf("HexDecode(%q) = %q, want %q", src, got[1:], want)
		}
		if isUpperHex(src) {
			dst := make([]byte, len(src)/2)
			decodeHexInto(dst, src)
			if !bytes.Equal(dst, want) {
				t.Fatalf("decodeHexInto(%q) = %q", src, dst)
			}
		}
		up := []byte(strings.ToUpper(hex.EncodeToString(src)))
		back, err := HexDecode(nil, up)
		if err != nil || !bytes.Equal(back, src) || (len(src) > 0 && !isUpperHex(up)) {
			t.Fatalf("round trip of %q: %q, %v", src, back, err)
		}
	})
}

// FuzzExecveReassembly writes the arguments in data (NUL-separated) the way
// the kernel does, quoted or hex, whole or in chunks of the given size spread
// over several EXECVE records, and checks that Argv gives them back. The
// same bytes are also fed to the parser as raw EXECVE lines, where Argv must
// not panic and must honour argc when it reports no error.
func FuzzExecveReassembly(f *testing.F) {
	f.Add([]byte("ls\x00--color=auto\x00-alF"), uint8(3), uint8(2), false)
	f.Add([]byte("echo\x00a b\x00\x00\"q\""), uint8(1), uint8(1), true)
	f.Add([]byte("argc=2 a0=\"x\" a1_len=4 a1[0]=4142\na1[1]=4344"), uint8(0), uint8(0), false)
	f.Fuzz(func(t *testing.T, data []byte, chunk, perRecord uint8, hexAll bool) {
		args := strings.Split(string(data), "\x00")
		if len(args) > 64 {
			args = args[:64]
		}
		var lines []string
		fields := []string{fmt.Sprintf("argc=%d", len(args))}
		size := int(chunk)*2 + 2 // hex chunks must be whole bytes
		for i, a := range args {
			enc, isHex := `"`+a+`"`, hexAll
			for _, c := range []byte(a) {
				if c <= ' ' || c >= 0x7f || c == '"' {
					isHex = true
				}
			}
			if isHex {
				enc = strings.ToUpper(hex.EncodeToString([]byte(a)))
			}
			body := a
			if isHex {
				body = enc
			}
			if chunk == 0 || len(body) <= size || (isHex && len(body) == 0) {
				fields = append(fields, fmt.Sprintf("a%d=%s", i, enc))
				continue
			}
			fields = append(fields, fmt.Sprintf("a%d_len=%d", i, len(body)))
			for c, off := 0, 0; off < len(body); c, off = c+1, off+size {
				part := body[off:min(off+size, len(body))]
				if !isHex {
					part = `"` + part + `"`
				}
				fields = append(fields, fmt.Sprintf("a%d[%d]=%s", i, c, part))
			}
		}
		per := int(perRecord)%8 + 1
		for len(fields) > 0 {
			n := min(per, len(fields))
			lines = append(lines, "type=EXECVE msg=audit(1.000:1): "+strings.Join(fields[:n], " "))
			fields = fields[n:]
		}
		got, err := Argv(parseAll(t, lines...))
		if err != nil || strings.Join(got, "\x00") != strings.Join(args, "\x00") || len(got) != len(args) {
			t.Fatalf("Argv = %q, %v; want %q\nfrom %q", got, err, args, lines)
		}

		var recs []*Record
		for _, l := range strings.Split(string(data), "\n") {
			if rec, _, err := ParseLine([]byte("type=EXECVE msg=audit(1.000:1): " + l)); err == nil {
				recs = append(recs, rec.Clone())
			}
		}
		argv, err := Argv(recs)
		if err == nil {
			var argc *Field
			for _, r := range recs {
				if argc = r.Lookup("argc"); argc != nil {
					break
				}
			}
			if n, aerr := strconv.Atoi(string(argc.Value)); argc == nil || aerr != nil || n != len(argv) {
				t.Fatalf("Argv = %q with no error, argc %v", argv, argc)
			}
		}
	})
}
