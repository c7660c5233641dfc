// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host test: mmapdemo_get_stats() against a module older than the
 * library. This program defines ioctl() itself, which the static
 * library's calls bind to, and plays a module that knows only the first
 * STATS layouts; /dev/null stands in for the device node.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include "mmapdemo.h"
#include "tap.h"

/* The largest STATS size the pretend module accepts; 0: every size. */
static unsigned int module_stats_size;
static unsigned int stats_calls;

int ioctl(int fd, unsigned long req, ...)
{
	unsigned int size = _IOC_SIZE(req);
	__u64 counters[sizeof(struct mmapdemo_stats) / sizeof(__u64)];
	unsigned int i;
	va_list ap;
	void *arg;

	(void)fd;
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == MMAPDEMO_IOC_INFO) {
		struct mmapdemo_info info = {
			.abi_version = MMAPDEMO_ABI_VERSION,
		};

		memcpy(arg, &info, sizeof(info));
		return 0;
	}
	if (_IOC_TYPE(req) != MMAPDEMO_IOC_MAGIC ||
	    _IOC_NR(req) != _IOC_NR(MMAPDEMO_IOC_STATS) ||
	    size > sizeof(counters)) {
		errno = ENOTTY;
		return -1;
	}
	stats_calls++;
	if (module_stats_size && size != module_stats_size) {
		errno = ENOTTY;
		return -1;
	}
	for (i = 0; i < size / sizeof(__u64); i++)
		counters[i] = 100 + i;
	memcpy(arg, counters, size);
	return 0;
}

/* Opens the stand-in device and reads the counters as @size knows them. */
static int stats_from(unsigned int size, struct mmapdemo_stats *st)
{
	struct mmapdemo *md = NULL;
	int err;

	module_stats_size = size;
	stats_calls = 0;
	memset(st, 0xff, sizeof(*st));
	err = mmapdemo_open("/dev/null", O_RDONLY, &md);
	if (err)
		return err;
	err = mmapdemo_get_stats(md, st);
	mmapdemo_unref(md);
	return err;
}

static void test_stats_current_module(void)
{
	struct mmapdemo_stats st;

	EXPECT_INT(stats_from(0, &st), 0);
	EXPECT_INT(stats_calls, 1);
	EXPECT_INT(st.mmaps, 100);
	EXPECT_INT(st.huge_fallbacks,
		   100 + offsetof(struct mmapdemo_stats, huge_fallbacks) / 8);
}

/* A module from before the dma-buf counters: they read as zero. */
static void test_stats_module_without_dmabuf(void)
{
	struct mmapdemo_stats st;

	EXPECT_INT(stats_from(MMAPDEMO_STATS_SIZE_V2, &st), 0);
	EXPECT_INT(stats_calls, 2);
	EXPECT_INT(st.huge_fallbacks,
		   100 + offsetof(struct mmapdemo_stats, huge_fallbacks) / 8);
	EXPECT_INT(st.dmabuf_exports, 0);
	EXPECT_INT(st.dmabuf_releases, 0);
}

/* A module from before the huge counters: they read as zero. */
static void test_stats_module_without_huge(void)
{
	struct mmapdemo_stats st;

	EXPECT_INT(stats_from(offsetof(struct mmapdemo_stats, huge_faults),
			      &st), 0);
	EXPECT_INT(stats_calls, 3);
	EXPECT_INT(st.mmaps, 100);
	EXPECT_INT(st.fault_pages,
		   100 + offsetof(struct mmapdemo_stats, fault_pages) / 8);
	EXPECT_INT(st.huge_faults, 0);
	EXPECT_INT(st.huge_fallbacks, 0);
}

/* The first layout: everything after its 64 bytes reads as zero. */
static void test_stats_first_layout_module(void)
{
	struct mmapdemo_stats st;

	EXPECT_INT(stats_from(MMAPDEMO_STATS_SIZE_V1, &st), 0);
	EXPECT_INT(stats_calls, 4);
	EXPECT_INT(st.mmaps, 100);
	EXPECT_INT(st.fault_pages, 0);
	EXPECT_INT(st.huge_faults, 0);
}

/* A module that knows no STATS at all: the error, not stale bytes. */
static void test_stats_unknown_to_module(void)
{
	struct mmapdemo_stats st;

	EXPECT_INT(stats_from(8, &st), -ENOTTY);
	EXPECT_INT(stats_calls, 4);
	EXPECT_INT(st.mmaps, 0);
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
		TAP_TEST(stats_current_module),
		TAP_TEST(stats_module_without_dmabuf),
		TAP_TEST(stats_module_without_huge),
		TAP_TEST(stats_first_layout_module),
		TAP_TEST(stats_unknown_to_module),
	};

	return tap_main(argc, argv, tests, TAP_COUNT(tests));
}
