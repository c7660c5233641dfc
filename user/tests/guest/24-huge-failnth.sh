#!/bin/sh
# Systematic fault injection (failnth.c) in both modes with a 16 MiB
# buffer: on kernels with huge mappings its first touch, splits and forks
# go through the 2 MiB fault paths.
# mmapdemo-guest: flavor debug
# mmapdemo-guest: start-unloaded
. /run/mmapdemo/repo/scripts/guest/lib.sh
HUGE_SIZE=$(md_huge_size)
md_load size="$HUGE_SIZE" || { echo "Bail out! cannot load with size=$HUGE_SIZE"; exit 1; }
md_fault_sites on || { echo "Bail out! fault injection sites"; exit 1; }
MMAPDEMO_TEST_LOAD_PARAMS=size=$HUGE_SIZE MMAPDEMO_TEST_TIMEOUT=900 "$GUEST_TESTS/failnth"
rc=$?
md_fault_sites off
exit $rc
