package rules

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/contaudit/contaudit/internal/abi"
)

// FieldContid is the field type of -F contid=: AUDIT_CONTID (27) of the
// never-merged kernel drafts. Mainline kernels refuse the number, so a
// contid field never reaches the kernel: Encode turns it into a tag key on
// the exit list, and the user and exclude lists' contid rules are kept for
// ContidFilter alone.
const FieldContid = 27

// ContidUnset is the value of `-F contid=unset` (and -1): the contid of a
// process that has none.
const ContidUnset = math.MaxUint64

// contidTagPrefix starts every tag key. The rest of the tag is the
// condition itself ("eq-5", "ne-unset") rather than a rule number: the
// tag then means the same thing to every daemon that reads it, across
// reloads, restarts and rules loaded by another process, and a -d of the
// rule encodes to exactly the rule the kernel holds.
const contidTagPrefix = "contaudit-contid-"

// contidCond is one contid field: the process, or one of its ancestors,
// has (eq) or has not (!eq) contid id.
type contidCond struct {
	id uint64
	eq bool
}

// holds evaluates the condition; member may be nil, meaning that no
// process has a contid.
func (c contidCond) holds(member func(uint64) bool) bool {
	var in bool
	if member == nil {
		in = c.id == ContidUnset
	} else {
		in = member(c.id)
	}
	return in == c.eq
}

func (c contidCond) tag() string {
	b := make([]byte, 0, len(contidTagPrefix)+3+20)
	b = append(b, contidTagPrefix...)
	if c.eq {
		b = append(b, "eq-"...)
	} else {
		b = append(b, "ne-"...)
	}
	if c.id == ContidUnset {
		b = append(b, "unset"...)
	} else {
		b = strconv.AppendUint(b, c.id, 10)
	}
	return string(b)
}

// parseTag reads a tag key. Only the canonical text tag writes is a tag,
// so that a key which merely resembles one is left as the user wrote it.
func parseTag(k []byte) (contidCond, bool) {
	if len(k) < len(contidTagPrefix)+4 || string(k[:len(contidTagPrefix)]) != contidTagPrefix {
		return contidCond{}, false
	}
	k = k[len(contidTagPrefix):]
	var c contidCond
	switch string(k[:3]) {
	case "eq-":
		c.eq = true
	case "ne-":
	default:
		return contidCond{}, false
	}
	k = k[3:]
	if string(k) == "unset" {
		c.id = ContidUnset
		return c, true
	}
	if len(k) == 0 || len(k) > 20 || (k[0] == '0' && len(k) > 1) {
		return contidCond{}, false
	}
	var id uint64
	for _, d := range k {
		if d < '0' || d > '9' {
			return contidCond{}, false
		}
		if id > (math.MaxUint64-uint64(d-'0'))/10 {
			return contidCond{}, false
		}
		id = id*10 + uint64(d-'0')
	}
	if id == ContidUnset {
		return contidCond{}, false // written as "unset"
	}
	c.id = id
	return c, true
}

// parseContidValue is the value of -F contid: a decimal u64, or unset
// (also -1).
func parseContidValue(v string) (uint64, error) {
	if v == "unset" || v == "-1" {
		return ContidUnset, nil
	}
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil || !startsWithDigit(v) {
		return 0, errf("value %q of contid should be a decimal number, unset or -1", v)
	}
	return id, nil
}

// errContidNever explains why a never rule of the exit list cannot take a
// contid: the kernel would apply the rule to every process, and what it
// suppressed no userspace filter can bring back.
var errContidNever = errors.New("contid cannot be used on a never rule of the exit list: " +
	"the kernel would suppress the events of every process before contaudit sees them; " +
	"drop the records with the exclude list, or put -F contid!=N on the always rules instead")

// checkContidField is what -F contid= requires of the rule it is in when
// it is parsed.
func checkContidField(list int, action int, op uint32) error {
	switch list {
	case abi.AUDIT_FILTER_EXIT, abi.AUDIT_FILTER_USER, abi.AUDIT_FILTER_EXCLUDE:
	default:
		return errors.New("contid can only be used on the exit, user or exclude list")
	}
	if op != abi.AUDIT_EQUAL && op != abi.AUDIT_NOT_EQUAL {
		return errors.New("contid only takes = or != operators")
	}
	if list == abi.AUDIT_FILTER_EXIT && action == abi.AUDIT_NEVER {
		return errContidNever
	}
	return nil
}

// hasContid reports whether r has a contid field.
func (r *Rule) hasContid() bool {
	for _, f := range r.Fields {
		if f.Type == FieldContid {
			return true
		}
	}
	return false
}

// userspaceOnly reports whether r is evaluated by ContidFilter alone and
// has no kernel form: a contid rule of the user or exclude list.
func (r *Rule) userspaceOnly() bool {
	return (r.List == abi.AUDIT_FILTER_USER || r.List == abi.AUDIT_FILTER_EXCLUDE) && r.hasContid()
}

// checkContidRule is what a whole rule with contid fields must satisfy;
// the parser checks it at the end of the line, NewContidFilter and Encode
// again for commands built by hand.
func (r *Rule) checkContidRule() error {
	if !r.hasContid() {
		return nil
	}
	for _, f := range r.Fields {
		if f.Type != FieldContid {
			continue
		}
		if err := checkContidField(int(r.List), int(r.Action), f.Op); err != nil {
			return err
		}
	}
	switch r.List {
	case abi.AUDIT_FILTER_USER, abi.AUDIT_FILTER_EXCLUDE:
		// ContidFilter sees records, not the kernel's view of the sender,
		// so it evaluates msgtype and contid only.
		for _, f := range r.Fields {
			if f.Type != FieldContid && f.Type != abi.AUDIT_MSGTYPE {
				return errf("field %q cannot be combined with contid on the %s list: contaudit evaluates such rules in userspace, where only msgtype and contid are known",
					fieldName(f.Type), listNames[r.List])
			}
		}
	case abi.AUDIT_FILTER_EXIT:
		if k := r.kernelKey(); len(k) > abi.AUDIT_MAX_KEY_LEN {
			return errf("the keys and the contid tags (%q) take %d bytes, more than the kernel's %d",
				strings.ReplaceAll(k, "\x01", ","), len(k), abi.AUDIT_MAX_KEY_LEN)
		}
	}
	return nil
}

// contidConds lists r's contid fields.
func (r *Rule) contidConds() []contidCond {
	var out []contidCond
	for _, f := range r.Fields {
		if f.Type == FieldContid {
			out = append(out, contidCond{id: f.Contid, eq: f.Op == abi.AUDIT_EQUAL})
		}
	}
	return out
}

// kernelKey is the filterkey the kernel gets for an exit rule with contid
// fields: the rule's keys, then one tag per contid field, joined as
// auditctl joins several keys. The tags go last so that the rule's own
// keys keep their order and -D -k finds them as before.
func (r *Rule) kernelKey() string {
	k := r.Key()
	for _, c := range r.contidConds() {
		if k != "" {
			k += string(rune(abi.AUDIT_KEY_SEPARATOR))
		}
		k += c.tag()
	}
	return k
}

// kernelRule is the rule Encode sends for an exit rule with contid fields:
// without them, with their tags in the key.
func (r *Rule) kernelRule() *Rule {
	k := r.kernelKey()
	out := *r
	out.Fields = make([]Field, 0, len(r.Fields))
	keyed := false
	for _, f := range r.Fields {
		switch f.Type {
		case FieldContid:
			continue
		case abi.AUDIT_FILTERKEY:
			if keyed {
				continue // Key() took the first; a second cannot be sent
			}
			keyed = true
			f.Str, f.Value = k, uint32(len(k))
		}
		out.Fields = append(out.Fields, f)
	}
	if !keyed {
		out.Fields = append(out.Fields, Field{Type: abi.AUDIT_FILTERKEY, Op: abi.AUDIT_EQUAL, Value: uint32(len(k)), Str: k})
	}
	return &out
}

// formatContid is the value as the listing prints it: unset as -1, like
// auid and the CONTAINER_ID records.
func formatContid(id uint64) string {
	if id == ContidUnset {
		return "-1"
	}
	return strconv.FormatUint(id, 10)
}
