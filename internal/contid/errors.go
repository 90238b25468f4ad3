package contid

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Error is a refused operation: the errno the kernel design returns for it
// and a sentence saying why, for people ("EXDEV: target 1234 is not a
// descendant of the writer 999"). errors.Is(err, unix.EXDEV) matches it, so
// callers never compare errnos by string.
type Error struct {
	Errno  unix.Errno
	Reason string
}

func (e *Error) Error() string {
	return unix.ErrnoName(e.Errno) + ": " + e.Reason
}

// Unwrap lets errors.Is match the errno, and through it the fs.Err*
// conditions unix.Errno knows (EPERM is fs.ErrPermission, EEXIST
// fs.ErrExist).
func (e *Error) Unwrap() error { return e.Errno }

func errorf(errno unix.Errno, format string, args ...any) *Error {
	return &Error{Errno: errno, Reason: fmt.Sprintf(format, args...)}
}
