package rules

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/auditnl/auditnltest"
)

func TestContidParse(t *testing.T) {
	for _, tc := range []struct {
		line  string
		list  string // what the rule lists as
		conds []contidCond
	}{
		{"-a always,exit -S openat -F contid=5 -k k1",
			"-a always,exit -S openat -F contid=5 -F key=k1", []contidCond{{5, true}}},
		{"-a always,exit -S openat -F contid!=18446744073709551614",
			"-a always,exit -S openat -F contid!=18446744073709551614", []contidCond{{math.MaxUint64 - 1, false}}},
		{"-a always,exit -S all -F contid=unset", "-a always,exit -S all -F contid=-1", []contidCond{{ContidUnset, true}}},
		{"-a always,exit -S all -F contid!=-1", "-a always,exit -S all -F contid!=-1", []contidCond{{ContidUnset, false}}},
		{"-a always,exit -S all -F contid=18446744073709551615", "-a always,exit -S all -F contid=-1", []contidCond{{ContidUnset, true}}},
		// = and != together: inside container 1, but not in 5 nested in it.
		{"-a always,exit -S execve -F contid=1 -F contid!=5 -F auid>=1000",
			"-a always,exit -S execve -F contid=1 -F contid!=5 -F auid>=1000", []contidCond{{1, true}, {5, false}}},
		// A watch with a contid is no longer a plain watch: it lists in
		// the -a form, which parses back to the same rule.
		{"-w /etc/shadow -p wa -F contid=7 -k shadow",
			"-a always,exit -S all -F path=/etc/shadow -F perm=wa -F contid=7 -F key=shadow", []contidCond{{7, true}}},
		{"-a always,user -F contid=3", "-a always,user -F contid=3", []contidCond{{3, true}}},
		{"-a never,user -F msgtype=USER_CMD -F contid!=unset",
			"-a never,user -F msgtype=USER_CMD -F contid!=-1", []contidCond{{ContidUnset, false}}},
		{"-a never,exclude -F msgtype=CWD -F contid=9", "-a never,exclude -F msgtype=CWD -F contid=9", []contidCond{{9, true}}},
		{"-a exclude,always -F contid=9 -F msgtype>=1300", "-a always,exclude -F contid=9 -F msgtype>=SYSCALL", []contidCond{{9, true}}},
		{"-A always,exclude -F CONTID=0", "-a always,exclude -F contid=0", []contidCond{{0, true}}},
	} {
		t.Run(tc.line, func(t *testing.T) {
			r := parseRule(t, tc.line)
			if got := r.String(); got != tc.list {
				t.Errorf("lists as %q, want %q", got, tc.list)
			}
			if got := r.contidConds(); !slices.Equal(got, tc.conds) {
				t.Errorf("conditions %v, want %v", got, tc.conds)
			}
			back := parseRule(t, r.String())
			if back.Prepend = r.Prepend; !sameRule(back, r) {
				t.Errorf("%q parses back as %+v, want %+v", r.String(), back, r)
			}
		})
	}
}

func TestContidParseErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"-a always,exit -S all -F contid>5", `-F contid>5: contid only takes = or != operators`},
		{"-a always,exit -S all -F contid&=5", `contid only takes = or != operators`},
		{"-a always,exit -S all -F contid=x", `-F contid=x: value "x" of contid should be a decimal number, unset or -1`},
		{"-a always,exit -S all -F contid=0x10", `should be a decimal number`},
		{"-a always,exit -S all -F contid=+1", `should be a decimal number`},
		{"-a always,exit -S all -F contid=-2", `should be a decimal number`},
		{"-a always,exit -S all -F contid=18446744073709551616", `should be a decimal number`},
		{"-a always,exit -S all -F contid=", `missing value`},
		{"-a always,task -F contid=1", `-F contid=1: contid can only be used on the exit, user or exclude list`},
		{"-a always,filesystem -F fstype=tracefs -F contid=1", `contid can only be used on the exit, user or exclude list`},
		{"-a never,exit -S all -F contid=1", `-F contid=1: contid cannot be used on a never rule of the exit list`},
		{"-a never,exit -S all -F contid!=1", `drop the records with the exclude list, or put -F contid!=N on the always rules`},
		{"-a always,user -F uid=0 -F contid=1", `-F contid=1: field "uid" cannot be combined with contid on the user list`},
		{"-a always,user -F contid=1 -F auid=0", `field "auid" cannot be combined with contid on the user list`},
		{"-a never,exclude -F contid=1 -F exe=/bin/sh", `field "exe" cannot be combined with contid on the exclude list`},
		{"-a always,exit -S open -F contid=1 -k " + strings.Repeat("k", 240), `the keys and the contid tags`},
		{"-a always,exit -C contid=uid", `cannot compare contid with uid`},
	} {
		t.Run(tc.line, func(t *testing.T) {
			_, err := testParser.ParseReader(strings.NewReader("-D\n"+tc.line+"\n"), "10-contid.rules")
			var pes ParseErrors
			if !errors.As(err, &pes) || len(pes) != 1 {
				t.Fatalf("error %v, want one ParseError", err)
			}
			if pes[0].File != "10-contid.rules" || pes[0].Line != 2 {
				t.Errorf("error at %s:%d, want 10-contid.rules:2", pes[0].File, pes[0].Line)
			}
			if !strings.HasPrefix(err.Error(), "10-contid.rules:2: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want 10-contid.rules:2: ... %q", err, tc.want)
			}
		})
	}
}

// kernelListing is what `auditctl -l` would print for what Encode sends.
func kernelListing(t *testing.T, r *Rule) string {
	t.Helper()
	d, err := Encode(r)
	if err != nil {
		t.Fatalf("Encode(%s): %v", r, err)
	}
	back, err := Decode(d)
	if err != nil {
		t.Fatal(err)
	}
	return back.String()
}

func TestContidEncode(t *testing.T) {
	for _, tc := range []struct{ line, sent string }{
		{"-a always,exit -S openat -F contid=5", "-a always,exit -S openat -F key=contaudit-contid-eq-5"},
		{"-a always,exit -S openat -F contid!=unset -k k1",
			"-a always,exit -S openat -F key=k1 -F key=contaudit-contid-ne-unset"},
		{"-a always,exit -S openat -k k1 -F contid=1 -k k2 -F contid!=5 -F uid=0",
			"-a always,exit -S openat -F uid=0 -F key=k1 -F key=k2 -F key=contaudit-contid-eq-1 -F key=contaudit-contid-ne-5"},
		{"-w /etc/shadow -p wa -F contid=7 -k shadow", "-w /etc/shadow -p wa -k shadow -k contaudit-contid-eq-7"},
		{"-A always,exit -F arch=b64 -S execve -F contid=18446744073709551614",
			"-a always,exit -F arch=b64 -S execve -F key=contaudit-contid-eq-18446744073709551614"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			if got := kernelListing(t, parseRule(t, tc.line)); got != tc.sent {
				t.Errorf("sends %q, want %q", got, tc.sent)
			}
		})
	}
	// The rule without its contid field encodes as before but for the key.
	plain, _ := Encode(parseRule(t, "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k k1 -k "+
		contidCondTag(5, true)))
	tagged, _ := Encode(parseRule(t, "-a always,exit -F arch=b64 -S openat -F contid=5 -F auid>=1000 -k k1"))
	if !bytes.Equal(plain.MarshalBinary(), tagged.MarshalBinary()) {
		t.Errorf("tagged rule\n%s\nwant\n%s", dumpRule(tagged), dumpRule(plain))
	}
	for _, line := range []string{"-a always,user -F contid=1", "-a never,exclude -F msgtype=CWD -F contid=1"} {
		if _, err := Encode(parseRule(t, line)); err == nil || !strings.Contains(err.Error(), "evaluated in userspace") {
			t.Errorf("Encode(%s): %v, want a refusal", line, err)
		}
	}
	// Commands built by hand get the parser's checks.
	never := &Rule{List: abi.AUDIT_FILTER_EXIT, Action: abi.AUDIT_NEVER, Fields: []Field{{Type: FieldContid, Op: eq, Contid: 1}}}
	if _, err := Encode(never); !errors.Is(err, errContidNever) {
		t.Errorf("Encode(never exit contid): %v", err)
	}
	if _, err := Decode(&abi.AuditRuleData{Flags: abi.AUDIT_FILTER_EXIT, FieldCount: 1, Fields: [abi.AUDIT_MAX_FIELDS]uint32{FieldContid}}); err == nil {
		t.Error("Decode took field 27")
	}
}

func contidCondTag(id uint64, eq bool) string { return contidCond{id, eq}.tag() }

// TestContidApply loads contid rules into the in-memory kernel: exit rules
// arrive tagged and without the field, user and exclude contid rules never
// arrive, and every other rule arrives exactly as without contid support.
func TestContidApply(t *testing.T) {
	k := auditnltest.New()
	c := k.Conn()
	defer c.Close()
	cmds := mustParse(t, `
-D
-a always,exit -F arch=b64 -S openat -F contid=5 -k files
-a always,exit -F arch=b64 -S execve -F contid!=unset
-w /etc/shadow -p wa -F contid=7
-a always,exit -F arch=b64 -S unlink -k plain
-a never,exclude -F msgtype=CWD -F contid=5
-a always,user -F contid!=5
-a never,exclude -F msgtype=PROCTITLE
-d always,exit -F arch=b64 -S execve -F contid!=unset
`)
	rep, err := Apply(context.Background(), c, cmds, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 5 || rep.Deleted != 1 || rep.Userspace != 2 {
		t.Errorf("report %+v, want 5 added, 1 deleted, 2 in userspace", rep)
	}
	var got []string
	for _, b := range k.Rules {
		d, err := abi.UnmarshalAuditRuleData(b)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Decode(d)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.String())
	}
	want := []string{
		"-a always,exit -F arch=b64 -S openat -F key=files -F key=contaudit-contid-eq-5",
		"-w /etc/shadow -p wa -k contaudit-contid-eq-7",
		"-a always,exit -F arch=b64 -S unlink -F key=plain",
		"-a never,exclude -F msgtype=PROCTITLE",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("kernel holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The rules without contid are sent byte for byte as before.
	for i, b := range k.Rules {
		d, _ := abi.UnmarshalAuditRuleData(b)
		r, _ := Decode(d)
		if r.Key() == "plain" || r.List == abi.AUDIT_FILTER_EXCLUDE {
			p := parseRule(t, r.String())
			if e, _ := Encode(p); !bytes.Equal(e.MarshalBinary(), b) {
				t.Errorf("rule %d: %s differs from what it was sent as", i, r)
			}
		}
	}
	// -D -k of the tag prefix takes every tagged rule away.
	if _, err := Apply(context.Background(), c, mustParse(t, "-D -k contaudit-contid-\n"), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(k.Rules) != 2 {
		t.Errorf("%d rules left after -D -k contaudit-contid-, want 2", len(k.Rules))
	}
}

func TestNewContidFilter(t *testing.T) {
	f, err := NewContidFilter(mustParse(t, "-D\n-a always,exit -S openat -k k\n-a never,exclude -F msgtype=CWD\n-e 1\n"))
	if f != nil || err != nil {
		t.Errorf("no contid rule: %v, %v; want nil, nil", f, err)
	}
	// A bare -D clears the userspace rules; -D -k leaves them (they have
	// no key); -d removes the equal rule; -A puts its rule first.
	f, err = NewContidFilter(mustParse(t, `
-a always,user -F contid=1
-D
-a always,user -F contid=2
-a never,user -F contid=3
-D -k x
-A never,user -F msgtype=USER_CMD -F contid=4
-d never,user -F contid=3
-a always,exclude -F msgtype=CWD -F contid=5
`))
	if err != nil {
		t.Fatal(err)
	}
	var user, excl []string
	for _, r := range f.user {
		user = append(user, r.rule.String())
	}
	for _, r := range f.exclude {
		excl = append(excl, r.rule.String())
	}
	if want := []string{"-a never,user -F msgtype=USER_CMD -F contid=4", "-a always,user -F contid=2"}; !slices.Equal(user, want) {
		t.Errorf("user list %q, want %q", user, want)
	}
	if want := []string{"-a always,exclude -F msgtype=CWD -F contid=5"}; !slices.Equal(excl, want) {
		t.Errorf("exclude list %q, want %q", excl, want)
	}
	// Tagged exit rules alone make a filter, even when the tag was
	// written by hand from a kernel listing.
	for _, text := range []string{"-a always,exit -S openat -F contid=5\n", "-a always,exit -S openat -k x -k contaudit-contid-ne-unset\n"} {
		if f, err := NewContidFilter(mustParse(t, text)); f == nil || err != nil {
			t.Errorf("%q: %v, %v; want a filter", text, f, err)
		}
	}
	bad := Command{Kind: KindAddRule, Pos: Pos{"x.rules", 3}, Rule: &Rule{List: abi.AUDIT_FILTER_USER, Action: abi.AUDIT_ALWAYS,
		Fields: []Field{{Type: abi.AUDIT_UID, Op: eq}, {Type: FieldContid, Op: eq, Contid: 1}}}}
	if _, err := NewContidFilter([]Command{bad}); err == nil || !strings.HasPrefix(err.Error(), "x.rules:3: -a always,user -F uid=0 -F contid=1: ") {
		t.Errorf("hand-built bad rule: %v", err)
	}
}

// members is a process in the chain ids (own contid first); none means
// the process has no contid.
func members(ids ...uint64) func(uint64) bool {
	return func(id uint64) bool {
		if len(ids) == 0 {
			return id == ContidUnset
		}
		return slices.Contains(ids, id)
	}
}

// Record types libaudit names but internal/abi does not need.
const (
	userCmd   = 1123 // USER_CMD
	userLogin = 1112 // USER_LOGIN
	userMsg2  = 2101 // in the second user range
)

const stamp = "audit(1606404280.226:174542): "

func syscallRec(key string) string {
	return stamp + `arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd a2=0 a3=0 items=1 ppid=1 pid=42 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm="cat" exe="/usr/bin/cat" subj=unconfined key=` + key
}

func hexKey(keys ...string) string {
	return strings.ToUpper(hex.EncodeToString([]byte(strings.Join(keys, "\x01"))))
}

func TestContidFilterExit(t *testing.T) {
	f, err := NewContidFilter(mustParse(t, "-a always,exit -S openat -F contid=5\n"))
	if err != nil {
		t.Fatal(err)
	}
	eq5, ne5, equn, neun := contidCondTag(5, true), contidCondTag(5, false), contidCondTag(ContidUnset, true), contidCondTag(ContidUnset, false)
	for _, tc := range []struct {
		name   string
		key    string
		member func(uint64) bool
		want   string // the key= value kept; "" for a dropped event
	}{
		{"only tag, in 5", `"` + eq5 + `"`, members(5), "(null)"},
		{"only tag, nested in 5", `"` + eq5 + `"`, members(9, 5, 1), "(null)"},
		{"only tag, in 6", `"` + eq5 + `"`, members(6), ""},
		{"only tag, no contid", `"` + eq5 + `"`, members(), ""},
		{"!= in 6", `"` + ne5 + `"`, members(6), "(null)"},
		{"!= nested in 5", `"` + ne5 + `"`, members(6, 5), ""},
		{"!= no contid", `"` + ne5 + `"`, members(), "(null)"},
		{"=unset, no contid", `"` + equn + `"`, members(), "(null)"},
		{"=unset, in 5", `"` + equn + `"`, members(5), ""},
		{"!=unset, in 5", `"` + neun + `"`, members(5), "(null)"},
		{"!=unset, no contid", `"` + neun + `"`, members(), ""},
		{"nil member is no contid", `"` + neun + `"`, nil, ""},
		{"one key", hexKey("k1", eq5), members(5), `"k1"`},
		{"one key, fails", hexKey("k1", eq5), members(4), ""},
		{"two keys", hexKey("k1", "k2", eq5), members(5), hexKey("k1", "k2")},
		{"a key that needs hex", hexKey("a b", eq5), members(5), hexKey("a b")},
		{"a key with a quote", hexKey(`a"b`, eq5), members(5), hexKey(`a"b`)},
		{"lower-case hex", strings.ToLower(hexKey("k1", eq5)), members(5), `"k1"`},
		{"two tags, both hold", hexKey("k1", contidCondTag(1, true), ne5), members(7, 1), `"k1"`},
		{"two tags, one fails", hexKey("k1", contidCondTag(1, true), ne5), members(5, 1), ""},
		{"tag first", hexKey(eq5, "k1"), members(5), `"k1"`},
		{"empty key kept", hexKey("", "k1", eq5), members(5), hexKey("", "k1")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			types := []uint32{abi.AUDIT_SYSCALL, abi.AUDIT_CWD, abi.AUDIT_PATH, abi.AUDIT_PROCTITLE}
			recs := [][]byte{[]byte(syscallRec(tc.key)), []byte(stamp + `cwd="/"`), []byte(stamp + `item=0 name="/etc/x"`), []byte(stamp + "proctitle=636174")}
			gt, gr, dropped := f.Filter(types, recs, tc.member)
			if tc.want == "" {
				if len(gt) != 0 || len(gr) != 0 || dropped != 4 {
					t.Errorf("kept %d records, dropped %d; want the event dropped", len(gr), dropped)
				}
				return
			}
			if len(gt) != 4 || dropped != 0 {
				t.Fatalf("kept %d, dropped %d", len(gt), dropped)
			}
			if got, want := string(gr[0]), syscallRec(tc.want); got != want {
				t.Errorf("record\n%s\nwant\n%s", got, want)
			}
			if &gr[0][0] != &recs[0][0] {
				t.Error("the record was copied, not rewritten in place")
			}
		})
	}
}

func TestContidFilterRecordForms(t *testing.T) {
	f, _ := NewContidFilter(mustParse(t, "-a always,exit -S openat -F contid=5\n"))
	tag := `"` + contidCondTag(5, true) + `"`
	for _, tc := range []struct{ in, want string }{
		// contaudit's own stamping after the key, a trailing NUL or
		// newline, an ENRICHED tail.
		{syscallRec(tag) + " record=1", syscallRec("(null)") + " record=1"},
		{syscallRec(tag) + "\x00", syscallRec("(null)") + "\x00"},
		{syscallRec(tag) + "\n", syscallRec("(null)") + "\n"},
		{syscallRec(tag) + "\x1dARCH=x86_64", syscallRec("(null)") + "\x1dARCH=x86_64"},
		// Not a tag: a longer prefix, a non-canonical number, no key.
		{syscallRec(`"` + contidCondTag(5, true) + `x"`), ""},
		{syscallRec(`"contaudit-contid-eq-05"`), ""},
		{syscallRec(`"contaudit-contid-eq-18446744073709551615"`), ""},
		{syscallRec(`"contaudit-contid-eq-99999999999999999999"`), ""},
		{syscallRec(`"contaudit-contid-lt-5"`), ""},
		{stamp + "arch=c000003e syscall=257", ""},
		// Malformed values are left as they are.
		{syscallRec(`"` + contidCondTag(5, true)), ""},
		{syscallRec(hexKey("k1", contidCondTag(5, true)) + "0"), ""},
		{syscallRec(hexKey("k1", contidCondTag(5, true))[1:]), ""},
	} {
		types := []uint32{abi.AUDIT_SYSCALL}
		recs := [][]byte{[]byte(tc.in)}
		_, gr, dropped := f.Filter(types, recs, members(5))
		want := tc.want
		if want == "" {
			want = tc.in
		}
		if dropped != 0 || len(gr) != 1 || string(gr[0]) != want {
			t.Errorf("%q: got %q (%d dropped), want %q", tc.in, gr, dropped, want)
		}
	}
	// URINGOP records carry the key as SYSCALL records do; other records'
	// keys (a CONFIG_CHANGE reporting the tagged rule) are not decisions.
	for _, typ := range []uint32{abi.AUDIT_URINGOP, abi.AUDIT_CONFIG_CHANGE} {
		in := stamp + "uring_op=18 success=yes key=" + tag
		_, gr, dropped := f.Filter([]uint32{typ}, [][]byte{[]byte(in)}, members(4))
		if typ == abi.AUDIT_URINGOP && dropped != 1 {
			t.Errorf("URINGOP in another container kept: %q", gr)
		}
		if typ == abi.AUDIT_CONFIG_CHANGE && (dropped != 0 || string(gr[0]) != in) {
			t.Errorf("CONFIG_CHANGE changed: %q", gr)
		}
	}
}

func TestContidFilterUserAndExclude(t *testing.T) {
	f, err := NewContidFilter(mustParse(t, `
-a always,user -F msgtype=USER_CMD -F contid=1
-a never,user -F contid=1
-a never,user -F msgtype>=2100 -F contid!=unset
-a never,exclude -F msgtype=PATH -F contid=5
-a always,exclude -F msgtype=CWD -F contid!=5
`))
	if err != nil {
		t.Fatal(err)
	}
	user := func(typ uint32) ([]uint32, [][]byte) {
		return []uint32{typ}, [][]byte{[]byte(stamp + "pid=42 uid=0 auid=1000 ses=3 msg='op=x key=contaudit-contid-eq-1 res=success'")}
	}
	for _, tc := range []struct {
		name   string
		typ    uint32
		member func(uint64) bool
		kept   bool
	}{
		{"USER_CMD in 1: first rule keeps", userCmd, members(1), true},
		{"USER_CMD nested in 1", userCmd, members(3, 1), true},
		{"USER_LOGIN in 1: second rule drops", userLogin, members(1), false},
		{"AUDIT_USER in 1", abi.AUDIT_USER, members(1), false},
		{"USER_LOGIN in 2: no rule", userLogin, members(2), true},
		{"2100+ in 2: third rule drops", userMsg2, members(2), false},
		{"2100+ without contid", userMsg2, members(), true},
		{"contaudit's own CONTAINER_OP is no user message", abi.AUDIT_CONTAINER_OP, members(2), true},
		{"a daemon record is no user message", abi.AUDIT_DAEMON_START, members(1), true},
	} {
		types, recs := user(tc.typ)
		in := string(recs[0])
		gt, gr, dropped := f.Filter(types, recs, tc.member)
		if tc.kept && (len(gt) != 1 || dropped != 0 || string(gr[0]) != in) {
			t.Errorf("%s: got %q, %d dropped; want it kept unchanged", tc.name, gr, dropped)
		}
		if !tc.kept && (len(gt) != 0 || len(gr) != 0 || dropped != 1) {
			t.Errorf("%s: got %q, %d dropped; want it dropped", tc.name, gr, dropped)
		}
	}
	event := func() ([]uint32, [][]byte) {
		return []uint32{abi.AUDIT_SYSCALL, abi.AUDIT_CWD, abi.AUDIT_PATH, abi.AUDIT_PATH, abi.AUDIT_PROCTITLE},
			[][]byte{[]byte(syscallRec(`"k"`)), []byte("cwd"), []byte("path0"), []byte("path1"), []byte("proctitle")}
	}
	for _, tc := range []struct {
		name   string
		member func(uint64) bool
		want   []string
	}{
		{"in 5: PATH excluded", members(5), []string{syscallRec(`"k"`), "cwd", "proctitle"}},
		{"nested in 5", members(8, 5), []string{syscallRec(`"k"`), "cwd", "proctitle"}},
		{"in 6: CWD excluded", members(6), []string{syscallRec(`"k"`), "path0", "path1", "proctitle"}},
		{"no contid: CWD excluded", nil, []string{syscallRec(`"k"`), "path0", "path1", "proctitle"}},
	} {
		types, recs := event()
		gt, gr, dropped := f.Filter(types, recs, tc.member)
		var got []string
		for _, r := range gr {
			got = append(got, string(r))
		}
		if !slices.Equal(got, tc.want) || dropped != 5-len(tc.want) || len(gt) != len(gr) {
			t.Errorf("%s: kept %q (%d dropped), want %q", tc.name, got, dropped, tc.want)
		}
		for i, typ := range gt {
			if want := map[string]uint32{"cwd": abi.AUDIT_CWD, "path0": abi.AUDIT_PATH, "path1": abi.AUDIT_PATH, "proctitle": abi.AUDIT_PROCTITLE}[got[i]]; i > 0 && typ != want {
				t.Errorf("%s: record %q has type %d", tc.name, got[i], typ)
			}
		}
	}
}

// TestContidFilterUntouched: events no rule concerns come back as they
// were, without allocating and without asking member anything.
func TestContidFilterUntouched(t *testing.T) {
	f, err := NewContidFilter(mustParse(t, "-a always,exit -S openat -F contid=5\n-a never,user -F msgtype=USER_CMD -F contid=1\n"))
	if err != nil {
		t.Fatal(err)
	}
	asked := func(uint64) bool { t.Error("member called"); return false }
	for _, key := range []string{"(null)", `"k1"`, hexKey("k1", "k2"), hexKey("contaudit-contid-", "x")} {
		types := []uint32{abi.AUDIT_SYSCALL, abi.AUDIT_PATH, abi.AUDIT_EOE}
		rec := syscallRec(key)
		recs := [][]byte{[]byte(rec), []byte("p"), []byte("")}
		gt, gr, dropped := f.Filter(types, recs, asked)
		if dropped != 0 || len(gt) != 3 || &gt[0] != &types[0] || &gr[0] != &recs[0] || string(gr[0]) != rec {
			t.Errorf("key=%s: changed: %q", key, gr)
		}
	}
	// A USER_LOGIN is not USER_CMD: msgtype is checked before member.
	if _, _, d := f.Filter([]uint32{userLogin}, [][]byte{[]byte("x")}, asked); d != 0 {
		t.Error("USER_LOGIN dropped")
	}
	types := []uint32{abi.AUDIT_SYSCALL, abi.AUDIT_PATH}
	recs := [][]byte{[]byte(syscallRec(hexKey("k1", "k2"))), []byte("p")}
	if n := testing.AllocsPerRun(100, func() { f.Filter(types, recs, asked) }); n != 0 {
		t.Errorf("%v allocations per untagged event", n)
	}
	var nilFilter *ContidFilter
	if gt, _, d := nilFilter.Filter(types, recs, asked); d != 0 || len(gt) != 2 {
		t.Error("nil filter changed an event")
	}
	if gt, _, d := f.Filter(types, recs[:1], asked); d != 0 || len(gt) != 2 {
		t.Error("mismatched slices changed")
	}
}

func BenchmarkContidFilterUntagged(b *testing.B) {
	cmds, err := testParser.ParseReader(strings.NewReader("-a always,exit -S openat -F contid=5\n-a never,exclude -F msgtype=CWD -F contid=5\n"), "b")
	if err != nil {
		b.Fatal(err)
	}
	f, err := NewContidFilter(cmds)
	if err != nil {
		b.Fatal(err)
	}
	types := []uint32{abi.AUDIT_SYSCALL, abi.AUDIT_PATH, abi.AUDIT_PROCTITLE}
	recs := [][]byte{[]byte(syscallRec(hexKey("exec", "64bit"))), []byte(stamp + `item=0 name="/bin/ls"`), []byte(stamp + "proctitle=6C73")}
	member := members(7)
	b.ReportAllocs()
	for b.Loop() {
		f.Filter(types, recs, member)
	}
}

func BenchmarkContidFilterTagged(b *testing.B) {
	f, _ := NewContidFilter([]Command{{Kind: KindAddRule, Rule: &Rule{List: abi.AUDIT_FILTER_EXIT, Action: abi.AUDIT_ALWAYS,
		Fields: []Field{{Type: FieldContid, Op: eq, Contid: 5}}}}})
	in := []byte(syscallRec(hexKey("exec", contidCondTag(5, true))))
	rec := make([]byte, len(in))
	types := []uint32{abi.AUDIT_SYSCALL}
	recs := make([][]byte, 1)
	member := members(5)
	b.ReportAllocs()
	for b.Loop() {
		recs[0] = rec[:copy(rec, in)]
		f.Filter(types, recs, member)
	}
}

// refStrip is stripTags written plainly, for FuzzStripTag to compare with.
func refStrip(rec string, member func(uint64) bool) (string, bool) {
	i := strings.LastIndex(rec, " key=")
	if i < 0 {
		return rec, true
	}
	vs := i + 5
	ve := vs
	for ve < len(rec) && rec[ve] > ' ' {
		ve++
	}
	v := rec[vs:ve]
	var key string
	switch {
	case v == "(null)":
		return rec, true
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && !strings.Contains(v[1:len(v)-1], `"`):
		key = v[1 : len(v)-1]
	default:
		b, err := hex.DecodeString(v)
		if err != nil || len(b) == 0 || len(b) > abi.AUDIT_MAX_KEY_LEN {
			return rec, true
		}
		key = string(b)
	}
	var rest []string
	tags := 0
	for _, k := range strings.Split(key, "\x01") {
		c, ok := parseTag([]byte(k))
		if !ok || c.tag() != k {
			rest = append(rest, k)
			continue
		}
		if !c.holds(member) {
			return rec, false
		}
		tags++
	}
	if tags == 0 {
		return rec, true
	}
	r := strings.Join(rest, "\x01")
	switch {
	case r == "":
		v = "(null)"
	case needsHex([]byte(r)):
		v = strings.ToUpper(hex.EncodeToString([]byte(r)))
	default:
		v = `"` + r + `"`
	}
	return rec[:vs] + v + rec[ve:], true
}

// FuzzStripTag checks the in-place key rewriting against refStrip, and
// that the rewritten record never grows and never keeps a tag.
func FuzzStripTag(f *testing.F) {
	eq5 := contidCondTag(5, true)
	for _, s := range []string{
		syscallRec(`"` + eq5 + `"`), syscallRec(hexKey("k1", eq5)), syscallRec(hexKey("k1", "k2", eq5, contidCondTag(1, false))),
		syscallRec("(null)"), syscallRec(`"k1"`), syscallRec(hexKey("a b", eq5)) + " record=1",
		syscallRec(hexKey(contidCondTag(ContidUnset, false), "", "x")) + "\x00",
		syscallRec(`"contaudit-contid-eq-05"`), "key=" + eq5, " key=", ` key=""`,
	} {
		f.Add(s, uint64(5))
	}
	f.Fuzz(func(t *testing.T, rec string, own uint64) {
		member := members(own)
		wantRec, wantKeep := refStrip(rec, member)
		buf := []byte(rec)
		got, keep := stripTags(buf, member)
		if keep != wantKeep {
			t.Fatalf("%q: keep %v, want %v", rec, keep, wantKeep)
		}
		if !keep {
			if string(buf) != rec {
				t.Fatalf("%q: a dropped record was modified", rec)
			}
			return
		}
		if string(got) != wantRec {
			t.Fatalf("%q:\n got %q\nwant %q", rec, got, wantRec)
		}
		if len(got) > len(rec) {
			t.Fatalf("%q grew to %q", rec, got)
		}
		if len(got) > 0 && &got[0] != &buf[0] {
			t.Fatalf("%q: copied", rec)
		}
		// Once stripped, nothing is left to strip.
		again, keep := stripTags(slices.Clone(got), func(uint64) bool { return false })
		if !keep || !bytes.Equal(again, got) {
			t.Fatalf("%q: stripped %q still has tags", rec, got)
		}
	})
}
