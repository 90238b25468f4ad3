package abi

import (
	"strconv"
	"strings"
	"sync"
)

// AUDIT_ARCH_* values (EM_* | __AUDIT_ARCH_64BIT 0x80000000 | __AUDIT_ARCH_LE
// 0x40000000), as they appear in arch= fields and -F arch= rules.
const (
	AUDIT_ARCH_X86_64  = 0xc000003e
	AUDIT_ARCH_I386    = 0x40000003
	AUDIT_ARCH_AARCH64 = 0xc00000b7
	AUDIT_ARCH_ARM     = 0x40000028
	AUDIT_ARCH_PPC     = 0x00000014
	AUDIT_ARCH_PPC64   = 0x80000015
	AUDIT_ARCH_PPC64LE = 0xc0000015
	AUDIT_ARCH_S390    = 0x00000016
	AUDIT_ARCH_S390X   = 0x80000016
	AUDIT_ARCH_RISCV32 = 0x400000f3
	AUDIT_ARCH_RISCV64 = 0xc00000f3
)

// Arch is an AUDIT_ARCH_* value.
type Arch uint32

type archInfo struct {
	name     string
	syscalls map[uint32]string
}

var arches = map[Arch]archInfo{
	AUDIT_ARCH_X86_64:  {"x86_64", syscallsX86_64},
	AUDIT_ARCH_I386:    {"i386", syscallsI386},
	AUDIT_ARCH_AARCH64: {"aarch64", syscallsAARCH64},
	AUDIT_ARCH_ARM:     {"armeb", syscallsARM},
	AUDIT_ARCH_PPC:     {"ppc", syscallsPPC},
	AUDIT_ARCH_PPC64:   {"ppc64", syscallsPPC64},
	AUDIT_ARCH_PPC64LE: {"ppc64le", syscallsPPC64LE},
	AUDIT_ARCH_S390:    {"s390", syscallsS390},
	AUDIT_ARCH_S390X:   {"s390x", syscallsS390X},
	AUDIT_ARCH_RISCV64: {"riscv64", syscallsRISCV64},
}

// syscallsRISCV64 is the asm-generic table (as aarch64's) plus the
// riscv-only calls: libaudit 3.0.9 has no riscv table of its own.
var syscallsRISCV64 = func() map[uint32]string {
	m := make(map[uint32]string, len(syscallsAARCH64)+2)
	for k, v := range syscallsAARCH64 {
		m[k] = v
	}
	m[258] = "riscv_hwprobe"
	m[259] = "riscv_flush_icache"
	return m
}()

// Name is the arch's name as ausearch -i prints it ("x86_64"), or the hex
// value when unknown.
func (a Arch) Name() string {
	if i, ok := arches[a]; ok {
		return i.name
	}
	return "unknown-elf-type(" + strconv.FormatUint(uint64(a), 16) + ")"
}

// Known reports whether contaudit has a syscall table for a.
func (a Arch) Known() bool { _, ok := arches[a]; return ok }

// ArchByName accepts the names auditctl and ausearch accept for -F arch=
// (x86_64, i386, i686, aarch64, arm, ppc64 ...). b32/b64 are relative to
// the running machine and are resolved by package rules, not here.
func ArchByName(name string) (Arch, bool) {
	switch name {
	case "x86_64", "amd64":
		return AUDIT_ARCH_X86_64, true
	case "i386", "i486", "i586", "i686", "x86":
		return AUDIT_ARCH_I386, true
	case "aarch64", "arm64":
		return AUDIT_ARCH_AARCH64, true
	case "arm", "armeb", "armv5tejl", "armv5tel", "armv6l", "armv7l":
		return AUDIT_ARCH_ARM, true
	case "ppc":
		return AUDIT_ARCH_PPC, true
	case "ppc64":
		return AUDIT_ARCH_PPC64, true
	case "ppc64le":
		return AUDIT_ARCH_PPC64LE, true
	case "s390":
		return AUDIT_ARCH_S390, true
	case "s390x":
		return AUDIT_ARCH_S390X, true
	case "riscv64":
		return AUDIT_ARCH_RISCV64, true
	}
	return 0, false
}

// SyscallName returns the name of syscall nr on arch, or "" if unknown.
func SyscallName(a Arch, nr uint32) string {
	return arches[a].syscalls[nr]
}

var syscallNumbers = sync.OnceValue(func() map[Arch]map[string]uint32 {
	out := make(map[Arch]map[string]uint32, len(arches))
	for a, i := range arches {
		out[a] = invert(i.syscalls)
	}
	return out
})

// SyscallByName returns the number of the named syscall on arch.
func SyscallByName(a Arch, name string) (uint32, bool) {
	nr, ok := syscallNumbers()[a][name]
	return nr, ok
}

// MaxSyscall is one past the highest syscall number known for a; rule
// bitmaps cover 0..2047.
func MaxSyscall(a Arch) uint32 {
	var m uint32
	for nr := range arches[a].syscalls {
		if nr+1 > m {
			m = nr + 1
		}
	}
	return m
}

func invert(m map[uint32]string) map[string]uint32 {
	out := make(map[string]uint32, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// Types libaudit 3.0.9 does not name: DM_* (newer libaudit names them) and
// contaudit's own container records (see contid.go).
var extraMsgTypeNames = map[uint32]string{
	AUDIT_DM_CTRL:      "DM_CTRL",
	AUDIT_DM_EVENT:     "DM_EVENT",
	AUDIT_CONTAINER_OP: "CONTAINER_OP",
	AUDIT_CONTAINER_ID: "CONTAINER_ID",
}

// MsgTypeName returns the record type's name as auditd writes it, or
// "UNKNOWN[n]" as auditd does for types it cannot name.
func MsgTypeName(t uint32) string {
	if n, ok := msgTypeNames[t]; ok {
		return n
	}
	if n, ok := extraMsgTypeNames[t]; ok {
		return n
	}
	return "UNKNOWN[" + strconv.FormatUint(uint64(t), 10) + "]"
}

var msgTypeNumbers = sync.OnceValue(func() map[string]uint32 {
	m := invert(msgTypeNames)
	for k, v := range extraMsgTypeNames {
		m[v] = k
	}
	return m
})

// MsgTypeByName parses a type name as written in logs: a libaudit name or
// UNKNOWN[n]. A decimal number is accepted too, as ausearch -m does.
func MsgTypeByName(name string) (uint32, bool) {
	if t, ok := msgTypeNumbers()[name]; ok {
		return t, true
	}
	if s, ok := strings.CutPrefix(name, "UNKNOWN["); ok {
		name, ok = strings.CutSuffix(s, "]")
		if !ok {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(name, 10, 32)
	return uint32(n), err == nil
}

// FieldName returns auditctl's name of rule field f, or "".
func FieldName(f uint32) string { return fieldNames[f] }

var fieldNumbers = sync.OnceValue(func() map[string]uint32 { return invert(fieldNames) })

// FieldByName returns the rule field auditctl's -F name denotes.
func FieldByName(name string) (uint32, bool) {
	f, ok := fieldNumbers()[name]
	return f, ok
}

// ErrnoName returns the symbolic name of errno e ("EPERM"), or "".
func ErrnoName(e uint32) string { return errnoNames[e] }

var errnoNumbers = sync.OnceValue(func() map[string]uint32 { return invert(errnoNames) })

// ErrnoByName returns the errno value of a symbolic name.
func ErrnoByName(name string) (uint32, bool) {
	e, ok := errnoNumbers()[name]
	return e, ok
}

// FiletypeName returns the -F filetype name of v (file, dir, ...), or "".
func FiletypeName(v uint32) string { return ftypeNames[v] }

var ftypeNumbers = sync.OnceValue(func() map[string]uint32 { return invert(ftypeNames) })

// FiletypeByName returns the -F filetype value of a name.
func FiletypeByName(name string) (uint32, bool) {
	v, ok := ftypeNumbers()[name]
	return v, ok
}
