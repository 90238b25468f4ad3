package main

import (
	"bytes"
	"encoding/json"
	"io"
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
	"unicode/utf8"

	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/control"
	"github.com/contaudit/contaudit/internal/kerneltest"
)

// contidOf returns the contid the registry gives pid and its container.
func (s *contidEnv) contidOf(pid int) (contid.ID, contid.Container) {
	var c contid.Container
	id := contid.Unset
	s.b.Do(func(r *contid.Registry) {
		for _, l := range r.List() {
			for _, h := range l.Holders {
				if h.PID == int32(pid) {
					id, c = l.ID, l
				}
			}
		}
	})
	return id, c
}

// hookRun is one run of the hook by a shell playing the runtime.
type hookRun struct {
	code           int
	stdout, stderr string
	target         int // the "container init", the runtime's other child
	runtime        int // the shell, the writer
}

// runHook plays runc: a shell starts the container's init (a sleep, a
// single-threaded process without children) and then the hook, both its
// children, with the state on the hook's stdin, @PID@ replaced by the
// init's PID. The init outlives the shell and is killed at cleanup.
func runHook(t *testing.T, socket, state string, args ...string) hookRun {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := `sleep 60 </dev/null >/dev/null 2>&1 & pid=$!
echo "target=$pid runtime=$$"
case $STATE in *@PID@*) s="${STATE%%@PID@*}$pid${STATE#*@PID@}" ;; *) s=$STATE ;; esac
printf '%s' "$s" | "$HOOK" oci-hook "$@" 2>"$ERR"
echo "code=$?"`
	errFile := filepath.Join(t.TempDir(), "stderr")
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "runtime"}, args...)...)
	cmd.Env = append(os.Environ(), "CONTAUDIT_TEST_MAIN=1", "HOOK="+exe, "STATE="+state, "ERR="+errFile,
		"CONTAUDIT_CONTROL_SOCKET="+socket, "GORACE=atexit_sleep_ms=0")
	var out bytes.Buffer
	cmd.Stdout = &out
	// Should the init keep the output pipe open after all, do not wait
	// for it.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("runtime shell: %v\n%s", err, out.String())
	}
	var r hookRun
	m := regexp.MustCompile(`^target=(\d+) runtime=(\d+)\n((?s:.*))code=(\d+)\n$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("runtime shell printed %q", out.String())
	}
	r.target, _ = strconv.Atoi(m[1])
	r.runtime, _ = strconv.Atoi(m[2])
	r.stdout = m[3]
	r.code, _ = strconv.Atoi(m[4])
	t.Cleanup(func() { syscall.Kill(r.target, syscall.SIGKILL) })
	b, err := os.ReadFile(errFile)
	if err != nil {
		t.Fatal(err)
	}
	r.stderr = string(b)
	return r
}

func ociStateJSON(t *testing.T, id, bundle string, ann map[string]string) string {
	t.Helper()
	st := map[string]any{"ociVersion": "1.0.2", "id": id, "status": "creating", "pid": 0, "bundle": bundle}
	if ann != nil {
		st["annotations"] = ann
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(string(b), `"pid":0`, `"pid":@PID@`, 1)
}

func writeBundle(t *testing.T, ann map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	b, err := json.Marshal(map[string]any{"ociVersion": "1.0.2", "process": map[string]any{"args": []string{"sh"}}, "annotations": ann})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestOCIHook(t *testing.T) {
	// The test binary is the server's own executable, so the hook (this
	// binary re-executed) acts for its parent, as in production.
	s := startControl(t)
	// A host with no identity gets a random part, which is not checked.
	hostKnown := control.HostIdentity() != nil
	part := contid.HostPart(control.HostIdentity(), contid.DefaultHostBits)

	t.Run("annotation in the state", func(t *testing.T) {
		st := ociStateJSON(t, "abc123", "", map[string]string{
			"io.contaudit.contid":          "4242",
			"io.kubernetes.pod.namespace":  "default",
			"io.kubernetes.pod.name":       "web-0",
			"io.kubernetes.container.name": "app",
		})
		r := runHook(t, s.socket, st)
		if r.code != 0 || r.stdout != "" || r.stderr != "" {
			t.Fatalf("hook: %+v", r)
		}
		id, c := s.contidOf(r.target)
		if id != 4242 || c.Labels != (contid.Labels{ID: "abc123", Name: "default/web-0/app"}) {
			t.Fatalf("init has contid %s, container %+v", id, c)
		}
		// The runtime is the writer and owner: the hook acted for it.
		if c.Owner.PID != int32(r.runtime) {
			t.Errorf("owner %v, want the runtime %d", c.Owner, r.runtime)
		}
		want := "op=set opid=" + strconv.Itoa(r.target) + " contid=4242 old-contid=-1 pid=" + strconv.Itoa(r.runtime) + " "
		if !slices.ContainsFunc(s.records(), func(rec string) bool {
			return strings.HasPrefix(rec, want) && strings.HasSuffix(rec, ` res=1 container-id="abc123" container-name="default/web-0/app"`)
		}) {
			t.Errorf("no record %s... in\n%s", want, strings.Join(s.records(), "\n"))
		}
	})

	t.Run("annotation in the bundle", func(t *testing.T) {
		bundle := writeBundle(t, map[string]string{"io.contaudit.contid": "4343", "io.contaudit.name": "db"})
		// The state's own annotations win over the bundle's.
		r := runHook(t, s.socket, ociStateJSON(t, "def456", bundle, map[string]string{"io.contaudit.name": "db-1"}))
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("hook: %+v", r)
		}
		if id, c := s.contidOf(r.target); id != 4343 || c.Labels != (contid.Labels{ID: "def456", Name: "db-1"}) {
			t.Fatalf("init has contid %s, container %+v", id, c)
		}
	})

	for _, c := range []struct {
		name string
		ann  map[string]string
	}{
		{"allocated", nil},
		{"auto", map[string]string{"io.contaudit.contid": "auto", "io.kubernetes.cri.sandbox-namespace": "kube-system", "io.kubernetes.cri.sandbox-name": "dns-1", "io.kubernetes.cri.container-name": "coredns"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			bundle := writeBundle(t, c.ann)
			r := runHook(t, s.socket, ociStateJSON(t, "ghi789-"+c.name, bundle, nil))
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("hook: %+v", r)
			}
			id, ctr := s.contidOf(r.target)
			if id == contid.Unset || (hostKnown && uint64(id)>>(64-contid.DefaultHostBits) != part) {
				t.Fatalf("init has contid %#x, want one under the host part %#x", uint64(id), part)
			}
			name := "ghi789-" + c.name
			if c.ann != nil {
				name = "kube-system/dns-1/coredns"
			}
			if ctr.Labels != (contid.Labels{ID: "ghi789-" + c.name, Name: name}) {
				t.Errorf("labels %+v", ctr.Labels)
			}
		})
	}

	t.Run("refused", func(t *testing.T) {
		// Another runtime cannot take a value while a container holds it.
		st := ociStateJSON(t, "jkl", "", map[string]string{"io.contaudit.contid": "4545", "io.contaudit.name": "web"})
		if r := runHook(t, s.socket, st); r.code != 0 {
			t.Fatalf("first hook: %+v", r)
		}
		r := runHook(t, s.socket, st)
		wantLine := regexp.MustCompile(`^contaudit oci-hook: container jkl \(web\): cannot set the contid of its init \d+: ENOTUNIQ: contid 4545 is in use and owned by another writer \d+; the runtime must not start the container \(--fail closed\)\n$`)
		if r.code != 1 || !wantLine.MatchString(r.stderr) || r.stdout != "" {
			t.Errorf("fail closed: %+v", r)
		}
		r = runHook(t, s.socket, st, "--fail", "open")
		if r.code != 0 || !strings.Contains(r.stderr, "ENOTUNIQ") || !strings.HasSuffix(r.stderr, "; the container starts without a contid (--fail open)\n") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("fail open: %+v", r)
		}
		if id, _ := s.contidOf(r.target); id != contid.Unset {
			t.Errorf("refused init has contid %s", id)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, c := range []struct{ state, want string }{
			{ociStateJSON(t, "mno", "", map[string]string{"io.contaudit.contid": "abc"}), `container mno: annotation io.contaudit.contid="abc" is not a contid`},
			{ociStateJSON(t, "mno", "", map[string]string{"io.contaudit.contid": "-1"}), `container mno: annotation io.contaudit.contid="-1" is not a contid`},
			{ociStateJSON(t, "mno", "/nonexistent", nil), `container mno: read the bundle's annotations: open /nonexistent/config.json: no such file or directory`},
			{`{"id":"mno","pid":0,"status":"created"}`, `container mno: the state has no pid`},
			{`{"id":"mno","pid":@PID@,"status":"stopped"}`, `container mno: the container has stopped`},
			{`not json`, `the OCI state on stdin is not valid JSON`},
			{`{"pid":@PID@}`, `the OCI state on stdin has no container id`},
		} {
			r := runHook(t, s.socket, c.state)
			if r.code != 1 || !strings.HasPrefix(r.stderr, "contaudit oci-hook: "+c.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("%s: %+v, want %s", c.state, r, c.want)
			}
			if r = runHook(t, s.socket, c.state, "--fail", "open"); r.code != 0 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("%s, fail open: %+v", c.state, r)
			}
		}
	})
}

// Without a daemon, the hook fails closed by default and open on request,
// saying which container and why in one line.
func TestOCIHookUnreachable(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "none.sock")
	st := ociStateJSON(t, "abc", "", map[string]string{"io.contaudit.name": "web"})
	r := runHook(t, socket, st)
	want := "contaudit oci-hook: container abc (web): cannot set the contid of its init " + strconv.Itoa(r.target) + ": cannot reach the contaudit daemon at " + socket
	if r.code != 1 || !strings.HasPrefix(r.stderr, want) || !strings.HasSuffix(r.stderr, "(--fail closed)\n") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("fail closed: %+v\nwant %s", r, want)
	}
	r = runHook(t, socket, st, "--fail=open")
	if r.code != 0 || !strings.Contains(r.stderr, "cannot reach the contaudit daemon") || !strings.HasSuffix(r.stderr, "(--fail open)\n") {
		t.Errorf("fail open: %+v", r)
	}
	// --socket wins over the environment.
	r = runHook(t, "/nonexistent/env.sock", st, "--socket", socket)
	if !strings.Contains(r.stderr, socket) {
		t.Errorf("--socket: %+v", r)
	}
	// A daemon that never answers: the timeout bounds the wait.
	dir, err := os.MkdirTemp("", "hook")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	mute := filepath.Join(dir, "mute.sock")
	ln, err := control.Listen(mute, 0o600, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	start := time.Now()
	r = runHook(t, mute, st, "--timeout", "300ms")
	if r.code != 1 || !strings.Contains(r.stderr, "did not answer in time") || time.Since(start) > 10*time.Second {
		t.Errorf("timeout: %+v after %v", r, time.Since(start))
	}
}

func TestOCIHookUsage(t *testing.T) {
	for _, args := range [][]string{{"--fail", "maybe"}, {"extra"}, {"--timeout", "0s"}, {"--nope"}} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"oci-hook"}, args...), &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2; stderr %s", args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"help", "oci-hook"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "createRuntime") || !strings.Contains(stdout.String(), "--fail") {
		t.Errorf("help: %d %s", code, stdout.String())
	}
}

func TestContainerName(t *testing.T) {
	for _, c := range []struct {
		ann  map[string]string
		want string
	}{
		{nil, "id"},
		{map[string]string{"io.contaudit.name": "mine", "io.kubernetes.pod.name": "p"}, "mine"},
		{map[string]string{"io.kubernetes.pod.namespace": "ns", "io.kubernetes.pod.name": "p", "io.kubernetes.container.name": "c", "io.kubernetes.cri-o.Name": "k8s_c_p_ns_uid_0"}, "ns/p/c"},
		{map[string]string{"io.kubernetes.cri.sandbox-namespace": "ns", "io.kubernetes.cri.sandbox-name": "p", "io.kubernetes.cri.container-type": "sandbox"}, "ns/p"},
		{map[string]string{"io.kubernetes.pod.name": "p"}, "p"},
		{map[string]string{"io.kubernetes.pod.namespace": "ns"}, "id"},
		{map[string]string{"nerdctl/name": "web"}, "web"},
	} {
		if got := containerName(c.ann, "id"); got != c.want {
			t.Errorf("%v: %q, want %q", c.ann, got, c.want)
		}
	}
	long := strings.Repeat("a", contid.MaxLabelLen-1) + "é" + "b"
	if got := truncateLabel(long); got != strings.Repeat("a", contid.MaxLabelLen-1) || !utf8.ValidString(got) {
		t.Errorf("truncateLabel cut a rune: %q", got[len(got)-4:])
	}
	if got := truncateLabel(strings.Repeat("é", 200)); len(got) != contid.MaxLabelLen || !utf8.ValidString(got) {
		t.Errorf("truncateLabel: %d bytes", len(got))
	}
}

// The hooks.d file podman and CRI-O read: the 1.0.0 schema of
// oci-hooks(5), a stage the runtime spec defines, and the path of the
// daemon's own executable (init/contaudit.service), since the daemon
// takes the hook for contaudit acting for the runtime only when it runs
// the daemon's file.
func TestOCIHooksDConfig(t *testing.T) {
	b, err := os.ReadFile("../../init/oci-hooks.d/contaudit.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version string `json:"version"`
		Hook    struct {
			Path    string   `json:"path"`
			Args    []string `json:"args"`
			Env     []string `json:"env"`
			Timeout *int     `json:"timeout"`
		} `json:"hook"`
		When struct {
			Always        *bool             `json:"always"`
			Annotations   map[string]string `json:"annotations"`
			Commands      []string          `json:"commands"`
			HasBindMounts *bool             `json:"hasBindMounts"`
		} `json:"when"`
		Stages []string `json:"stages"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("contaudit.json: %v", err)
	}
	if cfg.Version != "1.0.0" {
		t.Errorf("version %q", cfg.Version)
	}
	if !filepath.IsAbs(cfg.Hook.Path) || len(cfg.Hook.Args) < 2 || cfg.Hook.Args[0] != "contaudit" || cfg.Hook.Args[1] != "oci-hook" {
		t.Errorf("hook %+v", cfg.Hook)
	}
	if cfg.Hook.Timeout != nil && *cfg.Hook.Timeout <= 5 {
		t.Errorf("hook timeout %ds: the runtime would kill the hook before its own 5s timeout says why", *cfg.Hook.Timeout)
	}
	if cfg.When.Always == nil || !*cfg.When.Always {
		t.Errorf("when %+v: every container needs its contid", cfg.When)
	}
	if len(cfg.Stages) != 1 || (cfg.Stages[0] != "createRuntime" && cfg.Stages[0] != "prestart") {
		t.Errorf("stages %v: the hook runs in the runtime's namespaces, before the container's process runs", cfg.Stages)
	}
	// The arguments parse.
	fs := newFlagSet(lookup("oci-hook"), io.Discard)
	if err := fs.Parse(cfg.Hook.Args[2:]); err != nil {
		t.Errorf("args %v: %v", cfg.Hook.Args, err)
	}
	unit, err := os.ReadFile("../../init/contaudit.service")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(unit), "\nExecStart="+cfg.Hook.Path+" daemon ") {
		t.Errorf("hook path %s is not the daemon's executable in init/contaudit.service", cfg.Hook.Path)
	}
}

// runc runs the hook as it runs in production: `runc create` runs it at
// createRuntime with the container's init, runc:[2:INIT], as its child.
// The daemon takes runc as the writer and the init as the target, and the
// init is a Go process with several threads at that point, which the
// spec's check 4 refuses (EBUSY): the hook fails closed, or lets the
// container start without a contid when open.
func TestOCIHookRunc(t *testing.T) {
	runc := kerneltest.RequireCommand(t, "runc")
	busybox := kerneltest.RequireCommand(t, "busybox")
	// The test binary is the server's own executable, so the hook (this
	// binary re-executed) acts for its parent, as in production.
	s := startControl(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.MkdirTemp("", "runc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	bundle := filepath.Join(root, "bundle")
	if err := os.MkdirAll(filepath.Join(bundle, "rootfs", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	bb, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "rootfs", "bin", "busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := exec.Command(runc, "spec")
	spec.Dir = bundle
	if out, err := spec.CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v\n%s", err, out)
	}
	runcCmd := func(args ...string) (string, error) {
		cmd := exec.Command(runc, append([]string{"--root", filepath.Join(root, "state")}, args...)...)
		// The container keeps the stdio it inherits: files, not pipes
		// that Wait would wait on.
		f, err := os.CreateTemp(root, "out")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, f, f
		err = cmd.Run()
		out, _ := os.ReadFile(f.Name())
		return string(out), err
	}
	// "set": the hook gives runc's init the annotated contid, as runc's
	// act. "closed" and "open": the daemon is unreachable, and the hook
	// refuses the container or lets it start without a contid.
	for _, mode := range []string{"set", "closed", "open"} {
		t.Run(mode, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(bundle, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			var cfg map[string]any
			if err := json.Unmarshal(b, &cfg); err != nil {
				t.Fatal(err)
			}
			socket, fail := s.socket, "closed"
			if mode != "set" {
				socket, fail = filepath.Join(root, "no-daemon.sock"), mode
			}
			proc := cfg["process"].(map[string]any)
			proc["terminal"] = false
			proc["args"] = []string{"/bin/busybox", "sleep", "30"}
			cfg["annotations"] = map[string]string{"io.contaudit.name": "runc-" + mode, "io.contaudit.contid": "4242"}
			cfg["hooks"] = map[string]any{"createRuntime": []any{map[string]any{
				"path": exe,
				"args": []string{"contaudit", "oci-hook", "--fail", fail},
				"env":  []string{"CONTAUDIT_TEST_MAIN=1", "CONTAUDIT_CONTROL_SOCKET=" + socket, "GORACE=atexit_sleep_ms=0"},
			}}}
			if b, err = json.Marshal(cfg); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
			id := "contaudit-hook-" + mode
			t.Cleanup(func() { runcCmd("delete", "-f", id) })
			out, err := runcCmd("create", "--bundle", bundle, id)
			if (err != nil) != (mode == "closed") {
				t.Fatalf("runc create with --fail %s: %v\n%s", fail, err, out)
			}
			if mode == "closed" {
				// runc shows the hook's stderr when the hook fails.
				want := regexp.MustCompile(`contaudit oci-hook: container ` + id + ` \(runc-closed\): .*cannot reach the contaudit daemon`)
				if !want.MatchString(out) {
					t.Fatalf("runc create: %v\n%s\nwant %s", err, out, want)
				}
				return
			}
			st, err := runcCmd("state", id)
			var state ociState
			if err != nil || json.Unmarshal([]byte(st), &state) != nil || state.Status != "created" || state.PID <= 0 {
				t.Fatalf("runc state: %v\n%s", err, st)
			}
			got, _ := s.contidOf(state.PID)
			if mode == "open" {
				if got != contid.Unset {
					t.Errorf("init %d has contid %s", state.PID, got)
				}
				return
			}
			// runc's init runs several Go threads here: allowed, the
			// contid belongs to the thread group.
			if got != 4242 {
				t.Errorf("init %d has contid %s, want 4242", state.PID, got)
			}
			pid := strconv.Itoa(state.PID)
			recs := s.records()
			if !slices.ContainsFunc(recs, func(r string) bool {
				return strings.HasPrefix(r, "op=set opid="+pid+" ") && strings.Contains(r, ` comm="runc" `) &&
					strings.HasSuffix(r, ` res=1 container-id="`+id+`" container-name="runc-set"`)
			}) {
				t.Errorf("no op=set record of runc for init %s in\n%s", pid, strings.Join(recs, "\n"))
			}
		})
	}
}
