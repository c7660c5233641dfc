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

	CHECK_INT(mmapdemo_open("/nonexistent/mmapdemo", O_RDWR, &md),
		  -ENOENT);
	CHECK(!md);
}

static void test_open_default_path(void)
{
	struct mmapdemo *md = NULL;

	if (!access(MMAPDEMO_DEVICE, F_OK))
		tap_skip(MMAPDEMO_DEVICE " exists here");
	CHECK_INT(mmapdemo_open(NULL, O_RDONLY, &md), -ENOENT);
	CHECK(!md);
}

static void test_open_not_a_device(void)
{
	char path[] = "/tmp/mmapdemo-test-XXXXXX";
	struct mmapdemo *md = NULL;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK_INT(mmapdemo_open(path, O_RDWR, &md), -ENOTTY);
	CHECK(!md);
	close(fd);
	unlink(path);
	CHECK_INT(mmapdemo_open("/dev/null", O_RDONLY, &md), -ENOTTY);
	CHECK_INT(mmapdemo_open("/", O_RDONLY, &md), -ENOTTY);
	CHECK_INT(mmapdemo_open("/", O_RDWR, &md), -EISDIR);
}

static void test_open_bad_args(void)
{
	struct mmapdemo *md = NULL;

	CHECK_INT(mmapdemo_open(NULL, O_RDWR, NULL), -EINVAL);
	CHECK_INT(mmapdemo_open("/tmp/mmapdemo-never", O_RDWR | O_CREAT, &md),
		  -EINVAL);
	CHECK(access("/tmp/mmapdemo-never", F_OK) < 0);
}

/* The open leaves no descriptor behind when it fails. */
static void test_open_no_fd_leak(void)
{
	struct mmapdemo *md = NULL;
	int before = dup(0), after;

	close(before);
	CHECK_INT(mmapdemo_open("/dev/null", O_RDONLY, &md), -ENOTTY);
	after = dup(0);
	close(after);
	CHECK_INT(after, before);
}

static void test_null_handles(void)
{
	struct mmapdemo_stats stats;
	struct mmapdemo_info info;
	uint32_t crc;
	void *addr = &addr;

	CHECK(!mmapdemo_ref(NULL));
	CHECK(!mmapdemo_unref(NULL));
	CHECK_INT(mmapdemo_fd(NULL), -EINVAL);
	CHECK_INT(mmapdemo_get_info(NULL, &info), -EINVAL);
	CHECK_INT(mmapdemo_get_stats(NULL, &stats), -EINVAL);
	CHECK_INT(mmapdemo_set_mode(NULL, MMAPDEMO_MODE_FAULT), -EINVAL);
	CHECK_INT(mmapdemo_fill(NULL, 0, 1, 0), -EINVAL);
	CHECK_INT(mmapdemo_checksum(NULL, 0, 1, &crc), -EINVAL);
	CHECK_INT(mmapdemo_map(NULL, 0, 4096, PROT_READ, MAP_SHARED, &addr),
		  -EINVAL);
	CHECK_INT(mmapdemo_unmap((void *)1, 4096), -EINVAL);
}

static void test_uapi_layout(void)
{
	CHECK_INT(sizeof(struct mmapdemo_info), 32);
	CHECK_INT(offsetof(struct mmapdemo_info, size), 8);
	CHECK_INT(offsetof(struct mmapdemo_info, reserved), 28);
	CHECK_INT(sizeof(struct mmapdemo_fill), 24);
	CHECK_INT(offsetof(struct mmapdemo_fill, flags), 20);
	CHECK_INT(sizeof(struct mmapdemo_checksum), 24);
	CHECK_INT(offsetof(struct mmapdemo_checksum, crc32c), 16);
	CHECK_INT(sizeof(struct mmapdemo_stats), 72);
	CHECK_INT(offsetof(struct mmapdemo_stats, resizes), 56);
	CHECK_INT(offsetof(struct mmapdemo_stats, fault_pages), 64);
	CHECK_INT(MMAPDEMO_STATS_SIZE_V1, 64);
	CHECK_INT(MMAPDEMO_ABI_VERSION, 1);
	CHECK_STR(MMAPDEMO_DEVICE, "/dev/mmapdemo");
	CHECK_INT(MMAPDEMO_MODE_FAULT, 0);
	CHECK_INT(MMAPDEMO_MODE_REMAP, 1);
}

static void test_uapi_ioctl_numbers(void)
{
	CHECK_INT(_IOC_TYPE(MMAPDEMO_IOC_INFO), 0xb7);
	CHECK_INT(_IOC_SIZE(MMAPDEMO_IOC_INFO), 32);
	CHECK_INT(_IOC_DIR(MMAPDEMO_IOC_INFO), _IOC_READ);
	CHECK_INT(_IOC_SIZE(MMAPDEMO_IOC_SET_MODE), 4);
	CHECK_INT(_IOC_DIR(MMAPDEMO_IOC_SET_MODE), _IOC_WRITE);
	CHECK_INT(_IOC_SIZE(MMAPDEMO_IOC_FILL), 24);
	CHECK_INT(_IOC_DIR(MMAPDEMO_IOC_FILL), _IOC_WRITE);
	CHECK_INT(_IOC_SIZE(MMAPDEMO_IOC_CHECKSUM), 24);
	CHECK_INT(_IOC_DIR(MMAPDEMO_IOC_CHECKSUM), _IOC_READ | _IOC_WRITE);
	CHECK_INT(_IOC_SIZE(MMAPDEMO_IOC_STATS), 72);
	CHECK_INT(_IOC_DIR(MMAPDEMO_IOC_STATS), _IOC_READ);
	/* The numbers as an strace or a C program built elsewhere sees them. */
	CHECK_U64(MMAPDEMO_IOC_INFO, 0x8020b700);
	CHECK_U64(MMAPDEMO_IOC_SET_MODE, 0x4004b701);
	CHECK_U64(MMAPDEMO_IOC_FILL, 0x4018b702);
	CHECK_U64(MMAPDEMO_IOC_CHECKSUM, 0xc018b703);
	/* Grew from 0x8040b704 (64 bytes), which the driver still answers. */
	CHECK_U64(MMAPDEMO_IOC_STATS, 0x8048b704);
}

/* Device nodes by index: what devices=N creates, and nothing else. */
static void test_device_path(void)
{
	char path[32], tiny[8];

	CHECK_INT(mmapdemo_device_path(0, path, sizeof(path)), 0);
	CHECK_STR(path, "/dev/mmapdemo");
	CHECK_INT(mmapdemo_device_path(1, path, sizeof(path)), 0);
	CHECK_STR(path, "/dev/mmapdemo1");
	CHECK_INT(mmapdemo_device_path(MMAPDEMO_MAX_DEVICES - 1, path,
				       sizeof(path)), 0);
	CHECK_STR(path, "/dev/mmapdemo15");
	CHECK_INT(mmapdemo_device_path(MMAPDEMO_MAX_DEVICES, path,
				       sizeof(path)), -EINVAL);
	CHECK_INT(mmapdemo_device_path(~0u, path, sizeof(path)), -EINVAL);
	CHECK_INT(mmapdemo_device_path(0, NULL, 32), -EINVAL);
	CHECK_INT(mmapdemo_device_path(1, tiny, sizeof(tiny)), -ERANGE);
	CHECK_INT(mmapdemo_device_path(1, tiny, 0), -ERANGE);
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
