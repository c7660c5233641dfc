/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MMAPDEMO_DEVICE_H
#define _MMAPDEMO_DEVICE_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include "buffer.h"
#include "uapi/mmapdemo.h"

/* Map modes the driver knows; the uapi enum lists them. */
#define MMAPDEMO_MODE_COUNT	2

/* Counters, in the order of struct mmapdemo_stats and the sysfs files. */
enum mmapdemo_stat {
	MD_STAT_MMAPS,
	MD_STAT_LIVE_VMAS,
	MD_STAT_FAULTS,
	MD_STAT_BYTES_READ,
	MD_STAT_BYTES_WRITTEN,
	MD_STAT_FILLS,
	MD_STAT_CHECKSUMS,
	MD_STAT_RESIZES,
	MD_STAT_FAULT_PAGES,
	MD_STAT_HUGE_FAULTS,
	MD_STAT_HUGE_FALLBACKS,
	MD_STAT_COUNT
};

/*
 * The device. @buf is replaced only by a resize, under @lock, and only
 * while no VMA maps it. Users take their own reference under @lock and
 * drop @lock before touching user memory: mmap() runs with mmap_lock
 * held and takes @lock, so @lock must never be held across a page fault.
 */
struct mmapdemo_dev {
	struct miscdevice misc;
	struct mutex lock;		/* protects @buf */
	struct mmapdemo_buf *buf;
	atomic64_t stats[MD_STAT_COUNT];
};

static inline void mmapdemo_stat_add(struct mmapdemo_dev *dev,
				     enum mmapdemo_stat id, s64 n)
{
	atomic64_add(n, &dev->stats[id]);
}

static inline u64 mmapdemo_stat(struct mmapdemo_dev *dev,
				enum mmapdemo_stat id)
{
	return atomic64_read(&dev->stats[id]);
}

struct mmapdemo_ring;

/*
 * Per open file: the map mode is chosen before the file's first mmap().
 * @ring is set once under @lock (RING_SETUP) and freed by release.
 */
struct mmapdemo_file {
	struct mmapdemo_dev *dev;
	spinlock_t lock;		/* protects @map_mode and @mapped */
	u32 map_mode;
	bool mapped;
	struct mmapdemo_ring *ring;	/* ring.c */
};

extern struct mmapdemo_dev mmapdemo_dev;

u32 mmapdemo_default_mode(void);
int mmapdemo_parse_size(const char *s, u64 *out);
struct mmapdemo_buf *mmapdemo_dev_get_buf(struct mmapdemo_dev *dev);
struct mmapdemo_buf *mmapdemo_dev_get_buf_for_vma(struct mmapdemo_dev *dev);
void mmapdemo_dev_put_buf_for_vma(struct mmapdemo_dev *dev,
				  struct mmapdemo_buf *buf);

/* Pages one fault maps at most (fault-around); the module parameter. */
unsigned long mmapdemo_fault_around_pages(void);

/* What one fault maps: @nr pages from @addr (buffer page @pgoff) on,
 * the faulting page being the one after the first @before.
 */
struct mmapdemo_fault_range {
	unsigned long addr;
	pgoff_t pgoff;
	unsigned long before;
	unsigned long nr;
};

unsigned long mmapdemo_fault_window(const struct vm_area_struct *vma,
				    unsigned long addr, pgoff_t pgoff,
				    unsigned long nr_pages,
				    unsigned long window,
				    struct mmapdemo_fault_range *w);

int mmapdemo_mmap(struct file *file, struct vm_area_struct *vma);
void mmapdemo_vm_open(struct vm_area_struct *vma);
void mmapdemo_vm_close(struct vm_area_struct *vma);
vm_fault_t mmapdemo_vm_fault(struct vm_fault *vmf);
int mmapdemo_vm_access(struct vm_area_struct *vma, unsigned long addr,
		       void *data, int len, int write);
long mmapdemo_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

int mmapdemo_set_mode(struct mmapdemo_file *f, u32 mode);
void mmapdemo_fill_pattern(struct mmapdemo_buf *buf, u64 offset, u64 length,
			   u32 seed);
u32 mmapdemo_checksum(struct mmapdemo_buf *buf, u64 offset, u64 length);

extern const struct attribute_group *mmapdemo_groups[];

#endif /* _MMAPDEMO_DEVICE_H */
