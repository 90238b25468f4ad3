package progress

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	if New(nil, "x", 10) != nil || New(io.Discard, "x", 0) != nil {
		t.Fatal("a line without a writer or a total")
	}
	var nilLine *Line
	nilLine.Update(5) // draws nothing, does not panic
	nilLine.Finish()
	if r := strings.NewReader("abc"); nilLine.Reader(r) != io.Reader(r) {
		t.Error("a nil line wraps its reader")
	}

	var out bytes.Buffer
	p := New(&out, "reading", 3<<20)
	p.Finish()
	if out.Len() != 0 {
		t.Errorf("erased a line never drawn: %q", out.String())
	}
	data, _ := io.ReadAll(p.Reader(strings.NewReader(strings.Repeat("x", 3<<19))))
	if len(data) != 3<<19 || p.done != 3<<19 {
		t.Fatalf("read %d, counted %d", len(data), p.done)
	}
	// The first read draws; later ones within 100 ms do not.
	if got := out.String(); !strings.HasPrefix(got, "\rreading:   0.0% ") || !strings.HasSuffix(got, " KiB / 3.0 MiB ") {
		t.Errorf("line %q", got)
	}
	if n := strings.Count(out.String(), "\r"); n != 1 {
		t.Errorf("drawn %d times within 100 ms", n)
	}
	out.Reset()
	p.last = p.last.Add(-200e6)
	p.Update(3 << 20)
	if got := out.String(); got != "\rreading: 100.0% 3.0 MiB / 3.0 MiB " {
		t.Errorf("line %q", got)
	}
	out.Reset()
	p.Finish()
	if out.String() != "\r\033[K" {
		t.Errorf("finish %q", out.String())
	}
}

func TestTotal(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, make([]byte, 100), 0o644)
	os.WriteFile(b, make([]byte, 23), 0o644)
	if n := Total([]string{a, "-", "", b, filepath.Join(dir, "missing")}); n != 123 {
		t.Errorf("Total = %d, want 123", n)
	}
	if Size(1536) != "1.5 KiB" || Size(3<<20) != "3.0 MiB" || Size(5<<30) != "5.0 GiB" {
		t.Errorf("sizes %s %s %s", Size(1536), Size(3<<20), Size(5<<30))
	}
}
