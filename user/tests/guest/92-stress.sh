#!/bin/sh
# 8 processes x map/write/unmap/fork/exit cycles while the kernel fills
# and checksums and a resize is tried (stress.c). MD_STRESS_CYCLES:
# cycles per process; 500, or 250 on the debug and KCSAN kernels, which is ~10x
# slower (each of its two runs is then still 2000 cycles).
. /run/mmapdemo/repo/scripts/guest/lib.sh
case $FLAVOR in
debug | kcsan) MD_STRESS_CYCLES=${MD_STRESS_CYCLES:-250} ;;
*) MD_STRESS_CYCLES=${MD_STRESS_CYCLES:-500} ;;
esac
export MD_STRESS_CYCLES
MD_TEST_TIMEOUT=1500 exec "$GUEST_TESTS/stress" -m fault
