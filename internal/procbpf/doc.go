// Package procbpf owns following processes through BPF: small programs on
// the scheduler's tracepoints (task_newtask, sched_process_exec,
// sched_process_exit) write the proc connector's FORK, EXEC and EXIT events
// into a BPF ring buffer, which the consumer reads through its memory
// mapping.
//
// It exists for cost. The proc connector sends one netlink datagram per
// event, and receiving them costs the receiver a copy, an skb free and its
// share of a recvmmsg(2) each: on the 2-vCPU VM contaudit is measured on,
// about 1.5 µs per event, a tenth of what the audit daemon spends on an
// exec's whole audit event (bench/README.md). Reading the same event from
// the ring buffer costs 26 ns (BenchmarkNext; about 65 ns inside the
// daemon under an exec storm, by perf) and no system call: the programs run in
// the context of the task that forks or exits, so the kernel-side work is
// charged to it, as the proc connector's is, and nothing is charged to the
// reader but the read.
//
// The events keep the connector's semantics, taken at the same points in
// the kernel: task_newtask fires in copy_process next to
// proc_fork_connector, before the child can run, and carries the child's
// real parent (CLONE_PARENT and threads included); sched_process_exit
// fires in do_exit for every task, after audit_free has queued the task's
// last audit records. A record carries only what a process table reads of
// the connector's struct proc_event, in 24 bytes (RecordSize) so that two
// fill a cache line, and Decode gives it back in the connector's form. A
// FORK carries the child's start_boottime, the exact value
// /proc/PID/stat's start time is derived from, which the connector does
// not send. Events the ring has no room for are counted in a
// memory-mapped counter (Ring.Lost), the analogue of the
// connector's ENOBUFS.
//
// It needs BTF-typed tracepoints (tp_btf, Linux 5.5), the ring buffer
// (5.8) and CAP_BPF with CAP_PERFMON (or CAP_SYS_ADMIN). Open reports
// ErrUnsupported, wrapping the kernel's reason, when it cannot load or
// attach the programs, so that callers can fall back to the connector.
package procbpf
