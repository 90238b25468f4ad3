package procbpf

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/contaudit/contaudit/internal/abi"
)

// ErrUnsupported is wrapped by Open's error when this kernel, or this
// process's privileges, cannot run the programs.
var ErrUnsupported = errors.New("BPF process events unavailable")

// Options choose the events and how a reader learns of them.
type Options struct {
	// Exec adds EXEC events.
	Exec bool
	// Size is the ring's data size: a power of two, at least a page
	// (DefaultSize).
	Size int
	// Wakeup makes the programs wake a reader that waits for the ring's
	// file descriptor to become readable (epoll). A reader that drains
	// the ring on its own schedule leaves it off: the programs then skip
	// the wake-up, which would cost the forking task an irq_work.
	Wakeup bool
}

// DefaultSize is Options.Size's default: 32,768 events (32 bytes each
// with the header), a second and a half of a 10,000 forks/s storm while
// the reader is held up, against a daemon that drains every 20 ms. Its
// pages count in the reader's resident memory once read.
const DefaultSize = 1 << 20

// Ring is the loaded programs and the ring they write. Next, Release and
// Lost belong to one reader goroutine at a time.
type Ring struct {
	ringFD, lostFD int
	fds            []int // programs and links, closed in reverse

	consPage, prodPages, lostPage []byte
	consPos, prodPos              *uint64
	lostCount                     *uint64
	data                          []byte
	mask                          uint64

	pos       uint64 // next record to read; published by Release
	published uint64
}

// Open loads the programs, attaches them and maps the ring. The events
// flow from the moment it returns.
func Open(opt Options) (_ *Ring, err error) {
	if opt.Size == 0 {
		opt.Size = DefaultSize
	}
	page := os.Getpagesize()
	if opt.Size < page || opt.Size&(opt.Size-1) != 0 {
		return nil, fmt.Errorf("procbpf: ring size %d is not a power of two of at least a page (%d)", opt.Size, page)
	}
	if unsafe.Sizeof(uintptr(0)) != 8 {
		return nil, fmt.Errorf("%w: the programs read 64-bit kernels' task_struct", ErrUnsupported)
	}
	tps := []tracepoint{forkTP, exitTP}
	if opt.Exec {
		tps = append(tps, execTP)
	}
	names := make([]string, len(tps))
	for i, tp := range tps {
		names[i] = tp.name
	}
	kt, err := readKernelTypes(vmlinuxBTF, names)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	r := &Ring{ringFD: -1, lostFD: -1}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	if r.ringFD, err = createMap("ca_events", unix.BPF_MAP_TYPE_RINGBUF, 0, 0, uint32(opt.Size), 0); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	if r.lostFD, err = createMap("ca_lost", unix.BPF_MAP_TYPE_ARRAY, 4, 8, 1, abi.BPF_F_MMAPABLE); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	if err := r.mapRing(opt.Size, page); err != nil {
		return nil, err
	}
	flags := int32(abi.BPF_RB_NO_WAKEUP)
	if opt.Wakeup {
		flags = 0 // the kernel wakes the reader when it has caught up
	}
	progs := make([]int, len(tps))
	for i, tp := range tps {
		code, err := assemble(eventProgram(tp.what, kt.task, r.ringFD, r.lostFD, flags, tp.fill(kt.task)))
		if err != nil {
			return nil, fmt.Errorf("assemble %s program: %w", tp.name, err)
		}
		if progs[i], err = loadTracing(tp.prog, code, kt.tracepoints[tp.name]); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
		}
		r.fds = append(r.fds, progs[i])
	}
	// Attached last, and all at once: a FORK without its EXIT program
	// would leave processes live in the table for good.
	for i, p := range progs {
		l, err := attach(p)
		if err != nil {
			return nil, fmt.Errorf("%w: attach %s program: %w", ErrUnsupported, tps[i].name, err)
		}
		r.fds = append(r.fds, l)
	}
	return r, nil
}

// mapRing maps the consumer page (read-write: the reader publishes its
// position there), the producer page and the data pages (read-only; the
// kernel maps the data twice in a row so that a record that wraps around
// the end reads as one slice), and the lost counter.
func (r *Ring) mapRing(size, page int) error {
	fd := r.ringFD
	var err error
	if r.consPage, err = unix.Mmap(fd, 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
		return fmt.Errorf("map ring buffer consumer page: %w", err)
	}
	if r.prodPages, err = unix.Mmap(fd, int64(page), page+2*size, unix.PROT_READ, unix.MAP_SHARED); err != nil {
		return fmt.Errorf("map ring buffer data: %w", err)
	}
	if r.lostPage, err = unix.Mmap(r.lostFD, 0, page, unix.PROT_READ, unix.MAP_SHARED); err != nil {
		return fmt.Errorf("map lost counter: %w", err)
	}
	r.consPos = (*uint64)(unsafe.Pointer(&r.consPage[0]))
	r.prodPos = (*uint64)(unsafe.Pointer(&r.prodPages[0]))
	r.lostCount = (*uint64)(unsafe.Pointer(&r.lostPage[0]))
	r.data = r.prodPages[page:]
	r.mask = uint64(size - 1)
	r.pos = atomic.LoadUint64(r.consPos)
	r.published = r.pos
	return nil
}

// busySpins bounds how long Next waits for a record another CPU has
// reserved but not yet submitted: the programs run for a microsecond or
// two with preemption off, so a record stays busy only that long, unless
// an interrupt lands in it.
const busySpins = 1 << 12

// Next reads the next event into ev. It returns false when the ring holds
// no committed record. A record it cannot decode is skipped and reported
// as an error, with ok true so that the caller keeps reading.
func (r *Ring) Next(ev *Event) (ok bool, err error) {
	for spins := 0; ; {
		if r.pos == atomic.LoadUint64(r.prodPos) {
			return false, nil
		}
		off := r.pos & r.mask
		hdr := atomic.LoadUint32((*uint32)(unsafe.Pointer(&r.data[off])))
		if hdr&abi.BPF_RINGBUF_BUSY_BIT != 0 {
			// Records are handed out in order: one still being
			// written holds back the ones after it.
			if spins++; spins > busySpins {
				return false, nil
			}
			continue
		}
		n := uint64(hdr &^ (abi.BPF_RINGBUF_BUSY_BIT | abi.BPF_RINGBUF_DISCARD_BIT))
		if off+abi.BPF_RINGBUF_HDR_SZ+n > uint64(len(r.data)) {
			// Only a kernel bug could write this; nothing after it can
			// be found, so everything queued is given up.
			r.pos = atomic.LoadUint64(r.prodPos)
			r.Release()
			return true, fmt.Errorf("procbpf: ring record of %d bytes at offset %d overruns the ring", n, off)
		}
		rec := r.data[off+abi.BPF_RINGBUF_HDR_SZ : off+abi.BPF_RINGBUF_HDR_SZ+n]
		r.pos += (n + abi.BPF_RINGBUF_HDR_SZ + 7) &^ 7
		if hdr&abi.BPF_RINGBUF_DISCARD_BIT != 0 {
			continue
		}
		err := Decode(rec, ev)
		if r.pos-r.published >= 1<<16 {
			// Free space for the producers during a long drain.
			r.Release()
		}
		return true, err
	}
}

// Release gives the records read so far back to the producers.
func (r *Ring) Release() {
	if r.pos != r.published {
		atomic.StoreUint64(r.consPos, r.pos)
		r.published = r.pos
	}
}

// Pending reports whether a record is waiting (committed or not).
func (r *Ring) Pending() bool { return r.pos != atomic.LoadUint64(r.prodPos) }

// Lost is the number of events the programs had no room for since Open.
func (r *Ring) Lost() uint64 { return atomic.LoadUint64(r.lostCount) }

// FD is the ring's file descriptor, readable (epoll) when records wait;
// with Options.Wakeup the programs notify a waiting reader.
func (r *Ring) FD() int { return r.ringFD }

// Close detaches the programs and frees the ring. Events stop at once.
func (r *Ring) Close() error {
	var errs []error
	for i := len(r.fds) - 1; i >= 0; i-- {
		errs = append(errs, unix.Close(r.fds[i]))
	}
	r.fds = nil
	for _, m := range [][]byte{r.consPage, r.prodPages, r.lostPage} {
		if m != nil {
			errs = append(errs, unix.Munmap(m))
		}
	}
	r.consPage, r.prodPages, r.lostPage = nil, nil, nil
	for _, fd := range []*int{&r.ringFD, &r.lostFD} {
		if *fd >= 0 {
			errs = append(errs, unix.Close(*fd))
			*fd = -1
		}
	}
	return errors.Join(errs...)
}
