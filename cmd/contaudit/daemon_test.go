package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/auditnl"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"github.com/contaudit/contaudit/internal/record"
)

type daemonEnv struct {
	dir, conf, rules, log, metrics, control, state string
}

func newDaemonEnv(t *testing.T, extra string) *daemonEnv {
	t.Helper()
	dir := t.TempDir()
	e := &daemonEnv{dir: dir, conf: filepath.Join(dir, "contaudit.conf"), rules: filepath.Join(dir, "test.rules"),
		log: filepath.Join(dir, "log", "audit.log"), metrics: filepath.Join(dir, "metrics.sock"),
		control: filepath.Join(dir, "control.sock"), state: filepath.Join(dir, "state", "contid.json")}
	if err := os.MkdirAll(filepath.Dir(e.log), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`log_file = %s
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 8
num_logs = 3
max_log_file_action = ROTATE
contaudit_restore_on_exit = yes
contaudit_metrics_listen = unix:%s
contaudit_control_socket = %s
contaudit_state_file = %s
%s`, e.log, e.metrics, e.control, e.state, extra)
	write(t, e.conf, conf)
	write(t, e.rules, "-D\n-a always,exit -F arch=b64 -S execve -k e2e-exec\n")
	return e
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// start runs `contaudit daemon` as a separate process (this test binary,
// re-executed) and waits until it is ready.
func (e *daemonEnv) start(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "daemon", "--config", e.conf, "--rules", e.rules, "--log-level", "debug")
	cmd.Env = append(os.Environ(), "CONTAUDIT_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("daemon stderr:\n%s", stderr.String())
		}
	})
	// Ready means DAEMON_START is in the log: the daemon writes it after
	// registering, loading the rules and enabling audit. Registration
	// alone is too early: the rules file starts with -D.
	deadline := time.Now().Add(10 * time.Second)
	mark := []byte(" pid=" + strconv.Itoa(cmd.Process.Pid) + " ")
	for {
		b, _ := os.ReadFile(e.log)
		if i := bytes.LastIndex(b, []byte("type=DAEMON_START ")); i >= 0 && bytes.Contains(b[i:], mark) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not start within 10s; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pid := auditPID(t); pid != cmd.Process.Pid {
		t.Fatalf("audit pid %d after DAEMON_START, want %d", pid, cmd.Process.Pid)
	}
	return cmd
}

func auditPID(t *testing.T) int {
	t.Helper()
	c, err := auditnl.Dial(auditnl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(s.PID)
}

func runTrue(t *testing.T, n int) []int {
	t.Helper()
	pids := make([]int, 0, n)
	for range n {
		cmd := exec.Command("/bin/true")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, cmd.Process.Pid)
	}
	return pids
}

// readLog parses every line of the log with the record parser: a log the
// daemon wrote must have no unparsable line, even after a crash.
func readLog(t *testing.T, path string) []*record.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []*record.Record
	r := record.NewReader(f, path)
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("log line does not parse: %v", err)
		}
		recs = append(recs, rec.Clone())
	}
	return recs
}

func TestDaemonEndToEnd(t *testing.T) {
	kerneltest.Audit(t)
	e := newDaemonEnv(t, "")
	d := e.start(t)
	pids := runTrue(t, 50)

	// SIGHUP: the new rule takes effect without a restart.
	write(t, e.rules, "-D\n-a always,exit -F arch=b64 -S execve -k e2e-exec\n-a always,exit -F arch=b64 -S uname -k e2e-uname\n")
	d.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, _ := exec.Command("auditctl", "-l").Output()
		if strings.Contains(string(out), "e2e-uname") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not reload the rules:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	exec.Command("uname").Run()

	// Metrics over the unix socket.
	hc := http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return net.Dial("unix", e.metrics)
	}}}
	resp, err := hc.Get("http://contaudit/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte("contaudit_records_received_total ")) || !bytes.Contains(body, []byte("contaudit_receive_rounds_total ")) {
		t.Fatalf("metrics:\n%s", body)
	}

	// SIGUSR1 rotates: the records so far move to audit.log.1.
	d.Process.Signal(syscall.SIGUSR1)
	deadline = time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(e.log + ".1"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("SIGUSR1 did not rotate the log")
		}
		time.Sleep(20 * time.Millisecond)
	}
	after := runTrue(t, 5)

	d.Process.Signal(syscall.SIGTERM)
	if err := d.Wait(); err != nil {
		t.Fatalf("daemon exit: %v", err)
	}
	if pid := auditPID(t); pid != 0 {
		t.Fatalf("audit pid %d after stop, want 0", pid)
	}
	out, _ := exec.Command("auditctl", "-l").Output()
	if strings.Contains(string(out), "e2e-") {
		t.Fatalf("rules not restored on exit:\n%s", out)
	}

	for _, p := range []string{e.log, e.log + ".1"} {
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("\x1d\x1d")) {
			t.Fatalf("%s: an ENRICHED tail with two 0x1D separators", p)
		}
	}
	old := readLog(t, e.log+".1")
	cur := readLog(t, e.log)
	checkExecs(t, old, pids)
	checkExecs(t, cur, after)
	if old[0].TypeName != "DAEMON_START" || cur[0].TypeName != "DAEMON_ROTATE" || cur[len(cur)-1].TypeName != "DAEMON_END" {
		t.Fatalf("first records %s and %s, last %s", old[0].TypeName, cur[0].TypeName, cur[len(cur)-1].TypeName)
	}
	var sawUname, sawEnriched bool
	for _, r := range append(old, cur...) {
		if r.TypeName == "SYSCALL" && bytes.Equal(fieldValue(r, "key"), []byte("e2e-uname")) {
			sawUname = true
		}
		if r.TypeName == "SYSCALL" && r.LookupEnriched("SYSCALL") != nil {
			sawEnriched = true
		}
	}
	if !sawUname || !sawEnriched {
		t.Fatalf("uname event after reload: %v; ENRICHED SYSCALL fields: %v", sawUname, sawEnriched)
	}
}

func fieldValue(r *record.Record, key string) []byte {
	if f := r.Lookup(key); f != nil {
		return f.Value
	}
	return nil
}

// checkExecs requires one SYSCALL record with the test key for each pid.
func checkExecs(t *testing.T, recs []*record.Record, pids []int) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range recs {
		if r.TypeName == "SYSCALL" && bytes.Equal(fieldValue(r, "key"), []byte("e2e-exec")) {
			seen[string(fieldValue(r, "pid"))] = true
		}
	}
	for _, p := range pids {
		if !seen[strconv.Itoa(p)] {
			t.Fatalf("no execve record for pid %d (%d records)", p, len(recs))
		}
	}
}

// A daemon killed with SIGKILL mid-stream leaves a log that a restarted
// daemon continues: the kernel hands the registration to the new process,
// and every line of the log still parses.
func TestDaemonRestartAfterSIGKILL(t *testing.T) {
	kerneltest.Audit(t)
	e := newDaemonEnv(t, "")
	d := e.start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			exec.Command("/bin/true").Run()
		}
	}()
	time.Sleep(300 * time.Millisecond)
	d.Process.Kill()
	d.Wait()
	cancel()

	d2 := e.start(t)
	pids := runTrue(t, 10)
	d2.Process.Signal(syscall.SIGTERM)
	if err := d2.Wait(); err != nil {
		t.Fatalf("restarted daemon exit: %v", err)
	}
	recs := readLog(t, e.log)
	checkExecs(t, recs, pids)
	var starts int
	for _, r := range recs {
		if r.TypeName == "DAEMON_START" {
			starts++
		}
	}
	if starts != 2 {
		t.Fatalf("%d DAEMON_START records, want 2", starts)
	}
	f, _ := os.Open(e.log)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !bytes.HasPrefix(sc.Bytes(), []byte("type=")) {
			t.Fatalf("log line does not start with type=: %q", sc.Bytes())
		}
	}
}

// A rules file with one bad line starts nothing and names the line.
func TestDaemonRefusesBadRules(t *testing.T) {
	e := newDaemonEnv(t, "")
	write(t, e.rules, "-a always,exit -F arch=b64 -S execve -k ok\n-a always,exit -F nosuchfield=1\n")
	var stderr bytes.Buffer
	code := run([]string{"daemon", "--config", e.conf, "--rules", e.rules}, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "test.rules:2") || !strings.Contains(stderr.String(), "nosuchfield") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// A log directory that cannot be written stops the daemon before it
// touches the kernel, with the path in the message.
func TestDaemonUnwritableLog(t *testing.T) {
	e := newDaemonEnv(t, "")
	bad := "/proc/contaudit-no-such-dir/audit.log"
	conf, _ := os.ReadFile(e.conf)
	write(t, e.conf, strings.Replace(string(conf), "log_file = "+e.log, "log_file = "+bad, 1))
	var stderr bytes.Buffer
	code := run([]string{"daemon", "--config", e.conf, "--rules", e.rules}, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), filepath.Dir(bad)) {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}
