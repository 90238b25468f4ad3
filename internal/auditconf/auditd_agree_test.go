package auditconf

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

var runAuditd = flag.Bool("auditd", false, "compare verdicts with the real auditd binary (root; takes the kernel-test lock)")

// TestAuditdRejectsToo checks that files this parser refuses are refused by
// auditd 3.0.9 as well (auditd exits during config parsing, before it
// touches the kernel; the lock is held anyway in case it does not).
// Last run against Debian's auditd 3.0.9: every case below is refused by
// both. Files auditd refuses and contaudit accepts on purpose (contaudit_
// keys, "key=value" without blanks) are not part of it.
func TestAuditdRejectsToo(t *testing.T) {
	if !*runAuditd {
		t.Skip("run with -auditd to compare with the real auditd")
	}
	kerneltest.Audit(t)
	auditd := kerneltest.RequireCommand(t, "auditd")
	for _, bad := range []string{
		"bogus_key = 1\n",
		"flush = FAST\n",
		"freq = 50 # comment\n",
		"num_logs = 1000\n",
		"space_left = 100%\n",
		"disk_error_action = rotate\n",
		"flush = incremental\nfreq = 0\n",
		"log_format = raw extra\n",
		"space_left = 5\nadmin_space_left = 5\n",
		"space_left_action = exec\n",
	} {
		if _, err := Parse(strings.NewReader(bad), "x"); err == nil {
			t.Errorf("contaudit accepts %q", bad)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "auditd.conf"), []byte("plugin_dir = "+dir+"\nlog_file = "+dir+"/log/audit.log\n"+bad), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(auditd, "-n", "-c", dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("auditd exited 0 for %q", bad)
			}
		case <-time.After(3 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("auditd accepted %q (it started)", bad)
		}
	}
}
