// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mmapdemo bench: how close the mapping gets to the machine's limit and
 * to the kernel's own ways of doing the same job, every figure measured
 * in the same run as the baseline it is compared with.
 *
 *   1. kernel -> user  the kernel FILLs the buffer; user space copies the
 *                      bytes into its own buffer from a mapping (both map
 *                      modes, 4 KiB and 2 MiB entries) or with read(); the
 *                      limit is a memcpy() between two anonymous buffers
 *   2. user -> kernel  user space copies its bytes into a mapping or
 *                      write()s them, then the kernel CHECKSUMs them
 *   3. first touch     mmap(), one write or read per page, munmap(): the
 *                      device in both modes with 4 KiB and 2 MiB entries,
 *                      a prefilled tmpfs file (the kernel's refcounted
 *                      path with its fault-around), a prefilled file on
 *                      a tmpfs mounted huge=always (shmem THP), anonymous
 *                      shared memory; at 64 MiB and 1 GiB
 *   4. scaling         the same setup cost from 1 MiB to 1 GiB
 *   5. fio             ioengine=mmap against psync on the device
 *
 * Each figure is the median of the repetitions that follow an untimed
 * warm-up, on CLOCK_MONOTONIC, with the least and the greatest of them.
 * Repetitions of the variants of a size are interleaved so that a slow
 * patch of the machine hits them alike. The data is checked once per
 * size (pattern, CRC32C), outside the timing.
 *
 * What is not available (huge mappings on kernels without them, tmpfs
 * without the right to mount one) is reported as not measured, with the
 * reason, and every target that depends on it as not met.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "icount.h"

#define MiB			(1024ULL * 1024)
#define PARAM_DIR		"/sys/module/mmapdemo/parameters/"
#define THP_DIR			"/sys/kernel/mm/transparent_hugepage"

enum {
	SEC_K2U = 1 << 0,
	SEC_U2K = 1 << 1,
	SEC_SETUP = 1 << 2,
	SEC_SCALING = 1 << 3,
	SEC_FIO = 1 << 4,
	SEC_ALL = (1 << 5) - 1,
};

static const char *const section_names[] = {
	"k2u", "u2k", "setup", "scaling", "fio",
};

struct size_list {
	const uint64_t *v;
	size_t n;
};

/* The sizes of the sections: [0] of full runs, [1] of --quick. */
static const uint64_t bw_sizes[] = {
	64 << 10, 256 << 10, MiB, 4 * MiB, 16 * MiB, 64 * MiB, 256 * MiB,
};

static const uint64_t quick_bw_sizes[] = { 64 << 10, 256 << 10, MiB };

static const uint64_t setup_sizes[] = { 64 * MiB, 1024 * MiB };

static const uint64_t quick_setup_sizes[] = { MiB, 4 * MiB };

/* Scaling: the sizes between; the first-touch rows give the others. */
static const uint64_t scale_sizes[] = {
	MiB, 2 * MiB, 4 * MiB, 16 * MiB, 64 * MiB, 256 * MiB, 1024 * MiB,
};

static const uint64_t quick_scale_sizes[] = { 256 << 10, MiB, 4 * MiB };

static const struct size_list bw_list[2] = {
	{ bw_sizes, ARRAY_SIZE(bw_sizes) },
	{ quick_bw_sizes, ARRAY_SIZE(quick_bw_sizes) },
};

static const struct size_list setup_list[2] = {
	{ setup_sizes, ARRAY_SIZE(setup_sizes) },
	{ quick_setup_sizes, ARRAY_SIZE(quick_setup_sizes) },
};

static const struct size_list scale_list[2] = {
	{ scale_sizes, ARRAY_SIZE(scale_sizes) },
	{ quick_scale_sizes, ARRAY_SIZE(quick_scale_sizes) },
};

/* What a setup variant maps. */
enum backing {
	BACK_DEVICE,	/* /dev/mmapdemo */
	BACK_TMPFS,	/* a prefilled file on a tmpfs mounted huge=never */
	BACK_THP,	/* the same on a tmpfs mounted huge=always */
	BACK_ANON,	/* MAP_SHARED | MAP_ANONYMOUS */
};

struct setup_variant {
	const char *name;	/* in the JSON and CSV */
	const char *label;	/* in the table */
	enum backing backing;
	enum mmapdemo_map_mode mode;	/* BACK_DEVICE */
	bool huge;		/* BACK_DEVICE: huge=auto, else huge=never */
	int64_t fault_around;	/* bytes, set for the variant; < 0: as is */
	bool first_size_only;	/* first touch at the smallest size only */
};

static const struct setup_variant setup_variants[] = {
	{ "remap-4K", "remap 4K", BACK_DEVICE, MMAPDEMO_MODE_REMAP, false, -1,
	  false },
	{ "fault-4K", "fault 4K", BACK_DEVICE, MMAPDEMO_MODE_FAULT, false, -1,
	  false },
	{ "remap-huge", "remap huge", BACK_DEVICE, MMAPDEMO_MODE_REMAP, true,
	  -1, false },
	{ "fault-huge", "fault huge", BACK_DEVICE, MMAPDEMO_MODE_FAULT, true,
	  -1, false },
	{ "tmpfs", "tmpfs file", BACK_TMPFS, 0, false, -1, false },
	{ "shmem-thp", "shmem THP file", BACK_THP, 0, false, -1, false },
	{ "anon", "anon shared", BACK_ANON, 0, false, -1, false },
	{ "fault-4K-fa0", "fault 4K, f-a off", BACK_DEVICE,
	  MMAPDEMO_MODE_FAULT, false, 0, true },
	{ "fault-4K-fa64K", "fault 4K, f-a 64K", BACK_DEVICE,
	  MMAPDEMO_MODE_FAULT, false, 64 << 10, true },
	{ "fault-4K-fa2M", "fault 4K, f-a 2M", BACK_DEVICE,
	  MMAPDEMO_MODE_FAULT, false, 2 * MiB, true },
};

#define NR_SETUP_VARIANTS	ARRAY_SIZE(setup_variants)

/* The module parameters bench changes, and puts back. */
enum { P_FAULT_AROUND, P_HUGE, NR_PARAMS };

/*
 * While a parameter is changed, len is the length of saved, the value
 * to put back, so that SIGINT, SIGTERM or SIGHUP part way through
 * restores it before the tool dies (from the handler: open(), write()
 * and close() only).
 */
struct param {
	const char *path;
	char saved[32];
	volatile sig_atomic_t len;
	bool readable;
	bool writable;
};

static struct param params[NR_PARAMS] = {
	[P_FAULT_AROUND] = { .path = PARAM_DIR "fault_around" },
	[P_HUGE] = { .path = PARAM_DIR "huge" },
};

/* A mapping of the whole buffer for the transfers. */
struct bw_map {
	struct mmapdemo *md;
	unsigned char *p;	/* NULL: not mapped */
};

struct bench {
	const struct cli *c;
	struct bench_report *r;
	unsigned int sections;
	uint64_t variants;	/* setup variants to run, by index */
	struct size_list sizes;	/* of the first-touch rows; n = 0: default */
	uint64_t sizes_v[8];
	unsigned int reps;
	unsigned int big_reps;
	uint64_t big_size;	/* from here on, big_reps */
	uint64_t max_size;
	bool quick;
	bool progress;
	bool json;
	bool csv;
	const char *output;	/* --output: the prefix of the three files */
	bool icount;		/* --icount: markers, no timing */
	long page;
	double t0;

	struct mmapdemo *fault_md;	/* a file in each map mode */
	struct mmapdemo *remap_md;
	struct mmapdemo_info info;
	uint64_t size;			/* the buffer */
	struct bw_map maps[BW_NVAR];	/* by bandwidth variant */
	uint64_t map_len;
	unsigned char *src;		/* anonymous, map_len bytes each */
	unsigned char *dst;
	unsigned char *src_res;		/* their reservations */
	unsigned char *dst_res;
	size_t res_len;

	/* Why a setup variant cannot run here; "" if it can. */
	char why_not[NR_SETUP_VARIANTS][80];
	char tmp_dir[64];		/* the tmpfs mounts, "" if none */
	bool mounted[2];		/* tmp_dir, tmp_dir/thp */
	int files[2];			/* BACK_TMPFS, BACK_THP; -1: none */
	uint64_t file_size;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Where loads that nobody needs go, so that they happen. */
static volatile uint64_t sink;

/* Keep the compiler from dropping or moving copies nobody reads. */
static inline void clobber(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static void __attribute__((format(printf, 2, 3)))
progress(const struct bench *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->progress)
		return;
	fprintf(stderr, "bench: [%5.1fs] ", (now_ns() - b->t0) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Fewer repetitions of the big sizes: they take long under emulation. */
static unsigned int reps_for(const struct bench *b, uint64_t size)
{
	return size >= b->big_size ? b->big_reps : b->reps;
}

static void *anon(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       flags | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Where in a reservation of len + SKEW_PAGES pages to start a buffer that
 * is copied to and from the others: at a distance from each of them that
 * is not a multiple of SKEW_PAGES pages, and off that alignment itself
 * (the kernel's vmap() view of the buffer, which read() and write() copy
 * from and to, is aligned). QEMU's TCG keeps a direct-mapped TLB, so two
 * buffers a multiple of its size apart evict each other's entries on
 * every access of a copy between them, which makes such a pair copy many
 * times slower than any other. (Real CPUs know a milder form of it, 4K
 * aliasing.)
 */
#define SKEW_PAGES	8

static unsigned char *skew(unsigned char *base, long page,
			   unsigned char *const *others, size_t n)
{
	unsigned int o;
	size_t i;

	for (o = 0; o < SKEW_PAGES; o++) {
		unsigned char *p = base + (size_t)o * page;

		if (!((uintptr_t)p / (uintptr_t)page % SKEW_PAGES))
			continue;
		for (i = 0; i < n; i++)
			if (!(((uintptr_t)p - (uintptr_t)others[i]) /
			      (uintptr_t)page % SKEW_PAGES))
				break;
		if (i == n)
			return p;
	}
	return base;
}

/* --- the machine ------------------------------------------------------- */

static void read_machine(struct bench_report *r)
{
	struct utsname u;
	char line[256];
	FILE *f;

	snprintf(r->cpu, sizeof(r->cpu), "unknown CPU");
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !v)
			continue;
		v += 1 + strspn(v + 1, " \t");
		v[strcspn(v, "\n")] = '\0';
		snprintf(r->cpu, sizeof(r->cpu), "%s", v);
		break;
	}
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long kib;

		if (sscanf(line, "MemTotal: %llu kB", &kib) == 1) {
			r->mem_bytes = kib * 1024;
			break;
		}
	}
	if (f)
		fclose(f);
	r->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (!uname(&u)) {
		snprintf(r->kernel, sizeof(r->kernel), "%.64s", u.release);
		snprintf(r->machine, sizeof(r->machine), "%.31s", u.machine);
	}
}

/* --- the module's parameters -------------------------------------------- */

/* Reads each parameter's value, to report it and to put it back later. */
static void read_params(void)
{
	size_t i;

	for (i = 0; i < NR_PARAMS; i++) {
		struct param *p = &params[i];
		FILE *f = fopen(p->path, "r");

		p->readable = f && fgets(p->saved, sizeof(p->saved), f);
		if (f)
			fclose(f);
		p->writable = p->readable && !access(p->path, W_OK);
	}
}

static void restore_params(void)
{
	size_t i;
	int fd;

	for (i = 0; i < NR_PARAMS; i++) {
		struct param *p = &params[i];

		if (!p->len)
			continue;
		fd = open(p->path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			/* Nothing left to try when this fails. */
			if (write(fd, p->saved, (size_t)p->len) < 0)
				p->len = 0;
			close(fd);
		}
		p->len = 0;
	}
}

static void on_fatal_signal(int sig)
{
	restore_params();
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP };

/* Installs (on) or puts back (!on) the handlers of fatal_signals. */
static void guard_params(bool on)
{
	static struct sigaction old[ARRAY_SIZE(fatal_signals)];
	struct sigaction sa = { .sa_handler = on_fatal_signal };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(fatal_signals); i++) {
		if (on)
			sigaction(fatal_signals[i], &sa, &old[i]);
		else
			sigaction(fatal_signals[i], &old[i], NULL);
	}
}

/* Sets parameter i to value until restore_params(); 0 or -errno. */
static int set_param(int i, const char *value)
{
	struct param *p = &params[i];
	int err = 0;
	FILE *f;

	if (!p->writable)
		return -EACCES;
	p->len = (sig_atomic_t)strlen(p->saved);
	f = fopen(p->path, "w");
	if (!f)
		return -errno;
	if (fprintf(f, "%s\n", value) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

/* Bit of struct mmapdemo_info.huge for huge mappings in mode. */
static unsigned int huge_bit(enum mmapdemo_map_mode mode)
{
	return mode == MMAPDEMO_MODE_REMAP ? MMAPDEMO_HUGE_REMAP :
					     MMAPDEMO_HUGE_FAULT;
}

/*
 * The huge parameter for the next mapping of the device in mode: "auto"
 * for a huge one, "never" for a 4 KiB one where the kernel could map
 * huge (supported: struct mmapdemo_info.huge); nothing to set elsewhere.
 */
static int set_huge(unsigned int supported, enum mmapdemo_map_mode mode,
		    bool huge)
{
	if (!(supported & huge_bit(mode)))
		return huge ? -EOPNOTSUPP : 0;
	return set_param(P_HUGE, huge ? "auto" : "never");
}

/* --- 1 and 2: bandwidth -------------------------------------------------- */

/* Where variant v's bytes live: a mapping or anonymous memory; NULL: n/a. */
static unsigned char *bw_memory(const struct bench *b, int v, bool u2k)
{
	if (bench_bw_is_mapping(v))
		return b->maps[v].p;
	return u2k ? b->dst : b->src;
}

/*
 * One transfer of size bytes by variant v: kernel -> user copies from the
 * variant's memory into dst, user -> kernel from src into it; BW_SYSCALL
 * uses pread() or pwrite() on the device instead.
 */
static int transfer(struct bench *b, int v, bool u2k, size_t size)
{
	unsigned char *mem = bw_memory(b, v, u2k);
	int fd = mmapdemo_fd(b->fault_md);
	size_t done;
	ssize_t n;

	if (v != BW_SYSCALL) {
		if (u2k)
			memcpy(mem, b->src, size);
		else
			memcpy(b->dst, mem, size);
		clobber(u2k ? mem : b->dst);
		return 0;
	}
	for (done = 0; done < size; done += (size_t)n) {
		n = u2k ? pwrite(fd, b->src + done, size - done, (off_t)done) :
			  pread(fd, b->dst + done, size - done, (off_t)done);
		if (n <= 0)
			return -EIO;
	}
	clobber(b->dst);
	return 0;
}

/* Transfers per timed sample: enough bytes that the clock is no issue. */
static unsigned int iters_for(const struct bench *b, uint64_t size)
{
	uint64_t want = b->quick ? MiB : 32 * MiB;

	return size >= want ? 1 : (unsigned int)(want / size);
}

/* One repetition of one variant: ns per transfer, and with CHECKSUM. */
struct bw_sample {
	double ns;
	double ns_crc;
};

/* The doubles at offset off in each of n elements of size sz, into tmp. */
static double *gather(double *tmp, const void *base, size_t n, size_t sz,
		      size_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		memcpy(&tmp[i], (const char *)base + i * sz + off,
		       sizeof(double));
	return tmp;
}

/* Median, least and greatest of the gathered doubles (see gather()). */
static double summarize(double *tmp, const void *base, size_t n, size_t sz,
			size_t off, double *lo, double *hi)
{
	gather(tmp, base, n, sz, off);
	if (lo && hi)
		bench_min_max(tmp, n, lo, hi);
	return bench_median(tmp, n);
}

/* After the transfers of a user -> kernel sample: the kernel's CRC. */
static int check_crc(struct bench *b, int v, uint64_t size,
		     unsigned int iters, uint32_t want)
{
	unsigned int i;
	uint32_t crc;
	int err = 0;

	for (i = 0; i < iters && !err; i++)
		err = mmapdemo_checksum(b->fault_md, 0, size, &crc);
	if (!err && crc != want) {
		cli_error(b->c, "user -> kernel: %s: CRC %08x, want %08x",
			  bench_bw_name(v, true), crc, want);
		err = -EIO;
	}
	return err;
}

/* Paired: the median of s[rep][base].ns / s[rep][v].ns. */
static double paired_bw(double *tmp, struct bw_sample (*s)[BW_NVAR],
			unsigned int reps, int v, int base, bool crc)
{
	unsigned int rep;

	for (rep = 0; rep < reps; rep++)
		tmp[rep] = crc ? s[rep][base].ns_crc / s[rep][v].ns_crc :
				 s[rep][base].ns / s[rep][v].ns;
	return bench_median(tmp, reps);
}

static int bw_size(struct bench *b, bool u2k, uint64_t size,
		   struct bench_bw *row)
{
	unsigned int reps = reps_for(b, size), iters = iters_for(b, size);
	struct bw_sample (*s)[BW_NVAR] = calloc(reps + 1, sizeof(*s));
	double *tmp = calloc(reps, sizeof(*tmp));
	const size_t sz = sizeof(s[0]);
	uint32_t crc_want = 0;
	unsigned int rep, i;
	int v, err = 0;

	if (!s || !tmp) {
		err = -ENOMEM;
		goto out;
	}
	memset(row, 0, sizeof(*row));
	row->size = size;
	row->reps = reps;
	row->iters = iters;
	if (u2k) {
		mmapdemo_pattern_fill(b->src, 0, size, 0xb0b);
		crc_want = mmapdemo_crc32c(0, b->src, size);
	} else {
		err = mmapdemo_fill(b->fault_md, 0, size, 0xfeed);
		if (err)
			goto out;
		memcpy(b->src, b->maps[BW_MMAP_FAULT].p, size);
	}

	/* s[0] is the untimed warm-up. */
	for (rep = 0; rep <= reps && !err; rep++) {
		for (v = 0; v < BW_NVAR && !err; v++) {
			double t = now_ns(), tc;

			if (!bw_memory(b, v, u2k))
				continue;
			for (i = 0; i < iters && !err; i++)
				err = transfer(b, v, u2k, size);
			tc = now_ns();
			if (!err && u2k && v != BW_MEMCPY)
				err = check_crc(b, v, size, iters, crc_want);
			s[rep][v].ns = (tc - t) / iters;
			s[rep][v].ns_crc = (now_ns() - t) / iters;
			/* What every variant delivered is the pattern. */
			if (!err && !rep && !u2k &&
			    mmapdemo_pattern_check(b->dst, 0, size,
						   0xfeed) >= 0) {
				cli_error(b->c, "kernel -> user: %s returned wrong data",
					  bench_bw_name(v, u2k));
				err = -EIO;
			}
		}
	}
	if (err)
		goto out;
	for (v = 0; v < BW_NVAR; v++) {
		size_t off = (size_t)v * sizeof(s[0][0]);

		row->ns[v] = -1;
		row->ns_min[v] = -1;
		row->ns_max[v] = -1;
		row->ns_crc[v] = -1;
		if (!bw_memory(b, v, u2k))
			continue;
		row->ns[v] = summarize(tmp, s[1], reps, sz,
				       off + offsetof(struct bw_sample, ns),
				       &row->ns_min[v], &row->ns_max[v]);
		if (u2k && v != BW_MEMCPY)
			row->ns_crc[v] =
				summarize(tmp, s[1], reps, sz,
					  off + offsetof(struct bw_sample,
							 ns_crc), NULL, NULL);
		row->vs_memcpy[v] = paired_bw(tmp, s + 1, reps, v, BW_MEMCPY,
					      false);
		row->vs_syscall[v] = paired_bw(tmp, s + 1, reps, v,
					       BW_SYSCALL, false);
	}
	if (u2k)
		row->crc_vs_syscall = paired_bw(tmp, s + 1, reps,
						BW_MMAP_FAULT, BW_SYSCALL,
						true);
out:
	free(tmp);
	free(s);
	return err;
}

static int bench_bw_section(struct bench *b, bool u2k,
			    const struct size_list *sizes)
{
	struct bench_bw *rows = u2k ? b->r->u2k : b->r->k2u;
	size_t *nr = u2k ? &b->r->nr_u2k : &b->r->nr_k2u;
	char hs[32];
	size_t i;
	int err;

	for (i = 0; i < sizes->n && *nr < BENCH_MAX_ROWS; i++) {
		if (sizes->v[i] > b->map_len)
			continue;
		progress(b, "%s %s", u2k ? "user -> kernel" : "kernel -> user",
			 format_human_size(hs, sizeof(hs), sizes->v[i]));
		err = bw_size(b, u2k, sizes->v[i], &rows[*nr]);
		if (err)
			return err;
		(*nr)++;
	}
	return 0;
}

/* --- 3 and 4: setup cost -------------------------------------------------- */

static uint64_t touch(volatile unsigned char *p, uint64_t len, long page,
		      bool write)
{
	uint64_t sum = 0, o;

	for (o = 0; o < len; o += (uint64_t)page) {
		if (write)
			p[o] = 1;
		else
			sum += p[o];
	}
	return sum;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Setups per timed sample: enough pages that the clock is no issue. */
static unsigned int setup_iters(const struct bench *b, uint64_t size)
{
	uint64_t want = b->quick ? MiB : 64 * MiB;

	return size >= want ? 1 : (unsigned int)(want / size);
}

/* Per setup, averaged over the setups of one timed sample. */
struct setup_sample {
	double ns;		/* mmap() + touch */
	double ns_munmap;	/* the munmap() after it */
	double minflt;		/* minor faults (getrusage) */
	/* The driver's counters, < 0: not the device. */
	double faults;
	double fault_pages;
	double huge_faults;
	double huge_fallbacks;
};

static struct mmapdemo *variant_md(const struct bench *b,
				   const struct setup_variant *sv)
{
	if (sv->backing != BACK_DEVICE)
		return NULL;
	return sv->mode == MMAPDEMO_MODE_REMAP ? b->remap_md : b->fault_md;
}

static int map_variant(struct bench *b, const struct setup_variant *sv,
		       uint64_t size, void **p)
{
	int fd = -1, flags = MAP_SHARED;

	switch (sv->backing) {
	case BACK_DEVICE:
		return mmapdemo_map(variant_md(b, sv), 0, size,
				    PROT_READ | PROT_WRITE, MAP_SHARED, p);
	case BACK_TMPFS:
	case BACK_THP:
		fd = b->files[sv->backing == BACK_THP];
		break;
	case BACK_ANON:
		flags |= MAP_ANONYMOUS;
		break;
	}
	*p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);
	return *p == MAP_FAILED ? -errno : 0;
}

/* The driver's counters from s1 - s0, per setup, into out. */
static void stats_delta(struct setup_sample *out,
			const struct mmapdemo_stats *s0,
			const struct mmapdemo_stats *s1, unsigned int iters)
{
	out->faults = (double)(s1->faults - s0->faults) / iters;
	out->fault_pages = (double)(s1->fault_pages - s0->fault_pages) / iters;
	out->huge_faults = (double)(s1->huge_faults - s0->huge_faults) / iters;
	out->huge_fallbacks =
		(double)(s1->huge_fallbacks - s0->huge_fallbacks) / iters;
}

/* iters setups of sv: mmap() + touch, then munmap(), into *out. */
static int setup_once(struct bench *b, const struct setup_variant *sv,
		      bool write, uint64_t size, unsigned int iters,
		      struct setup_sample *out)
{
	struct mmapdemo *md = variant_md(b, sv);
	struct mmapdemo_stats s0, s1;
	double t_setup = 0, t_munmap = 0;
	long f0;
	unsigned int i;
	int err;

	if (md)
		mmapdemo_get_stats(md, &s0);
	f0 = minflt();
	for (i = 0; i < iters; i++) {
		double t0 = now_ns(), t1;
		void *p;

		err = map_variant(b, sv, size, &p);
		if (err) {
			cli_error(b->c,
				  "first touch: mmap %s of %" PRIu64 " bytes: %s",
				  sv->name, size, mmapdemo_strerror(err));
			return err;
		}
		sink = touch(p, size, b->page, write);
		t1 = now_ns();
		munmap(p, size);
		t_setup += t1 - t0;
		t_munmap += now_ns() - t1;
	}
	out->ns = t_setup / iters;
	out->ns_munmap = t_munmap / iters;
	/* munmap() takes no faults: these are the setups' own. */
	out->minflt = (double)(minflt() - f0) / iters;
	out->faults = -1;
	out->fault_pages = -1;
	out->huge_faults = -1;
	out->huge_fallbacks = -1;
	if (md && !mmapdemo_get_stats(md, &s1))
		stats_delta(out, &s0, &s1, iters);
	return 0;
}

/* One sample of sv, with its parameters set for it and put back after. */
static int setup_sample_of(struct bench *b, const struct setup_variant *sv,
			   bool write, uint64_t size, unsigned int iters,
			   struct setup_sample *out)
{
	char fa[24];
	int err = 0;

	if (sv->fault_around >= 0) {
		snprintf(fa, sizeof(fa), "%" PRId64, sv->fault_around);
		err = set_param(P_FAULT_AROUND, fa);
	}
	if (!err && sv->backing == BACK_DEVICE)
		err = set_huge(b->info.huge, sv->mode, sv->huge);
	if (err)
		cli_error(b->c, "%s: cannot set the module's parameters: %s",
			  sv->name, strerror(-err));
	else
		err = setup_once(b, sv, write, size, iters, out);
	restore_params();
	return err;
}

/* Paired ratios of variant v's costs over every other variant's. */
static void paired_setup(struct bench_setup *s, double *tmp,
			 struct setup_sample **m, unsigned int reps,
			 const struct setup_variant *const *vs, size_t nv,
			 size_t v)
{
	size_t w, k = 0;
	unsigned int rep;

	for (w = 0; w < nv && k < BENCH_MAX_VARIANTS; w++) {
		struct bench_paired *p = &s->paired[k];

		if (w == v)
			continue;
		p->base = vs[w]->name;
		for (rep = 0; rep < reps; rep++)
			tmp[rep] = m[rep][w].ns > 0 ?
				   m[rep][v].ns / m[rep][w].ns : 0;
		p->ns = bench_median(tmp, reps);
		for (rep = 0; rep < reps; rep++)
			tmp[rep] = m[rep][w].ns_munmap > 0 ?
				   m[rep][v].ns_munmap / m[rep][w].ns_munmap :
				   0;
		p->munmap = bench_median(tmp, reps);
		k++;
	}
}

/* Row s from the reps samples of one variant in col. */
static void summarize_setup(struct bench_setup *s, double *tmp,
			    const struct setup_sample *col, unsigned int reps)
{
	const size_t sz = sizeof(*col);

#define SUMMARY(field, lo, hi) \
	summarize(tmp, col, reps, sz, offsetof(struct setup_sample, field), \
		  lo, hi)
	s->ns = SUMMARY(ns, &s->ns_min, &s->ns_max);
	s->ns_munmap = SUMMARY(ns_munmap, &s->munmap_min, &s->munmap_max);
	s->minflt = SUMMARY(minflt, NULL, NULL);
	s->faults = SUMMARY(faults, NULL, NULL);
	s->fault_pages = SUMMARY(fault_pages, NULL, NULL);
	s->huge_faults = SUMMARY(huge_faults, NULL, NULL);
	s->huge_fallbacks = SUMMARY(huge_fallbacks, NULL, NULL);
#undef SUMMARY
}

/*
 * Interleaved repetitions of one size and touch of every variant that can
 * run here (first_size: with those measured at the smallest size only).
 */
static int setup_size(struct bench *b, bool first_size, bool write,
		      uint64_t size, struct bench_setup *rows, size_t *nr)
{
	const struct setup_variant *vs[NR_SETUP_VARIANTS];
	unsigned int reps = reps_for(b, size), iters = setup_iters(b, size);
	struct setup_sample **m = calloc(reps + 1, sizeof(*m));
	struct setup_sample *col = calloc(reps, sizeof(*col));
	double *tmp = calloc(reps, sizeof(*tmp));
	unsigned int rep;
	size_t nv = 0, v;
	int err = 0;

	for (v = 0; v < NR_SETUP_VARIANTS; v++)
		if (!b->why_not[v][0] && (b->variants & (1ULL << v)) &&
		    (first_size || !setup_variants[v].first_size_only) &&
		    size <= (setup_variants[v].backing == BACK_TMPFS ||
			     setup_variants[v].backing == BACK_THP ?
			     b->file_size : UINT64_MAX))
			vs[nv++] = &setup_variants[v];
	for (rep = 0; m && rep <= reps; rep++) {
		m[rep] = calloc(nv ? nv : 1, sizeof(**m));
		if (!m[rep])
			break;
	}
	if (!m || rep <= reps || !col || !tmp) {
		err = -ENOMEM;
		goto out;
	}
	/* m[0] is the untimed warm-up. */
	for (rep = 0; rep <= reps && !err; rep++)
		for (v = 0; v < nv && !err; v++)
			err = setup_sample_of(b, vs[v], write, size, iters,
					      &m[rep][v]);
	for (v = 0; v < nv && !err && *nr < BENCH_MAX_ROWS; v++) {
		struct bench_setup *s = &rows[(*nr)++];

		for (rep = 0; rep < reps; rep++)
			col[rep] = m[rep + 1][v];
		memset(s, 0, sizeof(*s));
		s->variant = vs[v]->name;
		s->label = vs[v]->label;
		s->touch = write ? "write" : "read";
		s->size = size;
		s->pages = size / (uint64_t)b->page;
		s->reps = reps;
		summarize_setup(s, tmp, col, reps);
		paired_setup(s, tmp, m + 1, reps, vs, nv, v);
	}
out:
	for (rep = 0; m && rep <= reps; rep++)
		free(m[rep]);
	free(m);
	free(col);
	free(tmp);
	return err;
}

static bool in_list(const struct size_list *l, uint64_t v)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == v)
			return true;
	return false;
}

/* The sizes of the first-touch section: --sizes, else the default. */
static const struct size_list *first_touch_sizes(const struct bench *b)
{
	return b->sizes.n ? &b->sizes : &setup_list[b->quick];
}

static int bench_setup_section(struct bench *b, const struct size_list *sizes)
{
	char hs[32];
	size_t i;
	int err = 0, t;

	for (i = 0; i < sizes->n && !err; i++) {
		if (sizes->v[i] > b->size)
			continue;
		for (t = 1; t >= 0 && !err; t--) {
			progress(b, "first touch, %s, %s", t ? "write" : "read",
				 format_human_size(hs, sizeof(hs),
						   sizes->v[i]));
			err = setup_size(b, !i, t, sizes->v[i], b->r->setup,
					 &b->r->nr_setup);
		}
	}
	return err;
}

/* The sizes that the first-touch section did not measure already. */
static int bench_scaling_section(struct bench *b,
				 const struct size_list *sizes,
				 const struct size_list *done)
{
	char hs[32];
	size_t i;
	int err;

	for (i = 0; i < sizes->n; i++) {
		if (sizes->v[i] > b->size || (done && in_list(done, sizes->v[i])))
			continue;
		progress(b, "scaling %s",
			 format_human_size(hs, sizeof(hs), sizes->v[i]));
		err = setup_size(b, false, true, sizes->v[i], b->r->scaling,
				 &b->r->nr_scaling);
		if (err)
			return err;
	}
	return 0;
}

/* --- the files: tmpfs and shmem THP --------------------------------------- */

/*
 * Two tmpfs mounts in a private mount namespace (they vanish with this
 * process, however it ends): tmp_dir with huge=never, tmp_dir/thp with
 * huge=always; in each a file of file_size bytes, written in full so
 * that its pages exist before the first touch, as the buffer's do.
 * Returns why not, or NULL.
 */
static const char *mount_tmpfs(struct bench *b, char *why, size_t len)
{
	char opts[64], thp[80];

	if (unshare(CLONE_NEWNS)) {
		snprintf(why, len, "no mount namespace of its own: %s (needs root)",
			 strerror(errno));
		return why;
	}
	/*
	 * Keep the mounts from propagating back. Where / is no mount point
	 * (a chroot into a plain directory) this fails, and unmount_tmpfs()
	 * is what removes them.
	 */
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	snprintf(b->tmp_dir, sizeof(b->tmp_dir), "%s/mmapdemo-bench.XXXXXX",
		 getenv("TMPDIR") && strlen(getenv("TMPDIR")) < 32 ?
		 getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(b->tmp_dir)) {
		snprintf(why, len, "mkdtemp %s: %s", b->tmp_dir,
			 strerror(errno));
		b->tmp_dir[0] = '\0';
		return why;
	}
	/* Room for the file; tmpfs takes only what is written. */
	snprintf(opts, sizeof(opts), "huge=never,size=%" PRIu64,
		 (uint64_t)(b->file_size + 4 * MiB));
	if (mount("tmpfs", b->tmp_dir, "tmpfs", 0, opts)) {
		snprintf(why, len, "cannot mount a tmpfs: %s", strerror(errno));
		return why;
	}
	b->mounted[0] = true;
	snprintf(thp, sizeof(thp), "%s/thp", b->tmp_dir);
	snprintf(opts, sizeof(opts), "huge=always,size=%" PRIu64,
		 (uint64_t)(b->file_size + 4 * MiB));
	if (mkdir(thp, 0700) || mount("tmpfs", thp, "tmpfs", 0, opts)) {
		snprintf(why, len, "cannot mount a tmpfs huge=always: %s",
			 strerror(errno));
		return why;
	}
	b->mounted[1] = true;
	return NULL;
}

static void unmount_tmpfs(struct bench *b)
{
	char thp[80];
	int i;

	for (i = 0; i < 2; i++) {
		if (b->files[i] >= 0)
			close(b->files[i]);
		b->files[i] = -1;
	}
	snprintf(thp, sizeof(thp), "%s/thp", b->tmp_dir);
	if (b->mounted[1])
		umount2(thp, MNT_DETACH);
	if (b->mounted[0])
		umount2(b->tmp_dir, MNT_DETACH);
	b->mounted[0] = false;
	b->mounted[1] = false;
	if (b->tmp_dir[0])
		rmdir(b->tmp_dir);
	b->tmp_dir[0] = '\0';
}

/* A file of b->file_size bytes of a pattern at path; the fd or -errno. */
static int prefilled_file(struct bench *b, const char *path)
{
	const size_t chunk = 2 * MiB;
	unsigned char *buf = malloc(chunk);
	uint64_t off;
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	mmapdemo_pattern_fill(buf, 0, chunk, 0xf11e);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		err = -errno;
	for (off = 0; !err && off < b->file_size; off += chunk) {
		size_t n = b->file_size - off < chunk ?
			   (size_t)(b->file_size - off) : chunk;

		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			err = errno ? -errno : -ENOSPC;
	}
	free(buf);
	if (err && fd >= 0)
		close(fd);
	return err ? err : fd;
}

/* A "Name: N kB" line of /proc/meminfo, in bytes; 0 if there is none. */
static uint64_t meminfo_bytes(const char *name)
{
	unsigned long long kib = 0;
	size_t len = strlen(name);
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%llu", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return (uint64_t)kib * 1024;
}

/*
 * The files of BACK_TMPFS ([0]) and BACK_THP ([1]), sized for the largest
 * setup, or their variants' why_not. The THP file must be backed by huge
 * pages: the kernel's ShmemHugePages grows by (most of) its size.
 */
static void prepare_files(struct bench *b)
{
	static const char *const names[2] = { "file", "thp/file" };
	/* --icount has no scaling section: only its own sizes count. */
	const struct size_list *lists[2] = {
		first_touch_sizes(b),
		b->icount ? first_touch_sizes(b) : &scale_list[b->quick],
	};
	char why[2][80] = { "", "" }, path[96], buf[80];
	const char *why_mount;
	uint64_t huge0;
	size_t i, k, v;
	int fd;

	b->file_size = 0;
	for (k = 0; k < 2; k++)
		for (i = 0; i < lists[k]->n; i++)
			if (lists[k]->v[i] <= b->size &&
			    lists[k]->v[i] > b->file_size)
				b->file_size = lists[k]->v[i];
	why_mount = mount_tmpfs(b, buf, sizeof(buf));
	for (i = 0; i < 2; i++) {
		if (!b->mounted[i]) {
			snprintf(why[i], sizeof(why[i]), "%s", why_mount);
			continue;
		}
		if (i && access(THP_DIR, F_OK)) {
			snprintf(why[i], sizeof(why[i]),
				 "no transparent huge pages in this kernel");
			continue;
		}
		progress(b, "writing a %s file of %" PRIu64 " MiB",
			 i ? "shmem THP" : "tmpfs", b->file_size >> 20);
		snprintf(path, sizeof(path), "%s/%s", b->tmp_dir, names[i]);
		huge0 = meminfo_bytes("ShmemHugePages");
		fd = prefilled_file(b, path);
		if (fd < 0) {
			snprintf(why[i], sizeof(why[i]), "writing %s: %s",
				 names[i], strerror(-fd));
			continue;
		}
		if (i && meminfo_bytes("ShmemHugePages") < huge0 + b->file_size / 2) {
			snprintf(why[i], sizeof(why[i]),
				 "a tmpfs mounted huge=always got no huge pages");
			close(fd);
			continue;
		}
		b->files[i] = fd;
	}
	for (v = 0; v < NR_SETUP_VARIANTS; v++) {
		enum backing back = setup_variants[v].backing;

		if (back == BACK_TMPFS || back == BACK_THP)
			snprintf(b->why_not[v], sizeof(b->why_not[v]), "%s",
				 why[back == BACK_THP]);
	}
}

/* --- 5: fio -------------------------------------------------------------- */

/* Run argv, its stdout into buf; returns the exit status or -errno. */
static int run_capture(char *const argv[], char *buf, size_t len)
{
	int pfd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		dup2(pfd[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(pfd[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -ECHILD;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * "key" : number, the first after "section" : { that follows the job
 * named job in fio's JSON output; -1 when it is not there.
 */
static double fio_field(const char *out, const char *job,
			const char *section, const char *key)
{
	char pat[96];
	const char *p;

	snprintf(pat, sizeof(pat), "\"jobname\" : \"%s\"", job);
	p = strstr(out, pat);
	if (!p)
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\" : {", section);
	p = strstr(p, pat);
	if (!p)
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\" : ", key);
	p = strstr(p, pat);
	if (!p)
		return -1;
	return strtod(p + strlen(pat), NULL);
}

#define FIO_REPS	3
#define FIO_OUT		(512 * 1024)

/*
 * One fio run of every job, one after the other (stonewall), the
 * repetitions interleaved: fio takes seconds to start under emulation.
 * Each job maps or opens the device anew; the ramp is the warm-up.
 */
static int bench_fio_section(struct bench *b)
{
	static const char *const rws[] = { "read", "write" };
	static const char *const engines[] = { "mmap", "psync" };
	enum { NJOBS = 2 * 2 * FIO_REPS };
	char names[NJOBS][32], opts[6][64];
	char *argv[16 + 4 * NJOBS], *out = malloc(FIO_OUT);
	static char * const vargv[] = { "fio", "--version", NULL };
	uint64_t size = b->quick ? MiB : 64 * MiB, bs = 64 * 1024;
	unsigned int reps = b->quick ? 1 : FIO_REPS, rep;
	size_t n = 0, i, j, k;
	int rc;

	if (!out)
		return -ENOMEM;
	if (size > b->size)
		size = b->size;
	rc = run_capture(vargv, out, 256);
	if (rc) {
		bench_note(b->r, "fio skipped: %s",
			   rc == 127 ? "fio is not installed" :
			   "fio --version failed");
		free(out);
		return 0;
	}
	snprintf(b->r->fio_version, sizeof(b->r->fio_version), "%.*s",
		 (int)strcspn(out, "\n"), out);

	snprintf(opts[0], sizeof(opts[0]), "--filename=%s", b->c->device);
	snprintf(opts[1], sizeof(opts[1]), "--bs=%" PRIu64, bs);
	snprintf(opts[2], sizeof(opts[2]), "--size=%" PRIu64, size);
	argv[n++] = "fio";
	for (i = 0; i < 3; i++)
		argv[n++] = opts[i];
	argv[n++] = "--invalidate=0";
	argv[n++] = "--thread";
	argv[n++] = "--output-format=json";
	if (!b->quick) {
		argv[n++] = "--time_based";
		argv[n++] = "--runtime=1";
		argv[n++] = "--ramp_time=1";
	}
	k = 0;
	for (rep = 0; rep < reps; rep++) {
		for (i = 0; i < 2; i++) {
			for (j = 0; j < 2; j++, k++) {
				snprintf(names[k], sizeof(names[k]),
					 "--name=%s-%s-%u", engines[j], rws[i],
					 rep);
				argv[n++] = names[k];
				argv[n++] = j ? "--ioengine=psync" :
						"--ioengine=mmap";
				argv[n++] = i ? "--rw=write" : "--rw=read";
				argv[n++] = "--stonewall";
			}
		}
	}
	argv[n] = NULL;
	progress(b, "fio: %u jobs", (unsigned int)k);
	rc = run_capture(argv, out, FIO_OUT);
	if (rc)
		bench_note(b->r, "fio exited %d", rc);

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2 && b->r->nr_fio < BENCH_MAX_ROWS; j++) {
			struct bench_fio *row = &b->r->fio[b->r->nr_fio++];
			double bw[FIO_REPS], iops[FIO_REPS];

			memset(row, 0, sizeof(*row));
			row->rw = rws[i];
			row->engine = engines[j];
			row->bs = bs;
			row->size = size;
			row->reps = reps;
			row->bw = -1;
			row->iops = -1;
			for (rep = 0; rep < reps; rep++) {
				char job[32];

				snprintf(job, sizeof(job), "%s-%s-%u",
					 engines[j], rws[i], rep);
				bw[rep] = fio_field(out, job, rws[i],
						    "bw_bytes");
				iops[rep] = fio_field(out, job, rws[i],
						      "iops");
				if (bw[rep] <= 0)
					break;
			}
			if (rep < reps) {
				bench_note(b->r, "fio %s %s: no result",
					   engines[j], rws[i]);
				continue;
			}
			row->bw = bench_median(bw, reps);
			row->iops = bench_median(iops, reps);
		}
	}
	free(out);
	return 0;
}

/* --- the command ---------------------------------------------------------- */

/*
 * Why a mapping of the device in mode, huge or not, cannot be had here;
 * NULL if it can. 4 KiB ones need huge=never where huge mappings exist.
 */
static const char *device_why_not(const struct bench *b,
				  enum mmapdemo_map_mode mode, bool huge)
{
	bool supported = b->info.huge & huge_bit(mode);

	if (huge && !supported)
		return "not supported on this kernel";
	if ((huge || supported) && !params[P_HUGE].writable)
		return "the huge parameter is not writable (not root?)";
	return NULL;
}

static void prepare_device_variants(struct bench *b)
{
	size_t v;

	for (v = 0; v < NR_SETUP_VARIANTS; v++) {
		const struct setup_variant *sv = &setup_variants[v];
		const char *why = NULL;

		if (sv->backing != BACK_DEVICE)
			continue;
		why = device_why_not(b, sv->mode, sv->huge);
		if (!why && sv->fault_around >= 0 &&
		    !params[P_FAULT_AROUND].writable)
			why = params[P_FAULT_AROUND].readable ?
			      "fault_around is not writable (not root?)" :
			      "no fault_around parameter";
		if (why)
			snprintf(b->why_not[v], sizeof(b->why_not[v]), "%s",
				 why);
	}
}

/*
 * The buffer mapped for the transfers of variant v (its mode, huge or
 * not), or the reason why not in the report. 0, else the exit code.
 */
static int map_for_bw(struct bench *b, int v)
{
	static const struct {
		enum mmapdemo_map_mode mode;
		bool huge;
	} how[BW_NVAR] = {
		[BW_MMAP_FAULT] = { MMAPDEMO_MODE_FAULT, false },
		[BW_MMAP_REMAP] = { MMAPDEMO_MODE_REMAP, false },
		[BW_MMAP_FAULT_HUGE] = { MMAPDEMO_MODE_FAULT, true },
		[BW_MMAP_REMAP_HUGE] = { MMAPDEMO_MODE_REMAP, true },
	};
	struct mmapdemo *md = how[v].mode == MMAPDEMO_MODE_REMAP ?
			      b->remap_md : b->fault_md;
	const char *why = device_why_not(b, how[v].mode, how[v].huge);
	void *p;
	int err;

	if (why) {
		/* Without huge=never the 4 KiB figures would not be 4 KiB. */
		if (!how[v].huge) {
			cli_error(b->c, "%s", why);
			return EXIT_FAIL;
		}
		bench_skip(b->r, bench_bw_name(v, false), why);
		return 0;
	}
	err = set_huge(b->info.huge, how[v].mode, how[v].huge);
	if (!err)
		err = mmapdemo_map(md, 0, b->map_len, PROT_READ | PROT_WRITE,
				   MAP_SHARED, &p);
	restore_params();
	if (err) {
		cli_error(b->c, "mmap of %" PRIu64 " bytes: %s", b->map_len,
			  mmapdemo_strerror(err));
		return cli_exit_code(err);
	}
	b->maps[v].md = md;
	b->maps[v].p = p;
	/* Pre-fault it: transfers, not first touches, are timed. */
	sink = touch(p, b->map_len, b->page, false);
	return 0;
}

/* "a, b or c" of the n names of stride bytes from first, into buf. */
static const char *join_names(char *buf, size_t len, const char *const *first,
			      size_t n, size_t stride)
{
	size_t i, at = 0;

	buf[0] = '\0';
	for (i = 0; i < n && at < len; i++) {
		const char *name = *(const char *const *)((const char *)first +
							  i * stride);

		at += (size_t)snprintf(buf + at, len - at, "%s%s",
				       !i ? "" : i + 1 < n ? ", " : " or ",
				       name);
	}
	return buf;
}

/*
 * A comma-separated list of names of opt, each one of the n names of
 * stride bytes from first, as a bit mask into *out.
 */
static int parse_names(const struct cli *c, const char *opt, const char *arg,
		       const char *const *first, size_t n, size_t stride,
		       uint64_t *out)
{
	char *copy = strdup(arg), *tok, *save = NULL, all[256];
	uint64_t set = 0;
	size_t i;

	if (!copy)
		return EXIT_FAIL;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < n; i++)
			if (!strcmp(tok, *(const char *const *)
				    ((const char *)first + i * stride)))
				break;
		if (i == n) {
			/* tok points into copy: print, then free. */
			int ret = cli_usage(c, "%s: '%s' is not %s", opt, tok,
					    join_names(all, sizeof(all), first,
						       n, stride));

			free(copy);
			return ret;
		}
		set |= 1ULL << i;
	}
	free(copy);
	*out = set;
	return 0;
}

/* --sizes: up to ARRAY_SIZE(b->sizes_v) sizes of the first-touch rows. */
static int parse_sizes(const struct cli *c, const char *arg, uint64_t *v,
		       size_t max, size_t *n)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int ret = 0;

	if (!copy)
		return EXIT_FAIL;
	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == max)
			ret = cli_usage(c, "--sizes: at most %zu", max);
		else if (cli_parse_size(c, "--sizes", tok, &v[*n]))
			ret = EXIT_USAGE;
		else if (!v[*n])
			ret = cli_usage(c, "--sizes: 0 is no size");
		else
			(*n)++;
	}
	if (!ret && !*n)
		ret = cli_usage(c, "--sizes: no size given");
	free(copy);
	return ret;
}

static int write_outputs(const struct cli *c, const char *prefix,
			 const struct bench_report *r)
{
	static const char *const ext[] = { "txt", "csv", "json" };
	char path[4096];
	size_t i;

	for (i = 0; i < 3; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s.%s", prefix, ext[i]);
		f = fopen(path, "w");
		if (!f) {
			cli_error(c, "%s: %s", path, strerror(errno));
			return EXIT_FAIL;
		}
		if (i == 0)
			bench_print_text(f, r);
		else if (i == 1)
			bench_print_csv(f, r);
		else
			bench_print_json(f, r);
		if (fclose(f)) {
			cli_error(c, "%s: %s", path, strerror(errno));
			return EXIT_FAIL;
		}
	}
	return EXIT_OK;
}

enum {
	OPT_CSV = OPT_FORCE + 1, OPT_QUICK, OPT_NO_FIO, OPT_QUIET,
	OPT_ICOUNT,
	OPT_VARIANTS, OPT_SIZES,
};

/* The command line; the exit code, or BENCH_RUN to go on. */
#define BENCH_RUN	(-1)

static int parse_args(struct bench *b, struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "reps", required_argument, NULL, 'r' },
		{ "max-size", required_argument, NULL, 's' },
		{ "only", required_argument, NULL, 'O' },
		{ "variants", required_argument, NULL, OPT_VARIANTS },
		{ "sizes", required_argument, NULL, OPT_SIZES },
		{ "no-fio", no_argument, NULL, OPT_NO_FIO },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "icount", no_argument, NULL, OPT_ICOUNT },
		{ NULL }
	};
	uint32_t reps = 0;
	uint64_t mask = 0;
	int opt;

	while ((opt = cli_getopt(c, argc, argv, "r:s:O:o:", opts)) != -1) {
		switch (opt) {
		case OPT_JSON:
			b->json = true;
			break;
		case OPT_CSV:
			b->csv = true;
			break;
		case OPT_QUICK:
			b->quick = true;
			break;
		case OPT_NO_FIO:
			b->sections &= ~SEC_FIO;
			break;
		case OPT_QUIET:
			b->progress = false;
			break;
		case OPT_ICOUNT:
			b->icount = true;
			break;
		case 'r':
			if (cli_parse_u32(c, "--reps", optarg, &reps))
				return EXIT_USAGE;
			if (!reps || reps > 64)
				return cli_usage(c, "--reps: 1 to 64");
			break;
		case 's':
			if (cli_parse_size(c, "--max-size", optarg,
					   &b->max_size))
				return EXIT_USAGE;
			break;
		case 'O':
			if (parse_names(c, "--only", optarg, section_names,
					ARRAY_SIZE(section_names),
					sizeof(section_names[0]), &mask))
				return EXIT_USAGE;
			b->sections = (unsigned int)mask;
			break;
		case OPT_VARIANTS:
			if (parse_names(c, "--variants", optarg,
					&setup_variants[0].name,
					NR_SETUP_VARIANTS,
					sizeof(setup_variants[0]),
					&b->variants))
				return EXIT_USAGE;
			break;
		case OPT_SIZES:
			if (parse_sizes(c, optarg, b->sizes_v,
					ARRAY_SIZE(b->sizes_v),
					&b->sizes.n))
				return EXIT_USAGE;
			b->sizes.v = b->sizes_v;
			break;
		case 'o':
			b->output = optarg;
			break;
		default:
			return c->exit;
		}
	}
	if (cli_no_args(c, argc, argv))
		return EXIT_USAGE;
	if (b->json && b->csv)
		return cli_usage(c, "--json and --csv exclude each other");
	if (b->icount && (b->json || b->csv || b->output))
		return cli_usage(c, "--icount prints its own lines: no --json, --csv or --output");
	if (b->icount)
		b->sections = SEC_SETUP;
	b->reps = reps ? reps : b->icount ? 3 : b->quick ? 2 : 7;
	b->big_size = 256 * MiB;
	b->big_reps = reps ? reps : b->quick || b->icount ? 2 : 5;
	return BENCH_RUN;
}

/* The machine, the module's parameters and the device into the report. */
static void describe(struct bench *b)
{
	struct bench_report *r = b->r;
	const char *tunables = getenv("GLIBC_TUNABLES");

	read_machine(r);
	snprintf(r->glibc_tunables, sizeof(r->glibc_tunables), "%s",
		 tunables ? tunables : "");
	r->quick = b->quick;
	r->reps = b->reps;
	r->big_reps = b->big_reps;
	r->big_size = b->big_size;
	r->huge = b->info.huge;
	r->fault_around = params[P_FAULT_AROUND].readable ?
			  strtoull(params[P_FAULT_AROUND].saved, NULL, 10) : 0;
	if (params[P_HUGE].readable)
		snprintf(r->huge_param, sizeof(r->huge_param), "%.*s",
			 (int)strcspn(params[P_HUGE].saved, "\n"),
			 params[P_HUGE].saved);
	if (!params[P_FAULT_AROUND].readable)
		bench_note(r, "no fault_around parameter: an older module?");
}

/*
 * The buffer mapped for every bandwidth variant, the anonymous buffers
 * placed off the mappings' alignment. 0, else the exit code.
 */
static int prepare_bw(struct bench *b)
{
	unsigned char *o[BW_NVAR + 1];
	uint64_t max_bw = b->quick ? MiB : 256 * MiB;
	size_t n = 0;
	int ret = 0, v;

	b->map_len = b->size < max_bw ? b->size : max_bw;
	for (v = 0; v < BW_NVAR && !ret; v++)
		if (bench_bw_is_mapping(v))
			ret = map_for_bw(b, v);
	if (ret)
		return ret;
	b->res_len = b->map_len + SKEW_PAGES * (size_t)b->page;
	b->src_res = anon(b->res_len, MAP_PRIVATE);
	b->dst_res = anon(b->res_len, MAP_PRIVATE);
	if (!b->src_res || !b->dst_res) {
		cli_error(b->c, "cannot allocate 2 x %" PRIu64 " bytes",
			  b->map_len);
		return EXIT_FAIL;
	}
	for (v = 0; v < BW_NVAR; v++)
		if (b->maps[v].p)
			o[n++] = b->maps[v].p;
	b->src = skew(b->src_res, b->page, o, n);
	o[n++] = b->src;
	b->dst = skew(b->dst_res, b->page, o, n);
	memset(b->src, 1, b->map_len);
	memset(b->dst, 1, b->map_len);
	return 0;
}

/*
 * The device in both modes, what the variants need, and for the bandwidth
 * sections their mappings and buffers. 0, else the exit code.
 */
static int prepare(struct bench *b)
{
	char hs[32];
	int ret;

	b->page = sysconf(_SC_PAGESIZE);
	read_params();
	ret = cli_open(b->c, O_RDWR, MMAPDEMO_MODE_FAULT, &b->fault_md,
		       &b->info);
	if (!ret)
		ret = cli_open(b->c, O_RDWR, MMAPDEMO_MODE_REMAP,
			       &b->remap_md, &b->info);
	if (ret)
		return ret;
	describe(b);
	b->size = b->info.size;
	if (b->max_size && b->max_size < b->size)
		b->size = b->max_size - b->max_size % (uint64_t)b->page;
	if (!b->size)
		return cli_usage(b->c, "--max-size: less than a page");
	b->r->buffer_size = b->size;
	prepare_device_variants(b);
	if (b->sections & (SEC_K2U | SEC_U2K)) {
		ret = prepare_bw(b);
		if (ret)
			return ret;
	}

	if (!b->quick && b->size < 1024 * MiB)
		bench_note(b->r, "buffer is %s: sizes above it were skipped (load with size=1G)",
			   format_human_size(hs, sizeof(hs), b->size));
	return 0;
}

static void release_anon(struct bench *b)
{
	if (b->src_res)
		munmap(b->src_res, b->res_len);
	if (b->dst_res)
		munmap(b->dst_res, b->res_len);
	b->src_res = NULL;
	b->dst_res = NULL;
}

/* Whether a setup variant that maps a tmpfs file is to run. */
static bool wants_files(const struct bench *b)
{
	size_t v;

	for (v = 0; v < NR_SETUP_VARIANTS; v++)
		if ((b->variants & (1ULL << v)) &&
		    (setup_variants[v].backing == BACK_TMPFS ||
		     setup_variants[v].backing == BACK_THP))
			return true;
	return false;
}

/* The setup variants that were asked for and cannot run, into the report. */
static void report_skipped(struct bench *b)
{
	size_t v;

	for (v = 0; v < NR_SETUP_VARIANTS; v++)
		if (b->why_not[v][0] && (b->variants & (1ULL << v)))
			bench_skip(b->r, setup_variants[v].name,
				   b->why_not[v]);
}

static int run_sections(struct bench *b)
{
	bool setups = b->sections & (SEC_SETUP | SEC_SCALING);
	int err = 0;

	if (b->sections & SEC_K2U)
		err = bench_bw_section(b, false, &bw_list[b->quick]);
	if (!err && (b->sections & SEC_U2K))
		err = bench_bw_section(b, true, &bw_list[b->quick]);
	/* The big buffers are not needed any more: room for 1 GiB setups. */
	release_anon(b);
	if (!err && setups) {
		if (wants_files(b))
			prepare_files(b);
		report_skipped(b);
	}
	if (!err && (b->sections & SEC_SETUP))
		err = bench_setup_section(b, first_touch_sizes(b));
	if (!err && (b->sections & SEC_SCALING))
		err = bench_scaling_section(b, &scale_list[b->quick],
					    b->sections & SEC_SETUP ?
					    first_touch_sizes(b) : NULL);
	if (setups)
		unmount_tmpfs(b);
	if (!err && (b->sections & SEC_FIO))
		err = bench_fio_section(b);
	if (err && err != -EIO)
		cli_error(b->c, "%s", mmapdemo_strerror(err));
	return err ? EXIT_FAIL : 0;
}

static int report(struct bench *b)
{
	struct bench_report *r = b->r;
	char hs[32];

	r->seconds = (now_ns() - b->t0) / 1e9;
	if (b->big_reps != b->reps)
		bench_note(r, "%u repetitions below %s, %u from there on (slow under emulation)",
			   b->reps,
			   format_human_size(hs, sizeof(hs), b->big_size),
			   b->big_reps);
	bench_eval_targets(r);
	progress(b, "done");
	if (b->json)
		bench_print_json(stdout, r);
	else if (b->csv)
		bench_print_csv(stdout, r);
	else
		bench_print_text(stdout, r);
	return b->output ? write_outputs(b->c, b->output, r) : EXIT_OK;
}

/* --- --icount: windows between markers, for the counting plugin --------- */

/*
 * With --icount, bench runs no timed section. It runs each first-touch
 * setup as three windows between markers (user/cli/icount.h): mmap(),
 * one write or read per page, munmap(); the TCG plugin of make bench
 * ICOUNT=1 counts the instructions of each. Nothing else runs inside a
 * window: the fault counters, the parameters and the output are read or
 * written between them. Each setup prints one line,
 *   win var=V size=S touch=T rep=R pages=P minflt= faults= fault_pages=
 *       huge_faults= huge_fallbacks=
 * in the order of the windows, which the host pairs with the plugin's
 * report. Repetition 0 is the warm-up. The address space layout is made
 * fixed first (re-executed with ADDR_NO_RANDOMIZE): the same page-table
 * walk every run.
 */

/* Fault-around sweep (the first size, write): pages per fault-around. */
static const unsigned int icount_sweep[] = {
	1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
};

/* Re-execute with address space randomisation off; returns if it is. */
static int icount_fix_layout(struct bench *b)
{
	static char buf[4096];
	char *argv[64];
	ssize_t len;
	int fd, n = 0;
	char *q;

	if (personality(0xffffffff) & ADDR_NO_RANDOMIZE)
		return 0;
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (len <= 0 || len == sizeof(buf) - 1) {
		cli_error(b->c, "--icount: cannot read /proc/self/cmdline");
		return EXIT_FAIL;
	}
	buf[len] = '\0';
	for (q = buf; q < buf + len && n < 63; q += strlen(q) + 1)
		argv[n++] = q;
	argv[n] = NULL;
	if (personality(ADDR_NO_RANDOMIZE) == -1) {
		cli_error(b->c, "--icount: personality: %s", strerror(errno));
		return EXIT_FAIL;
	}
	execv("/proc/self/exe", argv);
	cli_error(b->c, "--icount: re-executing: %s", strerror(errno));
	return EXIT_FAIL;
}

/* One setup of sv between markers, and its line. 0 or -errno. */
static int icount_setup(struct bench *b, const struct setup_variant *sv,
			const char *name, bool write, uint64_t size,
			unsigned int rep)
{
	struct mmapdemo *md = variant_md(b, sv);
	struct mmapdemo_stats s0, s1;
	struct setup_sample st;
	char fa[24];
	long f0, f1;
	void *p = NULL;
	int err = 0;

	if (sv->fault_around >= 0) {
		snprintf(fa, sizeof(fa), "%" PRId64, sv->fault_around);
		err = set_param(P_FAULT_AROUND, fa);
	}
	if (!err && sv->backing == BACK_DEVICE)
		err = set_huge(b->info.huge, sv->mode, sv->huge);
	if (err) {
		cli_error(b->c, "%s: cannot set the module's parameters: %s",
			  name, strerror(-err));
		restore_params();
		return err;
	}
	if (md)
		mmapdemo_get_stats(md, &s0);
	f0 = minflt();
	ICOUNT_MARK(ICOUNT_SETUP_BEGIN);
	err = map_variant(b, sv, size, &p);
	ICOUNT_MARK(ICOUNT_SETUP_MMAP);
	if (!err)
		sink = touch(p, size, b->page, write);
	ICOUNT_MARK(ICOUNT_SETUP_TOUCH);
	if (!err)
		munmap(p, size);
	ICOUNT_MARK(ICOUNT_SETUP_MUNMAP);
	f1 = minflt();
	memset(&st, 0, sizeof(st));
	st.faults = -1;
	st.fault_pages = -1;
	st.huge_faults = -1;
	st.huge_fallbacks = -1;
	if (md && !mmapdemo_get_stats(md, &s1))
		stats_delta(&st, &s0, &s1, 1);
	restore_params();
	if (err) {
		cli_error(b->c, "--icount: mmap %s of %" PRIu64 " bytes: %s",
			  name, size, mmapdemo_strerror(err));
		return err;
	}
	printf("win var=%s size=%" PRIu64 " touch=%s rep=%u pages=%" PRIu64,
	       name, size, write ? "write" : "read", rep,
	       size / (uint64_t)b->page);
	printf(" minflt=%ld faults=%.0f fault_pages=%.0f huge_faults=%.0f",
	       f1 - f0, st.faults, st.fault_pages, st.huge_faults);
	printf(" huge_fallbacks=%.0f\n", st.huge_fallbacks);
	fflush(stdout);
	return 0;
}

/*
 * Messages of 32 bytes (an SQE's inline payload), per batch of 1 and 32:
 * ring ECHO round trips (submit, the kernel's worker echoes, reap), a
 * pipe write + read of the same bytes, an eventfd write + read. Each
 * batch is one window; its line "msg kind=K batch=N rep=R".
 */
static int icount_ring_batch(struct mmapdemo_ring *r, unsigned int batch)
{
	const struct mmapdemo_cqe *cqe[32];
	struct mmapdemo_sqe *sqe;
	unsigned int k, got = 0;
	int m, i;

	for (k = 0; k < batch; k++) {
		sqe = mmapdemo_ring_sq_reserve(r);
		if (!sqe)
			return -ENOSPC;
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = MMAPDEMO_OP_ECHO;
		sqe->len = MMAPDEMO_RING_INLINE;
		sqe->user_data = k;
		memset(sqe->data, 0x5a, MMAPDEMO_RING_INLINE);
	}
	m = mmapdemo_ring_submit(r);
	if (m < 0)
		return m;
	while (got < batch) {
		m = mmapdemo_ring_cq_peek_batch(r, cqe, 32);
		if (m < 0)
			return m;
		if (!m) {
			m = mmapdemo_ring_wait(r, 10000);
			if (m <= 0)
				return m ? m : -ETIMEDOUT;
			continue;
		}
		for (i = 0; i < m; i++)
			sink += cqe[i]->data[0] + (uint64_t)cqe[i]->res;
		mmapdemo_ring_cq_release(r, (unsigned int)m);
		got += (unsigned int)m;
	}
	return 0;
}

static int icount_msgs(struct bench *b)
{
	static unsigned char buf[32 * MMAPDEMO_RING_INLINE];
	struct mmapdemo_ring_setup setup = { .sq_entries = 64,
					     .cq_entries = 64 };
	static const unsigned int batches[] = { 1, 32 };
	struct mmapdemo_ring *r = NULL;
	struct mmapdemo *md = NULL;
	unsigned int rep, k;
	uint64_t one = 1;
	int pfd[2] = { -1, -1 }, efd = -1, err;
	ssize_t n;

	err = mmapdemo_open(b->c->device, O_RDWR, &md);
	if (!err)
		err = mmapdemo_ring_setup(md, &setup, &r);
	if (err) {
		cli_error(b->c, "--icount: ring: %s", mmapdemo_strerror(err));
		goto out;
	}
	if (!pipe(pfd))
		efd = eventfd(0, EFD_CLOEXEC);
	if (pfd[0] < 0 || efd < 0) {
		err = -errno;
		cli_error(b->c, "--icount: pipe, eventfd: %s", strerror(errno));
		goto out;
	}
	progress(b, "icount, messages");
	for (rep = 0; rep <= b->reps && !err; rep++) {
		for (k = 0; k < ARRAY_SIZE(batches) && !err; k++) {
			size_t len = batches[k] * MMAPDEMO_RING_INLINE;

			ICOUNT_MARK(ICOUNT_MSG_BEGIN);
			err = icount_ring_batch(r, batches[k]);
			ICOUNT_MARK(ICOUNT_MSG_END);
			printf("msg kind=ring-echo batch=%u rep=%u err=%d\n",
			       batches[k], rep, err);
			ICOUNT_MARK(ICOUNT_MSG_BEGIN);
			n = write(pfd[1], buf, len);
			if (n == (ssize_t)len)
				n = read(pfd[0], buf, len);
			ICOUNT_MARK(ICOUNT_MSG_END);
			if (n != (ssize_t)len)
				err = -EIO;
			printf("msg kind=pipe batch=%u rep=%u err=%d\n",
			       batches[k], rep, err);
		}
		ICOUNT_MARK(ICOUNT_MSG_BEGIN);
		n = write(efd, &one, sizeof(one));
		if (n == sizeof(one))
			n = read(efd, &one, sizeof(one));
		ICOUNT_MARK(ICOUNT_MSG_END);
		if (n != sizeof(one))
			err = -EIO;
		printf("msg kind=eventfd batch=1 rep=%u err=%d\n", rep, err);
	}
	fflush(stdout);
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (efd >= 0)
		close(efd);
	mmapdemo_ring_free(r);
	mmapdemo_unref(md);
	return err;
}

static int icount_run(struct bench *b)
{
	const struct size_list *sizes = first_touch_sizes(b);
	struct setup_variant sweep;
	char name[40], hs[32];
	unsigned int rep, reps;
	size_t i, v, k;
	int t, err = 0;

	if (wants_files(b))
		prepare_files(b);
	for (v = 0; v < NR_SETUP_VARIANTS; v++)
		if (b->why_not[v][0] && (b->variants & (1ULL << v)))
			printf("skip var=%s why=\"%s\"\n", setup_variants[v].name,
			       b->why_not[v]);
	printf("info page=%ld buffer=%" PRIu64 " reps=%u big_reps=%u big_size=%"
	       PRIu64 "\n", b->page, b->size, b->reps, b->big_reps,
	       b->big_size);
	ICOUNT_MARK(ICOUNT_CAL_BEGIN);
	ICOUNT_MARK(ICOUNT_CAL_END);
	printf("cal\n");
	for (i = 0; i < sizes->n && !err; i++) {
		uint64_t size = sizes->v[i];

		if (size > b->size)
			continue;
		reps = reps_for(b, size);
		for (t = 1; t >= 0 && !err; t--) {
			progress(b, "icount, %s, %s", t ? "write" : "read",
				 format_human_size(hs, sizeof(hs), size));
			/* Repetitions interleaved over the variants. */
			for (rep = 0; rep <= reps && !err; rep++)
				for (v = 0; v < NR_SETUP_VARIANTS && !err; v++) {
					const struct setup_variant *sv =
						&setup_variants[v];

					if (b->why_not[v][0] ||
					    !(b->variants & (1ULL << v)) ||
					    (i && sv->first_size_only) ||
					    ((sv->backing == BACK_TMPFS ||
					      sv->backing == BACK_THP) &&
					     size > b->file_size))
						continue;
					err = icount_setup(b, sv, sv->name, t,
							   size, rep);
				}
		}
	}
	/* The fault-around sweep: fault-4K at the first size, write. */
	sweep = setup_variants[1];
	reps = sizes->n ? reps_for(b, sizes->v[0]) : 0;
	for (rep = 0; rep <= reps && !err && !b->quick && sizes->n &&
	     !b->why_not[1][0] && params[P_FAULT_AROUND].writable; rep++)
		for (k = 0; k < ARRAY_SIZE(icount_sweep) && !err; k++) {
			sweep.fault_around = (int64_t)icount_sweep[k] * b->page;
			snprintf(name, sizeof(name), "sweep-%u",
				 icount_sweep[k]);
			err = icount_setup(b, &sweep, name, true, sizes->v[0],
					   rep);
		}
	unmount_tmpfs(b);
	if (!err && !b->quick)
		err = icount_msgs(b);
	progress(b, "done");
	return err ? EXIT_FAIL : EXIT_OK;
}

int cmd_bench(struct cli *c, int argc, char **argv)
{
	struct bench b = {
		.c = c, .sections = SEC_ALL, .progress = true,
		.variants = ~0ULL, .files = { -1, -1 },
	};
	int ret, v;

	b.r = calloc(1, sizeof(*b.r));
	if (!b.r)
		return EXIT_FAIL;
	ret = parse_args(&b, c, argc, argv);
	if (ret == BENCH_RUN) {
		guard_params(true);
		b.t0 = now_ns();
		ret = b.icount ? icount_fix_layout(&b) : 0;
		if (!ret)
			ret = prepare(&b);
		if (!ret && b.icount)
			ret = icount_run(&b);
		else if (!ret)
			ret = run_sections(&b);
		if (!ret && !b.icount)
			ret = report(&b);
		restore_params();
		guard_params(false);
	}
	release_anon(&b);
	unmount_tmpfs(&b);
	for (v = 0; v < BW_NVAR; v++)
		if (b.maps[v].p)
			munmap(b.maps[v].p, b.map_len);
	mmapdemo_unref(b.fault_md);
	mmapdemo_unref(b.remap_md);
	free(b.r);
	return ret;
}
