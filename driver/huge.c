// SPDX-License-Identifier: GPL-2.0
/*
 * Huge (2 MiB, PMD) mappings of the shared buffer, in both map modes.
 *
 * What makes a 2 MiB entry possible: a 2 MiB-aligned, 2 MiB-long part of
 * the buffer that is one physical block (buffer.c allocates order-9
 * blocks at those offsets whenever the allocator has one), a virtual
 * address congruent to its file offset modulo 2 MiB (the file's
 * get_unmapped_area is thp_get_unmapped_area(); a MAP_FIXED address
 * may not be, and then those parts map at 4 KiB), and a VMA that covers
 * the whole 2 MiB.
 *
 * remap  The VMA stays VM_PFNMAP. Parts that can have a PMD are left to
 *        vm_ops->huge_fault, which inserts a special PMD
 *        (vmf_insert_pfn_pmd()) on first touch: one fault per 2 MiB. The
 *        rest is mapped with remap_pfn_range() at mmap() time, as in the
 *        4 KiB remap mode. A partial munmap() or mprotect() clears the
 *        PMD; what stays mapped refaults at 4 KiB through vm_ops->fault
 *        (vmf_insert_pfn()). Lazy rather than eager: no kernel API
 *        inserts a PMD outside a fault, and one fault per 2 MiB is 512
 *        faults per GiB.
 *
 * fault  The buffer's 2 MiB parts are PMD-order folios. vm_ops->huge_fault
 *        maps one with vmf_insert_folio_pmd(), which takes the folio
 *        reference and adds the rmap and RSS once per 2 MiB. The VMA has
 *        neither VM_MIXEDMAP nor VM_PFNMAP: there, zapping or splitting
 *        such a PMD skips the rmap removal and the put (vma_is_special_huge())
 *        and leaks the folio. Its 4 KiB faults (split parts, unaligned
 *        ends, MAP_PRIVATE writes, THP off) are mmap.c's fault mode with
 *        fault-around, mapping page by page where a VM_MIXEDMAP VMA
 *        would use vm_insert_pages().
 *
 * Both VMAs are VM_HUGEPAGE, so PMDs are used under the THP setting
 * "madvise" as under "always"; "never", MADV_NOHUGEPAGE or
 * PR_SET_THP_DISABLE turn them off and every fault is a 4 KiB one.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "compat.h"
#include "device.h"
#include "huge.h"
#include "uapi/mmapdemo.h"

/* The module parameter huge: whether mmap() may use 2 MiB entries. */
enum { MMAPDEMO_HUGE_AUTO, MMAPDEMO_HUGE_NEVER };

static const char * const mmapdemo_huge_names[] = {
	[MMAPDEMO_HUGE_AUTO] = "auto",
	[MMAPDEMO_HUGE_NEVER] = "never",
};

static int mmapdemo_huge_param = MMAPDEMO_HUGE_AUTO;

static int mmapdemo_huge_set(const char *val, const struct kernel_param *kp)
{
	int v = sysfs_match_string(mmapdemo_huge_names, val);

	if (v < 0)
		return -EINVAL;
	WRITE_ONCE(mmapdemo_huge_param, v);
	return 0;
}

static int mmapdemo_huge_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%s\n",
			  mmapdemo_huge_names[READ_ONCE(mmapdemo_huge_param)]);
}

static const struct kernel_param_ops mmapdemo_huge_ops = {
	.set = mmapdemo_huge_set,
	.get = mmapdemo_huge_get,
};
module_param_cb(huge, &mmapdemo_huge_ops, NULL, 0644);
MODULE_PARM_DESC(huge,
		 "2 MiB mappings where this kernel supports them: auto (default) or never. Read at each mmap().");

/**
 * mmapdemo_huge_block() - can buffer page @pgoff start a 2 MiB entry?
 * @buf: the buffer
 * @pgoff: page index in the buffer
 *
 * True when @pgoff is 2 MiB-aligned and its 2 MiB are one order-9 block
 * (physically contiguous and aligned, as buddy blocks are).
 */
bool mmapdemo_huge_block(const struct mmapdemo_buf *buf, unsigned long pgoff)
{
	if (!buf->huge_map || pgoff % MMAPDEMO_HUGE_PAGES ||
	    pgoff >= buf->nr_pages)
		return false;
	return test_bit(pgoff / MMAPDEMO_HUGE_PAGES, buf->huge_map);
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_huge_block);

#ifdef MMAPDEMO_HAVE_HUGE

/*
 * The buffer page a PMD at @addr would map, or -1UL when none can: the
 * 2 MiB around @addr must lie inside the VMA, start at a 2 MiB-aligned
 * buffer offset (the VMA's address and offset congruent) and be one
 * block.
 */
static unsigned long mmapdemo_huge_pgoff(const struct vm_area_struct *vma,
					 const struct mmapdemo_buf *buf,
					 unsigned long addr)
{
	unsigned long start = addr & PMD_MASK, pgoff;

	if (start < vma->vm_start || vma->vm_end - start < PMD_SIZE)
		return -1UL;
	pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT);
	if (!mmapdemo_pgrange_ok(buf->nr_pages, pgoff, MMAPDEMO_HUGE_PAGES) ||
	    !mmapdemo_huge_block(buf, pgoff))
		return -1UL;
	return pgoff;
}

/*
 * Common to both modes: which buffer page to map, or a fallback to the
 * 4 KiB path (counted). Only order-PMD calls are counted: the core also
 * asks special VMAs for PUDs, which this driver never maps.
 */
static bool mmapdemo_huge_target(struct vm_fault *vmf, unsigned int order,
				 unsigned long *pgoff)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mmapdemo_buf *buf = vma->vm_private_data;

	if (order != MMAPDEMO_HUGE_ORDER)
		return false;
	*pgoff = mmapdemo_huge_pgoff(vma, buf, vmf->address);
	/* A MAP_PRIVATE write copies on write, which happens at 4 KiB. */
	if (*pgoff == -1UL || ((vmf->flags & FAULT_FLAG_WRITE) &&
			       !(vma->vm_flags & VM_SHARED))) {
		mmapdemo_vma_count(vmf->vma, MD_STAT_HUGE_FALLBACKS, 1);
		return false;
	}
	return true;
}

/* The PMD of the mode: a special PFN one, or the folio, refcounted. */
static vm_fault_t mmapdemo_huge_insert(struct vm_fault *vmf, struct page *page)
{
	/* Writable only in a shared mapping (mmapdemo_huge_target()). */
	bool write = vmf->flags & FAULT_FLAG_WRITE;

#ifdef MMAPDEMO_HAVE_HUGE_PFNMAP
	if (vmf->vma->vm_flags & VM_PFNMAP)
		return mmapdemo_insert_pfn_pmd(vmf, page_to_pfn(page), write);
#endif
#ifdef MMAPDEMO_HAVE_HUGE_FOLIO
	if (!(vmf->vma->vm_flags & VM_PFNMAP))
		return vmf_insert_folio_pmd(vmf, page_folio(page), write);
#endif
	return VM_FAULT_FALLBACK;
}

/* vm_ops->huge_fault of both huge VMAs. */
vm_fault_t mmapdemo_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct mmapdemo_buf *buf = vmf->vma->vm_private_data;
	unsigned long pgoff;
	vm_fault_t ret;
	bool was_none;

	if (!mmapdemo_huge_target(vmf, order, &pgoff))
		return VM_FAULT_FALLBACK;
	was_none = pmd_none(pmdp_get_lockless(vmf->pmd));
	ret = mmapdemo_huge_insert(vmf, buf->pages[pgoff]);
	/* A write to a present PMD re-enters huge_fault: not a new entry. */
	if (ret == VM_FAULT_NOPAGE && was_none)
		mmapdemo_vma_count(vmf->vma, MD_STAT_HUGE_FAULTS, 1);
	return ret;
}

#endif

#ifdef MMAPDEMO_HAVE_HUGE_PFNMAP

/*
 * 4 KiB faults of a huge remap VMA: the parts whose PMD a split cleared,
 * and 2 MiB blocks the core did not offer to huge_fault (THP off,
 * MADV_NOHUGEPAGE) or that fell back. Everything else was mapped at
 * mmap(). Maps the faulting page, then the rest of its 2 MiB inside the
 * VMA as PTEs (present entries are left as they are), so such a block
 * costs one fault, not 512, as the eager remap would have.
 */
vm_fault_t mmapdemo_huge_remap_pte_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mmapdemo_buf *buf = vma->vm_private_data;
	struct page *page = mmapdemo_buf_page(buf, vmf->pgoff);
	unsigned long addr = vmf->address & PAGE_MASK, lo, hi, a, n = 1;
	vm_fault_t ret;

	if (!page)
		return VM_FAULT_SIGBUS;
	ret = vmf_insert_pfn(vma, addr, page_to_pfn(page));
	if (ret != VM_FAULT_NOPAGE)
		return ret;
	lo = max(addr & PMD_MASK, vma->vm_start);
	hi = min((addr & PMD_MASK) + PMD_SIZE, vma->vm_end);
	for (a = lo; a < hi; a += PAGE_SIZE) {
		/* The VMA maps the buffer linearly from vm_pgoff on. */
		pgoff_t pgoff = vma->vm_pgoff + ((a - vma->vm_start) >> PAGE_SHIFT);

		if (a == addr)
			continue;
		page = mmapdemo_buf_page(buf, pgoff);
		if (!page || vmf_insert_pfn(vma, a, page_to_pfn(page)) !=
			     VM_FAULT_NOPAGE)
			break;
		n++;
	}
	mmapdemo_vma_count(vmf->vma, MD_STAT_FAULTS, 1);
	mmapdemo_vma_count(vmf->vma, MD_STAT_FAULT_PAGES, n);
	return VM_FAULT_NOPAGE;
}

#endif

/* Does any 2 MiB of this VMA qualify for a PMD? */
static bool mmapdemo_huge_any(const struct vm_area_struct *vma,
			      const struct mmapdemo_buf *buf)
{
#ifdef MMAPDEMO_HAVE_HUGE
	unsigned long addr;

	for (addr = ALIGN(vma->vm_start, PMD_SIZE);
	     addr < vma->vm_end && vma->vm_end - addr >= PMD_SIZE;
	     addr += PMD_SIZE)
		if (mmapdemo_huge_pgoff(vma, buf, addr) != -1UL)
			return true;
#endif
	return false;
}

/**
 * mmapdemo_huge_mmap() - set a data VMA up for 2 MiB entries
 * @vma: the VMA being mapped, its range already checked
 * @buf: the buffer it maps
 * @mode: the file's map mode
 *
 * Called by mmap() for the data buffer. When huge mappings are in effect
 * (the parameter is auto, this kernel has the mode's bit) and some 2 MiB
 * of the VMA can be a PMD, sets the VMA's flags (mmap.c gives it the
 * huge vm_ops of its mode); the remap
 * mode then maps the rest eagerly (mmapdemo_huge_skip()).
 *
 * Return: true when the VMA is a huge one.
 */
bool mmapdemo_huge_mmap(struct vm_area_struct *vma, struct mmapdemo_buf *buf,
			u32 mode)
{
	u32 bit = mode == MMAPDEMO_MODE_REMAP ? MMAPDEMO_HUGE_REMAP :
						MMAPDEMO_HUGE_FAULT;

	if (READ_ONCE(mmapdemo_huge_param) != MMAPDEMO_HUGE_AUTO ||
	    !(mmapdemo_huge_caps() & bit) || !mmapdemo_huge_any(vma, buf))
		return false;
#ifdef MMAPDEMO_HAVE_HUGE_PFNMAP
	if (mode == MMAPDEMO_MODE_REMAP) {
		mmapdemo_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND |
				      VM_DONTDUMP | VM_HUGEPAGE);
		return true;
	}
#endif
#ifdef MMAPDEMO_HAVE_HUGE_FOLIO
	if (mode == MMAPDEMO_MODE_FAULT) {
		mmapdemo_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP |
				      VM_HUGEPAGE);
		return true;
	}
#endif
	return false;
}

/**
 * mmapdemo_huge_skip() - what the eager remap of a huge VMA leaves out
 * @vma: a huge remap VMA
 * @buf: its buffer
 * @addr: where the remap is
 * @pgoff: the buffer page at @addr
 *
 * Return: the pages from @addr on that huge_fault maps (a whole 2 MiB
 * that can be a PMD), or 0, then the remap at @addr must stop at the
 * next 2 MiB boundary, where the next PMD may start.
 */
unsigned long mmapdemo_huge_skip(const struct vm_area_struct *vma,
				 const struct mmapdemo_buf *buf,
				 unsigned long addr, unsigned long pgoff)
{
#if defined(MMAPDEMO_HAVE_HUGE_PFNMAP)
	if (IS_ALIGNED(addr, PMD_SIZE) &&
	    mmapdemo_huge_pgoff(vma, buf, addr) == pgoff)
		return MMAPDEMO_HUGE_PAGES;
#endif
	return 0;
}
