/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MMAPDEMO_MMAP_H
#define _MMAPDEMO_MMAP_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/types.h>

#include "device.h"

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

/* Pages one fault maps at most (fault-around): the module parameter. */
unsigned long mmapdemo_fault_around_pages(void);
void mmapdemo_set_fault_around_pages(unsigned long pages);

int mmapdemo_mmap(struct file *file, struct vm_area_struct *vma);
void mmapdemo_vm_open(struct vm_area_struct *vma);
void mmapdemo_vm_close(struct vm_area_struct *vma);
/* Add @n to counter @id of the device whose data region @vma maps. */
vm_fault_t mmapdemo_vm_fault(struct vm_fault *vmf);
int mmapdemo_vm_access(struct vm_area_struct *vma, unsigned long addr,
		       void *data, int len, int write);

#endif /* _MMAPDEMO_MMAP_H */
