package record

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxLineSize is the longest line a Reader accepts unless told
// otherwise. The kernel caps a record at 8560 bytes (AUDIT_MESSAGE_TEXT_MAX);
// auditd's enriched form and hand-made logs can be longer, so be generous.
const DefaultMaxLineSize = 1 << 20

// Stats counts what a Reader has seen.
type Stats struct {
	Lines   int // lines read, blank and comment lines included
	Skipped int // blank lines and '#' comments
	Records int // records returned
	Errors  int // ParseErrors returned
}

// Reader reads records from a log in auditd's line format. Like
// encoding/csv, it returns a *ParseError for a line it cannot use and moves
// on, so the caller decides whether to stop, count or log; nothing is
// skipped silently. Blank lines and lines starting with '#' are skipped.
type Reader struct {
	// MaxLineSize is the longest line accepted; longer ones are an
	// ErrLineTooLong ParseError. Set it before the first Next.
	MaxLineSize int

	file    string
	br      *bufio.Reader
	p       Parser
	line    int
	rest    []byte // the rest of a line that holds more than one record
	restOff int    // offset of rest in its line, for error columns
	long    []byte // lines longer than br's buffer are assembled here
	stats   Stats
	err     error // sticky error of the underlying reader
}

// NewReader returns a Reader of r; file names it in ParseErrors.
func NewReader(r io.Reader, file string) *Reader {
	return &Reader{MaxLineSize: DefaultMaxLineSize, file: file, br: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next record. It is valid until the next call (Clone it to
// keep it). At the end of input Next returns io.EOF. A *ParseError means one
// line (or the rest of one) could not be parsed; call Next again to go on.
// Any other error comes from the underlying reader and is returned again by
// every later call.
func (r *Reader) Next() (*Record, error) {
	for {
		if len(r.rest) > 0 {
			rec, rest, err := r.p.ParseLine(r.rest)
			if err != nil {
				return nil, r.parseError(err, r.restOff)
			}
			rec.Flags |= SharedLine
			r.restOff += len(r.rest) - len(rest)
			r.rest = rest
			r.stats.Records++
			return rec, nil
		}
		if r.err != nil {
			return nil, r.err
		}
		line, err := r.readLine()
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				r.stats.Errors++
				return nil, err
			}
			r.err = err
			return nil, err
		}
		t := bytes.TrimLeft(line, " \t\r")
		if len(t) == 0 || t[0] == '#' {
			r.stats.Skipped++
			continue
		}
		rec, rest, err := r.p.ParseLine(line)
		if err != nil {
			return nil, r.parseError(err, 0)
		}
		if len(rest) > 0 {
			rec.Flags |= SharedLine
			r.rest, r.restOff = rest, len(line)-len(rest)
		}
		r.stats.Records++
		return rec, nil
	}
}

// Line returns the number of the line of the record or error Next last
// returned.
func (r *Reader) Line() int { return r.line }

// Stats returns the counts so far.
func (r *Reader) Stats() Stats { return r.stats }

func (r *Reader) parseError(err error, off int) error {
	r.rest = nil
	r.stats.Errors++
	pe := &ParseError{File: r.file, Line: r.line, Err: err}
	var inner *ParseError
	if errors.As(err, &inner) {
		pe.Err = inner.Err
		if inner.Column > 0 {
			pe.Column = inner.Column + off
		}
	}
	return pe
}

// readLine returns the next line without its '\n'.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.long = append(r.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.br.ReadSlice('\n')
			if len(r.long)+len(line) > r.MaxLineSize+1 {
				n := len(r.long) + len(line)
				for errors.Is(err, bufio.ErrBufferFull) {
					line, err = r.br.ReadSlice('\n')
					n += len(line)
				}
				if err != nil && !errors.Is(err, io.EOF) {
					return nil, err
				}
				r.line++
				r.stats.Lines++
				return nil, &ParseError{File: r.file, Line: r.line,
					Err: fmt.Errorf("%w: more than %d bytes (%d)", ErrLineTooLong, r.MaxLineSize, n)}
			}
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(line) == 0 {
		return nil, io.EOF
	}
	r.line++
	r.stats.Lines++
	line = bytes.TrimSuffix(line, []byte{'\n'})
	if len(line) > r.MaxLineSize {
		return nil, &ParseError{File: r.file, Line: r.line,
			Err: fmt.Errorf("%w: more than %d bytes (%d)", ErrLineTooLong, r.MaxLineSize, len(line))}
	}
	return line, nil
}
