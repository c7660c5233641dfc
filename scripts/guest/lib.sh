# shellcheck shell=sh
# Shared by the guest-side scripts (POSIX sh, run inside the guest,
# chrooted into the host's root). Source it.

REPO=${REPO:-/run/mmapdemo/repo}
OUT=${OUT:-/run/mmapdemo/out}
FLAVOR=${md_flavor:-stock}
BUILD=$REPO/build/$FLAVOR
MMAPDEMO_KO=$BUILD/mmapdemo.ko
MMAPDEMO_TOOL=$REPO/build/user/cli/mmapdemo
GUEST_TESTS=$REPO/build/user/tests/guest
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export REPO OUT FLAVOR BUILD MMAPDEMO_KO MMAPDEMO_TOOL GUEST_TESTS PATH

md_loaded() {
	[ -d /sys/module/mmapdemo ]
}

# md_load [param=value...]: load the freshly built module, through the
# mmapdemo tool (libkmod), as users do.
md_load() {
	"$MMAPDEMO_TOOL" load --module "$MMAPDEMO_KO" "$@"
}

# md_unload: unload if loaded; fails when the module is still in use.
md_unload() {
	if md_loaded; then
		"$MMAPDEMO_TOOL" unload
	fi
}
