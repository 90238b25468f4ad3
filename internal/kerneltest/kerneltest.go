// Package kerneltest owns the rules for tests that touch the shared kernel
// or need what only the test machine has (root, tools, the shared corpora):
// when they may skip, how they are serialised across test binaries, and how
// the kernel's audit state is put back afterwards.
//
// go test runs packages as parallel processes, so an in-process mutex is not
// enough: Audit takes an flock on a file in /run/lock, which every test
// binary of this module honours.
//
// It also holds what the packages' tests share so that each checks the
// same way: the corpora's location, golden files (Golden), where two
// outputs part (DiffLines) and the file-descriptor leak check of the
// packages whose objects live as long as the daemon (RunCheckingFDs), and
// a copy of the test binary to run as nobody (AsNobody).
package kerneltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// RequireEnv names the variable .ci/run sets: with it, a missing
// precondition fails the test instead of skipping it.
const RequireEnv = "CONTAUDIT_REQUIRE_KERNEL"

// Skip skips (or, under CI, fails) a test whose precondition is missing.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("kernel test precondition missing under "+RequireEnv+"=1: "+format, args...)
	}
	t.Skipf(format, args...)
}

// RequireRoot skips unless the test runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Skip(t, "needs root (euid %d)", os.Geteuid())
	}
}

// RequireCommand skips unless the named program is on PATH, or in
// /usr/sbin or /sbin, where Debian puts daemons (auditd) that a user's
// PATH may not reach.
func RequireCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if fi, serr := os.Stat(filepath.Join(dir, name)); serr == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return filepath.Join(dir, name)
		}
	}
	Skip(t, "needs %s on PATH: %v", name, err)
	return ""
}

const lockPath = "/run/lock/contaudit-kerneltest.lock"

// Lock serialises t with every other kernel-audit test on the machine until
// t ends.
func Lock(t testing.TB) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(lockPath), 0o755); err != nil {
		t.Fatalf("lock dir: %v", err)
	}
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("open %s: %v", lockPath, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("flock %s: %v", lockPath, err)
	}
	t.Cleanup(func() { f.Close() })
}

// Audit prepares a test that changes kernel audit state: it requires root
// and auditctl, takes the lock, snapshots enabled, failure, rate limit,
// backlog limit, backlog wait time and the rule list, and restores them
// when the test ends, pass or fail. A test that registers as the audit
// daemon must release the pid itself; Audit reports one that did not.
func Audit(t testing.TB) {
	t.Helper()
	RequireRoot(t)
	auditctl := RequireCommand(t, "auditctl")
	Lock(t)
	status := run(t, auditctl, "-s")
	rules := run(t, auditctl, "-l")
	st := parseStatus(status)
	if st["enabled"] == "2" {
		Skip(t, "kernel audit rules are immutable (enabled 2) until reboot")
	}
	t.Cleanup(func() {
		// Restore rules first: enabling with the wrong rules would log noise.
		_ = exec.Command(auditctl, "-D").Run()
		if strings.TrimSpace(rules) != "No rules" && strings.TrimSpace(rules) != "" {
			f := filepath.Join(t.TempDir(), "restore.rules")
			if err := os.WriteFile(f, []byte(rules), 0o600); err != nil {
				t.Errorf("kerneltest: save rules for restore: %v", err)
			} else if out, err := exec.Command(auditctl, "-R", f).CombinedOutput(); err != nil {
				t.Errorf("kerneltest: restore rules: %v: %s", err, out)
			}
		}
		args := []string{"-e", st["enabled"], "-r", st["rate_limit"], "-b", st["backlog_limit"],
			"--backlog_wait_time", st["backlog_wait_time"]}
		if f := st["failure"]; f == "0" || f == "1" {
			args = append(args, "-f", f)
		}
		if out, err := exec.Command(auditctl, args...).CombinedOutput(); err != nil {
			t.Errorf("kerneltest: restore status %v: %v: %s", args, err, out)
		}
		after := parseStatus(run(t, auditctl, "-s"))
		if after["pid"] != st["pid"] {
			t.Errorf("kerneltest: audit pid is %s after the test, was %s: the test did not release its registration", after["pid"], st["pid"])
		}
	})
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func parseStatus(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(line, " "); ok {
			v, _, _ = strings.Cut(v, " ")
			m[k] = v
		}
	}
	return m
}
