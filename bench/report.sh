#!/usr/bin/env bash
# Times `contaudit report` against `aureport` on one big log built by
# repeating the shared corpora's logs with renumbered serials and shifted
# times (so that no two copies share an event), and prints the ratio.
#
#   bench/report.sh                 # ~1M records
#   RECORDS=200000 bench/report.sh  # smaller, for a quick look
#   REPORTS="-x --summary" bench/report.sh
#
# Needs: go, perl, aureport (Debian's auditd package). See bench/report.md.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
corpora=${CORPORA:-$here/../shared/corpora}
records=${RECORDS:-1000000}
reports=${REPORTS:-""}
work=$(mktemp -d /tmp/contaudit-report-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -d "$corpora" ] || { echo "no corpora at $corpora" >&2; exit 1; }
command -v aureport >/dev/null || { echo "aureport not found (apt-get install auditd)" >&2; exit 1; }

# Logs written by auditd in time order; the shuffled test files of
# go-libaudit and the oversized OMS record would measure oddities instead.
base=(
  "$corpora"/audit-userspace__auparse__test__test*.log
  "$corpora"/crowdsec-hub__*.log
  "$corpora"/go-libaudit__testdata__normal.log
  "$corpora"/go-libaudit__auparse__testdata__audit-ubuntu17.log
  "$corpora"/oms-auditd-plugin__TestEventData.cpp__raw_test_events.log
  "$corpora"/security-datasets__*.log
)

echo "building a log of ~$records records from ${#base[@]} corpus logs..."
perl -e '
  my $want = shift;
  # Each log is moved to start 10 s after the one before, so that time runs
  # forward through the set as it does in a real log; each copy of the set
  # moves on by its span plus 10 s, so copies never merge into one event.
  # Serials are renumbered densely, in order of first appearance, as one
  # kernel would hand them out: gaps would be counted as lost events.
  my (@lines, $cursor);
  for my $f (@ARGV) {
    open(my $fh, "<", $f) or die "$f: $!";
    my @l = grep { /audit\(\d+\.\d+:\d+\)/ } <$fh>;
    my ($min, $max) = (9e18, 0);
    for (@l) { /audit\((\d+)\./; $min = $1 if $1 < $min; $max = $1 if $1 > $max; }
    for (@l) {
      my $o = $_;
      $o .= "\n" unless $o =~ /\n\z/; # a last line without one
      $o =~ s/audit\((\d+)\./"audit(" . ($1 - $min + $cursor) . "."/e;
      push @lines, $o;
    }
    $cursor += $max - $min + 10;
  }
  my (%dense, $next);
  for (@lines) { /audit\(\d+\.\d+:(\d+)\)/; $dense{$1} //= $next++; }
  my $n = 0;
  for (my $k = 0; $n < $want; $k++) {
    for my $l (@lines) {
      my $o = $l;
      $o =~ s/audit\((\d+)\.(\d+):(\d+)\)/"audit(" . (1600000000 + $1 + $k * $cursor) . ".$2:" . (1 + $dense{$3} + $k * $next) . ")"/e;
      print $o;
      last if ++$n >= $want;
    }
  }
' "$records" "${base[@]}" > "$work/audit.log"
[ -n "${KEEP:-}" ] && cp "$work/audit.log" "$KEEP"
size=$(stat -c %s "$work/audit.log")
echo "log: $(wc -l < "$work/audit.log") records, $((size / 1024 / 1024)) MiB"

(cd "$here" && go build -o "$work/contaudit" ./cmd/contaudit)

now() { date +%s.%N; }
run() { # name, command...
  local t0 t1
  t0=$(now)
  "${@:2}" > "$work/$1.out" 2>&1 || true
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}

# LC_ALL=C: aureport prints dates with %x.
export LC_ALL=C
# shellcheck disable=SC2086
tc=$(run contaudit "$work/contaudit" report -if "$work/audit.log" $reports)
# shellcheck disable=SC2086
ta=$(run aureport aureport -if "$work/audit.log" $reports)

mb=$(echo "$size / 1048576" | bc -l)
printf 'contaudit report %s: %6.2f s  %7.1f MB/s\n' "$reports" "$tc" "$(echo "$mb / $tc" | bc -l)"
printf 'aureport        %s: %6.2f s  %7.1f MB/s\n' "$reports" "$ta" "$(echo "$mb / $ta" | bc -l)"
printf 'ratio (aureport time / contaudit time): %.1fx\n' "$(echo "$ta / $tc" | bc -l)"
# Per-event lines come in the order events end, which differs (docs/report.md):
# compare them as sets, numbering left out.
norm() { grep -v '^Range\|^Selected' "$1" | sed 's/^[0-9]*\. //' | sort; }
if diff <(norm "$work/contaudit.out") <(norm "$work/aureport.out") > "$work/diff"; then
  echo "reports agree (per-event lines compared as sets)"
else
  echo "reports differ:"; head -20 "$work/diff"
fi
