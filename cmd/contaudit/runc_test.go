package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
)

// runcContainerScript runs in each container, in the container's own
// directory (/a or /b), so that its exec events are told apart by their
// CWD record. Two rounds of a fork/exec storm, with a double fork each
// time; between them it waits for /shared/go while the test restarts the
// daemon. Container A then starts a nested container (the init holds a
// capcontid) and a process without the delegation tries the same; B tries
// to set a contid without any right. Both must be refused and audited.
const runcContainerScript = `
cd /$NAME
storm() { i=0; while [ $i -lt $ROUNDS ]; do /bin/true; (/bin/true &); i=$((i+1)); done; wait; }
storm
touch /shared/$NAME.1
while [ ! -e /shared/go ]; do usleep 20000; done
storm
if [ $NAME = a ]; then
	/contaudit contid run 777 -- /bin/sh -c 'cd /n && /bin/true && /bin/true' > /shared/a.nested 2>&1
	echo "rc=$?" >> /shared/a.nested
	# Two commands, so that sh forks the CLI instead of becoming it: the
	# writer is then this child shell, which holds no delegation.
	/bin/sh -c '/contaudit contid run 778 -- /bin/true; :' > /shared/a.undelegated 2>&1
else
	sleep 5 & s=$!
	/contaudit contid set $s 999 > /shared/b.refused 2>&1
	kill $s
fi
touch /shared/$NAME.2
`

// TestRuncContainers is the acceptance test of container attribution with
// real runc containers started with the OCI hook: two containers run a
// fork/exec storm with double forks and short-lived processes, the host
// runs one beside them, and the daemon is killed and restarted between
// the rounds. Every exec of a container carries its contid (a nested
// container its chain), none of the host's does, and callers inside the
// containers without the right are refused with a CONTAINER_OP each.
func TestRuncContainers(t *testing.T) {
	kerneltest.Audit(t)
	runc := kerneltest.RequireCommand(t, "runc")
	busybox := kerneltest.RequireCommand(t, "busybox")
	const rounds = 150
	e := newDaemonEnv(t, "")
	write(t, e.rules, "-D\n-a always,exit -F arch=b64 -S execve -k runc-exec\n")
	d := e.start(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	root, err := os.MkdirTemp("", "contaudit-runc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	shared := filepath.Join(root, "shared")
	if err := os.MkdirAll(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	bundle := makeBusyboxBundle(t, root, busybox, runc)

	type ctr struct {
		name string
		id   contid.ID
		cmd  *exec.Cmd
		out  string
		done chan struct{}
		err  error
	}
	ctrs := []*ctr{{name: "a", id: 1111}, {name: "b", id: 2222}}
	for _, c := range ctrs {
		cfg := readJSON(t, filepath.Join(bundle, "config.json"))
		proc := cfg["process"].(map[string]any)
		proc["terminal"] = false
		proc["args"] = []string{"/bin/sh", "-c", runcContainerScript}
		proc["env"] = []string{"PATH=/bin", "NAME=" + c.name, "ROUNDS=" + strconv.Itoa(rounds),
			"CONTAUDIT_TEST_MAIN=1", "CONTAUDIT_CONTROL_SOCKET=/run/contaudit/control.sock"}
		cfg["root"] = map[string]any{"path": filepath.Join(bundle, "rootfs"), "readonly": true}
		cfg["annotations"] = map[string]string{"io.contaudit.contid": c.id.String(), "io.contaudit.name": "ctr-" + c.name}
		bind := func(src, dst string, ro bool) map[string]any {
			opts := []string{"rbind"}
			if ro {
				opts = append(opts, "ro")
			}
			return map[string]any{"destination": dst, "type": "bind", "source": src, "options": opts}
		}
		cfg["mounts"] = append(cfg["mounts"].([]any),
			bind(shared, "/shared", false), bind(e.dir, "/run/contaudit", false), bind(exe, "/contaudit", true),
			bind("/usr/lib", "/usr/lib", true), bind("/lib64", "/lib64", true))
		cfg["hooks"] = map[string]any{"createRuntime": []any{map[string]any{
			"path": exe,
			"args": []string{"contaudit", "oci-hook", "--socket", e.control},
			"env":  []string{"CONTAUDIT_TEST_MAIN=1"},
		}}}
		b, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cfgPath := filepath.Join(root, "config-"+c.name+".json")
		if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
			t.Fatal(err)
		}
		// runc reads config.json from the bundle: one bundle directory
		// per container, sharing the rootfs by its absolute path.
		cb := filepath.Join(root, "bundle-"+c.name)
		if err := os.MkdirAll(cb, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(cfgPath, filepath.Join(cb, "config.json")); err != nil {
			t.Fatal(err)
		}
		c.out = filepath.Join(root, c.name+".out")
		f, err := os.Create(c.out)
		if err != nil {
			t.Fatal(err)
		}
		id := "contaudit-test-" + c.name
		// runc run stays the container's parent, and so the owner of its
		// contid, while the container runs.
		c.cmd = exec.Command(runc, "--root", filepath.Join(root, "state"), "run", "--bundle", cb, id)
		c.cmd.Stdout, c.cmd.Stderr = f, f
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		c.done = make(chan struct{})
		go func() { c.err = c.cmd.Wait(); close(c.done) }()
		t.Cleanup(func() {
			exec.Command(runc, "--root", filepath.Join(root, "state"), "delete", "-f", id).Run()
			c.cmd.Process.Kill()
			<-c.done
		})
	}
	waitFile := func(name string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			if _, err := os.Stat(filepath.Join(shared, name)); err == nil {
				return
			}
			failed := false
			for _, c := range ctrs {
				select {
				case <-c.done:
					failed = failed || c.err != nil
				default:
				}
			}
			if failed || time.Now().After(deadline) {
				for _, c := range ctrs {
					b, _ := os.ReadFile(c.out)
					t.Logf("container %s output:\n%s", c.name, b)
				}
				t.Fatalf("no /shared/%s (a container failed, or 60s passed)", name)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	host := runTrue(t, 100)
	waitFile("a.1")
	waitFile("b.1")

	// Give A's init (the hook's target, runc run's child) the capcontid
	// delegation for its nested container.
	c := control.NewClient(e.control)
	defer c.Close()
	list, err := c.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The init is the holder runc run started.
	var initA int32
	for _, l := range list {
		for _, h := range l.Holders {
			if l.ID == 1111 && parentOf(h.PID) == ctrs[0].cmd.Process.Pid {
				initA = h.PID
			}
		}
	}
	if initA == 0 {
		t.Fatalf("container a's init not found among the holders of 1111: %+v", list)
	}
	if _, err := c.SetCapcontid(context.Background(), initA, true); err != nil {
		t.Fatalf("capcontid for container a's init %d: %v", initA, err)
	}

	// Restart the daemon between the rounds, the hard way. Records still
	// in the socket buffer die with the daemon, as with auditd: up to one
	// batch delay of them (docs/daemon.md, "Batching"). Round 1's execs
	// must be in the log first; the waits' usleeps may be lost.
	time.Sleep(150 * time.Millisecond)
	d.Process.Kill()
	d.Wait()
	d = e.start(t)
	host = append(host, runTrue(t, 100)...)
	if err := os.WriteFile(filepath.Join(shared, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range ctrs {
		<-c.done
		if c.err != nil {
			b, _ := os.ReadFile(c.out)
			t.Fatalf("container %s: %v\n%s", c.name, c.err, b)
		}
	}
	waitFile("a.2")
	waitFile("b.2")
	time.Sleep(200 * time.Millisecond)
	d.Process.Signal(syscall.SIGTERM)
	if err := d.Wait(); err != nil {
		t.Fatalf("daemon exit: %v", err)
	}

	if b, _ := os.ReadFile(filepath.Join(shared, "a.nested")); !strings.HasSuffix(string(b), "rc=0\n") {
		t.Errorf("nested container in a: %s", b)
	}
	for _, f := range []string{"a.undelegated", "b.refused"} {
		if b, _ := os.ReadFile(filepath.Join(shared, f)); !bytes.Contains(b, []byte("EPERM")) {
			t.Errorf("%s: %q, want an EPERM refusal", f, b)
		}
	}

	wantChain := map[string]string{"/a": "1111", "/b": "2222", "/n": "777,^1111"}
	got := map[string]int{}
	// The nested container's stub (sh) execs its command in /a, already
	// inside the nested contid.
	nestedStub := 0
	hostPID := map[string]bool{}
	for _, p := range host {
		hostPID[strconv.Itoa(p)] = true
	}
	hostSeen := 0
	refusals := 0
	for _, ev := range events(readLog(t, e.log)) {
		var sys, cwd, cid *record.Record
		for _, r := range ev {
			switch r.TypeName {
			case "SYSCALL":
				sys = r
			case "CWD":
				cwd = r
			case "CONTAINER_ID":
				cid = r
			case "CONTAINER_OP":
				if bytes.Contains(r.Raw, []byte(" contid=999 ")) || bytes.Contains(r.Raw, []byte(" contid=778 ")) {
					if string(fieldValue(r, "res")) == "0" {
						refusals++
					}
				}
			}
		}
		if sys == nil || string(fieldValue(sys, "key")) != "runc-exec" {
			continue
		}
		if hostPID[string(fieldValue(sys, "pid"))] {
			hostSeen++
			if cid != nil {
				t.Errorf("host exec carries a contid: %s", cid.Raw)
			}
			continue
		}
		if cwd == nil {
			continue
		}
		dir := string(fieldValue(cwd, "cwd"))
		want, ok := wantChain[dir]
		if !ok {
			continue
		}
		got[dir]++
		switch {
		case cid == nil:
			t.Errorf("exec in %s without CONTAINER_ID: %s", dir, sys.Raw)
		case dir == "/a" && string(fieldValue(cid, "contid")) == "777,^1111" && string(fieldValue(sys, "comm")) == "sh" && nestedStub == 0:
			nestedStub++
		case string(fieldValue(cid, "contid")) != want || string(fieldValue(cid, "record")) != string(fieldValue(sys, "record")):
			t.Errorf("exec in %s: %s / %s, want contid=%s", dir, sys.Raw, cid.Raw, want)
		}
	}
	// Each round: rounds × (an exec and a double-forked exec), and the
	// waits' usleeps besides.
	for _, dir := range []string{"/a", "/b"} {
		if got[dir] < 4*rounds {
			t.Errorf("%d execs logged in %s, want at least %d", got[dir], dir, 4*rounds)
		}
	}
	if got["/n"] != 2 {
		t.Errorf("%d execs of the nested container, want 2", got["/n"])
	}
	if hostSeen < len(host) {
		t.Errorf("%d host execs logged, want %d", hostSeen, len(host))
	}
	if refusals < 2 {
		t.Errorf("%d CONTAINER_OP refusals of the callers inside containers, want 2", refusals)
	}
	t.Logf("execs with the right contid: %v; host execs without: %d", got, hostSeen)
}

// makeBusyboxBundle creates a runc bundle (config.json from `runc spec`)
// whose rootfs holds busybox and the mount points the tests bind.
func makeBusyboxBundle(t *testing.T, root, busybox, runc string) string {
	t.Helper()
	bundle := filepath.Join(root, "bundle")
	rootfs := filepath.Join(bundle, "rootfs")
	for _, d := range []string{"bin", "a", "b", "n", "shared", "run/contaudit", "usr/lib", "lib64"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bb, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"sh", "true", "sleep", "usleep", "touch", "kill", "cat"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", a)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("usr/lib", filepath.Join(rootfs, "lib")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "contaudit"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := exec.Command(runc, "spec")
	spec.Dir = bundle
	if out, err := spec.CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v\n%s", err, out)
	}
	return bundle
}

// parentOf reads a process's parent from /proc; 0 if it is gone.
func parentOf(pid int32) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
