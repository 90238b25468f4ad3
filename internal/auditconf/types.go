package auditconf

import (
	"fmt"
	"strings"
)

// LogFormat is log_format.
type LogFormat int

const (
	FormatRaw LogFormat = iota
	FormatEnriched
)

func (f LogFormat) String() string {
	if f == FormatEnriched {
		return "ENRICHED"
	}
	return "RAW"
}

// FlushMode is flush.
type FlushMode int

const (
	FlushNone FlushMode = iota
	FlushIncremental
	FlushIncrementalAsync
	FlushData
	FlushSync
)

var flushNames = []string{"none", "incremental", "incremental_async", "data", "sync"}

func (f FlushMode) String() string { return enumString(flushNames, int(f)) }

// NameFormat is name_format: how the node= prefix is computed.
type NameFormat int

const (
	NameNone NameFormat = iota
	NameHostname
	NameFQD
	NameNumeric
	NameUser
)

var nameFormatNames = []string{"none", "hostname", "fqd", "numeric", "user"}

func (n NameFormat) String() string { return enumString(nameFormatNames, int(n)) }

// SizeAction is max_log_file_action.
type SizeAction int

const (
	SizeIgnore SizeAction = iota
	SizeSyslog
	SizeSuspend
	SizeRotate
	SizeKeepLogs
)

var sizeActionNames = []string{"ignore", "syslog", "suspend", "rotate", "keep_logs"}

func (a SizeAction) String() string { return enumString(sizeActionNames, int(a)) }

// ActionKind is the verb of space_left_action, admin_space_left_action,
// disk_full_action, disk_error_action and overflow_action.
type ActionKind int

const (
	ActIgnore ActionKind = iota
	ActSyslog
	ActRotate
	ActEmail
	ActExec
	ActSuspend
	ActSingle
	ActHalt
)

var actionNames = []string{"ignore", "syslog", "rotate", "email", "exec", "suspend", "single", "halt"}

func (a ActionKind) String() string { return enumString(actionNames, int(a)) }

// Action is a failure action; Exec holds the script of "exec /path".
type Action struct {
	Kind ActionKind
	Exec string
}

func (a Action) String() string {
	if a.Kind == ActExec {
		return "exec " + a.Exec
	}
	return a.Kind.String()
}

// Space is space_left or admin_space_left: megabytes (MiB), or a percentage
// of the log file system's size when Percent is set.
type Space struct {
	Value   uint64
	Percent bool
}

func (s Space) String() string {
	if s.Percent {
		return fmt.Sprintf("%d%%", s.Value)
	}
	return fmt.Sprint(s.Value)
}

// Bytes resolves s against a file system of fsSize bytes, as auditd does
// when it (re)reads its configuration.
func (s Space) Bytes(fsSize uint64) uint64 {
	if s.Percent {
		return fsSize / 100 * s.Value
	}
	return s.Value * MiB
}

// MiB is auditd's megabyte.
const MiB = 1 << 20

// Mode is contaudit_mode: whether contaudit registers as the kernel's audit
// daemon (unicast, with backpressure) or only listens to the multicast group.
type Mode int

const (
	ModeDaemon Mode = iota
	ModeReadonly
)

var modeNames = []string{"daemon", "readonly"}

func (m Mode) String() string { return enumString(modeNames, int(m)) }

// Transport is transport (TCP or KRB5); stored only.
type Transport int

const (
	TransportTCP Transport = iota
	TransportKRB5
)

func (t Transport) String() string {
	if t == TransportKRB5 {
		return "KRB5"
	}
	return "TCP"
}

func enumString(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("invalid(%d)", i)
}

func lookupEnum(names []string, v string) (int, bool) {
	for i, n := range names {
		if strings.EqualFold(n, v) {
			return i, true
		}
	}
	return 0, false
}
