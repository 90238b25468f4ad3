package auditconf_test

import (
	"fmt"
	"strings"

	"github.com/contaudit/contaudit/internal/auditconf"
)

func ExampleParse() {
	c, err := auditconf.Parse(strings.NewReader(`
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 50
space_left = 10%
admin_space_left_action = exec /usr/local/sbin/audit-low
tcp_listen_port = 60
contaudit_failure = 1
`), "auditd.conf")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.LogFormat, c.Flush, c.Freq, c.SpaceLeft, c.AdminSpaceLeftAction)
	for _, n := range c.Notes {
		fmt.Println(n)
	}
	_, err = auditconf.Parse(strings.NewReader("contaudit_failure = 2\n"), "auditd.conf")
	fmt.Println(err)
	// Output:
	// RAW incremental_async 50 10% exec /usr/local/sbin/audit-low
	// auditd.conf:7: tcp_listen_port: accepted but not supported: contaudit does not receive events over the network
	// auditd.conf:1: contaudit_failure: failure mode 2 (panic) is refused: contaudit never makes the kernel panic on audit failure; use 0 or 1
}
