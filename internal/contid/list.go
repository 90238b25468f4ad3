package contid

import (
	"cmp"
	"slices"
)

// Container describes a live contid for listings.
type Container struct {
	ID     ID     `json:"id"`
	Parent ID     `json:"parent"` // Unset at the top
	Owner  ProcID `json:"owner"`  // the writer that created it
	Depth  int    `json:"depth"`  // contids in its chain, itself included
	Nested int    `json:"nested"` // contids whose parent it is
	// Holders are the processes holding it, by PID. None means it is
	// pending release: kept only because nested contids refer to it.
	Holders []ProcID `json:"holders"`
	// Labels are the runtime's container ID and name given when it was set.
	Labels Labels `json:"container,omitzero"`
}

// List returns the live contids ordered by value.
func (r *Registry) List() []Container {
	holders := make(map[*object][]ProcID, len(r.objects))
	r.holders.EachRef(func(p ProcID, ref Ref) bool {
		if o := r.object(ref); o != nil {
			holders[o] = append(holders[o], p)
		}
		return true
	})
	out := make([]Container, 0, len(r.objects))
	for _, o := range r.objects {
		c := Container{ID: o.id, Parent: Unset, Owner: o.owner, Depth: o.depth, Nested: o.nested, Holders: holders[o], Labels: o.labels}
		if o.parent != nil {
			c.Parent = o.parent.id
		}
		slices.SortFunc(c.Holders, ProcID.compare)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Container) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Node is a contid with the contids nested in it, for a tree view.
type Node struct {
	Container
	Children []Node `json:"children,omitempty"`
}

// Tree returns the live contids as a forest: top-level contids ordered by
// value, each with its nested contids ordered the same way.
func (r *Registry) Tree() []Node {
	list := r.List()
	byParent := make(map[ID][]Container)
	for _, c := range list {
		byParent[c.Parent] = append(byParent[c.Parent], c)
	}
	var build func(parent ID) []Node
	build = func(parent ID) []Node {
		cs := byParent[parent]
		if len(cs) == 0 {
			return nil
		}
		nodes := make([]Node, len(cs))
		for i, c := range cs {
			nodes[i] = Node{Container: c, Children: build(c.ID)}
		}
		return nodes
	}
	return build(Unset)
}
