package event

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/kerneltest"
)

// corpusLine is what these tests need of a log line. The record parser
// lives elsewhere; a regexp over the header is enough to group records.
type corpusLine struct {
	key Key
	typ uint32
}

var headerRE = regexp.MustCompile(`^(?:node=(\S+) )?type=(\S+) msg=audit\((\d+)\.(\d+):(\d+)\)`)

// corpusDir finds ../shared/corpora beside the module root.
func corpusDir(t testing.TB) string {
	t.Helper()
	return kerneltest.CorporaDir(t)
}

func readCorpus(t testing.TB, name string) []corpusLine {
	t.Helper()
	path := filepath.Join(corpusDir(t), name)
	f, err := os.Open(path)
	if err != nil {
		kerneltest.Skip(t, "corpus file: %v", err)
	}
	defer f.Close()
	var lines []corpusLine
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		m := headerRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue // not an audit record (e.g. a syslog wrapper)
		}
		typ, ok := abi.MsgTypeByName(m[2])
		if !ok {
			t.Fatalf("%s:%d: unknown type %q", name, n, m[2])
		}
		sec, err1 := strconv.ParseInt(m[3], 10, 64)
		msec, err2 := strconv.ParseUint(m[4], 10, 32)
		ser, err3 := strconv.ParseUint(m[5], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("%s:%d: bad header %q", name, n, m[0])
		}
		lines = append(lines, corpusLine{Key{Node: m[1], Sec: sec, Msec: uint32(msec), Serial: ser}, typ})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return lines
}

func (l corpusLine) time() time.Time {
	return time.Unix(l.key.Sec, int64(l.key.Msec)*int64(time.Millisecond))
}

type corpusEvent struct {
	serial uint64
	n      int
	reason Reason
	late   bool
}

// TestGoLibauditCorpus checks the files go-libaudit's reassembler tests
// use against the events and losses those tests expect. Those tests run
// the whole file in a few milliseconds of wall time and then close, so the
// clock is held still here and everything ends at Flush.
func TestGoLibauditCorpus(t *testing.T) {
	normal := []corpusEvent{
		{58, 2, EndFlush, false}, {59, 5, EndFlush, false}, {60, 5, EndFlush, false},
		{61, 4, EndFlush, false}, {62, 1, EndFlush, false},
	}
	cases := []struct {
		file string
		want []corpusEvent
		lost uint64
	}{
		{"go-libaudit__testdata__normal.log", normal, 0},
		{"go-libaudit__testdata__out_of_order.log", normal, 0},
		{"go-libaudit__testdata__lost_messages.log", append([]corpusEvent{{49, 2, EndFlush, false}}, normal[1:]...), 9},
		{"go-libaudit__testdata__rollover.log", []corpusEvent{
			{4294967294, 1, EndFlush, false}, {4294967295, 1, EndFlush, false},
			{0, 1, EndFlush, false}, {1, 1, EndFlush, false}, {2, 1, EndFlush, false},
		}, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			lines := readCorpus(t, c.file)
			a := NewAssembler[int](Config{})
			var got []corpusEvent
			collect := func(evs []Event[int]) {
				for _, e := range evs {
					for _, i := range e.Records {
						if lines[i].key != e.Key {
							t.Fatalf("line %d (%+v) in event %+v", i+1, lines[i].key, e.Key)
						}
					}
					got = append(got, corpusEvent{e.Key.Serial, len(e.Records), e.Reason, e.Late})
				}
			}
			now := time.Now()
			for i, l := range lines {
				collect(a.Add(l.key, l.typ, i, now))
				collect(a.Expire(now))
			}
			collect(a.Flush())
			if !slices.Equal(got, c.want) {
				t.Errorf("events:\n got %v\nwant %v", got, c.want)
			}
			if s := a.Stats(); s.Lost != c.lost || s.Late != 0 || s.InFlight != 0 {
				t.Errorf("stats %+v, want Lost %d", s, c.lost)
			}
		})
	}
}

// TestCorpusRecordTime replays out_of_order.log as log search does, with
// the records' own time as the clock: event 60's last PATH comes 7.8s of
// log time after its event, so it is delivered as a late event of its own
// instead of being dropped or merged into 61, and opened at the latest log
// time seen, after 61.
func TestCorpusRecordTime(t *testing.T) {
	lines := readCorpus(t, "go-libaudit__testdata__out_of_order.log")
	a := NewAssembler[int](Config{CloseOnProctitle: true})
	var got []corpusEvent
	collect := func(evs []Event[int]) {
		for _, e := range evs {
			got = append(got, corpusEvent{e.Key.Serial, len(e.Records), e.Reason, e.Late})
		}
	}
	for i, l := range lines {
		collect(a.Add(l.key, l.typ, i, l.time()))
		collect(a.Expire(l.time()))
	}
	collect(a.Flush())
	want := []corpusEvent{
		{58, 2, EndTimeout, false}, {59, 5, EndTimeout, false}, {60, 4, EndTimeout, false},
		{61, 4, EndFlush, false}, {60, 1, EndFlush, true}, {62, 1, EndFlush, false},
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n got %v\nwant %v", got, want)
	}
	if s := a.Stats(); s.Late != 1 || s.Lost != 0 {
		t.Errorf("stats %+v, want Late 1, Lost 0", s)
	}
}

// TestCorpora replays every audit log of the shared corpora in file mode
// and checks what must hold whatever the file: each record comes out once,
// in an event of its own Key, and a file read in order (no late records)
// gives one event per Key.
func TestCorpora(t *testing.T) {
	dir := corpusDir(t)
	names, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(names) == 0 {
		kerneltest.Skip(t, "no *.log in %s: %v", dir, err)
	}
	for _, path := range names {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			lines := readCorpus(t, name)
			if len(lines) == 0 {
				t.Skip("no audit records")
			}
			a := NewAssembler[int](Config{CloseOnProctitle: true})
			seen := make([]bool, len(lines))
			keys := map[Key]bool{}
			var first, late int
			collect := func(evs []Event[int]) {
				for _, e := range evs {
					for j, i := range e.Records {
						if seen[i] {
							t.Fatalf("line %d emitted twice", i+1)
						}
						seen[i] = true
						if lines[i].key != e.Key || lines[i].typ != e.Types[j] {
							t.Fatalf("line %d (%+v) in event %+v", i+1, lines[i].key, e.Key)
						}
					}
					if e.Late {
						late++
					} else if e.Part == 0 {
						first++
					}
				}
			}
			for i, l := range lines {
				keys[l.key] = true
				collect(a.Add(l.key, l.typ, i, l.time()))
				collect(a.Expire(l.time()))
			}
			collect(a.Flush())
			for i, l := range lines {
				if !seen[i] && l.typ != abi.AUDIT_EOE {
					t.Errorf("line %d never emitted", i+1)
				}
			}
			s := a.Stats()
			if late == 0 && first != len(keys) {
				t.Errorf("%d events for %d keys", first, len(keys))
			}
			t.Logf("%d records, %d keys, %d events: eoe %d standalone %d proctitle %d timeout %d flush %d; late %d lost %d resets %d",
				len(lines), len(keys), s.Events, s.EOE, s.Standalone, s.Proctitle, s.Timeout, s.Flushed, s.Late, s.Lost, s.SerialResets)
		})
	}
}

// TestNoSerialsSameEvents checks that NoSerials changes nothing but the
// Late flag and the serial counts: the same events, with the same
// records, types and reasons, in the same order, over every corpus log,
// with and without PROCTITLE closing and a tight MaxInFlight.
func TestNoSerialsSameEvents(t *testing.T) {
	dir := corpusDir(t)
	names, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(names) == 0 {
		kerneltest.Skip(t, "no *.log in %s: %v", dir, err)
	}
	type ev struct {
		key    Key
		recs   []int
		types  []uint32
		reason Reason
		part   int
	}
	run := func(lines []corpusLine, cfg Config) []ev {
		a := NewAssembler[int](cfg)
		var out []ev
		collect := func(evs []Event[int]) {
			for _, e := range evs {
				out = append(out, ev{e.Key, slices.Clone(e.Records), slices.Clone(e.Types), e.Reason, e.Part})
			}
		}
		for i, l := range lines {
			collect(a.Add(l.key, l.typ, i, l.time()))
			collect(a.Expire(l.time()))
		}
		collect(a.Flush())
		return out
	}
	for _, path := range names {
		name := filepath.Base(path)
		lines := readCorpus(t, name)
		for _, cfg := range []Config{{CloseOnProctitle: true}, {}, {CloseOnProctitle: true, MaxInFlight: 2, MaxRecords: 3}} {
			want := run(lines, cfg)
			cfg.NoSerials = true
			got := run(lines, cfg)
			if !slices.EqualFunc(got, want, func(a, b ev) bool {
				return a.key == b.key && slices.Equal(a.recs, b.recs) && slices.Equal(a.types, b.types) && a.reason == b.reason && a.part == b.part
			}) {
				t.Errorf("%s %+v: NoSerials changed the events", name, cfg)
			}
		}
	}
}
