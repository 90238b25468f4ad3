package control

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestListen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "control.sock")

	ln, err := Listen(path, 0o660, 65534)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o660 || fi.Mode().Type() != os.ModeSocket {
		t.Errorf("mode %v, want a socket with 0660", fi.Mode())
	}
	if gid := statGID(t, fi); os.Geteuid() == 0 && gid != 65534 {
		t.Errorf("gid %d, want 65534", gid)
	}

	// A live socket is never removed.
	if _, err := Listen(path, 0o600, -1); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("Listen over a live socket: %v", err)
	}
	if c, err := net.Dial("unix", path); err != nil {
		t.Errorf("the live socket stopped answering: %v", err)
	} else {
		c.Close()
	}
	ln.Close()

	// A stale socket, left by a daemon that died, is replaced.
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}
	ln, err = Listen(path, 0o600, -1)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("new socket: %v", err)
	}
	c.Close()
	ln.Close()

	// Something that is not a socket is left alone.
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(file, 0o600, -1); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Listen over a file: %v", err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "keep" {
		t.Errorf("file touched: %q %v", b, err)
	}
}

func statGID(t *testing.T, fi os.FileInfo) uint32 {
	t.Helper()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatal("no Stat_t")
	}
	return st.Gid
}
