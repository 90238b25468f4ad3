package search

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

var recordTo = flag.String("record", "", "TestRecordedLogAgainstAusearch copies the log it records to this file (for bench/search.sh)")

// TestRecordedLogAgainstAusearch records a real log on this machine with
// Debian's auditd (started on a scratch configuration, stopped before the
// test ends), loads rules for execve, connect, writes in a directory and a
// watch, runs a workload, and compares contaudit with ausearch on it.
func TestRecordedLogAgainstAusearch(t *testing.T) {
	kerneltest.Audit(t)
	auditd := kerneltest.RequireCommand(t, "auditd")
	auditctl := kerneltest.RequireCommand(t, "auditctl")
	ausearch := kerneltest.RequireCommand(t, "ausearch")

	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	plugins := filepath.Join(dir, "plugins.d")
	for _, d := range []string{work, plugins} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	logPath := filepath.Join(dir, "audit.log")
	conf := fmt.Sprintf(`local_events = yes
write_logs = yes
log_file = %s
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 64
num_logs = 2
max_log_file_action = ROTATE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
name_format = NONE
plugin_dir = %s
end_of_event_timeout = 2
`, logPath, plugins)
	if err := os.WriteFile(filepath.Join(dir, "auditd.conf"), []byte(conf), 0o640); err != nil {
		t.Fatal(err)
	}

	ctl := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(auditctl, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("auditctl %v: %v: %s", args, err, out)
		}
		return string(out)
	}
	statusPID := func() int {
		for _, l := range strings.Split(ctl("-s"), "\n") {
			if v, ok := strings.CutPrefix(l, "pid "); ok {
				n, _ := strconv.Atoi(strings.TrimSpace(v))
				return n
			}
		}
		return -1
	}
	// Benchmarks elsewhere on the machine may run their own auditd
	// without the kernel-test lock; wait for the registration to be free.
	for wait := time.Now().Add(5 * time.Minute); statusPID() != 0; time.Sleep(time.Second) {
		if time.Now().After(wait) {
			kerneltest.Skip(t, "another audit daemon (pid %d) stays registered", statusPID())
		}
	}

	daemon := exec.Command(auditd, "-n", "-c", dir)
	var daemonOut bytes.Buffer
	daemon.Stdout, daemon.Stderr = &daemonOut, &daemonOut
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		// Only the process this test started.
		daemon.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- daemon.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			daemon.Process.Kill()
			<-done
		}
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(10 * time.Second)
	for statusPID() != daemon.Process.Pid {
		if time.Now().After(deadline) {
			if pid := statusPID(); pid != 0 && pid != daemon.Process.Pid {
				kerneltest.Skip(t, "another audit daemon (pid %d) registered first", pid)
			}
			t.Fatalf("auditd did not register: %s", daemonOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	self := strconv.Itoa(os.Getpid())
	watched := filepath.Join(dir, "watched")
	if err := os.WriteFile(watched, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctl("-e", "1")
	ctl("-a", "always,exit", "-F", "arch=b64", "-S", "execve", "-F", "ppid="+self, "-k", "ca_exec")
	ctl("-a", "always,exit", "-F", "arch=b64", "-S", "connect", "-F", "pid="+self, "-k", "ca_connect")
	ctl("-a", "always,exit", "-F", "arch=b64", "-S", "openat", "-F", "dir="+work, "-k", "ca_write")
	ctl("-w", watched, "-p", "wa", "-k", "ca_watch")

	// The workload.
	for i := 0; i < 5; i++ {
		exec.Command("/bin/true").Run()
		exec.Command("/bin/ls", dir).Run()
		exec.Command("/bin/false").Run() // success=yes execve, exit 1 of the process
	}
	exec.Command("/bin/nonexistent-contaudit").Run() // a failed execve (ENOENT), from Go's lookup
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			c.Close()
		}
	}
	ln.Close()
	net.Dial("tcp", ln.Addr().String()) // refused: success=no exit=ECONNREFUSED
	for i := 0; i < 3; i++ {
		os.WriteFile(filepath.Join(work, fmt.Sprintf("f%d", i)), []byte("data"), 0o644)
	}
	os.WriteFile(watched, []byte("changed"), 0o644)
	if su, err := exec.LookPath("su"); err == nil {
		exec.Command(su, "nobody", "-s", "/bin/true", "-c", "true").Run()
	}
	time.Sleep(300 * time.Millisecond)
	ctl("-D")
	ctl("-e", "0")
	stop()
	deadline = time.Now().Add(5 * time.Second)
	for statusPID() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("audit pid still registered after auditd stopped")
		}
		time.Sleep(50 * time.Millisecond)
	}

	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("auditd wrote no log: %v: %s", err, daemonOut.String())
	}
	t.Logf("recorded %d lines", bytes.Count(data, []byte("\n")))
	if *recordTo != "" {
		if err := os.WriteFile(*recordTo, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	queries := append(queriesFor(t, logPath),
		diffQuery{[]string{"-k", "ca_exec"}, Query{Key: "ca_exec"}},
		diffQuery{[]string{"-k", "ca_connect", "-sv", "no"}, Query{Key: "ca_connect", Success: SuccessNo}},
		diffQuery{[]string{"-k", "ca_write"}, Query{Key: "ca_write"}},
		diffQuery{[]string{"-k", "ca_watch"}, Query{Key: "ca_watch"}},
		diffQuery{[]string{"-f", work}, Query{File: work}},
		diffQuery{[]string{"-x", "/usr/bin/ls"}, Query{Exe: "/usr/bin/ls"}},
		diffQuery{[]string{"-m", "USER_START,USER_END,CRED_ACQ"}, Query{Types: []uint32{1105, 1106, 1103}}},
		diffQuery{[]string{"-e", "-111"}, Query{Exit: SetInt(-111)}},
		diffQuery{[]string{"-sc", "connect"}, Query{Syscall: SetInt(42)}},
		diffQuery{[]string{"-p", self}, Query{PID: SetInt(int64(os.Getpid()))}},
		diffQuery{[]string{"-pp", self}, Query{PPID: SetInt(int64(os.Getpid()))}},
	)
	var agree int
	for _, dq := range queries {
		// ausearch prints raw lines of an ENRICHED log cut after the 0x1D
		// separator (and adds one where the log has none); ours are the
		// log's bytes (docs/search.md). Compare up to the separator.
		theirs := lineSet(stripEnriched(runAusearch(t, ausearch, append([]string{"-if", logPath, "--format", "raw"}, dq.args...)...)))
		ours := lineSet(stripEnriched(runOurs(t, logPath, dq.q, FormatRaw)))
		extra, missing := setDiff(ours, theirs), setDiff(theirs, ours)
		if len(extra) == 0 && len(missing) == 0 {
			agree++
			if len(ours) == 0 {
				t.Logf("%v: both found nothing", dq.args)
			}
			continue
		}
		t.Errorf("%v: %d lines only ours, %d only ausearch", dq.args, len(extra), len(missing))
		for i, l := range append(extra, missing...) {
			if i < 4 {
				t.Logf("  %.200s", l)
			}
		}
	}
	t.Logf("recorded log: %d raw queries, %d agree", len(queries), agree)

	for _, f := range []struct {
		format Format
		args   []string
	}{{FormatInterpret, []string{"-i"}}, {FormatDefault, nil}} {
		theirs := runAusearch(t, ausearch, append([]string{"-if", logPath}, f.args...)...)
		ours := runOurs(t, logPath, Query{}, f.format)
		if bytes.Equal(ours, theirs) {
			t.Logf("%v: %d lines, byte-identical", f.args, bytes.Count(ours, []byte("\n")))
			continue
		}
		os1, ts := bufio.NewScanner(bytes.NewReader(ours)), bufio.NewScanner(bytes.NewReader(theirs))
		for line := 1; ; line++ {
			a, b := os1.Scan(), ts.Scan()
			if !a && !b {
				break
			}
			if os1.Text() != ts.Text() {
				t.Errorf("%v: line %d differs:\n ours:     %.300q\n ausearch: %.300q", f.args, line, os1.Text(), ts.Text())
				break
			}
		}
	}
}

// stripEnriched cuts every line at its 0x1D separator.
func stripEnriched(b []byte) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if i := bytes.IndexByte(l, 0x1d); i >= 0 {
			out = append(append(out, l[:i]...), '\n')
		} else {
			out = append(out, l...)
		}
	}
	return out
}
