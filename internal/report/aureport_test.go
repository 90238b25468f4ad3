package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

// corporaDir finds ../shared/corpora beside the module root; its absence
// fails under CONTAUDIT_REQUIRE_KERNEL=1 and skips otherwise.
func corporaDir(t testing.TB) string {
	t.Helper()
	return kerneltest.CorporaDir(t)
}

// corpusLogs writes every audit log of the corpora, YAML unwrapped, to a
// temporary directory (aureport needs files) and returns their paths.
func corpusLogs(t testing.TB) []string {
	t.Helper()
	dir := corporaDir(t)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	var out []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || n == "README.md" || strings.HasPrefix(n, "keylime__") || strings.HasPrefix(n, "ima-evm-utils__") ||
			strings.HasSuffix(n, ".bin") || strings.HasSuffix(n, ".txt") {
			continue
		}
		p := filepath.Join(dir, n)
		if strings.HasSuffix(n, ".yaml") {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			p = filepath.Join(tmp, n+".log")
			if err := os.WriteFile(p, kerneltest.UnwrapYAML(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		t.Fatalf("no audit logs in %s", dir)
	}
	return out
}

// reportArgs are the aureport invocations compared, with the Options that
// mean the same.
var reportArgs = []struct {
	args []string
	opt  Options
}{
	{nil, Options{Kind: Summary}},
	{[]string{"--failed"}, Options{Kind: Summary, Outcome: Failed}},
	{[]string{"--success"}, Options{Kind: Summary, Outcome: Succeed}},
	{[]string{"-x"}, Options{Kind: Executable}},
	{[]string{"-x", "--summary"}, Options{Kind: Executable, Totals: true}},
	{[]string{"-u"}, Options{Kind: User}},
	{[]string{"-u", "--summary"}, Options{Kind: User, Totals: true}},
	{[]string{"-l"}, Options{Kind: Login}},
	{[]string{"-l", "--summary"}, Options{Kind: Login, Totals: true}},
	{[]string{"-k"}, Options{Kind: Key}},
	{[]string{"-k", "--summary"}, Options{Kind: Key, Totals: true}},
	{[]string{"-f"}, Options{Kind: File}},
	{[]string{"-f", "--summary"}, Options{Kind: File, Totals: true}},
	{[]string{"-s"}, Options{Kind: Syscall}},
	{[]string{"-s", "--summary"}, Options{Kind: Syscall, Totals: true}},
	{[]string{"-n"}, Options{Kind: Anomaly}},
	{[]string{"-n", "--summary"}, Options{Kind: Anomaly, Totals: true}},
	// -i: names from this host's passwd, as aureport's on the same host.
	{[]string{"-i"}, Options{Kind: Summary, Interpret: true}},
	{[]string{"-x", "-i"}, Options{Kind: Executable, Interpret: true}},
	{[]string{"-s", "-i"}, Options{Kind: Syscall, Interpret: true}},
	{[]string{"-s", "--summary", "-i"}, Options{Kind: Syscall, Totals: true, Interpret: true}},
	{[]string{"-u", "--summary", "-i"}, Options{Kind: User, Totals: true, Interpret: true}},
	{[]string{"-l", "-i"}, Options{Kind: Login, Interpret: true}},
	{[]string{"-n", "--summary", "-i"}, Options{Kind: Anomaly, Totals: true, Interpret: true}},
}

// knownDifferences are the comparisons expected to differ, each for a
// reason given in docs/report.md. The key is the log's name and the
// arguments.
var knownDifferences = map[string]string{}

func init() {
	// The test log of go-libaudit holds records sorted by type, times out
	// of order: aureport's grouping splits event 17 in two, contaudit's
	// keeps it whole (docs/report.md, "Event grouping").
	for _, a := range []string{"", "--success", "-x", "-x --summary", "-u", "-u --summary", "-s", "-s --summary",
		"-i", "-x -i", "-s -i", "-s --summary -i", "-u --summary -i"} {
		knownDifferences["go-libaudit__auparse__testdata__audit-rhel7.log "+a] = "event grouping of a log out of time order"
	}
}

// normalize makes reports comparable: the numbering and the order of
// per-event lines (events end in another order, docs/report.md) and the
// time range lines are left out.
var lineNumber = regexp.MustCompile(`^[0-9]+\. `)

func normalize(out []byte) []string {
	var lines []string
	for l := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(l, "Range of time in logs:") || strings.HasPrefix(l, "Selected time for report:") {
			continue
		}
		lines = append(lines, lineNumber.ReplaceAllString(l, ""))
	}
	slices.Sort(lines)
	return lines
}

func TestAgainstAureport(t *testing.T) {
	aureport := kerneltest.RequireCommand(t, "aureport")
	logs := corpusLogs(t)
	var agree, differ int
	for _, path := range logs {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml.log")
		if strings.HasSuffix(filepath.Base(path), ".yaml.log") {
			name += ".yaml"
		}
		for _, ra := range reportArgs {
			id := strings.TrimSpace(name + " " + strings.Join(ra.args, " "))
			t.Run(id, func(t *testing.T) {
				cmd := exec.Command(aureport, append([]string{"-if", path}, ra.args...)...)
				cmd.Env = append(os.Environ(), "LC_ALL=C")
				want, _ := cmd.Output() // exit status 1 when nothing was found
				var got bytes.Buffer
				err := Run(context.Background(), &got, []string{path}, ra.opt)
				if err != nil && err != ErrNoEvents {
					t.Fatal(err)
				}
				g, w := normalize(got.Bytes()), normalize(want)
				same := slices.Equal(g, w)
				reason, known := knownDifferences[name+" "+strings.Join(ra.args, " ")]
				switch {
				case same && known:
					t.Errorf("agrees with aureport now; drop the known difference (%s)", reason)
				case !same && !known:
					t.Errorf("differs from aureport -if %s %s:\n got: %q\nwant: %q", path, strings.Join(ra.args, " "), g, w)
				case !same:
					differ++
					t.Logf("known difference: %s", reason)
				default:
					agree++
				}
			})
		}
	}
	t.Logf("%d comparisons agree with aureport, %d differ as documented", agree, differ)
}

// TestTimeRange compares the time range lines on a log in time order,
// where aureport's first and last event are the earliest and latest.
func TestTimeRange(t *testing.T) {
	aureport := kerneltest.RequireCommand(t, "aureport")
	path := filepath.Join(corporaDir(t), "go-libaudit__testdata__normal.log")
	for _, args := range [][]string{nil, {"-t"}} {
		cmd := exec.Command(aureport, append([]string{"-if", path}, args...)...)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		want, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		opt := Options{}
		if len(args) > 0 {
			opt.Kind = LogTime
		}
		var got bytes.Buffer
		if err := Run(context.Background(), &got, []string{path}, opt); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("aureport %v:\n got %s\nwant %s", args, got.Bytes(), want)
		}
	}
}

func TestStartEnd(t *testing.T) {
	aureport := kerneltest.RequireCommand(t, "aureport")
	path := filepath.Join(corporaDir(t), "go-libaudit__auparse__testdata__audit-rhel7.log")
	// 03/16/17 00:00:00 to 04/12/17 23:59:59 local time.
	start, _ := ParseTime([]string{"03/16/2017"}, true, time.Now(), time.Local)
	end, _ := ParseTime([]string{"04/12/2017", "23:59:59"}, false, time.Now(), time.Local)
	cmd := exec.Command(aureport, "-if", path, "-ts", "03/16/2017", "-te", "04/12/2017", "23:59:59")
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	want, err := cmd.Output()
	if err != nil {
		t.Skipf("this aureport does not take MM/DD/YYYY in its locale: %v", err)
	}
	var got bytes.Buffer
	if err := Run(context.Background(), &got, []string{path}, Options{Start: start, End: end}); err != nil {
		t.Fatal(err)
	}
	gl, wl := normalize(got.Bytes()), normalize(want)
	if !slices.Equal(gl, wl) {
		t.Errorf("-ts/-te:\n got %q\nwant %q", gl, wl)
	}
	sel := func(b []byte) string {
		for l := range strings.SplitSeq(string(b), "\n") {
			if strings.HasPrefix(l, "Selected time") {
				return l
			}
		}
		return ""
	}
	if sel(got.Bytes()) != sel(want) {
		t.Errorf("selected time: got %q, want %q", sel(got.Bytes()), sel(want))
	}
}
