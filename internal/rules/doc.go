// Package rules owns contaudit's audit rules as auditctl knows them: the
// auditctl command syntax of rule files and argv (-a, -w, -F, -S, -C, -k,
// -D, -e, -f, -b, -r, ...), the struct audit_rule_data that auditctl would
// send for each rule, the text `auditctl -l` prints for a rule the kernel
// returns, and the loading of a rule set into a Kernel.
//
// Compatibility is the point: for the same input, Encode produces the same
// bytes as auditctl 3.0.9 and String the same text as `auditctl -l`,
// including auditctl's quirks, so rule files written for auditd keep working
// and listings diff cleanly against auditctl's. Where auditctl would load
// half a file and stop, ParseFile and LoadDir return every command and every
// error, and Apply leaves the decision to the caller.
//
// Nothing here touches the kernel except through the Kernel interface, which
// *auditnl.Conn satisfies; tests use an in-package fake.
package rules
