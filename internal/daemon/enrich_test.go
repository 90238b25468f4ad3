package daemon

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/logfile"
)

// The host log in ENRICHED format must equal what auditd 3.0.9 wrote for
// the same kernel records (the golden logs package logfile recorded from
// the real auditd): strip auditd's tail, enrich again, compare the line.
func TestEnricherMatchesAuditd(t *testing.T) {
	paths, _ := filepath.Glob("../logfile/testdata/auditd-enriched/audit.log*")
	if len(paths) == 0 {
		t.Fatal("no golden ENRICHED logs in ../logfile/testdata/auditd-enriched")
	}
	enrich := Enricher()
	var checked int
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			name, rest, ok := strings.Cut(strings.TrimPrefix(line, "type="), " msg=")
			if !ok || strings.HasPrefix(name, "DAEMON_") {
				continue
			}
			typ, ok := abi.MsgTypeByName(name)
			if !ok {
				t.Fatalf("%s: type %q", p, name)
			}
			payload, _, _ := strings.Cut(rest, "\x1d")
			got := logfile.AppendLine(nil, "", typ, []byte(payload), enrich)
			if string(bytes.TrimSuffix(got, []byte("\n"))) != line {
				t.Errorf("%s:\n got %q\nwant %q", p, got, line)
			}
			checked++
		}
		f.Close()
	}
	if checked == 0 {
		t.Fatal("no records checked")
	}
	t.Logf("%d records enriched as auditd enriched them", checked)
}
