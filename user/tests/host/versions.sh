#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# TAP: the one version in dkms.conf, MODULE_VERSION (driver/main.c), the
# library's VERSION (user/Makefile) and debian/changelog agree
# (scripts/dkms.sh check-version), and the check fails when one differs.
#
# Environment: SRC (the user/ directory).  Wrapped as tests/host/test_versions.
: "${SRC:?}"
root=$(cd "$SRC/.." && pwd)
echo "1..2"
if out=$("$root/scripts/dkms.sh" check-version 2>&1); then
	echo "ok 1 - dkms.conf, MODULE_VERSION, user/Makefile, debian/changelog agree"
else
	echo "not ok 1 - dkms.conf, MODULE_VERSION, user/Makefile, debian/changelog agree"
	echo "$out" | sed 's/^/#   /'
fi
# A copy with another Debian changelog version must fail the check.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmapdemo-ver.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/scripts" "$tmp/driver" "$tmp/user" "$tmp/debian"
cp "$root/scripts/dkms.sh" "$root/scripts/lib.sh" "$tmp/scripts/"
cp "$root/dkms.conf" "$tmp/"
cp "$root/driver/main.c" "$tmp/driver/"
cp "$root/user/Makefile" "$tmp/user/"
sed '1s/(\([^)]*\))/(\1.1-1)/' "$root/debian/changelog" >"$tmp/debian/changelog"
if "$tmp/scripts/dkms.sh" check-version >/dev/null 2>&1; then
	echo "not ok 2 - a debian/changelog version that differs fails the check"
else
	echo "ok 2 - a debian/changelog version that differs fails the check"
fi
