#!/bin/bash
# Host test (TAP) of scripts/splat-scan.sh: what counts as a splat.
cd "$(dirname "$0")/../.." || exit 1
t=$(mktemp)
trap 'rm -f "$t"' EXIT
n=0 failed=0

# expect RC NAME LINES...: the scan of LINES exits RC.
expect() {
	local want=$1 name=$2
	shift 2
	printf '%s\n' "$@" >"$t"
	n=$((n + 1))
	scripts/splat-scan.sh "$t" >/dev/null
	if [[ $? -eq $want ]]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		failed=$((failed + 1))
	fi
}

echo "1..11"
expect 0 "a clean log" "[    1.000000] mmapdemo: 4194304 bytes" "guest: ok"
expect 1 "a KASAN report" "[    1.000000] BUG: KASAN: use-after-free in x"
expect 1 "a WARNING" "[    1.000000] WARNING: CPU: 0 PID: 1 at x"
expect 1 "a bare stack trace" "[    1.000000] Call Trace:"
expect 0 "user space cannot fake one" "BUG: KASAN: not from the kernel"
expect 1 "an allocation failure trace without fault injection" \
	"[    1.0] a: page allocation failure: order:0" "[    1.0] Call Trace:" \
	"[    1.0] RIP: 0033:0x7f00" "[    1.0] </TASK>"
expect 0 "... with fault injection on, its trace is expected" \
	"[    0.9] mmapdemo-test: fault injection on" \
	"[    1.0] a: vmalloc error: size 32768" "[    1.0] Call Trace:" \
	"[    1.0] RIP: 0033:0x7f00" "[    1.0] </TASK>" \
	"[    1.1] mmapdemo-test: fault injection off"
expect 1 "... but only up to the end of that report" \
	"[    0.9] mmapdemo-test: fault injection on" \
	"[    1.0] a: vmalloc error: size 32768" "[    1.0] Call Trace:" \
	"[    1.0] </TASK>" "[    1.2] Call Trace:"
expect 1 "... and a real splat in it still counts" \
	"[    0.9] mmapdemo-test: fault injection on" \
	"[    1.0] a: page allocation failure: order:0" \
	"[    1.0] BUG: KASAN: slab-out-of-bounds" "[    1.0] </TASK>"

# origin WANT NAME LINES...: splat_verdict's first line says WANT.
origin() {
	local want=$1 name=$2 d
	shift 2
	d=$(mktemp -d)
	printf '%s\n' "$@" >"$d/console.log"
	n=$((n + 1))
	if (. scripts/lib.sh && splat_verdict "$d") | head -n 1 | grep -qF "$want"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		failed=$((failed + 1))
	fi
	rm -rf "$d"
}
origin "in mmapdemo's code" "a report with a frame of the module is mmapdemo's" \
	"[    0.5] mmapdemo: 4194304 bytes" \
	"[    1.0] BUG: KASAN: use-after-free in mmapdemo_release+0x3c/0x90 [mmapdemo]" \
	"[    1.0] Call Trace:" "[    1.0]  mmapdemo_release+0x3c/0x90 [mmapdemo]"
origin "outside mmapdemo's code" "a boot-time report with no mmapdemo frame is not" \
	"[    0.002] BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x6e/0x1e0" \
	"[    0.002] Call Trace:" "[    0.002]  identify_cpu+0x1c3/0x6a0" \
	"[    5.000] mmapdemo: 4194304 bytes"
[[ $failed -eq 0 ]]
