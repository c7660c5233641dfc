#!/bin/bash
# DKMS packaging helpers, for "make dkms-install", "make dkms-remove" and
# the dkms stage of scripts/check.sh.
#
# usage: scripts/dkms.sh COMMAND [KVER]
#   version        print PACKAGE_VERSION from dkms.conf
#   check-version  dkms.conf, MODULE_VERSION in driver/main.c, the
#                  user-space VERSION (user/Makefile) and the upstream
#                  part of debian/changelog's version must agree
#   source         copy what DKMS needs (Kbuild, dkms.conf, driver/) to
#                  /usr/src/mmapdemo-VERSION, replacing what is there
#   add            source, then "dkms add mmapdemo/VERSION"; a version
#                  registered already is removed first, so the build
#                  that follows uses the sources as they are now
#   build KVER     "dkms build mmapdemo/VERSION -k KVER"
#   install KVER   "dkms install mmapdemo/VERSION -k KVER" (runs depmod)
#   remove         every registered version of mmapdemo: "dkms remove
#                  --all", then the sources in /usr/src, and whatever an
#                  interrupted run left in /lib/modules/*/updates/dkms
#   packaged       print what shows a packaged install (the Debian
#                  package mmapdemo-dkms, or a dpkg-owned
#                  /usr/src/mmapdemo-*) and exit 0; exit 1 when none
#
# source, add, build, install and remove work on the same mmapdemo/VERSION
# that the mmapdemo-dkms package registers, so they refuse, in one line
# on stderr and touching nothing, when that package is installed: remove
# it with apt instead. Everything but version, check-version and
# packaged needs root (sudo is used when not root).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

NAME=mmapdemo
SRC_TREE=/usr/src
DKMS_TREE=/var/lib/dkms

conf_version() {
	sed -n 's/^PACKAGE_VERSION="\([^"]*\)"$/\1/p' "$MMAPDEMO_ROOT/dkms.conf"
}

check_version() {
	local conf mod user deb
	conf=$(conf_version)
	mod=$(sed -n 's/^#define MMAPDEMO_VERSION\t*"\([^"]*\)"$/\1/p' \
		"$MMAPDEMO_ROOT/driver/main.c")
	user=$(sed -n 's/^VERSION\t*:= *\([^ ]*\)$/\1/p' "$MMAPDEMO_ROOT/user/Makefile")
	# The first entry's version, without epoch and Debian revision.
	deb=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$MMAPDEMO_ROOT/debian/changelog")
	deb=${deb#*:}
	[[ $deb == *-* ]] && deb=${deb%-*}
	if [[ -z $conf || $conf != "$mod" || $conf != "$user" || $conf != "$deb" ]]; then
		echo "versions differ: dkms.conf '$conf', driver/main.c" \
			"MODULE_VERSION '$mod', user/Makefile '$user'," \
			"debian/changelog '$deb'" >&2
		return 1
	fi
	echo "$conf"
}

need_root() {
	if [[ $(id -u) -ne 0 ]]; then
		exec sudo "$0" "$@"
	fi
	command -v dkms >/dev/null || die "dkms is not installed (apt-get install dkms)"
}

# packaged: what shows that the mmapdemo-dkms package (or another
# package) installed mmapdemo's DKMS sources; empty when nothing does.
# Asks dpkg only, so it runs as any user and touches nothing.
packaged() {
	local st d owner
	command -v dpkg-query >/dev/null || return 0
	st=$(dpkg-query -W -f='${db:Status-Status}' "$NAME-dkms" 2>/dev/null) || st=
	case $st in
	'' | not-installed | config-files) ;;
	*)
		echo "the package $NAME-dkms is $st"
		return 0
		;;
	esac
	for d in "$SRC_TREE/$NAME-$VERSION" "$SRC_TREE/$NAME"-*; do
		[[ $d == "$SRC_TREE/$NAME-$VERSION" || -e $d ]] || continue
		if owner=$(dpkg -S "$d" 2>/dev/null) && [[ -n $owner ]]; then
			echo "the package ${owner%%:*} owns $d"
			return 0
		fi
	done
}

# refuse_packaged: stop, touching nothing, when a package installed
# mmapdemo's DKMS sources: those are the user's, not this script's.
refuse_packaged() {
	local what
	what=$(packaged)
	[[ -z $what ]] ||
		die "refusing to $cmd: a packaged DKMS install is present ($what); remove it with apt first"
}

# Only what DKMS builds from: no user space, no scripts, no build tree.
copy_source() {
	local dst=$SRC_TREE/$NAME-$VERSION
	rm -rf "$dst"
	mkdir -p "$dst"
	(cd "$MMAPDEMO_ROOT" && cp Kbuild dkms.conf "$dst/" &&
		find driver -name '*.[ch]' -exec cp --parents -t "$dst/" {} +)
	echo "$dst"
}

registered_versions() {
	dkms status "$NAME" 2>/dev/null |
		sed -n "s|^$NAME/\\([^,: ]*\\)[,:].*|\\1|p" | sort -u
}

is_added() {
	[[ -d $DKMS_TREE/$NAME/$VERSION ]]
}

remove_all() {
	local v f k kernels=()
	for v in $(registered_versions); do
		echo "dkms remove $NAME/$v --all"
		dkms remove "$NAME/$v" --all
	done
	rm -rf "$SRC_TREE/$NAME"-*/ "${DKMS_TREE:?}/$NAME"
	# An install interrupted after the copy: DKMS no longer knows it.
	for f in /lib/modules/*/updates/dkms/"$NAME".ko*; do
		[[ -e $f ]] || continue
		k=${f#/lib/modules/}
		k=${k%%/*}
		echo "removing stale $f"
		rm -f "$f"
		kernels+=("$k")
	done
	for k in "${kernels[@]}"; do
		depmod -a "$k"
	done
	# dkms leaves the directories it made; drop them when empty.
	for k in /lib/modules/*/updates; do
		rmdir --ignore-fail-on-non-empty "$k/dkms" "$k" 2>/dev/null || true
	done
}

cmd=${1:-}
VERSION=$(conf_version)
[[ -n $VERSION ]] || die "no PACKAGE_VERSION in dkms.conf"

case $cmd in
version)
	echo "$VERSION"
	;;
check-version)
	check_version >/dev/null
	;;
packaged)
	what=$(packaged)
	[[ -n $what ]] || exit 1
	echo "$what"
	;;
source)
	refuse_packaged
	need_root "$@"
	check_version >/dev/null
	copy_source
	;;
add)
	refuse_packaged
	need_root "$@"
	check_version >/dev/null
	if is_added; then
		dkms remove "$NAME/$VERSION" --all
	fi
	copy_source >/dev/null
	dkms add "$NAME/$VERSION"
	;;
build | install)
	[[ $# -eq 2 ]] || die "usage: $0 $cmd KVER"
	refuse_packaged
	need_root "$@"
	dkms "$cmd" "$NAME/$VERSION" -k "$2"
	;;
remove)
	refuse_packaged
	need_root "$@"
	remove_all
	;;
*)
	die "usage: $0 version|check-version|packaged|source|add|build KVER|install KVER|remove"
	;;
esac
