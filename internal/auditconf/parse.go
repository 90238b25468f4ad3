package auditconf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// MaxLineLen is auditd's line buffer (160 bytes including the newline).
// auditd skips longer lines with a log message; contaudit refuses them,
// because skipping a setting silently changes what the file means.
const MaxLineLen = 159

// ParseError reports a problem on one line of a configuration file.
type ParseError struct {
	File string
	Line int
	Key  string // empty when the line could not be split
	Err  error
}

func (e *ParseError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Key, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// ErrUnknownKey is wrapped by the ParseError of a keyword neither auditd
// nor contaudit knows.
var ErrUnknownKey = errors.New("unknown keyword")

// ErrPanicFailure is wrapped by the error for contaudit_failure = 2: a
// kernel panic on audit failure is never set by contaudit.
var ErrPanicFailure = errors.New("failure mode 2 (panic) is refused: contaudit never makes the kernel panic on audit failure; use 0 or 1")

type status int

const (
	supported  status = iota
	ignored           // accepted and stored; contaudit has no such feature
	deprecated        // deprecated in auditd too; stored only
)

type key struct {
	name   string
	option bool // takes "exec /path"
	status status
	why    string // for ignored/deprecated keys: shown in Notes
	parse  func(c *Config, v, opt string) error
}

// keys is every keyword auditd 3.0.9 knows plus contaudit's own, in
// auditd.conf(5) order.
var keys = []key{
	{name: "local_events", parse: yesNo(func(c *Config) *bool { return &c.LocalEvents })},
	{name: "log_file", parse: parseLogFile},
	{name: "write_logs", parse: yesNo(func(c *Config) *bool { return &c.WriteLogs })},
	{name: "log_format", parse: parseLogFormat},
	{name: "log_group", parse: parseLogGroup},
	{name: "priority_boost", parse: number(func(c *Config) *int { return &c.PriorityBoost }, 0, math.MaxInt32)},
	{name: "flush", parse: func(c *Config, v, _ string) error { return enum(flushNames, v, (*int)(&c.Flush)) }},
	{name: "freq", parse: parseFreq},
	{name: "num_logs", parse: number(func(c *Config) *int { return &c.NumLogs }, 0, 999)},
	{name: "name_format", parse: func(c *Config, v, _ string) error { return enum(nameFormatNames, v, (*int)(&c.NameFormat)) }},
	{name: "name", parse: func(c *Config, v, _ string) error { c.Name = v; return nil }},
	{name: "max_log_file", parse: parseMaxLogFile},
	{name: "max_log_file_action", parse: func(c *Config, v, _ string) error { return enum(sizeActionNames, v, (*int)(&c.MaxLogAction)) }},
	{name: "verify_email", parse: yesNo(func(c *Config) *bool { return &c.VerifyEmail })},
	{name: "action_mail_acct", parse: func(c *Config, v, _ string) error { c.ActionMailAcct = v; return nil }},
	{name: "space_left", parse: space(func(c *Config) *Space { return &c.SpaceLeft })},
	{name: "space_left_action", option: true, parse: action(func(c *Config) *Action { return &c.SpaceLeftAction }, ActIgnore, ActSyslog, ActRotate, ActEmail, ActExec, ActSuspend, ActSingle, ActHalt)},
	{name: "admin_space_left", parse: space(func(c *Config) *Space { return &c.AdminSpaceLeft })},
	{name: "admin_space_left_action", option: true, parse: action(func(c *Config) *Action { return &c.AdminSpaceLeftAction }, ActIgnore, ActSyslog, ActRotate, ActEmail, ActExec, ActSuspend, ActSingle, ActHalt)},
	{name: "disk_full_action", option: true, parse: action(func(c *Config) *Action { return &c.DiskFullAction }, ActIgnore, ActSyslog, ActRotate, ActExec, ActSuspend, ActSingle, ActHalt)},
	{name: "disk_error_action", option: true, parse: action(func(c *Config) *Action { return &c.DiskErrorAction }, ActIgnore, ActSyslog, ActExec, ActSuspend, ActSingle, ActHalt)},
	{name: "tcp_listen_port", status: ignored, why: "contaudit does not receive events over the network", parse: number(func(c *Config) *int { return &c.TCPListenPort }, 1, 65535)},
	{name: "tcp_listen_queue", status: ignored, why: "contaudit does not receive events over the network", parse: number(func(c *Config) *int { return &c.TCPListenQueue }, 0, math.MaxInt32)},
	{name: "tcp_max_per_addr", status: ignored, why: "contaudit does not receive events over the network", parse: number(func(c *Config) *int { return &c.TCPMaxPerAddr }, 1, 1024)},
	{name: "use_libwrap", status: ignored, why: "contaudit does not receive events over the network", parse: yesNo(func(c *Config) *bool { return &c.UseLibwrap })},
	{name: "tcp_client_ports", status: ignored, why: "contaudit does not receive events over the network", parse: parseClientPorts},
	{name: "tcp_client_max_idle", status: ignored, why: "contaudit does not receive events over the network", parse: number(func(c *Config) *int { return &c.TCPClientMaxIdle }, 0, math.MaxInt32)},
	{name: "transport", status: ignored, why: "contaudit does not receive events over the network", parse: parseTransport},
	{name: "enable_krb5", status: deprecated, why: "deprecated in auditd (use transport); contaudit has no Kerberos", parse: yesNo(func(c *Config) *bool { return &c.EnableKRB5 })},
	{name: "krb5_principal", status: ignored, why: "contaudit has no Kerberos transport", parse: func(c *Config, v, _ string) error { c.KRB5Principal = v; return nil }},
	{name: "krb5_key_file", status: ignored, why: "contaudit has no Kerberos transport", parse: func(c *Config, v, _ string) error { c.KRB5KeyFile = v; return nil }},
	{name: "distribute_network", status: ignored, why: "contaudit does not receive events over the network", parse: yesNo(func(c *Config) *bool { return &c.DistributeNetwork })},
	{name: "q_depth", status: ignored, why: "contaudit has no plugin dispatcher; see contaudit_queue_depth", parse: number(func(c *Config) *int { return &c.QDepth }, 1, 99999)},
	{name: "overflow_action", status: ignored, why: "contaudit has no plugin dispatcher", parse: action(func(c *Config) *Action { return &c.OverflowAction }, ActIgnore, ActSyslog, ActSuspend, ActSingle, ActHalt)},
	{name: "max_restarts", status: ignored, why: "contaudit has no plugin dispatcher", parse: number(func(c *Config) *int { return &c.MaxRestarts }, 0, math.MaxInt32)},
	{name: "plugin_dir", status: ignored, why: "contaudit has no plugin dispatcher", parse: parsePluginDir},
	{name: "end_of_event_timeout", parse: number(func(c *Config) *int { return &c.EndOfEventTimeout }, 0, math.MaxInt32)},
	{name: "dispatcher", status: deprecated, why: "deprecated in auditd; contaudit has no plugin dispatcher", parse: func(c *Config, v, _ string) error { c.Dispatcher = v; return nil }},
	{name: "disp_qos", status: deprecated, why: "deprecated in auditd; contaudit has no plugin dispatcher", parse: parseDispQOS},

	{name: "contaudit_metrics_listen", parse: parseMetricsListen},
	{name: "contaudit_mode", parse: func(c *Config, v, _ string) error { return enum(modeNames, v, (*int)(&c.Mode)) }},
	{name: "contaudit_backlog_limit", parse: uint32Key(func(c *Config) *uint32 { return &c.BacklogLimit }, nil)},
	{name: "contaudit_backlog_wait_time", parse: uint32Key(func(c *Config) *uint32 { return &c.BacklogWaitTime }, func(c *Config) *bool { return &c.BacklogWaitTimeSet })},
	{name: "contaudit_rate_limit", parse: uint32Key(func(c *Config) *uint32 { return &c.RateLimit }, func(c *Config) *bool { return &c.RateLimitSet })},
	{name: "contaudit_failure", parse: parseFailure},
	{name: "contaudit_restore_on_exit", parse: yesNo(func(c *Config) *bool { return &c.RestoreOnExit })},
	{name: "contaudit_receive_buffer", parse: parseReceiveBuffer},
	{name: "contaudit_queue_depth", parse: number(func(c *Config) *int { return &c.QueueDepth }, 1, 1<<24)},
	{name: "contaudit_batch_delay", parse: number(func(c *Config) *int { return &c.BatchDelayMs }, 0, 100)},
	{name: "contaudit_containers", parse: yesNo(func(c *Config) *bool { return &c.Containers })},
	{name: "contaudit_process_events", parse: parseProcessEvents},
	{name: "contaudit_control_socket", parse: absPath(func(c *Config) *string { return &c.ControlSocket }, false)},
	{name: "contaudit_control_mode", parse: parseControlMode},
	{name: "contaudit_control_group", parse: parseControlGroup},
	{name: "contaudit_state_file", parse: absPath(func(c *Config) *string { return &c.StateFile }, true)},
	{name: "contaudit_contid_grant_uids", parse: idList(func(c *Config) *[]uint32 { return &c.ContidGrantUIDs }, lookupUID)},
	{name: "contaudit_contid_grant_gids", parse: idList(func(c *Config) *[]uint32 { return &c.ContidGrantGIDs }, lookupGID)},
	{name: "contaudit_contid_grant_exes", parse: parseGrantExes},
	{name: "contaudit_contid_max_depth", parse: number(func(c *Config) *int { return &c.ContidMaxDepth }, 1, 64)},
	{name: "contaudit_contid_max_per_owner", parse: number(func(c *Config) *int { return &c.ContidMaxPerOwner }, 1, 1<<20)},
	{name: "contaudit_contid_max_total", parse: number(func(c *Config) *int { return &c.ContidMaxTotal }, 1, 1<<22)},
}

func lookupKey(name string) *key {
	for i := range keys {
		if strings.EqualFold(keys[i].name, name) {
			return &keys[i]
		}
	}
	return nil
}

// Keys returns every keyword the parser accepts, in documentation order.
func Keys() []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.name
	}
	return out
}

// Supported reports whether a keyword has an effect in contaudit, and if
// not, why it is accepted anyway.
func Supported(name string) (ok bool, why string) {
	k := lookupKey(name)
	if k == nil {
		return false, "unknown keyword"
	}
	return k.status == supported, k.why
}

// Parse reads an auditd.conf from r; name is used in errors. It stops at
// the first error, as auditd does.
func Parse(r io.Reader, name string) (*Config, error) {
	c := Default()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<16)
	lineno := 0
	for sc.Scan() {
		lineno++
		line := sc.Text()
		perr := func(key string, err error) error {
			return &ParseError{File: name, Line: lineno, Key: key, Err: err}
		}
		if len(line) > MaxLineLen {
			return nil, perr("", fmt.Errorf("line is %d bytes long; auditd skips lines over %d bytes, contaudit refuses them", len(line), MaxLineLen))
		}
		k, v, opt, err := split(line)
		if err != nil {
			return nil, perr(k, err)
		}
		if k == "" {
			continue
		}
		kw := lookupKey(k)
		if kw == nil {
			return nil, perr(k, ErrUnknownKey)
		}
		if opt != "" && !kw.option {
			return nil, perr(kw.name, fmt.Errorf("invalid option %q (only one value allowed)", opt))
		}
		if err := kw.parse(c, v, opt); err != nil {
			return nil, perr(kw.name, err)
		}
		if prev, ok := c.Lines[kw.name]; ok {
			c.Notes = append(c.Notes, Note{File: name, Line: lineno, Key: kw.name, Msg: "set again; overrides line " + itoa(prev)})
		}
		c.Lines[kw.name] = lineno
		if kw.status != supported {
			c.Notes = append(c.Notes, Note{File: name, Line: lineno, Key: kw.name, Msg: "accepted but not supported: " + kw.why})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if err := c.check(name); err != nil {
		return nil, err
	}
	return c, nil
}

// split cuts a line into keyword, value and option, with auditd's rules:
// "#" starts a comment only as the first token; tokens are separated by
// blanks; "key = value [option]". "key=value" without blanks is accepted
// too (auditd refuses it), since it cannot mean anything else.
func split(line string) (k, v, opt string, err error) {
	f := strings.Fields(line)
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return "", "", "", nil
	}
	if len(f) == 1 && strings.Contains(f[0], "=") {
		k, v, _ = strings.Cut(f[0], "=")
		f = []string{k, "=", v}
	} else if len(f) >= 2 && f[1] != "=" && strings.HasPrefix(f[1], "=") {
		f = append([]string{f[0], "=", f[1][1:]}, f[2:]...)
	} else if strings.HasSuffix(f[0], "=") && len(f[0]) > 1 {
		f = append([]string{strings.TrimSuffix(f[0], "="), "="}, f[1:]...)
	}
	k = f[0]
	switch {
	case len(f) < 2:
		return k, "", "", errors.New("missing equal sign and value")
	case f[1] != "=":
		return k, "", "", errors.New("missing equal sign")
	case len(f) < 3 || f[2] == "":
		return k, "", "", errors.New("missing value")
	case len(f) > 4:
		return k, "", "", fmt.Errorf("too many values (%d)", len(f)-2)
	}
	v = f[2]
	if len(f) == 4 {
		opt = f[3]
	}
	return k, v, opt, nil
}

func (c *Config) check(name string) error {
	at := func(key string, err error) error {
		return &ParseError{File: name, Line: c.Lines[key], Key: key, Err: err}
	}
	// auditd's sanity_check: the admin threshold is the lower one.
	if c.SpaceLeft.Percent == c.AdminSpaceLeft.Percent &&
		(c.SpaceLeft.Value != 0 || c.AdminSpaceLeft.Value != 0) &&
		c.SpaceLeft.Value <= c.AdminSpaceLeft.Value {
		return at("space_left", fmt.Errorf("space_left (%s) must be larger than admin_space_left (%s)", c.SpaceLeft, c.AdminSpaceLeft))
	}
	if c.Flush == FlushIncremental || c.Flush == FlushIncrementalAsync {
		if c.Freq == 0 {
			return at("freq", fmt.Errorf("flush %s needs a non-zero freq", c.Flush))
		}
	}
	if c.NameFormat == NameUser && c.Name == "" {
		return at("name_format", errors.New("name_format user needs a name"))
	}
	return nil
}

func yesNo(field func(*Config) *bool) func(*Config, string, string) error {
	return func(c *Config, v, _ string) error {
		switch strings.ToLower(v) {
		case "yes":
			*field(c) = true
		case "no":
			*field(c) = false
		default:
			return fmt.Errorf("value %q is not yes or no", v)
		}
		return nil
	}
}

// processEventNames are contaudit_process_events' values, the names
// proctable.ParseEventSource reads.
var processEventNames = []string{"auto", "bpf", "connector"}

func parseProcessEvents(c *Config, v, _ string) error {
	var i int
	if err := enum(processEventNames, v, &i); err != nil {
		return err
	}
	c.ProcessEvents = processEventNames[i]
	return nil
}

func enum(names []string, v string, dst *int) error {
	i, ok := lookupEnum(names, v)
	if !ok {
		return fmt.Errorf("value %q is not one of %s", v, strings.Join(names, ", "))
	}
	*dst = i
	return nil
}

// digits parses an unsigned decimal the way auditd does: digits only.
func digits(v string, max uint64) (uint64, error) {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, fmt.Errorf("value %q should only be numbers", v)
		}
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > max {
		return 0, fmt.Errorf("value %s is too large (max %d)", v, max)
	}
	return n, nil
}

func number(field func(*Config) *int, min, max int) func(*Config, string, string) error {
	return func(c *Config, v, _ string) error {
		n, err := digits(v, uint64(max))
		if err != nil {
			return err
		}
		if int(n) < min {
			return fmt.Errorf("value %d is too small (min %d)", n, min)
		}
		*field(c) = int(n)
		return nil
	}
}

func uint32Key(field func(*Config) *uint32, set func(*Config) *bool) func(*Config, string, string) error {
	return func(c *Config, v, _ string) error {
		n, err := digits(v, math.MaxUint32)
		if err != nil {
			return err
		}
		*field(c) = uint32(n)
		if set != nil {
			*set(c) = true
		}
		return nil
	}
}

func space(field func(*Config) *Space) func(*Config, string, string) error {
	return func(c *Config, v, _ string) error {
		if p, ok := strings.CutSuffix(v, "%"); ok {
			n, err := digits(p, 100)
			if err != nil {
				return fmt.Errorf("value %q should only be numbers or a percentage", v)
			}
			if n < 1 || n > 99 {
				return fmt.Errorf("percentage %s must be between 1 and 99", v)
			}
			*field(c) = Space{Value: n, Percent: true}
			return nil
		}
		n, err := digits(v, math.MaxInt64/MiB)
		if err != nil {
			return fmt.Errorf("value %q should only be numbers or a percentage", v)
		}
		*field(c) = Space{Value: n}
		return nil
	}
}

func action(field func(*Config) *Action, allowed ...ActionKind) func(*Config, string, string) error {
	return func(c *Config, v, opt string) error {
		i, ok := lookupEnum(actionNames, v)
		kind := ActionKind(i)
		if ok {
			ok = false
			for _, a := range allowed {
				ok = ok || a == kind
			}
		}
		if !ok {
			names := make([]string, len(allowed))
			for i, a := range allowed {
				names[i] = a.String()
			}
			return fmt.Errorf("illegal value %q (one of %s)", v, strings.Join(names, ", "))
		}
		switch {
		case kind == ActExec && opt == "":
			return errors.New("exec needs the path of an executable")
		case kind == ActExec && !filepath.IsAbs(opt):
			return fmt.Errorf("exec needs an absolute path, not %q", opt)
		case kind != ActExec && opt != "":
			return fmt.Errorf("invalid option %q after %s", opt, v)
		}
		*field(c) = Action{Kind: kind, Exec: opt}
		return nil
	}
}

func parseLogFile(c *Config, v, _ string) error {
	if !filepath.IsAbs(v) {
		return fmt.Errorf("%q is not an absolute path", v)
	}
	dir := filepath.Dir(v)
	// auditd refuses a log directly under / or in a too-short directory.
	if len(dir) < 4 {
		return fmt.Errorf("the directory name %s is too short", dir)
	}
	if strings.HasSuffix(v, "/") {
		return fmt.Errorf("%q names a directory, not a file", v)
	}
	c.LogFile = v
	return nil
}

func parseLogFormat(c *Config, v, _ string) error {
	switch strings.ToLower(v) {
	case "raw":
		c.LogFormat = FormatRaw
	case "enriched":
		c.LogFormat = FormatEnriched
	case "nolog":
		// auditd 3 still accepts NOLOG as write_logs = no.
		c.LogFormat = FormatRaw
		c.WriteLogs = false
	default:
		return fmt.Errorf("value %q is not RAW or ENRICHED", v)
	}
	return nil
}

func parseLogGroup(c *Config, v, _ string) error {
	gid, err := lookupGID(v)
	if err != nil {
		return err
	}
	c.LogGroup, c.LogGID = v, int(gid)
	return nil
}

// lookupGID reads a group as a number or a name from the group database.
func lookupGID(v string) (uint32, error) {
	if n, err := digits(v, math.MaxInt32); err == nil {
		return uint32(n), nil
	}
	g, err := user.LookupGroup(v)
	if err != nil {
		return 0, fmt.Errorf("group %q is non-numeric and unknown: %w", v, err)
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return 0, fmt.Errorf("group %q has non-numeric gid %q", v, g.Gid)
	}
	return uint32(gid), nil
}

// lookupUID reads a user as a number or a name from the passwd database.
func lookupUID(v string) (uint32, error) {
	if n, err := digits(v, math.MaxInt32); err == nil {
		return uint32(n), nil
	}
	u, err := user.Lookup(v)
	if err != nil {
		return 0, fmt.Errorf("user %q is non-numeric and unknown: %w", v, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return 0, fmt.Errorf("user %q has non-numeric uid %q", v, u.Uid)
	}
	return uint32(uid), nil
}

func parseControlGroup(c *Config, v, _ string) error {
	gid, err := lookupGID(v)
	if err != nil {
		return err
	}
	c.ControlGroup, c.ControlGID = v, int(gid)
	return nil
}

func parseControlMode(c *Config, v, _ string) error {
	n, err := strconv.ParseUint(v, 8, 32)
	if err != nil || n > 0o777 {
		return fmt.Errorf("value %q is not an octal permission mode such as 0660", v)
	}
	if n&0o600 != 0o600 {
		return fmt.Errorf("mode %s leaves the owner (root) unable to use the socket", v)
	}
	c.ControlMode = os.FileMode(n)
	return nil
}

// absPath parses an absolute path; with orNone, "none" clears it.
func absPath(field func(*Config) *string, orNone bool) func(*Config, string, string) error {
	return func(c *Config, v, _ string) error {
		if orNone && strings.EqualFold(v, "none") {
			*field(c) = ""
			return nil
		}
		if !filepath.IsAbs(v) || strings.HasSuffix(v, "/") {
			return fmt.Errorf("%q is not an absolute path to a file", v)
		}
		*field(c) = filepath.Clean(v)
		return nil
	}
}

// idList parses a comma- or space-separated list of users or groups.
func idList(field func(*Config) *[]uint32, lookup func(string) (uint32, error)) func(*Config, string, string) error {
	return func(c *Config, v, _ string) error {
		var ids []uint32
		for _, f := range listItems(v) {
			id, err := lookup(f)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		*field(c) = ids
		return nil
	}
}

func parseGrantExes(c *Config, v, _ string) error {
	exes := listItems(v)
	for _, e := range exes {
		if !filepath.IsAbs(e) {
			return fmt.Errorf("%q is not an absolute path to an executable", e)
		}
	}
	c.ContidGrantExes = exes
	return nil
}

func listItems(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

func parseFreq(c *Config, v, _ string) error {
	n, err := digits(v, math.MaxInt32)
	if err != nil {
		return err
	}
	c.Freq = uint32(n)
	return nil
}

func parseMaxLogFile(c *Config, v, _ string) error {
	n, err := digits(v, math.MaxInt64/MiB)
	if err != nil {
		return err
	}
	c.MaxLogFile = n
	return nil
}

func parseClientPorts(c *Config, v, _ string) error {
	lo, hi, isRange := strings.Cut(v, "-")
	min, err := digits(lo, 65535)
	if err != nil {
		return fmt.Errorf("value %q should be a port or two ports separated by a dash", v)
	}
	max := min
	if isRange {
		if max, err = digits(hi, 65535); err != nil {
			return fmt.Errorf("value %q should be a port or two ports separated by a dash", v)
		}
	}
	if min < 1 || max < min {
		return fmt.Errorf("port range %s is empty or reversed", v)
	}
	c.TCPClientMinPort, c.TCPClientMaxPort = int(min), int(max)
	return nil
}

func parseTransport(c *Config, v, _ string) error {
	switch strings.ToUpper(v) {
	case "TCP":
		c.Transport = TransportTCP
	case "KRB5":
		c.Transport = TransportKRB5
	default:
		return fmt.Errorf("value %q is not TCP or KRB5", v)
	}
	return nil
}

func parsePluginDir(c *Config, v, _ string) error {
	if !filepath.IsAbs(v) {
		return fmt.Errorf("%q is not an absolute path", v)
	}
	c.PluginDir = v
	return nil
}

func parseDispQOS(c *Config, v, _ string) error {
	switch strings.ToLower(v) {
	case "lossy", "lossless":
		c.DispQOS = strings.ToLower(v)
		return nil
	}
	return fmt.Errorf("value %q is not lossy or lossless", v)
}

func parseMetricsListen(c *Config, v, _ string) error {
	switch {
	case strings.EqualFold(v, "off") || strings.EqualFold(v, "none"):
		c.MetricsListen = ""
		return nil
	case strings.HasPrefix(v, "unix:"):
		p := strings.TrimPrefix(v, "unix:")
		if !filepath.IsAbs(p) {
			return fmt.Errorf("unix socket path %q is not absolute", p)
		}
		c.MetricsListen = v
		return nil
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("value %q is neither off, unix:/path nor host:port: %v", v, err)
	}
	if net.ParseIP(host) == nil {
		return fmt.Errorf("host %q must be an IP address (no name lookups at startup)", host)
	}
	if _, err := digits(port, 65535); err != nil {
		return fmt.Errorf("port %q: %v", port, err)
	}
	c.MetricsListen = v
	return nil
}

func parseFailure(c *Config, v, _ string) error {
	switch v {
	case "0", "1":
		c.Failure = uint32(v[0] - '0')
		return nil
	case "2":
		return ErrPanicFailure
	}
	return fmt.Errorf("value %q is not 0 (silent) or 1 (printk)", v)
}

// parseReceiveBuffer takes bytes, optionally with a K, M or G (binary)
// suffix.
func parseReceiveBuffer(c *Config, v, _ string) error {
	mult := uint64(1)
	num := v
	switch strings.ToUpper(v[len(v)-1:]) {
	case "K":
		mult, num = 1<<10, v[:len(v)-1]
	case "M":
		mult, num = 1<<20, v[:len(v)-1]
	case "G":
		mult, num = 1<<30, v[:len(v)-1]
	}
	n, err := digits(num, math.MaxInt32)
	if err != nil {
		return err
	}
	n *= mult
	if n < 64<<10 || n > math.MaxInt32 {
		return fmt.Errorf("%d bytes is outside 64K..2G", n)
	}
	c.ReceiveBuffer = int(n)
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
