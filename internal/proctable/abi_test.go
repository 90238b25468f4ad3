package proctable

import (
	"encoding/binary"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

// TestCnProcSizes checks abi's connector layouts against the kernel's
// sizes (internal/abi holds no tests of its own for them).
func TestCnProcSizes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want int
	}{
		{"struct cb_id", binary.Size(abi.CbID{}), 8},
		{"struct cn_msg", binary.Size(abi.CnMsg{}), abi.CnMsgSize},
		{"struct proc_event", binary.Size(abi.ProcEvent{}), abi.ProcEventSize},
		{"proc_event header", binary.Size(abi.ProcEventHeader{}), abi.ProcEventHeaderSize},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d bytes, want %d", tc.name, tc.got, tc.want)
		}
	}
	if abi.CnMsgSize != 20 || abi.ProcEventSize != 40 {
		t.Errorf("cn_msg %d, proc_event %d: the kernel's are 20 and 40", abi.CnMsgSize, abi.ProcEventSize)
	}
}

func TestProcEventDecode(t *testing.T) {
	// A FORK as the kernel sends it: cn_msg, then proc_event.
	ev := make([]byte, abi.ProcEventSize)
	binary.NativeEndian.PutUint32(ev[0:], abi.PROC_EVENT_FORK)
	binary.NativeEndian.PutUint32(ev[4:], 1)
	binary.NativeEndian.PutUint64(ev[8:], 123456789)
	for i, v := range []uint32{10, 10, 11, 11} {
		binary.NativeEndian.PutUint32(ev[16+4*i:], v)
	}
	b := abi.AppendCnMsg(nil, abi.CnMsg{ID: abi.CbID{Idx: abi.CN_IDX_PROC, Val: abi.CN_VAL_PROC}, Seq: 7}, ev)
	m, data, err := abi.UnmarshalCnMsg(b)
	if err != nil || m.Seq != 7 || int(m.Len) != abi.ProcEventSize || m.ID.Idx != abi.CN_IDX_PROC {
		t.Fatalf("cn_msg %+v %v", m, err)
	}
	var pe abi.ProcEvent
	if err := abi.UnmarshalProcEvent(data, &pe); err != nil {
		t.Fatal(err)
	}
	if pe.What != abi.PROC_EVENT_FORK || pe.CPU != 1 || pe.TimestampNs != 123456789 ||
		pe.Fork() != (abi.ForkProcEvent{ParentPID: 10, ParentTGID: 10, ChildPID: 11, ChildTGID: 11}) {
		t.Fatalf("decoded %+v fork %+v", pe, pe.Fork())
	}
	if _, _, err := abi.UnmarshalCnMsg(b[:len(b)-1]); err == nil {
		t.Error("truncated cn_msg accepted")
	}
	if err := abi.UnmarshalProcEvent(data[:20], &pe); err == nil {
		t.Error("truncated FORK accepted")
	}
}

// FuzzDatagram feeds arbitrary datagrams to the decoder and the table:
// nothing the socket delivers may panic it.
func FuzzDatagram(f *testing.F) {
	ev := make([]byte, abi.ProcEventSize)
	binary.NativeEndian.PutUint32(ev[0:], abi.PROC_EVENT_EXIT)
	cn := abi.AppendCnMsg(nil, abi.CnMsg{ID: abi.CbID{Idx: abi.CN_IDX_PROC, Val: abi.CN_VAL_PROC}}, ev)
	nl := binary.NativeEndian.AppendUint32(nil, uint32(16+len(cn)))
	nl = binary.NativeEndian.AppendUint16(nl, 3)
	nl = append(nl, make([]byte, 10)...)
	f.Add(append(nl, cn...))
	f.Add([]byte{})
	f.Add(make([]byte, 16))
	f.Fuzz(func(t *testing.T, b []byte) {
		fp := newFakeProc()
		fp.add(1, 0, 1, "init")
		tb := newFakeTable(Config{}, fp)
		tb.drainMu.Lock()
		tb.applyDatagram(b, fakeClocks(1e9))
		tb.afterBatch(fakeClocks(1e9))
		tb.drainMu.Unlock()
	})
}
