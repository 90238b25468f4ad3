#!/usr/bin/env bash
# Installs what contaudit's build, tests, demo and benchmarks need on a fresh
# Debian 12 machine: Debian's auditd (auditctl/ausearch/auditd are the
# reference we compare against), runc and a static busybox for container
# tests, libaudit-dev to regenerate ABI tables, Go modules and staticcheck.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for p in auditd libaudit-dev runc busybox-static curl gcc; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  # Keep apt from starting Debian's auditd: it would take the kernel's audit
  # registration that contaudit and its tests need.
  added_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d
fi
if pgrep -x auditd >/dev/null; then
  echo "setup: Debian's auditd is running and holds the audit registration; stop it (systemctl stop auditd) first" >&2
  exit 1
fi

export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH)/bin"
go mod download
if ! command -v staticcheck >/dev/null; then
  GOFLAGS=-mod=mod go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
