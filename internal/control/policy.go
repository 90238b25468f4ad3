package control

import (
	"slices"

	"golang.org/x/sys/unix"
)

// Policy decides whether a writer holds the permission to set and read
// contids (contid.Writer.CanSetContid). CAP_AUDIT_CONTROL, effective and in
// the initial user namespace, always grants it. The lists grant it too:
// the kernel debate over a separate CAP_AUDIT_CONTAINERID was about letting
// an orchestrator set contids without the power to reconfigure auditing,
// and a uid, gid or executable path is how such an orchestrator is named
// here. The zero Policy is the default.
type Policy struct {
	// UIDs grant the permission to processes with one of these
	// effective uids.
	UIDs []uint32
	// GIDs grant it to processes whose effective gid or one of whose
	// supplementary groups is listed.
	GIDs []uint32
	// Executables grant it to processes running one of these files, by
	// path as /proc/PID/exe shows it (a replaced file shows " (deleted)"
	// and no longer matches).
	Executables []string
}

// Allows reports whether a process with these facts holds the permission.
func (p Policy) Allows(f Facts) bool {
	if f.InitUserNS && f.CapEff&(1<<unix.CAP_AUDIT_CONTROL) != 0 {
		return true
	}
	if slices.Contains(p.UIDs, f.EUID) || slices.Contains(p.GIDs, f.EGID) {
		return true
	}
	for _, g := range f.Groups {
		if slices.Contains(p.GIDs, g) {
			return true
		}
	}
	return f.Exe != "" && slices.Contains(p.Executables, f.Exe)
}
