#!/usr/bin/env bash
# pool.sh FILE...: issue 4's comparison pooled over several batches of
# `BENCH_CONFIGS=contaudit-paired bench/execstorm.sh`, whose output was
# saved to the FILEs.
#
# usage: bench/pool.sh batch1.txt batch2.txt ...
#   e.g. for i in 1 2 3; do
#          BENCH_CONFIGS=contaudit-paired STORM_N=10000 BENCH_RUNS=20 \
#            bench/execstorm.sh >"/tmp/paired$i.txt"
#        done
#        bench/pool.sh /tmp/paired?.txt
#
# One batch's median moves by about a point from one batch to the next,
# which is as much as the margin the target leaves, so a claim about the
# target rests on several batches. For each file this prints its rounds'
# median contid/base CPU per event (each round: both daemons reading the
# same storm), then for all the rounds together their median, a bootstrap
# 90% interval of that median (2000 resamples, seeded: the same files give
# the same answer), their geometric mean, and how many rounds were at or
# under the target (1.05). Reads only the run lines; runs nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

(($# > 0)) || { echo "usage: bench/pool.sh EXECSTORM_OUTPUT..." >&2; exit 2; }
for f in "$@"; do
  [[ -r $f ]] || { echo "pool: cannot read $f" >&2; exit 1; }
done

# shellcheck disable=SC2016 # the awk program is meant to be in single quotes
LC_ALL=C awk -v target=1.05 -f "$ROOT/bench/stats.awk" -f <(printf '%s\n' '
  # field returns the number that follows word w in the part p of a run line.
  function field(p, w,   re) {
    re = w " [0-9.]+"
    if (!match(p, re)) return -1
    return substr(p, RSTART + length(w) + 1, RLENGTH - length(w) - 1) + 0
  }
  FNR == 1 { file[++nf] = FILENAME; build[nf] = "?" }
  /^auditd: .*contaudit: / { sub(/.*contaudit: /, ""); build[nf] = $0 }
  / contaudit-paired run [0-9]+:/ {
    b = index($0, " base ("); c = index($0, " contid (")
    if (!b || !c) { bad++; next }
    if (b < c) { pb = substr($0, b, c - b); pc = substr($0, c) } else { pc = substr($0, c, b - c); pb = substr($0, b) }
    rb = field(pb, "storm recs"); cb = field(pb, "cpu")
    rc = field(pc, "storm recs"); cc = field(pc, "cpu")
    if (rb <= 0 || rc <= 0 || cb <= 0 || cc <= 0) { bad++; next }
    x = (cc / rc) / (cb / rb)
    rs[nf] = rs[nf] " " x; n[nf]++
    all = all " " x; k++; x_[k] = x; lsum += log(x); under += (x <= target)
  }
  END {
    if (bad) printf "pool: %d run line(s) without both daemons'"'"' CPU and records, skipped\n", bad > "/dev/stderr"
    for (i = 1; i <= nf; i++) {
      if (n[i]) printf "%-40s build %-14s %3d rounds, median %.4f\n", file[i], build[i], n[i], median(rs[i])
      else printf "%-40s build %-14s no contaudit-paired run lines\n", file[i], build[i]
    }
    if (k < 3) { print "pool: fewer than three rounds in all: nothing to pool" > "/dev/stderr"; exit 1 }
    boot90(x_, k, iv)
    printf "pooled: %d rounds, median contid/base CPU per event %.4f, 90%% interval %.4f-%.4f, geometric mean %.4f, %d of %d rounds at or under %.2f\n", \
      k, median(all), iv["lo"], iv["hi"], exp(lsum / k), under, k, target
  }
') "$@"
