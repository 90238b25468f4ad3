package attribute

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/control"
)

// BenchmarkAnnotate measures the attribution path per event: the PID
// fields read, the process found at the record's time and the registry
// asked. "host" is an event of a process without a contid (written
// untouched); "container" one that gets a CONTAINER_ID record.
func BenchmarkAnnotate(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root for the proc connector")
	}
	dir := b.TempDir()
	tr, err := Open(Config{Socket: dir + "/c.sock", SocketMode: 0o600, SocketGID: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	ctr := exec.Command("sleep", "60")
	if err := ctr.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { ctr.Process.Kill(); ctr.Wait() }()
	tr.Sync()
	me, _ := tr.table.Lookup(int32(os.Getpid()))
	target, _ := tr.table.Lookup(int32(ctr.Process.Pid))
	w := contid.Writer{Proc: contid.ProcID(me.ID), CanSetContid: true}
	if _, err := tr.backend.Set(w, contid.ProcID(target.ID), control.SetOp{Contid: 4515122123205246976}); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	event := func(pid int) ([]uint32, [][]byte) {
		stamp := fmt.Sprintf("audit(%d.%03d:24287): ", now.Unix(), now.Nanosecond()/1e6)
		return []uint32{abi.AUDIT_SYSCALL, abi.AUDIT_EXECVE, abi.AUDIT_CWD, abi.AUDIT_PATH, abi.AUDIT_PROCTITLE},
			[][]byte{
				fmt.Appendf(nil, `%sarch=c000003e syscall=59 success=yes exit=0 a0=55d0 a1=55d1 a2=55d2 a3=0 items=2 ppid=%d pid=%d auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="true" exe="/usr/bin/true" key="storm"`, stamp, os.Getpid(), pid),
				[]byte(stamp + `argc=1 a0="/bin/true"`),
				[]byte(stamp + `cwd="/root"`),
				[]byte(stamp + `item=0 name="/bin/true" inode=1 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`),
				[]byte(stamp + `proctitle="/bin/true"`),
			}
	}
	for _, bc := range []struct {
		name string
		pid  int
	}{{"host", os.Getpid()}, {"container", ctr.Process.Pid}} {
		types, recs := event(bc.pid)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tr.Annotate(types, recs)
			}
		})
	}
}
