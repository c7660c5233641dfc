// SPDX-License-Identifier: GPL-2.0
/*
 * ring_stream: a streaming consumer of records the kernel produces.
 *
 * The driver's producer posts records at a fixed rate into the completion
 * ring, a page of memory this process shares with the kernel. We sleep in
 * epoll until some are ready, read them in place (no copy, no syscall per
 * record) and hand the slots back by moving cq_head. A record that finds
 * the ring full is dropped and counted by the kernel, like perf's lost
 * records: the sequence numbers we see have a gap of exactly that size.
 *
 *   usage: ring_stream [RATE [COUNT [CQ_ENTRIES]]]
 *          (defaults: 100000 records/s, 1000000 records, 4096 entries)
 *
 * Build: cc ring_stream.c $(pkg-config --cflags --libs libmmapdemo)
 *        (in the source tree: make -C user/examples O=$PWD/build/user)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <mmapdemo/mmapdemo.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint32_t rate = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	uint64_t count = argc > 2 ? strtoull(argv[2], NULL, 0) : 1000000;
	uint32_t entries = argc > 3 ? strtoul(argv[3], NULL, 0) : 4096;
	struct mmapdemo_ring_setup setup = { .sq_entries = 1,
					     .cq_entries = entries };
	struct epoll_event ev = { .events = EPOLLIN };
	const uint64_t tag = (uint64_t)getpid() << 16 | 0x5eed;
	uint64_t seen = 0, next = 0, gaps = 0, lat_sum = 0, t0, dt;
	struct mmapdemo_ring_stats st;
	struct mmapdemo_ring *ring;
	struct mmapdemo *md;
	int ep, err, bad = 0;

	err = mmapdemo_open(NULL, O_RDWR, &md);
	if (!err)
		err = mmapdemo_ring_setup(md, &setup, &ring);
	if (err) {
		fprintf(stderr, "ring_stream: %s\n", mmapdemo_strerror(err));
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, mmapdemo_ring_fd(ring),
				&ev) < 0) {
		perror("ring_stream: epoll");
		return 1;
	}

	printf("streaming %llu records at %u/s through a %u-entry ring\n",
	       (unsigned long long)count, rate, entries);
	t0 = now_ns();
	err = mmapdemo_ring_producer_start(ring, rate, count, tag);
	if (err) {
		fprintf(stderr, "ring_stream: start: %s\n",
			mmapdemo_strerror(err));
		return 1;
	}
	for (;;) {
		const struct mmapdemo_cqe *cqe[256];
		int n, i;

		n = mmapdemo_ring_cq_peek_batch(ring, cqe, 256);
		if (n < 0) {
			fprintf(stderr, "ring_stream: %s\n",
				mmapdemo_strerror(n));
			return 1;
		}
		if (!n) {
			/* Nothing ready: done, or sleep until there is. */
			if (mmapdemo_ring_get_stats(ring, &st) == 0 &&
			    !st.producing &&
			    mmapdemo_ring_cq_peek_batch(ring, cqe, 1) == 0)
				break;
			if (epoll_wait(ep, &ev, 1, 100) < 0 && errno != EINTR) {
				perror("ring_stream: epoll_wait");
				return 1;
			}
			continue;
		}
		for (i = 0; i < n; i++) {
			/* Read in place: the slot is ours until released. */
			if (mmapdemo_record_check(cqe[i], tag) ||
			    cqe[i]->value < next) {
				bad++;
				continue;
			}
			gaps += cqe[i]->value - next;
			next = cqe[i]->value + 1;
			lat_sum += now_ns() - cqe[i]->time_ns;
			seen++;
		}
		mmapdemo_ring_cq_release(ring, n);
	}
	dt = now_ns() - t0;
	gaps += count - next;	/* dropped after the last one we saw */

	printf("received %llu records in %.3f s (%.0f/s), mean age %.1f us\n",
	       (unsigned long long)seen, dt / 1e9, seen / (dt / 1e9),
	       seen ? lat_sum / 1e3 / seen : 0.0);
	printf("kernel: %llu posted, %llu dropped; gaps seen: %llu; bad: %d\n",
	       (unsigned long long)st.records, (unsigned long long)st.dropped,
	       (unsigned long long)gaps, bad);
	mmapdemo_ring_free(ring);
	mmapdemo_unref(md);
	if (bad || seen != st.records || gaps != st.dropped) {
		printf("FAIL: records lost or damaged\n");
		return 1;
	}
	printf("OK: every record accounted for\n");
	return 0;
}
