# shellcheck shell=sh
# Which guest suites run where: one rule for scripts/guest/run.sh (in the
# guest, which runs them) and scripts/check.sh (on the host, which then
# expects exactly those). POSIX sh; source it.

# md_suite_wanted FILE FLAVOR [GLOBS]: the suite FILE runs on FLAVOR (a
# suite with the line "# mmapdemo-guest: flavor F..." only on those) and
# its name matches one of the comma-separated GLOBS, if any are given.
md_suite_wanted() {
	if grep -q '^# mmapdemo-guest: flavor ' "$1" &&
		! grep -q "^# mmapdemo-guest: flavor .*\\b$2\\b" "$1"; then
		return 1
	fi
	[ -z "${3:-}" ] && return 0
	_name=$(basename "$1" .sh)
	_hit=1
	set -f
	for _g in $(echo "$3" | tr , ' '); do
		# shellcheck disable=SC2254
		case $_name in $_g) _hit=0 ;; esac
	done
	set +f
	return $_hit
}
