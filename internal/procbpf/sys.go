package procbpf

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The three bpf(2) commands the package needs, with the parts of union
// bpf_attr they use (include/uapi/linux/bpf.h). The kernel reads the size
// it is given and takes absent fields as zero.

func bpf(cmd uintptr, attr unsafe.Pointer, size uintptr) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	runtime.KeepAlive(attr)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// mapCreateAttr is bpf_attr for BPF_MAP_CREATE.
type mapCreateAttr struct {
	mapType, keySize, valueSize, maxEntries, flags, innerMapFD, numaNode uint32
	name                                                                 [unix.BPF_OBJ_NAME_LEN]byte
}

func createMap(name string, mapType, keySize, valueSize, maxEntries, flags uint32) (int, error) {
	attr := mapCreateAttr{mapType: mapType, keySize: keySize, valueSize: valueSize, maxEntries: maxEntries, flags: flags}
	copy(attr.name[:len(attr.name)-1], name)
	fd, err := bpf(unix.BPF_MAP_CREATE, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err != nil {
		return -1, fmt.Errorf("create map %s: %w", name, err)
	}
	return fd, nil
}

// progLoadAttr is bpf_attr for BPF_PROG_LOAD, up to attach_btf_obj_fd.
type progLoadAttr struct {
	progType, insnCnt                      uint32
	insns, license                         uint64
	logLevel, logSize                      uint32
	logBuf                                 uint64
	kernVersion, progFlags                 uint32
	name                                   [unix.BPF_OBJ_NAME_LEN]byte
	ifindex, expectedAttachType            uint32
	progBTFFD, funcInfoRecSize             uint32
	funcInfo                               uint64
	funcInfoCnt, lineInfoRecSize           uint32
	lineInfo                               uint64
	lineInfoCnt, attachBTFID, attachBTFObj uint32
	_                                      uint32
}

// loadTracing loads a BTF-typed tracepoint program (tp_btf) that attaches
// to the tracepoint whose btf_trace_ typedef is attachID. A program the
// verifier refuses is loaded again with the verifier's log, which the
// error then carries.
func loadTracing(name string, code []byte, attachID uint32) (int, error) {
	license := []byte("GPL\x00")
	attr := progLoadAttr{
		progType:           unix.BPF_PROG_TYPE_TRACING,
		insnCnt:            uint32(len(code) / 8),
		insns:              uint64(uintptr(unsafe.Pointer(&code[0]))),
		license:            uint64(uintptr(unsafe.Pointer(&license[0]))),
		expectedAttachType: unix.BPF_TRACE_RAW_TP,
		attachBTFID:        attachID,
	}
	copy(attr.name[:len(attr.name)-1], name)
	fd, err := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err == nil {
		runtime.KeepAlive(code)
		runtime.KeepAlive(license)
		return fd, nil
	}
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EINVAL) {
		log := make([]byte, 64<<10)
		attr.logLevel, attr.logSize = 1, uint32(len(log))
		attr.logBuf = uint64(uintptr(unsafe.Pointer(&log[0])))
		if fd, err2 := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); err2 == nil {
			// Not expected, but a program that loads is a program.
			return fd, nil
		}
		runtime.KeepAlive(log)
		if n := cstrlen(log); n > 0 {
			err = fmt.Errorf("%w; verifier: %s", err, log[:n])
		}
	}
	runtime.KeepAlive(code)
	runtime.KeepAlive(license)
	return -1, fmt.Errorf("load %s program: %w", name, err)
}

func cstrlen(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
}

// rawTracepointOpenAttr is bpf_attr for BPF_RAW_TRACEPOINT_OPEN.
type rawTracepointOpenAttr struct {
	name   uint64
	progFD uint32
	_      uint32
}

// attach attaches a tp_btf program (its tracepoint is named by the
// program's BTF ID) and returns the link; closing it detaches.
func attach(progFD int) (int, error) {
	attr := rawTracepointOpenAttr{progFD: uint32(progFD)}
	return bpf(unix.BPF_RAW_TRACEPOINT_OPEN, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}
