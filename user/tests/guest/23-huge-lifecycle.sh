#!/bin/sh
# The lifecycle suite (lifecycle.c) in both modes, every load of the
# module with a 16 MiB buffer first (huge mappings where the kernel has them).
# mmapdemo-guest: start-unloaded
. /run/mmapdemo/repo/scripts/guest/lib.sh
md_load size=16M || { echo "Bail out! cannot load with size=16M"; exit 1; }
MMAPDEMO_TEST_LOAD_PARAMS=size=16M exec "$GUEST_TESTS/lifecycle"
