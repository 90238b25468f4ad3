package auditnl_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/auditnl"
	"github.com/contaudit/contaudit/internal/auditnl/auditnltest"
	"golang.org/x/sys/unix"
)

func TestStatusRoundTrip(t *testing.T) {
	for _, ackFirst := range []bool{true, false} {
		k := auditnltest.New()
		k.AckFirst = ackFirst
		c := k.Conn()
		ctx := context.Background()
		if err := c.SetStatus(ctx, abi.AuditStatus{Mask: abi.AUDIT_STATUS_BACKLOG_LIMIT | abi.AUDIT_STATUS_ENABLED, BacklogLimit: 8192, Enabled: 1}); err != nil {
			t.Fatal(err)
		}
		s, err := c.Status(ctx)
		if err != nil {
			t.Fatalf("ackFirst=%v: %v", ackFirst, err)
		}
		if s.BacklogLimit != 8192 || s.Enabled != 1 || s.Failure != 1 {
			t.Errorf("ackFirst=%v: status %+v", ackFirst, s)
		}
	}
}

func TestPanicModeRefused(t *testing.T) {
	k := auditnltest.New()
	err := k.Conn().SetStatus(context.Background(), abi.AuditStatus{Mask: abi.AUDIT_STATUS_FAILURE, Failure: abi.AUDIT_FAIL_PANIC})
	if !errors.Is(err, auditnl.ErrPanicMode) {
		t.Fatalf("err = %v, want ErrPanicMode", err)
	}
	if len(k.Requests) != 0 {
		t.Fatalf("a panic-mode request reached the kernel: %v", k.Requests)
	}
}

func TestErrnoIsTyped(t *testing.T) {
	k := auditnltest.New()
	c := k.Conn()
	ctx := context.Background()
	k.Status.PID = 1
	err := c.Register(ctx)
	var op *auditnl.OpError
	if !errors.As(err, &op) || op.Op != "AUDIT_SET" || !errors.Is(err, unix.EEXIST) {
		t.Fatalf("second registration: err = %v, want AUDIT_SET EEXIST", err)
	}
	if got := err.Error(); got != "netlink audit AUDIT_SET: file exists" {
		t.Errorf("message %q", got)
	}
}

func TestRules(t *testing.T) {
	for _, ackFirst := range []bool{true, false} {
		k := auditnltest.New()
		k.AckFirst = ackFirst
		c := k.Conn()
		ctx := context.Background()
		rules, err := c.ListRules(ctx)
		if err != nil || len(rules) != 0 {
			t.Fatalf("empty list: %v %v", rules, err)
		}
		r1 := &abi.AuditRuleData{Flags: abi.AUDIT_FILTER_EXIT, Action: abi.AUDIT_ALWAYS, FieldCount: 1}
		r1.Fields[0], r1.FieldFlags[0], r1.Values[0] = abi.AUDIT_FILTERKEY, abi.AUDIT_EQUAL, 3
		r1.Buf = []byte("abc")
		r2 := &abi.AuditRuleData{Flags: abi.AUDIT_FILTER_EXCLUDE, Action: abi.AUDIT_NEVER}
		for _, r := range []*abi.AuditRuleData{r1, r2} {
			if err := c.AddRule(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.AddRule(ctx, r1); !errors.Is(err, unix.EEXIST) {
			t.Fatalf("duplicate add: %v", err)
		}
		rules, err = c.ListRules(ctx)
		if err != nil || len(rules) != 2 || string(rules[0].Buf) != "abc" || rules[1].Flags != abi.AUDIT_FILTER_EXCLUDE {
			t.Fatalf("list: %+v %v", rules, err)
		}
		if err := c.DeleteRule(ctx, r1); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteRule(ctx, r1); !errors.Is(err, unix.ENOENT) {
			t.Fatalf("delete missing: %v", err)
		}
	}
}

// Records that reach the daemon socket while it waits for an ACK must be
// delivered by the next Receive, not dropped.
func TestRecordsDuringRequestAreKept(t *testing.T) {
	k := auditnltest.New()
	c := k.Conn()
	k.InjectRecord(abi.AUDIT_SYSCALL, "audit(1.000:1): arch=c000003e")
	if err := c.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	k.InjectRecord(abi.AUDIT_EOE, "audit(1.000:1): ")
	var got []string
	for len(got) < 2 {
		msgs, err := c.Receive()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			got = append(got, string(m.Data))
		}
	}
	if got[0] != "audit(1.000:1): arch=c000003e" || got[1] != "audit(1.000:1): " {
		t.Fatalf("records %q", got)
	}
}

func TestReceiveFaults(t *testing.T) {
	k := auditnltest.New()
	c := k.Conn()
	k.InjectOverrun()
	if _, err := c.Receive(); !errors.Is(err, unix.ENOBUFS) {
		t.Fatalf("overrun: %v", err)
	}
	k.InjectRaw([]byte{1, 2, 3})
	if _, err := c.Receive(); !errors.Is(err, auditnl.ErrMalformed) {
		t.Fatalf("malformed: %v", err)
	}
	k.Multicast = true
	k.InjectRecord(abi.AUDIT_SYSCALL, "audit(1.000:2): x=1")
	msgs, err := c.Receive()
	if err != nil || len(msgs) != 1 || string(msgs[0].Data) != "audit(1.000:2): x=1" {
		t.Fatalf("multicast record: %v %v", msgs, err)
	}
	s := c.Stats()
	if s.Overruns.Load() != 1 || s.Malformed.Load() != 1 {
		t.Fatalf("stats overruns=%d malformed=%d", s.Overruns.Load(), s.Malformed.Load())
	}
	go func() { time.Sleep(20 * time.Millisecond); c.Interrupt() }()
	if _, err := c.Receive(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("interrupt: %v", err)
	}
}

func TestRequestHonoursContext(t *testing.T) {
	k := auditnltest.New()
	c := k.Conn()
	k.Mute = true
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Status(ctx); err == nil {
		t.Fatal("status from a silent kernel succeeded")
	}
}

func TestTryReceive(t *testing.T) {
	k := auditnltest.New()
	c := k.Conn()
	if _, err := c.TryReceive(); !errors.Is(err, auditnl.ErrWouldBlock) {
		t.Fatalf("empty: %v", err)
	}
	k.InjectRecord(abi.AUDIT_SYSCALL, "audit(1.000:1): x=1")
	msgs, err := c.TryReceive()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("queued: %v %v", msgs, err)
	}
}

// Records longer than the kernel's 8560-byte text limit (userspace
// AUDIT_USER messages can be) pass whole; a datagram beyond the receive
// buffer is reported as truncated and counted, not silently cut.
func TestOversizedRecords(t *testing.T) {
	k := auditnltest.New()
	c := k.Conn()
	big := "audit(1.000:1): " + strings.Repeat("a", 9000)
	k.InjectRecord(abi.AUDIT_USER, big)
	msgs, err := c.Receive()
	if err != nil || len(msgs) != 1 || string(msgs[0].Data) != big {
		t.Fatalf("9000-byte record: %d messages, %v", len(msgs), err)
	}
	k.InjectRecord(abi.AUDIT_USER, "audit(1.000:2): "+strings.Repeat("b", auditnl.ReceiveBufferSize))
	if _, err := c.Receive(); !errors.Is(err, auditnl.ErrTruncated) {
		t.Fatalf("oversized datagram: %v", err)
	}
	if c.Stats().Truncated.Load() != 1 {
		t.Fatal("truncation not counted")
	}
}
