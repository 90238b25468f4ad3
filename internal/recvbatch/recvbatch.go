// Package recvbatch owns receiving netlink datagrams in batches: one
// recvmmsg(2) fills many fixed-size slots, so a burst of small datagrams
// (an audit record or a process event each) costs one system call instead
// of one per datagram. The audit socket and the proc connector both use it.
package recvbatch

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ErrWouldBlock is Receive's answer when nothing is queued.
var ErrWouldBlock = errors.New("no datagram queued")

// Batch is the state of one recvmmsg: its slots, their headers, and the
// kernel's answers. Datagrams stay valid until the next Receive.
type Batch struct {
	slot int
	buf  []byte
	iov  []unix.Iovec
	hdrs []unix.Mmsghdr
	from []unix.RawSockaddrNetlink
	n    int
}

// New makes a batch of slots datagrams of at most size bytes each.
func New(slots, size int) *Batch {
	b := &Batch{
		slot: size,
		buf:  make([]byte, slots*size),
		iov:  make([]unix.Iovec, slots),
		hdrs: make([]unix.Mmsghdr, slots),
		from: make([]unix.RawSockaddrNetlink, slots),
	}
	for i := range b.hdrs {
		b.iov[i].Base = &b.buf[i*size]
		b.iov[i].SetLen(size)
		b.hdrs[i].Hdr.Iov = &b.iov[i]
		b.hdrs[i].Hdr.SetIovlen(1)
		b.hdrs[i].Hdr.Name = (*byte)(unsafe.Pointer(&b.from[i]))
	}
	return b
}

// Receive reads as many queued datagrams as there are slots, without
// waiting, and returns how many arrived: ErrWouldBlock when none was
// queued, the errno otherwise (ENOBUFS: the kernel dropped datagrams).
// flags are added to MSG_DONTWAIT; with MSG_TRUNC a datagram's Len is
// its full length even when it was cut to the slot. It is a raw system
// call, which keeps the caller's P: it never blocks, so the scheduler's
// bookkeeping would be pure cost.
func (b *Batch) Receive(fd, flags int) (int, error) {
	for i := range b.hdrs {
		b.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrNetlink
		b.hdrs[i].Hdr.Flags = 0
		b.hdrs[i].Len = 0
	}
	b.n = 0
	r, _, e := unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(&b.hdrs[0])), uintptr(len(b.hdrs)),
		uintptr(unix.MSG_DONTWAIT|flags), 0, 0)
	switch {
	case e == unix.EAGAIN:
		return 0, ErrWouldBlock
	case e != 0:
		return 0, e
	}
	b.n = int(r)
	return b.n, nil
}

// Datagram returns the i-th datagram of the last Receive (what fitted in
// its slot), its length as the kernel reported it, and whether the kernel
// sent it (netlink port 0): only the kernel may speak for audit and for
// process events.
func (b *Batch) Datagram(i int) (data []byte, n int, fromKernel bool) {
	n = int(b.hdrs[i].Len)
	return b.buf[i*b.slot : i*b.slot+min(n, b.slot)], n, b.from[i].Pid == 0
}

// Slot is the size of one slot.
func (b *Batch) Slot() int { return b.slot }
