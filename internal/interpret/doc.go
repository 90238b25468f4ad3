// Package interpret owns the reading of raw audit field values for people:
// what `ausearch -i` (auparse 3.0.9) prints for each field, and the
// ENRICHED tail auditd appends to records with log_format = ENRICHED.
//
// It works on strings, independent of any record parser: Field takes a
// Context (the record type, its arch, syscall and first two arguments,
// a Resolver for user and group names, and the record's own ENRICHED tail
// if the log has one) plus one key and its value as written in the log.
// Sockaddr decodes a saddr= alone. Enrich writes the tail; its doc comment
// is the contract with the log writer.
//
// The aim is byte-for-byte agreement with ausearch -i on the same log and
// host; every known, intended difference is listed, with its reason, in
// docs/interpretation.md, and each has a test.
package interpret
