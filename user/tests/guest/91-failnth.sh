#!/bin/sh
# Systematic fault injection (fail-nth) in both map modes (failnth.c).
# mmapdemo-guest: flavor debug
. /run/mmapdemo/repo/scripts/guest/lib.sh
md_fault_sites on || { echo "Bail out! fault injection sites"; exit 1; }
MD_TEST_TIMEOUT=900 "$GUEST_TESTS/failnth"
rc=$?
md_fault_sites off
exit $rc
