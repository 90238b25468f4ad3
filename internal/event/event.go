package event

import (
	"strconv"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
)

// Key is an event's identity: every record of an event carries the same
// audit(Sec.Msec:Serial) stamp, and Node is the node= prefix of logs
// gathered from several hosts ("" for the local one).
type Key struct {
	Node   string
	Sec    int64
	Msec   uint32
	Serial uint64
}

// Equal is k == o, testing the serial first: it tells most keys apart,
// where == compares the node name first.
func (k Key) Equal(o Key) bool {
	return k.Serial == o.Serial && k.Sec == o.Sec && k.Msec == o.Msec && k.Node == o.Node
}

// Reason says why an event was emitted.
type Reason uint8

const (
	// EndEOE: an EOE record ended it.
	EndEOE Reason = iota + 1
	// EndStandalone: its type never has company (IsStandalone).
	EndStandalone
	// EndProctitle: a PROCTITLE ended it (Config.CloseOnProctitle).
	EndProctitle
	// EndTimeout: EndOfEventTimeout passed without an ending record.
	EndTimeout
	// EndEvicted: MaxInFlight was reached and it was the oldest.
	EndEvicted
	// EndSplit: it reached MaxRecords; more parts with the same Key follow.
	EndSplit
	// EndFlush: Flush was called while it was open.
	EndFlush
)

var reasonNames = [...]string{
	EndEOE:        "eoe",
	EndStandalone: "standalone",
	EndProctitle:  "proctitle",
	EndTimeout:    "timeout",
	EndEvicted:    "evicted",
	EndSplit:      "split",
	EndFlush:      "flush",
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) && reasonNames[r] != "" {
		return reasonNames[r]
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Event is the records of one Key, in arrival order, with their types
// (Types[i] is the type of Records[i]). The slices are borrowed: see the
// package documentation.
type Event[T any] struct {
	Key     Key
	Records []T
	Types   []uint32
	Reason  Reason
	// Late is set when the Key had already been emitted before this
	// record arrived: these records belong to an event the consumer has
	// seen, and are delivered apart rather than lost.
	Late bool
	// Part counts the parts of an event split at MaxRecords, from 0.
	Part int
}

// Complete reports whether the event ended by its own records (EOE, a
// standalone type, PROCTITLE) rather than by time, memory or shutdown. For
// Part > 0 it speaks of the whole event, whose earlier parts came before.
func (e *Event[T]) Complete() bool {
	return e.Reason == EndEOE || e.Reason == EndStandalone || e.Reason == EndProctitle
}

// Clone returns a copy of e whose slices the caller owns.
func (e *Event[T]) Clone() Event[T] {
	c := *e
	c.Records = append([]T(nil), e.Records...)
	c.Types = append([]uint32(nil), e.Types...)
	return c
}

// Config bounds an Assembler. Zero values take the defaults.
type Config struct {
	// EndOfEventTimeout is how long after its first record an event
	// without an ending record stays open (auditd's end_of_event_timeout).
	// Default 2s.
	EndOfEventTimeout time.Duration
	// MaxInFlight bounds the open events; the oldest is evicted beyond it.
	// Default 1024.
	MaxInFlight int
	// MaxRecords bounds the records held for one event; beyond it the
	// event is emitted in parts. Default 10000.
	MaxRecords int
	// History is how many serials per node are remembered to recognise
	// late records, and the reorder window of lost-serial accounting.
	// Rounded up to a power of two, at least 64. Default 4096, which
	// costs 128 KiB per node seen.
	History int
	// NoSerials turns off serial tracking: no Late flags, no Lost,
	// LostLate, LateEOE or SerialResets counts. Grouping is unchanged (a
	// record whose event was emitted still starts a new one), and each
	// record costs less; for readers that use neither, such as a search.
	NoSerials bool
	// CloseOnProctitle ends an event at PROCTITLE: set it for log files,
	// which carry no EOE. Leave it off for netlink, where EOE is exact.
	CloseOnProctitle bool
	// Standalone overrides IsStandalone, e.g. for a kernel that gives
	// NETFILTER_PKT a context of its own.
	Standalone func(typ uint32) bool
}

const (
	defaultTimeout     = 2 * time.Second
	defaultMaxInFlight = 1024
	defaultMaxRecords  = 10000
	defaultHistory     = 4096
	minHistory         = 64
)

// Stats counts what an Assembler has seen since it was made.
type Stats struct {
	Records uint64 // records passed to Add, EOE included
	Events  uint64 // events emitted, each part of a split event counted

	// Events by Reason.
	EOE, Standalone, Proctitle, Timeout, Evicted, Split, Flushed uint64

	Late      uint64 // records that arrived after their Key was emitted
	LateEOE   uint64 // EOE records for a Key already emitted, dropped
	OrphanEOE uint64 // EOE records for a Key never seen, dropped

	Lost         uint64 // serials never seen (see the package doc)
	LostLate     uint64 // serials counted in Lost that arrived later
	SerialResets uint64 // restarts of a node's serial counter

	InFlight int // events open now
}

// IsStandalone reports whether records of type typ always form an event of
// their own: AUDIT_USER and USER_* (1100-1199, 2100-2999), which the kernel
// logs without a syscall context; DAEMON_* (1200-1299), which auditd writes
// itself; AUDIT_KERNEL (2000), logged once at boot; and NETFILTER_PKT, which
// xt_AUDIT and nft_log log without a context. Everything else may share a
// serial with a SYSCALL and waits for EOE or the timeout.
func IsStandalone(typ uint32) bool {
	switch {
	case typ == abi.AUDIT_CONTAINER_OP, typ == abi.AUDIT_CONTAINER_ID:
		// contaudit's container records sit in the user-space range but
		// belong to the event of the syscall they annotate.
		return false
	case typ == abi.AUDIT_USER, typ == abi.AUDIT_KERNEL, typ == abi.AUDIT_NETFILTER_PKT:
		return true
	case typ >= abi.AUDIT_FIRST_USER_MSG && typ <= abi.AUDIT_LAST_USER_MSG,
		typ >= abi.AUDIT_FIRST_DAEMON && typ <= abi.AUDIT_LAST_DAEMON,
		typ >= abi.AUDIT_FIRST_USER_MSG2 && typ <= abi.AUDIT_LAST_USER_MSG2:
		return true
	}
	return false
}

// isDaemon tells auditd's own records, whose serials are not the kernel's.
func isDaemon(typ uint32) bool {
	return typ >= abi.AUDIT_FIRST_DAEMON && typ <= abi.AUDIT_LAST_DAEMON
}
