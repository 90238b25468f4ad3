package search

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/auditjson"
)

func TestParseTime(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	now := time.Date(2026, 11, 25, 7, 30, 15, 0, loc) // a Wednesday
	c := Clock{Now: func() time.Time { return now }, Loc: loc,
		Boot: func() (time.Time, error) { return time.Date(2026, 11, 25, 6, 0, 0, 0, loc), nil }}
	d := func(y, mo, day, h, mi, s int) time.Time { return time.Date(y, time.Month(mo), day, h, mi, s, 0, loc) }
	for _, tc := range []struct {
		date, clock string
		end         bool
		want        time.Time
	}{
		{"now", "", false, now},
		{"recent", "", false, d(2026, 11, 25, 7, 20, 15)},
		{"this-hour", "", false, d(2026, 11, 25, 7, 0, 0)},
		{"boot", "", false, d(2026, 11, 25, 6, 0, 0)},
		{"today", "", false, d(2026, 11, 25, 0, 0, 0)},
		{"today", "", true, now},
		{"yesterday", "", false, d(2026, 11, 24, 0, 0, 0)},
		{"this-week", "", false, d(2026, 11, 22, 0, 0, 0)},
		{"week-ago", "", false, d(2026, 11, 18, 0, 0, 0)},
		{"this-month", "", false, d(2026, 11, 1, 0, 0, 0)},
		{"this-year", "", false, d(2026, 1, 1, 0, 0, 0)},
		{"11/20/26", "", false, d(2026, 11, 20, 0, 0, 0)},
		{"11/20/26", "", true, d(2026, 11, 20, 7, 30, 15)},
		{"11/20/2026", "13:14:15", false, d(2026, 11, 20, 13, 14, 15)},
		{"11/20/26", "13:14", false, d(2026, 11, 20, 13, 14, 0)},
		{"12/31/99", "", false, d(1999, 12, 31, 0, 0, 0)},
		{"13:14:15", "", false, d(2026, 11, 25, 13, 14, 15)},
	} {
		got, err := ParseTime(tc.date, tc.clock, tc.end, c)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q, %q, end=%v) = %v, %v; want %v", tc.date, tc.clock, tc.end, got, err, tc.want)
		}
	}
	for _, bad := range [][2]string{{"bogus", ""}, {"13/01/26", ""}, {"02/30/26", ""}, {"11/20/26", "25:00:00"}, {"today", "10:00:00"}, {"11/20", ""}} {
		if _, err := ParseTime(bad[0], bad[1], false, c); err == nil {
			t.Errorf("ParseTime(%q, %q) succeeded", bad[0], bad[1])
		}
	}
}

func TestLogFilesOrderAndGzip(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, gz bool) {
		var b bytes.Buffer
		if gz {
			w := gzip.NewWriter(&b)
			w.Write([]byte(text))
			w.Close()
		} else {
			b.WriteString(text)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	line := func(serial string) string {
		return "type=USER_LOGIN msg=audit(1700000000.000:" + serial + "): pid=1 uid=0 auid=0 ses=1 msg='op=login res=success'\n"
	}
	write("audit.log", line("5"), false)
	write("audit.log.1", line("4"), false)
	write("audit.log.2.gz", line("3"), true)
	write("audit.log.10", line("1"), false)
	write("audit.log.3", line("2"), false)
	write("other.log", line("99"), false)
	write("audit.log.x", line("98"), false)

	srcs, err := Expand(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range srcs {
		names = append(names, filepath.Base(s.Path))
	}
	if got := strings.Join(names, " "); got != "audit.log.10 audit.log.3 audit.log.2.gz audit.log.1 audit.log" {
		t.Fatalf("order %q", got)
	}
	var out bytes.Buffer
	st, err := Search(context.Background(), NewMatcher(Query{}), srcs, &out, Options{Format: FormatRaw})
	if err != nil {
		t.Fatal(err)
	}
	if st.Matched != 5 || !strings.Contains(out.String(), ":3)") {
		t.Errorf("matched %d events from rotated and gzip logs:\n%s", st.Matched, out.String())
	}
	if _, err := LogFiles(filepath.Join(dir, "missing.log")); err == nil {
		t.Error("LogFiles of a missing log succeeded")
	}
}

func TestRawIsByteIdentical(t *testing.T) {
	// Odd spacing, a node prefix, an ENRICHED tail and trailing blanks
	// must come back as written.
	in := "node=h type=USER_LOGIN msg=audit(1700000000.000:1):  pid=1 uid=0  auid=0 ses=1 msg='op=login res=success'\x1dUID=\"root\" AUID=\"root\"\n" +
		"type=DAEMON_START msg=audit(1700000001.000:2): op=start ver=3.0.9 format=enriched res=success  \n"
	var out bytes.Buffer
	if _, err := Search(context.Background(), NewMatcher(Query{}), []Source{{Name: "x", Reader: strings.NewReader(in)}}, &out, Options{Format: FormatRaw}); err != nil {
		t.Fatal(err)
	}
	if out.String() != in {
		t.Errorf("raw output differs:\n got %q\nwant %q", out.String(), in)
	}
}

func TestParseErrorsReported(t *testing.T) {
	in := "type=USER_LOGIN msg=audit(1700000000.000:1): pid=1 res=success\ngarbage line\nmore garbage\n"
	var out, report bytes.Buffer
	st, err := Search(context.Background(), NewMatcher(Query{}), []Source{{Name: "f.log", Reader: strings.NewReader(in)}}, &out, Options{Format: FormatRaw})
	if err != nil {
		t.Fatal(err)
	}
	st.Report(&report)
	if st.ParseErrors != 2 || !strings.Contains(report.String(), "f.log:2") || !strings.Contains(report.String(), "2 unparsable") {
		t.Errorf("errors %d, report:\n%s", st.ParseErrors, report.String())
	}
}

func TestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ckpt")
	log := filepath.Join(dir, "audit.log")
	var text strings.Builder
	add := func(sec, serial string) {
		text.WriteString("type=USER_LOGIN msg=audit(" + sec + ".000:" + serial + "): pid=1 uid=0 auid=0 ses=1 msg='op=login res=success'\n")
		if err := os.WriteFile(log, []byte(text.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func() (int, string) {
		c, err := LoadCheckpoint(ck)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		st, err := Search(context.Background(), NewMatcher(Query{}), []Source{{Name: log, Path: log}}, &out, Options{Format: FormatRaw, Checkpoint: c})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Save(ck); err != nil {
			t.Fatal(err)
		}
		return st.Matched, out.String()
	}
	add("1700000000", "1")
	add("1700000001", "2")
	if n, _ := run(); n != 2 {
		t.Fatalf("first run matched %d", n)
	}
	data, _ := os.ReadFile(ck)
	if !strings.Contains(string(data), "output=- 1700000001.000:2 0x458") || !strings.HasPrefix(string(data), "dev=0x") {
		t.Errorf("checkpoint file:\n%s", data)
	}
	if n, _ := run(); n != 0 {
		t.Errorf("second run without new events matched %d", n)
	}
	add("1700000005", "3")
	if n, out := run(); n != 1 || !strings.Contains(out, ":3)") {
		t.Errorf("third run matched %d: %s", n, out)
	}
	os.WriteFile(ck, []byte("garbage\n"), 0o644)
	if _, err := LoadCheckpoint(ck); err == nil {
		t.Error("a garbage checkpoint loaded")
	}
}

// TestJSONRoundTrip checks that --format json carries every matched
// line: decoding the events gives back the raw output.
func TestJSONRoundTrip(t *testing.T) {
	for _, path := range corpusLogs(t) {
		raw := runOurs(t, path, Query{}, FormatRaw)
		js := runOurs(t, path, Query{}, FormatJSON)
		var back bytes.Buffer
		for _, line := range bytes.Split(bytes.TrimRight(js, "\n"), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			ev, err := auditjson.DecodeEvent(line)
			if err != nil {
				t.Fatalf("%s: %v", filepath.Base(path), err)
			}
			for _, l := range ev.RawLines() {
				back.Write(l)
				back.WriteByte('\n')
			}
		}
		if !bytes.Equal(back.Bytes(), raw) {
			t.Errorf("%s: JSON events do not give back the raw output", filepath.Base(path))
		}
	}
}

// TestPrefilterChangesNothing runs every corpus query with and without
// the prefilter (lines it rules out get only a header reading): the
// output must be the same bytes.
func TestPrefilterChangesNothing(t *testing.T) {
	for _, path := range corpusLogs(t) {
		qs := append(queriesFor(t, path), diffQuery{q: Query{Node: "test", Success: SuccessYes}}, diffQuery{q: Query{ContID: SetInt(1)}})
		for _, dq := range qs {
			for _, f := range []Format{FormatRaw, FormatInterpret} {
				var fast, full bytes.Buffer
				m := NewMatcher(dq.q)
				src := []Source{{Name: path, Path: path}}
				if _, err := Search(context.Background(), m, src, &fast, Options{Format: f, Loc: time.UTC}); err != nil {
					t.Fatal(err)
				}
				if _, err := Search(context.Background(), m, src, &full, Options{Format: f, Loc: time.UTC, noPrefilter: true}); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(fast.Bytes(), full.Bytes()) {
					t.Errorf("%s %v: prefiltered output differs", filepath.Base(path), dq.args)
				}
			}
		}
	}
}

// A file last written well before -ts or the checkpoint is not read, and
// leaving it out changes no output, even for an event it shares with the
// next file. Files named by -if are always read.
func TestSkipWritten(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Unix(1_700_000_000, 0)
	stamp := func(at time.Time, serial string) string {
		return "msg=audit(" + strconv.FormatInt(at.Unix(), 10) + ".000:" + serial + "):"
	}
	syscall := func(at time.Time, serial string) string {
		return "type=SYSCALL " + stamp(at, serial) + " arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 uid=0 comm=\"x\" exe=\"/x\" key=\"k\"\n"
	}
	proctitle := func(at time.Time, serial string) string {
		return "type=PROCTITLE " + stamp(at, serial) + " proctitle=78\n"
	}
	write := func(name, text string, mtime time.Time) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	// audit.log.2 ends in the middle of event 2, which audit.log.1 ends.
	write("audit.log.2", syscall(t0, "1")+proctitle(t0, "1")+syscall(t0.Add(time.Second), "2"), t0.Add(time.Second))
	t1 := t0.Add(time.Hour)
	write("audit.log.1", proctitle(t0.Add(time.Second), "2")+syscall(t1, "3")+proctitle(t1, "3"), t1)
	t2 := t1.Add(time.Hour)
	write("audit.log", syscall(t2, "4")+proctitle(t2, "4"), t2)

	srcs, err := HostLogs(filepath.Join(dir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	search := func(srcs []Source, q Query) string {
		var out bytes.Buffer
		if _, err := Search(context.Background(), NewMatcher(q), srcs, &out, Options{Format: FormatRaw}); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	for _, tc := range []struct {
		name    string
		from    time.Time
		skipped int
	}{
		{"no bound", time.Time{}, 0},
		{"within the margin of audit.log.2", t0.Add(time.Second + LastWriteMargin), 0},
		{"past audit.log.2", t0.Add(time.Second + LastWriteMargin + time.Second), 1},
		{"past audit.log.1", t1.Add(LastWriteMargin + time.Second), 2},
		{"past every file", t2.Add(LastWriteMargin + time.Second), 3},
	} {
		q := Query{Start: tc.from}
		kept, n := SkipWritten(srcs, Since(q, nil))
		if n != tc.skipped || len(kept) != len(srcs)-n {
			t.Errorf("%s: skipped %d, kept %d; want %d skipped", tc.name, n, len(kept), tc.skipped)
			continue
		}
		if got, want := search(kept, q), search(srcs, q); got != want {
			t.Errorf("%s: output differs when skipping:\n got %q\nwant %q", tc.name, got, want)
		}
	}
	// A checkpoint bounds it the same way.
	ck := &Checkpoint{Valid: true}
	ck.Key.Sec = t1.Add(LastWriteMargin + time.Second).Unix()
	if _, n := SkipWritten(srcs, Since(Query{}, ck)); n != 2 {
		t.Errorf("checkpoint after audit.log.1: skipped %d files, want 2", n)
	}
	// -if DIR may hold another host's logs: its file times bound nothing.
	other, err := Expand(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, n := SkipWritten(other, t2.Add(time.Hour)); n != 0 {
		t.Errorf("skipped %d files named by -if", n)
	}
}
