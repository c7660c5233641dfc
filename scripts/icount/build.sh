#!/bin/bash
# scripts/icount/build.sh OUT.so: the counting plugin (icount.c) built
# against the qemu-plugin.h of the installed QEMU (scripts/icount/header.sh)
# and GLib (libglib2.0-dev). Rebuilt only when its inputs changed. On
# failure: one line on stderr, exit 1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
so=${1:?usage: build.sh OUT.so}
hdr=$("$here/header.sh") || exit 1
pkg-config --exists glib-2.0 2>/dev/null ||
	{ echo "icount: GLib's headers are missing (apt-get install libglib2.0-dev)" >&2; exit 1; }
if [[ -f $so && $so -nt $here/icount.c && $so -nt $hdr/qemu-plugin.h ]]; then
	exit 0
fi
mkdir -p "$(dirname "$so")"
# shellcheck disable=SC2046
if ! cc -shared -fPIC -O2 -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
		-I"$hdr" $(pkg-config --cflags glib-2.0) -o "$so.tmp" \
		"$here/icount.c" $(pkg-config --libs glib-2.0) 2>"$so.log"; then
	echo "icount: the plugin does not build: $(grep -m1 error "$so.log") (log: $so.log)" >&2
	exit 1
fi
mv "$so.tmp" "$so"
