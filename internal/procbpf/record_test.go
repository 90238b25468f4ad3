package procbpf

import (
	"encoding/binary"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

func record(what uint32, words []uint32, start uint64) []byte {
	b := make([]byte, RecordSize)
	binary.NativeEndian.PutUint32(b[0:], what)
	binary.NativeEndian.PutUint32(b[4:], 1)
	binary.NativeEndian.PutUint64(b[8:], 123456789)
	for i, w := range words {
		binary.NativeEndian.PutUint32(b[16+4*i:], w)
	}
	binary.NativeEndian.PutUint64(b[startOffset:], start)
	return b
}

func TestDecode(t *testing.T) {
	var ev Event
	if err := Decode(record(abi.PROC_EVENT_FORK, []uint32{1, 1, 42, 42}, 7e9), &ev); err != nil {
		t.Fatal(err)
	}
	if f := ev.Fork(); f != (abi.ForkProcEvent{ParentPID: 1, ParentTGID: 1, ChildPID: 42, ChildTGID: 42}) || ev.StartBoottime != 7e9 || ev.TimestampNs != 123456789 || ev.CPU != 1 {
		t.Errorf("FORK decoded as %+v, %+v", ev, f)
	}
	if err := Decode(record(abi.PROC_EVENT_EXIT, []uint32{42, 42, 9, 17, 1, 1}, 7e9), &ev); err != nil {
		t.Fatal(err)
	}
	if x := ev.Exit(); x != (abi.ExitProcEvent{ProcessPID: 42, ProcessTGID: 42, ExitCode: 9, ExitSignal: 17, ParentPID: 1, ParentTGID: 1}) {
		t.Errorf("EXIT decoded as %+v", x)
	}
	for name, b := range map[string][]byte{
		"short":    record(abi.PROC_EVENT_FORK, nil, 0)[:RecordSize-1],
		"empty":    nil,
		"comm":     record(abi.PROC_EVENT_COMM, nil, 0),
		"none":     record(abi.PROC_EVENT_NONE, nil, 0),
		"unknown":  record(0x1234, nil, 0),
		"coredump": record(abi.PROC_EVENT_COREDUMP, nil, 0),
	} {
		if err := Decode(b, &ev); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// FuzzDecode: no input panics, and one is accepted exactly when it is long
// enough and names an event the programs write.
func FuzzDecode(f *testing.F) {
	f.Add(record(abi.PROC_EVENT_FORK, []uint32{1, 1, 2, 2}, 1))
	f.Add(record(abi.PROC_EVENT_EXIT, []uint32{2, 2, 0, 17, 1, 1}, 1))
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
		if err == nil && ev.StartBoottime != binary.NativeEndian.Uint64(b[startOffset:]) {
			t.Fatalf("start_boottime %d, want the bytes at %d", ev.StartBoottime, startOffset)
		}
	})
}
