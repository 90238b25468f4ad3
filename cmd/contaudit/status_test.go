package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

// status and rules list print exactly what auditctl -s and -l print, so
// scripts written for auditctl keep working.
func TestStatusAndRulesListMatchAuditctl(t *testing.T) {
	kerneltest.Audit(t)
	rulesFile := filepath.Join(t.TempDir(), "t.rules")
	write(t, rulesFile, `-D
-a always,exit -F arch=b64 -S openat,openat2 -F exit=-EACCES -F auid>=1000 -F auid!=unset -k access
-w /etc/shadow -p wa -k shadow
-a never,exclude -F msgtype=CWD
`)
	var out bytes.Buffer
	if code := run([]string{"rules", "load", rulesFile}, &out, os.Stderr); code != 0 {
		t.Fatalf("rules load: exit %d", code)
	}
	for _, tc := range []struct{ ours, theirs []string }{
		{[]string{"status"}, []string{"-s"}},
		{[]string{"rules", "list"}, []string{"-l"}},
	} {
		want, err := exec.Command("auditctl", tc.theirs...).Output()
		if err != nil {
			t.Fatal(err)
		}
		got := captureStdout(t, func() {
			if code := run(tc.ours, io.Discard, os.Stderr); code != 0 {
				t.Fatalf("%v: exit %d", tc.ours, code)
			}
		})
		if got != string(want) {
			t.Errorf("contaudit %v:\n%s\nauditctl %v:\n%s", tc.ours, got, tc.theirs, want)
		}
	}
	if code := run([]string{"rules", "delete-all"}, io.Discard, os.Stderr); code != 0 {
		t.Fatalf("delete-all: exit %d", code)
	}
	if out, _ := exec.Command("auditctl", "-l").Output(); string(out) != "No rules\n" {
		t.Fatalf("after delete-all: %q", out)
	}
}

// captureStdout runs f with os.Stdout redirected: the commands print to
// os.Stdout as the tools they replace do.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	f()
	os.Stdout = old
	w.Close()
	return string(<-done)
}
