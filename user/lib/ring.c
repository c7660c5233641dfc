// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Rings: the user side of the SQ/CQ protocol in driver/uapi/mmapdemo.h.
 *
 * Submission: reserve slots, fill them, commit (publish sq_tail), ring
 * the doorbell.  Completion: peek, use, release (publish cq_head).  One
 * thread may drive each side; the two sides may run on different threads.
 *
 * The memory ordering is the one the ABI header describes for the four
 * indices; each access is marked with the name driver/ring.c gives its
 * pairing: (A) sq_tail, (B) sq_head, (C) cq_tail, (D) cq_head.
 *
 * The kernel is trusted here, but another process that maps the same
 * region may not be: an impossible cq_tail gives -EBADMSG, never an
 * access outside the region.
 */
#include <endian.h>
#include <errno.h>
#include <assert.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mmapdemo.h"

static_assert(sizeof(struct mmapdemo_sqe) == 64, "SQE is 64 bytes");
static_assert(sizeof(struct mmapdemo_cqe) == 64, "CQE is 64 bytes");
static_assert(sizeof(struct mmapdemo_ring_ctrl) == 384, "control page");

struct mmapdemo_ring {
	struct mmapdemo *md;
	int fd;
	void *region;
	size_t region_size;
	struct mmapdemo_ring_ctrl *ctrl;
	struct mmapdemo_sqe *sqes;
	struct mmapdemo_cqe *cqes;
	uint32_t sq_entries;
	uint32_t cq_entries;
	/* Submission side. */
	uint32_t sq_reserved;	/* next slot to hand out */
	uint32_t sq_tail;	/* last published sq_tail */
	uint32_t sq_head;	/* sq_head as last seen */
	/* Completion side. */
	uint32_t cq_head;	/* last published cq_head */
	uint32_t cq_tail;	/* cq_tail as last seen */
};

static int ring_ioctl(const struct mmapdemo_ring *r, unsigned long req,
		      void *arg)
{
	if (!r)
		return -EINVAL;
	if (ioctl(r->fd, req, arg) < 0)
		return -errno;
	return 0;
}

/* Check what the control page says against what RING_SETUP said. */
static int ring_check_layout(const struct mmapdemo_ring_ctrl *c,
			     const struct mmapdemo_ring_setup *s)
{
	uint64_t sq_end, cq_end;

	if (c->magic != MMAPDEMO_RING_MAGIC ||
	    c->abi_version != MMAPDEMO_ABI_VERSION)
		return -EPROTO;
	if (c->sq_entries != s->sq_entries || c->cq_entries != s->cq_entries ||
	    c->sqe_size != sizeof(struct mmapdemo_sqe) ||
	    c->cqe_size != sizeof(struct mmapdemo_cqe) ||
	    c->sq_off != s->sq_off || c->cq_off != s->cq_off ||
	    c->region_size != s->region_size)
		return -EPROTO;
	sq_end = s->sq_off + (uint64_t)s->sq_entries * c->sqe_size;
	cq_end = s->cq_off + (uint64_t)s->cq_entries * c->cqe_size;
	if (sq_end > s->region_size || cq_end > s->region_size)
		return -EPROTO;
	return 0;
}

int mmapdemo_ring_setup(struct mmapdemo *md, struct mmapdemo_ring_setup *setup,
			struct mmapdemo_ring **out)
{
	struct mmapdemo_ring *r;
	void *p;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!md || !setup)
		return -EINVAL;
	if (ioctl(mmapdemo_fd(md), MMAPDEMO_IOC_RING_SETUP, setup) < 0)
		return -errno;
	if (setup->region_size > SIZE_MAX)
		return -EOVERFLOW;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	p = mmap(NULL, setup->region_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 mmapdemo_fd(md), (off_t)MMAPDEMO_RING_OFFSET);
	if (p == MAP_FAILED) {
		err = -errno;
		free(r);
		return err;
	}
	r->region = p;
	r->region_size = setup->region_size;
	r->ctrl = p;
	err = ring_check_layout(r->ctrl, setup);
	if (err) {
		munmap(p, r->region_size);
		free(r);
		return err;
	}
	r->md = mmapdemo_ref(md);
	r->fd = mmapdemo_fd(md);
	r->sqes = (struct mmapdemo_sqe *)((char *)p + setup->sq_off);
	r->cqes = (struct mmapdemo_cqe *)((char *)p + setup->cq_off);
	r->sq_entries = setup->sq_entries;
	r->cq_entries = setup->cq_entries;
	r->sq_reserved = setup->first_index;
	r->sq_tail = setup->first_index;
	r->sq_head = setup->first_index;
	r->cq_head = setup->first_index;
	r->cq_tail = setup->first_index;
	*out = r;
	return 0;
}

void mmapdemo_ring_free(struct mmapdemo_ring *r)
{
	if (!r)
		return;
	munmap(r->region, r->region_size);
	mmapdemo_unref(r->md);
	free(r);
}

int mmapdemo_ring_fd(const struct mmapdemo_ring *r)
{
	return r ? r->fd : -EINVAL;
}

const struct mmapdemo_ring_ctrl *
mmapdemo_ring_ctrl(const struct mmapdemo_ring *r)
{
	return r ? r->ctrl : NULL;
}

/* --- submission --------------------------------------------------------- */

unsigned int mmapdemo_ring_sq_space(struct mmapdemo_ring *r)
{
	/* (B) the kernel is done with the slots before sq_head. */
	r->sq_head = __atomic_load_n(&r->ctrl->sq_head, __ATOMIC_ACQUIRE);
	return r->sq_entries - (r->sq_reserved - r->sq_head);
}

struct mmapdemo_sqe *mmapdemo_ring_sq_reserve(struct mmapdemo_ring *r)
{
	struct mmapdemo_sqe *sqe;

	if (r->sq_reserved - r->sq_head >= r->sq_entries &&
	    !mmapdemo_ring_sq_space(r))
		return NULL;
	sqe = &r->sqes[r->sq_reserved++ & (r->sq_entries - 1)];
	memset(sqe, 0, sizeof(*sqe));
	return sqe;
}

unsigned int mmapdemo_ring_sq_commit(struct mmapdemo_ring *r)
{
	unsigned int n = r->sq_reserved - r->sq_tail;

	if (n) {
		/* (A) the reserved SQEs are written. */
		__atomic_store_n(&r->ctrl->sq_tail, r->sq_reserved,
				 __ATOMIC_RELEASE);
		r->sq_tail = r->sq_reserved;
	}
	return n;
}

int mmapdemo_ring_doorbell(struct mmapdemo_ring *r)
{
	return ring_ioctl(r, MMAPDEMO_IOC_RING_DOORBELL, NULL);
}

int mmapdemo_ring_submit(struct mmapdemo_ring *r)
{
	unsigned int n;
	int err;

	if (!r)
		return -EINVAL;
	n = mmapdemo_ring_sq_commit(r);
	err = mmapdemo_ring_doorbell(r);
	return err ? err : (int)n;
}

/* --- completion ----------------------------------------------------------- */

/* Completions ready, or -EBADMSG when cq_tail is impossible. */
static int ring_cq_ready(struct mmapdemo_ring *r)
{
	uint32_t ready = r->cq_tail - r->cq_head;

	if (!ready) {
		/* (C) the CQEs before cq_tail are written. */
		r->cq_tail = __atomic_load_n(&r->ctrl->cq_tail,
					     __ATOMIC_ACQUIRE);
		ready = r->cq_tail - r->cq_head;
	}
	if (ready > r->cq_entries)
		return -EBADMSG;
	return (int)ready;
}

int mmapdemo_ring_cq_peek(struct mmapdemo_ring *r,
			  const struct mmapdemo_cqe **cqe)
{
	int ready;

	if (!r || !cqe)
		return -EINVAL;
	*cqe = NULL;
	ready = ring_cq_ready(r);
	if (ready > 0)
		*cqe = &r->cqes[r->cq_head & (r->cq_entries - 1)];
	return ready;
}

int mmapdemo_ring_cq_peek_batch(struct mmapdemo_ring *r,
				const struct mmapdemo_cqe **cqes,
				unsigned int max)
{
	int ready, i;

	if (!r || (!cqes && max))
		return -EINVAL;
	ready = ring_cq_ready(r);
	if (ready < 0)
		return ready;
	if ((unsigned int)ready > max)
		ready = (int)max;
	for (i = 0; i < ready; i++)
		cqes[i] = &r->cqes[(r->cq_head + i) & (r->cq_entries - 1)];
	return ready;
}

void mmapdemo_ring_cq_release(struct mmapdemo_ring *r, unsigned int n)
{
	uint32_t ready = r->cq_tail - r->cq_head;

	if (n > ready)
		n = ready;
	if (!n)
		return;
	r->cq_head += n;
	/* (D) the released CQEs are read. */
	__atomic_store_n(&r->ctrl->cq_head, r->cq_head, __ATOMIC_RELEASE);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mmapdemo_ring_wait(struct mmapdemo_ring *r, int timeout_ms)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	struct pollfd pfd;
	int ready, n, wait_ms;

	if (!r)
		return -EINVAL;
	pfd.fd = r->fd;
	pfd.events = POLLIN;
	for (;;) {
		ready = ring_cq_ready(r);
		if (ready)
			return ready;
		wait_ms = timeout_ms;
		if (timeout_ms > 0) {
			int64_t left = deadline - now_ms();

			wait_ms = left > 0 ? (int)left : 0;
		}
		n = poll(&pfd, 1, wait_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			return ring_cq_ready(r);
		if (pfd.revents & POLLERR) {
			ready = ring_cq_ready(r);
			return ready ? ready : -EBADMSG;
		}
	}
}

/* --- the kernel producer, eventfd, stats ---------------------------------- */

int mmapdemo_ring_producer_start(struct mmapdemo_ring *r, uint32_t rate,
				 uint64_t count, uint64_t user_data)
{
	struct mmapdemo_ring_producer arg = {
		.rate = rate,
		.count = count,
		.user_data = user_data,
	};

	return ring_ioctl(r, MMAPDEMO_IOC_RING_PRODUCER_START, &arg);
}

int mmapdemo_ring_producer_stop(struct mmapdemo_ring *r)
{
	return ring_ioctl(r, MMAPDEMO_IOC_RING_PRODUCER_STOP, NULL);
}

int mmapdemo_ring_set_eventfd(struct mmapdemo_ring *r, int eventfd)
{
	struct mmapdemo_ring_eventfd arg = { .fd = eventfd };

	return ring_ioctl(r, MMAPDEMO_IOC_RING_EVENTFD, &arg);
}

int mmapdemo_ring_get_stats(struct mmapdemo_ring *r,
			    struct mmapdemo_ring_stats *stats)
{
	if (!stats)
		return -EINVAL;
	return ring_ioctl(r, MMAPDEMO_IOC_RING_STATS, stats);
}

int mmapdemo_record_check(const struct mmapdemo_cqe *cqe, uint64_t user_data)
{
	unsigned int w;

	if (!cqe || cqe->opcode != MMAPDEMO_OP_RECORD ||
	    cqe->user_data != user_data || cqe->res != 0 ||
	    cqe->len != MMAPDEMO_RING_INLINE)
		return -EINVAL;
	for (w = 0; w < MMAPDEMO_RING_INLINE / 8; w++) {
		uint64_t want = mmapdemo_pattern_word((uint32_t)user_data,
						      cqe->value * 4 + w);
		uint64_t got;

		memcpy(&got, cqe->data + 8 * w, 8);
		if (le64toh(got) != want)
			return -EBADMSG;
	}
	return 0;
}
