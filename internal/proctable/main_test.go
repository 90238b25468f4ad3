package proctable

import (
	"os"
	"testing"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

// TestMain fails the run if the tests leak file descriptors: a table
// holds a socket and two /proc directory fds, and every /proc read opens
// more.
func TestMain(m *testing.M) {
	if os.Getenv(execFromThreadEnv) == "1" {
		execFromThread()
	}
	os.Exit(kerneltest.RunCheckingFDs(m, "proctable", nil))
}
