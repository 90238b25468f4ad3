package logfile

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"golang.org/x/sys/unix"
)

// Flush is the flush setting of auditd.conf.
type Flush int

const (
	FlushNone             Flush = iota // leave it to the kernel's writeback
	FlushIncremental                   // fsync every Freq records, in the writer
	FlushIncrementalAsync              // fdatasync every Freq records, in the background
	FlushData                          // O_DSYNC: data on disk before each write returns
	FlushSync                          // O_SYNC: data and metadata on disk before each write returns
)

// Action is what the writer does when a limit is reached or a write fails.
// Email, Exec, Single and Halt are auditd actions contaudit does not
// perform: they log a warning saying so and otherwise behave as Syslog.
type Action int

const (
	Ignore Action = iota
	Syslog
	Suspend
	Rotate
	KeepLogs // max_log_file_action only: rotate without ever deleting
	Email
	Exec
	Single
	Halt
)

var actionNames = [...]string{"ignore", "syslog", "suspend", "rotate", "keep_logs", "email", "exec", "single", "halt"}

func (a Action) String() string {
	if a >= 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "action(" + strconv.Itoa(int(a)) + ")"
}

// Threshold is a free-space limit: bytes, or a percentage of the file
// system's size when Percent is set. The zero value disables the check.
type Threshold struct {
	Bytes   uint64
	Percent uint64
}

func (t Threshold) resolve(fsSize uint64) uint64 {
	if t.Percent != 0 {
		return fsSize / 100 * t.Percent
	}
	return t.Bytes
}

// Config configures a Writer. The zero value of each field is auditd's
// behaviour with the key absent, except Path, which is required.
type Config struct {
	Path   string
	Group  int        // log_group's gid: >0 makes the file 0640 and chowns it to the group; else 0600
	Node   string     // node= prefix; empty for name_format none
	Enrich EnrichFunc // nil writes RAW; non-nil writes ENRICHED
	// WriteEOE keeps EOE records, which auditd never writes to its log
	// (they only mark the end of an event on the wire).
	WriteEOE bool

	Flush Flush
	Freq  int // records between flushes for the incremental modes (auditd: freq)

	MaxLogFile       int64  // bytes (auditd: max_log_file MiB); 0 disables the check
	MaxLogFileAction Action // Ignore, Syslog, Suspend, Rotate or KeepLogs
	NumLogs          int    // files kept by Rotate, audit.log included; <2 disables rotation

	SpaceLeft            Threshold
	SpaceLeftAction      Action
	AdminSpaceLeft       Threshold
	AdminSpaceLeftAction Action
	DiskFullAction       Action // on ENOSPC, or fewer than 5 free blocks
	DiskErrorAction      Action // on any other write error

	// SpaceCheckInterval is the most often statfs runs; 0 means 1s.
	SpaceCheckInterval time.Duration
	// Logger receives the messages auditd sends to syslog; nil is slog.Default().
	Logger *slog.Logger
	// Now is the clock for DAEMON_* stamps; nil is time.Now.
	Now func() time.Time
}

// Stats are the writer's counters since Open. Every record handed to the
// writer is in exactly one of Records, Dropped and SkippedEOE.
type Stats struct {
	Records       uint64 // records written
	Events        uint64 // events (WriteEvent calls) written
	Bytes         uint64 // bytes written, newlines included
	Dropped       uint64 // records not written: suspended, or a failed write
	SkippedEOE    uint64 // EOE records left out by design, as auditd does
	DroppedEvents uint64
	Rotations     uint64
	WriteErrors   uint64
	FlushErrors   uint64
	SlowFlushes   uint64 // incremental_async flushes that moved flushing to the background
	RepairedTail  bool   // Open found a truncated last line and ended it
	Suspended     bool   // records are being dropped
	SuspendReason string // why, while Suspended
}

// ErrSuspended is returned for records dropped because logging is
// suspended; they are counted in Stats.Dropped.
var ErrSuspended = errors.New("audit log writing is suspended")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("audit log writer is closed")

// Writer appends records to the host audit log. Its methods may be called
// from several goroutines; WriteEvent is meant for one.
type Writer struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	mu        sync.Mutex
	f         *os.File
	size      int64 // bytes in the current file: the offset of the next write
	buf       []byte
	sinceSync int
	suspended suspendReason
	spaceWarn bool // space_left action taken, until space comes back
	adminWarn bool
	fullWarn  bool
	errWarns  int // disk_error_action syslog warnings since the last success
	sizeWarn  bool
	lastCheck time.Time
	daemonSeq uint32
	closed    bool

	// Between Hold and Flush, WriteEvent appends to buf and these count
	// what waits there.
	holding              bool
	heldRecs, heldEvents int
	heldFreq             int // held records that count toward freq

	syncReq chan *os.File // incremental_async in the background: coalesced requests
	syncWG  sync.WaitGroup
	// incremental_async flushes in the background until then, after an
	// inline flush took longer than slowSync (see requestSync).
	syncBackground time.Time

	records, events, bytes, dropped, droppedEvents, rotations, writeErrors, flushErrors, skippedEOE, slowSyncs atomic.Uint64
	suspendedFlag                                                                                              atomic.Int32
	repairedTail                                                                                               bool
}

type suspendReason int32

const (
	running suspendReason = iota
	bySize
	bySpaceLeft
	byAdminSpaceLeft
	byDiskFull
	byDiskError
	byOpenFailure
)

var suspendNames = [...]string{"", "max_log_file reached", "space_left reached", "admin_space_left reached", "disk full", "disk error", "log file could not be reopened"}

// Open opens (or creates) the log at cfg.Path for appending. An existing
// log whose last line was cut short by a crash gets a newline first, so the
// file stays line-parseable; the half record stays visible.
func Open(cfg Config) (*Writer, error) {
	if cfg.Path == "" {
		return nil, errors.New("logfile: no log file path")
	}
	if !filepath.IsAbs(cfg.Path) {
		return nil, fmt.Errorf("logfile: log file path %q is not absolute", cfg.Path)
	}
	if cfg.Freq <= 0 {
		cfg.Freq = 20
	}
	if cfg.SpaceCheckInterval == 0 {
		cfg.SpaceCheckInterval = time.Second
	}
	w := &Writer{cfg: cfg, log: cfg.Logger, now: cfg.Now, buf: make([]byte, 0, 64<<10)}
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.now == nil {
		w.now = time.Now
	}
	// auditd numbers its own records from a random start below 10000.
	w.daemonSeq = uint32(rand.IntN(10000))
	for _, a := range []struct {
		key string
		a   Action
	}{{"space_left_action", cfg.SpaceLeftAction}, {"admin_space_left_action", cfg.AdminSpaceLeftAction},
		{"disk_full_action", cfg.DiskFullAction}, {"disk_error_action", cfg.DiskErrorAction}} {
		if a.a >= Email {
			w.log.Warn("contaudit does not "+unsupportedVerb(a.a)+"; it will only log a warning", "key", a.key, "action", a.a.String())
		}
	}
	dir := filepath.Dir(cfg.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("logfile: create log directory %s: %w", dir, err)
	}
	if err := w.repairTail(); err != nil {
		return nil, err
	}
	if err := w.openFile(); err != nil {
		return nil, err
	}
	if cfg.Flush == FlushIncrementalAsync {
		w.syncReq = make(chan *os.File, 1)
		w.syncWG.Add(1)
		go w.syncLoop(w.syncReq)
	}
	w.checkSpace(w.now(), true)
	return w, nil
}

func unsupportedVerb(a Action) string {
	switch a {
	case Email:
		return "send email"
	case Exec:
		return "run scripts"
	case Single:
		return "switch the system to single user mode"
	case Halt:
		return "halt the system"
	}
	return "do " + a.String()
}

// repairTail ends a truncated last line with a newline.
func (w *Writer) repairTail() error {
	f, err := os.OpenFile(w.cfg.Path, os.O_RDWR|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("logfile: open audit log %s: %w", w.cfg.Path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("logfile: stat audit log %s: %w", w.cfg.Path, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("logfile: audit log %s is not a regular file", w.cfg.Path)
	}
	if st.Size() == 0 {
		return nil
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], st.Size()-1); err != nil {
		return fmt.Errorf("logfile: read end of audit log %s: %w", w.cfg.Path, err)
	}
	if last[0] == '\n' {
		return nil
	}
	if _, err := f.WriteAt([]byte{'\n'}, st.Size()); err != nil {
		return fmt.Errorf("logfile: terminate truncated last line of %s: %w", w.cfg.Path, err)
	}
	w.repairedTail = true
	w.log.Warn("audit log ended in a partial line (crash during a write?); terminated it with a newline", "path", w.cfg.Path, "offset", st.Size())
	return nil
}

func (w *Writer) fileMode() os.FileMode {
	if w.cfg.Group > 0 {
		return 0o640
	}
	return 0o600
}

func (w *Writer) openFile() error {
	flags := os.O_WRONLY | os.O_APPEND | os.O_CREATE | syscall.O_NOFOLLOW | syscall.O_CLOEXEC
	switch w.cfg.Flush {
	case FlushData:
		flags |= syscall.O_DSYNC
	case FlushSync:
		flags |= syscall.O_SYNC
	}
	f, err := os.OpenFile(w.cfg.Path, flags, w.fileMode())
	if err != nil {
		return fmt.Errorf("logfile: open audit log %s: %w", w.cfg.Path, err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err == nil {
		// An existing file may have been created with other permissions.
		err = f.Chmod(w.fileMode())
	}
	if err == nil && w.cfg.Group > 0 {
		err = f.Chown(-1, w.cfg.Group)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("logfile: audit log %s: %w", w.cfg.Path, err)
	}
	w.f = f
	w.size = st.Size()
	w.sinceSync = 0
	return nil
}

// WriteEvent writes the records of one event in a single write, so a crash
// does not leave half an event behind more often than the kernel forces.
// It never blocks on a suspended log: the records are counted as dropped
// and ErrSuspended is returned.
func (w *Writer) WriteEvent(recs []Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		w.drop(len(recs), 1)
		return ErrClosed
	}
	now := w.now()
	if w.suspended != running {
		w.checkSpace(now, false)
		if w.suspended != running {
			w.drop(len(recs), 1)
			return ErrSuspended
		}
	}
	buf := w.buf
	if !w.holding {
		buf = buf[:0]
	}
	n, added := 0, 0
	for i := range recs {
		if recs[i].Type == abi.AUDIT_EOE && !w.cfg.WriteEOE {
			continue
		}
		buf = AppendLine(buf, w.cfg.Node, recs[i].Type, recs[i].Msg, w.cfg.Enrich)
		n++
		if recs[i].Added {
			added++
		}
	}
	w.buf = buf
	if skipped := len(recs) - n; skipped > 0 {
		w.skippedEOE.Add(uint64(skipped))
	}
	w.heldRecs += n
	w.heldFreq += n - added
	w.heldEvents++
	if w.holding && len(w.buf) < maxHeld {
		return nil
	}
	return w.flushHeld(now)
}

// maxHeld bounds what Hold keeps in memory before writing anyway.
const maxHeld = 1 << 20

// Hold makes WriteEvent keep events in memory until Flush, so that a
// batch of events costs one write(2) and one flush decision, not one per
// event: the daemon holds while it handles what one wake-up received. A
// crash loses at most what is held, which the caller bounds by flushing
// after each batch.
func (w *Writer) Hold() {
	w.mu.Lock()
	w.holding = true
	w.mu.Unlock()
}

// Flush writes what Hold kept and ends the hold.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.holding = false
	if w.heldEvents == 0 {
		return nil
	}
	return w.flushHeld(w.now())
}

// flushHeld writes w.buf and settles the held counts.
func (w *Writer) flushHeld(now time.Time) error {
	nrec, nev, nfreq := w.heldRecs, w.heldEvents, w.heldFreq
	w.heldRecs, w.heldEvents, w.heldFreq = 0, 0, 0
	if nrec > 0 {
		err := w.writeBuf(nrec, nev)
		w.buf = w.buf[:0]
		if err != nil {
			return err
		}
	}
	w.records.Add(uint64(nrec))
	w.events.Add(uint64(nev))
	w.afterWrite(now, nfreq)
	return nil
}

// WriteRecord writes a one-record event.
func (w *Writer) WriteRecord(typ uint32, msg []byte) error {
	return w.WriteEvent([]Record{{Type: typ, Msg: msg}})
}

// WriteDaemon writes a daemon record (DAEMON_START, DAEMON_END,
// DAEMON_ROTATE, DAEMON_RESUME, ...) the way auditd writes its own:
// stamped now, with a serial from auditd's private counter. text is the
// part after "audit(...): ", e.g. from StartText or SignalText.
func (w *Writer) WriteDaemon(typ uint32, text string) error {
	w.mu.Lock()
	w.daemonSeq++
	seq := w.daemonSeq
	w.mu.Unlock()
	return w.WriteRecord(typ, AppendStamp(nil, w.now(), seq, text))
}

func (w *Writer) drop(nrec, nev int) {
	w.dropped.Add(uint64(nrec))
	w.droppedEvents.Add(uint64(nev))
}

// writeBuf writes w.buf whole. A failed or short write is cut off the file
// again, so the next record does not continue a half line.
func (w *Writer) writeBuf(nrec, nev int) error {
	if w.f == nil {
		w.drop(nrec, nev)
		return ErrSuspended
	}
	n, err := w.f.Write(w.buf)
	if err == nil {
		w.size += int64(n)
		w.bytes.Add(uint64(n))
		w.errWarns = 0
		return nil
	}
	w.writeErrors.Add(1)
	w.drop(nrec, nev)
	if n > 0 {
		if terr := w.f.Truncate(w.size); terr != nil {
			w.log.Error("could not cut a partial record off the audit log; the next line will follow it", "path", w.cfg.Path, "err", terr)
			w.size += int64(n)
		}
	}
	if errors.Is(err, syscall.ENOSPC) {
		w.diskFull()
	} else {
		w.diskError("write", err)
	}
	return fmt.Errorf("logfile: write %s: %w", w.cfg.Path, err)
}

func (w *Writer) afterWrite(now time.Time, nrec int) {
	switch w.cfg.Flush {
	case FlushIncremental, FlushIncrementalAsync:
		w.sinceSync += nrec
		if w.sinceSync >= w.cfg.Freq {
			w.sinceSync = 0
			if w.cfg.Flush == FlushIncremental {
				if err := w.f.Sync(); err != nil {
					w.flushErrors.Add(1)
					w.diskError("fsync", err)
				}
			} else {
				w.requestSync(now)
			}
		}
	}
	if w.cfg.MaxLogFile > 0 && w.size >= w.cfg.MaxLogFile {
		w.sizeLimit()
	}
	w.checkSpace(now, false)
}

// How incremental_async flushes: see requestSync. Variables for tests.
var (
	slowSync           = 25 * time.Millisecond
	backgroundSyncTime = 30 * time.Second
)

// requestSync is incremental_async's flush. The writer's caller (the
// daemon's loop) writes in rounds and sleeps between them while records
// gather in the socket buffer, so a flush made in place is only a longer
// sleep: the kernel does not wait for it. Handing it to another thread
// instead costs that thread's wake-up and the Go runtime moving Ps
// between threads, which on the VMs this was measured on cost more CPU
// than the flush itself. A disk that is slow to flush would hold the
// loop, though, so after one inline flush that took longer than slowSync
// the flushes go to the background goroutine (syncLoop) for
// backgroundSyncTime, and the writer never waits for them.
func (w *Writer) requestSync(now time.Time) {
	if now.Before(w.syncBackground) {
		select {
		case w.syncReq <- w.f:
		default: // one is pending already; it will cover these records
		}
		return
	}
	start := time.Now()
	err := fdatasync(w.f)
	if err != nil {
		w.flushErrors.Add(1)
		w.log.Warn("fdatasync of the audit log failed", "path", w.cfg.Path, "err", err)
	}
	if took := time.Since(start); took > slowSync {
		w.syncBackground = now.Add(backgroundSyncTime)
		w.slowSyncs.Add(1)
		w.log.Warn("flushing the audit log is slow; flushing in the background for a while",
			"path", w.cfg.Path, "took", took, "background_for", backgroundSyncTime)
	}
}

// errFileGone is fdatasync's answer for a file closed meanwhile (rotated
// away by the writer while the background flusher had it queued).
var errFileGone = errors.New("the log file was closed before it could be flushed")

func fdatasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("%w: %w", errFileGone, err)
	}
	cerr := rc.Control(func(fd uintptr) {
		for {
			err = unix.Fdatasync(int(fd))
			if err != unix.EINTR {
				return
			}
		}
	})
	if cerr != nil {
		return fmt.Errorf("%w: %w", errFileGone, cerr)
	}
	return err
}

// syncLoop is incremental_async's background flusher: the writer never
// waits for it.
func (w *Writer) syncLoop(req <-chan *os.File) {
	defer w.syncWG.Done()
	for f := range req {
		err := fdatasync(f)
		if errors.Is(err, errFileGone) {
			continue // rotated away and closed meanwhile
		}
		if err != nil {
			w.flushErrors.Add(1)
			w.log.Warn("fdatasync of the audit log failed", "path", w.cfg.Path, "err", err)
		}
	}
}

func (w *Writer) sizeLimit() {
	switch w.cfg.MaxLogFileAction {
	case Ignore:
	case Syslog:
		if !w.sizeWarn {
			w.sizeWarn = true
			w.log.Error("Audit daemon log file is larger than max size", "path", w.cfg.Path, "size", w.size, "max", w.cfg.MaxLogFile)
		}
	case Suspend:
		w.log.Error("Audit daemon is suspending logging due to logfile size.", "path", w.cfg.Path)
		w.suspend(bySize)
	case Rotate:
		if w.cfg.NumLogs > 1 {
			w.log.Info("Audit daemon rotating log files", "path", w.cfg.Path)
			_ = w.rotate(w.cfg.NumLogs)
		} else if !w.sizeWarn {
			w.sizeWarn = true
			w.log.Warn("max_log_file reached but rotation is disabled (num_logs < 2)", "path", w.cfg.Path)
		}
	case KeepLogs:
		w.log.Info("Audit daemon rotating log files with keep option", "path", w.cfg.Path)
		_ = w.rotate(w.nextFreeNumber() + 1)
	}
}

func (w *Writer) suspend(r suspendReason) {
	if w.suspended == running {
		w.suspended = r
		w.suspendedFlag.Store(int32(r))
	}
}

func (w *Writer) unsuspend() {
	w.suspended = running
	w.suspendedFlag.Store(0)
}

// checkSpace runs statfs at most every SpaceCheckInterval and takes the
// space actions, once each until space comes back; a suspension caused by
// space lifts by itself when space comes back.
func (w *Writer) checkSpace(now time.Time, force bool) {
	if w.cfg.SpaceLeft == (Threshold{}) && w.cfg.AdminSpaceLeft == (Threshold{}) &&
		w.cfg.DiskFullAction == Ignore && w.suspended != byDiskFull {
		return
	}
	if !force && now.Sub(w.lastCheck) < w.cfg.SpaceCheckInterval {
		return
	}
	w.lastCheck = now
	var st unix.Statfs_t
	if err := unix.Statfs(filepath.Dir(w.cfg.Path), &st); err != nil {
		w.log.Debug("statfs of the audit log directory failed", "path", w.cfg.Path, "err", err)
		return
	}
	bsize := uint64(st.Bsize)
	free := st.Bavail * bsize
	total := st.Blocks * bsize
	spaceLeft := w.cfg.SpaceLeft.resolve(total)
	adminLeft := w.cfg.AdminSpaceLeft.resolve(total)

	if st.Bavail < 5 {
		// auditd does not consume the last 5 blocks.
		if !w.fullWarn {
			w.diskFull()
		}
	} else if w.fullWarn && free >= adminLeft {
		w.fullWarn = false
		if w.suspended == byDiskFull {
			w.log.Info("free space is back on the audit log file system; resuming logging", "path", w.cfg.Path, "free", free)
			w.unsuspend()
		}
	}
	w.threshold(&w.spaceWarn, "space_left", spaceLeft, free, w.cfg.SpaceLeftAction, bySpaceLeft)
	w.threshold(&w.adminWarn, "admin_space_left", adminLeft, free, w.cfg.AdminSpaceLeftAction, byAdminSpaceLeft)
}

// threshold acts once when free space falls below limit (0: no limit),
// as auditd does, and when it is back above, resumes logging if this
// limit's action suspended it.
func (w *Writer) threshold(warned *bool, key string, limit, free uint64, a Action, r suspendReason) {
	if limit > 0 && free < limit {
		if !*warned {
			*warned = true
			w.spaceAction(a, r, free, limit)
		}
		return
	}
	if !*warned {
		return
	}
	*warned = false
	if w.suspended == r {
		w.log.Info("free space is above "+key+" again; resuming logging", "path", w.cfg.Path, "free", free)
		w.unsuspend()
	}
}

func (w *Writer) spaceAction(a Action, r suspendReason, free, limit uint64) {
	msg := "Audit daemon is low on disk space for logging"
	if r == byAdminSpaceLeft {
		msg = "Audit daemon is very low on disk space for logging"
	}
	attrs := []any{"path", w.cfg.Path, "free", free, "threshold", limit, "action", a.String()}
	switch a {
	case Ignore:
	case Syslog, Email, Exec, Single, Halt, KeepLogs:
		w.log.Error(msg, attrs...)
		if a >= Email {
			w.log.Error("contaudit does not "+unsupportedVerb(a)+"; logged this warning instead", attrs...)
		}
	case Suspend:
		w.log.Error("Audit daemon is suspending logging due to low disk space.", attrs...)
		w.suspend(r)
	case Rotate:
		if w.cfg.NumLogs > 1 {
			w.log.Warn("Audit daemon rotating log files", attrs...)
			_ = w.rotate(w.cfg.NumLogs)
		} else {
			w.log.Error(msg+" (rotation disabled: num_logs < 2)", attrs...)
		}
	}
}

func (w *Writer) diskFull() {
	w.fullWarn = true
	attrs := []any{"path", w.cfg.Path, "action", w.cfg.DiskFullAction.String()}
	w.log.Error("Audit daemon has no space left on logging partition", attrs...)
	switch w.cfg.DiskFullAction {
	case Suspend:
		w.log.Error("Audit daemon is suspending logging due to no space left on logging partition.", attrs...)
		w.suspend(byDiskFull)
	case Rotate:
		if w.cfg.NumLogs > 1 {
			_ = w.rotate(w.cfg.NumLogs)
		}
	case Email, Exec, Single, Halt:
		w.log.Error("contaudit does not "+unsupportedVerb(w.cfg.DiskFullAction)+"; logged this warning instead", attrs...)
	}
}

func (w *Writer) diskError(op string, err error) {
	attrs := []any{"path", w.cfg.Path, "op", op, "err", err, "action", w.cfg.DiskErrorAction.String()}
	switch w.cfg.DiskErrorAction {
	case Ignore:
	case Suspend:
		w.log.Error("Audit daemon detected an error writing an event to disk", attrs...)
		w.log.Error("Audit daemon is suspending logging due to previously mentioned write error", attrs...)
		w.suspend(byDiskError)
	default:
		// auditd: "no more than 5 consecutive warnings".
		if w.errWarns < 5 {
			w.errWarns++
			w.log.Error("Audit daemon detected an error writing an event to disk", attrs...)
			if w.cfg.DiskErrorAction >= Email {
				w.log.Error("contaudit does not "+unsupportedVerb(w.cfg.DiskErrorAction)+"; logged this warning instead", attrs...)
			}
		}
	}
}

// Rotate rotates the logs now, as auditd does on SIGUSR1: audit.log.(n-2)
// becomes audit.log.(n-1) (replacing the oldest) ... audit.log becomes
// audit.log.1, and a new audit.log is opened. With num_logs < 2 it logs
// that rotation is disabled and does nothing, like auditd. A log suspended
// for its size resumes. auditd then writes a DAEMON_ROTATE record into the
// new file: the caller does that with WriteDaemon and SignalText.
func (w *Writer) Rotate() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if w.heldEvents > 0 {
		// Held events were received before the rotation was asked for.
		_ = w.flushHeld(w.now())
	}
	if w.cfg.NumLogs < 2 {
		w.log.Info("Log rotation disabled (num_logs < 2), skipping", "path", w.cfg.Path)
		return nil
	}
	return w.rotate(w.cfg.NumLogs)
}

// rotate keeps n files in all (audit.log and audit.log.1 .. .(n-1)).
func (w *Writer) rotate(n int) error {
	if w.f != nil {
		// Rotated logs are read-only, as auditd leaves them.
		mode := os.FileMode(0o400)
		if w.cfg.Group > 0 {
			mode = 0o440
		}
		if err := w.f.Chmod(mode); err != nil {
			w.log.Warn("Couldn't change permissions while rotating log file", "path", w.cfg.Path, "err", err)
		}
		w.f.Close()
		w.f = nil
	}
	var firstErr error
	for i := n - 1; i > 1; i-- {
		from, to := w.numbered(i-1), w.numbered(i)
		if err := os.Rename(from, to); err != nil && !errors.Is(err, os.ErrNotExist) {
			w.log.Error("Error rotating logs", "from", from, "to", to, "err", err)
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if err := os.Rename(w.cfg.Path, w.numbered(1)); err != nil && !errors.Is(err, os.ErrNotExist) {
		w.log.Error("Error rotating logs", "from", w.cfg.Path, "to", w.numbered(1), "err", err)
		if firstErr == nil {
			firstErr = err
		}
	}
	w.rotations.Add(1)
	w.sizeWarn = false
	if err := w.openFile(); err != nil {
		w.log.Error("Could not reopen a log after rotating.", "err", err)
		w.suspend(byOpenFailure)
		w.diskError("reopen", err)
		return err
	}
	if w.suspended == bySize || w.suspended == byOpenFailure {
		w.unsuspend()
	}
	if firstErr != nil {
		return fmt.Errorf("logfile: rotate %s: %w", w.cfg.Path, firstErr)
	}
	return nil
}

func (w *Writer) numbered(i int) string { return w.cfg.Path + "." + strconv.Itoa(i) }

// nextFreeNumber is keep_logs' count: the highest n with audit.log.n
// present and every lower one too.
func (w *Writer) nextFreeNumber() int {
	n := 1
	for {
		if _, err := os.Stat(w.numbered(n)); err != nil {
			return n
		}
		n++
	}
}

// Resume lifts a suspension, as auditd does on SIGUSR2, reopening the log
// if it was closed. The caller then writes a DAEMON_RESUME record.
func (w *Writer) Resume() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	w.log.Info("Audit daemon is attempting to resume logging.", "path", w.cfg.Path)
	w.unsuspend()
	w.spaceWarn, w.adminWarn, w.fullWarn, w.sizeWarn, w.errWarns = false, false, false, false, 0
	if w.f == nil {
		if err := w.openFile(); err != nil {
			w.suspend(byOpenFailure)
			return err
		}
	}
	w.checkSpace(w.now(), true)
	return nil
}

// Stats returns the counters; it does not wait for a write in progress.
func (w *Writer) Stats() Stats {
	r := suspendReason(w.suspendedFlag.Load())
	return Stats{
		Records:       w.records.Load(),
		Events:        w.events.Load(),
		Bytes:         w.bytes.Load(),
		Dropped:       w.dropped.Load(),
		SkippedEOE:    w.skippedEOE.Load(),
		DroppedEvents: w.droppedEvents.Load(),
		Rotations:     w.rotations.Load(),
		WriteErrors:   w.writeErrors.Load(),
		FlushErrors:   w.flushErrors.Load(),
		SlowFlushes:   w.slowSyncs.Load(),
		RepairedTail:  w.repairedTail,
		Suspended:     r != running,
		SuspendReason: suspendNames[r],
	}
}

// Path returns the log file's path.
func (w *Writer) Path() string { return w.cfg.Path }

// Close flushes and closes the log and stops the background flusher.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	if w.heldEvents > 0 {
		_ = w.flushHeld(w.now())
	}
	w.closed = true
	var err error
	if w.f != nil {
		if w.cfg.Flush != FlushNone {
			err = w.f.Sync()
		}
		if cerr := w.f.Close(); err == nil {
			err = cerr
		}
		w.f = nil
	}
	if w.syncReq != nil {
		close(w.syncReq)
	}
	w.mu.Unlock()
	w.syncWG.Wait()
	if err != nil {
		return fmt.Errorf("logfile: close %s: %w", w.cfg.Path, err)
	}
	return nil
}

var _ io.Closer = (*Writer)(nil)
