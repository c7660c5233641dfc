#!/bin/sh
# The calls programs make on a shared file mapping, in both map modes
# (user/tests/guest/behaviour.c; the behaviour table in docs/design.md).
. /run/mmapdemo/repo/scripts/guest/lib.sh
exec "$GUEST_TESTS/behaviour"
