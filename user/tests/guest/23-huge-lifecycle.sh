#!/bin/sh
# The lifecycle suite (lifecycle.c) in both modes, every load of the
# module with a buffer of four PMDs (at least 16 MiB) first (huge
# mappings where the kernel has them).
# mmapdemo-guest: start-unloaded
. /run/mmapdemo/repo/scripts/guest/lib.sh
HUGE_SIZE=$(md_huge_size)
md_load size="$HUGE_SIZE" || { echo "Bail out! cannot load with size=$HUGE_SIZE"; exit 1; }
MMAPDEMO_TEST_LOAD_PARAMS=size=$HUGE_SIZE exec "$GUEST_TESTS/lifecycle"
