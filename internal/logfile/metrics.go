package logfile

import "github.com/contaudit/contaudit/internal/metrics"

// RegisterMetrics exports the writer's counters. They are read with
// atomic loads, so a scrape never waits for a write.
func (w *Writer) RegisterMetrics(m *metrics.Registry) {
	m.Register("contaudit_log_records_written_total", metrics.Counter, "Records written to the host log (EOE left out, as auditd does).", metrics.Load(&w.records))
	m.Register("contaudit_log_bytes_written_total", metrics.Counter, "Bytes written to the host log.", metrics.Load(&w.bytes))
	m.Register("contaudit_log_records_dropped_total", metrics.Counter, "Records not written: logging suspended, or a failed write.", metrics.Load(&w.dropped))
	m.Register("contaudit_log_rotations_total", metrics.Counter, "Rotations of the host log.", metrics.Load(&w.rotations))
	m.Register("contaudit_log_flush_errors_total", metrics.Counter, "Failed fsync/fdatasync calls on the host log.", metrics.Load(&w.flushErrors))
	m.Register("contaudit_log_slow_flushes_total", metrics.Counter, "incremental_async flushes that took longer than 25 ms and moved flushing to the background for 30 s.", metrics.Load(&w.slowSyncs))
	m.Register("contaudit_log_suspended", metrics.Gauge, "1 while the host log is suspended (records are dropped and counted).", func() float64 {
		if w.suspendedFlag.Load() != int32(running) {
			return 1
		}
		return 0
	})
}
