#!/bin/bash
# The sanitize stage of make check: libmmapdemo, the mmapdemo tool and
# the host tests built with -fsanitize=address,undefined into build/asan;
# the host tests run, then the tool is driven through its error paths
# (every command with bad options and values, without the device, bench
# --only with unknown names). Any AddressSanitizer, LeakSanitizer or
# UBSan report fails the stage: each goes to a file of its own under
# OUT/reports, and reports.tap checks that there is none.
#
# usage: scripts/sanitize.sh OUT   (TAP files in OUT, one per program)
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$MMAPDEMO_ROOT" || exit 1

out=${1:?usage: sanitize.sh OUT}
A=$MMAPDEMO_ROOT/build/asan
rm -rf "$out"
mkdir -p "$out/reports"
reports=$out/reports

# CC carries the flags so that every compile and link, also those of the
# install test's own consumer programs, is instrumented.
CC="gcc -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
ASAN_OPTIONS="detect_leaks=1:log_path=$reports/asan:exitcode=99"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
LSAN_OPTIONS="log_path=$reports/lsan"
export CC ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

{
	echo "1..1"
	if make -C user O="$A" CFLAGS="-O1 -g" WERROR=-Werror all >"$out/build.log" 2>&1; then
		echo "ok 1 - library, tool and host tests build with -fsanitize=address,undefined"
	else
		echo "not ok 1 - the sanitizer build failed (log: $out/build.log)"
		sed 's/^/# /' "$out/build.log" | tail -n 20
	fi
} >"$out/build.tap"

export MMAPDEMO_TOOL=$A/cli/mmapdemo MAKE=make SRC=$MMAPDEMO_ROOT/user
for t in "$A"/tests/host/test_*; do
	[[ -x $t ]] || continue
	"$t" >"$out/$(basename "$t").tap" 2>"$out/$(basename "$t").err"
done

# The tool's error paths: each must exit 1 to 4 (never a signal, never
# the sanitizers' 99) and report nothing.
tool=$A/cli/mmapdemo
nodev=(--device /nonexistent/mmapdemo)
cases=(
	"frobnicate"
	"--bogus info"
	"--device"
	"help frobnicate"
	"load --bogus"
	"load --module"
	"load --module /nonexistent.ko"
	"load --module /nonexistent.ko size=1M map_mode=remap"
	"load =1"
	"load size"
	"unload --force"
	"unload now"
	"unload"
	"status --jsonx"
	"status"
	"status --json"
	"info --bogus"
	"info extra"
	"info"
	"info --json"
	"fill --offset"
	"fill --offset 12Q"
	"fill --length 99999999999999999999"
	"fill --length=-5"
	"fill --seed 0x100000000"
	"fill"
	"dump --mode sideways"
	"dump --mode both"
	"dump --length 0"
	"dump"
	"verify --mode bogus"
	"verify"
	"verify --json"
	"write-from"
	"write-from /etc/hostname -o 1X"
	"write-from /nonexistent/input"
	"write-from /etc/hostname"
	"read-to"
	"read-to a b"
	"read-to /dev/null"
	"watch --interval soon"
	"watch --count 5000000000"
	"watch --count 1"
	"stats -x"
	"stats"
	"stats --json"
	"bench --bogus"
	"bench --reps 0"
	"bench --reps 65"
	"bench --max-size 12Q"
	"bench --only foo"
	"bench --only k2u,bogus"
	"bench --only setup,,fio,x"
	"bench --only ,"
	"bench --only="
	"bench --json --csv"
	"bench --quick"
	"bench --quick --only fio"
	"info --version"
	"bench --version"
)
{
	echo "1..$((${#cases[@]} + 1))"
	n=0
	for c in "${cases[@]}"; do
		n=$((n + 1))
		# shellcheck disable=SC2086 # the cases are word lists
		"$tool" "${nodev[@]}" $c >"$out/tool.out" 2>"$out/tool.err" </dev/null
		rc=$?
		if [[ $rc -ge 1 && $rc -le 4 ]]; then
			echo "ok $n - mmapdemo $c: exit $rc"
		else
			echo "not ok $n - mmapdemo $c: exit $rc, want 1 to 4"
			sed -e '$a\' "$out/tool.err" | sed 's/^/# /' | head -n 20
		fi
	done
	n=$((n + 1))
	if "$tool" --help >/dev/null && "$tool" --version >/dev/null &&
		"$tool" help bench >/dev/null; then
		echo "ok $n - mmapdemo --help, --version, help bench: exit 0"
	else
		echo "not ok $n - mmapdemo --help, --version or help bench failed"
	fi
} >"$out/tool-errors.tap"

{
	echo "1..1"
	mapfile -t found < <(find "$reports" -type f | sort)
	if [[ ${#found[@]} -eq 0 ]]; then
		echo "ok 1 - no AddressSanitizer, LeakSanitizer or UBSan report"
	else
		echo "not ok 1 - ${#found[@]} sanitizer report(s) in $reports"
		for f in "${found[@]}"; do
			echo "# $f:"
			sed 's/^/#   /' "$f" | head -n 40
		done
	fi
} >"$out/reports.tap"
