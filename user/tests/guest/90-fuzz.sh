#!/bin/sh
# mmapdemo-guest: flavor debug
# The random-operation fuzzer (fuzz.c) on the debug kernel, with a short
# budget (50000 operations: about 50 s on the debug kernel in QEMU/TCG on
# an idle two-core host, twice that on a busy one): several processes,
# every kind of operation, a fresh seed each
# run (printed, with the command line that replays it). The console is
# scanned for splats and kmemleak checked after the whole debug run.
. /run/mmapdemo/repo/scripts/guest/lib.sh
exec "$GUEST_TESTS/fuzz" --ops "${md_fuzz_check_ops:-50000}" --procs 4
