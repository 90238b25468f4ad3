package abi

import (
	"encoding/binary"
	"fmt"
	"structs"
	"unsafe"
)

// From include/uapi/linux/connector.h and include/uapi/linux/netlink.h.
const (
	NETLINK_CONNECTOR = 11

	CN_IDX_PROC = 0x1
	CN_VAL_PROC = 0x1
)

// From include/uapi/linux/cn_proc.h.
const (
	PROC_CN_MCAST_LISTEN = 1
	PROC_CN_MCAST_IGNORE = 2
)

// enum proc_cn_event, from include/uapi/linux/cn_proc.h.
const (
	PROC_EVENT_NONE         = 0x00000000
	PROC_EVENT_FORK         = 0x00000001
	PROC_EVENT_EXEC         = 0x00000002
	PROC_EVENT_UID          = 0x00000004
	PROC_EVENT_GID          = 0x00000040
	PROC_EVENT_SID          = 0x00000080
	PROC_EVENT_PTRACE       = 0x00000100
	PROC_EVENT_COMM         = 0x00000200
	PROC_EVENT_NONZERO_EXIT = 0x20000000
	PROC_EVENT_COREDUMP     = 0x40000000
	PROC_EVENT_EXIT         = 0x80000000
)

// CbID is struct cb_id: which connector a message belongs to.
type CbID struct {
	_   structs.HostLayout
	Idx uint32
	Val uint32
}

// CnMsg is struct cn_msg without its flexible data[] tail.
type CnMsg struct {
	_     structs.HostLayout
	ID    CbID
	Seq   uint32
	Ack   uint32
	Len   uint16
	Flags uint16
}

// CnMsgSize is sizeof(struct cn_msg).
const CnMsgSize = 20

// ProcEventHeader is the fixed head of struct proc_event; the union that
// follows is decoded by the accessors of ProcEvent.
type ProcEventHeader struct {
	_           structs.HostLayout
	What        uint32
	CPU         uint32
	TimestampNs uint64 // CLOCK_MONOTONIC (ktime_get_ns), not boot time
}

// ProcEventHeaderSize is offsetof(struct proc_event, event_data).
const ProcEventHeaderSize = 16

// ProcEventDataSize is sizeof(proc_event.event_data): comm and exit, the
// largest members, are 24 bytes.
const ProcEventDataSize = 24

// ProcEventSize is sizeof(struct proc_event).
const ProcEventSize = ProcEventHeaderSize + ProcEventDataSize

// ProcEvent is struct proc_event. Data holds the union raw; the accessor
// named for the event type reads it. The kernel places proc_event right
// after a 20-byte cn_msg, so it is never 8-byte aligned in a receive buffer
// and must be decoded byte-wise, not cast.
type ProcEvent struct {
	_ structs.HostLayout
	ProcEventHeader
	Data [ProcEventDataSize]byte
}

// Compile-time layout checks; TestCnProcSizes in internal/proctable checks
// the encoded sizes too.
var (
	_ [CnMsgSize - unsafe.Sizeof(CnMsg{})]struct{}
	_ [unsafe.Sizeof(CnMsg{}) - CnMsgSize]struct{}
	_ [ProcEventSize - unsafe.Sizeof(ProcEvent{})]struct{}
	_ [unsafe.Sizeof(ProcEvent{}) - ProcEventSize]struct{}
)

func (e *ProcEvent) word(i int) uint32 { return binary.NativeEndian.Uint32(e.Data[i*4:]) }

// ForkProcEvent is struct fork_proc_event. ChildPID != ChildTGID means the
// kernel created a thread, not a process.
type ForkProcEvent struct {
	ParentPID, ParentTGID, ChildPID, ChildTGID int32
}

// Fork decodes the union as fork_proc_event.
func (e *ProcEvent) Fork() ForkProcEvent {
	return ForkProcEvent{int32(e.word(0)), int32(e.word(1)), int32(e.word(2)), int32(e.word(3))}
}

// ExecProcEvent is struct exec_proc_event; also the shape of the sid event.
type ExecProcEvent struct {
	ProcessPID, ProcessTGID int32
}

// Exec decodes the union as exec_proc_event (or sid_proc_event).
func (e *ProcEvent) Exec() ExecProcEvent {
	return ExecProcEvent{int32(e.word(0)), int32(e.word(1))}
}

// IDProcEvent is struct id_proc_event: R and E are ruid/euid for
// PROC_EVENT_UID and rgid/egid for PROC_EVENT_GID.
type IDProcEvent struct {
	ProcessPID, ProcessTGID int32
	R, E                    uint32
}

// ID decodes the union as id_proc_event.
func (e *ProcEvent) ID() IDProcEvent {
	return IDProcEvent{int32(e.word(0)), int32(e.word(1)), e.word(2), e.word(3)}
}

// CommProcEvent is struct comm_proc_event.
type CommProcEvent struct {
	ProcessPID, ProcessTGID int32
	Comm                    [16]byte
}

// Comm decodes the union as comm_proc_event.
func (e *ProcEvent) Comm() CommProcEvent {
	c := CommProcEvent{ProcessPID: int32(e.word(0)), ProcessTGID: int32(e.word(1))}
	copy(c.Comm[:], e.Data[8:24])
	return c
}

// ExitProcEvent is struct exit_proc_event. ParentPID/ParentTGID name the
// parent after exit_notify, i.e. after the exiting task's reparenting.
type ExitProcEvent struct {
	ProcessPID, ProcessTGID int32
	ExitCode, ExitSignal    uint32
	ParentPID, ParentTGID   int32
}

// Exit decodes the union as exit_proc_event.
func (e *ProcEvent) Exit() ExitProcEvent {
	return ExitProcEvent{int32(e.word(0)), int32(e.word(1)), e.word(2), e.word(3), int32(e.word(4)), int32(e.word(5))}
}

// PtraceProcEvent is struct ptrace_proc_event; CoredumpProcEvent has the
// same shape (process, then parent).
type PtraceProcEvent struct {
	ProcessPID, ProcessTGID, TracerPID, TracerTGID int32
}

// Ptrace decodes the union as ptrace_proc_event (or coredump_proc_event).
func (e *ProcEvent) Ptrace() PtraceProcEvent {
	return PtraceProcEvent{int32(e.word(0)), int32(e.word(1)), int32(e.word(2)), int32(e.word(3))}
}

// UnmarshalProcEvent decodes the payload of a proc connector cn_msg (the
// bytes after struct cn_msg). Kernels may append members to the union, so
// a longer payload is accepted; a shorter one is not.
func UnmarshalProcEvent(b []byte, e *ProcEvent) error {
	if len(b) < ProcEventHeaderSize {
		return fmt.Errorf("proc_event: %d bytes, want at least %d", len(b), ProcEventHeaderSize)
	}
	e.What = binary.NativeEndian.Uint32(b[0:])
	e.CPU = binary.NativeEndian.Uint32(b[4:])
	e.TimestampNs = binary.NativeEndian.Uint64(b[8:])
	e.Data = [ProcEventDataSize]byte{}
	if e.What != PROC_EVENT_NONE && len(b) < ProcEventSize {
		return fmt.Errorf("proc_event type %#x: %d bytes, want %d", e.What, len(b), ProcEventSize)
	}
	copy(e.Data[:], b[ProcEventHeaderSize:])
	return nil
}

// UnmarshalCnMsg decodes struct cn_msg and returns its data, checked
// against the declared length.
func UnmarshalCnMsg(b []byte) (CnMsg, []byte, error) {
	if len(b) < CnMsgSize {
		return CnMsg{}, nil, fmt.Errorf("cn_msg: %d bytes, want at least %d", len(b), CnMsgSize)
	}
	m := CnMsg{
		ID:    CbID{Idx: binary.NativeEndian.Uint32(b[0:]), Val: binary.NativeEndian.Uint32(b[4:])},
		Seq:   binary.NativeEndian.Uint32(b[8:]),
		Ack:   binary.NativeEndian.Uint32(b[12:]),
		Len:   binary.NativeEndian.Uint16(b[16:]),
		Flags: binary.NativeEndian.Uint16(b[18:]),
	}
	if int(m.Len) > len(b)-CnMsgSize {
		return m, nil, fmt.Errorf("cn_msg: len %d exceeds the %d bytes received", m.Len, len(b)-CnMsgSize)
	}
	return m, b[CnMsgSize : CnMsgSize+int(m.Len)], nil
}

// AppendCnMsg appends m and data to b, setting m.Len from data.
func AppendCnMsg(b []byte, m CnMsg, data []byte) []byte {
	b = binary.NativeEndian.AppendUint32(b, m.ID.Idx)
	b = binary.NativeEndian.AppendUint32(b, m.ID.Val)
	b = binary.NativeEndian.AppendUint32(b, m.Seq)
	b = binary.NativeEndian.AppendUint32(b, m.Ack)
	b = binary.NativeEndian.AppendUint16(b, uint16(len(data)))
	b = binary.NativeEndian.AppendUint16(b, m.Flags)
	return append(b, data...)
}
