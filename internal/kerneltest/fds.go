package kerneltest

import (
	"fmt"
	"os"
	"testing"
)

// RunCheckingFDs runs m, then cleanup (may be nil), and fails the run when
// the tests left more file descriptors open than they found. For packages
// whose objects live as long as the daemon, holding sockets, pidfds and
// /proc directories: a leak there pins resources until restart.
func RunCheckingFDs(m *testing.M, pkg string, cleanup func()) int {
	// Start the runtime's poller first: its epoll fd is not a leak.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	before := countFDs()
	code := m.Run()
	if cleanup != nil {
		cleanup()
	}
	if after := countFDs(); code == 0 && after > before {
		fmt.Fprintf(os.Stderr, "%s tests leaked %d file descriptors\n", pkg, after-before)
		code = 1
	}
	return code
}

func countFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(ents)
}
