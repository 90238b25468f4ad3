package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reportCLI runs the report command as main would, the exit status
// captured.
func reportCLI(t *testing.T, args ...string) (stdout string, code int, err error) {
	t.Helper()
	var out bytes.Buffer
	fs := newFlagSet(lookup("report"), io.Discard)
	if err := fs.Parse(args); err != nil {
		return "", 2, err
	}
	err = reportMain(context.Background(), fs, &out)
	return out.String(), statusOf(err), err
}

func TestReportCLI(t *testing.T) {
	t.Setenv("TZ", "UTC")
	log := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(log, []byte(searchLog), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string // substring of stdout, or of the error
	}{
		{"summary", []string{"-if", log}, 0, "Number of events: 2\n"},
		{"executables", []string{"-if", log, "-x"}, 0, "/usr/bin/cat pts0 ? 1000 11\n"},
		{"long form", []string{"--input", log, "--executable", "--summary"}, 0, "1  /usr/bin/ls\n"},
		{"failed", []string{"-if", log, "--failed"}, 0, "Failed Summary Report"},
		{"keys", []string{"-if", log, "-k", "--summary"}, 0, "1  exec\n"},
		{"interpret", []string{"-if", log, "-s", "-i"}, 0, "openat 300 cat"},
		{"ts date and time then a flag", []string{"-if", log, "-ts", "11/14/2023", "22:14:00", "-x"}, 0, "1. 11/14/23 22:15:00 /usr/bin/cat"},
		{"te keyword", []string{"-if", log, "-te", "11/14/2023", "22:14:00"}, 0, "Number of events: 1\n"},
		{"nothing found", []string{"-if", log, "-l"}, 1, "<no events of interest were found>"},
		{"two reports", []string{"-if", log, "-x", "-u"}, 2, "only one report"},
		{"failed and success", []string{"-if", log, "--failed", "--success"}, 2, "exclude"},
		{"bad date", []string{"-if", log, "-ts", "31/31/2023"}, 2, "-ts"},
		{"stray argument", []string{"-if", log, "extra"}, 2, "unexpected argument"},
		{"missing input", []string{"-if", log + ".nope"}, 1, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code, err := reportCLI(t, tc.args...)
			if err != nil {
				out += err.Error()
			}
			if code != tc.code || !strings.Contains(out, tc.out) {
				t.Errorf("report %q: status %d, want %d; output lacks %q:\n%s", tc.args, code, tc.code, tc.out, out)
			}
		})
	}
}
