package procbpf

import (
	"encoding/binary"
	"fmt"

	"github.com/contaudit/contaudit/internal/abi"
)

// RecordSize is the size of one ring record: what the table needs of a
// connector event and no more, so that with the ring's 8-byte header two
// records fill a cache line. Under an exec storm the reader's cost is in
// the lines the producers wrote on the other CPUs; the connector's layout
// with start_boottime took 56 bytes, nearly two lines per exec (a FORK
// and an EXIT).
//
//	 0  u32 what      PROC_EVENT_FORK, _EXEC or _EXIT
//	 4  u32 pid       the task's (FORK: the child's)
//	 8  u32 tgid
//	12  u32 ptgid     its real parent's tgid (EXEC: 0)
//	16  u64 time      FORK: the child's start_boottime (CLOCK_BOOTTIME ns,
//	                  the exact value /proc/PID/stat's start time derives
//	                  from); EXEC, EXIT: CLOCK_MONOTONIC ns, as the
//	                  connector's timestamp
//
// The connector's cpu, exit code and signal, and the parent's thread ID
// are not carried: nothing reads them.
const RecordSize = 24

const timeOffset = 16

// Event is one process event read from the ring, in the connector's form:
// abi.ProcEvent with ParentPID, CPU, ExitCode and ExitSignal zero.
type Event struct {
	abi.ProcEvent
	// StartBoottime is a FORK's child's task_struct.start_boottime:
	// nanoseconds since boot (CLOCK_BOOTTIME) at which it started, which
	// is also when it was forked. /proc/PID/stat's start time is this
	// divided by 10 ms. A FORK's TimestampNs is 0: the consumer converts
	// this to its clock. Other events have TimestampNs and no start.
	StartBoottime uint64
}

// Decode reads one ring record. The programs write exactly RecordSize
// bytes; a shorter record or an event type they never write means the
// program and the reader disagree, which is reported, not guessed at.
func Decode(b []byte, ev *Event) error {
	if len(b) < RecordSize {
		return fmt.Errorf("procbpf record: %d bytes, want %d", len(b), RecordSize)
	}
	what := binary.NativeEndian.Uint32(b)
	pid, tgid, ptgid := b[4:8], b[8:12], b[12:16]
	t := binary.NativeEndian.Uint64(b[timeOffset:])
	*ev = Event{ProcEvent: abi.ProcEvent{ProcEventHeader: abi.ProcEventHeader{What: what}}}
	d := ev.Data[:]
	switch what {
	case abi.PROC_EVENT_FORK:
		// fork_proc_event: parent pid, parent tgid, child pid, child tgid.
		copy(d[4:], ptgid)
		copy(d[8:], pid)
		copy(d[12:], tgid)
		ev.StartBoottime = t
	case abi.PROC_EVENT_EXEC:
		copy(d[0:], pid)
		copy(d[4:], tgid)
		ev.TimestampNs = t
	case abi.PROC_EVENT_EXIT:
		// exit_proc_event: pid, tgid, code, signal, parent pid and tgid.
		copy(d[0:], pid)
		copy(d[4:], tgid)
		copy(d[20:], ptgid)
		ev.TimestampNs = t
	default:
		return fmt.Errorf("procbpf record: event type %#x, want FORK, EXEC or EXIT", what)
	}
	return nil
}
