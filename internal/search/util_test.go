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
