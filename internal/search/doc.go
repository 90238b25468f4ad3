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
// string on the matching path. The raw line of every record is kept in a
// slab until its event is decided, so that memory is bounded by the events
// in flight (event.Config.MaxInFlight), not by the size of the log.
//
// docs/search.md lists every option and every known difference from
// ausearch.
package search
