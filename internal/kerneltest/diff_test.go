package kerneltest

import (
	"reflect"
	"testing"
)

func TestDiffLines(t *testing.T) {
	if d := DiffLines("a\nb\n", "a\nb\n"); d != nil {
		t.Errorf("equal texts: %v", d)
	}
	want := []LineDiff{{2, "b", "x"}, {4, "d", ""}}
	if d := DiffLines("a\nb\nc\nd", "a\nx\nc"); !reflect.DeepEqual(d, want) {
		t.Errorf("DiffLines = %v, want %v", d, want)
	}
}
