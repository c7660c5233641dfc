#!/bin/bash
# Build (once) and cache the root file system of one Debian release of
# the kernel matrix (scripts/matrix.sh): that release's compiler, kernel
# image and headers, and what the guest suites run, made by mmdebstrap.
#
# usage: scripts/rootfs.sh build|dir|key NAME
#
#   build  print the cache dir of a complete root file system for the
#          matrix entry NAME, making it first if needed (about a minute
#          and 1 GB here); progress on stderr, mmdebstrap's output in
#          <dir>.log. A cached tree is checked against the archive: when
#          the release's linux-image-amd64 has moved on, a new tree is
#          made (the key names what was asked for, the tree records what
#          it got in <dir>/kernel.version).
#   dir    the cache dir, without building
#   key    the cache key
#
# Cache key = sha256 of the suites, the packages, RECIPE below.
# Cache dir = $(cache_root)/rootfs-NAME-<key>, with
#   root/            the file system (a guest's 9p root, a build chroot)
#   kernel.release   the kernel's `uname -r` (/boot/vmlinuz-<release>)
#   kernel.version   linux-image-amd64's version when it was made
#   .complete        written last
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/matrix.sh
. "$(dirname "$0")/matrix.sh"
# shellcheck source=scripts/root.sh
. "$(dirname "$0")/root.sh"

RECIPE=rootfs-recipe-1
MIRROR=${MMAPDEMO_MIRROR:-http://deb.debian.org/debian}
# What every guest root needs: the release's toolchain and kernel, the
# tools the guest suites call, and the real clients (fio, python3 with
# NumPy, gdb).
PACKAGES=(build-essential kmod libkmod-dev pkg-config
	linux-headers-amd64 linux-image-amd64
	util-linux procps bsdextrautils mawk python3 python3-numpy fio gdb)
# The newest linux-source-* is built where it is shipped, with that
# release's compiler (scripts/debug-kernel.sh).
KBUILD_PACKAGES=(bc bison flex libelf-dev libssl-dev dwarves xz-utils cpio
	rsync)

log() { printf 'rootfs: %s\n' "$*" >&2; }

[[ $# -eq 2 ]] || die "usage: $0 build|dir|key NAME"
cmd=$1
name=$2
matrix_entry "$name" || die "no matrix entry $name (scripts/matrix.sh)"

# The apt sources and the package list of this entry, one per line.
recipe() {
	local s
	echo "$RECIPE"
	for s in $M_SUITES; do
		echo "deb $MIRROR $s main"
	done
	printf '%s\n' "${PACKAGES[@]}"
	[[ -z $M_SOURCE ]] || printf '%s\n' "$M_SOURCE" "${KBUILD_PACKAGES[@]}"
	echo "pin $M_PIN"
	# Only entries with extras get a new key.
	[[ -z $M_EXTRA ]] || echo "extra $M_EXTRA"
}

cache_key() { recipe | sha256sum | cut -c1-16; }

cache_dir() { printf '%s/rootfs-%s-%s\n' "$(cache_root)" "$name" "$(cache_key)"; }

# chroot_apt DIR ARGS...: apt-get in the tree, with the snapshot's
# expired Release files accepted.
chroot_apt() {
	local dir=$1
	shift
	DEBIAN_FRONTEND=noninteractive chroot "$dir/root" apt-get -q \
		-o Acquire::Check-Valid-Until=false "$@"
}

# Whether the archive's linux-image-amd64 for this entry is still the one
# in the tree (one `apt-get update` in it, a few seconds).
up_to_date() {
	local dir=$1 cand
	chroot_apt "$dir" update >>"$dir.log" 2>&1 || return 0
	cand=$(chroot "$dir/root" apt-cache policy linux-image-amd64 |
		sed -n 's/^ *Candidate: //p')
	[[ -z $cand || $cand == "$(cat "$dir/kernel.version")" ]]
}

make_tree() {
	local dir=$1 tmp=$1.tmp inc s pins=() sources=() ver rel
	rm -rf "$tmp"
	mkdir -p "$tmp"
	inc=$(IFS=,; echo "${PACKAGES[*]}")
	[[ -z $M_SOURCE ]] || inc+=,$M_SOURCE,$(IFS=,; echo "${KBUILD_PACKAGES[*]}")
	[[ -z $M_EXTRA ]] || inc+=,${M_EXTRA// /,}
	# Packages that must come from a suite other than the first one
	# (trixie-backports' kernel on a trixie base).
	if [[ -n $M_PIN ]]; then
		for s in linux-headers-amd64 linux-image-amd64; do
			inc=${inc/$s/$s\/$M_PIN}
		done
	fi
	for s in $M_SUITES; do
		sources+=("deb $MIRROR $s main")
	done
	log "making the $name root file system (${M_SUITES// /+}) in $tmp; log: $dir.log"
	if ! mmdebstrap --variant=apt --include="$inc" \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		"${M_SUITES%% *}" "$tmp/root" "${sources[@]}" >"$dir.log" 2>&1; then
		tail -n 30 "$dir.log" >&2
		die "mmdebstrap failed for $name (log: $dir.log)"
	fi
	ver=$(chroot "$tmp/root" dpkg-query -W -f='${Version}' linux-image-amd64)
	rel=$(chroot "$tmp/root" dpkg-query -W -f='${Depends}' linux-image-amd64 |
		grep -o 'linux-image-[^ ,]*' | head -n 1)
	rel=${rel#linux-image-}
	# (build is an absolute link inside the tree)
	[[ -f $tmp/root/boot/vmlinuz-$rel ]] &&
		chroot "$tmp/root" test -f "/lib/modules/$rel/build/Makefile" ||
		die "$name: no kernel $rel with headers in the new tree"
	echo "$ver" >"$tmp/kernel.version"
	echo "$rel" >"$tmp/kernel.release"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	touch "$dir/.complete"
	log "$name: $rel ($ver), $(du -sh "$dir/root" | cut -f1)"
}

do_build() {
	local root dir
	root=$(cache_root)
	dir=$(cache_dir)
	mkdir -p "$root"
	exec 8>"$root/.rootfs-$name.lock"
	flock 8
	if [[ -e $dir/.complete ]] && ! up_to_date "$dir"; then
		log "$name: the archive has a newer kernel than $(cat "$dir/kernel.version"); making a new tree"
		rm -f "$dir/.complete"
	fi
	[[ -e $dir/.complete ]] || make_tree "$dir"
	# Trees of this entry made from an older recipe.
	# (Exactly NAME and a 16-digit key: trixie's must not match
	# trixie-backports' trees, which made every warm run remake those.)
	find "$root" -maxdepth 1 -regextype posix-extended \
		-regex ".*/rootfs-$name-[0-9a-f]{16}(\.log|\.tmp)?" \
		! -path "$dir*" -exec rm -rf {} + 2>/dev/null || true
	echo "$dir"
}

case $cmd in
build)
	require_root "scripts/rootfs.sh build (mmdebstrap, chroot)"
	do_build
	;;
dir) cache_dir ;;
key) cache_key ;;
*) die "usage: $0 build|dir|key NAME" ;;
esac
