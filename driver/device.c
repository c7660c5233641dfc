// SPDX-License-Identifier: GPL-2.0
/*
 * One device: its buffer (which a resize replaces), the map mode its new
 * files start in, its counters, and their files in the misc device's
 * sysfs directory (/sys/class/misc/mmapdemo<n>/: size, map_mode, stats/).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "compat.h"
#include "device.h"

const char * const mmapdemo_map_mode_names[MMAPDEMO_MODE_COUNT] = {
	[MMAPDEMO_MODE_FAULT] = "fault",
	[MMAPDEMO_MODE_REMAP] = "remap",
};

/**
 * mmapdemo_kstrtosize() - parse "4096", "64K", "4M", "1G" (any case)
 * @s: the string, a trailing newline allowed
 * @out: bytes
 *
 * Return: 0, -EINVAL for anything else, -ERANGE when it does not fit u64.
 */
int mmapdemo_kstrtosize(const char *s, u64 *out)
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
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_kstrtosize);

/*
 * The current buffer with a reference of the caller's; for a VMA, also
 * counted in nr_vmas, for a dma-buf export in nr_exports. Counting them
 * under dev->lock is what makes a resize safe: a resize checks both under
 * the same lock, so it either sees this mapping or export or the mapping
 * or export sees the new buffer.
 */
enum mmapdemo_take {
	MMAPDEMO_TAKE_REF,
	MMAPDEMO_TAKE_VMA,
	MMAPDEMO_TAKE_EXPORT,
};

static struct mmapdemo_buf *mmapdemo_dev_take_buf(struct mmapdemo_dev *dev,
						  enum mmapdemo_take what)
{
	struct mmapdemo_buf *buf;

	mutex_lock(&dev->lock);
	buf = dev->buf;
	if (what == MMAPDEMO_TAKE_VMA)
		mmapdemo_buf_get_vma(buf);
	else if (what == MMAPDEMO_TAKE_EXPORT)
		mmapdemo_buf_get_export(buf);
	else
		mmapdemo_buf_get(buf);
	mutex_unlock(&dev->lock);
	return buf;
}

struct mmapdemo_buf *mmapdemo_dev_get_buf(struct mmapdemo_dev *dev)
{
	return mmapdemo_dev_take_buf(dev, MMAPDEMO_TAKE_REF);
}

struct mmapdemo_buf *mmapdemo_dev_get_buf_for_vma(struct mmapdemo_dev *dev)
{
	return mmapdemo_dev_take_buf(dev, MMAPDEMO_TAKE_VMA);
}

struct mmapdemo_buf *mmapdemo_dev_get_buf_for_export(struct mmapdemo_dev *dev)
{
	return mmapdemo_dev_take_buf(dev, MMAPDEMO_TAKE_EXPORT);
}

u64 mmapdemo_dev_size(struct mmapdemo_dev *dev)
{
	u64 size;

	mutex_lock(&dev->lock);
	size = dev->buf->size;
	mutex_unlock(&dev->lock);
	return size;
}

/**
 * mmapdemo_dev_resize() - replace the buffer by a zeroed one
 * @dev: the device
 * @size: bytes, validated by mmapdemo_size_valid()
 *
 * Only while nothing maps or exports the buffer: the old pages may be
 * mapped by processes that expect to keep sharing them with the device,
 * and a dma-buf's size and pages are fixed for its life.
 *
 * Return: 0, -EBUSY while a VMA maps the buffer or a dma-buf exports
 * part of it, -ENOMEM.
 */
int mmapdemo_dev_resize(struct mmapdemo_dev *dev, u64 size)
{
	struct mmapdemo_buf *new, *old;

	mutex_lock(&dev->lock);
	if (mmapdemo_buf_busy(dev->buf)) {
		mutex_unlock(&dev->lock);
		return -EBUSY;
	}
	mutex_unlock(&dev->lock);

	new = mmapdemo_buf_alloc(size, MMAPDEMO_BUF_MAX_ORDER);
	if (IS_ERR(new))
		return PTR_ERR(new);

	mutex_lock(&dev->lock);
	old = dev->buf;
	if (mmapdemo_buf_busy(old)) {
		old = new;
		new = NULL;
	} else {
		dev->buf = new;
		mmapdemo_stat_add(dev, MD_STAT_RESIZES, 1);
	}
	mutex_unlock(&dev->lock);
	mmapdemo_buf_put(old);
	return new ? 0 : -EBUSY;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_dev_resize);

/**
 * mmapdemo_dev_alloc() - a device with a zeroed buffer, not registered
 * @index: 0 for /dev/mmapdemo, n for /dev/mmapdemo<n>
 * @size: buffer bytes, validated by mmapdemo_size_valid()
 * @map_mode: the map mode new files start in
 *
 * The caller sets misc.fops and misc.mode and registers misc.
 *
 * Return: the device, or an ERR_PTR().
 */
struct mmapdemo_dev *mmapdemo_dev_alloc(unsigned int index, u64 size,
					u32 map_mode)
{
	struct mmapdemo_dev *dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	struct mmapdemo_buf *buf;

	if (!dev)
		return ERR_PTR(-ENOMEM);
	buf = mmapdemo_buf_alloc(size, MMAPDEMO_BUF_MAX_ORDER);
	if (IS_ERR(buf)) {
		kfree(dev);
		return ERR_CAST(buf);
	}
	if (index)
		snprintf(dev->name, sizeof(dev->name), "mmapdemo%u", index);
	else
		strscpy(dev->name, "mmapdemo", sizeof(dev->name));
	dev->misc.minor = MISC_DYNAMIC_MINOR;
	dev->misc.name = dev->name;
	dev->misc.groups = mmapdemo_dev_groups;
	mutex_init(&dev->lock);
	dev->buf = buf;
	dev->map_mode = map_mode;
	return dev;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_dev_alloc);

/* After misc_deregister(): no file of the device is open any more. */
void mmapdemo_dev_free(struct mmapdemo_dev *dev)
{
	mmapdemo_buf_put(dev->buf);
	mutex_destroy(&dev->lock);
	kfree(dev);
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_dev_free);

/* misc_register() makes the misc device the drvdata of its device. */
static struct mmapdemo_dev *mmapdemo_sysfs_dev(struct device *d)
{
	struct miscdevice *misc = dev_get_drvdata(d);

	return container_of(misc, struct mmapdemo_dev, misc);
}

static ssize_t mmapdemo_stat_show(struct device *d,
				  struct device_attribute *attr, char *b);

#define MMAPDEMO_STAT_ATTR(id, name) \
	[id] = __ATTR(name, 0444, mmapdemo_stat_show, NULL)

/* One read-only file per counter, in enum mmapdemo_stat order. */
static struct device_attribute mmapdemo_stat_attrs[MD_STAT_COUNT] = {
	MMAPDEMO_STAT_ATTR(MD_STAT_MMAPS, mmaps),
	MMAPDEMO_STAT_ATTR(MD_STAT_LIVE_VMAS, live_vmas),
	MMAPDEMO_STAT_ATTR(MD_STAT_FAULTS, faults),
	MMAPDEMO_STAT_ATTR(MD_STAT_BYTES_READ, bytes_read),
	MMAPDEMO_STAT_ATTR(MD_STAT_BYTES_WRITTEN, bytes_written),
	MMAPDEMO_STAT_ATTR(MD_STAT_FILLS, fills),
	MMAPDEMO_STAT_ATTR(MD_STAT_CHECKSUMS, checksums),
	MMAPDEMO_STAT_ATTR(MD_STAT_RESIZES, resizes),
	MMAPDEMO_STAT_ATTR(MD_STAT_FAULT_PAGES, fault_pages),
	MMAPDEMO_STAT_ATTR(MD_STAT_HUGE_FAULTS, huge_faults),
	MMAPDEMO_STAT_ATTR(MD_STAT_HUGE_FALLBACKS, huge_fallbacks),
	MMAPDEMO_STAT_ATTR(MD_STAT_DMABUF_EXPORTS, dmabuf_exports),
	MMAPDEMO_STAT_ATTR(MD_STAT_DMABUF_LIVE, dmabuf_live),
	MMAPDEMO_STAT_ATTR(MD_STAT_DMABUF_ATTACHED, dmabuf_attached),
	MMAPDEMO_STAT_ATTR(MD_STAT_DMABUF_MAPPED, dmabuf_mapped),
	MMAPDEMO_STAT_ATTR(MD_STAT_DMABUF_VMAPPED, dmabuf_vmapped),
	MMAPDEMO_STAT_ATTR(MD_STAT_DMABUF_RELEASES, dmabuf_releases),
};

static ssize_t mmapdemo_stat_show(struct device *d,
				  struct device_attribute *attr, char *b)
{
	enum mmapdemo_stat id = attr - mmapdemo_stat_attrs;

	return sysfs_emit(b, "%llu\n", mmapdemo_stat(mmapdemo_sysfs_dev(d), id));
}

/* Filled from mmapdemo_stat_attrs[] in enum order, NULL-terminated. */
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
	&mmapdemo_stat_attrs[MD_STAT_DMABUF_EXPORTS].attr,
	&mmapdemo_stat_attrs[MD_STAT_DMABUF_LIVE].attr,
	&mmapdemo_stat_attrs[MD_STAT_DMABUF_ATTACHED].attr,
	&mmapdemo_stat_attrs[MD_STAT_DMABUF_MAPPED].attr,
	&mmapdemo_stat_attrs[MD_STAT_DMABUF_VMAPPED].attr,
	&mmapdemo_stat_attrs[MD_STAT_DMABUF_RELEASES].attr,
};

static const struct attribute_group mmapdemo_stats_group = {
	.name = "stats",
	.attrs = mmapdemo_stats_attrs,
};

/* size: like the size parameter, for this device; EBUSY while mapped. */
static ssize_t size_store(struct device *d, struct device_attribute *attr,
			  const char *b, size_t count)
{
	u64 bytes, rounded;
	int ret;

	ret = mmapdemo_kstrtosize(b, &bytes);
	if (!ret)
		ret = mmapdemo_size_valid(bytes, &rounded);
	if (!ret)
		ret = mmapdemo_dev_resize(mmapdemo_sysfs_dev(d), rounded);
	if (ret)
		return ret == -ERANGE ? -EINVAL : ret;
	return count;
}

static ssize_t size_show(struct device *d, struct device_attribute *attr,
			 char *b)
{
	return sysfs_emit(b, "%llu\n", mmapdemo_dev_size(mmapdemo_sysfs_dev(d)));
}
static DEVICE_ATTR_RW(size);

/* map_mode: the mode this device's newly opened files start in. */
static ssize_t map_mode_store(struct device *d, struct device_attribute *attr,
			      const char *b, size_t count)
{
	int mode = sysfs_match_string(mmapdemo_map_mode_names, b);

	if (mode < 0)
		return -EINVAL;
	WRITE_ONCE(mmapdemo_sysfs_dev(d)->map_mode, mode);
	return count;
}

static ssize_t map_mode_show(struct device *d, struct device_attribute *attr,
			     char *b)
{
	u32 mode = READ_ONCE(mmapdemo_sysfs_dev(d)->map_mode);

	return sysfs_emit(b, "%s\n", mmapdemo_map_mode_names[mode]);
}
static DEVICE_ATTR_RW(map_mode);

static struct attribute *mmapdemo_dev_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_map_mode.attr,
	NULL,
};

static const struct attribute_group mmapdemo_dev_group = {
	.attrs = mmapdemo_dev_attrs,
};

const struct attribute_group *mmapdemo_dev_groups[] = {
	&mmapdemo_dev_group,
	&mmapdemo_stats_group,
	NULL,
};

/* The page offset of the region the VMA maps: its buffer's page 0. */
pgoff_t mmapdemo_vma_base(const struct vm_area_struct *vma)
{
	return vma->vm_pgoff >= MMAPDEMO_RING_PGOFF ? MMAPDEMO_RING_PGOFF : 0;
}

/* The device whose counters count this VMA, or NULL (the ring region). */
static struct mmapdemo_dev *mmapdemo_vma_counted(struct vm_area_struct *vma)
{
	struct mmapdemo_file *f = vma->vm_file->private_data;

	return mmapdemo_vma_base(vma) ? NULL : f->dev;
}

void mmapdemo_vma_count(struct vm_area_struct *vma, enum mmapdemo_stat id,
			s64 n)
{
	struct mmapdemo_dev *dev = mmapdemo_vma_counted(vma);

	if (dev)
		mmapdemo_stat_add(dev, id, n);
}
