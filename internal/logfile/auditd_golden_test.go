package logfile

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

// The golden logs under testdata/auditd-* were written by the real auditd
// 3.0.9. They are regenerated only on request, because doing so registers
// auditd as the kernel's audit daemon for a few seconds.
var regenAuditd = flag.Bool("auditd-golden", false, "run the real auditd to regenerate testdata/auditd-*")

func TestRegenerateAuditdGolden(t *testing.T) {
	if !*regenAuditd {
		t.Skip("run with -auditd-golden to regenerate the auditd reference logs")
	}
	kerneltest.Audit(t)
	auditd := kerneltest.RequireCommand(t, "auditd")
	auditctl := kerneltest.RequireCommand(t, "auditctl")
	for _, v := range []struct{ name, conf string }{
		{"raw", "log_format = RAW\nname_format = NONE\n"},
		{"enriched", "log_format = ENRICHED\nname_format = NONE\n"},
		{"enriched-node", "log_format = ENRICHED\nname_format = USER\nname = testnode\n"},
	} {
		t.Run(v.name, func(t *testing.T) { runAuditd(t, auditd, auditctl, v.name, v.conf) })
	}
}

func runAuditd(t *testing.T, auditd, auditctl, name, extra string) {
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	plugins := filepath.Join(dir, "plugins.d")
	for _, d := range []string{logDir, plugins} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	conf := fmt.Sprintf(`local_events = yes
write_logs = yes
log_file = %s/audit.log
log_group = root
flush = SYNC
freq = 0
max_log_file = 8
num_logs = 3
priority_boost = 0
max_log_file_action = ROTATE
space_left = 2
space_left_action = SYSLOG
admin_space_left = 1
admin_space_left_action = SYSLOG
disk_full_action = SYSLOG
disk_error_action = SYSLOG
use_libwrap = no
distribute_network = no
q_depth = 2000
overflow_action = SYSLOG
max_restarts = 10
plugin_dir = %s
end_of_event_timeout = 2
`, logDir, plugins) + extra
	if err := os.WriteFile(filepath.Join(dir, "auditd.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd := exec.Command(auditd, "-n", "-c", dir)
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			_ = cmd.Process.Kill()
			<-done
		}
	})
	logPath := filepath.Join(logDir, "audit.log")
	waitFor(t, logPath, "DAEMON_START")

	ctl := func(args ...string) {
		if out, err := exec.Command(auditctl, args...).CombinedOutput(); err != nil {
			t.Fatalf("auditctl %v: %v: %s", args, err, out)
		}
	}
	ctl("-a", "always,exit", "-F", "arch=b64", "-S", "execve", "-k", "t")
	if err := exec.Command("/bin/true").Run(); err != nil {
		t.Fatal(err)
	}
	ctl("-D")
	waitFor(t, logPath, "/bin/true")
	time.Sleep(300 * time.Millisecond)

	_ = cmd.Process.Signal(syscall.SIGUSR1)
	waitFor(t, logPath+".1", "type=")
	time.Sleep(300 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGUSR2)
	time.Sleep(500 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("auditd did not exit on SIGTERM")
	}
	out := filepath.Join("testdata", "auditd-"+name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"audit.log", "audit.log.1"} {
		b, err := os.ReadFile(filepath.Join(logDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(out, "auditd.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("auditd output:\n%s", stderr.String())
}

func waitFor(t *testing.T, path, substr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), substr) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("%s never contained %q; has:\n%s", path, substr, b)
}
