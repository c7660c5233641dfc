# shellcheck shell=bash
# require_root WHAT: stop, with one line on stderr, unless running as
# root. Source it; do not run it. For the scripts that chroot, run
# mmdebstrap or unshare, install packages or write to /lib/modules and
# /usr/src, so that a normal user's run stops before doing anything
# rather than part-way through.
require_root() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "mmapdemo: $1 needs root; run it as root or with sudo" >&2
		exit 1
	fi
}
