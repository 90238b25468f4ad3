package auditnl

import (
	"errors"
	"fmt"
	"os"
	"time"
	"unsafe"

	"github.com/contaudit/contaudit/internal/abi"
	"golang.org/x/sys/unix"
)

// Transport carries whole netlink datagrams between a Conn and a kernel.
// The socket is the real one; auditnltest provides an in-memory kernel.
type Transport interface {
	// Send writes one request datagram.
	Send(b []byte) error
	// Receive reads one datagram into b and returns its full length; a
	// length above len(b) means the datagram was truncated.
	Receive(b []byte) (int, error)
	// TryReceive is Receive without waiting: ErrWouldBlock when no
	// datagram is queued.
	TryReceive(b []byte) (int, error)
	// SetReadDeadline bounds Receive; a zero time removes the bound.
	SetReadDeadline(t time.Time) error
	// PortID is the netlink port the kernel knows this endpoint by.
	PortID() uint32
	Close() error
}

// Options configure a socket.
type Options struct {
	// Multicast joins AUDIT_NLGRP_READLOG to read records read-only beside
	// another audit daemon. Needs CAP_AUDIT_READ.
	Multicast bool
	// ReceiveBuffer sizes SO_RCVBUF (forced past rmem_max when root). The
	// kernel drops multicast records, and stalls unicast ones, when it
	// fills; zero leaves the default.
	ReceiveBuffer int
	// Blocking makes Receive wait in the kernel, in a recvfrom on the
	// calling thread, instead of parking in Go's network poller. The
	// kernel then wakes the reader directly, as it wakes auditd; the
	// poller's thread hand-offs cost more CPU than handling the record.
	// Each wait lasts at most BlockingWait, deadlines and Interrupt have no
	// effect. TryReceive, which never waits, uses raw system calls that
	// keep the caller's P.
	Blocking bool
}

// BlockingWait bounds one Receive on a Blocking socket (SO_RCVTIMEO), so
// its reader can notice cancellation and do periodic work.
const BlockingWait = 250 * time.Millisecond

// socket is a NETLINK_AUDIT socket registered with Go's poller, so reads
// honour deadlines and never pin an OS thread.
type socket struct {
	f        *os.File
	fd       int
	blocking bool
	portID   uint32
}

func openSocket(opts Options) (*socket, error) {
	flags := unix.SOCK_RAW | unix.SOCK_CLOEXEC
	if !opts.Blocking {
		flags |= unix.SOCK_NONBLOCK
	}
	fd, err := unix.Socket(unix.AF_NETLINK, flags, abi.NETLINK_AUDIT)
	if err != nil {
		return nil, fmt.Errorf("open NETLINK_AUDIT socket: %w", err)
	}
	if opts.Blocking {
		tv := unix.NsecToTimeval(BlockingWait.Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("set NETLINK_AUDIT receive timeout: %w", err)
		}
	}
	sa := &unix.SockaddrNetlink{Family: unix.AF_NETLINK}
	if opts.Multicast {
		sa.Groups = 1 << (abi.AUDIT_NLGRP_READLOG - 1)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		if opts.Multicast && errors.Is(err, unix.EPERM) {
			return nil, fmt.Errorf("join audit multicast group (needs CAP_AUDIT_READ): %w", err)
		}
		return nil, fmt.Errorf("bind NETLINK_AUDIT socket: %w", err)
	}
	if opts.ReceiveBuffer > 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, opts.ReceiveBuffer); err != nil {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, opts.ReceiveBuffer); err != nil {
				unix.Close(fd)
				return nil, fmt.Errorf("set receive buffer to %d bytes: %w", opts.ReceiveBuffer, err)
			}
		}
	}
	local, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("getsockname NETLINK_AUDIT: %w", err)
	}
	nl, ok := local.(*unix.SockaddrNetlink)
	if !ok {
		unix.Close(fd)
		return nil, fmt.Errorf("getsockname NETLINK_AUDIT: unexpected address %T", local)
	}
	return &socket{f: os.NewFile(uintptr(fd), "netlink-audit"), fd: fd, blocking: opts.Blocking, portID: nl.Pid}, nil
}

func (s *socket) Send(b []byte) error {
	rc, err := s.f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Write(func(fd uintptr) bool {
		serr = unix.Sendto(int(fd), b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
		return serr != unix.EAGAIN
	})
	if err != nil {
		return err
	}
	return serr
}

// Receive reads one datagram, waiting for one. It uses the raw syscall
// with a caller-owned address so that the per-record path does not
// allocate, and drops datagrams that did not come from the kernel (port 0):
// only the kernel may speak for audit.
func (s *socket) Receive(b []byte) (int, error) { return s.receive(b, true) }

// TryReceive reads one datagram if one is queued.
func (s *socket) TryReceive(b []byte) (int, error) { return s.receive(b, false) }

func (s *socket) receive(b []byte, wait bool) (int, error) {
	if s.blocking {
		return s.receiveBlocking(b, wait)
	}
	rc, err := s.f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var (
		n    int
		rerr error
	)
	for {
		var from unix.RawSockaddrNetlink
		fromLen := uint32(unix.SizeofSockaddrNetlink)
		err = rc.Read(func(fd uintptr) bool {
			// RawSyscall: the socket is non-blocking, so recvfrom never
			// waits, and skipping the scheduler's syscall bookkeeping
			// spares a wakeup of the runtime's monitor thread per record,
			// which profiling showed as the daemon's largest cost.
			r, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)),
				unix.MSG_TRUNC, uintptr(unsafe.Pointer(&from)), uintptr(unsafe.Pointer(&fromLen)))
			if e == unix.EAGAIN && wait {
				return false
			}
			n, rerr = int(r), nil
			if e == unix.EAGAIN {
				n, rerr = 0, ErrWouldBlock
			} else if e != 0 {
				n, rerr = 0, e
			}
			return true
		})
		if err != nil {
			return 0, err
		}
		if rerr != nil || from.Pid == 0 {
			return n, rerr
		}
	}
}

// receiveBlocking waits in the kernel (up to BlockingWait) when wait is
// set. A wait that times out or is interrupted by a signal (the Go runtime
// preempts with signals; SO_RCVTIMEO makes recvfrom return EINTR rather
// than restart) reports os.ErrDeadlineExceeded, so the caller's loop gets
// control back and the runtime a safe point.
func (s *socket) receiveBlocking(b []byte, wait bool) (int, error) {
	flags := uintptr(unix.MSG_TRUNC)
	if !wait {
		flags |= unix.MSG_DONTWAIT
	}
	for {
		var from unix.RawSockaddrNetlink
		fromLen := uint32(unix.SizeofSockaddrNetlink)
		call := unix.RawSyscall6
		if wait {
			// A wait tells the scheduler it is in a system call:
			// the runtime takes the P back (at once when it has no
			// idle P, after 10 ms otherwise) and, with nothing else
			// to run, sleeps. Held, the P would look busy
			// and the runtime's monitor would keep polling and
			// preempting all the while the daemon is idle.
			call = unix.Syscall6
		}
		r, _, e := call(unix.SYS_RECVFROM, uintptr(s.fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)),
			flags, uintptr(unsafe.Pointer(&from)), uintptr(unsafe.Pointer(&fromLen)))
		switch {
		case e == unix.EAGAIN && !wait:
			return 0, ErrWouldBlock
		case e == unix.EAGAIN || e == unix.EINTR:
			return 0, os.ErrDeadlineExceeded
		case e == unix.EBADF:
			return 0, os.ErrClosed
		case e != 0:
			return 0, e
		case from.Pid != 0:
			continue
		}
		return int(r), nil
	}
}

func (s *socket) SetReadDeadline(t time.Time) error {
	if s.blocking {
		return nil
	}
	return s.f.SetReadDeadline(t)
}
func (s *socket) PortID() uint32 { return s.portID }
func (s *socket) Close() error   { return s.f.Close() }

// batchSlots and batchSlotSize shape TryReceive's batches: a record
// datagram carries one record of at most MAX_AUDIT_MESSAGE_LENGTH (8970)
// bytes, so 16 KiB slots hold any of them with room to spare.
const (
	batchSlots    = 64
	batchSlotSize = 16 << 10
)
