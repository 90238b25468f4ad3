package control

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// fileID names a file across renames: what /proc/PID/exe and
// /proc/PID/ns/user resolve to, compared without trusting paths.
type fileID struct{ dev, ino uint64 }

func statID(path string) (fileID, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return fileID{}, err
	}
	return fileID{st.Dev, st.Ino}, nil
}

// procStat is what /proc/PID/stat tells about a process.
type procStat struct {
	ppid  int32
	start uint64 // field 22, clock ticks after boot
}

func readProcStat(procRoot string, pid int32) (procStat, error) {
	b, err := os.ReadFile(procRoot + "/" + strconv.Itoa(int(pid)) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// comm may hold spaces and parentheses; the fields follow the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	ppid, err1 := strconv.ParseInt(string(f[1]), 10, 32)
	start, err2 := strconv.ParseUint(string(f[19]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return procStat{ppid: int32(ppid), start: start}, nil
}

// Facts are what the Policy judges a writer by, read from /proc while a
// pidfd pins the process.
type Facts struct {
	EUID   uint32
	EGID   uint32
	Groups []uint32
	// CapEff is the effective capability set.
	CapEff uint64
	// InitUserNS says the process is in the initial user namespace, where
	// its capabilities count for the whole host.
	InitUserNS bool
	// Exe is the executable's path as /proc/PID/exe shows it.
	Exe string
}

func readFacts(procRoot string, pid int32, initUserNS fileID) (Facts, error) {
	dir := procRoot + "/" + strconv.Itoa(int(pid))
	b, err := os.ReadFile(dir + "/status")
	if err != nil {
		return Facts{}, err
	}
	var f Facts
	var seen int
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		k, v, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		fields := bytes.Fields(v)
		switch string(k) {
		case "Uid", "Gid":
			if len(fields) < 2 {
				return Facts{}, fmt.Errorf("%s/status: %s line: %q", dir, k, line)
			}
			n, err := strconv.ParseUint(string(fields[1]), 10, 32)
			if err != nil {
				return Facts{}, fmt.Errorf("%s/status: %s line: %w", dir, k, err)
			}
			if k[0] == 'U' {
				f.EUID = uint32(n)
			} else {
				f.EGID = uint32(n)
			}
			seen++
		case "Groups":
			for _, g := range fields {
				n, err := strconv.ParseUint(string(g), 10, 32)
				if err != nil {
					return Facts{}, fmt.Errorf("%s/status: Groups line: %w", dir, err)
				}
				f.Groups = append(f.Groups, uint32(n))
			}
		case "CapEff":
			if len(fields) != 1 {
				return Facts{}, fmt.Errorf("%s/status: CapEff line: %q", dir, line)
			}
			f.CapEff, err = strconv.ParseUint(string(fields[0]), 16, 64)
			if err != nil {
				return Facts{}, fmt.Errorf("%s/status: CapEff line: %w", dir, err)
			}
			seen++
		}
	}
	if seen != 3 {
		return Facts{}, fmt.Errorf("%s/status: Uid, Gid or CapEff missing", dir)
	}
	ns, err := statID(dir + "/ns/user")
	if err != nil {
		return Facts{}, err
	}
	f.InitUserNS = ns == initUserNS
	// A process that is not dumpable hides its executable even from root
	// without CAP_SYS_PTRACE; it then matches no Executables entry.
	f.Exe, _ = os.Readlink(dir + "/exe")
	return f, nil
}

// procUserInitIno is the inode of the initial user namespace in nsfs,
// fixed by the kernel (PROC_USER_INIT_INO in include/linux/proc_ns.h).
const procUserInitIno = 0xEFFFFFFD

// initialUserNS names the initial user namespace: as /proc/1/ns/user
// shows it, or, where PID 1 hides its /proc entries (some sandboxes), by
// the kernel's fixed inode on the nsfs device.
func initialUserNS() (fileID, error) {
	if id, err := statID("/proc/1/ns/user"); err == nil {
		return id, nil
	}
	self, err := statID("/proc/self/ns/user")
	if err != nil {
		return fileID{}, err
	}
	return fileID{self.dev, procUserInitIno}, nil
}

// pidfdAlive reports whether the process a pidfd refers to still runs: the
// kernel makes a pidfd readable when its process exits.
func pidfdAlive(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 0)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n == 0
	}
}

// pinned is a process held by a pidfd, with the start time read while the
// pidfd showed it alive, so that start names the process the pidfd holds
// and not a later one on the same PID.
type pinned struct {
	pid   int32
	start uint64
	ppid  int32

	// mu keeps close from freeing the descriptor number while a request
	// polls it: a reused number would answer for another file.
	mu sync.RWMutex
	fd int
}

// pin opens a pidfd on pid and reads its start time. When fd >= 0 it is a
// pidfd already held (SO_PEERPIDFD) and pin takes ownership of it.
func pin(procRoot string, pid int32, fd int) (*pinned, error) {
	if fd < 0 {
		var err error
		fd, err = unix.PidfdOpen(int(pid), unix.PIDFD_NONBLOCK)
		if err != nil {
			return nil, fmt.Errorf("pidfd_open %d: %w", pid, err)
		}
	}
	st, err := readProcStat(procRoot, pid)
	if err == nil && !pidfdAlive(fd) {
		err = errors.New("exited")
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	return &pinned{pid: pid, start: st.start, ppid: st.ppid, fd: fd}, nil
}

func (p *pinned) alive() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.fd >= 0 && pidfdAlive(p.fd)
}

func (p *pinned) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd >= 0 {
		unix.Close(p.fd)
		p.fd = -1
	}
}
