package interpret

import "strings"

// The helpers here reproduce the C string semantics auparse's output
// depends on: values end at the first NUL, numbers are read with
// strtoul's leniency, and hex strings decode up to the first non-hex digit.

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexNibble(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

func isIntString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// unhex decodes the leading hex digits of s the way au_unescape does: a
// "(null)"-style value is returned up to its ')', an odd last digit pairs
// with a zero nibble, and fewer than two digits fail. The result may hold
// NULs; callers that print a C string cut it with cstr.
func unhex(s string) ([]byte, bool) {
	buf, n, ok := unescapeBuf(s)
	if !ok {
		return nil, false
	}
	return buf[:n], true
}

// unescapeBuf reproduces au_unescape's whole buffer, because auparse reads
// past the decoded bytes (proctitle after a leading "00", short socket
// addresses): it is len(s)+1 bytes holding the decoded bytes, then a NUL,
// zeros up to half the input length, then what is left of the hex text
// copied there before decoding. n is the number of decoded bytes.
// Uninitialised bytes in C (after non-hex input) read as zeros here.
func unescapeBuf(s string) (buf []byte, n int, ok bool) {
	if strings.HasPrefix(s, "(") {
		i := strings.IndexByte(s, ')')
		if i < 0 {
			return nil, 0, false
		}
		buf = make([]byte, len(s)+1)
		copy(buf, s[:i+1])
		return buf, i + 1, true
	}
	h := 0
	for h < len(s) && isHexDigit(s[h]) {
		h++
	}
	if h < 2 {
		return nil, 0, false
	}
	buf = make([]byte, len(s)+1)
	copy(buf, s[:h])
	n = (h + 1) / 2
	for i := 0; i < h; i += 2 {
		b := hexNibble(s[i]) << 4
		if i+1 < h {
			b |= hexNibble(s[i+1])
		}
		buf[i/2] = b
	}
	buf[n] = 0
	if half := len(s) / 2; half > n-1 {
		for i := n; i < n+half-(n-1) && i < len(buf); i++ {
			buf[i] = 0
		}
	}
	return buf, n, true
}

// cstr is b up to its first NUL.
func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// printEscaped is auparse's print_escaped: a quoted value loses its quotes,
// a hex value is decoded (a leading "00" is skipped, as for an abstract
// AF_UNIX name), and anything that does not decode is returned as is.
func printEscaped(val string) string {
	if strings.HasPrefix(val, `"`) {
		rest := val[1:]
		end := strings.IndexByte(rest, '"')
		if end < 0 {
			return " "
		}
		return rest[:end]
	}
	src := val
	if len(val) >= 2 && val[0] == '0' && val[1] == '0' {
		src = val[2:]
	}
	if b, ok := unhex(src); ok {
		return cstr(b)
	}
	return val
}

// needsTTYEscape reports whether s has a byte ausearch's default (tty)
// escaping rewrites: control characters only, not DEL or high bytes.
func needsTTYEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 32 {
			return true
		}
	}
	return false
}

// ttyEscape writes control bytes as \ooo, as ausearch --escape tty does.
func ttyEscape(s string) string {
	if !needsTTYEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 32 {
			b.WriteByte('\\')
			b.WriteByte('0' + (c>>6)&7)
			b.WriteByte('0' + (c>>3)&7)
			b.WriteByte('0' + c&7)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// valueNeedsEncoding is libaudit's audit_value_needs_encoding, which
// decides between NAME="value" and NAME=HEX in ENRICHED tails.
func valueNeedsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		// libaudit compares a signed char, so bytes >= 0x80 count as < 0x21.
		if c == '"' || c < 0x21 || c >= 0x7f {
			return true
		}
	}
	return false
}

const upperHex = "0123456789ABCDEF"

func appendUpperHex(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = append(dst, upperHex[s[i]>>4], upperHex[s[i]&0xf])
	}
	return dst
}

// strtoul parses like C strtoul(s, NULL, base) on a 64-bit machine: leading
// blanks and a sign are accepted, a base-16 "0x" prefix is skipped, parsing
// stops at the first non-digit (yielding 0 if there is none), a minus sign
// negates modulo 2^64, and overflow reports ok=false (errno ERANGE).
func strtoul(s string, base uint64) (v uint64, ok bool) {
	i, neg := skipBlanksAndSign(s)
	if base == 16 && i+2 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x' && isHexDigit(s[i+2]) {
		i += 2
	}
	overflow := false
	for ; i < len(s); i++ {
		var d uint64
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case base == 16 && isHexDigit(c):
			d = uint64(hexNibble(c))
		default:
			goto done
		}
		if d >= base {
			goto done
		}
		if v > (^uint64(0)-d)/base {
			overflow = true
		}
		v = v*base + d
	}
done:
	if overflow {
		return ^uint64(0), false
	}
	if neg {
		v = -v
	}
	return v, true
}

// skipBlanksAndSign is the prefix C's strto* functions accept before the
// digits: isspace blanks, then one optional sign.
func skipBlanksAndSign(s string) (i int, neg bool) {
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	return i, neg
}

// strtol is C strtol(s, NULL, base) on a 64-bit machine: like strtoul but
// a value beyond the signed range is an overflow.
func strtol(s string, base uint64) (int64, bool) {
	v, ok := strtoul(s, base)
	if !ok {
		return 0, false
	}
	neg := strings.HasPrefix(strings.TrimLeft(s, " \t\n\v\f\r"), "-")
	if neg {
		if -v > 1<<63 && v != 0 {
			return 0, false
		}
	} else if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// strtoll is C strtoll(s, NULL, 10): ok=false on overflow.
func strtoll(s string) (int64, bool) {
	i, neg := skipBlanksAndSign(s)
	limit := uint64(1<<63 - 1)
	if neg {
		limit++
	}
	var v uint64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if v > (limit-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		return int64(-v), true
	}
	return int64(v), true
}
