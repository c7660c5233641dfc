#!/bin/sh
# mmapdemo-guest: start-unloaded
# Several devices: the module loaded with devices=3 through the tool,
# then multidev.c in both map modes; left loaded for the runner's unload.
. /run/mmapdemo/repo/scripts/guest/lib.sh
if ! md_load devices=3 >/dev/null; then
	echo "Bail out! cannot load the module with devices=3"
	exit 1
fi
exec "$GUEST_TESTS/multidev"
