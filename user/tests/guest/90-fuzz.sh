#!/bin/sh
# mmapdemo-guest: flavor debug kcsan
# The random-operation fuzzer (fuzz.c) on the debug kernel, with a short
# budget: 200000 operations in four processes, or 100 s, whichever ends
# first (the debug kernel under QEMU/TCG does 500 to 3000 operations a
# second here, depending on what else the host runs); a fresh seed each
# run, printed with the command line that replays it. The console is
# scanned for splats and kmemleak checked after the whole debug run.
. /run/mmapdemo/repo/scripts/guest/lib.sh
exec "$GUEST_TESTS/fuzz" --ops 200000 --procs 4 \
	--max-seconds 100
