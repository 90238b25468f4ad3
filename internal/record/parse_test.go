package record

import (
	"bytes"
	"testing"
)

// TestQuirks pins the parse of one line for each quirk real logs hold (see
// ../shared/corpora/README.md), in the golden form of dumpRecord. A line
// with several records is dumped record by record.
func TestQuirks(t *testing.T) {
	for _, tc := range []struct{ name, line, want string }{
		{"node prefix", "node=auditdtest.a1959.org type=PROCTITLE msg=audit(1451781471.394:194433): proctitle=\"bash\"",
			`PROCTITLE(1327) node=auditdtest.a1959.org 1451781471.394:194433
  quoted proctitle "bash"
`},
		{"host prefix", "host=web1 type=CWD msg=audit(1451781471.394:194433):  cwd=\"/\"",
			`CWD(1307) node=web1 1451781471.394:194433 [host-prefix]
  quoted cwd "/"
`},
		{"msg=? without timestamp", "type=UNKNOWN[1329] msg=?",
			`UNKNOWN[1329](1329) [no-timestamp]
`},
		{"no msg= before audit(", "type=SYSCALL audit(1572298453.690:5717): arch=c00000b7 syscall=222 success=yes exit=281129964019712 key=(null)",
			`SYSCALL(1300) 1572298453.690:5717 [no-msg-key]
  unquoted arch "c00000b7"
  unquoted syscall "222"
  unquoted success "yes"
  unquoted exit "281129964019712"
  null key "(null)"
`},
		{"no msg at all", "type=USER pid=1 uid=0 res=success",
			`USER(1005) [no-timestamp]
  unquoted pid "1"
  unquoted uid "0"
  unquoted res "success"
`},
		{"unknown numbered type", "type=UNKNOWN[1327] msg=audit(1563470055.872:7605215): proctitle=2F62696E2F7368002D63",
			`UNKNOWN[1327](1327) 1563470055.872:7605215
  hex proctitle "/bin/sh\x00-c" raw="2F62696E2F7368002D63"
`},
		{"unknown named type", "type=FROBNICATE msg=audit(1.000:1): x=1",
			`FROBNICATE(0) 1.000:1 [unknown-type]
  unquoted x "1"
`},
		{"numeric type", "type=1400 msg=audit(1.000:1): x=1",
			`1400(1400) 1.000:1
  unquoted x "1"
`},
		{"enriched after 0x1D", "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 auid=1000 key=(null)\x1dARCH=x86_64 SYSCALL=execve AUID=\"bui\" SADDR={ saddr_fam=inet laddr=10.0.0.1 lport=53 }",
			`SYSCALL(1300) 1.000:1 [enriched]
  unquoted arch "c000003e"
  unquoted syscall "59"
  unquoted auid "1000"
  null key "(null)"
  E unquoted ARCH "x86_64"
  E unquoted SYSCALL "execve"
  E quoted AUID "bui"
  E unquoted SADDR "{ saddr_fam=inet laddr=10.0.0.1 lport=53 }"
`},
		{"enriched glued to quoted value", "type=SYSCALL msg=audit(1696431255.037:8272): arch=c000003e syscall=59 auid=1000 comm=\"bash\" key=\"susp_shell\"ARCH=x86_64 SYSCALL=execve AUID=\"bui\"",
			`SYSCALL(1300) 1696431255.037:8272 [glued-enriched]
  unquoted arch "c000003e"
  unquoted syscall "59"
  unquoted auid "1000"
  quoted comm "bash"
  quoted key "susp_shell"
  E unquoted ARCH "x86_64"
  E unquoted SYSCALL "execve"
  E quoted AUID "bui"
`},
		{"enriched glued to unquoted value", "type=PATH msg=audit(1696431255.037:8272): item=0 name=\"/bin/bash\" ouid=0 ogid=0 cap_frootid=0OUID=\"root\" OGID=\"root\"",
			`PATH(1302) 1696431255.037:8272 [glued-enriched]
  unquoted item "0"
  quoted name "/bin/bash"
  unquoted ouid "0"
  unquoted ogid "0"
  unquoted cap_frootid "0"
  E quoted OUID "root"
  E quoted OGID "root"
`},
		{"enriched glued to res", "type=ANOM_ABEND msg=audit(1696431282.553:8283): auid=1000 uid=1000 gid=1000 ses=417 sig=11 res=1AUID=\"bui\" UID=\"bui\" GID=\"bui\"",
			`ANOM_ABEND(1701) 1696431282.553:8283 [glued-enriched]
  unquoted auid "1000"
  unquoted uid "1000"
  unquoted gid "1000"
  unquoted ses "417"
  unquoted sig "11"
  unquoted res "1"
  E quoted AUID "bui"
  E quoted UID "bui"
  E quoted GID "bui"
`},
		{"hex exe and key with two rule keys", "type=SYSCALL msg=audit(1515708162.888:124507): arch=c000003e syscall=59 a2=10 exe=2F7573722F62696E2F646F636B6572 key=65786563013634626974",
			`SYSCALL(1300) 1515708162.888:124507
  unquoted arch "c000003e"
  unquoted syscall "59"
  unquoted a2 "10"
  hex exe "/usr/bin/docker" raw="2F7573722F62696E2F646F636B6572"
  hex key "exec\x0164bit" raw="65786563013634626974"
  keys ["exec" "64bit"]
`},
		{"hex name cwd", "type=CWD msg=audit(1500661699.656:1208725):  cwd=2F746D702F6120622063",
			`CWD(1307) 1500661699.656:1208725
  hex cwd "/tmp/a b c" raw="2F746D702F6120622063"
`},
		{"hex cmd inside msg", "type=USER_CMD msg=audit(1623701789.269:26455408): pid=24552 uid=1000 auid=1000 ses=18162 msg='cwd=\"/home/user\" cmd=6563686F2074657374 terminal=pts/2 res=success'",
			`USER_CMD(1123) 1623701789.269:26455408
  unquoted pid "24552"
  unquoted uid "1000"
  unquoted auid "1000"
  unquoted ses "18162"
  single-quoted msg "cwd=\"/home/user\" cmd=6563686F2074657374 terminal=pts/2 res=success"
    quoted cwd "/home/user"
    hex cmd "echo test" raw="6563686F2074657374"
    unquoted terminal "pts/2"
    unquoted res "success"
`},
		{"hex acct inside msg", "type=USER_LOGIN msg=audit(1492896301.818:19955): pid=12635 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=28696E76616C6964207573657229 exe=\"/usr/sbin/sshd\" hostname=? addr=179.38.151.221 terminal=sshd res=failed'",
			`USER_LOGIN(1112) 1492896301.818:19955
  unquoted pid "12635"
  unquoted uid "0"
  unquoted auid "4294967295"
  unquoted ses "4294967295"
  single-quoted msg "op=login acct=28696E76616C6964207573657229 exe=\"/usr/sbin/sshd\" hostname=? addr=179.38.151.221 terminal=sshd res=failed"
    unquoted op "login"
    hex acct "(invalid user)" raw="28696E76616C6964207573657229"
    quoted exe "/usr/sbin/sshd"
    unquoted hostname "?"
    unquoted addr "179.38.151.221"
    unquoted terminal "sshd"
    unquoted res "failed"
`},
		{"hex tty data", "type=USER_TTY msg=audit(1491922681.082:1065050): pid=28058 uid=0 auid=1000 ses=762 data=7375202D20616E647265775F6B726F68",
			`USER_TTY(1124) 1491922681.082:1065050
  unquoted pid "28058"
  unquoted uid "0"
  unquoted auid "1000"
  unquoted ses "762"
  hex data "su - andrew_kroh" raw="7375202D20616E647265775F6B726F68"
`},
		{"execve hex and chunk", "type=EXECVE msg=audit(1.000:2): argc=3 a0=\"logger\" a1=7A667320 a2_len=4 a2[0]=6869",
			`EXECVE(1309) 1.000:2
  unquoted argc "3"
  quoted a0 "logger"
  hex a1 "zfs " raw="7A667320"
  unquoted a2_len "4"
  hex a2[0] "hi" raw="6869"
`},
		{"serial at wrap", "type=SYSCALL msg=audit(1492037298.883:4294967295): arch=40000003 syscall=42",
			`SYSCALL(1300) 1492037298.883:4294967295
  unquoted arch "40000003"
  unquoted syscall "42"
`},
		{"old daemon record without colon", "type=DAEMON_CONFIG msg=audit(1490239800.477:34) config changed, auid=0 pid=1512 res=success",
			`DAEMON_CONFIG(1203) 1490239800.477:34 [no-colon]
  bare  "config"
  bare  "changed,"
  unquoted auid "0"
  unquoted pid "1512"
  unquoted res "success"
`},
		{"selinux avc words", "type=AVC msg=audit(1170021493.977:293): avc:  denied  { read write } for  pid=13010 comm=\"pickup\" tclass=dir",
			`AVC(1400) 1170021493.977:293
  bare  "avc:"
  bare  "denied"
  bare  "{"
  bare  "read"
  bare  "write"
  bare  "}"
  bare  "for"
  unquoted pid "13010"
  quoted comm "pickup"
  unquoted tclass "dir"
`},
		{"old login words", "type=LOGIN msg=audit(1170021601.343:296): login pid=13015 uid=0 old auid=4294967295 new auid=0",
			`LOGIN(1006) 1170021601.343:296
  bare  "login"
  unquoted pid "13015"
  unquoted uid "0"
  bare  "old"
  unquoted auid "4294967295"
  bare  "new"
  unquoted auid "0"
`},
		{"unterminated msg quote", "type=SERVICE_START msg=audit(1492625990.183:4083): pid=1 uid=0 msg='unit=rsyslog comm=\"systemd\" res=success",
			`SERVICE_START(1130) 1492625990.183:4083 [malformed]
  unquoted pid "1"
  unquoted uid "0"
  single-quoted msg "unit=rsyslog comm=\"systemd\" res=success" raw="'unit=rsyslog comm=\"systemd\" res=success" MALFORMED
    unquoted unit "rsyslog"
    quoted comm "systemd"
    unquoted res "success"
`},
		{"stray quote after value", "type=EXECVE msg=audit(1515708162.888:124507): argc=3 a0=\"docker\" a1=\"inspect\" a2=\"721df12151a7\"'",
			`EXECVE(1309) 1515708162.888:124507 [malformed]
  unquoted argc "3"
  quoted a0 "docker"
  quoted a1 "inspect"
  quoted a2 "721df12151a7" raw="\"721df12151a7\"'" MALFORMED
`},
		{"stray quote ending hex key", "type=SYSCALL msg=audit(1515619721.392:106081): arch=c000003e syscall=59 key=65786563013634626974\"",
			`SYSCALL(1300) 1515619721.392:106081 [malformed]
  unquoted arch "c000003e"
  unquoted syscall "59"
  hex key "exec\x0164bit" raw="65786563013634626974\"" MALFORMED
  keys ["exec" "64bit"]
`},
		{"two records on one line", "type=SYSCALL msg=audit(1.000:7): arch=c000003e key=(null) type=EOE msg=audit(1.000:7):",
			`SYSCALL(1300) 1.000:7 [shared-line]
  unquoted arch "c000003e"
  null key "(null)"
EOE(1320) 1.000:7
`},
		{"two records glued", "node=a type=SYSCALL msg=audit(1.000:7): key=(null)node=a type=PROCTITLE msg=audit(1.000:7): proctitle=\"x\"",
			`SYSCALL(1300) node=a 1.000:7 [shared-line]
  null key "(null)"
PROCTITLE(1327) node=a 1.000:7
  quoted proctitle "x"
`},
		{"empty values", "type=CRYPTO_SESSION msg=audit(1.000:1): pid=1 msg='op=start mac= pfs=x res=success'",
			`CRYPTO_SESSION(2407) 1.000:1
  unquoted pid "1"
  single-quoted msg "op=start mac= pfs=x res=success"
    unquoted op "start"
    unquoted mac ""
    unquoted pfs "x"
    unquoted res "success"
`},
		{"trailing space and CR", "type=EOE msg=audit(1459376866.885:1222763): \r",
			`EOE(1320) 1459376866.885:1222763
`},
		{"second 0x1D is data", "type=EOE msg=audit(1.000:1): x=1\x1dA=1\x1d \x1dB=2",
			`EOE(1320) 1.000:1 [enriched]
  unquoted x "1"
  E unquoted A "1\x1d"
  E bare  "\x1dB=2"
`},
		{"no type", "msg=audit(1.000:1): x=1",
			`ERROR parse record: column 1: record does not start with type=
`},
		{"bad timestamp", "type=SYSCALL msg=audit(1.x:1): x=1",
			`ERROR parse record: column 26: malformed audit(sec.msec:serial) header: milliseconds
`},
		{"empty", "   ",
			`ERROR parse record: empty record
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var (
				p   Parser
				got bytes.Buffer
				raw []byte
			)
			b := []byte(tc.line)
			for {
				rec, rest, err := p.ParseLine(b)
				if (rec == nil) == (err == nil) {
					t.Fatalf("ParseLine returned record %v and error %v", rec, err)
				}
				if err != nil {
					got.WriteString("ERROR " + err.Error() + "\n")
					break
				}
				raw = append(raw, rec.Raw...)
				dumpRecord(&got, rec)
				if len(rest) == 0 {
					if string(raw) != tc.line {
						t.Errorf("Raw of the records is %q, want the line %q", raw, tc.line)
					}
					break
				}
				b = rest
			}
			if got.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got.String(), tc.want)
			}
		})
	}
}
