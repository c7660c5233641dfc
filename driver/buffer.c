// SPDX-License-Identifier: GPL-2.0
/*
 * The shared buffer: allocation, the kernel's view of it, its lifetime,
 * and the kernel's own reads and writes of it: FILL writes where user
 * space reads, CHECKSUM reads what user space wrote. Both go through the
 * vmap() view of the very pages user space has mapped, so no data is
 * copied.
 */
#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/byteorder.h>

#include "buffer.h"
#include "compat.h"
#include "uapi/mmapdemo.h"

/* A buffer may take at most half of RAM, and never more than 16 GiB. */
#define MMAPDEMO_MAX_BYTES	(16ULL << 30)

/**
 * mmapdemo_size_valid() - check and round a requested buffer size
 * @bytes: requested size
 * @rounded: the size rounded up to whole pages, on success
 *
 * Return: 0, or -EINVAL for zero or for sizes no machine could back.
 */
int mmapdemo_size_valid(u64 bytes, u64 *rounded)
{
	u64 limit = min_t(u64, MMAPDEMO_MAX_BYTES,
			  (u64)(totalram_pages() / 2) << PAGE_SHIFT);

	if (!bytes || bytes > limit)
		return -EINVAL;
	*rounded = round_up(bytes, PAGE_SIZE);
	return 0;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_size_valid);

/**
 * mmapdemo_range_ok() - is [offset, offset + length) inside a buffer?
 * @size: buffer size in bytes
 * @offset: start of the range
 * @length: bytes in the range; zero is a valid empty range
 *
 * Written so that no sum can wrap: offset + length is never computed.
 */
bool mmapdemo_range_ok(u64 size, u64 offset, u64 length)
{
	return offset <= size && length <= size - offset;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_range_ok);

/**
 * mmapdemo_pgrange_ok() - the same check in pages, for VMAs
 * @nr_pages: pages in the buffer
 * @pgoff: first page (vma->vm_pgoff, from the mmap() offset)
 * @count: pages in the VMA; a VMA is never empty
 */
bool mmapdemo_pgrange_ok(unsigned long nr_pages, unsigned long pgoff,
			 unsigned long count)
{
	return count && pgoff < nr_pages && count <= nr_pages - pgoff;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_pgrange_ok);

/**
 * mmapdemo_buf_page() - the page at @pgoff, or NULL when out of range
 * @buf: the buffer
 * @pgoff: page index in the buffer
 */
struct page *mmapdemo_buf_page(const struct mmapdemo_buf *buf,
			       unsigned long pgoff)
{
	if (pgoff >= buf->nr_pages)
		return NULL;
	return buf->pages[pgoff];
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_buf_page);

/**
 * mmapdemo_buf_run() - length of the physically contiguous run at @pgoff
 * @buf: the buffer
 * @pgoff: first page of the run, inside the buffer
 * @max: stop after this many pages
 *
 * Return: pages in the run (at least 1 when @pgoff is valid and @max > 0).
 */
unsigned long mmapdemo_buf_run(const struct mmapdemo_buf *buf,
			       unsigned long pgoff, unsigned long max)
{
	unsigned long pfn, n;

	if (pgoff >= buf->nr_pages || !max)
		return 0;
	max = min(max, buf->nr_pages - pgoff);
	pfn = page_to_pfn(buf->pages[pgoff]);
	for (n = 1; n < max; n++)
		if (page_to_pfn(buf->pages[pgoff + n]) != pfn + n)
			break;
	return n;
}

/**
 * mmapdemo_buf_remap() - map buffer pages into a VMA, one
 * remap_pfn_range() per physically contiguous run
 * @vma: the VMA
 * @buf: the buffer
 * @addr: user address of the first page, in @vma
 * @pgoff: first page of @buf
 * @count: pages
 *
 * No call covers all of @vma where VM_PAT exists (compat.h).
 *
 * Return: 0, or remap_pfn_range()'s error (the core VM then unmaps what
 * was already mapped).
 */
int mmapdemo_buf_remap(struct vm_area_struct *vma, struct mmapdemo_buf *buf,
		       unsigned long addr, unsigned long pgoff,
		       unsigned long count)
{
	while (count) {
		unsigned long n = mmapdemo_buf_run(buf, pgoff, count);
		int ret;

		if (n > 1 && mmapdemo_remap_whole_vma(vma, addr, n))
			n--;
		ret = remap_pfn_range(vma, addr, page_to_pfn(buf->pages[pgoff]),
				      n << PAGE_SHIFT, vma->vm_page_prot);
		if (ret)
			return ret;
		addr += n << PAGE_SHIFT;
		pgoff += n;
		count -= n;
	}
	return 0;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_buf_run);

/*
 * Drop the buffer's reference on the first @count pages: per page for
 * split blocks, once per folio for the PMD-order folios. Pages still
 * mapped or pinned by get_user_pages() keep their own references.
 */
static void mmapdemo_buf_free_pages(struct mmapdemo_buf *buf,
				    unsigned long count)
{
	unsigned long i = 0;

	while (i < count) {
		struct page *page = buf->pages[i];

		if (PageCompound(page)) {
			i += compound_nr(page);
			put_page(page);
		} else {
			i++;
			__free_page(page);
		}
	}
}

/*
 * One block of 2^@order zeroed pages for pages[@i...], or false. An
 * order-9 block is a PMD-order folio where huge.c maps folios, else it
 * is split: the fault path hands single pages to the core VM, which
 * drops its references one page at a time.
 */
static bool mmapdemo_buf_alloc_block(struct mmapdemo_buf *buf,
				     unsigned long i, unsigned int order)
{
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO;
	struct page *page;
	unsigned long j;

	if (order)
		gfp |= __GFP_NORETRY | __GFP_NOWARN;
	if (order == MMAPDEMO_HUGE_ORDER && mmapdemo_huge_folios()) {
		page = mmapdemo_alloc_folio_page(gfp, order);
	} else {
		page = alloc_pages(gfp, order);
		if (page && order)
			split_page(page, order);
	}
	if (!page)
		return false;
	for (j = 0; j < (1UL << order); j++)
		buf->pages[i + j] = page + j;
	if (order == MMAPDEMO_HUGE_ORDER)
		set_bit(i / MMAPDEMO_HUGE_PAGES, buf->huge_map);
	buf->nr_chunks++;
	return true;
}

/*
 * Fill pages[] with zeroed pages, in naturally aligned blocks: at each
 * index the largest order that its alignment, the pages left and
 * @max_order allow, falling back to smaller orders at that index only.
 * So every PMD-aligned PMD's worth (2 MiB with 4 KiB pages) gets its own
 * try at a PMD-order block, whatever happened before it.
 */
static int mmapdemo_buf_alloc_pages(struct mmapdemo_buf *buf,
				    unsigned int max_order)
{
	unsigned int top = min_t(unsigned int, max_order,
				 MMAPDEMO_ARCH_MAX_ORDER);
	unsigned long i = 0;

	top = min_t(unsigned int, top, MMAPDEMO_HUGE_ORDER);
	while (i < buf->nr_pages) {
		unsigned int order = min_t(unsigned int, top,
					   ilog2(buf->nr_pages - i));

		if (i)
			order = min_t(unsigned int, order, __ffs(i));
		while (!mmapdemo_buf_alloc_block(buf, i, order)) {
			if (!order) {
				mmapdemo_buf_free_pages(buf, i);
				return -ENOMEM;
			}
			order--;
		}
		i += 1UL << order;
	}
	return 0;
}

/**
 * mmapdemo_buf_alloc() - allocate a zeroed buffer
 * @size: bytes, already validated by mmapdemo_size_valid()
 * @max_order: largest block order to try (tests force small orders)
 *
 * Return: the buffer with one reference, or an ERR_PTR().
 */
struct mmapdemo_buf *mmapdemo_buf_alloc(size_t size, unsigned int max_order)
{
	struct mmapdemo_buf *buf;
	int ret = -ENOMEM;

	if (!size || !PAGE_ALIGNED(size))
		return ERR_PTR(-EINVAL);

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	kref_init(&buf->ref);
	atomic_set(&buf->nr_vmas, 0);
	atomic_set(&buf->nr_exports, 0);
	buf->size = size;
	buf->nr_pages = size >> PAGE_SHIFT;
	buf->pages = kvmalloc_array(buf->nr_pages, sizeof(*buf->pages),
				    GFP_KERNEL);
	if (!buf->pages)
		goto err_free_buf;
	buf->huge_map = bitmap_zalloc(DIV_ROUND_UP(buf->nr_pages,
						   MMAPDEMO_HUGE_PAGES),
				      GFP_KERNEL);
	if (!buf->huge_map)
		goto err_free_array;

	ret = mmapdemo_buf_alloc_pages(buf, max_order);
	if (ret)
		goto err_free_array;

	buf->vaddr = vmap(buf->pages, buf->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!buf->vaddr) {
		ret = -ENOMEM;
		goto err_free_pages;
	}
	return buf;

err_free_pages:
	mmapdemo_buf_free_pages(buf, buf->nr_pages);
err_free_array:
	bitmap_free(buf->huge_map);
	kvfree(buf->pages);
err_free_buf:
	kfree(buf);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_buf_alloc);

static void mmapdemo_buf_release(struct kref *ref)
{
	struct mmapdemo_buf *buf = container_of(ref, struct mmapdemo_buf, ref);

	WARN_ON(mmapdemo_buf_busy(buf));
	vunmap(buf->vaddr);
	mmapdemo_buf_free_pages(buf, buf->nr_pages);
	bitmap_free(buf->huge_map);
	kvfree(buf->pages);
	kfree(buf);
}

void mmapdemo_buf_get(struct mmapdemo_buf *buf)
{
	kref_get(&buf->ref);
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_buf_get);

void mmapdemo_buf_put(struct mmapdemo_buf *buf)
{
	if (buf)
		kref_put(&buf->ref, mmapdemo_buf_release);
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_buf_put);

/* A VMA's reference: also counted in nr_vmas, which a resize checks. */
void mmapdemo_buf_get_vma(struct mmapdemo_buf *buf)
{
	mmapdemo_buf_get(buf);
	atomic_inc(&buf->nr_vmas);
}

void mmapdemo_buf_put_vma(struct mmapdemo_buf *buf)
{
	atomic_dec(&buf->nr_vmas);
	mmapdemo_buf_put(buf);
}

/* A dma-buf export's reference: also counted in nr_exports. */
void mmapdemo_buf_get_export(struct mmapdemo_buf *buf)
{
	mmapdemo_buf_get(buf);
	atomic_inc(&buf->nr_exports);
}

void mmapdemo_buf_put_export(struct mmapdemo_buf *buf)
{
	atomic_dec(&buf->nr_exports);
	mmapdemo_buf_put(buf);
}

/* Work in slices so a 1 GiB fill or checksum does not hog the CPU. */
#define MMAPDEMO_SLICE	SZ_1M

/**
 * mmapdemo_buf_fill() - write the FILL pattern over a range
 * @buf: the buffer
 * @offset: first byte
 * @length: bytes
 * @seed: pattern seed
 *
 * Byte o of the buffer gets mmapdemo_pattern_byte(seed, o). Its stores
 * race with every other user of those bytes by contract (buffer.h).
 *
 * Return: 0, or -EINVAL when the range is not inside the buffer.
 */
int __no_kcsan mmapdemo_buf_fill(struct mmapdemo_buf *buf, u64 offset,
				 u64 length, u32 seed)
{
	u8 *p = buf->vaddr;
	u64 end = offset + length;
	u64 o = offset;

	if (!mmapdemo_range_ok(buf->size, offset, length))
		return -EINVAL;
	for (; o < end && (o & 7); o++)
		p[o] = mmapdemo_pattern_byte(seed, o);
	while (end - o >= 8) {
		*(__le64 *)(p + o) =
			cpu_to_le64(mmapdemo_pattern_word(seed, o >> 3));
		o += 8;
		if (!(o & (MMAPDEMO_SLICE - 1)))
			cond_resched();
	}
	for (; o < end; o++)
		p[o] = mmapdemo_pattern_byte(seed, o);
	return 0;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_buf_fill);

/**
 * mmapdemo_buf_checksum() - CRC32C of a range, as user-space tools compute it
 * @buf: the buffer
 * @offset: first byte
 * @length: bytes
 * @crc: out: the CRC32C
 *
 * Return: 0, or -EINVAL when the range is not inside the buffer.
 */
int mmapdemo_buf_checksum(struct mmapdemo_buf *buf, u64 offset, u64 length,
			  u32 *crc)
{
	const u8 *p;
	u32 c = ~0U;

	if (!mmapdemo_range_ok(buf->size, offset, length))
		return -EINVAL;
	p = (const u8 *)buf->vaddr + offset;
	while (length) {
		size_t n = min_t(u64, length, MMAPDEMO_SLICE);

		/* Racing writers are allowed (buffer.h). */
		c = data_race(mmapdemo_crc32c_update(c, p, n));
		p += n;
		length -= n;
		cond_resched();
	}
	*crc = ~c;
	return 0;
}
EXPORT_SYMBOL_MMAPDEMO_KUNIT(mmapdemo_buf_checksum);
