/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal to libmmapdemo; not installed.  The shared library does not
 * export these (see libmmapdemo.map); the host tests reach them through
 * the static archive.
 */
#ifndef LIBMMAPDEMO_INTERNAL_H
#define LIBMMAPDEMO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* The raw CRC32C register update, without the inversions. */
uint32_t mmapdemo__crc32c_sw(uint32_t reg, const void *buf, size_t len);
uint32_t mmapdemo__crc32c_hw(uint32_t reg, const void *buf, size_t len);
int mmapdemo__crc32c_have_hw(void);

#endif /* LIBMMAPDEMO_INTERNAL_H */
