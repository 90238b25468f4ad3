package search

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
)

// events is a small log with one event of each kind the options look at.
const events = `type=SYSCALL msg=audit(1700000000.100:10): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=100 pid=200 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="ls" exe="/usr/bin/ls" key="exec"
type=EXECVE msg=audit(1700000000.100:10): argc=1 a0="ls"
type=CWD msg=audit(1700000000.100:10): cwd="/home/alice"
type=PATH msg=audit(1700000000.100:10): item=0 name="/usr/bin/ls" inode=1 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL
type=PROCTITLE msg=audit(1700000000.100:10): proctitle="ls"
type=SYSCALL msg=audit(1700000100.200:11): arch=c000003e syscall=257 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=1 ppid=200 pid=300 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="cat" exe="/usr/bin/cat" key=6B310177617463682D657463
type=PATH msg=audit(1700000100.200:11): item=0 name="/etc/shadow" inode=2 dev=08:01 mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL
type=PROCTITLE msg=audit(1700000100.200:11): proctitle="cat"
type=USER_LOGIN msg=audit(1700003600.300:12): pid=400 uid=0 auid=1001 ses=4 msg='op=login id=1001 exe="/usr/sbin/sshd" hostname=client.example addr=10.0.0.1 terminal=ssh res=failed'
node=box2 type=SYSCALL msg=audit(1700007200.000:13): arch=c000003e syscall=42 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=500 auid=4294967295 uid=33 gid=33 euid=33 suid=33 fsuid=33 egid=33 sgid=33 fsgid=33 tty=(none) ses=4294967295 comm="nginx" exe="/usr/sbin/nginx" key=(null) record=1
node=box2 type=CONTAINER_ID msg=audit(1700007200.000:13): record=1 contid=4,^2,^1
node=box2 type=PROCTITLE msg=audit(1700007200.000:13): proctitle="nginx"
type=SYSCALL msg=audit(1700007300.000:14): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=600 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="old" exe="/old" key=(null)
type=CONTAINER_ID msg=audit(1700007300.000:14): record=1 contid=123^456,789
type=PROCTITLE msg=audit(1700007300.000:14): proctitle="old"
`

// serials runs q over events and returns the serials of the events found.
func serials(t *testing.T, q Query) string {
	t.Helper()
	var out bytes.Buffer
	_, err := Search(context.Background(), NewMatcher(q), []Source{{Name: "events", Reader: strings.NewReader(events)}}, &out, Options{Format: FormatRaw, Loc: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	last := ""
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		st := stampOf(l) // "audit(SEC.MSEC:SERIAL"
		i := strings.IndexByte(st, ':')
		if i < 0 {
			continue
		}
		if s := st[i+1:]; s != last {
			got = append(got, s)
			last = s
		}
	}
	return strings.Join(got, ",")
}

func TestOptions(t *testing.T) {
	ts := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tc := range []struct {
		name string
		q    Query
		want string
	}{
		{"all", Query{}, "10,11,12,13,14"},
		{"-a", Query{EventID: SetInt(11)}, "11"},
		{"-c substring", Query{Comm: "at"}, "11"},
		{"-c word", Query{Comm: "at", Word: true}, ""},
		{"-e number", Query{Exit: SetInt(-13)}, "11"},
		{"-f path", Query{File: "/etc/shadow"}, "11"},
		{"-f cwd", Query{File: "/home/alice"}, "10"},
		{"-k", Query{Key: "exec"}, "10"},
		{"-k second of two keys", Query{Key: "watch-etc"}, "11"},
		{"-k whole word", Query{Key: "k1", Word: true}, "11"},
		{"-m", Query{Types: []uint32{1112}}, "12"},
		{"-m two", Query{Types: []uint32{1112, abi.AUDIT_EXECVE}}, "10,12"},
		{"-m by name", Query{TypeNames: []string{"CONTAINER_ID"}}, "13,14"},
		{"-m CONTAINER_ID", Query{Types: []uint32{abi.AUDIT_CONTAINER_ID}}, "13,14"},
		{"-p", Query{PID: SetInt(300)}, "11"},
		{"-pp", Query{PPID: SetInt(200)}, "11"},
		{"-se", Query{Session: SetInt(4)}, "12"},
		{"-sc", Query{Syscall: SetInt(257)}, "11"},
		{"-sv yes", Query{Success: SuccessYes}, "10,13,14"},
		{"-sv no (res=failed too)", Query{Success: SuccessNo}, "11,12"},
		{"-ua", Query{AnyUID: SetInt(1001)}, "12"},
		{"-ua uid or auid", Query{AnyUID: SetInt(1000)}, "10,11"},
		{"-ui", Query{UID: SetInt(1000)}, "11"},
		{"-ue", Query{EUID: SetInt(33)}, "13"},
		{"-ul", Query{AUID: SetInt(1001)}, "12"},
		{"-ul unset", Query{AUID: SetInt(4294967295)}, "13"},
		{"-ga", Query{AnyGID: SetInt(33)}, "13"},
		{"-gi", Query{GID: SetInt(1000)}, "11"},
		{"-ge", Query{EGID: SetInt(0)}, "10,14"},
		{"-x", Query{Exe: "/usr/bin/ls"}, "10"},
		{"-x in user msg", Query{Exe: "sshd"}, "12"},
		{"-n", Query{Node: "box2"}, "13"},
		{"-hn", Query{Hostname: "client"}, "12"},
		{"-tm", Query{Terminal: "ssh"}, "12"},
		{"--contid own", Query{ContID: SetInt(4)}, "13"},
		{"--contid ancestor", Query{ContID: SetInt(1)}, "13"},
		{"--contid old form", Query{ContID: SetInt(456)}, "14"},
		{"--contid old form, second container", Query{ContID: SetInt(789)}, "14"},
		{"--contid absent", Query{ContID: SetInt(3)}, ""},
		{"-ts", Query{Start: ts("2023-11-14 22:15:00")}, "11,12,13,14"},
		{"-te", Query{End: ts("2023-11-14 22:13:20")}, "10"},
		{"-ts -te to the second", Query{Start: ts("2023-11-14 22:15:00"), End: ts("2023-11-14 23:13:20")}, "11,12"},
		{"ANDed", Query{AnyUID: SetInt(1000), Success: SuccessNo}, "11"},
		{"ANDed across records", Query{Types: []uint32{abi.AUDIT_PATH}, Key: "exec"}, "10"},
		{"ANDed, none", Query{PID: SetInt(200), Exit: SetInt(-13)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := serials(t, tc.q); got != tc.want {
				t.Errorf("got events %q, want %q", got, tc.want)
			}
		})
	}
}

func TestChainContains(t *testing.T) {
	for _, tc := range []struct {
		v    string
		id   uint64
		want bool
	}{
		{"4,^2,^1", 4, true}, {"4,^2,^1", 2, true}, {"4,^2,^1", 1, true}, {"4,^2,^1", 3, false},
		{"2,^1,3,^1", 3, true}, {"123^456,789", 456, true}, {"123^456,789", 12, false},
		{"-1", 1<<64 - 1, true}, {"-1", 1, false}, {"18446744073709551614", 1<<64 - 2, true},
		{"", 0, false}, {"x,^y", 0, false},
	} {
		if got := ChainContains([]byte(tc.v), tc.id); got != tc.want {
			t.Errorf("ChainContains(%q, %d) = %v", tc.v, tc.id, got)
		}
	}
}

func TestParsers(t *testing.T) {
	if n, err := ParseExit("EACCES"); err != nil || n != -13 {
		t.Errorf("ParseExit(EACCES) = %d, %v", n, err)
	}
	if n, err := ParseExit("-2"); err != nil || n != -2 {
		t.Errorf("ParseExit(-2) = %d, %v", n, err)
	}
	if _, err := ParseExit("EWHAT"); err == nil {
		t.Error("ParseExit(EWHAT) succeeded")
	}
	if n, err := ParseSyscall("openat", HostArch()); err != nil || n == 0 {
		t.Errorf("ParseSyscall(openat) = %d, %v", n, err)
	}
	if _, err := ParseSyscall("nosuchcall", HostArch()); err == nil {
		t.Error("ParseSyscall(nosuchcall) succeeded")
	}
	if n, err := ParseUser("root"); err != nil || n != 0 {
		t.Errorf("ParseUser(root) = %d, %v", n, err)
	}
	if n, err := ParseUser("-1"); err != nil || n != 4294967295 {
		t.Errorf("ParseUser(-1) = %d, %v", n, err)
	}
	if types, names, err := ParseMessageTypes("SYSCALL,1309,CONTAINER_ID"); err != nil || len(types) != 3 || len(names) != 0 {
		t.Errorf("ParseMessageTypes = %v %v %v", types, names, err)
	}
	if types, names, err := ParseMessageTypes("all"); err != nil || types != nil || names != nil {
		t.Errorf("ParseMessageTypes(all) = %v %v %v", types, names, err)
	}
	if _, _, err := ParseMessageTypes("BOGUS"); err == nil {
		t.Error("ParseMessageTypes(BOGUS) succeeded")
	}
	if s, err := ParseSuccess("no"); err != nil || s != SuccessNo {
		t.Errorf("ParseSuccess(no) = %d %v", s, err)
	}
	if f, err := ParseFormat("csv"); err != nil || f != FormatCSV {
		t.Errorf("ParseFormat(csv) = %v %v", f, err)
	}
	if _, err := ParseFormat("pretty"); err == nil {
		t.Error("ParseFormat(pretty) succeeded")
	}
}

// TestMatcherRecordAllocs guards the promise that matching allocates
// nothing.
func TestMatcherRecordAllocs(t *testing.T) {
	m := NewMatcher(Query{Types: []uint32{1300}, AnyUID: SetInt(1000), Exe: "ls", Syscall: SetInt(59), Key: "x",
		Success: SuccessYes, File: "/etc", ContID: SetInt(2), Node: "n"})
	var p recParser
	recs := p.parse(t, events)
	if n := testing.AllocsPerRun(100, func() {
		for _, r := range recs {
			m.Record(r)
		}
	}); n != 0 {
		t.Errorf("Matcher.Record allocates %v times per run", n)
	}
}
