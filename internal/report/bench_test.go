package report

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// benchLog concatenates the corpora's plain logs (renumbered would not
// matter: serials only group records).
func benchLog(b *testing.B) []byte {
	var all []byte
	for _, p := range corpusLogs(b) {
		if filepath.Ext(p) != ".log" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, data...)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			all = append(all, '\n')
		}
	}
	return all
}

func BenchmarkReport(b *testing.B) {
	data := benchLog(b)
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"summary", Options{}},
		{"executables", Options{Kind: Executable}},
		{"keys-totals", Options{Kind: Key, Totals: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				r := New(io.Discard, tc.opt)
				if err := r.Read(context.Background(), "bench", bytes.NewReader(data), true); err != nil {
					b.Fatal(err)
				}
				if err := r.Finish(); err != nil && err != ErrNoEvents {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExtract measures the per-event work alone.
func BenchmarkExtract(b *testing.B) {
	msgs := [][]byte{
		[]byte(`type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2 success=no exit=-13 a0=7fffd19c5592 a1=0 a2=7fffd19c4b50 a3=a items=1 ppid=2686 pid=3538 auid=500 uid=500 gid=500 euid=500 suid=500 fsuid=500 egid=500 sgid=500 fsgid=500 tty=pts0 ses=1 comm="cat" exe="/bin/cat" subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 key="sshd_config"`),
		[]byte(`type=CWD msg=audit(1364481363.243:24287):  cwd="/home/shadowman"`),
		[]byte(`type=PATH msg=audit(1364481363.243:24287): item=0 name="/etc/ssh/sshd_config" inode=409248 dev=fd:00 mode=0100600 ouid=0 ogid=0 rdev=00:00 obj=system_u:object_r:etc_t:s0 nametype=NORMAL`),
	}
	types := []uint32{typeSyscall, typeCwd, typePath}
	w := want{filename: true, hostname: true, terminal: true, exe: true, key: true, comm: true}
	var s items
	b.ReportAllocs()
	for b.Loop() {
		if !s.extract(types, msgs, w) {
			b.Fatal("extract failed")
		}
	}
}
