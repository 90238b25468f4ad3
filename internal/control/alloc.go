package control

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"os"

	"github.com/contaudit/contaudit/internal/contid"
)

// machineIDPath is where systemd and dbus keep the host's ID.
const machineIDPath = "/etc/machine-id"

// HostIdentity returns what identifies this host for the host part of
// allocated contids: /etc/machine-id, or the hostname where there is no
// machine ID (a minimal system, an image not yet booted). An empty answer
// means neither is known.
func HostIdentity() []byte {
	if b, err := os.ReadFile(machineIDPath); err == nil {
		b = bytes.TrimSpace(b)
		// "uninitialized" is what systemd writes before first boot.
		if len(b) > 0 && !bytes.Equal(b, []byte("uninitialized")) {
			return b
		}
	}
	if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
		return []byte("hostname:" + h)
	}
	return nil
}

// DefaultAllocator returns the allocator of a daemon that configures no
// host part: contid.DefaultHostBits bits derived from HostIdentity, or
// random bits when the host has no identity (unique per daemon start
// rather than per host, which is still unique while in use), and a counter
// starting at a random value.
func DefaultAllocator() *contid.Allocator {
	var part uint64
	if id := HostIdentity(); id != nil {
		part = contid.HostPart(id, contid.DefaultHostBits)
	} else {
		part = randomUint64() >> (64 - contid.DefaultHostBits)
	}
	a, err := contid.NewAllocator(part, contid.DefaultHostBits, randomUint64())
	if err != nil {
		panic(err) // the part fits by construction
	}
	return a
}

// NewAllocator returns an allocator with a configured host part, for an
// orchestrator that numbers its hosts and so rules out two hosts sharing a
// part, and a counter starting at a random value.
func NewAllocator(part uint64, bits int) (*contid.Allocator, error) {
	return contid.NewAllocator(part, bits, randomUint64())
}

func randomUint64() uint64 {
	var b [8]byte
	rand.Read(b[:]) // never fails on Linux (crypto/rand panics instead)
	return binary.LittleEndian.Uint64(b[:])
}
