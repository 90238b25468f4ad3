package contid

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
)

// SnapshotVersion is the version of the JSON Snapshot writes. Version 2
// added the containers' labels; Restore still reads version 1, so that a
// daemon upgraded across it keeps its contids.
const SnapshotVersion = 2

// minSnapshotVersion is the oldest version Restore reads.
const minSnapshotVersion = 1

type snapshot struct {
	Version    int             `json:"version"`
	Containers []snapContainer `json:"containers"`
	Procs      []snapProc      `json:"procs"`
	Capcontid  []ProcID        `json:"capcontid"`
}

type snapContainer struct {
	ID     ID     `json:"id"`
	Parent ID     `json:"parent"`
	Owner  ProcID `json:"owner"`
	Labels Labels `json:"container,omitzero"` // version 2
}

type snapProc struct {
	Proc   ProcID `json:"proc"`
	Contid ID     `json:"contid"`
}

// Snapshot returns the registry's state as versioned JSON, for Restore after
// a daemon restart. Contids are strings (see ID.MarshalText); containers come
// parents first, everything sorted, so equal states give equal bytes.
func (r *Registry) Snapshot() ([]byte, error) { return r.SnapshotFunc(nil) }

// SnapshotFunc is Snapshot with every process identity passed through
// exact first (nil keeps them): a process table that names processes by a
// start time it estimated gives /proc's, which is what Restore will see.
func (r *Registry) SnapshotFunc(exact func(ProcID) ProcID) ([]byte, error) {
	if exact == nil {
		exact = func(p ProcID) ProcID { return p }
	}
	s := snapshot{Version: SnapshotVersion, Containers: []snapContainer{}, Procs: []snapProc{}, Capcontid: []ProcID{}}
	objs := make([]*object, 0, len(r.objects))
	for _, o := range r.objects {
		objs = append(objs, o)
	}
	slices.SortFunc(objs, func(a, b *object) int {
		return cmp.Or(cmp.Compare(a.depth, b.depth), cmp.Compare(a.id, b.id))
	})
	for _, o := range objs {
		c := snapContainer{ID: o.id, Parent: Unset, Owner: o.owner, Labels: o.labels}
		if !c.Owner.IsZero() {
			c.Owner = exact(c.Owner)
		}
		if o.parent != nil {
			c.Parent = o.parent.id
		}
		s.Containers = append(s.Containers, c)
	}
	r.holders.EachRef(func(p ProcID, ref Ref) bool {
		if o := r.object(ref); o != nil {
			s.Procs = append(s.Procs, snapProc{Proc: exact(p), Contid: o.id})
		}
		return true
	})
	slices.SortFunc(s.Procs, func(a, b snapProc) int { return a.Proc.compare(b.Proc) })
	for p := range r.capcontid {
		s.Capcontid = append(s.Capcontid, exact(p))
	}
	slices.SortFunc(s.Capcontid, ProcID.compare)
	return json.Marshal(s)
}

// Restore rebuilds a registry from a Snapshot and reconciles it with the
// live processes of tree: a process that exited while the daemon was down,
// or whose PID now names another process (another start time), loses its
// contid and capcontid, so nothing is attributed to a reused PID; contids
// left with no live holder and no nested contid are released. It returns
// the drop records of what was released. A snapshot that does not hang
// together (unknown version or field, a contid listed twice or before its
// parent, a process whose contid is not listed) is an error and yields no
// registry.
func Restore(data []byte, tree Tree, cfg Config) (*Registry, []OpRecord, error) {
	return RestoreWith(data, tree, NewMapHolders(), cfg)
}

// RestoreWith is Restore into a registry that keeps the processes'
// contids in holders (see NewWith). A snapshot's process the store does
// not know alive loses its contid as an exited one does.
func RestoreWith(data []byte, tree Tree, holders Holders, cfg Config) (*Registry, []OpRecord, error) {
	var s snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, nil, fmt.Errorf("contid: restore snapshot: %w", err)
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("contid: restore snapshot: trailing data after the JSON object")
	}
	if s.Version < minSnapshotVersion || s.Version > SnapshotVersion {
		return nil, nil, fmt.Errorf("contid: restore snapshot: version %d, want %d to %d", s.Version, minSnapshotVersion, SnapshotVersion)
	}
	r := NewWith(tree, holders, cfg)
	gone, err := r.load(&s)
	if err != nil {
		return nil, nil, fmt.Errorf("contid: restore snapshot: %w", err)
	}
	recs := r.Reconcile()
	for _, g := range gone {
		g.o.holders--
		recs = r.release(g.o, g.p, recs)
	}
	// A snapshot of ours never holds an unreferenced contid, but one edited
	// by hand might; release it rather than keep a value nobody can use.
	var orphans []*object
	for _, o := range r.objects {
		if o.holders == 0 && o.nested == 0 {
			orphans = append(orphans, o)
		}
	}
	slices.SortFunc(orphans, func(a, b *object) int { return cmp.Compare(a.id, b.id) })
	for _, o := range orphans {
		recs = r.release(o, ProcID{}, recs)
	}
	return r, recs, nil
}

// goneHolder is a snapshot's process the Holders store did not take.
type goneHolder struct {
	p ProcID
	o *object
}

// load files the snapshot's contids, then gives its processes their Refs,
// after checking all of it: a snapshot refused leaves nothing in the
// store. Processes the store refuses are returned, counted as holders, to
// be released as exited ones.
func (r *Registry) load(s *snapshot) ([]goneHolder, error) {
	// Containers come parents first, so each parent is known when its
	// nested contid is read: a cycle cannot be written, and depth is one
	// pass.
	for _, c := range s.Containers {
		if c.ID == Unset {
			return nil, fmt.Errorf("container with the unset value")
		}
		if _, dup := r.objects[c.ID]; dup {
			return nil, fmt.Errorf("contid %s listed twice", c.ID)
		}
		if c.Owner.IsZero() {
			return nil, fmt.Errorf("contid %s has no owner", c.ID)
		}
		if !c.Labels.IsZero() && s.Version < 2 {
			return nil, fmt.Errorf("contid %s: container labels in a version %d snapshot", c.ID, s.Version)
		}
		if err := c.Labels.check(); err != nil {
			return nil, fmt.Errorf("contid %s: %w", c.ID, err)
		}
		o := &object{id: c.ID, owner: c.Owner, depth: 1, labels: c.Labels}
		if c.Parent != Unset {
			p := r.objects[c.Parent]
			if p == nil {
				return nil, fmt.Errorf("contid %s: parent %s is not listed before it", c.ID, c.Parent)
			}
			o.parent = p
			o.depth = p.depth + 1
			p.nested++
		}
		r.add(o)
		r.owned[c.Owner]++
	}
	seen := make(map[procKey]bool, len(s.Procs))
	for _, p := range s.Procs {
		if p.Proc.IsZero() {
			return nil, fmt.Errorf("process with no PID")
		}
		if !p.Proc.valid() {
			return nil, fmt.Errorf("process %d with start time %d: out of the kernel's range", p.Proc.PID, p.Proc.StartTime)
		}
		if r.objects[p.Contid] == nil {
			return nil, fmt.Errorf("process %d: contid %s is not in the snapshot", p.Proc.PID, p.Contid)
		}
		if seen[key(p.Proc)] {
			return nil, fmt.Errorf("process %d listed twice", p.Proc.PID)
		}
		seen[key(p.Proc)] = true
	}
	var gone []goneHolder
	for _, p := range s.Procs {
		o := r.objects[p.Contid]
		o.holders++
		if !r.holders.SetRef(p.Proc, o.ref()) {
			gone = append(gone, goneHolder{p.Proc, o})
		}
	}
	for _, p := range s.Capcontid {
		r.capcontid[p] = struct{}{}
	}
	return gone, nil
}
