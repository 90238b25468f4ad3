package procbpf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// What the programs need from the running kernel's BTF (the type
// information in /sys/kernel/btf/vmlinux): the IDs of the tracepoints'
// btf_trace_* typedefs, which a tp_btf program names to attach, and where
// task_struct keeps the fields the programs read. The file is 5 MB; it is
// streamed once, keeping an offset per type (half a megabyte) rather than
// the types themselves, so that a daemon's memory does not peak for it.

const vmlinuxBTF = "/sys/kernel/btf/vmlinux"

// BTF kinds, from include/uapi/linux/btf.h.
const (
	btfInt       = 1
	btfPtr       = 2
	btfArray     = 3
	btfStruct    = 4
	btfUnion     = 5
	btfEnum      = 6
	btfFwd       = 7
	btfTypedef   = 8
	btfVolatile  = 9
	btfConst     = 10
	btfRestrict  = 11
	btfFunc      = 12
	btfFuncProto = 13
	btfVar       = 14
	btfDatasec   = 15
	btfFloat     = 16
	btfDeclTag   = 17
	btfTypeTag   = 18
	btfEnum64    = 19

	btfMagic      = 0xeb9f
	btfTypeSize   = 12 // struct btf_type
	btfMemberSize = 12 // struct btf_member
)

// kernelTypes is what readKernelTypes found.
type kernelTypes struct {
	task taskOffsets
	// tracepoints maps a tracepoint's name to its btf_trace_ typedef.
	tracepoints map[string]uint32
}

// taskOffsets are byte offsets in struct task_struct.
type taskOffsets struct {
	pid, tgid, realParent, startBoottime int16
}

type btfFile struct {
	f       io.ReaderAt
	typeOff int64    // where the type section starts in the file
	types   []uint32 // offset in the type section of type ID i+1
	strs    map[string][]uint32
	named   map[string][]namedType // the types with a wanted name
}

type namedType struct {
	id   uint32
	kind int
}

type btfType struct {
	name, info, sizeOrType uint32
}

func (t btfType) kind() int   { return int(t.info >> 24 & 0x1f) }
func (t btfType) vlen() int   { return int(t.info & 0xffff) }
func (t btfType) kflag() bool { return t.info>>31 != 0 }

func readKernelTypes(path string, tracepoints []string) (*kernelTypes, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("kernel BTF: %w", err)
	}
	defer f.Close()
	kt, err := findKernelTypes(f, tracepoints)
	if err != nil {
		return nil, fmt.Errorf("kernel BTF %s: %w", path, err)
	}
	return kt, nil
}

// findKernelTypes reads what readKernelTypes needs from BTF data.
func findKernelTypes(f io.ReaderAt, tracepoints []string) (*kernelTypes, error) {
	want := []string{"task_struct", "pid", "tgid", "real_parent", "exit_code", "exit_signal", "start_boottime"}
	for _, tp := range tracepoints {
		want = append(want, "btf_trace_"+tp)
	}
	b, err := scanBTF(f, want)
	if err != nil {
		return nil, err
	}
	kt := &kernelTypes{tracepoints: map[string]uint32{}}
	for _, tp := range tracepoints {
		id, err := b.find("btf_trace_"+tp, btfTypedef)
		if err != nil {
			return nil, fmt.Errorf("tracepoint %s: %w", tp, err)
		}
		kt.tracepoints[tp] = id
	}
	task, err := b.find("task_struct", btfStruct)
	if err != nil {
		return nil, err
	}
	for _, fld := range []struct {
		name string
		size uint32
		dst  *int16
	}{
		{"pid", 4, &kt.task.pid},
		{"tgid", 4, &kt.task.tgid},
		{"real_parent", 8, &kt.task.realParent},
		{"start_boottime", 8, &kt.task.startBoottime},
	} {
		off, size, err := b.member(task, fld.name, 0, 0)
		if err != nil {
			return nil, fmt.Errorf("task_struct.%s: %w", fld.name, err)
		}
		if size != fld.size {
			return nil, fmt.Errorf("task_struct.%s is %d bytes, want %d", fld.name, size, fld.size)
		}
		if off%8 != 0 || off/8 > 1<<15-8 {
			return nil, fmt.Errorf("task_struct.%s at bit %d, not a byte a load reaches", fld.name, off)
		}
		*fld.dst = int16(off / 8)
	}
	return kt, nil
}

// scanBTF reads the header, finds the offsets of the wanted names in the
// string section, and indexes the type section.
func scanBTF(f io.ReaderAt, want []string) (*btfFile, error) {
	var hdr [24]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if m := binary.NativeEndian.Uint16(hdr[0:]); m != btfMagic {
		return nil, fmt.Errorf("magic %#x, want %#x (in this machine's byte order)", m, btfMagic)
	}
	hdrLen := int64(binary.NativeEndian.Uint32(hdr[4:]))
	typeOff := hdrLen + int64(binary.NativeEndian.Uint32(hdr[8:]))
	typeLen := int64(binary.NativeEndian.Uint32(hdr[12:]))
	strOff := hdrLen + int64(binary.NativeEndian.Uint32(hdr[16:]))
	strLen := int64(binary.NativeEndian.Uint32(hdr[20:]))
	if hdrLen < int64(len(hdr)) {
		return nil, fmt.Errorf("header of %d bytes, want at least %d", hdrLen, len(hdr))
	}
	b := &btfFile{f: f, typeOff: typeOff, strs: map[string][]uint32{}, named: map[string][]namedType{}}
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w] = true
	}
	r := bufio.NewReaderSize(io.NewSectionReader(f, strOff, strLen), 64<<10)
	for pos := uint32(0); int64(pos) < strLen; {
		s, err := r.ReadSlice(0)
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return nil, fmt.Errorf("string at %d longer than 64 KiB", pos)
			}
			if err == io.EOF && len(s) == 0 {
				break
			}
			return nil, fmt.Errorf("strings: %w", err)
		}
		if name := s[:len(s)-1]; wanted[string(name)] {
			b.strs[string(name)] = append(b.strs[string(name)], pos)
		}
		pos += uint32(len(s))
	}
	nameAt := map[uint32]string{}
	for name, offs := range b.strs {
		for _, o := range offs {
			nameAt[o] = name
		}
	}
	tr := bufio.NewReaderSize(io.NewSectionReader(f, typeOff, typeLen), 64<<10)
	var raw [btfTypeSize]byte
	for pos := int64(0); pos < typeLen; {
		if _, err := io.ReadFull(tr, raw[:]); err != nil {
			return nil, fmt.Errorf("type %d at %d: %w", len(b.types)+1, pos, err)
		}
		t := decodeType(raw[:])
		extra, err := trailing(t)
		if err != nil {
			return nil, fmt.Errorf("type %d at %d: %w", len(b.types)+1, pos, err)
		}
		if _, err := tr.Discard(extra); err != nil {
			return nil, fmt.Errorf("type %d at %d: %w", len(b.types)+1, pos, err)
		}
		b.types = append(b.types, uint32(pos))
		if name, ok := nameAt[t.name]; ok && t.name != 0 {
			b.named[name] = append(b.named[name], namedType{uint32(len(b.types)), t.kind()})
		}
		pos += int64(btfTypeSize + extra)
	}
	return b, nil
}

func decodeType(b []byte) btfType {
	return btfType{binary.NativeEndian.Uint32(b[0:]), binary.NativeEndian.Uint32(b[4:]), binary.NativeEndian.Uint32(b[8:])}
}

// trailing is how many bytes of kind-specific data follow a btf_type.
func trailing(t btfType) (int, error) {
	switch t.kind() {
	case btfInt, btfVar, btfDeclTag:
		return 4, nil
	case btfPtr, btfFwd, btfTypedef, btfVolatile, btfConst, btfRestrict, btfFunc, btfFloat, btfTypeTag:
		return 0, nil
	case btfArray:
		return 12, nil
	case btfStruct, btfUnion, btfDatasec, btfEnum64:
		return 12 * t.vlen(), nil
	case btfEnum, btfFuncProto:
		return 8 * t.vlen(), nil
	}
	return 0, fmt.Errorf("unknown BTF kind %d", t.kind())
}

// typeAt reads type id and its trailing data.
func (b *btfFile) typeAt(id uint32) (btfType, []byte, error) {
	if id == 0 || int(id) > len(b.types) {
		return btfType{}, nil, fmt.Errorf("type id %d out of range (%d types)", id, len(b.types))
	}
	off := b.typeOff + int64(b.types[id-1])
	var raw [btfTypeSize]byte
	if _, err := b.f.ReadAt(raw[:], off); err != nil {
		return btfType{}, nil, err
	}
	t := decodeType(raw[:])
	n, err := trailing(t)
	if err != nil {
		return t, nil, err
	}
	data := make([]byte, n)
	if _, err := b.f.ReadAt(data, off+btfTypeSize); err != nil {
		return t, nil, err
	}
	return t, data, nil
}

// find returns the ID of the type of this kind and name.
func (b *btfFile) find(name string, kind int) (uint32, error) {
	for _, t := range b.named[name] {
		if t.kind == kind {
			return t.id, nil
		}
	}
	return 0, fmt.Errorf("no type named %s of kind %d", name, kind)
}

// member finds a member of a struct or union by name, looking into
// anonymous members (randomized layouts nest most of task_struct in one).
// It returns the bit offset from the start of the outer struct and the
// member's size in bytes.
func (b *btfFile) member(id uint32, name string, base uint32, depth int) (bitOff, size uint32, err error) {
	if depth > 8 {
		return 0, 0, fmt.Errorf("anonymous members nested more than 8 deep at type %d", id)
	}
	t, data, err := b.typeAt(id)
	if err != nil {
		return 0, 0, err
	}
	if t.kind() != btfStruct && t.kind() != btfUnion {
		return 0, 0, fmt.Errorf("type %d is kind %d, not a struct or union", id, t.kind())
	}
	offs := b.strs[name]
	for i := range t.vlen() {
		m := data[i*btfMemberSize:]
		mname := binary.NativeEndian.Uint32(m[0:])
		mtype := binary.NativeEndian.Uint32(m[4:])
		moff := binary.NativeEndian.Uint32(m[8:])
		if t.kflag() {
			if moff>>24 != 0 {
				continue // a bitfield: never one of ours
			}
			moff &= 0xffffff
		}
		for _, o := range offs {
			if mname == o {
				sz, err := b.size(mtype)
				return base + moff, sz, err
			}
		}
		if mname == 0 {
			inner, err := b.resolve(mtype)
			if err != nil {
				return 0, 0, err
			}
			if k := b.kind(inner); k == btfStruct || k == btfUnion {
				if off, sz, err := b.member(inner, name, base+moff, depth+1); err == nil {
					return off, sz, nil
				}
			}
		}
	}
	return 0, 0, fmt.Errorf("no member %s", name)
}

func (b *btfFile) kind(id uint32) int {
	t, _, err := b.typeAt(id)
	if err != nil {
		return 0
	}
	return t.kind()
}

// resolve follows typedefs and qualifiers to the type they name.
func (b *btfFile) resolve(id uint32) (uint32, error) {
	for range 32 {
		t, _, err := b.typeAt(id)
		if err != nil {
			return 0, err
		}
		switch t.kind() {
		case btfTypedef, btfVolatile, btfConst, btfRestrict, btfTypeTag:
			id = t.sizeOrType
		default:
			return id, nil
		}
	}
	return 0, fmt.Errorf("type %d: qualifier chain too long", id)
}

// size is a type's size in bytes.
func (b *btfFile) size(id uint32) (uint32, error) {
	id, err := b.resolve(id)
	if err != nil {
		return 0, err
	}
	t, _, err := b.typeAt(id)
	if err != nil {
		return 0, err
	}
	switch t.kind() {
	case btfPtr:
		return 8, nil // the programs load only on 64-bit kernels
	case btfInt, btfStruct, btfUnion, btfEnum, btfEnum64, btfFloat:
		return t.sizeOrType, nil
	}
	return 0, fmt.Errorf("type %d of kind %d has no size", id, t.kind())
}
