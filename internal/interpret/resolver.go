package interpret

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Resolver names user and group ids.
type Resolver interface {
	UserName(uid uint32) (string, bool)
	GroupName(gid uint32) (string, bool)
}

// FileResolver reads passwd(5) and group(5) files once, on first use. It
// does not follow NSS (LDAP, sssd): ausearch would, so ids only a directory
// service knows read as unknown(N) here.
type FileResolver struct {
	PasswdPath, GroupPath string

	once   sync.Once
	users  map[uint32]string
	groups map[uint32]string
}

// NewFileResolver returns a resolver over the given files.
func NewFileResolver(passwdPath, groupPath string) *FileResolver {
	return &FileResolver{PasswdPath: passwdPath, GroupPath: groupPath}
}

var localResolver = NewFileResolver("/etc/passwd", "/etc/group")

// LocalResolver is the resolver over this machine's /etc/passwd and
// /etc/group, shared and cached for the life of the process.
func LocalResolver() *FileResolver { return localResolver }

func (r *FileResolver) load() {
	r.once.Do(func() {
		r.users = readIDFile(r.PasswdPath)
		r.groups = readIDFile(r.GroupPath)
	})
}

// UserName implements Resolver.
func (r *FileResolver) UserName(uid uint32) (string, bool) {
	r.load()
	n, ok := r.users[uid]
	return n, ok
}

// GroupName implements Resolver.
func (r *FileResolver) GroupName(gid uint32) (string, bool) {
	r.load()
	n, ok := r.groups[gid]
	return n, ok
}

// readIDFile maps the third field (the id) of a passwd or group file to
// the first (the name). The first entry for an id wins, as with getpwuid.
// A missing file gives an empty map: every id then reads as unknown(N).
func readIDFile(path string) map[uint32]string {
	m := map[uint32]string{}
	data, err := os.ReadFile(path)
	if err != nil {
		return m
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		f := strings.SplitN(line, ":", 4)
		if len(f) < 3 {
			continue
		}
		id, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			continue
		}
		if _, dup := m[uint32(id)]; !dup {
			m[uint32(id)] = f[0]
		}
	}
	return m
}

// MapResolver names ids from maps, for logs from another host: fill it
// from that host's files or learn it from ENRICHED records with Learn.
// Set Users and Groups before sharing it; after that, Learn may run
// alongside lookups.
type MapResolver struct {
	mu     sync.RWMutex
	Users  map[uint32]string
	Groups map[uint32]string
}

// UserName implements Resolver.
func (r *MapResolver) UserName(uid uint32) (string, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n, ok := r.Users[uid]
	return n, ok
}

// GroupName implements Resolver.
func (r *MapResolver) GroupName(gid uint32) (string, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n, ok := r.Groups[gid]
	return n, ok
}

// Learn records what an ENRICHED tail says about a uid or gid field: key
// and raw are the field as logged (uid=1000), enriched its tail value
// (UID="alice", quoted or hex-encoded). Other fields, unset and unknown(N)
// names are ignored.
func (r *MapResolver) Learn(key, raw, enriched string) {
	k := fieldKinds[key]
	if k != kindUID && k != kindGID {
		return
	}
	v, ok := strtoul(raw, 10)
	if !ok || uint32(v) == 0xffffffff || v > 0xffffffff {
		return
	}
	name := printEscaped(enriched)
	if name == "" || name == "unset" || strings.HasPrefix(name, "unknown") {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if k == kindUID {
		if r.Users == nil {
			r.Users = map[uint32]string{}
		}
		r.Users[uint32(v)] = name
	} else {
		if r.Groups == nil {
			r.Groups = map[uint32]string{}
		}
		r.Groups[uint32(v)] = name
	}
}

func (c *Context) resolver() Resolver {
	if c.Resolver != nil {
		return c.Resolver
	}
	return localResolver
}

// printUID is auparse's print_uid: the id is read into a C int, so
// 4294967295 and -1 both mean unset, and 0 is root whatever the files say.
func printUID(ctx *Context, val string, base uint64) string {
	return printID(val, base, ctx.resolver().UserName)
}

// printGID is print_gid, which reads ids as print_uid does.
func printGID(ctx *Context, val string, base uint64) string {
	return printID(val, base, ctx.resolver().GroupName)
}

func printID(val string, base uint64, name func(uint32) (string, bool)) string {
	v, ok := strtoul(val, base)
	if !ok {
		return convErr(val)
	}
	id := int32(v)
	switch id {
	case -1:
		return "unset"
	case 0:
		return "root"
	}
	if n, found := name(uint32(id)); found {
		return n
	}
	return "unknown(" + strconv.Itoa(int(id)) + ")"
}

// protocols is /etc/protocols by number (getprotobynumber), or netbase's
// list where the file is missing.
var protocols = sync.OnceValue(func() map[uint32]string {
	data, err := os.ReadFile("/etc/protocols")
	if err != nil {
		return builtinProtocols
	}
	m := map[uint32]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, err := strconv.ParseUint(f[1], 10, 32)
		if err != nil {
			continue
		}
		if _, dup := m[uint32(n)]; !dup {
			m[uint32(n)] = f[0]
		}
	}
	return m
})

func protocolName(p int32) (string, bool) {
	if p < 0 {
		return "", false
	}
	n, ok := protocols()[uint32(p)]
	return n, ok
}
