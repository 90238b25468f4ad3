package search

import (
	"fmt"
	"os/user"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
)

// Int is an optional number.
type Int struct {
	V   int64
	Set bool
}

// SetInt returns a set Int.
func SetInt(v int64) Int { return Int{V: v, Set: true} }

// Success values of Query.Success.
const (
	SuccessAny = iota
	SuccessYes
	SuccessNo
)

// Query is what a user asked for: ausearch's options, each unset unless
// given. Every set option must hold for an event to match.
type Query struct {
	// Event-level options: the stamp audit(SEC.MSEC:SERIAL) decides them.
	EventID    Int       // -a: the serial
	Start, End time.Time // -ts, -te; zero means unbounded; compared to the second, as ausearch does

	// Record-level options: an event satisfies one if any of its records does.
	Types     []uint32 // -m: record types; nil means any
	TypeNames []string // -m names abi does not number (CONTAINER_ID), matched by name
	PID       Int      // -p: pid=
	PPID      Int      // -pp: ppid=
	Session   Int      // -se: ses=
	Syscall   Int      // -sc: syscall=, a number (resolve names with ParseSyscall)
	Exit      Int      // -e: exit=
	Success   int      // -sv: success=yes/no, or res= of user-space records
	UID       Int      // -ui: uid=
	EUID      Int      // -ue: euid=
	AUID      Int      // -ul: auid=
	AnyUID    Int      // -ua: uid=, euid= or auid=
	GID       Int      // -gi: gid=
	EGID      Int      // -ge: egid=
	AnyGID    Int      // -ga: gid= or egid=
	ContID    Int      // --contid: in the chain of a CONTAINER_ID (or CONTAINER_OP) contid=; V holds the u64 bits

	// String options match as substrings (ausearch's default) or, with
	// Word, as whole values.
	Comm     string // -c: comm=
	Exe      string // -x: exe=
	File     string // -f: name= of PATH, cwd= of CWD, path=/name= of AVC
	Key      string // -k: any of the keys of key=
	Node     string // -n: the node= prefix
	Hostname string // -hn: hostname=
	Terminal string // -tm: terminal=
	Word     bool   // -w
}

// ParseMessageTypes reads -m: a comma-separated list of record type names
// or numbers; ALL (any case) means every type and returns nil, nil.
func ParseMessageTypes(s string) (types []uint32, names []string, err error) {
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if strings.EqualFold(name, "all") {
			return nil, nil, nil
		}
		if t, ok := abi.MsgTypeByName(name); ok {
			types = append(types, t)
			continue
		}
		if n, err := strconv.ParseUint(name, 10, 32); err == nil {
			types = append(types, uint32(n))
			continue
		}
		// contaudit's own records, which libaudit does not number.
		if name == "CONTAINER_ID" || name == "CONTAINER_OP" {
			names = append(names, name)
			continue
		}
		return nil, nil, fmt.Errorf("unknown message type %q (use a name such as SYSCALL, a number, or ALL)", name)
	}
	if len(types) == 0 && len(names) == 0 {
		return nil, nil, fmt.Errorf("empty message type list")
	}
	return types, names, nil
}

// HostArch is the arch whose syscall table names -sc, as in ausearch
// without --arch.
func HostArch() abi.Arch {
	name := map[string]string{"amd64": "x86_64", "386": "i386", "arm64": "aarch64", "arm": "armeb",
		"ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64"}[runtime.GOARCH]
	a, _ := abi.ArchByName(name)
	return a
}

// ParseSyscall reads -sc: a number, or a name in the table of arch.
func ParseSyscall(s string, arch abi.Arch) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 32); err == nil && n >= 0 {
		return n, nil
	}
	if n, ok := abi.SyscallByName(arch, s); ok {
		return int64(n), nil
	}
	return 0, fmt.Errorf("unknown syscall %q for arch %s", s, arch.Name())
}

// ParseExit reads -e: a number, or an errno name (EACCES), which stands
// for the negative value the kernel logs.
func ParseExit(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if e, ok := abi.ErrnoByName(strings.ToUpper(s)); ok {
		return -int64(e), nil
	}
	return 0, fmt.Errorf("exit %q is neither a number nor an errno name", s)
}

// ParseSuccess reads -sv: yes or no.
func ParseSuccess(s string) (int, error) {
	switch strings.ToLower(s) {
	case "yes":
		return SuccessYes, nil
	case "no":
		return SuccessNo, nil
	}
	return SuccessAny, fmt.Errorf("success value %q: want yes or no", s)
}

// ParseUser reads a uid option: a number (-1 is unset, 4294967295) or a
// user name from the local passwd database.
func ParseUser(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= -1 && n <= 0xffffffff {
		return int64(uint32(n)), nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		return 0, fmt.Errorf("user %q: %w", s, err)
	}
	n, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("user %q has uid %q", s, u.Uid)
	}
	return int64(n), nil
}

// ParseGroup reads a gid option: a number or a group name.
func ParseGroup(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= -1 && n <= 0xffffffff {
		return int64(uint32(n)), nil
	}
	g, err := user.LookupGroup(s)
	if err != nil {
		return 0, fmt.Errorf("group %q: %w", s, err)
	}
	n, err := strconv.ParseUint(g.Gid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("group %q has gid %q", s, g.Gid)
	}
	return int64(n), nil
}

// ParseContID reads --contid: a u64, or -1 for unset.
func ParseContID(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("container id %q: want an unsigned 64-bit number", s)
	}
	return int64(n), nil
}

// hasType reports whether the query names type t or name.
func (q *Query) hasType(t uint32, name string) bool {
	return slices.Contains(q.Types, t) || len(q.TypeNames) > 0 && slices.Contains(q.TypeNames, name)
}
