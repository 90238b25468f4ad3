package auditjson

import (
	"bytes"
	"os"
	"testing"

	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/record"
)

// FuzzRoundTrip: any line the parser accepts comes back from the JSON byte
// for byte, with every field, interpreted or not.
func FuzzRoundTrip(f *testing.F) {
	if data, err := os.ReadFile("testdata/events.log"); err == nil {
		for l := range bytes.Lines(data) {
			f.Add(bytes.TrimSuffix(l, []byte{'\n'}))
		}
	}
	f.Add([]byte("type=PATH msg=audit(1.2:3): name=\xff\xfe nametype=\"x\x00\""))
	f.Add([]byte("node=\xc3 type=USER msg=audit(1.2:3): msg='a=\"\u2028\" b=c'\x1dUID=\"\xff\""))
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.IndexByte(line, '\n') >= 0 {
			return
		}
		var p record.Parser
		rest := line
		for len(rest) > 0 {
			rec, r, err := p.ParseLine(rest)
			if err != nil {
				return
			}
			rest = r
			c := rec.Clone()
			key := event.Key{Node: c.Node, Sec: c.Sec, Msec: c.Msec, Serial: c.Serial}
			checkRoundTrip(t, key, []*record.Record{c}, false)
			checkRoundTrip(t, key, []*record.Record{c}, true)
		}
	})
}
