package search

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzSearch feeds arbitrary logs through every output format: no panic,
// and raw output is always a subset of the input lines.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{
		events,
		"type=EOE msg=audit(1.000:1):\n",
		"type=CWD msg=audit(1.000:1):  cwd=\"/\"\ntype=PROCTITLE msg=audit(1.000:1): proctitle=00\n",
		"type=USER msg=audit(1.000:2): msg='a=b, c=d,e  [ x = y ]'\n",
		"node=n type=TTY msg=audit(1.000:3): data=616263 subj=s0:c1,c2 x=1,2\n",
		"type=INTEGRITY_POLICY_RULE audit(1572298453.690:5717): IPE=ctx ( op: [execute] )  [ action = allow ]\n",
		"type=CONTAINER_ID msg=audit(1.000:4): record=1 contid=4,^2,^-1,^,,\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, log string) {
		for _, format := range []Format{FormatRaw, FormatDefault, FormatInterpret, FormatJSON} {
			var out bytes.Buffer
			_, err := Search(context.Background(), NewMatcher(Query{ContID: SetInt(2)}), []Source{{Name: "fuzz", Reader: strings.NewReader(log)}}, &out, Options{Format: format, Loc: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			var all bytes.Buffer
			if format == FormatRaw {
				if _, err := Search(context.Background(), NewMatcher(Query{}), []Source{{Name: "fuzz", Reader: strings.NewReader(log)}}, &all, Options{Format: FormatRaw}); err != nil {
					t.Fatal(err)
				}
				// Every line printed is in the input (a line holding two
				// records comes out as two lines).
				for _, l := range strings.Split(all.String(), "\n") {
					if !strings.Contains(log, l) {
						t.Errorf("raw output line not in the input: %q", l)
					}
				}
			}
		}
	})
}
