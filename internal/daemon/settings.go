package daemon

import (
	"time"

	"github.com/contaudit/contaudit/internal/auditconf"
)

// SettingsFrom takes the daemon's part of a parsed configuration; the log
// file's part goes to package logfile.
func SettingsFrom(c *auditconf.Config) Settings {
	s := Settings{
		Multicast:         c.Mode == auditconf.ModeReadonly,
		BacklogLimit:      optional{Set: c.BacklogLimit != 0, Value: c.BacklogLimit},
		BacklogWaitTime:   optional{Set: c.BacklogWaitTimeSet, Value: c.BacklogWaitTime},
		RateLimit:         optional{Set: c.RateLimitSet, Value: c.RateLimit},
		Failure:           optional{Set: true, Value: c.Failure},
		RestoreOnExit:     c.RestoreOnExit,
		ReceiveBuffer:     c.ReceiveBuffer,
		BatchDelay:        time.Duration(c.BatchDelayMs) * time.Millisecond,
		EndOfEventTimeout: c.EndOfEvent(),
		MetricsListen:     c.MetricsListen,
		Enriched:          c.LogFormat == auditconf.FormatEnriched,
	}
	return s
}
