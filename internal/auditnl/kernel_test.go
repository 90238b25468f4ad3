package auditnl_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/auditnl"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"golang.org/x/sys/unix"
)

// These tests talk to the real kernel. kerneltest.Audit serialises them
// with every other audit test on the machine and restores the state.

func dial(t *testing.T, opts auditnl.Options) *auditnl.Conn {
	t.Helper()
	c, err := auditnl.Dial(opts)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestKernelStatusMatchesAuditctl(t *testing.T) {
	kerneltest.Audit(t)
	c := dial(t, auditnl.Options{})
	s, err := c.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("auditctl", "-s").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint32{"enabled": s.Enabled, "failure": s.Failure, "pid": s.PID,
		"rate_limit": s.RateLimit, "backlog_limit": s.BacklogLimit, "backlog_wait_time": s.BacklogWaitTime}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if w, ok := want[f[0]]; ok && f[1] != strconv.FormatUint(uint64(w), 10) {
			t.Errorf("%s: auditctl says %s, we read %d", f[0], f[1], w)
		}
	}
	if s.FeatureBitmap&abi.AUDIT_FEATURE_BITMAP_BACKLOG_WAIT_TIME == 0 {
		t.Errorf("feature bitmap %#x lacks backlog_wait_time on a 6.x kernel", s.FeatureBitmap)
	}
}

func TestKernelSetStatus(t *testing.T) {
	kerneltest.Audit(t)
	c := dial(t, auditnl.Options{})
	ctx := context.Background()
	if err := c.SetStatus(ctx, abi.AuditStatus{Mask: abi.AUDIT_STATUS_BACKLOG_LIMIT | abi.AUDIT_STATUS_BACKLOG_WAIT_TIME,
		BacklogLimit: 321, BacklogWaitTime: 1234}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.BacklogLimit != 321 || s.BacklogWaitTime != 1234 {
		t.Fatalf("after set: backlog_limit %d backlog_wait_time %d", s.BacklogLimit, s.BacklogWaitTime)
	}
	// The kernel refuses an unknown failure mode with EINVAL; we refuse 2
	// ourselves before it is sent.
	if err := c.SetStatus(ctx, abi.AuditStatus{Mask: abi.AUDIT_STATUS_FAILURE, Failure: 2}); !errors.Is(err, auditnl.ErrPanicMode) {
		t.Fatalf("failure 2: %v", err)
	}
}

// execveRule is `-a always,exit -F arch=b64 -S execve -F key=KEY`, built by
// hand so this package does not depend on the rules package.
func execveRule(key string) *abi.AuditRuleData {
	r := &abi.AuditRuleData{Flags: abi.AUDIT_FILTER_EXIT, Action: abi.AUDIT_ALWAYS, FieldCount: 2}
	nr, _ := abi.SyscallByName(abi.AUDIT_ARCH_X86_64, "execve")
	r.Mask[nr/32] |= 1 << (nr % 32)
	r.Fields[0], r.FieldFlags[0], r.Values[0] = abi.AUDIT_ARCH, abi.AUDIT_EQUAL, abi.AUDIT_ARCH_X86_64
	r.Fields[1], r.FieldFlags[1], r.Values[1] = abi.AUDIT_FILTERKEY, abi.AUDIT_EQUAL, uint32(len(key))
	r.Buf = []byte(key)
	return r
}

func TestKernelRules(t *testing.T) {
	kerneltest.Audit(t)
	c := dial(t, auditnl.Options{})
	ctx := context.Background()
	r := execveRule("contaudit-nltest")
	if err := c.AddRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := c.AddRule(ctx, r); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("duplicate rule: %v, want EEXIST", err)
	}
	out, _ := exec.Command("auditctl", "-l").Output()
	if !strings.Contains(string(out), "-a always,exit -F arch=b64 -S execve -F key=contaudit-nltest") {
		t.Fatalf("auditctl -l does not show our rule:\n%s", out)
	}
	rules, err := c.ListRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, got := range rules {
		if string(got.MarshalBinary()) == string(r.MarshalBinary()) {
			found = true
		}
	}
	if !found {
		t.Fatalf("listed rules do not contain the added rule byte for byte (%d rules)", len(rules))
	}
	if err := c.DeleteRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRule(ctx, r); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("deleting a missing rule: %v, want ENOENT", err)
	}
}

// receiveUntil reads records until one satisfies ok or the deadline passes.
func receiveUntil(t *testing.T, c *auditnl.Conn, d time.Duration, ok func(typ uint16, text string) bool) {
	t.Helper()
	timer := time.AfterFunc(d, c.Interrupt)
	defer timer.Stop()
	for {
		msgs, err := c.Receive()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("no matching record within %v", d)
		}
		if err != nil {
			t.Logf("receive: %v", err)
			continue
		}
		for _, m := range msgs {
			if ok(m.Header.Type, string(m.Data)) {
				return
			}
		}
	}
}

func TestKernelDaemonAndMulticast(t *testing.T) {
	kerneltest.Audit(t)
	ctx := context.Background()
	d := dial(t, auditnl.Options{ReceiveBuffer: 4 << 20})
	if err := d.Register(ctx); err != nil {
		t.Fatalf("register: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Unregister(context.Background()); err != nil {
			t.Errorf("unregister: %v", err)
		}
	})
	// A second registration while a healthy daemon holds it is refused.
	other := dial(t, auditnl.Options{})
	if err := other.Register(ctx); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("second daemon: %v, want EEXIST", err)
	}
	m := dial(t, auditnl.Options{Multicast: true})

	if err := other.AddRule(ctx, execveRule("contaudit-nltest")); err != nil {
		t.Fatal(err)
	}
	if err := other.SetStatus(ctx, abi.AuditStatus{Mask: abi.AUDIT_STATUS_ENABLED, Enabled: 1}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := "pid=" + strconv.Itoa(cmd.Process.Pid) + " "
	var serial string
	receiveUntil(t, d, 5*time.Second, func(typ uint16, text string) bool {
		if typ == abi.AUDIT_SYSCALL && strings.Contains(text, pid) && strings.Contains(text, `key="contaudit-nltest"`) {
			serial = text[:strings.Index(text, ")")]
		}
		return serial != "" && typ == abi.AUDIT_EOE && strings.HasPrefix(text, serial)
	})
	receiveUntil(t, m, 5*time.Second, func(typ uint16, text string) bool {
		return typ == abi.AUDIT_SYSCALL && strings.HasPrefix(text, serial)
	})
}

// TryReceive on a real socket takes queued records in recvmmsg batches;
// records must come out whole and in the kernel's order, also when a
// request in the middle of a batch sets newer records aside.
func TestKernelTryReceiveBatches(t *testing.T) {
	kerneltest.Audit(t)
	ctx := context.Background()
	d := dial(t, auditnl.Options{ReceiveBuffer: 8 << 20, Blocking: true})
	if err := d.Register(ctx); err != nil {
		t.Fatalf("register: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Unregister(context.Background()); err != nil {
			t.Errorf("unregister: %v", err)
		}
	})
	if err := d.AddRule(ctx, execveRule("contaudit-nlbatch")); err != nil {
		t.Fatal(err)
	}
	if err := d.SetStatus(ctx, abi.AuditStatus{Mask: abi.AUDIT_STATUS_ENABLED, Enabled: 1}); err != nil {
		t.Fatal(err)
	}
	const execs = 100
	ownChild := " ppid=" + strconv.Itoa(os.Getpid()) + " "
	for range execs {
		if err := exec.Command("/bin/true").Run(); err != nil {
			t.Fatal(err)
		}
	}
	var (
		syscalls, datagrams int
		last                uint64
		asked               bool
		deadline            = time.Now().Add(10 * time.Second)
	)
	for syscalls < execs && time.Now().Before(deadline) {
		msgs, err := d.TryReceive()
		if errors.Is(err, auditnl.ErrWouldBlock) {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		datagrams++
		for _, m := range msgs {
			text := string(m.Data)
			open, colon := strings.Index(text, "audit("), strings.Index(text, "): ")
			if open < 0 || colon < 0 {
				t.Fatalf("record without a stamp: type %d seq %d flags %#x %q", m.Header.Type, m.Header.Seq, m.Header.Flags, text)
			}
			stamp := text[open+len("audit(") : colon]
			serial, err := strconv.ParseUint(stamp[strings.IndexByte(stamp, ':')+1:], 10, 64)
			if err != nil {
				t.Fatalf("stamp %q: %v", stamp, err)
			}
			if m.Header.Type == abi.AUDIT_SYSCALL && strings.Contains(text, `key="contaudit-nlbatch"`) && strings.Contains(text, ownChild) {
				// Our execs ran one after the other; other processes'
				// (tests running beside this one) may interleave in any
				// order.
				if serial < last {
					t.Fatalf("serial %d after %d: records out of order", serial, last)
				}
				last = serial
				syscalls++
			}
		}
		if datagrams == 10 && !asked {
			// A request while a batch is half handed out (msgs is
			// dead by now: it aliases the connection's buffer).
			asked = true
			if _, err := d.Status(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if syscalls < execs {
		t.Fatalf("%d of %d exec records received", syscalls, execs)
	}
	if st := d.Stats(); st.Truncated.Load() != 0 || st.Malformed.Load() != 0 {
		t.Fatalf("truncated %d malformed %d", st.Truncated.Load(), st.Malformed.Load())
	}
}
