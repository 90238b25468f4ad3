package daemon

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/auditnl"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"github.com/contaudit/contaudit/internal/logfile"
)

// memSink keeps events in memory for tests.
type memSink struct {
	mu     sync.Mutex
	events [][]string
	daemon []string
	closed bool
}

func (m *memSink) WriteEvent(recs []logfile.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ev := make([]string, len(recs))
	for i, r := range recs {
		ev[i] = "type=" + abi.MsgTypeName(r.Type) + " msg=" + string(r.Msg)
	}
	m.events = append(m.events, ev)
	return nil
}

func (m *memSink) WriteDaemon(typ uint32, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.daemon = append(m.daemon, abi.MsgTypeName(typ)+" "+text)
	return nil
}
func (m *memSink) Hold()         {}
func (m *memSink) Flush() error  { return nil }
func (m *memSink) Rotate() error { return nil }
func (m *memSink) Resume() error { return nil }
func (m *memSink) Close() error  { m.mu.Lock(); m.closed = true; m.mu.Unlock(); return nil }

func (m *memSink) find(substr string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ev := range m.events {
		for _, r := range ev {
			if strings.Contains(r, substr) {
				return ev
			}
		}
	}
	return nil
}

func execveLoader(key string) RuleLoader {
	return func(ctx context.Context, k *auditnl.Conn) error {
		r := &abi.AuditRuleData{Flags: abi.AUDIT_FILTER_EXIT, Action: abi.AUDIT_ALWAYS, FieldCount: 2}
		nr, _ := abi.SyscallByName(abi.AUDIT_ARCH_X86_64, "execve")
		r.Mask[nr/32] |= 1 << (nr % 32)
		r.Fields[0], r.FieldFlags[0], r.Values[0] = abi.AUDIT_ARCH, abi.AUDIT_EQUAL, abi.AUDIT_ARCH_X86_64
		r.Fields[1], r.FieldFlags[1], r.Values[1] = abi.AUDIT_FILTERKEY, abi.AUDIT_EQUAL, uint32(len(key))
		r.Buf = []byte(key)
		return k.AddRule(ctx, r)
	}
}

func statusOf(t *testing.T) abi.AuditStatus {
	t.Helper()
	c, err := auditnl.Dial(auditnl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestKernelDaemonWritesEventsAndRestores(t *testing.T) {
	kerneltest.Audit(t)
	// Start from enabled 0, so that enabled 1 below means the daemon is
	// ready (kerneltest.Audit puts back whatever was there).
	c, err := auditnl.Dial(auditnl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetStatus(context.Background(), abi.AuditStatus{Mask: abi.AUDIT_STATUS_ENABLED, Enabled: 0}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	before := statusOf(t)
	sink := &memSink{}
	d := New(Settings{RestoreOnExit: true, BacklogLimit: optional{true, 8192}, ReceiveBuffer: 8 << 20},
		sink, execveLoader("contaudit-daemon-test"), nil, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var runErr error
	go func() { runErr = d.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	// Wait for registration, then run a program the rule audits.
	// Run enables audit after registering and loading the rules, so
	// enabled 1 with our pid means ready.
	deadline := time.Now().Add(5 * time.Second)
	for s := statusOf(t); s.PID != uint32(os.Getpid()) || s.Enabled != 1; s = statusOf(t) {
		if time.Now().After(deadline) {
			t.Fatal("daemon did not register")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := statusOf(t); s.BacklogLimit != 8192 || s.Enabled != 1 {
		t.Fatalf("kernel settings not applied: %+v", s)
	}
	// A second daemon must be refused while we run.
	other := New(Settings{}, &memSink{}, nil, nil, slog.New(slog.DiscardHandler))
	if err := other.Run(context.Background()); !errors.Is(err, ErrAnotherDaemon) {
		t.Fatalf("second daemon: %v, want ErrAnotherDaemon", err)
	}
	var pids []string
	for range 20 {
		cmd := exec.Command("/bin/true")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, " pid="+strconv.Itoa(cmd.Process.Pid)+" ")
	}

	// SIGUSR1 from another process: DAEMON_ROTATE names that process,
	// as the kernel recorded it (AUDIT_SIGNAL_INFO), not the daemon.
	// Our own Notify keeps the default action (exit) away from the test
	// binary should the signal arrive before the loop's.
	keep := make(chan os.Signal, 1)
	signal.Notify(keep, syscall.SIGUSR1)
	defer signal.Stop(keep)
	killer := exec.Command("sh", "-c", "kill -USR1 "+strconv.Itoa(os.Getpid())+"; sleep 5")
	if err := killer.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { killer.Process.Kill(); killer.Wait() }()
	rotated := ""
	for deadline := time.Now().Add(5 * time.Second); rotated == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		sink.mu.Lock()
		for _, r := range sink.daemon {
			if strings.HasPrefix(r, "DAEMON_ROTATE ") {
				rotated = r
			}
		}
		sink.mu.Unlock()
	}
	t.Logf("%s", rotated)
	if want := " pid=" + strconv.Itoa(killer.Process.Pid) + " "; !strings.Contains(rotated, want) || !strings.Contains(rotated, "op=rotate-logs auid=") {
		t.Fatalf("DAEMON_ROTATE %q does not name the sender (%s)", rotated, want)
	}
	cancel()
	<-done
	if runErr != nil {
		t.Fatalf("run: %v", runErr)
	}
	for _, pid := range pids {
		ev := sink.find(pid)
		if ev == nil {
			t.Fatalf("no event for%s", pid)
		}
		if !strings.HasPrefix(ev[0], "type=SYSCALL msg=audit(") || !strings.Contains(ev[0], `key="contaudit-daemon-test"`) {
			t.Fatalf("event %q", ev)
		}
		var types []string
		for _, r := range ev {
			types = append(types, strings.Fields(r)[0])
		}
		if got := strings.Join(types, ","); !strings.Contains(got, "type=EXECVE") || !strings.Contains(got, "type=PROCTITLE") || strings.Contains(got, "EOE") {
			t.Fatalf("event types %s", got)
		}
	}
	if len(sink.daemon) != 3 || !strings.HasPrefix(sink.daemon[0], "DAEMON_START op=start") || !strings.HasPrefix(sink.daemon[2], "DAEMON_END op=terminate") {
		t.Fatalf("daemon records %q", sink.daemon)
	}
	after := statusOf(t)
	if after.PID != 0 || after.Enabled != before.Enabled || after.BacklogLimit != before.BacklogLimit {
		t.Fatalf("kernel not restored: before %+v after %+v", before, after)
	}
}
