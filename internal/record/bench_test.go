package record

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

const (
	benchSyscall = `type=SYSCALL msg=audit(1492037291.036:59): arch=c000003e syscall=59 success=yes exit=0 a0=1522170 a1=1506120 a2=14faeb0 a3=7ffcc4582df0 items=2 ppid=12041 pid=13393 auid=1000 uid=1000 gid=1001 euid=1000 suid=1000 fsuid=1000 egid=1001 sgid=1001 fsgid=1001 tty=pts1 ses=802 comm="grep" exe="/usr/bin/grep" subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 key="user_commands"`
	benchPath    = `type=PATH msg=audit(1604994496.155:92733): item=0 name="/usr/sbin/arp" inode=13181 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`
	benchUser    = `type=USER_LOGIN msg=audit(1481077043.193:421): pid=1298 uid=0 auid=1000 ses=1 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=login id=1000 exe="/usr/sbin/sshd" hostname=pool-96-241-146-97.washdc.fios.verizon.net addr=96.241.146.97 terminal=/dev/pts/0 res=success'`
	benchProc    = `type=PROCTITLE msg=audit(1604994496.155:92734): proctitle=67726570002D76005E3F`
	benchEnrich  = "type=SYSCALL msg=audit(1696431255.037:8272): arch=c000003e syscall=59 success=yes exit=0 a0=557ac7557210 a1=7ffdb0f8f510 a2=557ac7554e60 a3=0 items=3 ppid=192009 pid=192010 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=417 comm=\"bash\" exe=\"/usr/bin/bash\" subj=unconfined key=\"susp_shell\"\x1dARCH=x86_64 SYSCALL=execve AUID=\"bui\" UID=\"bui\" GID=\"bui\" EUID=\"bui\" SUID=\"bui\" FSUID=\"bui\" EGID=\"bui\" SGID=\"bui\" FSGID=\"bui\""
)

func BenchmarkParseLine(b *testing.B) {
	for _, bc := range []struct{ name, line string }{
		{"SYSCALL", benchSyscall},
		{"PATH", benchPath},
		{"USER_LOGIN", benchUser},
		{"PROCTITLE", benchProc},
		{"SYSCALL_enriched", benchEnrich},
	} {
		b.Run(bc.name, func(b *testing.B) {
			line := []byte(bc.line)
			var p Parser
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if _, _, err := p.ParseLine(line); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/record")
		})
	}
}

func BenchmarkParseNetlink(b *testing.B) {
	payload := []byte(benchSyscall[len("type=SYSCALL msg="):] + "\x00")
	var p Parser
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ParseNetlink(1300, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReader reads whole corpus files through a Reader.
func BenchmarkReader(b *testing.B) {
	dir := corporaDir(b)
	for _, name := range []string{
		"go-libaudit__auparse__testdata__audit-rhel7.log",
		"oms-auditd-plugin__TestEventData.cpp__oversized_event_text.log",
	} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		// Repeat small files so that one iteration is a realistic read.
		big := bytes.Repeat(data, max(1, (1<<20)/len(data)))
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(big)))
			records := 0
			for b.Loop() {
				r := NewReader(bytes.NewReader(big), name)
				for {
					_, err := r.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					records++
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(records), "ns/record")
		})
	}
}
