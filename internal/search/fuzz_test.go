package search

import (
	"bytes"
	"context"
	"github.com/contaudit/contaudit/internal/record"
	"strings"
	"testing"
	"time"
)

// FuzzSearch feeds arbitrary logs through every output format (csv and
// text put every event through the normaliser's field splitter): no panic,
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
		"type=AVC msg=audit(1.000:5): avc:  denied  { read write } for pid=1 scontext=a tcontext=b\ntype=SYSCALL msg=audit(1.000:5): syscall=2 success=no auid=-1 uid=0 exe=\"/usr/bin/bash\" comm=\"x\" key=6101620163\ntype=PATH msg=audit(1.000:5): item=0 name=\"../x\" nametype=PARENT\n",
		"type=USER_LOGIN msg=audit(1.000:6): pid=1 uid=0 auid=1000 ses=1 msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=ssh res=failed'\n",
		"type=CONFIG_CHANGE msg=audit(1.000:7): op=set audit_enabled=1 old=1 auid=4294967295 ses=4294967295 res=1\x1dAUID=\"unset\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, log string) {
		for _, format := range []Format{FormatRaw, FormatDefault, FormatInterpret, FormatJSON, FormatCSV, FormatText} {
			var out bytes.Buffer
			q := Query{ContID: SetInt(2)}
			if format == FormatCSV || format == FormatText {
				q = Query{} // every event through the normaliser
			}
			_, err := Search(context.Background(), NewMatcher(q), []Source{{Name: "fuzz", Reader: strings.NewReader(log)}}, &out,
				Options{Format: format, Loc: time.UTC, Extras: CSVExtras{Keys: true, Labels: true, Obj2: true, Time: true}, Resolver: goldenUsers})
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

// FuzzPrefilter checks that the prefilter (patterns, field probes and the
// parallel chunk reader) never changes what a query prints: the output
// with it and with every line through the parser must be the same bytes.
func FuzzPrefilter(f *testing.F) {
	f.Add(events, int64(0), uint8(0))
	f.Add("type=SYSCALL msg=audit(1.000:1): pid=007 uid=\"0\" auid=-4294967296 success=yes res=1AUID=\"x\"\n", int64(7), uint8(1))
	f.Add("type=USER_LOGIN msg=audit(1.000:2): pid=1 uid=0 ses=4294967295 msg='op=login id=0 res=failed'\n", int64(-1), uint8(5))
	f.Add("type=SYSCALL msg=audit(1.000:3): comm=\"x\"y exe=622269 key=6120620178 terminal=pts/0'\x1dUID=\"a\"\n", int64(0), uint8(8))
	f.Add("type=USER_CMD msg=audit(1.000:4): msg='cwd=\"/\" cmd=6C73 exe=\"/bin\"x\" hostname=h terminal=pts res=success'\n", int64(0), uint8(9))
	f.Fuzz(func(t *testing.T, log string, v int64, which uint8) {
		var q Query
		switch which % 11 {
		case 0:
			q.PID = SetInt(v)
		case 1:
			q.AnyUID = SetInt(v)
		case 2:
			q.Success = SuccessYes
		case 3:
			q.Success = SuccessNo
		case 4:
			q.Exit = SetInt(v)
		case 5:
			q.Session = SetInt(v)
		case 6:
			q.AnyGID, q.Syscall = SetInt(v), SetInt(v)
		case 7:
			q.Key, q.AUID = "k", SetInt(v)
		case 8:
			q.Exe, q.Word = "b\"in", v&1 == 0
		case 9:
			q.Comm, q.Terminal = "x", "pts"
		case 10:
			q.Key, q.Hostname = "a b", "h"
		}
		run := func(noPrefilter bool) string {
			var out bytes.Buffer
			if _, err := Search(context.Background(), NewMatcher(q), []Source{{Name: "fuzz", Reader: strings.NewReader(log)}}, &out,
				Options{Format: FormatRaw, Loc: time.UTC, noPrefilter: noPrefilter}); err != nil {
				t.Fatal(err)
			}
			return out.String()
		}
		if fast, full := run(false), run(true); fast != full {
			t.Errorf("query %+v: prefiltered output differs\nfast: %q\nfull: %q", q, fast, full)
		}
	})
}

// FuzzHeaderReader checks the header reader against the parser: when it
// reads a line, the parser must find exactly that one record.
func FuzzHeaderReader(f *testing.F) {
	for _, s := range strings.Split(events, "\n") {
		f.Add(s)
	}
	f.Add("node=a type=SYSCALL msg=audit(18446744073709551615.000:18446744073709551615): x=1")
	f.Add("type=PATH msg=audit(1.000:2): name=\"x\" type=PATH msg=audit(1.000:3): y=(null)")
	f.Add("type=PATH msg=audit(00000000000000000001.999:099999999999999999999): a=1")
	f.Fuzz(func(t *testing.T, line string) {
		var h headerReader
		hd, ok := h.read([]byte(line))
		if !ok {
			return
		}
		rec, rest, err := record.ParseLine([]byte(line))
		if err != nil || len(rest) != 0 {
			t.Fatalf("header read, parser: %v, rest %q", err, rest)
		}
		if rec.Node != hd.node || rec.Type != hd.typ || rec.Sec != hd.sec || rec.Msec != hd.msec || rec.Serial != hd.serial {
			t.Fatalf("header %+v, parser %s %s %d.%d:%d", hd, rec.Node, rec.TypeName, rec.Sec, rec.Msec, rec.Serial)
		}
	})
}

func TestDigits(t *testing.T) {
	for _, s := range []string{"0", "7", "0001", "18446744073709551615", "18446744073709551616", "99999999999999999999",
		"123456789012345678901", "1844674407370955161", "", "x"} {
		n, used, ok := digits([]byte(s + "."))
		want, wok := parseUint([]byte(s))
		if ok != wok || ok && (n != want || used != len(s)) {
			t.Errorf("digits(%q) = %d %d %v; parseUint = %d %v", s, n, used, ok, want, wok)
		}
	}
}
