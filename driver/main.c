// SPDX-License-Identifier: GPL-2.0
/*
 * mmapdemo: one kernel buffer per device shared with user space through
 * mmap().
 *
 * This file is the top of the driver: the module parameters, module
 * init and exit, and the file operations with the file-like
 * read/write/llseek path (the copying baseline). A device and its
 * buffer are in device.c and buffer.c, the mapping in mmap.c, the
 * ioctls in ioctl.c, the rings in ring.c; none of them calls back here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "compat.h"
#include "device.h"
#include "ioctl.h"
#include "mmap.h"
#include "ring.h"

#define MMAPDEMO_VERSION	"0.1.0"
/*
 * size= and map_mode= at load time, which every device starts with;
 * afterwards device 0's own (each device has them in sysfs as well).
 */
static u64 mmapdemo_size = SZ_4M;
static u32 mmapdemo_map_mode = MMAPDEMO_MODE_FAULT;
static ushort mmapdemo_dev_mode = 0600;
static unsigned int mmapdemo_nr_devices = 1;

/*
 * Set and cleared under kernel_param_lock(THIS_MODULE), which the core
 * holds around every parameter callback: the callbacks see device 0
 * either fully made or not at all.
 */
static struct mmapdemo_dev *mmapdemo_devs[MMAPDEMO_MAX_DEVICES];

static int mmapdemo_size_set(const char *val, const struct kernel_param *kp)
{
	u64 bytes, rounded;
	int ret;

	ret = mmapdemo_kstrtosize(val, &bytes);
	if (ret)
		return ret == -ERANGE ? -EINVAL : ret;
	ret = mmapdemo_size_valid(bytes, &rounded);
	if (ret)
		return ret;
	if (mmapdemo_devs[0])
		return mmapdemo_dev_resize(mmapdemo_devs[0], rounded);
	mmapdemo_size = rounded;
	return 0;
}

static int mmapdemo_size_get(char *buffer, const struct kernel_param *kp)
{
	u64 size = mmapdemo_size;

	if (mmapdemo_devs[0])
		size = mmapdemo_dev_size(mmapdemo_devs[0]);
	return sysfs_emit(buffer, "%llu\n", size);
}

static const struct kernel_param_ops mmapdemo_size_ops = {
	.set = mmapdemo_size_set,
	.get = mmapdemo_size_get,
};
module_param_cb(size, &mmapdemo_size_ops, NULL, 0644);
MODULE_PARM_DESC(size, "Buffer bytes, K/M/G suffixes (default 4M); writable while unmapped");

static int mmapdemo_mode_set(const char *val, const struct kernel_param *kp)
{
	int mode = sysfs_match_string(mmapdemo_map_mode_names, val);

	if (mode < 0)
		return -EINVAL;
	if (mmapdemo_devs[0])
		WRITE_ONCE(mmapdemo_devs[0]->map_mode, mode);
	else
		mmapdemo_map_mode = mode;
	return 0;
}

static int mmapdemo_mode_get(char *buffer, const struct kernel_param *kp)
{
	u32 mode = mmapdemo_map_mode;

	if (mmapdemo_devs[0])
		mode = READ_ONCE(mmapdemo_devs[0]->map_mode);
	return sysfs_emit(buffer, "%s\n", mmapdemo_map_mode_names[mode]);
}

static const struct kernel_param_ops mmapdemo_mode_ops = {
	.set = mmapdemo_mode_set,
	.get = mmapdemo_mode_get,
};
module_param_cb(map_mode, &mmapdemo_mode_ops, NULL, 0644);
MODULE_PARM_DESC(map_mode, "Map mode new files start in: fault (default) or remap");

/*
 * Bytes, like size=; rounded down to a power of two pages. 0 and anything
 * below two pages turn fault-around off. Takes effect at the next fault.
 */
static int mmapdemo_fault_around_set(const char *val,
				     const struct kernel_param *kp)
{
	u64 bytes;

	if (mmapdemo_kstrtosize(val, &bytes) ||
	    bytes > (u64)PTRS_PER_PTE << PAGE_SHIFT)
		return -EINVAL;
	mmapdemo_set_fault_around_pages(bytes >> PAGE_SHIFT);
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
MODULE_PARM_DESC(fault_around, "Bytes a fault maps around its page (default 256K, 0: off, at most 2M)");

module_param_named(dev_mode, mmapdemo_dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permissions of the device nodes (default 0600)");

module_param_named(devices, mmapdemo_nr_devices, uint, 0444);
MODULE_PARM_DESC(devices, "Devices: /dev/mmapdemo, /dev/mmapdemo1, ... (default 1, at most 16)");

static int mmapdemo_fop_open(struct inode *inode, struct file *file)
{
	/* misc_open() left the misc device in private_data. */
	struct miscdevice *misc = file->private_data;
	struct mmapdemo_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->dev = container_of(misc, struct mmapdemo_dev, misc);
	spin_lock_init(&f->lock);
	f->map_mode = READ_ONCE(f->dev->map_mode);
	file->private_data = f;
	return 0;
}

static int mmapdemo_fop_release(struct inode *inode, struct file *file)
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
	.open = mmapdemo_fop_open,
	.release = mmapdemo_fop_release,
	.read_iter = mmapdemo_read_iter, .write_iter = mmapdemo_write_iter,
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

/* Make device @i from the load-time parameters, publish it, register it. */
static int mmapdemo_add_device(unsigned int i)
{
	struct mmapdemo_dev *dev;
	unsigned int chunks = 0;
	int ret;

	kernel_param_lock(THIS_MODULE);
	dev = mmapdemo_dev_alloc(i, mmapdemo_size, mmapdemo_map_mode);
	if (!IS_ERR(dev)) {
		chunks = dev->buf->nr_chunks;
		mmapdemo_devs[i] = dev;
	}
	kernel_param_unlock(THIS_MODULE);
	if (IS_ERR(dev)) {
		pr_err("cannot allocate %llu bytes: %ld\n", mmapdemo_size,
		       PTR_ERR(dev));
		return PTR_ERR(dev);
	}

	dev->misc.fops = &mmapdemo_fops;
	dev->misc.mode = mmapdemo_dev_mode;
	ret = misc_register(&dev->misc);
	if (ret)
		goto err_unpublish;
	pr_info("/dev/%s: %llu bytes in %u blocks, map_mode=%s\n", dev->name,
		mmapdemo_size, chunks,
		mmapdemo_map_mode_names[mmapdemo_map_mode]);
	return 0;

err_unpublish:
	kernel_param_lock(THIS_MODULE);
	mmapdemo_devs[i] = NULL;
	kernel_param_unlock(THIS_MODULE);
	mmapdemo_dev_free(dev);
	return ret;
}

/* No file of the device is open: the module's refcount is zero. */
static void mmapdemo_remove_device(unsigned int i)
{
	struct mmapdemo_dev *dev = mmapdemo_devs[i];

	misc_deregister(&dev->misc);
	kernel_param_lock(THIS_MODULE);
	mmapdemo_devs[i] = NULL;
	kernel_param_unlock(THIS_MODULE);
	mmapdemo_dev_free(dev);
}

static int __init mmapdemo_init(void)
{
	unsigned int i;
	int ret;

	if (mmapdemo_dev_mode & ~0777) {
		pr_err("dev_mode %#o is not a permission mask\n",
		       mmapdemo_dev_mode);
		return -EINVAL;
	}
	if (!mmapdemo_nr_devices || mmapdemo_nr_devices > MMAPDEMO_MAX_DEVICES) {
		pr_err("devices=%u is out of range: 1 to %u\n",
		       mmapdemo_nr_devices, MMAPDEMO_MAX_DEVICES);
		return -EINVAL;
	}
	ret = mmapdemo_ring_init();
	if (ret)
		return ret;
	for (i = 0; i < mmapdemo_nr_devices; i++) {
		ret = mmapdemo_add_device(i);
		if (ret)
			goto err_remove;
	}
	return 0;

err_remove:
	while (i--)
		mmapdemo_remove_device(i);
	mmapdemo_ring_exit();
	return ret;
}

static void __exit mmapdemo_exit(void)
{
	unsigned int i = mmapdemo_nr_devices;

	while (i--)
		mmapdemo_remove_device(i);
	mmapdemo_ring_exit();
}

module_init(mmapdemo_init);
module_exit(mmapdemo_exit);

MODULE_DESCRIPTION("One kernel buffer shared with user space through mmap()");
MODULE_AUTHOR("The mmapdemo authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(MMAPDEMO_VERSION);
