package daemon

import "github.com/contaudit/contaudit/internal/metrics"

func (d *Daemon) registerMetrics() {
	m := d.metrics
	c := &d.counters
	m.Register("contaudit_records_received_total", metrics.Counter, "Audit records received from the kernel.", metrics.Load(&c.records))
	m.Register("contaudit_receive_rounds_total", metrics.Counter, "Rounds of the receive loop that handled records; records received per round is the batching achieved.", metrics.Load(&c.rounds))
	m.Register("contaudit_events_written_total", metrics.Counter, "Events handed to the host log.", metrics.Load(&c.events))
	m.Register("contaudit_records_unstamped_total", metrics.Counter, "Records without an audit(...) stamp, written alone.", metrics.Load(&c.unstamped))
	m.Register("contaudit_write_errors_total", metrics.Counter, "Events or daemon records the host log failed to write.", metrics.Load(&c.writeErrors))
	m.Register("contaudit_kernel_lost", metrics.Gauge, "The kernel's lost counter (records it dropped), polled every 5s.", metrics.Load(&c.kernelLost))
	m.Register("contaudit_kernel_backlog", metrics.Gauge, "Records queued in the kernel for the daemon, polled every 5s.", metrics.Load(&c.backlog))
	m.Register("contaudit_receive_errors_total", metrics.Counter, "Netlink receive errors (ENOBUFS overruns, malformed, truncated).", metrics.Load(&c.recvErrors))
	m.Register("contaudit_assembly_lost_serials_total", metrics.Counter, "Event serials never seen (gaps in the kernel's sequence).", metrics.Load(&c.lostSerials))
	m.Register("contaudit_records_filtered_total", metrics.Counter, "Records dropped on purpose by rules evaluated in userspace (-F contid=).", metrics.Load(&c.filtered))
	m.Register("contaudit_events_in_flight", metrics.Gauge, "Events waiting for their last record.", metrics.Load(&c.inFlight))
}
