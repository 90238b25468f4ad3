package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestMain lets the test binary stand in for the contaudit binary: tests
// re-execute it with CONTAUDIT_TEST_MAIN=1 to run a real daemon process
// they can signal and kill.
func TestMain(m *testing.M) {
	if os.Getenv("CONTAUDIT_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// A command that returns an exitStatus has said what happened itself: run
// exits with that status and adds no "contaudit CMD:" line.
func TestRunExitStatus(t *testing.T) {
	log := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(log, []byte(searchLog), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	if code := run([]string{"search", "-if", log, "-k", "nomatch"}, &out, &errw); code != 1 {
		t.Errorf("search without matches: status %d, want 1 (ausearch's)", code)
	}
	if errw.Len() != 0 {
		t.Errorf("run printed %q; the command had said it all", errw.String())
	}
	for err, want := range map[error]int{nil: 0, exitStatus(10): 10, usageError("bad flag"): 2, os.ErrNotExist: 1} {
		if got := statusOf(err); got != want {
			t.Errorf("statusOf(%v) = %d, want %d", err, got, want)
		}
	}
}
