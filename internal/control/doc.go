// Package control is contaudit's control API: the only way into the contid
// registry. It serves HTTP/1.1 JSON on a Unix socket under /v0/, one route
// table, as tailscale's localapi does, and a typed Client that the CLI and
// the OCI hook use.
//
// Nothing a client sends says who it is. The caller is identified by the
// kernel when the connection is accepted: SO_PEERCRED gives its PID and
// SO_PEERPIDFD (pidfd_open on older kernels) a pidfd that pins it, and its
// start time is read from /proc while the pidfd shows it alive. Before
// every request acts, the pidfd must still show the caller alive and the
// process table must name the same ProcID (PID and start time), so a caller
// that exited and whose PID was reused is refused.
//
// The writer (spec: "Who the writer is, in userspace") is the caller, except
// when the caller runs contaudit's own executable (the same file as the
// daemon's): then it is the CLI or OCI hook acting for the process that
// started it, and the writer is that parent, with Writer.Via the caller.
//
// Permission is the Policy's: by default CAP_AUDIT_CONTROL effective in the
// initial user namespace; a Policy may also grant it by uid, gid or
// executable path, so that an orchestrator can set contids without being
// able to reconfigure auditing. The decision only fills
// contid.Writer.CanSetContid: capcontid delegations, the descendant rule
// and the rest are the registry's, behind the Backend.
//
// A set may leave the value to the daemon ("auto"): the backend draws it
// from a contid.Allocator (DefaultAllocator's host part is a keyed hash of
// the machine ID) and sets it under the same lock, so it is never live. A
// set may also carry the runtime's container ID and name, which the
// registry keeps on the contid and prints in its record.
//
// docs/control-api.md lists the routes, the JSON and the errors.
package control
