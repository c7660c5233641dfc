// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The user side of the FILL pattern.  The byte at buffer offset o is
 * mmapdemo_pattern_byte(seed, o) from the uapi header; whole aligned words
 * are produced by mmapdemo_pattern_word() and stored little-endian, which
 * is the same thing, only eight times fewer calls.
 */
#include <endian.h>
#include <string.h>

#include "mmapdemo.h"

void mmapdemo_pattern_fill(void *dst, uint64_t offset, size_t len,
			   uint32_t seed)
{
	unsigned char *p = dst;

	while (len && (offset & 7)) {
		*p++ = mmapdemo_pattern_byte(seed, offset++);
		len--;
	}
	while (len >= 8) {
		uint64_t word = htole64(mmapdemo_pattern_word(seed,
							      offset >> 3));

		memcpy(p, &word, sizeof(word));
		p += 8;
		offset += 8;
		len -= 8;
	}
	while (len--)
		*p++ = mmapdemo_pattern_byte(seed, offset++);
}

static int64_t first_bad_byte(const unsigned char *p, size_t start,
			      uint64_t offset, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[start + i] != mmapdemo_pattern_byte(seed, offset + i))
			return (int64_t)(start + i);
	return -1;
}

int64_t mmapdemo_pattern_check(const void *src, uint64_t offset, size_t len,
			       uint32_t seed)
{
	const unsigned char *p = src;
	size_t i = 0;

	while (i < len && ((offset + i) & 7)) {
		if (p[i] != mmapdemo_pattern_byte(seed, offset + i))
			return (int64_t)i;
		i++;
	}
	while (len - i >= 8) {
		uint64_t want, have;

		want = htole64(mmapdemo_pattern_word(seed, (offset + i) >> 3));
		memcpy(&have, p + i, sizeof(have));
		if (have != want)
			return first_bad_byte(p, i, offset + i, 8, seed);
		i += 8;
	}
	return first_bad_byte(p, i, offset + i, len - i, seed);
}
