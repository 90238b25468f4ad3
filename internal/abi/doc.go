// Package abi owns the kernel audit ABI as contaudit uses it: the netlink
// message and record type numbers, rule lists, actions, fields and
// operators of include/uapi/linux/audit.h, the audit_status and
// audit_rule_data layouts, AUDIT_ARCH values, and libaudit's name tables
// (record types, fields, errnos, syscalls per arch) so that names match what
// auditctl and ausearch print; also the proc connector's events
// (cn_proc.h) and the BPF ring buffer's consumer side (bpf.h).
//
// Constants keep the kernel's spelling so they can be grepped against the
// uapi header. Nothing here does I/O.
package abi

//go:generate sh gen/gen.sh
