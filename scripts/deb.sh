#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the Debian packages (debian/) into build/deb/, from a copy of the
# source tree (the files git knows, committed or not), so that the
# checkout stays clean: dpkg-buildpackage -us -uc -b, then lintian.
#
# usage: scripts/deb.sh [--no-lintian]
#   build/deb/*.deb, *.changes, *.buildinfo; build/deb/lintian.txt
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

lintian=1
[[ ${1:-} == --no-lintian ]] && lintian=0
out=$MMAPDEMO_ROOT/build/deb
ver=$(dpkg-parsechangelog -l "$MMAPDEMO_ROOT/debian/changelog" -S Version)
src=$out/src/mmapdemo-$ver

"$MMAPDEMO_ROOT/scripts/dkms.sh" check-version
rm -rf "$out"
mkdir -p "$src"
(cd "$MMAPDEMO_ROOT" && git ls-files -z -co --exclude-standard |
	xargs -0 cp --parents -t "$src/" 2>/dev/null) || {
	# Not a git checkout: everything but build/.
	(cd "$MMAPDEMO_ROOT" && tar --exclude=./build -cf - .) | tar -C "$src" -xf -
}
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	tail -40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed, see $out/build.log" >&2
	exit 1
}
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
rm -rf "$out/src"
ls "$out"/*.deb

# Without installing anything on this host: unpack the user-space
# packages into a root of their own and build the installed examples
# there with their Makefile (pkg-config), and import the Python module.
stage=$out/stage
rm -rf "$stage"
for p in libmmapdemo1 libmmapdemo-dev mmapdemo-tools python3-mmapdemo; do
	dpkg-deb -x "$out/${p}_${ver}_"*.deb "$stage"
done
multi=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
cp -r "$stage/usr/share/doc/libmmapdemo-dev/examples" "$stage/ex"
if ! PKG_CONFIG_LIBDIR=$stage/usr/lib/$multi/pkgconfig \
		PKG_CONFIG_SYSROOT_DIR=$stage make -s -C "$stage/ex" \
		>"$out/examples.log" 2>&1 ||
	! LD_LIBRARY_PATH=$stage/usr/lib/$multi "$stage/usr/bin/mmapdemo" \
		--version >>"$out/examples.log" 2>&1 ||
	! PYTHONPATH=$stage/usr/lib/python3/dist-packages /usr/bin/python3 -c \
		'import mmapdemo; print(hex(mmapdemo.IOC_INFO))' \
		>>"$out/examples.log" 2>&1; then
	cat "$out/examples.log" >&2
	echo "deb: the unpacked packages do not work" >&2
	exit 1
fi
rm -rf "$stage"
echo "deb: examples build from libmmapdemo-dev, tool and python module run"
if ((lintian)); then
	# --fail-on warning: an error or a warning fails; info and pedantic
	# tags are listed only.
	if ! lintian --fail-on error,warning --info "$out"/*.changes \
			>"$out/lintian.txt" 2>&1; then
		cat "$out/lintian.txt" >&2
		echo "deb: lintian reports errors or warnings" >&2
		exit 1
	fi
	cat "$out/lintian.txt"
	echo "deb: lintian clean (no error, no warning)"
fi
