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

# kmemleak_verdict DIR: whether a guest's kmemleak scan (DIR/kmemleak.txt,
# or DIR/kmemleak.missing when the kernel had none) ran and found no
# leak (0); otherwise prints what is wrong, first line a summary, and
# returns 1.
kmemleak_verdict() {
	if [[ -e $1/kmemleak.missing || ! -f $1/kmemleak.txt ]]; then
		echo "the kmemleak scan did not run"
	elif [[ -s $1/kmemleak.txt ]]; then
		echo "kmemleak reports leaks:"
		head -n 30 "$1/kmemleak.txt" | sed 's/^/    /'
	else
		return 0
	fi
	return 1
}
