package logfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"golang.org/x/sys/unix"
)

var sampleMsg = []byte(`audit(1364481363.243:24287): arch=c000003e syscall=59 success=yes exit=0 a0=1a011adfe0d8 a1=1a011adf6060 a2=1a011aed0140 a3=0 items=2 ppid=10464 pid=10812 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="true" exe="/usr/bin/true" key="t"`)

// logRecorder collects what the writer would send to syslog.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }
func (l *logRecorder) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.Contains(m, substr) {
			n++
		}
	}
	return n
}

func openTest(t testing.TB, cfg Config) (*Writer, *logRecorder) {
	t.Helper()
	rec := &logRecorder{}
	if cfg.Path == "" {
		cfg.Path = filepath.Join(t.TempDir(), "audit.log")
	}
	cfg.Logger = slog.New(rec)
	w, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, rec
}

func TestAppendLine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		node   string
		typ    uint32
		msg    string
		enrich string
		want   string
	}{
		{"raw", "", abi.AUDIT_SYSCALL, "audit(1.002:3): a=b", "", "type=SYSCALL msg=audit(1.002:3): a=b\n"},
		{"node", "n1", abi.AUDIT_EOE, "audit(1.002:3): ", "", "node=n1 type=EOE msg=audit(1.002:3):\n"},
		{"newlines", "", abi.AUDIT_USER, "audit(1.002:3): a\nb\n", "", "type=USER msg=audit(1.002:3): a b\n"},
		{"nul", "", abi.AUDIT_PATH, "audit(1.002:3): x=1\x00", "", "type=PATH msg=audit(1.002:3): x=1\n"},
		{"unknown", "", 1999, "audit(1.002:3): x=1", "", "type=UNKNOWN[1999] msg=audit(1.002:3): x=1\n"},
		{"unknown high", "", 65000, "audit(1.002:3): x=1", "", "type=UNKNOWN[65000] msg=audit(1.002:3): x=1\n"},
		{"enriched", "", abi.AUDIT_SYSCALL, "audit(1.002:3): uid=0", `UID="root"`, "type=SYSCALL msg=audit(1.002:3): uid=0\x1dUID=\"root\"\n"},
	} {
		var enrich EnrichFunc
		if tc.enrich != "" {
			enrich = func(_ uint32, _ []byte, dst []byte) []byte { return append(dst, tc.enrich...) }
		}
		if got := string(AppendLine(nil, tc.node, tc.typ, []byte(tc.msg), enrich)); got != tc.want {
			t.Errorf("%s: got %q want %q", tc.name, got, tc.want)
		}
	}
	// Nothing to interpret: no separator, as auditd.
	none := func(_ uint32, _ []byte, dst []byte) []byte { return dst }
	if got := string(AppendLine(nil, "", abi.AUDIT_CWD, []byte("audit(1.002:3): cwd=\"/\""), none)); strings.ContainsRune(got, 0x1d) {
		t.Errorf("empty enrichment wrote a separator: %q", got)
	}
	long := append([]byte("audit(1.002:3): x="), bytes.Repeat([]byte("a"), 10000)...)
	if got := AppendLine(nil, "", abi.AUDIT_USER, long, nil); len(got) != maxRawLine+1 {
		t.Errorf("long line: %d bytes, want auditd's %d", len(got), maxRawLine+1)
	}
}

func FuzzAppendLine(f *testing.F) {
	f.Add("n", uint32(1300), []byte("audit(1.002:3): a=b\n"))
	f.Fuzz(func(t *testing.T, node string, typ uint32, msg []byte) {
		if strings.ContainsAny(node, "\n") {
			return
		}
		out := AppendLine(nil, node, typ, msg, nil)
		if len(out) == 0 || out[len(out)-1] != '\n' || bytes.Count(out, []byte("\n")) != 1 {
			t.Fatalf("not exactly one line: %q", out)
		}
	})
}

func TestEOE(t *testing.T) {
	ev := []Record{{Type: abi.AUDIT_SYSCALL, Msg: sampleMsg}, {Type: abi.AUDIT_EOE, Msg: []byte("audit(1.002:3): ")}}
	w, _ := openTest(t, Config{})
	w.WriteEvent(ev)
	w2, _ := openTest(t, Config{WriteEOE: true})
	w2.WriteEvent(ev)
	if lineCount(t, w.Path()) != 1 || lineCount(t, w2.Path()) != 2 || w.Stats().SkippedEOE != 1 || w2.Stats().SkippedEOE != 0 {
		t.Errorf("EOE: %d and %d lines", lineCount(t, w.Path()), lineCount(t, w2.Path()))
	}
}

func TestDaemonRecord(t *testing.T) {
	now := time.Unix(1700000000, 123456789)
	w, _ := openTest(t, Config{Now: func() time.Time { return now }})
	start := w.daemonSeq
	if err := w.WriteDaemon(abi.AUDIT_DAEMON_START, StartText("contaudit-0.1", "raw", "6.18", Sender{Known: true, AUID: 1, PID: 2, UID: 3, Ses: 4})); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, _ := os.ReadFile(w.Path())
	want := fmt.Sprintf("type=DAEMON_START msg=audit(1700000000.123:%d): op=start ver=contaudit-0.1 format=raw kernel=6.18 auid=1 pid=2 uid=3 ses=4 res=success\n", start+1)
	if string(got) != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if s := SignalText(OpTerminate, Sender{}); s != "op=terminate auid=-1 uid=-1 ses=-1 pid=-1 subj=? res=success" {
		t.Errorf("unknown sender: %q", s)
	}
	if s := SelfSender(); s.PID != os.Getpid() || !s.Known {
		t.Errorf("SelfSender: %+v", s)
	}
}

func TestFileModeAndAppend(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "audit.log")
	w, _ := openTest(t, Config{Path: path})
	w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	w.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode())
	}
	// Reopening appends.
	w, _ = openTest(t, Config{Path: path})
	w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	w.Close()
	b, _ := os.ReadFile(path)
	if n := bytes.Count(b, []byte("\n")); n != 2 {
		t.Errorf("%d lines after reopen, want 2", n)
	}
	if os.Geteuid() == 0 {
		w, _ = openTest(t, Config{Path: path, Group: 4})
		w.Close()
		st, _ = os.Stat(path)
		if st.Mode().Perm() != 0o640 || st.Sys().(*syscall.Stat_t).Gid != 4 {
			t.Errorf("with log_group: mode %v gid %d", st.Mode(), st.Sys().(*syscall.Stat_t).Gid)
		}
	}
}

func TestRepairTruncatedTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte("type=EOE msg=audit(1.002:3): \ntype=SYSCALL msg=audit(1.002:4): arch=c0"), 0o600); err != nil {
		t.Fatal(err)
	}
	w, rec := openTest(t, Config{Path: path})
	w.WriteRecord(abi.AUDIT_CWD, []byte("audit(1.002:5): cwd=\"/\""))
	w.Close()
	b, _ := os.ReadFile(path)
	want := "type=EOE msg=audit(1.002:3): \ntype=SYSCALL msg=audit(1.002:4): arch=c0\ntype=CWD msg=audit(1.002:5): cwd=\"/\"\n"
	if string(b) != want {
		t.Errorf("got %q\nwant %q", b, want)
	}
	if !w.Stats().RepairedTail || rec.count("partial line") != 1 {
		t.Errorf("repair not reported: %+v", w.Stats())
	}
}

func TestOpenErrorsNamePath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	for _, p := range []string{filepath.Join(file, "audit.log"), dir} {
		_, err := Open(Config{Path: p, Logger: slog.New(&logRecorder{})})
		if err == nil || !strings.Contains(err.Error(), p) && !strings.Contains(err.Error(), file) {
			t.Errorf("Open(%s): %v", p, err)
		}
	}
	if _, err := Open(Config{Path: "relative.log"}); err == nil {
		t.Error("relative path accepted")
	}
}

func TestFlushModeFlags(t *testing.T) {
	for _, tc := range []struct {
		f    Flush
		want int
	}{{FlushNone, 0}, {FlushData, unix.O_DSYNC}, {FlushSync, unix.O_SYNC}} {
		w, _ := openTest(t, Config{Flush: tc.f})
		b, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", w.f.Fd()))
		if err != nil {
			t.Fatal(err)
		}
		var flags int
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "flags:"); ok {
				fmt.Sscanf(strings.TrimSpace(v), "%o", &flags)
			}
		}
		if flags&(unix.O_SYNC|unix.O_DSYNC) != tc.want || flags&unix.O_APPEND == 0 {
			t.Errorf("flush %d: flags %o", tc.f, flags)
		}
		w.Close()
	}
}

func TestIncrementalModes(t *testing.T) {
	for _, f := range []Flush{FlushIncremental, FlushIncrementalAsync} {
		w, _ := openTest(t, Config{Flush: f, Freq: 3})
		for i := 0; i < 100; i++ {
			if err := w.WriteEvent([]Record{{Type: abi.AUDIT_SYSCALL, Msg: sampleMsg}, {Type: abi.AUDIT_EOE, Msg: []byte("audit(1.002:3): ")}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if s := w.Stats(); s.Records != 100 || s.SkippedEOE != 100 || s.Events != 100 || s.FlushErrors != 0 {
			t.Errorf("flush %d: %+v", f, s)
		}
	}
}

func lineCount(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	return bytes.Count(b, []byte("\n"))
}

func TestSizeRotation(t *testing.T) {
	line := len(AppendLine(nil, "", abi.AUDIT_SYSCALL, sampleMsg, nil))
	w, _ := openTest(t, Config{MaxLogFile: int64(line * 10), MaxLogFileAction: Rotate, NumLogs: 3})
	for i := 0; i < 45; i++ {
		w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	}
	p := w.Path()
	if n := w.Stats().Rotations; n != 4 {
		t.Errorf("%d rotations, want 4", n)
	}
	if lineCount(t, p) != 5 || lineCount(t, p+".1") != 10 || lineCount(t, p+".2") != 10 || lineCount(t, p+".3") != -1 {
		t.Errorf("files: %d %d %d %d", lineCount(t, p), lineCount(t, p+".1"), lineCount(t, p+".2"), lineCount(t, p+".3"))
	}
	if st, _ := os.Stat(p + ".1"); st.Mode().Perm() != 0o400 {
		t.Errorf("rotated log mode %v, want 0400 as auditd", st.Mode())
	}
	// Explicit rotation (SIGUSR1).
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	if lineCount(t, p) != 0 || lineCount(t, p+".1") != 5 {
		t.Errorf("after Rotate: %d %d", lineCount(t, p), lineCount(t, p+".1"))
	}
}

func TestKeepLogs(t *testing.T) {
	line := len(AppendLine(nil, "", abi.AUDIT_SYSCALL, sampleMsg, nil))
	w, _ := openTest(t, Config{MaxLogFile: int64(line * 2), MaxLogFileAction: KeepLogs, NumLogs: 2})
	for i := 0; i < 12; i++ {
		w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	}
	for i := 1; i <= 6; i++ {
		if n := lineCount(t, fmt.Sprintf("%s.%d", w.Path(), i)); n != 2 {
			t.Errorf("%s.%d has %d lines", w.Path(), i, n)
		}
	}
}

func TestRotateDisabled(t *testing.T) {
	w, rec := openTest(t, Config{NumLogs: 1})
	w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	if err := w.Rotate(); err != nil || rec.count("num_logs < 2") != 1 || lineCount(t, w.Path()) != 1 {
		t.Errorf("Rotate with num_logs 1: %v, %v", err, rec.msgs)
	}
}

func TestSizeSuspendAndSyslog(t *testing.T) {
	line := len(AppendLine(nil, "", abi.AUDIT_SYSCALL, sampleMsg, nil))
	w, rec := openTest(t, Config{MaxLogFile: int64(line * 3), MaxLogFileAction: Suspend, NumLogs: 2})
	var suspended int
	for i := 0; i < 10; i++ {
		if err := w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg); errors.Is(err, ErrSuspended) {
			suspended++
		}
	}
	s := w.Stats()
	if suspended != 7 || s.Dropped != 7 || s.Records != 3 || !s.Suspended || s.SuspendReason != "max_log_file reached" {
		t.Errorf("suspend: %d errors, %+v", suspended, s)
	}
	if rec.count("suspending logging due to logfile size") != 1 {
		t.Errorf("log: %v", rec.msgs)
	}
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg); err != nil || w.Stats().Suspended {
		t.Errorf("after Rotate: %v %+v", err, w.Stats())
	}

	w2, rec2 := openTest(t, Config{MaxLogFile: int64(line), MaxLogFileAction: Syslog})
	for i := 0; i < 5; i++ {
		w2.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	}
	if rec2.count("larger than max size") != 1 || w2.Stats().Records != 5 {
		t.Errorf("syslog action: %v %+v", rec2.msgs, w2.Stats())
	}
}

func TestResume(t *testing.T) {
	line := len(AppendLine(nil, "", abi.AUDIT_SYSCALL, sampleMsg, nil))
	w, _ := openTest(t, Config{MaxLogFile: int64(line), MaxLogFileAction: Suspend})
	w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	if !w.Stats().Suspended {
		t.Fatal("not suspended")
	}
	if err := w.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg); err != nil {
		t.Errorf("after Resume: %v", err)
	}
}

func TestUnsupportedActionsLogged(t *testing.T) {
	_, rec := openTest(t, Config{SpaceLeftAction: Email, AdminSpaceLeftAction: Halt, DiskFullAction: Single, DiskErrorAction: Exec})
	if rec.count("contaudit does not") != 4 {
		t.Errorf("messages: %v", rec.msgs)
	}
}

// mountTmpfs mounts a small tmpfs for disk-full tests.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	kerneltest.RequireRoot(t)
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		kerneltest.Skip(t, "mount tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

func TestDiskFull(t *testing.T) {
	dir := mountTmpfs(t, "256k")
	w, rec := openTest(t, Config{Path: filepath.Join(dir, "audit.log"), DiskFullAction: Suspend, SpaceCheckInterval: time.Nanosecond})
	var lastErr error
	for i := 0; i < 5000 && !w.Stats().Suspended; i++ {
		lastErr = w.WriteEvent([]Record{{Type: abi.AUDIT_SYSCALL, Msg: sampleMsg}, {Type: abi.AUDIT_EOE, Msg: []byte("audit(1.002:3): ")}})
	}
	s := w.Stats()
	if !s.Suspended || s.SuspendReason != "disk full" || rec.count("no space left") == 0 {
		t.Fatalf("not suspended on a full disk: %+v last error %v", s, lastErr)
	}
	if err := w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg); !errors.Is(err, ErrSuspended) {
		t.Errorf("write while suspended: %v", err)
	}
	s = w.Stats()
	if s.Records+s.Dropped == 0 || s.Dropped == 0 {
		t.Errorf("drops not counted: %+v", s)
	}
	b, _ := os.ReadFile(w.Path())
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Errorf("log ends in a partial line: %q", b[max(0, len(b)-40):])
	}
	if uint64(bytes.Count(b, []byte("\n"))) != s.Records {
		t.Errorf("%d lines on disk, %d records counted", bytes.Count(b, []byte("\n")), s.Records)
	}
	// Space comes back (the admin archives the log): logging resumes by itself.
	if err := os.Truncate(w.Path(), 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	if err := w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg); err != nil {
		t.Errorf("no auto-resume when space came back: %v %+v", err, w.Stats())
	}
}

func TestDiskFullWriteErrorSyslog(t *testing.T) {
	dir := mountTmpfs(t, "256k")
	// Checks disabled: only the failing write can notice.
	w, rec := openTest(t, Config{Path: filepath.Join(dir, "audit.log"), DiskFullAction: Syslog, SpaceCheckInterval: time.Hour})
	big := append([]byte("audit(1.002:3): x="), bytes.Repeat([]byte("a"), 8000)...)
	var errs int
	for i := 0; i < 100; i++ {
		if err := w.WriteRecord(abi.AUDIT_USER, big); err != nil {
			if !errors.Is(err, unix.ENOSPC) {
				t.Fatalf("unexpected error %v", err)
			}
			errs++
		}
	}
	s := w.Stats()
	if errs == 0 || s.Dropped != uint64(errs) || s.WriteErrors == 0 || s.Suspended || rec.count("no space left") == 0 {
		t.Errorf("errors %d stats %+v", errs, s)
	}
	b, _ := os.ReadFile(w.Path())
	if uint64(bytes.Count(b, []byte("\n"))) != s.Records || b[len(b)-1] != '\n' {
		t.Errorf("partial write left behind: %d lines, %d records", bytes.Count(b, []byte("\n")), s.Records)
	}
}

func TestSpaceLeft(t *testing.T) {
	dir := mountTmpfs(t, "256k")
	w, rec := openTest(t, Config{
		Path:      filepath.Join(dir, "audit.log"),
		SpaceLeft: Threshold{Percent: 50}, SpaceLeftAction: Syslog,
		AdminSpaceLeft: Threshold{Percent: 25}, AdminSpaceLeftAction: Suspend,
		SpaceCheckInterval: time.Nanosecond,
	})
	for i := 0; i < 2000 && !w.Stats().Suspended; i++ {
		w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	}
	if rec.count("low on disk space") != 1 || rec.count("suspending logging due to low disk space") != 1 || w.Stats().SuspendReason != "admin_space_left reached" {
		t.Errorf("messages %v stats %+v", rec.msgs, w.Stats())
	}
	// Rotating does not free space on a one-file log, but archiving does.
	os.Truncate(w.Path(), 0)
	time.Sleep(time.Millisecond)
	if err := w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg); err != nil {
		t.Errorf("not resumed: %v", err)
	}
}

func TestConcurrentStatsAndRotate(t *testing.T) {
	w, _ := openTest(t, Config{Flush: FlushIncrementalAsync, Freq: 1, NumLogs: 3})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < 2000; i++ {
			w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			w.Rotate()
			_ = w.Stats()
		}
	}()
	wg.Wait()
	if s := w.Stats(); s.Records != 2000 || s.Dropped != 0 {
		t.Errorf("%+v", s)
	}
}

func TestSymlinkRefused(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	os.WriteFile(target, nil, 0o600)
	link := filepath.Join(dir, "audit.log")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	_, err := Open(Config{Path: link, Logger: slog.New(&logRecorder{})})
	if err == nil || !strings.Contains(err.Error(), link) {
		t.Errorf("symlinked log: %v", err)
	}
}

// Held events reach the file only at Flush, in order, counted once; a
// rotation or Close writes what is held first, into the file it belongs to.
func TestHoldFlush(t *testing.T) {
	w, _ := openTest(t, Config{NumLogs: 3})
	p := w.Path()
	w.Hold()
	for range 3 {
		if err := w.WriteEvent([]Record{{Type: abi.AUDIT_SYSCALL, Msg: sampleMsg}, {Type: abi.AUDIT_EOE, Msg: []byte("audit(1.002:3): ")}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := lineCount(t, p); n != 0 {
		t.Fatalf("%d lines written while held", n)
	}
	if s := w.Stats(); s.Records != 0 || s.Events != 0 {
		t.Fatalf("held events counted early: %+v", s)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if s := w.Stats(); lineCount(t, p) != 3 || s.Records != 3 || s.Events != 3 || s.SkippedEOE != 3 {
		t.Fatalf("after Flush: %d lines, %+v", lineCount(t, p), s)
	}
	// Flush ended the hold: the next event is written at once.
	w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	if lineCount(t, p) != 4 {
		t.Fatal("write after Flush was held")
	}
	w.Hold()
	w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	if lineCount(t, p+".1") != 5 || lineCount(t, p) != 0 {
		t.Fatalf("Rotate did not write the held event first: %d %d", lineCount(t, p+".1"), lineCount(t, p))
	}
	w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if lineCount(t, p) != 1 {
		t.Fatalf("Close lost the held event: %d lines", lineCount(t, p))
	}
}

// A hold writes anyway once it holds maxHeld bytes.
func TestHoldBounded(t *testing.T) {
	w, _ := openTest(t, Config{})
	w.Hold()
	line := len(AppendLine(nil, "", abi.AUDIT_SYSCALL, sampleMsg, nil))
	for range maxHeld/line + 1 {
		w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	}
	if lineCount(t, w.Path()) == 0 {
		t.Fatal("nothing written past maxHeld")
	}
}

// incremental_async flushes inline until one flush is slow, then in the
// background for a while, then inline again.
func TestAsyncFlushMovesToBackgroundWhenSlow(t *testing.T) {
	defer func(d time.Duration) { slowSync = d }(slowSync)
	slowSync = 0 // every inline flush counts as slow
	w, _ := openTest(t, Config{Flush: FlushIncrementalAsync, Freq: 1})
	for i := 0; i < 20; i++ {
		if err := w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg); err != nil {
			t.Fatal(err)
		}
	}
	if s := w.Stats(); s.SlowFlushes != 1 {
		t.Errorf("%d slow flushes, want 1: the first moves the rest to the background", s.SlowFlushes)
	}
	w.mu.Lock()
	w.syncBackground = time.Time{} // the background period is over
	w.mu.Unlock()
	w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s := w.Stats(); s.SlowFlushes != 2 || s.FlushErrors != 0 || s.Records != 21 {
		t.Errorf("after the period: %+v, want an inline flush again (2 slow) and no errors", s)
	}
}

// freq counts the kernel's records: a CONTAINER_ID that contaudit adds to
// an event is written and counted, but does not bring the flush forward.
func TestFreqCountsKernelRecords(t *testing.T) {
	w, _ := openTest(t, Config{Flush: FlushIncremental, Freq: 3})
	ev := []Record{{Type: abi.AUDIT_SYSCALL, Msg: sampleMsg}, {Type: abi.AUDIT_CONTAINER_ID, Msg: []byte("audit(1.002:3): record=1 contid=7"), Added: true}}
	for i, want := range []int{1, 2, 0} {
		if err := w.WriteEvent(ev); err != nil {
			t.Fatal(err)
		}
		if w.sinceSync != want {
			t.Fatalf("after event %d: %d records toward freq, want %d", i+1, w.sinceSync, want)
		}
	}
	if s := w.Stats(); s.Records != 6 {
		t.Errorf("%d records written, want 6", s.Records)
	}
}

// The background flusher may get a file the writer has rotated away and
// closed; that is not a flush error.
func TestFdatasyncOfClosedFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	if err := fdatasync(f); err != nil {
		t.Fatalf("open file: %v", err)
	}
	f.Close()
	if err := fdatasync(f); !errors.Is(err, errFileGone) {
		t.Fatalf("closed file: %v, want errFileGone", err)
	}
}
