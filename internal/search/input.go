package search

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/contaudit/contaudit/internal/auditconf"
)

// Source is one input to search: a file, or stdin.
type Source struct {
	Name string // for messages and ParseErrors
	Path string // "" for Reader
	// Reader is read instead of Path when set (stdin).
	Reader io.Reader
}

// DefaultLogFile is where auditd writes when auditd.conf says nothing.
const DefaultLogFile = "/var/log/audit/audit.log"

// ConfiguredLogFile returns the log_file of the auditd.conf at path, or
// DefaultLogFile when the file does not exist.
func ConfiguredLogFile(path string) (string, error) {
	cfg, err := auditconf.Load(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return DefaultLogFile, nil
		}
		return "", fmt.Errorf("read log_file from %s: %w", path, err)
	}
	if cfg.LogFile == "" {
		return DefaultLogFile, nil
	}
	return cfg.LogFile, nil
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
	var n int64
	for _, s := range srcs {
		if s.Path == "" {
			continue
		}
		if fi, err := os.Stat(s.Path); err == nil {
			n += fi.Size()
		}
	}
	return n
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
