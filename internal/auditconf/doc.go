// Package auditconf owns contaudit's daemon configuration file: its syntax,
// its key names and their validation, and the documented defaults.
//
// The file is an auditd.conf(5): an auditd user's /etc/audit/auditd.conf is
// read unchanged, with auditd 3.0.9's keywords, value spellings, case rules
// and consistency checks. Keys that only make sense for auditd's network
// aggregation or plugin dispatcher are accepted and stored, and reported in
// Config.Notes as not supported. contaudit's own settings live beside them
// under a contaudit_ prefix. Unknown keys are errors, as in auditd.
package auditconf
