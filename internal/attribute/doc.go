// Package attribute owns container attribution inside the daemon: the
// process table (proc connector), the contid registry, the control API
// server and the registry's state file, wired so that forks, exits and
// requests reach the registry in order; and the annotation of assembled
// audit events with CONTAINER_ID records.
//
// The registry and the process table are pure or thin packages of their
// own (internal/contid, internal/proctable); this package is the adapter
// that runs them for the daemon. It does not write the log: CONTAINER_OP
// records go to the Config.Ops callback, and Annotate returns the records
// the daemon writes.
//
// A process's exit reaches the registry only once the audit stream has
// passed it (a record stamped after the exit was annotated) or
// Config.ExitGrace has elapsed: the proc connector reports an exit before
// the daemon reads the exiting process's last audit records, and those
// must still carry its contid.
package attribute
