// Package contid is the audit container ID (contid) registry: the rules of
// the never-merged kernel design (ghak90, v11), kept in userspace as
// docs/contid.md and the spec describe them. It is pure logic: it takes
// facts (a Tree of live processes, the Writer's identity and permission,
// fork and exit events) and returns decisions (errors), contids for
// attribution (Lookup, Chain) and CONTAINER_OP records to emit. It does no
// I/O and starts no goroutine; the process table feeds it and the control
// API drives it, from one goroutine.
//
// # Setting a contid
//
// Registry.Set applies the spec's checks in the spec's order and returns the
// first failure as an *Error whose errno errors.Is matches:
//
//	ENOPROTOOPT  container auditing is not running (SetRunning(false))
//	ESRCH        the writer or the target is not alive
//	EINVAL       the value is the unset value, u64 max
//	EPERM        the writer has neither the permission nor a capcontid delegation
//	EBUSY        the target has children or is not a thread-group leader
//	EXDEV        the target is the writer, or not its descendant
//	EEXIST       the target has a contid and this is not nesting
//	ENOTUNIQ     the value is live and owned by another writer, or pending release
//	EMLINK       the new contid would make a chain deeper than MaxDepth
//	ENOSPC       the writer owns MaxPerOwner live contids, or MaxTotal are live
//
// ESRCH is not in the spec's table: in the kernel design a write to the proc
// file of an exited task failed with ESRCH before any check, and a daemon
// sees writers and targets exit between request and decision.
//
// Where the spec leaves the choice open:
//   - Limits. A too-deep chain is EMLINK (too many links, as the v11
//     drafts' depth check); the per-owner and total counts are ENOSPC. The
//     depth is checked first, since retrying elsewhere cannot help it.
//     Injection creates no contid and so meets no limit.
//   - Defaults. MaxDepth 5, the deeper of the drafts' two values, so that
//     host, node and one more level of nested orchestrators fit.
//     MaxTotal 65536, the drafts' total. MaxPerOwner 8192: one writer
//     (a delegated, unprivileged orchestrator) cannot fill the table for
//     everyone else, and it is still far above the containers a node runs.
//   - Ownership is by ProcID. An owner that exited can neither inject its
//     contid nor be the ancestor nesting requires, as with the kernel's
//     task pointer.
//   - A contid is referenced by its holders and by the contids nested in it,
//     as the kernel's refcount was. When its last holder exits while a
//     nested contid lives, it stays "pending release": chains stay whole,
//     and another writer taking the value gets ENOTUNIQ. It is dropped
//     with its last nested contid.
//   - Moving a target to another contid (nesting, or injection into a
//     target that had one) releases its old contid if it was the last
//     reference, so Set can return drop records after its own.
//   - Writer.Via, the CLI or OCI hook that connected for its parent, is not
//     counted among the writer's children, so "contaudit contid set $$"
//     fails with EXDEV as the spec says, not EBUSY.
//
// # Delegation and reading
//
// SetCapcontid grants or withdraws capcontid: with it a process may set and
// read the contids of its descendants without the configured permission.
// The writer needs the permission or a delegation of its own, and the
// target must be its descendant, whatever the writer's user namespace (the
// v11 code skipped the check outside the initial one). A delegation is
// never inherited: Fork copies the contid only. Get reads with the same
// permission; a delegated reader reads its descendants only.
//
// # Labels and allocation
//
// SetLabeled also records the runtime's container ID and name (Labels) on a
// new contid, so that List shows them and its op=set record carries them:
// users know their containers by name, not by contid. They are bounded
// (MaxLabelLen) and mean nothing to the rules.
//
// The kernel design left the value to the orchestrator. An OCI hook has no
// orchestrator's counter, so an Allocator may choose it: a host part in the
// top bits (HostPart derives it from the machine ID; an orchestrator may
// configure it) and a counter below. Registry.Allocate skips Unset and every
// live value, so that the Set that follows, under the same lock, cannot meet
// ENOTUNIQ.
//
// # Records
//
// Every Set and SetCapcontid attempt yields a CONTAINER_OP record
// (abi.AUDIT_CONTAINER_OP, 2620) with the writer's identity and res=0 or 1;
// every drop yields an op=drop one. A changed delegation is logged as
// op=capcontid in CONTAINER_OP rather than in the v11 drafts' separate
// record type, so that one type carries every change to contid state.
// Failed records carry the requested value and no reason: the kernel design
// logged none, and the reason goes back to the caller in the error.
// CONTAINER_ID (abi.AUDIT_CONTAINER_ID, 2636) annotates a process's events
// with its chain, "4,^2,^1"; ParseChain reads it and the older "123^456,789"
// form. The numbers lie in libaudit's unused "future user space" block
// 2600-2999: see internal/abi/contid.go.
//
// # Where processes' contids are kept
//
// The registry owns the contids; which one each process holds is kept in
// a Holders store, as a Ref (a slot and its generation, so that a Ref
// outliving its contid names nothing). New keeps them in a map of its
// own and inherits through Fork. The daemon keeps them in the process
// table (control.HoldersOf, NewWith): the table copies a parent's Ref to
// the child as it applies the FORK, as the kernel design copied the
// contid in copy_process, and the registry only counts the holder
// (Inherit); an exit reports the Ref it held (ExitHeld), and stamping an
// event reads the Ref the table found with the process
// (ChainRef, with the chain rendered once per contid). Under
// an exec storm this spares a map lookup per fork, exit and event.
//
// # Restarts
//
// Snapshot writes versioned JSON (version 2, with labels); Restore reads it,
// version 1 included, and reconciles with the live process tree, dropping
// every process that exited or whose PID was reused (another start time)
// and every contid left without reference.
// Reconcile does the same at any time, for when exit events were lost.
package contid
