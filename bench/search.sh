#!/bin/sh
# bench/search.sh: time `contaudit search` against `ausearch` on a large
# log, for bench/search.md.
#
# It builds a log of RECORDS records (default 1,000,000) by repeating a
# real recording (SOURCE: default internal/search/testdata/recorded.log,
# which TestRecordedLogAgainstAusearch -record writes) with every
# repetition moved later in time and renumbered, so events stay distinct
# and in order, and a log of RECORDS/20 records the same way from old-style
# corpora logs. Then it runs each query with --format raw to /dev/null in
# both tools, checks both printed the same number of lines, and prints the
# wall times and ratios (ausearch / contaudit).
#
# usage: bench/search.sh [RECORDS]     (run from the repository root)
set -eu

RECORDS=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/contaudit-search-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

command -v ausearch >/dev/null || { echo "ausearch not installed" >&2; exit 1; }
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

now() { date +%s.%N; }
run() { # tool args... ; prints seconds and leaves the line count in $WORK/count
	t0=$(now)
	"$@" > "$WORK/out" 2>/dev/null || true
	t1=$(now)
	wc -l < "$WORK/out" > "$WORK/count"
	echo "$t1 - $t0" | bc -l
}

table() { # log queries...
	log=$1; shift
	printf '\n%-44s %11s %12s %8s %9s\n' query "ausearch s" "contaudit s" ratio "lines"
	for q in "$@"; do
		# shellcheck disable=SC2086
		ta=$(LC_ALL=C run ausearch --format raw -if "$log" $q); na=$(cat "$WORK/count")
		# shellcheck disable=SC2086
		tc=$(run "$WORK/contaudit" search --no-progress --format raw -if "$log" $q); nc=$(cat "$WORK/count")
		[ "$na" = "$nc" ] || echo "WARNING: $q: ausearch printed $na lines, contaudit $nc" >&2
		printf '%-44s %11.2f %12.2f %7.1fx %9s\n' "$q" "$ta" "$tc" "$(echo "$ta / $tc" | bc -l)" "$nc"
	done
}

echo "building the logs..."
build "$SOURCE" "$RECORDS" "$WORK/audit.log"
build "$WORK/corpora.log" "$((RECORDS / 20))" "$WORK/old.log"
echo "host: $(nproc) cores, $(uname -r); ausearch $(ausearch -v 2>&1 | head -1)"

echo
echo "1) a real recording (auditd 3.0.9, ENRICHED), ${RECORDS} records"
table "$WORK/audit.log" "-m SYSCALL" "-k ca_exec -sv yes" "-ua 0 -sc execve" "-k nomatch" \
	"-x /usr/bin/ls -ts 01/01/10 -te 01/01/30"

echo
echo "2) old-style logs whose events close only by timeout, $((RECORDS / 20)) records"
table "$WORK/old.log" "-m SYSCALL" "-k nomatch"
