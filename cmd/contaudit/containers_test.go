package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/control"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"github.com/contaudit/contaudit/internal/record"
	"golang.org/x/sys/unix"
)

// heldChild starts a shell that waits on fd 3 before running script, so
// that the test can set its contid while it has no children and one
// thread. release lets it go.
func heldChild(t *testing.T, script string) (cmd *exec.Cmd, release func()) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command("/bin/sh", "-c", "read _ <&3; exec 3<&-; "+script)
	cmd.ExtraFiles = []*os.File{r}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	t.Cleanup(func() {
		w.Close()
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, func() { w.Write([]byte("go\n")); w.Close() }
}

// events groups a log's records by serial, in the order of each event's
// first record.
func events(recs []*record.Record) [][]*record.Record {
	idx := map[uint64]int{}
	var evs [][]*record.Record
	for _, r := range recs {
		i, ok := idx[r.Serial]
		if !ok {
			i = len(evs)
			idx[r.Serial] = i
			evs = append(evs, nil)
		}
		evs[i] = append(evs[i], r)
	}
	return evs
}

// startContainerDaemon starts a daemon with container auditing in a fresh
// environment, and a control-API client for it.
func startContainerDaemon(t *testing.T) (*daemonEnv, *exec.Cmd, *control.Client) {
	t.Helper()
	kerneltest.Audit(t)
	e := newDaemonEnv(t, "")
	d := e.start(t)
	c := control.NewClient(e.control)
	t.Cleanup(func() { c.Close() })
	return e, d, c
}

// TestDaemonContainers runs the daemon with container auditing and checks
// the whole path: a contid set through the control API, inherited by the
// forks of the container's shell, stamped on their exec events with
// record=N and CONTAINER_ID, and on no host event; CONTAINER_OP for a set,
// a refusal and the drop; and the state kept across a restart.
func TestDaemonContainers(t *testing.T) {
	e, d, c := startContainerDaemon(t)
	ctx := context.Background()

	const id = contid.ID(4515122123205246976)
	pidFile := filepath.Join(e.dir, "reuse.pid")
	ctr, release := heldChild(t, "/bin/true; /bin/true; (/bin/true &); /bin/true & echo $! > "+pidFile+"; wait; sleep 0.2")
	if _, err := c.Set(ctx, int32(ctr.Process.Pid), id); err != nil {
		t.Fatalf("set: %v", err)
	}
	// The unset value is refused, with a CONTAINER_OP res=0.
	if _, err := c.Set(ctx, int32(ctr.Process.Pid), contid.Unset); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("set unset value: %v, want EINVAL", err)
	}
	if g, err := c.Get(ctx, int32(ctr.Process.Pid)); err != nil || g.Contid != id {
		t.Fatalf("get: %v %v", g.Contid, err)
	}
	release()
	if err := ctr.Wait(); err != nil {
		t.Fatal(err)
	}
	// PID reuse: a host process takes the PID of one of the container's
	// processes right after it exited, while the registry still holds
	// the exited one (its exit waits for the audit stream).
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	reusedPID, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	reused := forcePID(t, reusedPID)
	host := runTrue(t, 5)
	// The drop comes once the audit stream passed the exit, or after
	// the grace period.
	time.Sleep(500 * time.Millisecond)
	runTrue(t, 1)
	deadline := time.Now().Add(8 * time.Second)
	for {
		b, _ := os.ReadFile(e.log)
		if bytes.Contains(b, []byte("op=drop")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no CONTAINER_OP op=drop after the container's processes exited")
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.Process.Signal(syscall.SIGTERM)
	if err := d.Wait(); err != nil {
		t.Fatalf("daemon exit: %v", err)
	}

	recs := readLog(t, e.log)
	hostPID := map[string]bool{}
	for _, p := range host {
		hostPID[strconv.Itoa(p)] = true
	}
	var ops []string
	containerExecs, reusedHost := 0, 0
	for _, ev := range events(recs) {
		var sys *record.Record
		var cids []*record.Record
		for _, r := range ev {
			switch r.TypeName {
			case "SYSCALL":
				sys = r
			case "CONTAINER_ID":
				cids = append(cids, r)
			case "CONTAINER_OP":
				ops = append(ops, string(r.Raw))
			}
		}
		if sys == nil || !bytes.Equal(fieldValue(sys, "key"), []byte("e2e-exec")) {
			continue
		}
		pid := string(fieldValue(sys, "pid"))
		if reused && pid == strconv.Itoa(reusedPID) {
			if string(fieldValue(sys, "ppid")) == strconv.Itoa(os.Getpid()) {
				reusedHost++
				if len(cids) != 0 {
					t.Errorf("the host process that reused pid %s carries the container's contid: %s", pid, cids[0].Raw)
				}
			} else if len(cids) == 0 {
				t.Errorf("the container's process %s before the reuse has no contid: %s", pid, sys.Raw)
			}
			continue
		}
		if hostPID[pid] && string(fieldValue(sys, "ppid")) == strconv.Itoa(os.Getpid()) {
			if len(cids) != 0 || sys.Lookup("record") != nil {
				t.Errorf("host exec of pid %s carries a contid: %s", pid, cids[0].Raw)
			}
			continue
		}
		if len(cids) == 0 {
			continue
		}
		containerExecs++
		n := string(fieldValue(sys, "record"))
		if n != "1" || string(fieldValue(cids[0], "record")) != n || string(fieldValue(cids[0], "contid")) != id.String() {
			t.Errorf("exec of pid %s: SYSCALL record=%q, CONTAINER_ID %s", pid, n, cids[0].Raw)
		}
	}
	if reused && reusedHost != 1 {
		t.Errorf("%d exec events of the host process that reused pid %d, want 1", reusedHost, reusedPID)
	}
	if containerExecs < 3 {
		t.Errorf("%d container execs carry the contid, want at least 3 (two /bin/true, a double fork)", containerExecs)
	}
	joined := strings.Join(ops, "\n")
	// The test binary is the daemon's executable, so the control API takes
	// this process for contaudit's CLI and its parent for the writer.
	for _, want := range []string{
		"op=set opid=" + strconv.Itoa(ctr.Process.Pid) + " contid=" + id.String() + " old-contid=-1 pid=" + strconv.Itoa(os.Getppid()) + " ",
		"op=set opid=" + strconv.Itoa(ctr.Process.Pid) + " contid=-1 old-contid=" + id.String() + " ", // the refused unset value
		"op=drop",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("no CONTAINER_OP with %q in:\n%s", want, joined)
		}
	}
	if !strings.Contains(joined, "res=1") || !strings.Contains(joined, "res=0") {
		t.Errorf("CONTAINER_OP records without both results:\n%s", joined)
	}

	// search --contid finds the container's events whole: the
	// CONTAINER_ID record sits inside its event, before PROCTITLE, where
	// ausearch's grouping keeps it.
	cmd := exec.Command(os.Args[0], "search", "-if", e.log, "--contid", id.String(), "-k", "e2e-exec", "--format", "raw")
	cmd.Env = append(os.Environ(), "CONTAUDIT_TEST_MAIN=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("search --contid: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "type=SYSCALL "); n < 3 || n != strings.Count(string(out), "type=CONTAINER_ID ") {
		t.Errorf("search --contid %s -k e2e-exec: %d SYSCALL records, want the container's execs with their CONTAINER_ID:\n%s", id, n, out)
	}
}

// forcePID runs /bin/true as a child of the test with the given PID, by
// setting the PID namespace's last PID just below it (other processes may
// take it first: a few tries). It reports whether it managed.
func forcePID(t *testing.T, pid int) bool {
	t.Helper()
	const lastPID = "/proc/sys/kernel/ns_last_pid"
	for range 20 {
		if err := os.WriteFile(lastPID, []byte(strconv.Itoa(pid-1)), 0); err != nil {
			t.Fatalf("force PID reuse: %v", err)
		}
		cmd := exec.Command("/bin/true")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		got := cmd.Process.Pid
		cmd.Wait()
		if got == pid {
			return true
		}
	}
	t.Errorf("could not run a process with the reused pid %d", pid)
	return false
}

// TestDaemonContainersRestart kills the daemon while a container runs: the
// restarted daemon restores its contid from the state file and goes on
// stamping the container's processes, its children forked meanwhile
// included.
func TestDaemonContainersRestart(t *testing.T) {
	e, d, c := startContainerDaemon(t)
	ctx := context.Background()

	const id = contid.ID(77)
	// The container's shell forks a child that outlives the daemon; it
	// runs /bin/true on its own once fd 4 (a second pipe) opens.
	ctr, release := heldChild(t, "sleep 2; /bin/true; sleep 1")
	if _, err := c.Set(ctx, int32(ctr.Process.Pid), id); err != nil {
		t.Fatalf("set: %v", err)
	}
	release()
	// SIGKILL: no clean stop, the state file was written at the set.
	d.Process.Kill()
	d.Wait()
	d = e.start(t)
	if err := ctr.Wait(); err != nil {
		t.Fatal(err)
	}
	g, err := c.Get(ctx, int32(os.Getpid()))
	if err != nil || g.Contid != contid.Unset {
		t.Fatalf("test process contid %v %v, want unset", g.Contid, err)
	}
	d.Process.Signal(syscall.SIGTERM)
	if err := d.Wait(); err != nil {
		t.Fatalf("daemon exit: %v", err)
	}
	found := false
	for _, ev := range events(readLog(t, e.log)) {
		for _, r := range ev {
			if r.TypeName == "CONTAINER_ID" && string(fieldValue(r, "contid")) == "77" {
				found = true
			}
		}
	}
	if !found {
		t.Fatal("after the restart, the container's exec carries no CONTAINER_ID contid=77")
	}
}
