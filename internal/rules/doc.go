// Package rules owns contaudit's audit rules as auditctl knows them: the
// auditctl command syntax of rule files and argv (-a, -w, -F, -S, -C, -k,
// -D, -e, -f, -b, -r, ...), the struct audit_rule_data that auditctl would
// send for each rule, the text `auditctl -l` prints for a rule the kernel
// returns, and the loading of a rule set into a Kernel.
//
// Compatibility is the point: for the same input, Encode produces the same
// bytes as auditctl 3.0.9 and Listing the same text as `auditctl -l`,
// including auditctl's quirks, so rule files written for auditd keep working
// and listings diff cleanly against auditctl's. The kernel tests check this
// against the real auditctl and kernel for every Debian example file.
//
// Where auditctl would load half a file and stop, ParseFile and LoadDir
// return every command and every error, and Apply leaves the decision to
// the caller. Other deliberate differences, all refusals of input auditctl
// would mishandle or extensions it lacks:
//   - "possible" is an error (auditctl complains and skips the line);
//   - sessionid and saddr_fam values that are not numbers are errors
//     (auditctl sends 0);
//   - syscalls on a list other than exit are refused whatever the option
//     order (auditctl only checks when -a comes first);
//   - -c, -i, -W and the status options do not combine with other
//     commands on one line; query options (-l, -s, -m, -v, -t, -q,
//     --signal) and -R are refused;
//   - -F filetype= also takes the number auditctl -l prints for it;
//   - loginuid_set (field 24), unknown to libaudit 3.0.9, is accepted and
//     listed as "-F loginuid_set=N" where auditctl prints " f24=N";
//   - the exclude list is checked as on kernels with every feature bit,
//     where auditctl asks the kernel; auditctl's warnings (32/64-bit
//     syscall mismatch, relative or wildcard watch paths) are not given;
//   - -F contid= (FieldContid), the unmerged kernel drafts' field, which
//     no kernel evaluates: Encode sends exit rules without it and with a
//     tag key, the user and exclude lists' contid rules are not sent, and
//     a ContidFilter built from the same commands decides the events
//     (docs/rules.md).
//
// Nothing here touches the kernel except through the Kernel interface, which
// *auditnl.Conn satisfies; unit tests use an in-package fake.
package rules
