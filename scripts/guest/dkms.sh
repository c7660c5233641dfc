#!/bin/sh
# Inside the stock guest, after the host's dkms stage installed the
# module with DKMS into /lib/modules (the guest's root is the host's):
# modprobe finds and loads the DKMS build, the device works, modprobe -r
# unloads it. Starts and ends with the module unloaded. Prints TAP.
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/tap.sh"

KO=/lib/modules/$(uname -r)/updates/dkms/mmapdemo.ko
VERSION=$(sed -n 's/^PACKAGE_VERSION="\([^"]*\)"$/\1/p' "$REPO/dkms.conf")

plan 13

if md_loaded; then
	echo "Bail out! mmapdemo is loaded before modprobe"
	exit 1
fi

check "modinfo -n mmapdemo is the DKMS build in updates/dkms" \
	test "$(modinfo -n mmapdemo)" = "$KO"
check "modinfo reports version $VERSION (dkms.conf)" \
	test "$(modinfo -F version mmapdemo)" = "$VERSION"
check "modprobe mmapdemo" modprobe mmapdemo

# The running module is the DKMS file, not build/stock/mmapdemo.ko: same
# srcversion and version as the file modinfo found.
t_loaded_is_dkms() {
	test "$(cat /sys/module/mmapdemo/srcversion)" = \
		"$(modinfo -F srcversion "$KO")" &&
		test "$(cat /sys/module/mmapdemo/version)" = "$VERSION"
}
check "the loaded module is the DKMS one (srcversion, version)" \
	t_loaded_is_dkms
check "/dev/mmapdemo is a character device" test -c /dev/mmapdemo

# info --json SIZE MODE: the device answers INFO with that size and mode.
t_info() {
	"$MMAPDEMO_TOOL" info --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(d["size"] != int(sys.argv[1]) or d["map_mode"] != sys.argv[2])' "$@"
}
check "the device answers: 4 MiB, fault mode (the defaults)" \
	t_info 4194304 fault
check "modprobe -r mmapdemo unloads it" \
	sh -c 'modprobe -r mmapdemo && ! test -d /sys/module/mmapdemo &&
	       ! test -e /dev/mmapdemo'

t_modprobe_params() {
	modprobe mmapdemo size=1M map_mode=remap &&
		test "$(md_param size)" = 1048576 &&
		test "$(md_param map_mode)" = remap
}
check "modprobe mmapdemo size=1M map_mode=remap sets the parameters" \
	t_modprobe_params
check "the device has the new size and mode" t_info 1048576 remap
check "mmapdemo verify passes in both map modes" \
	"$MMAPDEMO_TOOL" verify --mode both
check "modprobe -r after parameters" modprobe -r mmapdemo

# The tool without --module looks the module up in /lib/modules, through
# libkmod, as modprobe does.
t_tool_load() {
	"$MMAPDEMO_TOOL" load >/dev/null &&
		test "$(cat /sys/module/mmapdemo/srcversion)" = \
			"$(modinfo -F srcversion "$KO")"
}
check "mmapdemo load (no --module) finds the DKMS build" t_tool_load
check "mmapdemo unload" "$MMAPDEMO_TOOL" unload

done_testing
