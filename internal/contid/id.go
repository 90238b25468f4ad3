package contid

import (
	"errors"
	"math"
	"strconv"
)

// ID is an audit container ID. Any u64 but Unset is a valid value: the
// orchestrator chooses it and audit gives it no meaning.
type ID uint64

// Unset is the value of a process that has no contid. Records print it as -1.
const Unset ID = math.MaxUint64

// String returns the value as records print it: decimal, or -1 for Unset.
func (id ID) String() string {
	if id == Unset {
		return "-1"
	}
	return strconv.FormatUint(uint64(id), 10)
}

// AppendText appends the record form of id (see String).
func (id ID) AppendText(dst []byte) ([]byte, error) {
	return appendID(dst, id), nil
}

// MarshalText makes IDs strings in JSON, because a u64 above 2^53 loses
// digits in tools that read JSON numbers as doubles (jq, JavaScript).
func (id ID) MarshalText() ([]byte, error) {
	return appendID(nil, id), nil
}

// UnmarshalText accepts what ParseID accepts.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

func appendID(dst []byte, id ID) []byte {
	if id == Unset {
		return append(dst, "-1"...)
	}
	return strconv.AppendUint(dst, uint64(id), 10)
}

// ParseID reads a contid as users and records write it: a decimal u64, or
// "-1" or "unset" for Unset (auditctl's -F contid=unset spelling).
func ParseID(s string) (ID, error) {
	switch s {
	case "-1", "unset":
		return Unset, nil
	case "":
		return 0, errors.New("contid: empty value")
	}
	if s[0] < '0' || s[0] > '9' {
		// ParseUint takes "+5"; a contid in a record never has a sign.
		return 0, errors.New("contid: invalid value " + strconv.Quote(s))
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, errors.New("contid: invalid value " + strconv.Quote(s) + ": must be a decimal u64, -1 or unset")
	}
	return ID(v), nil
}
