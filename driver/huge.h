/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MMAPDEMO_HUGE_H
#define _MMAPDEMO_HUGE_H

#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/types.h>

#include "buffer.h"

/* Pages of one 2 MiB (PMD) entry, and its order; x86-64 only has 2 MiB. */
#define MMAPDEMO_HUGE_ORDER	9
#define MMAPDEMO_HUGE_PAGES	BIT(MMAPDEMO_HUGE_ORDER)

u32 mmapdemo_huge_caps(void);
bool mmapdemo_huge_folios(void);
bool mmapdemo_huge_block(const struct mmapdemo_buf *buf, unsigned long pgoff);
bool mmapdemo_huge_vma(const struct vm_area_struct *vma);
bool mmapdemo_huge_mmap(struct vm_area_struct *vma, struct mmapdemo_buf *buf,
			u32 mode);
unsigned long mmapdemo_huge_skip(const struct vm_area_struct *vma,
				 const struct mmapdemo_buf *buf,
				 unsigned long addr, unsigned long pgoff);

#endif /* _MMAPDEMO_HUGE_H */
