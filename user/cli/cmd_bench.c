// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mmapdemo bench: how close the mapping gets to the machine's limit and
 * to its alternatives, every figure measured in the same run as the
 * baseline it is compared with.
 *
 *   1. kernel -> user  the kernel FILLs the buffer; user space copies the
 *                      bytes into its own buffer from a mapping (both map
 *                      modes) or with read(); the limit is a memcpy()
 *                      between two anonymous buffers
 *   2. user -> kernel  user space copies its bytes into a mapping or
 *                      write()s them, then the kernel CHECKSUMs them
 *   3. first touch     mmap() plus one access per page: remap, fault
 *                      (with and without fault-around), anonymous shared
 *                      memory; minor faults from getrusage()
 *   4. scaling         the same setup cost from 1 MiB to 1 GiB
 *   5. fio             ioengine=mmap against psync on the device
 *
 * Each figure is the median of the repetitions that follow an untimed
 * warm-up, on CLOCK_MONOTONIC. Repetitions of the variants of a size are
 * interleaved so that a slow patch of the machine hits them alike. The
 * data is checked once per size (pattern, CRC32C), outside the timing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

#define MiB			(1024ULL * 1024)
#define FAULT_AROUND_PARAM	"/sys/module/mmapdemo/parameters/fault_around"

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

static const uint64_t scale_sizes[] = {
	MiB, 4 * MiB, 16 * MiB, 64 * MiB, 256 * MiB, 1024 * MiB,
};

static const uint64_t quick_scale_sizes[] = { 256 << 10, MiB };

static const struct size_list bw_list[2] = {
	{ bw_sizes, ARRAY_SIZE(bw_sizes) },
	{ quick_bw_sizes, ARRAY_SIZE(quick_bw_sizes) },
};

static const struct size_list scale_list[2] = {
	{ scale_sizes, ARRAY_SIZE(scale_sizes) },
	{ quick_scale_sizes, ARRAY_SIZE(quick_scale_sizes) },
};

struct bench {
	const struct cli *c;
	struct bench_report *r;
	unsigned int sections;
	unsigned int reps;
	unsigned int big_reps;
	uint64_t big_size;	/* from here on, big_reps */
	uint64_t max_size;
	bool quick;
	bool progress;
	bool json;
	bool csv;
	const char *output;	/* --output: the prefix of the three files */
	long page;
	double t0;

	struct mmapdemo *fault_md;	/* a file in each map mode */
	struct mmapdemo *remap_md;
	struct mmapdemo_info info;
	uint64_t size;			/* the buffer */
	unsigned char *map_fault;	/* the buffer, mapped each way */
	unsigned char *map_remap;
	uint64_t map_len;
	unsigned char *src;		/* anonymous, map_len bytes each */
	unsigned char *dst;
	unsigned char *src_res;		/* their reservations */
	unsigned char *dst_res;
	size_t res_len;

	uint64_t saved_fault_around;	/* the module's, put back after */
	bool have_fault_around;		/* readable and writable */
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
	if (size >= 4 * b->big_size && b->big_reps > 2)
		return 2;
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

static int read_param(const char *path, uint64_t *v)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = !!fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!ok)
		return -EIO;
	*v = strtoull(buf, NULL, 10);
	return 0;
}

static int write_param(const char *path, uint64_t v)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%" PRIu64 "\n", v) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

/*
 * fault_around is system-wide, and the only parameter bench changes. While
 * it is changed, saved_fa holds the value to put back, so that SIGINT,
 * SIGTERM or SIGHUP part way through restores it before the tool dies
 * (from the handler: open(), write() and close() only).
 */
static char saved_fa[32];
static volatile sig_atomic_t saved_fa_len;

static void restore_params(void)
{
	int fd;

	if (!saved_fa_len)
		return;
	fd = open(FAULT_AROUND_PARAM, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, saved_fa, saved_fa_len) < 0)
			saved_fa_len = 0;	/* nothing left to try */
		close(fd);
	}
	saved_fa_len = 0;
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

/* Sets fault_around to @fa, remembering @old_fa for restore_params(). */
static int change_fault_around(uint64_t old_fa, uint64_t fa)
{
	int n = snprintf(saved_fa, sizeof(saved_fa), "%" PRIu64 "\n", old_fa);

	saved_fa_len = n;
	return write_param(FAULT_AROUND_PARAM, fa);
}

/* --- 1 and 2: bandwidth -------------------------------------------------- */

/* Where variant v's bytes live: a mapping, or anonymous memory. */
static unsigned char *bw_memory(const struct bench *b, int v, bool u2k)
{
	switch (v) {
	case BW_MMAP_FAULT:
		return b->map_fault;
	case BW_MMAP_REMAP:
		return b->map_remap;
	default:
		return u2k ? b->dst : b->src;
	}
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

/* Median of the double at offset off in each of n elements of size sz. */
static double median_at(double *tmp, const void *base, size_t n, size_t sz,
			size_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		memcpy(&tmp[i], (const char *)base + i * sz + off,
		       sizeof(double));
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
			  v == BW_SYSCALL ? "write()" : "mapping", crc, want);
		err = -EIO;
	}
	return err;
}

static int bw_size(struct bench *b, bool u2k, uint64_t size,
		   struct bench_bw *row)
{
	unsigned int reps = reps_for(b, size), iters = iters_for(b, size);
	struct bw_sample (*s)[BW_NVAR] = calloc(reps + 1, sizeof(*s));
	double *tmp = calloc(reps, sizeof(*tmp));
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
		memcpy(b->src, b->map_fault, size);
	}

	/* s[0] is the untimed warm-up. */
	for (rep = 0; rep <= reps && !err; rep++) {
		for (v = 0; v < BW_NVAR && !err; v++) {
			double t = now_ns(), tc;

			for (i = 0; i < iters && !err; i++)
				err = transfer(b, v, u2k, size);
			tc = now_ns();
			if (!err && u2k && v != BW_MEMCPY)
				err = check_crc(b, v, size, iters, crc_want);
			s[rep][v].ns = (tc - t) / iters;
			s[rep][v].ns_crc = (now_ns() - t) / iters;
		}
		/* What read() and the mappings delivered is the pattern. */
		if (!err && !rep && !u2k &&
		    mmapdemo_pattern_check(b->dst, 0, size, 0xfeed) >= 0) {
			cli_error(b->c, "kernel -> user: read() returned wrong data");
			err = -EIO;
		}
	}
	if (err)
		goto out;
	for (v = 0; v < BW_NVAR; v++) {
		size_t off = (size_t)v * sizeof(s[0][0]);

		row->ns[v] = median_at(tmp, s[1], reps, sizeof(s[0]),
				       off + offsetof(struct bw_sample, ns));
		row->ns_crc[v] = u2k && v != BW_MEMCPY ?
			median_at(tmp, s[1], reps, sizeof(s[0]),
				  off + offsetof(struct bw_sample, ns_crc)) :
			-1;
		/* Paired: each repetition's variants ran back to back. */
		for (rep = 0; rep < reps; rep++)
			tmp[rep] = s[rep + 1][BW_MEMCPY].ns / s[rep + 1][v].ns;
		row->vs_memcpy[v] = bench_median(tmp, reps);
		for (rep = 0; rep < reps; rep++)
			tmp[rep] = s[rep + 1][BW_SYSCALL].ns / s[rep + 1][v].ns;
		row->vs_syscall[v] = bench_median(tmp, reps);
	}
	if (u2k) {
		for (rep = 0; rep < reps; rep++)
			tmp[rep] = s[rep + 1][BW_SYSCALL].ns_crc /
				   s[rep + 1][BW_MMAP_FAULT].ns_crc;
		row->crc_vs_syscall = bench_median(tmp, reps);
	}
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

/* What a setup variant maps, and with which fault_around. */
struct setup_variant {
	const char *name;	/* in the JSON and CSV */
	const char *label;	/* in the table */
	bool anon;		/* MAP_SHARED | MAP_ANONYMOUS, else the device */
	enum mmapdemo_map_mode mode;
	int64_t fault_around;	/* bytes, set for the variant; < 0: as is */
	bool scaling;		/* also measured from 1 MiB to 1 GiB */
};

static const struct setup_variant setup_variants[] = {
	{ "anon", "anon shared", true, MMAPDEMO_MODE_FAULT, -1, true },
	{ "remap", "remap", false, MMAPDEMO_MODE_REMAP, -1, true },
	{ "fault", "fault", false, MMAPDEMO_MODE_FAULT, -1, true },
	{ "fault-nofa", "fault, f-a off", false, MMAPDEMO_MODE_FAULT, 0, false },
	{ "fault-64k", "fault, f-a 64K", false, MMAPDEMO_MODE_FAULT, 64 << 10,
	  false },
	{ "fault-2m", "fault, f-a 2M", false, MMAPDEMO_MODE_FAULT, 2 * MiB,
	  false },
};

/* Per setup, averaged over the setups of one timed sample. */
struct setup_sample {
	double ns;		/* mmap() + touch */
	double ns_munmap;	/* the munmap() after it */
	double minflt;		/* minor faults (getrusage) */
	double faults;		/* the driver's faults, < 0: n/a */
	double fault_pages;	/* pages those faults mapped, < 0: n/a */
};

static int map_variant(struct bench *b, const struct setup_variant *sv,
		       uint64_t size, void **p)
{
	if (!sv->anon)
		return mmapdemo_map(sv->mode == MMAPDEMO_MODE_REMAP ?
				    b->remap_md : b->fault_md, 0, size,
				    PROT_READ | PROT_WRITE, MAP_SHARED, p);
	*p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return *p == MAP_FAILED ? -errno : 0;
}

/* iters setups of sv: mmap() + touch, then munmap(), into *out. */
static int setup_once(struct bench *b, const struct setup_variant *sv,
		      bool write, uint64_t size, unsigned int iters,
		      struct setup_sample *out)
{
	struct mmapdemo *md = sv->anon ? NULL :
			      sv->mode == MMAPDEMO_MODE_REMAP ? b->remap_md :
			      b->fault_md;
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
	if (md && !mmapdemo_get_stats(md, &s1)) {
		out->faults = (double)(s1.faults - s0.faults) / iters;
		out->fault_pages = (double)(s1.fault_pages - s0.fault_pages) /
				   iters;
	}
	return 0;
}

/* Runs sv's samples with its fault_around, if it has one of its own. */
static int setup_sample_of(struct bench *b, const struct setup_variant *sv,
			   bool write, uint64_t size, unsigned int iters,
			   struct setup_sample *out)
{
	int err;

	if (sv->fault_around >= 0) {
		err = change_fault_around(b->saved_fault_around,
					  (uint64_t)sv->fault_around);
		if (err) {
			restore_params();
			cli_error(b->c, "fault_around: %s", strerror(-err));
			return err;
		}
	}
	err = setup_once(b, sv, write, size, iters, out);
	if (sv->fault_around >= 0)
		restore_params();
	return err;
}

/* Paired ratio of variant v's cost over variant w's, over the reps. */
static double paired_setup(double *tmp, struct setup_sample **m,
			   unsigned int reps, size_t v, size_t w)
{
	unsigned int k;

	for (k = 0; k < reps; k++)
		tmp[k] = m[k][w].ns > 0 ? m[k][v].ns / m[k][w].ns : 0;
	return bench_median(tmp, reps);
}

/*
 * Interleaved repetitions of one size and touch of every variant (or, for
 * scaling, of those marked for it) that this module can run.
 */
static int setup_size(struct bench *b, bool scaling, bool write,
		      uint64_t size, struct bench_setup *rows, size_t *nr)
{
	const struct setup_variant *vs[ARRAY_SIZE(setup_variants)];
	unsigned int reps = reps_for(b, size), iters = setup_iters(b, size);
	struct setup_sample **m = calloc(reps + 1, sizeof(*m));
	double *tmp = calloc(reps, sizeof(*tmp));
	size_t nv = 0, v, anon = SIZE_MAX, remap = SIZE_MAX;
	unsigned int rep;
	int err = 0;

	for (v = 0; v < ARRAY_SIZE(setup_variants); v++) {
		const struct setup_variant *sv = &setup_variants[v];

		if ((scaling && !sv->scaling) ||
		    (sv->fault_around >= 0 && !b->have_fault_around))
			continue;
		if (!strcmp(sv->name, "anon"))
			anon = nv;
		if (!strcmp(sv->name, "remap"))
			remap = nv;
		vs[nv++] = sv;
	}
	for (rep = 0; m && rep <= reps; rep++) {
		m[rep] = calloc(nv, sizeof(**m));
		if (!m[rep])
			break;
	}
	if (!m || rep <= reps || !tmp) {
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
		const size_t sz = sizeof(struct setup_sample);
		struct setup_sample *col = calloc(reps, sz);

		if (!col) {
			err = -ENOMEM;
			break;
		}
		for (rep = 0; rep < reps; rep++)
			col[rep] = m[rep + 1][v];
		memset(s, 0, sizeof(*s));
		s->variant = vs[v]->name;
		s->label = vs[v]->label;
		s->touch = write ? "write" : "read";
		s->size = size;
		s->pages = size / (uint64_t)b->page;
		s->reps = reps;
		s->ns = median_at(tmp, col, reps, sz,
				  offsetof(struct setup_sample, ns));
		s->ns_munmap = median_at(tmp, col, reps, sz,
					 offsetof(struct setup_sample,
						  ns_munmap));
		s->minflt = median_at(tmp, col, reps, sz,
				      offsetof(struct setup_sample, minflt));
		s->faults = median_at(tmp, col, reps, sz,
				      offsetof(struct setup_sample, faults));
		s->fault_pages = median_at(tmp, col, reps, sz,
					   offsetof(struct setup_sample,
						    fault_pages));
		if (anon != SIZE_MAX)
			s->vs_anon = paired_setup(tmp, m + 1, reps, v, anon);
		if (remap != SIZE_MAX)
			s->vs_remap = paired_setup(tmp, m + 1, reps, v, remap);
		free(col);
	}
out:
	for (rep = 0; m && rep <= reps; rep++)
		free(m[rep]);
	free(m);
	free(tmp);
	return err;
}

static int bench_setup_section(struct bench *b, uint64_t size)
{
	char hs[32];
	int err;

	if (size > b->size)
		size = b->size;
	progress(b, "first touch, write, %s", format_human_size(hs, sizeof(hs), size));
	err = setup_size(b, false, true, size, b->r->setup, &b->r->nr_setup);
	if (err)
		return err;
	progress(b, "first touch, read, %s", format_human_size(hs, sizeof(hs), size));
	return setup_size(b, false, false, size, b->r->setup, &b->r->nr_setup);
}

static int bench_scaling_section(struct bench *b,
				 const struct size_list *sizes)
{
	char hs[32];
	size_t i;
	int err;

	for (i = 0; i < sizes->n; i++) {
		if (sizes->v[i] > b->size)
			continue;
		progress(b, "scaling %s",
			 format_human_size(hs, sizeof(hs), sizes->v[i]));
		err = setup_size(b, true, true, sizes->v[i], b->r->scaling,
				 &b->r->nr_scaling);
		if (err)
			return err;
	}
	return 0;
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

/* The device, set to mode: 0, else the exit code (cli_open's message). */
static int open_mode(struct bench *b, enum mmapdemo_map_mode mode,
		     struct mmapdemo **md, struct mmapdemo_info *info)
{
	int err, ret = cli_open(b->c, O_RDWR, md, info);

	if (ret)
		return ret;
	err = mmapdemo_set_mode(*md, mode);
	if (err) {
		cli_error(b->c, "%s: set map mode %s: %s", b->c->device,
			  mmapdemo_mode_name(mode), mmapdemo_strerror(err));
		return cli_exit_code(err);
	}
	return 0;
}

static int map_all(struct bench *b, struct mmapdemo *md, unsigned char **map)
{
	void *p;
	int err = mmapdemo_map(md, 0, b->map_len, PROT_READ | PROT_WRITE,
			       MAP_SHARED, &p);

	if (err) {
		cli_error(b->c, "mmap of %" PRIu64 " bytes: %s", b->map_len,
			  mmapdemo_strerror(err));
		return cli_exit_code(err);
	}
	*map = p;
	return 0;
}

static int parse_sections(const struct cli *c, const char *arg,
			  unsigned int *out)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	unsigned int set = 0;
	size_t i;

	if (!copy)
		return EXIT_FAIL;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < ARRAY_SIZE(section_names); i++)
			if (!strcmp(tok, section_names[i]))
				break;
		if (i == ARRAY_SIZE(section_names)) {
			/* tok points into copy: print, then free. */
			int ret = cli_usage(c,
					    "--only: '%s' is not k2u, u2k, setup, scaling or fio",
					    tok);

			free(copy);
			return ret;
		}
		set |= 1u << i;
	}
	free(copy);
	*out = set;
	return 0;
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

enum { OPT_CSV = OPT_FORCE + 1, OPT_QUICK, OPT_NO_FIO, OPT_QUIET };

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
		{ "no-fio", no_argument, NULL, OPT_NO_FIO },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ NULL }
	};
	uint32_t reps = 0;
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
			if (parse_sections(c, optarg, &b->sections))
				return EXIT_USAGE;
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
	b->reps = reps ? reps : b->quick ? 2 : 5;
	b->big_size = 256 * MiB;
	b->big_reps = reps ? reps : b->quick ? 2 : 3;
	return BENCH_RUN;
}

/*
 * The device in both modes, both mapped, the anonymous buffers; the
 * machine and the parameters into the report. 0, else the exit code.
 */
static int prepare(struct bench *b)
{
	struct bench_report *r = b->r;
	unsigned char *o[3];
	uint64_t max_bw;
	char hs[32];
	int ret;

	b->page = sysconf(_SC_PAGESIZE);
	read_machine(r);
	r->quick = b->quick;
	r->reps = b->reps;
	r->big_reps = b->big_reps;
	r->big_size = b->big_size;

	ret = open_mode(b, MMAPDEMO_MODE_FAULT, &b->fault_md, &b->info);
	if (!ret)
		ret = open_mode(b, MMAPDEMO_MODE_REMAP, &b->remap_md, &b->info);
	if (ret)
		return ret;
	b->size = b->info.size;
	if (b->max_size && b->max_size < b->size)
		b->size = b->max_size - b->max_size % (uint64_t)b->page;
	if (!b->size)
		return cli_usage(b->c, "--max-size: less than a page");
	max_bw = b->quick ? MiB : 256 * MiB;
	b->map_len = b->size < max_bw ? b->size : max_bw;
	ret = map_all(b, b->fault_md, &b->map_fault);
	if (!ret)
		ret = map_all(b, b->remap_md, &b->map_remap);
	if (ret)
		return ret;
	r->buffer_size = b->size;

	b->have_fault_around = !read_param(FAULT_AROUND_PARAM,
					   &b->saved_fault_around);
	r->fault_around = b->have_fault_around ? b->saved_fault_around : 0;
	if (!b->have_fault_around) {
		bench_note(r, "no fault_around parameter: an older module?");
	} else if (access(FAULT_AROUND_PARAM, W_OK)) {
		b->have_fault_around = false;
		bench_note(r, "fault_around is not writable (not root?): its rows were skipped");
	}

	b->res_len = b->map_len + SKEW_PAGES * (size_t)b->page;
	b->src_res = anon(b->res_len, MAP_PRIVATE);
	b->dst_res = anon(b->res_len, MAP_PRIVATE);
	if (!b->src_res || !b->dst_res) {
		cli_error(b->c, "cannot allocate 2 x %" PRIu64 " bytes",
			  b->map_len);
		return EXIT_FAIL;
	}
	o[0] = b->map_fault;
	o[1] = b->map_remap;
	b->src = skew(b->src_res, b->page, o, 2);
	o[2] = b->src;
	b->dst = skew(b->dst_res, b->page, o, 3);
	memset(b->src, 1, b->map_len);
	memset(b->dst, 1, b->map_len);
	/* Pre-fault both mappings: transfers, not first touches, are timed. */
	sink = touch(b->map_fault, b->map_len, b->page, false);
	sink = touch(b->map_remap, b->map_len, b->page, false);

	if (!b->quick && b->size < 1024 * MiB)
		bench_note(r, "buffer is %s: sizes above it were skipped (load with size=1G)",
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

static int run_sections(struct bench *b)
{
	int err = 0;

	if (b->sections & SEC_K2U)
		err = bench_bw_section(b, false, &bw_list[b->quick]);
	if (!err && (b->sections & SEC_U2K))
		err = bench_bw_section(b, true, &bw_list[b->quick]);
	/* The big buffers are not needed any more: room for 1 GiB setups. */
	release_anon(b);
	if (!err && (b->sections & SEC_SETUP))
		err = bench_setup_section(b, b->quick ? MiB : 64 * MiB);
	if (!err && (b->sections & SEC_SCALING))
		err = bench_scaling_section(b, &scale_list[b->quick]);
	if (!err && (b->sections & SEC_FIO))
		err = bench_fio_section(b);
	if (err && err != -EIO)
		cli_error(b->c, "%s", mmapdemo_strerror(err));
	return err ? EXIT_FAIL : 0;
}

static int report(struct bench *b)
{
	struct bench_report *r = b->r;
	char hs[32], hs2[32];

	r->seconds = (now_ns() - b->t0) / 1e9;
	if (b->big_reps != b->reps)
		bench_note(r,
			   "%u repetitions below %s, %u from there on, 2 from %s on: big sizes are slow under emulation",
			   b->reps, format_human_size(hs, sizeof(hs), b->big_size),
			   b->big_reps,
			   format_human_size(hs2, sizeof(hs2), 4 * b->big_size));
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

int cmd_bench(struct cli *c, int argc, char **argv)
{
	struct bench b = { .c = c, .sections = SEC_ALL, .progress = true };
	int ret;

	b.r = calloc(1, sizeof(*b.r));
	if (!b.r)
		return EXIT_FAIL;
	ret = parse_args(&b, c, argc, argv);
	if (ret == BENCH_RUN) {
		guard_params(true);
		b.t0 = now_ns();
		ret = prepare(&b);
		if (!ret)
			ret = run_sections(&b);
		if (!ret)
			ret = report(&b);
		restore_params();
		guard_params(false);
	}
	release_anon(&b);
	if (b.map_fault)
		munmap(b.map_fault, b.map_len);
	if (b.map_remap)
		munmap(b.map_remap, b.map_len);
	mmapdemo_unref(b.fault_md);
	mmapdemo_unref(b.remap_md);
	free(b.r);
	return ret;
}
