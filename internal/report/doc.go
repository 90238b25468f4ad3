// Package report owns contaudit's aureport: the Summary Report and the
// per-event and totals reports aureport(8) prints (executables, users,
// logins, keys, files, syscalls, anomalies, log time range), with the same
// titles, columns and numbers, plus a report of events per audit container
// ID.
//
// The numbers are aureport 3.0.9's: which events count and what is read
// from them follows ausearch-parse.c, including the quirks that make
// aureport leave an event out altogether (a SYSCALL record without comm=
// when the report wants commands, say). docs/report.md lists every option
// and every intended difference, and the tests compare with the real
// aureport on every log of the shared corpora.
//
// A Report streams: events are assembled by internal/event, per-event
// lines are written as they come, and totals are counts of distinct values.
// Memory grows with distinct users, files, keys and the like, never with
// the number of events.
package report
