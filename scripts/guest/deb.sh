#!/bin/sh
# Inside the guest of the deb stage (the newest release's tree, booted
# with its kernel, md_overlay=1 so that the root is writable for this run
# only): apt installs the packages that make deb built, DKMS builds the
# module for this kernel, modprobe loads it, the installed tool, the
# installed examples (compiled here with pkg-config) and the Python
# module work on the device, and apt purge leaves no file behind. The
# guest has no network: what the packages depend on is in the tree
# (M_EXTRA in scripts/matrix.sh). Prints TAP.
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/tap.sh"

DEBS=$REPO/build/deb
PKGS="mmapdemo-dkms libmmapdemo1 libmmapdemo-dev mmapdemo-tools python3-mmapdemo"
TOOL=/usr/bin/mmapdemo
W=/tmp/deb-test
mkdir -p "$W"
export DEBIAN_FRONTEND=noninteractive

# The files of the root file system (one file system: the overlay; /tmp,
# /run, /proc, /sys, /dev are mounts of their own).
files() {
	find / -xdev \( -type f -o -type l \) 2>/dev/null | sort
}

plan 16

files >"$W/before"

# libmmapdemo-dev's examples live under /usr/share/doc, which the tree's
# dpkg configuration excludes (scripts/rootfs.sh): include them again.
t_install() {
	set --
	for p in $PKGS; do
		set -- "$@" "$(ls "$DEBS/${p}_"*.deb)"
	done
	apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--path-include=/usr/share/doc/libmmapdemo-dev/* \
		"$@"
}
check "apt-get install the five packages (no network)" t_install

t_dkms() {
	dkms status mmapdemo | grep -q "$(uname -r).*installed"
}
check "DKMS built and installed the module for $(uname -r)" t_dkms
check "modinfo finds it in updates/dkms" \
	sh -c 'modinfo -n mmapdemo | grep -q /updates/dkms/'
check "modprobe mmapdemo" modprobe mmapdemo
check "/dev/mmapdemo is a character device" test -c /dev/mmapdemo
check "sysusers created the group mmapdemo" getent group mmapdemo
check "the installed tool links libmmapdemo.so.1" \
	sh -c "ldd $TOOL | grep -Eq 'libmmapdemo[.]so[.]1 => /(usr/)?lib/'"
check "mmapdemo verify (installed tool)" "$TOOL" verify

t_examples() {
	rm -rf "$W/ex"
	cp -r /usr/share/doc/libmmapdemo-dev/examples "$W/ex" &&
		make -C "$W/ex" &&
		"$W/ex/demo" >"$W/demo.out" &&
		[ "$(grep -c 'both directions shared, no copies' "$W/demo.out")" -eq 2 ]
}
check "installed examples build with pkg-config and demo runs" t_examples

t_prog() {
	cat >"$W/prog.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <mmapdemo/mmapdemo.h>

int main(void)
{
	struct mmapdemo_info info;
	struct mmapdemo *md;

	if (mmapdemo_open(NULL, O_RDWR, &md) < 0 ||
	    mmapdemo_get_info(md, &info) < 0)
		return 1;
	printf("%llu\n", (unsigned long long)info.size);
	mmapdemo_unref(md);
	return 0;
}
C
	# shellcheck disable=SC2046
	cc -Wall -Werror -o "$W/prog" "$W/prog.c" \
		$(pkg-config --cflags --libs libmmapdemo) && "$W/prog"
}
check "a program built with pkg-config --cflags --libs libmmapdemo runs" t_prog

t_python() {
	python3 -c 'import mmapdemo
with mmapdemo.Device() as d, d.map() as m:
    m[0:9] = b"123456789"
    assert d.checksum(0, 9) == 0xE3069283
    print(d.info())'
}
check "python3 -c 'import mmapdemo' uses the device" t_python

# The harness never removes what it did not create: with the package's
# DKMS install in place, the repository's scripts/dkms.sh remove (what
# make dkms-remove and make check's dkms stage run) must refuse in one
# line and leave every file of it as it was.
pkg_state() {
	dpkg -L mmapdemo-dkms | while read -r f; do
		[ ! -f "$f" ] || md5sum "$f"
	done
	find /usr/src/mmapdemo-* /var/lib/dkms/mmapdemo \
		"/lib/modules/$(uname -r)/updates/dkms" 2>/dev/null | sort |
		while read -r f; do
			if [ -f "$f" ] && [ ! -L "$f" ]; then md5sum "$f"; else echo "$f"; fi
		done
	dkms status mmapdemo
}
t_dkms_refuse() {
	pkg_state >"$W/pkg-before"
	rc=0
	"$REPO/scripts/dkms.sh" remove >"$W/refuse.out" 2>"$W/refuse.err" || rc=$?
	cat "$W/refuse.err"
	[ "$rc" -ne 0 ] && [ ! -s "$W/refuse.out" ] &&
		[ "$(wc -l <"$W/refuse.err")" -eq 1 ] &&
		grep -q '^mmapdemo: refusing to remove: a packaged DKMS install is present' \
			"$W/refuse.err"
}
check "scripts/dkms.sh remove refuses, in one line, with the package installed" \
	t_dkms_refuse
t_dkms_untouched() {
	pkg_state >"$W/pkg-after"
	test -s "$W/pkg-before" && diff "$W/pkg-before" "$W/pkg-after" &&
		grep -q '/updates/dkms/mmapdemo\.ko' "$W/pkg-after"
}
check "... and the package's files, DKMS tree and module are untouched" \
	t_dkms_untouched

check "modprobe -r mmapdemo" modprobe -r mmapdemo

t_purge() {
	# shellcheck disable=SC2086
	apt-get purge -y -q $PKGS
}
check "apt-get purge the five packages" t_purge

# What may differ: the package manager's own records and logs, dkms's
# signing key (dkms's, made on its first build), and the backups that
# adding the group mmapdemo made of the user databases (the group
# stays, as Debian does for system groups). All new files are listed in
# OUT/deb-new-files.txt.
t_left() {
	files | comm -13 "$W/before" - >"$OUT/deb-new-files.txt"
	grep -Ev \
		'^/var/(lib/(dpkg|apt)|cache|log)/|^/var/lib/dkms/mok\.(key|pub)$|^/etc/(group|gshadow|passwd|shadow)-$' \
		"$OUT/deb-new-files.txt" >"$W/left"
	[ ! -s "$W/left" ] || { echo "left behind:"; cat "$W/left"; false; }
}
check "apt purge leaves no file behind" t_left

done_testing
