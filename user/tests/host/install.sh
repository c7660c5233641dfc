#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# TAP: "make install" into a staging DESTDIR, from a build directory of
# its own as a new user would start, gives a working library, header,
# pkg-config file, tool, man pages and udev rule, and "make uninstall"
# takes all of it away again.
#
# Environment: SRC (the user/ directory), optionally MAKE and CC.  The
# Makefile wraps this as tests/host/test_install.

MAKE=${MAKE:-make}
: "${SRC:?}"
stage=$(mktemp -d "${TMPDIR:-/tmp}/mmapdemo-stage.XXXXXX") || exit 1
trap 'rm -rf "$stage"' EXIT
n=0
log=$stage/log
dest=$stage/root

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	[ -f "$log" ] && sed 's/^/#   /' "$log"
	: >"$log"
}

check() {
	name=$1
	shift
	if "$@" >"$log" 2>&1; then ok "$name"; else not_ok "$name"; fi
}

# check_with TOOL NAME CMD...: check, where TOOL is installed; a SKIP
# (which make check counts against the run) where it is not.
check_with() {
	tool=$1
	shift
	if command -v "$tool" >/dev/null; then
		check "$@"
	else
		n=$((n + 1))
		echo "ok $n - $1 # SKIP no $tool"
	fi
}

echo "1..15"

check "make install DESTDIR PREFIX=/usr" \
	$MAKE -C "$SRC" O="$stage/build" DESTDIR="$dest" PREFIX=/usr install

files="usr/bin/mmapdemo
usr/lib/libmmapdemo.so.1.0.0
usr/lib/libmmapdemo.so.1
usr/lib/libmmapdemo.so
usr/lib/libmmapdemo.a
usr/lib/pkgconfig/libmmapdemo.pc
usr/include/mmapdemo/mmapdemo.h
usr/include/mmapdemo/mmapdemo_uapi.h
usr/share/man/man1/mmapdemo.1
usr/share/man/man3/libmmapdemo.3
usr/share/man/man3/mmapdemo_open.3
usr/share/man/man3/mmapdemo_map.3
usr/lib/udev/rules.d/60-mmapdemo.rules
usr/share/doc/mmapdemo/examples/Makefile
usr/share/doc/mmapdemo/examples/demo.c
usr/share/doc/mmapdemo/examples/ring_stream.c"
missing=
for f in $files; do
	[ -e "$dest/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
	ok "installed files"
else
	echo "#   missing:$missing" >"$log"
	not_ok "installed files"
fi

check "udev rule" grep -qxF \
	'KERNEL=="mmapdemo|mmapdemo[0-9]*", GROUP="mmapdemo", MODE="0660"' \
	"$dest/usr/lib/udev/rules.d/60-mmapdemo.rules"

cat >"$stage/prog.c" <<'PROG'
#include <stdio.h>
#include <mmapdemo/mmapdemo.h>

int main(void)
{
	struct mmapdemo *md;
	int err = mmapdemo_open("/nonexistent", O_RDONLY, &md);

	printf("%08x %d %s\n", mmapdemo_crc32c(0, "123456789", 9),
	       MMAPDEMO_ABI_VERSION, mmapdemo_strerror(err));
	return 0;
}
PROG
sed -i '1i #include <fcntl.h>' "$stage/prog.c"
want="e3069283 1 device not found (module not loaded?)"

pc() {
	PKG_CONFIG_LIBDIR=$dest/usr/lib/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$dest pkg-config "$@" libmmapdemo
}

build_shared() {
	# shellcheck disable=SC2046
	${CC:-cc} -Wall -Werror -o "$stage/prog" "$stage/prog.c" \
		$(pc --cflags) $(pc --libs) &&
	[ "$(LD_LIBRARY_PATH=$dest/usr/lib "$stage/prog")" = "$want" ]
}
check "pkg-config, header and shared library work from DESTDIR" build_shared

build_static() {
	# shellcheck disable=SC2046
	${CC:-cc} -Wall -Werror -o "$stage/prog-static" "$stage/prog.c" \
		$(pc --cflags) "$dest/usr/lib/libmmapdemo.a" &&
	[ "$("$stage/prog-static")" = "$want" ]
}
check "static library works from DESTDIR" build_static

# The ABI header builds where the kernel's own uapi headers do: C90 with
# -pedantic (no inline, no long long constants, no trailing enum comma),
# and C++98.
uapi_c90() {
	printf '%s\n' '#include <mmapdemo/mmapdemo_uapi.h>' \
		'int main(void) { return mmapdemo_pattern_byte(1, 2) != 0xcb; }' \
		>"$stage/c90.c" &&
	${CC:-cc} -std=c90 -pedantic -Werror -Wall -Wextra \
		-I"$dest/usr/include" -o "$stage/c90" "$stage/c90.c" &&
	"$stage/c90" &&
	${CXX:-c++} -std=c++98 -pedantic -Werror -Wall -x c++ \
		-I"$dest/usr/include" -fsyntax-only "$stage/c90.c"
}
check "mmapdemo_uapi.h compiles with -std=c90 -pedantic and C++98" uapi_c90

check "pkg-config version" test "$(pc --modversion)" != ""

check "installed tool runs" \
	env LD_LIBRARY_PATH="$dest/usr/lib" "$dest/usr/bin/mmapdemo" --version

check "installed tool links the shared library" \
	sh -c "readelf -d '$dest/usr/bin/mmapdemo' | grep -q 'NEEDED.*libmmapdemo.so.1'"

check "installed tool has no RUNPATH" \
	sh -c "! readelf -d '$dest/usr/bin/mmapdemo' | grep -Eq 'RPATH|RUNPATH'"

check "install builds no test" test ! -e "$stage/build/tests"

# The installed examples, copied as a reader would, built with their own
# Makefile through pkg-config.
examples() {
	cp -r "$dest/usr/share/doc/mmapdemo/examples" "$stage/ex" &&
	PKG_CONFIG_LIBDIR=$dest/usr/lib/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$dest \
	$MAKE -C "$stage/ex" CFLAGS="-O2 -Werror" &&
	[ -x "$stage/ex/demo" ] && [ -x "$stage/ex/ring_bench" ] &&
	LD_LIBRARY_PATH=$dest/usr/lib "$stage/ex/demo" 2>&1 |
		grep -q 'device not found'
}
check "installed examples build with pkg-config" examples

# .so links are resolved by soelim relative to the man root.
man_ok() (
	cd "$dest/usr/share/man" || exit 1
	for page in man?/*; do
		out=$(groff -s -t -man -Tutf8 -ww -z "$page" 2>&1)
		[ -z "$out" ] || { echo "$page: $out"; exit 1; }
	done
)
check_with groff "man pages format without warnings" man_ok

# The EXAMPLE's code, rendered: one level of indent is 8 columns, as in
# the source (a table's tab stops once pushed it to ~40).
example_indent() {
	out=$(groff -t -man -Tutf8 "$dest/usr/share/man/man3/libmmapdemo.3" |
		sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
	brace=$(printf '%s\n' "$out" | grep -m1 '^ *{$') &&
	body=$(printf '%s\n' "$out" | grep -m1 'struct mmapdemo_info info;') &&
	b=${brace%%\{*} && s=${body%%struct*} &&
	[ $((${#s} - ${#b})) -eq 8 ] || {
		echo "EXAMPLE indent: '{' at ${#b}, body at ${#s}"
		false
	}
}
check_with groff "libmmapdemo(3) EXAMPLE indents by 8 columns" example_indent

uninstall() {
	$MAKE -C "$SRC" O="$stage/build" DESTDIR="$dest" PREFIX=/usr uninstall &&
	left=$(find "$dest" ! -type d) &&
	{ [ -z "$left" ] || { echo "left behind: $left"; false; }; }
}
check "make uninstall removes everything" uninstall
