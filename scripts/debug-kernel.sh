#!/usr/bin/env bash
# Build (once) and cache a debug kernel that a debug guest boots.
#
# Usage: scripts/debug-kernel.sh [build|dir|key] [VARIANT]
#
#   build (default)  Print the cache dir of a complete kernel, building it
#                    first if needed.  Only that path goes to stdout; progress goes
#                    to stderr and the full build output to <dir>.log.
#   dir              Print the cache dir without building anything.
#   key              Print the cache key.
#   VARIANT          debug (default: KASAN, UBSAN, kmemleak, lockdep, DEBUG_VM,
#                    PAGE_TABLE_CHECK, DEBUG_PAGEALLOC, KUnit) or kcsan (KCSAN
#                    instead of KASAN; scripts/kernel-config/kcsan.config) or
#                    arm64-64k (arm64 with 64 KiB pages, cross-built with
#                    aarch64-linux-gnu-gcc; kernel-config/arm64-64k.config
#                    instead of debug.config; Image instead of bzImage)
#
# MMAPDEMO_KSRC_DEB=PATH takes the source from a linux-source-X.Y .deb
# (scripts/arm64.sh downloads it) instead of the newest installed package.
#
# The source is the newest linux-source-X.Y package installed where this runs:
# on the host (Debian 12) linux-source-6.1; make check runs it inside the
# newest release's root file system (scripts/rootfs.sh, in_rootfs), so that
# kernel is built from that release's source with that release's compiler.
#
# Config: tinyconfig + scripts/kernel-config/debug.config, then
# kernel-config/X.Y.config if it exists, then kernel-config/huge.config for
# VARIANT debug on X.Y >= 6.12 (THP for the huge mappings), then
# kernel-config/VARIANT.config for VARIANT != debug; later fragments
# override earlier ones, and every symbol
# the merged fragments ask for is asserted to be in the final .config.
#
# Cache key = sha256 of: the source package and its version (dpkg), the
# fragments, RECIPE_VERSION below and the first line of `gcc --version`
# (modules must be built with the kernel's compiler).
#
# Cache dir = ${MMAPDEMO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmapdemo}/VARIANT-kernel-X.Y-<key>
# containing:
#   bzImage           the kernel to boot (copy of build/arch/x86/boot/bzImage)
#   cmdline           the kernel command line it wants (kernel-config/VARIANT.cmdline)
#   build/            the O= build tree: `make -C <dir>/build M=$PWD modules` works
#   src -> ...        the source tree (shared between keys, one per package version);
#                     src/tools/testing/kunit/kunit.py parses KTAP
#   modules/          `modules_install` root: modules/lib/modules/<release>/ (+ depmod)
#   config            the final .config
#   kernel.release    `uname -r` of the guest
#   .complete         written last; without it the dir is not a usable kernel
#
# An interrupted build never looks complete: it works in <dir>.tmp, which is
# resumed (incrementally) by the next run, and is renamed to <dir> at the end.

set -euo pipefail

# Bump when the build recipe below changes in a way that changes the result.
RECIPE_VERSION="debug-kernel-recipe-2"

VARIANT=${2:-debug}
[[ $VARIANT == debug || $VARIANT == kcsan || $VARIANT == arm64-64k ]] || {
	echo "debug-kernel: unknown variant $VARIANT (debug, kcsan or arm64-64k)" >&2
	exit 1
}
# The target: x86-64 with the native gcc, or arm64 with the cross compiler.
CC_CMD=gcc
IMAGE=bzImage
IMAGE_PATH=arch/x86/boot/bzImage
if [[ $VARIANT == arm64-* ]]; then
	export ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
	CC_CMD=aarch64-linux-gnu-gcc
	IMAGE=Image
	IMAGE_PATH=arch/arm64/boot/Image
fi
SRC_DEB=${MMAPDEMO_KSRC_DEB:-}
# The newest linux-source-X.Y installed here; on a machine with none yet
# (dpkg-query then fails), 6.1, which ensure_deps installs.
SRC_PKG=$({ dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 'linux-source-*' 2>/dev/null ||
	true; } | awk '$1 == "ii" && $2 ~ /^linux-source-[0-9]/ { print $2 }' | sort -V | tail -n 1)
SRC_PKG=${SRC_PKG:-linux-source-6.1}
[[ -z $SRC_DEB ]] || SRC_PKG=$(dpkg-deb -f "$SRC_DEB" Package)
SRC_VER=${SRC_PKG#linux-source-}
TARBALL=/usr/src/$SRC_PKG.tar.xz
# Debian packages the build needs (checked, and installed when run as root).
DEPS=(gcc make libc6-dev bc bison flex libelf-dev libssl-dev
      xz-utils kmod)
[[ -n $SRC_DEB ]] || DEPS+=("$SRC_PKG")
[[ $VARIANT != arm64-* ]] || DEPS+=(gcc-aarch64-linux-gnu)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragments=("$here/kernel-config/debug.config")
[[ $VARIANT != arm64-* ]] || fragments=("$here/kernel-config/$VARIANT.config")
[[ -r $here/kernel-config/$SRC_VER.config ]] &&
	fragments+=("$here/kernel-config/$SRC_VER.config")
# Huge-mapping symbols: only the debug variant of a source where the driver
# maps 2 MiB entries (6.12+), so the other kernels keep their cache keys.
[[ ($VARIANT == debug || $VARIANT == arm64-*) && $(printf '%s\n' 6.12 "$SRC_VER" | sort -V | head -n 1) == 6.12 ]] &&
	fragments+=("$here/kernel-config/huge.config")
[[ $VARIANT == debug || $VARIANT == arm64-* ]] ||
	fragments+=("$here/kernel-config/$VARIANT.config")
cmdline_file=$here/kernel-config/$VARIANT.cmdline

log() { printf 'debug-kernel: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

src_version() {
	if [[ -n $SRC_DEB ]]; then
		dpkg-deb -f "$SRC_DEB" Version || die "cannot read $SRC_DEB"
		return
	fi
	dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null ||
		die "$SRC_PKG is not installed (apt-get install $SRC_PKG)"
}

cache_key() {
	local ver cc f
	ver=$(src_version)
	for f in "${fragments[@]}" "$cmdline_file"; do
		[[ -r $f ]] || die "missing $f"
	done
	cc=$("$CC_CMD" --version 2>/dev/null) || cc=none
	cc=${cc%%$'\n'*}
	{
		printf 'source %s %s\nrecipe %s\ncc %s\nvariant %s\n' "$SRC_PKG" "$ver" \
			"$RECIPE_VERSION" "$cc" "$VARIANT"
		cat "${fragments[@]}" "$cmdline_file"
	} | sha256sum | cut -c1-16
}

cache_root() { printf '%s\n' "${MMAPDEMO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmapdemo}"; }

cache_prefix() { printf '%s-kernel-%s-' "$VARIANT" "$SRC_VER"; }

cache_dir() { printf '%s/%s%s\n' "$(cache_root)" "$(cache_prefix)" "$(cache_key)"; }

ensure_deps() {
	local missing=() p
	for p in "${DEPS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	if [[ $(id -u) -ne 0 ]]; then
		die "missing packages: ${missing[*]} (sudo apt-get install ${missing[*]})"
	fi
	log "installing missing packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q "${missing[@]}" >&2 ||
		{ apt-get update -q >&2 && apt-get install -y -q "${missing[@]}" >&2; } ||
		die "could not install: ${missing[*]}"
}

# Extract the source tarball once per package version into the cache root.
ensure_source() {
	local srcdir=$1 tmp
	[[ -e $srcdir/.complete ]] && return 0
	tmp=$srcdir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	if [[ -n $SRC_DEB ]]; then
		log "extracting $SRC_PKG.tar.xz from $SRC_DEB"
		dpkg-deb --fsys-tarfile "$SRC_DEB" | tar -xO "./usr/src/$SRC_PKG.tar.xz" |
			tar -C "$tmp" -xJ
	else
		log "extracting $TARBALL"
		tar -C "$tmp" -xf "$TARBALL"
	fi
	[[ -f $tmp/$SRC_PKG/Makefile ]] || die "unexpected tarball layout in $TARBALL"
	rm -rf "$srcdir"
	mv "$tmp/$SRC_PKG" "$srcdir"
	rmdir "$tmp"
	touch "$srcdir/.complete"
}

# Every CONFIG_X=v the fragments ask for (the last fragment that names X
# wins) must be in .config verbatim, every "# CONFIG_X is not set" must
# not be set.
assert_config() {
	local cfg=$1 line sym bad=() want
	local -A wanted=()
	local order=()
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			sym=${BASH_REMATCH[1]}
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym=${BASH_REMATCH[1]}
		else
			continue
		fi
		[[ -n ${wanted[$sym]:-} ]] || order+=("$sym")
		wanted[$sym]=$line
	done < <(cat "${fragments[@]}")
	for sym in "${order[@]}"; do
		want=${wanted[$sym]}
		if [[ $want == CONFIG_* ]]; then
			grep -qxF -- "$want" "$cfg" ||
				bad+=("$want (got: $(grep -E "^(# )?${sym}[= ]" "$cfg" || echo absent))")
		elif grep -qE "^${sym}=" "$cfg"; then
			bad+=("$want (got: $(grep -E "^${sym}=" "$cfg"))")
		fi
	done
	if ((${#bad[@]})); then
		log "these requested config symbols did not land in .config:"
		printf '  %s\n' "${bad[@]}" >&2
		return 1
	fi
}

# Build a hello-world module against the tree: a tree that cannot build
# external modules is never marked complete.
self_check() {
	local build=$1 release=$2 t rc=0
	t=$(mktemp -d)
	self_check_in "$build" "$release" "$t" || rc=$?
	rm -rf "$t"
	return "$rc"
}

self_check_in() {
	local build=$1 release=$2 t=$3 vermagic
	cat >"$t/hello.c" <<'EOF'
#include <linux/module.h>
#include <linux/init.h>
static int __init hello_init(void) { pr_info("hello\n"); return 0; }
static void __exit hello_exit(void) { }
module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
EOF
	echo 'obj-m := hello.o' >"$t/Kbuild"
	make -C "$build" M="$t" modules || return 1
	[[ -f $t/hello.ko ]] || { echo "self-check: hello.ko not built"; return 1; }
	vermagic=$(modinfo -F vermagic "$t/hello.ko")
	[[ $vermagic == "$release "* ]] ||
		{ echo "self-check: vermagic '$vermagic' does not match '$release'"; return 1; }
	echo "self-check: hello.ko OK ($vermagic)"
}

# Called with the lock held, after a successful build: keep the KEEP newest
# complete kernels of this variant and source version (another branch may
# use another fragment) and drop their partial builds. Source trees are
# shared by the variants of a version and stay.
prune_cache() {
	local root=$1 current=$2 d n=0 keep=${MMAPDEMO_DEBUG_KERNEL_KEEP:-3}
	while IFS= read -r d; do
		[[ -n $d ]] || continue
		n=$((n + 1))
		if [[ $d != "$current" ]] && ((n > keep)); then
			log "pruning old debug kernel $d"
			rm -rf "$d" "$d.log"
		fi
	done < <(find "$root" -mindepth 2 -maxdepth 2 -path "*/$(cache_prefix)*/.complete" \
		-printf '%T@ %h\n' | sort -rn | cut -d' ' -f2-)
	for d in "$root/$(cache_prefix)"*.tmp; do
		[[ -d $d ]] || continue
		log "pruning $d"
		rm -rf "$d" "${d%.tmp}.log"
	done
}

do_build() {
	local root dir key tmp srcdir ver logf start jobs release
	# The key needs the source package and gcc: on a fresh machine install
	# them first.  (The full check would cost the warm path ~0.1 s.)
	if ! command -v "$CC_CMD" >/dev/null ||
		{ [[ -z $SRC_DEB ]] && ! dpkg-query -W "$SRC_PKG" >/dev/null 2>&1; }; then
		ensure_deps
	fi
	key=$(cache_key)
	root=$(cache_root)
	dir=$root/$(cache_prefix)$key
	if [[ -e $dir/.complete ]]; then
		printf '%s\n' "$dir"
		return 0
	fi

	ensure_deps
	mkdir -p "$root"
	# One build at a time per cache (CI and a developer may race).
	exec 9>"$root/.debug-kernel.lock"
	if ! flock -n 9; then
		log "waiting for another build to finish (lock $root/.debug-kernel.lock)"
		flock 9
	fi
	if [[ -e $dir/.complete ]]; then
		printf '%s\n' "$dir"
		return 0
	fi

	start=$SECONDS
	ver=$(src_version)
	srcdir=$root/linux-source-$ver
	ensure_source "$srcdir"

	tmp=$dir.tmp
	logf=$dir.log
	# A final dir without .complete is a build interrupted after the rename:
	# resume it like any other partial build.
	if [[ -d $dir ]]; then
		rm -rf "$tmp"
		mv "$dir" "$tmp"
	fi
	[[ -d $tmp ]] && log "resuming partial build in $tmp"
	mkdir -p "$tmp/build"
	ln -sfn "$srcdir" "$tmp/src"
	: >"$logf"
	jobs=$(nproc)

	# Run "$@" with output to the log; on failure show the log's tail.
	step() {
		local what=$1
		shift
		log "$what"
		if ! "$@" >>"$logf" 2>&1; then
			log "FAILED: $what; last lines of $logf:"
			tail -n 40 "$logf" >&2
			exit 1
		fi
	}

	local kmake=(make -C "$srcdir" O="$tmp/build")
	step "configuring $VARIANT $SRC_VER: tinyconfig + ${fragments[*]##*/}" \
		"${kmake[@]}" tinyconfig
	step "merging fragments" \
		"$srcdir/scripts/kconfig/merge_config.sh" -m -O "$tmp/build" \
		"$tmp/build/.config" "${fragments[@]}"
	step "olddefconfig" "${kmake[@]}" olddefconfig
	assert_config "$tmp/build/.config" || die "config assertion failed (${fragments[*]})"
	log "config OK: all requested symbols landed"

	step "building $IMAGE + modules with -j$jobs (log: $logf)" \
		"${kmake[@]}" -j"$jobs" "$IMAGE" modules
	release=$(cat "$tmp/build/include/config/kernel.release")
	rm -rf "$tmp/modules"
	step "modules_install into $tmp/modules" \
		"${kmake[@]}" INSTALL_MOD_PATH="$tmp/modules" modules_install
	cp "$tmp/build/$IMAGE_PATH" "$tmp/$IMAGE"
	cp "$tmp/build/.config" "$tmp/config"
	tr '\n' ' ' <"$cmdline_file" | sed 's/ *$//' >"$tmp/cmdline"
	printf '%s\n' "$release" >"$tmp/kernel.release"

	# Rename first, then self-check against the final path (the tree must work
	# where users will use it), then mark complete.
	rm -rf "$dir"
	mv "$tmp" "$dir"
	# Kbuild writes the O= path into the tree's Makefile (6.x and later).
	sed -i "s|^export KBUILD_OUTPUT = .*|export KBUILD_OUTPUT = $dir/build|" \
		"$dir/build/Makefile"
	ln -sfn "$dir/build" "$dir/modules/lib/modules/$release/build"
	step "self-check: building an external module against $dir/build" \
		self_check "$dir/build" "$release"
	touch "$dir/.complete"
	log "done in $((SECONDS - start))s: $release in $dir"
	prune_cache "$root" "$dir"
	printf '%s\n' "$dir"
}

case ${1:-build} in
build) do_build ;;
dir) cache_dir ;;
key) cache_key ;;
-h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0" ;;
*) die "usage: $0 [build|dir|key] [debug|kcsan]" ;;
esac
