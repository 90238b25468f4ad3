package proctable

import (
	"fmt"
	"time"
)

// ProcID names one process for its whole life: the PID alone is reused by
// the kernel, the pair is not (short of a PID wrap within one clock tick).
type ProcID struct {
	PID int32
	// StartTime is /proc/PID/stat field 22: clock ticks since boot
	// (CLOCK_BOOTTIME) at which the process started.
	StartTime uint64
}

func (id ProcID) String() string { return fmt.Sprintf("%d@%d", id.PID, id.StartTime) }

// IsZero reports whether id names no process (e.g. the parent of PID 1).
func (id ProcID) IsZero() bool { return id == ProcID{} }

// NSID identifies a namespace as stat(2) of /proc/PID/ns/* reports it.
type NSID struct {
	Dev uint64
	Ino uint64
}

// Namespaces is the set of namespaces a process is in. Tables intern them:
// every process in the same namespaces shares one *Namespaces, which must
// be treated as read-only.
type Namespaces struct {
	Mnt, PID, Net, User, UTS, IPC, Cgroup, Time NSID
}

// Flags qualify what the table knows about a process.
type Flags uint8

const (
	// Exited: the process has exited (ExitTime says when).
	Exited Flags = 1 << iota
	// Seeded: found by the initial /proc walk, its fork predates the table.
	Seeded
	// ForkSeen: a FORK event for it was applied.
	ForkSeen
	// ForkInferred: its FORK was missed; it was found by a rescan after
	// lost events, or created by Attribute from an audit record's pid/ppid.
	ForkInferred
	// StartEstimated: the process was gone before /proc could be read, so
	// StartTime was computed from the event timestamp (same tick in all
	// but rare cases) and the other fields were copied from the parent.
	StartEstimated
	// ExitInferred: the process was found missing by a rescan or replaced
	// by a newer process with its PID; ExitTime is when that was noticed.
	ExitInferred
	// leaderGone: the group leader exited while other threads lived on.
	leaderGone
	// Stale: with Config.LazyExec, the process's details (comm, exe,
	// namespaces, cgroup, credentials, NSpid) may be out of date: copied
	// from its parent at fork, or from before an exec. Refresh reads them
	// again. Identity and lineage are never stale.
	Stale
)

// Process is a snapshot of one tracked process. NS is shared and
// read-only; NSpid is the caller's copy.
type Process struct {
	ID     ProcID
	Parent ProcID
	// TGID is the thread-group id. Entries exist only for thread groups,
	// named by their leader, so Leader (TGID == ID.PID) holds for every
	// entry read from /proc; it is kept so callers need not assume it.
	TGID    int32
	Leader  bool
	Threads int32
	NS      *Namespaces
	// NSpid lists the PIDs from the host's PID namespace inward, as
	// /proc/PID/status prints them; nil means just ID.PID.
	NSpid                                  []int32
	Cgroup                                 string // v2 path ("0::" line)
	Comm, Exe                              string
	UID, EUID, GID, EGID, LoginUID, SessID uint32
	Flags                                  Flags
	ExitTime                               time.Time
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool { return p.Flags&Exited != 0 }

// proc is the stored form. Strings are interned and namespaces shared, so
// a process costs one allocation of this struct plus its map slot.
type proc struct {
	id      ProcID
	parent  ProcID
	tgid    int32
	threads int32
	ns      *Namespaces
	nspid   []int32 // inner PIDs only (NSpid without the host PID); nil for most
	cgroup  string
	comm    string
	exe     string
	uid     uint32
	euid    uint32
	gid     uint32
	egid    uint32
	loginu  uint32
	sessid  uint32
	startNs int64 // wall clock, Unix ns: exact from a FORK event, else from the tick
	exitNs  int64 // wall clock, Unix ns; 0 while alive
	tag     uint64
	flags   Flags

	older *proc // previous process with the same PID, still retained

	// Lineage links, so that a parent's exit finds its children (to
	// follow reparenting) without walking the table.
	parentP                   *proc
	firstChild, prev, nextSib *proc
}

func (p *proc) exited() bool { return p.flags&Exited != 0 }

func (p *proc) snapshot() Process {
	out := Process{
		ID: p.id, Parent: p.parent, TGID: p.tgid, Leader: p.tgid == p.id.PID, Threads: p.threads,
		NS: p.ns, Cgroup: p.cgroup, Comm: p.comm, Exe: p.exe,
		UID: p.uid, EUID: p.euid, GID: p.gid, EGID: p.egid, LoginUID: p.loginu, SessID: p.sessid,
		Flags: p.flags &^ leaderGone,
	}
	if p.nspid != nil {
		out.NSpid = append([]int32{p.id.PID}, p.nspid...)
	}
	if p.exitNs != 0 {
		out.ExitTime = time.Unix(0, p.exitNs)
	}
	return out
}

func (p *proc) addChild(c *proc) {
	c.parentP = p
	c.prev = nil
	c.nextSib = p.firstChild
	if p.firstChild != nil {
		p.firstChild.prev = c
	}
	p.firstChild = c
}

func (c *proc) detach() {
	p := c.parentP
	if p == nil {
		return
	}
	if c.prev != nil {
		c.prev.nextSib = c.nextSib
	} else {
		p.firstChild = c.nextSib
	}
	if c.nextSib != nil {
		c.nextSib.prev = c.prev
	}
	c.parentP, c.prev, c.nextSib = nil, nil, nil
}
