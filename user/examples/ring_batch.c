// SPDX-License-Identifier: GPL-2.0
/*
 * ring_batch: a batch submitter. One protocol carries both directions of
 * bulk data: the submissions refer to ranges of the shared data buffer by
 * offset, so no data moves through the ring itself.
 *
 *  1. user -> kernel: we write random data into the buffer through our
 *     mapping, then queue one CHECKSUM per chunk and ring the doorbell
 *     once per batch; the kernel's CRC32C of each chunk must equal ours.
 *  2. kernel -> user: we queue one FILL per chunk (seed = chunk number);
 *     when the completions arrive the pattern is already in our mapping.
 *
 *   usage: ring_batch [CHUNK_BYTES [SQ_ENTRIES]]  (defaults 65536, 64)
 *
 * Build: cc ring_batch.c $(pkg-config --cflags --libs libmmapdemo)
 *        (in the source tree: make -C user/examples O=$PWD/build/user)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <mmapdemo/mmapdemo.h>

/*
 * Queue op over every chunk, batch by batch, and collect the completions
 * in order; check() judges each one.
 */
static int run_chunks(struct mmapdemo_ring *ring, uint8_t op, uint64_t chunk,
		      uint64_t nr, const uint8_t *buf,
		      int (*check)(const struct mmapdemo_cqe *,
				   const uint8_t *, uint64_t))
{
	uint64_t sent = 0, done = 0, batches = 0;
	int failed = 0;

	while (done < nr) {
		struct mmapdemo_sqe *sqe;
		const struct mmapdemo_cqe *cqe;
		int n;

		while (sent < nr && (sqe = mmapdemo_ring_sq_reserve(ring))) {
			sqe->opcode = op;
			sqe->offset = sent * chunk;
			sqe->length = chunk;
			if (op == MMAPDEMO_OP_FILL)
				sqe->seed = (uint32_t)sent;
			sqe->user_data = sent++;
		}
		/* One syscall for the whole batch. */
		n = mmapdemo_ring_submit(ring);
		if (n < 0)
			return n;
		batches += n > 0;
		n = mmapdemo_ring_wait(ring, 10000);
		if (n <= 0)
			return n ? n : -ETIMEDOUT;
		while (mmapdemo_ring_cq_peek(ring, &cqe) > 0) {
			if (cqe->user_data != done || cqe->res < 0 ||
			    check(cqe, buf, chunk))
				failed++;
			done++;
			mmapdemo_ring_cq_release(ring, 1);
		}
	}
	printf("  %llu %s in %llu batches, %d wrong\n", (unsigned long long)nr,
	       op == MMAPDEMO_OP_FILL ? "fills" : "checksums",
	       (unsigned long long)batches, failed);
	return failed;
}

static int check_crc(const struct mmapdemo_cqe *cqe, const uint8_t *buf,
		     uint64_t chunk)
{
	const uint8_t *p = buf + cqe->user_data * chunk;

	return cqe->value != mmapdemo_crc32c(0, p, chunk);
}

static int check_fill(const struct mmapdemo_cqe *cqe, const uint8_t *buf,
		      uint64_t chunk)
{
	uint64_t off = cqe->user_data * chunk;

	return mmapdemo_pattern_check(buf + off, off, chunk,
				      (uint32_t)cqe->user_data) >= 0;
}

int main(int argc, char **argv)
{
	uint64_t chunk = argc > 1 ? strtoull(argv[1], NULL, 0) : 65536;
	uint32_t entries = argc > 2 ? strtoul(argv[2], NULL, 0) : 64;
	struct mmapdemo_ring_setup setup = { .sq_entries = entries,
					     .cq_entries = entries };
	struct mmapdemo_ring *ring;
	struct mmapdemo_info info;
	struct mmapdemo *md;
	uint64_t i, nr;
	uint8_t *buf;
	int err;

	err = mmapdemo_open(NULL, O_RDWR, &md);
	if (!err)
		err = mmapdemo_get_info(md, &info);
	if (!err)
		err = mmapdemo_map(md, 0, 0, PROT_READ | PROT_WRITE,
				   MAP_SHARED, (void **)&buf);
	if (!err)
		err = mmapdemo_ring_setup(md, &setup, &ring);
	if (err) {
		fprintf(stderr, "ring_batch: %s\n", mmapdemo_strerror(err));
		return 1;
	}
	if (!chunk || chunk > info.size) {
		fprintf(stderr, "ring_batch: bad chunk size\n");
		return 1;
	}
	nr = info.size / chunk;
	printf("%llu chunks of %llu bytes, ring of %u entries\n",
	       (unsigned long long)nr, (unsigned long long)chunk, entries);

	/* 1. user -> kernel */
	srandom(1);
	for (i = 0; i < nr * chunk; i++)
		buf[i] = (uint8_t)random();
	err = run_chunks(ring, MMAPDEMO_OP_CHECKSUM, chunk, nr, buf,
			 check_crc);
	/* 2. kernel -> user */
	if (!err)
		err = run_chunks(ring, MMAPDEMO_OP_FILL, chunk, nr, buf,
				 check_fill);

	mmapdemo_ring_free(ring);
	mmapdemo_unmap(buf, info.size);
	mmapdemo_unref(md);
	if (err) {
		printf("FAIL: %s\n", err < 0 ? mmapdemo_strerror(err) :
		       "wrong results");
		return 1;
	}
	printf("OK: the kernel read what we wrote and we read what it wrote\n");
	return 0;
}
