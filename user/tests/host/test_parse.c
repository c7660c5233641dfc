// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host tests: size and map mode parsing, error messages.
 */
#include <errno.h>
#include <string.h>

#include "mmapdemo.h"
#include "tap.h"

static void check_size(const char *s, int want_err, uint64_t want)
{
	uint64_t out = 0x5a5a5a5a;
	int err = mmapdemo_parse_size(s, &out);

	if (err != want_err)
		tap_fail(__FILE__, __LINE__, "parse_size(\"%s\") = %d, want %d",
			 s ? s : "(null)", err, want_err);
	else if (!err && out != want)
		tap_fail(__FILE__, __LINE__,
			 "parse_size(\"%s\") -> %llu, want %llu", s,
			 (unsigned long long)out, (unsigned long long)want);
	else if (err && out != 0x5a5a5a5a)
		tap_fail(__FILE__, __LINE__,
			 "parse_size(\"%s\") failed but wrote its output", s);
}

static void test_size_plain(void)
{
	check_size("0", 0, 0);
	check_size("1", 0, 1);
	check_size("4096", 0, 4096);
	check_size("007", 0, 7);
	check_size("0x1000", 0, 4096);
	check_size("0XfF", 0, 255);
}

static void test_size_suffixes(void)
{
	check_size("4K", 0, 4096);
	check_size("4k", 0, 4096);
	check_size("16M", 0, 16ULL << 20);
	check_size("16m", 0, 16ULL << 20);
	check_size("1G", 0, 1ULL << 30);
	check_size("1g", 0, 1ULL << 30);
	check_size("0K", 0, 0);
	check_size("0x10K", 0, 16 << 10);
}

static void test_size_limits(void)
{
	check_size("18446744073709551615", 0, UINT64_MAX);
	check_size("0xffffffffffffffff", 0, UINT64_MAX);
	check_size("18446744073709551616", -ERANGE, 0);
	check_size("99999999999999999999999", -ERANGE, 0);
	check_size("0x10000000000000000", -ERANGE, 0);
	check_size("17179869183G", 0, UINT64_MAX - (1ULL << 30) + 1);
	check_size("17179869184G", -ERANGE, 0);
	check_size("17592186044416M", -ERANGE, 0);
	check_size("18014398509481984K", -ERANGE, 0);
	check_size("18014398509481983K", 0, UINT64_MAX - 1023);
}

static void test_size_garbage(void)
{
	uint64_t out;

	check_size(NULL, -EINVAL, 0);
	check_size("", -EINVAL, 0);
	check_size("-1", -EINVAL, 0);
	check_size("+1", -EINVAL, 0);
	check_size(" 1", -EINVAL, 0);
	check_size("1 ", -EINVAL, 0);
	check_size("4 K", -EINVAL, 0);
	check_size("K", -EINVAL, 0);
	check_size("1KB", -EINVAL, 0);
	check_size("1KiB", -EINVAL, 0);
	check_size("1.5M", -EINVAL, 0);
	check_size("1T", -EINVAL, 0);
	check_size("12abc", -EINVAL, 0);
	check_size("0x", -EINVAL, 0);
	check_size("0xg", -EINVAL, 0);
	check_size("0x-1", -EINVAL, 0);
	check_size("1e6", -EINVAL, 0);
	EXPECT_INT(mmapdemo_parse_size("1", NULL), -EINVAL);
	EXPECT_INT(mmapdemo_parse_size("1", &out), 0);
}

static void test_mode_parse(void)
{
	EXPECT_INT(mmapdemo_mode_parse("fault"), MMAPDEMO_MODE_FAULT);
	EXPECT_INT(mmapdemo_mode_parse("remap"), MMAPDEMO_MODE_REMAP);
	EXPECT_INT(mmapdemo_mode_parse("FAULT"), MMAPDEMO_MODE_FAULT);
	EXPECT_INT(mmapdemo_mode_parse("Remap"), MMAPDEMO_MODE_REMAP);
	EXPECT_INT(mmapdemo_mode_parse(NULL), -EINVAL);
	EXPECT_INT(mmapdemo_mode_parse(""), -EINVAL);
	EXPECT_INT(mmapdemo_mode_parse("both"), -EINVAL);
	EXPECT_INT(mmapdemo_mode_parse("faults"), -EINVAL);
	EXPECT_INT(mmapdemo_mode_parse("fault "), -EINVAL);
	EXPECT_INT(mmapdemo_mode_parse("0"), -EINVAL);
}

static void test_mode_name(void)
{
	int m;

	EXPECT_STR(mmapdemo_mode_name(MMAPDEMO_MODE_FAULT), "fault");
	EXPECT_STR(mmapdemo_mode_name(MMAPDEMO_MODE_REMAP), "remap");
	EXPECT_STR(mmapdemo_mode_name(MMAPDEMO_MODE_COUNT), "unknown");
	EXPECT_STR(mmapdemo_mode_name((enum mmapdemo_map_mode)-1), "unknown");
	for (m = 0; m < MMAPDEMO_MODE_COUNT; m++)
		EXPECT_INT(mmapdemo_mode_parse(mmapdemo_mode_name(m)), m);
}

static void test_strerror(void)
{
	EXPECT_STR(mmapdemo_strerror(0), "success");
	EXPECT_STR(mmapdemo_strerror(-ENOENT),
		   "device not found (module not loaded?)");
	EXPECT_STR(mmapdemo_strerror(ENOENT), mmapdemo_strerror(-ENOENT));
	EXPECT_CONTAINS(mmapdemo_strerror(-EACCES), "permission denied");
	EXPECT_CONTAINS(mmapdemo_strerror(-ENOTTY), "not an mmapdemo device");
	EXPECT_CONTAINS(mmapdemo_strerror(-EPROTO), "ABI");
	EXPECT_CONTAINS(mmapdemo_strerror(-EBUSY), "busy");
	EXPECT_STR(mmapdemo_strerror(-EIO), "Input/output error");
	EXPECT_STR(mmapdemo_strerror(-ENOMEM), "Cannot allocate memory");
	EXPECT_STR(mmapdemo_strerror(-99999), "unknown error");
	EXPECT_STR(mmapdemo_strerror(99999), "unknown error");
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
		TAP_TEST(size_plain),
		TAP_TEST(size_suffixes),
		TAP_TEST(size_limits),
		TAP_TEST(size_garbage),
		TAP_TEST(mode_parse),
		TAP_TEST(mode_name),
		TAP_TEST(strerror),
	};

	return tap_main(argc, argv, tests, TAP_COUNT(tests));
}
