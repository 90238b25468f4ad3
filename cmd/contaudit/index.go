package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/contaudit/contaudit/internal/auditconf"
	"github.com/contaudit/contaudit/internal/logindex"
	"github.com/contaudit/contaudit/internal/progress"
	"github.com/contaudit/contaudit/internal/search"
)

func init() {
	register(&command{
		name:    "index",
		summary: "Index audit logs, so that searches read only where they may match.",
		usage:   "[-if FILE|DIR] [--index-dir DIR] [--prune]",
		examples: `  contaudit index                        # auditd.conf's log_file and its rotated siblings
  contaudit index --prune                # the same, and drop the indexes of logs gone since
  contaudit index -if /srv/logs/web1     # the audit.log* files of another host
  contaudit index -if big.log --index-dir /tmp/idx && contaudit search -if big.log --index-dir /tmp/idx -k passwd

An index is kept per file (by device and inode, so it follows a rotation)
and covers the file up to a line where no event is open; a log that
grew is extended from there on the next run, and a log that was
rewritten is indexed anew. Run it from cron or a timer after rotations:
"contaudit search" uses the indexes it finds (--no-index to not).
gzip-compressed files are not indexed. docs/search.md says more.`,
		flags: indexFlags,
		run: func(ctx context.Context, fs *flag.FlagSet) error {
			return runIndex(ctx, fs, os.Stdout, os.Stderr)
		},
	})
}

type indexOpts struct {
	input, dir        string
	prune, noProgress bool
	segment           int64
}

var iopts = &indexOpts{}

func indexFlags(fs *flag.FlagSet) {
	o := iopts
	*o = indexOpts{}
	fs.StringVar(&o.input, "if", "", "index FILE, or the audit.log* files of DIRECTORY, instead of auditd.conf's log_file and its rotated siblings")
	fs.StringVar(&o.input, "input", "", "same as -if")
	fs.StringVar(&o.dir, "index-dir", search.DefaultIndexDir, "where indexes are kept")
	fs.BoolVar(&o.prune, "prune", false, "remove the indexes in --index-dir of files this run does not list (logs rotated away)")
	fs.BoolVar(&o.noProgress, "no-progress", false, "no progress line on a terminal")
	fs.Int64Var(&o.segment, "segment-size", 64<<10, "bytes past which a segment ends where it can: smaller skips more precisely, with a larger index")
}

func runIndex(ctx context.Context, fs *flag.FlagSet, stdout, stderr io.Writer) error {
	o := iopts
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	if o.segment < 1 {
		return usageError("--segment-size must be at least 1")
	}
	var srcs []search.Source
	var err error
	if o.input != "" {
		if srcs, err = search.Expand(o.input); err != nil {
			return fmt.Errorf("input %s: %w", o.input, err)
		}
	} else {
		logFile, err := auditconf.LogFileOf(auditconf.DefaultPath)
		if err != nil {
			return err
		}
		if srcs, err = search.LogFiles(logFile); err != nil {
			return err
		}
	}
	type file struct{ dev, ino uint64 }
	listed := map[file]bool{}
	failed := 0
	for _, src := range srcs {
		opt := search.IndexOptions{Dir: o.dir, SegmentSize: o.segment}
		if f, ok := stderr.(*os.File); ok && !o.noProgress && isTerminal(f) {
			if progress.Total([]string{src.Path}) >= progress.MinTotal {
				opt.Progress = stderr
			}
		}
		// Every file listed keeps its index from --prune, indexed now or
		// not (a failure is not a reason to lose the old index).
		if f, err := os.Open(src.Path); err == nil {
			if dev, ino, _, err := logindex.Identify(f); err == nil {
				listed[file{dev, ino}] = true
			}
			f.Close()
		}
		res, err := search.BuildIndex(ctx, src.Path, opt)
		switch {
		case errors.Is(err, search.ErrCompressed):
			fmt.Fprintf(stdout, "%s: not indexed: gzip-compressed\n", src.Name)
			continue
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(stderr, "contaudit index: %s: %v\n", src.Name, err)
			failed++
			continue
		}
		how := "new"
		if res.Reused {
			how = fmt.Sprintf("%d new", res.Added)
		}
		fmt.Fprintf(stdout, "%s: %d segments (%s), %s of %s indexed, index %s\n", src.Name, res.Segments, how,
			progress.Size(res.End), progress.Size(res.Size), progress.Size(int64(res.Bytes)))
	}
	if o.prune {
		n, err := logindex.Prune(o.dir, func(dev, ino uint64) bool { return listed[file{dev, ino}] })
		if err != nil {
			return fmt.Errorf("prune %s: %w", o.dir, err)
		}
		fmt.Fprintf(stdout, "pruned %d index(es) of files no longer listed\n", n)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d file(s) not indexed", failed, len(srcs))
	}
	return nil
}
