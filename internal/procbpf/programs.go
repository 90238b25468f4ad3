package procbpf

import (
	"github.com/contaudit/contaudit/internal/abi"
)

// Registers the programs keep across helper calls.
const (
	rTask   = r6 // the task the event is about
	rRec    = r7 // the reserved ring record
	rParent = r8 // the task's real parent
)

// eventProgram is one tracepoint's program: reserve a record, write
// what, let fill write the three PIDs (offsets 4-15, every byte: reserved
// memory is not zeroed, and the reader must not see stale kernel memory),
// write the time, submit. A FORK's time is the child's start_boottime, the
// others' CLOCK_MONOTONIC now (see RecordSize). A failed reservation (the
// ring is full) adds one to the lost counter instead.
func eventProgram(what uint32, o taskOffsets, ringFD, lostFD int, submitFlags int32, fill []insn) []insn {
	prog := []insn{
		// A tp_btf program gets the tracepoint's arguments as an array
		// of u64; the task is the first for all three.
		ldx(dword, rTask, r1, 0),
		ldMapFD(r1, ringFD),
		movImm(r2, RecordSize),
		movImm(r3, 0),
		call(abi.BPF_FUNC_ringbuf_reserve),
		jeqImm(r0, 0, "lost"),
		movReg(rRec, r0),
		st(word, rRec, 0, int32(what)),
	}
	prog = append(prog, fill...)
	if what == abi.PROC_EVENT_FORK {
		prog = append(prog, ldx(dword, r0, rTask, o.startBoottime))
	} else {
		prog = append(prog, call(abi.BPF_FUNC_ktime_get_ns))
	}
	return append(prog,
		stx(dword, rRec, timeOffset, r0),
		movReg(r1, rRec),
		movImm(r2, submitFlags),
		call(abi.BPF_FUNC_ringbuf_submit),
		ja("out"),

		st(dword, rFP, -8, 0).at("lost"),
		ldMapFD(r1, lostFD),
		movReg(r2, rFP),
		addImm(r2, -8),
		call(abi.BPF_FUNC_map_lookup_elem),
		jeqImm(r0, 0, "out"),
		movImm(r1, 1),
		atomicAdd(r0, 0, r1),

		movImm(r0, 0).at("out"),
		exit(),
	)
}

// copyField loads a 4-byte field of the task (or its parent) at src into
// the record at dst.
func copyField(from reg, src, dst int16) []insn {
	return []insn{ldx(word, r1, from, src), stx(word, rRec, dst, r1)}
}

func join(parts ...[]insn) []insn {
	var out []insn
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// taskFill writes the task's pid and tgid and its real parent's tgid, as
// the connector's FORK and EXIT name them (the parent of a thread or of
// a CLONE_PARENT child is not the task that called clone). For FORK the
// task is the child.
func taskFill(o taskOffsets) []insn {
	return join(
		copyField(rTask, o.pid, 4),
		copyField(rTask, o.tgid, 8),
		[]insn{ldx(dword, rParent, rTask, o.realParent)},
		copyField(rParent, o.tgid, 12),
	)
}

// execFill writes the exec'ing task's pid and tgid, after de_thread made
// it the leader.
func execFill(o taskOffsets) []insn {
	return join(
		copyField(rTask, o.pid, 4),
		copyField(rTask, o.tgid, 8),
		[]insn{st(word, rRec, 12, 0)},
	)
}

// tracepoint names one program: the event it writes, the BTF-typed
// tracepoint it runs on, and its name in bpftool's listings.
type tracepoint struct {
	what       uint32
	name, prog string
	fill       func(taskOffsets) []insn
}

var (
	forkTP = tracepoint{abi.PROC_EVENT_FORK, "task_newtask", "ca_fork", taskFill}
	execTP = tracepoint{abi.PROC_EVENT_EXEC, "sched_process_exec", "ca_exec", execFill}
	exitTP = tracepoint{abi.PROC_EVENT_EXIT, "sched_process_exit", "ca_exit", taskFill}
)
