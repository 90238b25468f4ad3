package interpret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

// One test per intended difference from ausearch 3.0.9 / auditd 3.0.9,
// each described in docs/interpretation.md under the same heading.

// riscv64: libaudit 3.0.9 has no riscv64 table; contaudit does.
func TestDifferenceRISCV64(t *testing.T) {
	ctx := NewContext(abi.AUDIT_SYSCALL, fieldsOf("arch=c00000f3 syscall=221 a0=0"))
	if got, _ := Field(&ctx, "arch", "c00000f3"); got != "riscv64" {
		t.Errorf("arch = %q, want riscv64 (ausearch: unknown-elf-type(c00000f3))", got)
	}
	if got, _ := Field(&ctx, "syscall", "221"); got != "execve" {
		t.Errorf("syscall = %q, want execve (ausearch: the host's syscall 221)", got)
	}
}

// A syscall= outside SYSCALL and SECCOMP records: ausearch prints the name
// of syscall 0; contaudit names the value, with the host's table.
func TestDifferenceSyscallOutsideSyscallRecords(t *testing.T) {
	ctx := &Context{RecordType: 1701} // ANOM_ABEND
	want := abi.SyscallName(hostArch, 59)
	if got, _ := Field(ctx, "syscall", "59"); got != want {
		t.Errorf("syscall = %q, want %q (ausearch: %q)", got, want, abi.SyscallName(hostArch, 0))
	}
}

// Socket addresses shorter than their struct: ausearch reads past its
// buffer (heap garbage); contaudit reads zeros there.
func TestDifferenceShortSockaddr(t *testing.T) {
	for saddr, want := range map[string]string{
		"0800": "{ saddr_fam=atmpvc int=0 }",
		"0300": "{ saddr_fam=ax25 call=",
	} {
		if got := Sockaddr(saddr); got != want {
			t.Errorf("Sockaddr(%s) = %q, want %q", saddr, got, want)
		}
		if !sockaddrReadsPastBuffer(saddr) {
			t.Errorf("%s is not recognised as read past the buffer", saddr)
		}
	}
}

// Names come from passwd and group files, not NSS.
func TestDifferenceFilesNotNSS(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwd")
	gr := filepath.Join(dir, "group")
	if err := os.WriteFile(pw, []byte("root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nalias:x:1000:1000::/:/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gr, []byte("staff:x:50:\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := &Context{RecordType: abi.AUDIT_SYSCALL, Resolver: NewFileResolver(pw, gr)}
	for _, tt := range []struct{ key, val, want string }{
		{"uid", "1000", "alice"}, // the first entry wins, as with getpwuid
		{"uid", "2000", "unknown(2000)"},
		{"gid", "50", "staff"},
		{"uid", "0", "root"},
	} {
		if got, _ := Field(ctx, tt.key, tt.val); got != tt.want {
			t.Errorf("%s=%s = %q, want %q", tt.key, tt.val, got, tt.want)
		}
	}
	missing := &Context{Resolver: NewFileResolver(filepath.Join(dir, "none"), filepath.Join(dir, "none"))}
	if got, _ := Field(missing, "uid", "1000"); got != "unknown(1000)" {
		t.Errorf("without files uid = %q", got)
	}
}

// auditd finds a SECCOMP record's arch and syscall by field position,
// which is only right when the record has subj=; without it auditd writes
// SYSCALL=unknown-syscall(-1). contaudit names the syscall from the
// record's arch.
func TestDifferenceEnrichSeccompArch(t *testing.T) {
	body := "auid=0 uid=0 gid=0 ses=1 pid=1 comm=\"x\" exe=\"/x\" sig=31 arch=40000003 syscall=11 compat=1 ip=0x1 code=0x0"
	got := string(Enrich(&Context{RecordType: abi.AUDIT_SECCOMP}, fieldsOf(body), nil))
	if !strings.Contains(got, "ARCH=i386 SYSCALL=execve") {
		t.Errorf("tail = %q, want the i386 name of syscall 11 (auditd: unknown-syscall(-1))", got)
	}
}

// auditd leaves out tail fields that would overflow its 8 KiB line
// buffer; Enrich never truncates.
func TestDifferenceEnrichNoTruncation(t *testing.T) {
	body := "arch=c000003e syscall=59 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"x\" exe=\"/x\" key=" + strings.Repeat("6B", 4000)
	got := string(Enrich(&Context{RecordType: abi.AUDIT_SYSCALL}, fieldsOf(body), []byte(body)))
	if !strings.HasSuffix(got, `FSGID="root"`) {
		t.Errorf("tail cut: %q", got[len(body):])
	}
}
