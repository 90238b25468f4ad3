package attribute

import "github.com/contaudit/contaudit/internal/metrics"

// RegisterMetrics exports the attribution counters, the process table's
// size and losses, and the registry's size.
func (t *Tracker) RegisterMetrics(m *metrics.Registry) {
	m.Register("contaudit_events_annotated_total", metrics.Counter, "Events that got a CONTAINER_ID record.", metrics.Load(&t.stats.Annotated))
	m.Register("contaudit_records_unattributed_total", metrics.Counter, "Records naming a PID the process table could not place at the record's time.", metrics.Load(&t.stats.Unattributed))
	m.Register("contaudit_container_ops_total", metrics.Counter, "CONTAINER_OP records (set and capcontid attempts, drops).", metrics.Load(&t.stats.Ops))
	m.Register("contaudit_state_save_errors_total", metrics.Counter, "Failed saves of the contid state file.", metrics.Load(&t.stats.SaveErrors))
	m.Register("contaudit_contids_live", metrics.Gauge, "Contids in the registry, pending release included.", func() float64 { return float64(t.LiveContids()) })
	m.Register("contaudit_processes_tracked", metrics.Gauge, "Live processes in the process table.", func() float64 { return float64(t.table.Stats().Live) })
	m.Register("contaudit_processes_retained", metrics.Gauge, "Exited processes kept for late records.", func() float64 { return float64(t.table.Stats().RetainedExited) })
	m.Register("contaudit_process_events_total", metrics.Counter, "Proc connector events applied.", func() float64 { return float64(t.table.Stats().Events) })
	m.Register("contaudit_process_events_lost_total", metrics.Counter, "Proc connector receive overflows (each followed by a rescan of /proc).", func() float64 { return float64(t.table.Stats().LostEvents) })
}
