package contid

// Ref names a live contid for a Holders store: the registry slot it sits
// in and the slot's generation. A Ref kept after its contid was released
// (by an exited process's entry, say) resolves to nothing, never to the
// contid that takes the slot next. The zero Ref names nothing.
type Ref uint64

func makeRef(slot, gen uint32) Ref { return Ref(uint64(gen)<<32 | uint64(slot) + 1) }

func (r Ref) split() (slot, gen uint32) { return uint32(r - 1), uint32((r - 1) >> 32) }

// Holders is where the registry keeps which contid each process holds.
//
// The daemon's process table is one: it keeps the Ref in the process's
// entry and copies it to a child as it applies the FORK, which is exactly
// the kernel design's inheritance, at no cost per fork; the owner then
// tells the registry with Inherit, so that the contid counts the holder.
// NewMapHolders is a store of its own, for tools and tests, that inherits
// only through Registry.Fork.
type Holders interface {
	// Ref returns the contid p holds, 0 for none (or a p the store does
	// not know).
	Ref(p ProcID) Ref
	// SetRef makes p hold r, 0 for none. It reports false, changing
	// nothing, when the store has no live process p.
	SetRef(p ProcID, r Ref) bool
	// Forget says p exited and the registry no longer counts it. A store
	// may keep its Ref for the records p left behind: once the contid is
	// released the Ref resolves to nothing.
	Forget(p ProcID)
	// EachRef calls fn for every live process holding a Ref, until fn
	// returns false.
	EachRef(fn func(p ProcID, r Ref) bool)
}

// NewMapHolders returns a Holders that keeps the Refs in a map, keyed by a
// packed ProcID (see procKey).
func NewMapHolders() Holders { return mapHolders{} }

type mapHolders map[procKey]Ref

func (m mapHolders) Ref(p ProcID) Ref { return m[key(p)] }

func (m mapHolders) SetRef(p ProcID, r Ref) bool {
	if r == 0 {
		delete(m, key(p))
	} else {
		m[key(p)] = r
	}
	return true
}

func (m mapHolders) Forget(p ProcID) { delete(m, key(p)) }

func (m mapHolders) EachRef(fn func(ProcID, Ref) bool) {
	for k, r := range m {
		if !fn(k.proc(), r) {
			return
		}
	}
}
