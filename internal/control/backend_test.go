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

	// The daemon's record barrier runs before a set decides anything.
	var target contid.ProcID
	barriers := 0
	b.SetRecordBarrier(func() {
		barriers++
		b.Do(func(r *contid.Registry) {
			if id, _ := r.Lookup(target); barriers == 1 && id == 77 {
				t.Error("the record barrier ran after the set took effect")
			}
		})
	})

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
	target = procID(t, int(child))

	res, err := ts.client.Set(ctx, child, 77)
	if err != nil {
		t.Fatalf("Set: %v", err)
	}
	if barriers != 1 {
		t.Errorf("Set ran the record barrier %d times, want 1", barriers)
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

	// Allocation, with the runtime's labels: the value carries the host
	// part and is listed with the labels; the record names the container.
	b.Do(func(*contid.Registry) { recs = nil })
	cat := func() (int32, func()) {
		cmd := exec.Command(kerneltest.RequireCommand(t, "cat"))
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return int32(cmd.Process.Pid), func() { stdin.Close(); cmd.Wait() }
	}
	c1, stop1 := cat()
	defer stop1()
	web := contid.Labels{ID: "abc123", Name: "web"}
	res, err = ts.client.SetWith(ctx, SetRequest{PID: c1, Allocate: true, Container: web})
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	// A host with no identity gets a random part, which is not checked.
	part := contid.HostPart(HostIdentity(), contid.DefaultHostBits)
	if !res.Allocated || res.Contid == contid.Unset || (HostIdentity() != nil && uint64(res.Contid)>>(64-contid.DefaultHostBits) != part) || res.Container != web {
		t.Errorf("allocate: %+v, want a value under the host part %#x", res, part)
	}
	if got, err := ts.client.Get(ctx, c1); err != nil || got.Contid != res.Contid {
		t.Errorf("Get after allocate: %+v %v", got, err)
	}
	list, err = ts.client.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID != res.Contid || list[0].Labels != web {
		t.Errorf("List: %+v %v", list, err)
	}
	// A configured host part.
	a, err := NewAllocator(0x5eed, 16)
	if err != nil {
		t.Fatal(err)
	}
	b.SetAllocator(a)
	c2, stop2 := cat()
	defer stop2()
	res2, err := ts.client.SetWith(ctx, SetRequest{PID: c2, Allocate: true})
	if err != nil || uint64(res2.Contid)>>48 != 0x5eed || res2.Contid == res.Contid {
		t.Errorf("allocate with a configured part: %+v %v", res2, err)
	}
	got = records()
	want := []string{
		"op=set opid=" + itoa(int(c1)) + " contid=" + res.Contid.String() + " old-contid=-1 pid=" + itoa(os.Getpid()),
		"op=set opid=" + itoa(int(c2)) + " contid=" + res2.Contid.String() + " old-contid=-1",
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], want[0]) || !strings.HasSuffix(got[0], ` res=1 container-id="abc123" container-name="web"`) ||
		!strings.HasPrefix(got[1], want[1]) || !strings.HasSuffix(got[1], " res=1") {
		t.Errorf("records:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDefaultAllocator(t *testing.T) {
	id := HostIdentity()
	if id == nil {
		t.Skip("this host has neither a machine ID nor a hostname")
	}
	a, b := DefaultAllocator(), DefaultAllocator()
	pa, bits := a.Host()
	pb, _ := b.Host()
	if bits != contid.DefaultHostBits || pa != pb || pa != contid.HostPart(id, bits) {
		t.Errorf("host parts %#x and %#x (%d bits), want %#x", pa, pb, bits, contid.HostPart(id, bits))
	}
	if _, err := NewAllocator(1<<16, 16); err == nil {
		t.Error("a part wider than its bits accepted")
	}
}
