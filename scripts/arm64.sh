#!/bin/bash
# arm64 guests: Debian's arm64 kernels, an arm64 root file system for the
# guest, and the newest linux-source .deb (the 64 KiB kernel's source),
# each fetched once and cached by content key. Nothing here changes the
# host's dpkg architectures or installs an arm64 package on the host:
# .debs come from `apt-get download` through a private apt configuration
# that lists arm64, and are unpacked with
#   dpkg-deb --fsys-tarfile X.deb | tar -x --keep-directory-symlink
# (`apt-get install P:arm64` in a trixie tree pulled in gcc-14:arm64 and
# removed the cross compiler; `dpkg -x` into a merged-/usr tree replaced
# its /lib symlink).
#
# usage: scripts/arm64.sh kernel NAME   Debian's arm64 kernel NAME (below)
#        scripts/arm64.sh root          the guest's arm64 root file system
#        scripts/arm64.sh source-deb    the newest linux-source-X.Y .deb
#        scripts/arm64.sh key kernel NAME | key root
#
# Each prints the path of its cache entry (progress on stderr).
#
#   NAME     suites                           packages
#   6.1      bookworm, bookworm-security      linux-{image,headers}-arm64
#   7.3      trixie, trixie-backports         linux-{image,headers}-arm64
#   7.3-16k  trixie, trixie-backports         linux-{image,headers}-arm64-16k
#
# Cache dir of a kernel: $(cache_root)/arm64-kernel-NAME-<key>, with
#   root/             the unpacked image, modules and headers packages
#                     (depmod run), root/usr/lib/linux-kbuild-* pointing at
#                     the amd64 kbuild of the tree that builds the module
#   vmlinuz           the kernel to boot
#   kernel.release    its `uname -r`; kernel.version: the package version
#   kdir              the headers tree to build against (root/usr/src/...)
#   .complete         written last
# The headers need the amd64 linux-kbuild-X.Y and linux-headers-*-common
# of the same version at their absolute paths: the host's for 6.1 (Debian
# 12 is the host), the arm64-cross tree's for 7.3 (scripts/matrix.sh).
#
# Cache dir of the root: $(cache_root)/arm64-root-bookworm-<key>/root:
# Debian 12 arm64 (mmdebstrap --variant=extract, no emulation): libc,
# libkmod (the tool, and -dev to link it), busybox-static (the
# initramfs), the shell tools the suites use, python3 with NumPy, fio, gdb.
#
# Key = sha256 of RECIPE (ROOT_RECIPE), the apt sources and the package
# names. The
# version actually fetched is recorded in kernel.version.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/root.sh
. "$(dirname "$0")/root.sh"

RECIPE=arm64-recipe-1
ROOT_RECIPE=arm64-root-recipe-2
MIRROR=${MMAPDEMO_MIRROR:-http://deb.debian.org/debian}
SECURITY=${MMAPDEMO_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
ROOT_PACKAGES=(libc6 libc-bin libkmod2 libkmod-dev kmod busybox-static base-passwd
	dash coreutils grep sed mawk util-linux procps bsdextrautils findutils
	diffutils python3 python3-numpy fio gdb)

log() { printf 'arm64: %s\n' "$*" >&2; }

# prune ROOT PREFIX KEEP: remove the cache entries ROOT/PREFIX<key> (and
# their .tmp and .log) of other keys than the one in KEEP: what an older
# recipe made.
prune() {
	local p=${2//./\\.}
	find "$1" -maxdepth 1 -regextype posix-extended \
		-regex ".*/${p}[0-9a-f]{16}(\.log|\.tmp)?" ! -path "$3*" \
		-exec rm -rf {} + 2>/dev/null || true
}

# arm64_entry NAME: A_SOURCES (apt lines), A_PIN (the suite preferred
# over the others), A_FLAVOUR (the metapackages' suffix), A_BUILD (where
# the module is built: "host" or a matrix entry).
arm64_entry() {
	A_PIN=
	case $1 in
	6.1)
		A_SOURCES="deb $MIRROR bookworm main
deb $SECURITY bookworm-security main"
		A_FLAVOUR=arm64 A_BUILD=host
		;;
	7.3 | 7.3-16k)
		A_SOURCES="deb $MIRROR trixie main
deb $MIRROR trixie-backports main"
		A_PIN=trixie-backports A_FLAVOUR=arm64${1#7.3} A_BUILD=arm64-cross
		;;
	*) return 1 ;;
	esac
}

# private_apt DIR SOURCES [PIN]: an apt configuration of its own in DIR
# (lists, archives, no dpkg status) for arm64 (and "all"), the suite PIN
# preferred; sets APT_CONFIG and runs apt-get update.
private_apt() {
	local dir=$1
	mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/etc/parts" \
		"$dir/etc/prefs"
	printf '%s\n' "$2" >"$dir/etc/sources.list"
	[[ -z ${3:-} ]] || printf 'Package: *\nPin: release n=%s\nPin-Priority: 990\n' "$3" \
		>"$dir/etc/prefs/pin.pref"
	cat >"$dir/apt.conf" <<EOF
Dir::State "$dir";
Dir::State::Lists "$dir/lists";
Dir::State::status "/dev/null";
Dir::Cache "$dir";
Dir::Etc::SourceList "$dir/etc/sources.list";
Dir::Etc::SourceParts "$dir/etc/parts";
Dir::Etc::Preferences "$dir/etc/prefs/none";
Dir::Etc::PreferencesParts "$dir/etc/prefs";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
APT::Sandbox::User "root";
Acquire::Check-Valid-Until "false";
Acquire::Languages "none";
EOF
	export APT_CONFIG=$dir/apt.conf
	apt-get -q update >"$dir/update.log" 2>&1 ||
		{ tail -n 20 "$dir/update.log" >&2; die "apt-get update failed ($dir)"; }
}

# candidate PKG: the version apt would take, or nothing.
candidate() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)' || true
}

# unpack DEB ROOT
unpack() {
	dpkg-deb --fsys-tarfile "$1" | tar -x --keep-directory-symlink -C "$2"
}

kernel_key() {
	{
		echo "$RECIPE"
		echo "$A_SOURCES"
		echo "pin n=$A_PIN"
		echo "linux-image-$A_FLAVOUR linux-headers-$A_FLAVOUR build $A_BUILD"
	} | sha256sum | cut -c1-16
}

do_kernel() {
	local name=$1 root dir tmp ver krel p pkgs=() deb kb vmlinuz
	arm64_entry "$name" || die "no arm64 kernel $name (6.1, 7.3, 7.3-16k)"
	root=$(cache_root)
	dir=$root/arm64-kernel-$name-$(kernel_key)
	[[ -e $dir/.complete ]] && { echo "$dir"; return; }
	mkdir -p "$root"
	exec 8>"$root/.arm64-kernel-$name.lock"
	flock 8
	[[ -e $dir/.complete ]] && { echo "$dir"; return; }
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp/debs" "$tmp/root/usr/lib" "$tmp/root/usr/bin" "$tmp/root/usr/sbin"
	# A merged-/usr tree: 7.x packages ship /usr/lib/modules, 6.1's /lib/modules.
	ln -s usr/lib "$tmp/root/lib"
	ln -s usr/bin "$tmp/root/bin"
	ln -s usr/sbin "$tmp/root/sbin"
	private_apt "$tmp/apt" "$A_SOURCES" "$A_PIN"
	ver=$(candidate "linux-headers-$A_FLAVOUR")
	[[ -n $ver ]] || die "no linux-headers-$A_FLAVOUR in: $A_SOURCES"
	krel=$(apt-cache show "linux-headers-$A_FLAVOUR=$ver" | sed -n 's/^Depends: //p' |
		head -n 1 | grep -o 'linux-headers-[0-9][^ ,]*' | head -n 1)
	krel=${krel#linux-headers-}
	[[ -n $krel ]] || die "cannot tell the kernel release of linux-headers-$A_FLAVOUR $ver"
	# 6.1: linux-image-KREL has the kernel and the modules; from 7.x it
	# is a metapackage over linux-binary-KREL and linux-modules-KREL.
	for p in "linux-headers-$krel" "linux-image-$krel" "linux-binary-$krel" \
		"linux-modules-$krel"; do
		[[ -n $(candidate "$p") ]] && pkgs+=("$p=$(candidate "$p")")
	done
	log "fetching ${pkgs[*]}"
	(cd "$tmp/debs" && apt-get -q download "${pkgs[@]}" >"$tmp/download.log" 2>&1) ||
		{ tail -n 20 "$tmp/download.log" >&2; die "apt-get download failed"; }
	for deb in "$tmp"/debs/*.deb; do
		unpack "$deb" "$tmp/root"
	done
	vmlinuz=
	for p in "$tmp/root/boot/vmlinuz-$krel" "$tmp/root/usr/lib/modules/$krel/vmlinuz"; do
		[[ -f $p ]] && vmlinuz=$p
	done
	[[ -n $vmlinuz ]] || die "no vmlinuz for $krel in ${pkgs[*]}"
	cp "$vmlinuz" "$tmp/vmlinuz"
	depmod -b "$tmp/root" "$krel" || die "depmod failed for $krel"
	# The headers' scripts/ and tools/ link to ../../lib/linux-kbuild-X.Y:
	# the amd64 kbuild where the module is built (same path in the
	# arm64-cross tree, whose cache dir in_rootfs shows at this path).
	kb=$(readlink "$tmp/root/usr/src/linux-headers-$krel/scripts")
	kb=${kb#../../lib/}
	kb=${kb%/scripts}
	[[ $kb == linux-kbuild-* ]] || die "unexpected headers layout: scripts -> $kb"
	ln -sfn "/usr/lib/$kb" "$tmp/root/usr/lib/$kb"
	echo "$krel" >"$tmp/kernel.release"
	echo "$ver" >"$tmp/kernel.version"
	echo "$dir/root/usr/src/linux-headers-$krel" >"$tmp/kdir"
	rm -rf "$tmp/debs" "$tmp/apt"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	touch "$dir/.complete"
	log "$name: $krel ($ver), $(du -sh "$dir" | cut -f1)"
	prune "$root" "arm64-kernel-$name-" "$dir"
	echo "$dir"
}

root_key() {
	{
		echo "$ROOT_RECIPE"
		echo "deb $MIRROR bookworm main"
		printf '%s\n' "${ROOT_PACKAGES[@]}"
	} | sha256sum | cut -c1-16
}

do_root() {
	local root dir tmp inc lib
	root=$(cache_root)
	dir=$root/arm64-root-bookworm-$(root_key)
	[[ -e $dir/.complete ]] && { echo "$dir"; return; }
	mkdir -p "$root"
	exec 8>"$root/.arm64-root.lock"
	flock 8
	[[ -e $dir/.complete ]] && { echo "$dir"; return; }
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	inc=$(IFS=,; echo "${ROOT_PACKAGES[*]}")
	log "making the arm64 root (bookworm, mmdebstrap --variant=extract) in $tmp; log: $dir.log"
	if ! mmdebstrap --variant=extract --architectures=arm64 --include="$inc" \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		bookworm "$tmp/root" "deb $MIRROR bookworm main" >"$dir.log" 2>&1; then
		tail -n 30 "$dir.log" >&2
		die "mmdebstrap failed for the arm64 root (log: $dir.log)"
	fi
	# What the maintainer scripts would have done (none ran): the user
	# database, the alternatives for awk and for the BLAS/LAPACK NumPy
	# loads, and the mount points of the guest's init (the root is
	# read-only in the guest).
	cp "$tmp/root/usr/share/base-passwd/passwd.master" "$tmp/root/etc/passwd"
	cp "$tmp/root/usr/share/base-passwd/group.master" "$tmp/root/etc/group"
	ln -s mawk "$tmp/root/usr/bin/awk"
	lib=$tmp/root/usr/lib/aarch64-linux-gnu
	for p in blas lapack; do
		for c in openblas-pthread "$p"; do
			[[ ! -e $lib/lib$p.so.3 && -e $lib/$c/lib$p.so.3 ]] &&
				ln -s "$c/lib$p.so.3" "$lib/lib$p.so.3"
		done
	done
	mkdir -p "$tmp/root"/{proc,sys,run,dev/shm,tmp,lib/modules}
	rm -rf "$dir"
	mv "$tmp" "$dir"
	touch "$dir/.complete"
	log "arm64 root: $(du -sh "$dir/root" | cut -f1)"
	prune "$root" arm64-root-bookworm- "$dir"
	echo "$dir"
}

# The newest linux-source-X.Y (trixie-backports' 7.3: the same version as
# the newest arm64 kernels), for the 64 KiB kernel (debug-kernel.sh
# arm64-64k with MMAPDEMO_KSRC_DEB).
do_source_deb() {
	local root dir ver pkg
	arm64_entry 7.3
	root=$(cache_root)
	dir=$root/arm64-source-$( { echo "$RECIPE"; echo "$A_SOURCES"; } | sha256sum | cut -c1-16)
	if [[ -e $dir/.complete ]]; then
		cat "$dir/deb"
		return
	fi
	mkdir -p "$root"
	exec 8>"$root/.arm64-source.lock"
	flock 8
	if [[ ! -e $dir/.complete ]]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		private_apt "$dir/apt" "$A_SOURCES" "$A_PIN"
		pkg=$(apt-cache pkgnames linux-source- | grep -E '^linux-source-[0-9.]+$' |
			sort -V | tail -n 1)
		ver=$(candidate "$pkg")
		[[ -n $pkg && -n $ver ]] || die "no linux-source-* in: $A_SOURCES"
		log "fetching $pkg $ver"
		(cd "$dir" && apt-get -q download "$pkg=$ver" >download.log 2>&1) ||
			{ tail -n 20 "$dir/download.log" >&2; die "apt-get download $pkg failed"; }
		ls "$dir"/"$pkg"_*.deb >"$dir/deb"
		rm -rf "$dir/apt"
		touch "$dir/.complete"
	fi
	cat "$dir/deb"
}

case ${1:-} in
kernel)
	require_root "scripts/arm64.sh kernel"
	do_kernel "${2:?usage: $0 kernel NAME}"
	;;
root)
	require_root "scripts/arm64.sh root (mmdebstrap)"
	do_root
	;;
source-deb) do_source_deb ;;
key)
	case ${2:-} in
	kernel) arm64_entry "${3:-}" || die "no arm64 kernel ${3:-}"; kernel_key ;;
	root) root_key ;;
	*) die "usage: $0 key kernel NAME | key root" ;;
	esac
	;;
*) die "usage: $0 kernel NAME | root | source-deb | key ..." ;;
esac
