package rules

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/kerneltest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden")

// testParser is deterministic: x86_64, a fixed set of directories and a
// fixed passwd and group.
var testParser = &Parser{
	Arch: abi.AUDIT_ARCH_X86_64,
	IsDir: func(p string) bool {
		return p == "/dir" || p == "/var/log/audit" || p == "/etc/sudoers.d"
	},
	LookupUser: func(name string) (uint32, bool) {
		id, ok := map[string]uint32{"root": 0, "bin": 1, "chrony": 107}[name]
		return id, ok
	},
	LookupGroup: func(name string) (uint32, bool) {
		id, ok := map[string]uint32{"root": 0, "bin": 1, "wheel": 10}[name]
		return id, ok
	},
}

func parseRule(t *testing.T, line string) *Rule {
	t.Helper()
	cmd, ok, err := testParser.ParseLine(line)
	if err != nil || !ok {
		t.Fatalf("ParseLine(%q): ok %v, %v", line, ok, err)
	}
	if cmd.Rule == nil {
		t.Fatalf("ParseLine(%q): %v has no rule", line, cmd.Kind)
	}
	return cmd.Rule
}

func allMask() (m [abi.AUDIT_BITMASK_SIZE]uint32) {
	for i := range m {
		m[i] = ^uint32(0)
	}
	return m
}

func sysMask(nrs ...uint32) (m [abi.AUDIT_BITMASK_SIZE]uint32) {
	for _, nr := range nrs {
		m[nr/32] |= 1 << (nr % 32)
	}
	return m
}

const (
	eq = abi.AUDIT_EQUAL
	ne = abi.AUDIT_NOT_EQUAL
)

// TestParseEncoding checks the rule auditctl builds for each construct:
// field order, values and the syscall bitmap.
func TestParseEncoding(t *testing.T) {
	key := func(k string) Field { return Field{Type: abi.AUDIT_FILTERKEY, Op: eq, Value: uint32(len(k)), Str: k} }
	arch64 := Field{Type: abi.AUDIT_ARCH, Op: eq, Value: abi.AUDIT_ARCH_X86_64}
	arch32 := Field{Type: abi.AUDIT_ARCH, Op: eq, Value: abi.AUDIT_ARCH_I386}
	for _, tc := range []struct {
		line string
		want Rule
	}{
		{"-a always,exit -F arch=b64 -S open,openat -k k",
			Rule{List: 4, Action: 2, Mask: sysMask(2, 257), Fields: []Field{arch64, key("k")}}},
		// -S without arch uses the machine's table but adds no arch field.
		{"-a exit,always -S open -S 3",
			Rule{List: 4, Action: 2, Mask: sysMask(2, 3), Fields: nil}},
		{"-a always,exit -F arch=b32 -S open,stime",
			Rule{List: 4, Action: 2, Mask: sysMask(5, 25), Fields: []Field{arch32}}},
		// No -S: every syscall, on every list but task.
		{"-a always,exit -F arch=b32 -F exe=/bin/sh -F key=32bit-abi",
			Rule{List: 4, Action: 2, Mask: allMask(), Fields: []Field{arch32,
				{Type: abi.AUDIT_EXE, Op: eq, Value: 7, Str: "/bin/sh"}, key("32bit-abi")}}},
		{"-a never,exclude -F msgtype=CWD",
			Rule{List: 5, Action: 0, Mask: allMask(), Fields: []Field{{Type: abi.AUDIT_MSGTYPE, Op: eq, Value: 1307}}}},
		{"-a task,never",
			Rule{List: 1, Action: 0}},
		{"-A always,exit -S all -F exit=-EINVAL -F key=einval",
			Rule{List: 4, Prepend: true, Action: 2, Mask: allMask(), Fields: []Field{
				{Type: abi.AUDIT_EXIT, Op: eq, Value: uint32(0xffffffea)}, key("einval")}}},
		// Watches: path (or dir if it is one) + perm rwxa narrowed by -p,
		// trailing slashes trimmed.
		{"-w /etc/passwd -p wa -k auth",
			Rule{List: 4, Action: 2, Mask: allMask(), Fields: []Field{
				{Type: abi.AUDIT_WATCH, Op: eq, Value: 11, Str: "/etc/passwd"},
				{Type: abi.AUDIT_PERM, Op: eq, Value: abi.AUDIT_PERM_WRITE | abi.AUDIT_PERM_ATTR}, key("auth")}}},
		{"-w /var/log/audit/ -k audit-logs",
			Rule{List: 4, Action: 2, Mask: allMask(), Fields: []Field{
				{Type: abi.AUDIT_DIR, Op: eq, Value: 14, Str: "/var/log/audit"},
				{Type: abi.AUDIT_PERM, Op: eq, Value: 15}, key("audit-logs")}}},
		// Several keys join with \x01; the key is always the last field.
		{"-a always,exit -S open -k a -F key=b -F uid=unset",
			Rule{List: 4, Action: 2, Mask: sysMask(2), Fields: []Field{
				{Type: abi.AUDIT_UID, Op: eq, Value: 0xffffffff}, key("a\x01b")}}},
		{"-a always,exit -F auid>=1000 -F auid!=unset -F auid!=-1 -F loginuid=root -F euid=bin -F gid=wheel",
			Rule{List: 4, Action: 2, Mask: allMask(), Fields: []Field{
				{Type: abi.AUDIT_LOGINUID, Op: abi.AUDIT_GREATER_THAN_OR_EQUAL, Value: 1000},
				{Type: abi.AUDIT_LOGINUID, Op: ne, Value: 0xffffffff},
				{Type: abi.AUDIT_LOGINUID, Op: ne, Value: 0xffffffff},
				{Type: abi.AUDIT_LOGINUID, Op: eq, Value: 0},
				{Type: abi.AUDIT_EUID, Op: eq, Value: 1},
				{Type: abi.AUDIT_GID, Op: eq, Value: 10}}}},
		// a0-a3: strtoul base 0 (octal 0100), and negative numbers.
		{"-a always,exit -S openat -F a2&0100 -F a0=0x10 -F a1=-1 -F a3&=7",
			Rule{List: 4, Action: 2, Mask: sysMask(257), Fields: []Field{
				{Type: abi.AUDIT_ARG2, Op: abi.AUDIT_BIT_MASK, Value: 0100},
				{Type: abi.AUDIT_ARG0, Op: eq, Value: 0x10},
				{Type: abi.AUDIT_ARG1, Op: eq, Value: 0xffffffff},
				{Type: abi.AUDIT_ARG3, Op: abi.AUDIT_BIT_TEST, Value: 7}}}},
		{"-a always,exit -C auid!=obj_uid -C obj_gid=egid",
			Rule{List: 4, Action: 2, Mask: allMask(), Fields: []Field{
				{Type: abi.AUDIT_FIELD_COMPARE, Op: ne, Value: abi.AUDIT_COMPARE_AUID_TO_OBJ_UID},
				{Type: abi.AUDIT_FIELD_COMPARE, Op: eq, Value: abi.AUDIT_COMPARE_EGID_TO_OBJ_GID}}}},
		{"-a never,filesystem -F fstype=tracefs -k fs",
			Rule{List: 6, Action: 0, Mask: allMask(), Fields: []Field{
				{Type: abi.AUDIT_FSTYPE, Op: eq, Value: 0x74726163}, key("fs")}}},
		{"-a always,exit -F perm=x -F path=/usr/bin/at -F dir=/tmp/ -F exe=/bin/ls -F filetype=dir",
			Rule{List: 4, Action: 2, Mask: allMask(), Fields: []Field{
				{Type: abi.AUDIT_PERM, Op: eq, Value: 1},
				{Type: abi.AUDIT_WATCH, Op: eq, Value: 11, Str: "/usr/bin/at"},
				{Type: abi.AUDIT_DIR, Op: eq, Value: 5, Str: "/tmp/"},
				{Type: abi.AUDIT_EXE, Op: eq, Value: 7, Str: "/bin/ls"},
				{Type: abi.AUDIT_FILETYPE, Op: eq, Value: 0040000}}}},
		// -p after -F path appends a perm field.
		{"-a always,exit -F path=/x -p r",
			Rule{List: 4, Action: 2, Mask: allMask(), Fields: []Field{
				{Type: abi.AUDIT_WATCH, Op: eq, Value: 2, Str: "/x"},
				{Type: abi.AUDIT_PERM, Op: eq, Value: 4}}}},
		{"-a always,exit -F arch=x86_64 -S 1000 -F sessionid=unset -F saddr_fam=10 -F inode=4294967295 -F loginuid_set=1",
			Rule{List: 4, Action: 2, Mask: sysMask(1000), Fields: []Field{arch64,
				{Type: abi.AUDIT_SESSIONID, Op: eq, Value: 0xffffffff},
				{Type: abi.AUDIT_SADDR_FAM, Op: eq, Value: 10},
				{Type: abi.AUDIT_INODE, Op: eq, Value: 0xffffffff},
				{Type: abi.AUDIT_LOGINUID_SET, Op: eq, Value: 1}}}},
		{"-a always,exit -F arch=c000003e -F subj_type=chronyd_t -F obj_lev_low=s0",
			Rule{List: 4, Action: 2, Mask: allMask(), Fields: []Field{arch64,
				{Type: abi.AUDIT_SUBJ_TYPE, Op: eq, Value: 9, Str: "chronyd_t"},
				{Type: abi.AUDIT_OBJ_LEV_LOW, Op: eq, Value: 2, Str: "s0"}}}},
		{"-a always,user -F uid=chrony -F msgtype=1100",
			Rule{List: 0, Action: 2, Mask: allMask(), Fields: []Field{
				{Type: abi.AUDIT_UID, Op: eq, Value: 107},
				{Type: abi.AUDIT_MSGTYPE, Op: eq, Value: 1100}}}},
		// "\ " is a space inside a token.
		{`-a always,exit -F path=/a\ b -F key=x\\y`,
			Rule{List: 4, Action: 2, Mask: allMask(), Fields: []Field{
				{Type: abi.AUDIT_WATCH, Op: eq, Value: 4, Str: "/a b"}, key(`x\y`)}}},
		// getopt forms: attached arguments and long options with =.
		{"-aalways,exit -Sopen -Fpid=1",
			Rule{List: 4, Action: 2, Mask: sysMask(2), Fields: []Field{{Type: abi.AUDIT_PID, Op: eq, Value: 1}}}},
	} {
		t.Run(tc.line, func(t *testing.T) {
			got := parseRule(t, tc.line)
			if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", tc.want) {
				t.Errorf("got\n %+v\nwant\n %+v", *got, tc.want)
			}
			d, err := Encode(got)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Decode(d)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", *back) != fmt.Sprintf("%+v", *got) {
				t.Errorf("Decode(Encode(r)) = %+v", *back)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"-a always,exit -F fooo=1", `-F fooo=1: unknown field "fooo"`},
		{"-a always,exit -F uid", `-F uid: missing operator`},
		{"-a always,exit -F uid=", `-F uid=: missing value after operator for "uid"`},
		{"-a always,exit -F uid=nosuchuser", `unknown user "nosuchuser"`},
		{"-a always,exit -F gid=-1", `unknown group "-1"`},
		{"-a always,exit -S open -F arch=b64", `-F arch=b64: arch must be before -S`},
		{"-a always,exit -S nosuchcall", `unknown syscall "nosuchcall" for x86_64`},
		{"-a always,exit -S 2048", `unknown syscall "2048"`},
		{"-a always,task -S open", `syscall auditing cannot be added to the task list`},
		{"-a never,exclude -S open", `syscall auditing cannot be put on exclude list`},
		{"-a always,user -S open", `cannot be added to the user list`},
		{"-S open -a always,task", `syscall auditing requested for task list`},
		{"-S open -a always,exclude", `syscalls cannot be audited on the exclude list`},
		{"-a always,task -F path=/etc/passwd", `field "path" can only be used on the exit list`},
		{"-a always,exclude -F perm=r", `cannot be used on the exclude list`},
		{"-a always,exclude -F msgtype=CWD -k x", `key option needs a watch or syscall given prior to it`},
		{"-a always,exclude -F msgtype=CWD -F key=x", `field "key" cannot be used on the exclude list`},
		// A key needs -S, a watch, path, dir, perm, exe or fstype, wherever
		// it comes in the line.
		{"-a always,exit -F arch=b32 -F key=x", `key field needs a watch, syscall or exe path`},
		{"-a always,exit -F msgtype=CWD", `msgtype can only be used on the exclude or user list`},
		{"-a always,exit -F exit=-ENOPE", `unknown errno "-ENOPE"`},
		{"-a always,exit -F perm=rwxq", `only r, w, x and a are allowed`},
		{"-a always,exit -F perm!=r", `perm only takes the = operator`},
		{"-a always,exit -F filetype=blob", `unknown file type "blob"`},
		{"-a always,exit -F arch=sparc", `arch "sparc": machine type not found`},
		{"-a always,exit -F arch>b64", `arch only takes = or != operators`},
		{"-a always,exit -F a0=x", `should be a number`},
		{"-a always,exit -F pid=-1", `should be a number`},
		{"-a always,exit -F inode>5", `inode only takes = or != operators`},
		{"-a always,exit -F saddr_fam=46", `too large for saddr_fam`},
		{"-a always,exit -F fstype=tracefs", `fstype can only be used on the filesystem list`},
		{"-a always,task -F ppid=1", `can only be used on the exit list`},
		{"-a always,exit -C uid=gid", `cannot compare uid with gid`},
		{"-a always,exit -C uid<euid", `-C only takes = or != operators`},
		{"-a always,user -C uid=euid", `-C can only be used on the exit list`},
		{"-a always,exit -F exe>/bin/ls", `exe only takes = or != operators`},
		{"-a possible,exit", `action "possible" is deprecated`},
		{"-a always", `bad keyword "always"`},
		{"-a always,exit,user", `bad keyword`},
		{"-a always,nowhere", `bad keyword`},
		{"-a always,exit -a always,exit", `multiple rule insert/delete operations are not allowed`},
		{"-a always,exit -w /etc", `watch option can't be given with a syscall`},
		{"-w etc/passwd", `the path must start with '/'`},
		{"-w /" + strings.Repeat("a", 256), `base name of the path is too big`},
		{"-p wa", `permission option needs a watch given prior to it`},
		{"-k x", `key option needs a watch or syscall given prior to it`},
		{"-a always,exit -k x -S open", `key option needs a watch or syscall given prior to it`},
		{"-a always,exit -S open -k " + strings.Repeat("k", 257), `key exceeds the 256-byte limit`},
		{"-a always,exit -S open -k " + strings.Repeat("k", 200) + " -k " + strings.Repeat("k", 56), `key exceeds the 256-byte limit`},
		{"-F uid=0", `list must be given before field`},
		{"-S open", `no list specified`},
		{"-e 3", `enable must be 0, 1, or 2`},
		{"-f x", `failure must be 0, 1, or 2`},
		{"-b -1", `value must be numeric`},
		{"--backlog_wait_time x", `backlog_wait_time must be numeric`},
		{"-D -k", `-D takes no options but -k KEY`},
		{"-D extra", `-D takes no options but -k KEY`},
		{"-e 1 -a always,exit", `cannot be combined with set-status on one line`},
		{"-l", `-l is not a rule command`},
		{"-R /etc/audit/audit.rules", `nested rule files are not supported`},
		{"-x", `option -x is invalid`},
		{"--nope", `option --nope is invalid`},
		{"--reset", `is ambiguous`},
		{"-a always,exit stray", `stray: parameter passed without an option given`},
		{"-a always,exit -F key=a!=b -S open", `unknown field "key=a"`},
	} {
		t.Run(tc.line, func(t *testing.T) {
			_, _, err := testParser.ParseLine(tc.line)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%T %v is no ParseError", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseFileErrors(t *testing.T) {
	text := "# comment\n\n-a always,exit -S open\n-a always,exit -F fooo=1\n   \n-w /etc/passwd\n-a always,exit -S nosuch\n"
	cmds, err := testParser.ParseReader(strings.NewReader(text), "rules/10-x.rules")
	if len(cmds) != 2 || cmds[0].Pos != (Pos{"rules/10-x.rules", 3}) || cmds[1].Pos.Line != 6 {
		t.Errorf("commands %+v", cmds)
	}
	var pes ParseErrors
	if !errors.As(err, &pes) || len(pes) != 2 {
		t.Fatalf("err %v", err)
	}
	want := `rules/10-x.rules:4: -F fooo=1: unknown field "fooo"`
	if pes[0].Error() != want {
		t.Errorf("got  %q\nwant %q", pes[0].Error(), want)
	}
	if pes[1].Line != 7 || pes[1].Token != "-S nosuch" {
		t.Errorf("second error %+v", pes[1])
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 4 {
		t.Errorf("errors.As ParseError: %v", pe)
	}
}

func TestParseControl(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Command
	}{
		{"-D", Command{Kind: KindDeleteAll}},
		{"-D -k mykey", Command{Kind: KindDeleteAll, Key: "mykey"}},
		{"-e 0", Command{Kind: KindSetStatus, Status: abi.AuditStatus{Mask: abi.AUDIT_STATUS_ENABLED}}},
		{"-e 2", Command{Kind: KindSetStatus, Status: abi.AuditStatus{Mask: abi.AUDIT_STATUS_ENABLED, Enabled: 2}}},
		{"-f 2", Command{Kind: KindSetStatus, Status: abi.AuditStatus{Mask: abi.AUDIT_STATUS_FAILURE, Failure: 2}}},
		{"-b 0x100", Command{Kind: KindSetStatus, Status: abi.AuditStatus{Mask: abi.AUDIT_STATUS_BACKLOG_LIMIT, BacklogLimit: 256}}},
		{"-r 5", Command{Kind: KindSetStatus, Status: abi.AuditStatus{Mask: abi.AUDIT_STATUS_RATE_LIMIT, RateLimit: 5}}},
		{"--backlog_wait_time 60000", Command{Kind: KindSetStatus, Status: abi.AuditStatus{Mask: abi.AUDIT_STATUS_BACKLOG_WAIT_TIME, BacklogWaitTime: 60000}}},
		{"--backlog_wait_time=1", Command{Kind: KindSetStatus, Status: abi.AuditStatus{Mask: abi.AUDIT_STATUS_BACKLOG_WAIT_TIME, BacklogWaitTime: 1}}},
		{"--backlog 2", Command{Kind: KindSetStatus, Status: abi.AuditStatus{Mask: abi.AUDIT_STATUS_BACKLOG_WAIT_TIME, BacklogWaitTime: 2}}},
		{"--reset-lost", Command{Kind: KindSetStatus, Status: abi.AuditStatus{Mask: abi.AUDIT_STATUS_LOST}}},
		{"-b 8192 -f 1", Command{Kind: KindSetStatus, Status: abi.AuditStatus{Mask: abi.AUDIT_STATUS_BACKLOG_LIMIT | abi.AUDIT_STATUS_FAILURE, BacklogLimit: 8192, Failure: 1}}},
		{"--loginuid-immutable", Command{Kind: KindLoginuidImmutable}},
		{"-c", Command{Kind: KindContinueOnError}},
		{"-i", Command{Kind: KindIgnoreErrors}},
	} {
		cmd, ok, err := testParser.ParseLine(tc.line)
		if err != nil || !ok {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if fmt.Sprintf("%+v", cmd) != fmt.Sprintf("%+v", tc.want) {
			t.Errorf("%q: got %+v, want %+v", tc.line, cmd, tc.want)
		}
		// Command.String parses back to the same command.
		back, _, err := testParser.ParseLine(cmd.String())
		if err != nil || fmt.Sprintf("%+v", back) != fmt.Sprintf("%+v", cmd) {
			t.Errorf("%q: String %q parses to %+v, %v", tc.line, cmd.String(), back, err)
		}
	}
}

func TestParseArgv(t *testing.T) {
	cmd, err := testParser.Parse("-a", "always,exit", "-F", "path=/a b", "-F", "perm=w", "-k", "with space")
	if err != nil {
		t.Fatal(err)
	}
	if got := cmd.String(); got != "-w /a b -p w -k with space" {
		t.Errorf("String = %q", got)
	}
	if _, err := testParser.Parse(); err == nil {
		t.Error("empty argv parsed")
	}
}

func TestCommandString(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"-A always,exit -S open", "-A always,exit -S open"},
		{"-d always,exit -F arch=b64 -S open -k x", "-d always,exit -F arch=b64 -S open -F key=x"},
		{"-W /etc/passwd -p wa -k x", "-W /etc/passwd -p wa -k x"},
		{"-a exit,never -F path=/etc/passwd -F perm=r", "-w /etc/passwd -p r"},
	} {
		cmd, _, err := testParser.ParseLine(tc.line)
		if err != nil {
			t.Fatal(err)
		}
		if got := cmd.String(); got != tc.want {
			t.Errorf("%q: String = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestListingQuirks(t *testing.T) {
	var rs []*Rule
	for _, l := range []string{
		"-a always,exit -F perm=x -F path=/usr/bin/dnf-3 -F key=software-installer",
		"-a always,exit -F arch=b32 -S open",
		"-a always,exit -S chown", // listed with the previous rule's i386 table
		"-a always,exit -F arch=b64 -S open -F auid>=1000 -F auid!=unset -F uid=unset -F sessionid=unset -k a -k b",
		"-a always,exit -S all -F exit=-EINVAL -F exit=5 -F exit=-3000 -F filetype=file",
		"-w /var/log/audit/ -k audit-logs",
		"-a always,exit -F path=/etc/shadow",
		"-a always,exit -S openat -F a0=0x10 -F a1=-1",
		"-a never,exclude -F msgtype=1338 -F msgtype=1400",
		"-a always,exit -F exe!=/bin/ls -F obj_uid=root -F inode=4294967295",
	} {
		rs = append(rs, parseRule(t, l))
	}
	want := ` -p x-w /usr/bin/dnf-3 -k software-installer
-a always,exit -F arch=b32 -S open
-a always,exit -S truncate
-a always,exit -F arch=b64 -S open -F auid>=1000 -F auid!=-1 -F uid=-1 -F sessionid=-1 -F key=a -F key=b
-a always,exit -S all -F exit=-EINVAL -F exit=5 -F exit=-3000 -F filetype=32768
-w /var/log/audit -p rwxa -k audit-logs
-a always,exit -S all -F path=/etc/shadow
-a always,exit -S openat -F a0=0x10 -F a1=0xFFFFFFFF
-a never,exclude -F msgtype=1338 -F msgtype=AVC
-a always,exit -S all -F exe=/bin/ls -F obj_uid=0 -F inode=4294967295
`
	if got := Listing(rs); got != want {
		t.Errorf("Listing:\n%s\nwant:\n%s", got, want)
	}
	if got := rs[2].String(); got != "-a always,exit -S chown" {
		t.Errorf("String without a preceding arch = %q", got)
	}
	if Listing(nil) != "No rules\n" {
		t.Error("empty listing")
	}
}

func TestDecodeErrors(t *testing.T) {
	good, _ := Encode(parseRule(t, "-w /etc/passwd -k x"))
	for name, mut := range map[string]func(d *abi.AuditRuleData){
		"short buffer":  func(d *abi.AuditRuleData) { d.Buf = d.Buf[:3] },
		"extra buffer":  func(d *abi.AuditRuleData) { d.Buf = append(d.Buf, 'z') },
		"field count":   func(d *abi.AuditRuleData) { d.FieldCount = 65 },
		"unknown flags": func(d *abi.AuditRuleData) { d.Flags |= 0x100 },
	} {
		d := *good
		d.Buf = append([]byte(nil), good.Buf...)
		mut(&d)
		if _, err := Decode(&d); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCNumbers(t *testing.T) {
	for _, tc := range []struct {
		s      string
		ul, l  uint32
		ulOK   bool
		strtol bool
	}{
		{"0", 0, 0, true, true},
		{"0x10", 16, 16, true, true},
		{"0X1f", 31, 31, true, true},
		{"0100", 64, 64, true, true},
		{"08", 0, 0, true, true},
		{"12abc", 12, 12, true, true},
		{"0x", 0, 0, true, true},
		{"-1", 0xffffffff, 0xffffffff, true, true},
		{"4294967295", 0xffffffff, 0xffffffff, true, true},
		{"4294967296", 0, 0, true, true},
		{"99999999999999999999", 0xffffffff, 0xffffffff, false, true},
		{"-99999999999999999999", 0xffffffff, 0, false, true},
	} {
		ul, ok := strtoulErr(tc.s, 0)
		if ul != tc.ul || ok != tc.ulOK {
			t.Errorf("strtoul(%q) = %#x %v, want %#x %v", tc.s, ul, ok, tc.ul, tc.ulOK)
		}
		if l := strtol32(tc.s); l != tc.l {
			t.Errorf("strtol(%q) = %#x, want %#x", tc.s, l, tc.l)
		}
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"10-base.rules":   "-D\n-b 8192\n-f 1\n--backlog_wait_time 60000\n",
		"9-first.rules":   "-a always,exit -S open -k nine\n",
		"50-x.rules":      "# comment\n-e 1\n-w /etc/passwd -p wa\n-f 0\n",
		"99-final.rules":  "-e 2\n",
		"20-y.rules.bak":  "-a always,exit -F fooo=1\n",
		"README":          "not rules\n",
		"100-last.rules":  "-a always,exit -S close\n-D -k nine\n",
		"30-bad.rules":    "-a always,exit -F fooo=1\n",
		"30-bad2.rules":   "-a always,exit -S open -k ok\n",
		"a-letter.rules":  "-b 1\n",
		"05-early.rules":  "-D\n",
		"06-spaces.rules": "   -e 0\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmds, err := testParser.LoadDir(dir)
	var pes ParseErrors
	if !errors.As(err, &pes) || len(pes) != 1 || filepath.Base(pes[0].File) != "30-bad.rules" || pes[0].Line != 1 {
		t.Fatalf("err %v", err)
	}
	var got []string
	for _, c := range cmds {
		got = append(got, filepath.Base(c.Pos.File)+":"+fmt.Sprint(c.Pos.Line)+" "+c.String())
	}
	want := []string{
		"10-base.rules:1 -D",
		"a-letter.rules:1 -b 1",
		"50-x.rules:4 -f 0",
		"9-first.rules:1 -a always,exit -S open -F key=nine",
		"10-base.rules:4 --backlog_wait_time 60000",
		"30-bad2.rules:1 -a always,exit -S open -F key=ok",
		"50-x.rules:3 -w /etc/passwd -p wa",
		"100-last.rules:1 -a always,exit -S close",
		"100-last.rules:2 -D -k nine",
		"99-final.rules:1 -e 2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("LoadDir order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestVersionLess(t *testing.T) {
	names := []string{"9-a", "10-a", "010-b", "1-a", "a", "10-a.x", "2"}
	for i, a := range names {
		for _, b := range names[i+1:] {
			if versionLess(a, b) && versionLess(b, a) {
				t.Errorf("%q and %q both less", a, b)
			}
		}
	}
	if !versionLess("9-a.rules", "10-a.rules") || versionLess("10-a.rules", "9-a.rules") {
		t.Error("9 should sort before 10")
	}
}

// TestGolden parses testdata/golden/*.rules and compares, per line, the
// command text and the encoded rule with a .golden file (-update rewrites).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.rules")
	if len(files) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
				cmd, ok, err := testParser.ParseLine(line)
				if !ok && err == nil {
					continue
				}
				fmt.Fprintf(&b, "%d: %s\n", i+1, line)
				if err != nil {
					fmt.Fprintf(&b, "   error: %v\n", err)
					continue
				}
				fmt.Fprintf(&b, "   %s\n", cmd.String())
				if cmd.Rule != nil {
					d, err := Encode(cmd.Rule)
					if err != nil {
						t.Fatal(err)
					}
					b.WriteString(dumpRule(d))
				}
			}
			golden := strings.TrimSuffix(f, ".rules") + ".golden"
			kerneltest.Golden(t, golden, []byte(b.String()), *update)
		})
	}
}

// dumpRule writes the encoded rule compactly: the mask as "all" or set
// bits, then each field's type, operator, value and string.
func dumpRule(d *abi.AuditRuleData) string {
	var b strings.Builder
	fmt.Fprintf(&b, "   flags=%#x action=%d fields=%d buflen=%d mask=", d.Flags, d.Action, d.FieldCount, len(d.Buf))
	r, _ := Decode(d)
	switch {
	case d.Mask == allMask():
		b.WriteString("all")
	case r.AllSyscalls():
		fmt.Fprintf(&b, "all-but-last-word(%#x)", d.Mask[abi.AUDIT_BITMASK_SIZE-1])
	default:
		b.WriteString(fmt.Sprint(r.Syscalls()))
	}
	b.WriteByte('\n')
	for _, f := range r.Fields {
		fmt.Fprintf(&b, "     %d(%s) op=%#x val=%#x", f.Type, fieldName(f.Type), f.Op, f.Value)
		if IsStringField(f.Type) {
			fmt.Fprintf(&b, " str=%q", f.Str)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
