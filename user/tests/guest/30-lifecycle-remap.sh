#!/bin/sh
# Unload, resize and parameter rules in the remap mode (lifecycle.c).
. /run/mmapdemo/repo/scripts/guest/lib.sh
exec "$GUEST_TESTS/lifecycle" -m remap
