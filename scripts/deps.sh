#!/bin/bash
# Install, from Debian's packages, whatever the build and the guests need
# and is not there yet. Fast when everything is present (no apt-get run).
#
# usage: scripts/deps.sh [--print | PACKAGE...]
#   --print  list the packages and exit
#   PACKAGE  install these instead of the list below (make lint:
#            linux-source-6.1 for checkpatch.pl)
set -euo pipefail

PACKAGES=(
	# building the module and user space
	build-essential make gcc libc6-dev pkg-config libkmod-dev kmod
	linux-headers-amd64 sparse
	# the stock guest: Debian's kernel (its modules also serve the guest
	# through the host root), QEMU, busybox for the initramfs
	linux-image-amd64 qemu-system-x86 qemu-system-data busybox-static cpio
	# DKMS packaging, tested for real (dkms signs with a key from openssl)
	dkms openssl
	# make deb: the Debian packages, lintian; the Python module's NumPy
	# tests (guest suite 55-python-module)
	debhelper dh-dkms dh-python lintian python3-numpy
	# tools the guest tests use through the host root, and real clients
	# of the device (fio also for make bench)
	python3 python3-numpy util-linux procps bsdextrautils fio gdb
	# make bench: gnuplot (no X) for the plot on the host; ICOUNT=1 and
	# make check's icount stage: GLib and dpkg-source for the counting
	# plugin (its qemu-plugin.h comes from Debian's qemu source package)
	gnuplot-nox libglib2.0-dev dpkg-dev
	# the kernel matrix: each release's root file system (scripts/rootfs.sh);
	# the debug and KCSAN kernels build inside sid's (the
	# debug-6.1 stage installs linux-source-6.1 and the kernel build tools
	# when it runs: scripts/debug-kernel.sh)
	mmdebstrap xz-utils zstd
	# the arm64 stages (scripts/arm64-check.sh): qemu-system-aarch64, the
	# cross compiler for the module against Debian 12's arm64 kernel and
	# for user space, and what the 64 KiB kernel's build needs
	qemu-system-arm gcc-aarch64-linux-gnu file flex bison bc libssl-dev
)

if [[ ${1:-} == --print ]]; then
	printf '%s\n' "${PACKAGES[@]}"
	exit 0
elif (($#)); then
	PACKAGES=("$@")
fi

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

echo "deps: installing ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
