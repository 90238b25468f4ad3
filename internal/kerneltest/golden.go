package kerneltest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Golden compares got with the file at path, or with update (the
// package's -update flag) writes got there instead. A difference names
// the first line that differs, so a long golden file stays readable.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	d := DiffLines(string(got), string(want))[0]
	t.Errorf("%s differs at line %d:\ngot  %s\nwant %s\n(run go test -update if the change is intended)", path, d.Line, d.A, d.B)
}
