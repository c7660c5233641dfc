// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host tests: mmapdemo_pattern_fill()/_check() against the uapi header's
 * inline definition of the FILL pattern.
 */
#include <endian.h>
#include <stdbool.h>
#include <string.h>

#include "mmapdemo.h"
#include "tap.h"

static const uint32_t seeds[] = { 0, 1, 0x5eed, 0xdeadbeef, 0xffffffff };

static void test_golden_words(void)
{
	/* Pins the ABI: the kernel computes the same numbers. */
	EXPECT_U64(mmapdemo_pattern_word(0, 0), 0x9ca066f1a4ab2eeaULL);
	EXPECT_U64(mmapdemo_pattern_word(1, 0), 0xf75ef4998ecbe774ULL);
	EXPECT_U64(mmapdemo_pattern_word(0, 1), 0x25b775faeca8f520ULL);
	EXPECT_U64(mmapdemo_pattern_word(0xdeadbeef, 12345),
		   0xd75d1e1bca560d7cULL);
	EXPECT_U64(mmapdemo_pattern_word(0xffffffff, (1ULL << 61) - 1),
		   0x26a92fe8a55f7390ULL);
}

static void test_bytes_are_little_endian_words(void)
{
	uint64_t w = mmapdemo_pattern_word(0x5eed, 3);
	int i;

	for (i = 0; i < 8; i++)
		EXPECT_U64(mmapdemo_pattern_byte(0x5eed, 24 + i),
			   (w >> (8 * i)) & 0xff);
}

/* Fill len bytes at base between guard bytes and check them all. */
static bool fill_matches(uint32_t seed, uint64_t base, size_t len)
{
	unsigned char buf[96];
	size_t i;

	memset(buf, 0xa5, sizeof(buf));
	mmapdemo_pattern_fill(buf + 1, base, len, seed);
	if (buf[0] != 0xa5 || buf[len + 1] != 0xa5)
		return false;
	for (i = 0; i < len; i++)
		if (buf[1 + i] != mmapdemo_pattern_byte(seed, base + i))
			return false;
	return true;
}

static void test_fill_matches_uapi(void)
{
	uint64_t base, off;
	size_t s, len;

	for (s = 0; s < TAP_COUNT(seeds); s++)
		for (off = 0; off < 17; off++)
			for (len = 0; len <= 64; len++) {
				base = off + (s << 40);
				if (!fill_matches(seeds[s], base, len)) {
					tap_fail(__FILE__, __LINE__,
						 "seed %u base %llu len %zu",
						 seeds[s],
						 (unsigned long long)base, len);
					return;
				}
			}
}

static void test_fill_near_end_of_offsets(void)
{
	unsigned char buf[16];
	uint64_t base = UINT64_MAX - 15;
	size_t i;

	mmapdemo_pattern_fill(buf, base, sizeof(buf), 9);
	for (i = 0; i < sizeof(buf); i++)
		EXPECT_U64(buf[i], mmapdemo_pattern_byte(9, base + i));
	EXPECT_INT(mmapdemo_pattern_check(buf, base, sizeof(buf), 9), -1);
}

static void test_check_accepts_pattern(void)
{
	unsigned char buf[8192];
	size_t off;

	for (off = 0; off < 9; off++) {
		mmapdemo_pattern_fill(buf, 4096 + off, sizeof(buf) - off, 42);
		EXPECT_INT(mmapdemo_pattern_check(buf, 4096 + off,
						  sizeof(buf) - off, 42), -1);
	}
	EXPECT_INT(mmapdemo_pattern_check(buf, 0, 0, 42), -1);
}

static void test_check_finds_first_mismatch(void)
{
	unsigned char buf[200];
	size_t bad, second;
	uint64_t off;

	for (off = 0; off < 9; off++)
		for (bad = 0; bad < 100; bad++) {
			mmapdemo_pattern_fill(buf, off, sizeof(buf), 7);
			buf[bad] ^= 0x10;
			second = bad + 37;
			buf[second] ^= 0x01;
			EXPECT_INT(mmapdemo_pattern_check(buf, off, sizeof(buf),
							  7), (int64_t)bad);
		}
}

static void test_check_wrong_seed(void)
{
	unsigned char buf[64];

	mmapdemo_pattern_fill(buf, 0, sizeof(buf), 1);
	EXPECT(mmapdemo_pattern_check(buf, 0, sizeof(buf), 2) >= 0);
	/* The pattern depends on the offset too, not only on the seed. */
	EXPECT(mmapdemo_pattern_check(buf, 8, sizeof(buf), 1) >= 0);
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
		TAP_TEST(golden_words),
		TAP_TEST(bytes_are_little_endian_words),
		TAP_TEST(fill_matches_uapi),
		TAP_TEST(fill_near_end_of_offsets),
		TAP_TEST(check_accepts_pattern),
		TAP_TEST(check_finds_first_mismatch),
		TAP_TEST(check_wrong_seed),
	};

	return tap_main(argc, argv, tests, TAP_COUNT(tests));
}
