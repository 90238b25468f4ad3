package daemon

import "golang.org/x/sys/unix"

// kernelRelease is uname -r, which DAEMON_START reports.
func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}
