package daemon

import "github.com/contaudit/contaudit/internal/metrics"

func (d *Daemon) registerMetrics() {
	m := d.metrics
	c := &d.counters
	u := func(v interface{ Load() uint64 }) func() float64 { return func() float64 { return float64(v.Load()) } }
	m.Register("contaudit_records_received_total", metrics.Counter, "Audit records received from the kernel.", u(&c.records))
	m.Register("contaudit_receive_rounds_total", metrics.Counter, "Rounds of the receive loop that handled records; records received per round is the batching achieved.", u(&c.rounds))
	m.Register("contaudit_events_written_total", metrics.Counter, "Events handed to the host log.", u(&c.events))
	m.Register("contaudit_records_unstamped_total", metrics.Counter, "Records without an audit(...) stamp, written alone.", u(&c.unstamped))
	m.Register("contaudit_write_errors_total", metrics.Counter, "Events or daemon records the host log failed to write.", u(&c.writeErrors))
	m.Register("contaudit_kernel_lost", metrics.Gauge, "The kernel's lost counter (records it dropped), polled every 5s.", u(&c.kernelLost))
	m.Register("contaudit_kernel_backlog", metrics.Gauge, "Records queued in the kernel for the daemon, polled every 5s.", u(&c.backlog))
	m.Register("contaudit_receive_errors_total", metrics.Counter, "Netlink receive errors (ENOBUFS overruns, malformed, truncated).", u(&c.recvErrors))
	m.Register("contaudit_assembly_lost_serials_total", metrics.Counter, "Event serials never seen (gaps in the kernel's sequence).", u(&c.lostSerials))
	m.Register("contaudit_records_filtered_total", metrics.Counter, "Records dropped on purpose by rules evaluated in userspace (-F contid=).", u(&c.filtered))
	m.Register("contaudit_events_in_flight", metrics.Gauge, "Events waiting for their last record.", u(&c.inFlight))
}
