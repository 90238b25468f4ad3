package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"golang.org/x/sys/unix"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/auditnl"
	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/logfile"
	"github.com/contaudit/contaudit/internal/metrics"
)

// Settings are what the daemon needs from its configuration; Load builds
// them from an auditd.conf-syntax file.
type Settings struct {
	// Multicast reads records read-only beside another audit daemon
	// instead of registering as the audit daemon.
	Multicast bool
	// Kernel settings applied at start (a field's Set flag says whether
	// the config named it).
	BacklogLimit    optional
	BacklogWaitTime optional
	RateLimit       optional
	Failure         optional
	// RestoreOnExit puts back the kernel status and rules found at start.
	RestoreOnExit bool
	// ReceiveBuffer sizes the netlink socket buffer.
	ReceiveBuffer int
	// BatchDelay is how long the loop lets records gather in the socket
	// after a round that did not fill a quarter of it
	// (contaudit_batch_delay). Zero handles every wake-up at once.
	BatchDelay time.Duration
	// EndOfEventTimeout closes events that have no EOE.
	EndOfEventTimeout time.Duration
	// MetricsListen is "" (off), "unix:/path" or a loopback host:port.
	MetricsListen string
	// Enriched says the log is written in log_format ENRICHED; it only
	// names the format in DAEMON_START.
	Enriched bool
}

type optional struct {
	Set   bool
	Value uint32
}

// Sink receives assembled events; *logfile.Writer is the host log.
type Sink interface {
	// WriteEvent writes one event's records in order.
	WriteEvent(recs []logfile.Record) error
	// WriteDaemon writes a record of contaudit's own (DAEMON_START,
	// DAEMON_END ...): text is what follows "audit(...): ".
	WriteDaemon(typ uint32, text string) error
	// Hold keeps what WriteEvent gets until Flush, which writes it.
	Hold()
	Flush() error
	Rotate() error
	Resume() error
	Close() error
}

// Containers is container attribution (package attribute): the daemon
// starts it once it receives records, feeds it every assembled event and
// closes it on stop.
type Containers interface {
	Start(ctx context.Context)
	// Sync applies the process events queued so far; called after each
	// batch of records is read, before they are annotated.
	Sync()
	// Advance releases exits the audit stream has passed.
	Advance(now time.Time)
	// Annotate adds CONTAINER_ID records to an event and names its
	// subject process. What it returns may be reused by the next call.
	Annotate(types []uint32, recs [][]byte) ([]uint32, [][]byte, contid.ProcID)
	// Member reports whether id is in p's contid chain (contid.Unset:
	// whether p has none).
	Member(p contid.ProcID, id uint64) bool
	Close() error
}

// EventFilter applies the rules the kernel cannot evaluate (-F contid=):
// it returns the records to keep and how many it dropped.
type EventFilter interface {
	Filter(types []uint32, recs [][]byte, member func(id uint64) bool) ([]uint32, [][]byte, int)
}

// RuleLoader loads the configured rules into the kernel; it is called at
// start and on every SIGHUP.
type RuleLoader func(ctx context.Context, k *auditnl.Conn) error

// Daemon is one running audit daemon.
type Daemon struct {
	settings  Settings
	log       *slog.Logger
	sink      Sink
	loadRules RuleLoader
	// reload rereads configuration and rules on SIGHUP; nil disables it.
	reload func() (Settings, RuleLoader, error)

	ctl, rx *auditnl.Conn
	asm     *event.Assembler[[]byte]

	out []logfile.Record // reused by write

	// barriers carries RecordBarrier's requests to the loop; idle is set
	// while the loop waits on an empty socket.
	barriers chan chan struct{}
	idle     atomic.Bool

	containers Containers
	filter     EventFilter
	subject    contid.ProcID // of the event being filtered
	member     func(id uint64) bool

	savedStatus abi.AuditStatus
	savedRules  []*abi.AuditRuleData

	counters counters
	metrics  *metrics.Registry
}

type counters struct {
	records     atomic.Uint64
	events      atomic.Uint64
	unstamped   atomic.Uint64
	writeErrors atomic.Uint64
	replace     atomic.Uint64
	kernelLost  atomic.Uint64
	backlog     atomic.Uint64
	recvErrors  atomic.Uint64
	lostSerials atomic.Uint64
	inFlight    atomic.Uint64
	filtered    atomic.Uint64
	rounds      atomic.Uint64
}

// New prepares a daemon; Run starts it.
func New(s Settings, sink Sink, rules RuleLoader, reload func() (Settings, RuleLoader, error), log *slog.Logger) *Daemon {
	if s.EndOfEventTimeout <= 0 {
		s.EndOfEventTimeout = 2 * time.Second
	}
	d := &Daemon{settings: s, log: log, sink: sink, loadRules: rules, reload: reload,
		metrics: metrics.NewRegistry(), barriers: make(chan chan struct{}, 64)}
	d.asm = event.NewAssembler[[]byte](event.Config{EndOfEventTimeout: s.EndOfEventTimeout})
	d.registerMetrics()
	return d
}

// SetContainers turns on container attribution and the userspace rule
// filter (nil when no rule needs it). Call before Run.
func (d *Daemon) SetContainers(c Containers, f EventFilter) {
	d.containers, d.filter = c, f
	d.member = func(id uint64) bool { return d.containers.Member(d.subject, id) }
}

// SetFilter sets (or, with nil, clears) the userspace rule filter; the
// rules loader calls it on every (re)load. It belongs to the loop
// goroutine once Run started.
func (d *Daemon) SetFilter(f EventFilter) { d.filter = f }

// barrierWait bounds RecordBarrier: the kernel's audit thread normally
// hands a record over within microseconds, so a longer wait means the
// daemon is far behind or not running yet, and the caller goes on.
const barrierWait = 250 * time.Millisecond

// RecordBarrier returns once the loop has stamped and written every record
// the kernel had made when it was called, or after barrierWait. A contid
// set calls it first: a process's records made before the set are often
// still in the socket buffer (the loop reads in rounds) or in the kernel's
// queue, and must carry the contid the process had when it made them.
// Safe from any goroutine but the loop's.
func (d *Daemon) RecordBarrier() {
	if d.idle.Load() {
		// Waiting on an empty socket: nothing is left to stamp, and a
		// request would wait for the next record.
		return
	}
	done := make(chan struct{})
	select {
	case d.barriers <- done:
	default:
		return // 64 waiting already: the loop is far behind
	}
	t := time.NewTimer(barrierWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// passBarriers releases the waiting RecordBarrier calls once nothing the
// kernel made before them is left: the socket was found empty (the round
// took fewer than maxBatch records) and the kernel's backlog is empty.
// Records the audit thread sent between the two checks are taken first.
func (d *Daemon) passBarriers(ctx context.Context, pending []chan struct{}, alloc *arena, batch []rawRecord) ([]chan struct{}, []rawRecord) {
	for {
		select {
		case c := <-d.barriers:
			pending = append(pending, c)
			continue
		default:
		}
		break
	}
	if len(pending) == 0 || len(batch) >= maxBatch {
		return pending, batch
	}
	st, err := d.ctl.Status(ctx)
	if err != nil || st.Backlog != 0 {
		return pending, batch
	}
	batch = d.drain(batch[:0], alloc, false)
	if len(batch) > 0 {
		d.process(batch, time.Now())
		d.keepOpen(alloc)
	}
	for _, c := range pending {
		close(c)
	}
	return pending[:0], batch
}

// WriteContainerOp writes a CONTAINER_OP record; safe from any goroutine.
func (d *Daemon) WriteContainerOp(rec contid.OpRecord) {
	d.writeDaemon(abi.AUDIT_CONTAINER_OP, rec.String())
}

// Metrics exposes the daemon's registry, for callers that add their own.
func (d *Daemon) Metrics() *metrics.Registry { return d.metrics }

// ErrAnotherDaemon is returned when another process is the audit daemon.
var ErrAnotherDaemon = errors.New("another audit daemon is registered with the kernel")

// Run runs until ctx ends, then stops cleanly: drains what the kernel sent,
// writes DAEMON_END, releases the registration and restores the kernel when
// configured. Cancellation is the normal way to stop and is not an error.
func (d *Daemon) Run(ctx context.Context) (err error) {
	if d.ctl, err = auditnl.Dial(auditnl.Options{}); err != nil {
		return err
	}
	defer d.ctl.Close()
	st, err := d.ctl.Status(ctx)
	if err != nil {
		return fmt.Errorf("read kernel audit status: %w", err)
	}
	if st.Enabled == 2 {
		d.log.Warn("kernel audit configuration is locked (enabled 2): rules and settings cannot change until reboot")
	}
	d.savedStatus = st
	if d.settings.RestoreOnExit {
		if d.savedRules, err = d.ctl.ListRules(ctx); err != nil {
			return fmt.Errorf("save kernel rules: %w", err)
		}
	}
	// Blocking: the kernel wakes the loop itself, without Go's poller (see
	// loop and pause).
	d.rx, err = auditnl.Dial(auditnl.Options{Multicast: d.settings.Multicast, ReceiveBuffer: d.settings.ReceiveBuffer, Blocking: true})
	if err != nil {
		return err
	}
	defer d.rx.Close()

	if err := d.applyKernelSettings(ctx); err != nil {
		return err
	}
	if !d.settings.Multicast {
		if err := d.rx.Register(ctx); err != nil {
			if errors.Is(err, syscall.EEXIST) {
				// The kernel pinged the registered daemon (AUDIT_REPLACE)
				// and it answered: it is alive. A daemon that died,
				// even by SIGKILL, is replaced without this error.
				return fmt.Errorf("%w (pid %d); stop it first, or set contaudit_mode = readonly: %v", ErrAnotherDaemon, st.PID, err)
			}
			return fmt.Errorf("register as the audit daemon: %w", err)
		}
	}
	// From here the kernel sends to us. Rules load before the loop reads,
	// which is safe: the records wait in the socket buffer
	// (contaudit_receive_buffer) and the kernel backlog, and the requests
	// go over the separate control socket.
	defer func() {
		if stopErr := d.shutdown(); err == nil {
			err = stopErr
		}
	}()

	if d.loadRules != nil && !d.settings.Multicast {
		if err := d.loadRules(ctx, d.ctl); err != nil {
			return err
		}
	}
	if !d.settings.Multicast {
		if cur, err := d.ctl.Status(ctx); err == nil && cur.Enabled == 0 {
			if err := d.ctl.SetStatus(ctx, abi.AuditStatus{Mask: abi.AUDIT_STATUS_ENABLED, Enabled: 1}); err != nil {
				return fmt.Errorf("enable auditing: %w", err)
			}
		}
	}
	d.writeDaemon(abi.AUDIT_DAEMON_START, logfile.StartText(Version, formatName(d.settings), kernelRelease(), logfile.SelfSender()))
	if d.settings.MetricsListen != "" {
		l, err := metrics.Listen(d.settings.MetricsListen)
		if err != nil {
			return err
		}
		go metrics.Serve(ctx, l, d.metrics, d.log)
	}
	if d.containers != nil {
		d.containers.Start(ctx)
	}
	d.log.Info("contaudit daemon started", "pid", os.Getpid(), "multicast", d.settings.Multicast, "containers", d.containers != nil)
	return d.loop(ctx)
}

// Version is written into DAEMON_START; the command sets it.
var Version = "dev"

func formatName(s Settings) string {
	if s.Enriched {
		return "enriched"
	}
	return "raw"
}

func (d *Daemon) applyKernelSettings(ctx context.Context) error {
	if d.settings.Multicast {
		return nil
	}
	var s abi.AuditStatus
	set := func(o optional, bit uint32, dst *uint32) {
		if o.Set {
			s.Mask |= bit
			*dst = o.Value
		}
	}
	set(d.settings.BacklogLimit, abi.AUDIT_STATUS_BACKLOG_LIMIT, &s.BacklogLimit)
	set(d.settings.BacklogWaitTime, abi.AUDIT_STATUS_BACKLOG_WAIT_TIME, &s.BacklogWaitTime)
	set(d.settings.RateLimit, abi.AUDIT_STATUS_RATE_LIMIT, &s.RateLimit)
	set(d.settings.Failure, abi.AUDIT_STATUS_FAILURE, &s.Failure)
	if s.Mask == 0 {
		return nil
	}
	if err := d.ctl.SetStatus(ctx, s); err != nil {
		return fmt.Errorf("apply kernel audit settings: %w", err)
	}
	return nil
}

// Batching knobs of the receive loop. A record arrives as its own
// datagram; waking, receiving and writing per record costs far more CPU
// than formatting it (on this project's VMs a wake-up costs about as much
// as handling ten records). So after a round, the loop sleeps
// Settings.BatchDelay and lets the next records gather in the socket
// buffer, then takes them with one recvmmsg and writes them with one
// write. The kernel is not slowed: kauditd moves records from its backlog
// into the socket buffer (8 MiB by default) without waiting for the
// daemon, so only the time until a record is written grows, by at most
// BatchDelay. The loop skips the sleep only when the round it just handled
// filled a quarter of the buffer (busyBatch): another sleep would gather
// as much again, a burst on top could fill the buffer, and kauditd would
// then hold records back in its backlog, which slows the processes that
// make them. A rule keyed to a
// rate instead (it was 6,400 records a second) made every busy round be
// followed at once by a round of the few records that came while it was
// handled, which paid a round's fixed costs for them: under an exec
// storm a third of the rounds were such ones.
const (
	maxBatch       = 4096
	idleWait       = 250 * time.Millisecond
	statusInterval = 5 * time.Second
	// recordTruesize is what one queued record costs a daemon's socket
	// buffer: kauditd allocates each record for 1 KiB of text
	// (AUDIT_BUFSIZ), a 2 KiB slab object with the skb's shared info,
	// plus the sk_buff, and hands that skb itself to the daemon. (A
	// multicast reader gets a copy, about 0.9 KiB under the exec storm.)
	recordTruesize = 2304
	// rmemDefault is the buffer a socket has when nobody sized it
	// (net.core.rmem_default on most kernels).
	rmemDefault = 212992
)

// busyBatch is the round size after which the loop does not sleep: a
// quarter of what a receive buffer of rcvbuf bytes holds (0: the kernel's
// default), and never more than half a round's maximum.
func busyBatch(rcvbuf int) int {
	if rcvbuf <= 0 {
		rcvbuf = rmemDefault
	}
	return max(1, min(maxBatch/2, rcvbuf/4/recordTruesize))
}

// SingleP runs the Go scheduler with one P (GOMAXPROCS=1) unless the
// environment sets GOMAXPROCS. The daemon's work is one goroutine (loop);
// with a second P idle, every pass of the loop through the scheduler
// wakes a second thread that finds nothing to do and sleeps again, and a
// flusher or any blocking system call makes the runtime hand Ps between
// threads. On the VMs this was measured on, those context switches were
// most of the daemon's CPU time. The other goroutines (signals, metrics,
// the control API) run when the loop yields, once a round.
func SingleP() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}

// loop is the daemon's one working goroutine: it drains the socket,
// assembles and writes, and only blocks when the kernel has nothing queued.
// One goroutine means no hand-off between a reader and a writer; the log
// writer never blocks (a full disk suspends it and counts the drops), so
// the kernel is never left waiting on the disk.
func (d *Daemon) loop(ctx context.Context) error {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(sigs)
	stop := context.AfterFunc(ctx, d.rx.Interrupt)
	defer stop()
	var (
		alloc      arena
		batch      = make([]rawRecord, 0, maxBatch)
		barriers   []chan struct{}
		lastTick   = time.Now()
		lastStatus = time.Now()
	)
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-sigs:
			d.handleSignal(ctx, s)
		default:
		}
		alloc.reset()
		batch = d.drain(batch[:0], &alloc, false)
		if len(batch) == 0 {
			batch = d.drain(batch, &alloc, true)
			if len(batch) > 0 && d.pause() {
				// The first record of a burst woke us: take the rest
				// of the burst with it.
				batch = d.drain(batch, &alloc, false)
			}
		}
		now := time.Now()
		if len(batch) > 0 {
			d.counters.rounds.Add(1)
			d.process(batch, now)
			d.keepOpen(&alloc)
		}
		if now.Sub(lastTick) >= idleWait {
			lastTick = now
			d.periodic(ctx, now, &lastStatus)
		}
		barriers, batch = d.passBarriers(ctx, barriers, &alloc, batch)
		// pause sleeps holding the loop's P (see pause), so to the
		// runtime the loop looks like one goroutine running for good:
		// after 10 ms its monitor would preempt it, take the P away
		// from the next wait, and then poll every 20 µs for a while.
		// Passing through the scheduler once per round tells it the
		// loop is alive and lets the daemon's other goroutines
		// (signals, metrics, control API) run; with the one P the
		// daemon runs on (see SingleP) that wakes no other thread.
		// It comes after the round's records are stamped and written:
		// a contid set that arrived meanwhile is applied now, after
		// the records the kernel made before it got the state they
		// were made in.
		runtime.Gosched()
		if n := len(batch); n > 0 && n < busyBatch(d.settings.ReceiveBuffer) && len(barriers) == 0 {
			d.pause()
		}
	}
}

// pause sleeps BatchDelay, if set, and says whether it did. It sleeps in
// the kernel holding the loop's P: released, the P is taken back by the
// runtime's monitor and the wake-up costs a hand-off; time.Sleep costs a
// wake-up of the monitor as well as of the loop. The sleep is a ppoll with
// SIGURG blocked: the runtime's monitor sends SIGURG to preempt a
// goroutine that ran 10 ms without passing through the scheduler, which
// would cut every sleep longer than that short. The blocked signal is
// delivered when ppoll returns, and the loop then yields at its next call
// (a stop-the-world waits at most one pause). Other signals still end the
// sleep at once.
func (d *Daemon) pause() bool {
	delay := d.settings.BatchDelay
	if delay <= 0 {
		return false
	}
	ts := unix.NsecToTimespec(int64(delay))
	var mask unix.Sigset_t
	const sigsetSize = 8 // the kernel's sigset_t, not glibc's
	unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_BLOCK, 0, uintptr(unsafe.Pointer(&mask)), sigsetSize, 0, 0)
	mask.Val[0] |= 1 << (uint(unix.SIGURG) - 1)
	unix.RawSyscall6(unix.SYS_PPOLL, 0, 0, uintptr(unsafe.Pointer(&ts)), uintptr(unsafe.Pointer(&mask)), sigsetSize, 0)
	return true
}

// drain reads what the kernel has queued, up to maxBatch records, copying
// them out of the receive buffer. With wait it first blocks up to idleWait
// for one datagram.
func (d *Daemon) drain(batch []rawRecord, alloc *arena, wait bool) []rawRecord {
	for len(batch) < maxBatch {
		var (
			msgs []auditnl.Message
			err  error
		)
		if wait {
			d.rx.SetReadDeadline(time.Now().Add(idleWait))
			d.idle.Store(true)
			msgs, err = d.rx.Receive()
			d.idle.Store(false)
			d.rx.SetReadDeadline(time.Time{})
			wait = false
		} else {
			msgs, err = d.rx.TryReceive()
		}
		if err != nil {
			if errors.Is(err, auditnl.ErrWouldBlock) || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, os.ErrClosed) {
				return batch
			}
			d.counters.recvErrors.Add(1)
			if errors.Is(err, syscall.ENOBUFS) {
				d.log.Warn("netlink receive buffer overran: the kernel dropped records for us", "overruns", d.rx.Stats().Overruns.Load())
			} else {
				d.log.Error("netlink receive", "err", err)
			}
			continue
		}
		for _, m := range msgs {
			if m.Header.Type == abi.AUDIT_REPLACE {
				// The kernel pinging us to check the daemon is alive
				// when someone else tries to register.
				d.counters.replace.Add(1)
				continue
			}
			batch = append(batch, rawRecord{typ: m.Header.Type, data: alloc.copy(trimPayload(m.Data))})
		}
	}
	return batch
}

// keepOpen moves the records of events still open out of the round's
// arena before it is reused.
func (d *Daemon) keepOpen(a *arena) {
	d.asm.EachOpen(func(r *[]byte) {
		if a.owns(*r) {
			*r = bytes.Clone(*r)
		}
	})
}

// signalSender names who signalled the daemon, as auditd does: the
// kernel records the sender of each SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2
// sent to the registered audit daemon (AUDIT_SIGNAL_INFO: pid, loginuid
// or uid, LSM context); its uid and session are read from /proc while it
// lives, else the kernel's uid and an unset session stand in. In read-only
// mode contaudit is not the registered daemon, so the sender is unknown
// and auditd's placeholders are written.
func (d *Daemon) signalSender(ctx context.Context) logfile.Sender {
	if d.settings.Multicast {
		return logfile.Sender{}
	}
	si, err := d.ctl.SignalInfo(ctx)
	if err != nil {
		d.log.Warn("ask the kernel who sent the signal", "err", err)
		return logfile.Sender{}
	}
	if si.PID <= 0 {
		return logfile.Sender{}
	}
	s := logfile.Sender{Known: true, AUID: si.UID, UID: si.UID, Ses: 4294967295, PID: int(si.PID), Subj: si.Ctx}
	if uid, ses, ok := procCreds(si.PID); ok {
		s.UID, s.Ses = uid, ses
	}
	return s
}

// procCreds reads a live process's real uid and audit session.
func procCreds(pid int32) (uid, ses uint32, ok bool) {
	dir := "/proc/" + strconv.Itoa(int(pid))
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return 0, 0, false
	}
	_, rest, found := bytes.Cut(status, []byte("\nUid:\t"))
	if !found {
		return 0, 0, false
	}
	field, _, _ := bytes.Cut(rest, []byte("\t"))
	u, err := strconv.ParseUint(string(field), 10, 32)
	if err != nil {
		return 0, 0, false
	}
	b, err := os.ReadFile(dir + "/sessionid")
	if err != nil {
		return 0, 0, false
	}
	sv, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
	if err != nil {
		return 0, 0, false
	}
	return uint32(u), uint32(sv), true
}

// periodic closes timed-out events and refreshes the metrics the loop owns.
func (d *Daemon) periodic(ctx context.Context, now time.Time, lastStatus *time.Time) {
	if d.containers != nil {
		// Also keeps the process events moving when no records come.
		d.containers.Sync()
	}
	d.emit(d.asm.Expire(now))
	if d.containers != nil {
		d.containers.Advance(now)
	}
	// The assembler belongs to this goroutine; metrics read copies.
	as := d.asm.Stats()
	d.counters.lostSerials.Store(as.Lost)
	d.counters.inFlight.Store(uint64(as.InFlight))
	if now.Sub(*lastStatus) >= statusInterval {
		*lastStatus = now
		d.pollKernel(ctx)
	}
}

func (d *Daemon) handleSignal(ctx context.Context, s os.Signal) {
	switch s {
	case syscall.SIGHUP:
		if d.reload == nil {
			return
		}
		sender := d.signalSender(ctx)
		settings, loader, err := d.reload()
		if err != nil {
			d.log.Error("reload refused: keeping the running configuration", "err", err)
			d.writeDaemon(abi.AUDIT_DAEMON_CONFIG, logfile.SignalText("reconfigure state=no-change", sender))
			return
		}
		d.settings.BacklogLimit, d.settings.BacklogWaitTime = settings.BacklogLimit, settings.BacklogWaitTime
		d.settings.RateLimit, d.settings.Failure = settings.RateLimit, settings.Failure
		if err := d.applyKernelSettings(ctx); err != nil {
			d.log.Error("reload: kernel settings", "err", err)
		}
		d.loadRules = loader
		if loader != nil && !d.settings.Multicast {
			if err := loader(ctx, d.ctl); err != nil {
				d.log.Error("reload: rules", "err", err)
			}
		}
		d.writeDaemon(abi.AUDIT_DAEMON_CONFIG, logfile.SignalText("reconfigure state=changed", sender))
		d.log.Info("configuration and rules reloaded")
	case syscall.SIGUSR1:
		if err := d.sink.Rotate(); err != nil {
			d.log.Error("rotate", "err", err)
			return
		}
		// auditd starts the new file with DAEMON_ROTATE.
		d.writeDaemon(abi.AUDIT_DAEMON_ROTATE, logfile.SignalText(logfile.OpRotate, d.signalSender(ctx)))
	case syscall.SIGUSR2:
		if err := d.sink.Resume(); err != nil {
			d.log.Error("resume", "err", err)
			return
		}
		d.writeDaemon(abi.AUDIT_DAEMON_RESUME, logfile.SignalText(logfile.OpResume, d.signalSender(ctx)))
	}
}

// process stamps and assembles a batch of records and writes the events
// they complete.
func (d *Daemon) process(recs []rawRecord, now time.Time) {
	if d.containers != nil {
		d.containers.Sync()
	}
	// One write for the whole batch.
	d.sink.Hold()
	defer func() {
		if err := d.sink.Flush(); err != nil {
			d.counters.writeErrors.Add(1)
			if !errors.Is(err, logfile.ErrSuspended) {
				d.log.Error("write events", "err", err)
			}
		}
	}()
	for _, r := range recs {
		d.counters.records.Add(1)
		sec, msec, serial, _, err := parseStamp(r.data)
		if err != nil {
			// Keep what the kernel sent even without a stamp: write it
			// alone and count it.
			d.counters.unstamped.Add(1)
			d.write([]uint32{uint32(r.typ)}, [][]byte{r.data})
			continue
		}
		d.emit(d.asm.Add(event.Key{Sec: sec, Msec: msec, Serial: serial}, uint32(r.typ), r.data, now))
	}
	if d.containers != nil {
		d.containers.Advance(now)
	}
}

func (d *Daemon) emit(evs []event.Event[[]byte]) {
	for i := range evs {
		if len(evs[i].Records) == 0 {
			continue
		}
		types, recs := evs[i].Types, evs[i].Records
		if d.containers != nil {
			types, recs, d.subject = d.containers.Annotate(types, recs)
			if d.filter != nil {
				var dropped int
				types, recs, dropped = d.filter.Filter(types, recs, d.member)
				d.counters.filtered.Add(uint64(dropped))
				if len(recs) == 0 {
					continue
				}
			}
		}
		d.write(types, recs)
	}
}

func (d *Daemon) write(types []uint32, recs [][]byte) {
	d.counters.events.Add(1)
	out := d.out[:0]
	for i, r := range recs {
		out = append(out, logfile.Record{Type: types[i], Msg: r, Added: types[i] == abi.AUDIT_CONTAINER_ID})
	}
	d.out = out
	if err := d.sink.WriteEvent(out); err != nil {
		d.counters.writeErrors.Add(1)
		if !errors.Is(err, logfile.ErrSuspended) {
			d.log.Error("write event", "err", err)
		}
	}
}

func (d *Daemon) writeDaemon(typ uint32, body string) {
	if err := d.sink.WriteDaemon(typ, body); err != nil {
		d.counters.writeErrors.Add(1)
		d.log.Error("write daemon record", "type", abi.MsgTypeName(typ), "err", err)
	}
}

func (d *Daemon) pollKernel(ctx context.Context) {
	st, err := d.ctl.Status(ctx)
	if err != nil {
		d.log.Warn("poll kernel status", "err", err)
		return
	}
	if prev := d.counters.kernelLost.Swap(uint64(st.Lost)); uint64(st.Lost) > prev && prev != 0 {
		d.log.Warn("kernel lost audit records", "lost", st.Lost, "new", uint64(st.Lost)-prev)
	}
	d.counters.backlog.Store(uint64(st.Backlog))
}

// shutdown drains the kernel's records, writes DAEMON_END, releases the
// kernel and closes the log. It runs even when Run failed half-way.
func (d *Daemon) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	// Asked first, as auditd does, while the kernel still knows us.
	sender := d.signalSender(ctx)
	if !d.settings.Multicast {
		if err := d.rx.Unregister(ctx); err != nil {
			errs = append(errs, fmt.Errorf("release audit registration: %w", err))
		}
	}
	// Write what the kernel queued to us before it saw the unregistration
	// (and what arrived while Unregister waited for its ACK).
	var alloc arena // not reset: everything stays valid until exit
	for {
		batch := d.drain(nil, &alloc, false)
		if len(batch) == 0 {
			break
		}
		d.process(batch, time.Now())
	}
	d.emit(d.asm.Flush())
	if d.containers != nil {
		if err := d.containers.Close(); err != nil {
			errs = append(errs, fmt.Errorf("stop container attribution: %w", err))
		}
	}
	if d.settings.RestoreOnExit && !d.settings.Multicast {
		if err := d.restoreKernel(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	d.writeDaemon(abi.AUDIT_DAEMON_END, logfile.SignalText(logfile.OpTerminate, sender))
	if err := d.sink.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close log: %w", err))
	}
	d.log.Info("contaudit daemon stopped", "records", d.counters.records.Load(), "events", d.counters.events.Load())
	return errors.Join(errs...)
}

// restoreKernel puts back the rules and status found at start.
func (d *Daemon) restoreKernel(ctx context.Context) error {
	cur, err := d.ctl.ListRules(ctx)
	if err != nil {
		return fmt.Errorf("restore: list rules: %w", err)
	}
	var errs []error
	for _, r := range cur {
		if err := d.ctl.DeleteRule(ctx, r); err != nil {
			errs = append(errs, fmt.Errorf("restore: delete rule: %w", err))
		}
	}
	for _, r := range d.savedRules {
		if err := d.ctl.AddRule(ctx, r); err != nil {
			errs = append(errs, fmt.Errorf("restore: re-add rule: %w", err))
		}
	}
	s := d.savedStatus
	s.Mask = abi.AUDIT_STATUS_ENABLED | abi.AUDIT_STATUS_BACKLOG_LIMIT | abi.AUDIT_STATUS_RATE_LIMIT | abi.AUDIT_STATUS_BACKLOG_WAIT_TIME
	if s.Failure <= abi.AUDIT_FAIL_PRINTK {
		s.Mask |= abi.AUDIT_STATUS_FAILURE
	}
	if s.Enabled == 2 {
		s.Mask &^= abi.AUDIT_STATUS_ENABLED
	}
	if err := d.ctl.SetStatus(ctx, s); err != nil {
		errs = append(errs, fmt.Errorf("restore: status: %w", err))
	}
	return errors.Join(errs...)
}
