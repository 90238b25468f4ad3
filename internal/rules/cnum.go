package rules

// auditctl converts numbers with C's strtol and strtoul (base 0: 0x hex,
// leading 0 octal), which stop at the first character that is not a digit
// and clamp on overflow; the result is then stored in a u32. These helpers
// reproduce that so the same text encodes to the same value.

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// startsWithDigit is auditctl's isdigit(*v) test that picks numeric parsing.
func startsWithDigit(s string) bool { return s != "" && isDigit(s[0]) }

// startsNegative is auditctl's `*v == '-' && isdigit(v[1])` test.
func startsNegative(s string) bool { return len(s) >= 2 && s[0] == '-' && isDigit(s[1]) }

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// cParse parses like strtoul/strtol with the given base (0 = auto) and
// reports the magnitude, the sign, whether the magnitude overflowed 64 bits
// and how many bytes were consumed.
func cParse(s string, base int) (mag uint64, neg, overflow bool, n int) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	hasHexPrefix := i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && digitVal(s[i+2]) < 16
	switch {
	case base == 0 && hasHexPrefix:
		base = 16
		i += 2
	case base == 16 && hasHexPrefix:
		i += 2
	case base == 0 && i < len(s) && s[i] == '0':
		base = 8
	case base == 0:
		base = 10
	}
	start := i
	for i < len(s) {
		d := digitVal(s[i])
		if d >= base {
			break
		}
		if mag > (^uint64(0)-uint64(d))/uint64(base) {
			overflow = true
		} else {
			mag = mag*uint64(base) + uint64(d)
		}
		i++
	}
	if i == start {
		return 0, false, false, 0
	}
	return mag, neg, overflow, i
}

// strtoul32 is (uint32)strtoul(s, NULL, 0) on LP64.
func strtoul32(s string) uint32 {
	v, _ := strtoulErr(s, 0)
	return v
}

// strtoulErr also reports strtoul's ERANGE, which auditctl checks for arch,
// -b, -r and --backlog_wait_time.
func strtoulErr(s string, base int) (uint32, bool) {
	mag, neg, overflow, _ := cParse(s, base)
	if overflow {
		return 0xffffffff, false
	}
	if neg {
		mag = -mag
	}
	return uint32(mag), true
}

// strtol32 is (uint32)strtol(s, NULL, 0) on LP64: clamped to the range of
// a 64-bit long, then truncated.
func strtol32(s string) uint32 {
	mag, neg, overflow, _ := cParse(s, 0)
	const maxLong = 1<<63 - 1
	if neg {
		if overflow || mag > maxLong+1 {
			return 0 // LONG_MIN truncated
		}
		return uint32(-int64(mag))
	}
	if overflow || mag > maxLong {
		return 0xffffffff // LONG_MAX truncated
	}
	return uint32(mag)
}
