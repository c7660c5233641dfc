// SPDX-License-Identifier: GPL-2.0
/*
 * Guest tests of the rings (driver/ring.c), in both map modes: the region
 * and its mapping rules, ordering and no loss across the 2^32 index wrap,
 * back-pressure, poll, epoll and eventfd wakeups, the producer's exact
 * drop count, hostile writers of the shared control page, and teardown
 * while the worker is busy (munmap, close, exit, rmmod attempts).
 *
 * MMAPDEMO_TEST_RING_RECORDS in the environment sets the number of echo
 * round trips of the big ordering test (default 1048576; 40-ring.sh uses
 * 524288 on the stock kernel and 131072 on the debug kernel).
 */
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define CTRL_OFF	((off_t)MMAPDEMO_RING_OFFSET)

/* One ring through libmmapdemo, with raw views for the hostile tests. */
struct tring {
	struct mmapdemo *md;
	struct mmapdemo_ring *r;
	struct mmapdemo_ring_setup s;
	struct mmapdemo_ring_ctrl *c;
	struct mmapdemo_sqe *sq;
	struct mmapdemo_cqe *cq;
	int fd;
};

static int tring_open(struct tring *t, uint32_t sq, uint32_t cq,
		      uint32_t first)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = mmapdemo_open(NULL, O_RDWR, &t->md);
	if (!err)
		err = mmapdemo_set_mode(t->md, md_mode);
	if (err) {
		md_diag("open: %s", mmapdemo_strerror(err));
		return -1;
	}
	t->s.sq_entries = sq;
	t->s.cq_entries = cq;
	t->s.first_index = first;
	err = mmapdemo_ring_setup(t->md, &t->s, &t->r);
	if (err) {
		md_diag("ring setup %u/%u: %s", sq, cq, mmapdemo_strerror(err));
		return -1;
	}
	t->c = (struct mmapdemo_ring_ctrl *)mmapdemo_ring_ctrl(t->r);
	t->sq = (struct mmapdemo_sqe *)((char *)t->c + t->s.sq_off);
	t->cq = (struct mmapdemo_cqe *)((char *)t->c + t->s.cq_off);
	t->fd = mmapdemo_ring_fd(t->r);
	return 0;
}

static void tring_close(struct tring *t)
{
	mmapdemo_ring_free(t->r);
	mmapdemo_unref(t->md);
	t->r = NULL;
	t->md = NULL;
}

static int tring_stats(struct tring *t, struct mmapdemo_ring_stats *st)
{
	int err = mmapdemo_ring_get_stats(t->r, st);

	if (err)
		md_diag("ring stats: %s", mmapdemo_strerror(err));
	return err;
}

static uint8_t echo_byte(uint64_t i, unsigned int j)
{
	return (uint8_t)(i * 31 + j * 7 + (i >> 8));
}

static void echo_fill(struct mmapdemo_sqe *sqe, uint64_t i)
{
	unsigned int j;

	sqe->opcode = MMAPDEMO_OP_ECHO;
	sqe->user_data = i;
	sqe->len = 1 + i % MMAPDEMO_RING_INLINE;
	for (j = 0; j < sqe->len; j++)
		sqe->data[j] = echo_byte(i, j);
}

static int echo_check(const struct mmapdemo_cqe *cqe, uint64_t i)
{
	unsigned int j, len = 1 + i % MMAPDEMO_RING_INLINE;

	CHECK(cqe->opcode == MMAPDEMO_OP_ECHO && cqe->user_data == i,
	      "completion %llu: op %u user_data %llu (out of order or lost)",
	      (unsigned long long)i, cqe->opcode,
	      (unsigned long long)cqe->user_data);
	CHECK(cqe->res == (int)len && cqe->len == len, "echo %llu: res %d",
	      (unsigned long long)i, cqe->res);
	for (j = 0; j < len; j++)
		CHECK(cqe->data[j] == echo_byte(i, j), "echo %llu byte %u",
		      (unsigned long long)i, j);
	return 0;
}

/* Producer records seen by a consumer: ordering, content, gaps. */
struct recs {
	uint64_t user_data;
	uint64_t seen;		/* records delivered */
	uint64_t next;		/* value expected next (no gap) */
	uint64_t missing;	/* values skipped: dropped by the kernel */
};

static int rec_check(struct recs *rs, const struct mmapdemo_cqe *cqe)
{
	CHECK(rs, "unexpected record %llu", (unsigned long long)cqe->value);
	CHECK(mmapdemo_record_check(cqe, rs->user_data) == 0,
	      "record %llu: bad content", (unsigned long long)cqe->value);
	CHECK(cqe->value >= rs->next, "record %llu after %llu: out of order",
	      (unsigned long long)cqe->value, (unsigned long long)rs->next);
	rs->missing += cqe->value - rs->next;
	rs->next = cqe->value + 1;
	rs->seen++;
	return 0;
}

/*
 * Completions ready after a submission, waited for in 10 s slices for
 * ECHO_WAIT_S in all. A healthy ring answers in milliseconds; a guest
 * whose host is busy with other guests and kernel builds was seen to
 * take over 10 s once (a debug kernel, right after a module reload). A
 * slow answer is not a failure, but it is shown with the ring's counters,
 * so that a lost doorbell or wakeup (no progress at all) can be told from
 * a slow machine (progress, late).
 */
#define ECHO_WAIT_S 60

static int echo_wait(struct tring *t, uint64_t got, uint64_t n)
{
	struct mmapdemo_ring_stats st;
	int ret, s;

	for (s = 0; s < ECHO_WAIT_S; s += 10) {
		ret = mmapdemo_ring_wait(t->r, 10000);
		if (ret)
			break;
		if (tring_stats(t, &st))
			continue;
		md_diag("no completion after %d s (%llu of %llu)", s + 10,
			(unsigned long long)got, (unsigned long long)n);
		md_diag("submissions %llu, completions %llu, doorbells %llu, status %u",
			(unsigned long long)st.submissions,
			(unsigned long long)st.completions,
			(unsigned long long)st.doorbells, st.status);
		md_diag("sq_tail %u, sq_head %u, cq_tail %u, cq_head %u",
			t->c->sq_tail, t->c->sq_head, t->c->cq_tail,
			t->c->cq_head);
	}
	if (ret > 0 && s)
		md_diag("completions came after %d-%d s", s, s + 10);
	return ret;
}

/*
 * Push n echoes (user_data base, base + 1, ...) through the ring in
 * batches of at most batch, checking every completion in order. Records
 * of a running producer are checked through rs.
 */
static int echo_run(struct tring *t, uint64_t base, uint64_t n,
		    unsigned int batch, struct recs *rs)
{
	const struct mmapdemo_cqe *cqes[256];
	uint64_t sent = 0, got = 0;
	int ret, i, m;

	while (got < n) {
		struct mmapdemo_sqe *sqe;
		unsigned int k = 0;

		while (sent < n && k < batch &&
		       (sqe = mmapdemo_ring_sq_reserve(t->r))) {
			echo_fill(sqe, base + sent);
			sent++;
			k++;
		}
		/* Always ring: a CQ that was full may have room now. */
		ret = mmapdemo_ring_submit(t->r);
		CHECK(ret >= 0, "submit: %s", mmapdemo_strerror(ret));
		ret = echo_wait(t, got, n);
		CHECK(ret > 0, "no completion in %d s (%s): %llu of %llu",
		      ECHO_WAIT_S, ret ? mmapdemo_strerror(ret) : "timeout",
		      (unsigned long long)got, (unsigned long long)n);
		m = mmapdemo_ring_cq_peek_batch(t->r, cqes, 256);
		CHECK(m > 0, "peek: %d", m);
		for (i = 0; i < m; i++) {
			if (cqes[i]->opcode == MMAPDEMO_OP_RECORD) {
				if (rec_check(rs, cqes[i]))
					return 1;
				continue;
			}
			CHECK(got < sent, "more completions than submissions");
			if (echo_check(cqes[i], base + got))
				return 1;
			got++;
		}
		mmapdemo_ring_cq_release(t->r, m);
	}
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Poll the stats until the producer is done (bounded, not a timing test). */
static int wait_producer_done(struct tring *t, struct mmapdemo_ring_stats *st)
{
	int64_t end = now_ns() + 30 * 1000000000LL;

	do {
		if (tring_stats(t, st))
			return 1;
		if (!st->producing)
			return 0;
		usleep(2000);
	} while (now_ns() < end);
	md_diag("producer still running after 30 s");
	return 1;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static int raw_setup(int fd, uint32_t sq, uint32_t cq)
{
	struct mmapdemo_ring_setup s = { .sq_entries = sq, .cq_entries = cq };

	return ioctl(fd, MMAPDEMO_IOC_RING_SETUP, &s);
}

/* --- setup and mapping --------------------------------------------------- */

/* RING_SETUP validates geometry and reserved fields; one ring per file. */
static int t_setup_validation(void)
{
	struct mmapdemo_ring_setup s = { .sq_entries = 8, .cq_entries = 16,
					 .first_index = 77 };
	struct mmapdemo_ring_stats st;
	struct mmapdemo_ring_ctrl *c;
	int fd = md_open(O_RDWR), ro;
	size_t pg = md_page;

	CHECK_OK(fd);
	CHECK_ERRNO(raw_setup(fd, 0, 8), EINVAL);
	CHECK_ERRNO(raw_setup(fd, 8, 0), EINVAL);
	CHECK_ERRNO(raw_setup(fd, 3, 8), EINVAL);
	CHECK_ERRNO(raw_setup(fd, 8, 24), EINVAL);
	CHECK_ERRNO(raw_setup(fd, 2 * MMAPDEMO_RING_MAX_ENTRIES, 8), EINVAL);
	CHECK_ERRNO(raw_setup(fd, 8, UINT32_MAX), EINVAL);
	CHECK_ERRNO(raw_setup(fd, 8, 1u << 31), EINVAL);
	s.flags = 1;
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_RING_SETUP, &s), EINVAL);
	s.flags = 0;
	s.reserved[1] = 1;
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_RING_SETUP, &s), EINVAL);
	s.reserved[1] = 0;
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_RING_SETUP, (void *)8), EFAULT);

	/* Without a ring: the other ioctls and the region are refused. */
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_RING_DOORBELL), EINVAL);
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_RING_STATS, &st), EINVAL);
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_RING_PRODUCER_STOP), EINVAL);
	CHECK_ERRNO(md_map(fd, pg, PROT_READ, MAP_SHARED, CTRL_OFF), EINVAL);
	{
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

		CHECK(poll(&p, 1, 0) == 1 &&
		      p.revents == (POLLIN | POLLOUT),
		      "a file without a ring polls ready, as before");
	}

	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_RING_SETUP, &s));
	CHECK(s.sq_off == pg && s.cq_off == s.sq_off + pg &&
	      s.region_size == s.cq_off + pg,
	      "layout %llu %llu %llu", (unsigned long long)s.sq_off,
	      (unsigned long long)s.cq_off, (unsigned long long)s.region_size);
	CHECK_ERRNO(raw_setup(fd, 8, 8), EBUSY);

	c = md_map(fd, s.region_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   CTRL_OFF);
	CHECK(c != MAP_FAILED, "mmap region: %s", strerror(errno));
	CHECK(c->magic == MMAPDEMO_RING_MAGIC &&
	      c->abi_version == MMAPDEMO_ABI_VERSION, "magic %#x abi %u",
	      c->magic, c->abi_version);
	CHECK(c->sq_entries == 8 && c->cq_entries == 16 &&
	      c->sqe_size == sizeof(struct mmapdemo_sqe) &&
	      c->cqe_size == sizeof(struct mmapdemo_cqe) &&
	      c->sq_off == s.sq_off && c->cq_off == s.cq_off &&
	      c->region_size == s.region_size, "geometry in the control page");
	CHECK(c->sq_head == 77 && c->sq_tail == 77 && c->cq_head == 77 &&
	      c->cq_tail == 77 && c->status == 0 && c->dropped == 0,
	      "indices start at first_index");
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_RING_STATS, &st));
	CHECK(!st.submissions && !st.records && !st.status && !st.producing,
	      "fresh stats");

	/* A ring may FILL the buffer: not through a read-only file. */
	ro = md_open(O_RDONLY);
	CHECK_OK(ro);
	CHECK_ERRNO(raw_setup(ro, 8, 8), EBADF);
	/* Largest geometry works. */
	close(fd);
	fd = md_open(O_RDWR);
	CHECK_OK(fd);
	CHECK_OK(raw_setup(fd, MMAPDEMO_RING_MAX_ENTRIES,
			   MMAPDEMO_RING_MAX_ENTRIES));
	return 0;
}

/* Region offsets: page granular, inside the region, MAP_SHARED only. */
static int t_mmap_region_rules(void)
{
	struct tring t;
	uint8_t *hdr, *sq, *buf;
	uint64_t size;
	uint32_t crc;
	const int rw = PROT_READ | PROT_WRITE;

	CHECK_OK(tring_open(&t, 64, 64, 0));
	size = t.s.region_size;
	CHECK_ERRNO(md_map(t.fd, size + md_page, rw, MAP_SHARED, CTRL_OFF),
		    EINVAL);
	CHECK_ERRNO(md_map(t.fd, md_page, rw, MAP_SHARED, CTRL_OFF + size),
		    EINVAL);
	CHECK_ERRNO(md_map(t.fd, md_page, rw, MAP_SHARED, 2 * CTRL_OFF),
		    EINVAL);
	CHECK_ERRNO(md_map(t.fd, md_page, rw, MAP_PRIVATE, CTRL_OFF), EINVAL);
	CHECK_ERRNO(md_map(t.fd, md_page, PROT_READ, MAP_PRIVATE, CTRL_OFF),
		    EINVAL);

	/* Part of the region, alone: the control page, the SQ pages. */
	hdr = md_map(t.fd, md_page, PROT_READ, MAP_SHARED, CTRL_OFF);
	CHECK(hdr != MAP_FAILED, "control page alone: %s", strerror(errno));
	CHECK(((struct mmapdemo_ring_ctrl *)hdr)->magic == MMAPDEMO_RING_MAGIC);
	sq = md_map(t.fd, md_page, rw, MAP_SHARED, CTRL_OFF + t.s.sq_off);
	CHECK(sq != MAP_FAILED, "SQ page alone: %s", strerror(errno));
	sq[100] = 0x5a;
	CHECK(((uint8_t *)t.sq)[100] == 0x5a, "the two views differ");
	CHECK(mremap(sq, md_page, 2 * md_page, 0) == MAP_FAILED,
	      "mremap grew a ring mapping");
	CHECK_OK(munmap(sq, md_page));

	/* The data buffer still maps from offset 0, beside the ring. */
	buf = md_map(t.fd, md_size, rw, MAP_SHARED, 0);
	CHECK(buf != MAP_FAILED, "buffer: %s", strerror(errno));
	md_random(buf, md_size, 3);
	CHECK_OK(md_kernel_crc(t.fd, 0, md_size, &crc));
	CHECK(crc == mmapdemo_crc32c(0, buf, md_size));

	/* /proc/self/mem reaches the region (vm_ops->access in remap). */
	{
		int mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
		uint32_t magic = 0;

		CHECK_OK(mem);
		CHECK(pread(mem, &magic, 4, (off_t)(uintptr_t)t.c) == 4,
		      "/proc/self/mem: %s", strerror(errno));
		CHECK(magic == MMAPDEMO_RING_MAGIC);
		close(mem);
	}
	tring_close(&t);
	return 0;
}

/* The file's map mode applies to the region: VM_PFNMAP only in remap. */
static int t_region_map_mode(void)
{
	struct tring t;
	char line[512], want[64];
	bool in = false, pf = false, found = false;
	FILE *f;

	CHECK_OK(tring_open(&t, 8, 8, 0));
	snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)t.c);
	f = fopen("/proc/self/smaps", "r");
	CHECK(f, "smaps");
	while (fgets(line, sizeof(line), f)) {
		char *dash = strchr(line, '-'), *sp = strchr(line, ' ');

		if (isxdigit((unsigned char)line[0]) && dash && sp &&
		    dash < sp) {
			in = !strncmp(line, want, strlen(want));
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			found = true;
			pf = !!strstr(line, " pf");
			in = false;
		}
	}
	fclose(f);
	CHECK(found, "ring VMA not in smaps");
	CHECK(pf == (md_mode == MMAPDEMO_MODE_REMAP), "pf flag %d in %s mode",
	      pf, mmapdemo_mode_name(md_mode));
	/* Both modes share the same memory between views. */
	CHECK(echo_run(&t, 0, 100, 8, NULL) == 0);
	tring_close(&t);
	return 0;
}

/* --- ordering, back-pressure, operations ------------------------------- */

/* That many echoes, in order, none lost, across the 2^32 index wrap. */
static int t_echo_order_wrap(void)
{
	uint64_t n = env_u64("MMAPDEMO_TEST_RING_RECORDS", 1 << 20);
	const uint32_t first = UINT32_MAX - 100000;
	struct mmapdemo_ring_stats st;
	int64_t t0 = now_ns(), dt;
	struct tring t;

	CHECK_OK(tring_open(&t, 256, 512, first));
	CHECK(echo_run(&t, 0, n, 256, NULL) == 0);
	dt = now_ns() - t0;
	CHECK_OK(tring_stats(&t, &st));
	CHECK(st.submissions == n && st.completions == n && !st.errors &&
	      !st.status, "stats %llu/%llu/%llu",
	      (unsigned long long)st.submissions,
	      (unsigned long long)st.completions,
	      (unsigned long long)st.errors);
	CHECK(t.c->sq_head == (uint32_t)(first + n) &&
	      t.c->cq_tail == (uint32_t)(first + n) &&
	      t.c->cq_head == (uint32_t)(first + n), "final indices");
	CHECK((uint64_t)first + n > UINT32_MAX, "did not cross the wrap");
	md_diag("%llu echoes in %.2f s (%.0f/s), %llu doorbells",
		(unsigned long long)n, dt / 1e9, n / (dt / 1e9),
		(unsigned long long)st.doorbells);
	tring_close(&t);
	return 0;
}

/* A full CQ stops the consumer; nothing is lost or overwritten. */
static int t_cq_backpressure(void)
{
	const struct mmapdemo_cqe *cqes[64];
	struct mmapdemo_ring_stats st;
	struct pollfd p;
	struct tring t;
	uint64_t got = 0;
	int i, n;

	CHECK_OK(tring_open(&t, 64, 8, 1000));
	for (i = 0; i < 64; i++) {
		struct mmapdemo_sqe *sqe = mmapdemo_ring_sq_reserve(t.r);

		CHECK(sqe, "reserve %d", i);
		echo_fill(sqe, i);
	}
	CHECK(!mmapdemo_ring_sq_reserve(t.r), "reserved past a full SQ");
	CHECK(mmapdemo_ring_sq_space(t.r) == 0);
	CHECK(mmapdemo_ring_sq_commit(t.r) == 64);
	/* Published but not rung: the SQ is full, no POLLOUT. */
	p = (struct pollfd){ .fd = t.fd, .events = POLLIN | POLLOUT };
	CHECK(poll(&p, 1, 0) == 0, "revents %#x with a full SQ, empty CQ",
	      p.revents);

	CHECK_OK(mmapdemo_ring_doorbell(t.r));
	n = mmapdemo_ring_wait(t.r, 10000);
	CHECK(n > 0);
	/* The kernel stops at 8 completions; give it time to misbehave. */
	for (i = 0; i < 1000; i++) {
		CHECK_OK(tring_stats(&t, &st));
		CHECK(st.completions <= 8, "%llu completions in a CQ of 8",
		      (unsigned long long)st.completions);
		if (st.completions == 8)
			break;
		usleep(10000);
	}
	usleep(50000);
	CHECK_OK(mmapdemo_ring_doorbell(t.r));
	usleep(50000);
	CHECK_OK(tring_stats(&t, &st));
	CHECK(st.completions == 8 && st.submissions == 8,
	      "%llu completions with a full CQ of 8",
	      (unsigned long long)st.completions);
	CHECK(t.c->sq_head == 1008, "sq_head %u", t.c->sq_head);
	p.revents = 0;
	CHECK(poll(&p, 1, 0) == 1 && p.revents == (POLLIN | POLLOUT),
	      "revents %#x", p.revents);

	/* Release some, ring, repeat: all 64 arrive in order. */
	while (got < 64) {
		n = mmapdemo_ring_wait(t.r, 10000);
		CHECK(n > 0, "stuck at %llu", (unsigned long long)got);
		n = mmapdemo_ring_cq_peek_batch(t.r, cqes, 3);
		for (i = 0; i < n; i++)
			if (echo_check(cqes[i], got++))
				return 1;
		mmapdemo_ring_cq_release(t.r, n);
		CHECK_OK(mmapdemo_ring_doorbell(t.r));
	}
	CHECK_OK(tring_stats(&t, &st));
	CHECK(st.completions == 64 && !st.status);
	tring_close(&t);
	return 0;
}

/* CHECKSUM and FILL reference the data buffer; results match user space. */
static int t_checksum_fill_ops(void)
{
	static const struct { uint64_t off, len; } r[] = {
		{ 0, 0 }, { 0, 1 }, { 1, 4095 }, { 4093, 10 }, { 12345, 99999 },
	};
	const struct mmapdemo_cqe *cqe;
	struct mmapdemo_stats a, b;
	struct mmapdemo_sqe *sqe;
	struct tring t;
	uint8_t *buf;
	size_t i, n = ARRAY_SIZE(r);

	CHECK_OK(tring_open(&t, 16, 16, 0));
	CHECK_OK(mmapdemo_get_stats(t.md, &a));
	CHECK_OK(mmapdemo_map(t.md, 0, 0, PROT_READ | PROT_WRITE, MAP_SHARED,
			      (void **)&buf));
	md_random(buf, md_size, 99);

	/* CHECKSUMs of what user space wrote. */
	for (i = 0; i < n + 1; i++) {
		sqe = mmapdemo_ring_sq_reserve(t.r);
		sqe->opcode = MMAPDEMO_OP_CHECKSUM;
		sqe->user_data = i;
		sqe->offset = i < n ? r[i].off : 0;
		sqe->length = i < n ? r[i].len : md_size;
	}
	CHECK(mmapdemo_ring_submit(t.r) == (int)n + 1);
	for (i = 0; i < n + 1; i++) {
		uint64_t off = i < n ? r[i].off : 0;
		uint64_t len = i < n ? r[i].len : md_size;

		CHECK(mmapdemo_ring_wait(t.r, 10000) > 0);
		CHECK(mmapdemo_ring_cq_peek(t.r, &cqe) > 0);
		CHECK(cqe->user_data == i && cqe->res == 0 &&
		      cqe->opcode == MMAPDEMO_OP_CHECKSUM, "checksum %zu: %d",
		      i, cqe->res);
		CHECK(cqe->value == mmapdemo_crc32c(0, buf + off, len),
		      "checksum %zu differs", i);
		mmapdemo_ring_cq_release(t.r, 1);
	}

	/* FILL then CHECKSUM of the same range, in one batch: in order. */
	memset(buf, 0xa5, 3 * md_page);
	sqe = mmapdemo_ring_sq_reserve(t.r);
	sqe->opcode = MMAPDEMO_OP_FILL;
	sqe->offset = 7;
	sqe->length = 2 * md_page;
	sqe->seed = 0xfeed;
	sqe->user_data = 100;
	sqe = mmapdemo_ring_sq_reserve(t.r);
	sqe->opcode = MMAPDEMO_OP_CHECKSUM;
	sqe->offset = 7;
	sqe->length = 2 * md_page;
	sqe->user_data = 101;
	CHECK(mmapdemo_ring_submit(t.r) == 2);
	for (i = 0; i < 2; i++) {
		CHECK(mmapdemo_ring_wait(t.r, 10000) > 0);
		CHECK(mmapdemo_ring_cq_peek(t.r, &cqe) > 0);
		CHECK(cqe->user_data == 100 + i && cqe->res == 0);
		if (i == 1) {
			CHECK(mmapdemo_pattern_check(buf + 7, 7, 2 * md_page,
						     0xfeed) < 0,
			      "FILL pattern wrong");
			CHECK(cqe->value == mmapdemo_crc32c(0, buf + 7,
							    2 * md_page),
			      "CHECKSUM did not see the FILL before it");
		}
		mmapdemo_ring_cq_release(t.r, 1);
	}
	CHECK(buf[6] == 0xa5 && buf[7 + 2 * md_page] == 0xa5,
	      "FILL spilled outside its range");
	CHECK_OK(mmapdemo_get_stats(t.md, &b));
	CHECK(b.checksums >= a.checksums + n + 2 && b.fills >= a.fills + 1,
	      "device counters");
	tring_close(&t);
	return 0;
}

/* Invalid SQEs fail one by one with -EINVAL; the channel stays healthy. */
static int t_bad_sqes_fail_alone(void)
{
	struct mmapdemo_sqe bad[12];
	struct mmapdemo_ring_stats st;
	const struct mmapdemo_cqe *cqe;
	struct tring t;
	size_t i, n = 0;

	memset(bad, 0, sizeof(bad));
	bad[n++].opcode = 0;				/* unknown */
	bad[n++].opcode = 200;				/* unknown */
	bad[n++].opcode = MMAPDEMO_OP_RECORD;		/* CQ only */
	bad[n].opcode = MMAPDEMO_OP_ECHO;
	bad[n++].flags = 1;				/* flags */
	bad[n].opcode = MMAPDEMO_OP_ECHO;
	bad[n++].len = MMAPDEMO_RING_INLINE + 1;	/* too long */
	bad[n].opcode = MMAPDEMO_OP_ECHO;
	bad[n++].len = UINT16_MAX;
	bad[n].opcode = MMAPDEMO_OP_CHECKSUM;
	bad[n].offset = md_size - 1;
	bad[n++].length = 2;				/* past the end */
	bad[n].opcode = MMAPDEMO_OP_CHECKSUM;
	bad[n].offset = UINT64_MAX;
	bad[n++].length = 2;				/* wraps */
	bad[n].opcode = MMAPDEMO_OP_FILL;
	bad[n].offset = 8;
	bad[n++].length = UINT64_MAX - 4;		/* wraps */
	bad[n].opcode = MMAPDEMO_OP_FILL;
	bad[n++].length = md_size + 1;			/* too long */
	bad[n].opcode = MMAPDEMO_OP_CHECKSUM;
	bad[n++].seed = 1;				/* unused field */
	bad[n].opcode = MMAPDEMO_OP_ECHO;
	bad[n++].offset = 1;				/* unused field */

	CHECK_OK(tring_open(&t, 16, 16, 5));
	for (i = 0; i < n; i++) {
		struct mmapdemo_sqe *sqe = mmapdemo_ring_sq_reserve(t.r);

		*sqe = bad[i];
		sqe->user_data = 1000 + i;
	}
	CHECK(mmapdemo_ring_submit(t.r) == (int)n);
	for (i = 0; i < n; i++) {
		CHECK(mmapdemo_ring_wait(t.r, 10000) > 0);
		CHECK(mmapdemo_ring_cq_peek(t.r, &cqe) > 0);
		CHECK(cqe->user_data == 1000 + i && cqe->res == -EINVAL,
		      "bad SQE %zu: res %d", i, cqe->res);
		mmapdemo_ring_cq_release(t.r, 1);
	}
	CHECK_OK(tring_stats(&t, &st));
	CHECK(st.errors == n && st.completions == n && st.status == 0,
	      "errors %llu", (unsigned long long)st.errors);
	CHECK(echo_run(&t, 0, 100, 16, NULL) == 0);
	tring_close(&t);
	return 0;
}

/* --- notification --------------------------------------------------------- */

/*
 * One echo at a time, then sleep in poll() for its completion: nothing
 * else would wake us, so a lost wakeup is a timeout.
 */
static int t_poll_no_lost_wakeup(void)
{
	const struct mmapdemo_cqe *cqe;
	struct tring t;
	int i, n = 2000;

	CHECK_OK(tring_open(&t, 4, 4, 0));
	for (i = 0; i < n; i++) {
		struct pollfd p = { .fd = t.fd, .events = POLLIN };
		int r;

		echo_fill(mmapdemo_ring_sq_reserve(t.r), i);
		CHECK(mmapdemo_ring_submit(t.r) == 1);
		r = poll(&p, 1, 10000);
		CHECK(r == 1 && (p.revents & POLLIN),
		      "round trip %d: poll %d revents %#x (lost wakeup?)", i,
		      r, p.revents);
		CHECK(mmapdemo_ring_cq_peek(t.r, &cqe) == 1);
		if (echo_check(cqe, i))
			return 1;
		mmapdemo_ring_cq_release(t.r, 1);
		p.revents = 0;
		CHECK(poll(&p, 1, 0) == 0, "POLLIN with an empty CQ");
	}
	tring_close(&t);
	return 0;
}

/* The same through epoll, with an eventfd signalled alongside. */
static int t_epoll_eventfd(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[2];
	const struct mmapdemo_cqe *cqe;
	int ep, efd, i, n = 1000, pfd[2];
	struct tring t;
	uint64_t v;

	CHECK_OK(tring_open(&t, 4, 4, 0));
	ep = epoll_create1(EPOLL_CLOEXEC);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(ep >= 0 && efd >= 0);
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, t.fd, &ev));
	CHECK_OK(mmapdemo_ring_set_eventfd(t.r, efd));
	for (i = 0; i < n; i++) {
		int r;

		echo_fill(mmapdemo_ring_sq_reserve(t.r), i);
		CHECK(mmapdemo_ring_submit(t.r) == 1);
		r = epoll_wait(ep, out, 2, 10000);
		CHECK(r == 1 && (out[0].events & EPOLLIN),
		      "round trip %d: epoll_wait %d (lost wakeup?)", i, r);
		CHECK(mmapdemo_ring_cq_peek(t.r, &cqe) == 1);
		if (echo_check(cqe, i))
			return 1;
		mmapdemo_ring_cq_release(t.r, 1);
		{
			struct pollfd p = { .fd = efd, .events = POLLIN };

			CHECK(poll(&p, 1, 10000) == 1,
			      "round trip %d: eventfd not signalled", i);
		}
		CHECK(read(efd, &v, 8) == 8 && v >= 1);
	}
	/* Unregistered: completions no longer signal it. */
	CHECK_OK(mmapdemo_ring_set_eventfd(t.r, -1));
	CHECK(echo_run(&t, n, 10, 4, NULL) == 0);
	CHECK_ERRNO(read(efd, &v, 8), EAGAIN);
	/* Not an eventfd, not a file, not a valid number. */
	CHECK_OK(pipe(pfd));
	CHECK(mmapdemo_ring_set_eventfd(t.r, pfd[0]) == -EINVAL, "pipe");
	CHECK(mmapdemo_ring_set_eventfd(t.r, 1000000) == -EBADF);
	CHECK(mmapdemo_ring_set_eventfd(t.r, -2) == -EINVAL);
	{
		struct mmapdemo_ring_eventfd e = { .fd = efd, .flags = 1 };

		CHECK_ERRNO(ioctl(t.fd, MMAPDEMO_IOC_RING_EVENTFD, &e), EINVAL);
	}
	/* Closing a registered eventfd early is fine: the ring holds it. */
	CHECK_OK(mmapdemo_ring_set_eventfd(t.r, efd));
	close(efd);
	CHECK(echo_run(&t, n + 10, 10, 4, NULL) == 0);
	tring_close(&t);
	return 0;
}

/* --- the producer --------------------------------------------------------- */

/* Nobody consumes: exactly cq_entries records arrive, the rest are drops. */
static int t_producer_drops_exact(void)
{
	const uint64_t count = 5000, ud = 0xabcdef12345ULL;
	const struct mmapdemo_cqe *cqes[64];
	struct mmapdemo_ring_stats st;
	struct recs rs = { .user_data = ud };
	struct tring t;
	int i, n;

	CHECK_OK(tring_open(&t, 4, 64, UINT32_MAX - 10));
	CHECK_OK(mmapdemo_ring_producer_start(t.r, 1000000, count, ud));
	CHECK(wait_producer_done(&t, &st) == 0);
	CHECK(st.records == 64 && st.dropped == count - 64,
	      "records %llu dropped %llu", (unsigned long long)st.records,
	      (unsigned long long)st.dropped);
	CHECK(t.c->dropped == count - 64, "control page dropped %llu",
	      (unsigned long long)t.c->dropped);
	n = mmapdemo_ring_cq_peek_batch(t.r, cqes, 64);
	CHECK(n == 64, "%d records in the CQ", n);
	for (i = 0; i < n; i++)
		if (rec_check(&rs, cqes[i]))
			return 1;
	CHECK(rs.next == 64 && rs.missing == 0, "first 64 records, in order");
	tring_close(&t);
	return 0;
}

/* A slow consumer: delivered + dropped == generated; gaps == dropped. */
static int t_producer_stream_accounting(void)
{
	const uint64_t count = 200000, ud = 77;
	const struct mmapdemo_cqe *cqes[256];
	struct mmapdemo_ring_stats st;
	struct recs rs = { .user_data = ud };
	struct tring t;
	int i, n;

	CHECK_OK(tring_open(&t, 4, 1024, 0));
	CHECK_OK(mmapdemo_ring_producer_start(t.r, 400000, count, ud));
	for (;;) {
		n = mmapdemo_ring_wait(t.r, 200);
		CHECK(n >= 0, "wait: %s", mmapdemo_strerror(n));
		if (!n) {
			CHECK_OK(tring_stats(&t, &st));
			if (!st.producing &&
			    mmapdemo_ring_cq_peek(t.r, cqes) == 0)
				break;
			continue;
		}
		n = mmapdemo_ring_cq_peek_batch(t.r, cqes, 256);
		for (i = 0; i < n; i++)
			if (rec_check(&rs, cqes[i]))
				return 1;
		mmapdemo_ring_cq_release(t.r, n);
		/* Fall behind now and then, so that some records drop. */
		if (rs.seen % 20000 < (uint64_t)n)
			usleep(20000);
	}
	CHECK_OK(tring_stats(&t, &st));
	rs.missing += count - rs.next;	/* dropped at the very end */
	CHECK(rs.seen == st.records, "seen %llu, kernel posted %llu",
	      (unsigned long long)rs.seen, (unsigned long long)st.records);
	CHECK(st.records + st.dropped == count, "%llu + %llu != %llu",
	      (unsigned long long)st.records, (unsigned long long)st.dropped,
	      (unsigned long long)count);
	CHECK(rs.missing == st.dropped, "gaps %llu, dropped %llu",
	      (unsigned long long)rs.missing, (unsigned long long)st.dropped);
	md_diag("%llu records delivered, %llu dropped",
		(unsigned long long)st.records, (unsigned long long)st.dropped);
	tring_close(&t);
	return 0;
}

/* Start/stop rules; after stop nothing more is posted; restart from 0. */
static int t_producer_control(void)
{
	struct mmapdemo_ring_producer p = { .rate = 1000 };
	struct mmapdemo_ring_stats a, b;
	const struct mmapdemo_cqe *cqe;
	struct tring t;
	uint32_t tail;
	int n;

	CHECK_OK(tring_open(&t, 4, 256, 0));
	p.rate = 0;
	CHECK_ERRNO(ioctl(t.fd, MMAPDEMO_IOC_RING_PRODUCER_START, &p), EINVAL);
	p.rate = MMAPDEMO_RING_MAX_RATE + 1;
	CHECK_ERRNO(ioctl(t.fd, MMAPDEMO_IOC_RING_PRODUCER_START, &p), EINVAL);
	p.rate = 1000;
	p.flags = 1;
	CHECK_ERRNO(ioctl(t.fd, MMAPDEMO_IOC_RING_PRODUCER_START, &p), EINVAL);
	p.flags = 0;
	p.reserved = 1;
	CHECK_ERRNO(ioctl(t.fd, MMAPDEMO_IOC_RING_PRODUCER_START, &p), EINVAL);
	CHECK_OK(mmapdemo_ring_producer_stop(t.r));	/* not running: fine */

	CHECK_OK(mmapdemo_ring_producer_start(t.r, 20000, 0, 1));
	CHECK(mmapdemo_ring_producer_start(t.r, 20000, 0, 1) == -EBUSY);
	CHECK(mmapdemo_ring_wait(t.r, 10000) > 0, "no record");
	CHECK_OK(tring_stats(&t, &a));
	CHECK(a.producing == 1);
	CHECK_OK(mmapdemo_ring_producer_stop(t.r));
	CHECK_OK(tring_stats(&t, &a));
	tail = __atomic_load_n(&t.c->cq_tail, __ATOMIC_ACQUIRE);
	CHECK(!a.producing);
	usleep(100000);
	CHECK_OK(tring_stats(&t, &b));
	CHECK(b.records == a.records && b.dropped == a.dropped &&
	      t.c->cq_tail == tail, "records after stop returned");
	CHECK_OK(mmapdemo_ring_producer_stop(t.r));

	/* Restart: values from 0 again, with the new user_data. */
	while ((n = mmapdemo_ring_cq_peek(t.r, &cqe)) > 0)
		mmapdemo_ring_cq_release(t.r, n);
	CHECK(n == 0);
	CHECK_OK(mmapdemo_ring_producer_start(t.r, 5000, 10, 2));
	CHECK(mmapdemo_ring_wait(t.r, 10000) > 0);
	n = mmapdemo_ring_cq_peek(t.r, &cqe);
	CHECK(n > 0 && cqe->value == 0 && cqe->user_data == 2,
	      "restart: value %llu", (unsigned long long)cqe->value);
	CHECK(wait_producer_done(&t, &b) == 0);
	CHECK(b.records + b.dropped == a.records + a.dropped + 10, "count");
	tring_close(&t);
	return 0;
}

/* Producer records and echo completions share the CQ: echoes never drop. */
static int t_producer_with_submissions(void)
{
	struct mmapdemo_ring_stats st;
	struct recs rs = { .user_data = 5 };
	struct tring t;

	CHECK_OK(tring_open(&t, 64, 128, 0));
	CHECK_OK(mmapdemo_ring_producer_start(t.r, 200000, 0, 5));
	CHECK(echo_run(&t, 0, 50000, 64, &rs) == 0);
	CHECK_OK(mmapdemo_ring_producer_stop(t.r));
	CHECK_OK(tring_stats(&t, &st));
	CHECK(st.completions == 50000 && !st.errors);
	CHECK(rs.seen <= st.records);
	md_diag("%llu records beside the echoes, %llu dropped",
		(unsigned long long)st.records, (unsigned long long)st.dropped);
	tring_close(&t);
	return 0;
}

/* --- hostile writers ------------------------------------------------------ */

/* The kernel is healthy: a fresh ring and the buffer ioctls work. */
static int kernel_healthy(void)
{
	struct tring t;
	uint32_t crc;
	uint8_t *buf;

	CHECK_OK(tring_open(&t, 16, 16, 0));
	CHECK(echo_run(&t, 0, 1000, 16, NULL) == 0, "fresh ring broken");
	CHECK_OK(mmapdemo_map(t.md, 0, 0, PROT_READ | PROT_WRITE, MAP_SHARED,
			      (void **)&buf));
	md_random(buf, md_size, 1234);
	CHECK_OK(mmapdemo_checksum(t.md, 0, md_size, &crc));
	CHECK(crc == mmapdemo_crc32c(0, buf, md_size), "CHECKSUM");
	munmap(buf, md_size);
	tring_close(&t);
	return 0;
}

/* Run fn in a forked child that shares the mapping; wait for it. */
static int in_child(void (*fn)(struct tring *), struct tring *t)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		fn(t);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return 0;
}

static void hostile_sq_tail(struct tring *t)
{
	t->c->sq_tail = t->c->sq_head + t->s.sq_entries + 1;
}

static void hostile_cq_head(struct tring *t)
{
	t->c->cq_head = t->c->cq_tail + 5;
}

/* Wait for the broken channel to be reported, every way it is. */
static int expect_broken(struct tring *t, uint32_t status)
{
	struct mmapdemo_ring_stats st;
	/* No events asked for: only POLLERR (or POLLHUP) ends the wait. */
	struct pollfd p = { .fd = t->fd, .events = 0 };

	CHECK(poll(&p, 1, 10000) == 1 && p.revents == POLLERR,
	      "no POLLERR: revents %#x", p.revents);
	CHECK_OK(tring_stats(t, &st));
	CHECK(st.status == status, "status %u, want %u", st.status, status);
	CHECK(t->c->status == status, "control page status %u", t->c->status);
	CHECK_ERRNO(ioctl(t->fd, MMAPDEMO_IOC_RING_DOORBELL), EBADMSG);
	CHECK(mmapdemo_ring_doorbell(t->r) == -EBADMSG);
	CHECK(mmapdemo_ring_producer_start(t->r, 1000, 0, 0) == -EBADMSG);
	CHECK(!st.producing, "a broken ring still produces");
	return 0;
}

/* A hostile sharer moves sq_tail out of range: this channel fails alone. */
static int t_hostile_sq_tail(void)
{
	struct tring t, other;

	CHECK_OK(tring_open(&t, 16, 16, 0));
	CHECK_OK(tring_open(&other, 16, 16, 0));
	CHECK(echo_run(&t, 0, 100, 16, NULL) == 0);
	CHECK_OK(in_child(hostile_sq_tail, &t));
	CHECK_OK(mmapdemo_ring_doorbell(t.r));
	if (expect_broken(&t, MMAPDEMO_RING_ERR_SQ_TAIL))
		return 1;
	CHECK(mmapdemo_ring_wait(t.r, 1000) == -EBADMSG);
	/* The other ring, on another file, is unaffected. */
	CHECK(echo_run(&other, 0, 1000, 16, NULL) == 0);
	tring_close(&t);
	tring_close(&other);
	return kernel_healthy();
}

/* cq_head moved ahead of cq_tail: caught when the kernel next posts. */
static int t_hostile_cq_head(void)
{
	struct tring t;

	CHECK_OK(tring_open(&t, 16, 16, 0));
	CHECK(echo_run(&t, 0, 100, 16, NULL) == 0);
	CHECK_OK(in_child(hostile_cq_head, &t));
	echo_fill(mmapdemo_ring_sq_reserve(t.r), 0);
	CHECK(mmapdemo_ring_submit(t.r) == 1);
	if (expect_broken(&t, MMAPDEMO_RING_ERR_CQ_HEAD))
		return 1;
	tring_close(&t);

	/* The producer path checks it too. */
	CHECK_OK(tring_open(&t, 16, 16, 0));
	CHECK_OK(in_child(hostile_cq_head, &t));
	CHECK_OK(mmapdemo_ring_producer_start(t.r, 10000, 0, 0));
	if (expect_broken(&t, MMAPDEMO_RING_ERR_CQ_HEAD))
		return 1;
	tring_close(&t);
	return kernel_healthy();
}

static void hostile_geometry(struct tring *t)
{
	t->c->magic = 0;
	t->c->sq_entries = 1u << 31;
	t->c->cq_entries = UINT32_MAX;
	t->c->sqe_size = 1;
	t->c->cqe_size = 0;
	t->c->sq_off = UINT64_MAX;
	t->c->cq_off = 1ULL << 40;
	t->c->region_size = 0;
	t->c->status = 7;
	t->c->dropped = 12345;
	/* Indices the kernel owns: it never reads them back. */
	t->c->sq_head += 1000;
	t->c->cq_tail -= 1000;
}

/* Fields the kernel writes and never reads: garbage there changes nothing. */
static int t_hostile_geometry(void)
{
	struct mmapdemo_ring_stats st;
	struct tring t;
	uint32_t sq_head = 0, cq_tail = 0;

	CHECK_OK(tring_open(&t, 16, 16, 0));
	CHECK(echo_run(&t, 0, 10, 16, NULL) == 0);
	sq_head = t.c->sq_head;
	cq_tail = t.c->cq_tail;
	CHECK_OK(in_child(hostile_geometry, &t));
	/* Raw echo, without the library's view of sq_head. */
	echo_fill(&t.sq[sq_head & 15], 10);
	__atomic_store_n(&t.c->sq_tail, sq_head + 1, __ATOMIC_RELEASE);
	CHECK_OK(ioctl(t.fd, MMAPDEMO_IOC_RING_DOORBELL));
	{
		struct pollfd p = { .fd = t.fd, .events = POLLIN };

		CHECK(poll(&p, 1, 10000) == 1 && p.revents == POLLIN,
		      "revents %#x", p.revents);
	}
	CHECK(__atomic_load_n(&t.c->cq_tail, __ATOMIC_ACQUIRE) ==
	      cq_tail + 1 && t.c->sq_head == sq_head + 1,
	      "kernel indices not republished: %u %u", t.c->cq_tail,
	      t.c->sq_head);
	if (echo_check(&t.cq[cq_tail & 15], 10))
		return 1;
	CHECK_OK(tring_stats(&t, &st));
	CHECK(st.status == 0 && st.errors == 0);
	tring_close(&t);
	return 0;
}

static uint64_t xrand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Plausible and implausible values for indices, offsets and lengths. */
static uint64_t nasty(uint64_t *s, uint64_t near, uint32_t entries)
{
	switch (xrand(s) % 8) {
	case 0:
		return near + xrand(s) % (2 * entries + 2);
	case 1:
		return near - xrand(s) % (2 * entries + 2);
	case 2:
		return md_size - xrand(s) % 3;
	case 3:
		return UINT64_MAX - xrand(s) % 3;
	case 4:
		return (uint64_t)1 << (xrand(s) % 64);
	case 5:
		return 0;
	default:
		return xrand(s);
	}
}

/*
 * Storm: a hostile sharer writes garbage over the indices, the SQEs and
 * the CQEs while the owner rings the doorbell and the producer runs.
 */
static void hostile_storm(struct tring *t)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	int i, j;

	for (i = 0; i < 3000; i++) {
		struct mmapdemo_sqe *sqe = &t->sq[xrand(&s) % t->s.sq_entries];

		switch (xrand(&s) % 6) {
		case 0:
			t->c->sq_tail = nasty(&s, t->c->sq_head,
					      t->s.sq_entries);
			break;
		case 1:
			t->c->cq_head = nasty(&s, t->c->cq_tail,
					      t->s.cq_entries);
			break;
		case 2:
			md_random(&t->cq[xrand(&s) % t->s.cq_entries],
				  sizeof(struct mmapdemo_cqe), (uint32_t)i);
			break;
		default:
			sqe->opcode = xrand(&s) % 6;
			sqe->flags = xrand(&s) % 4 == 0;
			sqe->len = nasty(&s, 16, 16);
			sqe->offset = nasty(&s, 0, 16);
			sqe->length = nasty(&s, 4096, 16);
			sqe->seed = xrand(&s) % 2 ? 0 : (uint32_t)xrand(&s);
			/* A valid window, often. */
			if (xrand(&s) % 2)
				t->c->sq_tail = t->c->sq_head + xrand(&s) %
						(t->s.sq_entries + 1);
			break;
		}
		for (j = 0; j < 50; j++)
			__asm__ volatile("" ::: "memory");
		if (i % 16 == 0)
			ioctl(t->fd, MMAPDEMO_IOC_RING_DOORBELL);
	}
}

static int t_hostile_storm(void)
{
	unsigned int round, broken = 0;
	struct mmapdemo_ring_stats st;
	struct tring t;

	for (round = 0; round < 20; round++) {
		pid_t pid;
		int status, i;

		CHECK_OK(tring_open(&t, 16, 32, round * 0x10000001u));
		CHECK_OK(mmapdemo_ring_producer_start(t.r, 100000, 0, round));
		pid = fork();
		CHECK_OK(pid);
		if (!pid) {
			hostile_storm(&t);
			_exit(0);
		}
		/* The owner keeps ringing too (errors are expected). */
		for (i = 0; i < 200; i++)
			ioctl(t.fd, MMAPDEMO_IOC_RING_DOORBELL);
		CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status),
		      "hostile child died: %#x", status);
		CHECK_OK(tring_stats(&t, &st));
		CHECK(st.status == MMAPDEMO_RING_OK ||
		      st.status == MMAPDEMO_RING_ERR_SQ_TAIL ||
		      st.status == MMAPDEMO_RING_ERR_CQ_HEAD,
		      "status %u", st.status);
		broken += st.status != MMAPDEMO_RING_OK;
		tring_close(&t);
	}
	md_diag("%u of 20 storms broke their channel", broken);
	return kernel_healthy();
}

/* --- teardown while busy -------------------------------------------------- */

/*
 * Queue a lot of slow work: whole-buffer checksums, and a producer slow
 * enough to leave the CQ room for their completions for a while.
 */
static int make_busy(struct tring *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct mmapdemo_sqe *sqe = mmapdemo_ring_sq_reserve(t->r);

		CHECK(sqe);
		sqe->opcode = MMAPDEMO_OP_CHECKSUM;
		sqe->length = md_size;
		sqe->user_data = i;
	}
	CHECK(mmapdemo_ring_submit(t->r) == (int)n);
	CHECK_OK(mmapdemo_ring_producer_start(t->r, 5000, 0, 9));
	/* Make sure the worker is at it. */
	CHECK(mmapdemo_ring_wait(t->r, 10000) > 0);
	return 0;
}

static int module_refcnt(void)
{
	char buf[32];

	if (md_read_sysfs(MD_SYSFS_MODULE "/refcnt", buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/* munmap while busy: the worker goes on; close then stops it. */
static int t_teardown_munmap_busy(void)
{
	struct mmapdemo_ring_stats a, b;
	struct tring t;
	int fd, i;

	CHECK_OK(tring_open(&t, 1024, MMAPDEMO_RING_MAX_ENTRIES, 0));
	if (make_busy(&t, 1024))
		return 1;
	fd = t.fd;
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_RING_STATS, &a));
	/* The library unmaps the region; our handle keeps the file open. */
	mmapdemo_ring_free(t.r);
	t.r = NULL;
	/* Still working, into memory only the kernel maps now. */
	for (i = 0; i < 3000; i++) {
		CHECK_OK(ioctl(fd, MMAPDEMO_IOC_RING_STATS, &b));
		if (b.submissions > a.submissions &&
		    b.records + b.dropped > a.records + a.dropped)
			break;
		usleep(10000);
	}
	CHECK(i < 3000, "no progress after munmap");
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_RING_DOORBELL));
	CHECK(b.submissions < 1024, "not busy enough to test anything");
	/* Close: release stops the timer and the worker mid-batch. */
	tring_close(&t);
	CHECK(module_refcnt() == 0, "module still referenced: %d",
	      module_refcnt());
	return kernel_healthy();
}

/* close while mapped and busy: the ring lives on until munmap. */
static int t_teardown_close_busy(void)
{
	struct mmapdemo_ring_setup s = { .sq_entries = 1024,
					 .cq_entries = 256 };
	struct mmapdemo_ring_ctrl *c;
	struct mmapdemo_sqe *sq;
	uint32_t tail;
	int fd, i;

	fd = md_open(O_RDWR);
	CHECK_OK(fd);
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_RING_SETUP, &s));
	c = md_map(fd, s.region_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   CTRL_OFF);
	CHECK(c != MAP_FAILED);
	sq = (struct mmapdemo_sqe *)((char *)c + s.sq_off);
	for (i = 0; i < 1024; i++) {
		sq[i].opcode = MMAPDEMO_OP_CHECKSUM;
		sq[i].length = md_size;
	}
	__atomic_store_n(&c->sq_tail, 1024, __ATOMIC_RELEASE);
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_RING_DOORBELL));
	{
		struct mmapdemo_ring_producer p = { .rate = 1000000 };

		CHECK_OK(ioctl(fd, MMAPDEMO_IOC_RING_PRODUCER_START, &p));
	}
	CHECK_OK(close(fd));
	CHECK(module_refcnt() > 0, "the mapping should pin the module");
	/* The file lives on in the VMA: the producer keeps posting. */
	tail = __atomic_load_n(&c->cq_tail, __ATOMIC_ACQUIRE);
	__atomic_store_n(&c->cq_head, tail, __ATOMIC_RELEASE);
	for (i = 0; i < 1000; i++) {
		if (__atomic_load_n(&c->cq_tail, __ATOMIC_ACQUIRE) != tail)
			break;
		usleep(10000);
	}
	CHECK(i < 1000, "nothing posted after close");
	/* munmap drops the last file reference: release runs now. */
	CHECK_OK(munmap(c, s.region_size));
	CHECK(module_refcnt() == 0, "module still referenced: %d",
	      module_refcnt());
	return kernel_healthy();
}

/* A process dies (SIGKILL) with a busy ring: exit tears it down. */
static int t_teardown_exit_busy(void)
{
	int pipefd[2], status;
	pid_t pid;
	char c;

	CHECK_OK(pipe(pipefd));
	pid = fork();
	CHECK_OK(pid);
	if (!pid) {
		struct tring t;

		if (tring_open(&t, 1024, MMAPDEMO_RING_MAX_ENTRIES, 0) ||
		    make_busy(&t, 1024))
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(read(pipefd[0], &c, 1) == 1, "child failed to get busy");
	CHECK_OK(kill(pid, SIGKILL));
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
	/* Exit's fput may finish just after the parent is told. */
	for (int i = 0; i < 500 && module_refcnt() != 0; i++)
		usleep(10000);
	CHECK(module_refcnt() == 0, "module still referenced: %d",
	      module_refcnt());
	return kernel_healthy();
}

/*
 * rmmod attempts while the ring is busy fail and change nothing; once
 * the file and the mapping are gone, the module unloads at once (release
 * left no work or timer behind). Leaves the module loaded with defaults.
 */
static int t_rmmod_while_busy(void)
{
	struct mmapdemo_ring_stats st;
	struct tring t;

	CHECK_OK(tring_open(&t, 1024, MMAPDEMO_RING_MAX_ENTRIES, 0));
	if (make_busy(&t, 256))
		return 1;
	CHECK_ERRNO(md_unload(), EWOULDBLOCK);
	CHECK_OK(mmapdemo_ring_producer_stop(t.r));
	CHECK_ERRNO(md_unload(), EWOULDBLOCK);
	CHECK_OK(tring_stats(&t, &st));
	CHECK(st.status == 0);
	tring_close(&t);
	CHECK_OK(md_unload());
	CHECK(access("/dev/mmapdemo", F_OK) == -1, "device node left behind");
	CHECK_OK(md_load(""));
	return kernel_healthy();
}

static const struct md_test tests[] = {
	{ "setup_validation", t_setup_validation, 0, MD_BOTH },
	{ "mmap_region_rules", t_mmap_region_rules, 0, MD_BOTH },
	{ "region_map_mode", t_region_map_mode, 0, MD_BOTH },
	{ "echo_order_wraparound", t_echo_order_wrap, 0, MD_BOTH },
	{ "cq_backpressure", t_cq_backpressure, 0, MD_BOTH },
	{ "checksum_fill_ops", t_checksum_fill_ops, 0, MD_BOTH },
	{ "bad_sqes_fail_alone", t_bad_sqes_fail_alone, 0, MD_BOTH },
	{ "poll_no_lost_wakeup", t_poll_no_lost_wakeup, 0, MD_BOTH },
	{ "epoll_eventfd", t_epoll_eventfd, 0, MD_BOTH },
	{ "producer_drops_exact", t_producer_drops_exact, 0, MD_BOTH },
	{ "producer_stream_accounting", t_producer_stream_accounting, 0,
	  MD_BOTH },
	{ "producer_control", t_producer_control, 0, MD_BOTH },
	{ "producer_with_submissions", t_producer_with_submissions, 0,
	  MD_BOTH },
	{ "hostile_sq_tail", t_hostile_sq_tail, 0, MD_BOTH },
	{ "hostile_cq_head", t_hostile_cq_head, 0, MD_BOTH },
	{ "hostile_geometry", t_hostile_geometry, 0, MD_BOTH },
	{ "hostile_storm", t_hostile_storm, 0, MD_BOTH },
	{ "teardown_munmap_busy", t_teardown_munmap_busy, 0, MD_BOTH },
	{ "teardown_close_busy", t_teardown_close_busy, 0, MD_BOTH },
	{ "teardown_exit_busy", t_teardown_exit_busy, 0, MD_BOTH },
	{ "rmmod_while_busy", t_rmmod_while_busy, 0, MD_BOTH },
};

int main(int argc, char **argv)
{
	return md_main(argc, argv, tests, ARRAY_SIZE(tests));
}
