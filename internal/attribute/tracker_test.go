package attribute

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/control"
	"github.com/contaudit/contaudit/internal/kerneltest"
)

func TestFieldInt(t *testing.T) {
	for _, tc := range []struct {
		rec, key string
		want     int32
	}{
		{"audit(1.2:3): arch=c000003e syscall=59 ppid=10 pid=11 auid=0", " pid=", 11},
		{"audit(1.2:3): arch=c000003e syscall=59 ppid=10 pid=11 auid=0", " ppid=", 10},
		{"audit(1.2:3): opid=42 oauid=0", " opid=", 42},
		{"audit(1.2:3): pid=7 uid=0 msg='op=x pid=9'", " pid=", 7},
		{"audit(1.2:3): uid=0 msg='pid=9'", " pid=", 0},
		{"audit(1.2:3): ppid=10 pid=", " pid=", 0},
		{"audit(1.2:3): pid=99999999999", " pid=", 0},
		{"", " pid=", 0},
	} {
		if got := fieldInt([]byte(tc.rec), tc.key); got != tc.want {
			t.Errorf("fieldInt(%q, %q) = %d, want %d", tc.rec, tc.key, got, tc.want)
		}
	}
}

func TestSyscallPIDs(t *testing.T) {
	for _, tc := range []struct {
		rec       string
		pid, ppid int32
	}{
		{"audit(1.2:3): arch=c000003e syscall=59 items=2 ppid=10 pid=11 auid=0 comm=\"pid=5\"", 11, 10},
		{"audit(1.2:3): ppid=10 pid=11", 11, 10},
		{"audit(1.2:3): pid=11 ppid=10", 11, 10},
		{"audit(1.2:3): arch=c000003e syscall=59 pid=11", 11, 0},
		{"audit(1.2:3): opid=4 xppid=3", 0, 0},
		{"pid=", 0, 0},
	} {
		pid, ppid := syscallPIDs([]byte(tc.rec))
		if pid != tc.pid || ppid != tc.ppid {
			t.Errorf("syscallPIDs(%q) = %d, %d; want %d, %d", tc.rec, pid, ppid, tc.pid, tc.ppid)
		}
	}
}

func TestStamp(t *testing.T) {
	rec := []byte("audit(1606404280.226:174542): arch=c000003e")
	at, n, ok := parseStamp(rec)
	if !ok || at.Unix() != 1606404280 || at.Nanosecond() != 226e6 || string(rec[:n]) != "audit(1606404280.226:174542): " {
		t.Fatalf("parseStamp = %v %d %v", at, n, ok)
	}
	if got := string(stampPrefix(rec)); got != "audit(1606404280.226:174542): " {
		t.Fatalf("stampPrefix = %q", got)
	}
	for _, bad := range []string{"audit(x", "audit(1.2", "audit(1.2:3", "audit(1.2:3)", "audit(1:3): ", "audit(1.2x3): "} {
		if _, _, ok := parseStamp([]byte(bad)); ok {
			t.Errorf("parseStamp accepted %q", bad)
		}
	}
}

// syscallPIDsByScan is what syscallPIDs must read, written naively as
// an oracle: the first " pid=" and " ppid=" fields, byte by byte, where
// a field whose value does not parse (0) leaves the next one its chance.
func syscallPIDsByScan(rec []byte) (pid, ppid int32) {
	for k := 1; k < len(rec) && (pid == 0 || ppid == 0); k++ {
		if rec[k-1] != ' ' {
			continue
		}
		rest := string(rec[k:])
		if pid == 0 && strings.HasPrefix(rest, "pid=") {
			pid, _ = leadingInt(rec[k+4:])
		} else if ppid == 0 && strings.HasPrefix(rest, "ppid=") {
			ppid, _ = leadingInt(rec[k+5:])
		}
	}
	return pid, ppid
}

// FuzzFieldInt: record text from the kernel or a user message must never
// make the attribution path panic or read a negative PID; syscallPIDs's
// shortcut reads what a plain scan reads, and parseStamp's prefix is
// stampPrefix's.
func FuzzFieldInt(f *testing.F) {
	f.Add([]byte("audit(1.2:3): ppid=10 pid=11"), " pid=")
	f.Add([]byte("audit(1.2:3): opid=42"), " opid=")
	f.Add([]byte("): pid="), " pid=")
	f.Add([]byte("audit(1.2:3): ppid=10 pid=0 pid=12 ppid=3"), " pid=")
	f.Add([]byte("audit(1.2:3): ppid=99999999999 pid=5"), " ppid=")
	f.Fuzz(func(t *testing.T, rec []byte, key string) {
		if len(key) < 2 || key[0] != ' ' {
			return
		}
		if n := fieldInt(rec, key); n < 0 {
			t.Fatalf("negative %d", n)
		}
		pid, ppid := syscallPIDs(rec)
		if pid < 0 || ppid < 0 {
			t.Fatalf("negative %d %d", pid, ppid)
		}
		if wp, wpp := syscallPIDsByScan(rec); pid != wp || ppid != wpp {
			t.Fatalf("syscallPIDs(%q) = %d, %d; a plain scan reads %d, %d", rec, pid, ppid, wp, wpp)
		}
		if _, n, ok := parseStamp(rec); ok && string(rec[:n]) != string(stampPrefix(rec)) {
			t.Fatalf("parseStamp(%q) prefix %q, stampPrefix %q", rec, rec[:n], stampPrefix(rec))
		}
	})
}

// openTracker runs a tracker on the real proc connector with a control
// socket and state file in a temporary directory.
func openTracker(t *testing.T) (*Tracker, *[]contid.OpRecord) {
	t.Helper()
	kerneltest.RequireRoot(t)
	dir := t.TempDir()
	var mu sync.Mutex
	var ops []contid.OpRecord
	tr, err := Open(Config{
		Socket: filepath.Join(dir, "control.sock"), SocketMode: 0o600, SocketGID: -1,
		StateFile: filepath.Join(dir, "contid.json"),
		ExitGrace: 200 * time.Millisecond,
		Ops: func(r contid.OpRecord) {
			mu.Lock()
			ops = append(ops, r)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.Start(t.Context())
	t.Cleanup(func() { tr.Close() })
	return tr, &ops
}

// advanceUntil drives the daemon's loop (Sync, then Advance) until done
// holds, failing with msg after 5 s.
func advanceUntil(t *testing.T, tr *Tracker, done func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		tr.Sync()
		tr.Advance(time.Now())
		if done() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func self(t *testing.T, tr *Tracker, pid int) contid.ProcID {
	t.Helper()
	tr.Sync()
	p, ok := tr.table.Lookup(int32(pid))
	if !ok {
		t.Fatalf("pid %d not in the process table", pid)
	}
	return contid.ProcID(p.ID)
}

func TestAnnotate(t *testing.T) {
	tr, ops := openTracker(t)
	ctr := exec.Command("sleep", "30")
	if err := ctr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctr.Process.Kill(); ctr.Wait() })
	host := exec.Command("sleep", "30")
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Process.Kill(); host.Wait() })

	w := contid.Writer{Proc: self(t, tr, os.Getpid()), CanSetContid: true}
	target := self(t, tr, ctr.Process.Pid)
	if _, err := tr.backend.Set(w, target, control.SetOp{Contid: 77}); err != nil {
		t.Fatal(err)
	}
	if len(*ops) != 1 || !(*ops)[0].Success() {
		t.Fatalf("CONTAINER_OP records %v", *ops)
	}
	// The state file follows every change.
	if b, err := os.ReadFile(tr.cfg.StateFile); err != nil || !strings.Contains(string(b), `"77"`) {
		t.Fatalf("state file %q %v", b, err)
	}

	now := time.Now()
	stamp := fmt.Sprintf("audit(%d.%03d:99): ", now.Unix(), now.Nanosecond()/1e6)
	// A kill(2) by the host process of the container's: the SYSCALL is
	// the host's, the OBJ_PID the container's.
	types := []uint32{abi.AUDIT_SYSCALL, abi.AUDIT_OBJ_PID, abi.AUDIT_PROCTITLE}
	recs := [][]byte{
		fmt.Appendf(nil, "%sarch=c000003e syscall=62 success=yes exit=0 ppid=%d pid=%d auid=0 key=(null)", stamp, os.Getpid(), host.Process.Pid),
		fmt.Appendf(nil, "%sopid=%d oauid=0 ouid=0 oses=1 ocomm=\"sleep\"", stamp, ctr.Process.Pid),
		[]byte(stamp + "proctitle=6B696C6C"),
	}
	orig := recs[1]
	gotT, gotR, subject := tr.Annotate(types, recs)
	if subject.PID != int32(host.Process.Pid) {
		t.Fatalf("subject %v, want the host process %d", subject, host.Process.Pid)
	}
	// CONTAINER_ID goes before the PROCTITLE that ends the event in a log.
	if len(gotR) != 4 || gotT[2] != abi.AUDIT_CONTAINER_ID || gotT[3] != abi.AUDIT_PROCTITLE {
		t.Fatalf("annotated event %q", gotR)
	}
	if want := string(orig) + " record=2"; string(gotR[1]) != want {
		t.Fatalf("OBJ_PID %q, want %q", gotR[1], want)
	}
	if want := stamp + "record=2 contid=77"; string(gotR[2]) != want {
		t.Fatalf("CONTAINER_ID %q, want %q", gotR[2], want)
	}
	if string(recs[1]) != string(orig) || len(recs) != 3 {
		t.Fatal("Annotate changed the caller's slices")
	}
	// Later events reuse the memory of the first: a stamped event costs
	// no allocation, and the result is the same.
	allocs := testing.AllocsPerRun(20, func() { gotT, gotR, _ = tr.Annotate(types, recs) })
	if len(gotR) != 4 || string(gotR[2]) != stamp+"record=2 contid=77" || string(gotR[1]) != string(orig)+" record=2" || gotT[2] != abi.AUDIT_CONTAINER_ID {
		t.Fatalf("annotated again: %q", gotR)
	}
	if allocs > 0 {
		t.Errorf("%.1f allocations per annotated event", allocs)
	}
	// Two targets with a contid: each annotated record is marked, and
	// both CONTAINER_ID records go before the PROCTITLE, in order.
	ctrSyscall := fmt.Appendf(nil, "%sarch=c000003e syscall=62 success=yes exit=0 ppid=%d pid=%d auid=0 key=(null)", stamp, os.Getpid(), ctr.Process.Pid)
	gotT, gotR, _ = tr.Annotate(types, [][]byte{ctrSyscall, orig, recs[2]})
	want := []string{string(ctrSyscall) + " record=1", string(orig) + " record=2", stamp + "record=1 contid=77", stamp + "record=2 contid=77", string(recs[2])}
	if fmt.Sprintf("%q", gotR) != fmt.Sprintf("%q", want) || !slices.Equal(gotT, []uint32{abi.AUDIT_SYSCALL, abi.AUDIT_OBJ_PID, abi.AUDIT_CONTAINER_ID, abi.AUDIT_CONTAINER_ID, abi.AUDIT_PROCTITLE}) {
		t.Fatalf("two targets: %v %q, want %q", gotT, gotR, want)
	}
	// A record alone is its own target; one that is also the closing
	// PROCTITLE keeps its place at the end.
	for _, typ := range []uint32{abi.AUDIT_USER, abi.AUDIT_PROCTITLE} {
		lone := fmt.Appendf(nil, "%spid=%d uid=0 msg='x'", stamp, ctr.Process.Pid)
		gotT, gotR, _ = tr.Annotate([]uint32{typ}, [][]byte{lone})
		want := []string{string(lone) + " record=1", stamp + "record=1 contid=77"}
		wantT := []uint32{typ, abi.AUDIT_CONTAINER_ID}
		if typ == abi.AUDIT_PROCTITLE {
			want[0], want[1] = want[1], want[0]
			wantT[0], wantT[1] = wantT[1], wantT[0]
		}
		if fmt.Sprintf("%q", gotR) != fmt.Sprintf("%q", want) || !slices.Equal(gotT, wantT) {
			t.Fatalf("a lone %d record: %v %q, want %v %q", typ, gotT, gotR, wantT, want)
		}
	}
	if !tr.Member(target, 77) || tr.Member(subject, 77) || !tr.Member(subject, uint64(contid.Unset)) {
		t.Fatal("Member disagrees with the registry")
	}

	// A host event is returned as it came, without copies.
	hostRecs := [][]byte{fmt.Appendf(nil, "%sarch=c000003e syscall=59 ppid=%d pid=%d", stamp, os.Getpid(), host.Process.Pid)}
	_, r2, _ := tr.Annotate([]uint32{abi.AUDIT_SYSCALL}, hostRecs)
	if &r2[0][0] != &hostRecs[0][0] || len(r2) != 1 {
		t.Fatal("a host event was copied or annotated")
	}

	// The exit reaches the registry after the grace period; the drop
	// is recorded then.
	ctr.Process.Kill()
	ctr.Wait()
	advanceUntil(t, tr, func() bool { return tr.LiveContids() == 0 }, "contid not dropped after its only holder exited")
	last := (*ops)[len(*ops)-1]
	if last.Op != contid.OpDrop || last.OldContid != 77 {
		t.Fatalf("last CONTAINER_OP %s", last.String())
	}
}

// An exited process keeps its contid until the audit stream has passed
// its exit: its last records arrive after the proc connector's EXIT.
func TestExitWaitsForAuditStream(t *testing.T) {
	tr, _ := openTracker(t)
	tr.cfg.ExitGrace = time.Hour
	ctr := exec.Command("sleep", "30")
	if err := ctr.Start(); err != nil {
		t.Fatal(err)
	}
	w := contid.Writer{Proc: self(t, tr, os.Getpid()), CanSetContid: true}
	target := self(t, tr, ctr.Process.Pid)
	if _, err := tr.backend.Set(w, target, control.SetOp{Contid: 5}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	before := time.Now()
	ctr.Process.Kill()
	ctr.Wait()
	time.Sleep(50 * time.Millisecond)
	tr.Sync()
	// A record stamped before the exit, read after it.
	rec := fmt.Appendf(nil, "audit(%d.%03d:1): arch=c000003e syscall=231 ppid=%d pid=%d", before.Unix(), before.Nanosecond()/1e6, os.Getpid(), ctr.Process.Pid)
	tr.Advance(time.Now())
	_, recs, _ := tr.Annotate([]uint32{abi.AUDIT_SYSCALL}, [][]byte{rec})
	if len(recs) != 2 || !strings.HasSuffix(string(recs[1]), "record=1 contid=5") {
		t.Fatalf("record from before the exit not annotated: %q", recs)
	}
	if tr.LiveContids() != 1 {
		t.Fatal("contid dropped before the audit stream passed the exit")
	}
	// A record stamped after the exit moves the audit clock past it.
	later := time.Now().Add(time.Second)
	tr.Annotate([]uint32{abi.AUDIT_SYSCALL}, [][]byte{fmt.Appendf(nil, "audit(%d.%03d:2): pid=1", later.Unix(), later.Nanosecond()/1e6)})
	tr.Advance(time.Now())
	if tr.LiveContids() != 0 {
		t.Fatal("contid kept after the audit stream passed the exit")
	}
}

// The exit of a process without a contid reaches the registry while
// someone holds a delegation: a delegated process's capcontid goes with
// it.
func TestDelegationGoesWithItsProcess(t *testing.T) {
	tr, _ := openTracker(t)
	orch := exec.Command("sleep", "30")
	if err := orch.Start(); err != nil {
		t.Fatal(err)
	}
	w := contid.Writer{Proc: self(t, tr, os.Getpid()), CanSetContid: true}
	target := self(t, tr, orch.Process.Pid)
	if err := tr.backend.SetCapcontid(w, target, true); err != nil {
		t.Fatal(err)
	}
	orch.Process.Kill()
	orch.Wait()
	advanceUntil(t, tr, func() bool {
		var held bool
		tr.backend.Do(func(r *contid.Registry) { held = r.HasCapcontid(target) })
		return !held
	}, "the delegation outlived its process")
}

// A holder's child whose fork the process table still holds back (see
// proctable.Config.FoldShortLived) keeps the contid when the holder exits
// meanwhile, whether the exit comes in the next drain or in the fork's
// own: the registry hears of the fork before the exit, and drops the
// contid only when the child exits too.
func TestHeldForkKeepsContid(t *testing.T) {
	for _, drain := range []bool{true, false} {
		t.Run(fmt.Sprintf("drain-between=%v", drain), func(t *testing.T) { heldForkKeepsContid(t, drain) })
	}
}

func heldForkKeepsContid(t *testing.T, drainBetween bool) {
	tr, ops := openTracker(t)
	// Exits are due at once, as when the audit stream has passed them:
	// no grace period hides a fork reported after its holder's exit.
	tr.cfg.ExitGrace = time.Nanosecond
	sh := exec.Command("sh", "-c", "read x; sleep 1 & read y")
	in, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sh.Process.Kill(); sh.Wait() })
	w := contid.Writer{Proc: self(t, tr, os.Getpid()), CanSetContid: true}
	if _, err := tr.backend.Set(w, self(t, tr, sh.Process.Pid), control.SetOp{Contid: 78}); err != nil {
		t.Fatal(err)
	}
	io.WriteString(in, "go\n")
	children := fmt.Sprintf("/proc/%d/task/%d/children", sh.Process.Pid, sh.Process.Pid)
	var kid int
	for deadline := time.Now().Add(5 * time.Second); kid == 0; time.Sleep(5 * time.Millisecond) {
		if b, _ := os.ReadFile(children); len(b) > 0 {
			fmt.Sscan(string(b), &kid)
		}
		if time.Now().After(deadline) {
			t.Fatal("sh started no child")
		}
	}
	t.Cleanup(func() { syscall.Kill(kid, syscall.SIGKILL) })
	if drainBetween {
		tr.Sync() // applies the child's fork, and holds it back
	}
	in.Close()
	sh.Wait()
	// The holder's exit is due while the child sleeps on: the contid
	// stays.
	for end := time.Now().Add(600 * time.Millisecond); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		tr.Sync()
		tr.Advance(time.Now())
		if tr.LiveContids() != 1 {
			t.Fatalf("contid dropped while the holder's child %d lives: %v", kid, *ops)
		}
	}
	advanceUntil(t, tr, func() bool { return tr.LiveContids() == 0 }, "contid not dropped after its last holder exited")
	if last := (*ops)[len(*ops)-1]; last.Op != contid.OpDrop || last.Target.PID != int32(kid) {
		t.Fatalf("last CONTAINER_OP %s, want the drop by %d", last.String(), kid)
	}
}
