# shellcheck shell=bash
# The kernel matrix: one entry per Debian release whose kernel make check
# boots. Source it; do not run it.
#
# bookworm is the host's own release (Debian 12): its kernel is the stock
# stage's and the guest's root is the host's. Every other entry gets a root
# file system of its own (scripts/rootfs.sh), where the module and user
# space are built with that release's compiler.
#
#   NAME              suites (first = base)       kernel from       tier
#   bullseye          bullseye                    bullseye (5.10)   core
#   trixie            trixie                      trixie (6.12)     core
#   sid               sid                         sid (7.2)         core
#   trixie-backports  trixie trixie-backports     backports (7.3)   full
#
# tier full runs every guest suite (the real clients too), core the
# mapping, huge-mapping, lifecycle, ring, read/write and security suites. The newest
# linux-source-* (sid's) is built into the debug and KCSAN kernels, in
# sid's tree with sid's compiler (scripts/debug-kernel.sh).
MATRIX=(bullseye trixie sid trixie-backports)

# matrix_entry NAME: sets M_SUITES, M_PIN (the suite the kernel comes
# from when it is not the base), M_SOURCE (a linux-source package to
# install, for the debug kernels), M_TIER and M_EXTRA (more packages for
# this entry's tree only: what the packages of the deb stage depend on,
# since its guest has no network).
matrix_entry() {
	M_PIN= M_SOURCE= M_TIER=core M_EXTRA=
	case $1 in
	bullseye) M_SUITES=bullseye ;;
	trixie) M_SUITES=trixie ;;
	sid) M_SUITES=sid M_SOURCE=linux-source-7.2 ;;
	trixie-backports)
		M_SUITES="trixie trixie-backports" M_PIN=trixie-backports
		M_TIER=full M_EXTRA="dkms systemd-standalone-sysusers"
		;;
	# Not a stage of its own: the tree where the module is cross-built
	# for Debian's arm64 7.3 kernels (scripts/arm64.sh): 7.3's amd64
	# linux-kbuild and headers -common, and trixie's aarch64 gcc 14,
	# the compiler those kernels were built with.
	arm64-cross)
		M_SUITES="trixie trixie-backports" M_PIN=trixie-backports
		M_EXTRA=gcc-aarch64-linux-gnu
		;;
	*) return 1 ;;
	esac
}

# Suites of the core tier (globs over user/tests/guest/*.sh).
CORE_SUITES=10-*,15-*,20-*,22-*,23-*,25-*,26-*,30-*,35-*,40-ring,93-*

# The entry whose tree builds the debug and KCSAN kernels (newest source).
DEBUG_ENTRY=sid
# The entry whose tree and kernel the deb stage installs the packages in.
DEB_ENTRY=trixie-backports
# Suites of the debug kernels (KASAN, lockdep, PAGE_TABLE_CHECK, ...): the
# driver paths whose memory safety and locking they exist to check
# (mapping, huge, behaviour, lifecycle, several devices, rings, fuzz,
# fail-nth, stress; KUnit runs besides). The read/write, security and
# ring-tool suites run on every stock kernel of the tier instead.
# 26-dmabuf runs its debug set here (dma-buf mappings, lifetime, a
# sw_sync fence; KUnit is the importer), not on debug-6.1.
DEBUG_SUITES=20-*,22-*,23-*,24-*,25-*,26-*,30-*,35-*,40-ring,90-*,91-*,92-*
# The 6.1 debug kernel has no THP, so the driver maps 4 KiB pages there:
# 24-huge-failnth would inject the same faults into the same paths as
# 91-failnth (only with a 16 MiB buffer; 131 s of its 1050 in the first
# cold run). The 7.2 debug kernel runs it, with 2 MiB entries.
DEBUG_61_SUITES=20-*,22-*,23-*,25-*,30-*,35-*,40-ring,90-*,91-*,92-*
# Suites of the KCSAN kernel: what shares memory between kernel contexts,
# and the behaviour of every call (25-behaviour).
KCSAN_SUITES=25-*,40-ring,90-*,92-*

# stage_suites STAGE: the guest flavor of a guest stage of make check and
# the globs that limit its suites (none: every suite of the flavor), as
# "FLAVOR GLOBS"; returns 1 for a stage that runs no suites.
stage_suites() {
	case $1 in
	stock) echo stock ;;
	debug) echo "debug $DEBUG_SUITES" ;;
	debug-6.1) echo "debug $DEBUG_61_SUITES" ;;
	kcsan) echo "kcsan $KCSAN_SUITES" ;;
	*)
		matrix_entry "$1" || return 1
		if [[ $M_TIER == core ]]; then
			echo "stock $CORE_SUITES"
		else
			echo stock
		fi
		;;
	esac
}
