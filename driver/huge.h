/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MMAPDEMO_HUGE_H
#define _MMAPDEMO_HUGE_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/types.h>

#include "buffer.h"
#include "compat.h"
#include "uapi/mmapdemo.h"

bool mmapdemo_huge_block(const struct mmapdemo_buf *buf, unsigned long pgoff);
bool mmapdemo_huge_mmap(struct vm_area_struct *vma, struct mmapdemo_buf *buf,
			u32 mode);
vm_fault_t mmapdemo_huge_fault(struct vm_fault *vmf, unsigned int order);
vm_fault_t mmapdemo_huge_remap_pte_fault(struct vm_fault *vmf);
unsigned long mmapdemo_huge_skip(const struct vm_area_struct *vma,
				 const struct mmapdemo_buf *buf,
				 unsigned long addr, unsigned long pgoff);

#endif /* _MMAPDEMO_HUGE_H */
