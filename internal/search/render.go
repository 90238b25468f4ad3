package search

import (
	"strconv"
	"strings"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/interpret"
)

// appendDefaultHeader appends what ausearch prints before an event in its
// default format: a separator and the event's time in ctime(3) form.
func appendDefaultHeader(dst []byte, sec int64, loc *time.Location) []byte {
	dst = append(dst, "----\ntime->"...)
	dst = time.Unix(sec, 0).In(loc).AppendFormat(dst, "Mon Jan _2 15:04:05 2006")
	return append(dst, '\n')
}

// interpreter renders records as ausearch -i does (output_interpreted_record
// of ausearch 3.0.9): the header with the stamp as "%x %T" in the C locale,
// then the text after the stamp cut into fields the way ausearch's
// tokenizer cuts it, each value replaced by interpret.Field's reading.
type interpreter struct {
	loc      *time.Location
	resolver interpret.Resolver
	fields   []kv
}

type kv struct {
	lead, key, val string
	comma          bool // the tokenizer cut the value at a comma
	msg            bool // "msg=": only the lead is printed
}

// macLabel lists the fields ausearch never cuts at a comma (SELinux
// contexts carry category lists such as s0:c0,c1023).
func macLabel(key string) bool {
	switch key {
	case "subj", "obj", "scontext", "tcontext", "vm-ctx", "img-ctx":
		return true
	}
	return false
}

// appendRecord appends the interpreted line of one record and '\n'.
// raw is the record's log line; typ its type number (0 if unknown); node
// its node= prefix; sec, msec and serial its stamp. It returns dst
// unchanged if the line has no stamp, as ausearch prints nothing then.
func (in *interpreter) appendRecord(dst []byte, raw []byte, typ uint32, node string, sec int64, msec uint32, serial uint64) []byte {
	line := string(raw)
	var tail string
	if i := strings.IndexByte(line, interpret.Separator); i >= 0 {
		line, tail = line[:i], line[i+1:]
	}
	str := line
	if node != "" {
		if i := strings.IndexByte(str, ' '); i >= 0 {
			str = str[i+1:]
		}
	}
	open := strings.IndexByte(str, '(')
	if open < 0 {
		return dst
	}
	if node != "" {
		dst = append(dst, "node="...)
		dst = append(dst, node...)
		dst = append(dst, ' ')
	}
	if name := abi.MsgTypeName(typ); typ != 0 && !strings.HasPrefix(name, "UNKNOWN[") {
		dst = append(dst, "type="...)
		dst = append(dst, name...)
		dst = append(dst, " msg=audit("...)
	} else {
		dst = append(dst, str[:open+1]...)
	}
	body := str[open+1:]
	end := strings.IndexByte(body, ')')
	if end < 0 {
		return dst[:len(dst):len(dst)]
	}
	body = body[end+1:]
	dst = time.Unix(sec, 0).In(in.loc).AppendFormat(dst, "01/02/06 15:04:05")
	dst = append(dst, '.')
	if msec < 100 {
		dst = append(dst, '0')
	}
	if msec < 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendUint(dst, uint64(msec), 10)
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, serial, 10)
	dst = append(dst, ") "...)

	fields, rest := in.split(body)
	ctx := interpret.Context{RecordType: typ, Resolver: in.resolver}
	if tail != "" {
		ctx.Enriched = interpret.ParseEnriched(tail)
	}
	for _, f := range fields {
		if !f.msg {
			ctx.Observe(f.key, f.val)
		}
	}
	for _, f := range fields {
		dst = append(dst, f.lead...)
		if f.msg {
			continue
		}
		v, ok := interpret.Field(&ctx, f.key, f.val)
		dst = append(dst, v...)
		switch {
		case f.comma && !ok:
			dst = append(dst, ',')
		case f.key == "data":
		default:
			dst = append(dst, ' ')
		}
	}
	dst = append(dst, rest...)
	if len(fields) == 0 {
		// ausearch ends a record without any '=' (an EOE) with an empty line.
		dst = append(dst, '\n')
	}
	return append(dst, '\n')
}

// split cuts the text after the stamp as ausearch's loop does: each field
// is the text up to '=' (lead, which keeps any ": " or "'" before the
// name), then a quoted value or one ending at a space, or at a comma for
// values ausearch does not interpret. It returns what ausearch prints
// verbatim after the last field.
func (in *interpreter) split(body string) ([]kv, string) {
	fields := in.fields[:0]
	str := body
	comma, found := false, false
	for str != "" {
		eq := strings.IndexByte(str, '=')
		if eq < 0 {
			break
		}
		found, comma = true, false
		nameStart := eq
		for nameStart > 0 && str[nameStart] != ' ' {
			nameStart--
		}
		name := str[nameStart:eq]
		lead := str[:eq+1]
		rest := str[eq+1:]
		if name == "msg" {
			// ausearch prints "msg=" and reads on inside the quotes.
			fields = append(fields, kv{lead: lead, msg: true})
			str = rest
			continue
		}
		name = strings.TrimPrefix(name, "'")
		name = strings.TrimLeft(name, " (")
		var val, next string
		hasNext, cutComma := true, false
		if rest != "" && (rest[0] == '\'' || rest[0] == '"') {
			if end := strings.IndexByte(rest[1:], rest[0]); end < 0 {
				val, hasNext = rest, false
			} else {
				val, next = rest[:end+2], rest[end+2:]
				if next != "" {
					next = next[1:]
				}
			}
		} else {
			c := strings.IndexByte(rest, ',')
			sp := strings.IndexByte(rest, ' ')
			switch {
			case c >= 0 && sp >= 0 && c < sp && !macLabel(name):
				val, next, cutComma = rest[:c], rest[c+1:], true
			case c >= 0 && sp < 0 && !macLabel(name):
				val, next, cutComma = rest[:c], rest[c+1:], true
			case sp >= 0:
				val, next = rest[:sp], rest[sp+1:]
			default:
				val, hasNext = rest, false
			}
		}
		if name == "acct" && strings.HasSuffix(val, ":") {
			val = val[:len(val)-1]
		}
		comma = cutComma
		fields = append(fields, kv{lead: lead, key: name, val: val, comma: cutComma})
		if !hasNext {
			str = ""
			break
		}
		str = next
	}
	in.fields = fields
	switch {
	case !found:
		return fields, body
	case comma:
		return fields, str
	}
	return fields, ""
}

// reverse returns the records of an event in the order ausearch prints
// them in its default and interpreted formats: last first.
func reverse[T any](s []T, f func(T)) {
	for i := len(s) - 1; i >= 0; i-- {
		f(s[i])
	}
}
