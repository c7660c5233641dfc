/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmmapdemo: the user-space side of /dev/mmapdemo.
 *
 * A handle (struct mmapdemo) wraps one open file of the device.  It is
 * reference counted like libkmod's contexts: mmapdemo_open() returns it
 * with one reference, mmapdemo_unref() closes the file when the last one
 * goes.  Every function that can fail returns 0 (or a value >= 0) on
 * success and a negative errno on failure; mmapdemo_strerror() turns that
 * into a message.  Mappings outlive the handle: the driver keeps the
 * buffer alive while any process maps it.
 *
 * Install layout: <mmapdemo/mmapdemo.h> includes the driver's uapi header,
 * installed beside it as <mmapdemo/mmapdemo_uapi.h>.
 */
#ifndef LIBMMAPDEMO_H
#define LIBMMAPDEMO_H

#include <stddef.h>
#include <stdint.h>

#include "mmapdemo_uapi.h"

/* Map modes this library knows (enum mmapdemo_map_mode). */
#define MMAPDEMO_MODE_COUNT	2

#ifdef __cplusplus
extern "C" {
#endif

struct mmapdemo;

/* Handle lifetime. */
int mmapdemo_device_path(unsigned int index, char *buf, size_t len);
int mmapdemo_open(const char *path, int oflags, struct mmapdemo **out);
struct mmapdemo *mmapdemo_ref(struct mmapdemo *md);
struct mmapdemo *mmapdemo_unref(struct mmapdemo *md);
int mmapdemo_fd(const struct mmapdemo *md);

/* Queries and the per-file map mode. */
int mmapdemo_get_info(struct mmapdemo *md, struct mmapdemo_info *info);
int mmapdemo_set_mode(struct mmapdemo *md, enum mmapdemo_map_mode mode);
int mmapdemo_get_stats(struct mmapdemo *md, struct mmapdemo_stats *stats);

/* Mapping the shared buffer. */
int mmapdemo_map(struct mmapdemo *md, uint64_t offset, size_t length,
		 int prot, int flags, void **addr);
int mmapdemo_unmap(void *addr, size_t length);

/* The kernel side of the two directions: it writes, it reads. */
int mmapdemo_fill(struct mmapdemo *md, uint64_t offset, uint64_t length,
		  uint32_t seed);
int mmapdemo_checksum(struct mmapdemo *md, uint64_t offset, uint64_t length,
		      uint32_t *crc32c);

/* A range of the buffer as a dma-buf fd, for other drivers and processes. */
int mmapdemo_export_dmabuf(struct mmapdemo *md, uint64_t offset,
			   uint64_t size, int flags);

/* Helpers that need no device. */
const char *mmapdemo_strerror(int err);
const char *mmapdemo_mode_name(enum mmapdemo_map_mode mode);
int mmapdemo_mode_parse(const char *name);
int mmapdemo_parse_size(const char *s, uint64_t *out);
uint32_t mmapdemo_crc32c(uint32_t crc, const void *buf, size_t len);
void mmapdemo_pattern_fill(void *dst, uint64_t offset, size_t len,
			   uint32_t seed);
int64_t mmapdemo_pattern_check(const void *src, uint64_t offset, size_t len,
			       uint32_t seed);

/*
 * Rings (mmapdemo_ring_setup(3)): a submission ring into the kernel and a
 * completion ring out of it, in shared memory.  One thread may drive
 * each side.
 */
struct mmapdemo_ring;

int mmapdemo_ring_setup(struct mmapdemo *md, struct mmapdemo_ring_setup *setup,
			struct mmapdemo_ring **out);
void mmapdemo_ring_free(struct mmapdemo_ring *r);
int mmapdemo_ring_fd(const struct mmapdemo_ring *r);
const struct mmapdemo_ring_ctrl *
mmapdemo_ring_ctrl(const struct mmapdemo_ring *r);

/* Submission: reserve, fill, commit (publish), doorbell. */
struct mmapdemo_sqe *mmapdemo_ring_sq_reserve(struct mmapdemo_ring *r);
unsigned int mmapdemo_ring_sq_space(struct mmapdemo_ring *r);
unsigned int mmapdemo_ring_sq_commit(struct mmapdemo_ring *r);
int mmapdemo_ring_doorbell(struct mmapdemo_ring *r);
int mmapdemo_ring_submit(struct mmapdemo_ring *r);

/* Completion: peek, use, release. */
int mmapdemo_ring_cq_peek(struct mmapdemo_ring *r,
			  const struct mmapdemo_cqe **cqe);
int mmapdemo_ring_cq_peek_batch(struct mmapdemo_ring *r,
				const struct mmapdemo_cqe **cqes,
				unsigned int max);
void mmapdemo_ring_cq_release(struct mmapdemo_ring *r, unsigned int n);
int mmapdemo_ring_wait(struct mmapdemo_ring *r, int timeout_ms);

/* The kernel producer, notification, counters. */
int mmapdemo_ring_producer_start(struct mmapdemo_ring *r, uint32_t rate,
				 uint64_t count, uint64_t user_data);
int mmapdemo_ring_producer_stop(struct mmapdemo_ring *r);
int mmapdemo_ring_set_eventfd(struct mmapdemo_ring *r, int eventfd);
int mmapdemo_ring_get_stats(struct mmapdemo_ring *r,
			    struct mmapdemo_ring_stats *stats);
int mmapdemo_record_check(const struct mmapdemo_cqe *cqe, uint64_t user_data);

#ifdef __cplusplus
}
#endif

#endif /* LIBMMAPDEMO_H */
