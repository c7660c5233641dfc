#!/bin/sh
# 8 processes x map/write/unmap/fork/exit cycles while the kernel fills
# and checksums and a resize is tried (stress.c). MD_STRESS_CYCLES:
# cycles per process.
. /run/mmapdemo/repo/scripts/guest/lib.sh
MD_TEST_TIMEOUT=1500 exec "$GUEST_TESTS/stress" -m fault
