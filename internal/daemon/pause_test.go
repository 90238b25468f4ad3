package daemon

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// The pause holds its P, so Go's monitor tries to preempt it with SIGURG
// after 10 ms; the signal is blocked while it sleeps, so a pause longer
// than that still lasts its whole delay instead of ending at the signal.
func TestPauseOutlastsPreemption(t *testing.T) {
	d := &Daemon{settings: Settings{BatchDelay: 40 * time.Millisecond}}
	for range 3 {
		start := time.Now()
		if !d.pause() {
			t.Fatal("pause with a delay did not sleep")
		}
		if took := time.Since(start); took < 40*time.Millisecond {
			t.Fatalf("pause of 40 ms ended after %v: cut short by a signal", took)
		}
	}
	d.settings.BatchDelay = 0
	if d.pause() {
		t.Error("pause without a delay slept")
	}
}

// A round is busy when it filled a quarter of the receive buffer, so that
// the next sleep cannot overflow it; the 8 MiB default lets the storm's
// rounds of a few hundred records sleep.
func TestBusyBatchScalesWithBuffer(t *testing.T) {
	for _, c := range []struct {
		rcvbuf int
		want   int
	}{{0, 23}, {64 << 10, 7}, {1 << 20, 113}, {8 << 20, 910}, {2 << 30, maxBatch / 2}, {1, 1}} {
		if got := busyBatch(c.rcvbuf); got != c.want {
			t.Errorf("busyBatch(%d) = %d, want %d", c.rcvbuf, got, c.want)
		}
	}
}

func TestSingleP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	t.Setenv("GOMAXPROCS", "3")
	runtime.GOMAXPROCS(3)
	SingleP()
	if n := runtime.GOMAXPROCS(0); n != 3 {
		t.Errorf("GOMAXPROCS set in the environment: %d Ps, want the environment's 3", n)
	}
	os.Unsetenv("GOMAXPROCS") // t.Setenv puts it back
	SingleP()
	if n := runtime.GOMAXPROCS(0); n != 1 {
		t.Errorf("GOMAXPROCS unset: %d Ps, want 1", n)
	}
}

// RecordBarrier returns when the loop has passed it, at once when the loop
// waits on an empty socket, and after barrierWait when no loop runs.
func TestRecordBarrier(t *testing.T) {
	d := New(Settings{}, nil, nil, nil, nil)
	served := make(chan struct{})
	go func() {
		close(<-d.barriers)
		close(served)
	}()
	start := time.Now()
	d.RecordBarrier()
	<-served
	if took := time.Since(start); took >= barrierWait {
		t.Errorf("a served barrier took %v", took)
	}

	d.idle.Store(true)
	start = time.Now()
	d.RecordBarrier()
	if took := time.Since(start); took >= barrierWait || len(d.barriers) != 0 {
		t.Errorf("an idle loop's barrier took %v and left %d requests", took, len(d.barriers))
	}
	d.idle.Store(false)

	start = time.Now()
	d.RecordBarrier()
	if took := time.Since(start); took < barrierWait {
		t.Errorf("with no loop the barrier returned after %v, before barrierWait", took)
	}
}
