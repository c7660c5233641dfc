#!/bin/sh
# Unload, resize and parameter rules in both map modes (lifecycle.c).
. /run/mmapdemo/repo/scripts/guest/lib.sh
exec "$GUEST_TESTS/lifecycle"
