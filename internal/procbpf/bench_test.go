package procbpf

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// BenchmarkNext is what reading one event from the ring costs the reader.
// Each round makes the events of 100 children first, and the read is timed
// with the clock rather than the benchmark's timer, whose stops and starts
// (a memory-statistics read each) cost more than the reads they bracket.
func BenchmarkNext(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root to load the programs")
	}
	r, err := Open(Options{})
	if err != nil {
		b.Skip(err)
	}
	defer r.Close()
	var (
		ev     Event
		events int
		spent  time.Duration
	)
	for b.Loop() {
		for range 100 {
			if err := exec.Command("true").Run(); err != nil {
				b.Fatal(err)
			}
		}
		time.Sleep(10 * time.Millisecond) // exec's own goroutines done
		start := time.Now()
		for {
			ok, err := r.Next(&ev)
			if !ok {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			events++
		}
		r.Release()
		spent += time.Since(start)
	}
	b.ReportMetric(float64(spent.Nanoseconds())/float64(events), "ns/event")
}
