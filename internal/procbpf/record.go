package procbpf

import (
	"encoding/binary"
	"fmt"

	"github.com/contaudit/contaudit/internal/abi"
)

// RecordSize is the size of one ring record: a struct proc_event, as the
// connector sends it, and the task's start_boottime.
//
//	 0  u32 what             PROC_EVENT_FORK, _EXEC or _EXIT
//	 4  u32 cpu
//	 8  u64 timestamp_ns     CLOCK_MONOTONIC, as the connector's
//	16  [24]byte event_data  fork_proc_event, exec_proc_event or exit_proc_event
//	40  u64 start_boottime   ns since boot: the child (FORK) or the task
const RecordSize = abi.ProcEventSize + 8

const startOffset = abi.ProcEventSize

// Event is one process event read from the ring.
type Event struct {
	abi.ProcEvent
	// StartBoottime is task_struct.start_boottime: nanoseconds since boot
	// (CLOCK_BOOTTIME) at which the task started. /proc/PID/stat's start
	// time is this divided by 10 ms.
	StartBoottime uint64
}

// Decode reads one ring record. The programs write exactly RecordSize
// bytes; a shorter record or an event type they never write means the
// program and the reader disagree, which is reported, not guessed at.
func Decode(b []byte, ev *Event) error {
	if len(b) < RecordSize {
		return fmt.Errorf("procbpf record: %d bytes, want %d", len(b), RecordSize)
	}
	if err := abi.UnmarshalProcEvent(b[:abi.ProcEventSize], &ev.ProcEvent); err != nil {
		return fmt.Errorf("procbpf record: %w", err)
	}
	switch ev.What {
	case abi.PROC_EVENT_FORK, abi.PROC_EVENT_EXEC, abi.PROC_EVENT_EXIT:
	default:
		return fmt.Errorf("procbpf record: event type %#x, want FORK, EXEC or EXIT", ev.What)
	}
	ev.StartBoottime = binary.NativeEndian.Uint64(b[startOffset:])
	return nil
}
