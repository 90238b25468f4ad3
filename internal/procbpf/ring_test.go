package procbpf

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"golang.org/x/sys/unix"
)

// These tests load the programs into the real kernel. They only start,
// wait for and kill their own processes.

// helperEnv makes the test binary a helper process (see TestMain).
const helperEnv = "PROCBPF_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(kerneltest.RunCheckingFDs(m, "procbpf", nil))
	case "threads":
		// Four goroutines locked to their own threads, all asleep in
		// the kernel at once, make the runtime clone at least three
		// threads beyond the ones it had.
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread()
				time.Sleep(200 * time.Millisecond)
				ts := unix.NsecToTimespec(int64(200 * time.Millisecond))
				unix.Nanosleep(&ts, nil)
			}()
		}
		wg.Wait()
		os.Exit(0)
	case "open":
		r, err := Open(Options{})
		if err == nil {
			r.Close()
		}
		fmt.Printf("unsupported=%v err=%v\n", errors.Is(err, ErrUnsupported), err)
		os.Exit(0)
	}
	os.Exit(2)
}

func openRing(t *testing.T, opt Options) *Ring {
	t.Helper()
	kerneltest.RequireRoot(t)
	r, err := Open(opt)
	if err != nil {
		kerneltest.Skip(t, "BPF process events unavailable (needs tp_btf, ring buffers and CAP_BPF): %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// collect reads the ring until stop says enough, or 5 s pass.
func collect(t *testing.T, r *Ring, stop func([]Event) bool) []Event {
	t.Helper()
	var evs []Event
	deadline := time.Now().Add(5 * time.Second)
	for !stop(evs) {
		if time.Now().After(deadline) {
			t.Fatalf("after 5s, %d events and still waiting", len(evs))
		}
		var ev Event
		ok, err := r.Next(&ev)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if !ok {
			r.Release()
			time.Sleep(5 * time.Millisecond)
			continue
		}
		evs = append(evs, ev)
	}
	r.Release()
	return evs
}

// waitSleeping waits until pid sleeps (state S), as sleep(1) does once
// exec'd.
func waitSleeping(t *testing.T, pid int) {
	t.Helper()
	for range 1000 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && len(b) > i+2 && b[i+2] == 'S' {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("pid %d never went to sleep", pid)
}

// statStart is field 22 of /proc/PID/stat: clock ticks since boot.
func statStart(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	v, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestKernelForkExecExit(t *testing.T) {
	r := openRing(t, Options{Exec: true})
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := int32(cmd.Process.Pid)
	me := int32(os.Getpid())
	start := statStart(t, cmd.Process.Pid)
	// Start returns once the new program's memory is in place, before
	// exec's second half (and its EXEC event): a SIGKILL in between
	// fails the exec. Kill only the sleeping program.
	waitSleeping(t, cmd.Process.Pid)
	cmd.Process.Kill()
	cmd.Wait()
	evs := collect(t, r, func(evs []Event) bool {
		for _, ev := range evs {
			if ev.What == abi.PROC_EVENT_EXIT && ev.Exit().ProcessPID == pid {
				return true
			}
		}
		return false
	})
	var fork, exec_, exit *Event
	for i := range evs {
		ev := &evs[i]
		switch ev.What {
		case abi.PROC_EVENT_FORK:
			if ev.Fork().ChildPID == pid {
				fork = ev
			}
		case abi.PROC_EVENT_EXEC:
			if ev.Exec().ProcessPID == pid {
				exec_ = ev
			}
		case abi.PROC_EVENT_EXIT:
			if ev.Exit().ProcessPID == pid {
				exit = ev
			}
		}
	}
	if fork == nil || exec_ == nil || exit == nil {
		for _, ev := range evs {
			t.Logf("%#x %v", ev.What, ev.Data)
		}
		t.Fatalf("child %d: FORK %v, EXEC %v, EXIT %v among %d events (lost %d)", pid, fork != nil, exec_ != nil, exit != nil, len(evs), r.Lost())
	}
	if f := fork.Fork(); f != (abi.ForkProcEvent{ParentTGID: me, ChildPID: pid, ChildTGID: pid}) {
		t.Errorf("FORK %+v: want parent tgid %d, child %d/%d", f, me, pid, pid)
	}
	if e := exec_.Exec(); e.ProcessTGID != pid {
		t.Errorf("EXEC %+v: want tgid %d", e, pid)
	}
	if x := exit.Exit(); x != (abi.ExitProcEvent{ProcessPID: pid, ProcessTGID: pid, ParentTGID: me}) {
		t.Errorf("EXIT %+v: want tgid %d, parent %d", x, pid, me)
	}
	if got := fork.StartBoottime / uint64(10*time.Millisecond); got != start {
		t.Errorf("FORK: start_boottime %d ns is tick %d, /proc says %d", fork.StartBoottime, got, start)
	}
	// The FORK is stamped by the child's start on the boot clock, the
	// others by CLOCK_MONOTONIC as the connector's: compare on one clock.
	var mono, boot unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono)
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot)
	forkMono := int64(fork.StartBoottime) - (boot.Nano() - mono.Nano())
	if fork.TimestampNs != 0 || !(forkMono < int64(exec_.TimestampNs) && exec_.TimestampNs < exit.TimestampNs) {
		t.Errorf("times not in event order: fork %d (start %d), exec %d, exit %d", fork.TimestampNs, forkMono, exec_.TimestampNs, exit.TimestampNs)
	}
	if d := mono.Nano() - int64(exit.TimestampNs); d < 0 || d > int64(time.Minute) {
		t.Errorf("EXIT timestamp %d is %v before CLOCK_MONOTONIC's now: not the connector's clock", exit.TimestampNs, time.Duration(d))
	}
}

// Threads are reported as the connector reports them: a FORK whose child
// pid is not its tgid, with the process's real parent as parent, and an
// EXIT per thread.
func TestKernelThreads(t *testing.T) {
	r := openRing(t, Options{})
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), helperEnv+"=threads")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	pid := int32(cmd.Process.Pid)
	me := int32(os.Getpid())
	// exit_group kills the other threads in no set order: the leader's
	// EXIT may come before theirs.
	var threads, threadExits int
	evs := collect(t, r, func(evs []Event) bool {
		threads, threadExits = 0, 0
		leader := false
		for _, ev := range evs {
			switch ev.What {
			case abi.PROC_EVENT_FORK:
				if f := ev.Fork(); f.ChildTGID == pid && f.ChildPID != pid {
					threads++
				}
			case abi.PROC_EVENT_EXIT:
				if x := ev.Exit(); x.ProcessTGID == pid && x.ProcessPID != pid {
					threadExits++
				} else if x.ProcessPID == pid {
					leader = true
				}
			}
		}
		return leader && threadExits >= threads
	})
	for _, ev := range evs {
		if f := ev.Fork(); ev.What == abi.PROC_EVENT_FORK && f.ChildTGID == pid && f.ChildPID != pid && f.ParentTGID != me {
			t.Errorf("thread FORK %+v: parent tgid %d, want the process's parent %d", f, f.ParentTGID, me)
		}
	}
	if threads < 3 || threadExits != threads {
		t.Errorf("helper %d: %d thread FORKs and %d thread EXITs, want at least 3 of each, as many", pid, threads, threadExits)
	}
}

// A full ring drops events and counts each one; what was written before
// reads back whole.
func TestKernelLost(t *testing.T) {
	page := os.Getpagesize()
	r := openRing(t, Options{Size: page})
	const children = 200
	for range children {
		if err := exec.Command("true").Run(); err != nil {
			t.Fatal(err)
		}
	}
	lost := r.Lost()
	n := 0
	for {
		var ev Event
		ok, err := r.Next(&ev)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if !ok {
			break
		}
		n++
	}
	r.Release()
	capacity := page / (RecordSize + abi.BPF_RINGBUF_HDR_SZ)
	if n > capacity || n < capacity/2 {
		t.Errorf("read %d events from a %d-byte ring, want about %d", n, page, capacity)
	}
	if lost < uint64(2*children-capacity) {
		t.Errorf("Lost() = %d after %d children (%d events) into room for %d", lost, children, 2*children, capacity)
	}
	// Room again: new events flow.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := int32(cmd.Process.Pid)
	collect(t, r, func(evs []Event) bool {
		return len(evs) > 0 && evs[len(evs)-1].What == abi.PROC_EVENT_EXIT && evs[len(evs)-1].Exit().ProcessPID == pid
	})
}

// Without CAP_BPF the kernel refuses, and Open says so in a way callers
// can fall back on.
func TestKernelUnprivileged(t *testing.T) {
	kerneltest.RequireRoot(t)
	cmd := kerneltest.AsNobody(t)
	cmd.Env = append(os.Environ(), helperEnv+"=open")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	if !strings.HasPrefix(string(out), "unsupported=true ") {
		t.Errorf("Open as nobody: %s", out)
	}
}

func TestOptions(t *testing.T) {
	for _, size := range []int{1000, 4096 + 1, 3 * 4096} {
		if _, err := Open(Options{Size: size}); err == nil || errors.Is(err, ErrUnsupported) {
			t.Errorf("Open(Size %d) = %v, want a size error", size, err)
		}
	}
}
