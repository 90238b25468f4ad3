package report

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/progress"
)

// contidLog is a synthetic log with CONTAINER_ID records in the spec's
// forms (docs/report.md, --contid).
const contidLog = `type=SYSCALL msg=audit(1606404280.226:100): arch=c000003e syscall=257 success=yes exit=6 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=10 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="cat" exe="/usr/bin/cat" key="k1" record=1
type=CONTAINER_ID msg=audit(1606404280.226:100): record=1 contid=4,^2,^1
type=PROCTITLE msg=audit(1606404280.226:100): proctitle=636174
type=SYSCALL msg=audit(1606404281.226:101): arch=c000003e syscall=257 success=no exit=-2 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=11 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="cat" exe="/usr/bin/cat" key="k1" record=1
type=CONTAINER_ID msg=audit(1606404281.226:101): record=1 contid=4,^2,^1
type=PROCTITLE msg=audit(1606404281.226:101): proctitle=636174
type=NETFILTER_PKT msg=audit(1606404282.000:102): mark=0x0 saddr=10.0.0.1 daddr=10.0.0.2 proto=6 record=1
type=CONTAINER_ID msg=audit(1606404282.000:102): record=1 contid=2,^1,3,^1
type=SYSCALL msg=audit(1606404283.226:103): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=1 a2=0 a3=0 items=1 ppid=1 pid=12 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="sh" exe="/bin/sh" key=(null)
type=PROCTITLE msg=audit(1606404283.226:103): proctitle=7368
type=SYSCALL msg=audit(1606404284.226:104): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=1 a2=0 a3=0 items=1 ppid=1 pid=13 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="sh" exe="/bin/sh" key=(null) record=1
type=CONTAINER_ID msg=audit(1606404284.226:104): record=1 contid=123^456,789
type=PROCTITLE msg=audit(1606404284.226:104): proctitle=7368
`

func runString(t *testing.T, log string, opt Options) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(f, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Run(context.Background(), &out, []string{f}, opt); err != nil && err != ErrNoEvents {
		t.Fatal(err)
	}
	return out.String()
}

func TestContID(t *testing.T) {
	for _, tc := range []struct {
		opt  Options
		want string
	}{
		{Options{Kind: ContID}, `
Container ID Summary Report
===========================
total  contid
===========================
2  4,^2,^1
1  (none)
1  123,^456
1  789
1  2,^1
1  3,^1
`},
		{Options{Kind: ContID, Outcome: Failed}, `
Failed Container ID Summary Report
===========================
total  contid
===========================
1  4,^2,^1
`},
	} {
		if got := runString(t, contidLog, tc.opt); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.opt, got, tc.want)
		}
	}
}

func TestParseContIDs(t *testing.T) {
	for in, want := range map[string]string{
		"4,^2,^1":              "[4 2 1]",
		"2,^1,3,^1":            "[2 1] [3 1]",
		"123^456,789":          "[123 456] [789]",
		"-1":                   "",
		"5,^x,^1":              "[5 1]",
		"18446744073709551615": "[18446744073709551615]",
	} {
		var parts []string
		for _, c := range parseContIDs([]byte(in)) {
			parts = append(parts, fmt.Sprintf("%s", c))
		}
		if got := strings.Join(parts, " "); got != want {
			t.Errorf("parseContIDs(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseTime(t *testing.T) {
	loc := time.UTC
	now := time.Date(2024, 3, 13, 15, 4, 5, 0, loc) // a Wednesday
	d := func(y int, m time.Month, day, h, min, s int) time.Time {
		return time.Date(y, m, day, h, min, s, 0, loc)
	}
	for _, tc := range []struct {
		args  []string
		start bool
		want  time.Time
	}{
		{[]string{"now"}, true, now},
		{[]string{"recent"}, true, now.Add(-10 * time.Minute)},
		{[]string{"recent"}, false, now},
		{[]string{"this-hour"}, true, d(2024, 3, 13, 15, 0, 0)},
		{[]string{"today"}, true, d(2024, 3, 13, 0, 0, 0)},
		{[]string{"today"}, false, now},
		{[]string{"yesterday"}, true, d(2024, 3, 12, 0, 0, 0)},
		{[]string{"yesterday"}, false, d(2024, 3, 12, 23, 59, 59)},
		{[]string{"this-week"}, true, d(2024, 3, 10, 0, 0, 0)},
		{[]string{"week-ago"}, true, d(2024, 3, 6, 0, 0, 0)},
		{[]string{"this-month"}, true, d(2024, 3, 1, 0, 0, 0)},
		{[]string{"this-year"}, true, d(2024, 1, 1, 0, 0, 0)},
		{[]string{"03/01/2024"}, true, d(2024, 3, 1, 0, 0, 0)},
		{[]string{"03/01/2024"}, false, d(2024, 3, 1, 23, 59, 59)},
		{[]string{"03/01/24", "10:11:12"}, true, d(2024, 3, 1, 10, 11, 12)},
		{[]string{"10:11:12", "03/01/2024"}, false, d(2024, 3, 1, 10, 11, 12)},
		{[]string{"10:11"}, true, d(2024, 3, 13, 10, 11, 0)},
		{[]string{"today", "08:00:00"}, true, d(2024, 3, 13, 8, 0, 0)},
	} {
		got, err := ParseTime(tc.args, tc.start, now, loc)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q, start=%v) = %v, %v; want %v", tc.args, tc.start, got, err, tc.want)
		}
	}
	for _, bad := range [][]string{nil, {"13/45/2024"}, {"25:00:00"}, {"now", "10:00:00"}, {"1:2:3", "4:5:6"}} {
		if _, err := ParseTime(bad, true, now, loc); err == nil {
			t.Errorf("ParseTime(%q) took it", bad)
		}
	}
	if _, err := ParseTime([]string{"boot"}, true, now, loc); err != nil {
		t.Errorf("boot: %v", err)
	}
}

// TestRotatedLogs reads audit.log.2.gz, audit.log.1 and audit.log as one
// log, oldest first, with an event split across two files.
func TestRotatedLogs(t *testing.T) {
	dir := t.TempDir()
	lines := strings.SplitAfter(contidLog, "\n")
	write := func(name string, data string, gz bool) {
		var b bytes.Buffer
		if gz {
			zw := gzip.NewWriter(&b)
			zw.Write([]byte(data))
			zw.Close()
		} else {
			b.WriteString(data)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("audit.log.2.gz", strings.Join(lines[:4], ""), true)
	write("audit.log.1", strings.Join(lines[4:8], ""), false)
	write("audit.log", strings.Join(lines[8:], ""), false)
	files, err := Inputs(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"audit.log.2.gz", "audit.log.1", "audit.log"}
	for i := range files {
		files[i] = filepath.Base(files[i])
	}
	if fmt.Sprint(files) != fmt.Sprint(want) {
		t.Fatalf("Inputs = %v, want %v", files, want)
	}
	one := runString(t, contidLog, Options{Kind: ContID})
	files, _ = Inputs(dir, "")
	var out bytes.Buffer
	if err := Run(context.Background(), &out, files, Options{Kind: ContID}); err != nil {
		t.Fatal(err)
	}
	if out.String() != one {
		t.Errorf("rotated set:\n%s\none file:\n%s", out.String(), one)
	}
	out.Reset()
	if err := Run(context.Background(), &out, files, Options{Kind: LogTime, Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "audit.log.2.gz: 11/26/20 15:24:40.226 - 11/26/20 15:24:40.226\n") {
		t.Errorf("-t over the set:\n%s", out.String())
	}
	// A progress line counts the files' bytes (compressed ones as stored)
	// and is erased before the report prints; the report is unchanged.
	var prog bytes.Buffer
	out.Reset()
	if err := Run(context.Background(), &out, files, Options{Kind: ContID, Progress: &prog, ProgressTotal: progress.Total(files)}); err != nil {
		t.Fatal(err)
	}
	if out.String() != one || !strings.HasPrefix(prog.String(), "\rreading: ") || !strings.HasSuffix(prog.String(), "\r\033[K") {
		t.Errorf("with progress: report\n%s\nprogress %q", out.String(), prog.String())
	}
}

func TestNoEvents(t *testing.T) {
	f := filepath.Join(t.TempDir(), "audit.log")
	os.WriteFile(f, []byte(contidLog), 0o644)
	var out bytes.Buffer
	err := Run(context.Background(), &out, []string{f}, Options{Kind: Login})
	if err != ErrNoEvents || !strings.HasSuffix(out.String(), "<no events of interest were found>\n\n") {
		t.Errorf("login report of a log without logins: %v\n%s", err, out.String())
	}
}
