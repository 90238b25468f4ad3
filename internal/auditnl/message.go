package auditnl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	"github.com/contaudit/contaudit/internal/abi"
	"golang.org/x/sys/unix"
)

// HeaderSize is sizeof(struct nlmsghdr).
const HeaderSize = unix.NLMSG_HDRLEN

// Header is struct nlmsghdr.
type Header struct {
	Len   uint32
	Type  uint16
	Flags uint16
	Seq   uint32
	PID   uint32
}

// Message is one netlink message. Data aliases the receive buffer it was
// decoded from until the next receive; copy it to keep it.
type Message struct {
	Header Header
	Data   []byte
}

func align(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// MarshalMessage encodes a request. Len is computed.
func MarshalMessage(h Header, data []byte) []byte {
	b := make([]byte, align(HeaderSize+len(data)))
	h.Len = uint32(HeaderSize + len(data))
	putHeader(b, h)
	copy(b[HeaderSize:], data)
	return b
}

func putHeader(b []byte, h Header) {
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], h.Len)
	ne.PutUint16(b[4:], h.Type)
	ne.PutUint16(b[6:], h.Flags)
	ne.PutUint32(b[8:], h.Seq)
	ne.PutUint32(b[12:], h.PID)
}

func getHeader(b []byte) Header {
	ne := binary.NativeEndian
	return Header{Len: ne.Uint32(b[0:]), Type: ne.Uint16(b[4:]), Flags: ne.Uint16(b[6:]),
		Seq: ne.Uint32(b[8:]), PID: ne.Uint32(b[12:])}
}

// ErrMalformed reports a datagram that is not valid netlink.
var ErrMalformed = errors.New("malformed netlink message")

// ParseDatagram splits one received datagram into messages, appending to
// msgs. It handles the kernel's unicast quirk: records sent to the
// registered audit daemon carry nlmsg_len = payload length (without the
// 16-byte header), while replies and multicast copies carry the full
// length. The datagram's own length, from recv, is the truth.
func ParseDatagram(b []byte, msgs []Message) ([]Message, error) {
	for len(b) > 0 {
		if len(b) < HeaderSize {
			return msgs, fmt.Errorf("%w: %d trailing bytes, shorter than a header", ErrMalformed, len(b))
		}
		h := getHeader(b)
		n := int(h.Len)
		switch {
		case n == len(b)-HeaderSize && isRecord(h.Type):
			// The unicast quirk: one record per datagram, length excludes
			// the header.
			n = len(b)
			h.Len = uint32(n)
		case n < HeaderSize || n > len(b):
			return msgs, fmt.Errorf("%w: nlmsg_len %d with %d bytes left (type %d)", ErrMalformed, n, len(b), h.Type)
		}
		msgs = append(msgs, Message{Header: h, Data: b[HeaderSize:n]})
		next := align(n)
		if next >= len(b) {
			break
		}
		b = b[next:]
	}
	return msgs, nil
}

// isRecord reports whether t is an audit record rather than a netlink
// control message or a command reply.
func isRecord(t uint16) bool {
	return t >= abi.AUDIT_FIRST_USER_MSG || t == abi.AUDIT_USER || t == abi.AUDIT_LOGIN
}

// OpError is a kernel refusal (NLMSG_ERROR with a non-zero errno) of one
// request. errors.Is(err, unix.EPERM) works through Unwrap.
type OpError struct {
	Op  string // the request, e.g. "AUDIT_ADD_RULE"
	Err error  // a syscall.Errno
}

func (e *OpError) Error() string {
	return fmt.Sprintf("netlink audit %s: %v", e.Op, e.Err)
}

func (e *OpError) Unwrap() error { return e.Err }

// parseError decodes an NLMSG_ERROR payload: a negative errno followed by
// the offending request's header. errno 0 is an ACK.
func parseError(m Message) (syscall.Errno, error) {
	if len(m.Data) < 4 {
		return 0, fmt.Errorf("%w: NLMSG_ERROR payload of %d bytes", ErrMalformed, len(m.Data))
	}
	e := int32(binary.NativeEndian.Uint32(m.Data))
	return syscall.Errno(-e), nil
}

var opNames = map[uint16]string{
	abi.AUDIT_GET: "AUDIT_GET", abi.AUDIT_SET: "AUDIT_SET", abi.AUDIT_USER: "AUDIT_USER",
	abi.AUDIT_SIGNAL_INFO: "AUDIT_SIGNAL_INFO", abi.AUDIT_ADD_RULE: "AUDIT_ADD_RULE",
	abi.AUDIT_DEL_RULE: "AUDIT_DEL_RULE", abi.AUDIT_LIST_RULES: "AUDIT_LIST_RULES",
	abi.AUDIT_SET_FEATURE: "AUDIT_SET_FEATURE", abi.AUDIT_GET_FEATURE: "AUDIT_GET_FEATURE",
	abi.AUDIT_TTY_GET: "AUDIT_TTY_GET", abi.AUDIT_TTY_SET: "AUDIT_TTY_SET",
}

func opName(t uint16) string {
	if n, ok := opNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type %d", t)
}
