package logfile

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// AppendStamp appends "audit(SEC.MSEC:SERIAL): text", the header auditd
// puts on its own records.
func AppendStamp(dst []byte, t time.Time, serial uint32, text string) []byte {
	dst = append(dst, "audit("...)
	dst = strconv.AppendInt(dst, t.Unix(), 10)
	dst = append(dst, '.')
	ms := t.Nanosecond() / 1e6
	dst = append(dst, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, uint64(serial), 10)
	dst = append(dst, "): "...)
	return append(dst, text...)
}

// Sender identifies who caused a daemon record: the daemon itself for
// DAEMON_START, the signalling process for rotate, resume and terminate.
type Sender struct {
	Known bool // false: auditd's "-1" and "?" placeholders
	AUID  uint32
	UID   uint32
	Ses   uint32
	PID   int
	Subj  string // security context; empty when no LSM labels processes
}

// SelfSender describes the calling process as auditd describes itself in
// DAEMON_START: loginuid and sessionid from /proc/self (4294967295 when
// unset), and the SELinux context when SELinux is enabled.
func SelfSender() Sender {
	s := Sender{Known: true, AUID: 4294967295, Ses: 4294967295, UID: uint32(os.Getuid()), PID: os.Getpid()}
	if v, ok := procUint("/proc/self/loginuid"); ok {
		s.AUID = v
	}
	if v, ok := procUint("/proc/self/sessionid"); ok {
		s.Ses = v
	}
	// auditd asks libselinux (getpidcon), so only SELinux labels appear.
	if _, err := os.Stat("/sys/fs/selinux/enforce"); err == nil {
		if b, err := os.ReadFile("/proc/self/attr/current"); err == nil {
			s.Subj = strings.TrimRight(string(b), "\x00\n")
		}
	}
	return s
}

func procUint(path string) (uint32, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
	return uint32(v), err == nil
}

// StartText is the DAEMON_START text auditd 3.0.9 writes:
//
//	op=start ver=3.0.9 format=enriched kernel=6.18.44 auid=4294967295 pid=12876 uid=0 ses=4294967295 res=success
//
// format is "raw" or "enriched"; kernel is uname -r, cut at 56 bytes as
// auditd does; subj= appears only when s.Subj is set.
func StartText(ver, format, kernel string, s Sender) string {
	if len(kernel) > 56 {
		kernel = kernel[:56]
	}
	b := make([]byte, 0, 160)
	b = append(b, "op=start ver="...)
	b = append(b, ver...)
	b = append(b, " format="...)
	b = append(b, format...)
	b = append(b, " kernel="...)
	b = append(b, kernel...)
	return string(appendSenderFields(b, s, true))
}

// appendSenderFields ends both record texts: auid, uid, ses and pid (pid
// right after auid in DAEMON_START, last otherwise, as auditd orders
// them), subj= when there is a context, and res=success.
func appendSenderFields(b []byte, s Sender, pidAfterAUID bool) []byte {
	b = append(b, " auid="...)
	b = strconv.AppendUint(b, uint64(s.AUID), 10)
	if pidAfterAUID {
		b = append(b, " pid="...)
		b = strconv.AppendInt(b, int64(s.PID), 10)
	}
	b = append(b, " uid="...)
	b = strconv.AppendUint(b, uint64(s.UID), 10)
	b = append(b, " ses="...)
	b = strconv.AppendUint(b, uint64(s.Ses), 10)
	if !pidAfterAUID {
		b = append(b, " pid="...)
		b = strconv.AppendInt(b, int64(s.PID), 10)
	}
	if s.Subj != "" {
		b = append(b, " subj="...)
		b = append(b, s.Subj...)
	}
	return append(b, " res=success"...)
}

// Ops of the daemon records auditd writes when signalled.
const (
	OpRotate    = "rotate-logs"    // DAEMON_ROTATE, SIGUSR1
	OpResume    = "resume-logging" // DAEMON_RESUME, SIGUSR2
	OpTerminate = "terminate"      // DAEMON_END, SIGTERM
)

// SignalText is the text of the records auditd writes when signalled:
//
//	op=rotate-logs auid=0 uid=0 ses=4294967295 pid=11057 res=success
//
// With an unknown sender auditd writes placeholders:
//
//	op=terminate auid=-1 uid=-1 ses=-1 pid=-1 subj=? res=success
func SignalText(op string, s Sender) string {
	if !s.Known {
		return "op=" + op + " auid=-1 uid=-1 ses=-1 pid=-1 subj=? res=success"
	}
	b := make([]byte, 0, 128)
	b = append(b, "op="...)
	b = append(b, op...)
	return string(appendSenderFields(b, s, false))
}
