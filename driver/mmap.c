// SPDX-License-Identifier: GPL-2.0
/*
 * mmap() of a buffer, two ways. The same code maps both regions of a
 * file: the device's data buffer from page offset 0, the file's ring
 * (ring.c) from MMAPDEMO_RING_PGOFF; a VMA's region is known from its
 * vm_pgoff, which splits and mremap() keep inside the region.
 *
 * remap  remap_pfn_range() over the whole request at mmap() time, one call
 *        per physically contiguous run. The VMA is VM_PFNMAP: the core VM
 *        sees raw PFNs, takes no page references and cannot use
 *        get_user_pages() on it, so debugger access goes through
 *        vm_ops->access. MAP_SHARED only.
 *
 * fault  nothing is mapped up front; vm_ops->fault hands the core VM the
 *        buffer's page on first touch, and maps the neighbouring pages
 *        of the same fault-around window with it (see below). The VMA
 *        holds real, refcounted pages, so get_user_pages() users
 *        (O_DIRECT, vmsplice, process_vm_readv, ptrace) work, and
 *        MAP_PRIVATE gets the normal copy-on-write semantics.
 *
 * In both modes each VMA owns a reference to the buffer it maps (taken
 * here and in vm_ops->open for copies made by fork, split or mremap,
 * dropped in vm_ops->close), so a resize or a close() never frees a
 * mapped page. The VMA is VM_DONTEXPAND: mremap() cannot grow it past
 * the range that was checked here. Only the data region counts in the
 * device's counters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "compat.h"
#include "device.h"
#include "huge.h"
#include "mmap.h"
#include "ring.h"

/* Pages a fault maps at most: a power of two, 1 (off) to PTRS_PER_PTE. */
static unsigned long mmapdemo_fault_around = SZ_256K >> PAGE_SHIFT;

unsigned long mmapdemo_fault_around_pages(void)
{
	return READ_ONCE(mmapdemo_fault_around);
}

void mmapdemo_set_fault_around_pages(unsigned long pages)
{
	pages = clamp_t(unsigned long, pages, 1, PTRS_PER_PTE);
	WRITE_ONCE(mmapdemo_fault_around, rounddown_pow_of_two(pages));
}

void mmapdemo_vm_open(struct vm_area_struct *vma)
{
	mmapdemo_buf_get_vma(vma->vm_private_data);
	mmapdemo_vma_count(vma, MD_STAT_LIVE_VMAS, 1);
}

void mmapdemo_vm_close(struct vm_area_struct *vma)
{
	mmapdemo_vma_count(vma, MD_STAT_LIVE_VMAS, -1);
	mmapdemo_buf_put_vma(vma->vm_private_data);
}

/**
 * mmapdemo_fault_window() - the pages one fault maps, fault-around included
 * @vma: the faulting VMA
 * @addr: the faulting address, page aligned
 * @pgoff: the buffer page at @addr (vmf->pgoff)
 * @nr_pages: pages in the buffer
 * @window: fault-around window in pages, rounded down to a power of two
 *          and at most PTRS_PER_PTE (so it never spans two page tables)
 * @w: out: the range, which always contains @addr when it is not empty
 *
 * The window is @window pages aligned to its own size, like the core's
 * fault-around, cut to the VMA and to the end of the buffer: a mapping
 * at a page offset never reaches past the buffer, whatever its length.
 *
 * Return: pages in @w, 0 when @addr is outside the VMA or the buffer.
 */
unsigned long mmapdemo_fault_window(const struct vm_area_struct *vma,
				    unsigned long addr, pgoff_t pgoff,
				    unsigned long nr_pages,
				    unsigned long window,
				    struct mmapdemo_fault_range *w)
{
	unsigned long size, lo, room, before, after;

	memset(w, 0, sizeof(*w));
	addr &= PAGE_MASK;
	window = rounddown_pow_of_two(clamp_t(unsigned long, window, 1,
					      PTRS_PER_PTE));
	size = window << PAGE_SHIFT;
	lo = max(ALIGN_DOWN(addr, size), vma->vm_start);
	if (addr < vma->vm_start || addr >= vma->vm_end || pgoff >= nr_pages)
		return 0;
	/* Pages after @addr inside the window, computed without overflow. */
	room = size - (addr - ALIGN_DOWN(addr, size));
	after = (min(room, vma->vm_end - addr) >> PAGE_SHIFT) - 1;
	after = min(after, nr_pages - 1 - pgoff);
	before = min_t(unsigned long, (addr - lo) >> PAGE_SHIFT, pgoff);

	w->addr = addr - (before << PAGE_SHIFT);
	w->pgoff = pgoff - before;
	w->before = before;
	w->nr = before + 1 + after;
	return w->nr;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_fault_window);

#ifdef MMAPDEMO_HAVE_HUGE_FOLIO
/*
 * mmapdemo_insert_run() in the huge fault-mode VMA, which must not be
 * VM_MIXEDMAP (huge.c) and so has no vm_insert_pages(): one page at a
 * time with vmf_insert_page_mkwrite(), which takes the page's reference,
 * rmap and RSS count as the core's own mapping of a page does. It maps
 * at its vm_fault's address, so each page gets a vm_fault of its own. A
 * page already mapped is left as it is (and counted).
 */
static unsigned long mmapdemo_insert_each(const struct vm_fault *vmf,
					  unsigned long addr,
					  struct page **pages, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		unsigned long a = addr + (i << PAGE_SHIFT);
		struct vm_fault at = {
			.vma = vmf->vma,
			.gfp_mask = vmf->gfp_mask,
			.pgoff = vmf->vma->vm_pgoff +
				 ((a - vmf->vma->vm_start) >> PAGE_SHIFT),
			.address = a,
			.real_address = a,
			.pmd = vmf->pmd,
		};

		if (vmf_insert_page_mkwrite(&at, pages[i], false) !=
		    VM_FAULT_NOPAGE)
			break;
	}
	return i;
}
#endif

/*
 * Map @n pages of the buffer at @addr, skipping any page table entry
 * that is already in use (an earlier fault, a copy-on-write copy, a
 * racing fault of another thread): vm_insert_pages() stops at the first
 * one with -EBUSY. Best effort: on any other error the rest is left to
 * later faults. Returns the pages mapped.
 */
static unsigned long mmapdemo_insert_run(const struct vm_fault *vmf,
					 unsigned long addr,
					 struct page **pages, unsigned long n)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long mapped = 0;

#ifdef MMAPDEMO_HAVE_HUGE_FOLIO
	if (!(vma->vm_flags & VM_MIXEDMAP))
		return mmapdemo_insert_each(vmf, addr, pages, n);
#endif
	while (n) {
		unsigned long left = n, done;
		int ret = vm_insert_pages(vma, addr, pages, &left);

		done = n - left;
		mapped += done;
		if (ret != -EBUSY || !left)
			break;
		/* pages[done] is the busy one: step over it. */
		addr += (done + 1) << PAGE_SHIFT;
		pages += done + 1;
		n = left - 1;
	}
	return mapped;
}

/*
 * Fault-around: besides the page the core VM asked for, map the other
 * pages of its window now, so that touching a buffer sequentially takes
 * one fault per window rather than one per page. The neighbours are
 * mapped with vm_page_prot, read-only in a MAP_PRIVATE mapping, so a
 * later write there still copies on write; the faulting page is mapped
 * after them (mmapdemo_insert_one()), or by the core where it has a copy
 * on write to do.
 * The VMA is VM_MIXEDMAP from mmap() on, which is what lets a fault
 * handler call vm_insert_pages() (the huge fault-mode VMA is not, and
 * maps page by page); the pages stay normal, refcounted, rmapped pages
 * that get_user_pages() and fork handle as before.
 */
static unsigned long mmapdemo_fault_around_map(struct vm_fault *vmf,
					       struct mmapdemo_buf *buf,
					       pgoff_t pgoff)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mmapdemo_fault_range w;
	unsigned long mapped;

	if (mmapdemo_fault_window(vma, vmf->address, pgoff, buf->nr_pages,
				  mmapdemo_fault_around_pages(), &w) <= 1)
		return 0;
	mapped = mmapdemo_insert_run(vmf, w.addr, &buf->pages[w.pgoff],
				     w.before);
	mapped += mmapdemo_insert_run(vmf, (vmf->address & PAGE_MASK) +
				      PAGE_SIZE, &buf->pages[pgoff + 1],
				      w.nr - w.before - 1);
	return mapped;
}

/* No copy on write to do: a shared mapping, or a read. */
static bool mmapdemo_fault_nocow(const struct vm_fault *vmf)
{
	return (vmf->vma->vm_flags & VM_SHARED) ||
	       !(vmf->flags & FAULT_FLAG_WRITE);
}

/*
 * Map the faulting page here, like its neighbours, and tell the core it
 * is done (VM_FAULT_NOPAGE) wherever it has no copy on write to do. That
 * skips what the core does per fault for a page handed back in
 * vmf->page: lock_page(), and in a shared mapping set_page_dirty() and
 * file_update_time() on every write fault (measured in
 * docs/performance.md). For a page of a PMD-order folio (huge.c) it is also
 * required: handed back in vmf->page, the core may map the whole
 * folio with a PMD (finish_fault(), do_set_pmd(), if the VMA is allowed
 * THP, e.g. after MADV_HUGEPAGE), and in this VM_MIXEDMAP VMA a zap or
 * split of that PMD would leak the folio. A MAP_PRIVATE write still goes
 * through the core, which copies the page and never maps the folio.
 */
static vm_fault_t mmapdemo_insert_one(struct vm_fault *vmf,
				      struct page *page)
{
	unsigned long one = 1;
	int ret;

#ifdef MMAPDEMO_HAVE_HUGE_FOLIO
	/* The huge fault-mode VMA (see mmapdemo_insert_each()). */
	if (!(vmf->vma->vm_flags & VM_MIXEDMAP))
		return vmf_insert_page_mkwrite(vmf, page,
					       vmf->flags & FAULT_FLAG_WRITE);
#endif
	ret = vm_insert_pages(vmf->vma, vmf->address & PAGE_MASK, &page, &one);
	/* -EBUSY: a racing fault mapped it already. */
	if (ret && ret != -EBUSY)
		return ret == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	return VM_FAULT_NOPAGE;
}

/*
 * vmf->pgoff already includes vm_pgoff. It was checked against the buffer
 * at mmap() time and the VMA cannot grow, but the check stays: a fault
 * handler is the last place to trust an index (see CVE-2023-2008).
 */
vm_fault_t mmapdemo_vm_fault(struct vm_fault *vmf)
{
	struct mmapdemo_buf *buf = vmf->vma->vm_private_data;
	pgoff_t pgoff = vmf->pgoff - mmapdemo_vma_base(vmf->vma);
	struct page *page = mmapdemo_buf_page(buf, pgoff);
	unsigned long around;
	vm_fault_t ret = 0;

	if (!page)
		return VM_FAULT_SIGBUS;
	around = mmapdemo_fault_around_map(vmf, buf, pgoff);
	if (mmapdemo_fault_nocow(vmf)) {
		ret = mmapdemo_insert_one(vmf, page);
		if (ret != VM_FAULT_NOPAGE)
			return ret;
	} else {
		get_page(page);
		vmf->page = page;
	}
	mmapdemo_vma_count(vmf->vma, MD_STAT_FAULTS, 1);
	mmapdemo_vma_count(vmf->vma, MD_STAT_FAULT_PAGES, 1 + around);
	return ret;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_vm_fault);

/*
 * ptrace(PEEKDATA), /proc/PID/mem and gdb reach a VM_PFNMAP mapping only
 * through this hook. Copy through the kernel's view of the same pages,
 * refusing writes the mapping itself would not allow.
 */
int mmapdemo_vm_access(struct vm_area_struct *vma, unsigned long addr,
		       void *data, int len, int write)
{
	struct mmapdemo_buf *buf = vma->vm_private_data;
	unsigned long off;

	if (addr < vma->vm_start || addr >= vma->vm_end || len < 0)
		return -EINVAL;
	if (write && !(vma->vm_flags & VM_WRITE))
		return -EFAULT;
	off = ((vma->vm_pgoff - mmapdemo_vma_base(vma)) << PAGE_SHIFT) +
	      (addr - vma->vm_start);
	if (off >= buf->size)
		return -EINVAL;
	len = min_t(unsigned long, len, vma->vm_end - addr);
	len = min_t(unsigned long, len, buf->size - off);
	if (write)
		memcpy(buf->vaddr + off, data, len);
	else
		memcpy(data, buf->vaddr + off, len);
	return len;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_vm_access);

static const struct vm_operations_struct mmapdemo_fault_vm_ops = {
	.open = mmapdemo_vm_open,
	.close = mmapdemo_vm_close,
	.fault = mmapdemo_vm_fault,
};

static const struct vm_operations_struct mmapdemo_remap_vm_ops = {
	.open = mmapdemo_vm_open,
	.close = mmapdemo_vm_close,
	.access = mmapdemo_vm_access,
};

#ifdef MMAPDEMO_HAVE_HUGE
/* vm_ops->fault of a huge VMA: a 4 KiB fault, in the VMA's mode. */
static vm_fault_t mmapdemo_huge_pte_fault(struct vm_fault *vmf)
{
#ifdef MMAPDEMO_HAVE_HUGE_PFNMAP
	if (vmf->vma->vm_flags & VM_PFNMAP)
		return mmapdemo_huge_remap_pte_fault(vmf);
#endif
	return mmapdemo_vm_fault(vmf);
}

/*
 * A VMA with 2 MiB entries, either mode (huge.c): PMDs by huge_fault,
 * 4 KiB faults for what is left. access serves the remap mode's PFN map
 * (a folio VMA's pages are reached by GUP first).
 */
static const struct vm_operations_struct mmapdemo_huge_vm_ops = {
	.open = mmapdemo_vm_open,
	.close = mmapdemo_vm_close,
	.fault = mmapdemo_huge_pte_fault,
	.huge_fault = mmapdemo_huge_fault,
	.access = mmapdemo_vm_access,
};
#endif

/* Is @vma a huge remap VMA? */
static bool mmapdemo_huge_vma(const struct vm_area_struct *vma)
{
#ifdef MMAPDEMO_HAVE_HUGE
	return vma->vm_ops == &mmapdemo_huge_vm_ops &&
	       (vma->vm_flags & VM_PFNMAP);
#else
	return false;
#endif
}

/* Buffer pages from @pgoff on, one remap_pfn_range() per contiguous run. */
static int mmapdemo_remap(struct vm_area_struct *vma, struct mmapdemo_buf *buf,
			  unsigned long pgoff)
{
	unsigned long left = vma_pages(vma);
	unsigned long addr = vma->vm_start;
	bool huge = mmapdemo_huge_vma(vma);

	mmapdemo_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND |
			      VM_DONTDUMP);
	while (left) {
		unsigned long n = left;
		int ret;

		/* A huge VMA leaves its PMD blocks to huge_fault (huge.c). */
		if (huge) {
			unsigned long skip = mmapdemo_huge_skip(vma, buf, addr,
								pgoff);

			if (skip) {
				addr += skip << PAGE_SHIFT;
				pgoff += skip;
				left -= skip;
				continue;
			}
			n = min(n, (ALIGN(addr + 1, PMD_SIZE) - addr) >>
				PAGE_SHIFT);
		}
		ret = mmapdemo_buf_remap(vma, buf, addr, pgoff, n);
		if (ret)
			return ret;
		addr += n << PAGE_SHIFT;
		pgoff += n;
		left -= n;
	}
	return 0;
}

/*
 * Map @buf, whose page 0 is at page offset @base, into @vma with the
 * strategy of @mode. The VMA's reference to @buf is the caller's: on
 * success the VMA owns it, on failure the caller drops it.
 */
static int mmapdemo_map_buf(struct vm_area_struct *vma,
			    struct mmapdemo_buf *buf, pgoff_t base, u32 mode)
{
	unsigned long pgoff = vma->vm_pgoff - base;
	int ret;

	if (!mmapdemo_pgrange_ok(buf->nr_pages, pgoff, vma_pages(vma)))
		return -EINVAL;
	vma->vm_private_data = buf;
	/* Only the data buffer gets 2 MiB entries. */
	if (!base && mmapdemo_huge_mmap(vma, buf, mode)) {
#ifdef MMAPDEMO_HAVE_HUGE
		vma->vm_ops = &mmapdemo_huge_vm_ops;
#endif
		if (mode == MMAPDEMO_MODE_REMAP)
			return mmapdemo_remap(vma, buf, pgoff);
	} else if (mode == MMAPDEMO_MODE_REMAP) {
		ret = mmapdemo_remap(vma, buf, pgoff);
		if (ret)
			return ret;
		vma->vm_ops = &mmapdemo_remap_vm_ops;
	} else {
		/* VM_MIXEDMAP: the fault handler inserts pages (fault-around). */
		mmapdemo_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND |
				      VM_DONTDUMP);
		vma->vm_ops = &mmapdemo_fault_vm_ops;
	}
	return 0;
}

/*
 * The one place mmap() picks what to map and how. The ring region must
 * be a shared mapping in both modes (the kernel must see the user's
 * stores, not private copies); remap mode needs one for the data buffer
 * too. VM_MAYSHARE, not VM_SHARED: MAP_SHARED of an O_RDONLY file is
 * downgraded to !VM_SHARED by the core but stays a shared mapping.
 */
int mmapdemo_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mmapdemo_file *f = file->private_data;
	bool shared = vma->vm_flags & VM_MAYSHARE;
	pgoff_t base = mmapdemo_vma_base(vma);
	struct mmapdemo_buf *buf;
	u32 mode;
	int ret;

	/* The file's mode is fixed from its first mmap() attempt on. */
	spin_lock(&f->lock);
	f->mapped = true;
	mode = f->map_mode;
	spin_unlock(&f->lock);

	if (!shared && (base || mode == MMAPDEMO_MODE_REMAP))
		return -EINVAL;
	if (base)
		buf = mmapdemo_ring_get_mem_for_vma(f);
	else
		buf = mmapdemo_dev_get_buf_for_vma(f->dev);
	if (!buf)
		return -EINVAL;

	ret = mmapdemo_map_buf(vma, buf, base, mode);
	if (ret) {
		/* The core does not call vm_ops->close when ->mmap fails. */
		vma->vm_private_data = NULL;
		mmapdemo_buf_put_vma(buf);
		return ret;
	}
	mmapdemo_vma_count(vma, MD_STAT_MMAPS, 1);
	mmapdemo_vma_count(vma, MD_STAT_LIVE_VMAS, 1);
	return 0;
}
