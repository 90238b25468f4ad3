package event

import (
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
)

// benchRecord stands for what a parser would hand over: a borrowed span of
// a read buffer.
type benchRecord struct{ off, n int }

var benchTypes = [6]uint32{tSYSCALL, abi.AUDIT_CWD, tPATH, tPATH, tPROCTITLE, tEOE}

// benchStream feeds b.N records of syscall events, five records and an
// EOE each, four events interleaved at a time as several CPUs would.
func benchStream(b *testing.B, cfg Config, nodes int) {
	const width = 4
	group := width * len(benchTypes)
	a := NewAssembler[benchRecord](cfg)
	names := make([]string, nodes)
	for i := range names {
		names[i] = "host" + string(rune('a'+i))
	}
	now := time.Unix(1700000000, 0)
	var events int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g, j := i/group, i%group
		serial := uint64(g*width + j%width)
		k := Key{Node: names[int(serial)%nodes], Sec: 1700000000 + int64(serial/1000), Msec: uint32(serial % 1000), Serial: serial / uint64(nodes)}
		events += len(a.Add(k, benchTypes[j/width], benchRecord{i, 100}, now))
		if i&1023 == 0 {
			now = now.Add(time.Millisecond)
			events += len(a.Expire(now))
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if s := a.Stats(); s.Late != 0 || s.Timeout != 0 || s.Lost != 0 {
		b.Fatalf("stream not clean: %+v", s)
	}
	_ = events
}

func BenchmarkAdd(b *testing.B) { benchStream(b, Config{}, 1) }

// BenchmarkAddNodes is log search over logs gathered from several hosts.
func BenchmarkAddNodes(b *testing.B) { benchStream(b, Config{CloseOnProctitle: true}, 3) }

// BenchmarkExpireIdle is the daemon's ticker with many events open and
// none due: it must not walk them.
func BenchmarkExpireIdle(b *testing.B) {
	a := NewAssembler[benchRecord](Config{})
	now := time.Unix(1700000000, 0)
	for i := range 1000 {
		a.Add(Key{Sec: 1700000000, Serial: uint64(i)}, tSYSCALL, benchRecord{}, now)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if len(a.Expire(now.Add(time.Second))) != 0 {
			b.Fatal("expired early")
		}
	}
}

// TestSteadyStateAllocs keeps the hot path free of allocations once the
// pools are warm.
func TestSteadyStateAllocs(t *testing.T) {
	a := NewAssembler[benchRecord](Config{})
	now := time.Unix(1700000000, 0)
	serial := uint64(0)
	cycle := func() {
		serial += 2
		k := Key{Sec: 1700000000, Serial: serial}
		for _, typ := range benchTypes {
			a.Add(k, typ, benchRecord{}, now)
		}
		a.Add(Key{Sec: 1700000000, Serial: serial + 1}, tUSERLOGIN, benchRecord{}, now)
		a.Expire(now)
	}
	for range 100 {
		cycle()
	}
	if n := testing.AllocsPerRun(1000, cycle); n != 0 {
		t.Errorf("%v allocations per event", n)
	}
}
