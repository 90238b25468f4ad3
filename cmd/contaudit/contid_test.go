package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/control"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"github.com/contaudit/contaudit/internal/proctable"
	"golang.org/x/sys/unix"
)

// contidEnv is a real control server in the test process, wired as the
// daemon wires it (registry over the live process table), so that the CLI
// runs against the real rules without the daemon. The test binary is the
// server's own executable, so the CLI (this binary re-executed) is taken
// for the CLI acting for its parent, as in production.
type contidEnv struct {
	socket string
	table  *proctable.Table
	b      *control.RegistryBackend
	recs   []contid.OpRecord // under b's lock
}

func startControl(t *testing.T) *contidEnv {
	t.Helper()
	kerneltest.RequireRoot(t)
	table, err := proctable.Open(proctable.Config{})
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EPROTONOSUPPORT) {
		kerneltest.Skip(t, "proc connector unavailable (needs CONFIG_PROC_EVENTS and the initial namespaces): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { table.Close() })
	e := &contidEnv{table: table}
	e.b = control.NewRegistryBackend(contid.New(control.TreeOf(table), contid.Config{}), table,
		func(r []contid.OpRecord) { e.recs = append(e.recs, r...) })
	table.OnFork(func(parent, child proctable.ProcID) {
		e.b.Do(func(r *contid.Registry) { r.Fork(contid.ProcID(parent), contid.ProcID(child)) })
	})
	table.OnExit(func(p proctable.ProcID) {
		e.b.Do(func(r *contid.Registry) { e.recs = append(e.recs, r.Exit(contid.ProcID(p))...) })
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- table.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("table.Run: %v", err)
		}
	})

	// A short path: t.TempDir can exceed a socket path's 108 bytes.
	dir, err := os.MkdirTemp("", "ctd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	e.socket = filepath.Join(dir, "control.sock")
	ln, err := control.Listen(e.socket, 0o660, -1)
	if err != nil {
		t.Fatal(err)
	}
	srv := control.NewServer(e.b, control.Policy{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return e
}

func (e *contidEnv) records() []string {
	var out []string
	e.b.Do(func(*contid.Registry) {
		for _, r := range e.recs {
			out = append(out, r.String())
		}
	})
	return out
}

func testExe(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// cliEnv is the environment of the CLI and of the shells that run it:
// $CLI is contaudit (this binary), and the socket comes from the
// environment variable, as an orchestrator would set it.
func cliEnv(t *testing.T, socket string) []string {
	return append(os.Environ(), "CONTAUDIT_TEST_MAIN=1", "CLI="+testExe(t), controlSocketEnv+"="+socket)
}

type outcome struct {
	stdout, stderr string
	code           int
}

func runCmd(t *testing.T, cmd *exec.Cmd) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v: still running after a minute; stderr:\n%s", cmd.Args, stderr.String())
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return outcome{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// cli runs `contaudit contid ARGS` as a child of the test process, which
// is therefore the writer.
func cli(t *testing.T, socket string, args ...string) outcome {
	t.Helper()
	cmd := exec.Command(testExe(t), append([]string{"contid"}, args...)...)
	cmd.Env = cliEnv(t, socket)
	return runCmd(t, cmd)
}

// shell runs script in sh, whose $CLI runs are then the writer's.
func shell(t *testing.T, socket, script string) (outcome, int) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = cliEnv(t, socket)
	o := runCmd(t, cmd)
	return o, cmd.Process.Pid
}

// startChild starts a process of the test's own and ends it, by PID, when
// the test ends.
func startChild(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

func (o outcome) want(t *testing.T, what string, code int, stdout, stderr string) {
	t.Helper()
	if o.code != code || o.stdout != stdout || o.stderr != stderr {
		t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
			what, o.code, o.stdout, o.stderr, code, stdout, stderr)
	}
}

func TestContidCLI(t *testing.T) {
	e := startControl(t)
	self := strconv.Itoa(os.Getpid())

	// `contaudit contid set $$ ID` from a shell: the shell is the writer
	// and its child, the CLI, is not counted, so EXDEV and not EBUSY.
	o, sh := shell(t, e.socket, `"$CLI" contid set $$ 5; exit $?`)
	o.want(t, "set $$", 1, "", "contaudit contid set: EXDEV: target "+strconv.Itoa(sh)+" is the writer itself\n")

	sleep := startChild(t, "sleep", "60")
	pid := strconv.Itoa(sleep.Process.Pid)
	cli(t, e.socket, "get", pid).want(t, "get before set", 0, "-1\n", "")
	o, sh = shell(t, e.socket, `"$CLI" contid set `+pid+` 5; exit $?`)
	o.want(t, "set outside the writer's subtree", 1, "",
		"contaudit contid set: EXDEV: target "+pid+" is not a descendant of the writer "+strconv.Itoa(sh)+"\n")
	cli(t, e.socket, "set", pid, "-1").want(t, "set unset", 1, "",
		"contaudit contid set: EINVAL: -1 (18446744073709551615) is the unset value; a contid cannot be unset\n")
	cli(t, e.socket, "set", pid, "77").want(t, "set", 0, "", "")
	cli(t, e.socket, "get", pid).want(t, "get", 0, "77\n", "")
	// The flag works after the subcommand too.
	cli(t, "/nonexistent", "get", "--socket", e.socket, pid).want(t, "get --socket", 0, "77\n", "")
	cli(t, e.socket, "set", pid, "78").want(t, "set twice", 1, "",
		"contaudit contid set: EEXIST: target "+pid+" already has contid 77, set by this writer; only a writer below the owner may nest another\n")

	// A target with a child.
	parent := startChild(t, "/bin/sh", "-c", "sleep 60 & wait")
	ppid := strconv.Itoa(parent.Process.Pid)
	var kid int
	for deadline := time.Now().Add(10 * time.Second); kid == 0; {
		b, _ := os.ReadFile("/proc/" + ppid + "/task/" + ppid + "/children")
		if f := strings.Fields(string(b)); len(f) > 0 {
			kid, _ = strconv.Atoi(f[0])
		} else if time.Now().After(deadline) {
			t.Fatal("sh started no child")
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The grandchild is ours too; killed first, it lets sh's wait return.
	t.Cleanup(func() { syscall.Kill(kid, syscall.SIGKILL) })
	cli(t, e.socket, "set", ppid, "90").want(t, "set on a parent", 1, "", "contaudit contid set: EBUSY: target "+ppid+" has children\n")

	cli(t, e.socket, "capcontid", pid, "on").want(t, "capcontid on", 0, "", "")
	cli(t, e.socket, "capcontid", pid, "off").want(t, "capcontid off", 0, "", "")

	o = cli(t, e.socket, "ls")
	want := []string{"ID PARENT OWNER DEPTH NESTED NAME HOLDERS", "77 -1 " + self + " 1 0 - " + pid}
	lines := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")
	if o.code != 0 || len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != want[0] || strings.Join(strings.Fields(lines[1]), " ") != want[1] {
		t.Errorf("ls: exit %d\n%s%s\nwant\n%s", o.code, o.stdout, o.stderr, strings.Join(want, "\n"))
	}
	o = cli(t, e.socket, "ls", "--json")
	var list []contid.Container
	if err := json.Unmarshal([]byte(o.stdout), &list); err != nil || o.code != 0 || len(list) != 1 ||
		list[0].ID != 77 || list[0].Owner.PID != int32(os.Getpid()) || len(list[0].Holders) != 1 || list[0].Holders[0].PID != int32(sleep.Process.Pid) {
		t.Errorf("ls --json: %v, exit %d\n%s%s", err, o.code, o.stdout, o.stderr)
	}
	if !strings.Contains(o.stdout, `"id": "77"`) {
		t.Errorf("ls --json: contids must be strings:\n%s", o.stdout)
	}

	// run: the command runs in the contid, and its exit status is the CLI's.
	cli(t, e.socket, "run", "80", "--", "sh", "-c", `"$CLI" contid get $$; exit $?`).want(t, "run get $$", 0, "80\n", "")
	cli(t, e.socket, "run", "81", "sh", "-c", "exit 3").want(t, "run exit 3", 3, "", "")
	cli(t, e.socket, "run", "82", "--", "sh", "-c", "kill -TERM $$").want(t, "run killed", 128+int(syscall.SIGTERM), "", "")
	// The pipe that holds the stub back is not the command's.
	cli(t, e.socket, "run", "83", "--", "sh", "-c", "test ! -e /proc/self/fd/3").want(t, "run fd 3", 0, "", "")
	// sh's own message, which differs between shells.
	if o := cli(t, e.socket, "run", "84", "--", "/nonexistent/cmd"); o.code != 127 || !strings.Contains(o.stderr, "/nonexistent/cmd") {
		t.Errorf("run missing command: exit %d, stderr %q; want 127", o.code, o.stderr)
	}
	// SIGTERM to the CLI reaches the command, whose status it then reports.
	cmd := exec.Command(testExe(t), "contid", "run", "85", "--", "sh", "-c", `trap 'exit 7' TERM; echo ready; while :; do sleep 0.05; done`)
	cmd.Env = cliEnv(t, e.socket)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-waited:
			return
		default:
		}
		// The command is the CLI's child, started by this test: it would
		// outlive the CLI.
		pid := strconv.Itoa(cmd.Process.Pid)
		b, _ := os.ReadFile("/proc/" + pid + "/task/" + pid + "/children")
		for _, f := range strings.Fields(string(b)) {
			if kid, err := strconv.Atoi(f); err == nil {
				syscall.Kill(kid, syscall.SIGKILL)
			}
		}
		cmd.Process.Kill()
		<-waited
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	// Wait closes stdout: it runs only once the line is read.
	go func() { cmd.Wait(); close(waited) }()
	if line != "ready\n" {
		t.Fatalf("run with a trap: %q %v", line, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-waited:
	case <-time.After(20 * time.Second):
		t.Fatal("run, SIGTERM: the command did not get it")
	}
	if code := cmd.ProcessState.ExitCode(); code != 7 {
		t.Errorf("run, SIGTERM forwarded: exit %d, want 7 from the trap", code)
	}

	// The owner injects 77 into a new process; inside it, a nested
	// orchestrator (the sh, in 77 and below its owner) starts contid 88,
	// whose tree shows it under 77.
	o = cli(t, e.socket, "run", "77", "--", "sh", "-c", `"$CLI" contid run 88 -- "$CLI" contid tree; exit $?`)
	lines = strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")
	// Holders are listed by PID, which may have wrapped since the sleep.
	holders77, _ := strings.CutPrefix(lines[0], "77 owner="+self+" holders=")
	if o.code != 0 || len(lines) != 2 || holders77 == lines[0] || !slices.Contains(strings.Split(holders77, ","), pid) ||
		!strings.HasPrefix(lines[1], "  88 owner=") || strings.Count(lines[1], ",") != 0 {
		t.Errorf("nested run, tree: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}

	// A refused run never starts the command.
	marker := filepath.Join(t.TempDir(), "ran")
	o, _ = shell(t, e.socket, `"$CLI" contid run 77 -- touch `+marker+`; exit $?`)
	o.want(t, "run with another writer's contid", 1, "",
		"contaudit contid run: ENOTUNIQ: contid 77 is in use and owned by another writer "+self+"\n")
	if _, err := os.Stat(marker); err == nil {
		t.Error("the refused run ran its command")
	}

	o = cli(t, e.socket, "tree", "--json")
	var nodes []contid.Node
	if err := json.Unmarshal([]byte(o.stdout), &nodes); err != nil || o.code != 0 || len(nodes) != 1 || nodes[0].ID != 77 || len(nodes[0].Children) != 0 {
		t.Errorf("tree --json: %v, exit %d\n%s%s", err, o.code, o.stdout, o.stderr)
	}

	// auto: the daemon chooses the value, and set prints it; the labels
	// stay on the contid.
	sleep2 := startChild(t, "sleep", "60")
	pid2 := strconv.Itoa(sleep2.Process.Pid)
	o = cli(t, e.socket, "set", "--name", "web", pid2, "auto")
	auto, err := contid.ParseID(strings.TrimSuffix(o.stdout, "\n"))
	if o.code != 0 || err != nil || auto == contid.Unset || o.stderr != "" {
		t.Fatalf("set auto: exit %d, stdout %q, stderr %q", o.code, o.stdout, o.stderr)
	}
	cli(t, e.socket, "get", pid2).want(t, "get after set auto", 0, auto.String()+"\n", "")
	o = cli(t, e.socket, "ls")
	if !slices.ContainsFunc(strings.Split(o.stdout, "\n"), func(l string) bool {
		return strings.Join(strings.Fields(l), " ") == auto.String()+" -1 "+self+" 1 0 web "+pid2
	}) {
		t.Errorf("ls after set auto:\n%s%s", o.stdout, o.stderr)
	}
	// A label that would break the listing is quoted.
	o = cli(t, e.socket, "run", "--name", "my\napp", "--container-id", "c0ffee", "auto", "--", "sh", "-c", `"$CLI" contid tree; exit $?`)
	if o.code != 0 || !regexp.MustCompile(`(?m)^[0-9]+ owner=`+self+` holders=[0-9,]+ name="my\\napp" container-id=c0ffee$`).MatchString(o.stdout) ||
		!strings.Contains(o.stdout, auto.String()+" owner="+self+" holders="+pid2+" name=web\n") {
		t.Errorf("run auto, tree: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	sleep2.Process.Kill()
	sleep2.Wait()

	// Once its last holder exits, 77 is dropped.
	sleep.Process.Kill()
	sleep.Wait()
	if err := e.table.Sync(); err != nil {
		t.Fatal(err)
	}
	cli(t, e.socket, "ls", "--json").want(t, "ls once empty", 0, "[]\n", "")

	recs := e.records()
	for _, w := range []string{
		"op=set opid=" + pid + " contid=77 old-contid=-1 pid=" + self,
		"op=capcontid opid=" + pid + " capcontid=1 old-capcontid=0 pid=" + self,
		"op=drop opid=" + pid + " contid=-1 old-contid=77",
	} {
		if !slices.ContainsFunc(recs, func(r string) bool { return strings.HasPrefix(r, w) }) {
			t.Errorf("no record %q in\n%s", w, strings.Join(recs, "\n"))
		}
	}
}

// Without a daemon, the CLI says where it looked and what to check.
func TestContidUnreachable(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	cli(t, sock, "get", "1").want(t, "env socket", 1, "",
		"contaudit contid get: cannot reach the contaudit daemon at "+sock+": is it running with contaudit_containers = yes?\n")
	cli(t, "/elsewhere", "--socket", sock, "set", "1", "2").want(t, "--socket", 1, "",
		"contaudit contid set: cannot reach the contaudit daemon at "+sock+": is it running with contaudit_containers = yes?\n")
	// run must not start the command when it cannot set the contid.
	marker := filepath.Join(t.TempDir(), "ran")
	o := cli(t, sock, "run", "5", "--", "touch", marker)
	if o.code != 1 || !strings.Contains(o.stderr, "cannot reach the contaudit daemon") {
		t.Errorf("run: exit %d, stderr %q", o.code, o.stderr)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("run ran its command without a contid")
	}
}

func TestContidUsage(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{nil, "contaudit contid: a subcommand is needed"},
		{[]string{"bogus"}, `contaudit contid: unknown subcommand "bogus"`},
		{[]string{"set", "1"}, "contaudit contid set: usage: set takes PID ID"},
		{[]string{"set", "x", "5"}, `contaudit contid set: usage: "x" is not a PID`},
		{[]string{"set", "0", "5"}, `contaudit contid set: usage: "0" is not a PID`},
		{[]string{"set", "1", "abc"}, `contaudit contid set: usage: "abc" is not a contid`},
		{[]string{"set", "--name"}, "flag needs an argument: -name"},
		{[]string{"run", "--name", strings.Repeat("n", 257), "5", "true"}, "--name and --container-id are limited to 256 bytes each"},
		{[]string{"set", "1", "18446744073709551616"}, `is not a contid`},
		{[]string{"get"}, "contaudit contid get: usage: get takes PID"},
		{[]string{"ls", "x"}, "ls takes no arguments"},
		{[]string{"tree", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"run", "5"}, "run needs a command after the ID"},
		{[]string{"run", "5", "--"}, "run needs a command after the ID"},
		{[]string{"capcontid", "1", "maybe"}, `capcontid takes on or off, not "maybe"`},
	} {
		o := cli(t, sock, c.args...)
		if o.code != 2 || !strings.Contains(o.stderr, c.msg) || o.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, o.code, o.stdout, o.stderr, c.msg)
		}
	}
}

func TestContidHelp(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	o := cli(t, sock, "--help")
	help := o.stdout + o.stderr
	if o.code != 0 {
		t.Errorf("contid --help: exit %d", o.code)
	}
	for _, s := range contidSubs {
		if !strings.Contains(help, s.name+" "+s.usage) || !strings.Contains(help, strings.TrimSpace(strings.Split(s.examples, "\n")[0])) {
			t.Errorf("contid --help lacks %s or its example:\n%s", s.name, help)
		}
	}
	for _, s := range contidSubs {
		o := cli(t, sock, s.name, "--help")
		if o.code != 0 || !strings.HasPrefix(o.stdout, "usage: contaudit contid "+s.name+" [flags] "+s.usage+"\n") ||
			!strings.Contains(o.stdout, "-socket") || !strings.Contains(o.stdout, "\nexamples:\n"+s.examples) {
			t.Errorf("contid %s --help: exit %d\n%s%s", s.name, o.code, o.stdout, o.stderr)
		}
	}
	cmd := exec.Command(testExe(t), "help", "contid")
	cmd.Env = cliEnv(t, sock)
	if o := runCmd(t, cmd); o.code != 0 || !strings.Contains(o.stdout, "capcontid PID on|off") {
		t.Errorf("help contid: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
}

// The CLI against the real daemon: the set and the command's events are in
// the log, the events stamped with the contid.
func TestContidDaemon(t *testing.T) {
	kerneltest.Audit(t)
	e := newDaemonEnv(t, "")
	e.start(t)
	cli(t, e.control, "run", "--name", "e2e", "4242", "--", "/bin/true").want(t, "run", 0, "", "")
	// ENRICHED lines may carry interpreted fields after a \x1d.
	stamp := regexp.MustCompile(`^type=CONTAINER_ID .* contid=4242(\x1d|\s|$)`)
	var set, stamped bool
	for deadline := time.Now().Add(10 * time.Second); !set || !stamped; time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(e.log)
		for l := range strings.Lines(string(b)) {
			set = set || strings.HasPrefix(l, "type=CONTAINER_OP ") && strings.Contains(l, " op=set ") &&
				strings.Contains(l, " contid=4242 ") && strings.Contains(l, " res=1") && strings.Contains(l, `container-name="e2e"`)
			stamped = stamped || stamp.MatchString(l)
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10s: op=set record %v, CONTAINER_ID record %v; log:\n%s", set, stamped, b)
		}
	}
}
