package rules

import (
	"strconv"
	"strings"

	"github.com/contaudit/contaudit/internal/abi"
)

// This file reproduces auditctl 3.0.9's print_rule (auditctl-listing.c)
// without -i: the text of `auditctl -l`. Its quirks are kept on purpose so
// that listings compare equal; each is noted where it happens.

var opSymbols = map[uint32]string{
	abi.AUDIT_EQUAL:                 "=",
	abi.AUDIT_NOT_EQUAL:             "!=",
	abi.AUDIT_GREATER_THAN:          ">",
	abi.AUDIT_GREATER_THAN_OR_EQUAL: ">=",
	abi.AUDIT_LESS_THAN:             "<",
	abi.AUDIT_LESS_THAN_OR_EQUAL:    "<=",
	abi.AUDIT_BIT_MASK:              "&",
	abi.AUDIT_BIT_TEST:              "&=",
}

// opSymbol is audit_operator_to_symbol; printf("%s", NULL) prints "(null)".
func opSymbol(op uint32) string {
	if s, ok := opSymbols[op&abi.AUDIT_OPERATORS]; ok {
		return s
	}
	return "(null)"
}

var listNames = map[uint32]string{
	abi.AUDIT_FILTER_TASK:    "task",
	abi.AUDIT_FILTER_EXIT:    "exit",
	abi.AUDIT_FILTER_USER:    "user",
	abi.AUDIT_FILTER_EXCLUDE: "exclude",
	abi.AUDIT_FILTER_FS:      "filesystem",
}

var actionNames = map[uint32]string{
	abi.AUDIT_NEVER:    "never",
	abi.AUDIT_POSSIBLE: "possible",
	abi.AUDIT_ALWAYS:   "always",
}

func nullName(m map[uint32]string, v uint32) string {
	if s, ok := m[v]; ok {
		return s
	}
	return "(null)"
}

// compareNames are the -C operands of each AUDIT_COMPARE_* value, in the
// order auditctl prints them.
var compareNames = map[uint32][2]string{
	abi.AUDIT_COMPARE_UID_TO_OBJ_UID:   {"uid", "obj_uid"},
	abi.AUDIT_COMPARE_GID_TO_OBJ_GID:   {"gid", "obj_gid"},
	abi.AUDIT_COMPARE_EUID_TO_OBJ_UID:  {"euid", "obj_uid"},
	abi.AUDIT_COMPARE_EGID_TO_OBJ_GID:  {"egid", "obj_gid"},
	abi.AUDIT_COMPARE_AUID_TO_OBJ_UID:  {"auid", "obj_uid"},
	abi.AUDIT_COMPARE_SUID_TO_OBJ_UID:  {"suid", "obj_uid"},
	abi.AUDIT_COMPARE_SGID_TO_OBJ_GID:  {"sgid", "obj_gid"},
	abi.AUDIT_COMPARE_FSUID_TO_OBJ_UID: {"fsuid", "obj_uid"},
	abi.AUDIT_COMPARE_FSGID_TO_OBJ_GID: {"fsgid", "obj_gid"},
	abi.AUDIT_COMPARE_UID_TO_AUID:      {"uid", "auid"},
	abi.AUDIT_COMPARE_UID_TO_EUID:      {"uid", "euid"},
	abi.AUDIT_COMPARE_UID_TO_FSUID:     {"uid", "fsuid"},
	abi.AUDIT_COMPARE_UID_TO_SUID:      {"uid", "suid"},
	abi.AUDIT_COMPARE_AUID_TO_FSUID:    {"auid", "fsuid"},
	abi.AUDIT_COMPARE_AUID_TO_SUID:     {"auid", "suid"},
	abi.AUDIT_COMPARE_AUID_TO_EUID:     {"auid", "euid"},
	abi.AUDIT_COMPARE_EUID_TO_SUID:     {"euid", "suid"},
	abi.AUDIT_COMPARE_EUID_TO_FSUID:    {"euid", "fsuid"},
	abi.AUDIT_COMPARE_SUID_TO_FSUID:    {"suid", "fsuid"},
	abi.AUDIT_COMPARE_GID_TO_EGID:      {"gid", "egid"},
	abi.AUDIT_COMPARE_GID_TO_FSGID:     {"gid", "fsgid"},
	abi.AUDIT_COMPARE_GID_TO_SGID:      {"gid", "sgid"},
	abi.AUDIT_COMPARE_EGID_TO_FSGID:    {"egid", "fsgid"},
	abi.AUDIT_COMPARE_EGID_TO_SGID:     {"egid", "sgid"},
	abi.AUDIT_COMPARE_SGID_TO_FSGID:    {"sgid", "fsgid"},
}

// fstypeNames is libaudit's fstypetab.
var fstypeNames = map[uint32]string{0x74726163: "tracefs", 0x64626720: "debugfs"}

// IsWatch reports whether auditctl lists r as a watch (-w): every syscall,
// a perm field, and no fields but path, dir, perm and key. The action and,
// for the exit list, nothing else is looked at, so an `-a never,exit` rule
// of that shape lists as a watch too.
func (r *Rule) IsWatch() bool {
	perm := false
	for _, f := range r.Fields {
		switch f.Type &^ abi.AUDIT_OPERATORS {
		case abi.AUDIT_PERM:
			perm = true
		case abi.AUDIT_FILTERKEY, abi.AUDIT_DIR, abi.AUDIT_WATCH:
		default:
			return false
		}
	}
	if !perm {
		return false
	}
	switch r.List {
	case abi.AUDIT_FILTER_USER, abi.AUDIT_FILTER_TASK, abi.AUDIT_FILTER_EXCLUDE, abi.AUDIT_FILTER_FS:
		return true
	}
	return r.AllSyscalls()
}

// String is the rule as `auditctl -l` prints it on this machine, without
// the newline.
func (r *Rule) String() string {
	var b strings.Builder
	var elf abi.Arch
	r.format(&b, &elf, hostArch)
	return b.String()
}

// Listing is the output of `auditctl -l` for rules in kernel order,
// "No rules\n" when there are none. It differs from joining String()s in
// one auditctl quirk: the arch of the last rule with -F arch= names the
// syscalls of later rules that have none.
func Listing(rules []*Rule) string {
	if len(rules) == 0 {
		return "No rules\n"
	}
	var b strings.Builder
	var elf abi.Arch
	for _, r := range rules {
		r.format(&b, &elf, hostArch)
		b.WriteByte('\n')
	}
	return b.String()
}

// format writes r to b. elf is libaudit's _audit_elf, which -F arch= sets
// and which outlives the rule.
func (r *Rule) format(b *strings.Builder, elf *abi.Arch, machine abi.Arch) {
	watch := r.IsWatch()
	if !watch {
		b.WriteString("-a ")
		b.WriteString(nullName(actionNames, r.Action))
		b.WriteByte(',')
		b.WriteString(nullName(listNames, r.List))
		for _, f := range r.Fields {
			if f.Type&^abi.AUDIT_OPERATORS == abi.AUDIT_ARCH {
				*elf = abi.Arch(f.Value)
				b.WriteString(" -F arch")
				b.WriteString(opSymbol(f.Op))
				switch {
				case !elfKnown[*elf]:
					b.WriteString("0x")
					b.WriteString(strings.ToUpper(strconv.FormatUint(uint64(f.Value), 16)))
				case f.Value&0x80000000 != 0:
					b.WriteString("b64")
				default:
					b.WriteString("b32")
				}
			}
		}
		r.formatSyscalls(b, *elf, machine)
	}
	for _, f := range r.Fields {
		r.formatField(b, f, watch)
	}
}

func (r *Rule) formatSyscalls(b *strings.Builder, elf, machine abi.Arch) {
	switch r.List {
	case abi.AUDIT_FILTER_USER, abi.AUDIT_FILTER_TASK, abi.AUDIT_FILTER_EXCLUDE, abi.AUDIT_FILTER_FS:
		return
	}
	if r.AllSyscalls() {
		b.WriteString(" -S all")
		return
	}
	if elf != 0 {
		machine = elf
	}
	known := elfKnown[machine]
	count := 0
	for nr := uint32(0); nr < abi.AUDIT_BITMASK_SIZE*32; nr++ {
		if r.Mask[nr/32] == 0 {
			nr |= 31 // skip the empty word
			continue
		}
		if r.Mask[nr/32]&(1<<(nr%32)) == 0 {
			continue
		}
		if count == 0 {
			b.WriteString(" -S ")
		} else {
			b.WriteByte(',')
		}
		name := ""
		if known {
			name = abi.SyscallName(syscallTable(machine), nr)
		}
		if name != "" {
			b.WriteString(name)
		} else {
			b.WriteString(strconv.FormatUint(uint64(nr), 10))
		}
		count++
	}
}

func signed(v uint32) string { return strconv.FormatInt(int64(int32(v)), 10) }

func (r *Rule) formatField(b *strings.Builder, f Field, watch bool) {
	op := opSymbol(f.Op)
	t := f.Type &^ abi.AUDIT_OPERATORS
	if t == abi.AUDIT_ARCH {
		return
	}
	name := fieldName(t)
	if name == "" {
		// auditctl prints unknown fields without -F and with the raw type.
		b.WriteString(" f" + strconv.FormatUint(uint64(f.Type), 10) + op + signed(f.Value))
		return
	}
	pre := " -F " + name + op
	switch {
	case t == abi.AUDIT_MSGTYPE:
		// 1338/1339 have names in contaudit but not in libaudit 3.0.9.
		if n := abi.MsgTypeName(f.Value); !strings.HasPrefix(n, "UNKNOWN[") && f.Value != abi.AUDIT_DM_CTRL && f.Value != abi.AUDIT_DM_EVENT {
			b.WriteString(pre + n)
		} else {
			b.WriteString(pre + signed(f.Value))
		}
	case t >= abi.AUDIT_SUBJ_USER && t <= abi.AUDIT_OBJ_LEV_HIGH && t != abi.AUDIT_PPID:
		b.WriteString(pre + f.Str)
	case t == abi.AUDIT_WATCH || t == abi.AUDIT_DIR:
		// auditctl prints "-w" with no leading space and ignores the
		// operator: a watch whose perm comes first lists as " -p x-w /path".
		switch {
		case watch:
			b.WriteString("-w " + f.Str)
		case t == abi.AUDIT_WATCH:
			b.WriteString(" -F path=" + f.Str)
		default:
			b.WriteString(" -F dir=" + f.Str)
		}
	case t == abi.AUDIT_EXE:
		b.WriteString(" -F exe=" + f.Str) // the operator is not printed
	case t == abi.AUDIT_FILTERKEY:
		for _, k := range strings.Split(f.Str, string(rune(abi.AUDIT_KEY_SEPARATOR))) {
			if k == "" {
				continue // strtok skips empty keys
			}
			if watch {
				b.WriteString(" -k " + k)
			} else {
				b.WriteString(" -F key=" + k)
			}
		}
	case t == abi.AUDIT_PERM:
		if watch {
			b.WriteString(" -p " + permString(f.Value))
		} else {
			b.WriteString(" -F perm=" + permString(f.Value))
		}
	case t == FieldContid:
		b.WriteString(pre + formatContid(f.Contid))
	case t == abi.AUDIT_INODE:
		b.WriteString(pre + strconv.FormatUint(uint64(f.Value), 10))
	case t == abi.AUDIT_FIELD_COMPARE:
		if c, ok := compareNames[f.Value]; ok {
			b.WriteString(" -C " + c[0] + op + c[1])
		} // unknown comparisons print nothing
	case t >= abi.AUDIT_ARG0 && t <= abi.AUDIT_ARG3:
		b.WriteString(pre + "0x" + strings.ToUpper(strconv.FormatUint(uint64(f.Value), 16)))
	case t == abi.AUDIT_EXIT:
		v := int32(f.Value)
		e := v
		if e < 0 {
			e = -e
		}
		if n := abi.ErrnoName(uint32(e)); v < 0 && n != "" {
			b.WriteString(pre + "-" + n)
		} else {
			b.WriteString(pre + signed(f.Value))
		}
	case t == abi.AUDIT_FSTYPE:
		if n, ok := fstypeNames[f.Value]; ok {
			b.WriteString(pre + n)
		} else {
			b.WriteString(pre + signed(f.Value))
		}
	default:
		// uid, auid, sessionid and the rest print as signed decimal:
		// unset (4294967295) lists as -1.
		b.WriteString(pre + signed(f.Value))
	}
}

func permString(v uint32) string {
	var s []byte
	if v&abi.AUDIT_PERM_READ != 0 {
		s = append(s, 'r')
	}
	if v&abi.AUDIT_PERM_WRITE != 0 {
		s = append(s, 'w')
	}
	if v&abi.AUDIT_PERM_EXEC != 0 {
		s = append(s, 'x')
	}
	if v&abi.AUDIT_PERM_ATTR != 0 {
		s = append(s, 'a')
	}
	return string(s)
}
