package logfile

import (
	"sync/atomic"

	"github.com/contaudit/contaudit/internal/metrics"
)

// RegisterMetrics exports the writer's counters. They are read with
// atomic loads, so a scrape never waits for a write.
func (w *Writer) RegisterMetrics(m *metrics.Registry) {
	u := func(v *atomic.Uint64) func() float64 { return func() float64 { return float64(v.Load()) } }
	m.Register("contaudit_log_records_written_total", metrics.Counter, "Records written to the host log (EOE left out, as auditd does).", u(&w.records))
	m.Register("contaudit_log_bytes_written_total", metrics.Counter, "Bytes written to the host log.", u(&w.bytes))
	m.Register("contaudit_log_records_dropped_total", metrics.Counter, "Records not written: logging suspended, or a failed write.", u(&w.dropped))
	m.Register("contaudit_log_rotations_total", metrics.Counter, "Rotations of the host log.", u(&w.rotations))
	m.Register("contaudit_log_flush_errors_total", metrics.Counter, "Failed fsync/fdatasync calls on the host log.", u(&w.flushErrors))
	m.Register("contaudit_log_slow_flushes_total", metrics.Counter, "incremental_async flushes that took longer than 25 ms and moved flushing to the background for 30 s.", u(&w.slowSyncs))
	m.Register("contaudit_log_suspended", metrics.Gauge, "1 while the host log is suspended (records are dropped and counted).", func() float64 {
		if w.suspendedFlag.Load() != int32(running) {
			return 1
		}
		return 0
	})
}
