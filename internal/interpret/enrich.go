package interpret

import "strings"

// Separator is the byte auditd puts between a raw record and its ENRICHED
// tail (AUDIT_INTERP_SEPARATOR).
const Separator = 0x1D

// Enriched is a record's ENRICHED tail split into fields, keys lowercased:
// what ausearch loads as the record's interpretation list.
type Enriched []EnrichedField

// EnrichedField is one KEY=value of an ENRICHED tail; Value is as written
// (UID="root" keeps its quotes, a hex-encoded name stays hex).
type EnrichedField struct {
	Key, Value string
}

// ParseEnriched splits the text after the 0x1D separator. A SOCKADDR tail
// (SADDR={ ... }) is one field whose value holds spaces; any other tail
// is space-separated KEY=value pairs, as ausearch reads it.
func ParseEnriched(tail string) Enriched {
	if rest, ok := strings.CutPrefix(tail, "SADDR="); ok {
		i := strings.IndexByte(rest, '{')
		if i < 0 || !strings.Contains(rest[i:], "}") {
			return nil
		}
		return Enriched{{Key: "saddr", Value: rest[i:]}}
	}
	var out Enriched
	for _, tok := range strings.Fields(tail) {
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			continue
		}
		out = append(out, EnrichedField{Key: strings.ToLower(k), Value: v})
	}
	return out
}

// lookup returns the first value for key, as ausearch's nvlist_find_name.
func (e Enriched) lookup(key string) (string, bool) {
	for _, f := range e {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// Enrich appends to dst the ENRICHED tail auditd 3.0.9 writes after a
// record (log_format = ENRICHED), and returns the extended slice. dst is
// typically the raw record text; nothing is appended when no field
// qualifies.
//
// The contract, from auditd's format_enrich:
//   - fields yields the record's fields in order, values as written; it is
//     iterated twice (first to learn arch, syscall, a0 and a1). Fields inside
//     a USER_* msg='...' are yielded like the others.
//   - Only fields auparse types as uid, gid, syscall, arch or sockaddr are
//     appended, in record order: auid uid euid suid fsuid ouid oauid
//     old-auid iuid id inode_uid sauid obj_uid; gid egid sgid fsgid ogid
//     igid inode_gid new_gid obj_gid (and id in ADD_GROUP, DEL_GROUP,
//     GRP_MGMT); syscall; arch; saddr (SOCKADDR records only: in AVC it is
//     plain text and in NETFILTER_PKT an address). A key that occurs twice
//     is appended twice.
//   - The first is preceded by 0x1D, the others by a space. Keys are
//     upper-cased. Uid and gid values are NAME="value", or NAME=HEX when the
//     name has a quote, a byte below 0x21, or one at or above 0x7f; the
//     others are NAME=value, unquoted even with spaces (SADDR={ ... }).
//   - Values are interpreted without escaping and without ctx.Enriched.
//
// ctx supplies RecordType and Resolver; its arch, syscall and arguments are
// (re)learned from fields.
func Enrich(ctx *Context, fields func(yield func(key, value string) bool), dst []byte) []byte {
	c := Context{RecordType: ctx.RecordType, Resolver: ctx.Resolver}
	fields(func(k, v string) bool {
		c.Observe(k, v)
		return true
	})
	first := true
	fields(func(k, v string) bool {
		kd := kindOf(c.RecordType, k, v)
		switch kd {
		case kindUID, kindGID, kindSyscall, kindArch, kindSockaddr:
		default:
			return true
		}
		if first {
			dst = append(dst, Separator)
			first = false
		} else {
			dst = append(dst, ' ')
		}
		dst = appendUpper(dst, k)
		dst = append(dst, '=')
		out := interpret(&c, kd, v)
		if kd == kindUID || kd == kindGID {
			if valueNeedsEncoding(out) {
				dst = appendUpperHex(dst, out)
				return true
			}
			dst = append(dst, '"')
			dst = append(dst, out...)
			dst = append(dst, '"')
			return true
		}
		dst = append(dst, out...)
		return true
	})
	return dst
}

func appendUpper(dst []byte, s string) []byte {
	// auditd copies at most 63 bytes of a field name.
	if len(s) > 63 {
		s = s[:63]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
