package record

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestReader(t *testing.T) {
	in := strings.Join([]string{
		"# a comment",
		"type=SYSCALL msg=audit(1.000:1): arch=c000003e key=(null) type=EOE msg=audit(1.000:1):",
		"",
		"garbage without a type",
		"   \t",
		"type=SYSCALL msg=audit(2.x:2): x=1",
		"node=n type=PATH msg=audit(3.000:3): item=0 name=\"/\"",
	}, "\n") // no final newline: the last line still counts
	r := NewReader(strings.NewReader(in), "audit.log")
	type got struct {
		line   int
		typ    string
		serial uint64
		err    string
	}
	var gots []got
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *ParseError
		switch {
		case errors.As(err, &pe):
			gots = append(gots, got{line: r.Line(), err: pe.Error()})
		case err != nil:
			t.Fatal(err)
		default:
			gots = append(gots, got{line: r.Line(), typ: rec.TypeName, serial: rec.Serial})
		}
	}
	want := []got{
		{line: 2, typ: "SYSCALL", serial: 1},
		{line: 2, typ: "EOE", serial: 1},
		{line: 4, err: "parse record: audit.log:4:1: record does not start with type="},
		{line: 6, err: "parse record: audit.log:6:26: malformed audit(sec.msec:serial) header: milliseconds"},
		{line: 7, typ: "PATH", serial: 3},
	}
	if len(gots) != len(want) {
		t.Fatalf("got %+v\nwant %+v", gots, want)
	}
	for i := range want {
		if gots[i] != want[i] {
			t.Errorf("item %d: got %+v, want %+v", i, gots[i], want[i])
		}
	}
	if st, want := r.Stats(), (Stats{Lines: 7, Skipped: 3, Records: 3, Errors: 2}); st != want {
		t.Errorf("Stats %+v, want %+v", st, want)
	}
}

func TestReaderSecondRecordError(t *testing.T) {
	// The column of an error in the second record of a line counts from the
	// start of the line.
	line := "type=EOE msg=audit(1.000:1): type=EOE msg=audit(1.000:99999999999999999999):"
	r := NewReader(strings.NewReader(line+"\n"), "f")
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err := r.Next()
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 1 || pe.Column != strings.Index(line, "9999")+1 {
		t.Fatalf("got %v (%+v)", err, pe)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("got %v, want EOF", err)
	}
}

func TestReaderLongLine(t *testing.T) {
	long := "type=EXECVE msg=audit(1.000:1): a0=\"" + strings.Repeat("x", 200<<10) + "\""
	in := "type=EOE msg=audit(1.000:1):\n" + long + "\ntype=EOE msg=audit(1.000:2):\n" + long + "\n"
	r := NewReader(strings.NewReader(in), "big.log")
	r.MaxLineSize = 100 << 10
	var serials []uint64
	var errs []error
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if !errors.Is(err, ErrLineTooLong) {
				t.Fatal(err)
			}
			errs = append(errs, err)
			continue
		}
		serials = append(serials, rec.Serial)
	}
	if len(serials) != 2 || serials[1] != 2 || len(errs) != 2 {
		t.Fatalf("serials %v, errors %v", serials, errs)
	}
	if got := errs[0].Error(); !strings.Contains(got, "big.log:2:") {
		t.Errorf("error %q does not name line 2", got)
	}

	// Within the limit, a line longer than the read buffer is whole.
	r = NewReader(strings.NewReader(long), "big.log")
	rec, err := r.Next()
	if err != nil || len(rec.Lookup("a0").Value) != 200<<10 || string(rec.Raw) != long {
		t.Fatalf("long line: %v", err)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		f.n--
		return copy(p, "type=EOE msg=audit(1.000:1):\n"), nil
	}
	return 0, errors.New("disk on fire")
}

func TestReaderIOError(t *testing.T) {
	r := NewReader(&failingReader{n: 1}, "f")
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := r.Next()
		var pe *ParseError
		if err == nil || errors.As(err, &pe) || errors.Is(err, io.EOF) {
			t.Fatalf("got %v, want the reader's error", err)
		}
	}
}

func TestParseNetlink(t *testing.T) {
	for _, tc := range []struct {
		name    string
		typ     uint32
		payload string
		want    string
	}{
		{"trailing NUL and newline", 1307, "audit(1459376866.885:1222763):  cwd=\"/home\"\n\x00\x00",
			"CWD(1307) 1459376866.885:1222763 [netlink]\n  quoted cwd \"/home\"\n"},
		{"EOE", 1320, "audit(1459376866.885:1222763): ", "EOE(1320) 1459376866.885:1222763 [netlink]\n"},
		{"unnamed type", 1999, "audit(1.000:1): x=1", "UNKNOWN[1999](1999) 1.000:1 [netlink]\n  unquoted x \"1\"\n"},
		{"type= inside is data", 1300, "audit(1.000:1): key=(null) type=EOE msg=audit(1.000:1):",
			"SYSCALL(1300) 1.000:1 [netlink]\n  null key \"(null)\"\n  unquoted type \"EOE\"\n  unquoted msg \"audit(1.000:1):\"\n"},
		{"no header", 1300, "arch=c000003e", "ERROR parse record: column 1: malformed audit(sec.msec:serial) header: no audit( header\n"},
		{"empty", 1300, "\x00", "ERROR parse record: empty record\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := ParseNetlink(tc.typ, []byte(tc.payload))
			var got bytes.Buffer
			if err != nil {
				got.WriteString("ERROR " + err.Error() + "\n")
			} else {
				dumpRecord(&got, rec)
				if !strings.HasPrefix(tc.payload, string(rec.Raw)) || strings.TrimRight(tc.payload[len(rec.Raw):], "\x00\n") != "" {
					t.Errorf("Raw %q is not the payload %q less trailing NULs and newlines", rec.Raw, tc.payload)
				}
			}
			if got.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got.String(), tc.want)
			}
		})
	}
}

func TestClone(t *testing.T) {
	line := []byte("type=USER_CMD msg=audit(1623701789.269:26455408): pid=24552 msg='cwd=\"/home/user\" cmd=6563686F2074657374 res=success'\x1dUID=\"user\"")
	var p Parser
	rec, _, err := p.ParseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	var before bytes.Buffer
	dumpRecord(&before, rec)
	c := rec.Clone()
	// Clobber everything the original borrows.
	for i := range line {
		line[i] = 'Z'
	}
	if _, _, err := p.ParseLine([]byte("type=PATH msg=audit(1.000:1): name=41424344454647 item=0")); err != nil {
		t.Fatal(err)
	}
	var after bytes.Buffer
	dumpRecord(&after, c)
	if before.String() != after.String() {
		t.Fatalf("clone changed:\n%s\nwas\n%s", after.String(), before.String())
	}
	if n := testing.AllocsPerRun(100, func() { c.Clone() }); n != 3 {
		t.Errorf("Clone allocates %v times, want 3 (record, bytes, fields)", n)
	}
	if c.Lookup("cmd") == nil || string(c.Lookup("cmd").Value) != "echo test" || string(c.LookupEnriched("UID").Value) != "user" {
		t.Fatalf("Lookup on clone failed")
	}
}

func TestRecordAccessors(t *testing.T) {
	rec, _, err := ParseLine([]byte("type=SYSCALL msg=audit(1364481363.243:24287): key=\"one\""))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Time(), time.Unix(1364481363, 243e6); !got.Equal(want) {
		t.Errorf("Time %v, want %v", got, want)
	}
	if k := rec.Keys(); len(k) != 1 || k[0] != "one" {
		t.Errorf("Keys %q", k)
	}
	rec, _, _ = ParseLine([]byte("type=SYSCALL msg=?"))
	if !rec.Time().IsZero() || rec.Keys() != nil || rec.Lookup("key") != nil {
		t.Errorf("record without timestamp or key: %v %v", rec.Time(), rec.Keys())
	}
	if s := (NoTimestamp | FromNetlink | 1<<15).String(); s != "no-timestamp|netlink|0x8000" {
		t.Errorf("Flags.String() = %q", s)
	}
}

func TestHexDecode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"2F62696E", "/bin", true},
		{"2f62696e", "/bin", true},
		{"00FF", "\x00\xff", true},
		{"ABC", "", false},
		{"GG", "", false},
		{"4G", "", false},
	} {
		got, err := HexDecode([]byte("pre"), []byte(tc.in))
		if (err == nil) != tc.ok || (tc.ok && string(got) != "pre"+tc.want) || (!tc.ok && (string(got) != "pre" || !errors.Is(err, ErrHex))) {
			t.Errorf("HexDecode(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestAppendLine(t *testing.T) {
	payload := "audit(1459376866.885:1222763): argc=3 a0=\"ls\" a1=\"--color=auto\" a2=\"-alF\""
	rec, err := ParseNetlink(1309, []byte(payload+"\x00"))
	if err != nil {
		t.Fatal(err)
	}
	line := rec.AppendLine([]byte("> "))
	if want := "> type=EXECVE msg=" + payload; string(line) != want {
		t.Fatalf("AppendLine = %q, want %q", line, want)
	}
	// The line parses back to the same record, less the netlink flag.
	back, _, err := ParseLine(line[2:])
	if err != nil {
		t.Fatal(err)
	}
	var d1, d2 bytes.Buffer
	rec.Flags &^= FromNetlink
	dumpRecord(&d1, rec)
	dumpRecord(&d2, back)
	if d1.String() != d2.String() || string(back.AppendLine(nil)) != string(line[2:]) {
		t.Fatalf("round trip:\n%s\n%s", d1.String(), d2.String())
	}
	rec.Node = "h1"
	rec.Flags |= FromNetlink
	if got := string(rec.AppendLine(nil)); !strings.HasPrefix(got, "node=h1 type=EXECVE msg=audit(") {
		t.Fatalf("AppendLine with node = %q", got)
	}
}
