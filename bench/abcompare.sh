#!/usr/bin/env bash
# abcompare.sh OLD NEW: how much CPU per event one contaudit build spends
# against another, with containers on and the exec storm in a contid.
#
# usage: sudo bench/abcompare.sh OLD_BINARY NEW_BINARY
#   e.g. git worktree add /tmp/old HEAD~1 && make -C /tmp/old build &&
#        make build && sudo bench/abcompare.sh /tmp/old/bin/contaudit bin/contaudit
#
# Both daemons read the same storm at the same time (contaudit_mode =
# readonly, beside bench/nullreader.c as the audit daemon), and the storm's
# process is given contid 4242 in both, so the machine's drift from run to
# run falls on both alike. Which build starts first, and so reads second,
# alternates: the later reader pays slightly more, and the geometric mean of
# the two orientations cancels that out. Changes of half a percent show up
# in ten rounds, where bench/execstorm.sh's contaudit-paired, comparing
# containers on against off, moves by a point from one batch to the next.
#
# Prints each round's NEW/OLD ratio of CPU per storm event and their
# position-free geometric mean. Environment: STORM_N (default 10000),
# AB_ROUNDS (default 10, even).
#
# Safety as bench/execstorm.sh: it takes the kernel-test lock, refuses to
# run beside another audit daemon, restores the kernel's audit state
# (enabled, failure, rate and backlog limits, backlog wait time, rules) on
# exit, and signals only the PIDs it started.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/harness.sh
source "$ROOT/bench/harness.sh"
N=${STORM_N:-10000}
ROUNDS=${AB_ROUNDS:-10}
LOCK=/run/lock/contaudit-kerneltest.lock
CONTID=4242

die() { echo "abcompare: $*" >&2; exit 1; }
note() { echo "abcompare: $*" >&2; }
[[ $# == 2 ]] || die "usage: abcompare.sh OLD_BINARY NEW_BINARY"
OLD=$(realpath "$1") NEW=$(realpath "$2")
for b in "$OLD" "$NEW"; do
  "$b" daemon -h >/dev/null 2>&1 || die "$b: not a contaudit binary with a daemon subcommand"
done
[[ $N =~ ^[1-9][0-9]*$ ]] || die "STORM_N must be a positive integer, not '$N'"
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $((ROUNDS % 2)) == 0 ]] || die "AB_ROUNDS must be a positive even number, not '$ROUNDS'"
[[ $(id -u) == 0 ]] || die "must run as root"

WORK=$(mktemp -d /tmp/contaudit-abcompare.XXXXXX)
# STARTED lists the children started here and not yet waited for: until
# it is waited for, a child's PID cannot be reused, so signalling it is
# safe.
STARTED=()
forget() { # PID
  local p keep=()
  for p in "${STARTED[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  STARTED=("${keep[@]}")
}
stop_pid() { # PID: TERM, then KILL after 10 s, then reap
  local i
  kill -TERM "$1" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    proc_alive "$1" || break
    nap 0.1
  done
  ! proc_alive "$1" || kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}
cleanup() {
  local rc=$? p
  set +e
  trap - EXIT INT TERM
  for p in "${STARTED[@]}"; do stop_pid "$p"; done
  audit_restore
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gcc -O2 -Wall -o "$WORK/storm" "$ROOT/bench/storm.c" || die "cannot compile bench/storm.c"
gcc -O2 -Wall -o "$WORK/nullreader" "$ROOT/bench/nullreader.c" || die "cannot compile bench/nullreader.c"

audit_save "$LOCK"

# Nothing below execs a program between a round's two CPU readings but
# the storm: every exec is an audited event the daemons would work on.
nap_open

auditctl -D >/dev/null
auditctl -b 8192 >/dev/null
"$WORK/nullreader" >"$WORK/nullreader.out" 2>&1 9>&- {NAP_FD}>&- &
STARTED+=($!)
for ((i = 0; i < 50; i++)); do
  audit_status
  [[ ${ST[pid]} == "${STARTED[0]}" ]] && break
  sleep 0.1
done
[[ ${ST[pid]} == "${STARTED[0]}" ]] || die "bench/nullreader.c did not register"
auditctl -a always,exit -F arch=b64 -S execve -k storm >/dev/null
auditctl -e 1 >/dev/null

echo "abcompare: NEW $NEW against OLD $OLD, $ROUNDS rounds of $N execs in contid $CONTID"
for ((r = 1; r <= ROUNDS; r++)); do
  d=$WORK/round$r
  declare -A pid bin
  if ((r % 2)); then first=old; else first=new; fi
  bin[old]=$OLD bin[new]=$NEW
  for m in $first $([[ $first == old ]] && echo new || echo old); do
    mkdir -p "$d/$m"
    cat >"$d/$m/c.conf" <<EOF
log_file = $d/$m/contaudit.log
flush = incremental_async
freq = 50
log_format = RAW
contaudit_mode = readonly
contaudit_metrics_listen = unix:$d/$m/metrics.sock
contaudit_containers = yes
contaudit_control_socket = $d/$m/control.sock
contaudit_state_file = $d/$m/contid.json
EOF
    "${bin[$m]}" daemon --config "$d/$m/c.conf" >"$d/$m/daemon.out" 2>&1 9>&- {NAP_FD}>&- &
    pid[$m]=$!
    STARTED+=("${pid[$m]}")
    for ((i = 0; i < 150; i++)); do [[ -S $d/$m/control.sock ]] && break; sleep 0.1; done
    [[ -S $d/$m/control.sock ]] || die "round $r: $m daemon did not start: $(tail -n 1 "$d/$m/daemon.out")"
  done
  sleep 1
  mkfifo "$d/go"
  (read -r _ <"$d/go"; exec "$WORK/storm" "$N" >/dev/null) 9>&- {NAP_FD}>&- &
  storm=$!
  STARTED+=("$storm")
  for m in old new; do
    "${bin[$m]}" contid --socket "$d/$m/control.sock" set "$storm" "$CONTID" >/dev/null ||
      die "round $r: $m daemon refused contid $CONTID for the storm"
  done
  proc_cpu_ns "${pid[old]}"; c0old=$CPU_NS
  proc_cpu_ns "${pid[new]}"; c0new=$CPU_NS
  echo go >"$d/go"
  wait "$storm" || { forget "$storm"; die "round $r: the storm failed"; }
  forget "$storm"
  # Until both daemons' CPU stands still for a second.
  last='' still=0
  for ((i = 0; i < 240 && still < 4; i++)); do
    nap 0.25
    proc_cpu "${pid[old]}"; cur=$CPU_TICKS
    proc_cpu "${pid[new]}"; cur="$cur $CPU_TICKS"
    if [[ $cur == "$last" ]]; then still=$((still + 1)); else still=0; fi
    last=$cur
  done
  proc_cpu_ns "${pid[old]}"; c1old=$CPU_NS
  proc_cpu_ns "${pid[new]}"; c1new=$CPU_NS
  stop_pid "${pid[old]}"
  stop_pid "${pid[new]}"
  nold=$(grep -c 'type=SYSCALL.*key="storm"' "$d/old/contaudit.log" || true)
  nnew=$(grep -c 'type=SYSCALL.*key="storm"' "$d/new/contaudit.log" || true)
  cold=$(grep -c "contid=$CONTID" "$d/old/contaudit.log" || true)
  cnew=$(grep -c "contid=$CONTID" "$d/new/contaudit.log" || true)
  ((cold >= N && cnew >= N)) || die "round $r: only $cold (old) and $cnew (new) of $N execs stamped with contid $CONTID"
  awk -v r="$r" -v f="$first" -v a=$((c1old - c0old)) -v b=$((c1new - c0new)) -v na="$nold" -v nb="$nnew" \
    'BEGIN {printf "round %2d (%s started first): old %.0f ns/event, new %.0f ns/event, new/old %.4f\n", r, f, a/na, b/nb, (b/nb)/(a/na)}' |
    tee -a "$WORK/rounds.txt"
  rm -rf "$d"
done

# Rounds in which old started first against those in which new did: the
# geometric mean of each orientation, and of the two.
awk '{split($0, a, "new/old "); x = log(a[2] + 0)} /old started first/ {so += x; no++} /new started first/ {sn += x; nn++}
  END {go = exp(so/no); gn = exp(sn/nn); printf "new/old CPU per event: %.4f (old first %.4f over %d rounds, new first %.4f over %d)\n", sqrt(go*gn), go, no, gn, nn}' "$WORK/rounds.txt"
