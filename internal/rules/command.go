package rules

import (
	"strconv"
	"strings"

	"github.com/contaudit/contaudit/internal/abi"
)

// Kind says what a Command does.
type Kind int

const (
	// KindAddRule adds Rule (-a, -A, -w).
	KindAddRule Kind = iota + 1
	// KindDeleteRule deletes the kernel rule equal to Rule (-d, -W).
	KindDeleteRule
	// KindDeleteAll deletes every rule, or with Key every rule whose key
	// contains Key (-D, -D -k KEY).
	KindDeleteAll
	// KindSetStatus sets the audit_status fields Status.Mask selects
	// (-e, -f, -b, -r, --backlog_wait_time, --reset-lost,
	// --reset_backlog_wait_time_actual).
	KindSetStatus
	// KindLoginuidImmutable locks loginuids until reboot
	// (--loginuid-immutable).
	KindLoginuidImmutable
	// KindContinueOnError makes Apply go on past failing commands but
	// still report failure (-c).
	KindContinueOnError
	// KindIgnoreErrors makes Apply go on past failing commands and report
	// success (-i).
	KindIgnoreErrors
)

var kindNames = [...]string{"", "add-rule", "delete-rule", "delete-all", "set-status", "loginuid-immutable", "continue-on-error", "ignore-errors"}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Pos is where a command came from: a file and 1-based line, or neither
// for argv.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	switch {
	case p.File != "" && p.Line > 0:
		return p.File + ":" + strconv.Itoa(p.Line)
	case p.File != "":
		return p.File
	case p.Line > 0:
		return "line " + strconv.Itoa(p.Line)
	}
	return ""
}

// Command is one auditctl command line.
type Command struct {
	Kind   Kind
	Pos    Pos
	Rule   *Rule           // KindAddRule, KindDeleteRule
	Status abi.AuditStatus // KindSetStatus; Mask says which fields are set
	Key    string          // KindDeleteAll: restrict to rules with this key
}

// statusOptions lists the options behind each audit_status mask bit, in the
// order String prints them.
var statusOptions = []struct {
	mask uint32
	opt  string
	val  func(*abi.AuditStatus) uint32
}{
	{abi.AUDIT_STATUS_BACKLOG_LIMIT, "-b", func(s *abi.AuditStatus) uint32 { return s.BacklogLimit }},
	{abi.AUDIT_STATUS_FAILURE, "-f", func(s *abi.AuditStatus) uint32 { return s.Failure }},
	{abi.AUDIT_STATUS_RATE_LIMIT, "-r", func(s *abi.AuditStatus) uint32 { return s.RateLimit }},
	{abi.AUDIT_STATUS_BACKLOG_WAIT_TIME, "--backlog_wait_time", func(s *abi.AuditStatus) uint32 { return s.BacklogWaitTime }},
	{abi.AUDIT_STATUS_LOST, "--reset-lost", nil},
	{abi.AUDIT_STATUS_BACKLOG_WAIT_TIME_ACTUAL, "--reset_backlog_wait_time_actual", nil},
	{abi.AUDIT_STATUS_ENABLED, "-e", func(s *abi.AuditStatus) uint32 { return s.Enabled }},
}

// String is the command in auditctl syntax. Rules print as `auditctl -l`
// lists them, with -A, -d or -W where the command prepends or deletes, so
// the text parses back to the same command.
func (c Command) String() string {
	switch c.Kind {
	case KindAddRule, KindDeleteRule:
		if c.Rule == nil {
			return "<nil rule>"
		}
		s := c.Rule.String()
		if c.Kind == KindDeleteRule {
			if strings.HasPrefix(s, "-a ") {
				return "-d " + s[3:]
			}
			return strings.Replace(s, "-w ", "-W ", 1)
		}
		if c.Rule.Prepend && strings.HasPrefix(s, "-a ") {
			return "-A " + s[3:]
		}
		return s
	case KindDeleteAll:
		if c.Key != "" {
			return "-D -k " + c.Key
		}
		return "-D"
	case KindSetStatus:
		var parts []string
		for _, o := range statusOptions {
			if c.Status.Mask&o.mask == 0 {
				continue
			}
			if o.val == nil {
				parts = append(parts, o.opt)
			} else {
				parts = append(parts, o.opt+" "+strconv.FormatUint(uint64(o.val(&c.Status)), 10))
			}
		}
		return strings.Join(parts, " ")
	case KindLoginuidImmutable:
		return "--loginuid-immutable"
	case KindContinueOnError:
		return "-c"
	case KindIgnoreErrors:
		return "-i"
	}
	return c.Kind.String()
}
