package abi

import (
	"bytes"
	"testing"
)

func TestSizes(t *testing.T) {
	var s AuditStatus
	if n := len(s.MarshalBinary()); n != AuditStatusSize {
		t.Errorf("audit_status: %d bytes, want %d", n, AuditStatusSize)
	}
	var f AuditFeatures
	if n := len(f.MarshalBinary()); n != AuditFeaturesSize {
		t.Errorf("audit_features: %d bytes, want %d", n, AuditFeaturesSize)
	}
	// 3 u32, mask[64], fields[64], values[64], fieldflags[64], buflen.
	if AuditRuleDataFixedSize != 1040 {
		t.Errorf("audit_rule_data: %d bytes, want 1040", AuditRuleDataFixedSize)
	}
}

func TestRoundTrips(t *testing.T) {
	s := AuditStatus{Mask: 1, Enabled: 2, Failure: 3, PID: 4, RateLimit: 5, BacklogLimit: 6, Lost: 7, Backlog: 8,
		FeatureBitmap: 9, BacklogWaitTime: 10, BacklogWaitTimeActual: 11}
	if got, err := UnmarshalAuditStatus(s.MarshalBinary()); err != nil || got != s {
		t.Errorf("status round trip: %+v %v", got, err)
	}
	// A pre-3.17 kernel's shorter status still decodes.
	if got, err := UnmarshalAuditStatus(s.MarshalBinary()[:32]); err != nil || got.Backlog != 8 || got.FeatureBitmap != 0 {
		t.Errorf("short status: %+v %v", got, err)
	}
	if _, err := UnmarshalAuditStatus(make([]byte, 31)); err == nil {
		t.Error("31-byte status accepted")
	}
	r := &AuditRuleData{Flags: AUDIT_FILTER_EXIT, Action: AUDIT_ALWAYS, FieldCount: 1, Buf: []byte("key")}
	r.Fields[0], r.Values[0], r.FieldFlags[0] = AUDIT_FILTERKEY, 3, AUDIT_EQUAL
	b := r.MarshalBinary()
	got, err := UnmarshalAuditRuleData(b)
	if err != nil || !bytes.Equal(got.MarshalBinary(), b) {
		t.Errorf("rule round trip: %v", err)
	}
	if _, err := UnmarshalAuditRuleData(b[:len(b)-1]); err == nil {
		t.Error("rule with a short buffer accepted")
	}
}

func FuzzUnmarshalAuditRuleData(f *testing.F) {
	f.Add((&AuditRuleData{FieldCount: 1, Buf: []byte("x")}).MarshalBinary())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalAuditRuleData(b)
		if (r == nil) != (err != nil) {
			t.Fatalf("rule %v, err %v", r, err)
		}
		if r != nil && !bytes.Equal(r.MarshalBinary(), b[:AuditRuleDataFixedSize+len(r.Buf)]) {
			t.Fatal("re-encoding differs")
		}
	})
}

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		typ  uint32
		name string
	}{{1300, "SYSCALL"}, {1327, "PROCTITLE"}, {1338, "DM_CTRL"}, {2620, "CONTAINER_OP"}, {2636, "CONTAINER_ID"}, {1999, "UNKNOWN[1999]"}} {
		if got := MsgTypeName(tc.typ); got != tc.name {
			t.Errorf("MsgTypeName(%d) = %q, want %q", tc.typ, got, tc.name)
		}
		if got, ok := MsgTypeByName(tc.name); !ok || got != tc.typ {
			t.Errorf("MsgTypeByName(%q) = %d %v", tc.name, got, ok)
		}
	}
	if nr, ok := SyscallByName(AUDIT_ARCH_X86_64, "execve"); !ok || nr != 59 || SyscallName(AUDIT_ARCH_I386, 11) != "execve" {
		t.Error("execve numbers wrong")
	}
	if e, ok := ErrnoByName("EPERM"); !ok || e != 1 || ErrnoName(13) != "EACCES" {
		t.Error("errno names wrong")
	}
	if Arch(AUDIT_ARCH_AARCH64).Name() != "aarch64" || SyscallName(AUDIT_ARCH_RISCV64, 259) != "riscv_flush_icache" {
		t.Error("arch names wrong")
	}
}
