// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl ABI (driver/uapi/mmapdemo.h). FILL and CHECKSUM run on the
 * device's buffer (buffer.c); the ring ioctls are ring.c's.
 */
#include <linux/dma-buf.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "device.h"
#include "dmabuf.h"
#include "huge.h"
#include "ioctl.h"
#include "ring.h"

/**
 * mmapdemo_file_set_mode() - choose how this file's mmap() maps the buffer
 * @f: the open file
 * @mode: enum mmapdemo_map_mode
 *
 * Return: 0, -EINVAL for an unknown mode, -EBUSY once the file has
 * called mmap().
 */
int mmapdemo_file_set_mode(struct mmapdemo_file *f, u32 mode)
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
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_file_set_mode);

static long mmapdemo_ioc_info(struct mmapdemo_file *f, void __user *uarg)
{
	struct mmapdemo_buf *buf = mmapdemo_dev_get_buf(f->dev);
	struct mmapdemo_info info = {
		.abi_version = MMAPDEMO_ABI_VERSION,
		.page_size = PAGE_SIZE,
		.size = buf->size,
		.default_mode = READ_ONCE(f->dev->map_mode),
		.nr_chunks = buf->nr_chunks,
		.huge = mmapdemo_huge_caps(),
	};

	mmapdemo_buf_put(buf);
	spin_lock(&f->lock);
	info.map_mode = f->map_mode;
	spin_unlock(&f->lock);
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * FILL and CHECKSUM: the same request, a range and a 32-bit word (the
 * seed in, the CRC out), run on the device's current buffer.
 */
static long mmapdemo_ioc_range(struct mmapdemo_file *f, unsigned int cmd,
			       void __user *uarg)
{
	union {
		struct mmapdemo_fill fill;
		struct mmapdemo_checksum sum;
	} req;
	bool fill = cmd == MMAPDEMO_IOC_FILL;
	struct mmapdemo_buf *buf;
	long ret;

	BUILD_BUG_ON(sizeof(req.fill) != sizeof(req.sum));
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (fill ? req.fill.flags : req.sum.flags)
		return -EINVAL;
	buf = mmapdemo_dev_get_buf(f->dev);
	if (fill)
		ret = mmapdemo_buf_fill(buf, req.fill.offset, req.fill.length,
					req.fill.seed);
	else
		ret = mmapdemo_buf_checksum(buf, req.sum.offset,
					    req.sum.length, &req.sum.crc32c);
	mmapdemo_buf_put(buf);
	if (ret)
		return ret;
	mmapdemo_stat_add(f->dev, fill ? MD_STAT_FILLS : MD_STAT_CHECKSUMS, 1);
	if (!fill && copy_to_user(uarg, &req.sum, sizeof(req.sum)))
		return -EFAULT;
	return 0;
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
		.dmabuf_exports = mmapdemo_stat(d, MD_STAT_DMABUF_EXPORTS),
		.dmabuf_live = mmapdemo_stat(d, MD_STAT_DMABUF_LIVE),
		.dmabuf_attached = mmapdemo_stat(d, MD_STAT_DMABUF_ATTACHED),
		.dmabuf_mapped = mmapdemo_stat(d, MD_STAT_DMABUF_MAPPED),
		.dmabuf_vmapped = mmapdemo_stat(d, MD_STAT_DMABUF_VMAPPED),
		.dmabuf_releases = mmapdemo_stat(d, MD_STAT_DMABUF_RELEASES),
	};

	/* A caller built against an older, shorter layout gets its prefix. */
	return copy_to_user(uarg, &st, size) ? -EFAULT : 0;
}

#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
/*
 * EXPORT_DMABUF. The fd is reserved and the answer copied out before the
 * fd is installed, so a failure never leaves an fd behind; once the
 * dma-buf exists, only dma_buf_put() undoes it (its release frees the
 * rest: CVE-2024-56712's double free came from doing both).
 */
static long mmapdemo_ioc_export(struct file *file, struct mmapdemo_file *f,
				void __user *uarg)
{
	struct mmapdemo_dmabuf_export req;
	struct dma_buf *dmabuf;
	int accmode, fd;
	u32 mode;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~(O_CLOEXEC | O_ACCMODE))
		return -EINVAL;
	accmode = req.flags & O_ACCMODE;
	/* The dma-buf gives no more access than this file has. */
	if ((accmode != O_RDONLY && !(file->f_mode & FMODE_WRITE)) ||
	    (accmode != O_WRONLY && !(file->f_mode & FMODE_READ)))
		return -EBADF;
	spin_lock(&f->lock);
	mode = f->map_mode;
	spin_unlock(&f->lock);
	dmabuf = mmapdemo_dmabuf_export(f->dev, req.offset, req.size, mode,
					accmode);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	fd = get_unused_fd_flags(req.flags & O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	req.fd = fd;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	fd_install(fd, dmabuf->file);
	return 0;
}
#else
static long mmapdemo_ioc_export(struct file *file, struct mmapdemo_file *f,
				void __user *uarg)
{
	return -EOPNOTSUPP;
}
#endif

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

	/*
	 * FILL writes the buffer, and a ring can FILL it: only for files
	 * that may write() it.
	 */
	if ((cmd == MMAPDEMO_IOC_FILL || cmd == MMAPDEMO_IOC_RING_SETUP) &&
	    !(file->f_mode & FMODE_WRITE))
		return -EBADF;

	switch (cmd) {
	case MMAPDEMO_IOC_INFO:
		return mmapdemo_ioc_info(f, uarg);
	case MMAPDEMO_IOC_SET_MODE:
		if (get_user(mode, (u32 __user *)uarg))
			return -EFAULT;
		return mmapdemo_file_set_mode(f, mode);
	case MMAPDEMO_IOC_FILL:
	case MMAPDEMO_IOC_CHECKSUM:
		return mmapdemo_ioc_range(f, cmd, uarg);
	case MMAPDEMO_IOC_EXPORT_DMABUF:
		return mmapdemo_ioc_export(file, f, uarg);
	case MMAPDEMO_IOC_RING_SETUP:
	case MMAPDEMO_IOC_RING_DOORBELL:
	case MMAPDEMO_IOC_RING_PRODUCER_START:
	case MMAPDEMO_IOC_RING_PRODUCER_STOP:
	case MMAPDEMO_IOC_RING_EVENTFD:
	case MMAPDEMO_IOC_RING_STATS:
		return mmapdemo_ring_ioctl(f, cmd, uarg);
	default:
		return -ENOTTY;
	}
}
