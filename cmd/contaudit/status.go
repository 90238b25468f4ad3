package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/auditnl"
)

func init() {
	register(&command{
		name:    "status",
		summary: "Print the kernel's audit status, as auditctl -s does.",
		usage:   "",
		examples: `  contaudit status
  contaudit status | grep ^lost`,
		run: func(ctx context.Context, fs *flag.FlagSet) error {
			if fs.NArg() != 0 {
				return usageError("status takes no arguments")
			}
			c, err := auditnl.Dial(auditnl.Options{})
			if err != nil {
				return err
			}
			defer c.Close()
			return printStatus(ctx, c, os.Stdout)
		},
	})
}

// printStatus writes the same lines, in the same order, as auditctl -s so
// scripts that parse it keep working.
func printStatus(ctx context.Context, c *auditnl.Conn, w io.Writer) error {
	s, err := c.Status(ctx)
	if err != nil {
		return err
	}
	f, err := c.Features(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "enabled %d\nfailure %d\npid %d\nrate_limit %d\nbacklog_limit %d\nlost %d\nbacklog %d\n",
		s.Enabled, s.Failure, s.PID, s.RateLimit, s.BacklogLimit, s.Lost, s.Backlog)
	if s.FeatureBitmap&abi.AUDIT_FEATURE_BITMAP_BACKLOG_WAIT_TIME != 0 {
		fmt.Fprintf(w, "backlog_wait_time %d\n", s.BacklogWaitTime)
		fmt.Fprintf(w, "backlog_wait_time_actual %d\n", s.BacklogWaitTimeActual)
	}
	bit := uint32(1) << abi.AUDIT_FEATURE_LOGINUID_IMMUTABLE
	lock := "unlocked"
	if f.Lock&bit != 0 {
		lock = "locked"
	}
	var on int
	if f.Features&bit != 0 {
		on = 1
	}
	fmt.Fprintf(w, "loginuid_immutable %d %s\n", on, lock)
	return nil
}
