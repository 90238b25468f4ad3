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

func TestBusyBatchScalesWithDelay(t *testing.T) {
	for _, c := range []struct {
		delay time.Duration
		want  int
	}{{0, 1}, {time.Millisecond, 6}, {10 * time.Millisecond, 64}, {20 * time.Millisecond, 128}, {100 * time.Millisecond, 640}} {
		if got := busyBatch(c.delay); got != c.want {
			t.Errorf("busyBatch(%v) = %d, want %d", c.delay, got, c.want)
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
