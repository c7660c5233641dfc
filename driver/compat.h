/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between 5.10 and today, each behind one small
 * named helper so the rest of the driver reads like current kernel code.
 *
 * Every branch is built by a kernel of make check's matrix (Debian's 5.10,
 * 6.1, 6.12, 7.2, 7.3 and the 6.1/7.2 debug kernels) except those marked
 * "only read": no Debian release carries that version, so the branch was
 * checked against that version's headers, not compiled.
 */
#ifndef _MMAPDEMO_COMPAT_H
#define _MMAPDEMO_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/crc32.h>
/*
 * Only read (6.14.y headers): on exactly 6.14 crc32c() is declared in
 * <linux/crc32c.h>; 6.15 moved it to <linux/crc32.h>.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
#include <linux/crc32c.h>
#endif
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/splice.h>
#include <linux/hrtimer.h>

/* 6.3 made vma->vm_flags const and added vm_flags_set(). */
static inline void mmapdemo_vm_flags_set(struct vm_area_struct *vma,
					 vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * Largest buddy order the allocator hands out: MAX_ORDER was exclusive
 * before 6.4, inclusive from 6.4, and renamed MAX_PAGE_ORDER in 6.8.
 */
#if defined(MAX_PAGE_ORDER)
#define MMAPDEMO_ARCH_MAX_ORDER	MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define MMAPDEMO_ARCH_MAX_ORDER	MAX_ORDER
#else
#define MMAPDEMO_ARCH_MAX_ORDER	(MAX_ORDER - 1)
#endif

/*
 * Raw CRC32C update (no pre/post inversion). 6.14 made crc32c() the
 * library entry point and dropped __crc32c_le().
 */
static inline u32 mmapdemo_crc32c_update(u32 crc, const void *p, size_t len)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
	return crc32c(crc, p, len);
#else
	return __crc32c_le(crc, p, len);
#endif
}

/*
 * Symbols the KUnit module may call. 6.13 turned the namespace argument
 * of EXPORT_SYMBOL_NS_GPL()/MODULE_IMPORT_NS() into a string literal.
 * Without KUnit in the kernel nothing is exported.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define MMAPDEMO_KUNIT_NS	"MMAPDEMO_KUNIT"
#else
#define MMAPDEMO_KUNIT_NS	MMAPDEMO_KUNIT
#endif

#if IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_MMAPDEMO_KUNIT(sym) \
	EXPORT_SYMBOL_NS_GPL(sym, MMAPDEMO_KUNIT_NS)
#else
#define EXPORT_SYMBOL_MMAPDEMO_KUNIT(sym)
#endif

/*
 * 5.17 added KUNIT_ASSERT_NOT_NULL() and KUNIT_EXPECT_NULL(); before, the
 * pointer comparisons say the same. Only compiled (make check builds the
 * KUnit module against 5.10's headers with CONFIG_KUNIT forced on): no
 * 5.10 kernel of the matrix has KUnit to run it.
 */
#if defined(KUNIT_ASSERT_PTR_NE) && !defined(KUNIT_ASSERT_NOT_NULL)
#define KUNIT_ASSERT_NOT_NULL(test, ptr) \
	KUNIT_ASSERT_PTR_NE(test, ptr, (typeof(ptr))NULL)
#define KUNIT_EXPECT_NULL(test, ptr) \
	KUNIT_EXPECT_PTR_EQ(test, ptr, (typeof(ptr))NULL)
#endif

/* 6.8 dropped the count argument of eventfd_signal() (always 1 now). */
static inline void mmapdemo_eventfd_signal(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* 6.13 added hrtimer_setup(); 6.15 removed hrtimer_init(). */
static inline void mmapdemo_hrtimer_setup(struct hrtimer *timer,
					  enum hrtimer_restart (*fn)(struct hrtimer *),
					  clockid_t clock, enum hrtimer_mode mode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

/*
 * splice_read() (and so sendfile() and splice() out of the device) done
 * through ->read_iter. 6.5 replaced generic_file_splice_read(), which
 * fed ->read_iter an ITER_PIPE, by copy_splice_read() (a bounce buffer
 * per pipe slot) and removed the former.
 */
static inline ssize_t mmapdemo_splice_read(struct file *in, loff_t *ppos,
					   struct pipe_inode_info *pipe,
					   size_t len, unsigned int flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return copy_splice_read(in, ppos, pipe, len, flags);
#else
	return generic_file_splice_read(in, ppos, pipe, len, flags);
#endif
}

/*
 * Huge (PMD) mappings of the buffer, each where the kernel can do it
 * right:
 *
 * MMAPDEMO_HAVE_HUGE_PFNMAP  remap mode: vmf_insert_pfn_pmd() in a
 *   VM_PFNMAP VMA writes a special PMD that GUP-fast refuses (pmd_special,
 *   CONFIG_ARCH_SUPPORTS_PMD_PFNMAP, 6.12). Before, such a PMD was unsafe.
 * MMAPDEMO_HAVE_HUGE_FOLIO   fault mode: vmf_insert_folio_pmd() maps a
 *   refcounted, rmapped PMD-order folio (6.15; 6.15 marks it special and
 *   gets the refcount wrong, fixed in 6.16). On these kernels the buffer
 *   is made of PMD-order folios where it can be (buffer.c).
 *
 * Both need THP (huge_fault is only called with it) and a 64-bit PMD.
 * 6.1 never calls huge_fault for a char device; 5.10 and 6.1 keep the
 * 4 KiB paths only.
 */
#if IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) && \
	IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) && \
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define MMAPDEMO_HAVE_HUGE_PFNMAP	1
#endif
#if IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) && \
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define MMAPDEMO_HAVE_HUGE_FOLIO	1
#endif

#if defined(MMAPDEMO_HAVE_HUGE_PFNMAP) || defined(MMAPDEMO_HAVE_HUGE_FOLIO)
#define MMAPDEMO_HAVE_HUGE		1
#include <linux/huge_mm.h>
/*
 * pfn_t went away (about 6.17) and vmf_insert_pfn_pmd() takes a plain
 * pfn since; <linux/pfn_t.h> goes with it, so its presence tells the two
 * signatures apart (6.12: there; 7.2, 7.3: gone). The versions between
 * are only read.
 */
#if __has_include("linux/pfn_t.h")
#include <linux/pfn_t.h>
static inline vm_fault_t mmapdemo_insert_pfn_pmd(struct vm_fault *vmf,
						 unsigned long pfn, bool write)
{
	return vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(pfn), write);
}
#else
static inline vm_fault_t mmapdemo_insert_pfn_pmd(struct vm_fault *vmf,
						 unsigned long pfn, bool write)
{
	return vmf_insert_pfn_pmd(vmf, pfn, write);
}
#endif
#endif

/* The head page of a zeroed PMD-order folio (folio_alloc(), 5.16). */
static inline struct page *mmapdemo_alloc_folio_page(gfp_t gfp,
						     unsigned int order)
{
#ifdef MMAPDEMO_HAVE_HUGE_FOLIO
	struct folio *folio = folio_alloc(gfp, order);

	return folio ? &folio->page : NULL;
#else
	return NULL;
#endif
}

/*
 * dma-buf (dmabuf.c). Its symbols are in the namespace DMA_BUF from 5.16
 * on (a string literal from 6.13, as above); 5.10 has none.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define MMAPDEMO_IMPORT_DMA_BUF_NS()	MODULE_IMPORT_NS("DMA_BUF")
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
#define MMAPDEMO_IMPORT_DMA_BUF_NS()	MODULE_IMPORT_NS(DMA_BUF)
#else
#define MMAPDEMO_IMPORT_DMA_BUF_NS()
#endif

/*
 * dma_buf_ops.vmap: 5.11 turned void *(*vmap)(dmabuf), NULL on failure,
 * into int (*vmap)(dmabuf, map) filling a struct dma_buf_map, which 5.18
 * renamed struct iosys_map. MMAPDEMO_DMABUF_VMAP_PTR says the former;
 * otherwise the struct is struct iosys_map under either name. Neither
 * compiled nor read in those headers: the dma_buf_map branch (5.11 to
 * 5.17), written from the upstream change; no Debian release has it.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define MMAPDEMO_DMABUF_VMAP_PTR	1
#elif LINUX_VERSION_CODE < KERNEL_VERSION(5, 18, 0)
#include <linux/dma-buf-map.h>
#define iosys_map		dma_buf_map
#define iosys_map_set_vaddr	dma_buf_map_set_vaddr
#define IOSYS_MAP_INIT_VADDR	DMA_BUF_MAP_INIT_VADDR
#else
#include <linux/iosys-map.h>
#endif

#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
#include <linux/dma-buf.h>
/*
 * An importer's kernel mapping of a whole dma-buf (the KUnit importer):
 * 6.2 made dma_buf_vmap() expect the reservation lock held and added
 * dma_buf_vmap_unlocked(), which takes it; before, dma_buf_vmap() took
 * the dma-buf's own mutex. NULL on failure.
 */
static inline void *mmapdemo_dma_buf_vmap(struct dma_buf *dmabuf)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	struct iosys_map map;

	return dma_buf_vmap_unlocked(dmabuf, &map) ? NULL : map.vaddr;
#elif !defined(MMAPDEMO_DMABUF_VMAP_PTR)
	struct iosys_map map;

	return dma_buf_vmap(dmabuf, &map) ? NULL : map.vaddr;
#else
	return dma_buf_vmap(dmabuf);
#endif
}

static inline void mmapdemo_dma_buf_vunmap(struct dma_buf *dmabuf, void *vaddr)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	struct iosys_map map = IOSYS_MAP_INIT_VADDR(vaddr);

	dma_buf_vunmap_unlocked(dmabuf, &map);
#elif !defined(MMAPDEMO_DMABUF_VMAP_PTR)
	struct iosys_map map = IOSYS_MAP_INIT_VADDR(vaddr);

	dma_buf_vunmap(dmabuf, &map);
#else
	dma_buf_vunmap(dmabuf, vaddr);
#endif
}
#endif

/*
 * mmapdemo_remap_whole_vma() - would one remap_pfn_range() of @pages at
 * @addr map all of @vma, on a kernel where that matters?
 *
 * x86 kernels before 6.16 (those with VM_PAT) reserve the memory type of
 * the whole VMA when one call covers all of it, and set VM_PAT. If that
 * call fails (a page table cannot be allocated), the error path of
 * 6.1.192 zaps the partial mapping, untracks with a lookup of the VMA's
 * first page, finds nothing mapped and WARNs (get_pat_info() in
 * arch/x86/mm/pat/memtype.c). Seen on the 6.1 debug kernel under
 * fail-nth in remap mode, where the VMA's first page table had to be
 * allocated. Mapped in two calls, each range gets a per-page memtype
 * lookup instead (write-back, as for all of the buffer's RAM), and the
 * VMA no VM_PAT. 7.2 and 7.3 have no VM_PAT: always false there.
 */
static inline bool mmapdemo_remap_whole_vma(const struct vm_area_struct *vma,
					    unsigned long addr,
					    unsigned long pages)
{
#ifdef VM_PAT
	return addr == vma->vm_start &&
	       pages == (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
#else
	return false;
#endif
}

#endif /* _MMAPDEMO_COMPAT_H */
