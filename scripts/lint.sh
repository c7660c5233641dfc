#!/bin/bash
# make lint: checkpatch --strict over all C (kernel and user space),
# sparse and a W=1 build of the module. Silent and exit 0 when clean.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/root.sh
. "$(dirname "$0")/root.sh"
require_root "make lint"
cd "$MMAPDEMO_ROOT"

KVER=$(stock_kver)
B=$MMAPDEMO_ROOT/build
cache=$(cache_root)
# checkpatch.pl ships in the kernel source, not in the headers package:
# linux-source-6.1, which make deps leaves to the stages that need it.
scripts/deps.sh linux-source-6.1 || die "lint: could not install linux-source-6.1"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
cp_dir=$cache/checkpatch-$srcver
status=0

if [[ ! -x $cp_dir/scripts/checkpatch.pl ]]; then
	echo "lint: extracting checkpatch.pl from linux-source-6.1" >&2
	rm -rf "$cp_dir.tmp"
	mkdir -p "$cp_dir.tmp"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$cp_dir.tmp" \
		--strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	rm -rf "$cp_dir"
	mv "$cp_dir.tmp" "$cp_dir"
fi
checkpatch=("$cp_dir/scripts/checkpatch.pl" --strict --no-tree --terse
	--show-types --no-summary --quiet -f)

mapfile -t kernel_files < <(find driver -name '*.[ch]' | sort)
mapfile -t checked_kernel_files < <(printf '%s\n' "${kernel_files[@]}" |
	grep -vx -e driver/compat.h -e driver/uapi/mmapdemo.h)
mapfile -t user_lib_files < <(find user -name '*.[ch]' -not -path 'user/tests/*' | sort)
mapfile -t user_test_files < <(find user/tests -name '*.[ch]' | sort)

# compat.h exists to compare kernel versions, which checkpatch forbids
# for code inside the kernel tree; everything else gets the full set.
echo "== checkpatch --strict (driver)"
"${checkpatch[@]}" "${checked_kernel_files[@]}" || status=1
"${checkpatch[@]}" --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
	driver/compat.h || status=1
# The ABI header is a uapi header outside include/uapi/, where checkpatch
# would allow the __inline__ that C90 user programs need.
"${checkpatch[@]}" --ignore INLINE driver/uapi/mmapdemo.h || status=1

# User space follows the kernel style too; these checks are about kernel
# APIs that user space does not have (u8, printk, kernel-only helpers),
# C99 format macros (PRIu64 is not CamelCase by choice), and ENOSYS,
# which finit_module() really returns where modules are not supported.
echo "== checkpatch --strict (user space)"
"${checkpatch[@]}" --ignore PREFER_KERNEL_TYPES,SSCANF_TO_KSTRTO,PREFER_FALLTHROUGH,STRLCPY,STRCPY,NEW_TYPEDEFS,AVOID_EXTERNS,SPDX_LICENSE_TAG,PREFER_DEFINED_ATTRIBUTE_MACRO,PREFER_PRINTF,PREFER_SCANF,VOLATILE,CAMELCASE,ENOSYS \
	"${user_lib_files[@]}" || status=1
# Test assertion macros return from the test on failure, by design (as in
# the kernel's own kselftest_harness.h).
"${checkpatch[@]}" --ignore PREFER_KERNEL_TYPES,SSCANF_TO_KSTRTO,PREFER_FALLTHROUGH,STRLCPY,STRCPY,NEW_TYPEDEFS,AVOID_EXTERNS,SPDX_LICENSE_TAG,PREFER_DEFINED_ATTRIBUTE_MACRO,PREFER_PRINTF,PREFER_SCANF,VOLATILE,CAMELCASE,ENOSYS,MACRO_WITH_FLOW_CONTROL,MACRO_ARG_REUSE,BIT_MACRO \
	"${user_test_files[@]}" || status=1

echo "== sparse and W=1"
work=$B/lint
rm -rf "$work"
mkdir -p "$work"
cp --parents Kbuild "${kernel_files[@]}" "$work/"
if ! make -C "/lib/modules/$KVER/build" M="$work" W=1 C=2 CHECK=sparse \
		modules >"$work/build.log" 2>&1; then
	cat "$work/build.log"
	status=1
fi
if grep -E "^$work/.*(warning|error):" "$work/build.log"; then
	status=1
fi
# gcc's static analyzer over all user-space C. The guest test programs
# run each test in a child that returns on its first failed CHECK without
# freeing what it allocated (the child's exit frees it): leak reports
# there are by design, and their CHECK(cond, "") uses empty formats.
echo "== gcc -fanalyzer (user space)"
# The examples include <mmapdemo/mmapdemo.h>, as installed.
inc=$(mktemp -d)
trap 'rm -rf "$inc"' EXIT
mkdir -p "$inc/mmapdemo"
cp user/lib/mmapdemo.h "$inc/mmapdemo/"
cp driver/uapi/mmapdemo.h "$inc/mmapdemo/mmapdemo_uapi.h"
fan=(gcc -std=gnu11 -D_GNU_SOURCE -O1 -fanalyzer -Wall -Wextra
	-Iuser/lib -Iuser/cli -Idriver/uapi -Iuser/tests/host -I"$inc"
	-DMMAPDEMO_VERSION='"lint"' -c -o /dev/null)
read -ra kmod_cflags < <(pkg-config --cflags libkmod)
for f in "${user_lib_files[@]}" "${user_test_files[@]}"; do
	[[ $f == *.c ]] || continue
	extra=()
	[[ $f == user/tests/guest/* ]] &&
		extra=(-Wno-analyzer-malloc-leak -Wno-format-zero-length)
	if ! out=$("${fan[@]}" "${kmod_cflags[@]}" "${extra[@]}" "$f" 2>&1) ||
		grep -q 'warning:' <<<"$out"; then
		echo "$out"
		status=1
	fi
done

[[ $status -eq 0 ]] && echo "lint: clean"
exit $status
