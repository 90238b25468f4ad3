package record

import (
	"errors"
	"fmt"
)

// ErrHex is wrapped by HexDecode's errors.
var ErrHex = errors.New("invalid hex")

// HexDecode appends the bytes that the hex string src encodes to dst. Both
// cases are accepted (the kernel and libaudit write upper case). An odd
// length or a non-hex byte is an error; dst is then returned unchanged.
func HexDecode(dst, src []byte) ([]byte, error) {
	if len(src)%2 != 0 {
		return dst, fmt.Errorf("%w: odd length %d", ErrHex, len(src))
	}
	n := len(dst)
	for i := 0; i < len(src); i += 2 {
		hi, lo := unhex[src[i]], unhex[src[i+1]]
		if hi|lo == 0xff {
			bad := i
			if hi != 0xff {
				bad++
			}
			return dst[:n], fmt.Errorf("%w: byte %q at offset %d", ErrHex, src[bad], bad)
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, nil
}

// decodeHexInto decodes src, already checked by isUpperHex, into dst, which
// has room for len(src)/2 bytes.
func decodeHexInto(dst, src []byte) {
	for i := range dst {
		dst[i] = unhex[src[2*i]]<<4 | unhex[src[2*i+1]]
	}
}

// isUpperHex reports whether b is what the kernel's audit_log_n_hex writes:
// a non-empty, even run of 0-9A-F.
func isUpperHex(b []byte) bool {
	if len(b) == 0 || len(b)%2 != 0 {
		return false
	}
	for _, c := range b {
		if upperHex[c] == 0 {
			return false
		}
	}
	return true
}

var unhex, upperHex = func() (u, up [256]byte) {
	for i := range u {
		u[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		u[c] = byte(c - '0')
		up[c] = 1
	}
	for c := 'A'; c <= 'F'; c++ {
		u[c] = byte(c - 'A' + 10)
		u[c+'a'-'A'] = byte(c - 'A' + 10)
		up[c] = 1
	}
	return u, up
}()
