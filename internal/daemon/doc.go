// Package daemon owns the running audit daemon: it wires the kernel
// connection, rule loading, event assembly and the host log together,
// owns their goroutines, reloads on SIGHUP, and gives the kernel back (pid
// 0, and the saved status and rules when configured) when it stops.
//
// Records flow one way: a reader goroutine receives netlink datagrams and
// queues copies; the writer goroutine stamps, assembles and writes them.
// The reader never waits on the disk except through a bounded queue, whose
// fullness hands backpressure to the kernel's own backlog, as with auditd.
package daemon
