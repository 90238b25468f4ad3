package search

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/contaudit/contaudit/internal/progress"
)

// Source is one input to search: a file, or stdin.
type Source struct {
	Name string // for messages and ParseErrors
	Path string // "" for Reader
	// Reader is read instead of Path when set (stdin).
	Reader io.Reader
	// LastWrite, when set, is a time that no record in the source is
	// stamped after: the file's modification time, for this host's own
	// logs (HostLogs). The kernel stamps a record before the daemon
	// writes it, and each write sets the file's time from the same
	// clock; a rename (rotation) or gzip keeps it. Zero means unknown:
	// a file copied from another host may carry stamps from a clock
	// ahead of the one that set its time.
	LastWrite time.Time
}

// LogFiles returns base and its rotated siblings in the order ausearch
// reads them, oldest first: base.N ... base.2, base.1, base. A sibling
// compressed by logrotate (base.N.gz, base.gz) takes the place of its
// number. Missing files are left out; no file at all is an error.
func LogFiles(base string) ([]Source, error) {
	dir, name := filepath.Split(base)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list logs of %s: %w", base, err)
	}
	type rotated struct {
		n    int
		path string
	}
	var files []rotated
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		n, ok := rotationNumber(name, e.Name())
		if !ok {
			continue
		}
		files = append(files, rotated{n, filepath.Join(dir, e.Name())})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no audit log %s (nor rotated %s.N)", base, name)
	}
	sort.SliceStable(files, func(i, j int) bool {
		if files[i].n != files[j].n {
			return files[i].n > files[j].n
		}
		return files[i].path < files[j].path
	})
	out := make([]Source, len(files))
	for i, f := range files {
		out[i] = Source{Name: f.path, Path: f.path}
	}
	return out, nil
}

// HostLogs is LogFiles for this host's own logs, whose modification
// times bound their records' stamps (Source.LastWrite).
func HostLogs(base string) ([]Source, error) {
	srcs, err := LogFiles(base)
	if err != nil {
		return nil, err
	}
	for i := range srcs {
		if fi, err := os.Stat(srcs[i].Path); err == nil {
			srcs[i].LastWrite = fi.ModTime()
		}
	}
	return srcs, nil
}

// LastWriteMargin is how far before a record's stamp SkipWritten lets
// its file's time lie: file systems that keep times to the second or two
// (ext3's small inodes, FAT) round them down, a log directory on NFS
// takes the server's clock, and NTP may step the clock back a little.
const LastWriteMargin = 5 * time.Minute

// SkipWritten leaves out the sources last written more than
// LastWriteMargin before from: none of their records is stamped at or
// after from, so with -ts or a checkpoint (Since) they cannot print
// anything, and an event they share with the next file is as old. A
// checkpoint run from cron over years of rotated logs then reads only
// the newest (ausearch skips the files older than the checkpointed one
// too). It returns the sources to read and the number left out.
func SkipWritten(srcs []Source, from time.Time) ([]Source, int) {
	if from.IsZero() {
		return srcs, 0
	}
	kept := srcs[:0:0]
	for _, s := range srcs {
		if !s.LastWrite.IsZero() && s.LastWrite.Add(LastWriteMargin).Before(from) {
			continue
		}
		kept = append(kept, s)
	}
	return kept, len(srcs) - len(kept)
}

// Since is the oldest stamp a search can print: the later of q.Start
// (-ts) and the checkpointed event's; zero when neither bounds it.
func Since(q Query, ckpt *Checkpoint) time.Time {
	from := q.Start.Truncate(time.Second) // -ts compares seconds
	if ckpt != nil && ckpt.Valid && ckpt.Time().After(from) {
		from = ckpt.Time()
	}
	return from
}

// rotationNumber recognises base, base.gz, base.N and base.N.gz, and
// returns N (0 for base itself).
func rotationNumber(base, name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, base)
	if !ok {
		return 0, false
	}
	rest = strings.TrimSuffix(rest, ".gz")
	if rest == "" {
		return 0, true
	}
	digits, ok := strings.CutPrefix(rest, ".")
	if !ok || digits == "" {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || digits[0] == '+' {
		return 0, false
	}
	return n, true
}

// Expand turns the argument of -if into sources: a file is itself; a
// directory holds audit.log and its rotated siblings, read oldest first.
func Expand(path string) ([]Source, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return LogFiles(filepath.Join(path, "audit.log"))
	}
	return []Source{{Name: path, Path: path}}, nil
}

// TotalSize sums the sizes of the sources that are files, for progress.
func TotalSize(srcs []Source) int64 {
	paths := make([]string, len(srcs))
	for i, s := range srcs {
		paths[i] = s.Path
	}
	return progress.Total(paths)
}

// countingReader counts the bytes read from a file, compressed bytes for
// a gzip file, so that progress compares with file sizes.
type countingReader struct {
	r io.Reader
	n *atomic.Int64 // read by the searcher while a goroutine reads the file
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// open returns a reader of the source's text, decompressing gzip (known
// by its magic bytes, whatever the name), and a closer.
func (s Source) open(counter *atomic.Int64) (io.Reader, func() error, error) {
	var r io.Reader = s.Reader
	closer := func() error { return nil }
	if r == nil {
		f, err := os.Open(s.Path)
		if err != nil {
			return nil, nil, err
		}
		r, closer = f, f.Close
	}
	br := bufio.NewReaderSize(countingReader{r, counter}, 256<<10)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			closer()
			return nil, nil, fmt.Errorf("gzip %s: %w", s.Name, err)
		}
		return zr, func() error { zr.Close(); return closer() }, nil
	}
	return br, closer, nil
}
