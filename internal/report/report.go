package report

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/interpret"
	"github.com/contaudit/contaudit/internal/progress"
	"github.com/contaudit/contaudit/internal/record"
)

// Kind is which report to print.
type Kind int

const (
	Summary    Kind = iota // the default: "Summary Report"
	Executable             // -x
	User                   // -u
	Login                  // -l
	Key                    // -k
	File                   // -f
	Syscall                // -s
	Anomaly                // -n
	LogTime                // -t
	ContID                 // --contid, a contaudit extension
)

// Outcome selects events by success, as --failed and --success do.
type Outcome int

const (
	Both    Outcome = iota
	Failed          // --failed
	Succeed         // --success
)

// Options configure a Report.
type Options struct {
	Kind Kind
	// Totals prints the sorted totals of a list report (--summary)
	// instead of one line per event.
	Totals  bool
	Outcome Outcome
	// Start and End bound the events by their second, inclusive; the zero
	// Time means no bound (-ts, -te).
	Start, End time.Time
	// Interpret prints names for uids, syscalls and types (-i).
	Interpret bool
	// Location is the zone dates print in; nil means time.Local, as
	// aureport uses the local time.
	Location *time.Location
	// Resolver names uids with Interpret; nil means the local files.
	Resolver interpret.Resolver
	// Progress, when set, receives a progress line about ten times a
	// second while Run reads its files: bytes read of ProgressTotal.
	Progress      io.Writer
	ProgressTotal int64
}

// ErrNoEvents is returned by Finish for a per-event report that found
// nothing, after aureport's "<no events of interest were found>"; aureport
// exits with status 1 then, and so does the CLI.
var ErrNoEvents = errors.New("no events of interest were found")

// counter counts distinct values in first-seen order, as aureport's slist
// and ilist do: memory grows with distinct values, not with events.
type counter struct {
	index map[string]int
	keys  []string
	hits  []uint64
}

func (c *counter) add(k []byte) {
	if c.index == nil {
		c.index = map[string]int{}
	}
	if i, ok := c.index[string(k)]; ok {
		c.hits[i]++
		return
	}
	c.index[string(k)] = len(c.keys)
	c.keys = append(c.keys, string(k))
	c.hits = append(c.hits, 1)
}

func (c *counter) len() int { return len(c.keys) }

// sorted returns the indexes by hits, most first; ties keep first-seen
// order.
func (c *counter) sorted() []int {
	idx := make([]int, len(c.keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case c.hits[a] > c.hits[b]:
			return -1
		case c.hits[a] < c.hits[b]:
			return 1
		}
		return 0
	})
	return idx
}

type stamp struct {
	sec  int64
	msec uint32
	set  bool
}

// summaryCounts are the numbers of the Summary Report (aureport's
// summary_data).
type summaryCounts struct {
	changes, acctChanges, goodLogins, badLogins, goodAuth, badAuth uint64
	avcs, mac, failedSyscalls, anomalies, responses, crypto, integ uint64
	virt, events                                                   uint64
	users, terms, hosts, exes, comms, files, keys, pids, list      counter
}

// Report accumulates one aureport-style report over a stream of events and
// writes it. Per-event reports are written as the events come; totals at
// Finish. It holds counts, never events.
type Report struct {
	opt   Options
	prog  *progress.Line
	w     *bufio.Writer
	want  want
	s     items
	sum   summaryCounts
	line  uint64
	msgs  [][]byte
	typs  []uint32
	names []string

	first, last stamp // of every event read, before any selection
	fileFirst   stamp
	fileLast    stamp
	found       bool
	start, end  int64
	contidBuf   []byte
	contids     counter
	chains      map[string]string

	asm     *event.Assembler[*message]
	free    []*message // messages of events done, for reuse
	expired int64      // the second of the last Expire
	// Stats counts what Read has seen.
	Stats Stats
}

// New returns a Report writing to w, and writes its title.
func New(w io.Writer, opt Options) *Report {
	r := &Report{opt: opt, w: bufio.NewWriterSize(w, 64<<10)}
	if r.opt.Location == nil {
		r.opt.Location = time.Local
	}
	if !opt.Start.IsZero() {
		r.start = opt.Start.Unix()
	}
	if !opt.End.IsZero() {
		r.end = opt.End.Unix()
	}
	// The items aureport-options.c asks ausearch's parser for, per report
	// (plus comm for the summary, which audit 3.0.9 counts).
	switch opt.Kind {
	case Summary:
		r.want = want{filename: true, hostname: true, terminal: true, exe: true, key: true, comm: true}
	case Executable, User, Login:
		r.want = want{terminal: true, hostname: true, exe: true}
	case Key:
		r.want = want{exe: true, key: true}
	case File:
		r.want = want{filename: true, exe: true}
	case Syscall:
		r.want = want{comm: true}
	case Anomaly:
		r.want = want{terminal: true, hostname: true, exe: true, comm: true}
	}
	r.want.interpret = opt.Interpret
	r.title()
	return r
}

func (r *Report) detailed() bool {
	return r.opt.Kind != Summary && r.opt.Kind != ContID && !r.opt.Totals
}

var lists = map[Kind][2]string{
	Executable: {"Executable", "exe term host auid event"},
	User:       {"User", "auid term host exe event"},
	Login:      {"Login", "auid host term exe success event"},
	Key:        {"Key", "key success exe auid event"},
	File:       {"File", "file syscall success exe auid event"},
	Syscall:    {"Syscall", "syscall pid comm auid event"},
	Anomaly:    {"Anomaly", "type exe term host auid event"},
}

func (r *Report) title() {
	w := r.w
	w.WriteString("\n")
	if r.opt.Kind == LogTime {
		w.WriteString("Log Time Range Report\n=====================\n")
		return
	}
	if r.detailed() {
		names := map[Kind]string{Executable: "Executable Report", User: "User ID Report", Login: "Login Report",
			Key: "Key Report", File: "File Report", Syscall: "Syscall Report", Anomaly: "Anomaly Report"}
		bar := map[Kind]int{Executable: 36, User: 36, Login: 44, Key: 47, File: 47, Syscall: 39, Anomaly: 41}[r.opt.Kind]
		fmt.Fprintf(w, "%s\n%s\n# date time %s\n%s\n", names[r.opt.Kind], eq(bar), lists[r.opt.Kind][1], eq(bar))
		return
	}
	switch r.opt.Outcome {
	case Failed:
		w.WriteString("Failed ")
	case Succeed:
		w.WriteString("Success ")
	}
	type t struct {
		name, col string
		bar       int
	}
	h := map[Kind]t{
		Summary:    {"Summary Report", "", 22},
		Executable: {"Executable Summary Report", "file", 33},
		User:       {"User Summary Report", "auid", 27},
		Login:      {"Login Summary Report", "auid", 28},
		Key:        {"Key Summary Report", "key", 27},
		File:       {"File Summary Report", "file", 27},
		Syscall:    {"Syscall Summary Report", "syscall", 26},
		Anomaly:    {"Anomaly Summary Report", "type", 22},
		ContID:     {"Container ID Summary Report", "contid", 27},
	}[r.opt.Kind]
	fmt.Fprintf(w, "%s\n%s\n", h.name, eq(h.bar))
	if h.col != "" {
		fmt.Fprintf(w, "total  %s\n%s\n", h.col, eq(h.bar))
	}
}

func earlier(a, b stamp) stamp {
	if !a.set || b.sec < a.sec || b.sec == a.sec && b.msec < a.msec {
		return b
	}
	return a
}

func later(a, b stamp) stamp {
	if !a.set || b.sec > a.sec || b.sec == a.sec && b.msec > a.msec {
		return b
	}
	return a
}

func eq(n int) string { return string(bytes.Repeat([]byte{'='}, n)) }

// StartFile tells the report a new input file begins (for -t).
func (r *Report) StartFile() { r.fileFirst, r.fileLast = stamp{}, stamp{} }

// EndFile ends the file named name; -t prints its line.
func (r *Report) EndFile(name string) {
	if r.opt.Kind != LogTime {
		return
	}
	if !r.fileFirst.set {
		fmt.Fprintf(r.w, "%s: no records\n", name)
		return
	}
	fmt.Fprintf(r.w, "%s: %s.%03d - %s.%03d\n", name, r.date(r.fileFirst.sec), r.fileFirst.msec,
		r.date(r.fileLast.sec), r.fileLast.msec)
}

func (r *Report) date(sec int64) string {
	return time.Unix(sec, 0).In(r.opt.Location).Format("01/02/06 15:04:05")
}

// Event adds one event: its key and its records in order.
func (r *Report) Event(key event.Key, recs []*record.Record) error {
	r.msgs, r.typs, r.names = r.msgs[:0], r.typs[:0], r.names[:0]
	for _, rec := range recs {
		m := rec.Raw
		if i := bytes.IndexByte(m, interpret.Separator); i >= 0 {
			m = m[:i]
		}
		r.msgs = append(r.msgs, m)
		r.typs = append(r.typs, rec.Type)
		r.names = append(r.names, rec.TypeName)
	}
	r.event(key)
	return nil
}

// event processes the event in r.msgs, r.typs and r.names.
func (r *Report) event(key event.Key) {
	if len(r.msgs) == 0 {
		return
	}
	// The range is the earliest and latest event, which is what aureport
	// prints for a log in time order; events end in another order here
	// (docs/report.md).
	st := stamp{key.Sec, key.Msec, true}
	r.first, r.last = earlier(r.first, st), later(r.last, st)
	r.fileFirst, r.fileLast = earlier(r.fileFirst, st), later(r.fileLast, st)
	if r.opt.Kind == LogTime {
		return
	}
	if (r.start != 0 && key.Sec < r.start) || (r.end != 0 && key.Sec > r.end) {
		return
	}
	if r.opt.Kind == ContID {
		r.contid()
		return
	}
	if !r.s.extract(r.typs, r.msgs, r.want) {
		return
	}
	switch r.opt.Outcome {
	case Failed:
		if r.s.success != successFailed {
			return
		}
	case Succeed:
		if r.s.success != successOK {
			return
		}
	}
	if r.opt.Kind == Summary {
		r.summaryTotal()
		return
	}
	if r.opt.Totals {
		r.listTotal()
		return
	}
	r.listLine(key)
}

// hasType is list_find_msg; hasRange is list_find_msg_range, which finds
// nothing for an empty range.
func (r *Report) hasType(t uint32) bool { return slices.Contains(r.typs, t) }

func (r *Report) hasRange(lo, hi uint32) bool {
	if hi <= lo {
		return false
	}
	for _, t := range r.typs {
		if t >= lo && t <= hi {
			return true
		}
	}
	return false
}

// count is how many of tests are true.
func count(tests ...bool) uint64 {
	var n uint64
	for _, t := range tests {
		if t {
			n++
		}
	}
	return n
}

func (r *Report) summaryTotal() {
	c, s := &r.sum, &r.s
	c.events++
	// An event counts once per test it passes, as in aureport-scan.c:
	// one with two matching tests counts twice.
	c.changes += count(
		r.hasType(typeConfigChange),
		r.hasType(typeDaemonConfig),
		r.hasType(typeUsysConfig),
		// 3.0.9 counts these too (found by comparing with it).
		r.hasType(typeNetfilterCfg) || r.hasType(typeFeatureChange) || r.hasType(typeUserMacConfigChange),
		r.hasRange(typeMacPolicyLoad, typeMacUnlblStcdel))
	c.acctChanges += count(
		r.hasType(typeUserChauthtok),
		r.hasRange(typeAddUser, typeDelGroup),
		// 3.0.9 counts USER_MGMT and GRP_MGMT, and no longer CHGRP_ID
		// (found by comparing with it, type by type).
		r.hasType(typeUserMgmt) || r.hasType(typeGrpMgmt),
		r.hasRange(typeRoleAssign, typeRoleRemove))
	c.crypto += count(
		r.hasRange(typeFirstKernCrypt, typeLastKernCrypt),
		r.hasRange(typeFirstCrypto, typeLastCrypto))
	if r.hasType(typeUserLogin) {
		switch s.success {
		case successOK:
			c.goodLogins++
		case successFailed:
			c.badLogins++
		}
	}
	// aureport 3.0.9 counts failed USER_MGMT, not USER_ACCT, as failed
	// authentications (found by comparing with it, type by type).
	switch {
	case r.hasType(typeUserAuth), !r.hasType(typeUserMgmt) && r.hasType(typeGrpAuth):
		switch s.success {
		case successOK:
			c.goodAuth++
		case successFailed:
			c.badAuth++
		}
	case r.hasType(typeUserMgmt):
		if s.success == successFailed {
			c.badAuth++
		}
	}
	if s.loginuid != -2 {
		c.users.add(strconv.AppendInt(r.contidBuf[:0], int64(s.loginuid), 10))
	}
	if s.has(hasTerminal) {
		c.terms.add(s.terminal)
	}
	if s.has(hasHostname) {
		c.hosts.add(s.hostname)
	}
	if s.has(hasExe) {
		c.exes.add(s.exe)
	}
	if s.has(hasComm) {
		c.comms.add(s.comm)
	}
	for _, f := range s.files {
		c.files.add(f)
	}
	c.avcs += count(r.hasType(typeAVC) || r.hasType(typeUserAVC))
	c.mac += count(
		r.hasRange(typeMacPolicyLoad, typeMacUnlblStcdel),
		r.hasRange(typeFirstLSPP, typeLastLSPP))
	if s.success == successFailed && s.syscall > 0 {
		c.failedSyscalls++
	}
	if s.pid != -1 {
		c.pids.add(strconv.AppendInt(r.contidBuf[:0], int64(s.pid), 10))
	}
	c.anomalies += count(
		r.hasRange(typeFirstAnomMsg, typeLastAnomMsg),
		r.hasRange(typeFirstKernAnom, typeLastKernAnom))
	c.responses += count(r.hasRange(typeFirstAnomResp, typeLastAnomResp))
	c.integ += count(r.hasRange(typeIntegrityFirst, typeIntegrityLast))
	c.virt += count(r.hasRange(typeFirstVirt, typeLastVirt))
	for _, k := range s.keys {
		if string(k) != "(null)" {
			c.keys.add(k)
		}
	}
}

// listTotal is the --summary form of a list report.
func (r *Report) listTotal() {
	s, l := &r.s, &r.sum.list
	switch r.opt.Kind {
	case Executable:
		if s.has(hasExe) {
			l.add(s.exe)
		}
	case User:
		if s.loginuid != -2 {
			l.add(strconv.AppendInt(nil, int64(s.loginuid), 10))
		}
	case Login:
		if r.hasType(typeUserLogin) {
			// aureport 3.0.9 names a login by its account whenever
			// the loginuid is unset, not only when it is missing.
			if (s.loginuid == -2 || s.loginuid == -1) && s.has(hasAcct) {
				l.add(s.acct)
			} else {
				l.add([]byte(r.uid(s.loginuid)))
			}
		}
	case Key:
		for _, k := range s.keys {
			if string(k) != "(null)" {
				l.add(k)
			}
		}
	case File:
		for _, f := range s.files {
			l.add(f)
		}
	case Syscall:
		if s.syscall > 0 {
			l.add([]byte(r.syscallName()))
		}
	case Anomaly:
		if r.isAnomaly() {
			l.add(strconv.AppendUint(nil, uint64(r.typs[0]), 10))
		}
	}
}

// listLine prints the line of one event in a per-event report, when the
// event has what the report is about (per_event_detailed).
func (r *Report) listLine(key event.Key) {
	s, w := &r.s, r.w
	start := func() {
		r.line++
		r.found = true
		fmt.Fprintf(w, "%d. %s ", r.line, r.date(key.Sec))
	}
	orQ := func(b []byte, ok bool) []byte {
		if ok {
			return b
		}
		return []byte("?")
	}
	orNull := func(b []byte, ok bool) []byte {
		if ok {
			return b
		}
		return []byte("(null)")
	}
	switch r.opt.Kind {
	case Executable:
		if !s.has(hasExe) {
			return
		}
		start()
		fmt.Fprintf(w, "%s %s %s %s %d\n", s.exe, orQ(s.terminal, s.has(hasTerminal)),
			orQ(s.hostname, s.has(hasHostname)), r.uid(s.loginuid), key.Serial)
	case User:
		if s.uid == -1 {
			return
		}
		start()
		fmt.Fprintf(w, "%s %s %s %s %d\n", r.uid(s.loginuid), orQ(s.terminal, s.has(hasTerminal)),
			orQ(s.hostname, s.has(hasHostname)), orQ(s.exe, s.has(hasExe)), key.Serial)
	case Login:
		if !r.hasType(typeUserLogin) {
			return
		}
		start()
		who := r.uid(s.loginuid)
		if s.success == successFailed && s.has(hasAcct) {
			who = string(s.acct)
		}
		fmt.Fprintf(w, "%s %s %s %s %s %d\n", who, orNull(s.hostname, s.has(hasHostname)),
			orNull(s.terminal, s.has(hasTerminal)), orNull(s.exe, s.has(hasExe)), successName(s.success), key.Serial)
	case Key:
		if !s.has(hasKeys) || len(s.keys) == 0 || string(s.keys[0]) == "(null)" {
			return
		}
		start()
		fmt.Fprintf(w, "%s %s %s %s %d\n", s.keys[0], successName(s.success), orQ(s.exe, s.has(hasExe)),
			r.uid(s.loginuid), key.Serial)
	case File:
		if len(s.files) == 0 {
			return
		}
		i := 0
		if len(s.files) > 1 {
			for i < len(s.files) && string(s.fileTypes[i]) == "PARENT" {
				i++
			}
		}
		var f []byte
		if i < len(s.files) {
			f = s.files[i]
		}
		start()
		fmt.Fprintf(w, "%s %s %s %s %s %d\n", f, r.syscallName(), successName(s.success),
			orQ(s.exe, s.has(hasExe)), r.uid(s.loginuid), key.Serial)
	case Syscall:
		if s.syscall == 0 {
			return
		}
		start()
		fmt.Fprintf(w, "%s %d %s %s %d\n", r.syscallName(), uint32(s.pid), orQ(s.comm, s.has(hasComm)),
			r.uid(s.loginuid), key.Serial)
	case Anomaly:
		if !r.isAnomaly() {
			return
		}
		start()
		what := orQ(s.comm, s.has(hasComm))
		if s.has(hasExe) {
			what = s.exe
		}
		fmt.Fprintf(w, "%s %s %s %s %s %d\n", typeName(r.typs[0]), what, orQ(s.terminal, s.has(hasTerminal)),
			orQ(s.hostname, s.has(hasHostname)), r.uid(s.loginuid), key.Serial)
	}
}

// isAnomaly is the anomaly report's test; 3.0.9 takes SECCOMP in too,
// though the Summary Report does not count it.
func (r *Report) isAnomaly() bool {
	return r.hasRange(typeFirstAnomMsg, typeLastAnomMsg) || r.hasRange(typeFirstKernAnom, typeLastKernAnom) ||
		r.hasType(typeSeccomp)
}

func successName(s int) string {
	switch s {
	case successOK:
		return "yes"
	case successFailed:
		return "no"
	}
	return "unset"
}

func typeName(t uint32) string {
	if n := abi.MsgTypeName(t); n != "" {
		return n
	}
	return "UNKNOWN[" + strconv.FormatUint(uint64(t), 10) + "]"
}

// uid is aulookup_uid: the number as a signed int, or with -i a name.
func (r *Report) uid(u int32) string {
	if !r.opt.Interpret {
		return strconv.Itoa(int(u))
	}
	if u == -1 {
		return "unset"
	}
	res := r.opt.Resolver
	if res == nil {
		res = interpret.LocalResolver()
	}
	if n, ok := res.UserName(uint32(u)); ok {
		return n
	}
	return "unknown(" + strconv.Itoa(int(u)) + ")"
}

// syscallName is aulookup_syscall: the number, or with -i its name for the
// event's arch.
func (r *Report) syscallName() string {
	if r.opt.Interpret && r.s.hasArch {
		if n := abi.SyscallName(abi.Arch(r.s.arch), uint32(r.s.syscall)); n != "" {
			return n
		}
	}
	return strconv.Itoa(int(r.s.syscall))
}

// Finish writes what is left (totals, the summary) and flushes. For a
// per-event report that printed nothing it writes aureport's notice and
// returns ErrNoEvents.
func (r *Report) Finish() error {
	var err error
	switch {
	case r.opt.Kind == LogTime:
	case r.detailed():
		if !r.found {
			r.w.WriteString("<no events of interest were found>\n\n")
			err = ErrNoEvents
		}
	case r.opt.Kind == Summary:
		r.summaryOutput()
	case r.opt.Kind == ContID:
		r.contidOutput()
	default:
		r.totalsOutput()
	}
	if ferr := r.w.Flush(); ferr != nil {
		return ferr
	}
	return err
}

func (r *Report) summaryOutput() {
	w, c := r.w, &r.sum
	fmt.Fprintf(w, "Range of time in logs: %s.%03d - %s.%03d\n", r.date(r.first.sec), r.first.msec,
		r.date(r.last.sec), r.last.msec)
	from := r.date(r.first.sec)
	if r.start != 0 {
		from = r.date(r.start)
	}
	if r.end != 0 {
		fmt.Fprintf(w, "Selected time for report: %s - %s\n", from, r.date(r.end))
	} else {
		fmt.Fprintf(w, "Selected time for report: %s - %s.%03d\n", from, r.date(r.last.sec), r.last.msec)
	}
	fmt.Fprintf(w, "Number of changes in configuration: %d\n", c.changes)
	fmt.Fprintf(w, "Number of changes to accounts, groups, or roles: %d\n", c.acctChanges)
	fmt.Fprintf(w, "Number of logins: %d\n", c.goodLogins)
	fmt.Fprintf(w, "Number of failed logins: %d\n", c.badLogins)
	fmt.Fprintf(w, "Number of authentications: %d\n", c.goodAuth)
	fmt.Fprintf(w, "Number of failed authentications: %d\n", c.badAuth)
	fmt.Fprintf(w, "Number of users: %d\n", c.users.len())
	fmt.Fprintf(w, "Number of terminals: %d\n", c.terms.len())
	fmt.Fprintf(w, "Number of host names: %d\n", c.hosts.len())
	fmt.Fprintf(w, "Number of executables: %d\n", c.exes.len())
	fmt.Fprintf(w, "Number of commands: %d\n", c.comms.len())
	fmt.Fprintf(w, "Number of files: %d\n", c.files.len())
	fmt.Fprintf(w, "Number of AVC's: %d\n", c.avcs)
	fmt.Fprintf(w, "Number of MAC events: %d\n", c.mac)
	fmt.Fprintf(w, "Number of failed syscalls: %d\n", c.failedSyscalls)
	fmt.Fprintf(w, "Number of anomaly events: %d\n", c.anomalies)
	fmt.Fprintf(w, "Number of responses to anomaly events: %d\n", c.responses)
	fmt.Fprintf(w, "Number of crypto events: %d\n", c.crypto)
	fmt.Fprintf(w, "Number of integrity events: %d\n", c.integ)
	fmt.Fprintf(w, "Number of virt events: %d\n", c.virt)
	fmt.Fprintf(w, "Number of keys: %d\n", c.keys.len())
	fmt.Fprintf(w, "Number of process IDs: %d\n", c.pids.len())
	fmt.Fprintf(w, "Number of events: %d\n\n", c.events)
}

func (r *Report) totalsOutput() {
	l := &r.sum.list
	if l.len() == 0 {
		r.w.WriteString("<no events of interest were found>\n\n")
		return
	}
	for _, i := range l.sorted() {
		v := l.keys[i]
		switch r.opt.Kind {
		case User:
			if n, err := strconv.Atoi(v); err == nil {
				v = r.uid(int32(n))
			}
		case Login:
			if len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
				n, _ := strconv.Atoi(v)
				v = r.uid(int32(n))
			}
		case Anomaly:
			if r.opt.Interpret {
				n, _ := strconv.ParseUint(v, 10, 32)
				v = typeName(uint32(n))
			}
		}
		fmt.Fprintf(r.w, "%d  %s\n", l.hits[i], v)
	}
}
