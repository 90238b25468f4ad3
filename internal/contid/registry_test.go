package contid

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
	"golang.org/x/sys/unix"
)

func wantErrno(t *testing.T, err error, want unix.Errno) {
	t.Helper()
	if want == 0 {
		if err != nil {
			t.Fatalf("err = %v, want success", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %s", err, unix.ErrnoName(want))
	}
	var e *Error
	if !errors.As(err, &e) || e.Errno != want {
		t.Fatalf("err = %#v, want *Error with %s", err, unix.ErrnoName(want))
	}
}

// mustSet sets and checks the errno and the attempt's record.
func (w *world) set(t *testing.T, wr Writer, target ProcID, id ID, want unix.Errno) []OpRecord {
	t.Helper()
	oldID, _ := w.reg.Lookup(target)
	recs, err := w.reg.Set(wr, target, id)
	wantErrno(t, err, want)
	if len(recs) == 0 {
		t.Fatal("Set returned no record")
	}
	r := recs[0]
	if r.Op != OpSet || r.Target != target || r.Contid != id || r.OldContid != oldID || r.Writer != wr || r.Err != err {
		t.Fatalf("record %+v does not describe the attempt (target %v id %s old %s err %v)", r, target, id, oldID, err)
	}
	if r.Success() != (err == nil) {
		t.Fatalf("record res=%v, err %v", r.Success(), err)
	}
	if err != nil && len(recs) != 1 {
		t.Fatalf("failed Set returned %d records", len(recs))
	}
	got, _ := w.reg.Lookup(target)
	if err == nil && got != id {
		t.Fatalf("after Set, Lookup = %s, want %s", got, id)
	}
	if err != nil && got != oldID {
		t.Fatalf("failed Set changed the contid from %s to %s", oldID, got)
	}
	checkInvariants(t, w.reg, w.tree)
	return recs
}

func (w *world) lookup(p ProcID) ID {
	id, _ := w.reg.Lookup(p)
	return id
}

// TestKernelTestsuite replays the kernel design's own test
// (audit-testsuite tests/containerid) in pure logic: an orchestrator shell
// running the CLI, and its children.
func TestKernelTestsuite(t *testing.T) {
	w := newWorld(t, Config{})
	shell := w.fork(initProc)
	cli := w.fork(shell) // the CLI the shell runs: the writer is the shell
	wr := priv(shell)
	wr.Via = cli

	const contid ID = 123456
	// Setting one's own contid.
	w.set(t, wr, shell, contid, unix.EXDEV)

	child := w.fork(shell)
	recs := w.set(t, wr, child, contid, 0)
	if got, want := recs[0].String(), `op=set opid=`+pidStr(child)+` contid=123456 old-contid=-1 pid=`+pidStr(shell)+` uid=0 auid=1000 ses=3 comm="runc" exe="/usr/bin/runc" res=1`; got != want {
		t.Errorf("record\n got %s\nwant %s", got, want)
	}
	// Again, with the same value, the unset value, another value.
	recs = w.set(t, wr, child, contid, unix.EEXIST)
	if !strings.HasSuffix(recs[0].String(), "res=0") || !strings.Contains(recs[0].String(), "contid=123456 old-contid=123456") {
		t.Errorf("failed record %s", recs[0].String())
	}
	w.set(t, wr, child, Unset, unix.EINVAL)
	w.set(t, wr, child, contid+1, unix.EEXIST)

	// The owner injects the value into a second process.
	second := w.fork(shell)
	w.set(t, wr, second, contid, 0)

	// A process with children.
	parent := w.fork(shell)
	w.fork(parent)
	w.set(t, wr, parent, contid+2, unix.EBUSY)

	// Children inherit, exec changes nothing, grandchildren too.
	grandchild := w.fork(w.fork(child))
	if got := w.lookup(grandchild); got != contid {
		t.Errorf("grandchild contid %s, want inherited %s", got, contid)
	}
	if got := w.reg.Chain(grandchild); got != "123456" {
		t.Errorf("Chain = %q", got)
	}
}

func pidStr(p ProcID) string { return ID(p.PID).String() }

// TestCheckOrder gives Set requests that fail two checks at once: the
// earlier check in the spec's table must win.
func TestCheckOrder(t *testing.T) {
	type setup struct {
		w      *world
		writer Writer
		target ProcID
		id     ID
	}
	base := func(t *testing.T) *setup {
		w := newWorld(t, Config{MaxDepth: 1, MaxPerOwner: 1})
		orch := w.fork(initProc)
		return &setup{w: w, writer: priv(orch), target: w.fork(orch), id: 7}
	}
	tests := []struct {
		name    string
		arrange func(s *setup)
		want    unix.Errno
	}{
		{"not running, unset value", func(s *setup) { s.w.reg.SetRunning(false); s.id = Unset }, unix.ENOPROTOOPT},
		{"not running, target gone", func(s *setup) { s.w.reg.SetRunning(false); s.w.exit(s.target) }, unix.ENOPROTOOPT},
		{"target gone, unset value", func(s *setup) { s.w.exit(s.target); s.id = Unset }, unix.ESRCH},
		{"writer gone", func(s *setup) { s.w.exit(s.writer.Proc) }, unix.ESRCH},
		{"unset value, no permission", func(s *setup) { s.id = Unset; s.writer = unpriv(s.writer.Proc) }, unix.EINVAL},
		{"no permission, children", func(s *setup) { s.writer = unpriv(s.writer.Proc); s.w.fork(s.target) }, unix.EPERM},
		{"children, not descendant", func(s *setup) { s.target = s.w.fork(initProc); s.w.fork(s.target) }, unix.EBUSY},
		{"threads, not descendant", func(s *setup) {
			// Threads are allowed (the contid is per process), so the
			// next check decides.
			s.target = s.w.fork(initProc)
			s.w.tree.procs[s.target].threads = 2
		}, unix.EXDEV},
		{"threads", func(s *setup) { s.w.tree.procs[s.target].threads = 3 }, 0},
		{"not leader", func(s *setup) { s.w.tree.procs[s.target].leader = false }, unix.EBUSY},
		{"self with other children", func(s *setup) { s.target = s.writer.Proc }, unix.EBUSY},
		{"self, helper only child", func(s *setup) {
			// The orchestrator's only child is the CLI acting for it.
			s.writer.Via = s.target
			s.target = s.writer.Proc
		}, unix.EXDEV},
		{"self, helper not a child", func(s *setup) {
			// A Via that is not the writer's child discounts nothing.
			s.writer.Via = s.w.fork(initProc)
			s.target = s.writer.Proc
		}, unix.EBUSY},
		{"not descendant, has contid", func(s *setup) {
			other := s.w.fork(initProc)
			s.target = s.w.fork(other)
			s.w.set(t, priv(other), s.target, 99, 0)
		}, unix.EXDEV},
		{"has contid, value owned by another", func(s *setup) {
			other := s.w.fork(initProc)
			holder := s.w.fork(other)
			s.w.set(t, priv(other), holder, s.id, 0)
			s.w.set(t, s.writer, s.target, 5, 0)
		}, unix.EEXIST},
		{"owned by another, depth", func(s *setup) {
			other := s.w.fork(initProc)
			s.w.set(t, priv(other), s.w.fork(other), s.id, 0)
		}, unix.ENOTUNIQ},
		{"depth, per owner", func(s *setup) {
			// The orchestrator sits in a contid itself, and owns one.
			host := s.w.fork(initProc)
			orch := s.w.fork(host)
			s.w.set(t, priv(host), orch, 1, 0)
			s.writer = priv(orch)
			s.target = s.w.fork(orch)
			s.w.set(t, s.writer, s.w.fork(orch), 2, unix.EMLINK)
		}, unix.EMLINK},
		{"per owner", func(s *setup) { s.w.set(t, s.writer, s.w.fork(s.writer.Proc), 8, 0) }, unix.ENOSPC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base(t)
			tt.arrange(s)
			s.w.set(t, s.writer, s.target, s.id, tt.want)
		})
	}
}

// nestedWorld starts the spec's example: a host orchestrator (host) that
// gave contid 1 to n1 and delegated capcontid to it.
func nestedWorld(t *testing.T) (w *world, host, n1 ProcID) {
	t.Helper()
	w = newWorld(t, Config{})
	host = w.fork(initProc)
	n1 = w.fork(host)
	w.set(t, priv(host), n1, 1, 0)
	if _, err := w.reg.SetCapcontid(priv(host), n1, true); err != nil {
		t.Fatal(err)
	}
	return w, host, n1
}

// TestNesting builds the spec's example chain 4,^2,^1: a host orchestrator,
// a nested one in container 1 (delegated), and one nested in container 2.
func TestNesting(t *testing.T) {
	w, host, n1 := nestedWorld(t)

	n2 := w.fork(n1) // inherits 1
	w.set(t, unpriv(n1), n2, 2, 0)
	if got := w.reg.Chain(n2); got != "2,^1" {
		t.Fatalf("Chain(n2) = %q", got)
	}
	// The owner of 2 may not nest over its own contid.
	w.set(t, unpriv(n1), n2, 3, unix.EEXIST)
	// Re-delegation inside the subtree.
	if _, err := w.reg.SetCapcontid(unpriv(n1), n2, true); err != nil {
		t.Fatal(err)
	}
	task := w.fork(n2)
	w.set(t, unpriv(n2), task, 4, 0)
	if got := w.reg.Chain(task); got != "4,^2,^1" {
		t.Fatalf("Chain(task) = %q, want 4,^2,^1", got)
	}
	if got := w.reg.ChainOf(task); got.String() != "4,^2,^1" || len(got) != 3 {
		t.Fatalf("ChainOf = %v", got)
	}
	for _, id := range []ID{4, 2, 1} {
		if !w.reg.InChain(task, id) {
			t.Errorf("InChain(task, %s) = false", id)
		}
	}
	if w.reg.InChain(task, 3) || w.reg.InChain(initProc, 1) {
		t.Error("InChain matched outside the chain")
	}

	// A sibling container in 1 and a netns shared by both.
	n3 := w.fork(n1)
	w.set(t, unpriv(n1), n3, 3, 0)
	if got := w.reg.Chains(n2, task, n3, initProc, w.fork(n3)); got != "2,^1,4,^2,^1,3,^1" {
		t.Errorf("Chains = %q", got)
	}
	if got := w.reg.Chains(n2, n3); got != "2,^1,3,^1" {
		t.Errorf("Chains = %q, want 2,^1,3,^1", got)
	}

	// A writer that is not below the owner of the target's contid cannot
	// nest: host owns 1, and is not a descendant of itself.
	other := w.fork(n1) // in 1, owned by host
	w.set(t, priv(host), other, 9, unix.EEXIST)
	// A privileged writer outside the owner's subtree cannot either.
	outsider := w.fork(initProc)
	w.set(t, priv(outsider), other, 9, unix.EXDEV)

	// Nesting needs the owner alive: once it exits, the nested
	// orchestrator is nobody's descendant.
	host2 := w.fork(initProc)
	n := w.fork(host2)
	w.set(t, priv(host2), n, 70, 0)
	if _, err := w.reg.SetCapcontid(priv(host2), n, true); err != nil {
		t.Fatal(err)
	}
	m := w.fork(n)
	w.exit(host2)
	recs := w.set(t, unpriv(n), m, 71, unix.EEXIST)
	if !strings.Contains(recs[0].Err.Error(), "is not a descendant of its owner "+pidStr(host2)) {
		t.Errorf("error %v", recs[0].Err)
	}
}

func TestNestingReleasesOld(t *testing.T) {
	w := newWorld(t, Config{})
	host := w.fork(initProc)
	orch := w.fork(host)
	w.set(t, priv(host), orch, 10, 0)
	// A nested orchestrator that gives a child its own contid, then exits:
	// the child is the last holder of 10 when it moves to 11, but 11 nests
	// in 10, so 10 stays pending until 11 goes.
	child := w.fork(orch)
	w.set(t, priv(orch), child, 11, 0)
	w.exit(orch)
	if got := w.reg.Chain(child); got != "11,^10" {
		t.Fatalf("Chain = %q", got)
	}
	l := w.reg.List()
	if len(l) != 2 || l[0].ID != 10 || len(l[0].Holders) != 0 || l[0].Nested != 1 {
		t.Fatalf("List = %+v", l)
	}
	// Pending: another writer cannot take 10.
	other := w.fork(initProc)
	recs := w.set(t, priv(other), w.fork(other), 10, unix.ENOTUNIQ)
	if !strings.Contains(recs[0].Err.Error(), "not released yet") {
		t.Errorf("error %v", recs[0].Err)
	}
	drops := w.exit(child)
	if got := recStrings(drops); got != "op=drop opid="+pidStr(child)+" contid=-1 old-contid=11|op=drop opid="+pidStr(child)+" contid=-1 old-contid=10" {
		t.Fatalf("drops %s", got)
	}
	checkInvariants(t, w.reg, w.tree)
	w.set(t, priv(other), w.fork(other), 10, 0)

	// A target moved by nesting while it was the only holder: the old
	// contid drops in the same Set.
	w2 := newWorld(t, Config{})
	host = w2.fork(initProc)
	nested := w2.fork(host)
	target := w2.fork(nested)
	w2.set(t, priv(host), target, 20, 0) // injected below nested; nested has none
	recs = w2.set(t, priv(nested), target, 21, 0)
	if got := recStrings(recs[1:]); got != "op=drop opid="+pidStr(target)+" contid=-1 old-contid=20" {
		t.Fatalf("records after set: %s", got)
	}
	// The writer had no contid, so 21 is at the top.
	if got := w2.reg.Chain(target); got != "21" {
		t.Fatalf("Chain = %q", got)
	}
}

func recStrings(recs []OpRecord) string {
	var s []string
	for i := range recs {
		s = append(s, recs[i].String())
	}
	return strings.Join(s, "|")
}

func TestCapcontid(t *testing.T) {
	w := newWorld(t, Config{})
	host := w.fork(initProc)
	deleg := w.fork(host)

	// Unprivileged writers cannot delegate.
	rec, err := w.reg.SetCapcontid(unpriv(host), deleg, true)
	wantErrno(t, err, unix.EPERM)
	if rec.Success() || rec.Op != OpCapcontid {
		t.Fatalf("record %+v", rec)
	}
	// Not to itself, not outside its subtree.
	_, err = w.reg.SetCapcontid(priv(host), host, true)
	wantErrno(t, err, unix.EXDEV)
	_, err = w.reg.SetCapcontid(priv(host), initProc, true)
	wantErrno(t, err, unix.EXDEV)

	rec, err = w.reg.SetCapcontid(priv(host), deleg, true)
	wantErrno(t, err, 0)
	want := "op=capcontid opid=" + pidStr(deleg) + " capcontid=1 old-capcontid=0 pid=" + pidStr(host) + ` uid=0 auid=1000 ses=3 comm="runc" exe="/usr/bin/runc" res=1`
	if got := rec.String(); got != want {
		t.Fatalf("record\n got %s\nwant %s", got, want)
	}

	// The delegated process, without the permission, sets its own child.
	child := w.fork(deleg)
	w.set(t, unpriv(deleg), child, 42, 0)
	// But not outside its subtree.
	w.set(t, unpriv(deleg), w.fork(host), 43, unix.EXDEV)

	// Not inherited: the child's own children are beyond its reach.
	grandchild := w.fork(child)
	if w.reg.HasCapcontid(child) {
		t.Fatal("capcontid inherited on fork")
	}
	w.set(t, unpriv(child), grandchild, 44, unix.EPERM)

	// Withdrawn.
	rec, err = w.reg.SetCapcontid(priv(host), deleg, false)
	wantErrno(t, err, 0)
	if !strings.Contains(rec.String(), "capcontid=0 old-capcontid=1") {
		t.Fatalf("record %s", rec.String())
	}
	w.set(t, unpriv(deleg), w.fork(deleg), 45, unix.EPERM)

	// Exit clears it, and the PID's next process does not get it.
	if _, err := w.reg.SetCapcontid(priv(host), deleg, true); err != nil {
		t.Fatal(err)
	}
	pid := deleg.PID
	w.exit(deleg)
	reused := w.forkPID(host, pid)
	if w.reg.HasCapcontid(reused) || len(w.reg.capcontid) != 0 {
		t.Fatal("capcontid survived exit")
	}
	// Stopped.
	w.reg.SetRunning(false)
	_, err = w.reg.SetCapcontid(priv(host), reused, true)
	wantErrno(t, err, unix.ENOPROTOOPT)
	w.reg.SetRunning(true)
	w.exit(reused)
	_, err = w.reg.SetCapcontid(priv(host), reused, true)
	wantErrno(t, err, unix.ESRCH)
}

func TestGet(t *testing.T) {
	w := newWorld(t, Config{})
	host := w.fork(initProc)
	deleg := w.fork(host)
	child := w.fork(deleg)
	w.set(t, priv(host), child, 5, 0)
	if _, err := w.reg.SetCapcontid(priv(host), deleg, true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		reader Writer
		target ProcID
		want   ID
		errno  unix.Errno
	}{
		{"privileged reads anyone", priv(initProc), child, 5, 0},
		{"privileged reads unset", priv(child), host, Unset, 0},
		{"delegated reads descendant", unpriv(deleg), child, 5, 0},
		{"delegated not itself", unpriv(deleg), deleg, Unset, unix.EXDEV},
		{"delegated not outside", unpriv(deleg), host, Unset, unix.EXDEV},
		{"unprivileged", unpriv(host), child, Unset, unix.EPERM},
		{"gone", priv(host), ProcID{PID: 4242, StartTime: 1}, Unset, unix.ESRCH},
		{"reader gone", priv(ProcID{PID: 4242, StartTime: 1}), host, Unset, unix.ESRCH},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := w.reg.Get(tt.reader, tt.target)
			wantErrno(t, err, tt.errno)
			if got != tt.want {
				t.Errorf("Get = %s, want %s", got, tt.want)
			}
		})
	}
	w.reg.SetRunning(false)
	_, err := w.reg.Get(priv(host), child)
	wantErrno(t, err, unix.ENOPROTOOPT)
}

// TestDropAndReuse: a value is its owner's while any process holds it, and
// free once the last one exits.
func TestDropAndReuse(t *testing.T) {
	w := newWorld(t, Config{})
	a := w.fork(initProc)
	b := w.fork(initProc)
	c1 := w.fork(a)
	w.set(t, priv(a), c1, 77, 0)
	c2 := w.fork(c1) // inherits

	w.set(t, priv(b), w.fork(b), 77, unix.ENOTUNIQ)
	if drops := w.exit(c1); len(drops) != 0 {
		t.Fatalf("drop with a holder left: %s", recStrings(drops))
	}
	w.set(t, priv(b), w.fork(b), 77, unix.ENOTUNIQ)

	drops := w.exit(c2)
	if got, want := recStrings(drops), "op=drop opid="+pidStr(c2)+" contid=-1 old-contid=77"; got != want {
		t.Fatalf("drops %q, want %q", got, want)
	}
	if drops[0].Type() != 2620 {
		t.Errorf("Type = %d", drops[0].Type())
	}
	if w.reg.Exit(c2) != nil {
		t.Error("second Exit dropped again")
	}
	w.set(t, priv(b), w.fork(b), 77, 0)
	if l := w.reg.List(); len(l) != 1 || l[0].Owner != b {
		t.Fatalf("List = %+v", l)
	}
}

// TestOwnerExit: the owner's identity is its ProcID, so once it exits
// nobody injects its value, not even a new process with its PID.
func TestOwnerExit(t *testing.T) {
	w := newWorld(t, Config{})
	owner := w.fork(initProc)
	w.set(t, priv(owner), w.fork(owner), 5, 0)
	pid := owner.PID
	w.exit(owner)
	impostor := w.forkPID(initProc, pid)
	w.set(t, priv(impostor), w.fork(impostor), 5, unix.ENOTUNIQ)
}

func TestLimits(t *testing.T) {
	t.Run("depth", func(t *testing.T) {
		w := newWorld(t, Config{MaxDepth: 2})
		host := w.fork(initProc)
		n1 := w.fork(host)
		w.set(t, priv(host), n1, 1, 0)
		n2 := w.fork(n1)
		w.set(t, priv(n1), n2, 2, 0)
		recs := w.set(t, priv(n2), w.fork(n2), 3, unix.EMLINK)
		if got := recs[0].Err.Error(); got != "EMLINK: contid 3 would be nested 3 deep, more than the limit 2" {
			t.Errorf("error %q", got)
		}
		// Injection of an existing value meets no depth limit.
		w.set(t, priv(n1), w.fork(n1), 2, 0)
	})
	t.Run("per owner", func(t *testing.T) {
		w := newWorld(t, Config{MaxPerOwner: 2})
		a := w.fork(initProc)
		x := w.fork(a)
		w.set(t, priv(a), x, 1, 0)
		w.set(t, priv(a), w.fork(a), 2, 0)
		recs := w.set(t, priv(a), w.fork(a), 3, unix.ENOSPC)
		if got := recs[0].Err.Error(); !strings.Contains(got, "already owns 2 live contids") {
			t.Errorf("error %q", got)
		}
		w.set(t, priv(a), w.fork(a), 1, 0) // injection still works
		b := w.fork(initProc)
		w.set(t, priv(b), w.fork(b), 3, 0) // another owner has room
		// Releasing one makes room.
		for _, p := range w.tree.live() {
			if id, _ := w.reg.Lookup(p); id == 1 {
				w.exit(p)
			}
		}
		w.set(t, priv(a), w.fork(a), 4, 0)
	})
	t.Run("total", func(t *testing.T) {
		w := newWorld(t, Config{MaxTotal: 2})
		for i := range 2 {
			o := w.fork(initProc)
			w.set(t, priv(o), w.fork(o), ID(i), 0)
		}
		o := w.fork(initProc)
		recs := w.set(t, priv(o), w.fork(o), 9, unix.ENOSPC)
		if got := recs[0].Err.Error(); got != "ENOSPC: 2 contids are live, the limit" {
			t.Errorf("error %q", got)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		c := New(newFakeTree(), Config{}).Config()
		if c != (Config{MaxDepth: 5, MaxPerOwner: 8192, MaxTotal: 65536}) {
			t.Errorf("defaults %+v", c)
		}
	})
}

func TestFork(t *testing.T) {
	w := newWorld(t, Config{})
	o := w.fork(initProc)
	c := w.fork(o)
	w.set(t, priv(o), c, 3, 0)
	// A fork seen twice, or claimed by another parent, changes nothing.
	gc := w.fork(c)
	w.reg.Fork(c, gc)
	w.reg.Fork(o, gc)
	checkInvariants(t, w.reg, w.tree)
	// A stopped registry follows forks and exits.
	w.reg.SetRunning(false)
	ggc := w.fork(gc)
	if w.lookup(ggc) != 3 {
		t.Fatal("no inheritance while stopped")
	}
	w.set(t, priv(o), w.fork(o), 4, unix.ENOPROTOOPT)
	w.exit(ggc)
	checkInvariants(t, w.reg, w.tree)
	if _, ok := w.reg.Lookup(initProc); ok {
		t.Fatal("init has a contid")
	}
}

func TestReconcile(t *testing.T) {
	w := newWorld(t, Config{})
	o := w.fork(initProc)
	c := w.fork(o)
	w.set(t, priv(o), c, 8, 0)
	if _, err := w.reg.SetCapcontid(priv(o), w.fork(o), true); err != nil {
		t.Fatal(err)
	}
	gc := w.fork(c)
	// Exit events lost: the tree knows, the registry does not.
	for _, p := range w.tree.live() {
		if p != initProc && p != o {
			w.tree.exit(p)
		}
	}
	recs := w.reg.Reconcile()
	if got := recStrings(recs); got != "op=drop opid="+pidStr(gc)+" contid=-1 old-contid=8" {
		t.Fatalf("Reconcile records %q", got)
	}
	checkInvariants(t, w.reg, w.tree)
	if len(w.reg.holders.(mapHolders))+len(w.reg.objects)+len(w.reg.capcontid) != 0 {
		t.Fatal("state left after reconcile")
	}
}

func TestError(t *testing.T) {
	w := newWorld(t, Config{})
	writer := w.fork(initProc)
	target := w.fork(initProc)
	_, err := w.reg.Set(priv(writer), target, 1)
	want := "EXDEV: target " + pidStr(target) + " is not a descendant of the writer " + pidStr(writer)
	if err == nil || err.Error() != want {
		t.Fatalf("err %v, want %s", err, want)
	}
	if !errors.Is(err, unix.EXDEV) || errors.Is(err, unix.EPERM) {
		t.Fatal("errors.Is does not match the errno")
	}
	_, err = w.reg.Set(unpriv(writer), target, 1)
	if !errors.Is(err, fs.ErrPermission) {
		t.Fatal("EPERM is not fs.ErrPermission")
	}
}

func TestRecordText(t *testing.T) {
	tests := []struct {
		rec  OpRecord
		want string
	}{
		{OpRecord{Op: OpSet, Target: ProcID{PID: 8730, StartTime: 1}, Contid: 4515122123205246976, OldContid: Unset,
			Writer: Writer{Proc: ProcID{PID: 999}, UID: 0, AUID: 4294967295, Ses: 4294967295, Comm: "my runc", Exe: ""}, Err: errorf(unix.EPERM, "x")},
			`op=set opid=8730 contid=4515122123205246976 old-contid=-1 pid=999 uid=0 auid=4294967295 ses=4294967295 comm=6D792072756E63 exe=(null) res=0`},
		{OpRecord{Op: OpDrop, Target: ProcID{PID: 8730, StartTime: 1}, Contid: Unset, OldContid: 4515122123205246976},
			`op=drop opid=8730 contid=-1 old-contid=4515122123205246976`},
		{OpRecord{Op: OpDrop, Contid: Unset, OldContid: 0}, `op=drop opid=-1 contid=-1 old-contid=0`},
		{OpRecord{Op: OpSet, Target: ProcID{PID: 1}, Contid: 0, OldContid: 1, Writer: Writer{Comm: "a\"b", Exe: "/ä"}},
			`op=set opid=1 contid=0 old-contid=1 pid=0 uid=0 auid=0 ses=0 comm=612262 exe=2FC3A4 res=1`},
		{OpRecord{Op: OpSet, Target: ProcID{PID: 8730}, Contid: 77, OldContid: Unset, Labels: Labels{ID: "abc123", Name: "web"},
			Writer: Writer{Proc: ProcID{PID: 999}, AUID: 1000, Ses: 3, Comm: "runc", Exe: "/usr/bin/runc"}},
			`op=set opid=8730 contid=77 old-contid=-1 pid=999 uid=0 auid=1000 ses=3 comm="runc" exe="/usr/bin/runc" res=1 container-id="abc123" container-name="web"`},
		// Labels are untrusted strings: a name with a space is hex, as
		// the kernel writes such a comm; an empty label is left out.
		{OpRecord{Op: OpSet, Target: ProcID{PID: 8730}, Contid: 77, OldContid: Unset, Labels: Labels{Name: "my web"}, Err: errorf(unix.EPERM, "x")},
			`op=set opid=8730 contid=77 old-contid=-1 pid=0 uid=0 auid=0 ses=0 comm=(null) exe=(null) res=0 container-name=6D7920776562`},
		{OpRecord{Op: OpSet, Target: ProcID{PID: 8730}, Contid: 77, OldContid: Unset, Labels: Labels{ID: "x=\"1\""}},
			`op=set opid=8730 contid=77 old-contid=-1 pid=0 uid=0 auid=0 ses=0 comm=(null) exe=(null) res=1 container-id=783D223122`},
		// Only op=set carries labels.
		{OpRecord{Op: OpDrop, Target: ProcID{PID: 8730}, Contid: Unset, OldContid: 77, Labels: Labels{ID: "abc"}},
			`op=drop opid=8730 contid=-1 old-contid=77`},
	}
	for _, tt := range tests {
		if got := tt.rec.String(); got != tt.want {
			t.Errorf("\n got %s\nwant %s", got, tt.want)
		}
	}
}

func TestContainerIDRecord(t *testing.T) {
	w := newWorld(t, Config{})
	o := w.fork(initProc)
	c := w.fork(o)
	w.set(t, priv(o), c, 527940429489930240, 0)
	buf := []byte("x ")
	buf, ok := w.reg.AppendContainerID(buf, 1, c)
	if !ok || string(buf) != "x record=1 contid=527940429489930240" {
		t.Fatalf("%q %v", buf, ok)
	}
	buf, ok = w.reg.AppendContainerID(buf[:2], 2, o, initProc)
	if ok || string(buf) != "x " {
		t.Fatalf("%q %v", buf, ok)
	}
	if w.reg.Chain(o) != "" || w.reg.ChainOf(o) != nil || w.reg.Chains() != "" {
		t.Fatal("chain for a process without contid")
	}
	// Long lists deduplicate too.
	var many []ProcID
	for range 40 {
		many = append(many, c)
	}
	if got := w.reg.Chains(many...); got != "527940429489930240" {
		t.Fatalf("Chains = %q", got)
	}
}

func TestListTree(t *testing.T) {
	w := newWorld(t, Config{})
	host := w.fork(initProc)
	n1 := w.fork(host)
	w.set(t, priv(host), n1, 1, 0)
	n2 := w.fork(n1)
	w.set(t, priv(n1), n2, 2, 0)
	n3 := w.fork(n1)
	w.set(t, priv(n1), n3, 3, 0)
	top := w.fork(host)
	w.set(t, priv(host), top, 0, 0)

	l := w.reg.List()
	if len(l) != 4 || l[0].ID != 0 || l[1].ID != 1 || l[2].ID != 2 || l[3].ID != 3 {
		t.Fatalf("List order %+v", l)
	}
	if l[1].Owner != host || l[1].Parent != Unset || l[1].Depth != 1 || l[1].Nested != 2 || len(l[1].Holders) != 1 || l[1].Holders[0] != n1 {
		t.Errorf("contid 1: %+v", l[1])
	}
	if l[2].Parent != 1 || l[2].Owner != n1 || l[2].Depth != 2 {
		t.Errorf("contid 2: %+v", l[2])
	}
	tree := w.reg.Tree()
	if len(tree) != 2 || tree[0].ID != 0 || tree[1].ID != 1 || len(tree[1].Children) != 2 || tree[1].Children[1].ID != 3 || tree[0].Children != nil {
		t.Fatalf("Tree %+v", tree)
	}
}

// The runtime's labels stay on the contid: a new contid keeps those it was
// set with, an injection fills in only what is missing, and every attempt's
// record carries what it asked for.
func TestLabels(t *testing.T) {
	w := newWorld(t, Config{})
	rt := w.fork(initProc)
	c1 := w.fork(rt)
	web := Labels{ID: "abc123", Name: "web"}
	recs, err := w.reg.SetLabeled(priv(rt), c1, 77, web)
	if err != nil || len(recs) != 1 || recs[0].Labels != web || !strings.HasSuffix(recs[0].String(), ` res=1 container-id="abc123" container-name="web"`) {
		t.Fatalf("SetLabeled: %v %s", err, recStrings(recs))
	}
	// Injection keeps the name the container was created with.
	c2 := w.fork(rt)
	if recs, err := w.reg.SetLabeled(priv(rt), c2, 77, Labels{Name: "other"}); err != nil || recs[0].Labels.Name != "other" {
		t.Fatalf("inject: %v %s", err, recStrings(recs))
	}
	if l := w.reg.List(); len(l) != 1 || l[0].Labels != web {
		t.Fatalf("List after injection: %+v", l)
	}
	// An injection fills in a label the contid lacks.
	c3 := w.fork(rt)
	w.set(t, priv(rt), c3, 78, 0)
	c4 := w.fork(rt)
	if _, err := w.reg.SetLabeled(priv(rt), c4, 78, Labels{Name: "late"}); err != nil {
		t.Fatal(err)
	}
	if l := w.reg.List(); len(l) != 2 || l[1].Labels != (Labels{Name: "late"}) {
		t.Fatalf("List after filling in: %+v", l)
	}
	if tr := w.reg.Tree(); len(tr) != 2 || tr[0].Labels != web {
		t.Fatalf("Tree: %+v", tr)
	}
	// Too long: EINVAL, in the unset value's place among the checks.
	long := Labels{ID: strings.Repeat("a", MaxLabelLen+1)}
	c5 := w.fork(rt)
	recs, err = w.reg.SetLabeled(priv(rt), c5, 79, long)
	wantErrno(t, err, unix.EINVAL)
	if len(recs) != 1 || recs[0].Labels != long || recs[0].Success() {
		t.Fatalf("records %s", recStrings(recs))
	}
	_, err = w.reg.SetLabeled(unpriv(rt), c5, 79, long)
	wantErrno(t, err, unix.EINVAL)
	if _, err := w.reg.SetLabeled(priv(rt), c5, 79, Labels{ID: strings.Repeat("a", MaxLabelLen), Name: strings.Repeat("b", MaxLabelLen)}); err != nil {
		t.Fatalf("labels of the maximum length: %v", err)
	}
	// The labels go with the contid: once dropped, the value is free and
	// a new set starts without them.
	for _, p := range []ProcID{c1, c2} {
		w.exit(p)
	}
	c6 := w.fork(rt)
	w.set(t, priv(rt), c6, 77, 0)
	if l := w.reg.List(); l[0].ID != 77 || !l[0].Labels.IsZero() {
		t.Fatalf("reused value kept old labels: %+v", l[0])
	}
}

// TestRecordTypes: the numbers sit in libaudit's unused user-space block
// and mean nothing else to ausearch.
func TestRecordTypes(t *testing.T) {
	for name, n := range map[string]uint32{"CONTAINER_OP": abi.AUDIT_CONTAINER_OP, "CONTAINER_ID": abi.AUDIT_CONTAINER_ID} {
		if n < 2600 || n > 2999 {
			t.Errorf("%s = %d, outside 2600-2999", name, n)
		}
		if got := abi.MsgTypeName(n); got != name && got != "UNKNOWN["+ID(n).String()+"]" {
			t.Errorf("%s = %d, which libaudit names %s", name, n, got)
		}
	}
	if (&OpRecord{}).Type() != abi.AUDIT_CONTAINER_OP {
		t.Error("OpRecord.Type")
	}
}
