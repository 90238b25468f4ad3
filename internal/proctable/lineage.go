package proctable

// These answer the questions the contid registry asks of the process tree
// (contid.Tree), as of the last applied event: call Sync first for "now".

// Alive reports whether id is a live process in the table. A reused PID is
// not alive as the old ProcID.
func (t *Table) Alive(id ProcID) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	p := t.find(id)
	return p != nil && !p.exited()
}

// IsDescendant reports whether ancestor is a strict ancestor of id along
// the real-parent chain, after any reparenting the table has seen. False
// when either has exited.
func (t *Table) IsDescendant(id, ancestor ProcID) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	p, a := t.find(id), t.find(ancestor)
	if p == nil || a == nil || p.exited() || a.exited() {
		return false
	}
	// A live process's ancestors are live (orphans are reparented), so
	// the walk follows live links; the bound stops a cycle that lost
	// events could leave until the next rescan.
	for range 1 << 16 {
		q := p.parentP
		if q == nil {
			q = t.find(p.parent)
		}
		if q == nil || q == p {
			return false
		}
		if q == a {
			return true
		}
		p = q
	}
	return false
}

// NumChildren is the number of live child processes of id (not threads).
func (t *Table) NumChildren(id ProcID) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	p := t.find(id)
	if p == nil {
		return 0
	}
	n := 0
	for c := p.firstChild; c != nil; c = c.nextSib {
		if !c.exited() {
			n++
		}
	}
	return n
}

// IsLeader reports whether id is live and a thread-group leader whose
// group still has its leader (other threads may run).
func (t *Table) IsLeader(id ProcID) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	p := t.find(id)
	return p != nil && !p.exited() && p.tgid == p.id.PID && p.flags&leaderGone == 0
}

// IsSingleThreadedLeader reports whether id is live, a thread-group leader
// and has no other thread.
func (t *Table) IsSingleThreadedLeader(id ProcID) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	p := t.find(id)
	return p != nil && !p.exited() && p.tgid == p.id.PID && p.threads == 1
}
