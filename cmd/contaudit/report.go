package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"time"

	"github.com/contaudit/contaudit/internal/auditconf"
	"github.com/contaudit/contaudit/internal/progress"
	"github.com/contaudit/contaudit/internal/report"
)

func init() {
	register(&command{
		name:    "report",
		summary: "Print summary reports of audit logs, as aureport does.",
		usage:   "[-if FILE|DIR] [-x|-u|-l|-k|-f|-s|-n|-t|--contid] [--summary] [--failed|--success] [-ts DATE [TIME]] [-te DATE [TIME]] [-i]",
		examples: `  contaudit report                       # Summary Report of auditd.conf's log_file*
  contaudit report -if audit.log -x      # one line per event with an executable
  contaudit report -k --summary          # events per rule key, most first
  contaudit report --failed -ts today    # failed events since midnight
  contaudit report -ts 11/14/2023 10:00:00 -te now -u -i
  contaudit report --contid              # events per audit container ID`,
		flags: reportFlags,
		run:   runReport,
	})
}

type reportOptions struct {
	input            string
	kinds            []report.Kind
	totals, failed   bool
	success, interp  bool
	noProgress       bool
	start, end       timeArg
	pendingTimeValue *timeArg
}

var reportOpts reportOptions

// kindFlag is a boolean flag that selects a report.
type kindFlag struct {
	o    *reportOptions
	kind report.Kind
}

func (k kindFlag) String() string   { return "false" }
func (k kindFlag) IsBoolFlag() bool { return true }
func (k kindFlag) Set(s string) error {
	if s == "true" {
		k.o.kinds = append(k.o.kinds, k.kind)
	}
	return nil
}

// timeArg collects -ts/-te: aureport takes a date and a time as two
// arguments, and Go's flag package gives a flag one, so the second is
// picked up from the arguments left over (see runReport).
type timeArg struct {
	o    *reportOptions
	args []string
}

func (t *timeArg) String() string { return strings.Join(t.args, " ") }
func (t *timeArg) Set(s string) error {
	t.args = []string{s}
	t.o.pendingTimeValue = t
	return nil
}

func reportFlags(fs *flag.FlagSet) {
	o := &reportOpts
	*o = reportOptions{}
	o.start.o, o.end.o = o, o
	fs.StringVar(&o.input, "if", "", "read this log `file`, or the audit.log set of this directory (default: the log_file of "+auditconf.DefaultPath+" and its rotations)")
	fs.StringVar(&o.input, "input", "", "same as -if")
	kinds := []struct {
		names []string
		kind  report.Kind
		help  string
	}{
		{[]string{"x", "executable"}, report.Executable, "executable report"},
		{[]string{"u", "user"}, report.User, "user ID report"},
		{[]string{"l", "login"}, report.Login, "login report"},
		{[]string{"k", "key"}, report.Key, "rule key report"},
		{[]string{"f", "file"}, report.File, "file name report"},
		{[]string{"s", "syscall"}, report.Syscall, "syscall report"},
		{[]string{"n", "anomaly"}, report.Anomaly, "anomaly report"},
		{[]string{"t", "log"}, report.LogTime, "log time range report"},
		{[]string{"contid"}, report.ContID, "events per audit container ID (contaudit extension)"},
	}
	for _, k := range kinds {
		for _, n := range k.names {
			fs.Var(kindFlag{o, k.kind}, n, k.help)
		}
	}
	fs.BoolVar(&o.totals, "summary", false, "print sorted totals instead of one line per event")
	fs.BoolVar(&o.failed, "failed", false, "only failed events")
	fs.BoolVar(&o.success, "success", false, "only successful events")
	fs.BoolVar(&o.interp, "i", false, "interpret numbers (uids, syscalls, types) as names")
	fs.BoolVar(&o.interp, "interpret", false, "same as -i")
	fs.BoolVar(&o.noProgress, "no-progress", false, "no progress line on a terminal (drawn on stderr for 32 MiB of logs or more)")
	for _, n := range []string{"ts", "start"} {
		fs.Var(&o.start, n, "start `date [time]`: MM/DD/YYYY [HH:MM:SS], HH:MM:SS, or "+strings.Join(report.Keywords, ", "))
	}
	for _, n := range []string{"te", "end"} {
		fs.Var(&o.end, n, "end `date [time]`, as -ts")
	}
}

func runReport(ctx context.Context, fs *flag.FlagSet) error {
	return reportMain(ctx, fs, os.Stdout)
}

func reportMain(ctx context.Context, fs *flag.FlagSet, stdout io.Writer) error {
	o := &reportOpts
	// A -ts or -te followed by a second word (its time or date) stops the
	// flag package; take the word and parse on.
	for fs.NArg() > 0 {
		a := fs.Arg(0)
		if o.pendingTimeValue == nil || len(o.pendingTimeValue.args) != 1 || strings.HasPrefix(a, "-") {
			return usageError("unexpected argument %q", a)
		}
		o.pendingTimeValue.args = append(o.pendingTimeValue.args, a)
		o.pendingTimeValue = nil
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return usageError("%v", err)
		}
	}
	opt := report.Options{Interpret: o.interp, Totals: o.totals}
	switch len(o.kinds) {
	case 0:
		opt.Kind = report.Summary
	case 1:
		opt.Kind = o.kinds[0]
	default:
		return usageError("only one report can be specified")
	}
	switch {
	case o.failed && o.success:
		return usageError("--failed and --success exclude each other")
	case o.failed:
		opt.Outcome = report.Failed
	case o.success:
		opt.Outcome = report.Succeed
	}
	now := time.Now()
	var err error
	if len(o.start.args) > 0 {
		if opt.Start, err = report.ParseTime(o.start.args, true, now, time.Local); err != nil {
			return usageError("-ts: %v", err)
		}
	}
	if len(o.end.args) > 0 {
		if opt.End, err = report.ParseTime(o.end.args, false, now, time.Local); err != nil {
			return usageError("-te: %v", err)
		}
	}
	var files []string
	if o.input == "" && stdinIsPipe() {
		files = []string{"-"}
	} else {
		var logFile string
		if o.input == "" {
			if logFile, err = auditconf.LogFileOf(auditconf.DefaultPath); err != nil {
				return err
			}
		}
		if files, err = report.Inputs(o.input, logFile); err != nil {
			return err
		}
		if !o.noProgress && isTerminal(os.Stderr) {
			if total := progress.Total(files); total >= progress.MinTotal {
				opt.Progress, opt.ProgressTotal = os.Stderr, total
			}
		}
	}
	err = report.Run(ctx, stdout, files, opt)
	if errors.Is(err, report.ErrNoEvents) {
		// Printed already, as aureport does; only the status says it.
		return exitStatus(1)
	}
	return err
}

func stdinIsPipe() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&os.ModeNamedPipe != 0
}
