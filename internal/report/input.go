package report

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/interpret"
	"github.com/contaudit/contaudit/internal/progress"
	"github.com/contaudit/contaudit/internal/record"
)

// RotatedLogs returns the files of a log set in the order they were
// written: base.N (or base.N.gz) down to base.1, then base. Like
// aureport, it counts up from base.1 and stops at the first number
// missing. base itself need not exist if rotated files do.
func RotatedLogs(base string) ([]string, error) {
	var rotated []string
	for n := 1; ; n++ {
		p := base + "." + strconv.Itoa(n)
		if _, err := os.Stat(p); err == nil {
			rotated = append(rotated, p)
			continue
		}
		if _, err := os.Stat(p + ".gz"); err == nil {
			rotated = append(rotated, p+".gz")
			continue
		}
		break
	}
	var out []string
	for i := len(rotated) - 1; i >= 0; i-- {
		out = append(out, rotated[i])
	}
	if _, err := os.Stat(base); err == nil {
		out = append(out, base)
	} else if len(out) == 0 {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}

// Inputs resolves -if: a directory means its audit.log set (rotated files
// included), a file means that file alone, "" the set of defaultLog (the
// log_file of auditd.conf, as aureport reads).
func Inputs(path, defaultLog string) ([]string, error) {
	if path == "" {
		return RotatedLogs(defaultLog)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	if fi.IsDir() {
		return RotatedLogs(filepath.Join(path, "audit.log"))
	}
	return []string{path}, nil
}

// Run reads the named logs in order (gzip-compressed ones too, "-" is
// standard input) into a new Report writing to w, and finishes it.
func Run(ctx context.Context, w io.Writer, files []string, opt Options) error {
	r := New(w, opt)
	r.prog = progress.New(opt.Progress, "reading", opt.ProgressTotal)
	for i, name := range files {
		if err := ctx.Err(); err != nil {
			r.prog.Finish()
			return err
		}
		if err := r.ReadFile(ctx, name, i == len(files)-1); err != nil {
			r.prog.Finish()
			r.w.Flush()
			return err
		}
	}
	r.prog.Finish()
	return r.Finish()
}

// ReadFile reads one log file; last says whether it is the last of the
// set, after which open events are ended (aureport does the same).
func (r *Report) ReadFile(ctx context.Context, name string, last bool) error {
	var rd io.Reader
	if name == "-" {
		rd = os.Stdin
		name = "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("input: %w", err)
		}
		defer f.Close()
		rd = r.prog.Reader(f) // compressed bytes, as the sizes are
	}
	br := bufio.NewReaderSize(rd, 256<<10)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("input %s: %w", name, err)
		}
		defer zr.Close()
		rd = zr
	} else {
		rd = br
	}
	return r.Read(ctx, name, rd, last)
}

// Read reads a log in auditd's line format from rd; name labels it (the -t
// report prints it). Lines that do not parse, and records without a
// timestamp, belong to no event and are skipped, as aureport skips them.
func (r *Report) Read(ctx context.Context, name string, rd io.Reader, last bool) error {
	if r.asm == nil {
		r.asm = event.NewAssembler[*message](event.Config{
			CloseOnProctitle: true,
			// aureport's grouping (ausearch-lol.c): an event is over
			// when one starts more than 2 whole seconds after it, or at
			// once if its first record is of a type lol takes to stand
			// alone. The clock below ticks in whole seconds to match.
			EndOfEventTimeout: 3 * time.Second,
			Standalone:        lolStandalone,
		})
	}
	r.StartFile()
	lr := record.NewReader(rd, name)
	for n := 0; ; n++ {
		if n&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := lr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *record.ParseError
		if errors.As(err, &pe) {
			r.Stats.Skipped++
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if rec.Flags&record.NoTimestamp != 0 {
			r.Stats.Skipped++
			continue
		}
		r.Stats.Records++
		// The assembler keeps records until their event ends, past the
		// reader's next call: it gets a copy of what the report reads,
		// in a message recycled once its event is done.
		m := r.message()
		m.typ, m.name = rec.Type, rec.TypeName
		text := rec.Raw
		if i := bytes.IndexByte(text, interpret.Separator); i >= 0 {
			text = text[:i]
		}
		m.text = append(m.text[:0], text...)
		k := event.Key{Node: rec.Node, Sec: rec.Sec, Msec: rec.Msec, Serial: rec.Serial}
		now := time.Unix(rec.Sec, 0)
		r.emit(r.asm.Add(k, rec.Type, m, now))
		// The clock ticks in seconds: expiring more often finds nothing.
		if rec.Sec != r.expired {
			r.expired = rec.Sec
			r.emit(r.asm.Expire(now))
		}
	}
	if last {
		r.emit(r.asm.Flush())
	}
	r.EndFile(name)
	return nil
}

// lolStandalone is ausearch-lol.c's test for a one-record event, made on
// an event's first record: PROCTITLE, every type below the kernel's event
// range (USER_*, LOGIN, DAEMON_* ...), everything from 2100 up, KERNEL and
// the NetLabel MAC types.
func lolStandalone(t uint32) bool {
	return t == typeProctitle || t < typeSyscall || t >= typeFirstAnomMsg || t == typeKernel ||
		t >= typeMacUnlblAllow && t <= typeMacCalipsoDel
}

// Stats counts what the Report has read.
type Stats struct {
	Records int // records read
	Skipped int // lines that did not parse or had no timestamp
	Events  int // events assembled
}

// message is what the report keeps of a record while its event is open.
type message struct {
	typ  uint32
	name string // interned by the parser
	text []byte // the line without its ENRICHED tail
}

func (r *Report) message() *message {
	if n := len(r.free); n > 0 {
		m := r.free[n-1]
		r.free = r.free[:n-1]
		return m
	}
	return &message{}
}

func (r *Report) emit(evs []event.Event[*message]) {
	for _, e := range evs {
		r.Stats.Events++
		r.msgs, r.typs, r.names = r.msgs[:0], r.typs[:0], r.names[:0]
		for _, m := range e.Records {
			r.msgs = append(r.msgs, m.text)
			r.typs = append(r.typs, m.typ)
			r.names = append(r.names, m.name)
		}
		r.event(e.Key)
		r.free = append(r.free, e.Records...)
	}
}
