package daemon

import (
	"errors"
)

var errNoStamp = errors.New("record has no audit(SEC.MSEC:SERIAL) stamp")

// parseStamp reads the "audit(1364481363.243:24287): " prefix of a netlink
// payload by hand: it runs for every record and strconv would allocate
// nothing but cost twice as much. body is what follows ": ".
func parseStamp(p []byte) (sec int64, msec uint32, serial uint64, body []byte, err error) {
	const pre = "audit("
	if len(p) < len(pre) || string(p[:len(pre)]) != pre {
		return 0, 0, 0, nil, errNoStamp
	}
	i := len(pre)
	start := i
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		sec = sec*10 + int64(p[i]-'0')
		i++
	}
	if i == start || i >= len(p) || p[i] != '.' || i-start > 18 {
		return 0, 0, 0, nil, errNoStamp
	}
	i++
	start = i
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		msec = msec*10 + uint32(p[i]-'0')
		i++
	}
	if i == start || i-start > 9 || i >= len(p) || p[i] != ':' {
		return 0, 0, 0, nil, errNoStamp
	}
	i++
	start = i
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		serial = serial*10 + uint64(p[i]-'0')
		i++
	}
	if i == start || i-start > 19 || i >= len(p) || p[i] != ')' {
		return 0, 0, 0, nil, errNoStamp
	}
	i++
	if i < len(p) && p[i] == ':' {
		i++
	}
	if i < len(p) && p[i] == ' ' {
		i++
	}
	return sec, msec, serial, p[i:], nil
}

// trimPayload drops the trailing NULs and newline some record producers
// (userspace AUDIT_USER senders) include.
func trimPayload(p []byte) []byte {
	for len(p) > 0 && (p[len(p)-1] == 0 || p[len(p)-1] == '\n') {
		p = p[:len(p)-1]
	}
	return p
}
