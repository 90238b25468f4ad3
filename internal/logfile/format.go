package logfile

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/contaudit/contaudit/internal/abi"
)

// interpSeparator is AUDIT_INTERP_SEPARATOR: it divides the kernel's fields
// from the interpreted ones in an ENRICHED line.
const interpSeparator = 0x1D

// auditd formats a line into a buffer of MAX_AUDIT_MESSAGE_LENGTH (8970)
// minus 32 bytes, or FORMAT_BUF_LEN (8970 + _POSIX_HOST_NAME_MAX) minus 32
// with a node= prefix, and silently truncates what does not fit. Kernel
// records stop at 8560 bytes of text, so only very long user records are
// affected; contaudit truncates at the same place to stay byte-identical.
const (
	maxRawLine     = 8970 - 32 - 1
	maxRawNodeLine = 8970 + 255 - 32 - 1
)

// Record is one record as the kernel sent it: the netlink message type and
// its payload, "audit(1364481363.243:24287): key=value ...".
type Record struct {
	Type uint32
	Msg  []byte
	// Added marks a record contaudit adds to a kernel event
	// (CONTAINER_ID): written and counted like the others, but not toward
	// freq, so the log is flushed after the same number of kernel records
	// whether or not containers are audited.
	Added bool
}

// EnrichFunc appends the interpreted fields of one record to dst and returns
// it: space-separated NAME=value pairs, without the 0x1D separator, which
// the writer adds only when something was appended (auditd writes no
// separator for records with nothing to interpret). msg is Record.Msg. It
// must not keep msg or dst.
type EnrichFunc func(typ uint32, msg []byte, dst []byte) []byte

// AppendLine appends the log line auditd 3.0.9 writes for one record,
// newline included. node is the node= name (empty for none); enrich is nil
// for log_format RAW.
func AppendLine(dst []byte, node string, typ uint32, msg []byte, enrich EnrichFunc) []byte {
	start := len(dst)
	limit := maxRawLine
	if node != "" {
		dst = append(dst, "node="...)
		dst = append(dst, node...)
		dst = append(dst, ' ')
		limit = maxRawNodeLine
	}
	dst = append(dst, "type="...)
	dst = appendTypeName(dst, typ)
	dst = append(dst, " msg="...)
	// The kernel's text may carry a trailing NUL; auditd's %.*s stops there.
	for len(msg) > 0 && msg[len(msg)-1] == 0 {
		msg = msg[:len(msg)-1]
	}
	body := len(dst)
	dst = append(dst, msg...)
	if len(dst)-start > limit {
		dst = dst[:start+limit]
	}
	// auditd turns embedded newlines into spaces so one record stays one
	// line, then drops a single trailing space.
	for i := body; ; {
		j := bytes.IndexByte(dst[i:], '\n')
		if j < 0 {
			break
		}
		dst[i+j] = ' '
		i += j + 1
	}
	if len(dst) > body && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	if enrich != nil {
		mark := len(dst)
		dst = append(dst, interpSeparator)
		dst = enrich(typ, msg, dst)
		if len(dst) == mark+1 {
			dst = dst[:mark]
		}
	}
	return append(dst, '\n')
}

func appendTypeName(dst []byte, typ uint32) []byte {
	if typ < uint32(len(typeNames)) {
		if n := typeNames[typ]; n != "" {
			return append(dst, n...)
		}
	} else if n := abi.MsgTypeName(typ); !strings.HasPrefix(n, "UNKNOWN[") {
		return append(dst, n...)
	}
	dst = append(dst, "UNKNOWN["...)
	dst = strconv.AppendUint(dst, uint64(typ), 10)
	return append(dst, ']')
}

// typeNames caches abi.MsgTypeName for the common range, whose UNKNOWN[n]
// answers would otherwise allocate per record.
var typeNames = func() []string {
	names := make([]string, 3000)
	for i := range names {
		if n := abi.MsgTypeName(uint32(i)); !strings.HasPrefix(n, "UNKNOWN[") {
			names[i] = n
		}
	}
	return names
}()
