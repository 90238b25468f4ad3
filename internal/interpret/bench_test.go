package interpret

import (
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

func benchField(b *testing.B, ctx *Context, key, value string) {
	b.ReportAllocs()
	for b.Loop() {
		Field(ctx, key, value)
	}
}

func BenchmarkFieldUID(b *testing.B) {
	benchField(b, &Context{RecordType: abi.AUDIT_SYSCALL, Resolver: testResolver}, "uid", "1000")
}

func BenchmarkFieldUIDLocal(b *testing.B) {
	benchField(b, &Context{RecordType: abi.AUDIT_SYSCALL}, "auid", "4242")
}

func BenchmarkFieldSyscall(b *testing.B) {
	benchField(b, &Context{RecordType: abi.AUDIT_SYSCALL, Arch: abi.AUDIT_ARCH_X86_64, HasSyscall: true, Syscall: 257}, "syscall", "257")
}

func BenchmarkFieldExit(b *testing.B) {
	benchField(b, &Context{RecordType: abi.AUDIT_SYSCALL}, "exit", "-2")
}

func BenchmarkFieldSaddr(b *testing.B) {
	benchField(b, &Context{RecordType: abi.AUDIT_SOCKADDR}, "saddr", "020000357F0000010000000000000000")
}

func BenchmarkFieldProctitle(b *testing.B) {
	benchField(b, &Context{RecordType: abi.AUDIT_PROCTITLE}, "proctitle", "2F7573722F62696E2F707974686F6E33002D6D0068747470")
}

func BenchmarkFieldOpenFlags(b *testing.B) {
	benchField(b, &Context{RecordType: abi.AUDIT_SYSCALL, Arch: abi.AUDIT_ARCH_X86_64, HasSyscall: true, Syscall: 257}, "a2", "80241")
}

func BenchmarkEnrichSyscall(b *testing.B) {
	body := "arch=c000003e syscall=257 success=no exit=-2 a0=ffffff9c a1=7ffd a2=0 a3=0 items=1 ppid=1 pid=2 auid=1000 uid=0 gid=1000 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)"
	fields := splitFields(abi.AUDIT_SYSCALL, body)
	ctx := &Context{RecordType: abi.AUDIT_SYSCALL, Resolver: testResolver}
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		dst = Enrich(ctx, fields, dst[:0])
	}
}
