// SPDX-License-Identifier: GPL-2.0
/*
 * mmapdemo: one kernel buffer shared with user space through mmap().
 *
 * This file holds the module parameters, the misc device and the
 * file-like read/write/llseek path (the copying baseline). The mapping
 * itself lives in mmap.c, the buffer in buffer.c, the ioctls in ioctl.c.
 */
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "compat.h"
#include "device.h"
#include "ring.h"

#define MMAPDEMO_VERSION	"0.1.0"

static u64 mmapdemo_size = SZ_4M;
static u32 mmapdemo_map_mode = MMAPDEMO_MODE_FAULT;
static ushort mmapdemo_dev_mode = 0600;
/* Pages a fault maps at most: a power of two, 1 (off) to PTRS_PER_PTE. */
static unsigned long mmapdemo_fault_around = SZ_256K >> PAGE_SHIFT;

static const char * const mmapdemo_mode_names[MMAPDEMO_MODE_COUNT] = {
	[MMAPDEMO_MODE_FAULT] = "fault",
	[MMAPDEMO_MODE_REMAP] = "remap",
};

static const struct file_operations mmapdemo_fops;

struct mmapdemo_dev mmapdemo_dev = {
	.misc = {
		.minor = MISC_DYNAMIC_MINOR,
		.name = "mmapdemo",
		.fops = &mmapdemo_fops,
		.groups = mmapdemo_groups,
	},
	.lock = __MUTEX_INITIALIZER(mmapdemo_dev.lock),
};

u32 mmapdemo_default_mode(void)
{
	return READ_ONCE(mmapdemo_map_mode);
}

/**
 * mmapdemo_parse_size() - parse "4096", "64K", "4M", "1G" (any case)
 * @s: the string, a trailing newline allowed
 * @out: bytes
 *
 * Return: 0, -EINVAL for anything else, -ERANGE when it does not fit u64.
 */
int mmapdemo_parse_size(const char *s, u64 *out)
{
	char num[24];
	size_t len = strlen(s);
	unsigned int shift = 0;
	u64 val;
	int ret;

	if (len && s[len - 1] == '\n')
		len--;
	if (len) {
		switch (tolower(s[len - 1])) {
		case 'k':
			shift = 10;
			break;
		case 'm':
			shift = 20;
			break;
		case 'g':
			shift = 30;
			break;
		}
		if (shift)
			len--;
	}
	if (!len || len >= sizeof(num) || !isdigit(s[0]))
		return -EINVAL;
	memcpy(num, s, len);
	num[len] = '\0';
	ret = kstrtoull(num, 10, &val);
	if (ret)
		return ret;
	if (check_shl_overflow(val, shift, out))
		return -ERANGE;
	return 0;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_parse_size);

struct mmapdemo_buf *mmapdemo_dev_get_buf(struct mmapdemo_dev *dev)
{
	struct mmapdemo_buf *buf;

	mutex_lock(&dev->lock);
	buf = dev->buf;
	mmapdemo_buf_get(buf);
	mutex_unlock(&dev->lock);
	return buf;
}

/*
 * Counting the VMA under dev->lock is what makes a resize safe: a resize
 * checks nr_vmas under the same lock, so it either sees this mapping or
 * the mapping sees the new buffer.
 */
struct mmapdemo_buf *mmapdemo_dev_get_buf_for_vma(struct mmapdemo_dev *dev)
{
	struct mmapdemo_buf *buf;

	mutex_lock(&dev->lock);
	buf = dev->buf;
	mmapdemo_buf_get(buf);
	atomic_inc(&buf->nr_vmas);
	mutex_unlock(&dev->lock);
	return buf;
}

void mmapdemo_dev_put_buf_for_vma(struct mmapdemo_dev *dev,
				  struct mmapdemo_buf *buf)
{
	atomic_dec(&buf->nr_vmas);
	mmapdemo_buf_put(buf);
}

/*
 * Replace the buffer by a zeroed one of @size bytes. Only while nothing
 * maps it: the old pages may be mapped by processes that expect to keep
 * sharing them with the device.
 */
static int mmapdemo_resize(struct mmapdemo_dev *dev, u64 size)
{
	struct mmapdemo_buf *new, *old;

	mutex_lock(&dev->lock);
	if (!dev->buf) {
		/* Still loading: module_init() allocates with this size. */
		mmapdemo_size = size;
		mutex_unlock(&dev->lock);
		return 0;
	}
	if (atomic_read(&dev->buf->nr_vmas)) {
		mutex_unlock(&dev->lock);
		return -EBUSY;
	}
	mutex_unlock(&dev->lock);

	new = mmapdemo_buf_alloc(size, MMAPDEMO_BUF_MAX_ORDER);
	if (IS_ERR(new))
		return PTR_ERR(new);

	mutex_lock(&dev->lock);
	old = dev->buf;
	if (atomic_read(&old->nr_vmas)) {
		old = new;
		new = NULL;
	} else {
		dev->buf = new;
		mmapdemo_size = size;
		mmapdemo_stat_add(dev, MD_STAT_RESIZES, 1);
	}
	mutex_unlock(&dev->lock);
	mmapdemo_buf_put(old);
	return new ? 0 : -EBUSY;
}

static int mmapdemo_size_set(const char *val, const struct kernel_param *kp)
{
	u64 bytes, rounded;
	int ret;

	ret = mmapdemo_parse_size(val, &bytes);
	if (ret)
		return ret == -ERANGE ? -EINVAL : ret;
	ret = mmapdemo_size_valid(bytes, &rounded);
	if (ret)
		return ret;
	return mmapdemo_resize(&mmapdemo_dev, rounded);
}

static int mmapdemo_size_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%llu\n", READ_ONCE(mmapdemo_size));
}

static const struct kernel_param_ops mmapdemo_size_ops = {
	.set = mmapdemo_size_set,
	.get = mmapdemo_size_get,
};
module_param_cb(size, &mmapdemo_size_ops, NULL, 0644);
MODULE_PARM_DESC(size,
		 "Buffer size in bytes, rounded up to pages; K/M/G suffixes (default 4M). Writable while nothing maps the buffer.");

static int mmapdemo_mode_set(const char *val, const struct kernel_param *kp)
{
	int mode = sysfs_match_string(mmapdemo_mode_names, val);

	if (mode < 0)
		return -EINVAL;
	WRITE_ONCE(mmapdemo_map_mode, mode);
	return 0;
}

static int mmapdemo_mode_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%s\n",
			  mmapdemo_mode_names[mmapdemo_default_mode()]);
}

static const struct kernel_param_ops mmapdemo_mode_ops = {
	.set = mmapdemo_mode_set,
	.get = mmapdemo_mode_get,
};
module_param_cb(map_mode, &mmapdemo_mode_ops, NULL, 0644);
MODULE_PARM_DESC(map_mode,
		 "Default map mode of new files: fault (lazy, default) or remap (eager)");

unsigned long mmapdemo_fault_around_pages(void)
{
	return READ_ONCE(mmapdemo_fault_around);
}

/*
 * Bytes, like size=; rounded down to a power of two pages. 0 and anything
 * below two pages turn fault-around off. Takes effect at the next fault.
 */
static int mmapdemo_fault_around_set(const char *val,
				     const struct kernel_param *kp)
{
	unsigned long pages;
	u64 bytes;

	if (mmapdemo_parse_size(val, &bytes) ||
	    bytes > (u64)PTRS_PER_PTE << PAGE_SHIFT)
		return -EINVAL;
	pages = max_t(unsigned long, bytes >> PAGE_SHIFT, 1);
	WRITE_ONCE(mmapdemo_fault_around, rounddown_pow_of_two(pages));
	return 0;
}

static int mmapdemo_fault_around_get(char *buffer,
				     const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%lu\n",
			  mmapdemo_fault_around_pages() << PAGE_SHIFT);
}

static const struct kernel_param_ops mmapdemo_fault_around_ops = {
	.set = mmapdemo_fault_around_set,
	.get = mmapdemo_fault_around_get,
};
module_param_cb(fault_around, &mmapdemo_fault_around_ops, NULL, 0644);
MODULE_PARM_DESC(fault_around,
		 "Bytes the fault mode maps per fault around the faulting page (default 256K; 0: one page; at most 2M on x86). Writable at run time.");

module_param_named(dev_mode, mmapdemo_dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permissions of /dev/mmapdemo (default 0600)");

static int mmapdemo_open(struct inode *inode, struct file *file)
{
	struct mmapdemo_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->dev = &mmapdemo_dev;
	spin_lock_init(&f->lock);
	f->map_mode = mmapdemo_default_mode();
	file->private_data = f;
	return 0;
}

static int mmapdemo_release(struct inode *inode, struct file *file)
{
	mmapdemo_ring_release(file->private_data);
	kfree(file->private_data);
	return 0;
}

/*
 * read() and write() on a fixed-size file: reads at or past the end
 * return 0, writes there fail with -ENOSPC. O_APPEND writes start at the
 * end, as on a block device, so they fail with -ENOSPC too instead of
 * overwriting the bytes at the file position.
 *
 * copy_from_iter(), not copy_from_user(): when the user's buffer faults
 * part way, copy_from_user() zeroes the rest of the destination, which
 * here is live shared data that write() then reports as not written.
 * copy_from_iter() leaves it as it was.
 */
static ssize_t mmapdemo_rw_iter(struct kiocb *iocb, struct iov_iter *iter,
				bool write)
{
	struct mmapdemo_file *f = iocb->ki_filp->private_data;
	struct mmapdemo_buf *buf;
	loff_t pos = iocb->ki_pos;
	size_t n;
	ssize_t ret;

	if (pos < 0)
		return -EINVAL;
	if (!iov_iter_count(iter))
		return 0;
	buf = mmapdemo_dev_get_buf(f->dev);
	if (write && (iocb->ki_flags & IOCB_APPEND))
		pos = buf->size;
	if (pos >= buf->size) {
		ret = write ? -ENOSPC : 0;
		goto out;
	}
	n = min_t(u64, iov_iter_count(iter), buf->size - pos);
	if (write) /* other users of the bytes may race (buffer.h) */
		ret = data_race(copy_from_iter(buf->vaddr + pos, n, iter));
	else /* the same */
		ret = data_race(copy_to_iter(buf->vaddr + pos, n, iter));
	if (!ret) {
		ret = -EFAULT;
		goto out;
	}
	iocb->ki_pos = pos + ret;
	mmapdemo_stat_add(f->dev, write ? MD_STAT_BYTES_WRITTEN :
			  MD_STAT_BYTES_READ, ret);
out:
	mmapdemo_buf_put(buf);
	return ret;
}

static ssize_t mmapdemo_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return mmapdemo_rw_iter(iocb, to, false);
}

static ssize_t mmapdemo_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return mmapdemo_rw_iter(iocb, from, true);
}

static loff_t mmapdemo_llseek(struct file *file, loff_t offset, int whence)
{
	struct mmapdemo_file *f = file->private_data;
	struct mmapdemo_buf *buf = mmapdemo_dev_get_buf(f->dev);
	loff_t ret;

	ret = fixed_size_llseek(file, offset, whence, buf->size);
	mmapdemo_buf_put(buf);
	return ret;
}

/*
 * The buffer is memory: there is nothing to write back. Without ->fsync,
 * fsync() and fdatasync() fail with -EINVAL, and so does msync(MS_SYNC),
 * which the core turns into vfs_fsync_range() for every shared file
 * mapping (Python's mmap.flush(), every program that msyncs before it
 * trusts its writes). Memory-backed files answer the same (ramfs, tmpfs
 * with noop_fsync()).
 */
static const struct file_operations mmapdemo_fops = {
	.owner = THIS_MODULE,
	.open = mmapdemo_open,
	.release = mmapdemo_release,
	.read_iter = mmapdemo_read_iter,
	.write_iter = mmapdemo_write_iter,
	.llseek = mmapdemo_llseek,
	.fsync = noop_fsync,
	/* sendfile(), splice(), copy_file_range()'s fallback: via the iters. */
	.splice_read = mmapdemo_splice_read,
	.splice_write = iter_file_splice_write,
	.mmap = mmapdemo_mmap,
#ifdef MMAPDEMO_HAVE_HUGE
	/* Addresses congruent to the offset modulo 2 MiB (huge.c). */
	.get_unmapped_area = thp_get_unmapped_area,
#endif
	.poll = mmapdemo_ring_poll,
	.unlocked_ioctl = mmapdemo_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static ssize_t mmapdemo_stat_show(struct device *d,
				  struct device_attribute *attr, char *b);

/* One read-only file per counter, in enum mmapdemo_stat order. */
static struct device_attribute mmapdemo_stat_attrs[MD_STAT_COUNT] = {
	[MD_STAT_MMAPS] = __ATTR(mmaps, 0444, mmapdemo_stat_show, NULL),
	[MD_STAT_LIVE_VMAS] = __ATTR(live_vmas, 0444, mmapdemo_stat_show, NULL),
	[MD_STAT_FAULTS] = __ATTR(faults, 0444, mmapdemo_stat_show, NULL),
	[MD_STAT_BYTES_READ] = __ATTR(bytes_read, 0444, mmapdemo_stat_show,
				      NULL),
	[MD_STAT_BYTES_WRITTEN] = __ATTR(bytes_written, 0444,
					 mmapdemo_stat_show, NULL),
	[MD_STAT_FILLS] = __ATTR(fills, 0444, mmapdemo_stat_show, NULL),
	[MD_STAT_CHECKSUMS] = __ATTR(checksums, 0444, mmapdemo_stat_show, NULL),
	[MD_STAT_RESIZES] = __ATTR(resizes, 0444, mmapdemo_stat_show, NULL),
	[MD_STAT_FAULT_PAGES] = __ATTR(fault_pages, 0444, mmapdemo_stat_show,
				       NULL),
	[MD_STAT_HUGE_FAULTS] = __ATTR(huge_faults, 0444, mmapdemo_stat_show,
				       NULL),
	[MD_STAT_HUGE_FALLBACKS] = __ATTR(huge_fallbacks, 0444,
					  mmapdemo_stat_show, NULL),
};

static ssize_t mmapdemo_stat_show(struct device *d,
				  struct device_attribute *attr, char *b)
{
	enum mmapdemo_stat id = attr - mmapdemo_stat_attrs;

	return sysfs_emit(b, "%llu\n", mmapdemo_stat(&mmapdemo_dev, id));
}

static struct attribute *mmapdemo_stats_attrs[MD_STAT_COUNT + 1] = {
	&mmapdemo_stat_attrs[MD_STAT_MMAPS].attr,
	&mmapdemo_stat_attrs[MD_STAT_LIVE_VMAS].attr,
	&mmapdemo_stat_attrs[MD_STAT_FAULTS].attr,
	&mmapdemo_stat_attrs[MD_STAT_BYTES_READ].attr,
	&mmapdemo_stat_attrs[MD_STAT_BYTES_WRITTEN].attr,
	&mmapdemo_stat_attrs[MD_STAT_FILLS].attr,
	&mmapdemo_stat_attrs[MD_STAT_CHECKSUMS].attr,
	&mmapdemo_stat_attrs[MD_STAT_RESIZES].attr,
	&mmapdemo_stat_attrs[MD_STAT_FAULT_PAGES].attr,
	&mmapdemo_stat_attrs[MD_STAT_HUGE_FAULTS].attr,
	&mmapdemo_stat_attrs[MD_STAT_HUGE_FALLBACKS].attr,
};

static const struct attribute_group mmapdemo_stats_group = {
	.name = "stats",
	.attrs = mmapdemo_stats_attrs,
};

const struct attribute_group *mmapdemo_groups[] = {
	&mmapdemo_stats_group,
	NULL,
};

static int __init mmapdemo_init(void)
{
	struct mmapdemo_dev *dev = &mmapdemo_dev;
	struct mmapdemo_buf *buf;
	u64 size;
	int ret;

	if (mmapdemo_dev_mode & ~0777) {
		pr_err("mmapdemo: dev_mode %#o is not a permission mask\n",
		       mmapdemo_dev_mode);
		return -EINVAL;
	}
	/* Held across the allocation so a racing size= write waits. */
	mutex_lock(&dev->lock);
	size = mmapdemo_size;
	buf = mmapdemo_buf_alloc(size, MMAPDEMO_BUF_MAX_ORDER);
	if (IS_ERR(buf)) {
		mutex_unlock(&dev->lock);
		pr_err("mmapdemo: cannot allocate %llu bytes: %ld\n", size,
		       PTR_ERR(buf));
		return PTR_ERR(buf);
	}
	dev->buf = buf;
	mutex_unlock(&dev->lock);

	ret = mmapdemo_ring_init();
	if (!ret) {
		dev->misc.mode = mmapdemo_dev_mode;
		ret = misc_register(&dev->misc);
		if (ret)
			mmapdemo_ring_exit();
	}
	if (ret) {
		mutex_lock(&dev->lock);
		dev->buf = NULL;
		mutex_unlock(&dev->lock);
		mmapdemo_buf_put(buf);
		return ret;
	}
	pr_info("mmapdemo: %llu bytes in %u blocks, map_mode=%s\n", size,
		buf->nr_chunks, mmapdemo_mode_names[mmapdemo_default_mode()]);
	return 0;
}

static void __exit mmapdemo_exit(void)
{
	struct mmapdemo_dev *dev = &mmapdemo_dev;
	struct mmapdemo_buf *buf;

	misc_deregister(&dev->misc);
	mutex_lock(&dev->lock);
	buf = dev->buf;
	dev->buf = NULL;
	mutex_unlock(&dev->lock);
	mmapdemo_buf_put(buf);
	mmapdemo_ring_exit();
}

module_init(mmapdemo_init);
module_exit(mmapdemo_exit);

MODULE_DESCRIPTION("One kernel buffer shared with user space through mmap()");
MODULE_AUTHOR("The mmapdemo authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(MMAPDEMO_VERSION);
