package attribute

import (
	"github.com/contaudit/contaudit/internal/metrics"
	"github.com/contaudit/contaudit/internal/proctable"
)

// RegisterMetrics exports the attribution counters, the process table's
// size and losses, and the registry's size.
func (t *Tracker) RegisterMetrics(m *metrics.Registry) {
	m.Register("contaudit_attribution_seconds_total", metrics.Counter, "Time the daemon's loop spent following processes and stamping events (Annotate timed on one event in 16).", func() float64 { return float64(t.stats.Nanos.Load()) / 1e9 })
	m.Register("contaudit_events_annotated_total", metrics.Counter, "Events that got a CONTAINER_ID record.", metrics.Load(&t.stats.Annotated))
	m.Register("contaudit_records_unattributed_total", metrics.Counter, "Records naming a PID the process table could not place at the record's time.", metrics.Load(&t.stats.Unattributed))
	m.Register("contaudit_container_ops_total", metrics.Counter, "CONTAINER_OP records (set and capcontid attempts, drops).", metrics.Load(&t.stats.Ops))
	m.Register("contaudit_state_save_errors_total", metrics.Counter, "Failed saves of the contid state file.", metrics.Load(&t.stats.SaveErrors))
	m.Register("contaudit_contids_live", metrics.Gauge, "Contids in the registry, pending release included.", func() float64 { return float64(t.LiveContids()) })
	m.Register("contaudit_processes_tracked", metrics.Gauge, "Live processes in the process table.", func() float64 { return float64(t.table.Stats().Live) })
	m.Register("contaudit_processes_retained", metrics.Gauge, "Exited processes kept for late records.", func() float64 { return float64(t.table.Stats().RetainedExited) })
	m.Register("contaudit_process_events_total", metrics.Counter, "Process events applied (proc connector or BPF).", func() float64 { return float64(t.table.Stats().Events) })
	m.Register("contaudit_process_events_lost_total", metrics.Counter, "Process event overflows, a full connector socket or BPF ring (each followed by a rescan of /proc).", func() float64 { return float64(t.table.Stats().LostEvents) })
	m.Register("contaudit_process_events_dropped_total", metrics.Counter, "Process events the kernel dropped: the connector socket's drops, or events that found the BPF ring full.", func() float64 { return float64(t.table.Stats().DroppedEvents) })
	m.Register("contaudit_processes_folded_total", metrics.Counter, "Short-lived processes whose fork and exit came in one drain, entered exited at once (counted in the process events too).", func() float64 { return float64(t.table.Stats().Folded) })
	m.Register("contaudit_process_events_bad_total", metrics.Counter, "Process events that could not be decoded, and were skipped.", func() float64 { return float64(t.table.Stats().BadEvents) })
	m.Register("contaudit_process_events_bpf", metrics.Gauge, "1 when the process table hears of processes from BPF, 0 from the proc connector.", func() float64 {
		if src, _ := t.table.EventSource(); src == proctable.EventsBPF {
			return 1
		}
		return 0
	})
}
