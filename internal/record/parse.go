package record

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/contaudit/contaudit/internal/abi"
)

// Errors wrapped in a *ParseError.
var (
	ErrEmpty       = errors.New("empty record")
	ErrNoType      = errors.New("record does not start with type=")
	ErrBadHeader   = errors.New("malformed audit(sec.msec:serial) header")
	ErrLineTooLong = errors.New("line too long")
)

// ParseError reports a record that could not be parsed and where. A Reader
// returns it and carries on with the next line.
type ParseError struct {
	File   string // as given to NewReader; "" for Parser calls
	Line   int    // 1-based; 0 for Parser calls
	Column int    // 1-based byte column of the problem; 0 if the whole line
	Err    error
}

func (e *ParseError) Error() string {
	switch {
	case e.Line == 0 && e.Column == 0:
		return "parse record: " + e.Err.Error()
	case e.Line == 0:
		return fmt.Sprintf("parse record: column %d: %v", e.Column, e.Err)
	case e.Column == 0:
		return fmt.Sprintf("parse record: %s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("parse record: %s:%d:%d: %v", e.File, e.Line, e.Column, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Parser parses records into one Record and buffers that it reuses, so that
// a warm Parser allocates nothing for the keys and types it has seen. The
// Record it returns is valid until the next call. A Parser is not safe for
// concurrent use; the zero value is ready.
type Parser struct {
	rec  Record
	keys internTable
	buf  []byte // decoded hex values; Record.dec points into it
	need int    // bytes of hex to decode in the current record
	tmp  []byte
}

// ParseLine parses the record at the start of line, a log line without its
// '\n'. It returns the record and the rest of the line, which is empty
// unless another record was written on the same line; parse that with the
// next call (Reader does). rec.Raw and rest together are exactly line.
// Exactly one of rec and err is nil.
func (p *Parser) ParseLine(line []byte) (rec *Record, rest []byte, err error) {
	p.reset()
	r := &p.rec
	i := skipSpace(line, 0, len(line))
	if i == len(line) {
		return nil, nil, &ParseError{Err: ErrEmpty}
	}
	if hasPrefixAt(line, i, "node=") || hasPrefixAt(line, i, "host=") {
		if line[i] == 'h' {
			r.Flags |= HostPrefix
		}
		j := scanToken(line, i+5, len(line))
		r.Node, _ = p.keys.lookup(line[i+5:j], keyHash(line[i+5:j]))
		i = skipSpace(line, j, len(line))
	}
	if !hasPrefixAt(line, i, "type=") {
		return nil, nil, &ParseError{Column: i + 1, Err: ErrNoType}
	}
	i += len("type=")
	j := scanToken(line, i, len(line))
	if j == i {
		return nil, nil, &ParseError{Column: i + 1, Err: fmt.Errorf("%w: empty type", ErrNoType)}
	}
	p.setTypeName(line[i:j])
	i = skipSpace(line, j, len(line))

	switch {
	case hasPrefixAt(line, i, "msg=audit("):
		i += len("msg=")
	case hasPrefixAt(line, i, "audit("):
		r.Flags |= NoMsgKey
	case hasPrefixAt(line, i, "msg=?") && (i+5 == len(line) || isSpace[line[i+5]]):
		r.Flags |= NoTimestamp
		i += len("msg=?")
	default:
		r.Flags |= NoTimestamp
	}
	if r.Flags&NoTimestamp == 0 {
		if i, err = p.stamp(line, i); err != nil {
			return nil, nil, err
		}
	}
	end := p.body(line, i, true)
	r.Raw = line[:end]
	if end < len(line) {
		r.Flags |= SharedLine
	}
	p.decodeHex()
	return r, line[end:], nil
}

// ParseNetlink parses the payload of a netlink audit message of type typ
// (nlmsg_type): "audit(1364481363.243:24287): key=value ...". Trailing NULs
// and newlines, which some senders include, are not part of the record.
func (p *Parser) ParseNetlink(typ uint32, payload []byte) (*Record, error) {
	p.reset()
	r := &p.rec
	n := len(payload)
	for n > 0 && (payload[n-1] == 0 || payload[n-1] == '\n') {
		n--
	}
	payload = payload[:n]
	r.Flags |= FromNetlink
	p.setType(typ)
	i := skipSpace(payload, 0, n)
	if !hasPrefixAt(payload, i, "audit(") {
		if i == n {
			return nil, &ParseError{Err: ErrEmpty}
		}
		return nil, &ParseError{Column: i + 1, Err: fmt.Errorf("%w: no audit( header", ErrBadHeader)}
	}
	i, err := p.stamp(payload, i)
	if err != nil {
		return nil, err
	}
	// One payload is one record: a "type=X msg=audit(" inside is data.
	p.body(payload, i, false)
	r.Raw = payload
	p.decodeHex()
	return r, nil
}

// ParseLine parses the first record of line with a fresh Parser; see
// Parser.ParseLine. Use a Parser to parse many lines without allocating.
func ParseLine(line []byte) (*Record, []byte, error) {
	var p Parser
	return p.ParseLine(line)
}

// ParseNetlink parses a netlink payload with a fresh Parser; see
// Parser.ParseNetlink.
func ParseNetlink(typ uint32, payload []byte) (*Record, error) {
	var p Parser
	return p.ParseNetlink(typ, payload)
}

func (p *Parser) reset() {
	f, e := p.rec.Fields[:0], p.rec.Enriched[:0]
	p.rec = Record{Fields: f, Enriched: e}
	p.need = 0
}

func (p *Parser) setTypeName(name []byte) {
	r := &p.rec
	if e, ok := typeNames()[string(name)]; ok {
		r.Type, r.TypeName = e.typ, e.name
		return
	}
	r.TypeName, _ = p.keys.lookup(name, keyHash(name))
	num := name
	if bytes.HasPrefix(num, []byte("UNKNOWN[")) && bytes.HasSuffix(num, []byte("]")) {
		num = num[len("UNKNOWN[") : len(num)-1]
	}
	if t, ok := parseUint(num, math.MaxUint32); ok {
		r.Type = uint32(t)
		return
	}
	r.Flags |= UnknownType
}

func (p *Parser) setType(t uint32) {
	r := &p.rec
	r.Type = t
	if n, ok := typeNumbers()[t]; ok {
		r.TypeName = n
		return
	}
	p.tmp = strconv.AppendUint(append(p.tmp[:0], "UNKNOWN["...), uint64(t), 10)
	p.tmp = append(p.tmp, ']')
	r.TypeName, _ = p.keys.lookup(p.tmp, keyHash(p.tmp))
}

// stamp parses "audit(sec.msec:serial)" and the ':' after it at b[i:].
func (p *Parser) stamp(b []byte, i int) (int, error) {
	r := &p.rec
	i += len("audit(")
	bad := func(at int, what string) (int, error) {
		return 0, &ParseError{Column: at + 1, Err: fmt.Errorf("%w: %s", ErrBadHeader, what)}
	}
	j := scanDigits(b, i)
	sec, ok := parseUint(b[i:j], math.MaxInt64)
	if !ok || j >= len(b) || b[j] != '.' {
		return bad(i, "seconds")
	}
	i = j + 1
	j = scanDigits(b, i)
	ms, ok := parseUint(b[i:j], 999)
	if !ok || j >= len(b) || b[j] != ':' {
		return bad(i, "milliseconds")
	}
	i = j + 1
	j = scanDigits(b, i)
	serial, ok := parseUint(b[i:j], math.MaxUint64)
	if !ok || j >= len(b) || b[j] != ')' {
		return bad(i, "serial")
	}
	r.Sec, r.Msec, r.Serial = int64(sec), uint32(ms), serial
	i = j + 1
	if i < len(b) && b[i] == ':' {
		i++
	} else {
		r.Flags |= NoColon
	}
	return i, nil
}

type scanMode uint8

const (
	modeMain scanMode = iota
	modeEnriched
	modeInner
)

// body parses the fields of b[i:]. It returns where the record ends, which is
// before len(b) only if split is set and another record starts on the line.
func (p *Parser) body(b []byte, i int, split bool) int {
	r := &p.rec
	mainEnd := len(b)
	gs := bytes.IndexByte(b[i:], 0x1d)
	if gs >= 0 {
		mainEnd = i + gs
	}
	// Glued enriched fields are looked for only when there is no 0x1D: with
	// one, auditd wrote the separator and anything before it is data.
	stop, glue := p.scan(b, i, mainEnd, modeMain, split, gs < 0)
	if stop < mainEnd {
		return stop
	}
	if glue >= 0 {
		r.Flags |= GluedEnriched
		return p.scanEnriched(b, glue, mainEnd, split)
	}
	if gs >= 0 {
		r.Flags |= Enriched
		return p.scanEnriched(b, mainEnd+1, len(b), split)
	}
	return len(b)
}

func (p *Parser) scanEnriched(b []byte, i, end int, split bool) int {
	stop, _ := p.scan(b, i, end, modeEnriched, split, false)
	return stop
}

// scan tokenizes b[i:end] into fields. It returns where it stopped (end, or
// the start of another record when split is set) and, when glue is set and
// interpreted fields are glued to a value, where they start (else -1).
func (p *Parser) scan(b []byte, i, end int, mode scanMode, split, glue bool) (stop, glueAt int) {
	r := &p.rec
	var flags FieldFlags
	if mode == modeInner {
		flags = FieldInner
	}
	for {
		for i < end && isSpace[b[i]] {
			i++
		}
		if i >= end {
			return end, -1
		}
		start := i
		for i < end && keyChar[b[i]] {
			i++
		}
		if i == start || i >= end || b[i] != '=' {
			i = scanWord(b, start, end)
			f := p.slot(mode)
			f.Value, f.Raw, f.Kind, f.Flags = b[start:i], b[start:i], KindBare, flags
			continue
		}
		if split && i-start == 4 && isRecordKey(b[start:i]) && recordStartAt(b, start) {
			return start, -1
		}
		key, class := p.keys.lookup(b[start:i], keyHash(b[start:i]))
		i++
		v := i
		f := p.slot(mode)
		f.Key, f.Flags = key, flags
		switch {
		case i >= end || isSpace[b[i]]:
			f.Value, f.Raw = b[v:v], b[v:v]
		case b[i] == '"' || b[i] == '\'' || (b[i] == '{' && mode == modeEnriched):
			q := b[i]
			f.Kind = KindQuoted
			if q == '\'' {
				f.Kind = KindSingleQuoted
			} else if q == '{' {
				// ENRICHED writes SADDR={ saddr_fam=inet laddr=... }.
				f.Kind, q = KindUnquoted, '}'
			}
			c := bytes.IndexByte(b[i+1:end], q)
			if c < 0 {
				f.Value, f.Raw = b[i+1:end], b[v:end]
				f.Flags |= FieldMalformed
				i = end
				break
			}
			c += i + 1
			f.Value = b[i+1 : c]
			if q == '}' {
				f.Value = b[i : c+1]
			}
			i = c + 1
			if i < end && !isSpace[b[i]] {
				if glue && mode == modeMain && p.enrichedKeyAt(b, i, end) {
					f.Raw = b[v:i]
					return end, i
				}
				if split && recordStartAt(b, i) {
					f.Raw = b[v:i]
					return i, -1
				}
				i = scanWord(b, i, end)
				f.Flags |= FieldMalformed
			}
			f.Raw = b[v:i]
		default:
			j, eq := i, -1
			for j < end {
				if c := valueStop[b[j]]; c != 0 {
					if c == stopSpace {
						break
					}
					if eq < 0 {
						eq = j
					}
				}
				j++
			}
			if eq >= 0 {
				if split && eq-4 >= v && isRecordKey(b[eq-4:eq]) && recordStartAt(b, eq-4) {
					f.Value, f.Raw = b[v:eq-4], b[v:eq-4]
					p.classify(f, class)
					return eq - 4, -1
				}
				if glue && mode == modeMain {
					if k := p.gluedKey(b, v, eq); k >= 0 {
						f.Value, f.Raw = b[v:k], b[v:k]
						p.classify(f, class)
						return end, k
					}
				}
			}
			f.Raw = b[v:j]
			f.Value = f.Raw
			if n := len(f.Value); n > 1 && (f.Value[n-1] == '"' || f.Value[n-1] == '\'') {
				// A closing quote with no opening one, as in go-libaudit's
				// key=65786563013634626974": the token without it still means
				// something.
				f.Value = f.Value[:n-1]
				f.Flags |= FieldMalformed
			}
			if mode != modeEnriched {
				p.classify(f, class)
			}
			i = j
		}
		if f.Flags&FieldMalformed != 0 {
			r.Flags |= Malformed
		}
		if f.Kind == KindSingleQuoted && key == "msg" && mode == modeMain {
			lo := cap(b) - cap(f.Value)
			p.scan(b, lo, lo+len(f.Value), modeInner, false, false)
		}
	}
}

// slot appends a zero Field and returns it for filling in place, which
// costs less than building a Field and copying it in. It is valid until the
// next call.
func (p *Parser) slot(mode scanMode) *Field {
	s := &p.rec.Fields
	if mode == modeEnriched {
		s = &p.rec.Enriched
	}
	if len(*s) < cap(*s) {
		*s = (*s)[:len(*s)+1]
	} else {
		*s = append(*s, Field{})
	}
	f := &(*s)[len(*s)-1]
	*f = Field{}
	return f
}

// classify sets the kind of an unquoted value.
func (p *Parser) classify(f *Field, class keyClass) {
	if len(f.Value) == 6 && string(f.Value) == "(null)" {
		f.Kind = KindNull
		return
	}
	if class == keyHex || (class == keyExecve && p.rec.Type == abi.AUDIT_EXECVE) {
		if isUpperHex(f.Value) {
			f.Kind = KindHex
			p.need += len(f.Value) / 2
		}
	}
}

// decodeHex replaces the value of every KindHex field by its decoding, in one
// buffer sized up front so that the slices handed out stay put.
func (p *Parser) decodeHex() {
	if p.need == 0 {
		return
	}
	if cap(p.buf) < p.need {
		p.buf = make([]byte, 0, max(p.need, 2*cap(p.buf)))
	}
	p.buf = p.buf[:p.need]
	off := 0
	for k := range p.rec.Fields {
		f := &p.rec.Fields[k]
		if f.Kind != KindHex {
			continue
		}
		n := len(f.Value) / 2
		// No cap limit: Clone finds the offset from the capacity.
		dst := p.buf[off : off+n]
		decodeHexInto(dst, f.Value)
		f.Value = dst
		off += n
	}
	p.rec.dec = p.buf
}

// enrichedKeyAt reports whether b[i:] starts an interpreted field glued to
// the previous value: an upper-case key naming a field already seen.
func (p *Parser) enrichedKeyAt(b []byte, i, end int) bool {
	j := i
	for j < end && (b[j] >= 'A' && b[j] <= 'Z' || b[j] == '_' || b[j] >= '0' && b[j] <= '9') {
		j++
	}
	if j == i || j >= end || b[j] != '=' || b[i] < 'A' || b[i] > 'Z' {
		return false
	}
	return p.seenKeyFold(b[i:j])
}

// gluedKey finds an interpreted field glued to an unquoted value b[v:eq]
// whose '=' is at eq, as in cap_frootid=0OUID="root" or res=1AUID="bui". The
// key is the longest upper-case tail naming a field already seen in the
// record, which keeps hex values (exe=2F62...) from being cut short. It
// returns the key's start or -1.
func (p *Parser) gluedKey(b []byte, v, eq int) int {
	k := eq
	for k > v && (b[k-1] >= 'A' && b[k-1] <= 'Z' || b[k-1] == '_') {
		k--
	}
	for s := k; s < eq; s++ {
		if b[s] >= 'A' && b[s] <= 'Z' && p.seenKeyFold(b[s:eq]) {
			return s
		}
	}
	return -1
}

func (p *Parser) seenKeyFold(upper []byte) bool {
	for k := range p.rec.Fields {
		key := p.rec.Fields[k].Key
		if len(key) != len(upper) {
			continue
		}
		same := true
		for i := 0; i < len(key); i++ {
			c := upper[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if key[i] != c {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

func isRecordKey(k []byte) bool {
	s := string(k)
	return s == "type" || s == "node" || s == "host"
}

// recordStartAt reports whether a record header starts at b[i:]:
// [node=X |host=X ]type=NAME (msg=audit(|audit(|msg=?).
func recordStartAt(b []byte, i int) bool {
	if hasPrefixAt(b, i, "node=") || hasPrefixAt(b, i, "host=") {
		j := scanToken(b, i+5, len(b))
		if j == i+5 {
			return false
		}
		i = skipSpace(b, j, len(b))
	}
	if !hasPrefixAt(b, i, "type=") {
		return false
	}
	i += len("type=")
	j := i
	for j < len(b) && (b[j] >= 'A' && b[j] <= 'Z' || b[j] >= '0' && b[j] <= '9' || b[j] == '_' || b[j] == '[' || b[j] == ']') {
		j++
	}
	if j == i || j >= len(b) || b[j] != ' ' {
		return false
	}
	j++
	return hasPrefixAt(b, j, "msg=audit(") || hasPrefixAt(b, j, "audit(") || hasPrefixAt(b, j, "msg=?")
}

func hasPrefixAt(b []byte, i int, prefix string) bool {
	return len(b)-i >= len(prefix) && string(b[i:i+len(prefix)]) == prefix
}

func skipSpace(b []byte, i, end int) int {
	for i < end && isSpace[b[i]] {
		i++
	}
	return i
}

// scanToken returns the end of the token at b[i:]: the next space or 0x1D.
func scanToken(b []byte, i, end int) int {
	for i < end && !isSpace[b[i]] && b[i] != 0x1d {
		i++
	}
	return i
}

// scanWord returns the end of the word at b[i:], the next space. Inside a
// field section a 0x1D is just a byte (a second one can follow the
// separator), and stopping at it would make no progress.
func scanWord(b []byte, i, end int) int {
	for i < end && !isSpace[b[i]] {
		i++
	}
	return i
}

func scanDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// parseUint parses a non-empty decimal no greater than limit.
func parseUint(b []byte, limit uint64) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, n <= limit
}

const (
	stopSpace = 1
	stopEqual = 2
)

// valueStop classifies the bytes an unquoted value scan stops or looks at.
var valueStop = func() (t [256]uint8) {
	for _, c := range " \t\r\n\v\f" {
		t[c] = stopSpace
	}
	t['='] = stopEqual
	return t
}()

var isSpace, keyChar = func() (sp, kc [256]bool) {
	for _, c := range " \t\r\n\v\f" {
		sp[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		kc[c], kc[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		kc[c] = true
	}
	for _, c := range "_-[]" {
		kc[c] = true
	}
	return sp, kc
}()
