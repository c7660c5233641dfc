/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small fork-per-test TAP harness for the guest tests. Each test runs
 * in its own child with a timeout, so a crash, a hang or an unexpected
 * signal fails that test alone and never the plan.
 */
#ifndef MMAPDEMO_TEST_HARNESS_H
#define MMAPDEMO_TEST_HARNESS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mmapdemo.h"	/* libmmapdemo: crc32c, pattern helpers, the ABI */

/*
 * Kernel ABI values that Debian 11's C library does not name yet; its
 * 5.10 kernel answers the madvise() ones (5.14, 5.18) with EINVAL.
 */
#include <sys/mman.h>
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED	24
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

#if defined(__GLIBC__) && !(__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
/* glibc 2.32 added strerrorname_np(); Debian 11 has 2.31. */
const char *md_errname(int err);
#define strerrorname_np md_errname
#endif

struct md_test {
	const char *name;
	int (*fn)(void);
	int expect_signal;	/* 0: must exit 0; else must die of it */
	unsigned int modes;	/* bit mask of 1 << enum mmapdemo_map_mode */
};

#define MD_FAULT	(1u << MMAPDEMO_MODE_FAULT)
#define MD_REMAP	(1u << MMAPDEMO_MODE_REMAP)
#define MD_BOTH		(MD_FAULT | MD_REMAP)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Where the module and the device show their state in sysfs. */
#define MD_SYSFS_MODULE	"/sys/module/mmapdemo"
#define MD_PARAM(name)	MD_SYSFS_MODULE "/parameters/" name
#define MD_STAT(name)	"/sys/class/misc/mmapdemo/stats/" name

/* The mode under test; tests open files in it with md_open(). */
extern enum mmapdemo_map_mode md_mode;
extern long md_page;
/* Bytes a PMD maps (THP's hpage_pmd_size, else a page table's worth). */
unsigned long md_pmd_size(void);
extern uint64_t md_size;

void md_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int md_main(int argc, char **argv, const struct md_test *tests, size_t n);

int md_open(int oflags);
int md_open_mode(int oflags, enum mmapdemo_map_mode mode);
void *md_map(int fd, size_t len, int prot, int flags, off_t off);
int md_kernel_crc(int fd, uint64_t off, uint64_t len, uint32_t *crc);
int md_kernel_fill(int fd, uint64_t off, uint64_t len, uint32_t seed);
int md_read_sysfs(const char *path, char *buf, size_t len);
int md_write_sysfs(const char *path, const char *val);
uint64_t md_stat(const char *path);
int md_load(const char *params);
int md_unload(void);
int md_reload(const char *params);
void md_random(void *buf, size_t len, uint32_t seed);

/*
 * Ends the test as failed unless @cond holds; the optional rest is a
 * printf-style message (a string literal first) saying what was seen.
 */
#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			md_diag("%s:%d: failed: %s", __FILE__, __LINE__, #cond); \
			md_diag("" __VA_ARGS__);			\
			return 1;					\
		}							\
	} while (0)

/* expr must fail with -1 and errno == err */
#define CHECK_ERRNO(expr, err)						\
	do {								\
		errno = 0;						\
		long __r = (long)(expr);				\
		int __e = errno;					\
		if (__r != -1 || __e != (err)) {			\
			md_diag("%s:%d: %s: want errno %s, got %ld (%s)", \
				__FILE__, __LINE__, #expr, strerrorname_np(err), \
				__r, __e ? strerrorname_np(__e) : "0");	\
			return 1;					\
		}							\
	} while (0)

#define CHECK_OK(expr)							\
	do {								\
		errno = 0;						\
		if ((long)(expr) < 0) {					\
			md_diag("%s:%d: %s: %s", __FILE__, __LINE__, #expr, \
				strerror(errno));			\
			return 1;					\
		}							\
	} while (0)

#endif /* MMAPDEMO_TEST_HARNESS_H */
