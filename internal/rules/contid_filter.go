package rules

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/contaudit/contaudit/internal/abi"
)

// ContidFilter applies the contid conditions the kernel cannot evaluate to
// assembled events: the tags that Encode put in the keys of exit rules,
// and the user and exclude lists' contid rules, which Apply does not send.
// It is immutable once built and safe for concurrent use.
type ContidFilter struct {
	user    []contidRule // in list order: the first match decides
	exclude []contidRule
}

// contidRule is a user or exclude list rule with contid fields.
type contidRule struct {
	rule    *Rule // for -d, which removes the rule equal to its own
	never   bool
	msgtype []Field
	conds   []contidCond
}

// NewContidFilter builds the filter for cmds, the commands that were (or
// will be) given to Apply, replaying -a, -A, -d and -D as the kernel would
// on its lists. It returns nil when no rule uses contid, so that a daemon
// without such rules pays nothing. A command no parsed rule could be
// (contid on a never exit rule, another field beside msgtype on the user
// or exclude list) is an error naming the command.
func NewContidFilter(cmds []Command) (*ContidFilter, error) {
	f := &ContidFilter{}
	tagged := false
	for _, c := range cmds {
		switch c.Kind {
		case KindAddRule, KindDeleteRule:
		case KindDeleteAll:
			if c.Key == "" {
				// The userspace rules have no keys, so only a bare -D
				// reaches them, as it reaches every kernel rule.
				f.user, f.exclude = nil, nil
			}
			continue
		default:
			continue
		}
		r := c.Rule
		if r == nil {
			continue
		}
		if err := r.checkContidRule(); err != nil {
			return nil, fmt.Errorf("%s: %w", cmdPlace(c), err)
		}
		if r.List == abi.AUDIT_FILTER_EXIT && c.Kind == KindAddRule && hasTag(r.kernelKey()) {
			// Also a key written by hand from a listing of tagged kernel
			// rules: the tag means the same whoever loaded it.
			tagged = true
		}
		if !r.userspaceOnly() {
			continue
		}
		list := &f.user
		if r.List == abi.AUDIT_FILTER_EXCLUDE {
			list = &f.exclude
		}
		if c.Kind == KindDeleteRule {
			if i := slices.IndexFunc(*list, func(o contidRule) bool { return sameRule(o.rule, r) }); i >= 0 {
				*list = slices.Delete(*list, i, i+1)
			}
			continue
		}
		cr := contidRule{rule: r, never: r.Action == abi.AUDIT_NEVER, conds: r.contidConds()}
		for _, fl := range r.Fields {
			if fl.Type == abi.AUDIT_MSGTYPE {
				cr.msgtype = append(cr.msgtype, fl)
			}
		}
		if r.Prepend {
			*list = slices.Insert(*list, 0, cr)
		} else {
			*list = append(*list, cr)
		}
	}
	if !tagged && len(f.user) == 0 && len(f.exclude) == 0 {
		return nil, nil
	}
	return f, nil
}

func cmdPlace(c Command) string {
	if p := c.Pos.String(); p != "" {
		return p + ": " + c.String()
	}
	return c.String()
}

// sameRule is the kernel's rule equality for delete: list, action, mask
// and fields in order.
func sameRule(a, b *Rule) bool {
	return a.List == b.List && a.Action == b.Action && a.Mask == b.Mask && slices.Equal(a.Fields, b.Fields)
}

func hasTag(key string) bool {
	for len(key) > 0 {
		k := key
		if i := strings.IndexByte(key, abi.AUDIT_KEY_SEPARATOR); i >= 0 {
			k, key = key[:i], key[i+1:]
		} else {
			key = ""
		}
		if _, ok := parseTag([]byte(k)); ok {
			return true
		}
	}
	return false
}

// isUserMsg reports whether the kernel runs records of type t through the
// user list: the types a process may send with AUDIT_USER* (audit_receive_msg).
// contaudit's own CONTAINER_OP and CONTAINER_ID lie in that range but come
// from no process, as they came from the kernel in the drafts.
func isUserMsg(t uint32) bool {
	switch {
	case t == abi.AUDIT_CONTAINER_OP || t == abi.AUDIT_CONTAINER_ID:
		return false
	case t == abi.AUDIT_USER:
		return true
	case t >= abi.AUDIT_FIRST_USER_MSG && t <= abi.AUDIT_LAST_USER_MSG:
		return true
	case t >= abi.AUDIT_FIRST_USER_MSG2 && t <= abi.AUDIT_LAST_USER_MSG2:
		return true
	}
	return false
}

// compare is the kernel's audit_comparator.
func compare(left, op, right uint32) bool {
	switch op {
	case abi.AUDIT_EQUAL:
		return left == right
	case abi.AUDIT_NOT_EQUAL:
		return left != right
	case abi.AUDIT_LESS_THAN:
		return left < right
	case abi.AUDIT_LESS_THAN_OR_EQUAL:
		return left <= right
	case abi.AUDIT_GREATER_THAN:
		return left > right
	case abi.AUDIT_GREATER_THAN_OR_EQUAL:
		return left >= right
	case abi.AUDIT_BIT_MASK:
		return left&right != 0
	case abi.AUDIT_BIT_TEST:
		return left&right == right
	}
	return false
}

// matches is the kernel's field loop for one rule: every field must hold.
// msgtype goes first because it is free and member may not be.
func (r *contidRule) matches(typ uint32, member func(uint64) bool) bool {
	for _, f := range r.msgtype {
		if !compare(typ, f.Op, f.Value) {
			return false
		}
	}
	for _, c := range r.conds {
		if !c.holds(member) {
			return false
		}
	}
	return true
}

// Filter decides one assembled event. types[i] and recs[i] are its
// records as the kernel sends them ("audit(SEC.MSEC:SERIAL): field=value
// ..."); the two slices must have the same length, or the event is
// returned untouched. member(id) reports whether id is the contid of the
// event's process or of one of its ancestors; member(ContidUnset) reports
// that the process has none. A nil member means no process has a contid.
// member is called only when a condition needs it, possibly more than
// once per event.
//
// In the order the kernel would have applied them:
//   - exit: if the key of the event's SYSCALL (or URINGOP) record carries
//     tags, the event is kept only if every tag's condition holds (they
//     come from one rule, whose fields must all hold). A kept event loses
//     its tags, and its key= reads as the kernel would have printed the
//     remaining keys: key="k1", key=(null), or the hex of keys joined by
//     0x01.
//   - user: if the first record is a message a process sent (AUDIT_USER,
//     1100-1199, 2100-2999), the first user-list contid rule whose fields
//     all match decides: never drops the event, always keeps it.
//   - exclude: each record that a contid rule of the exclude list matches
//     is dropped, whichever the rule's action, as the kernel's exclude
//     list does.
//
// Filter returns the records kept and how many it dropped. It reuses the
// storage of the input slices and rewrites a tagged key in place in its
// record; an event it does not change comes back as it was, and costs no
// allocation. A nil *ContidFilter keeps everything.
func (f *ContidFilter) Filter(types []uint32, recs [][]byte, member func(uint64) bool) ([]uint32, [][]byte, int) {
	if f == nil || len(types) == 0 || len(types) != len(recs) {
		return types, recs, 0
	}
	for i, t := range types {
		if t != abi.AUDIT_SYSCALL && t != abi.AUDIT_URINGOP {
			continue
		}
		rec, keep := stripTags(recs[i], member)
		if !keep {
			return types[:0], recs[:0], len(types)
		}
		recs[i] = rec
		break
	}
	if len(f.user) > 0 && isUserMsg(types[0]) {
		for i := range f.user {
			r := &f.user[i]
			if r.matches(types[0], member) {
				if r.never {
					return types[:0], recs[:0], len(types)
				}
				break
			}
		}
	}
	if len(f.exclude) == 0 {
		return types, recs, 0
	}
	n := 0
	for i, t := range types {
		excluded := false
		for j := range f.exclude {
			if f.exclude[j].matches(t, member) {
				excluded = true
				break
			}
		}
		if !excluded {
			types[n], recs[n] = t, recs[i]
			n++
		}
	}
	return types[:n], recs[:n], len(types) - n
}

// keyValue finds the value of the key= field of a kernel record: vs and ve
// bound its text. The kernel prints key= last, before anything contaudit
// appends (record=N), and no value holds a space (untrusted strings with
// one are hex), so the last " key=" is the field. Anything below 0x21 ends
// the value: the NUL or newline a payload may end with, or the 0x1d of an
// ENRICHED tail.
func keyValue(rec []byte) (vs, ve int, ok bool) {
	i := bytes.LastIndex(rec, []byte(" key="))
	if i < 0 {
		return 0, 0, false
	}
	vs = i + len(" key=")
	ve = vs
	for ve < len(rec) && rec[ve] > ' ' {
		ve++
	}
	return vs, ve, true
}

// decodeKey reads a key= value as the kernel's audit_log_key prints it:
// (null), "text", or upper-case hex when the text has a quote, a control
// character (the 0x01 between keys), a space or a byte above 0x7e. The
// hex form is decoded into buf; keys longer than the kernel allows are not
// the kernel's, and are left alone.
func decodeKey(v []byte, buf *[abi.AUDIT_MAX_KEY_LEN]byte) ([]byte, bool) {
	switch {
	case string(v) == "(null)":
		return nil, true
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		k := v[1 : len(v)-1]
		if bytes.IndexByte(k, '"') >= 0 {
			return nil, false
		}
		return k, true
	case len(v) == 0 || len(v)%2 != 0 || len(v)/2 > len(buf):
		return nil, false
	}
	for i := 0; i < len(v); i += 2 {
		hi, ok1 := unhex(v[i])
		lo, ok2 := unhex(v[i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		buf[i/2] = hi<<4 | lo
	}
	return buf[:len(v)/2], true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// needsHex is the kernel's audit_string_contains_control.
func needsHex(s []byte) bool {
	for _, c := range s {
		if c == '"' || c < 0x21 || c > 0x7e {
			return true
		}
	}
	return false
}

// stripTags evaluates the tags in rec's key and, if every condition holds,
// removes them, rewriting the key= value in place (the remaining keys are
// never longer to print than the tagged ones). keep is false when a
// condition fails. A record without tags comes back unchanged.
func stripTags(rec []byte, member func(uint64) bool) (out []byte, keep bool) {
	vs, ve, ok := keyValue(rec)
	if !ok {
		return rec, true
	}
	var kbuf [abi.AUDIT_MAX_KEY_LEN]byte
	key, ok := decodeKey(rec[vs:ve], &kbuf)
	if !ok || len(key) == 0 || !bytes.Contains(key, []byte(contidTagPrefix)) {
		return rec, true
	}
	// The remaining keys are gathered apart from rec, which is about to be
	// overwritten, and from key, which may be rec's own quoted text.
	var rbuf [abi.AUDIT_MAX_KEY_LEN]byte
	rest := rbuf[:0]
	tags, kept := 0, 0
	for more := true; more; {
		k := key
		if i := bytes.IndexByte(key, abi.AUDIT_KEY_SEPARATOR); i >= 0 {
			k, key = key[:i], key[i+1:]
		} else {
			more = false
		}
		if c, ok := parseTag(k); ok {
			if !c.holds(member) {
				return rec, false
			}
			tags++
			continue
		}
		if kept > 0 {
			rest = append(rest, abi.AUDIT_KEY_SEPARATOR)
		}
		rest = append(rest, k...)
		kept++
	}
	if tags == 0 {
		return rec, true
	}
	var vbuf [2 * abi.AUDIT_MAX_KEY_LEN]byte
	v := vbuf[:0]
	switch {
	case len(rest) == 0:
		v = append(v, "(null)"...)
	case needsHex(rest):
		const digits = "0123456789ABCDEF"
		for _, c := range rest {
			v = append(v, digits[c>>4], digits[c&0xf])
		}
	default:
		v = append(v, '"')
		v = append(v, rest...)
		v = append(v, '"')
	}
	if len(v) > ve-vs {
		// Cannot happen for a tag the kernel printed; a fresh record
		// keeps the caller's neighbouring bytes safe if it ever does.
		out = make([]byte, 0, len(rec)-(ve-vs)+len(v))
		out = append(out, rec[:vs]...)
		out = append(out, v...)
		return append(out, rec[ve:]...), true
	}
	n := copy(rec[vs:], v)
	n += copy(rec[vs+n:], rec[ve:])
	return rec[:vs+n], true
}
