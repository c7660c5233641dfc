/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MMAPDEMO_BUFFER_H
#define _MMAPDEMO_BUFFER_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/pgtable.h>
#include <linux/types.h>

#include "compat.h"
#include "uapi/mmapdemo.h"

/*
 * One shared buffer: the struct page array user mappings are built from,
 * and a vmap() view of the same pages for kernel code. The pages come in
 * blocks: each 2 MiB-aligned 2 MiB of the buffer is one order-9 block
 * whenever the allocator has one (@huge_map says which are), the rest
 * smaller blocks. A block is either cut up with split_page() into
 * individually refcounted pages or, for the order-9 blocks on kernels
 * that map folios with PMDs (huge.c), kept as one PMD-order folio whose
 * pages the 4 KiB paths hand out one at a time (a reference on a page is
 * one on its folio). Either way pages[] and the vmap() view are the same.
 *
 * Lifetime: the device holds one reference for as long as the buffer is
 * current, every VMA that maps it holds one (mmap, vm_ops->open), every
 * dma-buf that exports part of it holds one (dmabuf.c), and so does
 * every read/write/ioctl while it runs. The pages go back to the
 * allocator only when the last of those is dropped, so neither a resize
 * nor a close can free a page a process still maps.
 *
 * The bytes themselves are shared without any lock, by design: every
 * process that maps the buffer, and the kernel's FILL, CHECKSUM, read(),
 * write() and ring worker, may touch the same bytes at once, and a reader
 * then sees some mix of old and new bytes, as with any shared memory (the
 * ABI header says so). The kernel's accesses to buffer bytes are thus
 * data races by contract, marked for KCSAN with data_race() or __no_kcsan
 * where they happen; everything else shared (ring indices, counters,
 * flags) is ordered with READ_ONCE/WRITE_ONCE and acquire/release.
 */
struct mmapdemo_buf {
	struct kref ref;
	size_t size;			/* bytes, a multiple of PAGE_SIZE */
	unsigned long nr_pages;
	unsigned int nr_chunks;		/* blocks the allocator handed out */
	atomic_t nr_vmas;		/* VMAs that map this buffer */
	atomic_t nr_exports;		/* dma-bufs that export part of it */
	struct page **pages;
	unsigned long *huge_map;	/* bit per 2 MiB: one order-9 block */
	void *vaddr;			/* vmap() of pages[] */
};

/*
 * The order of a PMD entry, and its pages: a page table's worth. Order 9
 * (2 MiB) with 4 KiB pages, 11 (32 MiB) with arm64's 16 KiB pages, 13
 * (512 MiB) with 64 KiB pages.
 */
#define MMAPDEMO_HUGE_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define MMAPDEMO_HUGE_PAGES	BIT(MMAPDEMO_HUGE_ORDER)

/**
 * mmapdemo_huge_caps() - MMAPDEMO_HUGE_* bits this kernel and module map
 *
 * Fixed at build time; independent of the parameter huge.
 */
static inline u32 mmapdemo_huge_caps(void)
{
	u32 caps = 0;

#ifdef MMAPDEMO_HAVE_HUGE_PFNMAP
	caps |= MMAPDEMO_HUGE_REMAP;
#endif
#ifdef MMAPDEMO_HAVE_HUGE_FOLIO
	caps |= MMAPDEMO_HUGE_FAULT;
#endif
	return caps;
}

/* Whether the buffer's PMD-sized blocks are PMD-order folios (huge.c maps them). */
static inline bool mmapdemo_huge_folios(void)
{
	return mmapdemo_huge_caps() & MMAPDEMO_HUGE_FAULT;
}

/*
 * Largest block order the buffer asks the page allocator for: a PMD's
 * worth (2 MiB with 4 KiB pages, 32 MiB with 16 KiB, 512 MiB with 64 KiB),
 * the blocks huge.c can map with one entry.
 */
#define MMAPDEMO_BUF_MAX_ORDER	(PMD_SHIFT - PAGE_SHIFT)

int mmapdemo_buf_remap(struct vm_area_struct *vma, struct mmapdemo_buf *buf,
		       unsigned long addr, unsigned long pgoff,
		       unsigned long count);
struct mmapdemo_buf *mmapdemo_buf_alloc(size_t size, unsigned int max_order);
void mmapdemo_buf_get(struct mmapdemo_buf *buf);
void mmapdemo_buf_put(struct mmapdemo_buf *buf);
void mmapdemo_buf_get_vma(struct mmapdemo_buf *buf);
void mmapdemo_buf_put_vma(struct mmapdemo_buf *buf);
void mmapdemo_buf_get_export(struct mmapdemo_buf *buf);
void mmapdemo_buf_put_export(struct mmapdemo_buf *buf);

/* Mapped or exported: a resize must leave this buffer alone. */
static inline bool mmapdemo_buf_busy(struct mmapdemo_buf *buf)
{
	return atomic_read(&buf->nr_vmas) || atomic_read(&buf->nr_exports);
}

struct page *mmapdemo_buf_page(const struct mmapdemo_buf *buf,
			       unsigned long pgoff);
unsigned long mmapdemo_buf_run(const struct mmapdemo_buf *buf,
			       unsigned long pgoff, unsigned long max);

bool mmapdemo_range_ok(u64 size, u64 offset, u64 length);
bool mmapdemo_pgrange_ok(unsigned long nr_pages, unsigned long pgoff,
			 unsigned long count);
int mmapdemo_size_valid(u64 bytes, u64 *rounded);

int mmapdemo_buf_fill(struct mmapdemo_buf *buf, u64 offset, u64 length,
		      u32 seed);
int mmapdemo_buf_checksum(struct mmapdemo_buf *buf, u64 offset, u64 length,
			  u32 *crc);

#endif /* _MMAPDEMO_BUFFER_H */
