#!/usr/bin/env bash
# execstorm.sh: how much an audit daemon slows a fork+exec storm.
#
# Runs bench/storm.c (posix_spawn + waitpid of /bin/true, STORM_N times) with
# no audit, with Debian's auditd in three settings, with a reader that
# throws the records away (bench/nullreader.c: the kernel's own cost, the
# floor for any daemon) and with contaudit in four, all under the one rule
# `-a always,exit -F arch=b64 -S execve -k storm`, and
# prints for each configuration the median over BENCH_RUNS runs of: the
# workload's wall time and its ratio to no audit, the SYSCALL records with
# key "storm" in the daemon's log, the kernel's lost count during the run, the
# daemon's CPU per 1,000 events and its max RSS. See bench/README.md.
#
# The contaudit configurations:
#   contaudit         the host audit daemon alone: contaudit_containers = no
#   contaudit-hostonly  container attribution on, as contaudit-contid, but
#                     the storm runs in no container: what following the
#                     host's processes costs, and the like-for-like baseline
#                     of contaudit-contid (the same daemon, no container)
#   contaudit-contid  container attribution on (contaudit_containers = yes:
#                     process table, contid registry, control socket in the
#                     temp dir), and the storm runs inside contid 4242
#                     (`contaudit contid run 4242 -- storm N`), so every one
#                     of its execs gets a CONTAINER_ID record. It also reports
#                     how many of the storm's execs carry contid=4242 (all N
#                     must), CPU per event relative to `contaudit` (issue 4's
#                     target: at most 1.05) and the process table's size and
#                     memory per tracked process.
#   contaudit-paired  issue 4's comparison in one run: a contaudit with
#                     containers off and one as contaudit-contid read the
#                     same storm at once, one registered, the other readonly
#                     (multicast), the roles swapped every run; the run's
#                     conditions fall on both, so the ratio is far steadier.
#                     The contid is set before the CPU is read and held past
#                     the storm (held_storm): its set and drop are a cost
#                     per container, not per event
#   contaudit-cnreader  `contaudit` again, with bench/cnreader.c beside it: a
#                     C program that only receives the proc connector's FORK
#                     and EXIT events, in batches, and throws them away. Its
#                     CPU per event, as a fraction of the daemon's in the same
#                     run, is what receiving the events that follow the
#                     host's processes costs, before anything handles them.
#
# Runs as root on the shared kernel: it takes the kernel-test lock for its
# whole run, refuses to start next to another audit daemon, and restores the
# kernel's audit state (enabled, failure, rate and backlog limits, backlog
# wait time, rules) on exit, error or signal. It only ever signals the daemon
# PIDs it started itself.
#
# Environment: STORM_N (default 20000), BENCH_RUNS (default 3),
# BENCH_CONFIGS (space-separated subset of: noaudit auditd64 auditd8192
# auditdnone reader contaudit contaudit-hostonly contaudit-contid contaudit-paired
# contaudit-cnreader; default all), BENCH_KEEP=1 keeps the
# temp dir.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/harness.sh
source "$ROOT/bench/harness.sh"
N=${STORM_N:-20000}
RUNS=${BENCH_RUNS:-3}
CONFIGS=${BENCH_CONFIGS:-"noaudit auditd64 auditd8192 auditdnone reader contaudit contaudit-hostonly contaudit-contid contaudit-paired contaudit-cnreader"}
LOCK=/run/lock/contaudit-kerneltest.lock
RULE=(-a 'always,exit' -F arch=b64 -S execve -k storm)
CONTID=4242       # the contid contaudit-contid runs the storm in
AUDITD=/sbin/auditd
STOP_TIMEOUT=10   # seconds between SIGTERM and SIGKILL
READY_TIMEOUT=15  # seconds for a daemon to register (and load its rules)
DRAIN_TIMEOUT=60  # seconds for a daemon to finish writing after the storm

die() { echo "execstorm: $*" >&2; exit 1; }
note() { echo "execstorm: $*" >&2; }

[[ $N =~ ^[1-9][0-9]*$ ]] || die "STORM_N must be a positive integer, not '$N'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, not '$RUNS'"
for c in $CONFIGS; do
  case $c in noaudit|auditd64|auditd8192|auditdnone|reader|contaudit|contaudit-hostonly|contaudit-contid|contaudit-paired|contaudit-cnreader) ;; *) die "unknown configuration '$c' in BENCH_CONFIGS" ;; esac
done
[[ $(id -u) -eq 0 ]] || die "must run as root (it drives the kernel's audit state)"
for cmd in auditctl gcc flock pidof awk; do
  command -v "$cmd" >/dev/null || die "$cmd not found"
done
[[ -x $AUDITD ]] || die "$AUDITD not found (apt-get install auditd)"

WORK=$(mktemp -d /tmp/execstorm.XXXXXX)
STARTED_PIDS=()   # daemons this script started and has not reaped yet
STORM_PID=
HOLDER_PID=
STORM_LAST=
ODD=()            # things worth reporting that are not numbers

# ---- small helpers that do not exec (they run inside measurement windows,
# where every execve would be audited and counted) ---------------------------

# proc_runtime PID: sets RUNTIME_NS to the CPU time of PID's main thread in
# ns (/proc/PID/schedstat); exact, unlike the ticks of proc_cpu, for the
# single-threaded cnreader whose CPU is a few ticks per run.
proc_runtime() {
  local a rest
  read -r a rest <"/proc/$1/schedstat"
  RUNTIME_NS=$a
}

# proc_hwm PID: sets HWM_KB to the process's peak RSS (VmHWM) in KiB.
proc_hwm() {
  local k v rest
  HWM_KB=0
  while read -r k v rest; do
    if [[ $k == VmHWM: ]]; then HWM_KB=$v; fi
  done <"/proc/$1/status"
}

# ---- kernel audit state ----------------------------------------------------

stop_daemon() { # PID
  local pid=$1 i keep=()
  if proc_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
      proc_alive "$pid" || break
      nap 0.1
    done
    if proc_alive "$pid"; then
      note "daemon $pid did not exit ${STOP_TIMEOUT}s after SIGTERM: SIGKILL"
      ODD+=("daemon pid $pid needed SIGKILL")
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  for i in "${STARTED_PIDS[@]}"; do
    [[ $i == "$pid" ]] || keep+=("$i")
  done
  STARTED_PIDS=("${keep[@]}")
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [[ -n $STORM_PID ]] && proc_alive "$STORM_PID"; then
    kill -TERM "$STORM_PID" 2>/dev/null
    wait "$STORM_PID" 2>/dev/null
  fi
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    stop_daemon "$pid"
  done
  audit_restore
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then
    note "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

nap_open

# ---- build -----------------------------------------------------------------
gcc -O2 -Wall -o "$WORK/storm" "$ROOT/bench/storm.c" || die "cannot compile bench/storm.c"
gcc -O2 -Wall -o "$WORK/nullreader" "$ROOT/bench/nullreader.c" || die "cannot compile bench/nullreader.c"
gcc -O2 -Wall -o "$WORK/cnreader" "$ROOT/bench/cnreader.c" || die "cannot compile bench/cnreader.c"

CONTAUDIT="$ROOT/bin/contaudit"
declare -A NA     # contaudit configuration -> why it is not available
if [[ " $CONFIGS " == *" contaudit"* ]]; then
  reason=
  if ! make -C "$ROOT" build >"$WORK/build.log" 2>&1; then
    reason="make build failed: $(grep -v '^make' "$WORK/build.log" | grep . | head -n 1 | cut -c1-160)"
  elif ! "$CONTAUDIT" daemon -h >"$WORK/daemon-help.log" 2>&1; then
    reason="bin/contaudit has no working daemon subcommand: $(grep . "$WORK/daemon-help.log" | head -n 1 | cut -c1-160)"
  fi
  if [[ -n $reason ]]; then
    NA[contaudit]=$reason
    NA[contaudit-hostonly]=$reason
    NA[contaudit-contid]=$reason
    NA[contaudit-paired]=$reason
    NA[contaudit-cnreader]=$reason
  elif [[ " $CONFIGS " == *" contaudit-contid "* || " $CONFIGS " == *" contaudit-paired "* ]] && ! "$CONTAUDIT" contid run --help >"$WORK/contid-help.log" 2>&1; then
    NA[contaudit-contid]="bin/contaudit has no working contid run subcommand: $(grep . "$WORK/contid-help.log" | head -n 1 | cut -c1-160)"
    NA[contaudit-paired]=${NA[contaudit-contid]}
  fi
fi
HAVE_CURL=0       # curl reads the daemon's metrics (process table size)
if command -v curl >/dev/null; then HAVE_CURL=1; fi

# The process table's heap per tracked process as its unit test measures it
# (100,000 synthetic live processes); the daemon itself reports only counts.
# Pure memory, no kernel: measured before the lock.
MEMTEST="not measured"
if [[ " $CONFIGS " == *" contaudit-contid "* && -z ${NA[contaudit-contid]:-} ]] && command -v go >/dev/null; then
  if (cd "$ROOT" && go test -count=1 -run '^TestMemoryPerProcess$' -v ./internal/proctable) >"$WORK/memtest.log" 2>&1; then
    MEMTEST=$(sed -n 's/.*: \([0-9][0-9]*\) bytes of heap per tracked process (\(.*\))$/\1 B per process (\2)/p' "$WORK/memtest.log" | head -n 1)
    MEMTEST=${MEMTEST:-"not measured (no result line in the test's output)"}
  else
    MEMTEST="not measured (go test ./internal/proctable failed)"
  fi
fi

# ---- lock, checks, snapshot ------------------------------------------------
audit_save "$LOCK"

HZ=$( (zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null) | sed -n 's/^CONFIG_HZ=//p' | head -n 1)
HZ=${HZ:-250}
CLK_TCK=$(getconf CLK_TCK)
AUDITD_VERSION=$(dpkg-query -W -f='${Version}' auditd 2>/dev/null || echo unknown)

echo "exec-storm benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r), HZ $HZ"
echo "auditd: Debian $AUDITD_VERSION; contaudit: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
echo "workload: posix_spawn+waitpid of /bin/true x $N, $RUNS run(s) per configuration, interleaved; rule: ${RULE[*]}"
echo "kernel before: enabled ${SNAP[enabled]} failure ${SNAP[failure]} rate_limit ${SNAP[rate_limit]} backlog_limit ${SNAP[backlog_limit]} backlog_wait_time ${SNAP[backlog_wait_time]} lost ${ST[lost]}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# ---- one run of one configuration -----------------------------------------

# RESULTS rows: config run wall_s recs true_recs lost bwta_jiffies cpu_ticks
# hwm_kb backlog workload_cpu_s contid_recs procs_live procs_retained
# recv_ns side_ns (contaudit-cnreader: cnreader's CPU inside the recvmmsg
# calls that returned events, and its whole CPU during the run, in ns)
# (contid_recs: true_recs whose event has a CONTAINER_ID record with contid
# $CONTID; procs_*: the daemon's process table after the run; "-": n/a)
RESULTS="$WORK/results.tsv"
: >"$RESULTS"

# run_storm DIR [SOCKET]: runs the workload, sets WALL, WCPU (its CPU
# seconds) and STORM_LAST (its PID, the ppid of its execs). With SOCKET it
# runs inside contid $CONTID through the daemon's control socket: `contaudit
# contid run` starts a stub that execs storm once the contid is set, so
# storm is a child of the process started here and keeps the stub's PID,
# which storm prints itself.
run_storm() {
  local d=$1 sock=${2:-}
  if [[ -n $sock ]]; then
    "$CONTAUDIT" contid --socket "$sock" run "$CONTID" -- "$WORK/storm" "$N" >"$d/storm.out" 2>"$d/storm.err" 9>&- {NAP_FD}>&- &
  else
    "$WORK/storm" "$N" >"$d/storm.out" 2>"$d/storm.err" 9>&- {NAP_FD}>&- &
  fi
  STORM_PID=$!
  storm_result "$d" "$sock"
}

# storm_result DIR [SOCKET]: waits for the storm started as STORM_PID and
# reads its output (WALL, WCPU, STORM_LAST). With SOCKET it ran under
# `contid run`, in the CLI's stub.
storm_result() {
  local d=$1 sock=${2:-} k v
  if ! wait "$STORM_PID"; then
    STORM_PID=
    die "workload failed: $(cat "$d/storm.err")"
  fi
  STORM_LAST=
  while read -r k v; do
    if [[ $k == pid ]]; then STORM_LAST=$v; fi
  done <"$d/storm.out"
  [[ $STORM_LAST =~ ^[1-9][0-9]*$ ]] || die "workload printed no pid line: $(cat "$d/storm.out")"
  if [[ -z $sock && $STORM_LAST != "$STORM_PID" ]]; then
    die "storm printed pid $STORM_LAST, but was started as $STORM_PID"
  fi
  if [[ -n $sock && $STORM_LAST == "$STORM_PID" ]]; then
    die "storm ran as the contid CLI's own PID $STORM_PID, not in its stub"
  fi
  STORM_PID=
  read -r WALL WCPU <"$d/storm.out"
}

# held_storm DIR SOCKET: contaudit-paired's storm, in contid $CONTID from
# before the daemons' CPU is first read until after it is read again.
# Setting a contid and dropping it when its last holder exits (the
# control API's request, the CONTAINER_OP records, the state file's
# fsync) cost the daemon about 2 ms once per container: not a cost per
# event, but about 1% of a 10,000-exec run. So the storm waits at a fifo
# while its contid is set, and a second process (HOLDER_PID, which the
# caller stops after the reading) holds the contid past the storm's end.
# held_storm_go runs the storm.
held_storm() {
  local d=$1 sock=$2
  sleep 3600 9>&- {NAP_FD}>&- &
  HOLDER_PID=$!
  STARTED_PIDS+=("$HOLDER_PID")
  mkfifo "$d/go"
  (read -r _ <"$d/go" && exec "$WORK/storm" "$N") >"$d/storm.out" 2>"$d/storm.err" 9>&- {NAP_FD}>&- &
  STORM_PID=$!
  "$CONTAUDIT" contid --socket "$sock" set "$HOLDER_PID" "$CONTID" >"$d/holder.set" 2>&1 ||
    die "contid $CONTID for the holder: $(cat "$d/holder.set")"
  # The same owner puts a second process into its contid.
  "$CONTAUDIT" contid --socket "$sock" set "$STORM_PID" "$CONTID" >"$d/storm.set" 2>&1 ||
    die "contid $CONTID for the storm: $(cat "$d/storm.set")"
}

held_storm_go() { # DIR
  echo go >"$1/go"
  storm_result "$1"
}

run_noaudit() { # RUN
  local d="$WORK/noaudit.$1"
  mkdir -p "$d"
  auditctl -D >/dev/null
  auditctl -e 0 >/dev/null
  audit_status
  [[ ${ST[pid]} == 0 ]] || die "an audit daemon (pid ${ST[pid]}) registered while the benchmark ran"
  run_storm "$d"
  printf '%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\t%s\t-\t-\t-\t-\t-\n' noaudit "$1" "$WALL" "$WCPU" >>"$RESULTS"
  printf '  %-16s run %d: wall %7.3fs  workload cpu %7.3fs\n' noaudit "$1" "$WALL" "$WCPU"
}

# wait_ready PID WANT_RULE [SOCKET...]: the daemon has registered with the
# kernel (and, when WANT_RULE is 1, the storm rule is loaded, and every
# SOCKET exists). Sets READY_ERR on failure.
wait_ready() {
  local pid=$1 want_rule=$2 i sock ok
  shift 2
  READY_ERR=
  for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
    if ! proc_alive "$pid"; then
      READY_ERR="daemon exited during startup"
      return 1
    fi
    audit_status
    if [[ ${ST[pid]} == "$pid" ]]; then
      ok=1
      for sock in "$@"; do
        [[ -S $sock ]] || ok=0
      done
      if [[ $ok == 1 ]] && [[ $want_rule == 0 || $(auditctl -l 2>/dev/null) == *key=storm* ]]; then
        return 0
      fi
    elif [[ ${ST[pid]} != 0 ]]; then
      die "another audit daemon (pid ${ST[pid]}) registered while the benchmark ran"
    fi
    nap 0.1
  done
  if [[ ${ST[pid]} == "$pid" ]]; then
    READY_ERR="registered but did not load the storm rule or open its sockets ($*) within ${READY_TIMEOUT}s"
  else
    READY_ERR="did not register with the kernel within ${READY_TIMEOUT}s"
  fi
  return 1
}

# count_log LOG [CONTID]: counts the storm's records in LOG (and its rotated
# files): RECS, SYSCALL lines with key "storm"; TRUERECS, those whose ppid
# is the workload's (STORM_LAST); with CONTID, CIDRECS, those of TRUERECS
# whose event (same audit(TIME:SERIAL) stamp) has a CONTAINER_ID record
# naming CONTID ("-" without).
count_log() {
  local counts
  counts=$(cat "$1"* 2>/dev/null | LC_ALL=C awk -v pp=" ppid=$STORM_LAST " -v want="${2:-}" '
    function stamp(l) { return match(l, /audit\([0-9.]+:[0-9]+\)/) ? substr(l, RSTART, RLENGTH) : "" }
    /type=SYSCALL/ && /key="storm"/ { s++; if (index($0, pp)) { t++; if (want != "") own[stamp($0)] = 1 } }
    want != "" && /type=CONTAINER_ID / && $0 ~ (" contid=" want "( |$)") { cid[stamp($0)] = 1 }
    END { c = 0; for (k in own) if (k in cid) c++; print s + 0, t + 0, (want == "" ? "-" : c) }')
  read -r RECS TRUERECS CIDRECS <<<"$counts"
}

# contaudit_conf FILE DIR: the configuration every contaudit run shares,
# with its log and metrics socket in DIR.
contaudit_conf() {
  cat >"$1" <<EOF
log_file = $2/contaudit.log
flush = incremental_async
freq = 50
log_format = RAW
contaudit_backlog_limit = 8192
contaudit_metrics_listen = unix:$2/metrics.sock
EOF
}

# wait_sockets PID SOCKET...: a contaudit that does not register (readonly)
# is ready when its sockets exist. Sets READY_ERR on failure.
wait_sockets() {
  local pid=$1 i sock ok
  shift
  READY_ERR=
  for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
    if ! proc_alive "$pid"; then
      READY_ERR="daemon exited during startup"
      return 1
    fi
    ok=1
    for sock in "$@"; do
      [[ -S $sock ]] || ok=0
    done
    [[ $ok == 1 ]] && return 0
    nap 0.1
  done
  READY_ERR="did not open its sockets ($*) within ${READY_TIMEOUT}s"
  return 1
}

# wait_still PID OUT [PID OUT...]: waits until the CPU time of every PID
# has not moved for 1 s (each daemon has written what it received);
# returns 1 when DRAIN_TIMEOUT ran out first. A daemon that died ends the
# benchmark with the last line of its output file OUT.
wait_still() {
  local i j still=0 last=-1 now
  local -a a=("$@")
  for ((i = 0; i < DRAIN_TIMEOUT * 4; i++)); do
    nap 0.25
    now=
    for ((j = 0; j < ${#a[@]}; j += 2)); do
      proc_alive "${a[j]}" || die "daemon (pid ${a[j]}) died during the run: $(grep . "${a[j + 1]}" | tail -n 1)"
      proc_cpu "${a[j]}"
      now="$now $CPU_TICKS"
    done
    if [[ $now == "$last" ]]; then
      still=$((still + 1))
      ((still >= 4)) && return 0
    else
      still=0
    fi
    last=$now
  done
  return 1
}

# start_registered LABEL CMD...: starts a daemon that registers with the
# kernel but loads no rules (auditd, nullreader), then loads the storm rule
# and enables audit. Uses and sets run_daemon's d and pid; returns 1 with
# READY_ERR set if the daemon did not register.
start_registered() {
  local label=$1
  shift
  "$@" >"$d/daemon.out" 2>&1 9>&- {NAP_FD}>&- &
  pid=$!
  STARTED_PIDS+=("$pid")
  if ! wait_ready "$pid" 0; then
    READY_ERR="$label: $READY_ERR: $(grep . "$d/daemon.out" | tail -n 1 | cut -c1-160)"
    stop_daemon "$pid"
    return 1
  fi
  auditctl "${RULE[@]}" >/dev/null
  audit_status
  [[ ${ST[enabled]} == 1 ]] || auditctl -e 1 >/dev/null
}

# run_daemon CONFIG RUN: one run under an audit daemon. Returns 1 (with
# READY_ERR set) if the daemon could not be started.
run_daemon() {
  local cfg=$1 run=$2 d="$WORK/$1.$2" pid backlog log sock='' side=''
  mkdir -p "$d"
  auditctl -D >/dev/null
  case $cfg in
    auditd64) backlog=64 ;;
    auditd8192 | auditdnone | reader) backlog=8192 ;;
    contaudit*) backlog=64 ;; # the kernel default; contaudit must raise it itself
  esac
  auditctl -b "$backlog" >/dev/null

  case $cfg in
    auditd*)
      if others=$(pidof auditd); then
        die "an auditd this script did not start is running (pid $others)"
      fi
      # Debian's auditd.conf with the log in the temp dir. num_logs is raised
      # from 5 so that rotation (8 MB files, as by default) never deletes
      # records we count; rotation itself still happens as by default.
      sed -e "s|^log_file = .*|log_file = $d/audit.log|" \
        -e 's|^num_logs = .*|num_logs = 99|' /etc/audit/auditd.conf >"$d/auditd.conf"
      if [[ $cfg == auditdnone ]]; then
        sed -i -e 's|^flush = .*|flush = NONE|' "$d/auditd.conf"
      fi
      chmod 0640 "$d/auditd.conf"
      log="$d/audit.log"
      start_registered auditd "$AUDITD" -n -c "$d" || return 1
      ;;
    reader)
      log=
      start_registered nullreader "$WORK/nullreader" || return 1
      ;;
    contaudit*)
      # They differ only in container attribution (and where the storm
      # runs); all serve metrics (an idle listener until the script reads
      # it after the run).
      printf '%s\n' "${RULE[*]}" >"$d/storm.rules"
      contaudit_conf "$d/contaudit.conf" "$d"
      if [[ $cfg == contaudit-contid || $cfg == contaudit-hostonly ]]; then
        sock="$d/control.sock"
        cat >>"$d/contaudit.conf" <<EOF
contaudit_containers = yes
contaudit_control_socket = $sock
contaudit_state_file = $d/contid.json
EOF
      else
        echo "contaudit_containers = no" >>"$d/contaudit.conf"
      fi
      log="$d/contaudit.log"
      "$CONTAUDIT" daemon --config "$d/contaudit.conf" --rules "$d/storm.rules" >"$d/daemon.out" 2>&1 9>&- {NAP_FD}>&- &
      pid=$!
      STARTED_PIDS+=("$pid")
      if ! wait_ready "$pid" 1 "$d/metrics.sock" ${sock:+"$sock"}; then
        READY_ERR="$READY_ERR: $(grep . "$d/daemon.out" | tail -n 1 | cut -c1-160)"
        stop_daemon "$pid"
        return 1
      fi
      if [[ $cfg == contaudit-cnreader ]]; then
        "$WORK/cnreader" >"$d/cnreader.out" 2>&1 9>&- {NAP_FD}>&- &
        side=$!
        STARTED_PIDS+=("$side")
        local i
        for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
          grep -q '^ready' "$d/cnreader.out" && break
          proc_alive "$side" || break
          nap 0.1
        done
        if ! grep -q '^ready' "$d/cnreader.out"; then
          READY_ERR="cnreader did not subscribe to the proc connector: $(grep . "$d/cnreader.out" | tail -n 1 | cut -c1-160)"
          stop_daemon "$side"
          stop_daemon "$pid"
          return 1
        fi
      fi
      ;;
  esac

  # Settle, then take the baselines. From here until the CPU is read again
  # the script execs nothing but the workload.
  nap 1
  audit_status
  local lost0=${ST[lost]} bwta0=${ST[backlog_wait_time_actual]:-0} backlog_eff=${ST[backlog_limit]} enabled=${ST[enabled]}
  if [[ $enabled != 1 ]]; then
    READY_ERR="audit not enabled after the daemon started (enabled $enabled)"
    stop_daemon "$pid"
    return 1
  fi
  nap 0.5
  proc_cpu_ns "$pid"
  local cpu0=$CPU_NS side0=0
  if [[ -n $side ]]; then proc_runtime "$side"; side0=$RUNTIME_NS; fi

  # Only contaudit-contid runs the storm in a container.
  if [[ $cfg == contaudit-contid ]]; then
    run_storm "$d" "$sock"
  else
    run_storm "$d"
  fi

  # Drain: wait until the daemon's CPU time has not moved for 1 s.
  wait_still "$pid" "$d/daemon.out" || ODD+=("$cfg run $run: daemon still busy ${DRAIN_TIMEOUT}s after the storm")
  proc_cpu_ns "$pid"
  # In clock ticks, as the summary counts, but from the exact ns.
  local cpu sidens=- recvns=-
  cpu=$(awk -v n="$((CPU_NS - cpu0))" -v h="$CLK_TCK" 'BEGIN { printf "%.4f", n * h / 1e9 }')
  if [[ -n $side ]]; then
    proc_alive "$side" || die "cnreader (pid $side) died during the run: $(tail -n 1 "$d/cnreader.out")"
    proc_runtime "$side"
    sidens=$((RUNTIME_NS - side0))
    stop_daemon "$side"
    # Its receive time over its whole life: the events outside the
    # storm's window are a few dozen of some 2N.
    recvns=$(sed -n 's/.* \([0-9][0-9]*\) ns receiving$/\1/p' "$d/cnreader.out")
    [[ -n $recvns ]] || die "cnreader printed no receive time: $(tail -n 1 "$d/cnreader.out")"
    if grep -q ' [1-9][0-9]* overruns' "$d/cnreader.out"; then
      ODD+=("$cfg run $run: cnreader lost events: $(grep -o '[0-9]* events.*' "$d/cnreader.out")")
    fi
  fi
  proc_hwm "$pid"
  local hwm=$HWM_KB

  audit_status
  local lost1=${ST[lost]} bwta1=${ST[backlog_wait_time_actual]:-0}
  local lost=$((lost1 - lost0)) bwta=$((bwta1 - bwta0))
  auditctl -D >/dev/null

  # The process table's size, from the daemon's metrics: read after the
  # rule is gone (curl's exec is not audited) and within the table's 30 s
  # retention of exited processes, so the storm's children still count.
  local live=- retained=-
  if [[ $cfg == contaudit-contid && $HAVE_CURL == 1 ]]; then
    if curl -s --max-time 5 --unix-socket "$d/metrics.sock" http://localhost/metrics >"$d/metrics.txt" 2>"$d/metrics.err"; then
      live=$(LC_ALL=C awk '$1 == "contaudit_processes_tracked" { printf "%d", $2 }' "$d/metrics.txt")
      retained=$(LC_ALL=C awk '$1 == "contaudit_processes_retained" { printf "%d", $2 }' "$d/metrics.txt")
      live=${live:--} retained=${retained:--}
    else
      ODD+=("$cfg run $run: could not read the daemon's metrics: $(head -c 160 "$d/metrics.err")")
    fi
  fi
  stop_daemon "$pid"

  if [[ $cfg == reader ]]; then
    # No log to count; the CPU is its own, per storm exec.
    printf '%s\t%s\t%s\t-\t-\t%s\t%s\t%s\t%s\t%s\t%s\t-\t-\t-\t-\t-\n' "$cfg" "$run" "$WALL" "$lost" "$bwta" "$cpu" "$hwm" "$backlog_eff" "$WCPU" >>"$RESULTS"
    printf '  %-16s run %d: wall %7.3fs  workload cpu %7.3fs  %s  lost %5d  bwt_actual %5d jiffies  cpu %6.3fs  maxrss %6d KiB  backlog %s\n' \
      "$cfg" "$run" "$WALL" "$WCPU" "$(grep -o '[0-9]* datagrams.*' "$d/daemon.out" | head -n 1)" "$lost" "$bwta" "$(awk -v t="$cpu" -v h="$CLK_TCK" 'BEGIN { print t / h }')" "$hwm" "$backlog_eff"
    return 0
  fi
  local recs truerecs cidrecs
  if [[ $cfg == contaudit-contid ]]; then count_log "$log" "$CONTID"; else count_log "$log"; fi
  recs=$RECS truerecs=$TRUERECS cidrecs=$CIDRECS
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$run" "$WALL" "$recs" "$truerecs" "$lost" "$bwta" "$cpu" "$hwm" "$backlog_eff" "$WCPU" "$cidrecs" "$live" "$retained" "$recvns" "$sidens" >>"$RESULTS"
  printf '  %-16s run %d: wall %7.3fs  workload cpu %7.3fs  storm recs %6d (workload %6d)  lost %5d  bwt_actual %5d jiffies  cpu %6.3fs  maxrss %6d KiB  backlog %s' \
    "$cfg" "$run" "$WALL" "$WCPU" "$recs" "$truerecs" "$lost" "$bwta" "$(awk -v t="$cpu" -v h="$CLK_TCK" 'BEGIN { print t / h }')" "$hwm" "$backlog_eff"
  if [[ $cfg == contaudit-contid ]]; then
    printf '  contid %s on %s of %s  table %s live + %s retained' "$CONTID" "$cidrecs" "$N" "$live" "$retained"
  fi
  if [[ $sidens != - ]]; then
    printf '  cnreader cpu %.3fs, receiving %.3fs (%s)' "$(awk -v n="$sidens" 'BEGIN { print n / 1e9 }')" "$(awk -v n="$recvns" 'BEGIN { print n / 1e9 }')" "$(grep -o '[0-9]* events, [0-9]* overruns' "$d/cnreader.out" | head -n 1)"
  fi
  printf '\n'
  if [[ $cfg == contaudit* && $backlog_eff != 8192 ]]; then
    ODD+=("$cfg run $run: kernel backlog_limit was $backlog_eff, not the configured 8192")
  fi
  if [[ $cfg == contaudit-contid && $cidrecs != "$N" ]]; then
    ODD+=("$cfg run $run: only $cidrecs of the storm's $N execs carry a CONTAINER_ID record with contid $CONTID")
  fi
}

# run_paired RUN: one run of contaudit-paired. Two contaudit daemons take
# the same storm's records at the same time, so the machine's drift from
# run to run, 10-20% of a run's CPU on this VM, weighs on both alike: one
# with containers off, and one with them on and the storm in contid
# $CONTID. One of them is the audit daemon (it registers and loads the
# rule), the other reads the multicast group (contaudit_mode = readonly).
# Odd runs make the daemon without containers the audit daemon, even runs
# the other, so the two ways of receiving are shared out alike. Writes two
# RESULTS rows, paired-base and paired-contid.
run_paired() {
  local run=$1 d="$WORK/contaudit-paired.$1" m reg bpid cpid
  local -A pids cpu0 cpu hwm
  if ((run % 2)); then reg=base; else reg=contid; fi
  mkdir -p "$d/base" "$d/contid"
  auditctl -D >/dev/null
  auditctl -b 64 >/dev/null
  printf '%s\n' "${RULE[*]}" >"$d/storm.rules"
  for m in base contid; do
    contaudit_conf "$d/$m/contaudit.conf" "$d/$m"
    if [[ $m == contid ]]; then
      cat >>"$d/$m/contaudit.conf" <<EOF
contaudit_containers = yes
contaudit_control_socket = $d/contid/control.sock
contaudit_state_file = $d/contid/contid.json
EOF
    else
      echo "contaudit_containers = no" >>"$d/$m/contaudit.conf"
    fi
    [[ $m == "$reg" ]] || echo "contaudit_mode = readonly" >>"$d/$m/contaudit.conf"
  done
  # The reader first, so that it hears every record of the rule the audit
  # daemon loads.
  local -a socks
  for m in base contid; do
    [[ $m == "$reg" ]] && continue
    socks=("$d/$m/metrics.sock")
    [[ $m == contid ]] && socks+=("$d/contid/control.sock")
    "$CONTAUDIT" daemon --config "$d/$m/contaudit.conf" >"$d/$m/daemon.out" 2>&1 9>&- {NAP_FD}>&- &
    pids[$m]=$!
    STARTED_PIDS+=("${pids[$m]}")
    if ! wait_sockets "${pids[$m]}" "${socks[@]}"; then
      READY_ERR="readonly $m: $READY_ERR: $(grep . "$d/$m/daemon.out" | tail -n 1 | cut -c1-160)"
      stop_daemon "${pids[$m]}"
      return 1
    fi
  done
  socks=("$d/$reg/metrics.sock")
  [[ $reg == contid ]] && socks+=("$d/contid/control.sock")
  "$CONTAUDIT" daemon --config "$d/$reg/contaudit.conf" --rules "$d/storm.rules" >"$d/$reg/daemon.out" 2>&1 9>&- {NAP_FD}>&- &
  pids[$reg]=$!
  STARTED_PIDS+=("${pids[$reg]}")
  if ! wait_ready "${pids[$reg]}" 1 "${socks[@]}"; then
    READY_ERR="$reg: $READY_ERR: $(grep . "$d/$reg/daemon.out" | tail -n 1 | cut -c1-160)"
    stop_daemon "${pids[base]}"
    stop_daemon "${pids[contid]}"
    return 1
  fi
  bpid=${pids[base]} cpid=${pids[contid]}

  # Settle, then take the baselines; from here until the CPU is read
  # again the script execs nothing but the workload.
  nap 1
  audit_status
  local lost0=${ST[lost]} bwta0=${ST[backlog_wait_time_actual]:-0} backlog_eff=${ST[backlog_limit]}
  if [[ ${ST[enabled]} != 1 ]]; then
    READY_ERR="audit not enabled after the daemon started (enabled ${ST[enabled]})"
    stop_daemon "$bpid"
    stop_daemon "$cpid"
    return 1
  fi
  held_storm "$d/contid" "$d/contid/control.sock"
  nap 0.5
  for m in base contid; do
    proc_cpu_ns "${pids[$m]}"
    cpu0[$m]=$CPU_NS
  done
  held_storm_go "$d/contid"
  wait_still "$bpid" "$d/base/daemon.out" "$cpid" "$d/contid/daemon.out" || ODD+=("contaudit-paired run $run: a daemon still busy ${DRAIN_TIMEOUT}s after the storm")
  for m in base contid; do
    proc_cpu_ns "${pids[$m]}"
    cpu[$m]=$(awk -v n="$((CPU_NS - cpu0[$m]))" -v h="$CLK_TCK" 'BEGIN { printf "%.4f", n * h / 1e9 }')
    proc_hwm "${pids[$m]}"
    hwm[$m]=$HWM_KB
  done
  audit_status
  local lost=$((ST[lost] - lost0)) bwta=$((${ST[backlog_wait_time_actual]:-0} - bwta0))
  auditctl -D >/dev/null
  stop_daemon "$HOLDER_PID"
  stop_daemon "$bpid"
  stop_daemon "$cpid"

  local line=''
  for m in base contid; do
    if [[ $m == contid ]]; then count_log "$d/contid/contaudit.log" "$CONTID"; else count_log "$d/base/contaudit.log"; fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t-\t-\t-\t-\n' "paired-$m" "$run" "$WALL" "$RECS" "$TRUERECS" "$lost" "$bwta" "${cpu[$m]}" "${hwm[$m]}" "$backlog_eff" "$WCPU" "$CIDRECS" >>"$RESULTS"
    line="$line  $m$([[ $m == "$reg" ]] && echo ' (audit daemon)' || echo ' (readonly)'): storm recs $RECS (workload $TRUERECS) cpu $(awk -v t="${cpu[$m]}" -v h="$CLK_TCK" 'BEGIN { printf "%.4f", t / h }')s"
    if [[ $m == contid ]]; then
      line="$line contid $CONTID on $CIDRECS of $N"
      [[ $CIDRECS == "$N" ]] || ODD+=("contaudit-paired run $run: only $CIDRECS of the storm's $N execs carry a CONTAINER_ID record with contid $CONTID")
    fi
  done
  printf '  %-16s run %d: wall %7.3fs  lost %d  bwt_actual %d jiffies %s\n' contaudit-paired "$run" "$WALL" "$lost" "$bwta" "$line"
}

# ---- the runs --------------------------------------------------------------
# Each round starts one configuration later than the round before: the
# runs of a round are not alike (the previous daemon's exit, the page
# cache, the VM's neighbours), and a configuration always run second
# would carry that into its ratios.
read -r -a CONFIG_LIST <<<"$CONFIGS"
for ((r = 1; r <= RUNS; r++)); do
  echo "round $r/$RUNS  (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  nc=${#CONFIG_LIST[@]}
  for ((k = 0; k < nc; k++)); do
    cfg=${CONFIG_LIST[$(((r - 1 + k) % nc))]}
    case $cfg in
      noaudit) run_noaudit "$r" ;;
      contaudit-paired)
        if [[ -n ${NA[$cfg]:-} ]]; then
          continue
        fi
        if ! run_paired "$r"; then
          NA[$cfg]=$READY_ERR
          note "$cfg not available: $READY_ERR"
        fi
        ;;
      contaudit | contaudit-hostonly | contaudit-contid | contaudit-cnreader)
        if [[ -n ${NA[$cfg]:-} ]]; then
          continue
        fi
        if ! run_daemon "$cfg" "$r"; then
          NA[$cfg]=$READY_ERR
          note "$cfg not available: $READY_ERR"
        fi
        ;;
      *)
        run_daemon "$cfg" "$r" || die "$READY_ERR"
        ;;
    esac
  done
done

# ---- summary ---------------------------------------------------------------
echo
echo "medians over $RUNS run(s), STORM_N=$N (storm recs: SYSCALL lines with key=\"storm\"; own: those whose ppid is the workload's PID, expected $N)"
summary() {
  # shellcheck disable=SC2016 # the awk program is meant to be in single quotes
  LC_ALL=C awk -F'\t' -v configs="$CONFIGS" -v tck="$CLK_TCK" -v hz="$HZ" -v n_want="$N" -v contid="$CONTID" -v memtest="$MEMTEST" \
    -v na_c="${NA[contaudit]:-}" -v na_cc="${NA[contaudit-contid]:-}" -v na_cn="${NA[contaudit-cnreader]:-}" -v na_ch="${NA[contaudit-hostonly]:-}" -v na_cp="${NA[contaudit-paired]:-}" \
    -f "$ROOT/bench/stats.awk" -f <(printf '%s\n' '
    {
      c = $1; seen[c] = 1
      wall[c] = wall[c] " " $3; wcpu[c] = wcpu[c] " " $11
      if ($6 != "-") {
        lost[c] = lost[c] " " $6
        bwt[c] = bwt[c] " " ($7 * 1000 / hz); cpu[c] = cpu[c] " " ($8 / tck)
        rss[c] = rss[c] " " ($9 / 1024); bl[c] = $10
      }
      if ($4 != "-") {
        recs[c] = recs[c] " " $4; tru[c] = tru[c] " " $5
        cpk[c] = cpk[c] " " ($4 > 0 ? ($8 / tck) * 1000 / $4 : -1)
        if ($4 > 0) cpr[c, $2] = ($8 / tck) * 1000 / $4
        if ($2 + 0 > maxrun) maxrun = $2 + 0
      }
      if ($12 != "-" && $12 != "") {
        if (!(c in cidmin) || $12 + 0 < cidmin[c]) cidmin[c] = $12 + 0
        ncid[c]++
      }
      if ($15 != "-" && $15 != "" && $16 != "-" && $8 > 0) {
        # the receive CPU of cnreader, and its whole CPU, over the CPU
        # of the daemon beside it in the same run
        recvf[c] = recvf[c] " " (($15 / 1e9) / ($8 / tck))
        sidef[c] = sidef[c] " " (($16 / 1e9) / ($8 / tck))
        recvk[c] = recvk[c] " " ($4 > 0 ? ($15 / 1e9) * 1000 / $4 : -1)
      }
      if ($13 != "-" && $13 != "" && $14 != "-" && $14 != "") {
        live[c] = live[c] " " $13; ret[c] = ret[c] " " $14
      }
    }
    END {
      base = ("noaudit" in seen) ? median(wall["noaudit"]) : 0
      cbase = ("noaudit" in seen) ? median(wcpu["noaudit"]) : 0
      printf "%-32s %7s %6s %7s %6s %7s %7s %6s %7s %6s %11s %7s\n", "configuration", "wall s", "ratio", "wl cpu", "ratio", "recs", "own", "lost", "bwt ms", "cpu s", "cpu s/1k ev", "rss MiB"
      # contaudit-paired has a row for each of its two daemons.
      nr = split(configs, cs0, " "); n = 0
      for (i = 1; i <= nr; i++) {
        if (cs0[i] == "contaudit-paired" && ("paired-base" in seen)) { cs[++n] = "paired-base"; cs[++n] = "paired-contid" }
        else cs[++n] = cs0[i]
      }
      for (i = 1; i <= n; i++) {
        c = cs[i]
        if (!(c in seen)) {
          if (c == "contaudit-paired") printf "%-32s not available (%s)\n", c, na_cp
          if (c == "contaudit") printf "%-32s not available (%s)\n", c, na_c
          if (c == "contaudit-contid") printf "%-32s not available (%s)\n", c, na_cc
          if (c == "contaudit-cnreader") printf "%-32s not available (%s)\n", c, na_cn
          if (c == "contaudit-hostonly") printf "%-32s not available (%s)\n", c, na_ch
          continue
        }
        w = median(wall[c]); ratio = base > 0 ? sprintf("%.2fx", w / base) : "-"
        wc = median(wcpu[c]); cratio = cbase > 0 ? sprintf("%.2fx", wc / cbase) : "-"
        if (lost[c] == "") {
          printf "%-32s %7.2f %6s %7.2f %6s %7s %7s %6s %7s %6s %11s %7s\n", desc(c), w, ratio, wc, cratio, "-", "-", "-", "-", "-", "-", "-"
        } else if (recs[c] == "") {
          # The reader: no log to count records in; its CPU per storm exec.
          k = median(cpu[c]) * 1000 / n_want
          printf "%-32s %7.2f %6s %7.2f %6s %7s %7s %6d %7.0f %6.3f %11s %7.1f\n", desc(c), w, ratio, wc, cratio, "-", "-", median(lost[c]), median(bwt[c]), median(cpu[c]), sprintf("%.4f", k), median(rss[c])
        } else {
          k = median(cpk[c]); cpkm[c] = k
          rssm[c] = median(rss[c])
          printf "%-32s %7.2f %6s %7.2f %6s %7d %7d %6d %7.0f %6.3f %11s %7.1f\n", desc(c), w, ratio, wc, cratio, median(recs[c]), median(tru[c]), median(lost[c]), median(bwt[c]), median(cpu[c]), (k < 0 ? "-" : sprintf("%.4f", k)), rssm[c]
        }
      }
      if ("contaudit-contid" in seen) {
        c = "contaudit-contid"
        print ""
        if (c in cidmin)
          printf "contaudit-contid: storm execs whose event has CONTAINER_ID contid=%s: %d of %d in the worst of %d run(s)%s\n", contid, cidmin[c], n_want, ncid[c], (cidmin[c] == n_want ? " (all)" : "  << NOT ALL")
        if (("contaudit" in cpkm) && cpkm["contaudit"] > 0 && (c in cpkm) && cpkm[c] > 0)
          printf "contaudit-contid/contaudit CPU per event: %.2f (issue 4 target: at most 1.05; round by round:%s)\n", cpkm[c] / cpkm["contaudit"], rounds(c, "contaudit")
        if (("contaudit-hostonly" in cpkm) && cpkm["contaudit-hostonly"] > 0 && (c in cpkm) && cpkm[c] > 0)
          printf "contaudit-contid/contaudit-hostonly CPU per event: %.2f (the same daemon, the storm in no container; round by round:%s)\n", cpkm[c] / cpkm["contaudit-hostonly"], rounds(c, "contaudit-hostonly")
        if (live[c] != "") {
          lv = median(live[c]); rt = median(ret[c])
          printf "process table after the storm (daemon metrics, median): %d live + %d retained exited = %d processes", lv, rt, lv + rt
          if (("contaudit" in rssm) && (c in rssm))
            printf "; max RSS contaudit-contid - contaudit = %.1f MiB (the table, its event ring, the control API, the registry and GC headroom)", rssm[c] - rssm["contaudit"]
          print ""
        }
        printf "process table heap per process, TestMemoryPerProcess: %s\n", memtest
      }
      if (("paired-contid" in cpkm) && ("paired-base" in cpkm) && cpkm["paired-base"] > 0) {
        c = "paired-contid"
        print ""
        if (c in cidmin)
          printf "contaudit-paired: storm execs whose event has CONTAINER_ID contid=%s: %d of %d in the worst of %d run(s)%s\n", contid, cidmin[c], n_want, ncid[c], (cidmin[c] == n_want ? " (all)" : "  << NOT ALL")
        printf "contaudit-paired contid/base CPU per event, both daemons reading the same storm (issue 4 target: at most 1.05, read on the median of the ratios run by run): ratio of the medians %.2f; round by round:%s\n", cpkm[c] / cpkm["paired-base"], rounds(c, "paired-base")
        printf "contaudit-paired by which daemon registered: the one without containers (odd rounds) %s; the one with them (even rounds) %s\n", parity(c, "paired-base", 1), parity(c, "paired-base", 0)
      }
      if (("contaudit-hostonly" in cpkm) && ("contaudit" in cpkm) && cpkm["contaudit"] > 0)
        printf "contaudit-hostonly/contaudit CPU per event: %.2f (following the host'"'"'s processes, no container; round by round:%s)\n", cpkm["contaudit-hostonly"] / cpkm["contaudit"], rounds("contaudit-hostonly", "contaudit")
      if (recvf["contaudit-cnreader"] != "") {
        c = "contaudit-cnreader"
        print ""
        printf "proc connector receive cost (cnreader: FORK and EXIT events only, drained every 20 ms, 64 a call, nothing decoded): %.4f s CPU per 1k storm events, %.1f%% of the daemon'"'"'s CPU per event beside it (median; %.1f%% with cnreader'"'"'s own wake-ups): receiving alone adds %.2fx (issue 4 target for everything: at most 1.05)\n", median(recvk[c]), median(recvf[c]) * 100, median(sidef[c]) * 100, 1 + median(recvf[c])
      }
      if (("contaudit" in cpkm) && cpkm["contaudit"] > 0) {
        print ""
        for (i = 1; i <= n; i++) {
          c = cs[i]
          if (c ~ /^auditd/ && (c in cpkm) && cpkm[c] > 0)
            printf "contaudit/%s CPU per event: %.2f\n", c, cpkm["contaudit"] / cpkm[c]
        }
      }
      if (("reader" in seen) && base > 0) {
        rw = median(wall["reader"])
        printf "\nthe kernel'"'"'s own cost (reader, no log): wall %.2fx no audit", rw / base
        for (i = 1; i <= n; i++) {
          c = cs[i]
          if (c != "reader" && c != "noaudit" && (c in seen))
            printf "; %s %.2fx the reader", c, median(wall[c]) / rw
        }
        print ""
      }
    }
    # rounds: the ratio of two configurations CPU per event, round by
    # round, then their median and, from three rounds on, a bootstrap 90%
    # interval of that median (2000 resamples of the rounds, seeded): a
    # run-to-run spread of 10-20% makes a handful of rounds say little.
    function rounds(a, b,   r, out, x, k, i, m, iv) {
      out = ""; k = 0
      for (r = 1; r <= maxrun; r++)
        if (((a, r) in cpr) && ((b, r) in cpr) && cpr[b, r] > 0) {
          x[++k] = cpr[a, r] / cpr[b, r]
          out = out sprintf(" %.2f", x[k])
        }
      if (k < 3) return out
      m = ""
      for (i = 1; i <= k; i++) m = m " " x[i]
      boot90(x, k, iv)
      return out sprintf("; median %.3f, 90%% interval %.3f-%.3f over %d rounds", median(m), iv["lo"], iv["hi"], k)
    }
    # parity: the median ratio of a to b over the rounds r with r % 2 == p.
    function parity(a, b, p,   r, m, k) {
      m = ""; k = 0
      for (r = 1; r <= maxrun; r++)
        if (r % 2 == p && ((a, r) in cpr) && ((b, r) in cpr) && cpr[b, r] > 0) {
          m = m " " cpr[a, r] / cpr[b, r]; k++
        }
      return k ? sprintf("median %.3f over %d", median(m), k) : "no rounds"
    }
    function desc(c) {
      if (c == "paired-base") return "paired: containers off"
      if (c == "paired-contid") return "paired: contid"
      if (c == "noaudit") return "no audit"
      if (c == "auditd64") return "auditd default, backlog 64"
      if (c == "auditd8192") return "auditd default, backlog 8192"
      if (c == "auditdnone") return "auditd flush=none, backlog 8192"
      if (c == "reader") return "reader, no log, backlog 8192"
      if (c == "contaudit") return "contaudit, backlog " bl[c]
      if (c == "contaudit-contid") return "contaudit+contid, backlog " bl[c]
      if (c == "contaudit-hostonly") return "contaudit+containers, backlog " bl[c]
      if (c == "contaudit-cnreader") return "contaudit+cnreader, backlog " bl[c]
      return c
    }
  ') "$RESULTS"
}
summary
for o in "${ODD[@]}"; do
  echo "note: $o"
done
echo "(ratio: median / median of no audit; wl cpu: user+sys CPU of the workload and its children; lost: kernel lost counter delta; bwt ms: backlog_wait_time_actual delta, time tasks slept on a full backlog; cpu: daemon CPU time (all threads, schedstat) during the run; rss: daemon VmHWM)"
