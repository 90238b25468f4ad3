package control

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// A caller inside a container names processes by the PIDs of its own PID
// namespace (the kernel design's orchestrator wrote /proc/PID/... in its
// own view too), while the process table and SO_PEERCRED use the daemon's.
// hostPID translates: it finds the process whose NSpid has pid at the
// caller's level and whose PID namespace is the caller's or nested in it.

// nsPIDs reads the NSpid line of /proc/PID/status: the process's PID in
// each PID namespace from the daemon's down to its own.
func nsPIDs(procRoot string, pid int32) ([]int32, error) {
	b, err := os.ReadFile(procRoot + "/" + strconv.Itoa(int(pid)) + "/status")
	if err != nil {
		return nil, err
	}
	return parseNSpid(b), nil
}

func parseNSpid(status []byte) []int32 {
	i := bytes.Index(status, []byte("\nNSpid:"))
	if i < 0 {
		return nil
	}
	line := status[i+len("\nNSpid:"):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	var out []int32
	for _, f := range bytes.Fields(line) {
		n, err := strconv.ParseInt(string(f), 10, 32)
		if err != nil || n <= 0 {
			return nil
		}
		out = append(out, int32(n))
	}
	return out
}

// hostPID returns the daemon's PID of the process the caller names pid.
// A caller in the daemon's PID namespace needs no translation.
func (s *Server) hostPID(caller, pid int32) (int32, *apiError) {
	cns, err := nsPIDs(s.procRoot, caller)
	if err != nil || len(cns) == 0 {
		return 0, refuse(unix.ESRCH, "caller %d has exited", caller)
	}
	level := len(cns) - 1
	if level == 0 {
		return pid, nil
	}
	callerNS, err := statID(fmt.Sprintf("%s/%d/ns/pid", s.procRoot, caller))
	if err != nil {
		return 0, refuse(unix.ESRCH, "caller %d has exited", caller)
	}
	d, err := os.Open(s.procRoot)
	if err != nil {
		return 0, refuse(unix.EIO, "read %s: %v", s.procRoot, err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return 0, refuse(unix.EIO, "read %s: %v", s.procRoot, err)
	}
	for _, name := range names {
		h, err := strconv.ParseInt(name, 10, 32)
		if err != nil {
			continue
		}
		ids, err := nsPIDs(s.procRoot, int32(h))
		if err != nil || len(ids) <= level || ids[level] != pid {
			continue
		}
		if s.inPIDNamespace(int32(h), len(ids)-1-level, callerNS) {
			return int32(h), nil
		}
	}
	return 0, refuse(unix.ESRCH, "target %d does not exist in the PID namespace of caller %d", pid, caller)
}

// inPIDNamespace reports whether the PID namespace up steps above
// process pid's own is ns: another container at the same depth may use
// the same PID.
func (s *Server) inPIDNamespace(pid int32, up int, ns fileID) bool {
	fd, err := unix.Open(fmt.Sprintf("%s/%d/ns/pid", s.procRoot, pid), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	for range up {
		parent, err := unix.IoctlRetInt(fd, unix.NS_GET_PARENT)
		unix.Close(fd)
		if err != nil {
			return false
		}
		fd = parent
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return false
	}
	return fileID{st.Dev, st.Ino} == ns
}
