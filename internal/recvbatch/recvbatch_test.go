package recvbatch

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// A datagram socket pair stands in for netlink: recvmmsg treats both
// alike, and an unnamed peer leaves the sender address zero, as the
// kernel's port 0 does.
func TestReceive(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	b := New(4, 16)
	if _, err := b.Receive(fds[0], unix.MSG_TRUNC); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("empty socket: %v, want ErrWouldBlock", err)
	}
	sent := [][]byte{[]byte("one"), []byte("two"), bytes.Repeat([]byte("x"), 40), []byte("four"), []byte("five")}
	for _, d := range sent {
		if err := unix.Send(fds[1], d, 0); err != nil {
			t.Fatal(err)
		}
	}
	n, err := b.Receive(fds[0], unix.MSG_TRUNC)
	if err != nil || n != 4 {
		t.Fatalf("first batch: %d, %v; want the 4 slots filled", n, err)
	}
	for i := range n {
		d, full, fromKernel := b.Datagram(i)
		if !fromKernel || full != len(sent[i]) || !bytes.Equal(d, sent[i][:min(len(sent[i]), 16)]) {
			t.Fatalf("datagram %d: %q (%d bytes, from kernel %v), sent %q", i, d, full, fromKernel, sent[i])
		}
	}
	if n, err := b.Receive(fds[0], unix.MSG_TRUNC); err != nil || n != 1 {
		t.Fatalf("second batch: %d, %v", n, err)
	}
	if d, _, _ := b.Datagram(0); string(d) != "five" {
		t.Fatalf("second batch holds %q", d)
	}
}
