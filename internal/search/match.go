package search

import (
	"bytes"
	"strings"

	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/record"
)

// Matcher evaluates a Query. Record is called on every record as it is
// read and returns the options that record satisfies as bits; an event
// matches when the union of its records' bits has every option's bit
// (Match) and its stamp passes (Stamp). Nothing on this path allocates.
type Matcher struct {
	q    Query
	need uint64

	bType, bPID, bPPID, bSes, bSyscall, bExit, bSuccess    uint64
	bUID, bEUID, bAUID, bAnyUID, bGID, bEGID, bAnyGID      uint64
	bContID, bComm, bExe, bFile, bKey, bNode, bHost, bTerm uint64
	fields                                                 bool // some option looks at fields
	comm, exe, file, key, host, term                       []byte
	start, end                                             int64
	hasStart, hasEnd                                       bool
}

// NewMatcher compiles q.
func NewMatcher(q Query) *Matcher {
	m := &Matcher{q: q}
	next := uint64(1)
	bit := func(on bool) uint64 {
		if !on {
			return 0
		}
		b := next
		next <<= 1
		m.need |= b
		return b
	}
	m.bType = bit(len(q.Types) > 0 || len(q.TypeNames) > 0)
	m.bNode = bit(q.Node != "")
	m.bPID = bit(q.PID.Set)
	m.bPPID = bit(q.PPID.Set)
	m.bSes = bit(q.Session.Set)
	m.bSyscall = bit(q.Syscall.Set)
	m.bExit = bit(q.Exit.Set)
	m.bSuccess = bit(q.Success != SuccessAny)
	m.bUID = bit(q.UID.Set)
	m.bEUID = bit(q.EUID.Set)
	m.bAUID = bit(q.AUID.Set)
	m.bAnyUID = bit(q.AnyUID.Set)
	m.bGID = bit(q.GID.Set)
	m.bEGID = bit(q.EGID.Set)
	m.bAnyGID = bit(q.AnyGID.Set)
	m.bContID = bit(q.ContID.Set)
	m.bComm = bit(q.Comm != "")
	m.bExe = bit(q.Exe != "")
	m.bFile = bit(q.File != "")
	m.bKey = bit(q.Key != "")
	m.bHost = bit(q.Hostname != "")
	m.bTerm = bit(q.Terminal != "")
	m.fields = m.need&^(m.bType|m.bNode) != 0
	m.comm, m.exe, m.file, m.key = []byte(q.Comm), []byte(q.Exe), []byte(q.File), []byte(q.Key)
	m.host, m.term = []byte(q.Hostname), []byte(q.Terminal)
	if !q.Start.IsZero() {
		m.start, m.hasStart = q.Start.Unix(), true
	}
	if !q.End.IsZero() {
		m.end, m.hasEnd = q.End.Unix(), true
	}
	return m
}

// Query returns the query m evaluates.
func (m *Matcher) Query() Query { return m.q }

// Stamp reports whether an event stamped k passes the event-level options
// (-a, -ts, -te). ausearch compares whole seconds.
func (m *Matcher) Stamp(k event.Key) bool {
	if m.hasStart && k.Sec < m.start || m.hasEnd && k.Sec > m.end {
		return false
	}
	return !m.q.EventID.Set || uint64(m.q.EventID.V) == k.Serial
}

// Match reports whether the union of an event's record bits satisfies
// every record-level option.
func (m *Matcher) Match(mask uint64) bool { return mask&m.need == m.need }

// All is the mask of every record-level option: once an event has it,
// its other records need no testing.
func (m *Matcher) All() uint64 { return m.need }

// Header returns the bits of the options a record satisfies by its type
// and node alone: all of them for a record that prefilter ruled out.
func (m *Matcher) Header(typ uint32, typeName, node string) uint64 {
	var mask uint64
	if m.bType != 0 && m.q.hasType(typ, typeName) {
		mask |= m.bType
	}
	if m.bNode != 0 && m.strMatchString(node, m.q.Node) {
		mask |= m.bNode
	}
	return mask
}

// Record returns the bits of the options r satisfies.
func (m *Matcher) Record(r *record.Record) uint64 {
	mask := m.Header(r.Type, r.TypeName, r.Node)
	if !m.fields {
		return mask
	}
	for i := range r.Fields {
		f := &r.Fields[i]
		if f.Kind == record.KindBare || f.Kind == record.KindNull {
			continue
		}
		v := f.Value
		switch f.Key {
		case "pid":
			mask |= m.intBit(m.bPID, m.q.PID, v)
		case "ppid":
			mask |= m.intBit(m.bPPID, m.q.PPID, v)
		case "ses":
			mask |= m.idBit(m.bSes, m.q.Session, v)
		case "syscall":
			mask |= m.intBit(m.bSyscall, m.q.Syscall, v)
		case "exit":
			mask |= m.intBit(m.bExit, m.q.Exit, v)
		case "success", "res":
			if m.bSuccess != 0 && successOf(v) == m.q.Success {
				mask |= m.bSuccess
			}
		case "uid":
			mask |= m.idBit(m.bUID, m.q.UID, v) | m.idBit(m.bAnyUID, m.q.AnyUID, v)
		case "euid":
			mask |= m.idBit(m.bEUID, m.q.EUID, v) | m.idBit(m.bAnyUID, m.q.AnyUID, v)
		case "auid":
			if i > 0 && r.Fields[i-1].Kind == record.KindBare && string(r.Fields[i-1].Value) == "old" {
				// Old LOGIN records say "old auid=X new auid=Y"; Y is the auid.
				continue
			}
			mask |= m.idBit(m.bAUID, m.q.AUID, v) | m.idBit(m.bAnyUID, m.q.AnyUID, v)
		case "gid":
			mask |= m.idBit(m.bGID, m.q.GID, v) | m.idBit(m.bAnyGID, m.q.AnyGID, v)
		case "egid":
			mask |= m.idBit(m.bEGID, m.q.EGID, v) | m.idBit(m.bAnyGID, m.q.AnyGID, v)
		case "comm":
			mask |= m.strBit(m.bComm, m.comm, v)
		case "exe":
			mask |= m.strBit(m.bExe, m.exe, v)
		case "name":
			if r.TypeName == "PATH" || r.TypeName == "AVC" {
				mask |= m.strBit(m.bFile, m.file, v)
			}
		case "cwd":
			mask |= m.strBit(m.bFile, m.file, v)
		case "path":
			if r.TypeName == "AVC" {
				mask |= m.strBit(m.bFile, m.file, v)
			}
		case "key":
			if m.bKey != 0 && m.keyMatch(v) {
				mask |= m.bKey
			}
		case "hostname":
			mask |= m.strBit(m.bHost, m.host, v)
		case "terminal":
			mask |= m.strBit(m.bTerm, m.term, v)
		case "contid":
			if m.bContID != 0 && (r.TypeName == "CONTAINER_ID" || r.TypeName == "CONTAINER_OP") &&
				ChainContains(v, uint64(m.q.ContID.V)) {
				mask |= m.bContID
			}
		}
	}
	return mask
}

// fieldRole says which option field i of r serves, as a token class
// (tokPID, tokFile, ...), or 0 for none: the fields Record tests, for the
// index's tokens (tokens.go). uid, euid and auid also serve -ua, gid and
// egid -ga. Record keeps its own switch, a function call per field costs
// it half again; TestFieldRoleAgreesWithMatcher holds the two to the
// same fields on every corpus record.
func fieldRole(r *record.Record, i int) byte {
	f := &r.Fields[i]
	if f.Kind == record.KindBare || f.Kind == record.KindNull {
		return 0
	}
	switch f.Key {
	case "pid":
		return tokPID
	case "ppid":
		return tokPPID
	case "ses":
		return tokSes
	case "syscall":
		return tokSyscall
	case "exit":
		return tokExit
	case "success", "res":
		return tokSuccess
	case "uid":
		return tokUID
	case "euid":
		return tokEUID
	case "auid":
		if i > 0 && r.Fields[i-1].Kind == record.KindBare && string(r.Fields[i-1].Value) == "old" {
			return 0 // as in Record
		}
		return tokAUID
	case "gid":
		return tokGID
	case "egid":
		return tokEGID
	case "comm":
		return tokComm
	case "exe":
		return tokExe
	case "name":
		if r.TypeName == "PATH" || r.TypeName == "AVC" {
			return tokFile
		}
	case "cwd":
		return tokFile
	case "path":
		if r.TypeName == "AVC" {
			return tokFile
		}
	case "key":
		return tokKey
	case "hostname":
		return tokHost
	case "terminal":
		return tokTerm
	case "contid":
		if r.TypeName == "CONTAINER_ID" || r.TypeName == "CONTAINER_OP" {
			return tokContID
		}
	}
	return 0
}

func (m *Matcher) intBit(bit uint64, want Int, v []byte) uint64 {
	if bit == 0 {
		return 0
	}
	if n, ok := parseInt(v); ok && n == want.V {
		return bit
	}
	return 0
}

// idBit compares ids as the u32 the kernel keeps, so that -1 and
// 4294967295 are both "unset".
func (m *Matcher) idBit(bit uint64, want Int, v []byte) uint64 {
	if bit == 0 {
		return 0
	}
	if n, ok := parseInt(v); ok && uint32(n) == uint32(want.V) {
		return bit
	}
	return 0
}

func (m *Matcher) strBit(bit uint64, needle, v []byte) uint64 {
	if bit == 0 {
		return 0
	}
	if m.q.Word {
		if bytes.Equal(v, needle) {
			return bit
		}
	} else if bytes.Contains(v, needle) {
		return bit
	}
	return 0
}

func (m *Matcher) strMatchString(v, needle string) bool {
	if m.q.Word {
		return v == needle
	}
	return strings.Contains(v, needle)
}

// keyMatch tests each key of a key= value; a record matched by several
// rules carries their keys joined by 0x01.
func (m *Matcher) keyMatch(v []byte) bool {
	for len(v) > 0 {
		k := v
		if i := bytes.IndexByte(v, 0x01); i >= 0 {
			k, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		if m.strBit(1, m.key, k) != 0 {
			return true
		}
	}
	return false
}

// successOf reads success=yes/no of syscall records and res= of
// user-space ones (success/failed, and the 1/0 of CONFIG_CHANGE).
//
// Like ausearch, only the start of res= counts: old PAM records end the
// value with the ")" of "(hostname=?, ... res=success)".
func successOf(v []byte) int {
	switch string(v) { // no allocation: the compiler compares in place
	case "yes", "1":
		return SuccessYes
	case "no", "0":
		return SuccessNo
	}
	switch {
	case bytes.HasPrefix(v, []byte("success")):
		return SuccessYes
	case bytes.HasPrefix(v, []byte("fail")):
		return SuccessNo
	}
	return SuccessAny
}

// parseInt reads a decimal, optionally negative, without allocating.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := false
	if b[0] == '-' {
		neg, b = true, b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		return -int64(n), true
	}
	return int64(n), true
}

// ChainContains reports whether a contid= value names id: the process's
// own contid or any ancestor's, in the nested form "4,^2,^1" (several
// containers separated by commas, ancestors marked with ^) or the older
// "123^456,789". -1 entries (unset) match only id 2^64-1.
func ChainContains(v []byte, id uint64) bool {
	return chainIDs(v, func(x uint64) bool { return x == id })
}

// chainIDs calls fn with each id of a contid= chain, -1 (unset) as
// 2^64-1, until fn returns true, and reports whether it did. Entries that
// are not numbers are passed over.
func chainIDs(v []byte, fn func(uint64) bool) bool {
	for len(v) > 0 {
		i := bytes.IndexAny(v, ",^")
		tok := v
		if i >= 0 {
			tok, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		if len(tok) == 2 && tok[0] == '-' && tok[1] == '1' {
			if fn(1<<64 - 1) {
				return true
			}
		} else if n, ok := parseUint(tok); ok && fn(n) {
			return true
		}
	}
	return false
}

func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
