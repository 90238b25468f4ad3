package procbpf

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// btfBuilder writes BTF the way pahole does, for the reader's tests.
type btfBuilder struct {
	types []byte
	strs  []byte
	n     uint32
}

func newBTF() *btfBuilder { return &btfBuilder{strs: []byte{0}} }

func (b *btfBuilder) str(s string) uint32 {
	if s == "" {
		return 0
	}
	if i := bytes.Index(b.strs, append([]byte(s), 0)); i > 0 && b.strs[i-1] == 0 {
		return uint32(i)
	}
	off := uint32(len(b.strs))
	b.strs = append(append(b.strs, s...), 0)
	return off
}

func (b *btfBuilder) typ(name string, kind, vlen int, sizeOrType uint32, extra ...uint32) uint32 {
	b.types = binary.NativeEndian.AppendUint32(b.types, b.str(name))
	b.types = binary.NativeEndian.AppendUint32(b.types, uint32(kind)<<24|uint32(vlen))
	b.types = binary.NativeEndian.AppendUint32(b.types, sizeOrType)
	for _, e := range extra {
		b.types = binary.NativeEndian.AppendUint32(b.types, e)
	}
	b.n++
	return b.n
}

type member struct {
	name   string
	typ    uint32
	bitOff uint32
}

func (b *btfBuilder) record(name string, kind int, size uint32, ms ...member) uint32 {
	var extra []uint32
	for _, m := range ms {
		extra = append(extra, b.str(m.name), m.typ, m.bitOff)
	}
	return b.typ(name, kind, len(ms), size, extra...)
}

func (b *btfBuilder) bytes() []byte {
	var out []byte
	out = binary.NativeEndian.AppendUint16(out, btfMagic)
	out = append(out, 1, 0)
	out = binary.NativeEndian.AppendUint32(out, 24)
	out = binary.NativeEndian.AppendUint32(out, 0)
	out = binary.NativeEndian.AppendUint32(out, uint32(len(b.types)))
	out = binary.NativeEndian.AppendUint32(out, uint32(len(b.types)))
	out = binary.NativeEndian.AppendUint32(out, uint32(len(b.strs)))
	return append(append(out, b.types...), b.strs...)
}

// kernelLike is a task_struct as a randomized layout has it: most fields in
// an anonymous struct, reached through typedefs and a const.
func kernelLike() *btfBuilder {
	b := newBTF()
	i := b.typ("int", btfInt, 0, 4, 0x01000020) // signed, 32 bits
	u64 := b.typ("unsigned long long", btfInt, 0, 8, 0x00000040)
	kpid := b.typ("__kernel_pid_t", btfTypedef, 0, i)
	pid := b.typ("pid_t", btfTypedef, 0, kpid)
	cpid := b.typ("", btfConst, 0, pid)
	u64t := b.typ("u64", btfTypedef, 0, u64)
	fwd := b.typ("task_struct", btfFwd, 0, 0)
	ptr := b.typ("", btfPtr, 0, fwd+3) // task_struct, below
	inner := b.record("", btfStruct, 64,
		member{"exit_code", i, 0},
		member{"exit_signal", i, 32},
		member{"pid", cpid, 64},
		member{"tgid", pid, 96},
		member{"real_parent", ptr, 128},
	)
	b.record("task_struct", btfStruct, 256,
		member{"flags", i, 0},
		member{"", inner, 512},
		member{"start_boottime", u64t, 1024},
	)
	void := b.typ("", btfPtr, 0, 0)
	proto := b.typ("", btfFuncProto, 2, 0, 0, void, 0, ptr)
	for _, tp := range []string{"task_newtask", "sched_process_exit"} {
		b.typ("btf_trace_"+tp, btfTypedef, 0, b.typ("", btfPtr, 0, proto))
	}
	return b
}

func TestFindKernelTypes(t *testing.T) {
	b := kernelLike()
	kt, err := findKernelTypes(bytes.NewReader(b.bytes()), []string{"task_newtask", "sched_process_exit"})
	if err != nil {
		t.Fatal(err)
	}
	want := taskOffsets{pid: 72, tgid: 76, realParent: 80, startBoottime: 128}
	if kt.task != want {
		t.Errorf("offsets %+v, want %+v", kt.task, want)
	}
	if kt.tracepoints["task_newtask"] == 0 || kt.tracepoints["sched_process_exit"] == 0 || kt.tracepoints["task_newtask"] == kt.tracepoints["sched_process_exit"] {
		t.Errorf("tracepoint typedefs %v", kt.tracepoints)
	}
	if _, err := findKernelTypes(bytes.NewReader(b.bytes()), []string{"sched_process_exec"}); err == nil || !strings.Contains(err.Error(), "sched_process_exec") {
		t.Errorf("a missing tracepoint: %v", err)
	}
}

func TestFindKernelTypesRefuses(t *testing.T) {
	for name, mod := range map[string]func([]byte) []byte{
		"magic":     func(b []byte) []byte { b[0] ^= 0xff; return b },
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"short":     func(b []byte) []byte { return b[:10] },
		"bad kind":  func(b []byte) []byte { b[24+7] = 31; return b },
	} {
		if _, err := findKernelTypes(bytes.NewReader(mod(kernelLike().bytes())), []string{"task_newtask"}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A pid that is not 4 bytes is not ours to copy.
	b := newBTF()
	l := b.typ("long", btfInt, 0, 8, 0x01000040)
	b.record("task_struct", btfStruct, 64, member{"pid", l, 0})
	if _, err := findKernelTypes(bytes.NewReader(b.bytes()), nil); err == nil || !strings.Contains(err.Error(), "task_struct.pid is 8 bytes") {
		t.Errorf("8-byte pid: %v", err)
	}
}

// FuzzFindKernelTypes: no input panics or hangs the reader (a struct that
// contains itself, say), and what it accepts names real offsets.
func FuzzFindKernelTypes(f *testing.F) {
	f.Add(kernelLike().bytes())
	b := newBTF()
	self := b.record("", btfStruct, 8, member{"", 1, 0})
	b.record("task_struct", btfStruct, 8, member{"", self, 0})
	f.Add(b.bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		kt, err := findKernelTypes(bytes.NewReader(data), []string{"task_newtask"})
		if (kt == nil) == (err == nil) {
			t.Fatalf("result %v with error %v", kt, err)
		}
		if err == nil && (kt.task.pid < 0 || kt.tracepoints["task_newtask"] == 0) {
			t.Fatalf("accepted %+v", kt)
		}
	})
}
