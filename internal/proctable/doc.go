// Package proctable keeps, for every live process on the host, its identity
// (PID and start time, which survives PID reuse), lineage, namespaces,
// cgroup, command and credentials, current in real time from the kernel's
// process events, so that audit records can be attributed to the process
// (and later the container) that caused them.
//
// A Table is seeded from /proc, then follows FORK, EXEC, EXIT, UID, GID
// and COMM events from the proc connector, or FORK and EXIT from BPF
// programs through a ring buffer (internal/procbpf; Config.Events). When
// events are lost (ENOBUFS on the connector socket, a full ring) the table
// rescans /proc and reconciles. Exited processes are kept
// for a retention window so that their last records still resolve.
//
// Concurrency: one RWMutex guards the table. Writers are the event drain
// (Run's goroutine or a Sync caller; a second mutex makes drains one at a
// time and covers receive+apply, so a returning Sync has applied every
// event that was queued when it was called) and, rarely, Attribute when it
// must record a process whose FORK was missed. Readers (Lookup, Get,
// Attribute's fast path) take the read lock and never touch /proc. Hooks
// run outside the table lock, one at a time, in event order; they may read
// the table but must not call Sync.
//
// See docs/proctable.md for retention, the ordering guarantees and their
// limits, and measured numbers.
package proctable
