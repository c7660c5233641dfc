// SPDX-License-Identifier: GPL-2.0
/*
 * A range of a device's buffer exported as a dma-buf, so other drivers
 * (V4L2 with V4L2_MEMORY_DMABUF, DRM PRIME, ...) and other processes can
 * use the very pages /dev/mmapdemo maps.
 *
 * Lifetime: an export holds a reference to its buffer and counts in the
 * buffer's nr_exports, which a resize checks: a dma-buf's size is fixed
 * for its life and static importers (vb2, DRM PRIME) keep their mappings
 * as long as they like, so the buffer cannot be replaced under them.
 * dma_buf_export() takes a reference on this module (the export info's
 * owner), so every live dma-buf also keeps rmmod away; the device it
 * counts in outlives it.
 *
 * Locking: the core calls map/unmap/attach/detach/vmap with the dma-buf's
 * reservation lock held (6.2 on), or its own mutex (before). None of the
 * ops takes the device's lock, which mmap() takes under mmap_lock, nor
 * the reservation lock. The export's own mutex only guards its list of
 * live mappings, which begin/end_cpu_access walk; nothing is called with
 * it held but the DMA API's sync calls.
 *
 * This file calls only buffer.c and device.c, which never call back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "compat.h"
#include "device.h"
#include "dmabuf.h"

/* One export: @npages pages of @buf from page @pgoff on. */
struct mmapdemo_export {
	struct mmapdemo_dev *dev;
	struct mmapdemo_buf *buf;
	unsigned long pgoff;
	unsigned long npages;
	u32 mode;			/* enum mmapdemo_map_mode of mmap() */
	struct mutex lock;		/* protects @maps */
	struct list_head maps;		/* struct mmapdemo_export_map */
};

/* One map_dma_buf() for one importer's device, until its unmap. */
struct mmapdemo_export_map {
	struct list_head node;
	struct device *dev;
	enum dma_data_direction dir;
	struct sg_table sgt;
};

static int mmapdemo_dmabuf_attach(struct dma_buf *dmabuf,
				  struct dma_buf_attachment *attach)
{
	struct mmapdemo_export *exp = dmabuf->priv;

	mmapdemo_stat_add(exp->dev, MD_STAT_DMABUF_ATTACHED, 1);
	return 0;
}

static void mmapdemo_dmabuf_detach(struct dma_buf *dmabuf,
				   struct dma_buf_attachment *attach)
{
	struct mmapdemo_export *exp = dmabuf->priv;

	mmapdemo_stat_add(exp->dev, MD_STAT_DMABUF_ATTACHED, -1);
}

/*
 * The length of the DMA segment at physical address @phys, at most @len
 * bytes: never longer than the device's max segment size nor across its
 * segment boundary (DMA_API_DEBUG_SG checks both).
 */
static unsigned long mmapdemo_dmabuf_seg(struct device *dev, phys_addr_t phys,
					 unsigned long len)
{
	unsigned long max = dma_get_max_seg_size(dev) & PAGE_MASK;
	unsigned long mask = dma_get_seg_boundary(dev);
	unsigned long to_boundary = mask - (phys & mask) + 1;

	if (!max)
		max = PAGE_SIZE;
	len = min(len, max);
	/* 0 only when the mask is ~0 and @phys 0: no boundary then. */
	if (to_boundary)
		len = min(len, to_boundary);
	return len;
}

/* Entries of an sg table for @exp's pages as @dev wants its segments. */
static unsigned int mmapdemo_dmabuf_nents(struct mmapdemo_export *exp,
					  struct device *dev)
{
	unsigned long i = 0, run, left;
	unsigned int n = 0;

	while (i < exp->npages) {
		phys_addr_t phys;

		run = mmapdemo_buf_run(exp->buf, exp->pgoff + i,
				       exp->npages - i);
		phys = page_to_phys(exp->buf->pages[exp->pgoff + i]);
		for (left = run << PAGE_SHIFT; left; n++) {
			unsigned long seg = mmapdemo_dmabuf_seg(dev, phys, left);

			phys += seg;
			left -= seg;
		}
		i += run;
	}
	return n;
}

/*
 * A fresh sg table per map: one entry per physically contiguous run of
 * the export, cut where the importer's segment limits say, mapped for
 * the importer's device.
 */
static struct sg_table *
mmapdemo_dmabuf_map(struct dma_buf_attachment *attach,
		    enum dma_data_direction dir)
{
	struct mmapdemo_export *exp = attach->dmabuf->priv;
	struct mmapdemo_export_map *m;
	struct scatterlist *sg;
	unsigned long i = 0;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(&m->sgt, mmapdemo_dmabuf_nents(exp, attach->dev),
			     GFP_KERNEL);
	if (ret)
		goto err_free;
	sg = m->sgt.sgl;
	while (i < exp->npages) {
		unsigned long run = mmapdemo_buf_run(exp->buf, exp->pgoff + i,
						     exp->npages - i);
		struct page *page = exp->buf->pages[exp->pgoff + i];
		unsigned long left = run << PAGE_SHIFT, off = 0;

		while (left) {
			unsigned long seg = mmapdemo_dmabuf_seg(attach->dev,
						page_to_phys(page) + off, left);

			sg_set_page(sg, page + (off >> PAGE_SHIFT), seg, 0);
			sg = sg_next(sg);
			off += seg;
			left -= seg;
		}
		i += run;
	}
	ret = dma_map_sgtable(attach->dev, &m->sgt, dir, 0);
	if (ret)
		goto err_table;
	m->dev = attach->dev;
	m->dir = dir;
	mutex_lock(&exp->lock);
	list_add(&m->node, &exp->maps);
	mutex_unlock(&exp->lock);
	mmapdemo_stat_add(exp->dev, MD_STAT_DMABUF_MAPPED, 1);
	return &m->sgt;

err_table:
	sg_free_table(&m->sgt);
err_free:
	kfree(m);
	return ERR_PTR(ret);
}

static void mmapdemo_dmabuf_unmap(struct dma_buf_attachment *attach,
				  struct sg_table *sgt,
				  enum dma_data_direction dir)
{
	struct mmapdemo_export *exp = attach->dmabuf->priv;
	struct mmapdemo_export_map *m =
		container_of(sgt, struct mmapdemo_export_map, sgt);

	mutex_lock(&exp->lock);
	list_del(&m->node);
	mutex_unlock(&exp->lock);
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(m);
	mmapdemo_stat_add(exp->dev, MD_STAT_DMABUF_MAPPED, -1);
}

/*
 * CPU access (DMA_BUF_IOCTL_SYNC, importers' begin/end_cpu_access): hand
 * the pages to the CPU from every device that has them mapped, and back.
 * On x86 without an IOMMU these are no-ops unless swiotlb bounces.
 */
static int mmapdemo_dmabuf_begin_cpu(struct dma_buf *dmabuf,
				     enum dma_data_direction dir)
{
	struct mmapdemo_export *exp = dmabuf->priv;
	struct mmapdemo_export_map *m;

	mutex_lock(&exp->lock);
	list_for_each_entry(m, &exp->maps, node)
		dma_sync_sgtable_for_cpu(m->dev, &m->sgt, m->dir);
	mutex_unlock(&exp->lock);
	return 0;
}

static int mmapdemo_dmabuf_end_cpu(struct dma_buf *dmabuf,
				   enum dma_data_direction dir)
{
	struct mmapdemo_export *exp = dmabuf->priv;
	struct mmapdemo_export_map *m;

	mutex_lock(&exp->lock);
	list_for_each_entry(m, &exp->maps, node)
		dma_sync_sgtable_for_device(m->dev, &m->sgt, m->dir);
	mutex_unlock(&exp->lock);
	return 0;
}

/*
 * The fault handler of a fault-mode mapping: the export's page, inserted
 * here (VM_MIXEDMAP) so the core never maps a whole folio of it. The
 * core checked the range at mmap() time and the VMA cannot grow, but the
 * check stays (CVE-2023-2008).
 */
vm_fault_t mmapdemo_dmabuf_fault(struct vm_fault *vmf)
{
	struct mmapdemo_export *exp = vmf->vma->vm_private_data;
	unsigned long one = 1;
	struct page *page;
	int ret;

	if (vmf->pgoff >= exp->npages)
		return VM_FAULT_SIGBUS;
	page = exp->buf->pages[exp->pgoff + vmf->pgoff];
	ret = vm_insert_pages(vmf->vma, vmf->address & PAGE_MASK, &page, &one);
	/* -EBUSY: a racing fault mapped it already. */
	if (ret && ret != -EBUSY)
		return ret == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	mmapdemo_stat_add(exp->dev, MD_STAT_FAULTS, 1);
	mmapdemo_stat_add(exp->dev, MD_STAT_FAULT_PAGES, 1);
	return VM_FAULT_NOPAGE;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_dmabuf_fault);

/* ptrace and /proc/PID/mem on a remap-mode (VM_PFNMAP) mapping. */
static int mmapdemo_dmabuf_access(struct vm_area_struct *vma,
				  unsigned long addr, void *data, int len,
				  int write)
{
	struct mmapdemo_export *exp = vma->vm_private_data;
	unsigned long off, size = exp->npages << PAGE_SHIFT;
	u8 *p;

	if (addr < vma->vm_start || addr >= vma->vm_end || len < 0)
		return -EINVAL;
	if (write && !(vma->vm_flags & VM_WRITE))
		return -EFAULT;
	off = (vma->vm_pgoff << PAGE_SHIFT) + (addr - vma->vm_start);
	if (off >= size)
		return -EINVAL;
	len = min_t(unsigned long, len, vma->vm_end - addr);
	len = min_t(unsigned long, len, size - off);
	p = (u8 *)exp->buf->vaddr + (exp->pgoff << PAGE_SHIFT) + off;
	if (write)
		memcpy(p, data, len);
	else
		memcpy(data, p, len);
	return len;
}

/* The VMA holds the dma-buf's file, and so the export, for its life. */
static const struct vm_operations_struct mmapdemo_dmabuf_fault_vm_ops = {
	.fault = mmapdemo_dmabuf_fault,
};

static const struct vm_operations_struct mmapdemo_dmabuf_remap_vm_ops = {
	.access = mmapdemo_dmabuf_access,
};

/*
 * mmap() of the dma-buf fd, in the map mode of the file that exported
 * it. Shared mappings only: a private copy of a buffer other devices
 * write would silently stop seeing them. VM_MAYSHARE, as for the device
 * (MAP_SHARED of an O_RDONLY dma-buf stays shared).
 */
static int mmapdemo_dmabuf_mmap(struct dma_buf *dmabuf,
				struct vm_area_struct *vma)
{
	struct mmapdemo_export *exp = dmabuf->priv;
	unsigned long pgoff = vma->vm_pgoff, left = vma_pages(vma);
	unsigned long addr = vma->vm_start;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!mmapdemo_pgrange_ok(exp->npages, pgoff, left))
		return -EINVAL;
	vma->vm_private_data = exp;
	if (exp->mode != MMAPDEMO_MODE_REMAP) {
		mmapdemo_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND |
				      VM_DONTDUMP);
		vma->vm_ops = &mmapdemo_dmabuf_fault_vm_ops;
		return 0;
	}
	mmapdemo_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND |
			      VM_DONTDUMP);
	vma->vm_ops = &mmapdemo_dmabuf_remap_vm_ops;
	return mmapdemo_buf_remap(vma, exp->buf, addr, pgoff + exp->pgoff,
				  left);
}

/*
 * The buffer's own kernel view (buffer.h), at the export's offset: the
 * same bytes FILL and CHECKSUM use, so nothing is mapped or unmapped.
 */
static void *mmapdemo_dmabuf_vaddr(struct dma_buf *dmabuf)
{
	struct mmapdemo_export *exp = dmabuf->priv;

	mmapdemo_stat_add(exp->dev, MD_STAT_DMABUF_VMAPPED, 1);
	return (u8 *)exp->buf->vaddr + (exp->pgoff << PAGE_SHIFT);
}

static void mmapdemo_dmabuf_vaddr_put(struct dma_buf *dmabuf)
{
	struct mmapdemo_export *exp = dmabuf->priv;

	mmapdemo_stat_add(exp->dev, MD_STAT_DMABUF_VMAPPED, -1);
}

#ifdef MMAPDEMO_DMABUF_VMAP_PTR
static void *mmapdemo_dmabuf_vmap(struct dma_buf *dmabuf)
{
	return mmapdemo_dmabuf_vaddr(dmabuf);
}

static void mmapdemo_dmabuf_vunmap(struct dma_buf *dmabuf, void *vaddr)
{
	mmapdemo_dmabuf_vaddr_put(dmabuf);
}
#else
static int mmapdemo_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	iosys_map_set_vaddr(map, mmapdemo_dmabuf_vaddr(dmabuf));
	return 0;
}

static void mmapdemo_dmabuf_vunmap(struct dma_buf *dmabuf,
				   struct iosys_map *map)
{
	mmapdemo_dmabuf_vaddr_put(dmabuf);
}
#endif

/*
 * The last reference to the dma-buf is gone: no fd, mapping or importer
 * uses it. The core drops the module reference after this returns.
 */
static void mmapdemo_dmabuf_release(struct dma_buf *dmabuf)
{
	struct mmapdemo_export *exp = dmabuf->priv;
	struct mmapdemo_dev *dev = exp->dev;

	WARN_ON(!list_empty(&exp->maps));
	mmapdemo_buf_put_export(exp->buf);
	mutex_destroy(&exp->lock);
	kfree(exp);
	mmapdemo_stat_add(dev, MD_STAT_DMABUF_LIVE, -1);
	mmapdemo_stat_add(dev, MD_STAT_DMABUF_RELEASES, 1);
}

static const struct dma_buf_ops mmapdemo_dmabuf_ops = {
	.attach = mmapdemo_dmabuf_attach,
	.detach = mmapdemo_dmabuf_detach,
	.map_dma_buf = mmapdemo_dmabuf_map,
	.unmap_dma_buf = mmapdemo_dmabuf_unmap,
	.begin_cpu_access = mmapdemo_dmabuf_begin_cpu,
	.end_cpu_access = mmapdemo_dmabuf_end_cpu,
	.mmap = mmapdemo_dmabuf_mmap,
	.vmap = mmapdemo_dmabuf_vmap,
	.vunmap = mmapdemo_dmabuf_vunmap,
	.release = mmapdemo_dmabuf_release,
};

/**
 * mmapdemo_dmabuf_export() - export a range of a device's buffer
 * @dev: the device
 * @offset: first byte, page aligned
 * @size: bytes, page aligned, not zero
 * @mode: enum mmapdemo_map_mode for mmap() of the dma-buf
 * @accmode: O_RDONLY, O_WRONLY or O_RDWR for the dma-buf's file
 *
 * The caller makes the fd (dma_buf_fd(), or get_unused_fd_flags() and
 * fd_install() of dmabuf->file) and on failure only dma_buf_put()s the
 * dma-buf: from here on its release frees the rest (CVE-2024-56712).
 *
 * Return: the dma-buf, or an ERR_PTR(): -EINVAL for a range that is not
 * page aligned, empty or inside the buffer, -ENOMEM.
 */
struct dma_buf *mmapdemo_dmabuf_export(struct mmapdemo_dev *dev, u64 offset,
				       u64 size, u32 mode, int accmode)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct mmapdemo_export *exp;
	struct dma_buf *dmabuf;

	if (!size || !PAGE_ALIGNED(offset) || !PAGE_ALIGNED(size) ||
	    mode >= MMAPDEMO_MODE_COUNT ||
	    (accmode & O_ACCMODE) != accmode || accmode == O_ACCMODE)
		return ERR_PTR(-EINVAL);
	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	exp->buf = mmapdemo_dev_get_buf_for_export(dev);
	if (!mmapdemo_range_ok(exp->buf->size, offset, size)) {
		dmabuf = ERR_PTR(-EINVAL);
		goto err_put;
	}
	exp->dev = dev;
	exp->pgoff = offset >> PAGE_SHIFT;
	exp->npages = size >> PAGE_SHIFT;
	exp->mode = mode;
	mutex_init(&exp->lock);
	INIT_LIST_HEAD(&exp->maps);

	info.exp_name = dev->name;
	info.ops = &mmapdemo_dmabuf_ops;
	info.size = size;
	info.flags = accmode;
	info.priv = exp;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		mutex_destroy(&exp->lock);
		goto err_put;
	}
	mmapdemo_stat_add(dev, MD_STAT_DMABUF_EXPORTS, 1);
	mmapdemo_stat_add(dev, MD_STAT_DMABUF_LIVE, 1);
	return dmabuf;

err_put:
	mmapdemo_buf_put_export(exp->buf);
	kfree(exp);
	return dmabuf;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_dmabuf_export);

MMAPDEMO_IMPORT_DMA_BUF_NS();
