/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MMAPDEMO_HUGE_H
#define _MMAPDEMO_HUGE_H

#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/types.h>

#include "buffer.h"
#include "compat.h"
#include "uapi/mmapdemo.h"

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

/* Whether buffer.c makes its 2 MiB blocks PMD-order folios. */
static inline bool mmapdemo_huge_folios(void)
{
	return mmapdemo_huge_caps() & MMAPDEMO_HUGE_FAULT;
}

bool mmapdemo_huge_block(const struct mmapdemo_buf *buf, unsigned long pgoff);
bool mmapdemo_huge_mmap(struct vm_area_struct *vma, struct mmapdemo_buf *buf,
			u32 mode);
vm_fault_t mmapdemo_huge_fault(struct vm_fault *vmf, unsigned int order);
vm_fault_t mmapdemo_huge_remap_pte_fault(struct vm_fault *vmf);
unsigned long mmapdemo_huge_skip(const struct vm_area_struct *vma,
				 const struct mmapdemo_buf *buf,
				 unsigned long addr, unsigned long pgoff);

#endif /* _MMAPDEMO_HUGE_H */
