package proctable

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// procInfo is what one read of /proc/PID yields. Byte slices borrow the
// reader's buffers until the next read; the table interns them.
type procInfo struct {
	pid, ppid, tgid int32
	start           uint64
	state           byte
	threads         int32
	nspid           []int32 // inner PIDs only
	uid, euid       uint32
	gid, egid       uint32
	loginuid        uint32
	sessid          uint32
	ns              Namespaces
	comm            []byte
	cgroup          []byte
	exe             []byte
	parts           readParts // which fields hold data
}

// dead reports a zombie (Z) or a reaped task not yet released (X).
func (info *procInfo) dead() bool { return info.state == 'Z' || info.state == 'X' || info.state == 'x' }

// readParts says which files of /proc/PID a read covers. stat (identity,
// ppid, comm, state, threads) is always read.
type readParts uint8

const (
	// readStatus: tgid, uid/gid, thread count, NSpid.
	readStatus readParts = 1 << iota
	// readRest: what a child inherits at fork and keeps until exec or an
	// explicit change: exe, loginuid, sessionid, cgroup, namespaces.
	readRest
	readAll = readStatus | readRest
)

// procReader reads /proc/PID through a directory fd: once the directory is
// open, every later read names the same process or fails, even if the PID
// is reused meanwhile, so the fields of one read never mix two processes.
type procReader struct {
	path    string
	root    int // fd of /proc
	stat    []byte
	buf     []byte
	status  []byte
	cgroup  []byte
	exe     []byte
	nspid   []int32
	pidName []byte
}

var nsNames = [8]string{"ns/mnt", "ns/pid", "ns/net", "ns/user", "ns/uts", "ns/ipc", "ns/cgroup", "ns/time"}

func newProcReader(root string) (*procReader, error) {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", root, err)
	}
	return &procReader{path: root, root: fd, stat: make([]byte, 1024), buf: make([]byte, 64), status: make([]byte, 8192),
		cgroup: make([]byte, 4096), exe: make([]byte, unix.PathMax)}, nil
}

func (r *procReader) close() { unix.Close(r.root) }

func (r *procReader) list(pids []int32) ([]int32, error) { return listPIDs(r.path, pids) }

// errGone reports a process that exited (or whose PID now belongs to
// another process) before or while it was read.
var errGone = errors.New("process gone")

// read fills the parts of info for pid; other fields are left as they
// were, so a second read can add parts to the first. If wantStart is
// non-zero the read is refused (errGone) unless the start time is within
// [wantStart-slack, wantStart+1]: a later process reusing the PID must not
// be taken for the one an event named.
func (r *procReader) read(pid int32, info *procInfo, wantStart, slack uint64, parts readParts) error {
	if parts == 0 {
		return r.readStat(pid, info, wantStart, slack)
	}
	r.pidName = strconv.AppendInt(r.pidName[:0], int64(pid), 10)
	dfd, err := openat(r.root, r.pidName, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		return errGone
	}
	defer unix.Close(dfd)
	info.pid = pid
	n, err := readAt(dfd, "stat", r.stat)
	if err != nil {
		return errGone
	}
	if err := parseStat(r.stat[:n], info); err != nil {
		return fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	if wantStart != 0 && (info.start+slack < wantStart || info.start > wantStart+1) {
		return errGone
	}
	info.parts |= parts
	if parts&readStatus != 0 {
		n, err = readAt(dfd, "status", r.status)
		if err != nil {
			return errGone
		}
		info.nspid = nil
		r.nspid = parseStatus(r.status[:n], info, r.nspid[:0])
		if len(r.nspid) > 1 {
			info.nspid = r.nspid[1:]
		}
	}
	if parts&readRest == 0 {
		return nil
	}
	info.loginuid, info.sessid = ^uint32(0), ^uint32(0)
	if n, err := readAt(dfd, "loginuid", r.buf); err == nil {
		if v, err := strconv.ParseUint(string(bytes.TrimSpace(r.buf[:n])), 10, 32); err == nil {
			info.loginuid = uint32(v)
		}
	}
	if n, err := readAt(dfd, "sessionid", r.buf); err == nil {
		if v, err := strconv.ParseUint(string(bytes.TrimSpace(r.buf[:n])), 10, 32); err == nil {
			info.sessid = uint32(v)
		}
	}
	info.exe = nil
	if n, err := unix.Readlinkat(dfd, "exe", r.exe); err == nil {
		info.exe = r.exe[:n]
	}
	r.readNamespaces(dfd, info)
	// A last check that the process still exists makes a read that raced
	// with exit (links and files silently empty) an errGone instead.
	if unix.Faccessat(dfd, "stat", unix.R_OK, 0) != nil {
		return errGone
	}
	return nil
}

// readStat reads only PID/stat, without a directory fd: one file needs
// no pinning of the process across reads, and a lazy table's fork costs
// three syscalls instead of five.
func (r *procReader) readStat(pid int32, info *procInfo, wantStart, slack uint64) error {
	r.pidName = strconv.AppendInt(r.pidName[:0], int64(pid), 10)
	r.pidName = append(r.pidName, "/stat"...)
	n, err := readAt(r.root, string(r.pidName), r.stat)
	if err != nil {
		return errGone
	}
	info.pid = pid
	if err := parseStat(r.stat[:n], info); err != nil {
		return fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	if wantStart != 0 && (info.start+slack < wantStart || info.start > wantStart+1) {
		return errGone
	}
	return nil
}

func (r *procReader) readNamespaces(dfd int, info *procInfo) {
	info.cgroup, info.ns = nil, Namespaces{}
	if n, err := readAt(dfd, "cgroup", r.cgroup); err == nil {
		info.cgroup = cgroupV2(r.cgroup[:n])
	}
	var st unix.Stat_t
	nsp := [8]*NSID{&info.ns.Mnt, &info.ns.PID, &info.ns.Net, &info.ns.User, &info.ns.UTS, &info.ns.IPC, &info.ns.Cgroup, &info.ns.Time}
	for i, name := range nsNames {
		if unix.Fstatat(dfd, name, &st, 0) == nil {
			*nsp[i] = NSID{Dev: st.Dev, Ino: st.Ino}
		}
	}
}

func openat(dir int, name []byte, flags int) (int, error) {
	return unix.Openat(dir, string(name), flags, 0)
}

func readAt(dir int, name string, buf []byte) (int, error) {
	fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	total := 0
	for total < len(buf) {
		n, err := unix.Read(fd, buf[total:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 {
			break
		}
		total += n
	}
	return total, nil
}

// parseStat reads "pid (comm) state ppid ..." where comm may itself hold
// spaces and parentheses, so fields are counted from the last ')'.
func parseStat(b []byte, info *procInfo) error {
	open := bytes.IndexByte(b, '(')
	closeParen := bytes.LastIndexByte(b, ')')
	if open < 0 || closeParen < open || closeParen+2 >= len(b) {
		return fmt.Errorf("malformed %q", b)
	}
	info.comm = b[open+1 : closeParen]
	rest := b[closeParen+2:]
	// Fields after comm: 0 state (field 3), 1 ppid, 17 num_threads (20), 19 starttime (22).
	for i := 0; i <= 19; i++ {
		sp := bytes.IndexByte(rest, ' ')
		f := rest
		if sp >= 0 {
			f = rest[:sp]
		}
		switch i {
		case 0:
			if len(f) == 0 {
				return fmt.Errorf("empty state")
			}
			info.state = f[0]
		case 1:
			v, err := strconv.ParseInt(string(f), 10, 32)
			if err != nil {
				return fmt.Errorf("ppid: %w", err)
			}
			info.ppid = int32(v)
		case 17:
			v, err := strconv.ParseInt(string(f), 10, 32)
			if err != nil {
				return fmt.Errorf("num_threads: %w", err)
			}
			info.threads = int32(v)
		case 19:
			v, err := strconv.ParseUint(string(f), 10, 64)
			if err != nil {
				return fmt.Errorf("starttime: %w", err)
			}
			info.start = v
			return nil
		}
		if sp < 0 {
			break
		}
		rest = rest[sp+1:]
	}
	return fmt.Errorf("short stat line")
}

func parseStatus(b []byte, info *procInfo, nspid []int32) []int32 {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		key, val, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		switch string(key) {
		case "Tgid":
			info.tgid = int32(atoi(bytes.TrimSpace(val)))
		case "Uid":
			f := bytes.Fields(val)
			if len(f) >= 2 {
				info.uid, info.euid = uint32(atoi(f[0])), uint32(atoi(f[1]))
			}
		case "Gid":
			f := bytes.Fields(val)
			if len(f) >= 2 {
				info.gid, info.egid = uint32(atoi(f[0])), uint32(atoi(f[1]))
			}
		case "Threads":
			info.threads = int32(atoi(bytes.TrimSpace(val)))
		case "NSpid":
			for _, f := range bytes.Fields(val) {
				nspid = append(nspid, int32(atoi(f)))
			}
		}
	}
	return nspid
}

func atoi(b []byte) int64 {
	v, _ := strconv.ParseInt(string(b), 10, 64)
	return v
}

// cgroupV2 returns the path of the "0::" line (the unified hierarchy).
func cgroupV2(b []byte) []byte {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if bytes.HasPrefix(line, []byte("0::")) {
			return line[3:]
		}
	}
	return nil
}

// listPIDs returns the numeric entries of /proc: thread-group leaders
// (threads are hidden from readdir).
func listPIDs(root string, pids []int32) ([]int32, error) {
	f, err := os.Open(root)
	if err != nil {
		return pids, err
	}
	defer f.Close()
	for {
		names, err := f.Readdirnames(1024)
		for _, n := range names {
			if n[0] < '0' || n[0] > '9' {
				continue
			}
			if v, err := strconv.ParseInt(n, 10, 32); err == nil {
				pids = append(pids, int32(v))
			}
		}
		if err != nil {
			break
		}
	}
	return pids, nil
}
