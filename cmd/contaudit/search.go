package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/contaudit/contaudit/internal/auditconf"
	"github.com/contaudit/contaudit/internal/progress"
	"github.com/contaudit/contaudit/internal/search"
)

func init() {
	register(&command{
		name:    "search",
		summary: "Search audit logs for events, as ausearch(8) does.",
		usage:   "[options]",
		examples: `  contaudit search -m SYSCALL -sc execve -ts today -i
  contaudit search -k passwd-watch --format raw -if /var/log/audit
  contaudit search -ua 1000 -ts 11/25/26 07:00:00 -te now
  contaudit search --contid 4 --input-logs --just-one
  contaudit search --checkpoint /var/lib/contaudit/ckpt -m USER_LOGIN -i`,
		flags: searchFlags,
		run: func(ctx context.Context, fs *flag.FlagSet) error {
			return runSearch(ctx, fs, os.Stdin, os.Stdout, os.Stderr)
		},
	})
}

// searchOpts holds the flags as given; runSearch checks and converts them
// so that every error names the flag.
type searchOpts struct {
	event, comm, exit, file, key, message, pid, ppid, session, syscall string
	success, uidAll, uid, euid, auid, gidAll, gid, egid, exe, node     string
	host, terminal, contid, input, format, checkpoint, indexDir        string
	interpret, raw, inputLogs, justOne, word, noProgress, noIndex      bool
	extraKeys, extraLabels, extraObj2, extraTime                       bool
	start, end                                                         timeFlag
	lastTime                                                           *timeFlag
}

var sopts = &searchOpts{}

// timeFlag takes the first word of -ts/-te; the optional second word
// (a time of day), which the flag package leaves as an argument, is
// attached by runSearch.
type timeFlag struct {
	date, clock string
	set         bool
	last        **timeFlag
}

func (t *timeFlag) String() string {
	if t == nil {
		return ""
	}
	return strings.TrimSpace(t.date + " " + t.clock)
}

func (t *timeFlag) Set(s string) error {
	t.date, t.clock, t.set = s, "", true
	*t.last = t
	return nil
}

func searchFlags(fs *flag.FlagSet) {
	o := sopts
	*o = searchOpts{}
	str := func(p *string, usage string, names ...string) {
		for _, n := range names {
			fs.StringVar(p, n, "", usage)
		}
	}
	boolean := func(p *bool, usage string, names ...string) {
		for _, n := range names {
			fs.BoolVar(p, n, false, usage)
		}
	}
	str(&o.event, "event serial number", "a", "event")
	str(&o.comm, "command name (comm=), substring unless -w", "c", "comm")
	str(&o.exit, "syscall exit code or errno name (EACCES)", "e", "exit")
	str(&o.file, "file name (PATH name=, CWD cwd=), substring unless -w", "f", "file")
	str(&o.key, "rule key, substring unless -w", "k", "key")
	str(&o.message, "record type(s): comma list of names or numbers, or ALL", "m", "message")
	str(&o.pid, "process id", "p", "pid")
	str(&o.ppid, "parent process id", "pp", "ppid")
	str(&o.session, "login session id (ses=)", "se", "session")
	str(&o.syscall, "syscall name or number", "sc", "syscall")
	str(&o.success, "syscall success: yes or no", "sv", "success")
	str(&o.uidAll, "uid, euid or auid (name or number)", "ua", "uid-all")
	str(&o.uid, "uid (name or number)", "ui", "uid")
	str(&o.euid, "effective uid", "ue", "uid-effective")
	str(&o.auid, "login uid (auid)", "ul", "loginuid")
	str(&o.gidAll, "gid or egid (name or number)", "ga", "gid-all")
	str(&o.gid, "gid", "gi", "gid")
	str(&o.egid, "effective gid", "ge", "gid-effective")
	str(&o.exe, "executable (exe=), substring unless -w", "x", "executable")
	str(&o.node, "node name (node= prefix), substring unless -w", "n", "node")
	str(&o.host, "remote host name (hostname=)", "hn", "host")
	str(&o.terminal, "terminal (terminal=)", "tm", "terminal")
	str(&o.contid, "audit container id: the process's or any ancestor's (CONTAINER_ID contid=)", "contid")
	str(&o.input, "read FILE, or the audit.log* files of DIRECTORY, instead of the logs (every file, whatever its time)", "if", "input")
	str(&o.format, "output format: raw, default, interpret, csv, text (auparse's normalised event, as a CSV line or an English sentence), json (one event per line; with -i, fields interpreted too)", "format")
	str(&o.checkpoint, "resume after the last event the previous run with FILE saw, and save it", "checkpoint")
	boolean(&o.interpret, "interpret fields, as ausearch -i (= --format interpret)", "i", "interpret")
	boolean(&o.raw, "raw output (= --format raw)", "r", "raw")
	boolean(&o.inputLogs, "read the log_file of /etc/audit/auditd.conf and its rotated siblings (with -ts or --checkpoint, not those last written 5 minutes before)", "input-logs")
	boolean(&o.justOne, "stop after the first matching event", "just-one")
	boolean(&o.word, "string options match whole values", "w", "word")
	boolean(&o.noProgress, "no progress line on a terminal", "no-progress")
	fs.StringVar(&o.indexDir, "index-dir", search.DefaultIndexDir, "where the indexes made by contaudit index are looked for")
	boolean(&o.noIndex, "read every file whole, even where an index says nothing can match", "no-index")
	boolean(&o.extraKeys, "--format csv: add a KEY column", "extra-keys")
	boolean(&o.extraLabels, "--format csv: add SUBJ_LABEL and OBJ_LABEL columns (subj= and obj=)", "extra-labels")
	boolean(&o.extraObj2, "--format csv: add an OBJ2 column (a second object)", "extra-obj2")
	boolean(&o.extraTime, "--format csv: add YEAR,MONTH,DAY,WEEKDAY,HOUR,MILLI,GMT_OFFSET columns", "extra-time")
	o.start.last, o.end.last = &o.lastTime, &o.lastTime
	fs.Var(&o.start, "ts", "start: MM/DD/YY [HH:MM:SS], HH:MM:SS, or a keyword (now, recent, this-hour, boot, today, yesterday, this-week, week-ago, this-month, this-year, checkpoint)")
	fs.Var(&o.start, "start", "same as -ts")
	fs.Var(&o.end, "te", "end: as -ts (a missing time is now)")
	fs.Var(&o.end, "end", "same as -te")
}

// attachTimes gives -ts/-te their second word and parses the flags after
// it, which the flag package stopped at.
func attachTimes(fs *flag.FlagSet, o *searchOpts) error {
	for fs.NArg() > 0 {
		arg := fs.Arg(0)
		t := o.lastTime
		if t == nil || t.clock != "" || !search.IsClock(arg) || search.IsClock(t.date) {
			return usageError("unexpected argument %q", arg)
		}
		t.clock = arg
		o.lastTime = nil
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return usageError("%v", err)
		}
	}
	return nil
}

func runSearch(ctx context.Context, fs *flag.FlagSet, stdin *os.File, stdout, stderr io.Writer) error {
	o := sopts
	if err := attachTimes(fs, o); err != nil {
		return err
	}
	q, err := buildQuery(o)
	if err != nil {
		return err
	}
	format := search.FormatDefault
	switch {
	case o.format != "":
		if format, err = search.ParseFormat(o.format); err != nil {
			return usageError("%v", err)
		}
	case o.interpret:
		format = search.FormatInterpret
	case o.raw:
		format = search.FormatRaw
	}
	if o.format != "" && o.format != "interpret" && o.format != "json" && o.interpret || o.interpret && o.raw {
		return usageError("-i and raw output exclude each other")
	}
	if (o.extraKeys || o.extraLabels || o.extraObj2 || o.extraTime) && format != search.FormatCSV {
		return usageError("--extra options requires format to be csv")
	}

	var ckpt *search.Checkpoint
	if o.checkpoint != "" {
		if ckpt, err = search.LoadCheckpoint(o.checkpoint); err != nil {
			// ausearch's statuses: 10 for a checkpoint that does not
			// fit the log, 11 for one that cannot be read.
			fmt.Fprintf(stderr, "contaudit search: %v\n", err)
			if errors.Is(err, search.ErrCheckpointData) {
				return exitStatus(10)
			}
			return exitStatus(11)
		}
	}
	for _, t := range []*timeFlag{&o.start, &o.end} {
		if t.set && t.date == "checkpoint" {
			if ckpt == nil || !ckpt.Valid {
				return usageError("-ts checkpoint needs --checkpoint FILE with a saved event")
			}
			if t == &o.start {
				q.Start = ckpt.Time()
			} else {
				q.End = ckpt.Time()
			}
		}
	}

	srcs, err := searchSources(o, stdin)
	if err != nil {
		return err
	}
	srcs, _ = search.SkipWritten(srcs, search.Since(q, ckpt))
	opt := search.Options{Format: format, JustOne: o.justOne, Checkpoint: ckpt,
		JSONInterpret: format == search.FormatJSON && o.interpret, Stderr: stderr,
		Extras: search.CSVExtras{Keys: o.extraKeys, Labels: o.extraLabels, Obj2: o.extraObj2, Time: o.extraTime}}
	if !o.noIndex {
		opt.IndexDir = o.indexDir
	}
	if f, ok := stderr.(*os.File); ok && !o.noProgress && isTerminal(f) {
		if total := search.TotalSize(srcs); total >= progress.MinTotal {
			opt.Progress, opt.ProgressTotal = stderr, total
		}
	}
	st, err := search.Search(ctx, search.NewMatcher(q), srcs, stdout, opt)
	st.Report(stderr)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	if ckpt != nil {
		if err := ckpt.Save(o.checkpoint); err != nil {
			fmt.Fprintf(stderr, "contaudit search: %v\n", err)
			return exitStatus(11)
		}
	}
	if st.Matched == 0 {
		fmt.Fprintln(stderr, "<no matches>")
		return exitStatus(1)
	}
	return nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// searchSources picks the input as ausearch does: -if, then
// --input-logs, then stdin when it is a pipe or file, then the logs.
func searchSources(o *searchOpts, stdin *os.File) ([]search.Source, error) {
	if o.input != "" {
		if o.inputLogs {
			return nil, usageError("-if and --input-logs exclude each other")
		}
		srcs, err := search.Expand(o.input)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", o.input, err)
		}
		return srcs, nil
	}
	if !o.inputLogs && stdin != nil && !isTerminal(stdin) {
		if fi, err := stdin.Stat(); err == nil && (fi.Mode()&os.ModeNamedPipe != 0 || fi.Mode().IsRegular()) {
			return []search.Source{{Name: "stdin", Reader: stdin}}, nil
		}
	}
	logFile, err := auditconf.LogFileOf(auditconf.DefaultPath)
	if err != nil {
		return nil, err
	}
	return search.HostLogs(logFile)
}

func buildQuery(o *searchOpts) (search.Query, error) {
	var q search.Query
	var err error
	num := func(flagName, v string, dst *search.Int, parse func(string) (int64, error)) {
		if err != nil || v == "" {
			return
		}
		var n int64
		if n, err = parse(v); err != nil {
			err = usageError("-%s: %v", flagName, err)
			return
		}
		*dst = search.SetInt(n)
	}
	decimal := func(what string) func(string) (int64, error) {
		return func(s string) (int64, error) {
			var n int64
			if _, e := fmt.Sscan(s, &n); e != nil || fmt.Sprint(n) != s {
				return 0, fmt.Errorf("%s must be a number, was %q", what, s)
			}
			return n, nil
		}
	}
	num("a", o.event, &q.EventID, decimal("event id"))
	num("p", o.pid, &q.PID, decimal("process id"))
	num("pp", o.ppid, &q.PPID, decimal("parent process id"))
	num("se", o.session, &q.Session, func(s string) (int64, error) {
		if s == "-1" {
			return 4294967295, nil // unset, as logged
		}
		return decimal("session id")(s)
	})
	num("e", o.exit, &q.Exit, search.ParseExit)
	num("sc", o.syscall, &q.Syscall, func(s string) (int64, error) { return search.ParseSyscall(s, search.HostArch()) })
	num("ua", o.uidAll, &q.AnyUID, search.ParseUser)
	num("ui", o.uid, &q.UID, search.ParseUser)
	num("ue", o.euid, &q.EUID, search.ParseUser)
	num("ul", o.auid, &q.AUID, search.ParseUser)
	num("ga", o.gidAll, &q.AnyGID, search.ParseGroup)
	num("gi", o.gid, &q.GID, search.ParseGroup)
	num("ge", o.egid, &q.EGID, search.ParseGroup)
	num("contid", o.contid, &q.ContID, search.ParseContID)
	if err != nil {
		return q, err
	}
	if o.success != "" {
		if q.Success, err = search.ParseSuccess(o.success); err != nil {
			return q, usageError("-sv: %v", err)
		}
	}
	if o.message != "" {
		if q.Types, q.TypeNames, err = search.ParseMessageTypes(o.message); err != nil {
			return q, usageError("-m: %v", err)
		}
	}
	q.Comm, q.Exe, q.File, q.Key, q.Node = o.comm, o.exe, o.file, o.key, o.node
	q.Hostname, q.Terminal, q.Word = o.host, o.terminal, o.word
	for _, t := range []struct {
		f   *timeFlag
		dst *time.Time
		end bool
	}{{&o.start, &q.Start, false}, {&o.end, &q.End, true}} {
		if !t.f.set || t.f.date == "checkpoint" {
			continue
		}
		if *t.dst, err = search.ParseTime(t.f.date, t.f.clock, t.end, search.Clock{}); err != nil {
			name := "-ts"
			if t.end {
				name = "-te"
			}
			return q, usageError("%s: %v", name, err)
		}
	}
	return q, nil
}
