package interpret

import (
	"runtime"
	"strconv"
	"strings"

	"github.com/contaudit/contaudit/internal/abi"
)

// Context is what interpreting one field needs to know about the rest of
// its record. Build it with NewContext, or set RecordType and call Observe
// for every field of the record before calling Field for any of them:
// a syscall name depends on a0 (socketcall, ipc), which comes after it.
type Context struct {
	// RecordType is the record's type number (abi.AUDIT_SYSCALL ...).
	RecordType uint32
	// Arch is the record's arch= value. Zero means unknown: syscall
	// numbers are then read with the host's table, as ausearch does.
	Arch abi.Arch
	// Syscall is the record's syscall number; valid if HasSyscall.
	Syscall    uint32
	HasSyscall bool
	// A0 and A1 are the record's first two syscall arguments, which decide
	// how a1 and a2 read (prctl option, fcntl command, O_CREAT,
	// setsockopt level).
	A0, A1 uint64
	// Resolver names uids and gids; nil means the local passwd and group
	// files (LocalResolver).
	Resolver Resolver
	// Enriched is the record's own ENRICHED tail, if the log carries one.
	// Like ausearch, Field prefers it to local lookups, so that a log from
	// another host reads with that host's user names.
	Enriched Enriched
}

// NewContext builds the context of a record from its type and fields (in
// record order, values as written).
func NewContext(recordType uint32, fields func(yield func(key, value string) bool)) Context {
	c := Context{RecordType: recordType}
	if fields != nil {
		fields(func(k, v string) bool {
			c.Observe(k, v)
			return true
		})
	}
	return c
}

// Observe records what a field tells about its siblings. Only SYSCALL and
// SECCOMP records set the arch and syscall, as in ausearch: elsewhere a0..a3
// are plain hex.
func (c *Context) Observe(key, value string) {
	if c.RecordType != abi.AUDIT_SYSCALL && c.RecordType != abi.AUDIT_SECCOMP {
		return
	}
	switch key {
	case "arch":
		if v, ok := strtoul(value, 16); ok {
			c.Arch = abi.Arch(uint32(v))
		}
	case "syscall":
		if v, ok := strtoul(value, 10); ok && !c.HasSyscall {
			c.Syscall = uint32(v)
			c.HasSyscall = true
		}
	case "a0":
		if c.RecordType == abi.AUDIT_SYSCALL {
			c.A0, _ = strtoul(value, 16)
		}
	case "a1":
		if c.RecordType == abi.AUDIT_SYSCALL {
			c.A1, _ = strtoul(value, 16)
		}
	}
}

// Field returns the value ausearch -i prints for key=value in a record
// described by ctx. value is as written in the log (quoted strings keep
// their quotes, hex stays hex). ok is false when ausearch does not
// interpret the field and prints value unchanged.
//
// Several keys= (joined by 0x01 in the log) come back as ausearch prints
// them: "k1 key=k2". ausearch prints a value followed by a space, except a
// TTY record's data= (no space) and an uninterpreted value that its
// tokenizer cut at a comma (a comma).
func Field(ctx *Context, key, value string) (interpreted string, ok bool) {
	if key == "acct" && strings.HasSuffix(value, ":") {
		// Old PAM messages read "acct=root: exe=..."; ausearch drops the
		// colon before anything else, even for a value it then prints raw.
		value = value[:len(value)-1]
		if k := kindOf(ctx.RecordType, key, value); k == kindUnclassified {
			return value, true
		}
	}
	k := kindOf(ctx.RecordType, key, value)
	if k == kindUnclassified || k == kindMacLabel {
		return value, false
	}
	if ctx.Enriched != nil {
		if v, found := ctx.Enriched.lookup(key); found && !strings.HasPrefix(v, "unknown-") {
			if k == kindUID || k == kindGID {
				v = printEscaped(v)
			}
			return ttyEscape(v), true
		}
	}
	out := interpret(ctx, k, value)
	if k == kindEscapedKey && strings.IndexByte(out, 0x01) >= 0 {
		parts := strings.Split(out, "\x01")
		for i := range parts {
			parts[i] = ttyEscape(parts[i])
		}
		return strings.Join(parts, " key="), true
	}
	return ttyEscape(out), true
}

// interpret is auparse_do_interpretation without escaping.
func interpret(ctx *Context, k kind, val string) string {
	switch k {
	case kindUID:
		return printUID(ctx, val, 10)
	case kindGID:
		return printGID(ctx, val, 10)
	case kindSyscall:
		return printSyscall(ctx, val)
	case kindArch:
		return printArch(val)
	case kindExit:
		return printExit(val)
	case kindEscaped, kindEscapedFile, kindEscapedKey:
		return printEscaped(val)
	case kindPerm:
		return printPerm(val)
	case kindMode:
		return printMode(val, 8)
	case kindModeShort:
		return printModeShort(val, 8)
	case kindSockaddr:
		return Sockaddr(val)
	case kindFlags:
		return printPathFlags(val)
	case kindPromisc:
		v, ok := strtol(val, 10)
		if !ok {
			return convErr(val)
		}
		if v == 0 {
			return "no"
		}
		return "yes"
	case kindCapability:
		return printCapability(val, 10)
	case kindSuccess:
		return printSuccess(val)
	case kindA0:
		return printA0(ctx, val)
	case kindA1:
		return printA1(ctx, val)
	case kindA2:
		return printA2(ctx, val)
	case kindA3:
		return printA3(ctx, val)
	case kindSignal:
		return printSignal(val, 10)
	case kindList:
		v, ok := strtoul(val, 10)
		if !ok {
			return convErr(val)
		}
		if n, found := listNames[uint32(v)]; found && v <= 0xffffffff {
			return n
		}
		return "unknown-list(" + val + ")"
	case kindTTYData:
		return printTTYData(val)
	case kindSession:
		if val == "4294967295" {
			return "unset"
		}
		return val
	case kindCapBitmap:
		return printCapBitmap(val)
	case kindNFProto:
		return lookupOr(val, 10, nfprotoNames, "unknown-netfilter-protocol("+val+")")
	case kindICMPType:
		return lookupOr(val, 10, icmpTypeNames, "unknown-icmp-type("+val+")")
	case kindProtocol:
		v, ok := strtoul(val, 10)
		if !ok {
			return convErr(val)
		}
		if n, found := protocolName(int32(v)); found {
			return n
		}
		return "undefined protocol"
	case kindAddr:
		return val
	case kindPersonality:
		return printPersonality(val)
	case kindSeccomp:
		return lookupMasked(val, 16, 0x7fff0000, seccompNames, "unknown-seccomp-code("+val+")")
	case kindOFlag:
		return printOpenFlags(val)
	case kindMmap:
		return printMmap(val)
	case kindProctitle:
		return printProctitle(val)
	case kindHook:
		v, ok := strtoul(val, 16)
		if !ok {
			return convErr(val)
		}
		if i := int32(v); i >= 0 && int(i) < len(inetHookNames) {
			return inetHookNames[i]
		}
		return "unknown-hook(" + val + ")"
	case kindNetAction:
		v, ok := strtoul(val, 16)
		if !ok {
			return convErr(val)
		}
		if i := int32(v); i >= 0 && int(i) < len(netActionNames) {
			return netActionNames[i]
		}
		return "unknown-action(" + val + ")"
	case kindMacProto:
		v, ok := strtoul(val, 16)
		if !ok {
			return convErr(val)
		}
		switch int32(v) {
		case 0x0800:
			return "IP"
		case 0x0806:
			return "ARP"
		}
		return "UNKNOWN"
	case kindIoctlReq:
		return printIoctl(val)
	case kindFanotify:
		if len(val) == 0 || val[0] < '0' || val[0] > '9' {
			return val
		}
		v, ok := strtoul(val, 10)
		if !ok {
			return convErr(val)
		}
		switch uint32(v) {
		case 1:
			return "allow"
		case 2:
			return "deny"
		}
		return "unknown"
	case kindNLMcGrp:
		v, ok := strtoul(val, 16)
		if !ok {
			return convErr(val)
		}
		if v == 1 {
			return "audit-netlink-multicast"
		}
		return "audit-none"
	case kindResolve:
		v, ok := strtoul(val, 16)
		if !ok {
			return convErr(val)
		}
		return joinFlags(v, openat2ResolveFlags, "0x"+val)
	}
	return val
}

func convErr(val string) string { return "conversion error(" + val + ")" }

// strtol32 reads a number the way auparse assigns strtoul's result to an
// int: truncated to 32 bits, signed.
func strtol32(val string, base uint64) (int32, bool) {
	v, ok := strtoul(val, base)
	return int32(v), ok
}

func lookupOr(val string, base uint64, names map[uint32]string, unknown string) string {
	return lookupMasked(val, base, ^uint32(0), names, unknown)
}

// lookupMasked is lookupOr on the bits in mask only, for arguments whose
// other bits carry flags (socket types, seccomp actions).
func lookupMasked(val string, base uint64, mask uint32, names map[uint32]string, unknown string) string {
	v, ok := strtoul(val, base)
	if !ok {
		return convErr(val)
	}
	k := uint32(v) & mask
	if n, found := names[k]; found && int32(k) >= 0 {
		return n
	}
	return unknown
}

// joinFlags names the bits of v found in table, joined by "|", or returns
// none when no bit has a name.
func joinFlags(v uint64, table []flag, none string) string {
	b := appendFlags(nil, v, table)
	if len(b) == 0 {
		return none
	}
	return string(b)
}

// appendFlags appends the names of the bits of v found in table to b,
// each after a "|" unless b is still empty.
func appendFlags(b []byte, v uint64, table []flag) []byte {
	for _, f := range table {
		if v&f.bit != 0 {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, f.name...)
		}
	}
	return b
}

// hostArch is the arch ausearch assumes when a record does not say.
var hostArch = func() abi.Arch {
	switch runtime.GOARCH {
	case "386":
		return abi.AUDIT_ARCH_I386
	case "arm64":
		return abi.AUDIT_ARCH_AARCH64
	case "arm":
		return abi.AUDIT_ARCH_ARM
	case "ppc64":
		return abi.AUDIT_ARCH_PPC64
	case "ppc64le":
		return abi.AUDIT_ARCH_PPC64LE
	case "s390x":
		return abi.AUDIT_ARCH_S390X
	case "riscv64":
		return abi.AUDIT_ARCH_RISCV64
	}
	return abi.AUDIT_ARCH_X86_64
}()

func (c *Context) arch() abi.Arch {
	if c.Arch.Known() {
		return c.Arch
	}
	return hostArch
}

// syscallName is the record's syscall name, or "" when the record has none
// (then a0..a3 print as hex).
func (c *Context) syscallName() string {
	if !c.HasSyscall {
		return ""
	}
	return abi.SyscallName(c.arch(), c.Syscall)
}

func printSyscall(ctx *Context, val string) string {
	nr, ok := strtoul(val, 10)
	if !ok {
		return val
	}
	a := ctx.Arch
	if !ctx.HasSyscall || ctx.RecordType != abi.AUDIT_SYSCALL && ctx.RecordType != abi.AUDIT_SECCOMP {
		a = 0
	}
	if !a.Known() {
		a = hostArch
	}
	name := abi.SyscallName(a, uint32(nr))
	if name == "" {
		return "unknown-syscall(" + strconv.Itoa(int(int32(nr))) + ")"
	}
	var sub string
	switch name {
	case "socketcall":
		if ctx.A0 <= 0x7fffffff {
			sub = socketcallNames[uint32(ctx.A0)]
		}
	case "ipc":
		if ctx.A0 <= 0x7fffffff {
			sub = ipcCallNames[uint32(ctx.A0)]
		}
	}
	if sub != "" {
		return name + "(" + sub + ")"
	}
	return name
}

// printArch names an arch= value as libaudit 3.0.9 would, except that
// arches libaudit does not know but contaudit does (riscv64) get their
// name; see docs/interpretation.md.
func printArch(val string) string {
	v, ok := strtoul(val, 16)
	if !ok {
		return "conversion error(" + val + ") "
	}
	a := abi.Arch(uint32(v))
	if !a.Known() || v > 0xffffffff {
		return "unknown-elf-type(" + val + ")"
	}
	if a == abi.AUDIT_ARCH_I386 {
		return "i386"
	}
	return a.Name()
}

func printExit(val string) string {
	v, ok := strtoll(val)
	if !ok {
		return convErr(val)
	}
	if v >= 0 {
		return val
	}
	e := int32(-v)
	name := "(null)"
	if e >= 0 {
		if n := abi.ErrnoName(uint32(e)); n != "" {
			name = n
		}
	}
	return name + "(" + strerror(e) + ")"
}

func strerror(e int32) string {
	if e > 0 && int(e) < len(strerrorText) && strerrorText[e] != "" {
		return strerrorText[e]
	}
	if e == 0 {
		return "Success"
	}
	return "Unknown error " + strconv.Itoa(int(e))
}

func printPerm(val string) string {
	v64, ok := strtol(val, 10)
	v := int32(v64)
	if !ok {
		return convErr(val)
	}
	// The kernel treats no permission bits as all of them.
	if v == 0 {
		v = 0xf
	}
	var parts []string
	for _, p := range [...]flag{{4, "read"}, {2, "write"}, {1, "exec"}, {8, "attr"}} {
		if uint64(v)&p.bit != 0 {
			parts = append(parts, p.name)
		}
	}
	return strings.Join(parts, ",")
}

func printMode(val string, base uint64) string {
	v64, ok := strtoul(val, base)
	if !ok {
		return convErr(val)
	}
	v := uint32(v64)
	var b strings.Builder
	if n := abi.FiletypeName(v & 0o170000); n != "" {
		b.WriteString(n)
	} else {
		b.WriteString(octal3((v & 0o170000) / 0o10000))
	}
	if v&0o4000 != 0 {
		b.WriteString(",suid")
	}
	if v&0o2000 != 0 {
		b.WriteString(",sgid")
	}
	if v&0o1000 != 0 {
		b.WriteString(",sticky")
	}
	b.WriteByte(',')
	b.WriteString(octal3(v & 0o777))
	return b.String()
}

// octal3 is printf's %03o.
func octal3(v uint32) string {
	s := strconv.FormatUint(uint64(v), 8)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

func modeShort(v uint32) string {
	var parts []string
	if v&0o4000 != 0 {
		parts = append(parts, "suid")
	}
	if v&0o2000 != 0 {
		parts = append(parts, "sgid")
	}
	if v&0o1000 != 0 {
		parts = append(parts, "sticky")
	}
	parts = append(parts, "0"+octal3(v&0o777))
	return strings.Join(parts, ",")
}

func printModeShort(val string, base uint64) string {
	v, ok := strtoul(val, base)
	if !ok {
		return convErr(val)
	}
	return modeShort(uint32(v))
}

func printPathFlags(val string) string {
	v, ok := strtoul(val, 16)
	if !ok {
		return convErr(val)
	}
	f := uint64(int32(v))
	if f == 0 {
		return "none"
	}
	var parts []string
	for _, fl := range pathFlags {
		if f&fl.bit != 0 {
			parts = append(parts, fl.name)
		}
	}
	if len(parts) == 0 {
		return "0x" + val
	}
	return strings.Join(parts, ",")
}

func printCapability(val string, base uint64) string {
	v, ok := strtol32(val, base)
	if !ok {
		return convErr(val)
	}
	if v >= 0 && int(v) < len(capNames) {
		return capNames[v]
	}
	if base == 16 {
		return "unknown-capability(0x" + val + ")"
	}
	return "unknown-capability(" + val + ")"
}

func printCapBitmap(val string) string {
	v, ok := strtoul(val, 16)
	if !ok {
		return convErr(val)
	}
	var b []byte
	for i := 0; i <= capLastCap; i++ {
		if v&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, ',')
			}
			b = append(b, capNames[i]...)
		}
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}

func printSuccess(val string) string {
	if len(val) == 0 || val[0] < '0' || val[0] > '9' {
		return val
	}
	v, ok := strtol32(val, 10)
	if !ok {
		return convErr(val)
	}
	switch v {
	case 0:
		return "no"
	case 1:
		return "yes"
	}
	return "unset"
}

func printSignal(val string, base uint64) string {
	v, ok := strtol32(val, base)
	if !ok {
		return convErr(val)
	}
	if v >= 0 && v < 32 {
		return signalNames[v]
	}
	if base == 16 {
		return "unknown-signal(0x" + val + ")"
	}
	return "unknown-signal(" + val + ")"
}

func printPersonality(val string) string {
	v, ok := strtol32(val, 16)
	if !ok {
		return convErr(val)
	}
	if n, found := personalityNames[uint32(v&0xff)]; found {
		if v&0x0040000 != 0 { // ADDR_NO_RANDOMIZE
			return n + "|~ADDR_NO_RANDOMIZE"
		}
		return n
	}
	return "unknown-personality(0x" + val + ")"
}

func printOpenFlags(val string) string { return printModeFlags(val, 3, "O_RDONLY", openFlags) }

func printMmap(val string) string { return printModeFlags(val, 0xf, "MAP_FILE", mmapFlags) }

// printModeFlags names a flag word whose mode field (the bits in mask) has
// a name for zero that no bit can show: O_RDONLY, MAP_FILE.
func printModeFlags(val string, mask uint64, zero string, table []flag) string {
	v, ok := strtoul(val, 16)
	if !ok {
		return convErr(val)
	}
	f := uint64(uint32(v))
	var b []byte
	if f&mask == 0 {
		b = append(b, zero...)
	}
	b = appendFlags(b, f, table)
	if len(b) == 0 {
		return "0x" + val
	}
	return string(b)
}

func printIoctl(val string) string {
	v, ok := strtoul(val, 16)
	if !ok {
		return convErr(val)
	}
	if n, found := ioctlNames[uint32(v)]; found {
		return n
	}
	return "0x" + strconv.FormatUint(uint64(uint32(v)), 16)
}

// printProctitle decodes a hex proctitle and shows its NUL-separated argv
// with spaces (a trailing NUL becomes a trailing space, as in ausearch).
func printProctitle(val string) string {
	if strings.HasPrefix(val, `"`) {
		return printEscaped(val)
	}
	src := val
	if len(val) >= 2 && val[0] == '0' && val[1] == '0' {
		src = val[2:]
	}
	b, _, ok := unescapeBuf(src)
	if !ok {
		return val
	}
	// NULs before half the value's length are argument separators; the
	// string then runs to the next NUL, which after a leading "00" lies
	// in the leftover hex text, as ausearch prints it.
	end := len(val) / 2
	for i := 0; i < end && i < len(b); i++ {
		if b[i] == 0 {
			b[i] = ' '
		}
	}
	return cstr(b)
}
