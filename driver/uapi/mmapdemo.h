/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmapdemo: the ABI between the mmapdemo driver and user space.
 *
 * /dev/mmapdemo is one shared buffer of INFO.size bytes. It can be used
 * like a fixed-size file (read/write/lseek) and mapped with mmap():
 *
 *   offset  must be page aligned; offset + length must lie inside the
 *           buffer, else mmap() fails with EINVAL (checked without
 *           integer overflow; the core VM returns EOVERFLOW first for
 *           offsets whose end would wrap).
 *   flags   MAP_SHARED in both modes; MAP_PRIVATE only in the fault mode
 *           (copy-on-write), EINVAL in the remap mode.
 *   prot    PROT_WRITE with MAP_SHARED needs a fd opened for writing
 *           (EACCES otherwise, also for a later mprotect()).
 *   growth  mremap() cannot grow a mapping (the VMA is VM_DONTEXPAND).
 *
 * The size of every ioctl argument is encoded in the ioctl number: a
 * caller built against a different layout gets ENOTTY, never a misread
 * struct. Reserved fields and flags must be zero (EINVAL). Ranges
 * (offset, length) must lie inside the buffer, are validated without
 * overflow (EINVAL otherwise) and may be empty. A bad pointer gives
 * EFAULT, an unknown ioctl ENOTTY. FILL writes the buffer and so needs a
 * file opened for writing (EBADF otherwise), like write().
 *
 * read()/write() (and readv/writev/pread/pwrite) treat the buffer as a
 * fixed-size file: a negative position is EINVAL, reads at or past the
 * end return 0, writes there fail with ENOSPC. A user buffer that faults
 * part way moves and counts the bytes before the fault and leaves the
 * rest of the device buffer as it was; EFAULT if not one byte moved.
 *
 * Nothing locks the buffer's bytes: mappings, read()/write(), FILL,
 * CHECKSUM and ring operations on the same bytes at the same time are
 * allowed, and each then sees some mix of old and new bytes, as with any
 * shared memory. Order them yourself (the ring protocol below does).
 *
 * No kernel types here: this header is included by user space as is.
 */
#ifndef _UAPI_LINUX_MMAPDEMO_H
#define _UAPI_LINUX_MMAPDEMO_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MMAPDEMO_ABI_VERSION	1
#define MMAPDEMO_DEVICE		"/dev/mmapdemo"
/*
 * The module parameter devices=N (1 to MMAPDEMO_MAX_DEVICES) makes N
 * devices: MMAPDEMO_DEVICE, then MMAPDEMO_DEVICE "1" ... "<N-1>", each
 * with its own buffer.
 */
#define MMAPDEMO_MAX_DEVICES	16
#define MMAPDEMO_IOC_MAGIC	0xB7

/* How a file's mmap() maps the buffer (struct mmapdemo_info.map_mode). */
enum mmapdemo_map_mode {
	/* Lazy: vm_ops->fault maps each page on first touch (real pages). */
	MMAPDEMO_MODE_FAULT = 0,
	/* Eager: remap_pfn_range() maps the whole range at mmap() time. */
	MMAPDEMO_MODE_REMAP = 1
};

struct mmapdemo_info {
	__u32 abi_version;	/* MMAPDEMO_ABI_VERSION */
	__u32 page_size;	/* kernel PAGE_SIZE */
	__u64 size;		/* buffer size in bytes, a multiple of page_size */
	__u32 map_mode;		/* this file's mode (enum mmapdemo_map_mode) */
	__u32 default_mode;	/* the device's map_mode (sysfs, parameter) */
	__u32 nr_chunks;	/* naturally aligned blocks the page allocator
				 * handed the buffer (up to 2 MiB each;
				 * neighbours may be physically adjacent)
				 */
	__u32 huge;		/* MMAPDEMO_HUGE_*: what can map 2 MiB entries */
};

/*
 * struct mmapdemo_info.huge: what this kernel and module can map with
 * 2 MiB (PMD) entries; zero where neither (and in modules older than the
 * field, where it was a reserved zero). The bits do not depend on the
 * module parameter huge (auto or never, read at each mmap()): huge
 * mappings are in effect when it is auto and the mode's bit is set, and
 * a 2 MiB-aligned, 2 MiB-long part of the buffer is one physical block.
 */
#define MMAPDEMO_HUGE_REMAP	0x1U	/* remap mode: huge PFN maps */
#define MMAPDEMO_HUGE_FAULT	0x2U	/* fault mode: folio PMDs */

/*
 * FILL: the kernel writes a pattern over [offset, offset + length).
 * The byte at buffer offset o is mmapdemo_pattern_byte(seed, o), so any
 * sub-range can be checked independently.
 */
struct mmapdemo_fill {
	__u64 offset;
	__u64 length;
	__u32 seed;
	__u32 flags;		/* zero */
};

/*
 * CHECKSUM: the kernel reads [offset, offset + length) and returns its
 * CRC32C (Castagnoli, with the usual ~0 seed and final inversion: the
 * value iSCSI and crc32c tools compute; "123456789" gives 0xe3069283).
 */
struct mmapdemo_checksum {
	__u64 offset;
	__u64 length;
	__u32 crc32c;		/* out */
	__u32 flags;		/* zero */
};

/* STATS: per-device counters since load (also in sysfs). */
struct mmapdemo_stats {
	__u64 mmaps;		/* successful mmap() calls */
	__u64 live_vmas;	/* VMAs that currently map the buffer */
	__u64 faults;		/* faults the fault handler served */
	__u64 bytes_read;	/* through read() */
	__u64 bytes_written;	/* through write() */
	__u64 fills;		/* FILL ioctls */
	__u64 checksums;	/* CHECKSUM ioctls */
	__u64 resizes;		/* buffer replaced through size (sysfs, parameter) */
	__u64 fault_pages;	/* pages those faults mapped, fault-around
				 * included
				 */
	__u64 huge_faults;	/* 2 MiB entries inserted, each by a
				 * huge_fault (never at mmap() time)
				 */
	__u64 huge_fallbacks;	/* huge_fault calls that fell back to 4 KiB */
	/* dma-buf exports (EXPORT_DMABUF): */
	__u64 dmabuf_exports;	/* made */
	__u64 dmabuf_live;	/* not yet released */
	__u64 dmabuf_attached;	/* importer attachments now */
	__u64 dmabuf_mapped;	/* sg tables mapped for importers now */
	__u64 dmabuf_vmapped;	/* exports with a kernel mapping now */
	__u64 dmabuf_releases;	/* released: no fd, mapping or importer left */
};

/*
 * struct mmapdemo_stats only grows, at its end. STATS with the size of
 * any earlier layout (from the first, 64 bytes, on, in whole counters)
 * in its number gets that many leading bytes: programs built against an
 * older header keep working.
 */
#define MMAPDEMO_STATS_SIZE_V1	64
/* 72 added fault_pages; V2 the two huge counters; V3 the dma-buf ones. */
#define MMAPDEMO_STATS_SIZE_V2	88
#define MMAPDEMO_STATS_SIZE_V3	136

/*
 * EXPORT_DMABUF: export [offset, offset + size) of the buffer as a
 * dma-buf, a file other drivers import (V4L2_MEMORY_DMABUF, DRM PRIME)
 * and processes pass around and mmap(). offset and size must be page
 * aligned and size not zero, the range inside the buffer (EINVAL);
 * flags a subset of O_CLOEXEC | O_ACCMODE, the access mode not O_ACCMODE
 * itself (EINVAL); a writable export needs a file opened for writing
 * (EBADF). The new fd comes back in fd.
 *
 * The dma-buf maps in the map mode of the exporting file (MAP_SHARED
 * only: EINVAL otherwise; it cannot grow by mremap()) and shares its
 * pages with /dev/mmapdemo and with every other export of them. While
 * any export of a buffer lives, resizing it fails with EBUSY and the
 * module cannot be unloaded: a dma-buf lives until its last fd,
 * mapping and importer are gone (/sys/kernel/debug/dma_buf/bufinfo
 * lists them). EOPNOTSUPP: a kernel without dma-buf support.
 */
struct mmapdemo_dmabuf_export {
	__u64 offset;
	__u64 size;
	__u32 flags;		/* O_CLOEXEC | O_RDONLY/O_WRONLY/O_RDWR */
	__s32 fd;		/* out */
};

#define MMAPDEMO_IOC_INFO	_IOR(MMAPDEMO_IOC_MAGIC, 0x00, struct mmapdemo_info)
/* Before this file's first mmap(); EBUSY after it. EINVAL: unknown mode. */
#define MMAPDEMO_IOC_SET_MODE	_IOW(MMAPDEMO_IOC_MAGIC, 0x01, __u32)
#define MMAPDEMO_IOC_FILL	_IOW(MMAPDEMO_IOC_MAGIC, 0x02, struct mmapdemo_fill)
#define MMAPDEMO_IOC_CHECKSUM	_IOWR(MMAPDEMO_IOC_MAGIC, 0x03, struct mmapdemo_checksum)
#define MMAPDEMO_IOC_STATS	_IOR(MMAPDEMO_IOC_MAGIC, 0x04, struct mmapdemo_stats)
#define MMAPDEMO_IOC_EXPORT_DMABUF \
	_IOWR(MMAPDEMO_IOC_MAGIC, 0x05, struct mmapdemo_dmabuf_export)

/*
 * Rings: zero-copy channels in both directions, in the style of perf's
 * ring buffer and io_uring's SQ/CQ.
 *
 * RING_SETUP gives a file a ring region: a control page, a submission
 * ring (SQ, user -> kernel) and a completion ring (CQ, kernel -> user),
 * mapped with mmap() at MMAPDEMO_RING_OFFSET + o for o in
 * [0, region_size). Offsets below MMAPDEMO_RING_OFFSET still map the data
 * buffer, which stays the bulk data area: CHECKSUM and FILL submissions
 * refer to it by offset. The region is MAP_SHARED only (EINVAL for
 * MAP_PRIVATE), maps in the file's map mode, and lives as long as the
 * file or a mapping of it. Each file has at most one ring (EBUSY).
 *
 * Each ring is single-producer/single-consumer with free-running 32-bit
 * indices: entry i lives in slot i & (entries - 1); head == tail is
 * empty, tail - head == entries is full. A side only ever writes its own
 * index and publishes it with a store-release after touching the slots;
 * the other side reads it with a load-acquire before touching them:
 *
 *   sq_tail  user    writes SQEs, then store-release sq_tail
 *                    [kernel load-acquires sq_tail, then reads SQEs]
 *   sq_head  kernel  reads SQEs, then store-release sq_head
 *                    [user load-acquires sq_head, then reuses the slots]
 *   cq_tail  kernel  writes CQEs, then store-release cq_tail
 *                    [user load-acquires cq_tail, then reads CQEs]
 *   cq_head  user    reads CQEs, then store-release cq_head
 *                    [kernel load-acquires cq_head, then reuses slots]
 *
 * The kernel trusts nothing in the region. It keeps its own copy of the
 * geometry and of the indices it owns, reads sq_tail, cq_head and each
 * SQE field once, and validates them before use. An impossible index
 * (tail - head > entries) breaks the channel: status says why, the
 * doorbell fails with EBADMSG and poll() reports EPOLLERR. A bad SQE only
 * gets a completion with res = -EINVAL. Either way the kernel never
 * reads or writes outside the region and the buffer.
 *
 * The kernel consumes submissions when the doorbell rings (after a batch
 * is published). When the CQ is full it stops and leaves the rest of the
 * SQ for the next doorbell: back-pressure, never a lost completion. The
 * producer posts MMAPDEMO_OP_RECORD completions at a fixed rate; a record
 * that finds the CQ full is dropped and counted (dropped, like perf's
 * lost records). poll() reports EPOLLIN while completions are ready,
 * EPOLLOUT while the SQ has room; an eventfd can be signalled too.
 */
#define MMAPDEMO_RING_OFFSET	0x10000000000ULL	/* 1 TiB: mmap() offset of the region */
#define MMAPDEMO_RING_MAGIC	0x676e6952	/* "Ring" */
#define MMAPDEMO_RING_MAX_ENTRIES	32768
#define MMAPDEMO_RING_MAX_RATE	10000000	/* producer records per second */
#define MMAPDEMO_RING_INLINE	32		/* bytes of data in an entry */

/* Why a channel failed (mmapdemo_ring_ctrl.status, ring stats). */
enum mmapdemo_ring_status {
	MMAPDEMO_RING_OK = 0,
	MMAPDEMO_RING_ERR_SQ_TAIL = 1,	/* sq_tail - sq_head > sq_entries */
	MMAPDEMO_RING_ERR_CQ_HEAD = 2	/* cq_tail - cq_head > cq_entries */
};

/*
 * The control page, at offset 0 of the region. Every index has its own
 * 64-byte line so the two sides do not share cache lines.
 */
struct mmapdemo_ring_ctrl {
	/* Written by the kernel at setup; the kernel never reads it. */
	__u32 magic;		/* MMAPDEMO_RING_MAGIC */
	__u32 abi_version;	/* MMAPDEMO_ABI_VERSION */
	__u32 sq_entries;	/* power of two */
	__u32 cq_entries;	/* power of two */
	__u32 sqe_size;		/* sizeof(struct mmapdemo_sqe) */
	__u32 cqe_size;		/* sizeof(struct mmapdemo_cqe) */
	__u64 sq_off;		/* SQE array, bytes from the region start */
	__u64 cq_off;		/* CQE array, bytes from the region start */
	__u64 region_size;	/* bytes to map */
	__u32 pad0[4];
	__u32 sq_head;		/* kernel: SQEs consumed */
	__u32 pad1[15];
	__u32 sq_tail;		/* user: SQEs published */
	__u32 pad2[15];
	__u32 cq_head;		/* user: CQEs consumed */
	__u32 pad3[15];
	__u32 cq_tail;		/* kernel: CQEs published */
	__u32 pad4[15];
	/* Kernel-written mirrors of the ring stats, for a glance. */
	__u32 status;		/* enum mmapdemo_ring_status */
	__u32 pad5;
	__u64 dropped;		/* producer records lost to a full CQ */
	__u64 pad6[6];
};

/* Submission opcodes; MMAPDEMO_OP_RECORD only appears in completions. */
enum mmapdemo_ring_op {
	MMAPDEMO_OP_ECHO = 1,		/* data[0, len) comes back in the CQE */
	MMAPDEMO_OP_CHECKSUM = 2,	/* CQE value = CRC32C of a buffer range */
	MMAPDEMO_OP_FILL = 3,		/* FILL pattern (seed) over a range */
	MMAPDEMO_OP_RECORD = 4		/* a record of the kernel producer */
};

/* A submission: 64 bytes. Unused fields and flags must be zero. */
struct mmapdemo_sqe {
	__u8 opcode;		/* enum mmapdemo_ring_op */
	__u8 flags;		/* zero */
	__u16 len;		/* ECHO: bytes of data, <= MMAPDEMO_RING_INLINE */
	__u32 seed;		/* FILL: pattern seed */
	__u64 user_data;	/* copied to the completion */
	__u64 offset;		/* CHECKSUM, FILL: range in the data buffer */
	__u64 length;
	__u8 data[MMAPDEMO_RING_INLINE];
};

/* A completion: 64 bytes. */
struct mmapdemo_cqe {
	__u64 user_data;	/* from the SQE; RECORD: from PRODUCER_START */
	__s32 res;		/* >= 0, or -errno for this entry */
	__u8 opcode;		/* the SQE's opcode, or MMAPDEMO_OP_RECORD */
	__u8 flags;		/* zero */
	__u16 len;		/* bytes valid in data */
	__u64 value;		/* CHECKSUM: the CRC32C; RECORD: sequence number */
	__u64 time_ns;		/* CLOCK_MONOTONIC when posted */
	__u8 data[MMAPDEMO_RING_INLINE]; /* ECHO: the payload; RECORD: see below */
};

/*
 * RING_SETUP: in: the geometry (sq_entries, cq_entries: powers of two up
 * to MMAPDEMO_RING_MAX_ENTRIES) and the value all four indices start at
 * (any; tests start near 2^32 to cross the wrap). Out: the layout, also
 * in the control page. Needs a file opened for writing (EBADF), like
 * FILL.
 */
struct mmapdemo_ring_setup {
	__u32 sq_entries;
	__u32 cq_entries;
	__u32 first_index;
	__u32 flags;		/* zero */
	__u64 region_size;	/* out */
	__u64 sq_off;		/* out */
	__u64 cq_off;		/* out */
	__u64 reserved[2];	/* zero */
};

/*
 * PRODUCER_START: post rate records per second (1..MMAPDEMO_RING_MAX_RATE)
 * until count records were generated (0: until PRODUCER_STOP). Record n
 * (from 0 each start) has value n, user_data as given, len 32 and data
 * word w (little-endian) = mmapdemo_pattern_word((__u32)user_data,
 * n * 4 + w). Generated = posted + dropped, exactly. EBUSY if running.
 * PRODUCER_STOP returns once nothing more will be posted.
 */
struct mmapdemo_ring_producer {
	__u32 rate;
	__u32 flags;		/* zero */
	__u64 count;
	__u64 user_data;
	__u64 reserved;		/* zero */
};

/* RING_EVENTFD: signal this eventfd when completions are posted; -1: stop. */
struct mmapdemo_ring_eventfd {
	__s32 fd;
	__u32 flags;		/* zero */
};

/* RING_STATS: this file's ring, since setup. */
struct mmapdemo_ring_stats {
	__u64 submissions;	/* SQEs consumed */
	__u64 completions;	/* CQEs posted for them */
	__u64 errors;		/* of which with res < 0 */
	__u64 records;		/* producer records posted */
	__u64 dropped;		/* producer records lost to a full CQ */
	__u64 doorbells;	/* RING_DOORBELL calls */
	__u32 status;		/* enum mmapdemo_ring_status */
	__u32 producing;	/* 1 while the producer runs */
	__u64 reserved[4];	/* zero */
};

/* The other ring ioctls fail with EINVAL on a file without a ring. */
#define MMAPDEMO_IOC_RING_SETUP	_IOWR(MMAPDEMO_IOC_MAGIC, 0x10, struct mmapdemo_ring_setup)
/* Kick the consumer after publishing sq_tail. EBADMSG: channel broken. */
#define MMAPDEMO_IOC_RING_DOORBELL	_IO(MMAPDEMO_IOC_MAGIC, 0x11)
#define MMAPDEMO_IOC_RING_PRODUCER_START \
	_IOW(MMAPDEMO_IOC_MAGIC, 0x12, struct mmapdemo_ring_producer)
#define MMAPDEMO_IOC_RING_PRODUCER_STOP	_IO(MMAPDEMO_IOC_MAGIC, 0x13)
#define MMAPDEMO_IOC_RING_EVENTFD	_IOW(MMAPDEMO_IOC_MAGIC, 0x14, struct mmapdemo_ring_eventfd)
#define MMAPDEMO_IOC_RING_STATS	_IOR(MMAPDEMO_IOC_MAGIC, 0x15, struct mmapdemo_ring_stats)

/*
 * The FILL pattern, shared by the kernel and user space so either side
 * can produce or check it: each aligned 8-byte word is a 64-bit mix of
 * (seed, word index), stored little-endian.
 *
 * C90 has no long long constants and no "inline": the constants are
 * built from 32-bit halves, the functions are static __inline__ as in
 * the kernel's own uapi headers, so -std=c90 -pedantic compiles this.
 */
#define __MMAPDEMO_U64(hi, lo)	((__u64)(hi) << 32 | (__u64)(lo))

static __inline__ __u64 mmapdemo_pattern_word(__u32 seed, __u64 word)
{
	__u64 x = word ^ ((__u64)seed << 32 | seed) ^
		  __MMAPDEMO_U64(0x9e3779b9UL, 0x7f4a7c15UL);

	x ^= x >> 33;
	x *= __MMAPDEMO_U64(0xff51afd7UL, 0xed558ccdUL);
	x ^= x >> 33;
	x *= __MMAPDEMO_U64(0xc4ceb9feUL, 0x1a85ec53UL);
	x ^= x >> 33;
	return x;
}

static __inline__ __u8 mmapdemo_pattern_byte(__u32 seed, __u64 offset)
{
	return (__u8)(mmapdemo_pattern_word(seed, offset >> 3) >>
		      ((offset & 7) * 8));
}

#endif /* _UAPI_LINUX_MMAPDEMO_H */
