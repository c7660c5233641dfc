#!/bin/sh
# mmapdemo-guest: flavor debug kcsan
# mmapdemo-guest: start-unloaded
# The random-operation fuzzer (fuzz.c) on the debug kernel, with a short
# budget, on two devices at once (devices=2): a fuzzer of two processes
# on each, 100000 operations or 100 s, whichever ends first (the debug
# kernel under QEMU/TCG does 500 to 3000 operations a second here,
# depending on what else the host runs). Each checks its own device's
# data against its own model, so anything one device's operations did to
# the other would show. A fresh seed each run, printed with the command
# line that replays it. The console is scanned for splats and kmemleak
# checked after the whole debug run. One TAP stream: both plans added
# up, the tests renumbered and named by device.
. /run/mmapdemo/repo/scripts/guest/lib.sh
if ! md_load devices=2 >/dev/null; then
	echo "Bail out! cannot load the module with devices=2"
	exit 1
fi
t=$(mktemp -d)
"$GUEST_TESTS/fuzz" --ops 100000 --procs 2 --max-seconds 100 --device 1 \
	>"$t/1" 2>"$t/1.err" &
pid=$!
"$GUEST_TESTS/fuzz" --ops 100000 --procs 2 --max-seconds 100 --device 0 \
	>"$t/0" 2>"$t/0.err"
rc=$?
wait $pid || rc=1
echo "1..$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$t/0" "$t/1" |
	awk '{ n += $1 } END { print n + 0 }')"
awk 'FNR == 1 { dev = FILENAME ~ /1$/ ? "/dev/mmapdemo1" : "/dev/mmapdemo" }
/^1\.\.[0-9]+$/ { next }
/^(not )?ok [0-9]+/ {
	not = $1 == "not" ? "not " : ""
	sub(/^(not )?ok [0-9]+/, "")
	printf "%sok %d%s (%s)\n", not, ++k, $0, dev
	next
}
{ print }' "$t/0" "$t/1"
cat "$t/0.err" "$t/1.err" >&2
rm -rf "$t"
exit $rc
