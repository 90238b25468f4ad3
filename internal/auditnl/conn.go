package auditnl

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/contaudit/contaudit/internal/recvbatch"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"golang.org/x/sys/unix"
)

// DefaultTimeout bounds a request whose context has no deadline: the kernel
// answers in microseconds, so a silent kernel is a bug worth surfacing.
const DefaultTimeout = 5 * time.Second

// ReceiveBufferSize holds the largest record (8560 bytes of text) with room
// for a reply batch; datagrams beyond it are reported as truncated.
const ReceiveBufferSize = 64 << 10

// ErrPanicMode is returned for a request to set failure mode 2 (panic):
// contaudit never sends it, because a test or a typo would take the whole
// machine down.
var ErrPanicMode = errors.New("audit failure mode 2 (panic) is refused by contaudit")

// ErrWouldBlock is TryReceive's answer when nothing is queued.
var ErrWouldBlock = errors.New("no netlink datagram queued")

// ErrTruncated reports a datagram larger than the receive buffer.
var ErrTruncated = errors.New("netlink datagram truncated")

// Conn is a NETLINK_AUDIT connection. Requests are serialised; Receive is
// meant for one reader goroutine.
type Conn struct {
	t   Transport
	mu  sync.Mutex // one request in flight: replies are matched by seq
	seq atomic.Uint32

	buf     []byte
	msgs    []Message
	pending []Message        // records that arrived while a request waited
	batch   *recvbatch.Batch // TryReceive's recvmmsg slots, on a real socket
	batchN  int              // datagrams in the batch
	next    int              // the next one to hand out

	stats Stats
}

// Stats are the connection's counters since Dial.
type Stats struct {
	Datagrams  atomic.Uint64
	Overruns   atomic.Uint64 // ENOBUFS: the kernel dropped records for us
	Malformed  atomic.Uint64 // datagrams that were not valid netlink
	Truncated  atomic.Uint64
	Unexpected atomic.Uint64 // replies to no request of ours
}

// Dial opens a NETLINK_AUDIT socket.
func Dial(opts Options) (*Conn, error) {
	s, err := openSocket(opts)
	if err != nil {
		return nil, err
	}
	return New(s), nil
}

// New wraps a transport, such as auditnltest's fake kernel.
func New(t Transport) *Conn {
	return &Conn{t: t, buf: make([]byte, ReceiveBufferSize)}
}

// Close closes the socket. A registered daemon should Unregister first;
// closing alone leaves the kernel to notice on its next send.
func (c *Conn) Close() error { return c.t.Close() }

// Stats returns the live counters.
func (c *Conn) Stats() *Stats { return &c.stats }

// PortID is the socket's netlink port.
func (c *Conn) PortID() uint32 { return c.t.PortID() }

type replyWant int

const (
	wantAck   replyWant = iota // ACK only
	wantOne                    // one reply of the request's type, and the ACK
	wantMulti                  // replies until NLMSG_DONE, and the ACK
)

// request sends one command and collects its replies. The kernel sends the
// ACK synchronously but GET and LIST_RULES replies from a kernel thread, so
// they arrive in either order: wait for both.
func (c *Conn) request(ctx context.Context, typ uint16, payload []byte, want replyWant) ([]Message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	dl, _ := ctx.Deadline()
	if err := c.t.SetReadDeadline(dl); err != nil {
		return nil, err
	}
	defer c.t.SetReadDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { c.t.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()

	seq := c.seq.Add(1)
	req := MarshalMessage(Header{Type: typ, Flags: unix.NLM_F_REQUEST | unix.NLM_F_ACK, Seq: seq}, payload)
	if err := c.t.Send(req); err != nil {
		return nil, &OpError{Op: opName(typ), Err: err}
	}
	var (
		replies []Message
		acked   bool
		done    = want == wantAck
	)
	for !acked || !done {
		msgs, err := c.readDatagram()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if ctx.Err() == nil {
					// A Blocking socket's periodic wake-up.
					continue
				}
				err = ctx.Err()
			}
			return nil, &OpError{Op: opName(typ), Err: err}
		}
		for _, m := range msgs {
			if m.Header.Seq != seq || m.Header.Type == abi.AUDIT_EOE || isRecord(m.Header.Type) && m.Header.Type != typ {
				if isRecord(m.Header.Type) {
					c.pending = append(c.pending, clone(m))
				} else {
					c.stats.Unexpected.Add(1)
				}
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_ERROR:
				errno, err := parseError(m)
				if err != nil {
					return nil, &OpError{Op: opName(typ), Err: err}
				}
				if errno != 0 {
					return nil, &OpError{Op: opName(typ), Err: errno}
				}
				acked = true
			case unix.NLMSG_DONE:
				done = true
			default:
				replies = append(replies, clone(m))
				if want == wantOne {
					done = true
				}
			}
		}
	}
	return replies, nil
}

func clone(m Message) Message {
	m.Data = append([]byte(nil), m.Data...)
	return m
}

// readDatagram receives and splits one datagram into c.msgs, which alias
// c.buf until the next call.
func (c *Conn) readDatagram() ([]Message, error) { return c.read(c.t.Receive) }

func (c *Conn) read(recv func([]byte) (int, error)) ([]Message, error) {
	n, err := recv(c.buf)
	if err != nil {
		if errors.Is(err, unix.ENOBUFS) {
			c.stats.Overruns.Add(1)
		}
		return nil, err
	}
	return c.parse(c.buf[:min(n, len(c.buf))], n, len(c.buf))
}

// parse splits a datagram of full length n, received into a buffer of
// size bufLen (b holds what fitted), into c.msgs.
func (c *Conn) parse(b []byte, n, bufLen int) ([]Message, error) {
	c.stats.Datagrams.Add(1)
	if n > bufLen {
		c.stats.Truncated.Add(1)
		return nil, fmt.Errorf("%w: %d bytes, buffer %d", ErrTruncated, n, bufLen)
	}
	msgs, err := ParseDatagram(b, c.msgs[:0])
	c.msgs = msgs
	if err != nil {
		c.stats.Malformed.Add(1)
		return nil, err
	}
	return msgs, nil
}

// Receive returns the next batch of records: first those that arrived while
// a request was waiting, then one datagram's worth. The returned messages
// alias an internal buffer until the next call. Errors wrapping
// unix.ENOBUFS (records were lost, and counted in Stats().Overruns),
// ErrTruncated and ErrMalformed are not fatal: call Receive again.
// Interrupt makes a blocked Receive return os.ErrDeadlineExceeded.
func (c *Conn) Receive() ([]Message, error) {
	if msgs, ok, err := c.fromBatch(); ok {
		return msgs, err
	}
	if len(c.pending) > 0 {
		c.mu.Lock()
		p := c.pending
		c.pending = nil
		c.mu.Unlock()
		return p, nil
	}
	return c.readDatagram()
}

// TryReceive is Receive without waiting: it returns ErrWouldBlock when
// the kernel has queued nothing. A daemon drains with it and blocks in
// Receive only when idle, so a burst costs one wakeup, not one per record.
// On a real socket it reads up to 64 datagrams per recvmmsg and hands them
// out one per call, so a burst also costs one system call per 64 records.
func (c *Conn) TryReceive() ([]Message, error) {
	if msgs, ok, err := c.fromBatch(); ok || len(c.pending) > 0 {
		if ok {
			return msgs, err
		}
		return c.Receive()
	}
	s, ok := c.t.(*socket)
	if !ok {
		return c.read(c.t.TryReceive)
	}
	if c.batch == nil {
		c.batch = recvbatch.New(batchSlots, batchSlotSize)
	}
	n, err := c.batch.Receive(s.fd, unix.MSG_TRUNC)
	c.batchN, c.next = n, 0
	if err != nil {
		switch {
		case errors.Is(err, recvbatch.ErrWouldBlock):
			return nil, ErrWouldBlock
		case errors.Is(err, unix.EBADF):
			return nil, os.ErrClosed
		case errors.Is(err, unix.ENOBUFS):
			c.stats.Overruns.Add(1)
		}
		return nil, err
	}
	if msgs, ok, err := c.fromBatch(); ok {
		return msgs, err
	}
	return nil, ErrWouldBlock // only foreign datagrams, dropped
}

// fromBatch hands out the next datagram of the last recvmmsg. Those were
// received before anything a request set aside in c.pending, so they go
// first.
func (c *Conn) fromBatch() ([]Message, bool, error) {
	for c.next < c.batchN {
		b, n, fromKernel := c.batch.Datagram(c.next)
		c.next++
		if !fromKernel {
			continue // only the kernel may speak for audit
		}
		msgs, err := c.parse(b, n, batchSlotSize)
		return msgs, true, err
	}
	return nil, false, nil
}

// Interrupt unblocks a pending Receive; use it to stop a reader goroutine.
// On a Blocking socket it does nothing: Receive returns within BlockingWait.
func (c *Conn) Interrupt() { c.t.SetReadDeadline(time.Unix(1, 0)) }

// Status fetches struct audit_status (auditctl -s).
func (c *Conn) Status(ctx context.Context) (abi.AuditStatus, error) {
	replies, err := c.request(ctx, abi.AUDIT_GET, nil, wantOne)
	if err != nil {
		return abi.AuditStatus{}, err
	}
	return abi.UnmarshalAuditStatus(replies[0].Data)
}

// SetStatus changes the fields selected by s.Mask. Failure mode 2 is
// refused with ErrPanicMode.
func (c *Conn) SetStatus(ctx context.Context, s abi.AuditStatus) error {
	if s.Mask&abi.AUDIT_STATUS_FAILURE != 0 && s.Failure > abi.AUDIT_FAIL_PRINTK {
		return ErrPanicMode
	}
	_, err := c.request(ctx, abi.AUDIT_SET, s.MarshalBinary(), wantAck)
	return err
}

// Register makes this socket the audit daemon: the kernel sends every
// record here, unicast, and applies backpressure. It fails with EEXIST
// wrapped when another live daemon holds the registration.
func (c *Conn) Register(ctx context.Context) error {
	return c.SetStatus(ctx, abi.AuditStatus{Mask: abi.AUDIT_STATUS_PID, PID: uint32(os.Getpid())})
}

// Unregister releases the daemon registration (pid 0).
func (c *Conn) Unregister(ctx context.Context) error {
	return c.SetStatus(ctx, abi.AuditStatus{Mask: abi.AUDIT_STATUS_PID, PID: 0})
}

// AddRule adds one rule (auditctl -a/-A/-w).
func (c *Conn) AddRule(ctx context.Context, r *abi.AuditRuleData) error {
	_, err := c.request(ctx, abi.AUDIT_ADD_RULE, r.MarshalBinary(), wantAck)
	return err
}

// DeleteRule deletes the rule equal to r (auditctl -d/-W).
func (c *Conn) DeleteRule(ctx context.Context, r *abi.AuditRuleData) error {
	_, err := c.request(ctx, abi.AUDIT_DEL_RULE, r.MarshalBinary(), wantAck)
	return err
}

// ListRules returns the kernel's rules in order (auditctl -l).
func (c *Conn) ListRules(ctx context.Context) ([]*abi.AuditRuleData, error) {
	replies, err := c.request(ctx, abi.AUDIT_LIST_RULES, nil, wantMulti)
	if err != nil {
		return nil, err
	}
	rules := make([]*abi.AuditRuleData, 0, len(replies))
	for i, m := range replies {
		r, err := abi.UnmarshalAuditRuleData(m.Data)
		if err != nil {
			return nil, fmt.Errorf("list rules: rule %d: %w", i, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// Features fetches struct audit_features.
func (c *Conn) Features(ctx context.Context) (abi.AuditFeatures, error) {
	replies, err := c.request(ctx, abi.AUDIT_GET_FEATURE, nil, wantOne)
	if err != nil {
		return abi.AuditFeatures{}, err
	}
	return abi.UnmarshalAuditFeatures(replies[0].Data)
}

// SetFeature sets features (for example loginuid_immutable). Locking a
// feature lasts until reboot.
func (c *Conn) SetFeature(ctx context.Context, f abi.AuditFeatures) error {
	_, err := c.request(ctx, abi.AUDIT_SET_FEATURE, f.MarshalBinary(), wantAck)
	return err
}

// SendUserMessage logs a userspace record (AUDIT_USER_* types) through the
// kernel, as auditd does for its own DAEMON events when asked.
func (c *Conn) SendUserMessage(ctx context.Context, typ uint16, text string) error {
	_, err := c.request(ctx, typ, append([]byte(text), 0), wantAck)
	return err
}

// SetReadDeadline bounds the next Receive calls; zero removes the bound.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.t.SetReadDeadline(t) }

// SignalInfo is the kernel's record of the last process that sent the
// registered audit daemon SIGTERM, SIGHUP, SIGUSR1 or SIGUSR2 (struct
// audit_sig_info): auditd asks for it to say who signalled it, since the
// sender is what its DAEMON_* records name.
type SignalInfo struct {
	// UID is the sender's loginuid, or its uid when the loginuid is
	// unset; 4294967295 when no signal was recorded.
	UID uint32
	// PID is the sender's thread-group ID in the initial PID namespace;
	// -1 (or 0) when no signal was recorded.
	PID int32
	// Ctx is the sender's security context; empty without an LSM that
	// labels processes.
	Ctx string
}

// SignalInfo asks the kernel who last signalled the audit daemon
// (AUDIT_SIGNAL_INFO). Only the registered daemon's signals are recorded.
func (c *Conn) SignalInfo(ctx context.Context) (SignalInfo, error) {
	replies, err := c.request(ctx, abi.AUDIT_SIGNAL_INFO, nil, wantOne)
	if err != nil {
		return SignalInfo{}, err
	}
	return ParseSignalInfo(replies[0].Data)
}

// ParseSignalInfo decodes struct audit_sig_info.
func ParseSignalInfo(b []byte) (SignalInfo, error) {
	if len(b) < 8 {
		return SignalInfo{}, fmt.Errorf("AUDIT_SIGNAL_INFO reply of %d bytes, want at least 8", len(b))
	}
	si := SignalInfo{UID: binary.NativeEndian.Uint32(b), PID: int32(binary.NativeEndian.Uint32(b[4:]))}
	if ctx := b[8:]; len(ctx) > 0 {
		if i := bytes.IndexByte(ctx, 0); i >= 0 {
			ctx = ctx[:i]
		}
		si.Ctx = string(ctx)
	}
	return si, nil
}
