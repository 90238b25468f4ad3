package proctable

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// drainRing is drain for BPF's ring buffer: it applies what the ring
// holds, and when the programs had to drop events since the last drain
// (the ring was full: the counterpart of the connector's ENOBUFS), it
// counts the overflow, rescans /proc after the ring is empty, and applies
// what came meanwhile. Unlike a netlink socket the ring drops only the
// events that find it full, so nothing stays lost unnoticed.
func (t *Table) drainRing(try bool) (int, error) {
	if !try {
		t.drainMu.Lock()
	} else if !t.drainMu.TryLock() {
		return 0, nil
	}
	defer t.drainMu.Unlock()
	if t.closed {
		return 0, ErrClosed
	}
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

// applyRing applies every committed record, then runs the hooks. The
// clocks are read once there is an event, as drain does.
func (t *Table) applyRing() int {
	var c clocks
	n := 0
	for {
		ok, err := t.ring.Next(&t.rev)
		if !ok {
			break
		}
		if n == 0 {
			c = t.clock()
		}
		n++
		if err != nil {
			t.n.badEvents.Add(1)
			continue
		}
		t.apply(&t.rev.ProcEvent, uint64(int64(t.rev.StartBoottime)/tickNs), c)
		if n%512 == 0 {
			t.ring.Release()
			t.afterBatch(c)
			c = t.clock()
		}
	}
	t.ring.Release()
	if n > 0 {
		t.afterBatch(c)
		return n
	}
	t.mu.RLock()
	waiting := len(t.reparent) > 0
	t.mu.RUnlock()
	if waiting {
		// Children still waiting for the kernel to reparent them.
		t.afterBatch(t.clock())
	}
	return n
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
