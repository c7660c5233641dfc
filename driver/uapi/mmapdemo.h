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
 * No kernel types here: this header is included by user space as is.
 */
#ifndef _UAPI_LINUX_MMAPDEMO_H
#define _UAPI_LINUX_MMAPDEMO_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MMAPDEMO_ABI_VERSION	1
#define MMAPDEMO_DEVICE		"/dev/mmapdemo"
#define MMAPDEMO_IOC_MAGIC	0xB7

/* How a file's mmap() maps the buffer (struct mmapdemo_info.map_mode). */
enum mmapdemo_map_mode {
	/* Lazy: vm_ops->fault maps each page on first touch (real pages). */
	MMAPDEMO_MODE_FAULT = 0,
	/* Eager: remap_pfn_range() maps the whole range at mmap() time. */
	MMAPDEMO_MODE_REMAP = 1,
};

struct mmapdemo_info {
	__u32 abi_version;	/* MMAPDEMO_ABI_VERSION */
	__u32 page_size;	/* kernel PAGE_SIZE */
	__u64 size;		/* buffer size in bytes, a multiple of page_size */
	__u32 map_mode;		/* this file's mode (enum mmapdemo_map_mode) */
	__u32 default_mode;	/* the module parameter map_mode */
	__u32 nr_chunks;	/* physically contiguous runs in the buffer */
	__u32 reserved;		/* zero */
};

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
	__u64 resizes;		/* buffer replaced through the size parameter */
	__u64 fault_pages;	/* pages those faults mapped, fault-around
				 * included
				 */
};

/*
 * struct mmapdemo_stats only grows, at its end. STATS with the size of
 * any earlier layout (from the first, 64 bytes, on, in whole counters)
 * in its number gets that many leading bytes: programs built against an
 * older header keep working.
 */
#define MMAPDEMO_STATS_SIZE_V1	64

#define MMAPDEMO_IOC_INFO	_IOR(MMAPDEMO_IOC_MAGIC, 0x00, struct mmapdemo_info)
/* Before this file's first mmap(); EBUSY after it. EINVAL: unknown mode. */
#define MMAPDEMO_IOC_SET_MODE	_IOW(MMAPDEMO_IOC_MAGIC, 0x01, __u32)
#define MMAPDEMO_IOC_FILL	_IOW(MMAPDEMO_IOC_MAGIC, 0x02, struct mmapdemo_fill)
#define MMAPDEMO_IOC_CHECKSUM	_IOWR(MMAPDEMO_IOC_MAGIC, 0x03, struct mmapdemo_checksum)
#define MMAPDEMO_IOC_STATS	_IOR(MMAPDEMO_IOC_MAGIC, 0x04, struct mmapdemo_stats)

/*
 * The FILL pattern, shared by the kernel and user space so either side
 * can produce or check it: each aligned 8-byte word is a 64-bit mix of
 * (seed, word index), stored little-endian.
 */
static inline __u64 mmapdemo_pattern_word(__u32 seed, __u64 word)
{
	__u64 x = word ^ ((__u64)seed << 32 | seed) ^ 0x9e3779b97f4a7c15ULL;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static inline __u8 mmapdemo_pattern_byte(__u32 seed, __u64 offset)
{
	return (__u8)(mmapdemo_pattern_word(seed, offset >> 3) >>
		      ((offset & 7) * 8));
}

#endif /* _UAPI_LINUX_MMAPDEMO_H */
