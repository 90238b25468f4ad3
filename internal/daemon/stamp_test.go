package daemon

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/logfile"
)

func TestParseStamp(t *testing.T) {
	for _, tc := range []struct {
		in        string
		sec       int64
		msec      uint32
		serial    uint64
		body      string
		wantError bool
	}{
		{in: "audit(1364481363.243:24287): arch=c000003e", sec: 1364481363, msec: 243, serial: 24287, body: "arch=c000003e"},
		{in: "audit(1.000:1): ", sec: 1, serial: 1, body: ""},
		{in: "audit(1.000:4294967295):x", sec: 1, serial: 4294967295, body: "x"},
		{in: "audit(1364481363.243:24287)", sec: 1364481363, msec: 243, serial: 24287},
		{in: "audit(.243:1): x", wantError: true},
		{in: "audit(1.2): x", wantError: true},
		{in: "audit(1.2:): x", wantError: true},
		{in: "msg=audit(1.2:3): x", wantError: true},
		{in: "", wantError: true},
		{in: "audit(99999999999999999999.1:1): x", wantError: true},
	} {
		sec, msec, serial, body, err := parseStamp([]byte(tc.in))
		if (err != nil) != tc.wantError {
			t.Errorf("%q: err %v", tc.in, err)
			continue
		}
		if err == nil && (sec != tc.sec || msec != tc.msec || serial != tc.serial || string(body) != tc.body) {
			t.Errorf("%q: got %d.%d:%d %q", tc.in, sec, msec, serial, body)
		}
	}
}

func FuzzParseStamp(f *testing.F) {
	f.Add([]byte("audit(1364481363.243:24287): arch=c000003e"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sec, msec, serial, body, err := parseStamp(b)
		if err != nil {
			return
		}
		if !bytes.HasSuffix(b, body) || sec < 0 {
			t.Fatalf("%q: body %q (%d.%d:%d)", b, body, sec, msec, serial)
		}
	})
}

// Records without a stamp, EOE-ended and standalone events all reach the
// sink, EOE never does, and interleaved events are kept apart.
func TestProcessAssemblesEvents(t *testing.T) {
	sink := &memSink{}
	d := New(Settings{}, sink, nil, nil, slog.New(slog.DiscardHandler))
	now := time.Unix(100, 0)
	d.process([]rawRecord{
		{abi.AUDIT_SYSCALL, []byte("audit(1.000:1): a=1")},
		{abi.AUDIT_SYSCALL, []byte("audit(1.000:2): b=1")},
		{abi.AUDIT_PATH, []byte("audit(1.000:1): item=0")},
		{1112, []byte("audit(1.000:3): msg='op=login'")},
		{abi.AUDIT_EOE, []byte("audit(1.000:1): ")},
		{abi.AUDIT_SYSCALL, []byte("garbage without a stamp")},
		{1999, []byte("audit(1.000:4): a type nobody knows")},
	}, now)
	d.emit(d.asm.Flush())
	var got []string
	for _, ev := range sink.events {
		got = append(got, strings.Join(ev, " | "))
	}
	want := []string{
		"type=USER_LOGIN msg=audit(1.000:3): msg='op=login'",
		"type=SYSCALL msg=audit(1.000:1): a=1 | type=PATH msg=audit(1.000:1): item=0",
		"type=SYSCALL msg=garbage without a stamp",
		"type=SYSCALL msg=audit(1.000:2): b=1",
		// A type nobody knows may belong to a syscall: it waits for
		// the end of its event like any other.
		"type=UNKNOWN[1999] msg=audit(1.000:4): a type nobody knows",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d.counters.unstamped.Load() != 1 || d.counters.records.Load() != 7 {
		t.Fatalf("counters: unstamped %d records %d", d.counters.unstamped.Load(), d.counters.records.Load())
	}
}

func TestArenaCopiesAndReuses(t *testing.T) {
	var a arena
	src := []byte("hello")
	c := a.copy(src)
	src[0] = 'j'
	d := a.copy([]byte("world"))
	if string(c) != "hello" || string(d) != "world" || cap(c) != len(c) {
		t.Fatalf("%q %q cap %d", c, d, cap(c))
	}
	if !a.owns(c) || a.owns(src) {
		t.Fatal("owns: wrong answer")
	}
	big := bytes.Repeat([]byte("x"), arenaBlock)
	if got := a.copy(big); len(got) != arenaBlock || a.owns(got) {
		t.Fatal("big record truncated or carved from the arena")
	}
	// Fill past one block: the next block is used and owned.
	rec := bytes.Repeat([]byte("r"), 1000)
	var last []byte
	for range 2 * arenaBlock / 1000 {
		last = a.copy(rec)
	}
	if a.cur == 0 || !a.owns(last) {
		t.Fatalf("cur %d owns %v", a.cur, a.owns(last))
	}
	first := a.blocks[0]
	a.reset()
	if again := a.copy([]byte("x")); unsafe.SliceData(again) != unsafe.SliceData(first) {
		t.Fatal("reset did not reuse the first block")
	}
}

// An event left open at the end of a round must survive the arena's reuse.
func TestKeepOpenMovesOpenRecords(t *testing.T) {
	sink := &memSink{}
	d := New(Settings{}, sink, nil, nil, slog.New(slog.DiscardHandler))
	var a arena
	now := time.Now()
	d.process([]rawRecord{{typ: abi.AUDIT_SYSCALL, data: a.copy([]byte("audit(1.000:7): arch=c000003e syscall=59"))}}, now)
	d.keepOpen(&a)
	a.reset()
	overwrite := a.copy(bytes.Repeat([]byte("Z"), 200))
	_ = overwrite
	d.process([]rawRecord{{typ: abi.AUDIT_EOE, data: a.copy([]byte("audit(1.000:7): "))}}, now)
	if len(sink.events) != 1 || !strings.Contains(sink.events[0][0], "syscall=59") {
		t.Fatalf("events %q", sink.events)
	}
}

// BenchmarkWritePath measures the writer side of the daemon per record:
// stamp parsing, assembly and a RAW log write with flush=none, for a
// 5-record exec event as the exec-storm benchmark produces.
func BenchmarkWritePath(b *testing.B) {
	w, err := logfile.Open(logfile.Config{Path: filepath.Join(b.TempDir(), "audit.log"), Flush: logfile.FlushNone})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	d := New(Settings{}, w, nil, nil, slog.New(slog.DiscardHandler))
	body := map[uint16]string{
		abi.AUDIT_SYSCALL:   `arch=c000003e syscall=59 success=yes exit=0 a0=55d0 a1=55d1 a2=55d2 a3=0 items=2 ppid=1 pid=2 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="true" exe="/usr/bin/true" key="storm"`,
		abi.AUDIT_EXECVE:    `argc=1 a0="/bin/true"`,
		abi.AUDIT_PATH:      `item=0 name="/bin/true" inode=1 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
		abi.AUDIT_PROCTITLE: `proctitle="/bin/true"`,
		abi.AUDIT_EOE:       ``,
	}
	order := []uint16{abi.AUDIT_SYSCALL, abi.AUDIT_EXECVE, abi.AUDIT_PATH, abi.AUDIT_PROCTITLE, abi.AUDIT_EOE}
	recs := make([]rawRecord, 0, 5*1000)
	for i := range 1000 {
		for _, typ := range order {
			recs = append(recs, rawRecord{typ, []byte(fmt.Sprintf("audit(1700000000.%03d:%d): %s", i%1000, i+1, body[typ]))})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	now := time.Now()
	for i := 0; i < b.N; i += len(recs) {
		// A fresh assembler per pass: the same serials again would be
		// late records, which is not the path being measured.
		d.asm = event.NewAssembler[[]byte](event.Config{})
		d.process(recs, now)
	}
	b.StopTimer()
	st, _ := os.Stat(w.Path())
	b.ReportMetric(float64(st.Size())/float64(b.N), "bytes/record")
}
