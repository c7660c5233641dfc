# shellcheck shell=bash
# make check's arm64 stages. Sourced by scripts/check.sh (after its
# helpers: step, fail, count_guest, count_kunit, kernel_row, suites_arg);
# do not run it.
#
#   arm64-6.1   Debian 12's linux-image-arm64 (6.1), 4 KiB pages
#   arm64-7.3   trixie-backports' linux-image-arm64 (7.3), 4 KiB pages;
#               the real clients (fio, Python, gdb) run here
#   arm64-16k   trixie-backports' linux-image-arm64-16k (7.3), 16 KiB pages
#   arm64-64k   7.3 built with 64 KiB pages, DEBUG_VM and the page-table
#               checks (scripts/debug-kernel.sh arm64-64k), KUnit
#
# Each boots its kernel in qemu-system-aarch64 (TCG, -M virt, -cpu max)
# with the arm64 root of scripts/arm64.sh (Debian 12, exported read-only
# over 9p) and runs the suites below in both map modes, the module loaded
# through the tool (libkmod). The module is cross-built against each
# kernel with W=1 and no warnings: on the host for 6.1 (its gcc 12 and
# amd64 kbuild), in the arm64-cross tree for 7.3 (trixie's gcc 14, 7.3's
# amd64 kbuild); user space once, on the host, with aarch64-linux-gnu-gcc
# against the arm64 root's libkmod.

# shellcheck disable=SC2034 # used by check.sh and what-runs-where.sh
ARM64_STAGES=(arm64-6.1 arm64-7.3 arm64-16k arm64-64k)
# mapping, read/write, behaviour, lifecycle, several devices, rings, and
# the huge mappings where a buffer of four PMDs fits (arm64_suites).
ARM64_SUITES='10-*,20-*,22-*,23-*,25-*,30-*,35-*,40-ring'
# Once on arm64: the real clients. The tool's own suite (cli, about 150 s
# of TCG here) runs on x86-64 only; on arm64 the tool loads and unloads
# the module through libkmod before and after every suite.
ARM64_CLIENTS=40-fio,50-python,55-python-module,60-gdb

# arm64_suites STAGE: the suite globs of STAGE. 6.1 maps no PMDs (no
# huge_fault for a char device), so of the huge suites it runs 22-huge
# (INFO.huge is 0, the data right) and not 23-huge-*, which there are
# 20-mapping and 30-lifecycle again with a bigger buffer. With 64 KiB
# pages a PMD maps 512 MiB: huge.c needs a buffer of four (2 GiB), more
# than this guest's memory, so 22-huge and 23-huge-* do not run there
# (the stage says so; the 16 KiB stage runs them with 32 MiB PMDs).
arm64_suites() {
	case $1 in
	arm64-6.1) echo "${ARM64_SUITES//,23-\*/}" ;;
	arm64-7.3) echo "$ARM64_SUITES,$ARM64_CLIENTS" ;;
	arm64-64k) echo "${ARM64_SUITES//,22-\*,23-\*/}" ;;
	*) echo "$ARM64_SUITES" ;;
	esac
}

arm64_jobs() {
	job arm64:root "" "" rootfs
	job arm64:kernel-6.1 "" "" rootfs
	job arm64:kernel-7.3 "" "" rootfs
	job arm64:kernel-16k "" "" rootfs
	job rootfs:arm64-cross "" "" rootfs
	job arm64:kernel-64k "" kernel:kcsan kbuild
	job arm64:user arm64:root "" ""
	job arm64-6.1 "arm64:user arm64:kernel-6.1" "" ""
	job arm64-7.3 "arm64:user arm64:kernel-7.3 rootfs:arm64-cross" "" ""
	job arm64-16k "arm64:user arm64:kernel-16k rootfs:arm64-cross" "" ""
	job arm64-64k "arm64:user arm64:kernel-64k" "" ""
}

# arm64_body NAME: what the job NAME does (1 when NAME is not ours).
arm64_body() {
	local log=$B/arm64/${1//:/-}.log
	mkdir -p "$B/arm64"
	case $1 in
	arm64:root)
		scripts/arm64.sh root >"$S/arm64-root.dir" 2>"$log" ||
			{ rm -f "$S/arm64-root.dir"; return 1; }
		;;
	arm64:kernel-6.1 | arm64:kernel-7.3)
		scripts/arm64.sh kernel "${1#arm64:kernel-}" >"$S/${1//:/-}.dir" 2>"$log" ||
			{ rm -f "$S/${1//:/-}.dir"; return 1; }
		;;
	arm64:kernel-16k)
		scripts/arm64.sh kernel 7.3-16k >"$S/${1//:/-}.dir" 2>"$log" ||
			{ rm -f "$S/${1//:/-}.dir"; return 1; }
		;;
	arm64:kernel-64k)
		local deb
		deb=$(scripts/arm64.sh source-deb 2>"$log") &&
			MMAPDEMO_KSRC_DEB=$deb scripts/debug-kernel.sh build arm64-64k \
				>"$S/${1//:/-}.dir" 2>>"$log" ||
			{ rm -f "$S/${1//:/-}.dir"; return 1; }
		;;
	arm64:user) arm64_user "$log" ;;
	arm64-*) arm64_stage "$1" ;;
	*) return 1 ;;
	esac
}

# The cross compiler's view of the arm64 root's libkmod (its -dev
# package): headers and libraries under the root, found by pkg-config.
arm64_user() {
	local log=$1 root lib out=$B/arm64/user
	root=$(cat "$S/arm64-root.dir")/root
	lib=$root/usr/lib/aarch64-linux-gnu
	: >"$log"
	# The Python module's constants come from a C program that
	# gen_uapi.py runs, so with the host's compiler: the uapi has only
	# fixed-size types and asm-generic ioctl numbers, the same on arm64
	# (python_module.py checks them against the device in the guest).
	make -s -C user O="$out" WERROR=-Werror python >>"$log" 2>&1 &&
		make -s -C user O="$out" WERROR=-Werror AR=aarch64-linux-gnu-ar \
			CC="aarch64-linux-gnu-gcc -Wl,-rpath-link,$lib:$root/lib/aarch64-linux-gnu" \
			PKG_CONFIG="env PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$lib/pkgconfig PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 pkg-config" \
			lib cli >>"$log" 2>&1 &&
		make -s -C user/tests/guest O="$out" WERROR=-Werror CC=aarch64-linux-gnu-gcc \
			>>"$log" 2>&1 ||
		{ tail -n 20 "$log"; return 1; }
	file "$out/cli/mmapdemo" | grep -q 'ARM aarch64' ||
		{ echo "arm64: $out/cli/mmapdemo is not an arm64 program" >>"$log"; return 1; }
}

# arm64_page_size CONFIG: the page size in KiB that a kernel .config picks.
arm64_page_size() {
	local k
	for k in 4 16 64; do
		grep -q "^CONFIG_ARM64_${k}K_PAGES=y" "$1" && { echo "$k"; return; }
	done
	echo "?"
}

arm64_stage() {
	local name=$1 out=$B/arm64/$1 log=$B/arm64/$1.log kd kroot kernel krel
	local kmake=() build=() cfg globs mods=() what cc res=$R/$1 rc=0
	local aroot release
	: >"$log"
	stage_kernel=
	if ! aroot=$(cat "$S/arm64-root.dir" 2>/dev/null)/root || [[ ! -x $aroot/bin/busybox ]]; then
		fail "$name: no arm64 root file system (log: $B/arm64/arm64-root.log)"
		return
	fi
	if [[ ! -x $B/arm64/user/cli/mmapdemo ]]; then
		fail "$name: user space did not cross-build (log: $B/arm64/arm64-user.log)"
		tail -n 10 "$B/arm64/arm64-user.log" 2>/dev/null | sed 's/^/    /'
		return
	fi
	case $name in
	arm64-64k)
		kd=$(cat "$S/arm64-kernel-64k.dir" 2>/dev/null)
		if [[ ! -e $kd/.complete ]]; then
			fail "$name: could not build the 64 KiB kernel (log: $B/arm64/arm64-kernel-64k.log)"
			tail -n 15 "$B/arm64/arm64-kernel-64k.log" 2>/dev/null | sed 's/^/    /'
			return
		fi
		krel=$(cat "$kd/kernel.release") kernel=$kd/Image kroot='' cfg=$kd/config
		kmake=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
		set -- "$kd/build"
		cc=$(aarch64-linux-gnu-gcc -dumpfullversion)
		release="built from $(basename "$(readlink "$kd/src")")"
		;;
	*)
		kd=$(cat "$S/arm64-kernel-${name#arm64-}.dir" 2>/dev/null)
		if [[ ! -e $kd/.complete ]]; then
			fail "$name: no Debian arm64 kernel (log: $B/arm64/arm64-kernel-${name#arm64-}.log)"
			tail -n 15 "$B/arm64/arm64-kernel-${name#arm64-}.log" 2>/dev/null | sed 's/^/    /'
			return
		fi
		krel=$(cat "$kd/kernel.release") kernel=$kd/vmlinuz kroot=$kd/root
		set -- "$(cat "$kd/kdir")"
		cfg=$1/.config
		mods=(virtio_mmio 9pnet_virtio 9p brd)
		if [[ $name == arm64-6.1 ]]; then
			# 6.1's headers leave ARCH and CROSS_COMPILE to the caller.
			kmake=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
			cc=$(aarch64-linux-gnu-gcc -dumpfullversion)
			release="Debian 12 bookworm linux-image-arm64 $(cat "$kd/kernel.version")"
		else
			# 7.3's name ARCH and CROSS_COMPILE, and their own path as
			# KBUILD_OUTPUT: here it is under the cache.
			kmake=("KBUILD_OUTPUT=$1")
			if ! matrix_tree arm64-cross; then
				return
			fi
			build=(in_rootfs "$ROOTFS")
			cc=$("${build[@]}" aarch64-linux-gnu-gcc -dumpfullversion 2>/dev/null)
			release="Debian 13 trixie-backports linux-image-arm64$([[ $name == arm64-16k ]] &&
				echo -16k) $(cat "$kd/kernel.version")"
		fi
		;;
	esac
	# shellcheck disable=SC2034 # check.sh's run_job reads it
	stage_kernel=$krel
	local kib
	kib=$(arm64_page_size "$cfg")
	echo "  kernel $krel (arm64, $kib KiB pages), $release, aarch64 gcc $cc"
	step "$name" "module cross-builds against $krel (arm64, gcc $cc), W=1, no warnings" \
		"$log" "${build[@]}" env MMAPDEMO_KMAKE_ARGS="${kmake[*]}" \
		"$MMAPDEMO_ROOT/scripts/build-module.sh" --strict "$1" "$out" || return
	globs=$(arm64_suites "$name")
	[[ $name == arm64-64k ]] &&
		echo "  not run: 22-huge, 23-huge-* (a PMD maps 512 MiB at 64 KiB pages; huge.c needs four, 2 GiB, beyond this guest's memory)"
	mkdir -p "$(dirname "$res")"
	# The Debian kernels' virtio-mmio, 9p and brd modules from their
	# packages; the 64 KiB kernel has them built in.
	local initrd_args=("$res.initramfs.cpio.gz" -)
	[[ -z $kroot ]] || initrd_args=(--root "$kroot" "$res.initramfs.cpio.gz" "$krel" "${mods[@]}")
	MMAPDEMO_BUSYBOX=$aroot/bin/busybox "$MMAPDEMO_ROOT/scripts/mkinitramfs.sh" \
		"${initrd_args[@]}" >>"$log" 2>&1 || { fail "$name: no initramfs (log: $log)"; return; }
	local action=tests
	[[ $name == arm64-64k ]] && action=check
	"$MMAPDEMO_ROOT/scripts/run-guest.sh" --arch arm64 --kernel "$kernel" \
		--root "$aroot" --initrd "$res.initramfs.cpio.gz" --flavor stock \
		--action "$action" --out "$res" --timeout 1200 \
		--append "$([[ $name == arm64-64k ]] && cat "$kd/cmdline") md_build=arm64/$name md_user=arm64/user $(suites_arg "$globs")" ||
		rc=$?
	count_guest "$name" stock "$res" "$rc" "$globs"
	what="$(guest_suites stock "$globs" | paste -sd ' ') in both modes, the tool through libkmod"
	if [[ $name == arm64-64k ]]; then
		if [[ -f $out/mmapdemo_kunit.ko ]]; then
			count_kunit "$res" "$name" "$out/mmapdemo_kunit.ko"
		else
			fail "$name: mmapdemo_kunit.ko was not built"
		fi
		what="DEBUG_VM, PAGE_TABLE_CHECK, DEBUG_VM_PGTABLE: $what; KUnit; no huge suites (PMD 512 MiB)"
	fi
	kernel_row "$krel" "$release; arm64, $kib KiB pages" "aarch64 gcc $cc" "$what"
}
