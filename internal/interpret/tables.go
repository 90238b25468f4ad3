package interpret

// Name tables, spelled as auparse 3.0.9 spells them (which is not always the
// kernel's spelling: signal 30 is "IGPWR" there, and ausearch users grep for
// what ausearch prints). Values are the kernel's, from the uapi headers.

// flag is one bit (or bit group) of a flag word and its name.
type flag struct {
	bit  uint64
	name string
}

var capNames = [...]string{
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
	"setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
	"net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
	"sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
	"sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
	"setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
}

// capLastCap is CAP_LAST_CAP of the headers ausearch 3.0.9 was built with
// (Linux 6.1): bitmap bits above it are not printed.
const capLastCap = 40

var signalNames = [...]string{
	"SIG0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
	"SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE",
	"SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
	"SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ",
	"SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "IGPWR", "SIGSYS",
}

var cloneFlags = []flag{
	{0x00000100, "CLONE_VM"}, {0x00000200, "CLONE_FS"}, {0x00000400, "CLONE_FILES"},
	{0x00000800, "CLONE_SIGHAND"}, {0x00002000, "CLONE_PTRACE"}, {0x00004000, "CLONE_VFORK"},
	{0x00008000, "CLONE_PARENT"}, {0x00010000, "CLONE_THREAD"}, {0x00020000, "CLONE_NEWNS"},
	{0x00040000, "CLONE_SYSVSEM"}, {0x00080000, "CLONE_SETTLS"}, {0x00100000, "CLONE_PARENT_SETTID"},
	{0x00200000, "CLONE_CHILD_CLEARTID"}, {0x00400000, "CLONE_DETACHED"}, {0x00800000, "CLONE_UNTRACED"},
	{0x01000000, "CLONE_CHILD_SETTID"}, {0x02000000, "CLONE_STOPPED"}, {0x04000000, "CLONE_NEWUTS"},
	{0x08000000, "CLONE_NEWIPC"}, {0x10000000, "CLONE_NEWUSER"}, {0x20000000, "CLONE_NEWPID"},
	{0x40000000, "CLONE_NEWNET"}, {0x80000000, "CLONE_IO"},
	// 0x100000000 (CLONE_CLEAR_SIGHAND) cannot show: auparse reads the
	// argument into 32 bits.
}

var openFlags = []flag{
	{01, "O_WRONLY"}, {02, "O_RDWR"}, {0100, "O_CREAT"}, {0200, "O_EXCL"},
	{0400, "O_NOCTTY"}, {01000, "O_TRUNC"}, {02000, "O_APPEND"}, {04000, "O_NONBLOCK"},
	{010000, "O_DSYNC"}, {020000, "O_ASYNC"}, {040000, "O_DIRECT"}, {0200000, "O_DIRECTORY"},
	{0400000, "O_NOFOLLOW"}, {01000000, "O_NOATIME"}, {02000000, "O_CLOEXEC"},
	{04000000, "__O_SYNC"}, {010000000, "O_PATH"}, {020000000, "__O_TMPFILE"},
}

var mmapFlags = []flag{
	{0x0000001, "MAP_SHARED"}, {0x0000002, "MAP_PRIVATE"}, {0x0000010, "MAP_FIXED"},
	{0x0000020, "MAP_ANONYMOUS"}, {0x0000040, "MAP_32BIT"}, {0x0000100, "MAP_GROWSDOWN"},
	{0x0000800, "MAP_DENYWRITE"}, {0x0001000, "MAP_EXECUTABLE"}, {0x0002000, "MAP_LOCKED"},
	{0x0004000, "MAP_NORESERVE"}, {0x0008000, "MAP_POPULATE"}, {0x0010000, "MAP_NONBLOCK"},
	{0x0020000, "MAP_STACK"}, {0x0040000, "MAP_HUGETLB"}, {0x0080000, "MAP_SYNC"},
	{0x0100000, "MAP_FIXED_NOREPLACE"}, {0x4000000, "MAP_UNINITIALIZED"},
}

var protFlags = []flag{{1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"}, {8, "PROT_SEM"}}

var mountFlags = []flag{
	{1 << 0, "MS_RDONLY"}, {1 << 1, "MS_NOSUID"}, {1 << 2, "MS_NODEV"}, {1 << 3, "MS_NOEXEC"},
	{1 << 4, "MS_SYNCHRONOUS"}, {1 << 5, "MS_REMOUNT"}, {1 << 6, "MS_MANDLOCK"}, {1 << 7, "MS_DIRSYNC"},
	{1 << 10, "MS_NOATIME"}, {1 << 11, "MS_NODIRATIME"}, {1 << 12, "MS_BIND"}, {1 << 13, "MS_MOVE"},
	{1 << 14, "MS_REC"}, {1 << 15, "MS_SILENT"}, {1 << 16, "MS_POSIXACL"}, {1 << 17, "MS_UNBINDABLE"},
	{1 << 18, "MS_PRIVATE"}, {1 << 19, "MS_SLAVE"}, {1 << 20, "MS_SHARED"}, {1 << 21, "MS_RELATIME"},
	{1 << 22, "MS_KERNMOUNT"}, {1 << 23, "MS_I_VERSION"}, {1 << 24, "MS_STRICTATIME"},
	{1 << 25, "MS_LAZYTIME"}, {1 << 26, "MS_SUBMOUNT"}, {1 << 27, "MS_SNAP_STABLE"},
	{1 << 28, "MS_NOSEC"}, {1 << 29, "MS_BORN"}, {1 << 30, "MS_ACTIVE"}, {1 << 31, "MS_NOUSER"},
}

var umountFlags = []flag{
	{0x1, "MNT_FORCE"}, {0x2, "MNT_DETACH"}, {0x4, "MNT_EXPIRE"}, {0x8, "UMOUNT_NOFOLLOW"},
	{0x80000000, "UMOUNT_UNUSED"},
}

var msgFlags = []flag{
	{0x1, "MSG_OOB"}, {0x2, "MSG_PEEK"}, {0x4, "MSG_DONTROUTE"}, {0x8, "MSG_CTRUNC"},
	{0x10, "MSG_PROXY"}, {0x20, "MSG_TRUNC"}, {0x40, "MSG_DONTWAIT"}, {0x80, "MSG_EOR"},
	{0x100, "MSG_WAITALL"}, {0x200, "MSG_FIN"}, {0x400, "MSG_SYN"}, {0x800, "MSG_CONFIRM"},
	{0x1000, "MSG_RST"}, {0x2000, "MSG_ERRQUEUE"}, {0x4000, "MSG_NOSIGNAL"}, {0x8000, "MSG_MORE"},
	{0x10000, "MSG_WAITFORONE"}, {0x20000, "MSG_SENDPAGE_NOTLAST"}, {0x40000, "MSG_BATCH"},
	{0x20000000, "MSG_FASTOPEN"}, {0x40000000, "MSG_CMSG_CLOEXEC"}, {0x80000000, "MSG_CMSG_COMPAT"},
}

var accessFlags = []flag{{1, "X_OK"}, {2, "W_OK"}, {4, "R_OK"}}

var ipcCmdFlags = []flag{{01000, "IPC_CREAT"}, {02000, "IPC_EXCL"}, {04000, "IPC_NOWAIT"}}

var shmModeFlags = []flag{{01000, "SHM_DEST"}, {02000, "SHM_LOCKED"}, {04000, "SHM_HUGETLB"}, {010000, "SHM_NORESERVE"}}

var openat2ResolveFlags = []flag{
	{0x01, "RESOLVE_NO_XDEV"}, {0x02, "RESOLVE_NO_MAGICLINKS"}, {0x04, "RESOLVE_NO_SYMLINKS"},
	{0x08, "RESOLVE_BENEATH"}, {0x10, "RESOLVE_IN_ROOT"}, {0x20, "RESOLVE_CACHED"},
}

// pathFlags are the RHEL4-era PATH flags= bits.
var pathFlags = []flag{
	{0x0001, "follow"}, {0x0002, "directory"}, {0x0004, "continue"}, {0x0010, "parent"},
	{0x0020, "noalt"}, {0x0040, "atomic"}, {0x0100, "open"}, {0x0200, "create"}, {0x0400, "access"},
}

var familyNames = map[uint32]string{
	1: "local", 2: "inet", 3: "ax25", 4: "ipx", 5: "appletalk", 6: "netrom", 7: "bridge",
	8: "atmpvc", 9: "x25", 10: "inet6", 11: "rose", 12: "decnet", 13: "netbeui", 14: "security",
	15: "key", 16: "netlink", 17: "packet", 18: "ash", 19: "econet", 20: "atmsvc", 21: "rds",
	22: "sna", 23: "irda", 24: "pppox", 25: "wanpipe", 26: "llc", 29: "can", 30: "tipc",
	31: "bluetooth", 32: "iucv", 33: "rxrpc", 34: "isdn", 35: "phonet", 36: "ieee802154",
	37: "caif", 38: "alg", 39: "nfc", 40: "vsock", 41: "kcm", 42: "qipcrtr", 43: "smc", 44: "xdp",
}

var sockTypeNames = map[uint32]string{
	1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM", 5: "SOCK_SEQPACKET",
	6: "SOCK_DCCP", 10: "SOCK_PACKET",
}

var socketcallNames = map[uint32]string{
	1: "socket", 2: "bind", 3: "connect", 4: "listen", 5: "accept", 6: "getsockname",
	7: "getpeername", 8: "socketpair", 9: "send", 10: "recv", 11: "sendto", 12: "recvfrom",
	13: "shutdown", 14: "setsockopt", 15: "getsockopt", 16: "sendmsg", 17: "recvmsg",
	18: "accept4", 19: "recvmmsg", 20: "sendmmsg",
}

var ipcCallNames = map[uint32]string{
	1: "semop", 2: "semget", 3: "semctl", 4: "semtimedop", 11: "msgsnd", 12: "msgrcv",
	13: "msgget", 14: "msgctl", 21: "shmat", 22: "shmdt", 23: "shmget", 24: "shmctl",
}

var fcntlNames = map[uint32]string{
	0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL", 5: "F_GETLK",
	6: "F_SETLK", 7: "F_SETLKW", 8: "F_SETOWN", 9: "F_GETOWN", 10: "F_SETSIG", 11: "F_GETSIG",
	12: "F_GETLK64", 13: "F_SETLK64", 14: "F_SETLKW64", 15: "F_SETOWN_EX", 16: "F_GETOWN_EX",
	17: "F_GETOWNER_UIDS", 1024: "F_SETLEASE", 1025: "F_GETLEASE", 1026: "F_NOTIFY",
	1029: "F_CANCELLK", 1030: "F_DUPFD_CLOEXEC", 1031: "F_SETPIPE_SZ", 1032: "F_GETPIPE_SZ",
	1033: "F_ADD_SEALS", 1034: "F_GET_SEALS", 1035: "F_GET_RW_HINT", 1036: "F_SET_RW_HINT",
	1037: "F_GET_FILE_RW_HINT", 1038: "F_SET_FILE_RW_HINT",
}

var epollCtlNames = map[uint32]string{1: "EPOLL_CTL_ADD", 2: "EPOLL_CTL_DEL", 3: "EPOLL_CTL_MOD"}

var clockNames = [...]string{
	"CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID",
	"CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE", "CLOCK_MONOTONIC_COARSE",
}

var personalityNames = map[uint32]string{
	0x0000: "PER_LINUX", 0x0000 | 0x0800000: "PER_LINUX_32BIT",
	0x0001 | 0x4000000 | 0x0100000: "PER_SVR4", 0x0002 | 0x4000000 | 0x1000000: "PER_SVR3",
	0x0003 | 0x4000000 | 0x2000000 | 0x1000000: "PER_SCOSVR3", 0x0003 | 0x4000000 | 0x2000000: "PER_OSR5",
	0x0004 | 0x4000000 | 0x1000000: "PER_WYSEV386", 0x0005 | 0x4000000: "PER_ISCR4",
	0x0006: "PER_BSD", 0x0006 | 0x4000000: "PER_SUNOS", 0x0007 | 0x4000000 | 0x1000000: "PER_XENIX",
	0x0008: "PER_LINUX32", 0x0008 | 0x8000000: "PER_LINUX32_3GB", 0x0009 | 0x4000000: "PER_IRIX32",
	0x000a | 0x4000000: "PER_IRIXN32", 0x000b | 0x4000000: "PER_IRIX64", 0x000c: "PER_RISCOS",
	0x000d | 0x4000000: "PER_SOLARIS", 0x000e | 0x4000000 | 0x0100000: "PER_UW7",
	0x000f: "PER_OSF4", 0x0010: "PER_HPUX",
}

var ptraceNames = map[uint32]string{
	0: "PTRACE_TRACEME", 1: "PTRACE_PEEKTEXT", 2: "PTRACE_PEEKDATA", 3: "PTRACE_PEEKUSER",
	4: "PTRACE_POKETEXT", 5: "PTRACE_POKEDATA", 6: "PTRACE_POKEUSER", 7: "PTRACE_CONT",
	8: "PTRACE_KILL", 9: "PTRACE_SINGLESTEP", 12: "PTRACE_GETREGS", 13: "PTRACE_SETREGS",
	14: "PTRACE_GETFPREGS", 15: "PTRACE_SETFPREGS", 16: "PTRACE_ATTACH", 17: "PTRACE_DETACH",
	18: "PTRACE_GETFPXREGS", 19: "PTRACE_SETFPXREGS", 24: "PTRACE_SYSCALL",
	25: "PTRACE_GET_THREAD_AREA", 26: "PTRACE_SET_THREAD_AREA", 30: "PTRACE_ARCH_PRCTL",
	31: "PTRACE_SYSEMU", 32: "PTRACE_SYSEMU_SINGLESTEP", 33: "PTRACE_SINGLEBLOCK",
	0x4200: "PTRACE_SETOPTIONS", 0x4201: "PTRACE_GETEVENTMSG", 0x4202: "PTRACE_GETSIGINFO",
	0x4203: "PTRACE_SETSIGINFO", 0x4204: "PTRACE_GETREGSET", 0x4205: "PTRACE_SETREGSET",
	0x4206: "PTRACE_SEIZE", 0x4207: "PTRACE_INTERRUPT", 0x4208: "PTRACE_LISTEN",
	0x4209: "PTRACE_PEEKSIGINFO", 0x420a: "PTRACE_GETSIGMASK", 0x420b: "PTRACE_SETSIGMASK",
	0x420c: "PTRACE_SECCOMP_GET_FILTER", 0x420d: "PTRACE_SECCOMP_GET_METADATA",
	0x420e: "PTRACE_GET_SYSCALL_INFO",
}

var prctlNames = map[uint32]string{
	1: "PR_SET_PDEATHSIG", 2: "PR_GET_PDEATHSIG", 3: "PR_GET_DUMPABLE", 4: "PR_SET_DUMPABLE",
	5: "PR_GET_UNALIGN", 6: "PR_SET_UNALIGN", 7: "PR_GET_KEEPCAPS", 8: "PR_SET_KEEPCAPS",
	9: "PR_GET_FPEMU", 10: "PR_SET_FPEMU", 11: "PR_GET_FPEXC", 12: "PR_SET_FPEXC",
	13: "PR_GET_TIMING", 14: "PR_SET_TIMING", 15: "PR_SET_NAME", 16: "PR_GET_NAME",
	19: "PR_GET_ENDIAN", 20: "PR_SET_ENDIAN", 21: "PR_GET_SECCOMP", 22: "PR_SET_SECCOMP",
	23: "PR_CAPBSET_READ", 24: "PR_CAPBSET_DROP", 25: "PR_GET_TSC", 26: "PR_SET_TSC",
	27: "PR_GET_SECUREBITS", 28: "PR_SET_SECUREBITS", 29: "PR_SET_TIMERSLACK",
	30: "PR_GET_TIMERSLACK", 31: "PR_TASK_PERF_EVENTS_DISABLE", 32: "PR_TASK_PERF_EVENTS_ENABLE",
	33: "PR_MCE_KILL", 34: "PR_MCE_KILL_GET", 35: "PR_SET_MM", 36: "PR_SET_CHILD_SUBREAPER",
	37: "PR_GET_CHILD_SUBREAPER", 38: "PR_SET_NO_NEW_PRIVS", 39: "PR_GET_NO_NEW_PRIVS",
	40: "PR_GET_TID_ADDRESS", 41: "PR_SET_THP_DISABLE", 42: "PR_GET_THP_DISABLE",
	43: "PR_MPX_ENABLE_MANAGEMENT", 44: "PR_MPX_DISABLE_MANAGEMENT", 45: "PR_SET_FP_MODE",
	46: "PR_GET_FP_MODE", 47: "PR_CAP_AMBIENT", 50: "PR_SVE_SET_VL", 51: "PR_SVE_GET_VL",
	52: "PR_GET_SPECULATION_CTRL", 53: "PR_SET_SPECULATION_CTRL", 54: "PR_PAC_RESET_KEYS",
	55: "PR_SET_TAGGED_ADDR_CTRL", 56: "PR_GET_TAGGED_ADDR_CTRL",
}

var rlimitNames = [...]string{
	"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
	"RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
	"RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
}

var schedNames = map[uint32]string{
	0: "SCHED_OTHER", 1: "SCHED_FIFO", 2: "SCHED_RR", 3: "SCHED_BATCH", 5: "SCHED_IDLE", 6: "SCHED_DEADLINE",
}

var seekNames = map[uint32]string{0: "SEEK_SET", 1: "SEEK_CUR", 2: "SEEK_END", 3: "SEEK_DATA", 4: "SEEK_HOLE"}

var sockLevelNames = map[uint32]string{
	0: "SOL_IP", 6: "SOL_TCP", 17: "SOL_UDP", 41: "SOL_IPV6", 58: "SOL_ICMPV6", 132: "SOL_SCTP",
	136: "SOL_UDPLITE", 255: "SOL_RAW", 256: "SOL_IPX", 257: "SOL_AX25", 258: "SOL_ATALK",
	259: "SOL_NETROM", 260: "SOL_ROSE", 261: "SOL_DECNET", 263: "SOL_PACKET", 264: "SOL_ATM",
	265: "SOL_AAL", 266: "SOL_IRDA", 267: "SOL_NETBEUI", 268: "SOL_LLC", 269: "SOL_DCCP",
	270: "SOL_NETLINK", 271: "SOL_TIPC", 272: "SOL_RXRPC", 273: "SOL_PPPOL2TP", 274: "SOL_BLUETOOTH",
	275: "SOL_PNPIPE", 276: "SOL_RDS", 277: "SOL_IUCV", 278: "SOL_CAIF", 279: "SOL_ALG",
	280: "SOL_NFC", 281: "SOL_KCM", 282: "SOL_TLS", 283: "SOL_XDP",
}

var sockOptNames = map[uint32]string{
	1: "SO_DEBUG", 2: "SO_REUSEADDR", 3: "SO_TYPE", 4: "SO_ERROR", 5: "SO_DONTROUTE",
	6: "SO_BROADCAST", 7: "SO_SNDBUF", 8: "SO_RCVBUF", 9: "SO_KEEPALIVE", 10: "SO_OOBINLINE",
	11: "SO_NO_CHECK", 12: "SO_PRIORITY", 13: "SO_LINGER", 14: "SO_BSDCOMPAT", 15: "SO_REUSEPORT",
	16: "SO_PASSCRED", 17: "SO_PEERCRED", 18: "SO_RCVLOWAT", 19: "SO_SNDLOWAT", 20: "SO_RCVTIMEO",
	21: "SO_SNDTIMEO", 22: "SO_SECURITY_AUTHENTICATION", 23: "SO_SECURITY_ENCRYPTION_TRANSPORT",
	24: "SO_SECURITY_ENCRYPTION_NETWORK", 25: "SO_BINDTODEVICE", 26: "SO_ATTACH_FILTER",
	27: "SO_DETACH_FILTER", 28: "SO_PEERNAME", 29: "SO_TIMESTAMP", 30: "SO_ACCEPTCONN",
	31: "SO_PEERSEC", 32: "SO_SNDBUFFORCE", 33: "SO_RCVBUFFORCE", 34: "SO_PASSSEC",
	35: "SO_TIMESTAMPNS", 36: "SO_MARK", 37: "SO_TIMESTAMPING", 38: "SO_PROTOCOL", 39: "SO_DOMAIN",
	40: "SO_RXQ_OVFL", 41: "SO_WIFI_STATUS", 42: "SO_PEEK_OFF", 43: "SO_NOFCS", 44: "SO_LOCK_FILTER",
	45: "SO_SELECT_ERR_QUEUE", 46: "SO_BUSY_POLL", 47: "SO_MAX_PACING_RATE", 48: "SO_BPF_EXTENSIONS",
	49: "SO_INCOMING_CPU", 50: "SO_ATTACH_BPF", 51: "SO_ATTACH_REUSEPORT_CBPF",
	52: "SO_ATTACH_REUSEPORT_EBPF", 53: "SO_CNX_ADVICE", 54: "SCM_TIMESTAMPING_OPT_STATS",
	55: "SO_MEMINFO", 56: "SO_INCOMING_NAPI_ID", 57: "SO_COOKIE", 58: "SCM_TIMESTAMPING_PKTINFO",
	59: "SO_PEERGROUPS", 60: "SO_ZEROCOPY", 61: "SO_TXTIME", 62: "SO_BINDTOIFINDEX",
	63: "SO_TIMESTAMP_NEW", 64: "SO_TIMESTAMPNS_NEW", 65: "SO_TIMESTAMPING_NEW",
	66: "SO_RCVTIMEO_NEW", 67: "SO_SNDTIMEO_NEW", 68: "SO_DETACH_REUSEPORT_BPF",
	// ppc numbers 16..21 differently; callers add 100 there.
	116: "SO_RCVLOWAT", 117: "SO_SNDLOWAT", 118: "SO_RCVTIMEO", 119: "SO_SNDTIMEO",
	120: "SO_PASSCRED", 121: "SO_PEERCRED",
}

var ipOptNames = map[uint32]string{
	1: "IP_TOS", 2: "IP_TTL", 3: "IP_HDRINCL", 4: "IP_OPTIONS", 5: "IP_ROUTER_ALERT",
	6: "IP_RECVOPTS", 7: "IP_RETOPTS", 8: "IP_PKTINFO", 9: "IP_PKTOPTIONS", 10: "IP_MTU_DISCOVER",
	11: "IP_RECVERR", 12: "IP_RECVTTL", 13: "IP_RECVTOS", 14: "IP_MTU", 15: "IP_FREEBIND",
	16: "IP_IPSEC_POLICY", 17: "IP_XFRM_POLICY", 18: "IP_PASSSEC", 19: "IP_TRANSPARENT",
	20: "IP_ORIGDSTADDR", 21: "IP_MINTTL", 22: "IP_NODEFRAG", 23: "IP_CHECKSUM",
	24: "IP_BIND_ADDRESS_NO_PORT", 25: "IP_RECVFRAGSIZE", 32: "IP_MULTICAST_IF",
	33: "IP_MULTICAST_TTL", 34: "IP_MULTICAST_LOOP", 35: "IP_ADD_MEMBERSHIP",
	36: "IP_DROP_MEMBERSHIP", 37: "IP_UNBLOCK_SOURCE", 38: "IP_BLOCK_SOURCE",
	39: "IP_ADD_SOURCE_MEMBERSHIP", 40: "IP_DROP_SOURCE_MEMBERSHIP", 41: "IP_MSFILTER",
	42: "MCAST_JOIN_GROUP", 43: "MCAST_BLOCK_SOURCE", 44: "MCAST_UNBLOCK_SOURCE",
	45: "MCAST_LEAVE_GROUP", 46: "MCAST_JOIN_SOURCE_GROUP", 47: "MCAST_LEAVE_SOURCE_GROUP",
	48: "MCAST_MSFILTER", 49: "IP_MULTICAST_ALL", 50: "IP_UNICAST_IF", 64: "IPT_SO_SET_REPLACE",
	65: "IPT_SO_SET_ADD_COUNTERS", 66: "IPT_SO_GET_REVISION_TARGET",
}

var ip6OptNames = map[uint32]string{
	1: "IPV6_ADDRFORM", 2: "IPV6_2292PKTINFO", 3: "IPV6_2292HOPOPTS", 4: "IPV6_2292DSTOPTS",
	5: "IPV6_2292RTHDR", 6: "IPV6_2292PKTOPTIONS", 7: "IPV6_CHECKSUM", 8: "IPV6_2292HOPLIMIT",
	9: "IPV6_NEXTHOP", 10: "IPV6_AUTHHDR", 11: "IPV6_FLOWINFO", 16: "IPV6_UNICAST_HOPS",
	17: "IPV6_MULTICAST_IF", 18: "IPV6_MULTICAST_HOPS", 19: "IPV6_MULTICAST_LOOP",
	20: "IPV6_ADD_MEMBERSHIP", 21: "IPV6_DROP_MEMBERSHIP", 22: "IPV6_ROUTER_ALERT",
	23: "IPV6_MTU_DISCOVER", 24: "IPV6_MTU", 25: "IPV6_RECVERR", 26: "IPV6_V6ONLY",
	27: "IPV6_JOIN_ANYCAST", 28: "IPV6_LEAVE_ANYCAST", 29: "IPV6_MULTICAST_ALL",
	30: "IPV6_ROUTER_ALERT_ISOLATE", 32: "IPV6_FLOWLABEL_MGR", 33: "IPV6_FLOWINFO_SEND",
	34: "IPV6_IPSEC_POLICY", 35: "IPV6_XFRM_POLICY", 36: "IPV6_HDRINCL", 42: "MCAST_JOIN_GROUP",
	43: "MCAST_BLOCK_SOURCE", 44: "MCAST_UNBLOCK_SOURCE", 45: "MCAST_LEAVE_GROUP",
	46: "MCAST_JOIN_SOURCE_GROUP", 47: "MCAST_LEAVE_SOURCE_GROUP", 48: "MCAST_MSFILTER",
	49: "IPV6_RECVPKTINFO", 50: "IPV6_PKTINFO", 51: "IPV6_RECVHOPLIMIT", 52: "IPV6_HOPLIMIT",
	53: "IPV6_RECVHOPOPTS", 54: "IPV6_HOPOPTS", 55: "IPV6_RTHDRDSTOPTS", 56: "IPV6_RECVRTHDR",
	57: "IPV6_RTHDR", 58: "IPV6_RECVDSTOPTS", 59: "IPV6_DSTOPTS", 60: "IPV6_RECVPATHMTU",
	61: "IPV6_PATHMTU", 62: "IPV6_DONTFRAG", 63: "IPV6_USE_MIN_MTU", 64: "IP6T_SO_SET_REPLACE",
	65: "IP6T_SO_SET_ADD_COUNTERS", 66: "IPV6_RECVTCLASS", 67: "IPV6_TCLASS",
	68: "IP6T_SO_GET_REVISION_MATCH", 69: "IP6T_SO_GET_REVISION_TARGET", 70: "IPV6_AUTOFLOWLABEL",
	72: "IPV6_ADDR_PREFERENCES", 73: "IPV6_MINHOPCOUNT", 74: "IPV6_ORIGDSTADDR",
	75: "IPV6_TRANSPARENT", 76: "IPV6_UNICAST_IF", 77: "IPV6_RECVFRAGSIZE", 78: "IPV6_FREEBIND",
	80: "IP6T_SO_ORIGINAL_DST",
}

var tcpOptNames = map[uint32]string{
	1: "TCP_NODELAY", 2: "TCP_MAXSEG", 3: "TCP_CORK", 4: "TCP_KEEPIDLE", 5: "TCP_KEEPINTVL",
	6: "TCP_KEEPCNT", 7: "TCP_SYNCNT", 8: "TCP_LINGER2", 9: "TCP_DEFER_ACCEPT",
	10: "TCP_WINDOW_CLAMP", 11: "TCP_INFO", 12: "TCP_QUICKACK", 13: "TCP_CONGESTION",
	14: "TCP_MD5SIG", 15: "TCP_COOKIE_TRANSACTIONS", 16: "TCP_THIN_LINEAR_TIMEOUTS",
	17: "TCP_THIN_DUPACK", 18: "TCP_USER_TIMEOUT", 19: "TCP_REPAIR", 20: "TCP_REPAIR_QUEUE",
	21: "TCP_QUEUE_SEQ", 22: "TCP_REPAIR_OPTIONS", 23: "TCP_FASTOPEN", 24: "TCP_TIMESTAMP",
	25: "TCP_NOTSENT_LOWAT", 26: "TCP_CC_INFO", 27: "TCP_SAVE_SYN", 28: "TCP_SAVED_SYN",
	29: "TCP_REPAIR_WINDOW", 30: "TCP_FASTOPEN_CONNECT", 31: "TCP_ULP", 32: "TCP_MD5SIG_EXT",
	33: "TCP_FASTOPEN_KEY", 34: "TCP_FASTOPEN_NO_COOKIE", 35: "TCP_ZEROCOPY_RECEIVE",
	36: "TCP_INQ", 37: "TCP_TX_DELAY",
}

var pktOptNames = map[uint32]string{
	1: "PACKET_ADD_MEMBERSHIP", 2: "PACKET_DROP_MEMBERSHIP", 3: "PACKET_RECV_OUTPUT",
	5: "PACKET_RX_RING", 6: "PACKET_STATISTICS", 7: "PACKET_COPY_THRESH", 8: "PACKET_AUXDATA",
	9: "PACKET_ORIGDEV", 10: "PACKET_VERSION", 11: "PACKET_HDRLEN", 12: "PACKET_RESERVE",
	13: "PACKET_TX_RING", 14: "PACKET_LOSS", 15: "PACKET_VNET_HDR", 16: "PACKET_TX_TIMESTAMP",
	17: "PACKET_TIMESTAMP", 18: "PACKET_FANOUT", 19: "PACKET_TX_HAS_OFF", 20: "PACKET_QDISC_BYPASS",
	21: "PACKET_ROLLOVER_STATS", 22: "PACKET_FANOUT_DATA", 23: "PACKET_IGNORE_OUTGOING",
}

var ioctlNames = map[uint32]string{
	0x4B3A: "KDSETMODE", 0x4B3B: "KDGETMODE", 0x5309: "CDROMEJECT", 0x530F: "CDROMEJECT_SW",
	0x5311: "CDROM_GET_UPC", 0x5316: "CDROMSEEK", 0x5401: "TCGETS", 0x5402: "TCSETS",
	0x5403: "TCSETSW", 0x5404: "TCSETSF", 0x5409: "TCSBRK", 0x540B: "TCFLSH", 0x540E: "TIOCSCTTY",
	0x540F: "TIOCGPGRP", 0x5410: "TIOCSPGRP", 0x5413: "TIOCGWINSZ", 0x5414: "TIOCSWINSZ",
	0x541B: "TIOCINQ", 0x5421: "FIONBIO", 0x5422: "TIOCNOTTY", 0x8901: "FIOSETOWN",
	0x8903: "FIOGETOWN", 0x8910: "SIOCGIFNAME", 0x8927: "SIOCGIFHWADDR", 0x8933: "SIOCGIFINDEX",
	0x89a2: "SIOCBRADDIF", 0x40045431: "TIOCSPTLCK", 0x80045430: "TIOCGPTN", 0x80045431: "TIOCSPTLCK",
	0xC01C64A3: "DRM_IOCTL_MODE_CURSOR", 0xC01864B0: "DRM_IOCTL_MODE_PAGE_FLIP",
	0xC01864B1: "DRM_IOCTL_MODE_DIRTYFB",
}

var bpfNames = [...]string{
	"BPF_MAP_CREATE", "BPF_MAP_LOOKUP_ELEM", "BPF_MAP_UPDATE_ELEM", "BPF_MAP_DELETE_ELEM",
	"BPF_MAP_GET_NEXT_KEY", "BPF_PROG_LOAD", "BPF_OBJ_PIN", "BPF_OBJ_GET", "BPF_PROG_ATTACH",
	"BPF_PROG_DETACH", "BPF_PROG_TEST_RUN", "BPF_PROG_GET_NEXT_ID", "BPF_MAP_GET_NEXT_ID",
	"BPF_PROG_GET_FD_BY_ID", "BPF_MAP_GET_FD_BY_ID", "BPF_OBJ_GET_INFO_BY_FD", "BPF_PROG_QUERY",
	"BPF_RAW_TRACEPOINT_OPEN", "BPF_BTF_LOAD", "BPF_BTF_GET_FD_BY_ID", "BPF_TASK_FD_QUERY",
	"BPF_MAP_LOOKUP_AND_DELETE_ELEM", "BPF_MAP_FREEZE", "BPF_BTF_GET_NEXT_ID",
}

var nfprotoNames = map[uint32]string{
	0: "unspecified", 1: "inet", 2: "ipv4", 3: "arp", 5: "netdev", 7: "bridge", 10: "ipv6", 12: "decnet",
}

var icmpTypeNames = map[uint32]string{
	0: "echo-reply", 3: "destination-unreachable", 4: "source-quench", 5: "redirect", 8: "echo",
	11: "time-exceeded", 12: "parameter-problem", 13: "timestamp-request", 14: "timestamp-reply",
	15: "info-request", 16: "info-reply", 17: "address-mask-request", 18: "address-mask-reply",
}

// seccompNames is keyed by code & SECCOMP_RET_ACTION (0x7fff0000), so
// kill-process (0x80000000) is unreachable and reads as "kill", as in auparse.
var seccompNames = map[uint32]string{
	0x00000000: "kill", 0x00030000: "trap", 0x00050000: "errno", 0x7fc00000: "user-notify",
	0x7ff00000: "trace", 0x7ffc0000: "log", 0x7fff0000: "allow",
}

var inetHookNames = [...]string{"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING", "BROUTING"}

var netActionNames = [...]string{"ACCEPT", "DROP", "REJECT"}

// listNames are the rule lists of CONFIG_CHANGE list= (audit_flag_to_name).
var listNames = map[uint32]string{0: "user", 1: "task", 4: "exit", 5: "exclude", 6: "filesystem"}

// builtinProtocols stands in for /etc/protocols (netbase) where the file is
// missing; the names are netbase's, which is what getprotobynumber returns.
var builtinProtocols = map[uint32]string{
	0: "ip", 1: "icmp", 2: "igmp", 3: "ggp", 4: "ipencap", 5: "st", 6: "tcp", 8: "egp", 9: "igp",
	12: "pup", 17: "udp", 20: "hmp", 22: "xns-idp", 27: "rdp", 29: "iso-tp4", 33: "dccp", 36: "xtp",
	37: "ddp", 38: "idpr-cmtp", 41: "ipv6", 43: "ipv6-route", 44: "ipv6-frag", 45: "idrp",
	46: "rsvp", 47: "gre", 50: "esp", 51: "ah", 57: "skip", 58: "ipv6-icmp", 59: "ipv6-nonxt",
	60: "ipv6-opts", 73: "rspf", 81: "vmtp", 88: "eigrp", 89: "ospf", 93: "ax.25", 94: "ipip",
	97: "etherip", 98: "encap", 103: "pim", 108: "ipcomp", 112: "vrrp", 115: "l2tp", 124: "isis",
	132: "sctp", 133: "fc", 135: "mobility-header", 136: "udplite", 137: "mpls-in-ip",
	138: "manet", 139: "hip", 140: "shim6", 141: "wesp", 142: "rohc", 143: "ethernet", 262: "mptcp",
}
