package proctable

import (
	"fmt"
	"os"
	"testing"
)

// TestMain fails the run if the tests leak file descriptors: a table
// holds a socket and two /proc directory fds, and every /proc read opens
// more.
func TestMain(m *testing.M) {
	// Start the runtime's poller first: its epoll fd is not a leak.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	before := countFDs()
	code := m.Run()
	if after := countFDs(); code == 0 && after > before {
		fmt.Fprintf(os.Stderr, "proctable tests leaked %d file descriptors\n", after-before)
		code = 1
	}
	os.Exit(code)
}

func countFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(ents)
}
