package rules

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

// fuzzParser never touches the machine: no directories, no users.
var fuzzParser = &Parser{
	Arch:        abi.AUDIT_ARCH_X86_64,
	IsDir:       func(string) bool { return false },
	LookupUser:  func(string) (uint32, bool) { return 0, false },
	LookupGroup: func(string) (uint32, bool) { return 0, false },
}

// FuzzParse checks that the line parser never panics, that a command is
// returned if and only if there is no error, and that a parsed rule
// survives Encode -> Decode -> String -> Parse -> Encode unchanged, unless
// the rule is one that auditctl's listing cannot express (see lossy).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"-a always,exit -F arch=b64 -S open,openat -F auid>=1000 -F auid!=unset -k a -k b",
		"-w /etc/passwd -p wa -k identity",
		"-a always,exit -F dir=/home -F uid=0 -C auid!=obj_uid -F key=x",
		"-a never,exclude -F msgtype=CWD",
		"-a never,filesystem -F fstype=tracefs",
		"-a always,exit -S all -F exit=-EINVAL",
		"-a always,exit -F arch=b32 -S clone -F a0&0x7C020000",
		"-a always,user -F sessionid=unset -F msgtype=1100",
		"-A exit,never -F perm=x -F path=/usr/bin/pip -F exe=/bin/sh",
		"-D -k x", "-e 1", "-b 8192 -f 1", "--backlog_wait_time=5", "-c",
		`-a always,exit -F path=/a\ b -F obj_lev_low=s0`,
		"-a task,always -F gid>=10 -F pers&=3 -F inode=5",
		"-a always,exit -F filetype=file -F obj_gid=0 -F devmajor<9 -F success!=0",
		"-a always,exit -S openat -F contid=5 -k a -k b",
		"-a always,exit -S all -F contid!=unset -F contid=1",
		"-a never,user -F msgtype=USER_CMD -F contid=-1",
		"-A always,exclude -F contid=18446744073709551614 -F msgtype=CWD",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, ok, err := fuzzParser.ParseLine(line)
		if err != nil && (ok || cmd.Kind != 0) {
			t.Fatalf("error %v with command %+v", err, cmd)
		}
		if err == nil && ok != (cmd.Kind != 0) {
			t.Fatalf("ok %v with command %+v", ok, cmd)
		}
		_ = cmd.String()
		if cmd.Rule == nil {
			return
		}
		if cmd.Rule.userspaceOnly() {
			// No kernel form: the listing itself must parse back.
			back, _, err := fuzzParser.ParseLine(cmd.Rule.String())
			if err != nil || back.Rule == nil || !sameRule(back.Rule, cmd.Rule) {
				t.Fatalf("%q lists as %q, which parses back as %+v: %v", line, cmd.Rule.String(), back.Rule, err)
			}
			return
		}
		d1, err := Encode(cmd.Rule)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		r, err := Decode(d1)
		if err != nil {
			t.Fatalf("Decode(Encode(%q)): %v", line, err)
		}
		if !bytes.Equal(mustEncode(t, r).MarshalBinary(), d1.MarshalBinary()) {
			t.Fatalf("Encode(Decode(d)) != d for %q", line)
		}
		c2 := cmd
		c2.Rule = r
		text := c2.String()
		back, ok, err := fuzzParser.ParseLine(text)
		if lossy(r, text) {
			return
		}
		if err != nil || !ok || back.Rule == nil {
			t.Fatalf("%q lists as %q, which does not parse: %v", line, text, err)
		}
		d2 := mustEncode(t, back.Rule)
		if !bytes.Equal(d1.MarshalBinary(), d2.MarshalBinary()) {
			t.Fatalf("%q -> %q encodes differently:\n%+v\n%+v", line, text, d1, d2)
		}
	})
}

func mustEncode(t *testing.T, r *Rule) *abi.AuditRuleData {
	t.Helper()
	d, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// lossy reports whether auditctl's listing of r, text, cannot stand for r:
// the listing drops operators of path, dir, exe, perm and key fields,
// prints ids and types of 2^31 and more as negative numbers that do not
// parse back, prints strings unescaped, lists any path+perm rule as a
// watch (which re-parses with -w's defaults), names the arch only as
// b32/b64 and drops the order of keys relative to other fields.
func lossy(r *Rule, text string) bool {
	if r.IsWatch() {
		return true
	}
	if r.List == abi.AUDIT_FILTER_EXIT && r.Mask == [abi.AUDIT_BITMASK_SIZE]uint32{} {
		return true // "-S ," sets no syscall, lists no -S, and re-parses as -S all
	}
	seenKey := false
	for _, f := range r.Fields {
		if seenKey {
			return true // the key moves to the end when re-parsed
		}
		switch f.Type {
		case abi.AUDIT_WATCH, abi.AUDIT_DIR, abi.AUDIT_EXE, abi.AUDIT_PERM:
			if f.Op != abi.AUDIT_EQUAL {
				return true
			}
		case abi.AUDIT_FILTERKEY:
			seenKey = true
			if f.Op != abi.AUDIT_EQUAL || f.Str == "" || strings.Contains(f.Str, "\x01\x01") ||
				strings.HasPrefix(f.Str, "\x01") || strings.HasSuffix(f.Str, "\x01") {
				return true
			}
		case abi.AUDIT_ARCH:
			if f.Value != abi.AUDIT_ARCH_X86_64 && f.Value != abi.AUDIT_ARCH_I386 {
				return true
			}
		case abi.AUDIT_GID, abi.AUDIT_EGID, abi.AUDIT_SGID, abi.AUDIT_FSGID, abi.AUDIT_OBJ_GID,
			abi.AUDIT_PID, abi.AUDIT_PPID, abi.AUDIT_PERS, abi.AUDIT_DEVMAJOR, abi.AUDIT_DEVMINOR,
			abi.AUDIT_SUCCESS, abi.AUDIT_MSGTYPE, abi.AUDIT_FSTYPE, abi.AUDIT_FILETYPE:
			if int32(f.Value) < 0 {
				return true
			}
		}
		if IsStringField(f.Type) && strings.ContainsFunc(f.Str, func(c rune) bool { return c <= ' ' || c == '\\' }) {
			return true
		}
	}
	// Tokens that read as something else once printed: a listed value
	// containing an operator earlier than its own, or a key with "=" or an
	// operator, is split differently on the way back.
	for _, f := range r.Fields {
		if IsStringField(f.Type) && strings.ContainsAny(f.Str, "!<>&=") {
			return true
		}
	}
	return false
}

// TestListingRoundTrip runs the fuzz invariant over the golden inputs and
// checks that lossy does not excuse the ordinary rules.
func TestListingRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/golden/syntax.rules")
	if err != nil {
		t.Fatal(err)
	}
	exact := 0
	for _, line := range strings.Split(string(data), "\n") {
		cmd, _, err := fuzzParser.ParseLine(line)
		if err != nil || cmd.Rule == nil {
			continue
		}
		d1 := mustEncode(t, cmd.Rule)
		text := cmd.String()
		if lossy(cmd.Rule, text) {
			continue
		}
		exact++
		back, _, err := fuzzParser.ParseLine(text)
		if err != nil {
			t.Errorf("%q lists as %q: %v", line, text, err)
			continue
		}
		if !bytes.Equal(d1.MarshalBinary(), mustEncode(t, back.Rule).MarshalBinary()) {
			t.Errorf("%q lists as %q, which encodes differently", line, text)
		}
	}
	if exact < 25 {
		t.Errorf("only %d golden rules round-trip exactly; lossy excuses too much", exact)
	}
}
