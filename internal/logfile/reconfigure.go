package logfile

import (
	"os"
	"time"
)

// Reconfigure applies a configuration reloaded on SIGHUP to the open log,
// as auditd's reconfigure does: format, node name, flush mode and
// frequency, size limit and rotation, and the space and error actions take
// effect for the next record. The log's path and group do not change while
// it is open (the daemon must be restarted for them); Reconfigure returns
// a note for each such key it left alone.
func (w *Writer) Reconfigure(cfg Config) (kept []string) {
	if cfg.Freq <= 0 {
		cfg.Freq = 20
	}
	if cfg.SpaceCheckInterval == 0 {
		cfg.SpaceCheckInterval = time.Second
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	if cfg.Path != w.cfg.Path {
		kept = append(kept, "log_file stays "+w.cfg.Path+" until a restart")
		cfg.Path = w.cfg.Path
	}
	if cfg.Group != w.cfg.Group {
		kept = append(kept, "log_group of the open log changes at a restart")
		cfg.Group = w.cfg.Group
	}
	if cfg.Logger == nil {
		cfg.Logger = w.cfg.Logger
	}
	if cfg.Now == nil {
		cfg.Now = w.cfg.Now
	}
	wasAsync := w.cfg.Flush == FlushIncrementalAsync
	w.cfg = cfg
	// Warnings given under the old limits are given again if the new
	// ones are crossed.
	w.sizeWarn, w.spaceWarn, w.adminWarn, w.fullWarn = false, false, false, false
	w.sinceSync = 0
	var stop chan *os.File
	switch async := cfg.Flush == FlushIncrementalAsync; {
	case async && !wasAsync:
		w.syncReq = make(chan *os.File, 1)
		w.syncWG.Add(1)
		go w.syncLoop(w.syncReq)
	case !async && wasAsync:
		// afterWrite sends only under mu, which is held: nothing sends
		// on the closed channel.
		stop, w.syncReq = w.syncReq, nil
		close(stop)
	}
	if w.f != nil && cfg.Flush != FlushNone {
		// What the old mode left unsynced is synced now.
		if err := w.f.Sync(); err != nil {
			w.flushErrors.Add(1)
		}
	}
	w.checkSpace(w.now(), true)
	if cfg.MaxLogFile > 0 && w.size >= cfg.MaxLogFile {
		w.sizeLimit()
	}
	w.mu.Unlock()
	if stop != nil {
		w.syncWG.Wait()
	}
	return kept
}
