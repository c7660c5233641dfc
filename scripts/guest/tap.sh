# shellcheck shell=sh
# A tiny TAP producer for guest suites written in sh. Source it, call
# plan N, then ok/fail through check "name" command..., then done_testing.
_tap_n=0
_tap_failed=0

plan() {
	echo "1..$1"
}

# check NAME CMD...: one test; passes when CMD exits 0. CMD's output is
# shown as TAP diagnostics when it fails. Its wall time follows as
# "# time: N ms" (scripts/test-times.py).
check() {
	_name=$1
	shift
	_tap_n=$((_tap_n + 1))
	_t0=$(tap_ms)
	if _out=$("$@" 2>&1); then
		echo "ok $_tap_n - $_name"
	else
		echo "not ok $_tap_n - $_name"
		printf '%s\n' "$_out" | sed 's/^/# /'
		_tap_failed=$((_tap_failed + 1))
	fi
	echo "# time: $(($(tap_ms) - _t0)) ms"
}

done_testing() {
	[ "$_tap_failed" -eq 0 ]
}
