#!/bin/sh
# Regenerates zz_libaudit.go from the installed libaudit (apt-get install
# libaudit-dev). Run from internal/abi via go generate.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O1 -o "$tmp/gen" gen/libaudit_tables.c -laudit
"$tmp/gen" > "$tmp/out.go"
gofmt "$tmp/out.go" > zz_libaudit.go
