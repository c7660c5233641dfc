#!/bin/sh
# 8 processes x map/write/unmap/fork/exit cycles while the kernel fills
# and checksums and a resize is tried (stress.c).
# MMAPDEMO_TEST_STRESS_CYCLES: cycles per process; 500, or 250 on the
# debug and KCSAN kernels, which are ~10x slower (each of its two runs is
# then still 2000 cycles).
. /run/mmapdemo/repo/scripts/guest/lib.sh
case $FLAVOR in
debug | kcsan) cycles=250 ;;
*) cycles=500 ;;
esac
export MMAPDEMO_TEST_STRESS_CYCLES=${MMAPDEMO_TEST_STRESS_CYCLES:-$cycles}
MMAPDEMO_TEST_TIMEOUT=1500 exec "$GUEST_TESTS/stress" -m fault
