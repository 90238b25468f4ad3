package record

import (
	"bytes"
	"strconv"
	"testing"
)

func TestScanStamp(t *testing.T) {
	for _, tc := range []struct {
		in     string
		sec    int64
		msec   uint32
		serial uint64
		end    int
		ok     bool
	}{
		{in: "audit(1364481363.243:24287): arch=c000003e", sec: 1364481363, msec: 243, serial: 24287, end: 27, ok: true},
		{in: "audit(1.000:4294967295):x", sec: 1, serial: 4294967295, end: 23, ok: true},
		{in: "audit(1.2:3)", sec: 1, msec: 2, serial: 3, end: 12, ok: true},
		{in: "audit(.243:1): x"},
		{in: "audit(1.2): x"},
		{in: "audit(1.2:): x"},
		{in: "audit(1.2:3"},
		{in: "audit(1:3): "},
		{in: "msg=audit(1.2:3): x"},
		{in: ""},
		{in: "audit(99999999999999999999.1:1): x"},
		{in: "audit(1.1234567890:1): x"},
		{in: "audit(1.1:12345678901234567890): x"},
	} {
		sec, msec, serial, end, ok := ScanStamp([]byte(tc.in))
		if ok != tc.ok || sec != tc.sec || msec != tc.msec || serial != tc.serial || end != tc.end {
			t.Errorf("ScanStamp(%q) = %d.%d:%d end %d ok %v; want %d.%d:%d end %d ok %v",
				tc.in, sec, msec, serial, end, ok, tc.sec, tc.msec, tc.serial, tc.end, tc.ok)
		}
	}
}

// FuzzScanStamp checks ScanStamp against strconv: what it accepts is
// "audit(" and three runs of digits that strconv reads as the same
// numbers, ending with ')' at end.
func FuzzScanStamp(f *testing.F) {
	f.Add([]byte("audit(1364481363.243:24287): arch=c000003e"))
	f.Add([]byte("audit(1.2:3)"))
	f.Add([]byte("audit(1.2:)"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sec, msec, serial, end, ok := ScanStamp(b)
		if !ok {
			return
		}
		if end > len(b) || b[end-1] != ')' || !bytes.HasPrefix(b, []byte("audit(")) {
			t.Fatalf("%q: end %d", b, end)
		}
		s, rest, _ := bytes.Cut(b[len("audit("):end-1], []byte("."))
		m, r, _ := bytes.Cut(rest, []byte(":"))
		ws, err1 := strconv.ParseInt(string(s), 10, 64)
		wm, err2 := strconv.ParseUint(string(m), 10, 32)
		wr, err3 := strconv.ParseUint(string(r), 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || ws != sec || uint32(wm) != msec || wr != serial {
			t.Fatalf("%q: ScanStamp %d.%d:%d, strconv %d.%d:%d (%v %v %v)", b, sec, msec, serial, ws, wm, wr, err1, err2, err3)
		}
	})
}

// TestScanStampCorpus: on every record of the real logs that has a stamp,
// ScanStamp reads what the parser reads.
func TestScanStampCorpus(t *testing.T) {
	dir, names := corpusFiles(t)
	checked := 0
	for _, name := range names {
		res := parseCorpus(t, dir, name)
		for i, rec := range res.records {
			j := bytes.Index(rec.Raw, []byte("audit("))
			if j < 0 || (rec.Sec == 0 && rec.Serial == 0) {
				continue
			}
			sec, msec, serial, _, ok := ScanStamp(rec.Raw[j:])
			if !ok || sec != rec.Sec || msec != rec.Msec || serial != rec.Serial {
				t.Errorf("%s line %d: ScanStamp %d.%d:%d ok %v, parser %d.%d:%d", name, res.lines[i], sec, msec, serial, ok, rec.Sec, rec.Msec, rec.Serial)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no stamped records in the corpora")
	}
	t.Logf("%d stamps checked", checked)
}
