package interpret_test

import (
	"fmt"
	"strings"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/interpret"
)

func ExampleField() {
	// The fields of one SYSCALL record, as a record parser yields them.
	fields := func(yield func(k, v string) bool) {
		for _, f := range strings.Fields("arch=c000003e syscall=257 success=no exit=-2 a0=ffffff9c a1=55d0 a2=80000 a3=0 auid=4294967295") {
			k, v, _ := strings.Cut(f, "=")
			if !yield(k, v) {
				return
			}
		}
	}
	ctx := interpret.NewContext(abi.AUDIT_SYSCALL, fields)
	for k, v := range fields {
		s, _ := interpret.Field(&ctx, k, v)
		fmt.Printf("%s=%s\n", k, s)
	}
	// Output:
	// arch=x86_64
	// syscall=openat
	// success=no
	// exit=ENOENT(No such file or directory)
	// a0=AT_FDCWD
	// a1=0x55d0
	// a2=O_RDONLY|O_CLOEXEC
	// a3=0x0
	// auid=unset
}

func ExampleEnrich() {
	raw := "type=SOCKADDR msg=audit(1700000000.123:42): saddr=020000357F0000010000000000000000"
	ctx := &interpret.Context{RecordType: abi.AUDIT_SOCKADDR}
	line := interpret.Enrich(ctx, func(yield func(k, v string) bool) {
		yield("saddr", "020000357F0000010000000000000000")
	}, []byte(raw))
	fmt.Println(strings.ReplaceAll(string(line), "\x1d", "<GS>"))
	// Output:
	// type=SOCKADDR msg=audit(1700000000.123:42): saddr=020000357F0000010000000000000000<GS>SADDR={ saddr_fam=inet laddr=127.0.0.1 lport=53 }
}
