# shellcheck shell=bash
# Helpers shared by the host-side scripts. Source it; do not run it.

MMAPDEMO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export MMAPDEMO_ROOT

die() {
	echo "mmapdemo: $*" >&2
	exit 1
}

# The kernel release that Debian's linux-image-amd64 metapackage points
# at: the "stock" kernel users run, and the one we build against.
stock_kver() {
	local dep
	dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null) ||
		die "linux-image-amd64 is not installed (run scripts/deps.sh)"
	dep=${dep%% *}
	dep=${dep#linux-image-}
	[[ -n $dep ]] || die "cannot tell the stock kernel release"
	echo "$dep"
}

# Seconds since an epoch, with decimals, for stage timings.
now() {
	date +%s.%N
}

elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}
