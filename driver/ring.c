// SPDX-License-Identifier: GPL-2.0
/*
 * Rings: zero-copy channels between user space and the kernel, in both
 * directions, after perf's ring buffer and io_uring's SQ/CQ. The layout
 * and the protocol are in driver/uapi/mmapdemo.h.
 *
 * One file, one ring. Its memory is a struct mmapdemo_buf of its own
 * (refcounted pages, a vmap() view): the file holds one reference, every
 * VMA of the region holds one, so munmap() and close() may come in any
 * order. The file's release stops everything that runs on its own (the
 * producer's timer, the worker) before the ring goes away; nothing else
 * can call into a ring whose file is being released.
 *
 * Everything that writes the CQ runs in one work item, mmapdemo_ring_work()
 * (a work item never runs concurrently with itself), so each ring has
 * exactly one producer and one consumer on the kernel side without a
 * lock: the worker consumes the SQ and produces the CQ. The doorbell and
 * the producer's hrtimer only queue it.
 *
 * Memory ordering, one name per pairing (the user side is in
 * user/lib/ring.c, with C11 acquire/release atomics):
 *
 * (A) sq_tail: user writes SQEs, store-release sq_tail;
 *     mmapdemo_ring_consume() load-acquires sq_tail, then reads SQEs.
 * (B) sq_head: the worker has copied the SQEs, store-release sq_head;
 *     user load-acquires sq_head before it overwrites those slots.
 * (C) cq_tail: the worker writes CQEs, store-release cq_tail;
 *     user load-acquires cq_tail, then reads the CQEs.
 * (D) cq_head: user has read CQEs, store-release cq_head;
 *     mmapdemo_ring_cq_space() load-acquires cq_head before the worker
 *     overwrites those slots.
 * (E) wakeup: the worker publishes cq_tail (C), then wake_up() takes
 *     wait.lock; poll_wait() took the same lock to queue the poller
 *     before mmapdemo_ring_poll() read the published tail. Either the
 *     waker finds the poller queued, or the poller sees the new tail.
 * (F) doorbell: user publishes sq_tail (A) before the ioctl; queue_work()
 *     guarantees a run of the worker that starts after it, and the work
 *     machinery orders the caller's earlier stores before that run.
 * (G) sq_head before cq_tail: the worker stores sq_head (B) before the
 *     store-release of cq_tail (C), so a user that load-acquires cq_tail
 *     and sees a completion also sees the slot of its SQE free. With the
 *     other order, a user that reaped every completion could find the
 *     SQ still full, submit nothing and wait for good (seen on the KCSAN
 *     kernel: 16 completions, sq_tail 16, the second doorbell empty).
 *
 * Nothing user space writes is trusted: geometry and the kernel's own
 * indices come from private copies, sq_tail and cq_head are read once per
 * batch and checked (tail - head <= entries), each SQE field is read once
 * into a local copy and validated there. A bad index breaks this channel
 * alone (status, EBADMSG, EPOLLERR).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/hrtimer.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <asm/byteorder.h>

#include "compat.h"
#include "device.h"
#include "ring.h"

/*
 * One run of the worker takes at most this many SQEs, or this much time,
 * before it requeues itself: the producer's records get posted between
 * runs, and release never waits for more than one SQE.
 */
#define MMAPDEMO_RING_BUDGET	1024
#define MMAPDEMO_RING_SLICE_NS	NSEC_PER_MSEC
/* Completions posted between two publications of cq_tail. */
#define MMAPDEMO_RING_PUBLISH	32
/* The producer's timer ticks at most once a millisecond. */
#define MMAPDEMO_RING_TICK_NS	NSEC_PER_MSEC

static struct workqueue_struct *mmapdemo_ring_wq;

enum mmapdemo_ring_stat {
	MD_RING_SUBMISSIONS,
	MD_RING_COMPLETIONS,
	MD_RING_ERRORS,
	MD_RING_RECORDS,
	MD_RING_DROPPED,
	MD_RING_DOORBELLS,
	MD_RING_STAT_COUNT
};

struct mmapdemo_ring {
	struct mmapdemo_dev *dev;
	struct mmapdemo_buf *mem;	/* control page, SQEs, CQEs */
	struct mmapdemo_ring_ctrl *ctrl;
	struct mmapdemo_sqe *sqes;
	struct mmapdemo_cqe *cqes;
	u32 sq_entries;			/* private copies of the geometry */
	u32 cq_entries;

	/* Owned by the worker. */
	u32 sq_head;
	u32 cq_tail;
	/* What the worker last published; read by poll(). */
	u32 sq_pub;
	u32 cq_pub;
	/* Why the channel failed (enum mmapdemo_ring_status); sticky. */
	u32 status;
	bool stopping;			/* release has begun */

	struct work_struct work;
	struct hrtimer timer;		/* the producer's tick */
	wait_queue_head_t wait;		/* poll() */

	struct mutex ctl_lock;		/* serialises PRODUCER_START/STOP */
	struct mutex lock;		/* protects the fields below */
	bool producing;
	u32 rate;			/* records per second */
	u64 period_ns;			/* timer period */
	u64 count;			/* records to generate, 0: no limit */
	u64 generated;			/* since start: posted + dropped */
	u64 user_data;
	u64 start_ns;
	struct eventfd_ctx *eventfd;

	atomic64_t stats[MD_RING_STAT_COUNT];
};

static void mmapdemo_ring_add(struct mmapdemo_ring *ring,
			      enum mmapdemo_ring_stat id, u64 n)
{
	if (n)
		atomic64_add(n, &ring->stats[id]);
}

static u64 mmapdemo_ring_stat(struct mmapdemo_ring *ring,
			      enum mmapdemo_ring_stat id)
{
	return atomic64_read(&ring->stats[id]);
}

/* The file's ring, or NULL. */
static struct mmapdemo_ring *mmapdemo_file_ring(struct mmapdemo_file *f)
{
	/* Pairs with mmapdemo_ioc_ring_setup(): the ring is initialised. */
	return smp_load_acquire(&f->ring);
}

/* The channel is broken for good; tell whoever waits on it. */
static void mmapdemo_ring_fail(struct mmapdemo_ring *ring, u32 status)
{
	WRITE_ONCE(ring->status, status);
	WRITE_ONCE(ring->ctrl->status, status);
	pr_debug("ring broken by user space (status %u)\n", status);
}

/*
 * Free CQ slots, from cq_head as user space last published it (D). False
 * when cq_head is impossible: the channel is then broken.
 */
static bool mmapdemo_ring_cq_space(struct mmapdemo_ring *ring, u32 *space)
{
	u32 head, used;

	/* (D) the user is done with the CQEs before cq_head. */
	head = smp_load_acquire(&ring->ctrl->cq_head);
	used = ring->cq_tail - head;

	if (used > ring->cq_entries) {
		mmapdemo_ring_fail(ring, MMAPDEMO_RING_ERR_CQ_HEAD);
		*space = 0;
		return false;
	}
	*space = ring->cq_entries - used;
	return true;
}

static struct mmapdemo_cqe *mmapdemo_ring_next_cqe(struct mmapdemo_ring *ring)
{
	return &ring->cqes[ring->cq_tail++ & (ring->cq_entries - 1)];
}

static void mmapdemo_ring_publish(struct mmapdemo_ring *ring)
{
	/* (B) the SQEs before sq_head are copied out. */
	smp_store_release(&ring->ctrl->sq_head, ring->sq_head);
	WRITE_ONCE(ring->sq_pub, ring->sq_head);
	/*
	 * (C) the CQEs before cq_tail are written; and (G), sq_head first:
	 * whoever sees a completion also sees its SQE's slot free.
	 */
	smp_store_release(&ring->ctrl->cq_tail, ring->cq_tail);
	WRITE_ONCE(ring->cq_pub, ring->cq_tail);
}

/*
 * The producer: post the records due since the last run, as many as the
 * CQ has room for; the rest are dropped and counted. Runs with ring->lock
 * held throughout, so whoever sees "not producing" under the lock also
 * sees every record of the run published or counted.
 */
static u32 mmapdemo_ring_produce(struct mmapdemo_ring *ring)
{
	u64 now, target, first, due, n, i;
	u32 seed, space;

	lockdep_assert_held(&ring->lock);
	if (!ring->producing)
		return 0;
	now = ktime_get_ns();
	target = mul_u64_u64_div_u64(ring->rate, now - ring->start_ns,
				     NSEC_PER_SEC);
	if (ring->count && target >= ring->count) {
		target = ring->count;
		WRITE_ONCE(ring->producing, false);
	}
	if (target <= ring->generated)
		return 0;
	first = ring->generated;
	due = target - first;
	ring->generated = target;

	mmapdemo_ring_cq_space(ring, &space);
	n = min_t(u64, due, space);
	seed = (u32)ring->user_data;
	for (i = 0; i < n; i++) {
		struct mmapdemo_cqe cqe = {
			.user_data = ring->user_data,
			.opcode = MMAPDEMO_OP_RECORD,
			.len = MMAPDEMO_RING_INLINE,
			.value = first + i,
			.time_ns = now,
		};
		__le64 *w = (__le64 *)cqe.data;
		int j;

		for (j = 0; j < MMAPDEMO_RING_INLINE / 8; j++) {
			u64 word = (first + i) * 4 + j;

			w[j] = cpu_to_le64(mmapdemo_pattern_word(seed, word));
		}
		*mmapdemo_ring_next_cqe(ring) = cqe;
	}
	/*
	 * Publish before the lock is dropped: a task that sees the producer
	 * stopped (RING_STATS takes the lock) must also see its records.
	 */
	/* Counted first: a record user space sees is in RING_STATS. */
	mmapdemo_ring_add(ring, MD_RING_RECORDS, n);
	mmapdemo_ring_add(ring, MD_RING_DROPPED, due - n);
	if (n)
		mmapdemo_ring_publish(ring);
	WRITE_ONCE(ring->ctrl->dropped,
		   mmapdemo_ring_stat(ring, MD_RING_DROPPED));
	return n;
}

/* One SQE, read field by field exactly once. */
static void mmapdemo_ring_read_sqe(const struct mmapdemo_sqe *s,
				   struct mmapdemo_sqe *sqe)
{
	sqe->opcode = READ_ONCE(s->opcode);
	sqe->flags = READ_ONCE(s->flags);
	sqe->len = READ_ONCE(s->len);
	sqe->seed = READ_ONCE(s->seed);
	sqe->user_data = READ_ONCE(s->user_data);
	sqe->offset = READ_ONCE(s->offset);
	sqe->length = READ_ONCE(s->length);
	memcpy(sqe->data, s->data, sizeof(sqe->data));
}

/* The data buffer, taken on first use and kept for the rest of a batch. */
static struct mmapdemo_buf *mmapdemo_ring_data(struct mmapdemo_ring *ring,
					       struct mmapdemo_buf **buf)
{
	if (!*buf)
		*buf = mmapdemo_dev_get_buf(ring->dev);
	return *buf;
}

/* Execute one (private copy of an) SQE into @cqe; @buf as above. */
static void mmapdemo_ring_exec(struct mmapdemo_ring *ring,
			       const struct mmapdemo_sqe *sqe,
			       struct mmapdemo_buf **buf,
			       struct mmapdemo_cqe *cqe)
{
	u32 crc = 0;

	memset(cqe, 0, sizeof(*cqe));
	cqe->user_data = sqe->user_data;
	cqe->opcode = sqe->opcode;
	cqe->res = -EINVAL;
	if (sqe->flags)
		return;

	switch (sqe->opcode) {
	case MMAPDEMO_OP_ECHO:
		if (sqe->len > MMAPDEMO_RING_INLINE || sqe->seed ||
		    sqe->offset || sqe->length)
			return;
		memcpy(cqe->data, sqe->data, sqe->len);
		cqe->len = sqe->len;
		cqe->res = sqe->len;
		break;
	case MMAPDEMO_OP_CHECKSUM:
		if (sqe->len || sqe->seed)
			return;
		cqe->res = mmapdemo_buf_checksum(mmapdemo_ring_data(ring, buf),
						 sqe->offset, sqe->length,
						 &crc);
		if (!cqe->res) {
			cqe->value = crc;
			mmapdemo_stat_add(ring->dev, MD_STAT_CHECKSUMS, 1);
		}
		break;
	case MMAPDEMO_OP_FILL:
		if (sqe->len)
			return;
		cqe->res = mmapdemo_buf_fill(mmapdemo_ring_data(ring, buf),
					     sqe->offset, sqe->length,
					     sqe->seed);
		if (!cqe->res)
			mmapdemo_stat_add(ring->dev, MD_STAT_FILLS, 1);
		break;
	default:
		return;
	}
}

/*
 * Adds the completions written since the last publish (*done, of them
 * *errors with res < 0) to the counters, then publishes them: a task that
 * has seen a completion and then reads RING_STATS finds it counted.
 */
static void mmapdemo_ring_publish_counted(struct mmapdemo_ring *ring,
					  u32 *done, u32 *errors)
{
	mmapdemo_ring_add(ring, MD_RING_SUBMISSIONS, *done);
	mmapdemo_ring_add(ring, MD_RING_COMPLETIONS, *done);
	mmapdemo_ring_add(ring, MD_RING_ERRORS, *errors);
	*done = 0;
	*errors = 0;
	mmapdemo_ring_publish(ring);
}

/*
 * The consumer: take SQEs while there are some and the CQ has room (else
 * leave them for the next doorbell: back-pressure). Returns the SQEs
 * consumed; *more when the budget ran out with work left.
 */
static u32 mmapdemo_ring_consume(struct mmapdemo_ring *ring, bool *more)
{
	struct mmapdemo_buf *buf = NULL;
	u32 tail, avail, space, done = 0, errors = 0, unpublished = 0;
	u64 start = ktime_get_ns(), now = start;

	/* (A) the SQEs before sq_tail are written. */
	tail = smp_load_acquire(&ring->ctrl->sq_tail);
	avail = tail - ring->sq_head;
	if (avail > ring->sq_entries) {
		mmapdemo_ring_fail(ring, MMAPDEMO_RING_ERR_SQ_TAIL);
		return 0;
	}
	if (!avail || !mmapdemo_ring_cq_space(ring, &space))
		return 0;

	while (avail && done < MMAPDEMO_RING_BUDGET &&
	       now - start < MMAPDEMO_RING_SLICE_NS &&
	       !READ_ONCE(ring->stopping)) {
		struct mmapdemo_sqe sqe;
		struct mmapdemo_cqe cqe;

		if (!space) {
			/* Publish first: user space may be waiting for it. */
			mmapdemo_ring_publish_counted(ring, &unpublished,
						      &errors);
			if (!mmapdemo_ring_cq_space(ring, &space) || !space)
				break;
		}
		mmapdemo_ring_read_sqe(&ring->sqes[ring->sq_head &
						   (ring->sq_entries - 1)],
				       &sqe);
		ring->sq_head++;
		mmapdemo_ring_exec(ring, &sqe, &buf, &cqe);
		if (cqe.res < 0)
			errors++;
		now = ktime_get_ns();
		cqe.time_ns = now;
		*mmapdemo_ring_next_cqe(ring) = cqe;
		avail--;
		space--;
		unpublished++;
		if (!(++done % MMAPDEMO_RING_PUBLISH))
			mmapdemo_ring_publish_counted(ring, &unpublished,
						      &errors);
	}
	mmapdemo_ring_publish_counted(ring, &unpublished, &errors);
	mmapdemo_buf_put(buf);
	/* Out of budget or time, not of SQEs or CQ room: carry on later. */
	*more = avail && space && !READ_ONCE(ring->stopping);
	return done;
}

static void mmapdemo_ring_work(struct work_struct *work)
{
	struct mmapdemo_ring *ring = container_of(work, struct mmapdemo_ring,
						  work);
	u32 records = 0, consumed = 0;
	__poll_t mask = 0;
	bool more = false;

	if (READ_ONCE(ring->stopping) || READ_ONCE(ring->status))
		return;

	mutex_lock(&ring->lock);
	records = mmapdemo_ring_produce(ring);
	mutex_unlock(&ring->lock);
	if (!READ_ONCE(ring->status))
		consumed = mmapdemo_ring_consume(ring, &more);
	if (records)
		mmapdemo_ring_publish(ring);

	if (records || consumed)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (consumed)
		mask |= EPOLLOUT | EPOLLWRNORM;
	if (READ_ONCE(ring->status))
		mask |= EPOLLERR;
	if (mask & EPOLLIN) {
		/* Before the wakeup: a poller woken sees the eventfd set. */
		mutex_lock(&ring->lock);
		if (ring->eventfd)
			mmapdemo_eventfd_signal(ring->eventfd);
		mutex_unlock(&ring->lock);
	}
	if (mask)
		/* (E) after the publication of cq_tail. */
		wake_up_interruptible_poll(&ring->wait, mask);
	if (more && !READ_ONCE(ring->stopping))
		queue_work(mmapdemo_ring_wq, &ring->work);
}

static enum hrtimer_restart mmapdemo_ring_tick(struct hrtimer *timer)
{
	struct mmapdemo_ring *ring = container_of(timer, struct mmapdemo_ring,
						  timer);

	if (READ_ONCE(ring->stopping) || READ_ONCE(ring->status) ||
	    !READ_ONCE(ring->producing))
		return HRTIMER_NORESTART;
	queue_work(mmapdemo_ring_wq, &ring->work);
	hrtimer_forward_now(timer, ns_to_ktime(READ_ONCE(ring->period_ns)));
	return HRTIMER_RESTART;
}

/* --- the region: allocation, the memory VMAs map ---------------------- */

static bool mmapdemo_ring_entries_ok(u32 n)
{
	return n && n <= MMAPDEMO_RING_MAX_ENTRIES && is_power_of_2(n);
}

static struct mmapdemo_ring *mmapdemo_ring_alloc(struct mmapdemo_dev *dev,
						 struct mmapdemo_ring_setup *req)
{
	size_t sq_bytes = PAGE_ALIGN((size_t)req->sq_entries *
				     sizeof(struct mmapdemo_sqe));
	size_t cq_bytes = PAGE_ALIGN((size_t)req->cq_entries *
				     sizeof(struct mmapdemo_cqe));
	struct mmapdemo_ring_ctrl *ctrl;
	struct mmapdemo_ring *ring;
	u32 first = req->first_index;
	int i;

	BUILD_BUG_ON(sizeof(struct mmapdemo_ring_ctrl) > PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct mmapdemo_ring_ctrl) != 384);
	BUILD_BUG_ON(offsetof(struct mmapdemo_ring_ctrl, sq_head) != 64);
	BUILD_BUG_ON(offsetof(struct mmapdemo_ring_ctrl, sq_tail) != 128);
	BUILD_BUG_ON(offsetof(struct mmapdemo_ring_ctrl, cq_head) != 192);
	BUILD_BUG_ON(offsetof(struct mmapdemo_ring_ctrl, cq_tail) != 256);
	BUILD_BUG_ON(sizeof(struct mmapdemo_sqe) != 64);
	BUILD_BUG_ON(sizeof(struct mmapdemo_cqe) != 64);

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	ring->mem = mmapdemo_buf_alloc(PAGE_SIZE + sq_bytes + cq_bytes,
				       MMAPDEMO_BUF_MAX_ORDER);
	if (IS_ERR(ring->mem)) {
		long err = PTR_ERR(ring->mem);

		kfree(ring);
		return ERR_PTR(err);
	}
	ring->dev = dev;
	ring->ctrl = ring->mem->vaddr;
	ring->sqes = ring->mem->vaddr + PAGE_SIZE;
	ring->cqes = ring->mem->vaddr + PAGE_SIZE + sq_bytes;
	ring->sq_entries = req->sq_entries;
	ring->cq_entries = req->cq_entries;
	ring->sq_head = first;
	ring->cq_tail = first;
	ring->sq_pub = first;
	ring->cq_pub = first;
	INIT_WORK(&ring->work, mmapdemo_ring_work);
	mmapdemo_hrtimer_setup(&ring->timer, mmapdemo_ring_tick,
			       CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	init_waitqueue_head(&ring->wait);
	mutex_init(&ring->ctl_lock);
	mutex_init(&ring->lock);
	for (i = 0; i < MD_RING_STAT_COUNT; i++)
		atomic64_set(&ring->stats[i], 0);

	ctrl = ring->ctrl;
	ctrl->magic = MMAPDEMO_RING_MAGIC;
	ctrl->abi_version = MMAPDEMO_ABI_VERSION;
	ctrl->sq_entries = req->sq_entries;
	ctrl->cq_entries = req->cq_entries;
	ctrl->sqe_size = sizeof(struct mmapdemo_sqe);
	ctrl->cqe_size = sizeof(struct mmapdemo_cqe);
	ctrl->sq_off = PAGE_SIZE;
	ctrl->cq_off = PAGE_SIZE + sq_bytes;
	ctrl->region_size = ring->mem->size;
	ctrl->sq_head = first;
	ctrl->sq_tail = first;
	ctrl->cq_head = first;
	ctrl->cq_tail = first;

	req->region_size = ctrl->region_size;
	req->sq_off = ctrl->sq_off;
	req->cq_off = ctrl->cq_off;
	return ring;
}

static void mmapdemo_ring_destroy(struct mmapdemo_ring *ring)
{
	if (ring->eventfd)
		eventfd_ctx_put(ring->eventfd);
	mmapdemo_buf_put(ring->mem);
	mutex_destroy(&ring->lock);
	mutex_destroy(&ring->ctl_lock);
	kfree(ring);
}

/**
 * mmapdemo_ring_release() - the file goes: stop the ring, then free it
 * @f: the file
 *
 * Called from the file's release, so no ioctl or poll() can run on the
 * ring any more. Order matters: the timer queues the work, so the timer
 * is stopped first; cancel_work_sync() then waits for a running worker
 * (which sees @stopping and ends its batch early) and also stops one that
 * requeued itself. The memory lives on while VMAs hold references.
 */
void mmapdemo_ring_release(struct mmapdemo_file *f)
{
	struct mmapdemo_ring *ring = f->ring;

	if (!ring)
		return;
	WRITE_ONCE(ring->stopping, true);
	hrtimer_cancel(&ring->timer);
	cancel_work_sync(&ring->work);
	f->ring = NULL;
	mmapdemo_ring_destroy(ring);
}

/**
 * mmapdemo_ring_get_mem_for_vma() - the ring region's memory, for a VMA
 * @f: the file, whose ring is mapped
 *
 * A VMA holds a reference to the ring's memory, not to the ring: the
 * VMA's file already outlives the VMA, and the memory is all a VMA needs.
 * Called by mmap() with mmap_lock held; takes no lock of the ring (the
 * ring of a file never changes once set, and its memory is refcounted).
 *
 * Return: the memory with a VMA's reference, or NULL for a file without
 * a ring.
 */
struct mmapdemo_buf *mmapdemo_ring_get_mem_for_vma(struct mmapdemo_file *f)
{
	struct mmapdemo_ring *ring = mmapdemo_file_ring(f);

	if (!ring)
		return NULL;
	mmapdemo_buf_get_vma(ring->mem);
	return ring->mem;
}

/* --- poll() and the ioctls ---------------------------------------------- */

/**
 * mmapdemo_ring_poll() - EPOLLIN: completions ready; EPOLLOUT: SQ room
 * @file: the file
 * @wait: poll table
 *
 * A file without a ring is always ready, as it was before rings existed
 * (DEFAULT_POLLMASK). A broken ring reports EPOLLERR.
 */
__poll_t mmapdemo_ring_poll(struct file *file, poll_table *wait)
{
	struct mmapdemo_file *f = file->private_data;
	struct mmapdemo_ring *ring = mmapdemo_file_ring(f);
	__poll_t mask = 0;

	if (!ring)
		return DEFAULT_POLLMASK;
	poll_wait(file, &ring->wait, wait);
	/* (E) read after poll_wait() queued us. */
	if (READ_ONCE(ring->status))
		mask |= EPOLLERR;
	if (READ_ONCE(ring->cq_pub) != READ_ONCE(ring->ctrl->cq_head))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(ring->ctrl->sq_tail) - READ_ONCE(ring->sq_pub) <
	    ring->sq_entries)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

/* Only for files that may write() the buffer (mmapdemo_ioctl()). */
static long mmapdemo_ioc_ring_setup(struct mmapdemo_file *f, void __user *uarg)
{
	struct mmapdemo_ring_setup req;
	struct mmapdemo_ring *ring;
	bool busy;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved[0] || req.reserved[1] ||
	    !mmapdemo_ring_entries_ok(req.sq_entries) ||
	    !mmapdemo_ring_entries_ok(req.cq_entries))
		return -EINVAL;
	if (mmapdemo_file_ring(f))
		return -EBUSY;

	ring = mmapdemo_ring_alloc(f->dev, &req);
	if (IS_ERR(ring))
		return PTR_ERR(ring);
	spin_lock(&f->lock);
	busy = f->ring;
	if (!busy)
		/* Pairs with mmapdemo_file_ring(). */
		smp_store_release(&f->ring, ring);
	spin_unlock(&f->lock);
	if (busy) {
		mmapdemo_ring_destroy(ring);
		return -EBUSY;
	}
	/* The ring stays set up even if this fails, as the caller can see. */
	return copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long mmapdemo_ioc_ring_doorbell(struct mmapdemo_ring *ring)
{
	if (READ_ONCE(ring->status))
		return -EBADMSG;
	mmapdemo_ring_add(ring, MD_RING_DOORBELLS, 1);
	/* (F) */
	queue_work(mmapdemo_ring_wq, &ring->work);
	return 0;
}

static long mmapdemo_ioc_ring_producer_start(struct mmapdemo_ring *ring,
					     void __user *uarg)
{
	struct mmapdemo_ring_producer req;
	u64 period;
	long ret = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved || !req.rate ||
	    req.rate > MMAPDEMO_RING_MAX_RATE)
		return -EINVAL;
	if (READ_ONCE(ring->status))
		return -EBADMSG;
	period = max_t(u64, NSEC_PER_SEC / req.rate, MMAPDEMO_RING_TICK_NS);

	mutex_lock(&ring->ctl_lock);
	mutex_lock(&ring->lock);
	if (ring->producing) {
		ret = -EBUSY;
	} else {
		ring->rate = req.rate;
		ring->count = req.count;
		ring->user_data = req.user_data;
		ring->generated = 0;
		ring->start_ns = ktime_get_ns();
		WRITE_ONCE(ring->period_ns, period);
		WRITE_ONCE(ring->producing, true);
	}
	mutex_unlock(&ring->lock);
	if (!ret) {
		/* A run that ended by its count may have left a tick queued. */
		hrtimer_cancel(&ring->timer);
		hrtimer_start(&ring->timer, ns_to_ktime(period),
			      HRTIMER_MODE_REL_SOFT);
	}
	mutex_unlock(&ring->ctl_lock);
	return ret;
}

/* Once this returns, the producer posts nothing more. */
static long mmapdemo_ioc_ring_producer_stop(struct mmapdemo_ring *ring)
{
	mutex_lock(&ring->ctl_lock);
	mutex_lock(&ring->lock);
	WRITE_ONCE(ring->producing, false);
	mutex_unlock(&ring->lock);
	hrtimer_cancel(&ring->timer);
	mutex_unlock(&ring->ctl_lock);
	return 0;
}

static long mmapdemo_ioc_ring_eventfd(struct mmapdemo_ring *ring,
				      void __user *uarg)
{
	struct mmapdemo_ring_eventfd req;
	struct eventfd_ctx *ctx = NULL, *old;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.fd < -1)
		return -EINVAL;
	if (req.fd >= 0) {
		ctx = eventfd_ctx_fdget(req.fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	mutex_lock(&ring->lock);
	old = ring->eventfd;
	ring->eventfd = ctx;
	mutex_unlock(&ring->lock);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

static long mmapdemo_ioc_ring_stats(struct mmapdemo_ring *ring,
				    void __user *uarg)
{
	struct mmapdemo_ring_stats st = {};

	/*
	 * Under the lock: a producer seen stopped has posted or counted
	 * every record it generated.
	 */
	mutex_lock(&ring->lock);
	st.producing = ring->producing && !READ_ONCE(ring->status);
	st.submissions = mmapdemo_ring_stat(ring, MD_RING_SUBMISSIONS);
	st.completions = mmapdemo_ring_stat(ring, MD_RING_COMPLETIONS);
	st.errors = mmapdemo_ring_stat(ring, MD_RING_ERRORS);
	st.records = mmapdemo_ring_stat(ring, MD_RING_RECORDS);
	st.dropped = mmapdemo_ring_stat(ring, MD_RING_DROPPED);
	st.doorbells = mmapdemo_ring_stat(ring, MD_RING_DOORBELLS);
	st.status = READ_ONCE(ring->status);
	mutex_unlock(&ring->lock);
	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

/**
 * mmapdemo_ring_ioctl() - the MMAPDEMO_IOC_RING_* ioctls
 * @f: the file
 * @cmd: the ioctl
 * @uarg: its argument
 *
 * Return: 0 or -errno; -EINVAL but for RING_SETUP on a file without a
 * ring; -EBADMSG for DOORBELL and PRODUCER_START on a broken one.
 */
long mmapdemo_ring_ioctl(struct mmapdemo_file *f, unsigned int cmd,
			 void __user *uarg)
{
	struct mmapdemo_ring *ring;

	if (cmd == MMAPDEMO_IOC_RING_SETUP)
		return mmapdemo_ioc_ring_setup(f, uarg);
	ring = mmapdemo_file_ring(f);
	if (!ring)
		return -EINVAL;
	switch (cmd) {
	case MMAPDEMO_IOC_RING_DOORBELL:
		return mmapdemo_ioc_ring_doorbell(ring);
	case MMAPDEMO_IOC_RING_PRODUCER_START:
		return mmapdemo_ioc_ring_producer_start(ring, uarg);
	case MMAPDEMO_IOC_RING_PRODUCER_STOP:
		return mmapdemo_ioc_ring_producer_stop(ring);
	case MMAPDEMO_IOC_RING_EVENTFD:
		return mmapdemo_ioc_ring_eventfd(ring, uarg);
	case MMAPDEMO_IOC_RING_STATS:
		return mmapdemo_ioc_ring_stats(ring, uarg);
	default:
		return -ENOTTY;
	}
}

int mmapdemo_ring_init(void)
{
	mmapdemo_ring_wq = alloc_workqueue("mmapdemo_ring", WQ_UNBOUND, 0);
	return mmapdemo_ring_wq ? 0 : -ENOMEM;
}

/* Every ring was released with its file; the module cannot go earlier. */
void mmapdemo_ring_exit(void)
{
	destroy_workqueue(mmapdemo_ring_wq);
}
