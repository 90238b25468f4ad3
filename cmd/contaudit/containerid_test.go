package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/contaudit/contaudit/internal/kerneltest"
	"github.com/contaudit/contaudit/internal/record"
)

// containeridScript plays the kernel design's own test (audit-testsuite,
// tests/containerid) with the real CLI, from a shell that is the writer,
// as an orchestrator would. Each check prints "ok NAME" or "FAIL NAME: ...";
// PID lines ("pid NAME N") let the Go side find the records.
const containeridScript = `
set -u
ca() { "$CA" contid "$@"; }
expect() { # NAME WANT CMD...: WANT is OK or the errno name the CLI must print
	name=$1 want=$2; shift 2
	# Not $(...): the CLI's parent must be this shell, the writer, not a
	# command-substitution subshell.
	"$@" > "$D/expect.out" 2>&1; rc=$?
	out=$(cat "$D/expect.out")
	if [ "$want" = OK ]; then
		[ $rc = 0 ] && echo "ok $name" || echo "FAIL $name: want success, got $rc: $out"
	else
		case "$out" in *"$want"*) [ $rc != 0 ] && echo "ok $name" || echo "FAIL $name: exit 0: $out";;
		*) echo "FAIL $name: want $want, got $rc: $out";; esac
	fi
}
hold() { # starts "sh -c SCRIPT" waiting on fifo $D/NAME; prints nothing, sets $held
	mkfifo "$D/$1"
	sh -c "read _ < $D/$1; $2" &
	held=$!
	echo "pid $1 $held"
}
release() { echo go > "$D/$1"; }

# Setting one's own contid fails.
expect self EXDEV ca set $$ 1000
echo "pid shell $$"

# A child's succeeds; the same value again, the unset value and another
# value on it fail.
sleep 30 & c1=$!; echo "pid c1 $c1"
expect child OK ca set $c1 1001
expect same EEXIST ca set $c1 1001
expect unset EINVAL ca set $c1 18446744073709551615
expect other EEXIST ca set $c1 1002

# The owner injects the same value into a second process.
sleep 30 & c2=$!; echo "pid c2 $c2"
expect inject OK ca set $c2 1001

# A process that has children is refused.
sh -c 'sleep 30 & wait' & c3=$!; echo "pid c3 $c3"
while [ -z "$(cat /proc/$c3/task/$c3/children 2>/dev/null)" ]; do sleep 0.01; done
expect children EBUSY ca set $c3 1003

# Nesting, three deep, and a signal from the outer container into the
# inner ones. L1 (contid 1011) sets L2 (1012 in 1011), which sets L3
# (1013 in 1012 in 1011); L1 then signals L3 and L2.
hold l1 '
	mkfifo $D/l2
	sh -c "read _ < $D/l2; sleep 30 & l3=\$!; echo \$l3 > $D/l3.pid; \"\$CA\" contid set \$l3 1013 > $D/l3.out 2>&1; echo done > $D/l2done; wait" &
	l2=$!
	echo $l2 > $D/l2.pid
	"$CA" contid set $l2 1012 > $D/l2.out 2>&1
	echo go > $D/l2
	read _ < $D/l2done
	kill -TERM $l2
	kill -TERM $(cat $D/l3.pid)
	wait
'
l1=$held
mkfifo "$D/l2done"
expect l1 OK ca set $l1 1011
release l1
wait $l1
[ -s $D/l2.out ] && echo "FAIL nest2: $(cat $D/l2.out)" || echo "ok nest2"
[ -s $D/l3.out ] && echo "FAIL nest3: $(cat $D/l3.out)" || echo "ok nest3"
echo "pid l2 $(cat $D/l2.pid)"
echo "pid l3 $(cat $D/l3.pid)"

# capcontid: a delegated process in a new user namespace, holding no
# capability in the initial one, sets its own child's contid; one without
# the delegation is refused.
hold u1 'exec unshare -U -r sh -c "sleep 30 & \"\$CA\" contid set \$! 3001 > $D/u1.out 2>&1; echo \$? >> $D/u1.out"'
u1=$held
expect capcontid OK ca capcontid $u1 on
release u1
wait $u1
[ "$(tail -n 1 $D/u1.out)" = 0 ] && echo "ok userns-delegated" || echo "FAIL userns-delegated: $(cat $D/u1.out)"
hold u2 'exec unshare -U -r sh -c "sleep 30 & \"\$CA\" contid set \$! 3002 > $D/u2.out 2>&1"'
u2=$held
release u2
wait $u2
case "$(cat $D/u2.out)" in *EPERM*) echo "ok userns-undelegated";; *) echo "FAIL userns-undelegated: $(cat $D/u2.out)";; esac

# An unprivileged caller is refused (the socket lets anyone connect; the
# daemon judges the caller).
sleep 30 & c5=$!; echo "pid c5 $c5"
expect unprivileged EPERM setpriv --reuid=65534 --regid=65534 --clear-groups "$CA" contid set $c5 1005

# -F contid=: only the container's writes into $D/w are logged.
mkdir -p $D/w
hold wr 'echo in > $D/w/container'
w=$held
expect wr OK ca set $w 1021
release wr
wait $w
echo host > $D/w/host

kill $c1 $c2 $c3 $c5 2>/dev/null
echo end
`

func TestContaineridSuite(t *testing.T) {
	kerneltest.Audit(t)
	kerneltest.RequireCommand(t, "unshare")
	kerneltest.RequireCommand(t, "setpriv")
	e := newDaemonEnv(t, "contaudit_control_mode = 0666\n")
	// The unprivileged caller must reach the socket to be judged.
	for _, d := range []string{e.dir, filepath.Dir(e.dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "w"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, e.rules, "-D\n"+
		"-a always,exit -F arch=b64 -S kill -k ctest-kill\n"+
		"-a always,exit -F arch=b64 -S openat -F dir="+filepath.Join(dir, "w")+" -F contid=1021 -k ctest-w\n")
	d := e.start(t)

	sh := exec.Command("/bin/sh", "-c", containeridScript)
	sh.Env = append(os.Environ(), "CONTAUDIT_TEST_MAIN=1", "CA="+os.Args[0], "D="+dir, controlSocketEnv+"="+e.control)
	// A file, not a pipe: the script's sleeps would hold a pipe open.
	outPath := filepath.Join(dir, "script.out")
	f, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	sh.Stdout, sh.Stderr = f, f
	err = sh.Run()
	f.Close()
	out := mustRead(t, outPath)
	if err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
	pids := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(l, "FAIL"):
			t.Error(l)
		case strings.HasPrefix(l, "pid "):
			f := strings.Fields(l)
			pids[f[1]] = f[2]
		}
	}
	if !strings.Contains(string(out), "\nend\n") {
		t.Fatalf("script did not finish:\n%s", out)
	}
	d.Process.Signal(syscall.SIGTERM)
	if err := d.Wait(); err != nil {
		t.Fatalf("daemon exit: %v", err)
	}
	evs := events(readLog(t, e.log))

	// Every attempt has its CONTAINER_OP: successes and refusals.
	ops := map[string][]string{} // opid -> res values
	for _, ev := range evs {
		for _, r := range ev {
			if r.TypeName == "CONTAINER_OP" && string(fieldValue(r, "op")) == "set" {
				o := string(fieldValue(r, "opid"))
				ops[o] = append(ops[o], string(fieldValue(r, "res")))
			}
		}
	}
	for name, want := range map[string]string{
		"shell": "0", "c1": "1,0,0,0", "c2": "1", "c3": "0", "l1": "1", "l2": "1", "l3": "1", "c5": "0", "wr": "1",
	} {
		if got := strings.Join(ops[pids[name]], ","); got != want {
			t.Errorf("CONTAINER_OP res for %s (pid %s): %q, want %q", name, pids[name], got, want)
		}
	}

	// The signals: SYSCALL (L1, contid 1011) and OBJ_PID (L3, L2) linked
	// by record=N to CONTAINER_ID records with the nested chains.
	wantChain := map[string]string{pids["l3"]: "1013,^1012,^1011", pids["l2"]: "1012,^1011"}
	seen := 0
	for _, ev := range evs {
		var sys, obj *record.Record
		cids := map[string]string{}
		for _, r := range ev {
			switch r.TypeName {
			case "SYSCALL":
				sys = r
			case "OBJ_PID":
				obj = r
			case "CONTAINER_ID":
				cids[string(fieldValue(r, "record"))] = string(fieldValue(r, "contid"))
			}
		}
		if sys == nil || obj == nil || string(fieldValue(sys, "key")) != "ctest-kill" {
			continue
		}
		chain, ok := wantChain[string(fieldValue(obj, "opid"))]
		if !ok {
			continue
		}
		seen++
		if got := cids[string(fieldValue(sys, "record"))]; got != "1011" {
			t.Errorf("kill by L1: SYSCALL's CONTAINER_ID contid=%q, want 1011 (%s)", got, sys.Raw)
		}
		if got := cids[string(fieldValue(obj, "record"))]; got != chain {
			t.Errorf("kill of %s: OBJ_PID's CONTAINER_ID contid=%q, want %q (%s)", fieldValue(obj, "opid"), got, chain, obj.Raw)
		}
	}
	if seen != 2 {
		t.Errorf("%d kill events of the nested containers, want 2", seen)
	}

	// -F contid=1021: the container's write is logged with its own key,
	// the host's is not.
	var writes []string
	for _, ev := range evs {
		for _, r := range ev {
			if r.TypeName == "SYSCALL" && bytes.Contains(r.Raw, []byte("ctest-w")) {
				writes = append(writes, string(fieldValue(r, "pid")))
				if string(fieldValue(r, "key")) != "ctest-w" {
					t.Errorf("contid rule's key not restored: %s", r.Raw)
				}
			}
		}
	}
	if len(writes) != 1 || writes[0] != pids["wr"] {
		t.Errorf("writes logged by the contid=1021 rule from pids %v, want only the container's %s", writes, pids["wr"])
	}
	if regexp.MustCompile(`contaudit-contid`).Match(mustRead(t, e.log)) {
		t.Error("a contid rule's tag key reached the log")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
