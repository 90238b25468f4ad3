#!/usr/bin/env bash
# The demo: runs contaudit as the kernel's audit daemon with a small rule
# set, runs a workload it audits, shows the log, stops the daemon and checks
# that the kernel's audit state is as it was before.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/bin/contaudit
demo=/tmp/contaudit-demo
[ "$(id -u)" = 0 ] || { echo "demo: run as root (sudo make demo)" >&2; exit 1; }
# Take the lock the kernel tests take, so the demo never overlaps them.
mkdir -p /run/lock
exec 9>/run/lock/contaudit-kerneltest.lock
flock 9

before=$("$bin" status | grep -E '^(enabled|pid|backlog_limit) ')
if [ "$(echo "$before" | awk '$1=="pid"{print $2}')" != 0 ]; then
  echo "demo: another audit daemon is registered ($(echo "$before" | grep ^pid)); stop it first" >&2
  exit 1
fi

rm -rf "$demo"; mkdir -p "$demo/log" "$demo/watched"
echo secret > "$demo/secret"
sed -e "s|^log_file = .*|log_file = $demo/log/audit.log|" \
    -e "s|^contaudit_restore_on_exit = .*|contaudit_restore_on_exit = yes|" \
    -e "s|^contaudit_metrics_listen = .*|contaudit_metrics_listen = unix:$demo/metrics.sock|" \
    examples/contaudit.conf > "$demo/contaudit.conf"
printf 'contaudit_control_socket = %s\ncontaudit_state_file = %s\n' "$demo/control.sock" "$demo/contid.json" >> "$demo/contaudit.conf"
export CONTAUDIT_CONTROL_SOCKET=$demo/control.sock

echo "== starting: contaudit daemon --config $demo/contaudit.conf --rules examples/demo.rules"
"$bin" daemon --config "$demo/contaudit.conf" --rules examples/demo.rules 2> "$demo/daemon.log" &
daemon=$!
cleanup() { kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 50); do
  [ "$("$bin" status | awk '$1=="pid"{print $2}')" = "$daemon" ] && break
  sleep 0.1
done
"$bin" status | sed 's/^/   /'

echo "== workload: ls, id, a write under the watched dir, a change to the watched file"
ls / > /dev/null
id > /dev/null
echo hello > "$demo/watched/hello.txt"
chmod 600 "$demo/secret"

echo "== a container: contaudit contid run 4242 --name demo -- sh -c 'ls /; contaudit contid ls'"
"$bin" contid run --name demo 4242 -- sh -c "ls / > /dev/null; '$bin' contid ls" | sed 's/^/   /'
sleep 0.5

echo "== metrics (curl --unix-socket $demo/metrics.sock http://x/metrics)"
curl -s --unix-socket "$demo/metrics.sock" http://x/metrics 2>/dev/null | grep -E '^contaudit_(records|events|kernel_lost)' | sed 's/^/   /' || true

echo "== stopping the daemon (SIGTERM)"
kill -TERM "$daemon"; wait "$daemon" || { echo "daemon exited with an error:"; cat "$demo/daemon.log"; exit 1; }
trap - EXIT

echo "== the log: $demo/log/audit.log ($(wc -l < "$demo/log/audit.log") lines); the audited events:"
grep -E 'key="(exec|secret-file|demo-write)"' "$demo/log/audit.log" | grep -E 'comm="(ls|id|chmod|bash)"' | cut -c1-220 | tr '\035' '|' | sed 's/^/   /' | head -8
grep -E '^type=DAEMON_(START|END)' "$demo/log/audit.log" | tr '\035' '|' | sed 's/^/   /'

echo "== contaudit search -if $demo/log/audit.log --contid 4242 -c ls   (the container's ls: SYSCALL record=1 and its CONTAINER_ID)"
"$bin" search -if "$demo/log/audit.log" --contid 4242 -c ls --format raw | grep -E '^type=(SYSCALL|CONTAINER_ID)' | cut -d$'\035' -f1 | sed -E 's/(syscall=[0-9]+).*( pid=[0-9]+).*( comm="[^"]*").*( key=[^ ]+)( record=[0-9]+)$/\1 ...\2 ...\3 ...\4\5/; s/^/   /'
grep -E '^type=CONTAINER_OP ' "$demo/log/audit.log" | cut -d$'\035' -f1 | sed 's/^/   /'
echo "== contaudit search -if $demo/log/audit.log -k secret-file -i   (ausearch's options and output)"
"$bin" search -if "$demo/log/audit.log" -k secret-file -i | sed 's/^/   /' | cut -c1-200
echo "== contaudit index -if $demo/log/audit.log --index-dir $demo/index --segment-size 512   (an index for search)"
"$bin" index -if "$demo/log/audit.log" --index-dir "$demo/index" --segment-size 512 --no-progress | sed 's/^/   /'
whole=$("$bin" search -if "$demo/log/audit.log" -k secret-file --format raw --no-index | md5sum)
indexed=$("$bin" search -if "$demo/log/audit.log" -k secret-file --format raw --index-dir "$demo/index" | md5sum)
if [ "$whole" = "$indexed" ]; then
  echo "   contaudit search -k secret-file --index-dir $demo/index: the same output as reading the whole log"
else
  echo "demo: search through the index differs from a whole read" >&2
  exit 1
fi
echo "== contaudit report -if $demo/log/audit.log -x --summary   (aureport's reports)"
"$bin" report -if "$demo/log/audit.log" -x --summary | sed 's/^/   /' | head -12

after=$("$bin" status | grep -E '^(enabled|pid|backlog_limit) ')
if [ "$before" != "$after" ]; then
  echo "demo: kernel audit state changed: before [$before] after [$after]" >&2
  exit 1
fi
echo "== kernel audit state restored: $(echo $after)"
