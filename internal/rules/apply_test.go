package rules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
	"golang.org/x/sys/unix"
)

// fakeKernel keeps rules the way the kernel does (one list per filter,
// EEXIST on duplicates, ENOENT on deleting a missing rule) and records
// every request.
type fakeKernel struct {
	lists    [8][]*abi.AuditRuleData
	calls    []string
	statuses []abi.AuditStatus
	features []abi.AuditFeatures
	failAdd  func(*abi.AuditRuleData) error
}

func (k *fakeKernel) AddRule(_ context.Context, r *abi.AuditRuleData) error {
	k.calls = append(k.calls, "add")
	if k.failAdd != nil {
		if err := k.failAdd(r); err != nil {
			return err
		}
	}
	l := r.Flags & auditFilterMask
	c := *r
	c.Flags = l
	for _, o := range k.lists[l] {
		if bytes.Equal(o.MarshalBinary(), c.MarshalBinary()) {
			return fmt.Errorf("fake AUDIT_ADD_RULE: %w", unix.EEXIST)
		}
	}
	if r.Flags&abi.AUDIT_FILTER_PREPEND != 0 {
		k.lists[l] = append([]*abi.AuditRuleData{&c}, k.lists[l]...)
	} else {
		k.lists[l] = append(k.lists[l], &c)
	}
	return nil
}

func (k *fakeKernel) DeleteRule(_ context.Context, r *abi.AuditRuleData) error {
	k.calls = append(k.calls, "del")
	l := r.Flags & auditFilterMask
	c := *r
	c.Flags = l
	for i, o := range k.lists[l] {
		if bytes.Equal(o.MarshalBinary(), c.MarshalBinary()) {
			k.lists[l] = append(k.lists[l][:i], k.lists[l][i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("fake AUDIT_DEL_RULE: %w", unix.ENOENT)
}

func (k *fakeKernel) ListRules(context.Context) ([]*abi.AuditRuleData, error) {
	k.calls = append(k.calls, "list")
	var out []*abi.AuditRuleData
	for _, l := range k.lists {
		out = append(out, l...)
	}
	return out, nil
}

func (k *fakeKernel) SetStatus(_ context.Context, s abi.AuditStatus) error {
	k.calls = append(k.calls, fmt.Sprintf("status %#x", s.Mask))
	k.statuses = append(k.statuses, s)
	return nil
}

func (k *fakeKernel) SetFeature(_ context.Context, f abi.AuditFeatures) error {
	k.calls = append(k.calls, "feature")
	k.features = append(k.features, f)
	return nil
}

func (k *fakeKernel) listing(t *testing.T) string {
	t.Helper()
	ds, _ := k.ListRules(context.Background())
	k.calls = k.calls[:len(k.calls)-1]
	var rs []*Rule
	for _, d := range ds {
		r, err := Decode(d)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return Listing(rs)
}

func mustParse(t *testing.T, text string) []Command {
	t.Helper()
	cmds, err := testParser.ParseReader(strings.NewReader(text), "test.rules")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return cmds
}

func TestApplyRulesAndDeleteAll(t *testing.T) {
	k := &fakeKernel{}
	cmds := mustParse(t, `
-a always,exit -F arch=b64 -S open -k one
-w /etc/passwd -p wa -k two
-A always,exit -F arch=b64 -S close -k one-more
-a never,exclude -F msgtype=CWD
-D -k one
`)
	rep, err := Apply(context.Background(), k, cmds, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 4 || rep.Deleted != 2 || rep.Failed != 0 {
		t.Errorf("report %+v, want 4 added, 2 deleted", rep)
	}
	want := "-w /etc/passwd -p wa -k two\n-a never,exclude -F msgtype=CWD\n"
	if got := k.listing(t); got != want {
		t.Errorf("after -D -k one:\n%s\nwant:\n%s", got, want)
	}
	if _, err := Apply(context.Background(), k, mustParse(t, "-D\n"), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := k.listing(t); got != "No rules\n" {
		t.Errorf("after -D: %q", got)
	}
}

func TestApplyStatus(t *testing.T) {
	k := &fakeKernel{}
	cmds := mustParse(t, "-e 2\n-f 1\n-b 8192\n-r 100\n--backlog_wait_time 60000\n--reset-lost\n-b 5 -r 6\n")
	if _, err := Apply(context.Background(), k, cmds, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []abi.AuditStatus{
		{Mask: abi.AUDIT_STATUS_ENABLED, Enabled: 2},
		{Mask: abi.AUDIT_STATUS_FAILURE, Failure: 1},
		{Mask: abi.AUDIT_STATUS_BACKLOG_LIMIT, BacklogLimit: 8192},
		{Mask: abi.AUDIT_STATUS_RATE_LIMIT, RateLimit: 100},
		{Mask: abi.AUDIT_STATUS_BACKLOG_WAIT_TIME, BacklogWaitTime: 60000},
		{Mask: abi.AUDIT_STATUS_LOST},
		// One request per option, in mask-bit order, as auditctl sends them.
		{Mask: abi.AUDIT_STATUS_RATE_LIMIT, RateLimit: 6, BacklogLimit: 5},
		{Mask: abi.AUDIT_STATUS_BACKLOG_LIMIT, RateLimit: 6, BacklogLimit: 5},
	}
	if fmt.Sprint(k.statuses) != fmt.Sprint(want) {
		t.Errorf("statuses\n got %+v\nwant %+v", k.statuses, want)
	}
}

func TestApplyLoginuidImmutable(t *testing.T) {
	k := &fakeKernel{}
	if _, err := Apply(context.Background(), k, mustParse(t, "--loginuid-immutable\n"), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	// libaudit's audit_set_feature(fd, AUDIT_FEATURE_LOGINUID_IMMUTABLE, 1, 1).
	want := abi.AuditFeatures{Vers: 0, Mask: 2, Features: 2, Lock: 2}
	if len(k.features) != 1 || k.features[0] != want {
		t.Errorf("features %+v, want [%+v]", k.features, want)
	}
}

func TestApplyRefusesPanic(t *testing.T) {
	k := &fakeKernel{}
	_, err := Apply(context.Background(), k, mustParse(t, "-f 2\n"), ApplyOptions{})
	if !errors.Is(err, ErrPanic) {
		t.Fatalf("err %v, want ErrPanic", err)
	}
	if !strings.HasPrefix(err.Error(), "test.rules:1: -f 2: ") {
		t.Errorf("error %q lacks position and command", err)
	}
	if len(k.statuses) != 0 {
		t.Errorf("sent %+v", k.statuses)
	}
	if _, err := Apply(context.Background(), k, mustParse(t, "-f 2\n"), ApplyOptions{AllowPanic: true}); err != nil {
		t.Fatal(err)
	}
	if len(k.statuses) != 1 || k.statuses[0].Failure != 2 {
		t.Errorf("sent %+v", k.statuses)
	}
}

func TestApplyErrors(t *testing.T) {
	rules := "-a always,exit -S open -k a\n-a always,exit -S open -k a\n-a always,exit -S close\n"
	for _, tc := range []struct {
		name     string
		text     string
		opts     ApplyOptions
		wantErr  bool
		added    int
		failed   int
		errCount int
	}{
		{"stop", rules, ApplyOptions{}, true, 1, 1, 1},
		{"-c line", "-c\n" + rules, ApplyOptions{}, true, 2, 1, 1},
		{"-i line", "-i\n" + rules, ApplyOptions{}, false, 2, 1, 1},
		{"ContinueOnError", rules, ApplyOptions{ContinueOnError: true}, true, 2, 1, 1},
		{"IgnoreErrors", rules, ApplyOptions{IgnoreErrors: true}, false, 2, 1, 1},
		// -c only covers the lines after it, as in auditctl.
		{"late -c", rules + "-c\n", ApplyOptions{}, true, 1, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := &fakeKernel{}
			rep, err := Apply(context.Background(), k, mustParse(t, tc.text), tc.opts)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if rep.Added != tc.added || rep.Failed != tc.failed || len(rep.Errors) != tc.errCount {
				t.Errorf("report %+v", rep)
			}
			if err != nil && !errors.Is(err, unix.EEXIST) {
				t.Errorf("errors.Is(%v, EEXIST) = false", err)
			}
			var ae *ApplyError
			if !errors.As(rep.Errors[0], &ae) || ae.Cmd.Pos.Line == 0 {
				t.Fatalf("report error %v has no position", rep.Errors[0])
			}
			if !strings.Contains(ae.Error(), "test.rules:") || !strings.Contains(ae.Error(), "rule exists") {
				t.Errorf("error text %q", ae.Error())
			}
		})
	}
}

func TestApplyDirWatchRetry(t *testing.T) {
	k := &fakeKernel{failAdd: func(d *abi.AuditRuleData) error {
		if d.Fields[0] == abi.AUDIT_DIR {
			return fmt.Errorf("old kernel: %w", unix.EINVAL)
		}
		return nil
	}}
	cmds := mustParse(t, "-w /dir -p w\n")
	if _, err := Apply(context.Background(), k, cmds, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := k.listing(t); got != "-w /dir -p w\n" || k.lists[4][0].Fields[0] != abi.AUDIT_WATCH {
		t.Errorf("got %q %v", got, k.lists[4][0].Fields[0])
	}
}

func TestApplyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Apply(ctx, &fakeKernel{}, mustParse(t, "-D\n"), ApplyOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
}

func TestApplyDeleteMissing(t *testing.T) {
	_, err := Apply(context.Background(), &fakeKernel{}, mustParse(t, "-d always,exit -S open\n"), ApplyOptions{})
	if !errors.Is(err, unix.ENOENT) || !strings.Contains(err.Error(), "no rule matches") {
		t.Errorf("err %v", err)
	}
}
