// Package search owns contaudit's answer to ausearch(8): the query model
// (which events a user asked for), the matching of assembled events against
// it, ausearch's time keywords and date formats, the discovery of the log
// files to read (rotated and gzip-compressed ones included), the output
// formats users of ausearch parse, and checkpoints between runs.
//
// Matching follows ausearch 3.0.9: every option must hold (options are
// ANDed), and an option holds for an event when any record of the event
// satisfies it. Records are tested one at a time as they are read, on the
// parser's borrowed bytes, and only a bitmask of the options each record
// satisfied travels with the event; no field is copied or converted to a
// string on the matching path. Lines are read into blocks that are never
// rewritten, so an event keeps its records' lines without copying them,
// and a block is freed once no open event points into it: memory is
// bounded by the events in flight (event.Config.MaxInFlight, each closed
// two seconds of log time after it opened), not by the size of the log.
// A prefilter (fast.go) spares the full parse to lines that cannot
// satisfy any option that looks at fields.
//
// docs/search.md lists every option and every known difference from
// ausearch.
package search
