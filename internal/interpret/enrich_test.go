package interpret

import (
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

func TestEnrich(t *testing.T) {
	res := &MapResolver{Users: map[uint32]string{1000: "alice", 1001: "John Doe", 1002: `a"b`}, Groups: map[uint32]string{1000: "alice"}}
	tests := []struct {
		name  string
		rtype uint32
		raw   string
		want  string
	}{
		{"syscall", abi.AUDIT_SYSCALL,
			"arch=c000003e syscall=257 success=no exit=-2 a0=ffffff9c a1=7ffd a2=0 a3=0 items=1 ppid=1 pid=2 auid=1000 uid=0 gid=1000 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)",
			"\x1dARCH=x86_64 SYSCALL=openat AUID=\"alice\" UID=\"root\" GID=\"alice\" EUID=\"root\" SUID=\"root\" FSUID=\"root\" EGID=\"root\" SGID=\"root\" FSGID=\"root\""},
		{"i386 socketcall", abi.AUDIT_SYSCALL,
			"arch=40000003 syscall=102 success=yes exit=0 a0=3 a1=ff a2=0 a3=0 items=0 ppid=1 pid=2 auid=4294967295 uid=1001",
			"\x1dARCH=i386 SYSCALL=socketcall(connect) AUID=\"unset\" UID=4A6F686E20446F65"},
		{"quote in a name", abi.AUDIT_SYSCALL, "arch=c000003e syscall=0 uid=1002", "\x1dARCH=x86_64 SYSCALL=read UID=612262"},
		{"unknown ids", abi.AUDIT_SYSCALL, "arch=c000003e syscall=0 uid=4242 gid=4343", "\x1dARCH=x86_64 SYSCALL=read UID=\"unknown(4242)\" GID=\"unknown(4343)\""},
		{"sockaddr", abi.AUDIT_SOCKADDR, "saddr=0200001682A8010A0000000000000000", "\x1dSADDR={ saddr_fam=inet laddr=130.168.1.10 lport=22 }"},
		{"path", abi.AUDIT_PATH, "item=0 name=\"/etc\" inode=1 dev=fd:00 mode=040755 ouid=0 ogid=1000 rdev=00:00", "\x1dOUID=\"root\" OGID=\"alice\""},
		{"nothing to add", abi.AUDIT_PROCTITLE, "proctitle=2F62696E", ""},
		{"avc saddr is text", abi.AUDIT_AVC, "pid=1 saddr=10.0.0.1 src=22", ""},
		{"user record", 1112, "pid=1 uid=0 auid=1000 ses=1 msg='op=login id=1001 exe=\"/usr/sbin/sshd\" res=success'",
			"\x1dUID=\"root\" AUID=\"alice\" ID=4A6F686E20446F65"},
		{"group id", 1116, "pid=1 uid=0 auid=1000 ses=1 msg='op=add-group id=1000 res=success'", "\x1dUID=\"root\" AUID=\"alice\" ID=\"alice\""},
		{"login", 1006, "pid=1 uid=0 subj=x old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=3 res=1",
			"\x1dUID=\"root\" OLD-AUID=\"unset\" AUID=\"alice\""},
		{"seccomp", abi.AUDIT_SECCOMP, "auid=1000 uid=0 gid=0 ses=1 pid=1 comm=\"x\" exe=\"/x\" sig=31 arch=c00000b7 syscall=221 compat=0 ip=0x1 code=0x0",
			"\x1dAUID=\"alice\" UID=\"root\" GID=\"root\" ARCH=aarch64 SYSCALL=execve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := &Context{RecordType: tt.rtype, Resolver: res}
			prefix := "type=X msg=audit(1.2:3): " + tt.raw
			got := string(Enrich(ctx, splitFields(tt.rtype, tt.raw), []byte(prefix)))
			if got != prefix+tt.want {
				t.Errorf("tail = %q\n want %q", strings.TrimPrefix(got, prefix), tt.want)
			}
		})
	}
}

// splitFields yields a record body's fields the way ausearch splits them.
func splitFields(rtype uint32, body string) func(yield func(k, v string) bool) {
	segs, _ := renderLikeAusearch(rtype, body)
	return func(yield func(k, v string) bool) {
		for _, s := range segs {
			if s.key != "" && !yield(s.key, s.raw) {
				return
			}
		}
	}
}

func TestEnrichThenFieldRoundTrip(t *testing.T) {
	// What auditd writes, ausearch reads back: an enriched tail read on
	// another host gives the writer's names.
	writer := &MapResolver{Users: map[uint32]string{1000: "alice"}}
	body := "arch=c000003e syscall=59 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 auid=1000 uid=1000"
	line := Enrich(&Context{RecordType: abi.AUDIT_SYSCALL, Resolver: writer}, splitFields(abi.AUDIT_SYSCALL, body), nil)
	tail := strings.TrimPrefix(string(line), "\x1d")
	reader := &Context{RecordType: abi.AUDIT_SYSCALL, Resolver: &MapResolver{}, Enriched: ParseEnriched(tail)}
	if got, _ := Field(reader, "auid", "1000"); got != "alice" {
		t.Errorf("auid read back = %q, want alice", got)
	}
	learned := &MapResolver{}
	for _, f := range ParseEnriched(tail) {
		if f.Key == "uid" {
			learned.Learn("uid", "1000", f.Value)
		}
	}
	if n, ok := learned.UserName(1000); !ok || n != "alice" {
		t.Errorf("learned uid 1000 = %q, %v", n, ok)
	}
}
