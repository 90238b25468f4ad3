#!/bin/sh
# bench/search.sh: time `contaudit search` against `ausearch` on a large
# log, for bench/search.md.
#
# It builds a log of RECORDS records (default 1,000,000) by repeating a
# real recording (SOURCE: default internal/search/testdata/recorded.log,
# which TestRecordedLogAgainstAusearch -record writes) with every
# repetition moved later in time and renumbered, so events stay distinct
# and in order, and a log of RECORDS/20 records the same way from old-style
# corpora logs. Then it runs each query with --format raw to a file in
# both tools, REPEAT times each (default 3), alternating, checks both
# printed the same number of lines, and prints the best wall time of each
# tool, the ratio (ausearch / contaudit), the CPU time (user + system) of
# that best run, and contaudit's peak resident size. The best of several
# runs is what the tools can do; on a machine shared with other work the
# other runs measure the neighbours. Each log is also indexed once
# (`contaudit index`, timed), and every query runs a third time through
# the index: the "indexed" columns.
#
# usage: bench/search.sh [RECORDS]     (run from the repository root)
set -eu

RECORDS=${1:-1000000}
REPEAT=${REPEAT:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/contaudit-search-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

command -v ausearch >/dev/null || { echo "ausearch not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 1; }
C=$ROOT/../shared/corpora
SOURCE=${SOURCE:-$ROOT/internal/search/testdata/recorded.log}
# A second source: old-style corpora logs (no PROCTITLE, events closed only
# by the timeout), where ausearch keeps many events open.
cat "$C"/security-datasets__*.log "$C"/go-libaudit__testdata__normal.log \
	"$C"/crowdsec-hub__.tests__auditd-base64-exec__auditd-base64-exec.log > "$WORK/corpora.log"

build() { # source records output
	awk -v want="$2" '
	{ lines[NR] = $0 }
	END {
		if (NR == 0) exit 1
		# span of the source in seconds and its largest serial
		for (i = 1; i <= NR; i++) if (match(lines[i], /audit\([0-9]+\.[0-9]+:[0-9]+\)/)) {
			s = substr(lines[i], RSTART + 6, RLENGTH - 7); split(s, a, /[.:]/)
			if (min == "" || a[1] + 0 < min) min = a[1] + 0
			if (a[1] + 0 > max) max = a[1] + 0
			if (a[3] + 0 > maxser) maxser = a[3] + 0
		}
		span = max - min + 3; n = 0
		for (rep = 0; n < want; rep++) for (i = 1; i <= NR && n < want; i++) {
			l = lines[i]
			if (match(l, /audit\([0-9]+\.[0-9]+:[0-9]+\)/)) {
				s = substr(l, RSTART + 6, RLENGTH - 7); split(s, a, /[.:]/)
				l = substr(l, 1, RSTART - 1) sprintf("audit(%d.%s:%d)", a[1] + rep * span, a[2], a[3] + rep * (maxser + 1)) substr(l, RSTART + RLENGTH)
			}
			print l; n++
		}
	}' "$1" > "$3"
	echo "log: $(basename "$1") repeated to $(wc -l < "$3") lines, $(du -m "$3" | cut -f1) MiB"
}

go build -o "$WORK/contaudit" "$ROOT/cmd/contaudit"

# run tool args... ; leaves "wall cpu maxrss_kib" in $WORK/t and the line
# count in $WORK/count
run() {
	# Wall time from the clock in nanoseconds: time's %e has 10 ms steps,
	# too coarse for a search that takes 30 ms.
	t0=$(date +%s%N)
	/usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" > "$WORK/out" 2>/dev/null || true
	t1=$(date +%s%N)
	awk -v ns="$((t1 - t0))" 'END { printf "%.3f %.3f %d\n", ns / 1e9, $2 + $3, $4 }' "$WORK/time" > "$WORK/t"
	wc -l < "$WORK/out" > "$WORK/count"
}

# best keeps the fastest run: best NAME
best() {
	read -r w c m < "$WORK/t"
	if [ ! -s "$WORK/best.$1" ] || [ "$(echo "$w < $(cut -d' ' -f1 "$WORK/best.$1")" | bc -l)" = 1 ]; then
		echo "$w $c $m" > "$WORK/best.$1"
	fi
}

# index log: builds the log's index in $WORK/idx and says what it cost
index() {
	/usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$WORK/contaudit" index --no-progress -if "$1" --index-dir "$WORK/idx" > "$WORK/ixout"
	read -r w u s m < "$WORK/time"
	echo "index of $(basename "$1"): built in ${w} s (cpu $(echo "$u + $s" | bc) s, RSS $((m / 1024)) MiB): $(sed 's/^[^:]*: //' "$WORK/ixout")"
}

table() { # log queries...
	log=$1; shift
	printf '\n%-42s %10s %8s %11s %8s %7s %9s %7s %8s %9s\n' query "ausearch s" "cpu s" "contaudit s" "cpu s" ratio "indexed s" ratio "RSS MiB" "lines"
	for q in "$@"; do
		rm -f "$WORK/best.a" "$WORK/best.c" "$WORK/best.i"
		i=0
		while [ $i -lt "$REPEAT" ]; do
			# shellcheck disable=SC2086
			LC_ALL=C run ausearch --format raw -if "$log" $q; best a; na=$(cat "$WORK/count")
			# shellcheck disable=SC2086
			run "$WORK/contaudit" search --no-progress --no-index --format raw -if "$log" $q; best c; nc=$(cat "$WORK/count")
			# shellcheck disable=SC2086
			run "$WORK/contaudit" search --no-progress --index-dir "$WORK/idx" --format raw -if "$log" $q; best i; ni=$(cat "$WORK/count")
			i=$((i + 1))
		done
		[ "$na" = "$nc" ] && [ "$na" = "$ni" ] || echo "WARNING: $q: ausearch printed $na lines, contaudit $nc, through the index $ni" >&2
		read -r wa ca _ < "$WORK/best.a"
		read -r wc cc mc < "$WORK/best.c"
		read -r wi _ _ < "$WORK/best.i"
		printf '%-42s %10.3f %8.2f %11.3f %8.2f %6.1fx %9.3f %6.1fx %8d %9s\n' "$q" "$wa" "$ca" "$wc" "$cc" \
			"$(echo "$wa / $wc" | bc -l)" "$wi" "$(echo "$wa / $wi" | bc -l)" "$((mc / 1024))" "$nc"
	done
}

echo "building the logs..."
build "$SOURCE" "$RECORDS" "$WORK/audit.log"
build "$WORK/corpora.log" "$((RECORDS / 20))" "$WORK/old.log"
# The floor of a query that prints most of the log: copying the log to a
# file, with no parsing at all.
floor() {
	best=""
	for _ in 1 2 3; do
		t0=$(date +%s%N); cat "$1" > "$WORK/out"; t1=$(date +%s%N)
		w=$(( (t1 - t0) / 1000000 ))
		[ -z "$best" ] || [ "$w" -lt "$best" ] && best=$w
	done
	echo "floor: cat $(basename "$1") > file takes ${best} ms (best of 3): a query that prints all of it cannot take less"
}
index "$WORK/audit.log"
index "$WORK/old.log"
floor "$WORK/audit.log"
echo "host: $(nproc) cores, $(uname -r); ausearch $(ausearch -v 2>&1 | head -1); load $(cut -d' ' -f1-3 /proc/loadavg); best of $REPEAT"

echo
echo "1) a real recording (auditd 3.0.9, ENRICHED), ${RECORDS} records"
# A minute in the middle of the log, in local time as both tools read it.
mid=$(awk -v n="$((RECORDS / 2))" 'NR == n { match($0, /audit\([0-9]+/); print substr($0, RSTART + 6, RLENGTH - 6); exit }' "$WORK/audit.log")
window="-ts $(date -d "@$mid" '+%m/%d/%y %H:%M:%S') -te $(date -d "@$((mid + 60))" '+%m/%d/%y %H:%M:%S')"
table "$WORK/audit.log" "-m SYSCALL" "-k ca_exec -sv yes" "-ua 0 -sc execve" "-k nomatch" "$window" \
	"-x /usr/bin/ls -ts 01/01/10 -te 01/01/30" "-p 4242" "-a 385470"

echo
echo "2) old-style logs whose events close only by timeout, $((RECORDS / 20)) records"
table "$WORK/old.log" "-m SYSCALL" "-k nomatch"
