// Package auditnltest owns an in-memory NETLINK_AUDIT kernel for unit
// tests: it answers status, rule and feature requests the way the kernel
// does (including replies that arrive after the ACK), keeps rules, and can
// inject records with the unicast length quirk, ENOBUFS and malformed
// datagrams.
package auditnltest

import (
	"bytes"
	"encoding/binary"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/auditnl"
	"golang.org/x/sys/unix"
)

// Kernel is a fake audit subsystem speaking to one Conn. The zero value is
// not usable; call New.
type Kernel struct {
	mu       sync.Mutex
	cond     *sync.Cond
	queue    [][]byte
	deadline time.Time
	closed   bool

	// Status is the kernel's audit_status; tests may read and preset it.
	Status abi.AuditStatus
	// Rules are the installed rules, in their encoded form.
	Rules [][]byte
	// Features is struct audit_features.
	Features abi.AuditFeatures
	// Requests records every request header type, in order.
	Requests []uint16
	// Sent records every request payload, in order.
	Sent [][]byte
	// AckFirst sends the ACK before a GET/LIST reply, as the real kernel
	// usually does (its replies come from a kernel thread).
	AckFirst bool
	// Refuse makes the next request of a type fail with the errno.
	Refuse map[uint16]syscall.Errno
	// Mute records requests but never answers them, like a wedged kernel.
	Mute bool
	// Multicast makes injected records carry a proper nlmsg_len (as
	// multicast copies do) instead of the unicast quirk.
	Multicast bool
}

// New returns a kernel with Linux 6.x defaults (enabled 0, failure 1,
// backlog_limit 64, backlog_wait_time 15000).
func New() *Kernel {
	k := &Kernel{
		Status: abi.AuditStatus{Failure: 1, BacklogLimit: 64, BacklogWaitTime: 15000,
			FeatureBitmap: 0x7f},
		AckFirst: true,
		Refuse:   map[uint16]syscall.Errno{},
	}
	k.cond = sync.NewCond(&k.mu)
	return k
}

// Conn returns a client connected to k.
func (k *Kernel) Conn() *auditnl.Conn { return auditnl.New(k) }

// PortID implements auditnl.Transport.
func (k *Kernel) PortID() uint32 { return 4242 }

// Close implements auditnl.Transport.
func (k *Kernel) Close() error {
	k.mu.Lock()
	k.closed = true
	k.cond.Broadcast()
	k.mu.Unlock()
	return nil
}

// SetReadDeadline implements auditnl.Transport.
func (k *Kernel) SetReadDeadline(t time.Time) error {
	k.mu.Lock()
	k.deadline = t
	k.cond.Broadcast()
	k.mu.Unlock()
	if !t.IsZero() {
		time.AfterFunc(time.Until(t), func() { k.mu.Lock(); k.cond.Broadcast(); k.mu.Unlock() })
	}
	return nil
}

// TryReceive implements auditnl.Transport.
func (k *Kernel) TryReceive(b []byte) (int, error) {
	k.mu.Lock()
	empty := len(k.queue) == 0
	k.mu.Unlock()
	if empty {
		return 0, auditnl.ErrWouldBlock
	}
	return k.Receive(b)
}

// Receive implements auditnl.Transport.
func (k *Kernel) Receive(b []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for len(k.queue) == 0 {
		if k.closed {
			return 0, os.ErrClosed
		}
		if !k.deadline.IsZero() && !time.Now().Before(k.deadline) {
			return 0, os.ErrDeadlineExceeded
		}
		k.cond.Wait()
	}
	d := k.queue[0]
	k.queue = k.queue[1:]
	if d == nil {
		return 0, unix.ENOBUFS
	}
	// Like recvfrom with MSG_TRUNC: the datagram's real length, even when
	// only part of it fit.
	copy(b, d)
	return len(d), nil
}

func (k *Kernel) push(d []byte) {
	k.queue = append(k.queue, d)
	k.cond.Broadcast()
}

// InjectRecord queues a record as the kernel sends it to the registered
// daemon: one datagram, nlmsg_len excluding the header unless Multicast.
func (k *Kernel) InjectRecord(typ uint16, text string) {
	b := auditnl.MarshalMessage(auditnl.Header{Type: typ}, []byte(text))
	b = b[:auditnl.HeaderSize+len(text)]
	if !k.Multicast {
		binary.NativeEndian.PutUint32(b, uint32(len(text)))
	}
	k.mu.Lock()
	k.push(b)
	k.mu.Unlock()
}

// InjectRaw queues an arbitrary datagram (for malformed-input tests).
func (k *Kernel) InjectRaw(b []byte) {
	k.mu.Lock()
	k.push(append([]byte(nil), b...))
	k.mu.Unlock()
}

// InjectOverrun makes one Receive fail with ENOBUFS, as a socket whose
// buffer overflowed does.
func (k *Kernel) InjectOverrun() {
	k.mu.Lock()
	k.push(nil)
	k.mu.Unlock()
}

// Send implements auditnl.Transport: it handles one request.
func (k *Kernel) Send(b []byte) error {
	msgs, err := auditnl.ParseDatagram(b, nil)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return os.ErrClosed
	}
	for _, m := range msgs {
		if k.Mute {
			k.Requests = append(k.Requests, m.Header.Type)
			continue
		}
		k.handle(m)
	}
	return nil
}

func (k *Kernel) handle(m auditnl.Message) {
	h := m.Header
	k.Requests = append(k.Requests, h.Type)
	k.Sent = append(k.Sent, append([]byte(nil), m.Data...))
	if e, ok := k.Refuse[h.Type]; ok {
		delete(k.Refuse, h.Type)
		k.ack(h, e)
		return
	}
	var replies [][]byte
	var errno syscall.Errno
	switch h.Type {
	case abi.AUDIT_GET:
		s := k.Status
		replies = append(replies, k.reply(h, abi.AUDIT_GET, 0, s.MarshalBinary()))
	case abi.AUDIT_SET:
		s, err := abi.UnmarshalAuditStatus(m.Data)
		if err != nil {
			errno = unix.EINVAL
			break
		}
		errno = k.set(s)
	case abi.AUDIT_ADD_RULE:
		for _, r := range k.Rules {
			if bytes.Equal(r, m.Data) {
				errno = unix.EEXIST
			}
		}
		if errno == 0 {
			k.Rules = append(k.Rules, append([]byte(nil), m.Data...))
		}
	case abi.AUDIT_DEL_RULE:
		errno = unix.ENOENT
		for i, r := range k.Rules {
			if bytes.Equal(r, m.Data) {
				k.Rules = append(k.Rules[:i], k.Rules[i+1:]...)
				errno = 0
				break
			}
		}
	case abi.AUDIT_LIST_RULES:
		for _, r := range k.Rules {
			replies = append(replies, k.reply(h, abi.AUDIT_LIST_RULES, unix.NLM_F_MULTI, r))
		}
		replies = append(replies, k.reply(h, unix.NLMSG_DONE, unix.NLM_F_MULTI, make([]byte, 4)))
	case abi.AUDIT_GET_FEATURE:
		f := k.Features
		replies = append(replies, k.reply(h, abi.AUDIT_GET_FEATURE, 0, f.MarshalBinary()))
	case abi.AUDIT_SET_FEATURE:
		f, err := abi.UnmarshalAuditFeatures(m.Data)
		if err != nil {
			errno = unix.EINVAL
			break
		}
		k.Features.Features = k.Features.Features&^f.Mask | f.Features&f.Mask
		k.Features.Lock |= f.Lock & f.Mask
	default:
		if h.Type < abi.AUDIT_FIRST_USER_MSG && h.Type != abi.AUDIT_USER {
			errno = unix.EINVAL
		}
	}
	if k.AckFirst {
		k.ack(h, errno)
	}
	if errno == 0 {
		for _, r := range replies {
			k.push(r)
		}
	}
	if !k.AckFirst {
		k.ack(h, errno)
	}
}

func (k *Kernel) set(s abi.AuditStatus) syscall.Errno {
	if s.Mask&abi.AUDIT_STATUS_ENABLED != 0 {
		if k.Status.Enabled == 2 || s.Enabled > 2 {
			return unix.EPERM
		}
		k.Status.Enabled = s.Enabled
	}
	if s.Mask&abi.AUDIT_STATUS_FAILURE != 0 {
		if s.Failure > 2 {
			return unix.EINVAL
		}
		k.Status.Failure = s.Failure
	}
	if s.Mask&abi.AUDIT_STATUS_PID != 0 {
		if s.PID != 0 && k.Status.PID != 0 && k.Status.PID != s.PID {
			return unix.EEXIST
		}
		k.Status.PID = s.PID
	}
	if s.Mask&abi.AUDIT_STATUS_RATE_LIMIT != 0 {
		k.Status.RateLimit = s.RateLimit
	}
	if s.Mask&abi.AUDIT_STATUS_BACKLOG_LIMIT != 0 {
		k.Status.BacklogLimit = s.BacklogLimit
	}
	if s.Mask&abi.AUDIT_STATUS_BACKLOG_WAIT_TIME != 0 {
		k.Status.BacklogWaitTime = s.BacklogWaitTime
	}
	if s.Mask&abi.AUDIT_STATUS_LOST != 0 {
		k.Status.Lost = 0
	}
	return 0
}

func (k *Kernel) reply(req auditnl.Header, typ uint16, flags uint16, data []byte) []byte {
	return auditnl.MarshalMessage(auditnl.Header{Type: typ, Flags: flags, Seq: req.Seq, PID: k.PortID()}, data)
}

func (k *Kernel) ack(req auditnl.Header, errno syscall.Errno) {
	p := make([]byte, 4+auditnl.HeaderSize)
	binary.NativeEndian.PutUint32(p, uint32(-int32(errno)))
	binary.NativeEndian.PutUint32(p[4:], uint32(auditnl.HeaderSize))
	binary.NativeEndian.PutUint16(p[8:], req.Type)
	binary.NativeEndian.PutUint32(p[12:], req.Seq)
	k.push(k.reply(req, unix.NLMSG_ERROR, 0, p))
}
