package proctable

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

var stormN = flag.Int("storm", 5000, "children in the fork/exec storm tests")

// storm runs n /bin/true from one busybox shell (the loop and the test
// are builtins, so every child is one fork+exec+exit) and returns the
// shell's pid and how long it took.
func storm(t *testing.T, n int) (int32, time.Duration) {
	return stormOf(t, n, "/bin/true")
}

func stormCmd(t *testing.T, n int, body string) *exec.Cmd {
	t.Helper()
	busybox := kerneltest.RequireCommand(t, "busybox")
	script := "i=0; while [ $i -lt " + strconv.Itoa(n) + " ]; do " + body + "; i=$((i+1)); done"
	return exec.Command(busybox, "sh", "-c", script)
}

func stormOf(t *testing.T, n int, body string) (int32, time.Duration) {
	t.Helper()
	cmd := stormCmd(t, n, body)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("storm: %v", err)
	}
	return int32(cmd.Process.Pid), time.Since(start)
}

type stormCount struct {
	children, forkSeen, estimated, inferred, exitSeen, exitInferred, live int
}

func countChildren(tb *Table, sh int32) stormCount {
	var c stormCount
	tb.Walk(func(p *Process) bool {
		if p.Parent.PID != sh {
			return true
		}
		c.children++
		if p.Flags&ForkSeen != 0 {
			c.forkSeen++
		}
		if p.Flags&StartEstimated != 0 {
			c.estimated++
		}
		if p.Flags&ForkInferred != 0 {
			c.inferred++
		}
		switch {
		case !p.Exited():
			c.live++
		case p.Flags&ExitInferred != 0:
			c.exitInferred++
		default:
			c.exitSeen++
		}
		return true
	})
	return c
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(b) }

// Other work on the host exits too: the storm tests keep every exited
// process.
func TestKernelStorm(t *testing.T) { eachSource(t, Config{RetainExited: 1 << 20}, testStorm) }

func testStorm(t *testing.T, cfg Config) {
	n := *stormN
	if testing.Short() {
		n = 500
	}
	tb := openKernel(t, cfg, true)
	sh, took := storm(t, n)
	syncStart := time.Now()
	if err := tb.Sync(); err != nil {
		t.Fatal(err)
	}
	lag := time.Since(syncStart)
	c := countChildren(tb, sh)
	s := tb.Stats()
	t.Logf("storm of %d /bin/true in %v (%.0f/s): FORK seen %.2f%%, exit seen %.2f%%, gone before /proc read %.2f%%, "+
		"found by rescan %d, still live %d; lost-event overflows %d (%d events dropped), rescans %d; final Sync %v",
		n, took.Round(time.Millisecond), float64(n)/took.Seconds(), pct(c.forkSeen, n), pct(c.exitSeen, n),
		pct(c.estimated, n), c.inferred, c.live, s.LostEvents, s.DroppedEvents, s.Rescans, lag.Round(time.Microsecond))
	if c.live != 0 {
		t.Errorf("%d of the storm's children still live in the table", c.live)
	}
	if s.LostEvents == 0 && (c.children != n || c.forkSeen != n || c.exitSeen != n) {
		t.Errorf("no events lost, yet %+v of %d", c, n)
	}
	if c.children < n {
		t.Errorf("only %d of %d children known", c.children, n)
	}
}

// TestKernelForkStorm runs subshells, forks without exec, from two shells
// at once: the highest event rate this package's tests reach on a small VM.
func TestKernelForkStorm(t *testing.T) { eachSource(t, Config{RetainExited: 1 << 20}, testForkStorm) }

func testForkStorm(t *testing.T, cfg Config) {
	n := *stormN
	if testing.Short() {
		n = 500
	}
	tb := openKernel(t, cfg, true)
	cmds := []*exec.Cmd{stormCmd(t, n, "( : )"), stormCmd(t, n, "( : )")}
	shells := make([]int32, len(cmds))
	start := time.Now()
	for i, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		shells[i] = int32(cmd.Process.Pid)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("fork storm: %v", err)
		}
	}
	took := time.Since(start)
	if err := tb.Sync(); err != nil {
		t.Fatal(err)
	}
	var all stormCount
	for _, sh := range shells {
		c := countChildren(tb, sh)
		all.children += c.children
		all.forkSeen += c.forkSeen
		all.exitSeen += c.exitSeen
		all.estimated += c.estimated
		all.live += c.live
	}
	s := tb.Stats()
	total := 2 * n
	t.Logf("fork storm of 2x%d subshells in %v (%.0f forks/s): FORK seen %.2f%%, exit seen %.2f%%, gone before /proc read %.2f%%, still live %d; overflows %d (%d events dropped)",
		n, took.Round(time.Millisecond), float64(total)/took.Seconds(), pct(all.forkSeen, total), pct(all.exitSeen, total),
		pct(all.estimated, total), all.live, s.LostEvents, s.DroppedEvents)
	if all.live != 0 || all.children < total {
		t.Errorf("%+v of %d", all, total)
	}
}

// TestKernelLostEventsRecovery forces a loss, ENOBUFS with the smallest
// receive buffer or a full one-page ring, with no reader during a storm,
// then checks that one Sync counts the loss, rescans, and leaves the table
// agreeing with /proc.
func TestKernelLostEventsRecovery(t *testing.T) {
	eachSource(t, Config{ReceiveBuffer: 1, RingSize: os.Getpagesize(), RetainExited: 1 << 20}, testLostEventsRecovery)
}

func testLostEventsRecovery(t *testing.T, cfg Config) {
	n := *stormN / 5
	if testing.Short() {
		n = 200
	}
	tb := openKernel(t, cfg, false)
	sh, _ := storm(t, n)
	// With the queue full, these children's events are dropped too; each
	// prints a time inside its life, the stamp its audit records carry.
	type run struct {
		pid int32
		at  time.Time
	}
	var lost []run
	for range 20 {
		cmd := exec.Command("/bin/date", "+%s%N")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		ns, _ := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		lost = append(lost, run{int32(cmd.Process.Pid), time.Unix(0, ns)})
	}
	syncStart := time.Now()
	if err := tb.Sync(); err != nil {
		t.Fatal(err)
	}
	recovery := time.Since(syncStart)
	// Records of processes whose whole life fell in the gap still
	// resolve, through the record's ppid.
	self, _ := tb.Lookup(int32(os.Getpid()))
	inferred := 0
	for _, r := range lost {
		id, ok := tb.Attribute(r.pid, self.ID.PID, r.at)
		p, _ := tb.Get(id)
		if !ok || id.PID != r.pid || p.Parent != self.ID || !p.Exited() {
			t.Errorf("record of lost child %d: %v %v %+v", r.pid, id, ok, p)
		}
		if p.Flags&ForkInferred != 0 {
			inferred++
		}
	}
	t.Logf("%d of %d children started during the overflow were known only through Attribute's inference", inferred, len(lost))
	s := tb.Stats()
	c := countChildren(tb, sh)
	t.Logf("%d children with a tiny buffer: overflows %d (%d events dropped), rescans %d, buffer grown to %d, recovery Sync %v; children known %d (FORK seen %d), live %d",
		n, s.LostEvents, s.DroppedEvents, s.Rescans, s.ReceiveBuffer, recovery.Round(time.Microsecond), c.children, c.forkSeen, c.live)
	if s.LostEvents == 0 || s.Rescans == 0 {
		t.Fatalf("no overflow forced: %+v", s)
	}
	if p, ok := tb.Lookup(sh); ok && p.ID.StartTime != 0 {
		if _, err := os.Stat("/proc/" + strconv.Itoa(int(sh))); err != nil {
			t.Errorf("exited storm shell still live: %+v", p)
		}
	}
	if c.live != 0 {
		t.Errorf("%d storm children live after recovery", c.live)
	}
	// With a normal buffer again, the table agrees with /proc, up to
	// processes that came or went between the walks (other work runs on
	// this host). A page of ring holds what a quiet host does between
	// two walks.
	if cfg.Events == EventsConnector {
		if err := tb.setReceiveBuffer(16 << 20); err != nil {
			t.Fatal(err)
		}
	}
	for try := 0; ; try++ {
		bad := diffWithProc(t, tb)
		if len(bad) == 0 {
			break
		}
		if try == 5 {
			t.Fatalf("table and /proc disagree: %v", bad)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// diffWithProc walks /proc, Syncs, and reports processes that existed
// before the Sync and still exist but are not in the table, and live
// table entries that are gone from /proc even after another Sync.
func diffWithProc(t *testing.T, tb *Table) []string {
	t.Helper()
	r, err := newProcReader("/proc")
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	pids, _ := r.list(nil)
	var info procInfo
	before := map[ProcID]string{}
	for _, pid := range pids {
		if r.read(pid, &info, 0, 0, readAll) == nil && !info.dead() {
			before[ProcID{pid, info.start}] = string(info.comm)
		}
	}
	if err := tb.Sync(); err != nil {
		t.Fatal(err)
	}
	var bad []string
	for id, comm := range before {
		if _, ok := tb.Get(id); !ok && r.read(id.PID, &info, id.StartTime, 0, readAll) == nil {
			bad = append(bad, "missing "+id.String()+" "+comm)
		}
	}
	var stale []ProcID
	tb.Walk(func(p *Process) bool {
		if !p.Exited() && r.read(p.ID.PID, &info, p.ID.StartTime, startSlack, readAll) != nil {
			stale = append(stale, p.ID)
		}
		return true
	})
	if err := tb.Sync(); err != nil {
		t.Fatal(err)
	}
	for _, id := range stale {
		if p, ok := tb.Get(id); ok && !p.Exited() {
			bad = append(bad, fmt.Sprintf("stale %+v", p))
		}
	}
	return bad
}
