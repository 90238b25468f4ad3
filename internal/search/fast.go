package search

import (
	"bytes"
	"encoding/hex"

	"github.com/contaudit/contaudit/internal/abi"
)

// Most records of a large log cannot satisfy a selective query, and for
// those only the stamp and type matter (to assemble events and print
// them). prefilter says, for every option that looks at fields, where in
// a chunk a record may satisfy it: for a string option, any occurrence of
// the value as written or hex-encoded as the kernel writes strings with
// odd bytes (patterns); for a number, an occurrence of one of its field
// names followed by a value that reads as the number (probes: a field
// name is preceded by a byte that cannot be part of a name, and its value
// is read as the matcher reads it, with quotes, signs and leading zeros;
// anything unclear counts as a possible match). A line with none of them
// gets only the header reading; the rest go through the full parser.
type prefilter struct {
	patterns [][]byte
	probes   []probe
	all      bool // some option has no useful pattern: parse every line (tests)
}

// probe finds the values of one field that may satisfy an option.
type probe struct {
	key   []byte // "uid=": the name and '='
	match func(val []byte) bool
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
	field := func(match func([]byte) bool, keys ...string) {
		for _, k := range keys {
			f.probes = append(f.probes, probe{key: []byte(k + "="), match: match})
		}
	}
	num := func(v Int, keys ...string) {
		if v.Set {
			field(func(val []byte) bool { n, ok := probeInt(val); return !ok || n == v.V }, keys...)
		}
	}
	id := func(v Int, keys ...string) {
		if v.Set {
			field(func(val []byte) bool { n, ok := probeInt(val); return !ok || uint32(n) == uint32(v.V) }, keys...)
		}
	}
	// A string option looks at one or two fields, so a probe at their
	// names costs one pass over a chunk where the value and its hex form
	// cost two; -f looks at three (name, cwd, path) and keeps the
	// patterns.
	strField := func(v string, keys ...string) {
		if v != "" {
			field(strProbe([]byte(v)), keys...)
		}
	}
	strField(q.Comm, "comm")
	strField(q.Exe, "exe")
	str(q.File)
	strField(q.Key, "key")
	strField(q.Hostname, "hostname")
	strField(q.Terminal, "terminal")
	num(q.PID, "pid")
	num(q.PPID, "ppid")
	num(q.Syscall, "syscall")
	num(q.Exit, "exit")
	id(q.Session, "ses")
	id(q.UID, "uid")
	id(q.EUID, "euid")
	id(q.AUID, "auid")
	id(q.AnyUID, "uid", "euid", "auid")
	id(q.GID, "gid")
	id(q.EGID, "egid")
	id(q.AnyGID, "gid", "egid")
	if q.ContID.Set {
		f.patterns = append(f.patterns, []byte("contid="))
	}
	if q.Success != SuccessAny {
		want := q.Success
		field(func(val []byte) bool {
			val = bytes.TrimPrefix(val, []byte{'"'})
			end := 0
			for end < len(val) && val[end] != ' ' && val[end] != '"' && val[end] != '\'' && val[end] != '\n' {
				end++
			}
			// A value it cannot read (glued to an ENRICHED tail, say) may
			// still read as wanted once parsed.
			got := successOf(val[:end])
			return got == want || got == SuccessAny
		}, "success", "res")
	}
	return f
}

// strProbe matches a value that may contain needle once parsed: a
// quoted value up to its closing quote, else the word up to a space, as
// written or hex-encoded (the parser decodes the hex of untrusted
// strings; the hex of a substring is a substring of the hex). A value it
// cannot delimit counts as a match.
func strProbe(needle []byte) func([]byte) bool {
	hexNeedle := bytes.ToUpper([]byte(hex.EncodeToString(needle)))
	return func(val []byte) bool {
		if len(val) > 0 && val[0] == '"' {
			end := bytes.IndexByte(val[1:], '"')
			if end < 0 {
				return true
			}
			if after := val[2+end:]; len(after) > 0 && after[0] != ' ' && after[0] != '\n' && after[0] != 0x1d {
				return true // something glued after the quote: the parser's business
			}
			return bytes.Contains(val[1:1+end], needle)
		}
		end := 0
		for end < len(val) && val[end] != ' ' && val[end] != '\n' && val[end] != 0x1d {
			end++
		}
		if end == 0 {
			return true // nothing after '=': the parser's business
		}
		return bytes.Contains(val[:end], needle) || bytes.Contains(val[:end], hexNeedle)
	}
}

// probeInt reads a number as the matcher would find it after "key=":
// optionally quoted, optionally negative, decimal. ok is false when it
// cannot tell (an overlong number), which the caller counts as a match.
func probeInt(val []byte) (n int64, ok bool) {
	val = bytes.TrimPrefix(val, []byte{'"'})
	end := 0
	if end < len(val) && val[end] == '-' {
		end++
	}
	for end < len(val) && val[end] >= '0' && val[end] <= '9' {
		end++
	}
	if end < len(val) {
		switch val[end] {
		case ' ', '"', '\'', '\n', ')', 0x1d:
		default:
			// Glued to something: let the parser decide.
			return 0, false
		}
	}
	n, ok = parseInt(val[:end])
	if !ok {
		if end == 0 || end == 1 && val[0] == '-' {
			return 0, true // no number: the matcher finds none either (n is 0 only here)
		}
		return 0, false
	}
	return n, true
}

// isNameByte tells the bytes a field name is made of, so that a probe
// for "uid=" does not fire inside "ouid=".
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// hits appends the offsets in data where a line may satisfy a field
// option, in no particular order.
func (f *prefilter) hits(dst []int, data []byte) []int {
	for _, p := range f.patterns {
		for off := 0; ; {
			i := bytes.Index(data[off:], p)
			if i < 0 {
				break
			}
			dst = append(dst, off+i)
			off += i + 1
		}
	}
	for _, p := range f.probes {
		for off := 0; ; {
			i := bytes.Index(data[off:], p.key)
			if i < 0 {
				break
			}
			at := off + i
			off = at + 1
			if at > 0 && isNameByte(data[at-1]) {
				continue
			}
			if p.match(data[at+len(p.key):]) {
				dst = append(dst, at)
			}
		}
	}
	return dst
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
// It runs on nearly every line of a large log, so it reads the line once,
// left to right, and looks type names up in a short list rather than a
// map: a log holds a few dozen types.
type headerReader struct {
	types []typeName        // type names seen, with their numbers
	nodes map[string]string // node names seen, interned
}

type typeName struct {
	name string
	typ  uint32
}

var (
	typePrefix  = []byte("type=")
	nodePrefix  = []byte("node=")
	stampPrefix = []byte(" msg=audit(")
)

func (h *headerReader) typeOf(name []byte) (uint32, bool) {
	for i := range h.types {
		if t := &h.types[i]; len(t.name) == len(name) && t.name == string(name) {
			return t.typ, true
		}
	}
	n, known := abi.MsgTypeByName(string(name))
	if !known || abi.MsgTypeName(n) != string(name) {
		return 0, false // UNKNOWN[n], numbers: the parser's business
	}
	h.types = append(h.types, typeName{string(name), n})
	return n, true
}

// digits reads a decimal of 1 to 20 digits at the start of b, as
// parseUint would read it, and returns it with the bytes it used.
func digits(b []byte) (uint64, int, bool) {
	var n uint64
	i := 0
	// Nineteen digits cannot overflow; only a twentieth needs a check.
	for ; i < len(b) && i < 19 && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + uint64(b[i]-'0')
	}
	if i == 19 && i < len(b) && b[i] >= '0' && b[i] <= '9' {
		d := uint64(b[i] - '0')
		if n > (1<<64-1-d)/10 {
			return 0, 0, false
		}
		n = n*10 + d
		i++
		if i < len(b) && b[i] >= '0' && b[i] <= '9' {
			return 0, 0, false // more than 20 digits
		}
	}
	return n, i, i > 0
}

func (h *headerReader) read(line []byte) (header, bool) {
	var hd header
	rest := line
	if bytes.HasPrefix(rest, nodePrefix) {
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 {
			return hd, false
		}
		name := rest[len(nodePrefix):sp]
		n, ok := h.nodes[string(name)]
		if !ok {
			if len(name) == 0 || bytes.ContainsAny(name, "\"'=(") {
				return hd, false
			}
			for _, c := range name {
				if c <= ' ' || c > '~' {
					return hd, false // odd bytes: the parser's business
				}
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
	t, ok := h.typeOf(rest[:sp])
	if !ok {
		return hd, false
	}
	hd.typ = t
	rest = rest[sp:]
	if !bytes.HasPrefix(rest, stampPrefix) {
		return hd, false
	}
	rest = rest[len(stampPrefix):]
	sec, n, ok := digits(rest)
	if !ok || n >= len(rest) || rest[n] != '.' || sec > 1<<62 {
		return hd, false
	}
	rest = rest[n+1:]
	msec, n, ok := digits(rest)
	if !ok || n != 3 || n >= len(rest) || rest[n] != ':' {
		return hd, false
	}
	rest = rest[n+1:]
	serial, n, ok := digits(rest)
	if !ok || n+1 >= len(rest) || rest[n] != ')' || rest[n+1] != ':' {
		return hd, false
	}
	// One record only: a second one on the line would have its own
	// "audit(". '(' is rare in a record, so look for it first.
	for tail := rest[n+1:]; ; {
		i := bytes.IndexByte(tail, '(')
		if i < 0 {
			break
		}
		if i >= 5 && string(tail[i-5:i]) == "audit" {
			return hd, false
		}
		tail = tail[i+1:]
	}
	hd.sec, hd.msec, hd.serial = int64(sec), uint32(msec), serial
	return hd, true
}
