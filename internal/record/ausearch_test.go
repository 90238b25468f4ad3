package record

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

// ausearchDrops lists, per corpus file, the records that ausearch 3.0.9 does
// not print with -if FILE --raw, and why. Everything else must agree record
// for record: what ausearch prints is exactly the Raw of our records.
var ausearchDrops = map[string]struct {
	n   int
	why string
}{
	"go-libaudit__auparse__testdata__audit-rhel7.log": {1,
		"type=UNKNOWN[1329] msg=? has no timestamp, so ausearch cannot place it in an event"},
	"go-libaudit__auparse__testdata__audit-ubuntu16.log": {1,
		"an AppArmor AVC: ausearch's AVC parser requires tclass= and drops the event without it"},
	"oms-auditd-plugin__TestEventData.cpp__raw_test_events.log": {4,
		"two AppArmor AVCs without tclass= make ausearch drop their whole event (AVC, AVC, SYSCALL, PROCTITLE)"},
	"go-libaudit__aucoalesce__testdata__ubuntu-16.04-linux-4.13.0.yaml": {11,
		"both events hold AppArmor AVCs without tclass=; ausearch drops them whole"},
}

func TestAusearchAgrees(t *testing.T) {
	ausearch := kerneltest.RequireCommand(t, "ausearch")
	dir, names := corpusFiles(t)
	for _, name := range names {
		kind := classifyCorpus(name)
		if kind == corpusNetlink {
			continue // not a log ausearch can read
		}
		t.Run(name, func(t *testing.T) {
			res := parseCorpus(t, dir, name)
			path := filepath.Join(dir, name)
			if kind == corpusYAML {
				var text []byte
				for _, r := range res.records {
					text = append(append(text, r.Raw...), '\n')
				}
				path = filepath.Join(t.TempDir(), name+".log")
				if err := os.WriteFile(path, text, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(ausearch, "-if", path, "--raw")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			var exit *exec.ExitError
			// ausearch exits 1 when nothing matched.
			if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1 && len(out) == 0) {
				t.Fatalf("ausearch: %v: %s", err, stderr.String())
			}
			printed := map[string]int{}
			nPrinted := 0
			for l := range strings.SplitSeq(string(out), "\n") {
				if l != "" {
					printed[l]++
					nPrinted++
				}
			}
			ours := map[string]int{}
			for _, r := range res.records {
				ours[string(r.Raw)]++
			}
			for l, n := range printed {
				if ours[l] < n {
					t.Errorf("ausearch printed a record we do not have (%d vs %d times): %.200s", n, ours[l], l)
				}
			}
			drop := ausearchDrops[name]
			if got := len(res.records) - nPrinted; got != drop.n {
				var missing []string
				for l, n := range ours {
					if printed[l] < n {
						missing = append(missing, l)
					}
				}
				t.Errorf("we parse %d records, ausearch prints %d: %d dropped, want %d (%s); not printed:\n%.300s",
					len(res.records), nPrinted, got, drop.n, drop.why, strings.Join(missing, "\n"))
			}
		})
	}
}
