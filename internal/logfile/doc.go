// Package logfile owns the host audit log: the file auditd would write,
// byte for byte, and everything that happens to it - flushing, size-based
// rotation, free-space checks and the actions auditd.conf(5) names for
// them, and recovery of a log cut short by a crash.
//
// A Writer takes records as the kernel sent them (type and "audit(...): ..."
// text) and writes auditd 3.0.9's line format; the ENRICHED suffix comes
// from the caller (Config.Enrich), because interpreting fields belongs to
// another package. See docs/log-format.md for the exact format and for the
// places where contaudit deliberately differs from auditd.
package logfile
