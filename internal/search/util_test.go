package search

import (
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/record"
)

type recParser struct{}

// parse returns owned copies of the records of text.
func (recParser) parse(t *testing.T, text string) []*record.Record {
	t.Helper()
	var p record.Parser
	var out []*record.Record
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		r, _, err := p.ParseLine([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Clone())
	}
	return out
}

// firstDiff returns the first line (from 1) at which ours and theirs
// differ, and the two lines there ("" past the end of either).
func firstDiff(ours, theirs string) (int, string, string) {
	ol, tl := strings.Split(ours, "\n"), strings.Split(theirs, "\n")
	for i := range max(len(ol), len(tl)) {
		var o, th string
		if i < len(ol) {
			o = ol[i]
		}
		if i < len(tl) {
			th = tl[i]
		}
		if o != th {
			return i + 1, o, th
		}
	}
	return 0, "", ""
}
