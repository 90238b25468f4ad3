// Package attribute owns container attribution inside the daemon: the
// process table (its events from BPF, or the proc connector), the contid
// registry, the control API server and the registry's state file, wired
// so that forks, exits and requests reach the registry in order; and the
// annotation of assembled audit events with CONTAINER_ID records.
//
// Each process's contid lives in its process table entry, as a contid.Ref
// the table copies from parent to child as it applies the FORK; the
// registry counts holders from the table's batched changes (Inherit,
// ExitHeld), and a short-lived child the table folds (forked and gone
// within one drain) changes no count and is never reported.
//
// The registry and the process table are pure or thin packages of their
// own (internal/contid, internal/proctable); this package is the adapter
// that runs them for the daemon. It does not write the log: CONTAINER_OP
// records go to the Config.Ops callback, and Annotate returns the records
// the daemon writes.
//
// A process's exit reaches the registry only once the audit stream has
// passed it (a record stamped after the exit was annotated) or
// Config.ExitGrace has elapsed: the process events report an exit before
// the daemon reads the exiting process's last audit records, and those
// must still carry its contid. The table likewise forgets an exited
// process once the stream has passed it (proctable.Table.Release).
package attribute
