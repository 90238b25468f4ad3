package record

import (
	"bytes"
	"strconv"
	"time"
)

// Kind says how a field's value was written.
type Kind uint8

const (
	// KindUnquoted is a token written as is: 1000, (none), ?, c000003e.
	KindUnquoted Kind = iota
	// KindQuoted is a "double-quoted" string; Value is without the quotes.
	// The kernel never escapes inside quotes: it hex-encodes instead.
	KindQuoted
	// KindSingleQuoted is a 'single-quoted' string, in practice the msg='...'
	// of records sent by user space. Value is without the quotes; the pairs
	// inside follow it in Fields with FieldInner set.
	KindSingleQuoted
	// KindHex is a string the writer hex-encoded because it held spaces,
	// quotes, control or non-ASCII bytes; Value is decoded, Raw is the hex.
	KindHex
	// KindNull is the literal (null): no value, as in key=(null).
	KindNull
	// KindBare is a word with no key, such as "avc:", "denied" or "{" in an
	// AVC record, or "auditd start," in an old DAEMON record. Key is "".
	KindBare
)

var kindNames = [...]string{"unquoted", "quoted", "single-quoted", "hex", "null", "bare"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// FieldFlags qualify one field.
type FieldFlags uint8

const (
	// FieldInner marks a pair found inside a msg='...' value.
	FieldInner FieldFlags = 1 << iota
	// FieldMalformed marks a value with an unterminated quote or stray
	// bytes glued to it; Value is the best reading, Raw holds all of it.
	FieldMalformed
)

// Field is one key=value pair (or a bare word) of a record.
type Field struct {
	Key   string // as written; "" for KindBare
	Value []byte // decoded: without quotes, hex decoded
	Raw   []byte // the value exactly as written, quotes included
	Kind  Kind
	Flags FieldFlags
}

// Flags describe the shape of a record, mostly the quirks it was written
// with, so that callers can tell a complete record from a degraded one.
type Flags uint16

const (
	// NoTimestamp: no audit(sec.msec:serial) header (msg=? or no msg at
	// all). Sec, Msec and Serial are zero and the record belongs to no event.
	NoTimestamp Flags = 1 << iota
	// NoMsgKey: the header was written "audit(...)" without "msg=".
	NoMsgKey
	// NoColon: the header was not followed by ':' (old DAEMON_* records).
	NoColon
	// HostPrefix: Node came from a "host=" prefix rather than "node=".
	HostPrefix
	// UnknownType: the type name is neither a libaudit name, UNKNOWN[n] nor
	// a number; Type is 0 and TypeName holds what was written.
	UnknownType
	// Enriched: interpreted fields followed a 0x1D separator.
	Enriched
	// GluedEnriched: interpreted fields were glued to the last value with no
	// 0x1D and no space (seen in crowdsec's suid-crash log); they were split
	// off into Enriched all the same.
	GluedEnriched
	// SharedLine: the record shared its line with another record.
	SharedLine
	// Malformed: at least one field has FieldMalformed.
	Malformed
	// FromNetlink: parsed from a netlink payload; Raw is that payload.
	FromNetlink
)

var flagNames = []string{"no-timestamp", "no-msg-key", "no-colon", "host-prefix",
	"unknown-type", "enriched", "glued-enriched", "shared-line", "malformed", "netlink"}

func (f Flags) String() string {
	if f == 0 {
		return "0"
	}
	var b []byte
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, n...)
		}
	}
	if rest := f &^ (1<<len(flagNames) - 1); rest != 0 {
		if len(b) > 0 {
			b = append(b, '|')
		}
		b = strconv.AppendUint(append(b, "0x"...), uint64(rest), 16)
	}
	return string(b)
}

// Record is one audit record.
type Record struct {
	Type     uint32 // record type number (abi.AUDIT_*); 0 if UnknownType
	TypeName string // the type as written: "SYSCALL", "UNKNOWN[1327]"
	Node     string // from the node= (or host=) prefix; "" if none
	Sec      int64  // seconds of audit(sec.msec:serial)
	Msec     uint32 // milliseconds of the header
	Serial   uint64 // the serial as written; it wraps at 2^32 in practice
	Flags    Flags

	// Fields holds the pairs and words in written order. A msg='...' field
	// is followed by the pairs inside it (FieldInner).
	Fields []Field
	// Enriched holds the interpreted fields auditd appends after 0x1D with
	// log_format=ENRICHED (UID="root" ...), kept apart from Fields.
	Enriched []Field

	// Raw is the record exactly as read: a log line without its '\n', or a
	// netlink payload without trailing NULs and newlines.
	Raw []byte

	dec []byte // backing store of decoded hex values
}

// Time returns the header's timestamp, or the zero Time with NoTimestamp.
func (r *Record) Time() time.Time {
	if r.Flags&NoTimestamp != 0 {
		return time.Time{}
	}
	return time.Unix(r.Sec, int64(r.Msec)*int64(time.Millisecond))
}

// AppendLine appends the record as a log line, without the '\n': Raw itself
// for a record read from a log, and for a netlink record what auditd's raw
// log format makes of it, "[node=NODE ]type=NAME msg=" and the payload.
func (r *Record) AppendLine(dst []byte) []byte {
	if r.Flags&FromNetlink == 0 {
		return append(dst, r.Raw...)
	}
	if r.Node != "" {
		dst = append(append(append(dst, "node="...), r.Node...), ' ')
	}
	dst = append(append(append(dst, "type="...), r.TypeName...), " msg="...)
	return append(dst, r.Raw...)
}

// Lookup returns the first field with the given key, searching Fields
// (inner msg pairs included) but not Enriched, or nil.
func (r *Record) Lookup(key string) *Field {
	for i := range r.Fields {
		if r.Fields[i].Key == key {
			return &r.Fields[i]
		}
	}
	return nil
}

// LookupEnriched returns the first enriched field with the given key, or nil.
func (r *Record) LookupEnriched(key string) *Field {
	for i := range r.Enriched {
		if r.Enriched[i].Key == key {
			return &r.Enriched[i]
		}
	}
	return nil
}

// Keys returns the rule keys of the record's key= field. A record matched by
// several rules carries them joined by 0x01 (hex-encoded because of it);
// key=(null) and a missing key give nil.
func (r *Record) Keys() []string {
	f := r.Lookup("key")
	if f == nil || f.Kind == KindNull {
		return nil
	}
	var keys []string
	for k := range bytes.SplitSeq(f.Value, []byte{1}) {
		keys = append(keys, string(k))
	}
	return keys
}

// Clone returns a deep copy that owns its memory and stays valid after the
// parser or reader moves on.
func (r *Record) Clone() *Record {
	c := *r
	all := make([]byte, len(r.Raw)+len(r.dec))
	copy(all, r.Raw)
	copy(all[len(r.Raw):], r.dec)
	c.Raw = all[:len(r.Raw):len(r.Raw)]
	c.dec = all[len(r.Raw):]
	fields := make([]Field, len(r.Fields)+len(r.Enriched))
	c.Fields = fields[:len(r.Fields):len(r.Fields)]
	c.Enriched = fields[len(r.Fields):]
	if len(r.Enriched) == 0 {
		c.Enriched = nil
	}
	for i := range r.Fields {
		c.Fields[i] = r.cloneField(&r.Fields[i], &c)
	}
	for i := range r.Enriched {
		c.Enriched[i] = r.cloneField(&r.Enriched[i], &c)
	}
	return &c
}

// cloneField re-points f's slices into c. Every slice the parser makes is a
// subslice of Raw or of dec that runs to the end of its capacity, so its
// offset is the difference of capacities; this keeps Clone free of unsafe.
// Clones keep that property, so a clone can be cloned.
func (r *Record) cloneField(f *Field, c *Record) Field {
	n := *f
	n.Raw = rebase(f.Raw, r.Raw, c.Raw)
	if f.Kind == KindHex {
		n.Value = rebase(f.Value, r.dec, c.dec)
	} else {
		n.Value = rebase(f.Value, r.Raw, c.Raw)
	}
	return n
}

func rebase(s, oldBase, newBase []byte) []byte {
	if s == nil {
		return nil
	}
	off := cap(oldBase) - cap(s)
	if off < 0 || off+len(s) > len(newBase) || !bytes.Equal(newBase[off:off+len(s)], s) {
		// Not one of ours (a hand-built Record): copy rather than alias.
		return append([]byte{}, s...)
	}
	return newBase[off : off+len(s)]
}
