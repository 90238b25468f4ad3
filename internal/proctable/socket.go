package proctable

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/procbpf"
	"github.com/contaudit/contaudit/internal/recvbatch"
	"golang.org/x/sys/unix"
)

// socket is a NETLINK_CONNECTOR socket subscribed to the proc connector,
// registered with Go's poller so that Run's wait never pins an OS thread.
type socket struct {
	f       *os.File
	inode   uint64 // names the socket in /proc/net/netlink
	passive bool   // outside Go's poller (Config.Passive)
}

func openSocket(rcvbuf int, passive bool) (*socket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, abi.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("open NETLINK_CONNECTOR socket: %w", err)
	}
	if rcvbuf > 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf); err != nil {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvbuf); err != nil {
				unix.Close(fd)
				return nil, fmt.Errorf("set proc connector receive buffer to %d bytes: %w", rcvbuf, err)
			}
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: abi.CN_IDX_PROC}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind proc connector group: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("fstat proc connector socket: %w", err)
	}
	if passive {
		// Kept out of Go's network poller: it would wake a thread for
		// every event although nobody waits (recv never blocks:
		// MSG_DONTWAIT), and under an exec storm those wake-ups cost
		// more than applying the events.
		if err := subscribePolling(fd, abi.PROC_CN_MCAST_LISTEN); err != nil {
			unix.Close(fd)
			return nil, err
		}
		if err := unix.SetNonblock(fd, false); err != nil {
			unix.Close(fd)
			return nil, err
		}
		return &socket{f: os.NewFile(uintptr(fd), "netlink-connector-proc"), inode: st.Ino, passive: true}, nil
	}
	s := &socket{f: os.NewFile(uintptr(fd), "netlink-connector-proc"), inode: st.Ino}
	if err := s.subscribe(abi.PROC_CN_MCAST_LISTEN); err != nil {
		s.f.Close()
		return nil, err
	}
	return s, nil
}

// forkExitOnly asks the kernel (6.6 and later; older ones ignore the
// request) to send only FORK and EXIT events: a lazy table learns nothing
// it needs from EXEC, UID, GID or COMM, and under an exec storm EXEC is a
// third of the events. The request carries a proc_input; the kernel's
// answer to it is itself filtered out, so none is awaited: the
// subscription was confirmed by the plain LISTEN before.
func (s *socket) forkExitOnly() {
	msg, _ := subscribeMsg(abi.PROC_CN_MCAST_LISTEN)
	var filter [4]byte
	binary.NativeEndian.PutUint32(filter[:], abi.PROC_EVENT_FORK|abi.PROC_EVENT_EXIT)
	msg = append(msg, filter[:]...)
	binary.NativeEndian.PutUint32(msg[0:], uint32(len(msg)))
	// cn_msg.len, after the netlink header and idx, val, seq and ack.
	binary.NativeEndian.PutUint16(msg[unix.NLMSG_HDRLEN+16:], 8)
	if rc, err := s.f.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) {
			_ = unix.Sendto(int(fd), msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
		})
	}
}

// subscribeMsg is the PROC_CN_MCAST_LISTEN (or IGNORE) request and the
// ack its answer carries plus one.
func subscribeMsg(op uint32) ([]byte, uint32) {
	ack := uint32(os.Getpid())<<8 | 0x5a
	var data [4]byte
	binary.NativeEndian.PutUint32(data[:], op)
	payload := abi.AppendCnMsg(nil, abi.CnMsg{ID: abi.CbID{Idx: abi.CN_IDX_PROC, Val: abi.CN_VAL_PROC}, Seq: 1, Ack: ack}, data[:])
	msg := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(payload))
	binary.NativeEndian.PutUint32(msg[0:], uint32(unix.NLMSG_HDRLEN+len(payload)))
	binary.NativeEndian.PutUint16(msg[4:], unix.NLMSG_DONE)
	return append(msg, payload...), ack
}

// subscribePolling is subscribe for a socket outside Go's poller: it
// waits for the answer with poll(2).
func subscribePolling(fd int, op uint32) error {
	msg, ack := subscribeMsg(op)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("subscribe to proc connector: %w", err)
	}
	buf := make([]byte, 4096)
	deadline := time.Now().Add(2 * time.Second)
	for {
		n, err := recv(fd, buf)
		switch {
		case err == unix.EAGAIN:
			left := time.Until(deadline)
			if left <= 0 {
				return fmt.Errorf("subscribe to proc connector: no answer in 2s (outside the initial user and PID namespaces?): %w", unix.EPERM)
			}
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			if _, err := unix.Poll(pfd, int(left/time.Millisecond)+1); err != nil && err != unix.EINTR {
				return fmt.Errorf("subscribe to proc connector: poll: %w", err)
			}
		case err != nil:
			// ENOBUFS: only events lost, the seed covers them.
		default:
			if e, ok := ackOf(buf[:n], ack+1); ok {
				if e != 0 {
					return fmt.Errorf("subscribe to proc connector (needs CAP_NET_ADMIN): %w", unix.Errno(e))
				}
				return nil
			}
		}
	}
}

// subscribe sends PROC_CN_MCAST_LISTEN and waits for the kernel's
// answer, a PROC_EVENT_NONE carrying our ack+1 and an errno. Without
// CAP_NET_ADMIN the kernel answers EPERM; outside the initial user and PID
// namespaces it ignores the request, so silence is an error too. Events
// that arrive before the answer are discarded: the seed walk that follows
// covers them.
func (s *socket) subscribe(op uint32) error {
	msg, ack := subscribeMsg(op)
	rc, err := s.f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.Sendto(int(fd), msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("subscribe to proc connector: %w", serr)
	}
	if err := s.f.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return err
	}
	defer s.f.SetReadDeadline(time.Time{})
	buf := make([]byte, 4096)
	var (
		answered bool
		kerr     uint32
	)
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, err := recv(int(fd), buf)
			if err == unix.EAGAIN {
				return false
			}
			if err != nil {
				continue // ENOBUFS: only events lost, the seed covers them
			}
			if e, ok := ackOf(buf[:n], ack+1); ok {
				answered, kerr = true, e
				return true
			}
		}
	})
	switch {
	case answered && kerr != 0:
		return fmt.Errorf("subscribe to proc connector (needs CAP_NET_ADMIN): %w", unix.Errno(kerr))
	case answered:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("subscribe to proc connector: no answer in 2s (outside the initial user and PID namespaces?): %w", unix.EPERM)
	default:
		return fmt.Errorf("subscribe to proc connector: %w", err)
	}
}

// ackOf returns the errno of a PROC_EVENT_NONE answer with this ack.
func ackOf(b []byte, ack uint32) (uint32, bool) {
	if len(b) < unix.NLMSG_HDRLEN {
		return 0, false
	}
	m, data, err := abi.UnmarshalCnMsg(b[unix.NLMSG_HDRLEN:])
	if err != nil || m.Ack != ack || m.ID.Idx != abi.CN_IDX_PROC {
		return 0, false
	}
	var ev abi.ProcEvent
	if abi.UnmarshalProcEvent(data, &ev) != nil || ev.What != abi.PROC_EVENT_NONE {
		return 0, false
	}
	return binary.NativeEndian.Uint32(ev.Data[:4]), true
}

// recv reads one datagram without blocking. Datagrams not from the kernel
// (port 0) are dropped: only the kernel may report process events.
func recv(fd int, b []byte) (int, error) {
	for {
		var from unix.RawSockaddrNetlink
		fromLen := uint32(unix.SizeofSockaddrNetlink)
		r, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)),
			unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&from)), uintptr(unsafe.Pointer(&fromLen)))
		if e != 0 {
			return 0, e
		}
		if from.Pid == 0 {
			return int(r), nil
		}
	}
}

// Open subscribes to the process events (the proc connector's, or BPF's:
// Config.Events), then seeds the table from /proc: in that order, so that
// nothing that happens during the walk is missed. It must run in the
// initial user and PID namespaces, and as root: kernels before 6.6 refuse
// the connector's subscription without CAP_NET_ADMIN, BPF needs CAP_BPF,
// and /proc hides other users' namespaces and executables from anyone
// else.
func Open(cfg Config) (*Table, error) {
	cfg.defaults()
	var (
		sock *socket
		ring *procbpf.Ring
		note string
		err  error
	)
	switch {
	case cfg.Events == EventsBPF && !cfg.LazyExec:
		return nil, errors.New("BPF process events need a LazyExec table: they carry FORK and EXIT only")
	case cfg.Events == EventsBPF || (cfg.Events == EventsAuto && cfg.LazyExec):
		ring, err = procbpf.Open(procbpf.Options{Size: cfg.RingSize, Wakeup: !cfg.Passive})
		if err != nil && cfg.Events == EventsBPF {
			return nil, err
		}
		if err != nil {
			note = err.Error()
		}
	}
	if ring == nil {
		if sock, err = openSocket(cfg.ReceiveBuffer, cfg.Passive); err != nil {
			if note != "" {
				return nil, fmt.Errorf("%w (BPF, tried first: %s)", err, note)
			}
			return nil, err
		}
		if cfg.LazyExec {
			sock.forkExitOnly()
		}
	}
	closeEvents := func() {
		if sock != nil {
			sock.f.Close()
		} else {
			ring.Close()
		}
	}
	r1, err := newProcReader(cfg.ProcRoot)
	if err != nil {
		closeEvents()
		return nil, err
	}
	r2, err := newProcReader(cfg.ProcRoot)
	if err != nil {
		closeEvents()
		r1.close()
		return nil, err
	}
	t := newTable(cfg, r1, r2)
	t.sock, t.ring, t.ringNote = sock, ring, note
	if sock != nil {
		t.rcvbuf.Store(int64(cfg.ReceiveBuffer))
		t.events = newEventBatch()
	} else {
		t.ringLost = ring.Lost()
		t.hold = cfg.FoldShortLived
	}
	t.closers = []func(){r1.close, r2.close}
	t.drainMu.Lock()
	err = t.rescan(true)
	t.drainMu.Unlock()
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("seed process table from %s: %w", cfg.ProcRoot, err)
	}
	return t, nil
}

// Close stops event delivery; Run returns and Sync fails afterwards. The
// table stays readable.
func (t *Table) Close() error {
	t.drainMu.Lock()
	defer t.drainMu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	for _, c := range t.closers {
		c()
	}
	t.inferMu.Lock()
	t.inferSrc = deadSource{}
	t.inferMu.Unlock()
	if t.ring != nil {
		return t.ring.Close()
	}
	return t.sock.f.Close()
}

type deadSource struct{}

func (deadSource) read(int32, *procInfo, uint64, uint64, readParts) error { return errGone }
func (deadSource) list(p []int32) ([]int32, error)                        { return p, errors.New("table closed") }

var errPassive = errors.New("proctable: Run on a passive table: its owner calls Sync")

// ErrClosed is returned by Sync and Run after Close.
var ErrClosed = errors.New("proctable: closed")

// Sync applies every event the kernel has queued so far, without blocking
// for more. Call it before attributing a batch of audit records: a FORK
// the kernel sent before a record was generated is then in the table.
// When nothing is queued it costs a mutex and one recvfrom (the
// connector's) or two memory reads (BPF's ring).
func (t *Table) Sync() error {
	if t.ring != nil {
		_, err := t.drainRing(false)
		return err
	}
	rc, err := t.sock.f.SyscallConn()
	if err != nil {
		return ErrClosed
	}
	var derr error
	if err := rc.Control(func(fd uintptr) { _, derr = t.drain(int(fd), false) }); err != nil {
		return ErrClosed
	}
	return derr
}

// Settle is Sync that also reports the forks held back a batch (see
// Config.FoldShortLived) to the hooks before it returns: what an owner
// calls before it reads or changes what its hooks keep, such as the
// contid registry's holders.
func (t *Table) Settle() error {
	if err := t.Sync(); err != nil || !t.hold {
		return err
	}
	if _, err := t.lockDrain(false); err != nil {
		return err
	}
	defer t.drainMu.Unlock()
	t.releaseAll()
	return nil
}

// releaseAll runs the hooks on every queued and held change; drainMu is
// held.
func (t *Table) releaseAll() {
	t.mu.Lock()
	t.noHold = true
	evs := t.takePending()
	t.mu.Unlock()
	t.runPending(evs)
}

// trySync drains like Sync unless a drain is running (or the caller is a
// hook inside one); it reports whether it applied any event.
func (t *Table) trySync() bool {
	if t.ring != nil {
		n, _ := t.drainRing(true)
		return n > 0
	}
	if t.sock == nil {
		return false
	}
	rc, err := t.sock.f.SyscallConn()
	if err != nil {
		return false
	}
	n := 0
	_ = rc.Control(func(fd uintptr) { n, _ = t.drain(int(fd), true) })
	return n > 0
}

// Run applies events as they arrive until ctx is done (it then returns
// nil) or the socket fails.
func (t *Table) Run(ctx context.Context) error {
	if t.cfg.Passive {
		return errPassive
	}
	if t.ring != nil {
		return t.runRing(ctx)
	}
	rc, err := t.sock.f.SyscallConn()
	if err != nil {
		return ErrClosed
	}
	stop := context.AfterFunc(ctx, func() { _ = t.sock.f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		var derr error
		err := rc.Read(func(fd uintptr) bool {
			var n int
			n, derr = t.drain(int(fd), false)
			// false: nothing was queued, wait for readability.
			return n > 0 || derr != nil
		})
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			t.drainMu.Lock()
			closed := t.closed
			t.drainMu.Unlock()
			if closed {
				return ErrClosed
			}
			return fmt.Errorf("wait for proc connector events: %w", err)
		}
		if derr != nil {
			return derr
		}
	}
}

// maxReceiveBuffer caps the growth of SO_RCVBUF after overflows: about
// 80000 queued events.
const maxReceiveBuffer = 64 << 20

// drain receives and applies until the socket is empty. On ENOBUFS the
// kernel has dropped events we will never see, and it keeps dropping
// silently (no second ENOBUFS) until a receive finds the queue empty. So
// the rescan waits for that empty queue: an overflow during the rescan is
// then reported again, and nothing is lost unnoticed.
func (t *Table) drain(fd int, try bool) (int, error) {
	if ok, err := t.lockDrain(try); !ok {
		return 0, err
	}
	defer t.drainMu.Unlock()
	// The clocks cost three syscalls where the vDSO is missing (some
	// VMs): read them once there is an event, so an idle Sync is one
	// recvfrom.
	var c clocks
	n := 0
	rescan := false
	for {
		dgram, err := t.events.recv(fd)
		if n == 0 && err == nil {
			c = t.clock()
		}
		switch {
		case err == unix.EAGAIN:
			if n > 0 {
				t.afterBatch(c)
			}
			if !rescan {
				return n, nil
			}
			rescan = false
			if err := t.rescan(false); err != nil {
				return n, fmt.Errorf("rescan /proc after lost proc events: %w", err)
			}
			c = t.clock()
			continue
		case err == unix.EINTR:
			continue
		case err == unix.ENOBUFS:
			t.n.lost.Add(1)
			rescan = true
			// A buffer that overflowed once will again: grow it, or
			// sustained load could keep us rescanning.
			if cur := int(t.rcvbuf.Load()); cur < maxReceiveBuffer {
				next := min(2*max(cur, 64<<10), maxReceiveBuffer)
				if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, next) == nil {
					t.rcvbuf.Store(int64(next))
				}
			}
			n++
			continue
		case err != nil:
			return n, fmt.Errorf("receive proc connector event: %w", err)
		}
		t.applyDatagram(dgram, c)
		n++
		// Long drains publish hooks and prune as they go, and refresh the
		// clocks so wall times stay exact.
		if n%512 == 0 {
			t.afterBatch(c)
			c = t.clock()
		}
	}
}

// lockDrain takes drainMu (or with try, only if it is free) for a drain
// of an open table; it reports false, holding nothing, otherwise.
func (t *Table) lockDrain(try bool) (bool, error) {
	if !try {
		t.drainMu.Lock()
	} else if !t.drainMu.TryLock() {
		return false, nil
	}
	if t.closed {
		t.drainMu.Unlock()
		return false, ErrClosed
	}
	return true, nil
}

func (t *Table) applyDatagram(b []byte, c clocks) {
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(binary.NativeEndian.Uint32(b[0:]))
		typ := binary.NativeEndian.Uint16(b[4:])
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			return
		}
		if typ != unix.NLMSG_ERROR && typ != unix.NLMSG_NOOP {
			m, data, err := abi.UnmarshalCnMsg(b[unix.NLMSG_HDRLEN:l])
			switch {
			case err != nil:
				t.n.badEvents.Add(1)
			case m.ID.Idx != abi.CN_IDX_PROC || m.ID.Val != abi.CN_VAL_PROC:
				// Another connector's message: not ours to count.
			case abi.UnmarshalProcEvent(data, &t.ev) != nil:
				t.n.badEvents.Add(1)
			default:
				t.apply(&t.ev, 0, c)
			}
		}
		a := (l + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
		if a >= len(b) {
			return
		}
		b = b[a:]
	}
}

// setReceiveBuffer resizes SO_RCVBUF of a running table (tests force an
// overflow with a tiny buffer, then recover with a normal one).
func (t *Table) setReceiveBuffer(n int) error {
	rc, err := t.sock.f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n)
	}); err != nil {
		return err
	}
	if serr == nil {
		t.rcvbuf.Store(int64(n))
	}
	return serr
}

// Rescan walks /proc and reconciles the table now, as after lost events.
// The connector does not report unshare(2), setns(2), cgroup moves or
// loginuid changes; a process's exec re-reads them, and a daemon that
// needs them sooner may call Rescan periodically.
func (t *Table) Rescan() error {
	t.drainMu.Lock()
	defer t.drainMu.Unlock()
	if t.closed {
		return ErrClosed
	}
	return t.rescan(false)
}

// drops reads the kernel's count of events dropped on this socket
// (sk_drops, the Drops column of /proc/net/netlink): ENOBUFS says that
// events were lost, this says how many.
func (s *socket) drops(procRoot string) (uint64, bool) {
	b, err := os.ReadFile(procRoot + "/net/netlink")
	if err != nil {
		return 0, false
	}
	ino := strconv.FormatUint(s.inode, 10)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 10 && f[9] == ino {
			v, err := strconv.ParseUint(f[8], 10, 64)
			return v, err == nil
		}
	}
	return 0, false
}

// eventBatch hands out connector datagrams received up to 64 at a time
// with one recvmmsg: an exec storm brings two per exec, and one system
// call each was most of what following processes cost the daemon.
type eventBatch struct {
	b       *recvbatch.Batch
	n, next int
}

// A proc connector datagram is a netlink header, a cn_msg and a
// proc_event: about 80 bytes. Longer ones are cut to the slot, which the
// parser then refuses and counts.
const (
	eventSlots    = 64
	eventSlotSize = 512
)

func newEventBatch() *eventBatch {
	return &eventBatch{b: recvbatch.New(eventSlots, eventSlotSize)}
}

// recv returns the next datagram from the kernel without blocking
// (EAGAIN when none is queued); datagrams from any other sender are
// dropped. The slice is valid until the batch is refilled, after the
// last of its datagrams was handed out.
func (e *eventBatch) recv(fd int) ([]byte, error) {
	for {
		if e.next == e.n {
			n, err := e.b.Receive(fd, 0)
			e.n, e.next = n, 0
			if errors.Is(err, recvbatch.ErrWouldBlock) {
				return nil, unix.EAGAIN
			}
			if err != nil {
				return nil, err
			}
		}
		d, _, fromKernel := e.b.Datagram(e.next)
		e.next++
		if fromKernel {
			return d, nil
		}
	}
}
