package interpret

import (
	"strconv"
	"strings"

	"github.com/contaudit/contaudit/internal/abi"
)

// Syscall arguments a0..a3 are hex; which ones ausearch names depends on the
// syscall. The choices follow auparse 3.0.9's print_a0..print_a3, quirks
// included (lchown's gid stays hex there, so it does here).

func hexArg(val string) string { return "0x" + val }

func printA0(ctx *Context, val string) string {
	sys := ctx.syscallName()
	switch {
	case sys == "":
	case sys == "rt_sigaction":
		return printSignal(val, 16)
	case strings.HasPrefix(sys, "renameat"), sys == "readlinkat", sys == "mkdirat",
		sys == "mknodat", sys == "fchownat", sys == "futimesat", sys == "fchmodat",
		strings.HasPrefix(sys, "faccessat"), sys == "futimensat", sys == "unlinkat",
		sys == "utimensat", sys == "linkat", sys == "newfstatat",
		strings.HasPrefix(sys, "openat"), sys == "name_to_handle_at":
		return printDirfd(val)
	case sys == "clock_settime":
		v, ok := strtol32(val, 16)
		if !ok {
			return convErr(val)
		}
		if v >= 0 && int(v) < len(clockNames) {
			return clockNames[v]
		}
		return "unknown-clk_id(0x" + val + ")"
	case sys == "personality":
		return printPersonality(val)
	case sys == "ptrace":
		return lookupOr(val, 16, ptraceNames, "unknown-ptrace(0x"+val+")")
	case sys == "prctl":
		return lookupOr(val, 16, prctlNames, "unknown-prctl-option(0x"+val+")")
	case sys == "unshare":
		return printCloneFlags(val)
	case sys == "getrlimit", sys == "setrlimit":
		v, ok := strtol32(val, 16)
		if !ok {
			return convErr(val)
		}
		if v >= 0 && int(v) < len(rlimitNames) {
			return rlimitNames[v]
		}
		return "unknown-rlimit(0x" + val + ")"
	case sys == "setuid", sys == "setreuid", sys == "setresuid", sys == "setfsuid":
		return printUID(ctx, val, 16)
	case sys == "setgid", sys == "setregid", sys == "setresgid", sys == "setfsgid":
		return printGID(ctx, val, 16)
	case sys == "socket":
		return lookupOr(val, 16, familyNames, "unknown-family(0x"+val+")")
	case sys == "socketcall", sys == "ipccall":
		// Read with strtol, so a negative 64-bit value overflows.
		v, ok := strtol(val, 16)
		if !ok {
			return convErr(val)
		}
		if sys == "socketcall" {
			return lookupOr(strconv.FormatInt(int64(int32(v)), 10), 10, socketcallNames, "unknown-socketcall("+val+")")
		}
		return lookupOr(strconv.FormatInt(int64(int32(v)), 10), 10, ipcCallNames, "unknown-ipccall("+val+")")
	case strings.HasPrefix(sys, "exit"):
		switch val {
		case "0":
			return "EXIT_SUCCESS"
		case "1":
			return "EXIT_FAILURE"
		}
		return "UNKNOWN"
	case sys == "bpf":
		v, ok := strtoul(val, 16)
		if !ok {
			return convErr(val)
		}
		if v < uint64(len(bpfNames)) {
			return bpfNames[v]
		}
		return "unknown-bpf-cmd(" + val + ")"
	}
	return hexArg(val)
}

func printA1(ctx *Context, val string) string {
	sys := ctx.syscallName()
	switch {
	case sys == "":
	case sys == "fchmod", sys == "chmod", sys == "creat", sys == "mkdir":
		return printModeShort(val, 16)
	case strings.HasPrefix(sys, "fcntl"):
		v, ok := strtol32(val, 16)
		if !ok {
			return convErr(val)
		}
		if n, found := fcntlNames[uint32(v)]; found && v >= 0 {
			return n
		}
		return "unknown-fcntl-command(" + strconv.Itoa(int(v)) + ")"
	case sys[0] == 'c' && strings.Contains(sys, "chown"):
		return printUID(ctx, val, 16)
	case sys == "getsockopt", sys == "setsockopt":
		return printSockOptLevel(val)
	case sys == "setreuid", sys == "setresuid":
		return printUID(ctx, val, 16)
	case sys == "setregid", sys == "setresgid":
		return printGID(ctx, val, 16)
	case sys == "socket":
		return lookupMasked(val, 16, 0xff, sockTypeNames, "unknown-type("+val+")")
	case sys == "setns":
		return printCloneFlags(val)
	case sys == "sched_setscheduler":
		v, ok := strtoul(val, 16)
		if !ok {
			return convErr(val)
		}
		pol := uint32(v)
		if n, found := schedNames[pol&0xf]; found {
			if pol&0x40000000 != 0 {
				return n + "|SCHED_RESET_ON_FORK"
			}
			return n
		}
		return "unknown-scheduler-policy(0x" + val + ")"
	case sys == "mknod":
		return printMode(val, 16)
	case sys == "mq_open", sys == "open":
		return printOpenFlags(val)
	case sys == "access":
		return printAccess(val)
	case sys == "epoll_ctl":
		v, ok := strtol32(val, 16)
		if !ok {
			return convErr(val)
		}
		if n, found := epollCtlNames[uint32(v)]; found && v >= 0 {
			return n
		}
		return "unknown-epoll_ctl-operation(" + strconv.Itoa(int(v)) + ")"
	case sys == "kill", sys == "tkill":
		return printSignal(val, 16)
	case sys == "prctl":
		switch ctx.A0 {
		case 23, 24: // PR_CAPBSET_READ, PR_CAPBSET_DROP
			return printCapability(val, 16)
		case 1: // PR_SET_PDEATHSIG
			return printSignal(val, 16)
		}
	case sys == "umount2":
		v, ok := strtoul(val, 16)
		if !ok {
			return convErr(val)
		}
		return joinFlags(uint64(uint32(v)), umountFlags, hexArg(val))
	case sys == "ioctl":
		return printIoctl(val)
	}
	return hexArg(val)
}

func printA2(ctx *Context, val string) string {
	sys := ctx.syscallName()
	switch {
	case sys == "":
	case strings.HasPrefix(sys, "fcntl"):
		v, ok := strtol32(val, 16)
		if !ok {
			return convErr(val)
		}
		switch ctx.A1 {
		case 8: // F_SETOWN
			return printUID(ctx, val, 16)
		case 2: // F_SETFD
			if v == 1 {
				return "FD_CLOEXEC"
			}
		}
	case sys == "getsockopt", sys == "setsockopt":
		switch ctx.A1 {
		case 0: // IPPROTO_IP
			return lookupOr(val, 16, ipOptNames, "unknown-ipopt-name(0x"+val+")")
		case 1: // SOL_SOCKET
			return printSockOptName(ctx, val)
		case 6: // IPPROTO_TCP
			return lookupOr(val, 16, tcpOptNames, "unknown-tcpopt-name(0x"+val+")")
		case 17: // IPPROTO_UDP
			v, ok := strtol32(val, 16)
			if !ok {
				return convErr(val)
			}
			switch v {
			case 1:
				return "UDP_CORK"
			case 100:
				return "UDP_ENCAP"
			}
			return "unknown-udpopt-name(0x" + val + ")"
		case 41: // IPPROTO_IPV6
			return lookupOr(val, 16, ip6OptNames, "unknown-ip6opt-name(0x"+val+")")
		case 263: // SOL_PACKET
			return lookupOr(val, 16, pktOptNames, "unknown-pktopt-name(0x"+val+")")
		}
	case sys == "openat", sys == "open_by_handle_at":
		return printOpenFlags(val)
	case sys == "open", sys == "mq_open":
		if ctx.A1&0o100 != 0 { // O_CREAT
			return printModeShort(val, 16)
		}
	case sys == "fchmodat", sys == "mkdirat", sys == "mknodat":
		return printModeShort(val, 16)
	case strings.HasPrefix(sys, "faccessat"):
		return printAccess(val)
	case sys == "setresuid":
		return printUID(ctx, val, 16)
	case sys == "setresgid":
		return printGID(ctx, val, 16)
	case sys == "socket":
		v, ok := strtoul(val, 16)
		if !ok {
			return convErr(val)
		}
		if n, found := protocolName(int32(v)); found {
			return n
		}
		return "unknown-proto(" + val + ")"
	case sys == "sendmsg", sys == "recvmsg":
		return printMsgFlags(val)
	case sys == "shmget":
		return printShmFlags(val)
	case sys == "mmap":
		return printProt(val, true)
	case sys == "mprotect":
		return printProt(val, false)
	case sys == "readlinkat", strings.HasPrefix(sys, "renameat"), sys == "linkat":
		return printDirfd(val)
	case sys == "lseek":
		return lookupMasked(val, 16, 0xff, seekNames, "unknown-whence("+val+")")
	case sys == "clone", sys == "clone2":
		return printCloneFlags(val)
	case sys == "tgkill":
		return printSignal(val, 16)
	}
	return hexArg(val)
}

func printA3(ctx *Context, val string) string {
	switch ctx.syscallName() {
	case "mmap":
		return printMmap(val)
	case "mount":
		v, ok := strtoul(val, 16)
		if !ok {
			return convErr(val)
		}
		return joinFlags(uint64(uint32(v)), mountFlags, hexArg(val))
	case "recv", "recvfrom", "recvmmsg", "send", "sendto", "sendmmsg":
		return printMsgFlags(val)
	}
	return hexArg(val)
}

func printDirfd(val string) string {
	v, ok := strtoul(val, 16)
	if !ok {
		return convErr(val)
	}
	if uint32(v) == 0xffffff9c {
		return "AT_FDCWD"
	}
	return hexArg(val)
}

func printCloneFlags(val string) string {
	v, ok := strtoul(val, 16)
	if !ok {
		return convErr(val)
	}
	f := uint32(v)
	s := joinFlags(uint64(f), cloneFlags, "")
	if sig := f & 0xff; sig != 0 && sig < 32 {
		if s != "" {
			s += "|"
		}
		s += signalNames[sig]
	}
	if s == "" {
		return "0x" + strconv.FormatUint(uint64(f), 16)
	}
	return s
}

func printAccess(val string) string {
	v, ok := strtoul(val, 16)
	if !ok {
		return convErr(val)
	}
	if v&0xf == 0 {
		return "F_OK"
	}
	return joinFlags(v, accessFlags, hexArg(val))
}

func printMsgFlags(val string) string {
	v, ok := strtoul(val, 16)
	if !ok {
		return convErr(val)
	}
	return joinFlags(uint64(uint32(v)), msgFlags, hexArg(val))
}

func printProt(val string, isMmap bool) string {
	v, ok := strtoul(val, 16)
	if !ok {
		return convErr(val)
	}
	p := uint64(uint32(v))
	if p&7 == 0 {
		return "PROT_NONE"
	}
	table := protFlags[:3]
	if isMmap {
		table = protFlags
	}
	return joinFlags(p, table, hexArg(val))
}

func printShmFlags(val string) string {
	v, ok := strtoul(val, 16)
	if !ok {
		return convErr(val)
	}
	f := uint32(v)
	var parts []string
	if s := joinFlags(uint64(f&0o3000), ipcCmdFlags, ""); s != "" {
		parts = append(parts, s)
	}
	if s := joinFlags(uint64(f&0o14000), shmModeFlags, ""); s != "" {
		parts = append(parts, s)
	}
	parts = append(parts, modeShort(f&0o777))
	return strings.Join(parts, "|")
}

func printSockOptLevel(val string) string {
	v, ok := strtol32(val, 16)
	if !ok {
		return convErr(val)
	}
	if v == 1 {
		return "SOL_SOCKET"
	}
	if n, found := protocolName(v); found {
		return n
	}
	if n, found := sockLevelNames[uint32(v)]; found && v >= 0 {
		return n
	}
	return "unknown-sockopt-level(0x" + val + ")"
}

func printSockOptName(ctx *Context, val string) string {
	v, ok := strtol32(val, 16)
	if !ok {
		return convErr(val)
	}
	if a := ctx.arch(); (a == abi.AUDIT_ARCH_PPC64 || a == abi.AUDIT_ARCH_PPC) && v >= 16 && v <= 21 {
		v += 100
	}
	if n, found := sockOptNames[uint32(v)]; found && v >= 0 {
		return n
	}
	return "unknown-sockopt-name(0x" + val + ")"
}
