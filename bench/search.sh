#!/bin/sh
# bench/search.sh: time `contaudit search` against `ausearch` on a large
# log, for bench/search.md.
#
# It builds a log of about RECORDS records (default 1,000,000) by repeating
# a real recording (SOURCE: default internal/search/testdata/recorded.log,
# which TestRecordedLogAgainstAusearch -record writes; else the time-ordered
# corpora logs) with every repetition moved later in time and renumbered,
# so events stay distinct and in order. Then it runs each query with
# --format raw to /dev/null in both tools, checks both printed the same
# number of lines, and prints the times and ratios.
#
# usage: bench/search.sh [RECORDS]     (run from the repository root)
set -eu

RECORDS=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/contaudit-search-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

command -v ausearch >/dev/null || { echo "ausearch not installed" >&2; exit 1; }
SOURCE=${SOURCE:-$ROOT/internal/search/testdata/recorded.log}
if [ ! -s "$SOURCE" ]; then
	C=$ROOT/../shared/corpora
	SOURCE=$WORK/source.log
	cat "$C"/security-datasets__*.log "$C"/go-libaudit__testdata__normal.log \
		"$C"/crowdsec-hub__.tests__auditd-base64-exec__auditd-base64-exec.log > "$SOURCE"
fi

echo "building a ${RECORDS}-record log from $(basename "$SOURCE") ($(wc -l < "$SOURCE") lines)..."
awk -v want="$RECORDS" '
	{ lines[NR] = $0 }
	END {
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
	}' "$SOURCE" > "$WORK/audit.log"
echo "log: $(wc -l < "$WORK/audit.log") lines, $(du -m "$WORK/audit.log" | cut -f1) MiB"

go build -o "$WORK/contaudit" "$ROOT/cmd/contaudit"

now() { date +%s.%N; }
run() { # tool args... ; prints seconds and leaves the line count in $WORK/count
	t0=$(now)
	"$@" > "$WORK/out" 2>/dev/null || true
	t1=$(now)
	wc -l < "$WORK/out" > "$WORK/count"
	echo "$t1 - $t0" | bc -l
}

printf '\n%-40s %12s %12s %8s %10s\n' query "ausearch s" "contaudit s" ratio "lines"
for q in "-m SYSCALL" "-k ca_exec -sv yes" "-ua 0 -sc execve" "-ts 01/01/10 -te 01/01/30 -x /usr/bin/ls"; do
	# shellcheck disable=SC2086
	ta=$(LC_ALL=C run ausearch --format raw -if "$WORK/audit.log" $q); na=$(cat "$WORK/count")
	# shellcheck disable=SC2086
	tc=$(run "$WORK/contaudit" search --no-progress --format raw -if "$WORK/audit.log" $q); nc=$(cat "$WORK/count")
	[ "$na" = "$nc" ] || echo "WARNING: $q: ausearch printed $na lines, contaudit $nc" >&2
	printf '%-40s %12.2f %12.2f %7.1fx %10s\n' "$q" "$ta" "$tc" "$(echo "$ta / $tc" | bc -l)" "$nc"
done
