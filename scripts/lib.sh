# shellcheck shell=bash
# Helpers shared by the host-side scripts. Source it; do not run it.

MMAPDEMO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export MMAPDEMO_ROOT

die() {
	echo "mmapdemo: $*" >&2
	exit 1
}

# The kernel release that Debian's linux-image-amd64 metapackage points
# at: the "stock" kernel users run, and the one we build against.
stock_kver() {
	local dep
	dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null) ||
		die "linux-image-amd64 is not installed (run scripts/deps.sh)"
	dep=${dep%% *}
	dep=${dep#linux-image-}
	[[ -n $dep ]] || die "cannot tell the stock kernel release"
	echo "$dep"
}

# Seconds since an epoch, with decimals, for stage timings.
now() {
	date +%s.%N
}

elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# boot_guest KREL|- ROOT KERNEL FLAVOR ACTION OUT TIMEOUT [APPEND [MODULE...]]:
# one guest run. Makes its initramfs (OUT.initramfs.cpio.gz: the virtio
# and 9p modules of release KREL from ROOT's /lib/modules, and MODULEs;
# none for "-", a kernel with them built in), then boots KERNEL with ROOT
# (/ for the host's) as the guest's root to run ACTION of
# scripts/guest/run.sh, results in OUT, APPEND added to the kernel command
# line. Returns the guest's exit status (scripts/run-guest.sh); a guest
# that hung while booting is booted once more.
boot_guest() {
	local krel=$1 root=$2 kernel=$3 flavor=$4 action=$5 out=${6%/}
	local timeout=$7 append=${8:-} mods=()
	shift $(($# < 8 ? $# : 8))
	[[ $krel == - ]] || mods=(virtio_pci 9pnet_virtio 9p "$@")
	mkdir -p "$(dirname "$out")"
	if ! "$MMAPDEMO_ROOT/scripts/mkinitramfs.sh" --root "$root" \
			"$out.initramfs.cpio.gz" "$krel" "${mods[@]}"; then
		echo "boot_guest: no initramfs for $krel" >&2
		return 1
	fi
	# A boot that hangs before the init (run-guest.sh's 126) is tried once
	# more, and says so: the hung console is kept beside OUT.
	local rc try
	for try in 1 2; do
		rc=0
		"$MMAPDEMO_ROOT/scripts/run-guest.sh" --kernel "$kernel" --root "$root" \
			--initrd "$out.initramfs.cpio.gz" --flavor "$flavor" \
			--action "$action" --out "$out" --timeout "$timeout" \
			--append "$append" || rc=$?
		[[ $rc -eq 126 && $try -eq 1 ]] || break
		cp "$out/console.log" "$out.hung-console.log"
		echo "boot_guest: the $flavor guest hung while booting (console: $out.hung-console.log); booting it once more" >&2
	done
	return "$rc"
}

# stock_guest ACTION OUT TIMEOUT [APPEND]: boot_guest with Debian's stock
# kernel and the host's root: the module of build/stock, the user space of
# build/user.
stock_guest() {
	local kver
	kver=$(stock_kver)
	boot_guest "$kver" / "/boot/vmlinuz-$kver" stock "$@"
}

# stock_build: the module against the stock kernel's headers, the library,
# the tool and the examples, for a stock_guest (make demo, make bench).
stock_build() {
	"$MMAPDEMO_ROOT/scripts/build-module.sh" "/lib/modules/$(stock_kver)/build" \
		"$MMAPDEMO_ROOT/build/stock" >/dev/null &&
		make -s -C "$MMAPDEMO_ROOT/user" O="$MMAPDEMO_ROOT/build/user" lib cli >/dev/null &&
		make -s -C "$MMAPDEMO_ROOT/user/examples" O="$MMAPDEMO_ROOT/build/user" >/dev/null
}

# splat_verdict DIR: whether the console of a guest run (DIR/console.log)
# is free of kernel splats (0); otherwise prints the first offending lines
# (all in DIR/splats.txt), with splat_origin's word on the first, and
# returns 1.
splat_verdict() {
	if ! "$MMAPDEMO_ROOT/scripts/splat-scan.sh" "$1/console.log" >"$1/splats.txt"; then
		echo "kernel splat in the console log, $(splat_origin "$1/console.log" \
			"$(head -n 1 "$1/splats.txt" | cut -d: -f1)"):"
		head -n 20 "$1/splats.txt" | sed 's/^/    /'
		return 1
	fi
}

# splat_origin CONSOLE LINE: whose code the report starting at LINE of
# CONSOLE is in: mmapdemo's when one of its next 100 kernel lines has a
# frame of the module or of its KUnit module (mmapdemo_x+0x.. or
# [mmapdemo]); otherwise the kernel's (or the emulator's). Either way it
# is a failure: this only says where to look.
splat_origin() {
	if tr -d '\r' <"$1" | sed -n "$2,$(($2 + 100))p" | grep -E '^\[ *[0-9]+\.[0-9]+\]' |
			grep -qE 'mmapdemo[a-z_]*\+0x|\[mmapdemo(_kunit)?\]'; then
		echo "in mmapdemo's code"
	else
		echo "outside mmapdemo's code (no mmapdemo frame in the report; a kernel or emulator bug, still a failure)"
	fi
}

# kmemleak_verdict DIR: whether a guest's kmemleak scan (DIR/kmemleak.txt,
# or DIR/kmemleak.missing when the kernel had none) ran and found no
# leak (0); otherwise prints what is wrong, first line a summary, and
# returns 1.
kmemleak_verdict() {
	if [[ -e $1/kmemleak.missing || ! -f $1/kmemleak.txt ]]; then
		echo "the kmemleak scan did not run"
	elif [[ -s $1/kmemleak.txt ]]; then
		echo "kmemleak reports leaks:"
		head -n 30 "$1/kmemleak.txt" | sed 's/^/    /'
	else
		return 0
	fi
	return 1
}

# Where built kernels and root file systems are kept between runs.
cache_root() {
	printf '%s\n' "${MMAPDEMO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmapdemo}"
}

# in_rootfs ROOT CMD...: run CMD chrooted into the root file system ROOT
# (scripts/rootfs.sh), with this checkout and the cache root visible at
# the same paths as on the host, so build trees made inside work outside
# and the other way round. The bind mounts live in a private mount
# namespace and vanish with CMD.
in_rootfs() {
	local root=$1 cache
	shift
	cache=$(cache_root)
	mkdir -p "$cache"
	# /tmp first: the checkout or the cache may live under it.
	unshare --mount --propagation private -- /bin/sh -ec '
		root=$1 repo=$2 cache=$3
		shift 3
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mount -t tmpfs tmpfs "$root/tmp"
		mkdir -p "$root$repo" "$root$cache"
		mount --bind "$repo" "$root$repo"
		mount --bind "$cache" "$root$cache"
		exec chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			MMAPDEMO_CACHE="$cache" "$@"' sh "$root" "$MMAPDEMO_ROOT" "$cache" "$@"
}

# no_kdir_message KDIR: what to install when KDIR (a kernel build tree,
# usually /lib/modules/RELEASE/build) is missing, for this distribution.
no_kdir_message() {
	local kdir=$1 rel id=
	rel=$(basename "$(dirname "$kdir")")
	[[ $kdir == /lib/modules/*/build ]] || rel=$(uname -r)
	# shellcheck disable=SC1091
	[[ -r /etc/os-release ]] && id=$(. /etc/os-release && echo "${ID:-} ${ID_LIKE:-}")
	printf 'no kernel build tree at %s: install the headers of kernel %s: ' "$kdir" "$rel"
	case " $id " in
	*" debian "* | *" ubuntu "*) printf 'apt install linux-headers-%s' "$rel" ;;
	*" fedora "* | *" rhel "*) printf 'dnf install kernel-devel-%s' "$rel" ;;
	*" arch "*) printf 'pacman -S linux-headers' ;;
	*) printf 'linux-headers-%s (Debian, Ubuntu), kernel-devel-%s (Fedora), linux-headers (Arch)' "$rel" "$rel" ;;
	esac
	printf '; or build for another kernel with KVER=RELEASE or KDIR=/path/to/its/build\n'
}

# debug_env [VARIANT]: the newest debug kernel (VARIANT debug or kcsan),
# built in the tree of the matrix entry with the newest linux-source-*
# (scripts/matrix.sh), and user space built in that tree. Sets DK_DIR
# (scripts/debug-kernel.sh's cache dir), DK_ROOTFS (the guest's root) and
# DK_USER (user space, under build/). Progress on stderr. Keeps them when
# all three are set already (make check's debug stages pass what they
# have built, and so does planted-bug.sh debug-6.1, with DK_ROOTFS=/).
debug_env() {
	local dir
	[[ -n ${DK_DIR:-} && -n ${DK_ROOTFS:-} && -n ${DK_USER:-} ]] && return
	# shellcheck source=scripts/matrix.sh
	. "$MMAPDEMO_ROOT/scripts/matrix.sh"
	dir=$("$MMAPDEMO_ROOT/scripts/rootfs.sh" build "$DEBUG_ENTRY") || return 1
	DK_ROOTFS=$dir/root
	DK_DIR=$(in_rootfs "$DK_ROOTFS" "$MMAPDEMO_ROOT/scripts/debug-kernel.sh" \
		build "${1:-debug}") || return 1
	DK_USER=matrix/$DEBUG_ENTRY/user
	in_rootfs "$DK_ROOTFS" sh -c "cd '$MMAPDEMO_ROOT' &&
		make -s -C user O='$MMAPDEMO_ROOT/build/$DK_USER' WERROR=-Werror lib cli &&
		make -s -C user/tests/guest O='$MMAPDEMO_ROOT/build/$DK_USER' WERROR=-Werror &&
		make -s -C user/examples O='$MMAPDEMO_ROOT/build/$DK_USER' WERROR=-Werror" >&2
}

# debug_module OUT [SRC]: the module (from SRC, default this tree) built
# against the debug_env kernel in its tree, with W=1 and no warnings.
debug_module() {
	local run=()
	[[ $DK_ROOTFS == / ]] || run=(in_rootfs "$DK_ROOTFS")
	"${run[@]}" env MMAPDEMO_SRC="${2:-$MMAPDEMO_ROOT}" \
		"$MMAPDEMO_ROOT/scripts/build-module.sh" --strict "$DK_DIR/build" "$1"
}
