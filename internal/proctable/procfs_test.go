package proctable

import (
	"slices"
	"testing"
)

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		line          string
		comm          string
		ppid, threads int32
		start         uint64
		state         byte
		wantErr       bool
	}{
		{line: "1 (systemd) S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 19 1000 2000", comm: "systemd", state: 'S', ppid: 0, threads: 1, start: 19},
		// comm may hold spaces and parentheses.
		{line: "42 (a) b (c)) R 7 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 3 0 123456 0 0\n", comm: "a) b (c)", state: 'R', ppid: 7, threads: 3, start: 123456},
		{line: "42 (x) S 7", wantErr: true},
		{line: "garbage", wantErr: true},
	} {
		var info procInfo
		err := parseStat([]byte(tc.line), &info)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%q: no error", tc.line)
			}
			continue
		}
		if err != nil || string(info.comm) != tc.comm || info.state != tc.state || info.ppid != tc.ppid ||
			info.threads != tc.threads || info.start != tc.start {
			t.Errorf("%q: %+v %v", tc.line, info, err)
		}
	}
}

func TestParseStatus(t *testing.T) {
	const status = "Name:\tsleep\nTgid:\t5012\nPid:\t5012\nPPid:\t5000\nUid:\t1000\t1001\t1000\t1000\nGid:\t100\t101\t100\t100\nThreads:\t4\nNSpid:\t5012\t100\t7\n"
	var info procInfo
	nspid := parseStatus([]byte(status), &info, nil)
	if info.tgid != 5012 || info.uid != 1000 || info.euid != 1001 || info.gid != 100 || info.egid != 101 || info.threads != 4 {
		t.Errorf("%+v", info)
	}
	if !slices.Equal(nspid, []int32{5012, 100, 7}) {
		t.Errorf("NSpid %v", nspid)
	}
}

func TestCgroupV2(t *testing.T) {
	got := cgroupV2([]byte("4:memory:/x\n0::/system.slice/foo.service\n"))
	if string(got) != "/system.slice/foo.service" {
		t.Errorf("got %q", got)
	}
	if got := cgroupV2([]byte("4:memory:/x\n")); got != nil {
		t.Errorf("v1 only: %q", got)
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("42 (a) b (c)) R 7 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 3 0 123456 0 0\n"))
	f.Add([]byte("1 () S"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var info procInfo
		if err := parseStat(b, &info); err == nil && info.comm == nil {
			t.Fatalf("parsed %q without a comm", b)
		}
	})
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte("Uid:\t1\t2\t3\t4\nNSpid:\t1\t2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var info procInfo
		_ = parseStatus(b, &info, nil)
		_ = cgroupV2(b)
	})
}
