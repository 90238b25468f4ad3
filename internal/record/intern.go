package record

import (
	"strings"
	"sync"

	"github.com/contaudit/contaudit/internal/abi"
)

// keyClass tells the parser when a key's unquoted value is hex.
type keyClass uint8

const (
	keyPlain  keyClass = iota
	keyHex             // an untrusted string: quoted if clean, else hex
	keyExecve          // aN or aN[i]: hex when unquoted, in EXECVE records only
)

// hexKeys are the fields the kernel writes with audit_log_untrustedstring
// and user space with audit_encode_nv_string. Only these are hex-decoded:
// elsewhere an even run of digits (a2=10) is just a number.
var hexKeys = map[string]bool{
	"acct": true, "cmd": true, "comm": true, "cwd": true, "data": true,
	"dir": true, "exe": true, "file": true, "grp": true, "key": true,
	"name": true, "new_group": true, "ocomm": true, "path": true,
	"proctitle": true, "root_dir": true, "watch": true, "vm": true,
	"new-chardev": true, "old-chardev": true, "new-disk": true,
	"old-disk": true, "new-fs": true, "old-fs": true, "new-net": true,
	"old-net": true, "device": true, "cgroup": true,
}

func classify(key string) keyClass {
	if hexKeys[key] {
		return keyHex
	}
	// a0, a12, a3[0]: the arguments of an EXECVE record.
	if len(key) < 2 || key[0] != 'a' {
		return keyPlain
	}
	i := 1
	for i < len(key) && key[i] >= '0' && key[i] <= '9' {
		i++
	}
	if i == 1 {
		return keyPlain
	}
	if i == len(key) {
		return keyExecve
	}
	if key[i] != '[' || key[len(key)-1] != ']' || i+2 >= len(key) {
		return keyPlain
	}
	for _, c := range key[i+1 : len(key)-1] {
		if c < '0' || c > '9' {
			return keyPlain
		}
	}
	return keyExecve
}

// internTable maps the bytes of a key to one shared string so that parsing a
// known key allocates nothing. It is an open-addressing table with a cheap
// hash (keyHash); a Go map costs about twice as much per field.
type internTable struct {
	slots []internSlot
	n     int
}

type internSlot struct {
	s     string
	hash  uint32
	class keyClass
}

const (
	internSlots = 1 << 12
	// Past this many distinct keys (only hostile input has them) keys are
	// still returned, just allocated each time.
	internMax = internSlots / 2
)

// keyHash hashes a key from its length and its first and last two bytes,
// which tell apart all the keys the kernel writes (euid/egid differ in the
// second byte, a0/a1 in the last) without a loop over the bytes. Collisions
// only cost a probe: lookup compares whole strings.
func keyHash(b []byte) uint32 {
	n := len(b)
	if n == 0 {
		return 0
	}
	h := uint32(n) | uint32(b[0])<<8 | uint32(b[n-1])<<16
	if n > 1 {
		h ^= uint32(b[1])<<24 | uint32(b[n-2])<<4
	}
	return (h * 0x9E3779B1) ^ (h >> 15)
}

func (t *internTable) lookup(b []byte, h uint32) (string, keyClass) {
	if len(t.slots) == 0 {
		t.slots = make([]internSlot, 64)
	}
	mask := uint32(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.s == "" {
			if len(b) == 0 {
				return "", keyPlain
			}
			str := string(b)
			c := classify(str)
			if t.n < internMax {
				*s = internSlot{s: str, hash: h, class: c}
				t.n++
				if t.n > len(t.slots)/2 && len(t.slots) < internSlots {
					t.grow()
				}
			}
			return str, c
		}
		if s.hash == h && s.s == string(b) {
			return s.s, s.class
		}
	}
}

func (t *internTable) grow() {
	old := t.slots
	t.slots = make([]internSlot, 2*len(old))
	mask := uint32(len(t.slots) - 1)
	for _, s := range old {
		if s.s == "" {
			continue
		}
		i := s.hash & mask
		for t.slots[i].s != "" {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// typeNumbers is the inverse of typeNames.
var typeNumbers = sync.OnceValue(func() map[uint32]string {
	m := make(map[uint32]string, 512)
	for _, e := range typeNames() {
		m[e.typ] = e.name
	}
	return m
})

type typeEntry struct {
	name string
	typ  uint32
}

// typeNames maps every name libaudit (via abi) gives a record type to its
// number, for lookups that do not allocate.
var typeNames = sync.OnceValue(func() map[string]typeEntry {
	m := make(map[string]typeEntry, 512)
	for t := uint32(0); t < 10000; t++ {
		n := abi.MsgTypeName(t)
		if !strings.HasPrefix(n, "UNKNOWN[") {
			m[n] = typeEntry{n, t}
		}
	}
	return m
})
