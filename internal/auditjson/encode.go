package auditjson

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/interpret"
	"github.com/contaudit/contaudit/internal/record"
)

// Schema is the value of every event's "schema" member. It changes only
// when a change would break a reader of the previous one (a member removed
// or its meaning changed); members and flag names may be added within it.
const Schema = "contaudit.event.v1"

// timeLayout is RFC 3339 with milliseconds, always printed, so that the
// field sorts as text.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// recordFlagNames spells the record.Flags bits in the JSON. They are the
// schema's names, kept here rather than taken from record.Flags.String so
// that a rename in the parser cannot silently change the format; a test
// checks that every bit the parser knows has a name here.
var recordFlagNames = [...]string{
	record.NoTimestamp:   "no-timestamp",
	record.NoMsgKey:      "no-msg-key",
	record.NoColon:       "no-colon",
	record.HostPrefix:    "host-prefix",
	record.UnknownType:   "unknown-type",
	record.Enriched:      "enriched",
	record.GluedEnriched: "glued-enriched",
	record.SharedLine:    "shared-line",
	record.Malformed:     "malformed",
	record.FromNetlink:   "netlink",
}

// recordFlagBits lists the flags in bit order, for encoding.
var recordFlagBits = [...]record.Flags{
	record.NoTimestamp, record.NoMsgKey, record.NoColon, record.HostPrefix,
	record.UnknownType, record.Enriched, record.GluedEnriched,
	record.SharedLine, record.Malformed, record.FromNetlink,
}

var fieldFlagNames = map[record.FieldFlags]string{
	record.FieldInner:     "inner",
	record.FieldMalformed: "malformed",
}

var fieldFlagBits = [...]record.FieldFlags{record.FieldInner, record.FieldMalformed}

// kindNames spells record.Kind; "unquoted" is the default and is left out.
var kindNames = [...]string{
	record.KindUnquoted:     "unquoted",
	record.KindQuoted:       "quoted",
	record.KindSingleQuoted: "single-quoted",
	record.KindHex:          "hex",
	record.KindNull:         "null",
	record.KindBare:         "bare",
}

// AppendEvent appends the event's JSON object and a '\n' to dst and returns
// the extended slice. key is the event's identity and recs its records in
// order (the event assembler's output); each record's line is written as
// read (Record.AppendLine), so the event can be turned back into log lines.
// With interpret set, every field that `ausearch -i` would interpret gets an
// "interp" member, read with the record's own ENRICHED tail when it has one
// and the local passwd and group files otherwise.
//
// Strings are UTF-8 in JSON. A value that is not valid UTF-8 (a hex-decoded
// path in Latin-1, a binary proctitle) is written with each invalid byte as
// U+FFFD, for people, and exactly in a sibling member of the same name with
// the suffix "_b64" (standard base64), for programs; DecodeEvent prefers it.
// Control bytes need no such help: JSON escapes them exactly.
//
// Nothing is allocated when dst has room, unless interpret is set.
func AppendEvent(dst []byte, key event.Key, recs []*record.Record, interpret bool) []byte {
	dst = append(dst, `{"schema":"`+Schema+`"`...)
	if key.Node != "" {
		dst = appendStringMember(dst, "node", key.Node)
	}
	dst = append(dst, `,"time":"`...)
	dst = time.Unix(key.Sec, int64(key.Msec)*int64(time.Millisecond)).UTC().AppendFormat(dst, timeLayout)
	dst = append(dst, `","stamp":"`...)
	dst = appendStamp(dst, key.Sec, key.Msec)
	dst = append(dst, `","serial":`...)
	dst = strconv.AppendUint(dst, key.Serial, 10)
	dst = append(dst, `,"records":[`...)
	var line []byte
	for i, r := range recs {
		if i > 0 {
			dst = append(dst, ',')
		}
		if r.Flags&record.FromNetlink != 0 {
			// A netlink record's Raw is the payload; the line is what
			// auditd would have written for it.
			line = r.AppendLine(line[:0])
			dst = appendRecord(dst, r, line, interpret)
		} else {
			dst = appendRecord(dst, r, r.Raw, interpret)
		}
	}
	return append(dst, "]}\n"...)
}

// appendStamp writes the header's "sec.msec" as auditd does, milliseconds
// in three digits.
func appendStamp(dst []byte, sec int64, msec uint32) []byte {
	dst = strconv.AppendInt(dst, sec, 10)
	dst = append(dst, '.')
	if msec < 100 {
		dst = append(dst, '0')
	}
	if msec < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendUint(dst, uint64(msec), 10)
}

func appendRecord(dst []byte, r *record.Record, line []byte, interp bool) []byte {
	dst = append(dst, `{"type":`...)
	dst = strconv.AppendUint(dst, uint64(r.Type), 10)
	dst = appendStringMember(dst, "name", r.TypeName)
	dst = appendBytesMember(dst, "raw", line)
	if r.Flags != 0 {
		dst = appendFlags(dst, r.Flags, recordFlagBits[:], func(b record.Flags) string { return recordFlagNames[b] })
	}
	var ctx *interpret.Context
	if interp {
		ctx = newContext(r)
	}
	dst = append(dst, `,"fields":[`...)
	for i := range r.Fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendField(dst, &r.Fields[i], ctx)
	}
	dst = append(dst, ']')
	if len(r.Enriched) > 0 {
		dst = append(dst, `,"enriched":[`...)
		for i := range r.Enriched {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendField(dst, &r.Enriched[i], nil)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// appendFlags writes ,"flags":[...] with the names of the bits set in
// flags, in the order of bits.
func appendFlags[F record.Flags | record.FieldFlags](dst []byte, flags F, bits []F, name func(F) string) []byte {
	dst = append(dst, `,"flags":[`...)
	n := 0
	for _, bit := range bits {
		if flags&bit != 0 {
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = append(append(append(dst, '"'), name(bit)...), '"')
			n++
		}
	}
	return append(dst, ']')
}

func appendField(dst []byte, f *record.Field, ctx *interpret.Context) []byte {
	dst = append(dst, '{')
	dst = appendStringMember(dst, "key", f.Key)
	dst = appendBytesMember(dst, "raw", f.Raw)
	if f.Kind != record.KindUnquoted {
		if int(f.Kind) < len(kindNames) {
			dst = append(append(append(dst, `,"kind":"`...), kindNames[f.Kind]...), '"')
		} else {
			dst = strconv.AppendUint(append(dst, `,"kind":"Kind`...), uint64(f.Kind), 10)
			dst = append(dst, '"')
		}
	}
	if !sameBytes(f.Value, f.Raw) {
		dst = appendBytesMember(dst, "value", f.Value)
	}
	if f.Flags != 0 {
		dst = appendFlags(dst, f.Flags, fieldFlagBits[:], func(b record.FieldFlags) string { return fieldFlagNames[b] })
	}
	if ctx != nil && f.Kind != record.KindBare && f.Key != "" {
		if s, ok := interpret.Field(ctx, f.Key, string(f.Raw)); ok {
			dst = appendBytesMember(dst, "interp", []byte(s))
		}
	}
	return append(dst, '}')
}

// sameBytes is bytes.Equal that also tells nil from empty apart only when
// it matters for the round trip: an absent "value" decodes as the raw.
func sameBytes(a, b []byte) bool {
	return string(a) == string(b)
}

// newContext prepares the interpretation of one record: arch and syscall
// from its own fields, names from its ENRICHED tail first.
func newContext(r *record.Record) *interpret.Context {
	ctx := &interpret.Context{RecordType: r.Type}
	if r.Type == abi.AUDIT_SYSCALL || r.Type == abi.AUDIT_SECCOMP {
		for i := range r.Fields {
			switch k := r.Fields[i].Key; k {
			case "arch", "syscall", "a0", "a1":
				ctx.Observe(k, string(r.Fields[i].Raw))
			}
		}
	}
	if len(r.Enriched) > 0 {
		ctx.Enriched = make(interpret.Enriched, 0, len(r.Enriched))
		for _, f := range r.Enriched {
			ctx.Enriched = append(ctx.Enriched, interpret.EnrichedField{Key: strings.ToLower(f.Key), Value: string(f.Raw)})
		}
	}
	return ctx
}

// appendBytesMember writes ,"name":"s" and, if s is not valid UTF-8,
// ,"name_b64":"..." with its exact bytes. The comma is left out after '{'.
func appendBytesMember(dst []byte, name string, s []byte) []byte {
	if len(dst) > 0 && dst[len(dst)-1] != '{' {
		dst = append(dst, ',')
	}
	dst = append(append(append(dst, '"'), name...), "\":"...)
	var valid bool
	dst, valid = appendJSONString(dst, s)
	if !valid {
		dst = append(append(append(dst, `,"`...), name...), `_b64":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, s)
		dst = append(dst, '"')
	}
	return dst
}

// appendStringMember is appendBytesMember for a string. Keys, type names
// and nodes are tokens of the line and may hold any byte but a space.
func appendStringMember(dst []byte, name string, s string) []byte {
	return appendBytesMember(dst, name, []byte(s))
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string and reports whether s was
// valid UTF-8; invalid bytes are written as U+FFFD. Control bytes, '"' and
// '\\' are escaped, and U+2028/U+2029 too, for JavaScript readers.
func appendJSONString(dst []byte, s []byte) ([]byte, bool) {
	valid := true
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			valid = false
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), valid
}
