package kerneltest

import "strings"

// LineDiff is one line at which two texts differ. A or B is "" past the
// end of its text.
type LineDiff struct {
	Line int // from 1
	A, B string
}

// DiffLines returns the lines at which a and b differ, in order: for a
// test's message, which should name where two outputs part, not print
// them whole.
func DiffLines(a, b string) []LineDiff {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []LineDiff
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, LineDiff{i + 1, x, y})
		}
	}
	return out
}
