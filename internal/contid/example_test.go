package contid_test

import (
	"errors"
	"fmt"

	"github.com/contaudit/contaudit/internal/contid"
	"golang.org/x/sys/unix"
)

// tree is a fixed process tree: 1 is init, 100 an orchestrator, 200 the
// container's first process, a child of 100, and 300 another child of init.
type tree map[int32]int32 // PID -> parent PID

func (t tree) Alive(p contid.ProcID) bool { _, ok := t[p.PID]; return ok || p.PID == 1 }
func (t tree) IsDescendant(p, a contid.ProcID) bool {
	for pid := p.PID; pid != 1; {
		pid = t[pid]
		if pid == a.PID {
			return true
		}
	}
	return false
}
func (t tree) Children(p contid.ProcID) int {
	n := 0
	for _, parent := range t {
		if parent == p.PID {
			n++
		}
	}
	return n
}
func (t tree) IsLeader(contid.ProcID) bool { return true }

func ExampleRegistry_Set() {
	orch := contid.ProcID{PID: 100}
	ctr := contid.ProcID{PID: 200}
	reg := contid.New(tree{100: 1, 200: 100, 300: 1}, contid.Config{})
	w := contid.Writer{Proc: orch, CanSetContid: true, AUID: 1000, Ses: 2, Comm: "conmon", Exe: "/usr/bin/conmon"}

	recs, err := reg.Set(w, ctr, 4515122123205246976)
	fmt.Println(err)
	fmt.Println(recs[0].String())

	// The orchestrator tries a process that is not its descendant.
	recs, err = reg.Set(w, contid.ProcID{PID: 300}, 7)
	fmt.Println(err, errors.Is(err, unix.EXDEV))
	fmt.Println(recs[0].String())

	// The container's last process exits.
	for _, r := range reg.Exit(ctr) {
		fmt.Println(r.String())
	}
	// Output:
	// <nil>
	// op=set opid=200 contid=4515122123205246976 old-contid=-1 pid=100 uid=0 auid=1000 ses=2 comm="conmon" exe="/usr/bin/conmon" res=1
	// EXDEV: target 300 is not a descendant of the writer 100 true
	// op=set opid=300 contid=7 old-contid=-1 pid=100 uid=0 auid=1000 ses=2 comm="conmon" exe="/usr/bin/conmon" res=0
	// op=drop opid=200 contid=-1 old-contid=4515122123205246976
}

func ExampleParseChain() {
	for _, s := range []string{"4,^2,^1", "2,^1,3,^1", "123^456,789"} {
		cs, err := contid.ParseChain(s)
		fmt.Println(cs, err, contid.FormatChain(cs...))
	}
	// Output:
	// [4,^2,^1] <nil> 4,^2,^1
	// [2,^1 3,^1] <nil> 2,^1,3,^1
	// [123,^456 789] <nil> 123,^456,789
}
