// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The device handle: the only place in user space that issues ioctls on
 * /dev/mmapdemo.
 *
 * Ordering between this process's accesses to a mapping and the kernel's
 * FILL/CHECKSUM needs nothing extra here: the ioctl runs on the calling
 * thread, after every store that thread made through the mapping (the
 * pointer has escaped, so the compiler cannot sink stores past the call),
 * and returns after the kernel's stores.  Other threads or processes that
 * share the mapping need their own synchronisation with the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmapdemo.h"

struct mmapdemo {
	int refcount;
	int fd;
};

static int md_ioctl(const struct mmapdemo *md, unsigned long req, void *arg)
{
	if (!md)
		return -EINVAL;
	if (ioctl(md->fd, req, arg) < 0)
		return -errno;
	return 0;
}

int mmapdemo_device_path(unsigned int index, char *buf, size_t len)
{
	int n;

	if (!buf || index >= MMAPDEMO_MAX_DEVICES)
		return -EINVAL;
	if (index)
		n = snprintf(buf, len, "%s%u", MMAPDEMO_DEVICE, index);
	else
		n = snprintf(buf, len, "%s", MMAPDEMO_DEVICE);
	return n < 0 || (size_t)n >= len ? -ERANGE : 0;
}

int mmapdemo_open(const char *path, int oflags, struct mmapdemo **out)
{
	struct mmapdemo_info info;
	struct mmapdemo *md;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	/* The device node is never created or truncated by us. */
	if (oflags & (O_CREAT | O_TRUNC))
		return -EINVAL;
	if (!path)
		path = MMAPDEMO_DEVICE;

	md = calloc(1, sizeof(*md));
	if (!md)
		return -ENOMEM;
	md->refcount = 1;
	md->fd = open(path, oflags | O_CLOEXEC);
	if (md->fd < 0) {
		err = -errno;
		free(md);
		return err;
	}

	/* Fail early on a file that is not (this version of) the device. */
	err = mmapdemo_get_info(md, &info);
	if (!err && info.abi_version != MMAPDEMO_ABI_VERSION)
		err = -EPROTO;
	if (err) {
		close(md->fd);
		free(md);
		return err;
	}
	*out = md;
	return 0;
}

struct mmapdemo *mmapdemo_ref(struct mmapdemo *md)
{
	if (md)
		__atomic_add_fetch(&md->refcount, 1, __ATOMIC_RELAXED);
	return md;
}

struct mmapdemo *mmapdemo_unref(struct mmapdemo *md)
{
	if (!md)
		return NULL;
	if (__atomic_sub_fetch(&md->refcount, 1, __ATOMIC_ACQ_REL) > 0)
		return md;
	close(md->fd);
	free(md);
	return NULL;
}

int mmapdemo_fd(const struct mmapdemo *md)
{
	return md ? md->fd : -EINVAL;
}

int mmapdemo_get_info(struct mmapdemo *md, struct mmapdemo_info *info)
{
	if (!info)
		return -EINVAL;
	return md_ioctl(md, MMAPDEMO_IOC_INFO, info);
}

int mmapdemo_set_mode(struct mmapdemo *md, enum mmapdemo_map_mode mode)
{
	__u32 arg = (__u32)mode;

	return md_ioctl(md, MMAPDEMO_IOC_SET_MODE, &arg);
}

/*
 * A module older than this library knows a shorter struct mmapdemo_stats
 * and answers ENOTTY to today's size: ask again with each earlier layout,
 * newest first, and leave the counters it does not have at zero. @room
 * is the size of the caller's struct: nothing past it is written.
 */
static int md_get_stats(struct mmapdemo *md, struct mmapdemo_stats *stats,
			unsigned int room)
{
	static const unsigned int sizes[] = {
		MMAPDEMO_STATS_SIZE_V3,
		MMAPDEMO_STATS_SIZE_V2,
		offsetof(struct mmapdemo_stats, huge_faults),
		MMAPDEMO_STATS_SIZE_V1,
		0,
	};
	const unsigned int *size;
	int err = -ENOTTY;

	if (!stats)
		return -EINVAL;
	memset(stats, 0, room);
	for (size = sizes; *size && err == -ENOTTY; size++) {
		if (*size > room)
			continue;
		err = md_ioctl(md, _IOC(_IOC_READ, MMAPDEMO_IOC_MAGIC,
					_IOC_NR(MMAPDEMO_IOC_STATS), *size),
			       stats);
	}
	return err;
}

/*
 * mmapdemo_get_stats@@LIBMMAPDEMO_1.2, what programs link to now: the
 * struct of this header (V3, 136 bytes).
 */
int md_get_stats_v3(struct mmapdemo *md, struct mmapdemo_stats *stats);
int md_get_stats_v3(struct mmapdemo *md, struct mmapdemo_stats *stats)
{
	return md_get_stats(md, stats, sizeof(*stats));
}

__asm__(".symver md_get_stats_v3, mmapdemo_get_stats@@LIBMMAPDEMO_1.2");

/*
 * mmapdemo_get_stats@LIBMMAPDEMO_1: what programs linked before
 * LIBMMAPDEMO_1.2 call. Their struct mmapdemo_stats ends after the huge
 * counters (V2, 88 bytes): the dma-buf counters would be written past
 * its end, over the caller's memory.
 */
int md_get_stats_v2(struct mmapdemo *md, struct mmapdemo_stats *stats);
int md_get_stats_v2(struct mmapdemo *md, struct mmapdemo_stats *stats)
{
	return md_get_stats(md, stats, MMAPDEMO_STATS_SIZE_V2);
}

__asm__(".symver md_get_stats_v2, mmapdemo_get_stats@LIBMMAPDEMO_1");

int mmapdemo_map(struct mmapdemo *md, uint64_t offset, size_t length,
		 int prot, int flags, void **addr)
{
	void *p;

	if (!md || !addr)
		return -EINVAL;
	*addr = NULL;
	if (!length) {
		struct mmapdemo_info info;
		int err = mmapdemo_get_info(md, &info);

		if (err)
			return err;
		if (offset >= info.size)
			return -EINVAL;
		if (info.size - offset > SIZE_MAX)
			return -EOVERFLOW;
		length = info.size - offset;
	}
	/* mmap() takes a signed off_t. */
	if (offset > (uint64_t)INT64_MAX)
		return -EOVERFLOW;
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		flags |= MAP_SHARED;

	p = mmap(NULL, length, prot, flags, md->fd, (off_t)offset);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

int mmapdemo_unmap(void *addr, size_t length)
{
	if (munmap(addr, length) < 0)
		return -errno;
	return 0;
}

int mmapdemo_fill(struct mmapdemo *md, uint64_t offset, uint64_t length,
		  uint32_t seed)
{
	struct mmapdemo_fill arg = {
		.offset = offset,
		.length = length,
		.seed = seed,
	};

	return md_ioctl(md, MMAPDEMO_IOC_FILL, &arg);
}

int mmapdemo_export_dmabuf(struct mmapdemo *md, uint64_t offset,
			   uint64_t size, int flags)
{
	struct mmapdemo_dmabuf_export arg = {
		.offset = offset,
		.size = size,
		.flags = (uint32_t)flags,
	};
	int err;

	if (flags < 0)
		return -EINVAL;
	err = md_ioctl(md, MMAPDEMO_IOC_EXPORT_DMABUF, &arg);
	return err ? err : arg.fd;
}

int mmapdemo_checksum(struct mmapdemo *md, uint64_t offset, uint64_t length,
		      uint32_t *crc32c)
{
	struct mmapdemo_checksum arg = {
		.offset = offset,
		.length = length,
	};
	int err;

	if (!crc32c)
		return -EINVAL;
	err = md_ioctl(md, MMAPDEMO_IOC_CHECKSUM, &arg);
	if (!err)
		*crc32c = arg.crc32c;
	return err;
}
