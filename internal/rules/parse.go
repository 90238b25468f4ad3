package rules

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/contaudit/contaudit/internal/abi"
)

// Parser turns auditctl command lines into Commands the way auditctl 3.0.9
// builds its netlink requests. The zero value parses for the running
// machine, stats watched paths and resolves user and group names from
// /etc/passwd and /etc/group, as auditctl does.
type Parser struct {
	// Arch is the machine's AUDIT_ARCH: the syscall table of rules without
	// -F arch=, and what b32/b64 are relative to. Zero means this machine.
	Arch abi.Arch
	// IsDir reports whether a -w path is a directory, which makes the
	// watch a dir field. Nil means os.Stat.
	IsDir func(path string) bool
	// LookupUser and LookupGroup resolve names in uid and gid fields.
	// Nil means /etc/passwd and /etc/group.
	LookupUser  func(name string) (uint32, bool)
	LookupGroup func(name string) (uint32, bool)
}

// ParseError is a line auditctl would refuse.
type ParseError struct {
	File  string
	Line  int    // 1-based; 0 for argv
	Token string // the offending option and argument, "-F fooo=1"
	Err   error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if p := (Pos{e.File, e.Line}).String(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	if e.Token != "" {
		b.WriteString(e.Token)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// ErrDeprecated is the error for the "possible" action, which auditctl
// skips with a complaint; contaudit refuses it instead.
var ErrDeprecated = errors.New(`action "possible" is deprecated`)

// Parse parses one command given as an auditctl argv, without the program
// name: Parse("-a", "always,exit", "-S", "open").
func (p *Parser) Parse(args ...string) (Command, error) {
	cmd, err := p.parseArgs(args)
	if err != nil {
		return Command{}, err
	}
	return cmd, nil
}

// ParseLine parses one line of a rules file. Blank lines and comments give
// ok == false and no error.
func (p *Parser) ParseLine(line string) (cmd Command, ok bool, err error) {
	args := splitLine(line)
	if len(args) == 0 || strings.HasPrefix(args[0], "#") {
		return Command{}, false, nil
	}
	cmd, err = p.parseArgs(args)
	if err != nil {
		return Command{}, false, err
	}
	return cmd, true, nil
}

// splitLine splits a rules-file line as auditctl does: on spaces only
// (tabs stay in the token), with "\ " standing for a space and "\\" for a
// backslash inside a token.
func splitLine(line string) []string {
	line = strings.TrimSuffix(line, "\n")
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i] // auditctl reads lines as C strings
	}
	var out []string
	var cur []byte
	inTok := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '\\' && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\\') && len(out) > 0 {
			// auditctl unescapes every token but the first.
			cur = append(cur, line[i+1])
			inTok = true
			i++
			continue
		}
		if c == ' ' {
			if inTok {
				out = append(out, string(cur))
				cur = cur[:0]
				inTok = false
			}
			continue
		}
		cur = append(cur, c)
		inTok = true
	}
	if inTok {
		out = append(out, string(cur))
	}
	return out
}

// unset is auditctl's AUDIT_FILTER_UNSET for add and del.
const unset = -1

// state is auditctl's per-command globals (reset_vars).
type state struct {
	p            *Parser
	machine      abi.Arch
	add, del     int // list|prepend, or unset
	action       int
	exclude      bool
	multiple     int
	syscallAdded bool
	permAdded    bool
	exeAdded     bool
	fsAdded      bool
	elf          abi.Arch
	rule         Rule
	key          string
	keyTok       string
	contidTok    string // the first -F contid=, for errors found at the end of the line
	kind         Kind
	status       abi.AuditStatus
	deleteKey    string
}

func errf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// shortOpts is auditctl's getopt string: true means the option takes an
// argument.
var shortOpts = map[byte]bool{
	'h': false, 'i': false, 'c': false, 's': false, 'l': false, 'D': false, 'v': false, 't': false,
	'C': true, 'e': true, 'f': true, 'r': true, 'b': true, 'a': true, 'A': true, 'd': true, 'S': true,
	'F': true, 'm': true, 'R': true, 'w': true, 'W': true, 'k': true, 'p': true, 'q': true,
}

var longOpts = []struct {
	name   string
	hasArg bool
}{
	{"loginuid-immutable", false},
	{"backlog_wait_time", true},
	{"reset-lost", false},
	{"reset_backlog_wait_time_actual", false},
	{"signal", true},
}

func (p *Parser) parseArgs(args []string) (Command, error) {
	machine := p.Arch
	if machine == 0 {
		machine = hostArch
	}
	s := &state{p: p, machine: machine, add: unset, del: unset, action: -1}

	// -D takes -k only as "-D -k KEY", checked on the whole argv.
	for _, a := range args {
		if a == "-D" && !(len(args) == 1 || (len(args) == 3 && args[0] == "-D" && args[1] == "-k")) {
			return Command{}, &ParseError{Token: strings.Join(args, " "), Err: errors.New("-D takes no options but -k KEY")}
		}
	}
	if len(args) == 3 && args[0] == "-D" && args[1] == "-k" {
		s.kind = KindDeleteAll
		s.deleteKey = args[2]
		if len(s.deleteKey) > abi.AUDIT_MAX_KEY_LEN {
			s.deleteKey = s.deleteKey[:abi.AUDIT_MAX_KEY_LEN]
		}
		return s.finish()
	}

	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				return Command{}, &ParseError{Token: args[i+1], Err: errors.New("parameter passed without an option given")}
			}
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			idx := -1
			for j, o := range longOpts {
				if o.name == name {
					idx = j
					break
				}
				if strings.HasPrefix(o.name, name) && name != "" {
					if idx >= 0 {
						return Command{}, &ParseError{Token: a, Err: errf("option %s is ambiguous", a)}
					}
					idx = j
				}
			}
			if idx < 0 {
				return Command{}, &ParseError{Token: a, Err: errf("option %s is invalid", a)}
			}
			o := longOpts[idx]
			if o.hasArg && !hasVal {
				if i+1 >= len(args) {
					return Command{}, &ParseError{Token: a, Err: errf("option --%s needs a value", o.name)}
				}
				i++
				val = args[i]
			} else if !o.hasArg && hasVal {
				return Command{}, &ParseError{Token: a, Err: errf("option --%s takes no value", o.name)}
			}
			tok := "--" + o.name
			if o.hasArg {
				tok += " " + val
			}
			if err := s.long(o.name, val); err != nil {
				return Command{}, &ParseError{Token: tok, Err: err}
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				c := a[j]
				hasArg, known := shortOpts[c]
				if !known {
					return Command{}, &ParseError{Token: a, Err: errf("option -%c is invalid", c)}
				}
				var val string
				if hasArg {
					if j+1 < len(a) {
						val = a[j+1:]
					} else if i+1 < len(args) {
						i++
						val = args[i]
					} else {
						return Command{}, &ParseError{Token: "-" + string(c), Err: errf("option -%c needs a value", c)}
					}
				}
				tok := "-" + string(c)
				if hasArg {
					tok += " " + val
				}
				if err := s.short(c, val); err != nil {
					return Command{}, &ParseError{Token: tok, Err: err}
				}
				if hasArg {
					break
				}
			}
		default:
			return Command{}, &ParseError{Token: a, Err: errors.New("parameter passed without an option given")}
		}
	}
	return s.finish()
}

func (s *state) listFlags() int {
	if s.add != unset {
		return s.add & auditFilterMask
	}
	if s.del != unset {
		return s.del & auditFilterMask
	}
	return unset
}

func (s *state) setKind(k Kind) error {
	if s.kind != 0 && s.kind != k {
		return errf("cannot be combined with %s on one line", s.kind)
	}
	s.kind = k
	return nil
}

func (s *state) short(c byte, v string) error {
	switch c {
	case 'i':
		return s.setKind(KindIgnoreErrors)
	case 'c':
		return s.setKind(KindContinueOnError)
	case 'D':
		return s.setKind(KindDeleteAll)
	case 'e', 'f':
		if v != "0" && v != "1" && v != "2" {
			if c == 'e' {
				return errf("enable must be 0, 1, or 2, not %q", v)
			}
			return errf("failure must be 0, 1, or 2, not %q", v)
		}
		n := uint32(v[0] - '0')
		if c == 'e' {
			s.status.Mask |= abi.AUDIT_STATUS_ENABLED
			s.status.Enabled = n
		} else {
			s.status.Mask |= abi.AUDIT_STATUS_FAILURE
			s.status.Failure = n
		}
		return s.setKind(KindSetStatus)
	case 'r', 'b':
		if !startsWithDigit(v) {
			return errf("value must be numeric, not %q", v)
		}
		n, ok := strtoulErr(v, 0)
		if !ok {
			return errf("value %q out of range", v)
		}
		if c == 'r' {
			s.status.Mask |= abi.AUDIT_STATUS_RATE_LIMIT
			s.status.RateLimit = n
		} else {
			s.status.Mask |= abi.AUDIT_STATUS_BACKLOG_LIMIT
			s.status.BacklogLimit = n
		}
		return s.setKind(KindSetStatus)
	case 'a', 'A', 'd':
		return s.setupRule(c, v)
	case 'S':
		return s.syscalls(v)
	case 'F':
		flags := s.listFlags()
		if flags == unset {
			return errors.New("list must be given before field")
		}
		if k, ok := strings.CutPrefix(v, "key="); ok {
			if s.keyTok == "" {
				s.keyTok = "-F " + v
			}
			return s.addKey(k)
		}
		return s.fieldPair(v, flags)
	case 'C':
		return s.compare(v)
	case 'w', 'W':
		return s.watch(c, v)
	case 'k':
		if !(s.syscallAdded || s.permAdded || s.exeAdded || s.fsAdded) || (s.add == unset && s.del == unset) {
			return errors.New("key option needs a watch or syscall given prior to it")
		}
		return s.addKey(v)
	case 'p':
		if s.add == unset && s.del == unset {
			return errors.New("permission option needs a watch given prior to it")
		}
		return s.perms(v)
	case 'R':
		return errors.New("nested rule files are not supported")
	case 'h', 's', 'l', 'v', 'm', 'q', 't':
		return errf("-%c is not a rule command", c)
	}
	return errf("option -%c is invalid", c)
}

func (s *state) long(name, v string) error {
	switch name {
	case "loginuid-immutable":
		return s.setKind(KindLoginuidImmutable)
	case "backlog_wait_time":
		if !startsWithDigit(v) {
			return errf("backlog_wait_time must be numeric, not %q", v)
		}
		n, ok := strtoulErr(v, 0)
		if !ok {
			return errf("backlog_wait_time %q out of range", v)
		}
		s.status.Mask |= abi.AUDIT_STATUS_BACKLOG_WAIT_TIME
		s.status.BacklogWaitTime = n
		return s.setKind(KindSetStatus)
	case "reset-lost":
		s.status.Mask |= abi.AUDIT_STATUS_LOST
		return s.setKind(KindSetStatus)
	case "reset_backlog_wait_time_actual":
		s.status.Mask |= abi.AUDIT_STATUS_BACKLOG_WAIT_TIME_ACTUAL
		return s.setKind(KindSetStatus)
	}
	return errf("--%s is not a rule command", name)
}

func lookupList(s string) (int, bool) {
	switch s {
	case "exit":
		return abi.AUDIT_FILTER_EXIT, true
	case "task":
		return abi.AUDIT_FILTER_TASK, true
	case "user":
		return abi.AUDIT_FILTER_USER, true
	case "exclude":
		return abi.AUDIT_FILTER_EXCLUDE, true
	case "filesystem":
		return abi.AUDIT_FILTER_FS, true
	}
	return 0, false
}

// lookupAction returns 1 for the deprecated "possible", 2 for a non-action.
func lookupAction(s string) (int, int) {
	switch s {
	case "always":
		return abi.AUDIT_ALWAYS, 0
	case "never":
		return abi.AUDIT_NEVER, 0
	case "possible":
		return 0, 1
	}
	return 0, 2
}

// setupRule is auditctl's audit_rule_setup for -a, -A and -d: "list,action"
// or "action,list".
func (s *state) setupRule(c byte, v string) error {
	if (c == 'a' || c == 'A') && strings.Contains(v, "task") && s.syscallAdded {
		return errors.New("syscall auditing requested for task list")
	}
	s.multiple++
	if s.multiple != 1 || s.add != unset || s.del != unset {
		return errors.New("multiple rule insert/delete operations are not allowed")
	}
	first, second, ok := strings.Cut(v, ",")
	if !ok || strings.Contains(second, ",") {
		return errf("bad keyword %q: want list,action", v)
	}
	list, act := unset, -1
	if a, rc := lookupAction(first); rc == 0 {
		act = a
	} else if rc == 1 {
		return ErrDeprecated
	} else if l, ok := lookupList(first); ok {
		list = l
	} else {
		return errf("bad keyword %q: %q is neither a list nor an action", v, first)
	}
	if list == unset {
		if l, ok := lookupList(second); ok {
			list = l
		}
	} else {
		a, rc := lookupAction(second)
		if rc == 1 {
			return ErrDeprecated
		}
		if rc == 2 {
			return errf("bad keyword %q: %q is not an action", v, second)
		}
		act = a
	}
	if list == unset || act == -1 {
		return errf("bad keyword %q: want list,action", v)
	}
	if list == abi.AUDIT_FILTER_EXCLUDE {
		s.exclude = true
	}
	if s.syscallAdded && list != abi.AUDIT_FILTER_EXIT {
		// auditctl only checks this when -S comes after -a.
		return errf("syscalls cannot be audited on the %s list", listNames[uint32(list)])
	}
	s.action = act
	if c == 'd' {
		s.del = list
	} else {
		s.add = list
		if c == 'A' {
			s.add |= abi.AUDIT_FILTER_PREPEND
		}
	}
	if c == 'd' {
		return s.setKind(KindDeleteRule)
	}
	return s.setKind(KindAddRule)
}

func (s *state) syscalls(v string) error {
	switch l := s.listFlags(); l {
	case abi.AUDIT_FILTER_TASK, abi.AUDIT_FILTER_USER, abi.AUDIT_FILTER_FS:
		return errf("syscall auditing cannot be added to the %s list", listNames[uint32(l)])
	}
	if s.exclude {
		return errors.New("syscall auditing cannot be put on exclude list")
	}
	if s.elf == 0 {
		if s.machine == 0 {
			return errors.New("cannot detect the machine type")
		}
		s.elf = s.machine
	}
	for _, name := range strings.Split(v, ",") {
		if name == "" {
			continue // strtok skips empty names
		}
		if name == "all" {
			s.rule.SetAllSyscalls()
			continue
		}
		if !elfKnown[s.elf] {
			return errf("elf type unknown: %#x", uint32(s.elf))
		}
		nr, ok := abi.SyscallByName(syscallTable(s.elf), asciiLower(name))
		if !ok && startsWithDigit(name) {
			nr, ok = strtol32(name), true
			if int32(nr) < 0 {
				ok = false
			}
		}
		if !ok || nr >= abi.AUDIT_BITMASK_SIZE*32 {
			return errf("unknown syscall %q for %s", name, s.elf.Name())
		}
		s.rule.Mask[nr/32] |= 1 << (nr % 32)
	}
	s.syscallAdded = true
	return nil
}

func (s *state) addKey(k string) error {
	sep := 0
	if s.key != "" {
		sep = 1
	}
	if len(k)+len(s.key)+sep > abi.AUDIT_MAX_KEY_LEN {
		return errf("key exceeds the %d-byte limit", abi.AUDIT_MAX_KEY_LEN)
	}
	if strings.IndexByte(k, abi.AUDIT_KEY_SEPARATOR) >= 0 {
		return errf("key %q has the illegal character \\x01", k)
	}
	if sep == 1 {
		s.key += string(rune(abi.AUDIT_KEY_SEPARATOR))
	}
	s.key += k
	if s.keyTok == "" {
		s.keyTok = "-k " + k
	}
	return nil
}

// checkPath is auditctl's check_path for -w and -W.
func checkPath(p string) error {
	if len(p) >= 4096 {
		return errors.New("the path passed for the watch is too big")
	}
	if !strings.HasPrefix(p, "/") {
		return errors.New("the path must start with '/'")
	}
	if len(path.Base(p)) > 255 {
		return errors.New("the base name of the path is too big")
	}
	return nil
}

// watch is -w and -W: an exit rule on every syscall with the path (or dir,
// if it is one now) and perm rwxa, which -p narrows.
func (s *state) watch(c byte, p string) error {
	if c == 'w' && (s.add != unset || s.del != unset) {
		return errors.New("watch option can't be given with a syscall")
	}
	if c == 'W' && (s.add != unset || s.del != unset) {
		return errors.New("watch option can't be given with a rule")
	}
	if err := checkPath(p); err != nil {
		return err
	}
	if len(p) > 2 && p[len(p)-1] == '/' {
		for len(p) > 1 && p[len(p)-1] == '/' {
			p = p[:len(p)-1]
		}
	}
	if len(s.rule.Fields) > 0 {
		return errors.New("rule is not empty")
	}
	typ := uint32(abi.AUDIT_WATCH)
	if s.isDir(p) {
		typ = abi.AUDIT_DIR
	}
	s.rule.SetAllSyscalls()
	s.rule.Fields = append(s.rule.Fields,
		Field{Type: typ, Op: abi.AUDIT_EQUAL, Value: uint32(len(p)), Str: p},
		Field{Type: abi.AUDIT_PERM, Op: abi.AUDIT_EQUAL,
			Value: abi.AUDIT_PERM_READ | abi.AUDIT_PERM_WRITE | abi.AUDIT_PERM_EXEC | abi.AUDIT_PERM_ATTR})
	s.permAdded = true
	s.syscallAdded = true
	s.action = abi.AUDIT_ALWAYS
	if c == 'w' {
		s.add = abi.AUDIT_FILTER_EXIT
		return s.setKind(KindAddRule)
	}
	s.del = abi.AUDIT_FILTER_EXIT
	return s.setKind(KindDeleteRule)
}

func (s *state) isDir(p string) bool {
	if s.p.IsDir != nil {
		return s.p.IsDir(p)
	}
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func parsePerm(v string) (uint32, error) {
	if len(v) > 4 {
		return 0, errf("permission %q is too long", v)
	}
	var val uint32
	for i := 0; i < len(v); i++ {
		switch v[i] | 0x20 {
		case 'r':
			val |= abi.AUDIT_PERM_READ
		case 'w':
			val |= abi.AUDIT_PERM_WRITE
		case 'x':
			val |= abi.AUDIT_PERM_EXEC
		case 'a':
			val |= abi.AUDIT_PERM_ATTR
		default:
			return 0, errf("permission %q: only r, w, x and a are allowed", v)
		}
	}
	return val, nil
}

// perms is -p: it rewrites the rule's perm fields, or appends one.
func (s *state) perms(v string) error {
	val, err := parsePerm(v)
	if err != nil {
		return err
	}
	if len(s.rule.Fields) < 1 {
		return errors.New("permissions should be preceded by other fields")
	}
	done := false
	for i := range s.rule.Fields {
		if s.rule.Fields[i].Type == abi.AUDIT_PERM {
			s.rule.Fields[i].Value = val
			done = true
		}
	}
	if !done {
		if len(s.rule.Fields) >= abi.AUDIT_MAX_FIELDS-1 {
			return errors.New("too many fields when adding permissions")
		}
		s.rule.Fields = append(s.rule.Fields, Field{Type: abi.AUDIT_PERM, Op: abi.AUDIT_EQUAL, Value: val})
	}
	s.permAdded = true
	return nil
}

// libaudit's generated name tables fold ASCII case before looking a name
// up: lower case for fields, syscalls, file and fs types and machines,
// upper case for errnos and record types.
func asciiLower(s string) string { return asciiShift(s, 'A', 'Z', 'a'-'A') }

func asciiUpper(s string) string { return asciiShift(s, 'a', 'z', 'A'-'a') }

// asciiShift adds delta to every byte of s in lo..hi, copying s only if
// one is there.
func asciiShift(s string, lo, hi byte, delta int) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= lo && c <= hi {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= lo && b[j] <= hi {
					b[j] = byte(int(b[j]) + delta)
				}
			}
			return string(b)
		}
	}
	return s
}

// fieldByName is audit_name_to_field, with "loginuid" and "loginuid_set"
// which libaudit's generated table lacks.
func fieldByName(name string) (uint32, bool) {
	name = asciiLower(name)
	switch name {
	case "loginuid":
		return abi.AUDIT_LOGINUID, true
	case "loginuid_set":
		return abi.AUDIT_LOGINUID_SET, true
	case "contid":
		return FieldContid, true
	case "field_compare":
		return 0, false // only -C sets it
	}
	return abi.FieldByName(name)
}

// splitOp is auditctl's operator search: each operator is looked for in
// turn anywhere in the pair, two-character ones first.
func splitOp(pair string, ops []string) (field, op, value string, ok bool) {
	for _, o := range ops {
		if i := strings.Index(pair, o); i >= 0 {
			return pair[:i], o, pair[i+len(o):], true
		}
	}
	return "", "", "", false
}

var fieldOps = []string{"!=", ">=", "<=", "&=", "=", ">", "<", "&"}

var opValues = map[string]uint32{
	"!=": abi.AUDIT_NOT_EQUAL, ">=": abi.AUDIT_GREATER_THAN_OR_EQUAL, "<=": abi.AUDIT_LESS_THAN_OR_EQUAL,
	"&=": abi.AUDIT_BIT_TEST, "=": abi.AUDIT_EQUAL, ">": abi.AUDIT_GREATER_THAN, "<": abi.AUDIT_LESS_THAN,
	"&": abi.AUDIT_BIT_MASK,
}

// afMax is AF_MAX of glibc 2.36, the bound auditctl checks saddr_fam with.
const afMax = 46

// fieldPair is audit_rule_fieldpair_data: one -F name<op>value.
func (s *state) fieldPair(pair string, flags int) error {
	if len(s.rule.Fields) >= abi.AUDIT_MAX_FIELDS-1 {
		return errf("too many fields in rule (at most %d)", abi.AUDIT_MAX_FIELDS-1)
	}
	name, opStr, v, ok := splitOp(pair, fieldOps)
	if !ok {
		return errors.New("missing operator")
	}
	if name == "" {
		return errors.New("missing field name before operator")
	}
	if v == "" {
		return errf("missing value after operator for %q", name)
	}
	field, ok := fieldByName(name)
	if !ok {
		return errf("unknown field %q", name)
	}
	op := opValues[opStr]
	eqNe := op == abi.AUDIT_EQUAL || op == abi.AUDIT_NOT_EQUAL

	if flags == abi.AUDIT_FILTER_EXCLUDE {
		switch field {
		case abi.AUDIT_PID, abi.AUDIT_UID, abi.AUDIT_GID, abi.AUDIT_LOGINUID, abi.AUDIT_MSGTYPE,
			abi.AUDIT_SUBJ_USER, abi.AUDIT_SUBJ_ROLE, abi.AUDIT_SUBJ_TYPE, abi.AUDIT_SUBJ_SEN, abi.AUDIT_SUBJ_CLR,
			abi.AUDIT_EXE, FieldContid:
		default:
			return errf("field %q cannot be used on the exclude list: only msgtype, pid, uid, gid, auid, exe, subj_* and contid can", name)
		}
	}
	exitOnly := func() error {
		if flags != abi.AUDIT_FILTER_EXIT {
			return errf("field %q can only be used on the exit list", name)
		}
		return nil
	}
	f := Field{Type: field, Op: op}
	switch field {
	case abi.AUDIT_UID, abi.AUDIT_EUID, abi.AUDIT_SUID, abi.AUDIT_FSUID, abi.AUDIT_LOGINUID, abi.AUDIT_OBJ_UID:
		switch {
		case startsWithDigit(v):
			f.Value = strtoul32(v)
		case startsNegative(v):
			f.Value = strtol32(v)
		case v == "unset":
			f.Value = abi.AUDIT_UID_UNSET
		default:
			id, ok := s.lookupUser(v)
			if !ok {
				return errf("unknown user %q", v)
			}
			f.Value = id
		}
	case abi.AUDIT_GID, abi.AUDIT_EGID, abi.AUDIT_SGID, abi.AUDIT_FSGID, abi.AUDIT_OBJ_GID:
		if startsWithDigit(v) {
			f.Value = strtol32(v)
		} else {
			id, ok := s.lookupGroup(v)
			if !ok {
				return errf("unknown group %q", v)
			}
			f.Value = id
		}
	case abi.AUDIT_EXIT:
		if err := exitOnly(); err != nil {
			return err
		}
		if startsWithDigit(v) || startsNegative(v) {
			f.Value = strtol32(v)
		} else {
			name, sign := v, int32(1)
			if n, ok := strings.CutPrefix(v, "-"); ok {
				name, sign = n, -1
			}
			e, ok := abi.ErrnoByName(asciiUpper(name))
			if !ok || e == 0 {
				return errf("unknown errno %q", v)
			}
			f.Value = uint32(int32(e) * sign)
		}
	case abi.AUDIT_MSGTYPE:
		if flags != abi.AUDIT_FILTER_EXCLUDE && flags != abi.AUDIT_FILTER_USER {
			return errors.New("msgtype can only be used on the exclude or user list")
		}
		if startsWithDigit(v) {
			f.Value = strtol32(v)
		} else {
			t, ok := abi.MsgTypeByName(asciiUpper(v))
			if !ok || t == 0 {
				return errf("unknown message type %q", v)
			}
			f.Value = t
		}
	case abi.AUDIT_OBJ_USER, abi.AUDIT_OBJ_ROLE, abi.AUDIT_OBJ_TYPE, abi.AUDIT_OBJ_LEV_LOW, abi.AUDIT_OBJ_LEV_HIGH,
		abi.AUDIT_WATCH, abi.AUDIT_DIR,
		abi.AUDIT_SUBJ_USER, abi.AUDIT_SUBJ_ROLE, abi.AUDIT_SUBJ_TYPE, abi.AUDIT_SUBJ_SEN, abi.AUDIT_SUBJ_CLR,
		abi.AUDIT_FILTERKEY, abi.AUDIT_EXE:
		switch field {
		case abi.AUDIT_OBJ_USER, abi.AUDIT_OBJ_ROLE, abi.AUDIT_OBJ_TYPE, abi.AUDIT_OBJ_LEV_LOW, abi.AUDIT_OBJ_LEV_HIGH,
			abi.AUDIT_WATCH, abi.AUDIT_DIR:
			if err := exitOnly(); err != nil {
				return err
			}
			if field == abi.AUDIT_WATCH || field == abi.AUDIT_DIR {
				s.permAdded = true
			}
		case abi.AUDIT_EXE:
			if !eqNe {
				return errors.New("exe only takes = or != operators")
			}
			s.exeAdded = true
		case abi.AUDIT_FILTERKEY:
			if !(s.syscallAdded || s.permAdded || s.exeAdded || s.fsAdded) {
				return errors.New("key field needs a watch, syscall or exe path given prior to it")
			}
			if len(v) > abi.AUDIT_MAX_KEY_LEN {
				return errf("key exceeds the %d-byte limit", abi.AUDIT_MAX_KEY_LEN)
			}
		}
		if len(v) > 4096 {
			return errors.New("string value too long")
		}
		f.Str = v
		f.Value = uint32(len(v))
	case abi.AUDIT_ARCH:
		if s.syscallAdded {
			return errors.New("arch must be before -S")
		}
		if !eqNe {
			return errors.New("arch only takes = or != operators")
		}
		elf, err := s.parseArch(v)
		if err != nil {
			return err
		}
		s.elf = elf
		f.Value = uint32(elf)
	case abi.AUDIT_PERM:
		if err := exitOnly(); err != nil {
			return err
		}
		if op != abi.AUDIT_EQUAL {
			return errors.New("perm only takes the = operator")
		}
		val, err := parsePerm(v)
		if err != nil {
			return err
		}
		f.Value = val
		s.permAdded = true
	case abi.AUDIT_FILETYPE:
		if err := exitOnly(); err != nil {
			return err
		}
		if startsWithDigit(v) {
			// auditctl -l prints file types as numbers but only parses
			// names; contaudit takes both so that listings load back.
			f.Value = strtoul32(v)
			break
		}
		t, ok := abi.FiletypeByName(asciiLower(v))
		if !ok {
			return errf("unknown file type %q", v)
		}
		f.Value = t
	case abi.AUDIT_FSTYPE:
		if flags != abi.AUDIT_FILTER_FS {
			return errors.New("fstype can only be used on the filesystem list")
		}
		if !eqNe {
			return errors.New("fstype only takes = or != operators")
		}
		if startsWithDigit(v) {
			f.Value = strtoul32(v)
		} else {
			f.Value = 0xffffffff
			for k, n := range fstypeNames {
				if n == asciiLower(v) {
					f.Value = k
				}
			}
		}
		if f.Value == 0xffffffff {
			return errf("unknown file system type %q", v)
		}
		s.fsAdded = true
	case abi.AUDIT_ARG0, abi.AUDIT_ARG1, abi.AUDIT_ARG2, abi.AUDIT_ARG3:
		switch {
		case startsWithDigit(v):
			f.Value = strtoul32(v)
		case startsNegative(v):
			f.Value = strtol32(v)
		default:
			return errf("value %q of %s should be a number", v, name)
		}
	case abi.AUDIT_SESSIONID:
		if flags != abi.AUDIT_FILTER_EXCLUDE && flags != abi.AUDIT_FILTER_USER && flags != abi.AUDIT_FILTER_EXIT {
			return errors.New("sessionid must be used on the exclude, user or exit list")
		}
		switch {
		case startsWithDigit(v):
			f.Value = strtoul32(v)
		case startsNegative(v):
			f.Value = strtol32(v)
		case v == "unset":
			f.Value = abi.AUDIT_SID_UNSET
		default:
			// auditctl silently sends 0 here.
			return errf("value %q of sessionid should be a number or unset", v)
		}
	case abi.AUDIT_SADDR_FAM:
		if !startsWithDigit(v) {
			// auditctl's strtoul would send 0 (AF_UNSPEC) here.
			return errf("value %q of saddr_fam should be a number", v)
		}
		f.Value = strtoul32(v)
		if f.Value >= afMax {
			return errf("value %q is too large for saddr_fam", v)
		}
	case FieldContid:
		if err := checkContidField(flags, s.action, op); err != nil {
			return err
		}
		id, err := parseContidValue(v)
		if err != nil {
			return err
		}
		f.Contid = id
		if s.contidTok == "" {
			s.contidTok = "-F " + pair
		}
	case abi.AUDIT_LOGINUID_SET:
		// Not in libaudit 3.0.9's table; the kernel takes 0 or 1 with = or !=.
		if !eqNe {
			return errors.New("loginuid_set only takes = or != operators")
		}
		if v != "0" && v != "1" {
			return errf("value %q of loginuid_set should be 0 or 1", v)
		}
		f.Value = uint32(v[0] - '0')
	default:
		switch field {
		case abi.AUDIT_DEVMAJOR, abi.AUDIT_DEVMINOR, abi.AUDIT_INODE, abi.AUDIT_SUCCESS, abi.AUDIT_PPID:
			if err := exitOnly(); err != nil {
				return err
			}
		}
		if field == abi.AUDIT_INODE && !eqNe {
			return errors.New("inode only takes = or != operators")
		}
		if !startsWithDigit(v) {
			return errf("value %q of %s should be a number", v, name)
		}
		if field == abi.AUDIT_INODE {
			f.Value = strtoul32(v)
		} else {
			f.Value = strtol32(v)
		}
	}
	s.rule.Fields = append(s.rule.Fields, f)
	return nil
}

// parseArch is the -F arch= value: b32/b64 relative to the machine, a
// libaudit machine name, an AUDIT_ARCH number, or a bare hex AUDIT_ARCH.
func (s *state) parseArch(v string) (abi.Arch, error) {
	if startsWithDigit(v) {
		n, ok := strtoulErr(v, 0)
		if !ok || !elfKnown[abi.Arch(n)] {
			return 0, errf("arch %q: elf mapping not found", v)
		}
		return abi.Arch(n), nil
	}
	switch strings.ToLower(v) {
	case "b64":
		switch s.machine {
		case abi.AUDIT_ARCH_I386, abi.AUDIT_ARCH_PPC, abi.AUDIT_ARCH_S390, abi.AUDIT_ARCH_ARM:
			return 0, errf("arch %q: requested bit level not supported by machine", v)
		case 0:
			return 0, errors.New("cannot detect the machine type")
		}
		return s.machine, nil
	case "b32":
		switch s.machine {
		case abi.AUDIT_ARCH_X86_64:
			return abi.AUDIT_ARCH_I386, nil
		case abi.AUDIT_ARCH_PPC64:
			return abi.AUDIT_ARCH_PPC, nil
		case abi.AUDIT_ARCH_S390X:
			return abi.AUDIT_ARCH_S390, nil
		case abi.AUDIT_ARCH_AARCH64:
			return abi.AUDIT_ARCH_ARM, nil
		case 0:
			return 0, errors.New("cannot detect the machine type")
		}
		return s.machine, nil
	}
	if a, ok := machineNames[asciiLower(v)]; ok {
		return a, nil
	}
	if n, err := strconv.ParseUint(v, 16, 32); err == nil && elfKnown[abi.Arch(n)] {
		return abi.Arch(n), nil
	}
	return 0, errf("arch %q: machine type not found", v)
}

// comparePairs maps an unordered pair of -C fields to AUDIT_COMPARE_*.
var comparePairs = func() map[[2]uint32]uint32 {
	m := map[[2]uint32]uint32{}
	for v, names := range compareNames {
		a, _ := fieldByName(names[0])
		b, _ := fieldByName(names[1])
		m[[2]uint32{a, b}] = v
		m[[2]uint32{b, a}] = v
	}
	return m
}()

// compare is -C: audit_rule_interfield_comp_data.
func (s *state) compare(pair string) error {
	if len(s.rule.Fields) >= abi.AUDIT_MAX_FIELDS-1 {
		return errf("too many fields in rule (at most %d)", abi.AUDIT_MAX_FIELDS-1)
	}
	left, opStr, right, ok := splitOp(pair, []string{"!=", "="})
	if !ok {
		return errors.New("-C only takes = or != operators")
	}
	if left == "" {
		return errors.New("missing field name before operator")
	}
	if right == "" {
		return errors.New("missing field name after operator")
	}
	f1, ok := fieldByName(left)
	if !ok {
		return errf("unknown field %q", left)
	}
	f2, ok := fieldByName(right)
	if !ok {
		return errf("unknown field %q", right)
	}
	if s.listFlags() != abi.AUDIT_FILTER_EXIT {
		return errors.New("-C can only be used on the exit list")
	}
	v, ok := comparePairs[[2]uint32{f1, f2}]
	if !ok {
		return errf("cannot compare %s with %s", left, right)
	}
	s.rule.Fields = append(s.rule.Fields, Field{Type: abi.AUDIT_FIELD_COMPARE, Op: opValues[opStr], Value: v})
	return nil
}

func (s *state) lookupUser(name string) (uint32, bool) {
	if s.p.LookupUser != nil {
		return s.p.LookupUser(name)
	}
	return lookupIDFile("/etc/passwd", name)
}

func (s *state) lookupGroup(name string) (uint32, bool) {
	if s.p.LookupGroup != nil {
		return s.p.LookupGroup(name)
	}
	return lookupIDFile("/etc/group", name)
}

// lookupIDFile finds name in a passwd or group file: name:x:id:...
func lookupIDFile(file, name string) (uint32, bool) {
	f, err := os.Open(file)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 4)
		if len(parts) < 3 || parts[0] != name {
			continue
		}
		id, err := strconv.ParseUint(parts[2], 10, 32)
		if err != nil {
			return 0, false
		}
		return uint32(id), true
	}
	return 0, false
}

// finish is the end of auditctl's setopt and handle_request: the key
// becomes the last field, and a rule with no -S gets every syscall unless
// it is on the task list.
func (s *state) finish() (Command, error) {
	switch s.kind {
	case 0:
		if s.syscallAdded {
			return Command{}, &ParseError{Err: errors.New("no list specified")}
		}
		return Command{}, &ParseError{Err: errors.New("no command given")}
	case KindAddRule, KindDeleteRule:
	case KindDeleteAll:
		return Command{Kind: KindDeleteAll, Key: s.deleteKey}, nil
	case KindSetStatus:
		return Command{Kind: KindSetStatus, Status: s.status}, nil
	default:
		return Command{Kind: s.kind}, nil
	}
	if s.key != "" {
		if err := s.fieldPair("key="+s.key, s.listFlags()); err != nil {
			return Command{}, &ParseError{Token: s.keyTok, Err: err}
		}
	}
	list := s.listFlags()
	if list != abi.AUDIT_FILTER_TASK && !s.syscallAdded {
		s.rule.SetAllSyscalls()
	}
	r := s.rule
	if s.add != unset {
		r.List = uint32(s.add & auditFilterMask)
		r.Prepend = s.add&abi.AUDIT_FILTER_PREPEND != 0
	} else {
		r.List = uint32(s.del & auditFilterMask)
	}
	r.Action = uint32(s.action)
	if err := r.checkContidRule(); err != nil {
		return Command{}, &ParseError{Token: s.contidTok, Err: err}
	}
	return Command{Kind: s.kind, Rule: &r}, nil
}
