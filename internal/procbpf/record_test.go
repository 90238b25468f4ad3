package procbpf

import (
	"encoding/binary"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

// record is a ring record as the programs write it.
func record(what uint32, pid, tgid, ptgid uint32, time uint64) []byte {
	b := make([]byte, RecordSize)
	binary.NativeEndian.PutUint32(b[0:], what)
	binary.NativeEndian.PutUint32(b[4:], pid)
	binary.NativeEndian.PutUint32(b[8:], tgid)
	binary.NativeEndian.PutUint32(b[12:], ptgid)
	binary.NativeEndian.PutUint64(b[timeOffset:], time)
	return b
}

func TestDecode(t *testing.T) {
	var ev Event
	if err := Decode(record(abi.PROC_EVENT_FORK, 43, 42, 1, 7e9), &ev); err != nil {
		t.Fatal(err)
	}
	if f := ev.Fork(); f != (abi.ForkProcEvent{ParentTGID: 1, ChildPID: 43, ChildTGID: 42}) || ev.StartBoottime != 7e9 || ev.TimestampNs != 0 {
		t.Errorf("FORK decoded as %+v, %+v", ev, f)
	}
	if err := Decode(record(abi.PROC_EVENT_EXEC, 42, 42, 0, 8e9), &ev); err != nil {
		t.Fatal(err)
	}
	if e := ev.Exec(); e != (abi.ExecProcEvent{ProcessPID: 42, ProcessTGID: 42}) || ev.TimestampNs != 8e9 || ev.StartBoottime != 0 {
		t.Errorf("EXEC decoded as %+v, %+v", ev, e)
	}
	// A stale field of the previous event must not survive.
	if err := Decode(record(abi.PROC_EVENT_EXIT, 43, 42, 1, 9e9), &ev); err != nil {
		t.Fatal(err)
	}
	if x := ev.Exit(); x != (abi.ExitProcEvent{ProcessPID: 43, ProcessTGID: 42, ParentTGID: 1}) || ev.TimestampNs != 9e9 || ev.StartBoottime != 0 {
		t.Errorf("EXIT decoded as %+v, %+v", ev, x)
	}
	for name, b := range map[string][]byte{
		"short":    record(abi.PROC_EVENT_FORK, 1, 1, 1, 1)[:RecordSize-1],
		"empty":    nil,
		"comm":     record(abi.PROC_EVENT_COMM, 1, 1, 1, 1),
		"none":     record(abi.PROC_EVENT_NONE, 1, 1, 1, 1),
		"unknown":  record(0x1234, 1, 1, 1, 1),
		"coredump": record(abi.PROC_EVENT_COREDUMP, 1, 1, 1, 1),
	} {
		if err := Decode(b, &ev); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// FuzzDecode: no input panics, one is accepted exactly when it is long
// enough and names an event the programs write, and what is accepted is
// what the bytes say.
func FuzzDecode(f *testing.F) {
	f.Add(record(abi.PROC_EVENT_FORK, 2, 2, 1, 1))
	f.Add(record(abi.PROC_EVENT_EXIT, 2, 2, 1, 1))
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev Event
		err := Decode(b, &ev)
		valid := len(b) >= RecordSize
		if valid {
			switch binary.NativeEndian.Uint32(b) {
			case abi.PROC_EVENT_FORK, abi.PROC_EVENT_EXEC, abi.PROC_EVENT_EXIT:
			default:
				valid = false
			}
		}
		if (err == nil) != valid {
			t.Fatalf("Decode(%d bytes) = %v, valid %v", len(b), err, valid)
		}
		if err != nil {
			return
		}
		u32 := func(off int) int32 { return int32(binary.NativeEndian.Uint32(b[off:])) }
		time := binary.NativeEndian.Uint64(b[timeOffset:])
		var pid, tgid, ptgid int32
		switch ev.What {
		case abi.PROC_EVENT_FORK:
			f := ev.Fork()
			pid, tgid, ptgid = f.ChildPID, f.ChildTGID, f.ParentTGID
			if ev.StartBoottime != time || ev.TimestampNs != 0 {
				t.Fatalf("FORK: start %d, timestamp %d; the record says %d", ev.StartBoottime, ev.TimestampNs, time)
			}
		case abi.PROC_EVENT_EXEC:
			e := ev.Exec()
			pid, tgid, ptgid = e.ProcessPID, e.ProcessTGID, u32(12)
			if ev.TimestampNs != time {
				t.Fatalf("EXEC: timestamp %d, the record says %d", ev.TimestampNs, time)
			}
		case abi.PROC_EVENT_EXIT:
			x := ev.Exit()
			pid, tgid, ptgid = x.ProcessPID, x.ProcessTGID, x.ParentTGID
			if ev.TimestampNs != time {
				t.Fatalf("EXIT: timestamp %d, the record says %d", ev.TimestampNs, time)
			}
		}
		if pid != u32(4) || tgid != u32(8) || ptgid != u32(12) {
			t.Fatalf("%#x: pid %d tgid %d parent %d, the record says %d %d %d", ev.What, pid, tgid, ptgid, u32(4), u32(8), u32(12))
		}
	})
}
