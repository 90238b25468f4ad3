package record

// ScanStamp reads the "audit(SEC.MSEC:SERIAL)" that starts a netlink
// payload, for the paths that run once per record and want the stamp
// alone: the daemon's event assembly and container attribution. It
// allocates nothing and reports no reason; Parser reads the same stamp
// with an error that says what is wrong and where. end is the index just
// past ')'. Digit counts are bounded (18, 9 and 19) so that nothing
// overflows.
func ScanStamp(p []byte) (sec int64, msec uint32, serial uint64, end int, ok bool) {
	const pre = "audit("
	if len(p) < len(pre) || string(p[:len(pre)]) != pre {
		return 0, 0, 0, 0, false
	}
	i := len(pre)
	start := i
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		sec = sec*10 + int64(p[i]-'0')
		i++
	}
	if i == start || i-start > 18 || i >= len(p) || p[i] != '.' {
		return 0, 0, 0, 0, false
	}
	i++
	start = i
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		msec = msec*10 + uint32(p[i]-'0')
		i++
	}
	if i == start || i-start > 9 || i >= len(p) || p[i] != ':' {
		return 0, 0, 0, 0, false
	}
	i++
	start = i
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		serial = serial*10 + uint64(p[i]-'0')
		i++
	}
	if i == start || i-start > 19 || i >= len(p) || p[i] != ')' {
		return 0, 0, 0, 0, false
	}
	return sec, msec, serial, i + 1, true
}
