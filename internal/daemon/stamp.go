package daemon

import (
	"errors"

	"github.com/contaudit/contaudit/internal/record"
)

var errNoStamp = errors.New("record has no audit(SEC.MSEC:SERIAL) stamp")

// parseStamp reads the "audit(1364481363.243:24287): " prefix of a netlink
// payload (record.ScanStamp); body is what follows ": ".
func parseStamp(p []byte) (sec int64, msec uint32, serial uint64, body []byte, err error) {
	sec, msec, serial, i, ok := record.ScanStamp(p)
	if !ok {
		return 0, 0, 0, nil, errNoStamp
	}
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
