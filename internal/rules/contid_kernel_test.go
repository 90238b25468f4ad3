package rules_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/auditnl"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"github.com/contaudit/contaudit/internal/rules"
)

// kernelEvent is one event read from the kernel, as the daemon hands it to
// ContidFilter.
type kernelEvent struct {
	types []uint32
	recs  [][]byte
}

// TestKernelContid loads tagged exit rules into the real kernel, runs a
// program they match, and filters the events the kernel really produced:
// this is what checks that the tags reach the records in the form
// ContidFilter parses (hex with a 0x01 when the rule has its own key,
// quoted when the tag is the only key).
func TestKernelContid(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the rules name x86_64 syscalls")
	}
	kerneltest.Audit(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := auditnl.Dial(auditnl.Options{})
	if err != nil {
		kerneltest.Skip(t, "dial NETLINK_AUDIT: %v", err)
	}
	defer conn.Close()
	// Read-only: the test need not displace whatever daemon is registered.
	mc, err := auditnl.Dial(auditnl.Options{Multicast: true, ReceiveBuffer: 4 << 20})
	if err != nil {
		kerneltest.Skip(t, "join the audit multicast group: %v", err)
	}
	defer mc.Close()

	dir := t.TempDir()
	file := dir + "/contid.rules"
	text := "-D\n" +
		"-a always,exit -F arch=b64 -S execve -F exe=/usr/bin/uname -F contid=5 -k contaudit-ktest\n" +
		"-a always,exit -F arch=b64 -S uname -F exe=/usr/bin/uname -F contid=unset\n" +
		"-a never,exclude -F msgtype=PATH -F contid=5\n" +
		"-e 1\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cmds, err := rules.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	filter, err := rules.NewContidFilter(cmds)
	if err != nil || filter == nil {
		t.Fatalf("NewContidFilter: %v, %v", filter, err)
	}
	rep, err := rules.Apply(ctx, conn, cmds, rules.ApplyOptions{})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if rep.Added != 2 || rep.Userspace != 1 {
		t.Errorf("report %+v, want 2 rules in the kernel and 1 in userspace", rep)
	}
	out, err := exec.Command("auditctl", "-l").CombinedOutput()
	if err != nil {
		t.Fatalf("auditctl -l: %v: %s", err, out)
	}
	wantList := "-a always,exit -F arch=b64 -S execve -F exe=/usr/bin/uname -F key=contaudit-ktest -F key=contaudit-contid-eq-5\n" +
		"-a always,exit -F arch=b64 -S uname -F exe=/usr/bin/uname -F key=contaudit-contid-eq-unset\n"
	if string(out) != wantList {
		t.Errorf("auditctl -l:\n%s\nwant\n%s", out, wantList)
	}

	cmd := exec.Command("/usr/bin/uname")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := " pid=" + strconv.Itoa(cmd.Process.Pid) + " "
	execve, uname := readEvents(t, mc, pid)

	// The kernel's own text first: the forms the filter must parse.
	if !strings.HasSuffix(string(execve.recs[0]), " key=636F6E7461756469742D6B746573740163"+
		"6F6E7461756469742D636F6E7469642D65712D35") {
		t.Errorf("execve SYSCALL record: %s", execve.recs[0])
	}
	if !strings.HasSuffix(string(uname.recs[0]), ` key="contaudit-contid-eq-unset"`) {
		t.Errorf("uname SYSCALL record: %s", uname.recs[0])
	}

	inFive := func(id uint64) bool { return id == 5 || id == 1 } // 5, nested in 1
	noContid := func(id uint64) bool { return id == rules.ContidUnset }

	// The process in container 5: its execve is kept with the user's key
	// alone and without its PATH records; its uname is dropped.
	e := clone(execve)
	types, recs, dropped := filter.Filter(e.types, e.recs, inFive)
	if !strings.HasSuffix(string(recs[0]), ` key="contaudit-ktest"`) {
		t.Errorf("kept execve SYSCALL record: %s", recs[0])
	}
	if slices.Contains(types, abi.AUDIT_PATH) || dropped == 0 || len(types)+dropped != len(execve.types) {
		t.Errorf("execve in container 5: kept %v, dropped %d", types, dropped)
	}
	e = clone(uname)
	if types, _, dropped := filter.Filter(e.types, e.recs, inFive); len(types) != 0 || dropped != len(uname.types) {
		t.Errorf("uname in container 5 kept: %v", types)
	}

	// The same process outside any container: the execve goes, the uname
	// stays with no key at all.
	e = clone(execve)
	if types, _, _ := filter.Filter(e.types, e.recs, noContid); len(types) != 0 {
		t.Errorf("execve without contid kept: %v", types)
	}
	e = clone(uname)
	types, recs, dropped = filter.Filter(e.types, e.recs, noContid)
	if dropped != 0 || len(types) != len(uname.types) || !strings.HasSuffix(string(recs[0]), " key=(null)") {
		t.Errorf("uname without contid: %d dropped, %s", dropped, recs[0])
	}
}

func clone(e kernelEvent) kernelEvent {
	out := kernelEvent{types: slices.Clone(e.types)}
	for _, r := range e.recs {
		out.recs = append(out.recs, slices.Clone(r))
	}
	return out
}

// readEvents collects, up to their EOE, the execve and uname events of the
// process whose SYSCALL records contain pid.
func readEvents(t *testing.T, c *auditnl.Conn, pid string) (execve, uname kernelEvent) {
	t.Helper()
	timer := time.AfterFunc(10*time.Second, c.Interrupt)
	defer timer.Stop()
	events := map[string]*kernelEvent{}
	var got [2]*kernelEvent
	for got[0] == nil || got[1] == nil {
		msgs, err := c.Receive()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("no execve and uname events of%s within 10s (have %v)", pid, got)
		}
		if err != nil {
			t.Logf("receive: %v", err)
			continue
		}
		for _, m := range msgs {
			text := strings.TrimRight(string(m.Data), "\x00\n")
			end := strings.IndexByte(text, ')')
			if end < 0 {
				continue
			}
			serial := text[:end]
			ev := events[serial]
			if m.Header.Type == abi.AUDIT_SYSCALL && strings.Contains(text, pid) {
				ev = &kernelEvent{}
				events[serial] = ev
			}
			if ev == nil {
				continue
			}
			if m.Header.Type == abi.AUDIT_EOE {
				switch {
				case strings.Contains(string(ev.recs[0]), " syscall=59 "):
					got[0] = ev
				case strings.Contains(string(ev.recs[0]), " syscall=63 "):
					got[1] = ev
				}
				delete(events, serial)
				continue
			}
			ev.types = append(ev.types, uint32(m.Header.Type))
			ev.recs = append(ev.recs, []byte(text))
		}
	}
	return *got[0], *got[1]
}
