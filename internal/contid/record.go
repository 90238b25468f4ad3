package contid

import (
	"strconv"

	"github.com/contaudit/contaudit/internal/abi"
)

// CONTAINER_OP operations.
const (
	OpSet       = "set"
	OpDrop      = "drop"
	OpCapcontid = "capcontid"
)

// OpRecord describes one CONTAINER_OP record: a set attempt, a drop, or a
// capcontid change. The caller stamps and emits it; Append gives its text.
type OpRecord struct {
	Op                      string // OpSet, OpDrop or OpCapcontid
	Target                  ProcID // opid: the target, or the process whose exit dropped the contid
	Contid, OldContid       ID     // op=set and op=drop
	Capcontid, OldCapcontid bool   // op=capcontid
	Writer                  Writer // op=set and op=capcontid; zero for op=drop
	Err                     error  // why the attempt failed (res=0); nil on success
	// Labels are the runtime's container ID and name an op=set asked
	// with, printed after res= when set.
	Labels Labels
}

// Type is the record's audit message type.
func (*OpRecord) Type() uint32 { return abi.AUDIT_CONTAINER_OP }

// Success reports whether the operation happened (res=1).
func (r *OpRecord) Success() bool { return r.Err == nil }

// String returns the record's fields as Append writes them.
func (r *OpRecord) String() string { return string(r.Append(nil)) }

// Append appends the record's fields, without type= and msg=audit(...):
//
//	op=set opid=8730 contid=4515122123205246976 old-contid=-1 pid=999 uid=0 auid=1000 ses=3 comm="runc" exe="/usr/bin/runc" res=1
//	op=drop opid=8730 contid=-1 old-contid=4515122123205246976
//	op=capcontid opid=8731 capcontid=1 old-capcontid=0 pid=999 uid=0 auid=1000 ses=3 comm="podman" exe="/usr/bin/podman" res=1
//	op=set opid=8730 contid=77 old-contid=-1 pid=999 uid=0 auid=1000 ses=3 comm="runc" exe="/usr/bin/runc" res=1 container-id="abc123" container-name="web"
//
// The labels of an op=set come after res=, each only when set, so that the
// fields the kernel design defined keep their places. A drop has no writer: the kernel design logged it from the exiting task,
// whose identity its SYSCALL record carried. opid=-1 marks a drop no process
// caused (a restored snapshot held a contid nothing referred to).
func (r *OpRecord) Append(dst []byte) []byte {
	dst = append(dst, "op="...)
	dst = append(dst, r.Op...)
	dst = append(dst, " opid="...)
	if r.Target.IsZero() {
		dst = append(dst, "-1"...)
	} else {
		dst = strconv.AppendInt(dst, int64(r.Target.PID), 10)
	}
	if r.Op == OpCapcontid {
		dst = append(dst, " capcontid="...)
		dst = appendBool(dst, r.Capcontid)
		dst = append(dst, " old-capcontid="...)
		dst = appendBool(dst, r.OldCapcontid)
	} else {
		dst = append(dst, " contid="...)
		dst = appendID(dst, r.Contid)
		dst = append(dst, " old-contid="...)
		dst = appendID(dst, r.OldContid)
	}
	if r.Op == OpDrop {
		return dst
	}
	w := &r.Writer
	dst = append(dst, " pid="...)
	dst = strconv.AppendInt(dst, int64(w.Proc.PID), 10)
	dst = append(dst, " uid="...)
	dst = strconv.AppendUint(dst, uint64(w.UID), 10)
	dst = append(dst, " auid="...)
	dst = strconv.AppendUint(dst, uint64(w.AUID), 10)
	dst = append(dst, " ses="...)
	dst = strconv.AppendUint(dst, uint64(w.Ses), 10)
	dst = append(dst, " comm="...)
	dst = appendUntrusted(dst, w.Comm)
	dst = append(dst, " exe="...)
	dst = appendUntrusted(dst, w.Exe)
	dst = append(dst, " res="...)
	dst = appendBool(dst, r.Err == nil)
	if r.Op == OpSet {
		if r.Labels.ID != "" {
			dst = append(dst, " container-id="...)
			dst = appendUntrusted(dst, r.Labels.ID)
		}
		if r.Labels.Name != "" {
			dst = append(dst, " container-name="...)
			dst = appendUntrusted(dst, r.Labels.Name)
		}
	}
	return dst
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, '1')
	}
	return append(dst, '0')
}

// appendUntrusted writes s as the kernel's audit_log_untrustedstring does,
// so that ausearch decodes comm, exe and the labels as it does in kernel records: quoted
// when plain, upper-case hex when it holds a quote, a space, a control
// character or a byte above 0x7e, (null) when unknown.
func appendUntrusted(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "(null)"...)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c < 0x21 || c > 0x7e {
			const hex = "0123456789ABCDEF"
			for j := 0; j < len(s); j++ {
				dst = append(dst, hex[s[j]>>4], hex[s[j]&0xf])
			}
			return dst
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// Chain returns p's CONTAINER_ID chain, "4,^2,^1": its contid first, then
// each ancestor contid marked with ^. It is "" when p has no contid, and
// then no CONTAINER_ID record is due.
func (r *Registry) Chain(p ProcID) string {
	o := r.held(p)
	if o == nil {
		return ""
	}
	return string(o.chain)
}

// AppendChain appends p's chain (see Chain) without allocating beyond dst.
func (r *Registry) AppendChain(dst []byte, p ProcID) []byte {
	if o := r.held(p); o != nil {
		return append(dst, o.chain...)
	}
	return dst
}

// Chains returns the chains of several processes joined with commas,
// "2,^1,3,^1", as NETFILTER_PKT's CONTAINER_ID lists the containers sharing
// a network namespace. Each container appears once, in the order of its
// first process; processes without a contid are left out.
func (r *Registry) Chains(procs ...ProcID) string {
	return string(r.AppendChains(nil, procs))
}

// AppendChains appends what Chains returns.
func (r *Registry) AppendChains(dst []byte, procs []ProcID) []byte {
	var seen map[*object]struct{} // for long lists only; short ones rescan
	const rescanMax = 16
	if len(procs) > rescanMax {
		seen = make(map[*object]struct{}, len(procs))
	}
	first := true
	for i, p := range procs {
		o := r.held(p)
		if o == nil {
			continue
		}
		if seen != nil {
			if _, dup := seen[o]; dup {
				continue
			}
			seen[o] = struct{}{}
		} else if r.seenBefore(o, procs[:i]) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, o.chain...)
	}
	return dst
}

func (r *Registry) seenBefore(o *object, procs []ProcID) bool {
	for _, p := range procs {
		if r.held(p) == o {
			return true
		}
	}
	return false
}

// AppendContainerID appends the fields of the CONTAINER_ID record that
// annotates record number n of an event ("record=1 contid=4,^2,^1") for the
// processes given, and reports false, appending nothing, when none of them
// has a contid.
func (r *Registry) AppendContainerID(dst []byte, n int, procs ...ProcID) ([]byte, bool) {
	start := len(dst)
	dst = append(dst, "record="...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, " contid="...)
	mark := len(dst)
	dst = r.AppendChains(dst, procs)
	if len(dst) == mark {
		return dst[:start], false
	}
	return dst, true
}

// ChainRef returns the contid chain ("4,^2,^1") of the contid ref names,
// as a CONTAINER_ID record's contid= field has it, for a process whose
// Ref the caller has (the process table keeps it): no lookup by process.
// It was rendered when the contid was set and is never modified, so the
// caller may keep it; false when ref names no live contid.
func (r *Registry) ChainRef(ref Ref) ([]byte, bool) {
	o := r.object(ref)
	if o == nil {
		return nil, false
	}
	return o.chain[:len(o.chain):len(o.chain)], true
}

// ChainOf returns p's contids, its own first, or nil when it has none.
func (r *Registry) ChainOf(p ProcID) Chain {
	o := r.held(p)
	if o == nil {
		return nil
	}
	c := make(Chain, 0, o.depth)
	for ; o != nil; o = o.parent {
		c = append(c, o.id)
	}
	return c
}
