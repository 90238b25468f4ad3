package proctable

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/procbpf"

	"golang.org/x/sys/unix"
)

// drainRing is drain for BPF's ring buffer: it applies what the ring
// holds, and when the programs had to drop events since the last drain
// (the ring was full: the counterpart of the connector's ENOBUFS), it
// counts the overflow, rescans /proc after the ring is empty, and applies
// what came meanwhile. Unlike a netlink socket the ring drops only the
// events that find it full, so nothing stays lost unnoticed.
func (t *Table) drainRing(try bool) (int, error) {
	if ok, err := t.lockDrain(try); !ok {
		return 0, err
	}
	defer t.drainMu.Unlock()
	total := 0
	for {
		n := t.applyRing()
		total += n
		lost := t.ring.Lost()
		if lost == t.ringLost {
			return total, nil
		}
		t.ringLost = lost
		t.n.lost.Add(1)
		if err := t.rescan(false); err != nil {
			return total, fmt.Errorf("rescan /proc after lost process events: %w", err)
		}
	}
}

// ringBatch is how many events applyRing reads before it applies them:
// the window in which a short-lived process's FORK and EXIT can be
// folded (see Config.FoldShortLived).
const ringBatch = 512

// applyRing applies every committed record, a batch at a time, then runs
// the hooks. The clocks are read once per batch, as drain does.
func (t *Table) applyRing() int {
	n := 0
	for {
		t.batch = t.batch[:0]
		for len(t.batch) < ringBatch {
			var ev procbpf.Event
			ok, err := t.ring.Next(&ev)
			if !ok {
				break
			}
			if err != nil {
				t.n.badEvents.Add(1)
				continue
			}
			t.batch = append(t.batch, ev)
		}
		if len(t.batch) == 0 {
			break
		}
		n += len(t.batch)
		c := t.clock()
		t.applyBatch(t.batch, c)
		t.ring.Release()
		t.afterBatch(c)
		if len(t.batch) < ringBatch {
			return n
		}
	}
	t.ring.Release()
	if n > 0 {
		return n
	}
	t.mu.RLock()
	waiting := len(t.reparent) > 0 || len(t.held) > 0
	t.mu.RUnlock()
	if waiting {
		// Children still waiting for the kernel to reparent them, or
		// forks held back from the last batch.
		t.afterBatch(t.clock())
	}
	return n
}

// applyBatch applies a batch of ring events in order. With
// Config.FoldShortLived, a process whose FORK and EXIT are both in the
// batch, from a parent that is still its parent at the exit, and that
// forks nothing and has no threads in between, is folded (see foldable
// and foldLog) and not reported to the hooks. A run of folds takes the
// lock once and counts once: under an exec storm nearly every event is
// one, and each lock and atomic add is a locked instruction.
func (t *Table) applyBatch(evs []procbpf.Event, c clocks) {
	t.folded = slices.Grow(t.folded[:0], len(evs))[:len(evs)]
	clear(t.folded)
	locked, folds := false, uint64(0)
	for i := range evs {
		ev := &evs[i]
		if t.folded[i] {
			continue // the EXIT of a folded process
		}
		start := uint64(int64(ev.StartBoottime) / tickNs)
		if ev.What == abi.PROC_EVENT_FORK && ev.TimestampNs == 0 {
			// The ring's FORK is stamped by the child's start, on
			// the boot clock (procbpf.RecordSize).
			ev.TimestampNs = uint64(int64(ev.StartBoottime) - c.monoToBoot)
		}
		if t.cfg.FoldShortLived && ev.What == abi.PROC_EVENT_FORK {
			if j := foldable(evs, i); j > 0 {
				if !locked {
					t.mu.Lock()
					locked = true
				}
				if t.foldLocked(ev, &evs[j], start, c) {
					t.folded[j] = true
					folds++
					continue
				}
			}
		}
		if locked {
			t.mu.Unlock()
			locked = false
		}
		t.apply(&ev.ProcEvent, start, c)
	}
	if locked {
		t.mu.Unlock()
	}
	if folds > 0 {
		t.n.events.Add(2 * folds)
		t.n.forks.Add(folds)
		t.n.exits.Add(folds)
		t.n.folded.Add(folds)
	}
}

// foldWindow bounds how far after a FORK its EXIT is looked for.
const foldWindow = 64

// foldable returns the index of the EXIT that ends the process whose FORK
// is evs[i], when the pair can be folded, and 0 when not: the child is a
// process (not a thread), its leader's EXIT comes within foldWindow
// events and names the FORK's parent (it was not reparented: the parent
// outlived it), and between the two no event forks from the child (a
// child or a thread of its own) or ends a thread of it. Folding then
// changes nothing that a consumer counting processes per tag (the contid
// registry) would see: the fork and the exit cancel out, and the parent
// holds the tag throughout.
func foldable(evs []procbpf.Event, i int) int {
	f := evs[i].Fork()
	if f.ChildPID != f.ChildTGID {
		return 0
	}
	for j := i + 1; j < len(evs) && j <= i+foldWindow; j++ {
		switch evs[j].What {
		case abi.PROC_EVENT_FORK:
			if g := evs[j].Fork(); g.ParentTGID == f.ChildPID || g.ChildTGID == f.ChildPID || g.ChildPID == f.ChildPID {
				return 0
			}
		case abi.PROC_EVENT_EXEC:
			if evs[j].Exec().ProcessTGID == f.ChildPID {
				return 0 // a non-leader thread's exec: not worth the cases
			}
		case abi.PROC_EVENT_EXIT:
			x := evs[j].Exit()
			if x.ProcessTGID != f.ChildPID {
				continue
			}
			if x.ProcessPID != f.ChildPID || x.ParentTGID != f.ParentTGID {
				return 0
			}
			return j
		}
	}
	return 0
}

// foldLocked records a folded process in the fold log (see foldLog), with
// its parent's tag, exited at the EXIT's time, with t.mu held. It reports
// false, having done nothing, when the parent is unknown or the process
// is already known, for the events to be applied one by one.
func (t *Table) foldLocked(fork, exit *procbpf.Event, start uint64, c clocks) bool {
	f := fork.Fork()
	par, _, known := t.lazyFork(f, start)
	if par == nil || known != nil {
		return false
	}
	t.folds.add(foldedProc{
		id:      ProcID{f.ChildPID, start},
		parent:  par.id,
		tag:     par.tag,
		startNs: int64(fork.TimestampNs) + c.monoToWall,
		exitNs:  int64(exit.TimestampNs) + c.monoToWall,
	})
	return true
}

// runRing is Run for the ring: the programs wake a reader that waits in
// poll(2) once it has caught up (procbpf.Options.Wakeup). The wait is
// bounded so that ctx is seen.
func (t *Table) runRing(ctx context.Context) error {
	fd := t.ring.FD()
	for {
		if ctx.Err() != nil {
			return nil
		}
		n, err := t.drainRing(false)
		if err != nil {
			if errors.Is(err, ErrClosed) && ctx.Err() != nil {
				return nil
			}
			return err
		}
		if n > 0 {
			continue
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, int(100*time.Millisecond/time.Millisecond)); err != nil && err != unix.EINTR {
			return fmt.Errorf("wait for BPF process events: %w", err)
		}
	}
}

// EventSource says where the table's events come from, and, when a table
// that could have used BPF uses the proc connector, why.
func (t *Table) EventSource() (EventSource, string) {
	if t.ring != nil {
		return EventsBPF, ""
	}
	return EventsConnector, t.ringNote
}
