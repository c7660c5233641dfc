// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl ABI (driver/uapi/mmapdemo.h) and the kernel's own reads and
 * writes of the buffer: FILL writes where user space reads, CHECKSUM
 * reads what user space wrote. Both go through the vmap() view of the
 * very pages user space has mapped, so no data is copied.
 */
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <asm/byteorder.h>

#include "compat.h"
#include "device.h"
#include "huge.h"
#include "ring.h"

/* Work in slices so a 1 GiB fill or checksum does not hog the CPU. */
#define MMAPDEMO_SLICE	SZ_1M

/**
 * mmapdemo_fill_pattern() - write the FILL pattern over a range
 * @buf: the buffer
 * @offset: first byte, validated by the caller
 * @length: bytes, validated by the caller
 * @seed: pattern seed
 *
 * Byte o of the buffer gets mmapdemo_pattern_byte(seed, o). Its stores
 * race with every other user of those bytes by contract (buffer.h).
 */
void __no_kcsan mmapdemo_fill_pattern(struct mmapdemo_buf *buf, u64 offset,
				      u64 length, u32 seed)
{
	u8 *p = buf->vaddr;
	u64 end = offset + length;
	u64 o = offset;

	for (; o < end && (o & 7); o++)
		p[o] = mmapdemo_pattern_byte(seed, o);
	while (end - o >= 8) {
		*(__le64 *)(p + o) =
			cpu_to_le64(mmapdemo_pattern_word(seed, o >> 3));
		o += 8;
		if (!(o & (MMAPDEMO_SLICE - 1)))
			cond_resched();
	}
	for (; o < end; o++)
		p[o] = mmapdemo_pattern_byte(seed, o);
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_fill_pattern);

/**
 * mmapdemo_checksum() - CRC32C of a range, as user-space tools compute it
 * @buf: the buffer
 * @offset: first byte, validated by the caller
 * @length: bytes, validated by the caller
 */
u32 mmapdemo_checksum(struct mmapdemo_buf *buf, u64 offset, u64 length)
{
	const u8 *p = (const u8 *)buf->vaddr + offset;
	u32 crc = ~0U;

	while (length) {
		size_t n = min_t(u64, length, MMAPDEMO_SLICE);

		/* Racing writers are allowed (buffer.h). */
		crc = data_race(mmapdemo_crc32c_update(crc, p, n));
		p += n;
		length -= n;
		cond_resched();
	}
	return ~crc;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_checksum);

/**
 * mmapdemo_set_mode() - choose how this file's mmap() maps the buffer
 * @f: the open file
 * @mode: enum mmapdemo_map_mode
 *
 * Return: 0, -EINVAL for an unknown mode, -EBUSY once the file has
 * called mmap().
 */
int mmapdemo_set_mode(struct mmapdemo_file *f, u32 mode)
{
	int ret = 0;

	if (mode >= MMAPDEMO_MODE_COUNT)
		return -EINVAL;
	spin_lock(&f->lock);
	if (f->mapped)
		ret = -EBUSY;
	else
		f->map_mode = mode;
	spin_unlock(&f->lock);
	return ret;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_set_mode);

static long mmapdemo_ioc_info(struct mmapdemo_file *f, void __user *uarg)
{
	struct mmapdemo_buf *buf = mmapdemo_dev_get_buf(f->dev);
	struct mmapdemo_info info = {
		.abi_version = MMAPDEMO_ABI_VERSION,
		.page_size = PAGE_SIZE,
		.size = buf->size,
		.default_mode = mmapdemo_default_mode(),
		.nr_chunks = buf->nr_chunks,
		.huge = mmapdemo_huge_caps(),
	};

	mmapdemo_buf_put(buf);
	spin_lock(&f->lock);
	info.map_mode = f->map_mode;
	spin_unlock(&f->lock);
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long mmapdemo_ioc_fill(struct file *file, void __user *uarg)
{
	struct mmapdemo_file *f = file->private_data;
	struct mmapdemo_fill req;
	struct mmapdemo_buf *buf;
	long ret = 0;

	/* FILL writes the buffer: only for files that may write() it. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	buf = mmapdemo_dev_get_buf(f->dev);
	if (mmapdemo_range_ok(buf->size, req.offset, req.length)) {
		mmapdemo_fill_pattern(buf, req.offset, req.length, req.seed);
		mmapdemo_stat_add(f->dev, MD_STAT_FILLS, 1);
	} else {
		ret = -EINVAL;
	}
	mmapdemo_buf_put(buf);
	return ret;
}

static long mmapdemo_ioc_checksum(struct mmapdemo_file *f, void __user *uarg)
{
	struct mmapdemo_checksum req;
	struct mmapdemo_buf *buf;
	long ret = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	buf = mmapdemo_dev_get_buf(f->dev);
	if (mmapdemo_range_ok(buf->size, req.offset, req.length)) {
		req.crc32c = mmapdemo_checksum(buf, req.offset, req.length);
		mmapdemo_stat_add(f->dev, MD_STAT_CHECKSUMS, 1);
	} else {
		ret = -EINVAL;
	}
	mmapdemo_buf_put(buf);
	if (!ret && copy_to_user(uarg, &req, sizeof(req)))
		ret = -EFAULT;
	return ret;
}

static long mmapdemo_ioc_stats(struct mmapdemo_file *f, void __user *uarg,
			       size_t size)
{
	struct mmapdemo_dev *d = f->dev;
	struct mmapdemo_stats st = {
		.mmaps = mmapdemo_stat(d, MD_STAT_MMAPS),
		.live_vmas = mmapdemo_stat(d, MD_STAT_LIVE_VMAS),
		.faults = mmapdemo_stat(d, MD_STAT_FAULTS),
		.bytes_read = mmapdemo_stat(d, MD_STAT_BYTES_READ),
		.bytes_written = mmapdemo_stat(d, MD_STAT_BYTES_WRITTEN),
		.fills = mmapdemo_stat(d, MD_STAT_FILLS),
		.checksums = mmapdemo_stat(d, MD_STAT_CHECKSUMS),
		.resizes = mmapdemo_stat(d, MD_STAT_RESIZES),
		.fault_pages = mmapdemo_stat(d, MD_STAT_FAULT_PAGES),
		.huge_faults = mmapdemo_stat(d, MD_STAT_HUGE_FAULTS),
		.huge_fallbacks = mmapdemo_stat(d, MD_STAT_HUGE_FALLBACKS),
	};

	/* A caller built against an older, shorter layout gets its prefix. */
	return copy_to_user(uarg, &st, size) ? -EFAULT : 0;
}

long mmapdemo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mmapdemo_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	u32 mode;

	/*
	 * STATS grows at its end: any size from the first layout's up to
	 * today's, in whole counters, is the same request.
	 */
	if (_IOC_TYPE(cmd) == MMAPDEMO_IOC_MAGIC &&
	    _IOC_NR(cmd) == _IOC_NR(MMAPDEMO_IOC_STATS) &&
	    _IOC_DIR(cmd) == _IOC_READ &&
	    _IOC_SIZE(cmd) >= MMAPDEMO_STATS_SIZE_V1 &&
	    _IOC_SIZE(cmd) <= sizeof(struct mmapdemo_stats) &&
	    !(_IOC_SIZE(cmd) % sizeof(__u64)))
		return mmapdemo_ioc_stats(f, uarg, _IOC_SIZE(cmd));

	switch (cmd) {
	case MMAPDEMO_IOC_INFO:
		return mmapdemo_ioc_info(f, uarg);
	case MMAPDEMO_IOC_SET_MODE:
		if (get_user(mode, (u32 __user *)uarg))
			return -EFAULT;
		return mmapdemo_set_mode(f, mode);
	case MMAPDEMO_IOC_FILL:
		return mmapdemo_ioc_fill(file, uarg);
	case MMAPDEMO_IOC_CHECKSUM:
		return mmapdemo_ioc_checksum(f, uarg);
	case MMAPDEMO_IOC_RING_SETUP:
	case MMAPDEMO_IOC_RING_DOORBELL:
	case MMAPDEMO_IOC_RING_PRODUCER_START:
	case MMAPDEMO_IOC_RING_PRODUCER_STOP:
	case MMAPDEMO_IOC_RING_EVENTFD:
	case MMAPDEMO_IOC_RING_STATS:
		return mmapdemo_ring_ioctl(file, cmd, uarg);
	default:
		return -ENOTTY;
	}
}
