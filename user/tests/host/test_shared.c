// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host tests: libmmapdemo.so itself.  This program links the shared
 * library (through its RUNPATH); it checks that the whole API is exported
 * with the right version and nothing else is.
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "mmapdemo.h"
#include "tap.h"

static const char * const api[] = {
	"mmapdemo_open", "mmapdemo_ref", "mmapdemo_unref", "mmapdemo_fd",
	"mmapdemo_get_info", "mmapdemo_set_mode", "mmapdemo_get_stats",
	"mmapdemo_map", "mmapdemo_unmap", "mmapdemo_fill",
	"mmapdemo_checksum", "mmapdemo_strerror", "mmapdemo_mode_name",
	"mmapdemo_mode_parse", "mmapdemo_parse_size", "mmapdemo_crc32c",
	"mmapdemo_pattern_fill", "mmapdemo_pattern_check",
	"mmapdemo_ring_setup", "mmapdemo_ring_free", "mmapdemo_ring_fd",
	"mmapdemo_ring_ctrl", "mmapdemo_ring_sq_reserve",
	"mmapdemo_ring_sq_space", "mmapdemo_ring_sq_commit",
	"mmapdemo_ring_doorbell", "mmapdemo_ring_submit",
	"mmapdemo_ring_cq_peek", "mmapdemo_ring_cq_peek_batch",
	"mmapdemo_ring_cq_release", "mmapdemo_ring_wait",
	"mmapdemo_ring_producer_start", "mmapdemo_ring_producer_stop",
	"mmapdemo_ring_set_eventfd", "mmapdemo_ring_get_stats",
	"mmapdemo_record_check",
};

static void test_linked_dynamically(void)
{
	Dl_info info;

	EXPECT(dladdr((void *)mmapdemo_crc32c, &info));
	EXPECT_CONTAINS(info.dli_fname, "libmmapdemo.so.1");
}

static void test_api_exported(void)
{
	size_t i;

	for (i = 0; i < TAP_COUNT(api); i++) {
		if (!dlvsym(RTLD_DEFAULT, api[i], "LIBMMAPDEMO_1"))
			tap_fail(__FILE__, __LINE__, "%s@LIBMMAPDEMO_1 missing",
				 api[i]);
	}
}

/* Added after the first version: in a version node of its own. */
static void test_api_1_1_exported(void)
{
	EXPECT(dlvsym(RTLD_DEFAULT, "mmapdemo_device_path", "LIBMMAPDEMO_1.1"));
	EXPECT(!dlvsym(RTLD_DEFAULT, "mmapdemo_device_path", "LIBMMAPDEMO_1"));
}

/*
 * struct mmapdemo_stats grew in LIBMMAPDEMO_1.2 (the dma-buf counters):
 * programs linked before call mmapdemo_get_stats@LIBMMAPDEMO_1, whose
 * struct ends at MMAPDEMO_STATS_SIZE_V2. Each version clears its own
 * struct first (then fails: no device), so a version that wrote past its
 * struct shows in the guard bytes.
 */
typedef int (*get_stats_fn)(struct mmapdemo *md, struct mmapdemo_stats *st);

/* Whether @buf holds @c from byte @from to byte @to (exclusive). */
static int bytes_are(const unsigned char *buf, size_t from, size_t to, int c)
{
	size_t i;

	for (i = from; i < to; i++)
		if (buf[i] != c)
			return 0;
	return 1;
}

static void test_get_stats_each_version_writes_its_struct(void)
{
	get_stats_fn v1, v12;
	unsigned char buf[sizeof(struct mmapdemo_stats) + 16];

	v1 = (get_stats_fn)dlvsym(RTLD_DEFAULT, "mmapdemo_get_stats",
				  "LIBMMAPDEMO_1");
	v12 = (get_stats_fn)dlvsym(RTLD_DEFAULT, "mmapdemo_get_stats",
				   "LIBMMAPDEMO_1.2");
	EXPECT(v1 && v12 && v1 != v12);
	if (!v1 || !v12)
		return;
	EXPECT((void *)v12 == (void *)mmapdemo_get_stats);
	memset(buf, 0xaa, sizeof(buf));
	EXPECT_INT(v1(NULL, (struct mmapdemo_stats *)buf), -EINVAL);
	EXPECT(bytes_are(buf, 0, MMAPDEMO_STATS_SIZE_V2, 0));
	EXPECT(bytes_are(buf, MMAPDEMO_STATS_SIZE_V2, sizeof(buf), 0xaa));
	memset(buf, 0xaa, sizeof(buf));
	EXPECT_INT(v12(NULL, (struct mmapdemo_stats *)buf), -EINVAL);
	EXPECT(bytes_are(buf, 0, sizeof(struct mmapdemo_stats), 0));
	EXPECT(bytes_are(buf, sizeof(struct mmapdemo_stats), sizeof(buf), 0xaa));
}

static void test_internals_hidden(void)
{
	EXPECT(!dlsym(RTLD_DEFAULT, "mmapdemo__crc32c_sw"));
	EXPECT(!dlsym(RTLD_DEFAULT, "mmapdemo__crc32c_hw"));
	EXPECT(!dlsym(RTLD_DEFAULT, "crc32c_table"));
	EXPECT(!dlsym(RTLD_DEFAULT, "md_get_stats_v2"));
	EXPECT(!dlsym(RTLD_DEFAULT, "md_get_stats_v3"));
}

static void test_calls_work(void)
{
	uint64_t size;

	EXPECT_U64(mmapdemo_crc32c(0, "123456789", 9), 0xe3069283);
	EXPECT_INT(mmapdemo_parse_size("16M", &size), 0);
	EXPECT_U64(size, 16 << 20);
	EXPECT_STR(mmapdemo_mode_name(MMAPDEMO_MODE_REMAP), "remap");
	EXPECT_STR(mmapdemo_strerror(-ENOENT),
		   "device not found (module not loaded?)");
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
		TAP_TEST(linked_dynamically),
		TAP_TEST(api_exported),
		TAP_TEST(api_1_1_exported),
		TAP_TEST(get_stats_each_version_writes_its_struct),
		TAP_TEST(internals_hidden),
		TAP_TEST(calls_work),
	};

	return tap_main(argc, argv, tests, TAP_COUNT(tests));
}
