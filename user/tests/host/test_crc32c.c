// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host tests: mmapdemo_crc32c() against known vectors (RFC 3720's among
 * them), chaining, and the SSE4.2 path against the table.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mmapdemo.h"
#include "tap.h"

static void fill_random(unsigned char *buf, size_t len, unsigned int seed)
{
	size_t i;

	srand(seed);
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)rand();
}

static void test_check_value(void)
{
	EXPECT_U64(mmapdemo_crc32c(0, "123456789", 9), 0xe3069283);
	EXPECT_U64(mmapdemo_crc32c(0, "a", 1), 0xc1d04330);
}

static void test_empty(void)
{
	EXPECT_U64(mmapdemo_crc32c(0, "", 0), 0);
	EXPECT_U64(mmapdemo_crc32c(0, NULL, 0), 0);
	/* An empty buffer leaves any running value alone. */
	EXPECT_U64(mmapdemo_crc32c(0xe3069283, NULL, 0), 0xe3069283);
}

static void test_rfc3720_vectors(void)
{
	unsigned char buf[32];
	int i;

	memset(buf, 0, sizeof(buf));
	EXPECT_U64(mmapdemo_crc32c(0, buf, sizeof(buf)), 0x8a9136aa);
	memset(buf, 0xff, sizeof(buf));
	EXPECT_U64(mmapdemo_crc32c(0, buf, sizeof(buf)), 0x62a8ab43);
	for (i = 0; i < 32; i++)
		buf[i] = i;
	EXPECT_U64(mmapdemo_crc32c(0, buf, sizeof(buf)), 0x46dd794e);
	for (i = 0; i < 32; i++)
		buf[i] = 31 - i;
	EXPECT_U64(mmapdemo_crc32c(0, buf, sizeof(buf)), 0x113fdb5c);
}

static void test_chaining(void)
{
	unsigned char buf[1000];
	uint32_t whole;
	size_t split;

	fill_random(buf, sizeof(buf), 1);
	whole = mmapdemo_crc32c(0, buf, sizeof(buf));
	for (split = 0; split <= sizeof(buf); split++) {
		uint32_t crc = mmapdemo_crc32c(0, buf, split);

		crc = mmapdemo_crc32c(crc, buf + split, sizeof(buf) - split);
		if (crc != whole) {
			tap_fail(__FILE__, __LINE__,
				 "split at %zu: 0x%08x != 0x%08x", split, crc,
				 whole);
			break;
		}
	}
	EXPECT_U64(mmapdemo_crc32c(mmapdemo_crc32c(0, "1234", 4), "56789", 5),
		   0xe3069283);
}

static void test_pattern_page(void)
{
	unsigned char page[4096];

	/* The CRC the kernel must return for a page filled with seed 7. */
	mmapdemo_pattern_fill(page, 0, sizeof(page), 7);
	EXPECT_U64(mmapdemo_crc32c(0, page, sizeof(page)), 0xd06875f4);
}

static void test_hw_matches_table(void)
{
	static unsigned char buf[70000];
	size_t start, len;

	if (!mmapdemo__crc32c_have_hw())
		tap_skip("no SSE4.2 crc32 on this CPU");
	fill_random(buf, sizeof(buf), 2);
	for (start = 0; start < 9; start++)
		for (len = 0; len < 80; len++)
			EXPECT_U64(mmapdemo__crc32c_hw(~0u, buf + start, len),
				   mmapdemo__crc32c_sw(~0u, buf + start, len));
	EXPECT_U64(mmapdemo__crc32c_hw(0x12345678, buf + 3, sizeof(buf) - 3),
		   mmapdemo__crc32c_sw(0x12345678, buf + 3, sizeof(buf) - 3));
}

static void test_table_matches_bitwise(void)
{
	unsigned char buf[300];
	uint32_t reg = ~0u;
	size_t i;
	int b;

	fill_random(buf, sizeof(buf), 3);
	for (i = 0; i < sizeof(buf); i++) {
		reg ^= buf[i];
		for (b = 0; b < 8; b++)
			reg = (reg >> 1) ^ (reg & 1 ? 0x82f63b78 : 0);
	}
	EXPECT_U64(mmapdemo__crc32c_sw(~0u, buf, sizeof(buf)), reg);
	EXPECT_U64(mmapdemo_crc32c(0, buf, sizeof(buf)), ~reg);
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
		TAP_TEST(check_value),
		TAP_TEST(empty),
		TAP_TEST(rfc3720_vectors),
		TAP_TEST(chaining),
		TAP_TEST(pattern_page),
		TAP_TEST(hw_matches_table),
		TAP_TEST(table_matches_bitwise),
	};

	return tap_main(argc, argv, tests, TAP_COUNT(tests));
}
