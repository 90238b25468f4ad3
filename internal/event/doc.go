// Package event owns the assembly of audit records into events: which
// records belong together, when an event is over, which kernel serials were
// never seen, and how much memory the assembly may hold. The daemon feeds it
// records from netlink as they arrive; log search feeds it records read back
// from files. It never looks inside a record: the payload is a type
// parameter, and callers pass the record's identity (Key) and type number
// next to it.
//
// # What an event is
//
// The kernel stamps every record with audit(SEC.MSEC:SERIAL). All records
// with the same node, timestamp and serial form one event. The serial is a
// u32 that wraps; because the timestamp is part of the Key, a wrapped serial
// never merges two events, and no Event ever holds records of two Keys.
//
// # When an event ends
//
//   - EOE (1320) ends it (Reason EndEOE). The EOE record itself is not kept
//     in Records: auditd does not write EOE to its logs, and a byte-exact
//     log writer would have to drop it anyway. The Reason is the flag.
//   - A record whose type can only stand alone (see IsStandalone) ends its
//     event at once (EndStandalone). Types that stand alone only when no
//     syscall is in progress (AVC, LOGIN, CONFIG_CHANGE, NETFILTER_CFG,
//     ANOM_*, INTEGRITY_*...) are not guessed at: since Linux records every
//     record logged inside a syscall with that syscall's serial and then adds
//     SYSCALL and EOE, such events end by EOE or by the timeout.
//   - With Config.CloseOnProctitle, PROCTITLE ends it (EndProctitle). The
//     kernel logs PROCTITLE last before EOE, and log files carry no EOE, so
//     this is how files mark the end of a syscall event (auparse does the
//     same). An EOE that follows is counted in Stats.LateEOE and dropped.
//   - Otherwise the event ends EndOfEventTimeout after its first record
//     (EndTimeout, as auparse's eoe_timeout), when MaxInFlight would be
//     exceeded (EndEvicted, oldest first), or at Flush (EndFlush).
//
// An event that reaches MaxRecords is emitted in parts: each full part with
// EndSplit, the continuation keeps the Key and counts up Part, and the last
// part carries the real ending. Records are never dropped.
//
// A record whose Key was already emitted (it came after its EOE, after a
// timeout or eviction) opens a new event flagged Late; it is never merged
// into another Key. The assembler remembers the last Config.History serials
// of each node for this.
//
// # Lost serials
//
// The kernel hands out serials one per event, so a serial never seen between
// two seen ones is an event lost (backlog overflow, rate limit, a reader too
// slow). Tracking is per node, modulo 2^32, with a reorder window of
// Config.History serials: a missing serial is counted in Stats.Lost only
// when it can no longer arrive in order, that is when a serial History
// places higher has been seen, when EndOfEventTimeout has passed (checked
// by Expire) since the first serial above it arrived, or at Flush. One
// that arrives after it was counted is reported in Stats.LostLate (counters
// never go down). A serial more than History below the window is taken as a
// restart of the kernel's counter (reboot, a concatenated log) and counted
// in Stats.SerialResets; a restart that lands above the window cannot be
// told from a burst of losses and is counted as lost. DAEMON_* records carry
// auditd's own serials and are left out of tracking.
//
// # Ownership
//
// Add, Expire and Flush return events whose slices (the []Event itself and
// each Records and Types) belong to the Assembler and stay valid only until
// the next call to any of the three, like bufio.Scanner.Bytes. Call
// Event.Clone to keep one. An Assembler is not safe for concurrent use.
package event
