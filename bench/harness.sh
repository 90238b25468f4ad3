# shellcheck shell=bash disable=SC2034 # the functions set variables for their caller
# harness.sh: what the benchmark scripts (execstorm.sh, abcompare.sh) share,
# sourced by them: the kernel's audit state, saved before a run and
# restored after it, and reading a process's CPU time without exec'ing
# anything (inside a measurement window every execve would be audited, and
# the daemons being measured would process it). The caller defines die and
# note (a message on stderr) and WORK (its temp dir).

declare -A SNAP   # the kernel's audit settings before the benchmark
SNAPSHOT=0        # 1 once the kernel state has been saved: restore it on exit

# nap SECONDS: sleep without exec'ing sleep(1): a read that times out on a
# FIFO that never gets data (nap_open creates it).
NAP_FD=
nap_open() {
  mkfifo "$WORK/nap"
  exec {NAP_FD}<>"$WORK/nap"
}
nap() {
  if [[ -n $NAP_FD ]]; then
    read -r -t "$1" -u "$NAP_FD" _ || true
  else
    sleep "$1"
  fi
}

# proc_alive PID: the process exists and is not a zombie.
proc_alive() {
  local line
  [[ -r /proc/$1/stat ]] || return 1
  read -r line <"/proc/$1/stat" 2>/dev/null || return 1
  line=${line##*) }
  [[ ${line:0:1} != Z ]]
}

# proc_cpu PID: sets CPU_TICKS to utime+stime of the whole process (all
# threads), in clock ticks: coarse enough that an idle daemon's
# housekeeping does not move it, which is what waiting for a daemon to go
# still needs.
proc_cpu() {
  local line
  local -a f
  read -r line <"/proc/$1/stat"
  line=${line##*) }
  read -r -a f <<<"$line"
  CPU_TICKS=$((f[11] + f[12]))
}

# proc_cpu_ns PID: sets CPU_NS to the CPU time of all of PID's threads in
# ns (the first field of each /proc/PID/task/TID/schedstat): exact, where
# utime+stime comes in ticks of 10 ms, 20-30 of them a run, which alone
# moved a ratio by several percent. A thread that ended during the run
# would be missed; the daemons keep theirs.
proc_cpu_ns() {
  local f a rest
  CPU_NS=0
  for f in /proc/"$1"/task/*/schedstat; do
    read -r a rest <"$f" 2>/dev/null || continue
    CPU_NS=$((CPU_NS + a))
  done
}

# audit_status: fills ST[] from `auditctl -s`.
declare -A ST
audit_status() {
  local k v rest out
  out=$(auditctl -s) || die "auditctl -s failed"
  ST=()
  while read -r k v rest; do
    [[ -n $k ]] && ST[$k]=$v
  done <<<"$out"
}

# audit_save LOCK: takes the kernel-test lock on fd 9 (children must close
# it: 9>&-), refuses a kernel that another audit daemon owns or that is
# locked or in panic mode, and saves the settings and rules audit_restore
# puts back.
audit_save() {
  local k others
  exec 9>"$1"
  if ! flock -n 9; then
    note "waiting for $1 (a kernel test is running)"
    flock 9
  fi
  audit_status
  [[ ${ST[pid]:-0} == 0 ]] || die "an audit daemon is already registered (pid ${ST[pid]}); stop it first"
  if others=$(pidof auditd); then
    die "auditd is already running (pid $others); stop it first"
  fi
  [[ ${ST[enabled]} != 2 ]] || die "audit configuration is locked (enabled 2); cannot benchmark"
  [[ ${ST[failure]} != 2 ]] || die "failure mode is 2 (panic); refusing to touch this kernel"
  for k in enabled failure rate_limit backlog_limit backlog_wait_time; do
    [[ -n ${ST[$k]:-} ]] || die "auditctl -s did not report $k"
    SNAP[$k]=${ST[$k]}
  done
  auditctl -l | grep -v '^No rules' >"$WORK/rules.snap" || true
  SNAPSHOT=1
}

# audit_restore: puts back what audit_save saved, if it saved anything.
audit_restore() {
  [[ $SNAPSHOT == 1 ]] || return 0
  auditctl -D >/dev/null 2>&1
  if [[ -s $WORK/rules.snap ]]; then
    auditctl -R "$WORK/rules.snap" >/dev/null 2>&1 ||
      note "WARNING: could not reload the saved rules; they are in $WORK/rules.snap"
  fi
  auditctl -f "${SNAP[failure]}" -r "${SNAP[rate_limit]}" -b "${SNAP[backlog_limit]}" \
    --backlog_wait_time "${SNAP[backlog_wait_time]}" >/dev/null 2>&1 ||
    note "WARNING: could not restore failure/rate_limit/backlog_limit/backlog_wait_time"
  auditctl -e "${SNAP[enabled]}" >/dev/null 2>&1 || note "WARNING: could not restore enabled=${SNAP[enabled]}"
  note "kernel audit state restored (enabled ${SNAP[enabled]}, failure ${SNAP[failure]}, rate_limit ${SNAP[rate_limit]}, backlog_limit ${SNAP[backlog_limit]}, backlog_wait_time ${SNAP[backlog_wait_time]}, $(wc -l <"$WORK/rules.snap") rule(s))"
}
