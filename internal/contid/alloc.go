package contid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// Host parts: the width a daemon uses unless configured otherwise, and the
// widest allowed.
const (
	// DefaultHostBits leaves 40 bits below the host part: a trillion
	// values before a host's counter comes round, while two hosts share a
	// part only with probability 2^-24 (one pair in a fleet of ~4000
	// hosts, by the birthday bound). An orchestrator that numbers its
	// nodes configures the part and has no such risk.
	DefaultHostBits = 24
	// MaxHostBits keeps at least 32 bits of counter.
	MaxHostBits = 32
)

// maxAllocTries bounds the draws of one Allocate. A draw is refused only
// when its value is live, and live contids are at most MaxTotal out of at
// least 2^32 values, so exhausting the tries means the table is full of
// someone's chosen values, not bad luck.
const maxAllocTries = 64

// Allocator chooses contids for requests that leave the value to the
// daemon. A value is the host's part in the top bits, so that hosts whose
// parts differ never choose the same value and logs aggregated across
// hosts keep one meaning per value, and a counter below it. The counter
// starts where the caller's seed says (a random one in the daemon), so
// that a restarted daemon does not hand out again the values its
// predecessor gave containers that have since exited; it repeats a value
// only after 2^(64-bits) draws. It is pure logic, like the registry, and
// not safe for concurrent use.
type Allocator struct {
	host uint64 // the host part, in place
	bits int
	next uint64 // the counter's next value
}

// NewAllocator returns an allocator whose values start with the bits-wide
// host part and whose counter starts at seed (its low 64-bits bits).
func NewAllocator(host uint64, bits int, seed uint64) (*Allocator, error) {
	if bits < 0 || bits > MaxHostBits {
		return nil, fmt.Errorf("contid: host part of %d bits; it takes 0 to %d", bits, MaxHostBits)
	}
	if host>>bits != 0 {
		return nil, fmt.Errorf("contid: host part %#x does not fit in %d bits", host, bits)
	}
	a := &Allocator{bits: bits}
	if bits > 0 {
		a.host = host << (64 - bits)
	}
	a.next = seed & a.mask()
	return a, nil
}

func (a *Allocator) mask() uint64 { return ^uint64(0) >> a.bits }

// Host returns the host part and its width in bits.
func (a *Allocator) Host() (part uint64, bits int) {
	if a.bits == 0 {
		return 0, 0
	}
	return a.host >> (64 - a.bits), a.bits
}

func (a *Allocator) draw() ID {
	id := ID(a.host | a.next)
	a.next = (a.next + 1) & a.mask()
	return id
}

// HostPart derives a bits-wide host part from what identifies the host
// (its /etc/machine-id, or its name where it has none). machine-id(5)
// asks that the ID never be shown as it is, since it may serve as a
// secret elsewhere: like sd_id128_get_machine_app_specific, the part is an
// HMAC-SHA256 keyed with the ID over a string of contaudit's own.
func HostPart(identity []byte, bits int) uint64 {
	if bits <= 0 {
		return 0
	}
	bits = min(bits, MaxHostBits)
	mac := hmac.New(sha256.New, identity)
	mac.Write([]byte("contaudit audit container ID host part"))
	return binary.BigEndian.Uint64(mac.Sum(nil)) >> (64 - bits)
}

// Allocate draws from a the next value that is neither Unset nor a live
// contid, pending ones included, so that a Set with it never meets
// ENOTUNIQ. The caller sets it before anything else can touch the
// registry. After maxAllocTries live values in a row it gives up with
// ENOTUNIQ.
func (r *Registry) Allocate(a *Allocator) (ID, error) {
	for range maxAllocTries {
		id := a.draw()
		if id == Unset {
			continue
		}
		if _, live := r.objects[id]; !live {
			return id, nil
		}
	}
	return Unset, errorf(unix.ENOTUNIQ, "no free contid found in %d draws", maxAllocTries)
}
