// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host tests: libmmapdemo's device functions where no device exists, and
 * the layout of the uapi structs (no hidden padding, sizes in the ioctl
 * numbers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmapdemo.h"
#include "tap.h"

static void test_open_missing(void)
{
	struct mmapdemo *md = (struct mmapdemo *)&md;

	EXPECT_INT(mmapdemo_open("/nonexistent/mmapdemo", O_RDWR, &md),
		   -ENOENT);
	EXPECT(!md);
}

static void test_open_default_path(void)
{
	struct mmapdemo *md = NULL;

	if (!access(MMAPDEMO_DEVICE, F_OK))
		tap_skip(MMAPDEMO_DEVICE " exists here");
	EXPECT_INT(mmapdemo_open(NULL, O_RDONLY, &md), -ENOENT);
	EXPECT(!md);
}

static void test_open_not_a_device(void)
{
	char path[] = "/tmp/mmapdemo-test-XXXXXX";
	struct mmapdemo *md = NULL;
	int fd = mkstemp(path);

	EXPECT(fd >= 0);
	EXPECT_INT(mmapdemo_open(path, O_RDWR, &md), -ENOTTY);
	EXPECT(!md);
	close(fd);
	unlink(path);
	EXPECT_INT(mmapdemo_open("/dev/null", O_RDONLY, &md), -ENOTTY);
	EXPECT_INT(mmapdemo_open("/", O_RDONLY, &md), -ENOTTY);
	EXPECT_INT(mmapdemo_open("/", O_RDWR, &md), -EISDIR);
}

static void test_open_bad_args(void)
{
	struct mmapdemo *md = NULL;

	EXPECT_INT(mmapdemo_open(NULL, O_RDWR, NULL), -EINVAL);
	EXPECT_INT(mmapdemo_open("/tmp/mmapdemo-never", O_RDWR | O_CREAT, &md),
		   -EINVAL);
	EXPECT(access("/tmp/mmapdemo-never", F_OK) < 0);
}

/* The open leaves no descriptor behind when it fails. */
static void test_open_no_fd_leak(void)
{
	struct mmapdemo *md = NULL;
	int before = dup(0), after;

	close(before);
	EXPECT_INT(mmapdemo_open("/dev/null", O_RDONLY, &md), -ENOTTY);
	after = dup(0);
	close(after);
	EXPECT_INT(after, before);
}

static void test_null_handles(void)
{
	struct mmapdemo_stats stats;
	struct mmapdemo_info info;
	uint32_t crc;
	void *addr = &addr;

	EXPECT(!mmapdemo_ref(NULL));
	EXPECT(!mmapdemo_unref(NULL));
	EXPECT_INT(mmapdemo_fd(NULL), -EINVAL);
	EXPECT_INT(mmapdemo_get_info(NULL, &info), -EINVAL);
	EXPECT_INT(mmapdemo_get_stats(NULL, &stats), -EINVAL);
	EXPECT_INT(mmapdemo_set_mode(NULL, MMAPDEMO_MODE_FAULT), -EINVAL);
	EXPECT_INT(mmapdemo_fill(NULL, 0, 1, 0), -EINVAL);
	EXPECT_INT(mmapdemo_checksum(NULL, 0, 1, &crc), -EINVAL);
	EXPECT_INT(mmapdemo_map(NULL, 0, 4096, PROT_READ, MAP_SHARED, &addr),
		   -EINVAL);
	EXPECT_INT(mmapdemo_unmap((void *)1, 4096), -EINVAL);
}

static void test_uapi_layout(void)
{
	EXPECT_INT(sizeof(struct mmapdemo_info), 32);
	EXPECT_INT(offsetof(struct mmapdemo_info, size), 8);
	EXPECT_INT(offsetof(struct mmapdemo_info, huge), 28);
	EXPECT_INT(sizeof(struct mmapdemo_fill), 24);
	EXPECT_INT(offsetof(struct mmapdemo_fill, flags), 20);
	EXPECT_INT(sizeof(struct mmapdemo_checksum), 24);
	EXPECT_INT(offsetof(struct mmapdemo_checksum, crc32c), 16);
	EXPECT_INT(sizeof(struct mmapdemo_stats), 136);
	EXPECT_INT(offsetof(struct mmapdemo_stats, resizes), 56);
	EXPECT_INT(offsetof(struct mmapdemo_stats, fault_pages), 64);
	EXPECT_INT(offsetof(struct mmapdemo_stats, huge_faults), 72);
	EXPECT_INT(offsetof(struct mmapdemo_stats, huge_fallbacks), 80);
	EXPECT_INT(MMAPDEMO_STATS_SIZE_V1, 64);
	EXPECT_INT(MMAPDEMO_STATS_SIZE_V2, 88);
	EXPECT_INT(MMAPDEMO_STATS_SIZE_V3, 136);
	EXPECT_INT(offsetof(struct mmapdemo_stats, dmabuf_exports), 88);
	EXPECT_INT(offsetof(struct mmapdemo_stats, dmabuf_releases), 128);
	EXPECT_INT(sizeof(struct mmapdemo_dmabuf_export), 24);
	EXPECT_INT(offsetof(struct mmapdemo_dmabuf_export, flags), 16);
	EXPECT_INT(offsetof(struct mmapdemo_dmabuf_export, fd), 20);
	EXPECT_INT(MMAPDEMO_HUGE_REMAP, 1);
	EXPECT_INT(MMAPDEMO_HUGE_FAULT, 2);
	EXPECT_INT(MMAPDEMO_ABI_VERSION, 1);
	EXPECT_STR(MMAPDEMO_DEVICE, "/dev/mmapdemo");
	EXPECT_INT(MMAPDEMO_MODE_FAULT, 0);
	EXPECT_INT(MMAPDEMO_MODE_REMAP, 1);
}

static void test_uapi_ioctl_numbers(void)
{
	EXPECT_INT(_IOC_TYPE(MMAPDEMO_IOC_INFO), 0xb7);
	EXPECT_INT(_IOC_SIZE(MMAPDEMO_IOC_INFO), 32);
	EXPECT_INT(_IOC_DIR(MMAPDEMO_IOC_INFO), _IOC_READ);
	EXPECT_INT(_IOC_SIZE(MMAPDEMO_IOC_SET_MODE), 4);
	EXPECT_INT(_IOC_DIR(MMAPDEMO_IOC_SET_MODE), _IOC_WRITE);
	EXPECT_INT(_IOC_SIZE(MMAPDEMO_IOC_FILL), 24);
	EXPECT_INT(_IOC_DIR(MMAPDEMO_IOC_FILL), _IOC_WRITE);
	EXPECT_INT(_IOC_SIZE(MMAPDEMO_IOC_CHECKSUM), 24);
	EXPECT_INT(_IOC_DIR(MMAPDEMO_IOC_CHECKSUM), _IOC_READ | _IOC_WRITE);
	EXPECT_INT(_IOC_SIZE(MMAPDEMO_IOC_STATS), 136);
	EXPECT_INT(_IOC_DIR(MMAPDEMO_IOC_STATS), _IOC_READ);
	/* The numbers as an strace or a C program built elsewhere sees them. */
	EXPECT_U64(MMAPDEMO_IOC_INFO, 0x8020b700);
	EXPECT_U64(MMAPDEMO_IOC_SET_MODE, 0x4004b701);
	EXPECT_U64(MMAPDEMO_IOC_FILL, 0x4018b702);
	EXPECT_U64(MMAPDEMO_IOC_CHECKSUM, 0xc018b703);
	/* Grew from 0x8040b704 (64 bytes), 0x8048b704 (72) and 0x8058b704
	 * (88), which the driver still answers.
	 */
	EXPECT_U64(MMAPDEMO_IOC_STATS, 0x8088b704);
	EXPECT_U64(MMAPDEMO_IOC_EXPORT_DMABUF, 0xc018b705);
}

/* Device nodes by index: what devices=N creates, and nothing else. */
static void test_device_path(void)
{
	char path[32], tiny[8];

	EXPECT_INT(mmapdemo_device_path(0, path, sizeof(path)), 0);
	EXPECT_STR(path, "/dev/mmapdemo");
	EXPECT_INT(mmapdemo_device_path(1, path, sizeof(path)), 0);
	EXPECT_STR(path, "/dev/mmapdemo1");
	EXPECT_INT(mmapdemo_device_path(MMAPDEMO_MAX_DEVICES - 1, path,
					sizeof(path)), 0);
	EXPECT_STR(path, "/dev/mmapdemo15");
	EXPECT_INT(mmapdemo_device_path(MMAPDEMO_MAX_DEVICES, path,
					sizeof(path)), -EINVAL);
	EXPECT_INT(mmapdemo_device_path(~0u, path, sizeof(path)), -EINVAL);
	EXPECT_INT(mmapdemo_device_path(0, NULL, 32), -EINVAL);
	EXPECT_INT(mmapdemo_device_path(1, tiny, sizeof(tiny)), -ERANGE);
	EXPECT_INT(mmapdemo_device_path(1, tiny, 0), -ERANGE);
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
		TAP_TEST(open_missing),
		TAP_TEST(open_default_path),
		TAP_TEST(open_not_a_device),
		TAP_TEST(open_bad_args),
		TAP_TEST(open_no_fd_leak),
		TAP_TEST(null_handles),
		TAP_TEST(uapi_layout),
		TAP_TEST(uapi_ioctl_numbers),
		TAP_TEST(device_path),
	};

	return tap_main(argc, argv, tests, TAP_COUNT(tests));
}
