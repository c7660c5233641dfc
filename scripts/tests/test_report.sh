#!/bin/bash
# Host test (TAP) of scripts/report.sh (make report) on a fake results
# directory: what it takes from kernels.md, check.txt and bench*/bench.txt.
cd "$(dirname "$0")/../.." || exit 1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
n=0 failed=0
ok() {
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		failed=$((failed + 1))
	fi
}

echo "1..10"
mkdir -p "$t/r/bench-stock" "$t/empty"
printf '| kernel | release |\n|---|---|\n| 6.1.0-9-amd64 | Debian 12 |\n' >"$t/r/kernels.md"
printf 'make check of abc1234, started 2026-12-07 10:00 UTC, on x86_64, 2 CPUs, QEMU emulator version 7.2.0\n== host\n  noise\n  host: 10 passed, 0 failed on 6.1\n== summary (seconds)\nhost  10 passed\n11 passed, 1 failed\n' \
	>"$t/r/check.txt"
printf 'setup remap-4K 1.00\n' >"$t/r/bench-stock/bench.txt"
mkdir -p "$t/r/debug"
printf '1..2\nok 1 - x\n# open(): 8 iterations, 3 failed cleanly, 0 ok despite a fault\n# noise\nok 2 - y\n' \
	>"$t/r/debug/91-failnth.tap"
printf '1..1\n# fuzz: seed 42, 2 processes\n# errnos: EINVAL 3\nok 1 - z\n' >"$t/r/debug/90-fuzz.tap"
scripts/report.sh "$t/r" >/dev/null 2>&1
ok "writes report.md" '[[ -s $t/r/report.md ]]'
ok "holds the kernel table" 'grep -qF "| 6.1.0-9-amd64 | Debian 12 |" "$t/r/report.md"'
ok "holds the stage lines, not the stages' other output" \
	'grep -qF "  host: 10 passed, 0 failed on 6.1" "$t/r/report.md" && ! grep -q noise "$t/r/report.md"'
ok "holds the summary and the total" 'grep -qx "11 passed, 1 failed" "$t/r/report.md"'
ok "holds each bench table" 'grep -qF "## Bench: bench-stock/bench.txt" "$t/r/report.md" &&
	grep -qF "setup remap-4K 1.00" "$t/r/report.md"'
ok "says the machine" 'grep -q "^Machine: " "$t/r/report.md"'
ok "says the commit the run was of, from check.txt" \
	'grep -qx "Run: make check of abc1234, started 2026-12-07 10:00 UTC, on x86_64, 2 CPUs, QEMU emulator version 7.2.0." "$t/r/report.md"'
ok "holds the fail-nth summary lines, not the rest of the TAP" \
	'grep -qF "# open(): 8 iterations, 3 failed cleanly" "$t/r/report.md" && ! grep -q "ok 1 - x" "$t/r/report.md"'
ok "holds the fuzzer's seed and errnos" \
	'grep -qF "# fuzz: seed 42" "$t/r/report.md" && grep -qF "# errnos: EINVAL 3" "$t/r/report.md"'
scripts/report.sh "$t/empty" >/dev/null 2>&1
rc=$?
ok "fails, writing nothing, without results" '[[ $rc -ne 0 && ! -e $t/empty/report.md ]]'
[[ $failed -eq 0 ]]
