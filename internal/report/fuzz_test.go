package report

import (
	"testing"
)

// FuzzExtract: the port of ausearch's text searches never reads out of
// bounds, whatever the record text and type, for every report's items.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		`type=SYSCALL msg=audit(1.2:3): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=0 a2=7 a3=a items=1 ppid=2 pid=3 auid=500 uid=500 gid=500 euid=500 tty=pts0 ses=1 comm="cat" exe="/bin/cat" key=6B310173`,
		`type=PATH msg=audit(1.2:3): item=0 name=2E2F78 inode=4 nametype=PARENT`,
		`type=USER_LOGIN msg=audit(1.2:3): pid=1 uid=0 auid=4294967295 ses=1 msg='op=login acct=28696E76616C696429 exe="/usr/sbin/sshd" hostname=? addr=1.2.3.4 terminal=ssh res=failed'`,
		`type=SOCKADDR msg=audit(1.2:3): saddr=01002F746D70`,
		`type=AVC msg=audit(1.2:3): avc:  denied  { read } for  pid=1 comm="x" path="/a b" tclass=file`,
		`pid= uid= auid= comm=" exe=" res=`,
	} {
		for _, t := range []uint32{typeSyscall, typePath, typeCwd, typeUserLogin, typeSockaddr, typeAVC, typeUserAVC,
			typeLogin, typeDaemonStart, typeDaemonAccept, typeConfigChange, typeNetfilterPkt, typeFeatureChange,
			typeSeccomp, typeAnomAbend, typeAnomPromisc, typeMacPolicyLoad, typeIntegrityData, typeNetfilterCfg, typeTTY, typeAVCPath} {
			f.Add(t, []byte(s))
		}
	}
	wants := []want{
		{filename: true, hostname: true, terminal: true, exe: true, key: true, comm: true},
		{filename: true, hostname: true, terminal: true, exe: true, key: true, comm: true, interpret: true},
		{},
	}
	f.Fuzz(func(t *testing.T, typ uint32, msg []byte) {
		var s items
		for _, w := range wants {
			s.extract([]uint32{typ, typ}, [][]byte{msg, msg}, w)
		}
	})
}
