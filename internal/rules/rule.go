package rules

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/contaudit/contaudit/internal/abi"
)

// auditFilterMask selects the list from audit_rule_data.flags
// (AUDIT_FILTER_MASK in libaudit.h).
const auditFilterMask = 0x07

// Rule is one kernel audit rule: what auditctl builds from -a/-A/-d/-w/-W
// and what AUDIT_LIST_RULES returns. Fields keep their order, which is part
// of the rule's identity for the kernel (delete matches field by field) and
// of auditctl's listing.
type Rule struct {
	List    uint32 // AUDIT_FILTER_EXIT, AUDIT_FILTER_USER, ...
	Prepend bool   // -A: AUDIT_FILTER_PREPEND, insert at the head of List
	Action  uint32 // AUDIT_ALWAYS or AUDIT_NEVER
	// Mask is the syscall bitmap. auditctl sets every bit, "-S all", for
	// every list but task when no -S is given, watches included.
	Mask   [abi.AUDIT_BITMASK_SIZE]uint32
	Fields []Field
}

// Field is one condition of a rule.
type Field struct {
	Type uint32 // AUDIT_UID, AUDIT_WATCH, AUDIT_FILTERKEY, ...
	Op   uint32 // AUDIT_EQUAL, AUDIT_NOT_EQUAL, AUDIT_BIT_MASK, ...
	// Value is the number the kernel compares with. For string fields
	// Encode sets it to len(Str), as the kernel expects.
	Value uint32
	Str   string // the path, dir, key, exe, subj_* or obj_* text
	// Contid is the value of a FieldContid field, which is 64 bits wide
	// and never reaches the kernel.
	Contid uint64
}

// IsStringField reports whether fields of type t carry their value in the
// rule's string buffer.
func IsStringField(t uint32) bool {
	switch t {
	case abi.AUDIT_SUBJ_USER, abi.AUDIT_SUBJ_ROLE, abi.AUDIT_SUBJ_TYPE, abi.AUDIT_SUBJ_SEN, abi.AUDIT_SUBJ_CLR,
		abi.AUDIT_OBJ_USER, abi.AUDIT_OBJ_ROLE, abi.AUDIT_OBJ_TYPE, abi.AUDIT_OBJ_LEV_LOW, abi.AUDIT_OBJ_LEV_HIGH,
		abi.AUDIT_WATCH, abi.AUDIT_DIR, abi.AUDIT_FILTERKEY, abi.AUDIT_EXE:
		return true
	}
	return false
}

// SetAllSyscalls sets every bit of the mask, as "-S all" does.
func (r *Rule) SetAllSyscalls() {
	for i := range r.Mask {
		r.Mask[i] = ^uint32(0)
	}
}

// AllSyscalls reports whether the rule matches every syscall. Like auditctl
// it ignores the last mask word, which no arch's table reaches.
func (r *Rule) AllSyscalls() bool {
	for _, w := range r.Mask[:abi.AUDIT_BITMASK_SIZE-1] {
		if w != ^uint32(0) {
			return false
		}
	}
	return true
}

// Syscalls lists the syscall numbers set in the mask.
func (r *Rule) Syscalls() []uint32 {
	var out []uint32
	for nr := uint32(0); nr < abi.AUDIT_BITMASK_SIZE*32; nr++ {
		if r.Mask[nr/32]&(1<<(nr%32)) != 0 {
			out = append(out, nr)
		}
	}
	return out
}

// Key returns the rule's filter key, with several keys joined by
// AUDIT_KEY_SEPARATOR as auditctl stores them, or "".
func (r *Rule) Key() string {
	for _, f := range r.Fields {
		if f.Type == abi.AUDIT_FILTERKEY {
			return f.Str
		}
	}
	return ""
}

// Encode builds the audit_rule_data auditctl sends for r.
//
// A contid rule of the exit list is sent without its contid fields and
// with a tag key for each (see FieldContid); the contid rules of the user
// and exclude lists have no kernel form, and Encode refuses them.
func Encode(r *Rule) (*abi.AuditRuleData, error) {
	if r.hasContid() {
		if err := r.checkContidRule(); err != nil {
			return nil, err
		}
		if r.userspaceOnly() {
			return nil, errors.New("contid rules of the user and exclude lists are evaluated in userspace and have no kernel form")
		}
		r = r.kernelRule()
	}
	if len(r.Fields) > abi.AUDIT_MAX_FIELDS {
		return nil, fmt.Errorf("rule has %d fields, the kernel takes at most %d", len(r.Fields), abi.AUDIT_MAX_FIELDS)
	}
	d := &abi.AuditRuleData{Flags: r.List, Action: r.Action, FieldCount: uint32(len(r.Fields)), Mask: r.Mask}
	if r.Prepend {
		d.Flags |= abi.AUDIT_FILTER_PREPEND
	}
	n := 0
	for _, f := range r.Fields {
		n += len(f.Str)
	}
	if n > 0 {
		d.Buf = make([]byte, 0, n)
	}
	for i, f := range r.Fields {
		d.Fields[i] = f.Type
		d.FieldFlags[i] = f.Op
		d.Values[i] = f.Value
		if IsStringField(f.Type) {
			d.Values[i] = uint32(len(f.Str))
			d.Buf = append(d.Buf, f.Str...)
		}
	}
	return d, nil
}

// Decode turns a rule the kernel returned into a Rule. Encode(Decode(d))
// reproduces d.
func Decode(d *abi.AuditRuleData) (*Rule, error) {
	if d.FieldCount > abi.AUDIT_MAX_FIELDS {
		return nil, fmt.Errorf("decode rule: field_count %d exceeds %d", d.FieldCount, abi.AUDIT_MAX_FIELDS)
	}
	if d.Flags&^uint32(auditFilterMask|abi.AUDIT_FILTER_PREPEND) != 0 {
		return nil, fmt.Errorf("decode rule: unknown flags %#x", d.Flags)
	}
	r := &Rule{
		List:    d.Flags & auditFilterMask,
		Prepend: d.Flags&abi.AUDIT_FILTER_PREPEND != 0,
		Action:  d.Action,
		Mask:    d.Mask,
		Fields:  make([]Field, d.FieldCount),
	}
	off := 0
	for i := range r.Fields {
		f := Field{Type: d.Fields[i], Op: d.FieldFlags[i], Value: d.Values[i]}
		if f.Type == FieldContid {
			// Only the drafts' kernels knew the field, with a 64-bit value
			// a Rule cannot hold from the 32-bit slot.
			return nil, fmt.Errorf("decode rule: field %d is contid (27), which only the unmerged kernel drafts had", i)
		}
		if IsStringField(f.Type) {
			if uint64(off)+uint64(f.Value) > uint64(len(d.Buf)) {
				return nil, fmt.Errorf("decode rule: field %d (%s) wants %d bytes at %d of a %d-byte buffer",
					i, fieldName(f.Type), f.Value, off, len(d.Buf))
			}
			f.Str = string(d.Buf[off : off+int(f.Value)])
			off += int(f.Value)
		}
		r.Fields[i] = f
	}
	if off != len(d.Buf) {
		return nil, fmt.Errorf("decode rule: %d of %d buffer bytes belong to no field", len(d.Buf)-off, len(d.Buf))
	}
	return r, nil
}

// machine is what libaudit calls a machine type: the arch families whose
// syscall tables auditctl 3.0.9 has. The AUDIT_ARCH value of the native
// flavour stands for it.
var elfKnown = map[abi.Arch]bool{
	abi.AUDIT_ARCH_I386: true, abi.AUDIT_ARCH_X86_64: true,
	abi.AUDIT_ARCH_PPC64: true, abi.AUDIT_ARCH_PPC64LE: true, abi.AUDIT_ARCH_PPC: true,
	abi.AUDIT_ARCH_S390X: true, abi.AUDIT_ARCH_S390: true,
	abi.AUDIT_ARCH_ARM: true, abi.AUDIT_ARCH_AARCH64: true,
}

// machineNames are libaudit's machinetab: the -F arch= names it knows.
var machineNames = map[string]abi.Arch{
	"i386": abi.AUDIT_ARCH_I386, "i486": abi.AUDIT_ARCH_I386, "i586": abi.AUDIT_ARCH_I386, "i686": abi.AUDIT_ARCH_I386,
	"x86_64": abi.AUDIT_ARCH_X86_64,
	"ppc64":  abi.AUDIT_ARCH_PPC64, "ppc64le": abi.AUDIT_ARCH_PPC64LE, "ppc": abi.AUDIT_ARCH_PPC,
	"s390x": abi.AUDIT_ARCH_S390X, "s390": abi.AUDIT_ARCH_S390,
	"armeb": abi.AUDIT_ARCH_ARM, "arm": abi.AUDIT_ARCH_ARM, "armv5tejl": abi.AUDIT_ARCH_ARM,
	"armv5tel": abi.AUDIT_ARCH_ARM, "armv6l": abi.AUDIT_ARCH_ARM, "armv7l": abi.AUDIT_ARCH_ARM,
	"aarch64": abi.AUDIT_ARCH_AARCH64, "armv8l": abi.AUDIT_ARCH_AARCH64,
}

// hostArch is the arch auditctl would detect with uname(2) on this machine.
var hostArch = func() abi.Arch {
	switch runtime.GOARCH {
	case "amd64":
		return abi.AUDIT_ARCH_X86_64
	case "386":
		return abi.AUDIT_ARCH_I386
	case "arm64":
		return abi.AUDIT_ARCH_AARCH64
	case "arm":
		return abi.AUDIT_ARCH_ARM
	case "ppc64le":
		return abi.AUDIT_ARCH_PPC64LE
	case "ppc64":
		return abi.AUDIT_ARCH_PPC64
	case "s390x":
		return abi.AUDIT_ARCH_S390X
	}
	return 0
}()

// syscallTable maps an arch to the table libaudit uses for it: the ppc
// flavours share one, as in audit_name_to_syscall.
func syscallTable(a abi.Arch) abi.Arch {
	switch a {
	case abi.AUDIT_ARCH_PPC64LE, abi.AUDIT_ARCH_PPC:
		return abi.AUDIT_ARCH_PPC64
	}
	return a
}

func fieldName(t uint32) string {
	switch t {
	case abi.AUDIT_LOGINUID_SET:
		return "loginuid_set"
	case FieldContid:
		return "contid"
	}
	return abi.FieldName(t)
}
