#!/bin/bash
# Host test (TAP) of scripts/dkms.sh's refusal to touch a packaged DKMS
# install (the mmapdemo-dkms package): dpkg-query and dpkg are fakes put
# first in PATH, and so is everything dkms.sh could change the host with
# (sudo, dkms, rm, rmdir, mkdir, cp, find, depmod), which only log their
# call: nothing on the host is read from dpkg's database or changed.
cd "$(dirname "$0")/../.." || exit 1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir "$t/bin"
n=0 failed=0

# The fakes answer from $t/status (dpkg-query's Status-Status of
# mmapdemo-dkms; empty: not known to dpkg) and $t/owner (dpkg -S's
# package for /usr/src/mmapdemo-*; empty: none).
cat >"$t/bin/dpkg-query" <<'SH'
#!/bin/sh
st=$(cat "$FAKE/status")
[ -n "$st" ] || { echo "dpkg-query: no packages found matching $*" >&2; exit 1; }
printf '%s' "$st"
SH
cat >"$t/bin/dpkg" <<'SH'
#!/bin/sh
[ "$1" = -S ] || exit 2
o=$(cat "$FAKE/owner")
[ -n "$o" ] || { echo "dpkg-query: no path found matching pattern $2" >&2; exit 1; }
echo "$o: $2"
SH
for c in sudo dkms rm rmdir mkdir cp find depmod; do
	printf '#!/bin/sh\necho "%s $*" >>"$FAKE/calls"\nexit 1\n' "$c" >"$t/bin/$c"
done
chmod +x "$t/bin"/*

# run STATUS OWNER ARGS...: dkms.sh ARGS with the fakes; sets rc, out,
# err and calls (what the fakes were asked to do).
run() {
	printf '%s' "$1" >"$t/status"
	printf '%s' "$2" >"$t/owner"
	: >"$t/calls"
	shift 2
	FAKE=$t PATH="$t/bin:$PATH" scripts/dkms.sh "$@" >"$t/out" 2>"$t/err"
	rc=$?
	out=$(cat "$t/out")
	err=$(cat "$t/err")
	calls=$(cat "$t/calls")
}

ok() {
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "# rc=$rc out='$out' err='$err' calls='$calls'"
		failed=$((failed + 1))
	fi
}

echo "1..12"
run "" "" packaged
ok "no package: packaged exits 1 and prints nothing" \
	'[[ $rc -eq 1 && -z $out ]]'
run "installed" "" packaged
ok "mmapdemo-dkms installed: packaged names it" \
	'[[ $rc -eq 0 && $out == "the package mmapdemo-dkms is installed" ]]'
run "unpacked" "" packaged
ok "mmapdemo-dkms unpacked (half-way): packaged names it" \
	'[[ $rc -eq 0 && $out == *mmapdemo-dkms* ]]'
run "config-files" "" packaged
ok "mmapdemo-dkms removed, config files left: not packaged" '[[ $rc -eq 1 ]]'
run "not-installed" "mmapdemo-dkms" packaged
ok "dpkg -S owns /usr/src/mmapdemo-VERSION: packaged names the owner" \
	'[[ $rc -eq 0 && $out == "the package mmapdemo-dkms owns /usr/src/mmapdemo-"* ]]'

for c in remove add source "build 6.1.0-1-amd64" "install 6.1.0-1-amd64"; do
	# shellcheck disable=SC2086
	run "installed" "mmapdemo-dkms" $c
	ok "dkms.sh $c refuses: non-zero, one line on stderr, nothing run" \
		'[[ $rc -ne 0 && -z $out && $(wc -l <"$t/err") -eq 1 &&
			$err == "mmapdemo: refusing to ${c%% *}: a packaged DKMS install is present"* &&
			-z $calls ]]'
done

run "" "" version
ok "version still works with the package absent" '[[ $rc -eq 0 && -n $out ]]'
run "installed" "" check-version
ok "check-version still works with the package present" '[[ $rc -eq 0 ]]'

[[ $failed -eq 0 ]]
