package main

import (
	"os"
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
