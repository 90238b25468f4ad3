package search

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/record"
)

var stampRE = regexp.MustCompile(`audit\((\d+)\.(\d+):(\d+)\)`)

// repeatLog repeats a log n times, each repetition moved later by the
// log's span plus gap seconds and its serials renumbered, as
// bench/search.sh does to make a large log from a recording.
func repeatLog(t testing.TB, src []byte, n int, gap int64) []byte {
	t.Helper()
	var lo, hi int64 = -1, 0
	var maxSerial int64
	for _, m := range stampRE.FindAllSubmatch(src, -1) {
		s, _ := strconv.ParseInt(string(m[1]), 10, 64)
		ser, _ := strconv.ParseInt(string(m[3]), 10, 64)
		if lo < 0 || s < lo {
			lo = s
		}
		hi, maxSerial = max(hi, s), max(maxSerial, ser)
	}
	var out bytes.Buffer
	for rep := range int64(n) {
		out.Write(stampRE.ReplaceAllFunc(src, func(b []byte) []byte {
			m := stampRE.FindSubmatch(b)
			s, _ := strconv.ParseInt(string(m[1]), 10, 64)
			ser, _ := strconv.ParseInt(string(m[3]), 10, 64)
			return fmt.Appendf(nil, "audit(%d.%s:%d)", s+rep*(hi-lo+gap), m[2], ser+rep*(maxSerial+1))
		}))
	}
	return out.Bytes()
}

// indexQueries adds, to the queries queriesFor derives from a log, ones
// that match rarely or never, which the index should make skip.
func indexQueries(t testing.TB, path string) []Query {
	var qs []Query
	for _, d := range queriesFor(t, path) {
		qs = append(qs, d.q)
	}
	return append(qs,
		Query{Key: "nomatch"},
		Query{Key: "ca_w"},
		Query{Key: "ca_connect", Word: true},
		Query{PID: SetInt(4242)},
		Query{PPID: SetInt(1)},
		Query{EventID: SetInt(385470)},
		Query{Comm: "su"},
		Query{Comm: "s"}, // too short for a trigram: reads everything
		Query{Exe: "/usr/bin/ls", Success: SuccessYes},
		Query{File: "/etc/passwd"},
		Query{Session: SetInt(3)},
		Query{EUID: SetInt(1000)},
		Query{AnyGID: SetInt(0), Types: []uint32{abi.AUDIT_PATH}},
		Query{EGID: SetInt(4294967295)},
		Query{Terminal: "pts"},
		Query{Hostname: "localhost"},
		Query{Node: "host"},
		Query{ContID: SetInt(4)},
		Query{Types: []uint32{1112}},
		Query{TypeNames: []string{"CONTAINER_ID"}},
		Query{Exit: SetInt(-2)},
	)
}

func runSearch(t testing.TB, q Query, srcs []Source, opt Options) ([]byte, Stats) {
	t.Helper()
	var out bytes.Buffer
	opt.Loc = time.UTC
	st, err := Search(context.Background(), NewMatcher(q), srcs, &out, opt)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return out.Bytes(), st
}

// sameWithIndex checks that every query prints the same bytes and counts
// the same records and events with the index as without, and returns the
// bytes the index let the searches skip.
func sameWithIndex(t *testing.T, name string, srcs []Source, dir string, qs []Query) int64 {
	t.Helper()
	var skipped int64
	for _, q := range qs {
		for _, f := range []Format{FormatRaw, FormatInterpret} {
			want, wst := runSearch(t, q, srcs, Options{Format: f})
			got, gst := runSearch(t, q, srcs, Options{Format: f, IndexDir: dir})
			if !bytes.Equal(got, want) {
				d := firstDiff(string(want), string(got))
				t.Fatalf("%s, query %+v, format %d: output differs with the index (%d bytes, %d skipped; without: %d bytes): %s",
					name, q, f, len(got), gst.SkippedBytes, len(want), d)
			}
			if gst.Records != wst.Records || gst.Events != wst.Events || gst.Matched != wst.Matched ||
				gst.NoStamp != wst.NoStamp || gst.ParseErrors != wst.ParseErrors {
				t.Fatalf("%s, query %+v: counts differ with the index:\n got %+v\nwant %+v", name, q, gst, wst)
			}
			if gst.StaleIndexes != 0 || len(gst.IndexErrors) != 0 {
				t.Fatalf("%s: index not used: %d stale, errors %v", name, gst.StaleIndexes, gst.IndexErrors)
			}
			skipped += gst.SkippedBytes
		}
	}
	return skipped
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n want %q\n  got %q", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("one is a prefix of the other (%d and %d lines)", len(al), len(bl))
}

func buildIndex(t testing.TB, path, dir string, segment int64) IndexResult {
	t.Helper()
	res, err := BuildIndex(context.Background(), path, IndexOptions{Dir: dir, SegmentSize: segment})
	if err != nil {
		t.Fatalf("index %s: %v", path, err)
	}
	return res
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestIndexSameOutput: on every corpus log and on a long recording, with
// small segments, a search through the index prints exactly what a
// search of the whole file prints.
func TestIndexSameOutput(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "index")
	recorded, err := os.ReadFile("testdata/recorded.log")
	if err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(tmp, "long.log")
	writeFile(t, long, repeatLog(t, recorded, 40, 3))
	logs := append(corpusLogs(t), "testdata/normalize.log", long)
	var skipped, segments int64
	for _, path := range logs {
		// A copy, so that the index names a file of this test.
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cp := filepath.Join(tmp, "copy-"+filepath.Base(path))
		writeFile(t, cp, data)
		res := buildIndex(t, cp, dir, 512)
		segments += int64(res.Segments)
		skipped += sameWithIndex(t, filepath.Base(path), []Source{{Name: cp, Path: cp}}, dir, indexQueries(t, path))
	}
	t.Logf("%d logs, %d segments, %d bytes skipped over all queries", len(logs), segments, skipped)
	if segments == 0 || skipped == 0 {
		t.Fatalf("the index cut %d segments and skipped %d bytes: it is not used", segments, skipped)
	}
}

// TestIndexAcrossFiles: rotated files cut in the middle of events, read
// in order or in the wrong time order, and one of them without an index.
func TestIndexAcrossFiles(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "index")
	recorded, err := os.ReadFile("testdata/recorded.log")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(repeatLog(t, recorded, 12, 1)), "\n")
	// Cut where the next line continues an event (not a SYSCALL, which
	// starts one).
	var cuts []int
	for i := len(lines) / 3; len(cuts) < 2 && i < len(lines); i++ {
		if !strings.Contains(lines[i], "type=SYSCALL") && (len(cuts) == 0 || i > cuts[0]+len(lines)/3) {
			cuts = append(cuts, i)
		}
	}
	parts := []string{
		strings.Join(lines[:cuts[0]], ""),
		strings.Join(lines[cuts[0]:cuts[1]], ""),
		strings.Join(lines[cuts[1]:], ""),
	}
	var srcs []Source
	for i, p := range parts {
		path := filepath.Join(tmp, fmt.Sprintf("audit.log.%d", 2-i))
		writeFile(t, path, []byte(p))
		if i != 1 {
			buildIndex(t, path, dir, 1024)
		}
		srcs = append(srcs, Source{Name: path, Path: path})
	}
	qs := indexQueries(t, "testdata/recorded.log")
	if sameWithIndex(t, "in order", srcs, dir, qs) == 0 {
		t.Error("nothing skipped")
	}
	buildIndex(t, srcs[1].Path, dir, 1024)
	sameWithIndex(t, "in order, all indexed", srcs, dir, qs)
	// Newest first: each file starts before the clock the previous one
	// left, so the searcher refuses skips until the clock agrees.
	sameWithIndex(t, "newest first", []Source{srcs[2], srcs[1], srcs[0]}, dir, qs)
}

// TestIndexGrowthAndStale: a log that grew since its index is read
// through the index and then its tail; building again extends the
// index; a rewritten log's index is stale and not used.
func TestIndexGrowthAndStale(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "index")
	recorded, err := os.ReadFile("testdata/recorded.log")
	if err != nil {
		t.Fatal(err)
	}
	all := repeatLog(t, recorded, 10, 1)
	half := bytes.LastIndexByte(all[:len(all)/2], '\n') + 1
	path := filepath.Join(tmp, "audit.log")
	writeFile(t, path, all[:half])
	first := buildIndex(t, path, dir, 2048)
	if first.Reused || first.Segments == 0 || first.End >= first.Size {
		t.Fatalf("first build: %+v", first)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(all[half:])
	f.Close()
	srcs := []Source{{Name: path, Path: path}}
	qs := indexQueries(t, "testdata/recorded.log")
	sameWithIndex(t, "grown", srcs, dir, qs)
	second := buildIndex(t, path, dir, 2048)
	if !second.Reused || second.Added == 0 || second.Segments != first.Segments+second.Added {
		t.Fatalf("second build did not extend the first: %+v after %+v", second, first)
	}
	sameWithIndex(t, "extended", srcs, dir, qs)
	// The same build from scratch cuts the same segments.
	os.RemoveAll(dir)
	if again := buildIndex(t, path, dir, 2048); again.Segments != second.Segments || again.End != second.End {
		t.Fatalf("extended index %+v, built at once %+v", second, again)
	}

	// Rewrite the log in place with other stamps: the index is stale.
	writeFile(t, path, bytes.ReplaceAll(all, []byte("audit(17"), []byte("audit(18")))
	_, st := runSearch(t, Query{Key: "nomatch"}, srcs, Options{IndexDir: dir})
	if st.StaleIndexes != 1 || st.SkippedBytes != 0 {
		t.Fatalf("rewritten log: %d stale indexes, %d bytes skipped", st.StaleIndexes, st.SkippedBytes)
	}
	var report strings.Builder
	st.Report(&report)
	if !strings.Contains(report.String(), "1 file(s) changed since indexed and were read whole: run contaudit index") {
		t.Errorf("report: %q", report.String())
	}
}

// FuzzIndexSameOutput: whatever the log, a search through its index
// (segments as small as they get) prints what a search of the whole
// file prints.
func FuzzIndexSameOutput(f *testing.F) {
	recorded, err := os.ReadFile("testdata/recorded.log")
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.SplitAfter(string(recorded), "\n")
	for i := 0; i+12 <= len(lines); i += 40 {
		f.Add([]byte(strings.Join(lines[i:i+12], "")))
	}
	f.Add([]byte("type=SYSCALL msg=audit(5.000:1): pid=1 key=\"ca\"\ntype=EOE msg=audit(5.000:1): \ntype=USER msg=audit(9.000:2): pid=1 res=yes\n"))
	dir := f.TempDir()
	queries := []Query{{Key: "ca_"}, {PID: SetInt(1)}, {Types: []uint32{abi.AUDIT_SYSCALL}, Success: SuccessYes},
		{Start: time.Unix(1795593361, 0)}, {EventID: SetInt(385446)}}
	f.Fuzz(func(t *testing.T, log []byte) {
		path := filepath.Join(dir, "fuzz.log")
		idx := filepath.Join(dir, "idx")
		os.RemoveAll(idx)
		writeFile(t, path, log)
		if _, err := BuildIndex(context.Background(), path, IndexOptions{Dir: idx, SegmentSize: 1}); err != nil {
			if errors.Is(err, ErrCompressed) {
				return
			}
			t.Fatal(err)
		}
		srcs := []Source{{Name: path, Path: path}}
		for _, q := range queries {
			want, wst := runSearch(t, q, srcs, Options{})
			got, gst := runSearch(t, q, srcs, Options{IndexDir: idx})
			if !bytes.Equal(got, want) || gst.Records != wst.Records || gst.Events != wst.Events || gst.ParseErrors != wst.ParseErrors {
				t.Fatalf("query %+v: with the index\n%s%+v\nwithout\n%s%+v", q, got, gst, want, wst)
			}
		}
	})
}

// TestIndexEOE: EOE lines after the PROCTITLE that ended their event are
// printed with it; no segment may start with one, or a skipped segment
// would take it from a matching event before.
func TestIndexEOE(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "index")
	recorded, err := os.ReadFile("testdata/recorded.log")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(string(repeatLog(t, recorded, 8, 1)), "\n") {
		b.WriteString(l)
		if strings.HasPrefix(l, "type=PROCTITLE ") {
			m := stampRE.FindString(l)
			b.WriteString("type=EOE msg=" + m + ": \n")
		}
	}
	path := filepath.Join(tmp, "eoe.log")
	writeFile(t, path, []byte(b.String()))
	// Segments as small as they get: a cut wherever one is allowed.
	buildIndex(t, path, dir, 1)
	qs := indexQueries(t, "testdata/recorded.log")
	if sameWithIndex(t, "eoe", []Source{{Name: path, Path: path}}, dir, qs) == 0 {
		t.Error("nothing skipped")
	}
	out, _ := runSearch(t, Query{Key: "ca_write"}, []Source{{Name: path, Path: path}}, Options{IndexDir: dir})
	if !bytes.Contains(out, []byte("type=EOE")) {
		t.Fatalf("no EOE printed:\n%s", out)
	}
}

func TestBuildIndexRefusesGzip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log.1.gz")
	writeFile(t, path, []byte{0x1f, 0x8b, 8, 0})
	if _, err := BuildIndex(context.Background(), path, IndexOptions{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("gzip file: %v", err)
	}
}

// TestIndexClock: assembly's clock never runs backwards, and a skipped
// segment must leave it where reading would: here a record an hour
// ahead keeps event 3 open past the record of event 4, five seconds
// later in log time but behind the clock, so that its PATH joins it.
func TestIndexClock(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "index")
	log := `type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=59 success=yes exit=0 pid=10 key="other"
type=PROCTITLE msg=audit(1700000000.000:1): proctitle=6C73
type=USER_LOGIN msg=audit(1700003600.000:2): pid=11 uid=0 msg='op=login res=success'
type=SYSCALL msg=audit(1700000005.000:3): arch=c000003e syscall=59 success=yes exit=0 pid=12 key="match"
type=SYSCALL msg=audit(1700000008.000:4): arch=c000003e syscall=59 success=yes exit=0 pid=13 key="match"
type=PATH msg=audit(1700000005.000:3): item=0 name="/bin/ls"
type=PROCTITLE msg=audit(1700000005.000:3): proctitle=6C73
type=PROCTITLE msg=audit(1700000008.000:4): proctitle=6C73
`
	path := filepath.Join(tmp, "clock.log")
	writeFile(t, path, []byte(log))
	if res := buildIndex(t, path, dir, 1); res.Segments != 2 {
		t.Fatalf("%d segments, want 2 (before the USER_LOGIN and after it)", res.Segments)
	}
	srcs := []Source{{Name: path, Path: path}}
	if sameWithIndex(t, "clock", srcs, dir, []Query{{Key: "match"}}) == 0 {
		t.Fatal("nothing skipped")
	}
	out, st := runSearch(t, Query{Key: "match"}, srcs, Options{Format: FormatInterpret, IndexDir: dir})
	if st.Matched != 2 || !bytes.Contains(out, []byte("type=PATH")) {
		t.Fatalf("%d events matched, want 2 with the PATH in event 3:\n%s", st.Matched, out)
	}
}

// TestFieldRoleAgreesWithMatcher: for every field of every corpus record,
// a query for that field's own value matches it exactly for the options
// fieldRole says the field serves. The index's tokens come from
// fieldRole and the matcher has its own switch (a call per field would
// cost its hot path half again), so this keeps the two from drifting.
func TestFieldRoleAgreesWithMatcher(t *testing.T) {
	serves := func(role, c byte) bool {
		return role == c || c == tokAnyUID && (role == tokUID || role == tokEUID || role == tokAUID) ||
			c == tokAnyGID && (role == tokGID || role == tokEGID)
	}
	// Where each option class's value goes in a Query: numbers compared
	// as int64, ids as the kernel's u32, strings.
	nums := map[byte]func(*Query) *Int{
		tokPID: func(q *Query) *Int { return &q.PID }, tokPPID: func(q *Query) *Int { return &q.PPID },
		tokSyscall: func(q *Query) *Int { return &q.Syscall }, tokExit: func(q *Query) *Int { return &q.Exit },
	}
	ids := map[byte]func(*Query) *Int{
		tokSes: func(q *Query) *Int { return &q.Session }, tokUID: func(q *Query) *Int { return &q.UID },
		tokEUID: func(q *Query) *Int { return &q.EUID }, tokAUID: func(q *Query) *Int { return &q.AUID },
		tokAnyUID: func(q *Query) *Int { return &q.AnyUID }, tokGID: func(q *Query) *Int { return &q.GID },
		tokEGID: func(q *Query) *Int { return &q.EGID }, tokAnyGID: func(q *Query) *Int { return &q.AnyGID },
	}
	strs := map[byte]func(*Query) *string{
		tokComm: func(q *Query) *string { return &q.Comm }, tokExe: func(q *Query) *string { return &q.Exe },
		tokFile: func(q *Query) *string { return &q.File }, tokKey: func(q *Query) *string { return &q.Key },
		tokHost: func(q *Query) *string { return &q.Hostname }, tokTerm: func(q *Query) *string { return &q.Terminal },
	}
	queryFor := func(c byte, v []byte) (Query, bool) {
		var q Query
		n, isNum := parseInt(v)
		switch {
		case nums[c] != nil:
			*nums[c](&q) = SetInt(n)
			return q, isNum
		case ids[c] != nil:
			*ids[c](&q) = SetInt(int64(uint32(n)))
			return q, isNum
		case strs[c] != nil:
			s := v
			if i := bytes.IndexByte(v, 0x01); c == tokKey && i >= 0 {
				s = v[:i] // one key of several
			}
			*strs[c](&q) = string(s)
			return q, len(s) > 0
		case c == tokSuccess:
			q.Success = successOf(v)
			return q, q.Success != SuccessAny
		case c == tokContID:
			var first uint64
			ok := chainIDs(v, func(x uint64) bool { first = x; return true })
			q.ContID = SetInt(int64(first))
			return q, ok
		}
		return q, false
	}
	classes := []byte{tokPID, tokPPID, tokSes, tokSyscall, tokExit, tokSuccess, tokUID, tokEUID, tokAUID,
		tokAnyUID, tokGID, tokEGID, tokAnyGID, tokContID, tokComm, tokExe, tokFile, tokKey, tokHost, tokTerm}
	logs := append(corpusLogs(t), "testdata/recorded.log", "testdata/normalize.log")
	fields, served := 0, 0
	for _, path := range logs {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var p record.Parser
		for _, line := range bytes.Split(data, []byte("\n")) {
			r, _, err := p.ParseLine(line)
			if err != nil {
				continue
			}
			for i := range r.Fields {
				// The field alone, after the bare word before it (the
				// "old" of old LOGIN records), so that no other field can
				// satisfy the query.
				one := *r
				one.Fields = r.Fields[i : i+1]
				if i > 0 && r.Fields[i-1].Kind == record.KindBare {
					one.Fields = r.Fields[i-1 : i+1]
				}
				j := len(one.Fields) - 1
				role := fieldRole(&one, j)
				if role != fieldRole(r, i) {
					t.Fatalf("%s: field %q: role %d alone, %d in its record", path, r.Fields[i].Key, role, fieldRole(r, i))
				}
				fields++
				for _, c := range classes {
					q, ok := queryFor(c, one.Fields[j].Value)
					if !ok {
						continue
					}
					m := NewMatcher(q)
					got := m.Match(m.Record(&one))
					if want := serves(role, c); got != want {
						t.Fatalf("%s: %s field %s=%q, option class %d: matcher %v, fieldRole %d says %v",
							path, r.TypeName, r.Fields[i].Key, r.Fields[i].Value, c, got, role, want)
					}
					if got {
						served++
					}
				}
			}
		}
	}
	t.Logf("%d fields, %d (field, option) pairs served", fields, served)
}
