package abi

import (
	"encoding/binary"
	"fmt"
	"structs"
)

// AuditStatus is struct audit_status. Older kernels send a prefix of it, so
// UnmarshalAuditStatus accepts any length that covers the fields it knows.
type AuditStatus struct {
	_                     structs.HostLayout
	Mask                  uint32
	Enabled               uint32
	Failure               uint32
	PID                   uint32
	RateLimit             uint32
	BacklogLimit          uint32
	Lost                  uint32
	Backlog               uint32
	FeatureBitmap         uint32 // also called version
	BacklogWaitTime       uint32
	BacklogWaitTimeActual uint32
}

// AuditStatusSize is sizeof(struct audit_status) on 6.x kernels.
const AuditStatusSize = 44

// MarshalBinary encodes s in host (little-endian on every arch contaudit
// supports) byte order, as the kernel expects.
func (s *AuditStatus) MarshalBinary() []byte {
	b := make([]byte, AuditStatusSize)
	for i, v := range s.words() {
		binary.NativeEndian.PutUint32(b[i*4:], v)
	}
	return b
}

func (s *AuditStatus) words() [11]uint32 {
	return [11]uint32{s.Mask, s.Enabled, s.Failure, s.PID, s.RateLimit, s.BacklogLimit,
		s.Lost, s.Backlog, s.FeatureBitmap, s.BacklogWaitTime, s.BacklogWaitTimeActual}
}

// UnmarshalAuditStatus decodes a status reply. Fields beyond the payload
// stay zero: kernels before 3.17 stop after backlog.
func UnmarshalAuditStatus(b []byte) (AuditStatus, error) {
	if len(b) < 32 {
		return AuditStatus{}, fmt.Errorf("audit_status: %d bytes, want at least 32", len(b))
	}
	var w [11]uint32
	for i := range w {
		if (i+1)*4 > len(b) {
			break
		}
		w[i] = binary.NativeEndian.Uint32(b[i*4:])
	}
	return AuditStatus{Mask: w[0], Enabled: w[1], Failure: w[2], PID: w[3], RateLimit: w[4],
		BacklogLimit: w[5], Lost: w[6], Backlog: w[7], FeatureBitmap: w[8],
		BacklogWaitTime: w[9], BacklogWaitTimeActual: w[10]}, nil
}

// AuditFeatures is struct audit_features (AUDIT_SET_FEATURE, AUDIT_GET_FEATURE).
type AuditFeatures struct {
	_        structs.HostLayout
	Vers     uint32
	Mask     uint32
	Features uint32
	Lock     uint32
}

// AuditFeaturesSize is sizeof(struct audit_features).
const AuditFeaturesSize = 16

// MarshalBinary encodes f for the kernel.
func (f *AuditFeatures) MarshalBinary() []byte {
	b := make([]byte, AuditFeaturesSize)
	binary.NativeEndian.PutUint32(b[0:], f.Vers)
	binary.NativeEndian.PutUint32(b[4:], f.Mask)
	binary.NativeEndian.PutUint32(b[8:], f.Features)
	binary.NativeEndian.PutUint32(b[12:], f.Lock)
	return b
}

// UnmarshalAuditFeatures decodes a features reply.
func UnmarshalAuditFeatures(b []byte) (AuditFeatures, error) {
	if len(b) < AuditFeaturesSize {
		return AuditFeatures{}, fmt.Errorf("audit_features: %d bytes, want %d", len(b), AuditFeaturesSize)
	}
	return AuditFeatures{
		Vers:     binary.NativeEndian.Uint32(b[0:]),
		Mask:     binary.NativeEndian.Uint32(b[4:]),
		Features: binary.NativeEndian.Uint32(b[8:]),
		Lock:     binary.NativeEndian.Uint32(b[12:]),
	}, nil
}

// AuditRuleData is struct audit_rule_data without its variable-length
// buffer, which Buf holds. String-valued fields (path, dir, filterkey, exe,
// subj_*/obj_*) keep their length in Values[i] and their bytes in Buf, in
// field order.
type AuditRuleData struct {
	Flags      uint32 // the list, optionally | AUDIT_FILTER_PREPEND
	Action     uint32
	FieldCount uint32
	Mask       [AUDIT_BITMASK_SIZE]uint32
	Fields     [AUDIT_MAX_FIELDS]uint32
	Values     [AUDIT_MAX_FIELDS]uint32
	FieldFlags [AUDIT_MAX_FIELDS]uint32
	Buf        []byte
}

// AuditRuleDataFixedSize is sizeof(struct audit_rule_data) without buf:
// 3 u32 + 4 arrays of 64 u32 + buflen.
const AuditRuleDataFixedSize = 4*3 + 4*AUDIT_BITMASK_SIZE + 3*4*AUDIT_MAX_FIELDS + 4

// MarshalBinary encodes r as the kernel reads it.
func (r *AuditRuleData) MarshalBinary() []byte {
	b := make([]byte, AuditRuleDataFixedSize+len(r.Buf))
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], r.Flags)
	ne.PutUint32(b[4:], r.Action)
	ne.PutUint32(b[8:], r.FieldCount)
	off := 12
	for _, arr := range [][]uint32{r.Mask[:], r.Fields[:], r.Values[:], r.FieldFlags[:]} {
		for _, v := range arr {
			ne.PutUint32(b[off:], v)
			off += 4
		}
	}
	ne.PutUint32(b[off:], uint32(len(r.Buf)))
	copy(b[off+4:], r.Buf)
	return b
}

// UnmarshalAuditRuleData decodes one rule as AUDIT_LIST_RULES returns it.
func UnmarshalAuditRuleData(b []byte) (*AuditRuleData, error) {
	if len(b) < AuditRuleDataFixedSize {
		return nil, fmt.Errorf("audit_rule_data: %d bytes, want at least %d", len(b), AuditRuleDataFixedSize)
	}
	ne := binary.NativeEndian
	r := &AuditRuleData{Flags: ne.Uint32(b[0:]), Action: ne.Uint32(b[4:]), FieldCount: ne.Uint32(b[8:])}
	if r.FieldCount > AUDIT_MAX_FIELDS {
		return nil, fmt.Errorf("audit_rule_data: field_count %d exceeds %d", r.FieldCount, AUDIT_MAX_FIELDS)
	}
	off := 12
	for _, arr := range [][]uint32{r.Mask[:], r.Fields[:], r.Values[:], r.FieldFlags[:]} {
		for i := range arr {
			arr[i] = ne.Uint32(b[off:])
			off += 4
		}
	}
	buflen := ne.Uint32(b[off:])
	off += 4
	if uint64(buflen) > uint64(len(b)-off) {
		return nil, fmt.Errorf("audit_rule_data: buflen %d exceeds the %d bytes left", buflen, len(b)-off)
	}
	r.Buf = append([]byte(nil), b[off:off+int(buflen)]...)
	return r, nil
}
