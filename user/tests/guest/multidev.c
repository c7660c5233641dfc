// SPDX-License-Identifier: GPL-2.0
/*
 * Guest tests of several devices (the module loaded with devices=3 by
 * 35-multidev.sh): each device has its own buffer, size, map mode and
 * counters, so nothing done through one shows in another, a resize of
 * one leaves the others mapped and intact, and the module stays while
 * any one of them is mapped. Some tests unload and reload the module
 * (the path is in $MMAPDEMO_KO) and leave it loaded with devices=3.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define NDEV		3
#define DEVICES		"devices=3"

/* The node of device i, /dev/mmapdemo or /dev/mmapdemo<i>. */
static const char *dev_path(unsigned int i)
{
	static char path[MMAPDEMO_MAX_DEVICES][32];

	if (mmapdemo_device_path(i, path[i % MMAPDEMO_MAX_DEVICES],
				 sizeof(path[0])))
		return "(no such device)";
	return path[i % MMAPDEMO_MAX_DEVICES];
}

/* A file of the misc device's sysfs directory of device i. */
static const char *dev_attr(unsigned int i, const char *name)
{
	static char path[4][128];
	static unsigned int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "/sys/class/misc/%s/%s",
		 strrchr(dev_path(i), '/') + 1, name);
	return p;
}

/* Device i back to the size every device was loaded with. */
static int restore_size(unsigned int i)
{
	char val[32];

	snprintf(val, sizeof(val), "%llu", (unsigned long long)md_size);
	return md_write_sysfs(dev_attr(i, "size"), val);
}

static uint64_t attr_u64(unsigned int i, const char *name)
{
	char val[32];

	if (md_read_sysfs(dev_attr(i, name), val, sizeof(val)))
		return ~0ull;
	return strtoull(val, NULL, 10);
}

/* Device i opened in the mode under test. */
static int dev_open(unsigned int i, int oflags)
{
	__u32 m = md_mode;
	int fd = open(dev_path(i), oflags | O_CLOEXEC), e;

	if (fd < 0)
		return -1;
	if (ioctl(fd, MMAPDEMO_IOC_SET_MODE, &m)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Device i's buffer, whole and writable, through a file of its own. */
static uint8_t *dev_map(unsigned int i, size_t len)
{
	int fd = dev_open(i, O_RDWR);
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	p = md_map(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	close(fd);
	return p;
}

static uint32_t dev_crc(unsigned int i, uint64_t len)
{
	int fd = dev_open(i, O_RDONLY);
	uint32_t crc = 0;

	if (fd < 0 || md_kernel_crc(fd, 0, len, &crc))
		crc = 0;
	if (fd >= 0)
		close(fd);
	return crc;
}

/* The nodes, their sysfs files and the parameter: three, no more. */
static int t_devices_exist(void)
{
	char val[32];
	unsigned int i;

	CHECK_OK(md_read_sysfs(MD_PARAM("devices"), val,
			       sizeof(val)));
	CHECK(!strcmp(val, "3"), "devices=%s", val);
	for (i = 0; i < NDEV; i++) {
		struct mmapdemo_info info;
		int fd = dev_open(i, O_RDONLY);

		CHECK(fd >= 0, "%s: %s", dev_path(i), strerror(errno));
		CHECK_OK(ioctl(fd, MMAPDEMO_IOC_INFO, &info));
		CHECK(info.size == md_size, "%s: size %llu", dev_path(i),
		      (unsigned long long)info.size);
		CHECK(attr_u64(i, "size") == md_size, "%s", dev_attr(i, "size"));
		CHECK_OK(md_read_sysfs(dev_attr(i, "map_mode"), val,
				       sizeof(val)));
		CHECK(!strcmp(val, "fault"), "%s: %s", dev_attr(i, "map_mode"),
		      val);
		CHECK(attr_u64(i, "stats/mmaps") != ~0ull, "");
		CHECK_OK(close(fd));
	}
	CHECK(access(dev_path(NDEV), F_OK) == -1 && errno == ENOENT,
	      "%s exists", dev_path(NDEV));
	return 0;
}

/*
 * Writes through one device's mapping show in no other: not in their
 * mappings, not through read(), not in the kernel's CHECKSUM; a FILL of
 * one changes only its own bytes and counters.
 */
static int t_buffers_isolated(void)
{
	uint8_t *p[NDEV], *want[NDEV];
	uint64_t fills[NDEV];
	unsigned int i, j;
	int fd;

	for (i = 0; i < NDEV; i++) {
		p[i] = dev_map(i, md_size);
		CHECK(p[i] != MAP_FAILED, "%s: %s", dev_path(i),
		      strerror(errno));
		want[i] = malloc(md_size);
		CHECK(want[i], "");
		md_random(want[i], md_size, 100 + i);
		fills[i] = attr_u64(i, "stats/fills");
	}
	for (i = 0; i < NDEV; i++)
		memcpy(p[i], want[i], md_size);
	for (i = 0; i < NDEV; i++) {
		uint8_t *back = malloc(md_size);

		CHECK(back, "");
		CHECK(!memcmp(p[i], want[i], md_size),
		      "%s: its mapping changed", dev_path(i));
		fd = dev_open(i, O_RDONLY);
		CHECK_OK(fd);
		CHECK(pread(fd, back, md_size, 0) == (ssize_t)md_size, "");
		CHECK(!memcmp(back, want[i], md_size),
		      "%s: read() sees other bytes", dev_path(i));
		CHECK_OK(close(fd));
		free(back);
		CHECK(dev_crc(i, md_size) == mmapdemo_crc32c(0, want[i], md_size),
		      "%s: the kernel's CHECKSUM sees other bytes",
		      dev_path(i));
	}

	/* FILL through device 1: device 1's bytes and counter alone. */
	fd = dev_open(1, O_RDWR);
	CHECK_OK(fd);
	CHECK_OK(md_kernel_fill(fd, 0, md_size, 7));
	CHECK_OK(close(fd));
	CHECK(mmapdemo_pattern_check(p[1], 0, md_size, 7) == -1,
	      "the FILL of device 1 is not in its mapping");
	for (j = 0; j < NDEV; j++) {
		uint64_t n = attr_u64(j, "stats/fills");

		if (j == 1) {
			CHECK(n == fills[j] + 1, "device 1: fills %llu",
			      (unsigned long long)n);
			continue;
		}
		CHECK(!memcmp(p[j], want[j], md_size),
		      "the FILL of device 1 reached %s", dev_path(j));
		CHECK(n == fills[j], "%s: fills %llu", dev_path(j),
		      (unsigned long long)n);
	}
	for (i = 0; i < NDEV; i++) {
		CHECK_OK(munmap(p[i], md_size));
		free(want[i]);
	}
	return 0;
}

/* One SQE through the ring of a file of device i; its CQE in *cqe. */
static int ring_one(unsigned int i, const struct mmapdemo_sqe *in,
		    struct mmapdemo_cqe *out)
{
	struct mmapdemo_ring_setup s = { .sq_entries = 4, .cq_entries = 4 };
	const struct mmapdemo_cqe *cqe;
	struct mmapdemo_ring *r;
	struct mmapdemo_sqe *sqe;
	struct mmapdemo *md;
	int err;

	err = mmapdemo_open(dev_path(i), O_RDWR, &md);
	if (!err)
		err = mmapdemo_set_mode(md, md_mode);
	if (!err)
		err = mmapdemo_ring_setup(md, &s, &r);
	CHECK(!err, "%s: ring: %s", dev_path(i), mmapdemo_strerror(err));
	sqe = mmapdemo_ring_sq_reserve(r);
	CHECK(sqe, "");
	*sqe = *in;
	err = mmapdemo_ring_submit(r);
	CHECK(err >= 0, "submit: %s", mmapdemo_strerror(err));
	/* A wait for the completion, not a timing assertion. */
	err = mmapdemo_ring_wait(r, 60000);
	CHECK(err > 0, "no completion: %s", err ? mmapdemo_strerror(err) : "");
	CHECK(mmapdemo_ring_cq_peek(r, &cqe) > 0, "");
	*out = *cqe;
	mmapdemo_ring_cq_release(r, 1);
	mmapdemo_ring_free(r);
	mmapdemo_unref(md);
	return 0;
}

/* A ring works on the buffer of its own file's device only. */
static int t_rings_isolated(void)
{
	struct mmapdemo_sqe fill = {
		.opcode = MMAPDEMO_OP_FILL, .seed = 9, .length = md_size,
		.user_data = 1,
	};
	struct mmapdemo_sqe sum = {
		.opcode = MMAPDEMO_OP_CHECKSUM, .length = md_size,
		.user_data = 2,
	};
	uint32_t crc[NDEV], want;
	struct mmapdemo_cqe cqe;
	unsigned int i;
	uint8_t *p;
	int fd;

	for (i = 0; i < NDEV; i++) {
		fd = dev_open(i, O_RDWR);
		CHECK_OK(fd);
		CHECK_OK(md_kernel_fill(fd, 0, md_size, 20 + i));
		CHECK_OK(close(fd));
		crc[i] = dev_crc(i, md_size);
	}
	CHECK(crc[0] != crc[1] && crc[1] != crc[2], "");

	/* CHECKSUM through device 1's ring: device 1's bytes. */
	if (ring_one(1, &sum, &cqe))
		return 1;
	CHECK(cqe.res == 0 && cqe.value == crc[1],
	      "ring CHECKSUM on device 1: res %d, crc %#llx, want %#x",
	      cqe.res, (unsigned long long)cqe.value, crc[1]);

	/* FILL through device 2's ring: device 2 alone changes. */
	if (ring_one(2, &fill, &cqe))
		return 1;
	CHECK(cqe.res == 0, "ring FILL on device 2: res %d", cqe.res);
	p = dev_map(2, md_size);
	CHECK(p != MAP_FAILED, "");
	CHECK(mmapdemo_pattern_check(p, 0, md_size, 9) == -1,
	      "the ring's FILL is not in device 2");
	want = mmapdemo_crc32c(0, p, md_size);
	CHECK_OK(munmap(p, md_size));
	CHECK(dev_crc(2, md_size) == want, "");
	CHECK(dev_crc(0, md_size) == crc[0], "device 2's ring reached device 0");
	CHECK(dev_crc(1, md_size) == crc[1], "device 2's ring reached device 1");
	return 0;
}

/*
 * A resize of device 1 through its own size file, while devices 0 and 2
 * are mapped: device 1 gets a new zeroed buffer, the others keep theirs,
 * mapped and intact; a mapped device refuses its own resize.
 */
static int t_resize_one(void)
{
	uint64_t resizes[NDEV];
	uint8_t *p0, *p2, *p1;
	uint32_t c0, c2;
	unsigned int i;
	int fd;

	for (i = 0; i < NDEV; i++)
		resizes[i] = attr_u64(i, "stats/resizes");

	p0 = dev_map(0, md_size);
	p2 = dev_map(2, md_size);
	CHECK(p0 != MAP_FAILED && p2 != MAP_FAILED, "");
	md_random(p0, md_size, 30);
	md_random(p2, md_size, 32);
	c0 = mmapdemo_crc32c(0, p0, md_size);
	c2 = mmapdemo_crc32c(0, p2, md_size);

	CHECK_OK(md_write_sysfs(dev_attr(1, "size"), "64K"));
	CHECK(attr_u64(1, "size") == 64 << 10, "");
	CHECK(attr_u64(1, "stats/resizes") == resizes[1] + 1, "");
	fd = dev_open(1, O_RDWR);
	CHECK_OK(fd);
	p1 = md_map(fd, 64 << 10, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p1 != MAP_FAILED, "");
	CHECK(p1[0] == 0 && p1[(64 << 10) - 1] == 0, "new buffer not zeroed");
	CHECK_ERRNO(md_map(fd, md_page, PROT_READ, MAP_SHARED, 64 << 10),
		    EINVAL);
	/* Mapped now: its own resize is refused, its bytes stay. */
	p1[5] = 'x';
	CHECK_ERRNO(md_write_sysfs(dev_attr(1, "size"), "8M"), EBUSY);
	CHECK(attr_u64(1, "size") == 64 << 10 && p1[5] == 'x', "");
	CHECK_OK(munmap(p1, 64 << 10));
	CHECK_OK(close(fd));

	/* The mapped devices refuse theirs, the parameter for device 0 too. */
	CHECK_ERRNO(md_write_sysfs(dev_attr(0, "size"), "1M"), EBUSY);
	CHECK_ERRNO(md_write_sysfs(dev_attr(2, "size"), "1M"), EBUSY);
	CHECK_ERRNO(md_write_sysfs(MD_PARAM("size"),
				   "1M"), EBUSY);
	CHECK(mmapdemo_crc32c(0, p0, md_size) == c0, "device 0 changed");
	CHECK(mmapdemo_crc32c(0, p2, md_size) == c2, "device 2 changed");
	CHECK(dev_crc(0, md_size) == c0 && dev_crc(2, md_size) == c2, "");
	CHECK(attr_u64(0, "size") == md_size && attr_u64(2, "size") == md_size,
	      "");
	CHECK(attr_u64(0, "stats/resizes") == resizes[0], "");
	CHECK(attr_u64(2, "stats/resizes") == resizes[2], "");
	CHECK_OK(munmap(p0, md_size));
	CHECK_OK(munmap(p2, md_size));

	/* Bad sizes are refused and change nothing. */
	CHECK_ERRNO(md_write_sysfs(dev_attr(1, "size"), "0"), EINVAL);
	CHECK_ERRNO(md_write_sysfs(dev_attr(1, "size"), "4X"), EINVAL);
	CHECK_ERRNO(md_write_sysfs(dev_attr(1, "size"), "99999999999G"),
		    EINVAL);
	CHECK(attr_u64(1, "size") == 64 << 10, "");
	/* Back, so that every test starts alike. */
	CHECK_OK(restore_size(1));
	CHECK(attr_u64(1, "size") == md_size, "");
	return 0;
}

/* Each device's map_mode picks the mode of its own new files. */
static int t_map_mode_per_device(void)
{
	struct mmapdemo_info info;
	char val[32];
	unsigned int i;
	int fd;

	CHECK_OK(md_write_sysfs(dev_attr(2, "map_mode"), "remap"));
	CHECK_ERRNO(md_write_sysfs(dev_attr(2, "map_mode"), "lazy"), EINVAL);
	for (i = 0; i < NDEV; i++) {
		fd = open(dev_path(i), O_RDONLY | O_CLOEXEC);
		CHECK_OK(fd);
		CHECK_OK(ioctl(fd, MMAPDEMO_IOC_INFO, &info));
		CHECK_OK(close(fd));
		CHECK(info.map_mode == (i == 2 ? MMAPDEMO_MODE_REMAP :
					MMAPDEMO_MODE_FAULT) &&
		      info.default_mode == info.map_mode,
		      "%s: map_mode %u, default %u", dev_path(i), info.map_mode,
		      info.default_mode);
	}
	CHECK_OK(md_read_sysfs(MD_PARAM("map_mode"), val,
			       sizeof(val)));
	CHECK(!strcmp(val, "fault"), "parameter map_mode=%s", val);
	CHECK_OK(md_write_sysfs(dev_attr(2, "map_mode"), "fault"));
	return 0;
}

/* rmmod is refused while any one device is mapped, whichever it is. */
static int t_rmmod_while_any_mapped(void)
{
	unsigned int i;
	uint8_t *p;

	for (i = 0; i < NDEV; i++) {
		p = dev_map(i, md_page);
		CHECK(p != MAP_FAILED, "");
		p[0] = 'a' + i;
		/* The mapping's file pins the module (fops->owner). */
		CHECK_ERRNO(md_unload(), EWOULDBLOCK);
		CHECK(p[0] == 'a' + i, "mapping broken by the refused unload");
		CHECK_OK(munmap(p, md_page));
	}
	CHECK_OK(md_unload());
	for (i = 0; i < NDEV; i++)
		CHECK(access(dev_path(i), F_OK) == -1, "%s left behind",
		      dev_path(i));
	CHECK_OK(md_load(DEVICES));
	return 0;
}

/* devices= out of range: the load fails and leaves nothing behind. */
static int t_bad_devices_param(void)
{
	static const char *const bad[] = {
		"devices=0", "devices=17", "devices=100", "devices=-1",
		"devices=abc",
	};
	size_t i;

	CHECK_OK(md_unload());
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_ERRNO(md_load(bad[i]), EINVAL);
		CHECK(access(MD_SYSFS_MODULE, F_OK) == -1, "%s", bad[i]);
		CHECK(access(MMAPDEMO_DEVICE, F_OK) == -1, "%s", bad[i]);
	}
	/* The limit itself loads. */
	CHECK_OK(md_load("devices=16 size=64K"));
	CHECK(access(dev_path(MMAPDEMO_MAX_DEVICES - 1), F_OK) == 0, "");
	CHECK(attr_u64(MMAPDEMO_MAX_DEVICES - 1, "size") == 64 << 10, "");
	CHECK_OK(md_unload());
	CHECK_OK(md_load(DEVICES));
	return 0;
}

/* The tool with @args, its output (stderr too) in @out: exit status. */
static int tool(const char *args, char *out, size_t len)
{
	char cmd[512];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", getenv("MMAPDEMO_TOOL"),
		 args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	return WEXITSTATUS(pclose(f));
}

/* The tool selects a device by number and lists them all. */
static int t_tool_devices(void)
{
	char out[4096];

	CHECK(getenv("MMAPDEMO_TOOL"), "no MMAPDEMO_TOOL");
	CHECK_OK(md_write_sysfs(dev_attr(2, "size"), "128K"));
	CHECK(tool("-d 2 info --json", out, sizeof(out)) == 0, "%s", out);
	CHECK(strstr(out, "\"device\": \"/dev/mmapdemo2\"") &&
	      strstr(out, "\"size\": 131072"), "%s", out);
	CHECK(tool("info", out, sizeof(out)) == 0, "%s", out);
	CHECK(strstr(out, "device:       /dev/mmapdemo\n") &&
	      strstr(out, "device:       /dev/mmapdemo1\n") &&
	      strstr(out, "device:       /dev/mmapdemo2\n") &&
	      strstr(out, "size:         131072 "), "%s", out);
	CHECK(tool("status", out, sizeof(out)) == 0, "%s", out);
	CHECK(strstr(out, "device:   /dev/mmapdemo (present)\n") &&
	      strstr(out, "device:   /dev/mmapdemo2 (present)\n") &&
	      strstr(out, "param:    devices=3\n"), "%s", out);
	/* A device the driver never makes: a usage error. */
	CHECK(tool("-d 16 info", out, sizeof(out)) == 2 &&
	      strstr(out, "no device 16"), "%s", out);
	CHECK_OK(restore_size(2));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct md_test tests[] = {
		{ "devices_exist", t_devices_exist, 0, MD_BOTH },
		{ "buffers_isolated", t_buffers_isolated, 0, MD_BOTH },
		{ "rings_isolated", t_rings_isolated, 0, MD_BOTH },
		{ "resize_one", t_resize_one, 0, MD_BOTH },
		{ "map_mode_per_device", t_map_mode_per_device, 0, MD_BOTH },
		{ "rmmod_while_any_mapped", t_rmmod_while_any_mapped, 0,
		  MD_BOTH },
		{ "bad_devices_param", t_bad_devices_param, 0, MD_FAULT },
		{ "tool_devices", t_tool_devices, 0, MD_FAULT },
	};

	return md_main(argc, argv, tests, ARRAY_SIZE(tests));
}
