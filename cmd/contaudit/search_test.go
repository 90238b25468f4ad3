package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const searchLog = `type=SYSCALL msg=audit(1700000000.100:10): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=0 ppid=100 pid=200 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="ls" exe="/usr/bin/ls" key="exec"
type=PROCTITLE msg=audit(1700000000.100:10): proctitle="ls"
type=SYSCALL msg=audit(1700000100.200:11): arch=c000003e syscall=257 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=0 ppid=200 pid=300 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="cat" exe="/usr/bin/cat" key=(null)
type=PROCTITLE msg=audit(1700000100.200:11): proctitle="cat"
`

// commandCLI runs a command's flag parsing and body as main would, with
// the exit statuses captured instead of ending the test.
func commandCLI(name string, body func(fs *flag.FlagSet, stdout, stderr io.Writer) error, args ...string) (stdout, stderr string, code int) {
	var out, errw bytes.Buffer
	fs := newFlagSet(lookup(name), io.Discard)
	if err := fs.Parse(args); err != nil {
		return "", err.Error(), 2
	}
	err := body(fs, &out, &errw)
	var st exitStatus
	if err != nil && !errors.As(err, &st) {
		errw.WriteString(err.Error())
	}
	return out.String(), errw.String(), statusOf(err)
}

func searchCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return commandCLI("search", func(fs *flag.FlagSet, out, errw io.Writer) error {
		return runSearch(context.Background(), fs, nil, out, errw)
	}, args...)
}

func TestSearchCLI(t *testing.T) {
	t.Setenv("TZ", "UTC")
	dir := t.TempDir()
	log := filepath.Join(dir, "audit.log")
	if err := os.WriteFile(log, []byte(searchLog), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		out    string // substring of stdout
		stderr string // substring of stderr
	}{
		{"raw", []string{"-if", log, "--format", "raw", "-k", "exec"}, 0, "key=\"exec\"\ntype=PROCTITLE", ""},
		{"default", []string{"-if", log, "-p", "300"}, 0, "----\ntime->Tue Nov 14 22:15:00 2023\ntype=PROCTITLE", ""},
		{"interpret", []string{"-if", log, "-i", "-sv", "no"}, 0, "exit=EACCES(Permission denied)", ""},
		{"ts with a time word then more flags", []string{"-if", log, "-r", "-ts", "11/14/23", "22:14:00", "-k", "exec"}, 1, "", "<no matches>"},
		{"ts and te with time words", []string{"-if", log, "-r", "-ts", "11/14/23", "22:14:00", "-te", "11/14/23", "22:15:00"}, 0, ":11)", ""},
		{"long forms", []string{"--input", log, "--raw", "--uid-all", "1000", "--success", "no"}, 0, ":11)", ""},
		{"errno name", []string{"-if", log, "-r", "-e", "EACCES"}, 0, ":11)", ""},
		{"syscall name", []string{"-if", log, "-r", "-sc", "execve"}, 0, ":10)", ""},
		{"no matches", []string{"-if", log, "-k", "nothing"}, 1, "", "<no matches>"},
		{"just one", []string{"-if", log, "-r", "--just-one"}, 0, ":10)", ""},
		{"bad message type", []string{"-if", log, "-m", "BOGUS"}, 2, "", "unknown message type"},
		{"bad pid", []string{"-if", log, "-p", "abc"}, 2, "", "must be a number"},
		{"bad date", []string{"-if", log, "-ts", "31/31/31"}, 2, "", "-ts"},
		{"stray argument", []string{"-if", log, "extra"}, 2, "", "unexpected argument"},
		{"json", []string{"-if", log, "--format", "json", "-k", "exec"}, 0, `"serial":10`, ""},
		{"csv", []string{"-if", log, "--format", "csv", "--extra-keys", "-k", "exec"}, 0,
			"NODE,EVENT,DATE,TIME,SERIAL_NUM,EVENT_KIND,SESSION,SUBJ_PRIME,SUBJ_SEC,SUBJ_KIND,ACTION,RESULT,OBJ_PRIME,OBJ_SEC,OBJ_KIND,HOW,KEY\n,SYSCALL,11/14/23,22:13:20,10,audit-rule,3,", ""},
		{"csv key column", []string{"-if", log, "--format", "csv", "--extra-keys", "-k", "exec"}, 0, ",/usr/bin/ls,exec\n", ""},
		{"text", []string{"-if", log, "--format", "text", "-p", "300"}, 0, " unsuccessfully opened-file using /usr/bin/cat\n", ""},
		{"extra needs csv", []string{"-if", log, "--format", "text", "--extra-time"}, 2, "", "requires format to be csv"},
		{"extra labels", []string{"-if", log, "--format", "csv", "--extra-labels", "-k", "exec"}, 0, "SUBJ_KIND,SUBJ_LABEL,ACTION,RESULT,OBJ_PRIME,OBJ_SEC,OBJ_LABEL,OBJ_KIND", ""},
		{"missing input", []string{"-if", filepath.Join(dir, "nope")}, 1, "", "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := searchCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("code %d (want %d)\nstdout: %s\nstderr: %s", code, tc.code, out, stderr)
			}
		})
	}
}

func TestSearchCheckpointCLI(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "audit.log")
	ck := filepath.Join(dir, "ck")
	os.WriteFile(log, []byte(searchLog), 0o644)
	if out, _, code := searchCLI(t, "-if", log, "-r", "--checkpoint", ck); code != 0 || strings.Count(out, "\n") != 4 {
		t.Fatalf("first run: code %d\n%s", code, out)
	}
	if _, stderr, code := searchCLI(t, "-if", log, "-r", "--checkpoint", ck); code != 1 || !strings.Contains(stderr, "<no matches>") {
		t.Fatalf("second run: code %d %s", code, stderr)
	}
	if out, _, code := searchCLI(t, "-if", log, "-r", "--checkpoint", ck, "-ts", "checkpoint"); code != 1 || out != "" {
		t.Fatalf("-ts checkpoint: code %d %s", code, out)
	}
	os.WriteFile(ck, []byte("nonsense\n"), 0o644)
	if _, _, code := searchCLI(t, "-if", log, "-r", "--checkpoint", ck); code != 10 {
		t.Fatalf("bad checkpoint: code %d, want 10", code)
	}
}
