package control

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"github.com/contaudit/contaudit/internal/proctable"
	"golang.org/x/sys/unix"
)

// The real backend, over the live process table, as the daemon wires it.
func TestRegistryBackend(t *testing.T) {
	kerneltest.RequireRoot(t)
	table, err := proctable.Open(proctable.Config{})
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EPROTONOSUPPORT) {
		kerneltest.Skip(t, "proc connector unavailable (needs CONFIG_PROC_EVENTS and the initial namespaces): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer table.Close()
	var recs []contid.OpRecord // appended under the backend's lock
	b := NewRegistryBackend(contid.New(TreeOf(table), contid.Config{}), table, func(r []contid.OpRecord) { recs = append(recs, r...) })
	table.OnFork(func(parent, child proctable.ProcID) {
		b.Do(func(r *contid.Registry) { r.Fork(contid.ProcID(parent), contid.ProcID(child)) })
	})
	table.OnExit(func(p proctable.ProcID) {
		b.Do(func(r *contid.Registry) { recs = append(recs, r.Exit(contid.ProcID(p))...) })
	})
	records := func() []string {
		var out []string
		b.Do(func(*contid.Registry) {
			for _, r := range recs {
				out = append(out, r.String())
			}
		})
		return out
	}

	ts := startServer(t, b, Policy{})
	ctx := context.Background()
	// The target must be single-threaded, which a Go child is not for
	// long: cat waits on its stdin with one thread.
	cmd := exec.Command(kerneltest.RequireCommand(t, "cat"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	child := int32(cmd.Process.Pid)

	res, err := ts.client.Set(ctx, child, 77)
	if err != nil {
		t.Fatalf("Set: %v", err)
	}
	if res.Target != procID(t, int(child)) || res.Writer != procID(t, os.Getpid()) {
		t.Errorf("Set: %+v", res)
	}
	if got, err := ts.client.Get(ctx, child); err != nil || got.Contid != 77 {
		t.Errorf("Get: %+v %v", got, err)
	}
	if _, err := ts.client.Set(ctx, child, 78); !errors.Is(err, unix.EEXIST) {
		t.Errorf("second Set: %v, want EEXIST", err)
	}
	if _, err := ts.client.Set(ctx, int32(os.Getppid()), 79); !errors.Is(err, unix.EBUSY) {
		t.Errorf("Set on a process with children: %v, want EBUSY", err)
	}
	list, err := ts.client.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID != 77 || !slices.Equal(list[0].Holders, []contid.ProcID{res.Target}) {
		t.Errorf("List: %+v %v", list, err)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	// The exit event was queued before Wait returned; Sync applies it.
	if err := table.Sync(); err != nil {
		t.Fatal(err)
	}
	if list, err := ts.client.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("List after the holder exited: %+v %v", list, err)
	}
	got := records()
	if len(got) != 4 {
		t.Fatalf("records:\n%q", got)
	}
	for i, want := range []string{"op=set opid=" + itoa(int(child)) + " contid=77 old-contid=-1 pid=" + itoa(os.Getpid()), "contid=78 old-contid=77", "contid=79", "op=drop opid=" + itoa(int(child)) + " contid=-1 old-contid=77"} {
		if !strings.Contains(got[i], want) {
			t.Errorf("record %d: %s, want %s", i, got[i], want)
		}
	}
	for i, res := range []string{"res=1", "res=0", "res=0"} {
		if !strings.Contains(got[i], res) {
			t.Errorf("record %d: %s, want %s", i, got[i], res)
		}
	}
}
