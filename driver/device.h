/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MMAPDEMO_DEVICE_H
#define _MMAPDEMO_DEVICE_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include "buffer.h"
#include "uapi/mmapdemo.h"

struct mmapdemo_counters {
	atomic64_t mmaps;
	atomic64_t live_vmas;
	atomic64_t faults;
	atomic64_t bytes_read;
	atomic64_t bytes_written;
	atomic64_t fills;
	atomic64_t checksums;
	atomic64_t resizes;
};

/*
 * The device. @buf is replaced only by a resize, under @lock, and only
 * while no VMA maps it. Users take their own reference under @lock and
 * drop @lock before touching user memory: mmap() runs with mmap_lock
 * held and takes @lock, so @lock must never be held across a page fault.
 */
struct mmapdemo_dev {
	struct miscdevice misc;
	struct mutex lock;
	struct mmapdemo_buf *buf;
	struct mmapdemo_counters stats;
};

/* Per open file: the map mode is chosen before the file's first mmap(). */
struct mmapdemo_file {
	struct mmapdemo_dev *dev;
	spinlock_t lock;
	u32 map_mode;
	bool mapped;
};

extern struct mmapdemo_dev mmapdemo_dev;

u32 mmapdemo_default_mode(void);
struct mmapdemo_buf *mmapdemo_dev_get_buf(struct mmapdemo_dev *dev);
struct mmapdemo_buf *mmapdemo_dev_get_buf_for_vma(struct mmapdemo_dev *dev);
void mmapdemo_dev_put_buf_for_vma(struct mmapdemo_dev *dev,
				  struct mmapdemo_buf *buf);

int mmapdemo_mmap(struct file *file, struct vm_area_struct *vma);
long mmapdemo_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

int mmapdemo_set_mode(struct mmapdemo_file *f, u32 mode);
void mmapdemo_fill_pattern(struct mmapdemo_buf *buf, u64 offset, u64 length,
			   u32 seed);
u32 mmapdemo_checksum(struct mmapdemo_buf *buf, u64 offset, u64 length);

extern const struct attribute_group *mmapdemo_groups[];

#endif /* _MMAPDEMO_DEVICE_H */
