package logfile

import (
	"path/filepath"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

// A typical execve event: SYSCALL, EXECVE, CWD, two PATHs, PROCTITLE, EOE.
var benchEvent = []Record{
	{Type: abi.AUDIT_SYSCALL, Msg: sampleMsg},
	{Type: abi.AUDIT_EXECVE, Msg: []byte(`audit(1364481363.243:24287): argc=2 a0="/usr/sbin/auditctl" a1="-D"`)},
	{Type: abi.AUDIT_CWD, Msg: []byte(`audit(1364481363.243:24287): cwd="/work/main/internal/logfile"`)},
	{Type: abi.AUDIT_PATH, Msg: []byte(`audit(1364481363.243:24287): item=0 name="/usr/sbin/auditctl" inode=10706946 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`)},
	{Type: abi.AUDIT_PATH, Msg: []byte(`audit(1364481363.243:24287): item=1 name="/lib64/ld-linux-x86-64.so.2" inode=325835 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`)},
	{Type: abi.AUDIT_PROCTITLE, Msg: []byte(`audit(1364481363.243:24287): proctitle=2F7573722F7362696E2F617564697463746C002D44`)},
	{Type: abi.AUDIT_EOE, Msg: []byte(`audit(1364481363.243:24287): `)},
}

func eventBytes() int64 {
	var n int
	for _, r := range benchEvent {
		if r.Type != abi.AUDIT_EOE { // not written, as auditd
			n += len(AppendLine(nil, "", r.Type, r.Msg, nil))
		}
	}
	return int64(n)
}

func benchWrite(b *testing.B, cfg Config) {
	cfg.Path = filepath.Join(b.TempDir(), "audit.log")
	w, _ := openTest(b, cfg)
	b.SetBytes(eventBytes())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.WriteEvent(benchEvent); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if s := w.Stats(); s.Dropped != 0 {
		b.Fatalf("dropped %d", s.Dropped)
	}
}

func BenchmarkAppendLine(b *testing.B) {
	buf := make([]byte, 0, 4096)
	b.SetBytes(eventBytes())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = buf[:0]
		for _, r := range benchEvent {
			buf = AppendLine(buf, "", r.Type, r.Msg, nil)
		}
	}
}

func BenchmarkWriteRawNone(b *testing.B) { benchWrite(b, Config{Flush: FlushNone}) }

func BenchmarkWriteEnrichedNone(b *testing.B) {
	benchWrite(b, Config{Flush: FlushNone, Enrich: func(typ uint32, _ []byte, dst []byte) []byte {
		if typ == abi.AUDIT_SYSCALL {
			dst = append(dst, `ARCH=x86_64 SYSCALL=execve AUID="unset" UID="root" GID="root"`...)
		}
		return dst
	}})
}

func BenchmarkWriteIncrementalAsync(b *testing.B) {
	benchWrite(b, Config{Flush: FlushIncrementalAsync, Freq: 50})
}

func BenchmarkWriteIncremental(b *testing.B) {
	benchWrite(b, Config{Flush: FlushIncremental, Freq: 50})
}

func BenchmarkWriteRotating(b *testing.B) {
	benchWrite(b, Config{Flush: FlushNone, MaxLogFile: 1 << 20, MaxLogFileAction: Rotate, NumLogs: 3})
}

func TestWriteRecordDoesNotAllocate(t *testing.T) {
	w, _ := openTest(t, Config{Flush: FlushIncrementalAsync, Freq: 10, MaxLogFile: 1 << 30, MaxLogFileAction: Rotate, NumLogs: 2,
		SpaceLeft: Threshold{Percent: 1}, SpaceLeftAction: Syslog, DiskFullAction: Suspend})
	enrich := func(_ uint32, _ []byte, dst []byte) []byte { return append(dst, "UID=\"root\""...) }
	w.cfg.Enrich = enrich
	allocs := testing.AllocsPerRun(1000, func() {
		if err := w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per record", allocs)
	}
}
