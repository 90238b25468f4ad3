package search

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/record"
)

// Most records of a large log cannot satisfy a selective query, and for
// those only the stamp and type matter (to assemble events and print
// them). prefilter holds, for every option that looks at fields, byte
// strings at least one of which a line must contain to satisfy it (the
// value as written, or hex-encoded as the kernel writes strings with odd
// bytes). A line with none of them gets only headerOnly's cheap reading;
// the rest go through the full parser.
type prefilter struct {
	patterns [][]byte
	all      bool // some option has no useful pattern: parse every line
}

func newPrefilter(q Query) prefilter {
	var f prefilter
	str := func(s string) {
		if s == "" {
			return
		}
		// The kernel and libaudit hex-encode in upper case.
		f.patterns = append(f.patterns, []byte(s), bytes.ToUpper([]byte(hex.EncodeToString([]byte(s)))))
	}
	num := func(v Int) {
		if v.Set {
			f.patterns = append(f.patterns, strconv.AppendInt(nil, v.V, 10))
		}
	}
	id := func(v Int) {
		if v.Set {
			f.patterns = append(f.patterns, strconv.AppendUint(nil, uint64(uint32(v.V)), 10))
			if uint32(v.V) == 0xffffffff {
				f.patterns = append(f.patterns, []byte("-1"))
			}
		}
	}
	str(q.Comm)
	str(q.Exe)
	str(q.File)
	str(q.Key)
	str(q.Hostname)
	str(q.Terminal)
	num(q.PID)
	num(q.PPID)
	num(q.Syscall)
	num(q.Exit)
	for _, v := range []Int{q.Session, q.UID, q.EUID, q.AUID, q.AnyUID, q.GID, q.EGID, q.AnyGID} {
		id(v)
	}
	if q.ContID.Set {
		f.patterns = append(f.patterns, []byte("contid="))
	}
	if q.Success != SuccessAny {
		f.all = true // "1", "0", "yes": in nearly every line anyway
	}
	return f
}

// needsParse reports whether line may satisfy a field option.
func (f *prefilter) needsParse(line []byte) bool {
	if f.all {
		return true
	}
	for _, p := range f.patterns {
		if bytes.Contains(line, p) {
			return true
		}
	}
	return false
}

// header is what headerOnly reads of a line.
type header struct {
	node   string
	typ    uint32
	sec    int64
	msec   uint32
	serial uint64
}

// headerReader reads the header of the common line shape,
// "[node=N ]type=NAME msg=audit(SEC.MSC:SERIAL): ...", holding one record,
// exactly as record.Parser reads it; anything else is left to the parser.
type headerReader struct {
	types map[string]uint32 // type names seen, with their numbers
	nodes map[string]string // node names seen, interned
}

var (
	typePrefix  = []byte("type=")
	nodePrefix  = []byte("node=")
	stampPrefix = []byte(" msg=audit(")
	stampOpen   = []byte("audit(")
)

func (h *headerReader) read(line []byte) (header, bool) {
	var hd header
	if bytes.Count(line, stampOpen) != 1 {
		return hd, false // no stamp, or two records on one line
	}
	rest := line
	if bytes.HasPrefix(rest, nodePrefix) {
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 {
			return hd, false
		}
		name := rest[len(nodePrefix):sp]
		n, ok := h.nodes[string(name)]
		if !ok {
			if len(name) == 0 || bytes.ContainsAny(name, "\"'=") {
				return hd, false
			}
			if h.nodes == nil {
				h.nodes = map[string]string{}
			}
			n = string(name)
			h.nodes[n] = n
		}
		hd.node = n
		rest = rest[sp+1:]
	}
	if !bytes.HasPrefix(rest, typePrefix) {
		return hd, false
	}
	rest = rest[len(typePrefix):]
	sp := bytes.IndexByte(rest, ' ')
	if sp <= 0 {
		return hd, false
	}
	name := rest[:sp]
	t, ok := h.types[string(name)]
	if !ok {
		n, known := abi.MsgTypeByName(string(name))
		if !known || abi.MsgTypeName(n) != string(name) {
			return hd, false // UNKNOWN[n], numbers: the parser's business
		}
		if h.types == nil {
			h.types = map[string]uint32{}
		}
		h.types[string(name)] = n
		t = n
	}
	hd.typ = t
	rest = rest[sp:]
	if !bytes.HasPrefix(rest, stampPrefix) {
		return hd, false
	}
	rest = rest[len(stampPrefix):]
	dot := bytes.IndexByte(rest, '.')
	colon := bytes.IndexByte(rest, ':')
	end := bytes.IndexByte(rest, ')')
	if dot <= 0 || colon != dot+4 || end <= colon+1 || len(rest) <= end+1 || rest[end+1] != ':' {
		return hd, false
	}
	sec, ok1 := parseUint(rest[:dot])
	msec, ok2 := parseUint(rest[dot+1 : colon])
	serial, ok3 := parseUint(rest[colon+1 : end])
	if !ok1 || !ok2 || !ok3 || sec > 1<<62 {
		return hd, false
	}
	hd.sec, hd.msec, hd.serial = int64(sec), uint32(msec), serial
	return hd, true
}

// lineReader splits a log into lines as record.Reader does (without the
// '\n', skipping blank and '#' lines, lines longer than max reported as a
// record.ParseError), but reads into fresh blocks that it never writes
// again, so that a line it returns stays valid as long as something holds
// it: events keep their records' lines without copying them. A block is
// freed once no open or held event points into it.
type lineReader struct {
	file       string
	r          io.Reader
	buf        []byte
	start, end int // unread bytes are buf[start:end]
	err        error
	line       int
	max        int
}

const blockSize = 1 << 20

func newLineReader(r io.Reader, file string) *lineReader {
	return &lineReader{file: file, r: r, max: record.DefaultMaxLineSize}
}

// next returns the next line to parse, or a *record.ParseError, or the
// reader's error (io.EOF at the end).
func (l *lineReader) next() ([]byte, error) {
	for {
		line, err := l.raw()
		if err != nil {
			return nil, err
		}
		t := bytes.TrimLeft(line, " \t\r")
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		return line, nil
	}
}

func (l *lineReader) raw() ([]byte, error) {
	skipped := 0 // bytes of an overlong line dropped so far
	for {
		if i := bytes.IndexByte(l.buf[l.start:l.end], '\n'); i >= 0 {
			line := l.buf[l.start : l.start+i : l.start+i]
			l.start += i + 1
			l.line++
			if n := skipped + len(line); n > l.max {
				return nil, &record.ParseError{File: l.file, Line: l.line,
					Err: fmt.Errorf("%w: more than %d bytes (%d)", record.ErrLineTooLong, l.max, n)}
			}
			return line, nil
		}
		if l.err != nil {
			if l.start == l.end && skipped == 0 {
				return nil, l.err
			}
			line := l.buf[l.start:l.end:l.end]
			l.start = l.end
			l.line++
			if n := skipped + len(line); n > l.max {
				return nil, &record.ParseError{File: l.file, Line: l.line,
					Err: fmt.Errorf("%w: more than %d bytes (%d)", record.ErrLineTooLong, l.max, n)}
			}
			return line, nil
		}
		if l.end == len(l.buf) {
			partial := l.end - l.start
			if partial > l.max {
				// Drop what is held of an overlong line; keep counting.
				skipped += partial
				partial = 0
				l.start = l.end
			}
			nb := make([]byte, max(blockSize, 2*partial))
			copy(nb, l.buf[l.start:l.end])
			l.buf, l.start, l.end = nb, 0, partial
		}
		n, err := l.r.Read(l.buf[l.end:])
		l.end += n
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.EOF
			}
			l.err = err
		}
	}
}
