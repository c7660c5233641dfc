// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded, seeded random-operation fuzzer over /dev/mmapdemo, or over
 * device N of devices= (--device N; the size file is then that
 * device's own, fault_around is the module's).
 *
 * usage: fuzz [--seed N] [--ops N] [--procs N] [--max-seconds S]
 *             [--device N] [--verbose]
 *
 * Several worker processes share the device. Each one loops over random
 * operations: open/close, mmap (data and ring offsets, random lengths,
 * flags and protections), munmap of sub-ranges, mremap, mprotect,
 * madvise, fork, read/write/lseek, every ioctl with random and hostile
 * arguments (bad pointers, reserved fields, overflowing ranges), random
 * ioctl numbers, scribbled ring indices and SQEs, writes to the size and
 * fault_around parameters. Every result is checked against a model of
 * what the driver must do: an operation that must succeed must succeed,
 * one that must fail must fail with an errno its ABI allows.
 *
 * The data invariant: the lower half of the buffer is split into one
 * range of pages per worker, which only that worker writes (through its
 * mappings, write(), FILL and ring FILL submissions), each page with a
 * pattern of its own generation; every other write (hostile or not)
 * goes to the upper, public half. The worker checks its pages during the
 * run and at its end; the parent checks all of them once everyone is
 * gone through read(), CHECKSUM (against CRC32C computed here) and
 * fresh mappings in both map modes. A mapping the parent holds for the
 * whole run keeps every resize failing with EBUSY; resizes with nothing
 * mapped run before and after.
 *
 * Each worker's operations come from its own PRNG, seeded from --seed
 * and its index, so a seed reproduces the sequence of each worker (the
 * interleaving is up to the scheduler). --max-seconds stops the workers
 * early (the summary says so and how far each got), for a time-bounded
 * run on a machine whose speed varies. Prints TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "harness.h"

/* The device under test (--device N): its node, size file and counter. */
static char devnode[32] = MMAPDEMO_DEVICE;
static char size_file[96] = MD_PARAM("size");
static char live_file[96] = MD_STAT("live_vmas");

#define NFD		5
#define NREG		40
#define IOBUF		(256 * 1024)
#define MAX_ERRNO	160

/* Operation types, for the counts in the summary. */
enum op {
	OP_OPEN, OP_CLOSE, OP_MMAP, OP_MMAP_RING, OP_MUNMAP, OP_MREMAP,
	OP_MPROTECT, OP_MADVISE, OP_TOUCH_PAGES, OP_FORK, OP_PREAD, OP_PWRITE,
	OP_READ_OR_WRITE, OP_LSEEK, OP_RW_VIA_MAPPING, OP_OWN_PAGE_WRITE,
	OP_OWN_PAGE_CHECK, OP_INFO, OP_SET_MODE, OP_FILL, OP_CHECKSUM,
	OP_STATS, OP_RING_SETUP, OP_DOORBELL, OP_PRODUCER, OP_EVENTFD,
	OP_RING_STATS, OP_SCRIBBLE_CTRL, OP_SUBMIT_SQE, OP_CQ_DRAIN, OP_POLL,
	OP_IOCTL_RANDOM, OP_RESIZE, OP_FAULT_AROUND, OP_EXPORT_DMABUF,
	OP_DMABUF_MMAP, OP_COUNT,
};

static const char * const op_names[OP_COUNT] = {
	[OP_OPEN] = "open",
	[OP_CLOSE] = "close",
	[OP_MMAP] = "mmap",
	[OP_MMAP_RING] = "mmap_ring",
	[OP_MUNMAP] = "munmap",
	[OP_MREMAP] = "mremap",
	[OP_MPROTECT] = "mprotect",
	[OP_MADVISE] = "madvise",
	[OP_TOUCH_PAGES] = "touch_pages",
	[OP_FORK] = "fork",
	[OP_PREAD] = "pread",
	[OP_PWRITE] = "pwrite",
	[OP_READ_OR_WRITE] = "read_or_write",
	[OP_LSEEK] = "lseek",
	[OP_RW_VIA_MAPPING] = "rw_via_mapping",
	[OP_OWN_PAGE_WRITE] = "own_page_write",
	[OP_OWN_PAGE_CHECK] = "own_page_check",
	[OP_INFO] = "info",
	[OP_SET_MODE] = "set_mode",
	[OP_FILL] = "fill",
	[OP_CHECKSUM] = "checksum",
	[OP_STATS] = "stats",
	[OP_RING_SETUP] = "ring_setup",
	[OP_DOORBELL] = "doorbell",
	[OP_PRODUCER] = "producer",
	[OP_EVENTFD] = "eventfd",
	[OP_RING_STATS] = "ring_stats",
	[OP_SCRIBBLE_CTRL] = "scribble_ctrl",
	[OP_SUBMIT_SQE] = "submit_sqe",
	[OP_CQ_DRAIN] = "cq_drain",
	[OP_POLL] = "poll",
	[OP_IOCTL_RANDOM] = "ioctl_random",
	[OP_RESIZE] = "resize",
	[OP_FAULT_AROUND] = "fault_around",
	[OP_EXPORT_DMABUF] = "export_dmabuf",
	[OP_DMABUF_MMAP] = "dmabuf_mmap",
};

/* Per worker, in memory shared with the parent. */
struct wstats {
	uint64_t op;			/* operations done (children included) */
	uint64_t forks;
	uint64_t cqes;			/* completions checked */
	int timed_out;			/* stopped by --max-seconds */
	uint64_t ops[OP_COUNT];
	uint64_t fails[OP_COUNT];	/* of which failed, as allowed */
	uint64_t errnos[MAX_ERRNO];
	char last[160];			/* the operation in progress */
	/* Rings whose cq_tail was scribbled: their CQEs may be torn. */
	uint8_t cq_tainted[256];
};

struct fdent {
	int fd;				/* -1: free */
	int acc;			/* O_RDONLY, O_WRONLY, O_RDWR */
	int mode;			/* enum mmapdemo_map_mode */
	int mapped;			/* 0 no, 1 yes, 2 maybe (SET_MODE) */
	bool ring;
	unsigned int ring_id;		/* this worker's count of RING_SETUPs */
	bool inherited;			/* from the parent of a fork child */
	struct mmapdemo_ring_setup geo;
};

struct region {
	char *addr;			/* NULL: free */
	size_t len;
	uint64_t off;			/* data: buffer offset; ring: region offset */
	int prot;
	bool shared, ring, maywrite, dontfork;
	int mode;
	unsigned int ring_id;
	struct mmapdemo_ring_setup geo;	/* ring: its geometry */
};

static struct {
	uint64_t seed;
	uint64_t ops;
	int procs;
	double max_secs;
	bool verbose;
} opt = { .ops = 4000, .procs = 4 };

static double deadline;			/* CLOCK_MONOTONIC; 0: none */

/* Device geometry and the partition. */
static long page;
static uint64_t size, npages;
static uint64_t own_pages;		/* pages per worker */
static uint64_t pub_start;		/* first public byte */
static int default_mode;
static struct wstats *wstats;

/* The worker's state. */
static int widx;
static bool child;			/* a fork child of a worker */
static uint64_t rng;
static struct wstats *ws;
static struct fdent fds[NFD];
static struct region regs[NREG];
static uint32_t *gen;			/* generation of each owned page */
static int cfd;				/* O_RDWR control fd, never fuzzed */
static unsigned int next_ring_id;
static int efd;				/* an eventfd */
static uint8_t *iobuf, *cmpbuf;
static char *scratch;			/* RW, PROT_NONE, RO pages */

/* --- PRNG --------------------------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd64(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd(uint64_t n)
{
	return n ? rnd64() % n : 0;
}

static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

/* --- reporting ---------------------------------------------------------- */

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ws->last, sizeof(ws->last), fmt, ap);
	va_end(ap);
	if (opt.verbose)
		fprintf(stderr, "w%d%s op %" PRIu64 ": %s\n", widx,
			child ? "c" : "", ws->op, ws->last);
}

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# FAIL worker %d%s, op %" PRIu64 " (%s): %s (seed %" PRIu64
	       ")\n", widx, child ? " (fork child)" : "", ws->op, ws->last,
	       msg, opt.seed);
	fflush(stdout);
	_exit(1);
}

/* Allowed errnos, by value (zero-terminated). */
struct errs {
	int e[12];
};

#define E(...)	((struct errs){ { __VA_ARGS__, 0 } })
#define NONE	((struct errs){ { 0 } })

enum { EITHER = 0, MUST_OK = 1, MUST_FAIL = -1 };

/*
 * Check one result: ret < 0 is a failure with errno. @must says what the
 * model expects; a failure's errno must be in @allowed. Returns the
 * result (errno is kept).
 */
static long check(enum op op, long ret, int must, struct errs allowed)
{
	int e = errno, i;

	ws->ops[op]++;
	if (ret >= 0) {
		if (must == MUST_FAIL)
			die("succeeded (%ld), must fail", ret);
		return ret;
	}
	ws->fails[op]++;
	if (e > 0 && e < MAX_ERRNO)
		ws->errnos[e]++;
	if (must == MUST_OK)
		die("failed with %s, must succeed", strerrorname_np(e));
	for (i = 0; allowed.e[i]; i++)
		if (allowed.e[i] == e) {
			errno = e;
			return ret;
		}
	die("failed with %s, not an allowed errno", strerrorname_np(e) ?: "?");
}

/* --- the partition ------------------------------------------------------ */

static uint64_t own_first(int w)
{
	return (uint64_t)w * own_pages;
}

/* The owner of buffer page @pg, or -1 for a public page. */
static int page_owner(uint64_t pg)
{
	return pg * page < pub_start ? (int)(pg / own_pages) : -1;
}

static uint32_t page_seed(int w, uint64_t pg, uint32_t g)
{
	uint64_t s = ((uint64_t)w << 48) ^ (pg << 20) ^ g ^ 0x5eedULL;

	return (uint32_t)splitmix(&s);
}

/* A random public byte range, [*off, *off + *len), never empty. */
static void pub_range(uint64_t *off, uint64_t *len, uint64_t max)
{
	uint64_t room;

	*off = pub_start + rnd(size - pub_start);
	if (chance(50))
		*off &= ~(uint64_t)(page - 1);
	room = size - *off;
	*len = 1 + rnd(room < max ? room : max);
}

/* Offsets and lengths no buffer contains. */
static void bad_range(uint64_t *off, uint64_t *len)
{
	switch (rnd(5)) {
	case 0:
		*off = size + 1 + rnd(1 << 20);
		*len = rnd(2);
		break;
	case 1:
		*off = rnd(size);
		*len = size - *off + 1 + rnd(page);
		break;
	case 2:
		*off = UINT64_MAX - rnd(page);
		*len = 2 + rnd(page);
		break;
	case 3:
		*off = pub_start;
		*len = UINT64_MAX - rnd(page);
		break;
	default:
		*off = (uint64_t)1 << (40 + rnd(24));
		*len = page;
		break;
	}
}

/* A pointer the kernel must not be able to use (EFAULT). */
static void *bad_ptr(bool for_write)
{
	static const uintptr_t kaddrs[] = {
		0, 1, 0xffff888000000000ULL, 0xffffffff81000000ULL,
		(uintptr_t)-4096, 0x0000800000000000ULL,
	};
	unsigned int n = for_write ? 4 : 3;

	switch (rnd(n)) {
	case 0:
		return (void *)kaddrs[rnd(ARRAY_SIZE(kaddrs))];
	case 1:
		return scratch + page;		/* PROT_NONE */
	case 2:
		/* Below mmap_min_addr: nothing can ever be mapped there. */
		return (void *)0x8000;
	default:
		return scratch + 2 * page;	/* read-only: bad to write */
	}
}

/* --- fds and regions ---------------------------------------------------- */

static struct fdent *pick_fd(bool want_open)
{
	int i = (int)rnd(NFD), n;

	for (n = 0; n < NFD; n++, i = (i + 1) % NFD)
		if (want_open ? fds[i].fd >= 0 : fds[i].fd < 0)
			return &fds[i];
	return NULL;
}

/* Mostly an open file with a ring (or, for @rw, one that may get one). */
static struct fdent *pick_ring_fd(bool rw)
{
	int i = (int)rnd(NFD), n;

	if (chance(80))
		for (n = 0; n < NFD; n++, i = (i + 1) % NFD)
			if (fds[i].fd >= 0 &&
			    (fds[i].ring || (rw && fds[i].acc == O_RDWR)))
				return &fds[i];
	return pick_fd(true);
}

/* Mostly a mapped ring region. */
static struct region *pick_ring_region(void)
{
	int i = (int)rnd(NREG), n;

	if (chance(80))
		for (n = 0; n < NREG; n++, i = (i + 1) % NREG)
			if (regs[i].addr && regs[i].ring)
				return &regs[i];
	return NULL;
}

static bool fd_readable(const struct fdent *f)
{
	return f->acc != O_WRONLY;
}

static bool fd_writable(const struct fdent *f)
{
	return f->acc != O_RDONLY;
}

static struct region *new_region(void)
{
	int i;

	for (i = 0; i < NREG; i++)
		if (!regs[i].addr)
			return &regs[i];
	return NULL;
}

static struct region *pick_region(void)
{
	int i = (int)rnd(NREG), n;

	for (n = 0; n < NREG; n++, i = (i + 1) % NREG)
		if (regs[i].addr)
			return &regs[i];
	return NULL;
}

static uint64_t page_align(uint64_t n)
{
	return (n + page - 1) & ~(uint64_t)(page - 1);
}

static size_t npg(const struct region *r)
{
	return r->len / page;
}

/* Cut @r to [from, to) pages; the parts outside go to new regions. */
static void split(struct region *r, size_t from, size_t to)
{
	struct region *n;

	if (to < npg(r)) {
		n = new_region();
		if (!n)
			die("region table full");
		*n = *r;
		n->addr = r->addr + to * page;
		n->off = r->off + to * page;
		n->len = r->len - to * page;
	}
	if (from) {
		n = new_region();
		if (!n)
			die("region table full");
		*n = *r;
		n->len = from * page;
	}
	r->addr += from * page;
	r->off += from * page;
	r->len = (to - from) * page;
}

static int free_regions(void)
{
	int i, n = 0;

	for (i = 0; i < NREG; i++)
		n += !regs[i].addr;
	return n;
}

/* A random page sub-range [*from, *to) of @r. */
static void sub_range(const struct region *r, size_t *from, size_t *to)
{
	size_t n = npg(r);

	*from = rnd(n);
	*to = *from + 1 + rnd(n - *from);
}

/* --- owned pages -------------------------------------------------------- */

/* Buffer page @pg (owned by this worker) must hold generation gen[]. */
static void verify_page(const uint8_t *p, uint64_t pg, const char *how)
{
	uint32_t s = page_seed(widx, pg, gen[pg - own_first(widx)]);
	int64_t bad = mmapdemo_pattern_check(p, pg * page, page, s);

	if (bad >= 0)
		die("owned page %" PRIu64 " (gen %u) wrong through %s at byte %"
		    PRId64, pg, gen[pg - own_first(widx)], how, bad);
}

static uint64_t pick_own_page(void)
{
	return own_first(widx) + rnd(own_pages);
}

static void own_check(uint64_t pg, int how)
{
	struct mmapdemo_checksum ck = { .offset = pg * page, .length = page };
	uint32_t s = page_seed(widx, pg, gen[pg - own_first(widx)]);

	switch (how) {
	case 0:
		note("check own page %" PRIu64 " via pread", pg);
		check(OP_OWN_PAGE_CHECK, pread(cfd, cmpbuf, page, pg * page),
		      MUST_OK, NONE);
		verify_page(cmpbuf, pg, "pread");
		break;
	default:
		note("check own page %" PRIu64 " via CHECKSUM", pg);
		check(OP_OWN_PAGE_CHECK, ioctl(cfd, MMAPDEMO_IOC_CHECKSUM, &ck),
		      MUST_OK, NONE);
		mmapdemo_pattern_fill(cmpbuf, pg * page, page, s);
		if (ck.crc32c != mmapdemo_crc32c(0, cmpbuf, page))
			die("CHECKSUM of owned page %" PRIu64 " is %08x, want %08x",
			    pg, ck.crc32c, mmapdemo_crc32c(0, cmpbuf, page));
		break;
	}
}

/* A new generation of owned page @pg, written through write() or FILL. */
static void own_write(uint64_t pg, int how)
{
	uint32_t *g = &gen[pg - own_first(widx)];
	struct mmapdemo_fill f = { .offset = pg * page, .length = page };

	if (child) {
		own_check(pg, how);
		return;
	}
	(*g)++;
	f.seed = page_seed(widx, pg, *g);
	if (how) {
		note("write own page %" PRIu64 " gen %u via FILL", pg, *g);
		check(OP_OWN_PAGE_WRITE, ioctl(cfd, MMAPDEMO_IOC_FILL, &f), MUST_OK,
		      NONE);
	} else {
		note("write own page %" PRIu64 " gen %u via pwrite", pg, *g);
		mmapdemo_pattern_fill(cmpbuf, pg * page, page, f.seed);
		if (check(OP_OWN_PAGE_WRITE, pwrite(cfd, cmpbuf, page, pg * page),
			  MUST_OK, NONE) != page)
			die("short pwrite");
	}
}

/* --- operations --------------------------------------------------------- */

static void op_open(void)
{
	static const int accs[] = { O_RDONLY, O_WRONLY, O_RDWR, O_RDWR };
	struct fdent *f = pick_fd(false);
	int acc = accs[rnd(4)];
	int fl = acc | O_CLOEXEC | (chance(20) ? O_NONBLOCK : 0);

	if (!f)
		return;
	note("open flags %#x", fl);
	f->fd = (int)check(OP_OPEN, open(devnode, fl), MUST_OK, NONE);
	f->acc = acc;
	f->mode = default_mode;
	f->mapped = 0;
	f->ring = false;
	f->inherited = false;
}

static void op_close(void)
{
	struct fdent *f = pick_fd(true);

	if (!f)
		return;
	note("close fd %d", f->fd);
	check(OP_CLOSE, close(f->fd), MUST_OK, NONE);
	f->fd = -1;
}

static int rnd_prot(void)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
		PROT_NONE, PROT_WRITE, PROT_READ | PROT_EXEC,
	};

	return prots[rnd(ARRAY_SIZE(prots))];
}

/* Can @f map with @prot and @flags as far as the core VM is concerned? */
static bool access_ok(const struct fdent *f, int prot, bool shared)
{
	if (!fd_readable(f))
		return false;
	return !(shared && (prot & PROT_WRITE) && !fd_writable(f));
}

static void add_region(char *p, size_t len, uint64_t off, int prot,
		       bool shared, const struct fdent *f, bool ring)
{
	struct region *r = new_region();

	if (!r)
		die("region table full");
	memset(r, 0, sizeof(*r));
	r->addr = p;
	r->len = len;
	r->off = off;
	r->prot = prot;
	r->shared = shared;
	r->ring = ring;
	r->maywrite = !shared || fd_writable(f);
	r->mode = f->mode;
	r->ring_id = f->ring_id;
	r->geo = f->geo;
}

static void op_mmap(bool ring)
{
	struct fdent *f = ring ? pick_ring_fd(false) : pick_fd(true);
	uint64_t off, pages, len, span, rspan;
	int prot = rnd_prot();
	bool shared = chance(75), ok;
	char *p;

	/* Two slots: munmap and mprotect may split a region in three. */
	if (!f || free_regions() < 3 || (child && f->inherited))
		return;
	rspan = f->ring ? f->geo.region_size / page : 0;
	span = ring ? (rspan ?: 4) : npages;
	/* Mostly plausible page ranges, sometimes anything. */
	off = rnd(span + 2) * page;
	pages = 1 + rnd(chance(80) ? 8 : span + 2);
	/* Sometimes whole 2 MiB parts at a 2 MiB offset: huge mappings. */
	if (!ring && chance(15) && npages >= 2 * (uint64_t)((2 << 20) / page)) {
		uint64_t h = (uint64_t)(2 << 20) / page, parts = npages / h;
		uint64_t first = rnd(parts);

		off = first * h * page;
		pages = (1 + rnd(parts - first)) * h;
	}
	len = pages * page;
	switch (rnd(ring ? 20 : 16)) {
	case 0:
		len = 0;
		break;
	case 1:
		off += 1 + rnd(page - 1);	/* unaligned */
		break;
	case 2:
		len -= rnd(page);		/* rounded up by the core */
		break;
	case 3:
		off = UINT64_MAX - rnd(4) * page + 1 - page;
		break;
	case 4:
		off = ((uint64_t)1 << (20 + rnd(44))) & ~(uint64_t)(page - 1);
		break;
	case 5:
		len = (uint64_t)1 << (40 + rnd(8));
		break;
	}
	if (ring && rspan && chance(60)) {
		/* As a ring user would: the whole region, or its control page. */
		off = 0;
		len = (chance(70) ? rspan : 1) * page;
		prot = PROT_READ | PROT_WRITE;
		shared = true;
	}
	if (ring && off < MMAPDEMO_RING_OFFSET / 2)
		off += MMAPDEMO_RING_OFFSET;
	if (ring && chance(10))
		off = MMAPDEMO_RING_OFFSET - page;	/* the data side */

	if (!len || off % page || off > (uint64_t)INT64_MAX ||
	    len > ((uint64_t)1 << 46) || !access_ok(f, prot, shared)) {
		ok = false;
	} else if (off >= MMAPDEMO_RING_OFFSET) {
		uint64_t roff = off - MMAPDEMO_RING_OFFSET;
		uint64_t rpages = (len + page - 1) / page;

		ok = f->ring && shared && roff / page < rspan &&
		     rpages <= rspan - roff / page;
	} else {
		uint64_t rpages = (len + page - 1) / page;

		ok = off / page < npages && rpages <= npages - off / page &&
		     (shared || f->mode == MMAPDEMO_MODE_FAULT);
	}
	if (prot & PROT_EXEC)
		ok = false;	/* /dev may be noexec: EPERM is allowed */
	note("mmap fd %d off %#" PRIx64 " len %#" PRIx64 " prot %d %s mode %d",
	     f->fd, off, len, prot, shared ? "shared" : "private", f->mode);
	p = mmap(NULL, len, prot, shared ? MAP_SHARED : MAP_PRIVATE, f->fd,
		 (off_t)off);
	if (check(ring ? OP_MMAP_RING : OP_MMAP, p == MAP_FAILED ? -1 : 0,
		  ok ? MUST_OK : (prot & PROT_EXEC) ? EITHER : MUST_FAIL,
		  E(EINVAL, EACCES, EOVERFLOW, ENOMEM, EPERM)) < 0) {
		/* The driver's mmap() ran if the core let it through. */
		if (errno == EINVAL && len && !(off % page))
			f->mapped = f->mapped ?: 2;
		return;
	}
	f->mapped = 1;
	len = (len + page - 1) & ~(uint64_t)(page - 1);
	if (off >= MMAPDEMO_RING_OFFSET)
		add_region(p, len, off - MMAPDEMO_RING_OFFSET, prot, shared, f,
			   true);
	else
		add_region(p, len, off, prot, shared, f, false);
}

static void op_munmap(void)
{
	struct region *r = pick_region();
	size_t from, to;

	if (!r)
		return;
	if (chance(5)) {
		note("munmap unaligned %p", (void *)(r->addr + 1));
		check(OP_MUNMAP, munmap(r->addr + 1, page), MUST_FAIL,
		      E(EINVAL));
		return;
	}
	sub_range(r, &from, &to);
	/* The table fills up: then whole regions go. */
	if (free_regions() < NREG / 4) {
		from = 0;
		to = npg(r);
	}
	note("munmap pages [%zu, %zu) of %zu at %p", from, to, npg(r),
	     (void *)r->addr);
	check(OP_MUNMAP, munmap(r->addr + from * page, (to - from) * page),
	      MUST_OK, NONE);
	split(r, from, to);
	r->addr = NULL;
}

static void op_mremap(void)
{
	struct region *r = pick_region();
	size_t n, from, to;
	char *p, *dst;

	if (!r)
		return;
	sub_range(r, &from, &to);
	n = to - from;
	switch (rnd(4)) {
	case 0:		/* grow: the VMA is VM_DONTEXPAND */
		note("mremap grow %zu pages at %p", n, (void *)r->addr);
		check(OP_MREMAP, (long)mremap(r->addr + from * page, n * page,
					      (n + 1 + rnd(4)) * page,
					      chance(50) ? MREMAP_MAYMOVE : 0) ==
				 (long)MAP_FAILED ? -1 : 0,
		      MUST_FAIL, E(EFAULT, ENOMEM, EINVAL));
		break;
	case 1:		/* shrink in place */
		if (n < 2 || free_regions() < 2)
			return;
		note("mremap shrink [%zu, %zu) to %zu pages", from, to, n - 1);
		p = mremap(r->addr + from * page, n * page, (n - 1) * page, 0);
		check(OP_MREMAP, p == MAP_FAILED ? -1 : 0, MUST_OK, NONE);
		/* The last page of [from, to) is gone. */
		split(r, from, to);
		r->len -= page;
		break;
	case 2:		/* move to a fresh address */
		if (free_regions() < 2)
			return;
		dst = mmap(NULL, n * page, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (dst == MAP_FAILED)
			die("anonymous mmap: %m");
		note("mremap move [%zu, %zu) of %p to %p", from, to,
		     (void *)r->addr, (void *)dst);
		p = mremap(r->addr + from * page, n * page, n * page,
			   MREMAP_MAYMOVE | MREMAP_FIXED, dst);
		if (check(OP_MREMAP, p == MAP_FAILED ? -1 : 0, MUST_OK,
			  NONE) < 0)
			munmap(dst, n * page);
		split(r, from, to);
		r->addr = p;
		break;
	default:	/* DONTUNMAP: never for VM_DONTEXPAND */
		note("mremap dontunmap %p", (void *)r->addr);
		p = mremap(r->addr, r->len, r->len,
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
		check(OP_MREMAP, p == MAP_FAILED ? -1 : 0, MUST_FAIL,
		      E(EINVAL));
		break;
	}
}

static void op_mprotect(void)
{
	struct region *r = pick_region();
	int prot = rnd_prot();
	size_t from, to;
	bool ok;

	if (!r || free_regions() < 2)
		return;
	sub_range(r, &from, &to);
	ok = !((prot & PROT_WRITE) && !r->maywrite) && !(prot & PROT_EXEC);
	note("mprotect [%zu, %zu) of %p prot %d", from, to, (void *)r->addr,
	     prot);
	if (check(OP_MPROTECT, mprotect(r->addr + from * page,
					(to - from) * page, prot),
		  ok ? MUST_OK : (prot & PROT_EXEC) ? EITHER : MUST_FAIL,
		  E(EACCES)) < 0)
		return;
	split(r, from, to);
	r->prot = prot;
}

static void op_madvise(void)
{
	static const int advs[] = {
		MADV_DONTNEED, MADV_DONTNEED, MADV_WILLNEED, MADV_DONTFORK,
		MADV_DOFORK, MADV_REMOVE, MADV_COLD, MADV_PAGEOUT,
		MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_FREE,
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_DONTDUMP,
		MADV_DODUMP, MADV_WIPEONFORK, MADV_MERGEABLE, MADV_HUGEPAGE,
		MADV_DONTNEED_LOCKED,
	};
	struct region *r = pick_region();
	int adv = advs[rnd(ARRAY_SIZE(advs))];
	size_t from, to;
	long ret;

	if (!r || free_regions() < 2)
		return;
	sub_range(r, &from, &to);
	note("madvise [%zu, %zu) of %p advice %d", from, to, (void *)r->addr,
	     adv);
	ret = check(OP_MADVISE, madvise(r->addr + from * page,
					(to - from) * page, adv), EITHER,
		    E(EINVAL, EACCES, ENODEV, EOPNOTSUPP, EFAULT, ENOMEM,
		      EBADF, ESPIPE, EPERM, EAGAIN));
	if (ret < 0)
		return;
	/* Advice that changes vm_flags splits the VMA: keep up. */
	split(r, from, to);
	if (adv == MADV_DONTFORK || adv == MADV_DOFORK)
		r->dontfork = adv == MADV_DONTFORK;
}

/* Scribble a ring's control page: any field, any value. */
static void scribble_ctrl(struct region *r)
{
	static const unsigned int fields[] = {
		offsetof(struct mmapdemo_ring_ctrl, sq_tail),
		offsetof(struct mmapdemo_ring_ctrl, sq_tail),
		offsetof(struct mmapdemo_ring_ctrl, cq_head),
		offsetof(struct mmapdemo_ring_ctrl, cq_head),
		offsetof(struct mmapdemo_ring_ctrl, sq_head),
		offsetof(struct mmapdemo_ring_ctrl, cq_tail),
		offsetof(struct mmapdemo_ring_ctrl, magic),
		offsetof(struct mmapdemo_ring_ctrl, sq_entries),
		offsetof(struct mmapdemo_ring_ctrl, status),
		offsetof(struct mmapdemo_ring_ctrl, dropped),
	};
	volatile struct mmapdemo_ring_ctrl *c = (void *)r->addr;
	unsigned int f = fields[rnd(ARRAY_SIZE(fields))];
	uint32_t v;

	switch (rnd(4)) {
	case 0:
		v = (uint32_t)rnd64();
		break;
	case 1:		/* plausible: a few entries ahead of the head */
		v = c->sq_head + (uint32_t)rnd(2 * r->geo.sq_entries + 2);
		break;
	case 2:
		v = c->cq_tail - (uint32_t)rnd(2 * r->geo.cq_entries + 2);
		break;
	default:
		v = 0;
		break;
	}
	note("scribble ring ctrl +%u = %#x", f, v);
	if (f == offsetof(struct mmapdemo_ring_ctrl, cq_tail) &&
	    r->ring_id < sizeof(ws->cq_tainted))
		ws->cq_tainted[r->ring_id] = 1;
	*(volatile uint32_t *)((char *)c + f) = v;
}

/*
 * One SQE, hostile or not, but never a FILL that could reach an owned
 * page: a ring FILL is only ever aimed at the public half.
 */
static void make_sqe(struct mmapdemo_sqe *s)
{
	uint64_t off, len;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->opcode = (uint8_t)(1 + rnd(4));
	s->user_data = rnd64();
	switch (s->opcode) {
	case MMAPDEMO_OP_ECHO:
		s->len = (uint16_t)rnd(MMAPDEMO_RING_INLINE + 8);
		for (i = 0; i < sizeof(s->data); i++)
			s->data[i] = (uint8_t)rnd64();
		break;
	case MMAPDEMO_OP_CHECKSUM:
		if (chance(70)) {
			off = rnd(size);
			len = rnd(size - off + 1);
			if (len > 64 * 1024)
				len = 64 * 1024;
		} else {
			bad_range(&off, &len);
		}
		s->offset = off;
		s->length = len;
		break;
	case MMAPDEMO_OP_FILL:
		if (chance(70))
			pub_range(&off, &len, 4 * page);
		else
			bad_range(&off, &len);
		s->offset = off;
		s->length = len;
		s->seed = (uint32_t)rnd64();
		break;
	default:	/* a RECORD, or garbage opcodes */
		s->opcode = (uint8_t)(chance(50) ? MMAPDEMO_OP_RECORD :
				      5 + rnd(250));
		s->offset = rnd64();
		s->length = rnd64();
		break;
	}
	if (chance(10))
		s->flags = (uint8_t)(1 + rnd(255));
	if (chance(5) && s->opcode != MMAPDEMO_OP_FILL)
		s->len = (uint16_t)rnd64();
}

/* Write SQEs into a mapped SQ, maybe publish them. */
static void ring_sqe(struct region *r)
{
	uint64_t sq_lo = r->geo.sq_off, sq_hi = r->geo.cq_off;
	uint64_t lo = r->off > sq_lo ? r->off : sq_lo;
	uint64_t hi = r->off + r->len < sq_hi ? r->off + r->len : sq_hi;
	unsigned int n = 1 + (unsigned int)rnd(8), i;

	if (lo >= hi || !(r->prot & PROT_WRITE))
		return;
	note("write %u SQEs in [%#" PRIx64 ", %#" PRIx64 ")", n, lo, hi);
	for (i = 0; i < n; i++) {
		uint64_t o = lo + rnd((hi - lo) / sizeof(struct mmapdemo_sqe)) *
			     sizeof(struct mmapdemo_sqe);
		struct mmapdemo_sqe s;

		make_sqe(&s);
		memcpy(r->addr + (o - r->off), &s, sizeof(s));
	}
	if (r->off == 0 && chance(70)) {
		struct mmapdemo_ring_ctrl *c = (void *)r->addr;
		uint32_t head = __atomic_load_n(&c->sq_head, __ATOMIC_ACQUIRE);

		__atomic_store_n(&c->sq_tail, head + n, __ATOMIC_RELEASE);
		/* And ring the doorbell if the file is still open here. */
		for (i = 0; i < NFD; i++)
			if (fds[i].fd >= 0 && fds[i].ring &&
			    fds[i].ring_id == r->ring_id) {
				check(OP_DOORBELL,
				      ioctl(fds[i].fd,
					    MMAPDEMO_IOC_RING_DOORBELL),
				      EITHER, E(EBADMSG));
				break;
			}
	}
}

/* Access pages of a mapping as its protection allows. */
static void op_touch(struct region *r)
{
	size_t i, from, to;

	if (!r)
		return;
	if (r->ring) {
		if (!(r->prot & PROT_WRITE) || !(r->prot & PROT_READ))
			return;
		if (r->off == 0 && chance(50)) {
			ws->ops[OP_SCRIBBLE_CTRL]++;
			scribble_ctrl(r);
		} else {
			ws->ops[OP_SUBMIT_SQE]++;
			ring_sqe(r);
		}
		return;
	}
	ws->ops[OP_TOUCH_PAGES]++;
	sub_range(r, &from, &to);
	if (to - from > 4)
		to = from + 4;
	note("touch pages [%zu, %zu) of %p prot %d %s", from, to,
	     (void *)r->addr, r->prot, r->shared ? "shared" : "private");
	for (i = from; i < to; i++) {
		char *p = r->addr + i * page;
		uint64_t pg = r->off / page + i;
		int owner = page_owner(pg);
		bool mine = owner == widx;
		uint32_t s;

		if (!r->shared) {
			/* Copy-on-write: scribble anything, the buffer stays. */
			if (r->prot & PROT_WRITE && chance(50))
				md_random(p, page, (uint32_t)rnd64());
			else if (r->prot & PROT_READ)
				(void)*(volatile char *)p;
			continue;
		}
		if (mine && (r->prot & PROT_READ))
			verify_page((uint8_t *)p, pg, "a mapping");
		if (!(r->prot & PROT_WRITE) || chance(30))
			continue;
		if (owner < 0) {
			if (r->prot & PROT_READ)
				(void)*(volatile char *)p;
			p[rnd(page)] = (char)rnd64();
		} else if (mine && !child) {
			s = page_seed(widx, pg, ++gen[pg - own_first(widx)]);
			mmapdemo_pattern_fill(p, pg * page, page, s);
		}
	}
}

static void worker_loop(uint64_t nops);

static void op_fork(void)
{
	int status, i;
	pid_t pid;

	if (child)
		return;
	note("fork");
	ws->forks++;
	ws->ops[OP_FORK]++;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %m");
	if (!pid) {
		child = true;
		for (i = 0; i < NFD; i++)
			fds[i].inherited = true;
		for (i = 0; i < NREG; i++)
			if (regs[i].dontfork)
				regs[i].addr = NULL;
		worker_loop(4 + rnd(28));
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("fork child %s %d", WIFEXITED(status) ? "exited" : "killed by signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* An offset for read/write: in the buffer mostly, else hostile. */
static int64_t io_off(bool for_write, uint64_t *len)
{
	uint64_t off;

	switch (rnd(10)) {
	case 0:
		*len = 1 + rnd(page);
		return -(int64_t)(1 + rnd(1 << 20));
	case 1:
		*len = 1 + rnd(page);
		return (int64_t)(size + rnd(1 << 20));
	case 2:
		*len = 1 + rnd(page);
		return INT64_MAX - (int64_t)rnd(page);
	default:
		if (for_write) {
			pub_range(&off, len, IOBUF);
		} else {
			off = rnd(size);
			*len = 1 + rnd(IOBUF);
		}
		if (chance(5))
			*len = 0;
		return (int64_t)off;
	}
}

/* What read() or write() at @off of @len bytes must return. */
static long io_expect(bool wr, int64_t off, uint64_t len, int *must,
		      struct errs *allowed)
{
	*must = MUST_FAIL;
	if (off < 0 || (uint64_t)off + len > (uint64_t)INT64_MAX) {
		*allowed = E(EINVAL);
		return -1;
	}
	if (wr && !len) {
		*must = MUST_OK;
		return 0;
	}
	if ((uint64_t)off >= size) {
		*must = wr ? MUST_FAIL : MUST_OK;
		*allowed = E(ENOSPC);
		return wr ? -1 : 0;
	}
	*must = MUST_OK;
	return (long)(len < size - off ? len : size - off);
}

static void op_rw(bool wr, bool positioned)
{
	struct fdent *f = pick_fd(true);
	struct errs allowed = NONE;
	uint64_t len;
	int64_t off;
	long want, ret;
	int must;
	void *buf = iobuf;

	if (!f)
		return;
	off = io_off(wr, &len);
	want = io_expect(wr, off, len, &must, &allowed);
	if ((wr && !fd_writable(f)) || (!wr && !fd_readable(f))) {
		/* pread/pwrite check the position before the file. */
		must = MUST_FAIL;
		allowed = positioned && off < 0 ? E(EINVAL) : E(EBADF);
	} else if (must == MUST_OK && want > 0 && chance(10)) {
		buf = bad_ptr(!wr);
		must = MUST_FAIL;
		allowed = E(EFAULT);
	}
	if (wr) {
		/* Fresh data for the bytes that will be written, only. */
		uint32_t seed = (uint32_t)rnd64();

		if (buf == iobuf && must == MUST_OK && want > 0)
			md_random(iobuf, want, seed);
	}
	note("%s%s fd %d off %" PRId64 " len %" PRIu64 " buf %p",
	     positioned ? "p" : "", wr ? "write" : "read", f->fd, off, len, buf);
	if (positioned) {
		ret = wr ? pwrite(f->fd, buf, len, off) :
			   pread(f->fd, buf, len, off);
		ret = check(wr ? OP_PWRITE : OP_PREAD, ret, must, allowed);
	} else {
		/* lseek() cannot reach past the end or below 0. */
		if (off < 0 || (uint64_t)off > size)
			return;
		check(OP_LSEEK, lseek(f->fd, off, SEEK_SET), MUST_OK, NONE);
		ret = wr ? write(f->fd, buf, len) : read(f->fd, buf, len);
		ret = check(OP_READ_OR_WRITE, ret, must, allowed);
		if (ret >= 0 && lseek(f->fd, 0, SEEK_CUR) != off + ret)
			die("file position %jd after %ld bytes from %" PRId64,
			    (intmax_t)lseek(f->fd, 0, SEEK_CUR), ret, off);
	}
	if (ret >= 0 && ret != want)
		die("returned %ld, want %ld", ret, want);
	if (!wr && ret > 0 && buf == iobuf) {
		/* What was read of this worker's pages is its pattern. */
		uint64_t pg = own_first(widx), end = pg + own_pages;

		for (; pg < end; pg++) {
			if (pg * page < (uint64_t)off ||
			    (pg + 1) * page > (uint64_t)off + ret)
				continue;
			verify_page(iobuf + (pg * page - off), pg, "read()");
		}
	}
}

static void op_lseek(void)
{
	static const int whences[] = {
		SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE, 7,
	};
	struct fdent *f = pick_fd(true);
	int wh = whences[rnd(ARRAY_SIZE(whences))];
	int64_t off = chance(50) ? (int64_t)rnd(size + 2) - 1 :
				   (int64_t)rnd64();
	off_t ret;

	if (!f)
		return;
	note("lseek fd %d %" PRId64 " whence %d", f->fd, off, wh);
	ret = lseek(f->fd, off, wh);
	check(OP_LSEEK, ret, wh == 7 ? MUST_FAIL : EITHER, E(EINVAL, ENXIO));
	if (ret > (off_t)size)
		die("lseek to %jd, past the end", (intmax_t)ret);
	if (wh == SEEK_SET && off >= 0 && (uint64_t)off <= size && ret != off)
		die("lseek(SEEK_SET, %" PRId64 ") = %jd", off, (intmax_t)ret);
}

/* read() into, or write() from, a mapping of the device itself. */
static void op_rw_via_mapping(void)
{
	struct region *r = pick_region();
	struct fdent *f = pick_fd(true);
	uint64_t off, len, pg;
	size_t i;
	bool wr = chance(50);
	long ret;

	if (!r || !f || r->ring)
		return;
	if (wr) {
		/* Source: any readable page of any mapping. */
		if (!(r->prot & PROT_READ) || !fd_writable(f))
			return;
		pub_range(&off, &len, r->len);
		note("write fd %d off %#" PRIx64 " len %" PRIu64 " from %p",
		     f->fd, off, len, (void *)r->addr);
		ret = check(OP_RW_VIA_MAPPING, pwrite(f->fd, r->addr, len, off),
			    MUST_OK, NONE);
		if ((uint64_t)ret != len)
			die("wrote %ld of %" PRIu64, ret, len);
		return;
	}
	/* Destination: a writable mapping, public or private pages only. */
	if (!(r->prot & PROT_WRITE) || !fd_readable(f))
		return;
	if (r->shared)
		for (i = 0; i < npg(r); i++) {
			pg = r->off / page + i;
			if (page_owner(pg) >= 0)
				return;
		}
	off = rnd(size);
	len = 1 + rnd(r->len);
	note("read fd %d off %#" PRIx64 " len %" PRIu64 " into %p", f->fd,
	     off, len, (void *)r->addr);
	ret = check(OP_RW_VIA_MAPPING, pread(f->fd, r->addr, len, off), MUST_OK,
		    NONE);
	if ((uint64_t)ret != (len < size - off ? len : size - off))
		die("read %ld of %" PRIu64, ret, len);
}

/* --- ioctls ------------------------------------------------------------- */

static void *arg_or_bad(void *good, bool out, int *must, struct errs *allowed)
{
	if (!chance(8))
		return good;
	*must = MUST_FAIL;
	*allowed = E(EFAULT);
	return bad_ptr(out);
}

static void op_info(struct fdent *f)
{
	struct mmapdemo_info info;
	struct errs allowed = NONE;
	int must = MUST_OK;
	void *p = arg_or_bad(&info, true, &must, &allowed);

	note("INFO fd %d arg %p", f->fd, p);
	if (check(OP_INFO, ioctl(f->fd, MMAPDEMO_IOC_INFO, p), must,
		  allowed) < 0)
		return;
	if (info.abi_version != MMAPDEMO_ABI_VERSION ||
	    info.page_size != page || info.size != size ||
	    (info.huge & ~(MMAPDEMO_HUGE_REMAP | MMAPDEMO_HUGE_FAULT)) ||
	    (!f->inherited && info.map_mode != (uint32_t)f->mode))
		die("INFO: abi %u page %u size %llu mode %u huge %#x",
		    info.abi_version, info.page_size,
		    (unsigned long long)info.size, info.map_mode,
		    info.huge);
}

static void op_set_mode(struct fdent *f)
{
	uint32_t mode = chance(80) ? (uint32_t)rnd(2) : (uint32_t)rnd64();
	struct errs allowed = E(EINVAL, EBUSY);
	int must;
	void *p;

	if (f->inherited)
		return;
	if (mode > 1)
		must = MUST_FAIL;
	else if (f->mapped == 1)
		must = MUST_FAIL;
	else
		must = f->mapped ? EITHER : MUST_OK;
	if (must != MUST_OK)
		allowed = mode > 1 ? E(EINVAL) : E(EBUSY);
	p = arg_or_bad(&mode, false, &must, &allowed);
	note("SET_MODE fd %d mode %u arg %p", f->fd, mode, p);
	if (check(OP_SET_MODE, ioctl(f->fd, MMAPDEMO_IOC_SET_MODE, p), must,
		  allowed) < 0) {
		if (errno == EBUSY)
			f->mapped = 1;
		return;
	}
	f->mode = (int)mode;
	f->mapped = 0;
}

/*
 * The range and flags of a FILL (@fill: public bytes only, which nobody
 * checks) or a CHECKSUM (anywhere): valid three times in four, else a
 * range or a flag the kernel must refuse with EINVAL.
 */
static void range_args(bool fill, __u64 *off, __u64 *len, __u32 *flags,
		       int *must, struct errs *allowed)
{
	uint64_t o, l;

	if (!chance(75)) {
		bad_range(&o, &l);
		*must = MUST_FAIL;
		*allowed = E(EINVAL);
	} else if (fill) {
		pub_range(&o, &l, 16 * page);
		if (chance(5))
			l = 0;
	} else {
		o = rnd(size + 1);
		l = rnd(size - o + 1);
		if (l > 64 * (uint64_t)page)
			l = rnd(64 * page);
	}
	*off = o;
	*len = l;
	if (chance(10)) {
		*flags = 1u << rnd(32);
		*must = MUST_FAIL;
		*allowed = E(EINVAL);
	}
}

static void op_fill(struct fdent *f)
{
	struct mmapdemo_fill fl = { .seed = (uint32_t)rnd64() };
	struct errs allowed = NONE;
	int must = MUST_OK;
	void *p;

	range_args(true, &fl.offset, &fl.length, &fl.flags, &must, &allowed);
	p = arg_or_bad(&fl, false, &must, &allowed);
	if (!fd_writable(f)) {
		must = MUST_FAIL;
		allowed = E(EBADF);
	}
	note("FILL fd %d [%#llx, +%#llx) flags %#x arg %p", f->fd,
	     (unsigned long long)fl.offset, (unsigned long long)fl.length,
	     fl.flags, p);
	check(OP_FILL, ioctl(f->fd, MMAPDEMO_IOC_FILL, p), must, allowed);
}

static void op_checksum(struct fdent *f)
{
	struct mmapdemo_checksum ck = { 0 };
	struct errs allowed = NONE;
	int must = MUST_OK;
	void *p;

	range_args(false, &ck.offset, &ck.length, &ck.flags, &must, &allowed);
	/* In, then out: a read-only argument faults on the way out. */
	p = arg_or_bad(&ck, true, &must, &allowed);
	note("CHECKSUM fd %d [%#llx, +%#llx) flags %#x arg %p", f->fd,
	     (unsigned long long)ck.offset, (unsigned long long)ck.length,
	     ck.flags, p);
	check(OP_CHECKSUM, ioctl(f->fd, MMAPDEMO_IOC_CHECKSUM, p), must,
	      allowed);
}

/*
 * EXPORT_DMABUF of a page-aligned public range (three times in four),
 * else a range or flags the kernel must refuse; a dma-buf made is mapped
 * and written half the time (public bytes), then closed: an export
 * lives only inside this call, so resizes and the final unload are as
 * the model expects.
 */
static void op_export_dmabuf(struct fdent *f)
{
	static const int accs[] = { O_RDONLY, O_WRONLY, O_RDWR };
	struct mmapdemo_dmabuf_export ex = { .fd = -1 };
	struct errs allowed = NONE;
	int must = MUST_OK, acc, dfd;
	uint64_t o, l;
	void *p;

	pub_range(&o, &l, 16 * page);
	o &= ~(uint64_t)(page - 1);
	if (o < pub_start)
		o = pub_start;
	l = (l + page - 1) & ~(uint64_t)(page - 1);
	if (l > size - o)
		l = size - o;
	acc = accs[rnd(3)];
	ex.flags = acc | (chance(50) ? O_CLOEXEC : 0);
	if (!chance(75)) {
		switch (rnd(3)) {
		case 0:
			bad_range(&o, &l);
			break;
		case 1:
			o += 1 + rnd(page - 1);
			break;
		default:
			l = chance(50) ? 0 : l - 1;
			break;
		}
		must = MUST_FAIL;
		allowed = E(EINVAL);
	}
	/* No more access than the file has. */
	if ((acc != O_RDONLY && !fd_writable(f)) ||
	    (acc != O_WRONLY && f->acc == O_WRONLY)) {
		must = MUST_FAIL;
		allowed = E(EBADF);
	}
	if (chance(10)) {
		ex.flags = (__u32)rnd64() | 0x800;	/* O_NONBLOCK: never valid */
		must = MUST_FAIL;
		allowed = E(EINVAL);
	}
	ex.offset = o;
	ex.size = l;
	/* A bad pointer may fault on the way in or, after a refusal, not. */
	p = &ex;
	if (chance(8)) {
		p = bad_ptr(true);
		must = MUST_FAIL;
		allowed = E(EFAULT, EINVAL, EBADF);
	}
	note("EXPORT_DMABUF fd %d [%#llx, +%#llx) flags %#x arg %p", f->fd,
	     (unsigned long long)o, (unsigned long long)l, ex.flags, p);
	if (check(OP_EXPORT_DMABUF, ioctl(f->fd, MMAPDEMO_IOC_EXPORT_DMABUF, p),
		  must, allowed) < 0)
		return;
	dfd = ex.fd;
	if (dfd < 0 || !(fcntl(dfd, F_GETFD) & FD_CLOEXEC) !=
	    !(ex.flags & O_CLOEXEC))
		die("EXPORT_DMABUF: fd %d, close-on-exec not as asked", dfd);
	if (acc != O_WRONLY && chance(50)) {
		int prot = PROT_READ | (acc == O_RDWR ? PROT_WRITE : 0);
		uint8_t *m = mmap(NULL, l, prot, MAP_SHARED, dfd, 0);

		check(OP_DMABUF_MMAP, m == MAP_FAILED ? -1 : 0, MUST_OK, NONE);
		if (prot & PROT_WRITE)
			m[rnd(l)] ^= 0x5a;	/* public bytes */
		else
			(void)*(volatile uint8_t *)&m[rnd(l)];
		munmap(m, l);
	}
	close(dfd);
}

static void op_stats(struct fdent *f)
{
	struct mmapdemo_stats st;
	struct errs allowed = NONE;
	int must = MUST_OK;
	unsigned long cmd = MMAPDEMO_IOC_STATS;
	void *p = arg_or_bad(&st, true, &must, &allowed);

	if (chance(30))		/* an older, shorter layout */
		cmd = _IOC(_IOC_READ, MMAPDEMO_IOC_MAGIC, 0x04,
			   MMAPDEMO_STATS_SIZE_V1);
	note("STATS fd %d cmd %#lx arg %p", f->fd, cmd, p);
	if (check(OP_STATS, ioctl(f->fd, cmd, p), must, allowed) < 0)
		return;
	/* The parent's mapping is there all along. */
	if (st.live_vmas < 1 || st.live_vmas > 1000000)
		die("STATS: live_vmas %llu", (unsigned long long)st.live_vmas);
}

static void op_ring_setup(struct fdent *f)
{
	struct mmapdemo_ring_setup rs = { 0 };
	struct errs allowed = NONE;
	int must = MUST_OK;
	void *p;

	if (f->inherited)
		return;
	rs.sq_entries = 1u << rnd(7);
	rs.cq_entries = 1u << rnd(7);
	rs.first_index = chance(50) ? (uint32_t)-rnd(64) : (uint32_t)rnd64();
	switch (rnd(8)) {
	case 0:
		rs.sq_entries = chance(50) ? 0 : 3 + 2 * (uint32_t)rnd(1000);
		break;
	case 1:
		rs.cq_entries = chance(50) ? MMAPDEMO_RING_MAX_ENTRIES * 2 :
					     (uint32_t)rnd64() | 1;
		break;
	case 2:
		rs.flags = 1u << rnd(32);
		break;
	case 3:
		rs.reserved[rnd(2)] = rnd64() | 1;
		break;
	}
	if (rs.sq_entries != (rs.sq_entries & -rs.sq_entries) ||
	    rs.cq_entries != (rs.cq_entries & -rs.cq_entries) ||
	    !rs.sq_entries || !rs.cq_entries ||
	    rs.sq_entries > MMAPDEMO_RING_MAX_ENTRIES ||
	    rs.cq_entries > MMAPDEMO_RING_MAX_ENTRIES || rs.flags ||
	    rs.reserved[0] || rs.reserved[1]) {
		must = MUST_FAIL;
		allowed = E(EINVAL);
	} else if (f->ring) {
		must = MUST_FAIL;
		allowed = E(EBUSY);
	}
	/* The ring is set up even if copying the layout out fails. */
	p = chance(8) ? bad_ptr(false) : &rs;
	if (p != &rs) {
		must = MUST_FAIL;
		allowed = E(EFAULT);
	}
	if (!fd_writable(f)) {
		must = MUST_FAIL;
		allowed = E(EBADF);
	}
	note("RING_SETUP fd %d sq %u cq %u first %#x flags %#x arg %p", f->fd,
	     rs.sq_entries, rs.cq_entries, rs.first_index, rs.flags, p);
	if (check(OP_RING_SETUP, ioctl(f->fd, MMAPDEMO_IOC_RING_SETUP, p),
		  must, allowed) < 0)
		return;
	if (rs.sq_off != (uint64_t)page ||
	    rs.cq_off != page + page_align(rs.sq_entries * 64ULL) ||
	    rs.region_size != rs.cq_off + page_align(rs.cq_entries * 64ULL))
		die("RING_SETUP layout: size %llu sq_off %llu cq_off %llu",
		    (unsigned long long)rs.region_size,
		    (unsigned long long)rs.sq_off,
		    (unsigned long long)rs.cq_off);
	f->ring = true;
	f->geo = rs;
	f->ring_id = next_ring_id++;
	if (f->ring_id < sizeof(ws->cq_tainted))
		ws->cq_tainted[f->ring_id] = 0;
}

/*
 * Without a ring: EINVAL. With one, loosely: a fork child may have broken
 * it or started its producer.
 */
static struct errs ring_allowed(const struct fdent *f,
				struct errs with_ring, int *must)
{
	if (!f->ring) {
		*must = MUST_FAIL;
		return E(EINVAL);
	}
	*must = EITHER;
	return with_ring;
}

static void op_ring_ioctl(struct fdent *f)
{
	struct errs allowed;
	int must;

	switch (rnd(5)) {
	case 0: {
		allowed = ring_allowed(f, E(EBADMSG, EINVAL), &must);
		note("RING_DOORBELL fd %d", f->fd);
		check(OP_DOORBELL, ioctl(f->fd, MMAPDEMO_IOC_RING_DOORBELL),
		      must, allowed);
		break;
	}
	case 1: {
		struct mmapdemo_ring_producer pr = {
			.rate = 1 + (uint32_t)rnd(2000),
			.count = rnd(3) ? rnd(200) : 0,
			.user_data = rnd64(),
		};
		void *p = &pr;

		allowed = ring_allowed(f, E(EBUSY, EBADMSG, EINVAL, EFAULT),
				       &must);
		switch (rnd(6)) {
		case 0:
			pr.rate = chance(50) ? 0 : MMAPDEMO_RING_MAX_RATE + 1 +
						   (uint32_t)rnd(1000);
			break;
		case 1:
			pr.flags = 1;
			break;
		case 2:
			pr.reserved = rnd64() | 1;
			break;
		case 3:
			p = bad_ptr(false);
			break;
		}
		if (f->ring && (p != &pr || pr.flags || pr.reserved ||
				!pr.rate || pr.rate > MMAPDEMO_RING_MAX_RATE)) {
			must = MUST_FAIL;
			allowed = p != &pr ? E(EFAULT) : E(EINVAL);
		}
		note("PRODUCER_START fd %d rate %u count %llu arg %p", f->fd,
		     pr.rate, (unsigned long long)pr.count, p);
		check(OP_PRODUCER, ioctl(f->fd,
					 MMAPDEMO_IOC_RING_PRODUCER_START, p),
		      must, allowed);
		break;
	}
	case 2:
		allowed = ring_allowed(f, E(EINVAL), &must);
		note("PRODUCER_STOP fd %d", f->fd);
		check(OP_PRODUCER, ioctl(f->fd,
					 MMAPDEMO_IOC_RING_PRODUCER_STOP),
		      must, allowed);
		break;
	case 3: {
		struct mmapdemo_ring_eventfd ev = { .fd = efd };
		void *p = &ev;
		int want = 0;

		switch (rnd(6)) {
		case 0:
			ev.fd = -1;
			break;
		case 1:
			ev.fd = -2 - (int)rnd(1000);
			want = EINVAL;
			break;
		case 2:
			ev.fd = cfd;		/* not an eventfd */
			want = EINVAL;
			break;
		case 3:
			ev.fd = 1000 + (int)rnd(1000);
			want = EBADF;
			break;
		case 4:
			ev.flags = 1u << rnd(32);
			want = EINVAL;
			break;
		}
		if (chance(8)) {
			p = bad_ptr(false);
			want = EFAULT;
		}
		allowed = ring_allowed(f, E(EINVAL, EBADF, EFAULT), &must);
		if (f->ring) {
			must = want ? MUST_FAIL : MUST_OK;
			allowed = want == EINVAL ? E(EINVAL) :
				  want == EBADF ? E(EBADF) : E(EFAULT);
		}
		note("RING_EVENTFD fd %d eventfd %d flags %#x arg %p", f->fd,
		     ev.fd, ev.flags, p);
		check(OP_EVENTFD, ioctl(f->fd, MMAPDEMO_IOC_RING_EVENTFD, p),
		      must, allowed);
		break;
	}
	default: {
		struct mmapdemo_ring_stats st = { 0 };
		void *p = chance(8) ? bad_ptr(true) : &st;
		int r;

		allowed = ring_allowed(f, E(EINVAL, EFAULT), &must);
		if (f->ring) {
			must = p == &st ? MUST_OK : MUST_FAIL;
			allowed = E(EFAULT);
		}
		note("RING_STATS fd %d arg %p", f->fd, p);
		r = ioctl(f->fd, MMAPDEMO_IOC_RING_STATS, p);
		/* st holds counters only when the call succeeded into it. */
		if (check(OP_RING_STATS, r, must, allowed) < 0 || r ||
		    p != &st)
			break;
		if (st.completions != st.submissions ||
		    st.errors > st.completions || st.status > 2 ||
		    st.producing > 1 || st.reserved[0] || st.reserved[3])
			die("RING_STATS: sub %llu comp %llu err %llu status %u",
			    (unsigned long long)st.submissions,
			    (unsigned long long)st.completions,
			    (unsigned long long)st.errors, st.status);
		break;
	}
	}
}

/* Consume the CQ of a mapped ring as a well-behaved user would. */
static void op_cq_drain(void)
{
	struct region *r = pick_ring_region();
	struct mmapdemo_ring_ctrl *c;
	uint32_t head, tail;

	if (!r || !r->ring || r->off || !(r->prot & PROT_WRITE) ||
	    !(r->prot & PROT_READ))
		return;
	c = (void *)r->addr;
	tail = __atomic_load_n(&c->cq_tail, __ATOMIC_ACQUIRE);
	head = c->cq_head;
	note("drain CQ [%#x, %#x)", head, tail);
	ws->ops[OP_CQ_DRAIN]++;
	/*
	 * What the kernel posted is well-formed, whatever we scribbled: the
	 * slots in [head, tail) are not the kernel's to write meanwhile.
	 */
	if (r->ring_id < sizeof(ws->cq_tainted) &&
	    !ws->cq_tainted[r->ring_id] && tail - head <= r->geo.cq_entries &&
	    r->len >= r->geo.cq_off + r->geo.cq_entries * 64ULL) {
		const struct mmapdemo_cqe *cq = (void *)(r->addr +
							 r->geo.cq_off);

		for (; head != tail; head++) {
			struct mmapdemo_cqe e = cq[head & (r->geo.cq_entries - 1)];
			bool ok;

			if (e.opcode == MMAPDEMO_OP_RECORD && !e.res)
				ok = !mmapdemo_record_check(&e, e.user_data);
			else if (e.opcode == MMAPDEMO_OP_ECHO && e.res >= 0)
				ok = e.res == e.len &&
				     e.len <= MMAPDEMO_RING_INLINE;
			else
				ok = (e.res == 0 || e.res == -EINVAL) &&
				     (!e.len || e.opcode == MMAPDEMO_OP_RECORD);
			if (!ok || e.flags)
				die("bad CQE at %#x: opcode %u res %d len %u flags %u",
				    head, e.opcode, e.res, e.len, e.flags);
			ws->cqes++;
		}
	}
	__atomic_store_n(&c->cq_head, tail, __ATOMIC_RELEASE);
}

/*
 * poll(): a file without a ring is always ready. With one, whatever the
 * indices say (a scribbled sq_tail leaves no room and no error until the
 * next doorbell finds it), but nothing else.
 */
static void op_poll(void)
{
	struct fdent *f = pick_ring_fd(false);
	struct pollfd p;

	if (!f)
		return;
	p.fd = f->fd;
	p.events = POLLIN | POLLOUT | POLLERR;
	p.revents = 0;
	note("poll fd %d", f->fd);
	if (check(OP_POLL, poll(&p, 1, 0), MUST_OK, NONE) != !!p.revents)
		die("poll: returned %d with revents %#x", !p.revents,
		    p.revents);
	if (!f->ring && p.revents != (POLLIN | POLLOUT))
		die("poll without a ring: revents %#x", p.revents);
	if (f->ring && (p.revents & ~(POLLIN | POLLOUT | POLLERR)))
		die("poll: revents %#x", p.revents);
}

/* Numbers nobody defined, in our type and elsewhere (but not the VFS's). */
static void op_ioctl_random(struct fdent *f)
{
	static const unsigned long known[] = {
		MMAPDEMO_IOC_INFO, MMAPDEMO_IOC_SET_MODE, MMAPDEMO_IOC_FILL,
		MMAPDEMO_IOC_CHECKSUM, MMAPDEMO_IOC_STATS,
		MMAPDEMO_IOC_RING_SETUP, MMAPDEMO_IOC_RING_DOORBELL,
		MMAPDEMO_IOC_RING_PRODUCER_START,
		MMAPDEMO_IOC_RING_PRODUCER_STOP, MMAPDEMO_IOC_RING_EVENTFD,
		MMAPDEMO_IOC_RING_STATS, MMAPDEMO_IOC_EXPORT_DMABUF,
	};
	unsigned long cmd, type;
	unsigned int i, sz;
	bool stats;

again:
	type = chance(70) ? MMAPDEMO_IOC_MAGIC : rnd(256);
	/* 'T' (FIONBIO, FIOCLEX...), 'X' (FIFREEZE), 'f', 0x94, 0x12. */
	if (type == 'T' || type == 'X' || type == 'f' || type == 0x94 ||
	    type == 0x12 || type == 0)
		goto again;
	sz = chance(50) ? (unsigned int)rnd(512) : 8 * (unsigned int)rnd(16);
	cmd = _IOC(rnd(4), type, chance(70) ? rnd(0x20) : rnd(256), sz);
	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (cmd == known[i])
			goto again;
	stats = _IOC_TYPE(cmd) == MMAPDEMO_IOC_MAGIC &&
		_IOC_NR(cmd) == 0x04 && _IOC_DIR(cmd) == _IOC_READ &&
		sz >= MMAPDEMO_STATS_SIZE_V1 &&
		sz <= sizeof(struct mmapdemo_stats) && !(sz % 8);
	note("ioctl fd %d cmd %#lx", f->fd, cmd);
	check(OP_IOCTL_RANDOM, ioctl(f->fd, cmd, chance(50) ? iobuf :
				     bad_ptr(true)),
	      stats ? EITHER : MUST_FAIL, stats ? E(EFAULT) : E(ENOTTY));
}

/* Resizing: the parent maps the buffer throughout, so never now. */
static void op_resize(void)
{
	static const char * const bad[] = {
		"0", "abc", "-4096", "4T", "99999999999999999999",
		"18446744073709551615G", "4M4", "0x1000",
	};
	char val[32];
	bool valid = chance(60);

	if (valid && chance(50))
		snprintf(val, sizeof(val), "%" PRIu64 "K", 1 + rnd(8192));
	else if (valid)
		snprintf(val, sizeof(val), "%" PRIu64 "M", 1 + rnd(8));
	else
		snprintf(val, sizeof(val), "%s", bad[rnd(ARRAY_SIZE(bad))]);
	note("write size=%s", val);
	check(OP_RESIZE, md_write_sysfs(size_file, val), MUST_FAIL,
	      valid ? E(EBUSY) : E(EINVAL));
}

static void op_fault_around(void)
{
	static const char * const vals[] = {
		"0", "4096", "8K", "64K", "256K", "1M", "2M", "12288",
	};
	static const char * const bad[] = { "4M", "x", "-1", "3G", "K" };
	bool valid = chance(80);
	const char *v = valid ? vals[rnd(ARRAY_SIZE(vals))] :
				bad[rnd(ARRAY_SIZE(bad))];

	note("write fault_around=%s", v);
	check(OP_FAULT_AROUND, md_write_sysfs(MD_PARAM("fault_around"), v),
	      valid ? MUST_OK : MUST_FAIL, E(EINVAL));
}

static void op_mmap_data(void)
{
	op_mmap(false);
}

static void op_mmap_ring(void)
{
	op_mmap(true);
}

static void op_touch_mapping(void)
{
	op_touch(pick_region());
}

static void op_touch_ring(void)
{
	op_touch(pick_ring_region());
}

static void op_pread(void)
{
	op_rw(false, true);
}

static void op_pwrite(void)
{
	op_rw(true, true);
}

static void op_read_or_write(void)
{
	op_rw(chance(50), false);
}

static void own_page_write(void)
{
	own_write(pick_own_page(), (int)rnd(2));
}

static void own_page_check(void)
{
	own_check(pick_own_page(), (int)rnd(2));
}

/*
 * What a worker does next, each with its weight in the draw. An ioctl
 * runs on an open file: any (OPEN_FD), mostly one with a ring (RING_FD),
 * or mostly one with a ring or able to set one up (RING_RW_FD).
 */
enum fd_kind { NO_FD, OPEN_FD, RING_FD, RING_RW_FD };

static const struct action {
	unsigned int weight;
	enum fd_kind fd;
	void (*run)(void);
	void (*run_on)(struct fdent *f);
} actions[] = {
#define DO(w, fn)		{ .weight = (w), .run = (fn) }
#define ON(w, kind, fn)		{ .weight = (w), .fd = (kind), .run_on = (fn) }
	DO(40, op_open),
	DO(30, op_close),
	DO(100, op_mmap_data),
	DO(40, op_mmap_ring),
	DO(50, op_munmap),
	DO(30, op_mremap),
	DO(30, op_mprotect),
	DO(40, op_madvise),
	DO(120, op_touch_mapping),
	DO(5, op_fork),
	DO(45, op_pread),
	DO(40, op_pwrite),
	DO(30, op_read_or_write),
	DO(15, op_lseek),
	DO(30, op_rw_via_mapping),
	DO(30, own_page_write),
	DO(20, own_page_check),
	ON(21, OPEN_FD, op_info),
	ON(21, OPEN_FD, op_set_mode),
	ON(21, OPEN_FD, op_fill),
	ON(21, OPEN_FD, op_checksum),
	ON(21, OPEN_FD, op_stats),
	ON(15, OPEN_FD, op_export_dmabuf),
	ON(21, RING_RW_FD, op_ring_setup),
	ON(42, RING_FD, op_ring_ioctl),
	ON(42, OPEN_FD, op_ioctl_random),
	DO(25, op_touch_ring),
	DO(10, op_cq_drain),
	DO(5, op_poll),
	DO(20, op_resize),
	DO(35, op_fault_around),
#undef DO
#undef ON
};

static unsigned int action_weights(void)
{
	unsigned int sum = 0;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(actions); k++)
		sum += actions[k].weight;
	return sum;
}

static void run_action(const struct action *a)
{
	struct fdent *f;

	if (a->fd == NO_FD) {
		a->run();
		return;
	}
	f = a->fd == OPEN_FD ? pick_fd(true) : pick_ring_fd(a->fd == RING_RW_FD);
	if (f)
		a->run_on(f);
}

static double now(void);

static void worker_loop(uint64_t nops)
{
	unsigned int total = action_weights();
	uint64_t i;
	size_t k;

	for (i = 0; i < nops; i++) {
		unsigned int r = (unsigned int)rnd(total);

		if (deadline && !(i % 32) && now() > deadline) {
			ws->timed_out = 1;
			break;
		}
		ws->op++;
		/* Running out of region slots: unmap more often. */
		if (free_regions() < NREG / 4 && chance(30)) {
			op_munmap();
			continue;
		}
		for (k = 0; r >= actions[k].weight; k++)
			r -= actions[k].weight;
		run_action(&actions[k]);
	}
}

/* --- a worker ----------------------------------------------------------- */

static uint32_t *gens;			/* all workers' generations, shared */

/* The worker's pages through a new file's mapping in @mode. */
static void own_check_mapped(int mode)
{
	uint64_t pg, first = own_first(widx);
	int fd;
	char *p;

	note("own pages through a fresh mapping, mode %d", mode);
	fd = (int)check(OP_OWN_PAGE_CHECK, open(devnode, O_RDONLY),
			MUST_OK, NONE);
	check(OP_OWN_PAGE_CHECK, ioctl(fd, MMAPDEMO_IOC_SET_MODE, &mode), MUST_OK,
	      NONE);
	p = mmap(NULL, own_pages * page, PROT_READ, MAP_SHARED, fd,
		 first * page);
	check(OP_OWN_PAGE_CHECK, p == MAP_FAILED ? -1 : 0, MUST_OK, NONE);
	for (pg = first; pg < first + own_pages; pg++)
		verify_page((uint8_t *)p + (pg - first) * page, pg,
			    mode ? "a remap mapping" : "a fault mapping");
	check(OP_OWN_PAGE_CHECK, munmap(p, own_pages * page), MUST_OK, NONE);
	check(OP_OWN_PAGE_CHECK, close(fd), MUST_OK, NONE);
}

static void __attribute__((noreturn)) worker(int idx, uint64_t nops)
{
	uint64_t s = opt.seed ^ (0x9e3779b97f4a7c15ULL * (idx + 1)), pg;
	int i;

	widx = idx;
	ws = &wstats[idx];
	rng = splitmix(&s) | 1;
	gen = gens + idx * own_pages;
	for (i = 0; i < NFD; i++)
		fds[i].fd = -1;
	cfd = open(devnode, O_RDWR | O_CLOEXEC);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	iobuf = malloc(IOBUF);
	cmpbuf = malloc(page);
	scratch = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (cfd < 0 || efd < 0 || !iobuf || !cmpbuf || scratch == MAP_FAILED ||
	    mprotect(scratch + page, page, PROT_NONE) ||
	    mprotect(scratch + 2 * page, page, PROT_READ))
		die("setup: %m");

	/* Generation 0 of every owned page. */
	for (pg = own_first(idx); pg < own_first(idx) + own_pages; pg++) {
		gen[pg - own_first(idx)] = (uint32_t)-1;
		own_write(pg, 1);
	}

	worker_loop(nops);

	/* Everything goes; then the pages must still be ours. */
	note("teardown");
	for (i = 0; i < NREG; i++)
		if (regs[i].addr)
			check(OP_MUNMAP, munmap(regs[i].addr, regs[i].len),
			      MUST_OK, NONE);
	for (i = 0; i < NFD; i++)
		if (fds[i].fd >= 0)
			check(OP_CLOSE, close(fds[i].fd), MUST_OK, NONE);
	for (pg = own_first(idx); pg < own_first(idx) + own_pages; pg++) {
		own_check(pg, 0);
		own_check(pg, 1);
	}
	own_check_mapped(MMAPDEMO_MODE_FAULT);
	own_check_mapped(MMAPDEMO_MODE_REMAP);
	close(cfd);
	fflush(stdout);
	_exit(0);
}

/* --- the parent --------------------------------------------------------- */

static int tap_n, tap_failed;

static void tap(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	tap_failed += !ok;
}

static uint64_t live_vmas(void)
{
	return md_stat(live_file);
}

static bool info_size(int fd, uint64_t want)
{
	struct mmapdemo_info info;

	if (ioctl(fd, MMAPDEMO_IOC_INFO, &info)) {
		md_diag("INFO: %m");
		return false;
	}
	if (info.size != want) {
		md_diag("INFO: size %llu, want %" PRIu64,
			(unsigned long long)info.size, want);
		return false;
	}
	return true;
}

/* The whole buffer is zero: CHECKSUM against the CRC32C of zeros. */
static bool all_zero(int fd, uint64_t len)
{
	struct mmapdemo_checksum ck = { .offset = 0, .length = len };
	uint8_t *z = calloc(1, len);
	uint32_t want;

	if (!z)
		return false;
	want = mmapdemo_crc32c(0, z, len);
	free(z);
	if (ioctl(fd, MMAPDEMO_IOC_CHECKSUM, &ck)) {
		md_diag("CHECKSUM: %m");
		return false;
	}
	if (ck.crc32c != want) {
		md_diag("CHECKSUM of %" PRIu64 " bytes %08x, want zeros %08x",
			len, ck.crc32c, want);
		return false;
	}
	return true;
}

/*
 * With nothing mapped: bad sizes are EINVAL, a good one replaces the
 * buffer by a zeroed one of that size; then back to @orig.
 */
static bool resize_unmapped(int fd, const char *orig, uint64_t orig_bytes,
			    const char *tmp, uint64_t tmp_bytes)
{
	static const char * const bad[] = { "0", "abc", "1X", "-1", "M" };
	unsigned int i;
	bool ok;

	if (live_vmas() != 0) {
		md_diag("live_vmas %" PRIu64 " before resizing", live_vmas());
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		if (!md_write_sysfs(size_file, bad[i]) || errno != EINVAL) {
			md_diag("size=\"%s\": %s, want EINVAL", bad[i],
				strerrorname_np(errno) ?: "success");
			return false;
		}
	}
	if (md_write_sysfs(size_file, tmp)) {
		md_diag("size=%s: %m", tmp);
		return false;
	}
	ok = info_size(fd, tmp_bytes) && all_zero(fd, tmp_bytes);
	if (md_write_sysfs(size_file, orig)) {
		md_diag("size=%s: %m", orig);
		return false;
	}
	return info_size(fd, orig_bytes) && all_zero(fd, orig_bytes) && ok;
}

/* Every worker's pages, from outside, after the run. */
static bool owned_intact(int fd, const bool *passed)
{
	uint8_t *buf = malloc(pub_start), *want = malloc(page);
	char *maps[2] = { MAP_FAILED, MAP_FAILED };
	uint64_t pg, bad = 0;
	int w, mode, checked = 0;
	bool ok = false;

	if (!buf || !want)
		goto out;
	if (pread(fd, buf, pub_start, 0) != (ssize_t)pub_start) {
		md_diag("pread: %m");
		goto out;
	}
	for (mode = 0; mode < 2; mode++) {
		int mfd = open(devnode, O_RDONLY | O_CLOEXEC);

		if (mfd >= 0 && ioctl(mfd, MMAPDEMO_IOC_SET_MODE, &mode)) {
			close(mfd);
			mfd = -1;
		}
		if (mfd < 0) {
			md_diag("open/SET_MODE %d: %m", mode);
			goto out;
		}
		maps[mode] = mmap(NULL, pub_start, PROT_READ, MAP_SHARED, mfd,
				  0);
		close(mfd);
		if (maps[mode] == MAP_FAILED) {
			md_diag("mmap mode %d: %m", mode);
			goto out;
		}
	}
	for (w = 0; w < opt.procs; w++) {
		if (!passed[w])
			continue;
		checked++;
		for (pg = own_first(w); pg < own_first(w) + own_pages; pg++) {
			uint32_t g = gens[pg], s = page_seed(w, pg, g), crc;
			uint64_t o = pg * page;
			bool r, f, m, c;

			mmapdemo_pattern_fill(want, o, page, s);
			r = !memcmp(buf + o, want, page);
			f = !memcmp(maps[0] + o, want, page);
			m = !memcmp(maps[1] + o, want, page);
			c = !md_kernel_crc(fd, o, page, &crc) &&
			    crc == mmapdemo_crc32c(0, want, page);
			if (!(r && f && m && c) && !bad++)
				md_diag("worker %d page %" PRIu64
					" gen %u right (1) or not (0) through read() %d, mappings %d %d, CHECKSUM %d",
					w, pg, g, r, f, m, c);
		}
	}
	if (bad)
		md_diag("%" PRIu64 " owned pages wrong", bad);
	/* No worker finished: nothing was checked, which is no pass. */
	if (!checked)
		md_diag("no worker finished: no owned page checked");
	ok = checked && !bad;
out:
	for (mode = 0; mode < 2; mode++)
		if (maps[mode] != MAP_FAILED)
			munmap(maps[mode], pub_start);
	free(buf);
	free(want);
	return ok;
}

static void summary(double secs)
{
	uint64_t ops = 0, forks = 0, cqes = 0, calls[OP_COUNT] = { 0 };
	int timed_out = 0;
	uint64_t fails[OP_COUNT] = { 0 }, errs[MAX_ERRNO] = { 0 };
	char line[1024];
	int w, i, n;

	for (w = 0; w < opt.procs; w++) {
		ops += wstats[w].op;
		forks += wstats[w].forks;
		cqes += wstats[w].cqes;
		timed_out += wstats[w].timed_out;
		for (i = 0; i < OP_COUNT; i++) {
			calls[i] += wstats[w].ops[i];
			fails[i] += wstats[w].fails[i];
		}
		for (i = 0; i < MAX_ERRNO; i++)
			errs[i] += wstats[w].errnos[i];
	}
	md_diag("fuzz: seed %" PRIu64 ", %d processes (+%" PRIu64
	     " fork children), %" PRIu64 " ops in %.1f s: %.0f ops/s%s",
	     opt.seed, opt.procs, forks, ops, secs, secs > 0 ? ops / secs : 0,
	     timed_out ? " (stopped by --max-seconds before the budget)" : "");
	n = 0;
	line[0] = '\0';
	for (i = 0; i < OP_COUNT; i++) {
		if (!calls[i])
			continue;
		n += snprintf(line + n, sizeof(line) - n, " %s %" PRIu64 "/%"
			      PRIu64, op_names[i], calls[i], fails[i]);
		if (n > 60) {
			md_diag("calls/failed:%s", line);
			n = 0;
			line[0] = '\0';
		}
	}
	if (n)
		md_diag("calls/failed:%s", line);
	n = 0;
	line[0] = '\0';
	for (i = 1; i < MAX_ERRNO; i++)
		if (errs[i])
			n += snprintf(line + n, sizeof(line) - n, " %s %" PRIu64,
				      strerrorname_np(i) ?: "?", errs[i]);
	md_diag("errnos:%s", n ? line : " none");
	md_diag("ring completions checked: %" PRIu64, cqes);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_usage(void)
{
	fprintf(stderr, "usage: %s [--seed N] [--ops N] [--procs N]\n"
		"       [--max-seconds S] [--device N] [--verbose]\n",
		program_invocation_short_name);
	exit(2);
}

/*
 * --device N: fuzz device N of devices= (0 keeps the size parameter;
 * the others have only their own size file).
 */
static int set_device(unsigned long n)
{
	const char *name;

	if (n >= MMAPDEMO_MAX_DEVICES ||
	    mmapdemo_device_path(n, devnode, sizeof(devnode)))
		return -1;
	name = strrchr(devnode, '/') + 1;
	if (n)
		snprintf(size_file, sizeof(size_file),
			 "/sys/class/misc/%s/size", name);
	snprintf(live_file, sizeof(live_file),
		 "/sys/class/misc/%s/stats/live_vmas", name);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "procs", required_argument, NULL, 'p' },
		{ "max-seconds", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "device", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct wstats dummy = { 0 };
	struct mmapdemo_info info;
	char orig_size[32], orig_fa[32];
	bool seeded = false, *passed;
	uint64_t orig_bytes;
	double t0, secs;
	void *sentinel;
	int c, fd, w;
	pid_t *pids;

	while ((c = getopt_long(argc, argv, "s:n:p:t:vd:", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'n':
			opt.ops = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			opt.procs = atoi(optarg);
			break;
		case 't':
			opt.max_secs = atof(optarg);
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'd':
			if (set_device(strtoul(optarg, NULL, 10)))
				print_usage();
			break;
		default:
			print_usage();
		}
	}
	if (opt.procs < 1 || opt.procs > 64 || optind != argc)
		print_usage();
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		opt.seed = (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	}
	ws = &dummy;
	widx = -1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%d\n", opt.procs + 4);
	md_diag("fuzz: seed %" PRIu64 ", %" PRIu64
	     " ops, %d processes on %s (reproduce: fuzz --seed %" PRIu64
	     " --ops %" PRIu64 " --procs %d --device %s)", opt.seed, opt.ops,
	     opt.procs, devnode, opt.seed, opt.ops, opt.procs,
	     devnode[strlen(MMAPDEMO_DEVICE)] ? devnode + strlen(MMAPDEMO_DEVICE) :
	     "0");

	fd = open(devnode, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, MMAPDEMO_IOC_INFO, &info) ||
	    md_read_sysfs(size_file, orig_size, sizeof(orig_size)) ||
	    md_read_sysfs(MD_PARAM("fault_around"), orig_fa, sizeof(orig_fa))) {
		printf("Bail out! cannot open %s: %m\n", devnode);
		return 1;
	}
	page = info.page_size;
	size = info.size;
	orig_bytes = size;
	npages = size / page;
	default_mode = (int)info.default_mode;
	own_pages = npages / 2 / opt.procs;
	pub_start = opt.procs * own_pages * page;
	if (!own_pages) {
		printf("Bail out! %" PRIu64 " pages are too few for %d processes\n",
		       npages, opt.procs);
		return 1;
	}

	tap(resize_unmapped(fd, orig_size, orig_bytes, "2M", 2 << 20),
	    "resize with nothing mapped: bad sizes EINVAL, 2M and back to %s zeroed",
	    orig_size);
	md_diag("buffer %" PRIu64 " pages: %" PRIu64 " owned by each process, %"
	     PRIu64 " public", npages, own_pages, npages - pub_start / page);

	wstats = mmap(NULL, opt.procs * sizeof(*wstats), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	gens = mmap(NULL, npages / 2 * sizeof(*gens) + page,
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/* Mapped all along: every resize during the run must be EBUSY. */
	sentinel = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, size - page);
	pids = calloc(opt.procs, sizeof(*pids));
	passed = calloc(opt.procs, sizeof(*passed));
	if (wstats == MAP_FAILED || gens == MAP_FAILED ||
	    sentinel == MAP_FAILED || !pids || !passed) {
		printf("Bail out! setup: %m\n");
		return 1;
	}

	t0 = now();
	if (opt.max_secs > 0)
		deadline = t0 + opt.max_secs;
	for (w = 0; w < opt.procs; w++) {
		pids[w] = fork();
		if (pids[w] < 0) {
			printf("Bail out! fork: %m\n");
			return 1;
		}
		if (!pids[w])
			worker(w, (opt.ops + opt.procs - 1 - w) / opt.procs);
	}
	for (w = 0; w < opt.procs; w++) {
		int status;

		if (waitpid(pids[w], &status, 0) != pids[w]) {
			printf("Bail out! waitpid: %m\n");
			return 1;
		}
		passed[w] = WIFEXITED(status) && !WEXITSTATUS(status);
		if (WIFSIGNALED(status))
			md_diag("worker %d killed by signal %d (%s) at op %" PRIu64
			     " (%s), seed %" PRIu64, w, WTERMSIG(status),
			     strsignal(WTERMSIG(status)), wstats[w].op,
			     wstats[w].last, opt.seed);
		tap(passed[w], "process %d: %" PRIu64 " ops (%" PRIu64
		    " fork children%s), every result as the driver's ABI says",
		    w, wstats[w].op, wstats[w].forks,
		    wstats[w].timed_out ? ", stopped by the time limit" : "");
	}
	secs = now() - t0;
	munmap(sentinel, page);

	tap(owned_intact(fd, passed),
	    "owned pages keep their pattern: read(), fault and remap mappings, CHECKSUM");
	{
		struct mmapdemo_stats st;
		uint64_t lv = live_vmas();

		if (ioctl(fd, MMAPDEMO_IOC_STATS, &st))
			st.live_vmas = UINT64_MAX;
		if (lv || st.live_vmas)
			md_diag("live_vmas: sysfs %" PRIu64 ", STATS %llu", lv,
				(unsigned long long)st.live_vmas);
		tap(!lv && !st.live_vmas,
		    "no mapping left: live_vmas 0 in sysfs and STATS");
	}
	tap(resize_unmapped(fd, orig_size, orig_bytes, "1M", 1 << 20) &&
	    !md_write_sysfs(MD_PARAM("fault_around"), orig_fa),
	    "resize after the run: bad sizes EINVAL, 1M and back to %s zeroed",
	    orig_size);
	close(fd);
	summary(secs);
	return tap_failed ? 1 : 0;
}
