package interpret

import (
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

var fuzzKeys = func() []string {
	keys := make([]string, 0, len(fieldKinds)+4)
	for k := range fieldKinds {
		keys = append(keys, k)
	}
	return append(keys, "pid", "msg", "a0_len", "argc")
}()

func FuzzField(f *testing.F) {
	for _, s := range []struct {
		rtype uint32
		arch  uint32
		nr    uint32
		key   string
		value string
	}{
		{abi.AUDIT_SYSCALL, abi.AUDIT_ARCH_X86_64, 2, "a1", "90800"},
		{abi.AUDIT_SYSCALL, abi.AUDIT_ARCH_I386, 102, "syscall", "102"},
		{abi.AUDIT_PATH, 0, 0, "mode", "0100644"},
		{abi.AUDIT_SOCKADDR, 0, 0, "saddr", "0A00001600000000FE80000000000000000000000000000101000000"},
		{abi.AUDIT_PROCTITLE, 0, 0, "proctitle", "00006C61"},
		{abi.AUDIT_TTY, 0, 0, "data", "1B5B41"},
		{abi.AUDIT_SYSCALL, abi.AUDIT_ARCH_X86_64, 0, "exit", "-9223372036854775808"},
		{abi.AUDIT_SYSCALL, abi.AUDIT_ARCH_X86_64, 0, "uid", "-"},
		{abi.AUDIT_EXECVE, 0, 0, "a0", `"`},
		{abi.AUDIT_SYSCALL, abi.AUDIT_ARCH_X86_64, 0, "key", "6101620163"},
	} {
		f.Add(s.rtype, s.arch, s.nr, uint64(0), uint64(1), s.key, s.value)
	}
	f.Fuzz(func(t *testing.T, rtype, arch, nr uint32, a0, a1 uint64, key, value string) {
		if k := fuzzKeyIndex(key); k >= 0 {
			key = fuzzKeys[k]
		}
		ctx := &Context{RecordType: rtype, Arch: abi.Arch(arch), Syscall: nr, HasSyscall: true, A0: a0, A1: a1, Resolver: testResolver}
		got, ok := Field(ctx, key, value)
		got2, ok2 := Field(ctx, key, value)
		if got != got2 || ok != ok2 {
			t.Fatalf("Field not deterministic: %q,%v then %q,%v", got, ok, got2, ok2)
		}
		if !ok && got != value {
			t.Fatalf("uninterpreted %s=%q came back as %q", key, value, got)
		}
		// ausearch -i output is escaped: no control byte but the key
		// separator's stand-in survives.
		for i := 0; i < len(got); i++ {
			if ok && got[i] < 0x20 {
				t.Fatalf("%s=%q: control byte in %q", key, value, got)
			}
		}
		dst := Enrich(ctx, func(yield func(k, v string) bool) { yield(key, value) }, nil)
		if len(dst) > 0 && dst[0] != Separator {
			t.Fatalf("Enrich(%s=%q) = %q", key, value, dst)
		}
	})
}

// fuzzKeyIndex maps a fuzzed key onto a known one half of the time, so the
// fuzzer spends its effort on values.
func fuzzKeyIndex(key string) int {
	if len(key) != 1 {
		return -1
	}
	return int(key[0]) % len(fuzzKeys)
}

func FuzzSockaddr(f *testing.F) {
	for _, s := range []string{
		"020000357F0000010000000000000000",
		"0A00001600000000FE80000000000000000000000000000101000000",
		"01002F72756E2F73797374656D642F6A6F75726E616C2F736F636B657400",
		"0100006162737472616374",
		"10000000000000000000000000",
		"11000300020000000000000000000000000000",
		"0300", "0800", "09", "", "zz", "(null)", "2C00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, saddr string) {
		got := Sockaddr(saddr)
		if got != Sockaddr(saddr) {
			t.Fatalf("Sockaddr(%q) not deterministic", saddr)
		}
		if got == "" {
			t.Fatalf("Sockaddr(%q) is empty", saddr)
		}
		if strings.HasPrefix(got, "{") && !strings.HasPrefix(got, "{ saddr_fam=") {
			t.Fatalf("Sockaddr(%q) = %q", saddr, got)
		}
	})
}
