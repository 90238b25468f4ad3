package interpret

import (
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

// testResolver pins user and group names so the tables do not depend on
// this machine's /etc/passwd.
var testResolver = &MapResolver{
	Users:  map[uint32]string{1000: "alice", 65534: "nobody"},
	Groups: map[uint32]string{1000: "alice", 100: "users"},
}

// syscallCtx is a SYSCALL record's context for arch and syscall name.
func syscallCtx(t *testing.T, arch abi.Arch, name string, a0, a1 uint64) *Context {
	t.Helper()
	nr, ok := abi.SyscallByName(arch, name)
	if !ok {
		t.Fatalf("no syscall %s on %s", name, arch.Name())
	}
	return &Context{RecordType: abi.AUDIT_SYSCALL, Arch: arch, Syscall: nr, HasSyscall: true, A0: a0, A1: a1, Resolver: testResolver}
}

func TestFieldByName(t *testing.T) {
	sys := &Context{RecordType: abi.AUDIT_SYSCALL, Arch: abi.AUDIT_ARCH_X86_64, Resolver: testResolver}
	path := &Context{RecordType: abi.AUDIT_PATH, Resolver: testResolver}
	tests := []struct {
		ctx        *Context
		key, value string
		want       string
		ok         bool
	}{
		{sys, "arch", "c000003e", "x86_64", true},
		{sys, "arch", "40000003", "i386", true},
		{sys, "arch", "c00000b7", "aarch64", true},
		{sys, "arch", "40000028", "armeb", true},
		{sys, "arch", "c0000015", "ppc64le", true},
		{sys, "arch", "deadbeef", "unknown-elf-type(deadbeef)", true},
		{sys, "syscall", "59", "execve", true},
		{sys, "syscall", "257", "openat", true},
		{sys, "syscall", "9999", "unknown-syscall(9999)", true},
		{&Context{RecordType: abi.AUDIT_SYSCALL, Arch: abi.AUDIT_ARCH_AARCH64, HasSyscall: true}, "syscall", "221", "execve", true},
		{&Context{RecordType: abi.AUDIT_SYSCALL, Arch: abi.AUDIT_ARCH_I386, HasSyscall: true, A0: 3}, "syscall", "102", "socketcall(connect)", true},
		{&Context{RecordType: abi.AUDIT_SYSCALL, Arch: abi.AUDIT_ARCH_I386, HasSyscall: true, A0: 23}, "syscall", "117", "ipc(shmget)", true},
		{sys, "exit", "-2", "ENOENT(No such file or directory)", true},
		{sys, "exit", "-13", "EACCES(Permission denied)", true},
		{sys, "exit", "-115", "EINPROGRESS(Operation now in progress)", true},
		{sys, "exit", "3", "3", true},
		{sys, "exit", "-200", "(null)(Unknown error 200)", true},
		{sys, "success", "yes", "yes", false},
		{sys, "uid", "0", "root", true},
		{sys, "auid", "4294967295", "unset", true},
		{sys, "auid", "-1", "unset", true},
		{sys, "euid", "1000", "alice", true},
		{sys, "fsuid", "4242", "unknown(4242)", true},
		{sys, "suid", "4294967294", "unknown(-2)", true},
		{sys, "gid", "100", "users", true},
		{sys, "egid", "0", "root", true},
		{sys, "ses", "4294967295", "unset", true},
		{sys, "ses", "3", "3", true},
		{sys, "comm", `"sshd"`, "sshd", true},
		{sys, "exe", "2F746D702F612062", "/tmp/a b", true},
		{sys, "comm", "00", "00", true},
		{sys, "key", "(null)", "(null)", true},
		{sys, "key", `"watch-etc"`, "watch-etc", true},
		{sys, "key", "6B31016B32", "k1 key=k2", true},
		{sys, "tty", "pts0", "pts0", false},
		{sys, "pid", "42", "42", false},
		{sys, "subj", "unconfined_u:unconfined_r:unconfined_t:s0", "unconfined_u:unconfined_r:unconfined_t:s0", false},
		{path, "mode", "0100644", "file,644", true},
		{path, "mode", "040755", "dir,755", true},
		{path, "mode", "0140777", "socket,777", true},
		{path, "mode", "0120777", "link,777", true},
		{path, "mode", "020620", "character,620", true},
		{path, "mode", "060660", "block,660", true},
		{path, "mode", "010600", "fifo,600", true},
		{path, "mode", "0104755", "file,suid,755", true},
		{path, "mode", "0102755", "file,sgid,755", true},
		{path, "mode", "041777", "dir,sticky,777", true},
		{path, "mode", "0644", "000,644", true},
		{path, "ouid", "1000", "alice", true},
		{path, "ogid", "1000", "alice", true},
		{path, "name", "2F6574632F706173737764", "/etc/passwd", true},
		{path, "name", `"/etc/shadow"`, "/etc/shadow", true},
		{path, "name", "(null)", "(null)", true},
		{path, "cap_fp", "0", "none", true},
		{path, "cap_fp", "3000", "net_admin,net_raw", true},
		{path, "cap_fi", "1ffffffffff", strings.Join(capNames[:], ","), true},
		{path, "cap_fe", "1", "1", false},
		{path, "nametype", "NORMAL", "NORMAL", false},
		{&Context{RecordType: abi.AUDIT_CAPSET}, "cap_pe", "200000", "sys_admin", true},
		{&Context{RecordType: abi.AUDIT_AVC}, "capability", "21", "sys_admin", true},
		{&Context{RecordType: abi.AUDIT_AVC}, "capability", "99", "unknown-capability(99)", true},
		{&Context{RecordType: abi.AUDIT_AVC}, "saddr", "10.0.0.1", "10.0.0.1", false},
		{&Context{RecordType: abi.AUDIT_NETFILTER_PKT}, "saddr", "10.0.0.1", "10.0.0.1", true},
		{&Context{RecordType: abi.AUDIT_NETFILTER_PKT}, "proto", "6", "tcp", true},
		{&Context{RecordType: abi.AUDIT_NETFILTER_PKT}, "proto", "254", "undefined protocol", true},
		{&Context{RecordType: abi.AUDIT_NETFILTER_PKT}, "family", "2", "ipv4", true},
		{&Context{RecordType: abi.AUDIT_NETFILTER_PKT}, "icmptype", "8", "echo", true},
		{&Context{RecordType: abi.AUDIT_NETFILTER_PKT}, "hook", "1", "INPUT", true},
		{&Context{RecordType: abi.AUDIT_NETFILTER_PKT}, "macproto", "0x0800", "IP", true},
		{&Context{RecordType: abi.AUDIT_CONFIG_CHANGE}, "res", "1", "yes", true},
		{&Context{RecordType: abi.AUDIT_CONFIG_CHANGE}, "res", "0", "no", true},
		{&Context{RecordType: abi.AUDIT_CONFIG_CHANGE}, "list", "4", "exit", true},
		{&Context{RecordType: typeUserLogin}, "res", "success", "success", true},
		{&Context{RecordType: typeUserLogin}, "acct", `"root"`, "root", true},
		{&Context{RecordType: typeUserLogin}, "acct", "root", "root", false},
		{&Context{RecordType: typeUserLogin}, "acct", "root:", "root", true},
		{&Context{RecordType: typeUserLogin}, "acct", "726F6F74:", "root", true},
		{&Context{RecordType: typeUserLogin, Resolver: testResolver}, "id", "1000", "alice", true},
		{&Context{RecordType: typeAddGroup, Resolver: testResolver}, "id", "100", "users", true},
		{&Context{RecordType: typeAnomAbend}, "sig", "11", "SIGSEGV", true},
		{&Context{RecordType: typeAnomAbend}, "sig", "30", "IGPWR", true},
		{&Context{RecordType: typeAnomPromiscuous}, "prom", "256", "yes", true},
		{&Context{RecordType: abi.AUDIT_SECCOMP}, "code", "7fff0000", "allow", true},
		{&Context{RecordType: abi.AUDIT_SECCOMP}, "code", "50001", "errno", true},
		{&Context{RecordType: abi.AUDIT_SECCOMP}, "code", "80000000", "kill", true},
		{&Context{RecordType: abi.AUDIT_MMAP}, "flags", "0x22", "MAP_PRIVATE|MAP_ANONYMOUS", true},
		{&Context{RecordType: abi.AUDIT_MQ_OPEN}, "oflag", "0x42", "O_RDWR|O_CREAT", true},
		{&Context{RecordType: abi.AUDIT_MQ_OPEN}, "mode", "0600", "0600", true},
		{&Context{RecordType: abi.AUDIT_EXECVE}, "argc", "2", "2", false},
		{&Context{RecordType: abi.AUDIT_EXECVE}, "a0", `"ls"`, "ls", true},
		{&Context{RecordType: abi.AUDIT_EXECVE}, "a1", "2D6C", "-l", true},
		{&Context{RecordType: abi.AUDIT_EXECVE}, "a1_len", "9000", "9000", false},
		{&Context{RecordType: abi.AUDIT_PROCTITLE}, "proctitle", "2F62696E2F7368002D63", "/bin/sh -c", true},
		{&Context{RecordType: abi.AUDIT_PROCTITLE}, "proctitle", "2F62696E2F736800", "/bin/sh ", true},
		{&Context{RecordType: abi.AUDIT_PROCTITLE}, "proctitle", `"bash"`, "bash", true},
		{&Context{RecordType: abi.AUDIT_PROCTITLE}, "proctitle", "00006C61", " la 61", true},
		{&Context{RecordType: abi.AUDIT_TTY}, "data", "6C730D", `"ls",<ret>`, true},
		{&Context{RecordType: abi.AUDIT_TTY}, "data", "1B5B41", `<up>`, true},
		{&Context{RecordType: abi.AUDIT_OBJ_PID}, "ocomm", "6261736801", `bash\001`, true},
		{&Context{RecordType: abi.AUDIT_SOCKADDR}, "saddr", "020000357F0000010000000000000000", "{ saddr_fam=inet laddr=127.0.0.1 lport=53 }", true},
		{&Context{RecordType: abi.AUDIT_FANOTIFY}, "resp", "2", "deny", true},
		{&Context{RecordType: abi.AUDIT_OPENAT2}, "resolve", "0x5", "RESOLVE_NO_XDEV|RESOLVE_NO_SYMLINKS", true},
		{&Context{RecordType: abi.AUDIT_SYSCALL}, "per", "40008", "PER_LINUX32|~ADDR_NO_RANDOMIZE", true},
	}
	for _, tt := range tests {
		got, ok := Field(tt.ctx, tt.key, tt.value)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Field(type %d, %s=%s) = %q, %v; want %q, %v", tt.ctx.RecordType, tt.key, tt.value, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFieldArgs(t *testing.T) {
	x := abi.Arch(abi.AUDIT_ARCH_X86_64)
	tests := []struct {
		sys    string
		a0, a1 uint64
		key    string
		value  string
		want   string
	}{
		{"open", 0, 0, "a1", "0", "O_RDONLY"},
		{"open", 0, 0, "a1", "90800", "O_RDONLY|O_NONBLOCK|O_DIRECTORY|O_CLOEXEC"},
		{"open", 0, 0x41, "a2", "1a4", "0644"},
		{"open", 0, 1, "a2", "1a4", "0x1a4"},
		{"openat", 0, 0, "a0", "ffffff9c", "AT_FDCWD"},
		{"openat", 0, 0, "a0", "3", "0x3"},
		{"openat", 0, 0, "a2", "241", "O_WRONLY|O_CREAT|O_TRUNC"},
		{"clone", 0, 0, "a0", "1200011", "0x1200011"},
		{"clone", 0, 0, "a2", "1200011", "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"},
		{"unshare", 0, 0, "a0", "20000", "CLONE_NEWNS"},
		{"setns", 0, 0, "a1", "40000000", "CLONE_NEWNET"},
		{"socket", 0, 0, "a0", "2", "inet"},
		{"socket", 0, 0, "a0", "a", "inet6"},
		{"socket", 0, 0, "a0", "0", "unknown-family(0x0)"},
		{"socket", 0, 0, "a1", "80801", "SOCK_STREAM"},
		{"socket", 0, 0, "a2", "6", "tcp"},
		{"socket", 0, 0, "a2", "0", "ip"},
		{"kill", 0, 0, "a1", "9", "SIGKILL"},
		{"tgkill", 0, 0, "a2", "f", "SIGTERM"},
		{"rt_sigaction", 0, 0, "a0", "2", "SIGINT"},
		{"mmap", 0, 0, "a2", "3", "PROT_READ|PROT_WRITE"},
		{"mmap", 0, 0, "a2", "0", "PROT_NONE"},
		{"mmap", 0, 0, "a3", "22", "MAP_PRIVATE|MAP_ANONYMOUS"},
		{"mmap", 0, 0, "a3", "800", "MAP_FILE|MAP_DENYWRITE"},
		{"mprotect", 0, 0, "a2", "5", "PROT_READ|PROT_EXEC"},
		{"prctl", 0, 0, "a0", "26", "PR_SET_NO_NEW_PRIVS"},
		{"prctl", 24, 0, "a1", "15", "sys_admin"},
		{"prctl", 1, 0, "a1", "9", "SIGKILL"},
		{"ptrace", 0, 0, "a0", "10", "PTRACE_ATTACH"},
		{"personality", 0, 0, "a0", "ffffffff", "unknown-personality(0xffffffff)"},
		{"mount", 0, 0, "a3", "1021", "MS_RDONLY|MS_REMOUNT|MS_BIND"},
		{"umount2", 0, 0, "a1", "2", "MNT_DETACH"},
		{"fcntl", 0, 0, "a1", "406", "F_DUPFD_CLOEXEC"},
		{"fcntl", 0, 2, "a2", "1", "FD_CLOEXEC"},
		{"ioctl", 0, 0, "a1", "5401", "TCGETS"},
		{"ioctl", 0, 0, "a1", "c0306201", "0xc0306201"},
		{"setuid", 0, 0, "a0", "3e8", "alice"},
		{"setgid", 0, 0, "a0", "64", "users"},
		{"chown", 0, 0, "a1", "3e8", "alice"},
		{"chmod", 0, 0, "a1", "9ed", "suid,0755"},
		{"mkdir", 0, 0, "a1", "1ff", "0777"},
		{"access", 0, 0, "a1", "6", "W_OK|R_OK"},
		{"access", 0, 0, "a1", "0", "F_OK"},
		{"setrlimit", 0, 0, "a0", "7", "RLIMIT_NOFILE"},
		{"sched_setscheduler", 0, 0, "a1", "40000001", "SCHED_FIFO|SCHED_RESET_ON_FORK"},
		{"epoll_ctl", 0, 0, "a1", "1", "EPOLL_CTL_ADD"},
		{"lseek", 0, 0, "a2", "2", "SEEK_END"},
		{"sendto", 0, 0, "a3", "4040", "MSG_DONTWAIT|MSG_NOSIGNAL"},
		{"recvmsg", 0, 0, "a2", "40000000", "MSG_CMSG_CLOEXEC"},
		{"setsockopt", 0, 1, "a1", "1", "SOL_SOCKET"},
		{"setsockopt", 0, 1, "a2", "2", "SO_REUSEADDR"},
		{"setsockopt", 0, 6, "a1", "6", "tcp"},
		{"setsockopt", 0, 6, "a2", "1", "TCP_NODELAY"},
		{"shmget", 0, 0, "a2", "3b6", "IPC_CREAT|0666"},
		{"exit_group", 0, 0, "a0", "0", "EXIT_SUCCESS"},
		{"bpf", 0, 0, "a0", "5", "BPF_PROG_LOAD"},
		{"clock_settime", 0, 0, "a0", "0", "CLOCK_REALTIME"},
		{"read", 0, 0, "a0", "3", "0x3"},
		{"execve", 0, 0, "a3", "7ffd", "0x7ffd"},
	}
	for _, tt := range tests {
		ctx := syscallCtx(t, x, tt.sys, tt.a0, tt.a1)
		got, ok := Field(ctx, tt.key, tt.value)
		if got != tt.want || !ok {
			t.Errorf("%s %s=%s (a0=%#x a1=%#x) = %q, %v; want %q", tt.sys, tt.key, tt.value, tt.a0, tt.a1, got, ok, tt.want)
		}
	}
}

func TestFieldArgsOutsideSyscallRecords(t *testing.T) {
	// A SOCKETCALL record's a0.. are plain hex: ausearch has no syscall for
	// it.
	ctx := NewContext(abi.AUDIT_SOCKETCALL, fieldsOf("nargs=3 a0=2 a1=1 a2=0"))
	if got, _ := Field(&ctx, "a0", "2"); got != "0x2" {
		t.Errorf("SOCKETCALL a0 = %q, want 0x2", got)
	}
}

func TestNewContextObserves(t *testing.T) {
	ctx := NewContext(abi.AUDIT_SYSCALL, fieldsOf("arch=40000003 syscall=102 success=yes exit=0 a0=3 a1=ffd0 a2=0 a3=0"))
	if ctx.Arch != abi.AUDIT_ARCH_I386 || !ctx.HasSyscall || ctx.Syscall != 102 || ctx.A0 != 3 || ctx.A1 != 0xffd0 {
		t.Fatalf("context = %+v", ctx)
	}
	if got, _ := Field(&ctx, "syscall", "102"); got != "socketcall(connect)" {
		t.Errorf("syscall = %q", got)
	}
}

func TestFieldUsesEnrichedTail(t *testing.T) {
	// A log written elsewhere carries its own names: ausearch prefers them,
	// unless the writer could not interpret the value either.
	ctx := &Context{
		RecordType: abi.AUDIT_SYSCALL,
		Resolver:   testResolver,
		Enriched:   ParseEnriched(`ARCH=unknown-elf-type(1) SYSCALL=openat AUID="bob" UID=4A6F686E20446F65`),
	}
	for _, tt := range []struct{ key, value, want string }{
		{"auid", "1001", "bob"},
		{"uid", "1002", "John Doe"},
		{"gid", "1000", "alice"},
		{"euid", "1000", "alice"},
		{"syscall", "2", "openat"},
		{"arch", "c000003e", "x86_64"},
	} {
		if got, _ := Field(ctx, tt.key, tt.value); got != tt.want {
			t.Errorf("%s=%s = %q, want %q", tt.key, tt.value, got, tt.want)
		}
	}
	sock := &Context{RecordType: abi.AUDIT_SOCKADDR, Enriched: ParseEnriched("SADDR={ saddr_fam=inet laddr=10.1.1.1 lport=80 }")}
	if got, _ := Field(sock, "saddr", "02"); got != "{ saddr_fam=inet laddr=10.1.1.1 lport=80 }" {
		t.Errorf("saddr = %q", got)
	}
}

func TestTTYEscaping(t *testing.T) {
	ctx := &Context{RecordType: abi.AUDIT_SYSCALL}
	got, _ := Field(ctx, "comm", "610962")
	if got != `a\011b` {
		t.Errorf("comm with a tab = %q", got)
	}
}

// fieldsOf splits "k=v k=v" for tests (no quoting).
func fieldsOf(s string) func(yield func(k, v string) bool) {
	return func(yield func(k, v string) bool) {
		for _, f := range strings.Fields(s) {
			k, v, _ := strings.Cut(f, "=")
			if !yield(k, v) {
				return
			}
		}
	}
}

// Record types abi does not name.
const (
	typeUserLogin       = 1112
	typeAnomPromiscuous = 1700
	typeAnomAbend       = 1701
)
