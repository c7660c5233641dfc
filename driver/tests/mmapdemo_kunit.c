// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the mmapdemo driver's internals. Built as a separate
 * module, mmapdemo_kunit.ko: on 6.1 the suites of a module run before
 * that module's own init, so they live apart from the driver and call
 * what it exports to the MMAPDEMO_KUNIT namespace. Load mmapdemo.ko
 * first.
 *
 * Tables are walked inside one case each (not parameterised cases): the
 * debugfs log of a case is capped at 512 bytes on 6.1, and a result line
 * past the cap would be lost.
 */
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/limits.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "../compat.h"
#include "../device.h"
#include "../dmabuf.h"
#include "../huge.h"
#include "../ioctl.h"
#include "../mmap.h"
#include "../ring.h"

/* The suite mmapdemo_<id>, which runs <id>_cases[]. */
#define MMAPDEMO_SUITE(id) \
	{ .name = "mmapdemo_" #id, .test_cases = id##_cases }

/*
 * mmapdemo_range_ok() in bytes and mmapdemo_pgrange_ok() in pages (what
 * mmap() checks), with the overflow edges.
 */
static void range_ok_table(struct kunit *test)
{
	enum { BYTES, PAGES };
	static const struct {
		int unit;
		u64 size, offset, length;
		bool ok;
	} cases[] = {
		{ BYTES, 4096, 0, 4096, true },
		{ BYTES, 4096, 0, 0, true },		/* empty range */
		{ BYTES, 4096, 4096, 0, true },		/* empty, at the end */
		{ BYTES, 4096, 4095, 1, true },
		{ BYTES, 4096, 4095, 2, false },
		{ BYTES, 4096, 4097, 0, false },
		{ BYTES, 4096, 0, 4097, false },
		{ BYTES, 4096, 8, U64_MAX - 4, false },	/* offset + length wraps */
		{ BYTES, 4096, U64_MAX, 1, false },
		{ BYTES, 4096, U64_MAX, U64_MAX, false },
		{ BYTES, U64_MAX, U64_MAX, 0, true },
		{ BYTES, U64_MAX, 1, U64_MAX, false },
		{ BYTES, 0, 0, 0, true },
		{ BYTES, 0, 0, 1, false },
		{ PAGES, 1024, 0, 1024, true },
		{ PAGES, 1024, 1023, 1, true },
		{ PAGES, 1024, 1023, 2, false },
		{ PAGES, 1024, 1024, 1, false },
		{ PAGES, 1024, 0, 0, false },		/* VMAs are never empty */
		{ PAGES, 1024, 0, 1025, false },
		{ PAGES, 1024, ULONG_MAX, 2, false },	/* pgoff + count wraps */
		{ PAGES, 1024, 2, ULONG_MAX - 1, false },
		{ PAGES, 1024, 1UL << 52, 1, false },	/* byte offset wraps */
		{ PAGES, 1024, 1UL << 32, 1, false },	/* wraps in 32 bits */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 size = cases[i].size, off = cases[i].offset;
		u64 len = cases[i].length;
		bool ok;

		if (cases[i].unit == PAGES)
			ok = mmapdemo_pgrange_ok(size, off, len);
		else
			ok = mmapdemo_range_ok(size, off, len);

		KUNIT_EXPECT_EQ_MSG(test, ok, cases[i].ok, "case %zu", i);
	}
}

/* mmapdemo_kstrtosize() and mmapdemo_size_valid(): the size= parameter. */
static void size_parse_table(struct kunit *test)
{
	static const struct {
		const char *s;
		int ret;
		u64 bytes;
	} cases[] = {
		{ "4096", 0, 4096 },
		{ "4096\n", 0, 4096 },
		{ "64K", 0, 64 << 10 },
		{ "64k", 0, 64 << 10 },
		{ "4M\n", 0, 4 << 20 },
		{ "1G", 0, 1ULL << 30 },
		{ "0", 0, 0 },
		{ "", -EINVAL, 0 },
		{ "\n", -EINVAL, 0 },
		{ "K", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+4", -EINVAL, 0 },
		{ "4X", -EINVAL, 0 },
		{ "4 M", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
		{ "18446744073709551615", 0, U64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "17179869184G", -ERANGE, 0 },	/* 2^34 G overflows */
		{ "123456789012345678901234567890", -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 bytes = 0;
		int ret = mmapdemo_kstrtosize(cases[i].s, &bytes);

		KUNIT_EXPECT_EQ_MSG(test, ret, cases[i].ret, "case %zu", i);
		if (!ret)
			KUNIT_EXPECT_EQ_MSG(test, bytes, cases[i].bytes,
					    "case %zu", i);
	}
}

static void size_valid_rounds(struct kunit *test)
{
	u64 r = 0;

	KUNIT_EXPECT_EQ(test, mmapdemo_size_valid(0, &r), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmapdemo_size_valid(1, &r), 0);
	KUNIT_EXPECT_EQ(test, r, (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mmapdemo_size_valid(PAGE_SIZE + 1, &r), 0);
	KUNIT_EXPECT_EQ(test, r, (u64)2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mmapdemo_size_valid(U64_MAX, &r), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmapdemo_size_valid(1ULL << 40, &r), -EINVAL);
}

static struct kunit_case validate_cases[] = {
	KUNIT_CASE(range_ok_table),
	KUNIT_CASE(size_parse_table),
	KUNIT_CASE(size_valid_rounds),
	{}
};

static struct kunit_suite validate_suite = MMAPDEMO_SUITE(validate);

/*
 * Every page distinct, zeroed, with a refcount of one (its own, or its
 * PMD-order folio's where huge.c maps folios); vmap() is them.
 */
static void check_buffer(struct kunit *test, struct mmapdemo_buf *buf,
			 unsigned long nr_pages)
{
	unsigned long i, runs = 0;
	u8 *p = buf->vaddr;

	KUNIT_ASSERT_EQ(test, buf->nr_pages, nr_pages);
	KUNIT_ASSERT_EQ(test, (u64)buf->size, (u64)nr_pages << PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, kref_read(&buf->ref), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->nr_vmas), 0);
	KUNIT_EXPECT_GE(test, buf->nr_chunks, 1U);
	KUNIT_EXPECT_LE(test, (unsigned long)buf->nr_chunks, nr_pages);
	for (i = 0; i < nr_pages; i++) {
		struct page *page = mmapdemo_buf_page(buf, i);

		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_EXPECT_EQ(test, page_count(page), 1);
		/* Folios exactly for the 2 MiB blocks, where folios are used. */
		KUNIT_EXPECT_EQ(test, PageCompound(page),
				mmapdemo_huge_folios() &&
				mmapdemo_huge_block(buf, i & ~(MMAPDEMO_HUGE_PAGES - 1)));
		KUNIT_EXPECT_EQ(test, p[i * PAGE_SIZE], (u8)0);
		KUNIT_EXPECT_EQ(test, p[i * PAGE_SIZE + PAGE_SIZE - 1], (u8)0);
		/* The kernel view and the page are the same memory. */
		p[i * PAGE_SIZE + 7] = (u8)i;
		KUNIT_EXPECT_EQ(test, ((u8 *)page_address(page))[7], (u8)i);
	}
	KUNIT_EXPECT_NULL(test, mmapdemo_buf_page(buf, nr_pages));
	KUNIT_EXPECT_NULL(test, mmapdemo_buf_page(buf, ULONG_MAX));

	/* Runs cover the buffer exactly and are physically contiguous. */
	for (i = 0; i < nr_pages; runs++) {
		unsigned long n = mmapdemo_buf_run(buf, i, ULONG_MAX), j;

		KUNIT_ASSERT_GE(test, n, 1UL);
		KUNIT_ASSERT_LE(test, n, nr_pages - i);
		for (j = 1; j < n; j++)
			KUNIT_EXPECT_EQ(test,
					page_to_pfn(buf->pages[i + j]),
					page_to_pfn(buf->pages[i]) + j);
		i += n;
	}
	KUNIT_EXPECT_LE(test, runs, (unsigned long)buf->nr_chunks);

	/* A block huge.c may map with a PMD is 2 MiB, contiguous, aligned. */
	for (i = 0; i < nr_pages; i += MMAPDEMO_HUGE_PAGES) {
		if (!mmapdemo_huge_block(buf, i))
			continue;
		KUNIT_EXPECT_EQ(test, mmapdemo_buf_run(buf, i, ULONG_MAX) >=
				MMAPDEMO_HUGE_PAGES, true);
		KUNIT_EXPECT_EQ(test, page_to_pfn(buf->pages[i]) %
				MMAPDEMO_HUGE_PAGES, 0UL);
	}
	KUNIT_EXPECT_FALSE(test, mmapdemo_huge_block(buf, 1));
	KUNIT_EXPECT_FALSE(test, mmapdemo_huge_block(buf, nr_pages));
	KUNIT_EXPECT_EQ(test, mmapdemo_buf_run(buf, nr_pages, 1), 0UL);
	KUNIT_EXPECT_EQ(test, mmapdemo_buf_run(buf, 0, 0), 0UL);
}

static void buf_alloc_sizes_and_orders(struct kunit *test)
{
	static const unsigned long sizes[] = { 1, 2, 3, 17, 512, 513, 1000 };
	static const unsigned int orders[] = { 0, 1, 3, MMAPDEMO_BUF_MAX_ORDER };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(orders); j++) {
			struct mmapdemo_buf *buf;

			buf = mmapdemo_buf_alloc(sizes[i] << PAGE_SHIFT,
						 orders[j]);
			KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(buf),
					       "%lu pages, order %u", sizes[i],
					       orders[j]);
			check_buffer(test, buf, sizes[i]);
			/* Order 0 means one block per page. */
			if (!orders[j])
				KUNIT_EXPECT_EQ(test,
						(unsigned long)buf->nr_chunks,
						sizes[i]);
			mmapdemo_buf_put(buf);
		}
	}
}

static void buf_alloc_rejects_bad_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, PTR_ERR(mmapdemo_buf_alloc(0, 0)), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mmapdemo_buf_alloc(PAGE_SIZE + 1, 0)),
			(long)-EINVAL);
}

static void buf_refcount_lifetime(struct kunit *test)
{
	struct mmapdemo_buf *buf = mmapdemo_buf_alloc(4 * PAGE_SIZE, 2);

	KUNIT_ASSERT_FALSE(test, IS_ERR(buf));
	mmapdemo_buf_get(buf);
	mmapdemo_buf_get(buf);
	KUNIT_EXPECT_EQ(test, kref_read(&buf->ref), 3U);
	mmapdemo_buf_put(buf);
	mmapdemo_buf_put(buf);
	KUNIT_EXPECT_EQ(test, kref_read(&buf->ref), 1U);
	/* Still fully usable with the last reference. */
	memset(buf->vaddr, 0x5a, buf->size);
	mmapdemo_buf_put(buf);
	mmapdemo_buf_put(NULL);
}

static struct kunit_case buffer_cases[] = {
	KUNIT_CASE(buf_alloc_sizes_and_orders),
	KUNIT_CASE(buf_alloc_rejects_bad_sizes),
	KUNIT_CASE(buf_refcount_lifetime),
	{}
};

static struct kunit_suite buffer_suite = MMAPDEMO_SUITE(buffer);

/*
 * A VMA reaches its device's counters through its file, as mmap() leaves
 * it: the file of a fresh device, freed with the test.
 */
static struct file *fake_file(struct kunit *test, struct mmapdemo_dev **dev)
{
	struct {
		struct mmapdemo_dev dev;
		struct mmapdemo_file f;
		struct file file;
	} *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->f.dev = &m->dev;
	m->file.private_data = &m->f;
	*dev = &m->dev;
	return &m->file;
}

/*
 * The fault handler, called with a synthetic VMA and a fresh vm_fault: a
 * write to a MAP_PRIVATE mapping, which the core finishes (it copies the
 * page), so the handler hands the page back in vmf->page.
 */
static vm_fault_t call_fault(struct vm_area_struct *vma, pgoff_t pgoff,
			     struct page **page)
{
	struct vm_fault vmf = {
		.vma = vma, .pgoff = pgoff, .flags = FAULT_FLAG_WRITE,
	};
	vm_fault_t ret = mmapdemo_vm_fault(&vmf);

	*page = vmf.page;
	return ret;
}

/*
 * Page offsets from @base on (0: the data region, MMAPDEMO_RING_PGOFF:
 * the ring region) fault in @buf's pages from page 0 on; only the data
 * region counts in the device's counters.
 */
static void fault_pages_from(struct kunit *test, pgoff_t base)
{
	struct mmapdemo_buf *buf = mmapdemo_buf_alloc(8 * PAGE_SIZE, 1);
	struct vm_area_struct vma = { .vm_pgoff = base };
	struct mmapdemo_dev *dev;
	unsigned long i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(buf));
	vma.vm_private_data = buf;
	vma.vm_file = fake_file(test, &dev);
	for (i = 0; i < 8; i++) {
		struct page *page = NULL;

		KUNIT_EXPECT_EQ(test, call_fault(&vma, base + i, &page),
				(vm_fault_t)0);
		KUNIT_EXPECT_PTR_EQ(test, page, buf->pages[i]);
		/* The core VM owns one reference per fault. */
		KUNIT_EXPECT_EQ(test, page_count(buf->pages[i]), 2);
		if (page)
			put_page(page);
	}
	KUNIT_EXPECT_EQ(test, mmapdemo_stat(dev, MD_STAT_FAULTS),
			base ? 0ULL : 8ULL);
	KUNIT_EXPECT_EQ(test, mmapdemo_stat(dev, MD_STAT_FAULT_PAGES),
			base ? 0ULL : 8ULL);
	mmapdemo_buf_put(buf);
}

static void fault_returns_the_right_page(struct kunit *test)
{
	fault_pages_from(test, 0);
}

static void fault_in_the_ring_region(struct kunit *test)
{
	fault_pages_from(test, MMAPDEMO_RING_PGOFF);
}

static void fault_out_of_range_sigbus(struct kunit *test)
{
	struct mmapdemo_buf *buf = mmapdemo_buf_alloc(2 * PAGE_SIZE, 0);
	static const pgoff_t bad[] = { 2, 3, 1UL << 32, ULONG_MAX };
	struct vm_area_struct vma = {};
	struct mmapdemo_dev *dev;
	size_t i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(buf));
	vma.vm_private_data = buf;
	vma.vm_file = fake_file(test, &dev);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct page *page = NULL;

		KUNIT_EXPECT_EQ(test, call_fault(&vma, bad[i], &page),
				(__force vm_fault_t)VM_FAULT_SIGBUS);
		KUNIT_EXPECT_NULL(test, page);
	}
	KUNIT_EXPECT_EQ(test, page_count(buf->pages[0]), 1);
	KUNIT_EXPECT_EQ(test, page_count(buf->pages[1]), 1);
	KUNIT_EXPECT_EQ(test, mmapdemo_stat(dev, MD_STAT_FAULTS), 0ULL);
	mmapdemo_buf_put(buf);
}

/* vm_ops->access for remap mode: what ptrace and /proc/PID/mem use. */
static void access_bounds_and_permissions(struct kunit *test)
{
	struct mmapdemo_buf *buf = mmapdemo_buf_alloc(4 * PAGE_SIZE, 2);
	const unsigned long start = 0x10000000UL;
	struct vm_area_struct ro = {
		.vm_start = start,
		.vm_end = start + 2 * PAGE_SIZE,
		.vm_pgoff = 2,		/* maps pages 2 and 3 */
		.vm_flags = VM_READ | VM_SHARED,
	};
	struct vm_area_struct rw = {
		.vm_start = start,
		.vm_end = start + 2 * PAGE_SIZE,
		.vm_pgoff = 2,
		.vm_flags = VM_READ | VM_WRITE | VM_SHARED,
	};
	u8 data[16];

	KUNIT_ASSERT_FALSE(test, IS_ERR(buf));
	ro.vm_private_data = buf;
	rw.vm_private_data = buf;
	KUNIT_ASSERT_EQ(test, mmapdemo_buf_fill(buf, 0, buf->size, 77), 0);

	KUNIT_EXPECT_EQ(test, mmapdemo_vm_access(&ro, start + 5, data, 16, 0),
			16);
	KUNIT_EXPECT_EQ(test, data[0],
			mmapdemo_pattern_byte(77, 2 * PAGE_SIZE + 5));
	/* Clamped at the end of the VMA, which is the end of the buffer. */
	KUNIT_EXPECT_EQ(test, mmapdemo_vm_access(&ro, ro.vm_end - 4, data, 16,
						 0), 4);
	KUNIT_EXPECT_EQ(test, mmapdemo_vm_access(&ro, ro.vm_end, data, 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mmapdemo_vm_access(&ro, start - 1, data, 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mmapdemo_vm_access(&ro, start, data, -1, 0),
			-EINVAL);
	/* Writes only through a writable mapping. */
	KUNIT_EXPECT_EQ(test, mmapdemo_vm_access(&ro, start, data, 1, 1),
			-EFAULT);
	data[0] = 0xab;
	KUNIT_EXPECT_EQ(test, mmapdemo_vm_access(&rw, start + 1, data, 1, 1),
			1);
	KUNIT_EXPECT_EQ(test, ((u8 *)buf->vaddr)[2 * PAGE_SIZE + 1], (u8)0xab);
	mmapdemo_buf_put(buf);
}

/* Fault-around: which pages one fault maps. */
static void fault_window_bounds(struct kunit *test)
{
	const unsigned long base = 0x40000000UL;	/* window aligned */
	struct mmapdemo_fault_range w;
	struct vm_area_struct vma = {
		.vm_start = base,
		.vm_end = base + 64 * PAGE_SIZE,
		.vm_pgoff = 3,
	};

	/* The aligned 16-page window around page 20 of the VMA. */
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, base + 20 * PAGE_SIZE,
						    23, 1000, 16, &w), 16UL);
	KUNIT_EXPECT_EQ(test, w.addr, base + 16 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, w.pgoff, 19UL);
	KUNIT_EXPECT_EQ(test, w.before, 4UL);
	/* An unaligned address in the page counts as the page. */
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, base + 20 * PAGE_SIZE
						    + 9, 23, 1000, 16, &w),
			16UL);
	KUNIT_EXPECT_EQ(test, w.before, 4UL);
	/* Cut at the end of the buffer: pages 23..25 exist, 26.. do not. */
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, base + 20 * PAGE_SIZE,
						    23, 26, 16, &w), 7UL);
	KUNIT_EXPECT_EQ(test, w.addr + w.nr * PAGE_SIZE,
			base + 23 * PAGE_SIZE);
	/* Cut at the start and the end of the VMA. */
	vma.vm_start = base + 2 * PAGE_SIZE;
	vma.vm_end = base + 5 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, base + 3 * PAGE_SIZE,
						    4, 1000, 16, &w), 3UL);
	KUNIT_EXPECT_EQ(test, w.addr, base + 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, w.pgoff, 3UL);
	KUNIT_EXPECT_EQ(test, w.before, 1UL);
	/* Window 1 (off), 0, and sizes that are not powers of two. */
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, base + 3 * PAGE_SIZE,
						    4, 1000, 1, &w), 1UL);
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, base + 3 * PAGE_SIZE,
						    4, 1000, 0, &w), 1UL);
	vma.vm_start = base;
	vma.vm_end = base + 64 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, base + 20 * PAGE_SIZE,
						    23, 1000, 24, &w), 16UL);
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, base,
						    3, 1000, ULONG_MAX, &w),
			64UL);
	/* Outside the VMA or the buffer: nothing. */
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, base - PAGE_SIZE,
						    2, 1000, 16, &w), 0UL);
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, vma.vm_end,
						    67, 1000, 16, &w), 0UL);
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, base, 3, 3, 16, &w),
			0UL);
	KUNIT_EXPECT_EQ(test, w.nr, 0UL);
	/* The synthetic VMA of the fault tests above: empty. */
	vma.vm_start = 0;
	vma.vm_end = 0;
	KUNIT_EXPECT_EQ(test, mmapdemo_fault_window(&vma, 0, 0, 8, 16, &w),
			0UL);
}

static struct kunit_case mmap_cases[] = {
	KUNIT_CASE(fault_returns_the_right_page),
	KUNIT_CASE(fault_in_the_ring_region),
	KUNIT_CASE(fault_window_bounds),
	KUNIT_CASE(fault_out_of_range_sigbus),
	KUNIT_CASE(access_bounds_and_permissions),
	{}
};

static struct kunit_suite mmap_suite = MMAPDEMO_SUITE(mmap);

/* FILL and CHECKSUM: the kernel's two directions. */
static void fill_matches_pattern(struct kunit *test)
{
	struct mmapdemo_buf *buf = mmapdemo_buf_alloc(3 * PAGE_SIZE, 0);
	static const struct { u64 off, len; } r[] = {
		{ 0, 1 }, { 3, 5 }, { 5, 20 }, { 7, 8 }, { 8, 8 },
		{ PAGE_SIZE - 3, 7 }, { 100, 2 * PAGE_SIZE + 13 },
	};
	u8 *p;
	size_t i;
	u64 o;

	KUNIT_ASSERT_FALSE(test, IS_ERR(buf));
	p = buf->vaddr;
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		memset(p, 0xee, buf->size);
		KUNIT_EXPECT_EQ(test, mmapdemo_buf_fill(buf, r[i].off, r[i].len,
							(u32)i), 0);
		for (o = 0; o < buf->size; o++) {
			bool in = o >= r[i].off && o < r[i].off + r[i].len;
			u8 want = in ? mmapdemo_pattern_byte((u32)i, o) : 0xee;

			if (p[o] != want) {
				KUNIT_FAIL(test, "range %zu: byte %llu is %02x, want %02x",
					   i, o, p[o], want);
				break;
			}
		}
	}
	mmapdemo_buf_put(buf);
}

static u32 checksum(struct kunit *test, struct mmapdemo_buf *buf, u64 offset,
		    u64 length)
{
	u32 crc = 0;

	KUNIT_EXPECT_EQ(test, mmapdemo_buf_checksum(buf, offset, length, &crc),
			0);
	return crc;
}

static void checksum_known_vectors(struct kunit *test)
{
	struct mmapdemo_buf *buf = mmapdemo_buf_alloc(2 * PAGE_SIZE, 0);
	u8 *p;

	KUNIT_ASSERT_FALSE(test, IS_ERR(buf));
	p = buf->vaddr;
	memcpy(p + PAGE_SIZE - 4, "123456789", 9);	/* across two pages */
	KUNIT_EXPECT_EQ(test, checksum(test, buf, PAGE_SIZE - 4, 9),
			0xe3069283U);
	KUNIT_EXPECT_EQ(test, checksum(test, buf, 0, 0), 0U);
	memset(p, 0, 32);
	KUNIT_EXPECT_EQ(test, checksum(test, buf, 0, 32), 0x8a9136aaU);
	mmapdemo_buf_put(buf);
}

/* Ranges outside the buffer: -EINVAL, and not a byte written. */
static void fill_checksum_out_of_range(struct kunit *test)
{
	struct mmapdemo_buf *buf = mmapdemo_buf_alloc(PAGE_SIZE, 0);
	static const struct { u64 off, len; } bad[] = {
		{ 0, PAGE_SIZE + 1 }, { PAGE_SIZE, 1 }, { PAGE_SIZE + 1, 0 },
		{ 8, U64_MAX - 4 }, { U64_MAX, 1 },
	};
	u32 crc = 1;
	size_t i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(buf));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, mmapdemo_buf_fill(buf, bad[i].off,
							    bad[i].len, 1),
				    -EINVAL, "range %zu", i);
		KUNIT_EXPECT_EQ_MSG(test,
				    mmapdemo_buf_checksum(buf, bad[i].off,
							  bad[i].len, &crc),
				    -EINVAL, "range %zu", i);
	}
	KUNIT_EXPECT_EQ(test, crc, 1U);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(buf->vaddr, 0, buf->size));
	mmapdemo_buf_put(buf);
}

static void set_mode_rules(struct kunit *test)
{
	struct mmapdemo_file f = { .map_mode = MMAPDEMO_MODE_FAULT };

	spin_lock_init(&f.lock);
	KUNIT_EXPECT_EQ(test, mmapdemo_file_set_mode(&f, MMAPDEMO_MODE_REMAP), 0);
	KUNIT_EXPECT_EQ(test, f.map_mode, (u32)MMAPDEMO_MODE_REMAP);
	KUNIT_EXPECT_EQ(test, mmapdemo_file_set_mode(&f, MMAPDEMO_MODE_COUNT),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mmapdemo_file_set_mode(&f, U32_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, f.map_mode, (u32)MMAPDEMO_MODE_REMAP);
	f.mapped = true;
	KUNIT_EXPECT_EQ(test, mmapdemo_file_set_mode(&f, MMAPDEMO_MODE_FAULT),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, f.map_mode, (u32)MMAPDEMO_MODE_REMAP);
}

static struct kunit_case ioctl_cases[] = {
	KUNIT_CASE(fill_matches_pattern),
	KUNIT_CASE(checksum_known_vectors),
	KUNIT_CASE(fill_checksum_out_of_range),
	KUNIT_CASE(set_mode_rules),
	{}
};

static struct kunit_suite ioctl_suite = MMAPDEMO_SUITE(ioctl);

#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
/*
 * The dma-buf exporter (dmabuf.c) with this suite as the importer: a
 * platform device attaches and maps (DMA_API_DEBUG checks the mappings
 * on the debug kernels), a kernel mapping, CPU access, and the release
 * and error paths. The device under test is an unregistered one of its
 * own (index 15), so the counters start at zero.
 */
struct dmabuf_fixture {
	struct mmapdemo_dev *dev;
	struct platform_device *pdev;
};

static void dmabuf_setup(struct kunit *test, struct dmabuf_fixture *fx)
{
	fx->dev = mmapdemo_dev_alloc(15, SZ_4M, MMAPDEMO_MODE_FAULT);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->dev));
	fx->pdev = platform_device_register_simple("mmapdemo-kunit",
						   PLATFORM_DEVID_AUTO, NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->pdev));
	/* Small segments, so a contiguous run must be cut (dmabuf.c). */
	dma_set_max_seg_size(&fx->pdev->dev, SZ_16K);
}

static void dmabuf_teardown(struct dmabuf_fixture *fx)
{
	platform_device_unregister(fx->pdev);
	mmapdemo_dev_free(fx->dev);
}

/*
 * dma_buf_put() of the last reference: fput() from a kernel thread (the
 * KUnit case) releases the file from a workqueue, so wait for it.
 */
static void dmabuf_put_sync(struct dma_buf *dmabuf)
{
	dma_buf_put(dmabuf);
	flush_delayed_fput();
}

static u64 dstat(struct dmabuf_fixture *fx, enum mmapdemo_stat id)
{
	return mmapdemo_stat(fx->dev, id);
}

/* Bad ranges, modes and access modes: -EINVAL, nothing held. */
static void dmabuf_export_bad_args(struct kunit *test)
{
	static const struct { u64 off, size; u32 mode; int acc; } bad[] = {
		{ 0, 0, 0, O_RDWR },
		{ 1, PAGE_SIZE, 0, O_RDWR },
		{ 0, PAGE_SIZE + 1, 0, O_RDWR },
		{ 0, SZ_4M + PAGE_SIZE, 0, O_RDWR },
		{ SZ_4M, PAGE_SIZE, 0, O_RDWR },
		{ PAGE_SIZE, U64_MAX & PAGE_MASK, 0, O_RDWR },	/* wraps */
		{ U64_MAX & PAGE_MASK, PAGE_SIZE, 0, O_RDWR },
		{ 0, PAGE_SIZE, MMAPDEMO_MODE_COUNT, O_RDWR },
		{ 0, PAGE_SIZE, 0, O_ACCMODE },
		{ 0, PAGE_SIZE, 0, O_RDWR | O_CLOEXEC },
	};
	struct dmabuf_fixture fx;
	size_t i;

	dmabuf_setup(test, &fx);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    PTR_ERR(mmapdemo_dmabuf_export(fx.dev, bad[i].off,
								   bad[i].size,
								   bad[i].mode,
								   bad[i].acc)),
				    (long)-EINVAL, "case %zu", i);
	KUNIT_EXPECT_FALSE(test, mmapdemo_buf_busy(fx.dev->buf));
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_EXPORTS), 0ULL);
	dmabuf_teardown(&fx);
}

/*
 * attach, map (segments no longer than the device's limit, covering the
 * export's pages in order), CPU access, unmap, detach, release.
 */
static void dmabuf_attach_map_detach(struct kunit *test)
{
	u64 off = 3 * PAGE_SIZE, size = SZ_2M;
	struct dma_buf_attachment *attach;
	struct dmabuf_fixture fx;
	struct scatterlist *sg;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	u64 total = 0;
	unsigned int i;

	dmabuf_setup(test, &fx);
	dmabuf = mmapdemo_dmabuf_export(fx.dev, off, size,
					MMAPDEMO_MODE_FAULT, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));
	KUNIT_EXPECT_EQ(test, dmabuf->size, (size_t)size);
	KUNIT_EXPECT_TRUE(test, mmapdemo_buf_busy(fx.dev->buf));
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_LIVE), 1ULL);

	attach = dma_buf_attach(dmabuf, &fx.pdev->dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(attach));
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_ATTACHED), 1ULL);
	/* The core wants the reservation lock around a map (6.2 on). */
	dma_resv_lock(dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_MAPPED), 1ULL);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		/* dma-direct without an IOMMU: bus address == physical. */
		struct page *want = fx.dev->buf->pages[(off + total) >> PAGE_SHIFT];

		KUNIT_EXPECT_LE(test, sg_dma_len(sg), (unsigned int)SZ_16K);
		KUNIT_EXPECT_EQ(test, (u64)sg_dma_address(sg),
				(u64)page_to_phys(want));
		total += sg_dma_len(sg);
	}
	KUNIT_EXPECT_EQ(test, total, size);
	KUNIT_EXPECT_GE(test, sgt->nents, (unsigned int)(size / SZ_16K));

	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);

	dma_resv_lock(dmabuf->resv, NULL);
	dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_MAPPED), 0ULL);
	dma_buf_detach(dmabuf, attach);
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_ATTACHED), 0ULL);

	dmabuf_put_sync(dmabuf);
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_LIVE), 0ULL);
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_RELEASES), 1ULL);
	KUNIT_EXPECT_FALSE(test, mmapdemo_buf_busy(fx.dev->buf));
	dmabuf_teardown(&fx);
}

/* vmap is the buffer's own kernel view at the export's offset. */
static void dmabuf_vmap_is_the_buffer(struct kunit *test)
{
	struct dmabuf_fixture fx;
	struct dma_buf *dmabuf;
	u8 *vaddr;

	dmabuf_setup(test, &fx);
	dmabuf = mmapdemo_dmabuf_export(fx.dev, 5 * PAGE_SIZE, 2 * PAGE_SIZE,
					MMAPDEMO_MODE_REMAP, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));
	vaddr = mmapdemo_dma_buf_vmap(dmabuf);
	KUNIT_ASSERT_NOT_NULL(test, vaddr);
	KUNIT_EXPECT_PTR_EQ(test, (void *)vaddr,
			    (void *)((u8 *)fx.dev->buf->vaddr + 5 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_VMAPPED), 1ULL);
	vaddr[2 * PAGE_SIZE - 1] = 0x25;
	KUNIT_EXPECT_EQ(test, ((u8 *)fx.dev->buf->vaddr)[7 * PAGE_SIZE - 1],
			(u8)0x25);
	mmapdemo_dma_buf_vunmap(dmabuf, vaddr);
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_VMAPPED), 0ULL);
	dmabuf_put_sync(dmabuf);
	dmabuf_teardown(&fx);
}

/* A dma-buf's size is fixed: no resize while one lives. */
static void dmabuf_resize_busy(struct kunit *test)
{
	struct dmabuf_fixture fx;
	struct dma_buf *dmabuf;

	dmabuf_setup(test, &fx);
	dmabuf = mmapdemo_dmabuf_export(fx.dev, 0, PAGE_SIZE,
					MMAPDEMO_MODE_FAULT, O_RDONLY);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));
	KUNIT_EXPECT_EQ(test, mmapdemo_dev_resize(fx.dev, SZ_8M), -EBUSY);
	dmabuf_put_sync(dmabuf);
	KUNIT_EXPECT_EQ(test, mmapdemo_dev_resize(fx.dev, SZ_8M), 0);
	dmabuf_teardown(&fx);
}

/* The fault handler checks the page offset against the export. */
static void dmabuf_fault_out_of_range_sigbus(struct kunit *test)
{
	static const pgoff_t bad[] = { 2, 3, 1UL << 32, ULONG_MAX };
	struct vm_area_struct vma = {};
	struct dmabuf_fixture fx;
	struct dma_buf *dmabuf;
	size_t i;

	dmabuf_setup(test, &fx);
	dmabuf = mmapdemo_dmabuf_export(fx.dev, SZ_1M, 2 * PAGE_SIZE,
					MMAPDEMO_MODE_FAULT, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));
	vma.vm_private_data = dmabuf->priv;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct vm_fault vmf = { .vma = &vma, .pgoff = bad[i] };

		KUNIT_EXPECT_EQ(test, mmapdemo_dmabuf_fault(&vmf),
				(__force vm_fault_t)VM_FAULT_SIGBUS);
	}
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_FAULTS), 0ULL);
	dmabuf_put_sync(dmabuf);
	dmabuf_teardown(&fx);
}

/*
 * Two importers and two exports of overlapping ranges at once; each
 * export's release is independent, the buffer stays busy until the last.
 */
static void dmabuf_two_exports(struct kunit *test)
{
	struct dma_buf_attachment *a[2];
	struct dmabuf_fixture fx;
	struct dma_buf *d[2];
	int i;

	dmabuf_setup(test, &fx);
	for (i = 0; i < 2; i++) {
		d[i] = mmapdemo_dmabuf_export(fx.dev, i * SZ_1M, SZ_2M,
					      MMAPDEMO_MODE_FAULT, O_RDWR);
		KUNIT_ASSERT_FALSE(test, IS_ERR(d[i]));
		a[i] = dma_buf_attach(d[i], &fx.pdev->dev);
		KUNIT_ASSERT_FALSE(test, IS_ERR(a[i]));
	}
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_ATTACHED), 2ULL);
	dma_buf_detach(d[0], a[0]);
	dmabuf_put_sync(d[0]);
	KUNIT_EXPECT_TRUE(test, mmapdemo_buf_busy(fx.dev->buf));
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_LIVE), 1ULL);
	dma_buf_detach(d[1], a[1]);
	dmabuf_put_sync(d[1]);
	KUNIT_EXPECT_FALSE(test, mmapdemo_buf_busy(fx.dev->buf));
	KUNIT_EXPECT_EQ(test, dstat(&fx, MD_STAT_DMABUF_RELEASES), 2ULL);
	dmabuf_teardown(&fx);
}

static struct kunit_case dmabuf_cases[] = {
	KUNIT_CASE(dmabuf_export_bad_args),
	KUNIT_CASE(dmabuf_attach_map_detach),
	KUNIT_CASE(dmabuf_vmap_is_the_buffer),
	KUNIT_CASE(dmabuf_resize_busy),
	KUNIT_CASE(dmabuf_fault_out_of_range_sigbus),
	KUNIT_CASE(dmabuf_two_exports),
	{}
};

static struct kunit_suite dmabuf_suite = MMAPDEMO_SUITE(dmabuf);

kunit_test_suites(&validate_suite, &buffer_suite, &mmap_suite, &ioctl_suite,
		  &dmabuf_suite);
MMAPDEMO_IMPORT_DMA_BUF_NS();
#else
kunit_test_suites(&validate_suite, &buffer_suite, &mmap_suite, &ioctl_suite);
#endif

MODULE_DESCRIPTION("KUnit tests for the mmapdemo driver");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(MMAPDEMO_KUNIT_NS);
