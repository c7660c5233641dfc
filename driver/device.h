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

extern const char * const mmapdemo_map_mode_names[MMAPDEMO_MODE_COUNT];

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
	MD_STAT_DMABUF_EXPORTS,
	MD_STAT_DMABUF_LIVE,
	MD_STAT_DMABUF_ATTACHED,
	MD_STAT_DMABUF_MAPPED,
	MD_STAT_DMABUF_VMAPPED,
	MD_STAT_DMABUF_RELEASES,
	MD_STAT_COUNT
};

/*
 * One device: a misc device node, its buffer, the map mode new files
 * start in, and its counters. @buf is replaced only by a resize, under
 * @lock, and only while no VMA maps it and no dma-buf exports it. Users take their own reference
 * under @lock and drop @lock before touching user memory: mmap() runs
 * with mmap_lock held and takes @lock, so @lock must never be held
 * across a page fault.
 *
 * Files reach their device through file->private_data, VMAs through
 * their file; the device outlives both (an open file pins the module).
 */
struct mmapdemo_dev {
	struct miscdevice misc;
	char name[20];			/* misc.name: mmapdemo, mmapdemo<u32> */
	struct mutex lock;		/* protects @buf */
	struct mmapdemo_buf *buf;
	u32 map_mode;			/* READ_ONCE/WRITE_ONCE */
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

struct mmapdemo_dev *mmapdemo_dev_alloc(unsigned int index, u64 size,
					u32 map_mode);
void mmapdemo_dev_free(struct mmapdemo_dev *dev);
int mmapdemo_dev_resize(struct mmapdemo_dev *dev, u64 size);
u64 mmapdemo_dev_size(struct mmapdemo_dev *dev);
struct mmapdemo_buf *mmapdemo_dev_get_buf(struct mmapdemo_dev *dev);
struct mmapdemo_buf *mmapdemo_dev_get_buf_for_vma(struct mmapdemo_dev *dev);
struct mmapdemo_buf *mmapdemo_dev_get_buf_for_export(struct mmapdemo_dev *dev);

int mmapdemo_kstrtosize(const char *s, u64 *out);

extern const struct attribute_group *mmapdemo_dev_groups[];

/* mmap() page offsets at or above this one map the ring region. */
#define MMAPDEMO_RING_PGOFF \
	((unsigned long)(MMAPDEMO_RING_OFFSET >> PAGE_SHIFT))

pgoff_t mmapdemo_vma_base(const struct vm_area_struct *vma);
void mmapdemo_vma_count(struct vm_area_struct *vma, enum mmapdemo_stat id,
			s64 n);

#endif /* _MMAPDEMO_DEVICE_H */
