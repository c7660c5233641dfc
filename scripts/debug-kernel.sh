#!/usr/bin/env bash
# Build (once) and cache the debug kernel that the debug guest boots.
#
# Usage: scripts/debug-kernel.sh [build|dir|key]
#
#   build (default)  Print the cache dir of a complete debug kernel, building it
#                    first if needed.  Only that path goes to stdout; progress goes
#                    to stderr and the full build output to <dir>.log.
#   dir              Print the cache dir without building anything.
#   key              Print the cache key.
#
# Cache key = sha256 of: the linux-source-6.1 package version (dpkg), the
# contents of scripts/debug-kernel.config, RECIPE_VERSION below and the first
# line of `gcc --version` (modules must be built with the kernel's compiler).
#
# Cache dir = ${MMAPDEMO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmapdemo}/debug-kernel-<key>
# containing:
#   bzImage           the kernel to boot (copy of build/arch/x86/boot/bzImage)
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
RECIPE_VERSION="debug-kernel-recipe-1"

SRC_PKG=linux-source-6.1
TARBALL=/usr/src/linux-source-6.1.tar.xz
# Debian packages the build needs (checked, and installed when run as root).
DEPS=(linux-source-6.1 gcc make libc6-dev bc bison flex libelf-dev libssl-dev
      xz-utils kmod)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/debug-kernel.config

log() { printf 'debug-kernel: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

src_version() {
	dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null ||
		die "$SRC_PKG is not installed (apt-get install $SRC_PKG)"
}

cache_key() {
	local ver cc
	ver=$(src_version)
	[[ -r $fragment ]] || die "missing $fragment"
	cc=$(gcc --version 2>/dev/null) || cc=none
	cc=${cc%%$'\n'*}
	{
		printf 'source %s\nrecipe %s\ncc %s\n' "$ver" "$RECIPE_VERSION" "$cc"
		cat "$fragment"
	} | sha256sum | cut -c1-16
}

cache_root() { printf '%s\n' "${MMAPDEMO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmapdemo}"; }

cache_dir() { printf '%s/debug-kernel-%s\n' "$(cache_root)" "$(cache_key)"; }

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
	log "extracting $TARBALL"
	tar -C "$tmp" -xf "$TARBALL"
	[[ -f $tmp/linux-source-6.1/Makefile ]] || die "unexpected tarball layout in $TARBALL"
	rm -rf "$srcdir"
	mv "$tmp/linux-source-6.1" "$srcdir"
	rmdir "$tmp"
	touch "$srcdir/.complete"
}

# Every CONFIG_X=v in the fragment must be in .config verbatim, every
# "# CONFIG_X is not set" must not be set.
assert_config() {
	local cfg=$1 line sym bad=()
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			grep -qxF -- "$line" "$cfg" ||
				bad+=("$line (got: $(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" "$cfg" || echo absent))")
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym=${BASH_REMATCH[1]}
			if grep -qE "^${sym}=" "$cfg"; then
				bad+=("$line (got: $(grep -E "^${sym}=" "$cfg"))")
			fi
		fi
	done <"$fragment"
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
# complete kernels (another branch may use another fragment), drop partial
# builds of other keys and source trees no kept kernel links to.
prune_cache() {
	local root=$1 current=$2 d n=0 keep=${MMAPDEMO_DEBUG_KERNEL_KEEP:-3}
	local -A used=()
	while IFS= read -r d; do
		[[ -n $d ]] || continue
		n=$((n + 1))
		if [[ $d != "$current" ]] && ((n > keep)); then
			log "pruning old debug kernel $d"
			rm -rf "$d" "$d.log"
		else
			used[$(readlink "$d/src" || echo none)]=1
		fi
	done < <(find "$root" -mindepth 2 -maxdepth 2 -path '*/debug-kernel-*/.complete' \
		-printf '%T@ %h\n' | sort -rn | cut -d' ' -f2-)
	for d in "$root"/debug-kernel-*.tmp "$root"/linux-source-*; do
		[[ -d $d && -z ${used[$d]:-} ]] || continue
		log "pruning $d"
		rm -rf "$d" "${d%.tmp}.log"
	done
}

do_build() {
	local root dir key tmp srcdir ver logf start jobs release
	# The key needs the source package and gcc: on a fresh machine install
	# them first.  (The full check would cost the warm path ~0.1 s.)
	if ! command -v gcc >/dev/null || ! dpkg-query -W "$SRC_PKG" >/dev/null 2>&1; then
		ensure_deps
	fi
	key=$(cache_key)
	root=$(cache_root)
	dir=$root/debug-kernel-$key
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
	step "configuring: tinyconfig + $(basename "$fragment")" "${kmake[@]}" tinyconfig
	step "merging fragment" \
		"$srcdir/scripts/kconfig/merge_config.sh" -m -O "$tmp/build" \
		"$tmp/build/.config" "$fragment"
	step "olddefconfig" "${kmake[@]}" olddefconfig
	assert_config "$tmp/build/.config" || die "config assertion failed (fragment $fragment)"
	log "config OK: all requested symbols landed"

	step "building bzImage + modules with -j$jobs (log: $logf)" \
		"${kmake[@]}" -j"$jobs" bzImage modules
	release=$(cat "$tmp/build/include/config/kernel.release")
	rm -rf "$tmp/modules"
	step "modules_install into $tmp/modules" \
		"${kmake[@]}" INSTALL_MOD_PATH="$tmp/modules" modules_install
	cp "$tmp/build/arch/x86/boot/bzImage" "$tmp/bzImage"
	cp "$tmp/build/.config" "$tmp/config"
	printf '%s\n' "$release" >"$tmp/kernel.release"

	# Rename first, then self-check against the final path (the tree must work
	# where users will use it), then mark complete.
	rm -rf "$dir"
	mv "$tmp" "$dir"
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
*) die "usage: $0 [build|dir|key]" ;;
esac
