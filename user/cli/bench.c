// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `mmapdemo bench`: medians, ratios, targets and the three output formats.
 * Pure functions of a struct bench_report; cmd_bench.c measures.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "format.h"

static const char *const bw_names[BW_NVAR] = {
	[BW_MEMCPY] = "memcpy",
	[BW_MMAP_FAULT] = "mmap-fault-4K",
	[BW_MMAP_REMAP] = "mmap-remap-4K",
	[BW_MMAP_FAULT_HUGE] = "mmap-fault-huge",
	[BW_MMAP_REMAP_HUGE] = "mmap-remap-huge",
	[BW_SYSCALL] = "syscall",	/* read or write, by direction */
};

const char *bench_bw_name(int v, bool u2k)
{
	if (v == BW_SYSCALL)
		return u2k ? "write" : "read";
	return v >= 0 && v < BW_NVAR ? bw_names[v] : "?";
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_min_max(const double *v, size_t n, double *lo, double *hi)
{
	size_t i;

	*lo = n ? v[0] : -1;
	*hi = *lo;
	for (i = 1; i < n; i++) {
		*lo = v[i] < *lo ? v[i] : *lo;
		*hi = v[i] > *hi ? v[i] : *hi;
	}
}

double bench_mibps(uint64_t size, double ns)
{
	if (ns <= 0)
		return -1;
	return (double)size / (1024.0 * 1024.0) / (ns / 1e9);
}

double bench_ratio(double a, double b)
{
	if (a < 0 || b <= 0)
		return -1;
	return a / b;
}

void bench_note(struct bench_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nr_notes >= BENCH_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->nr_notes++], sizeof(r->notes[0]), fmt, ap);
	va_end(ap);
}

void bench_skip(struct bench_report *r, const char *variant,
		const char *reason)
{
	struct bench_skip *s;

	if (bench_skipped(r, variant) ||
	    r->nr_skipped >= ARRAY_SIZE(r->skipped))
		return;
	s = &r->skipped[r->nr_skipped++];
	snprintf(s->variant, sizeof(s->variant), "%s", variant);
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
}

const char *bench_skipped(const struct bench_report *r, const char *variant)
{
	size_t i;

	for (i = 0; i < r->nr_skipped; i++)
		if (!strcmp(r->skipped[i].variant, variant))
			return r->skipped[i].reason;
	return NULL;
}

/*
 * Speed of variant a relative to base: the paired ratio when there is
 * one, else the time of base over the time of a.
 */
static double speedup(const struct bench_bw *b, int a, int base, bool crc)
{
	const double *ns = crc ? b->ns_crc : b->ns;

	if (ns[a] <= 0)
		return -1;
	if (crc && base == BW_SYSCALL && a == BW_MMAP_FAULT &&
	    b->crc_vs_syscall > 0)
		return b->crc_vs_syscall;
	if (!crc && base == BW_MEMCPY && b->vs_memcpy[a] > 0)
		return b->vs_memcpy[a];
	if (!crc && base == BW_SYSCALL && b->vs_syscall[a] > 0)
		return b->vs_syscall[a];
	return bench_ratio(ns[base], ns[a]);
}

/* The row of variant, touch and size (0: any) in the setup or scaling rows. */
static const struct bench_setup *find_setup(const struct bench_report *r,
					    const char *variant,
					    const char *touch, uint64_t size)
{
	const struct bench_setup *rows[2] = { r->setup, r->scaling };
	const size_t n[2] = { r->nr_setup, r->nr_scaling };
	size_t i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < n[k]; i++) {
			const struct bench_setup *s = &rows[k][i];

			if (!strcmp(s->variant, variant) &&
			    !strcmp(s->touch, touch) &&
			    (!size || s->size == size))
				return s;
		}
	return NULL;
}

/*
 * Cost of variant a over variant b (mmap() + touch, or the munmap()), same
 * touch and size: the paired ratio, else the ratio of the medians.
 */
static double setup_ratio(const struct bench_report *r, const char *a,
			  const char *b, const char *touch, uint64_t size,
			  bool munmap)
{
	const struct bench_setup *x = find_setup(r, a, touch, size);
	const struct bench_setup *y = find_setup(r, b, touch, size);
	size_t i;

	if (!x || !y)
		return -1;
	for (i = 0; i < BENCH_MAX_VARIANTS && x->paired[i].base; i++) {
		const struct bench_paired *p = &x->paired[i];

		if (strcmp(p->base, b))
			continue;
		if ((munmap ? p->munmap : p->ns) > 0)
			return munmap ? p->munmap : p->ns;
	}
	return munmap ? bench_ratio(x->ns_munmap, y->ns_munmap) :
			bench_ratio(x->ns, y->ns);
}

static double per_page(const struct bench_setup *s, double ns)
{
	return s->pages && ns >= 0 ? ns / (double)s->pages : -1;
}

/* The distinct sizes of the setup and scaling rows, ascending. */
static size_t setup_sizes(const struct bench_report *r, uint64_t *sizes)
{
	const struct bench_setup *rows[2] = { r->setup, r->scaling };
	const size_t nr[2] = { r->nr_setup, r->nr_scaling };
	size_t n = 0, i, j, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < nr[k]; i++) {
			uint64_t z = rows[k][i].size;

			for (j = 0; j < n && sizes[j] != z; j++)
				;
			if (j < n)
				continue;
			for (j = n++; j > 0 && sizes[j - 1] > z; j--)
				sizes[j] = sizes[j - 1];
			sizes[j] = z;
		}
	return n;
}

/* The distinct variants of rows, in their order; how many. */
static size_t variants_of(const struct bench_setup *rows, size_t n,
			  const char **names, size_t nr)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < nr && strcmp(names[j], rows[i].variant); j++)
			;
		if (j == nr && nr < BENCH_MAX_VARIANTS)
			names[nr++] = rows[i].variant;
	}
	return nr;
}

/* --- targets ------------------------------------------------------------ */

static struct bench_target *add_target(struct bench_report *r,
				       double limit, bool at_most,
				       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct bench_target *add_target(struct bench_report *r,
				       double limit, bool at_most,
				       const char *fmt, ...)
{
	struct bench_target *t;
	va_list ap;

	if (r->nr_targets >= BENCH_MAX_TARGETS)
		return NULL;
	t = &r->targets[r->nr_targets++];
	memset(t, 0, sizeof(*t));
	va_start(ap, fmt);
	vsnprintf(t->name, sizeof(t->name), fmt, ap);
	va_end(ap);
	t->limit = limit;
	t->at_most = at_most;
	t->value = -1;
	return t;
}

/* Keeps v if it is the worst so far (the largest for at_most targets). */
static bool worse(const struct bench_target *t, double v)
{
	if (v < 0)
		return false;
	return t->value < 0 || (t->at_most ? v > t->value : v < t->value);
}

/*
 * met from value and limit; with no value, met is false and the detail
 * says why: the first of the variants that was skipped, or nothing ran.
 */
static void finish_target(const struct bench_report *r,
			  struct bench_target *t, const char *a,
			  const char *b)
{
	const char *why;

	if (!t)
		return;
	if (t->value >= 0) {
		t->met = t->at_most ? t->value <= t->limit :
				      t->value >= t->limit;
		return;
	}
	t->met = false;
	why = a ? bench_skipped(r, a) : NULL;
	if (why) {
		snprintf(t->detail, sizeof(t->detail), "%s: %s", a, why);
		return;
	}
	why = b ? bench_skipped(r, b) : NULL;
	if (why)
		snprintf(t->detail, sizeof(t->detail), "%s: %s", b, why);
	else
		snprintf(t->detail, sizeof(t->detail), "not measured");
}

/* mapping / memcpy, the worst over both directions and every size. */
static void bw_target(struct bench_report *r, const char *what, int first,
		      int last, double limit)
{
	struct bench_target *t = add_target(r, limit, false,
					    "mapping/memcpy, %s mappings",
					    what);
	char sz[32];
	size_t i, d;
	int m;

	if (!t)
		return;
	for (d = 0; d < 2; d++) {
		const struct bench_bw *rows = d ? r->u2k : r->k2u;
		size_t n = d ? r->nr_u2k : r->nr_k2u;

		for (i = 0; i < n; i++) {
			for (m = first; m <= last; m++) {
				double v = speedup(&rows[i], m, BW_MEMCPY,
						   false);

				if (!worse(t, v))
					continue;
				t->value = v;
				snprintf(t->detail, sizeof(t->detail),
					 "worst: %s at %s, %s", bw_names[m],
					 format_human_size(sz, sizeof(sz),
							   rows[i].size),
					 d ? "user -> kernel" :
					 "kernel -> user");
			}
		}
	}
	finish_target(r, t, bench_skipped(r, bw_names[first]) ?
		      bw_names[first] : bw_names[last], NULL);
}

/*
 * Setup cost of a over b (munmap: of the munmap()s), the worst over the
 * first-touch rows of the touch given (NULL: both) and the size given
 * (0: every size).
 */
static void setup_target(struct bench_report *r, const char *a,
			 const char *b, const char *touch, uint64_t size,
			 bool munmap, double limit)
{
	static const char *const touches[] = { "write", "read" };
	struct bench_target *t;
	char sz[32], where[48] = "";
	size_t i, k;

	if (touch)
		snprintf(where, sizeof(where), " (%s)", touch);
	if (size)
		snprintf(where + strlen(where), sizeof(where) - strlen(where),
			 " at %s", format_human_size(sz, sizeof(sz), size));
	t = add_target(r, limit, true, "%s %s/%s%s",
		       munmap ? "munmap" : "first touch", a, b, where);
	if (!t)
		return;
	for (k = 0; k < 2; k++) {
		if (touch && strcmp(touch, touches[k]))
			continue;
		for (i = 0; i < r->nr_setup; i++) {
			const struct bench_setup *s = &r->setup[i];
			double v;

			if (strcmp(s->variant, a) ||
			    strcmp(s->touch, touches[k]) ||
			    (size && s->size != size))
				continue;
			v = setup_ratio(r, a, b, touches[k], s->size, munmap);
			if (!worse(t, v))
				continue;
			t->value = v;
			snprintf(t->detail, sizeof(t->detail),
				 "worst: %s, %s", touches[k],
				 format_human_size(sz, sizeof(sz), s->size));
		}
	}
	finish_target(r, t, a, b);
}

/*
 * Linear growth: ns per page at every size within limit x of the least.
 * Only the sizes at which the (huge) variant used 2 MiB entries count: a
 * mapping smaller than 2 MiB has none and is a 4 KiB one, shown in the
 * table but not what the target is about.
 */
static void scaling_target(struct bench_report *r, const char *variant,
			   double limit)
{
	struct bench_target *t = add_target(r, limit, true,
					    "setup ns/page max/min, %s",
					    variant);
	uint64_t sizes[2 * BENCH_MAX_ROWS];
	size_t n = setup_sizes(r, sizes), i, nr = 0, small = 0;
	double lo = -1, hi = -1;
	char a[32], b[32];
	uint64_t at_lo = 0, at_hi = 0;

	if (!t)
		return;
	for (i = 0; i < n; i++) {
		const struct bench_setup *s = find_setup(r, variant, "write",
							 sizes[i]);
		double pp = s ? per_page(s, s->ns) : -1;

		if (pp <= 0)
			continue;
		if (s->huge_faults <= 0) {
			small++;
			continue;
		}
		if (lo < 0 || pp < lo) {
			lo = pp;
			at_lo = s->size;
		}
		if (hi < 0 || pp > hi) {
			hi = pp;
			at_hi = s->size;
		}
		nr++;
	}
	if (nr >= 2) {
		t->value = hi / lo;
		snprintf(t->detail, sizeof(t->detail),
			 "%zu sizes with 2 MiB entries (%zu without left out): most at %s, least at %s",
			 nr, small, format_human_size(a, sizeof(a), at_hi),
			 format_human_size(b, sizeof(b), at_lo));
	}
	finish_target(r, t, variant, NULL);
}

void bench_eval_targets(struct bench_report *r)
{
	static const char *const modes[] = { "remap", "fault" };
	char huge[16], small[16];
	size_t m;

	r->nr_targets = 0;
	for (m = 0; m < 2; m++) {
		snprintf(huge, sizeof(huge), "%s-huge", modes[m]);
		snprintf(small, sizeof(small), "%s-4K", modes[m]);
		setup_target(r, huge, small, NULL, 0, true, 0.1);
	}
	for (m = 0; m < 2; m++) {
		snprintf(huge, sizeof(huge), "%s-huge", modes[m]);
		setup_target(r, huge, "remap-4K", "write", 1024ULL << 20,
			     false, 0.5);
		setup_target(r, huge, "remap-4K", "write", 64ULL << 20, false,
			     0.7);
	}
	for (m = 0; m < 2; m++) {
		snprintf(huge, sizeof(huge), "%s-huge", modes[m]);
		setup_target(r, huge, "shmem-thp", NULL, 0, false, 1.0);
	}
	setup_target(r, "fault-4K", "tmpfs", "write", 0, false, 0.5);
	setup_target(r, "fault-4K", "tmpfs", "read", 0, false, 0.5);
	scaling_target(r, "remap-huge", 1.5);
	scaling_target(r, "fault-huge", 1.5);
	bw_target(r, "4K", BW_MMAP_FAULT, BW_MMAP_REMAP, 0.98);
	bw_target(r, "huge", BW_MMAP_FAULT_HUGE, BW_MMAP_REMAP_HUGE, 0.98);
}

/* --- text --------------------------------------------------------------- */

static void fmt_num(char *buf, size_t len, double v, int prec)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*f", prec, v);
}

/* "median (min-max)" of a figure, or "-". */
static void fmt_spread(char *buf, size_t len, double med, double lo,
		       double hi)
{
	if (med < 0)
		snprintf(buf, len, "-");
	else if (lo < 0 || hi < 0)
		snprintf(buf, len, "%.0f", med);
	else
		snprintf(buf, len, "%.0f (%.0f-%.0f)", med, lo, hi);
}

/* The worst paired speed of the mappings over memcpy in row b. */
static double worst_vs_memcpy(const struct bench_bw *b)
{
	double w = -1;
	int v;

	for (v = BW_MMAP_FAULT; v <= BW_MMAP_REMAP_HUGE; v++) {
		double x = speedup(b, v, BW_MEMCPY, false);

		if (x >= 0 && (w < 0 || x < w))
			w = x;
	}
	return w;
}

static void print_bw_text(FILE *f, const struct bench_bw *rows, size_t n,
			  bool u2k)
{
	static const char *const heads[BW_NVAR] = {
		"memcpy", "fault 4K", "remap 4K", "fault huge", "remap huge",
		"",
	};
	char sz[32], c[48];
	size_t i;
	int v;

	fprintf(f, "%9s %4s", "size", "reps");
	for (v = 0; v < BW_NVAR; v++)
		fprintf(f, " %19s", v == BW_SYSCALL ?
			(u2k ? "write()" : "read()") : heads[v]);
	fprintf(f, " %11s %11s", "map/memcpy", u2k ? "f/write()" : "f/read()");
	if (u2k)
		fprintf(f, " %10s %10s %7s", "+crc: f 4K", "+crc: wr", "ratio");
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		const struct bench_bw *b = &rows[i];

		format_human_size(sz, sizeof(sz), b->size);
		fprintf(f, "%9s %4u", sz, b->reps);
		for (v = 0; v < BW_NVAR; v++) {
			/* Slower is the longer time: min MiB/s at max ns. */
			fmt_spread(c, sizeof(c), bench_mibps(b->size, b->ns[v]),
				   bench_mibps(b->size, b->ns_max[v]),
				   bench_mibps(b->size, b->ns_min[v]));
			fprintf(f, " %19s", c);
		}
		fmt_num(c, sizeof(c), worst_vs_memcpy(b), 2);
		fprintf(f, " %11s", c);
		fmt_num(c, sizeof(c),
			speedup(b, BW_MMAP_FAULT, BW_SYSCALL, false), 2);
		fprintf(f, " %11s", c);
		if (u2k) {
			fmt_num(c, sizeof(c),
				bench_mibps(b->size, b->ns_crc[BW_MMAP_FAULT]),
				0);
			fprintf(f, " %10s", c);
			fmt_num(c, sizeof(c),
				bench_mibps(b->size, b->ns_crc[BW_SYSCALL]), 0);
			fprintf(f, " %10s", c);
			fmt_num(c, sizeof(c),
				speedup(b, BW_MMAP_FAULT, BW_SYSCALL, true), 2);
			fprintf(f, " %7s", c);
		}
		fputc('\n', f);
	}
}

/* Per setup: a count, with decimals only where it is not whole. */
static void fmt_count(char *buf, size_t len, double v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1f", v);
}

static void print_setup_text(FILE *f, const struct bench_report *r)
{
	char c[8][48], sz[32];
	size_t i;

	fprintf(f, "%-18s %-5s %8s %4s %20s %18s %8s %7s %6s %8s %8s\n",
		"variant", "touch", "size", "reps", "ns/page (min-max)",
		"munmap/p (min-max)", "minflt/p", "faults", "huge",
		"vs rmp4K", "vs tmpfs");
	for (i = 0; i < r->nr_setup; i++) {
		const struct bench_setup *s = &r->setup[i];

		fmt_spread(c[0], sizeof(c[0]), per_page(s, s->ns),
			   per_page(s, s->ns_min), per_page(s, s->ns_max));
		fmt_spread(c[1], sizeof(c[1]), per_page(s, s->ns_munmap),
			   per_page(s, s->munmap_min),
			   per_page(s, s->munmap_max));
		fmt_num(c[2], sizeof(c[2]),
			s->pages ? s->minflt / (double)s->pages : -1, 3);
		fmt_count(c[3], sizeof(c[3]), s->faults);
		fmt_count(c[4], sizeof(c[4]), s->huge_faults);
		fmt_num(c[5], sizeof(c[5]),
			setup_ratio(r, s->variant, "remap-4K", s->touch,
				    s->size, false), 2);
		fmt_num(c[6], sizeof(c[6]),
			setup_ratio(r, s->variant, "tmpfs", s->touch,
				    s->size, false), 2);
		format_human_size(sz, sizeof(sz), s->size);
		fprintf(f, "%-18s %-5s %8s %4u %20s %18s %8s %7s %6s %8s %8s\n",
			s->label, s->touch, sz, s->reps, c[0], c[1], c[2],
			c[3], c[4], c[5], c[6]);
	}
}

/* One column of ns per page for each variant, one row for each size. */
static void print_scaling_text(FILE *f, const struct bench_report *r)
{
	const char *variants[BENCH_MAX_VARIANTS];
	uint64_t sizes[2 * BENCH_MAX_ROWS];
	size_t nv = variants_of(r->scaling, r->nr_scaling, variants, 0);
	size_t n = setup_sizes(r, sizes), j, v;
	char sz[32], c[24];

	fprintf(f, "%9s", "size");
	for (v = 0; v < nv; v++)
		fprintf(f, " %11s", variants[v]);
	fputc('\n', f);
	for (j = 0; j < n; j++) {
		format_human_size(sz, sizeof(sz), sizes[j]);
		fprintf(f, "%9s", sz);
		for (v = 0; v < nv; v++) {
			const struct bench_setup *s =
				find_setup(r, variants[v], "write", sizes[j]);

			fmt_num(c, sizeof(c), s ? per_page(s, s->ns) : -1, 0);
			fprintf(f, " %11s", c);
		}
		fputc('\n', f);
	}
}

static const struct bench_fio *find_fio(const struct bench_report *r,
					const char *rw, const char *engine)
{
	size_t i;

	for (i = 0; i < r->nr_fio; i++)
		if (!strcmp(r->fio[i].rw, rw) &&
		    !strcmp(r->fio[i].engine, engine))
			return &r->fio[i];
	return NULL;
}

static double fio_ratio(const struct bench_report *r, const char *rw)
{
	const struct bench_fio *m = find_fio(r, rw, "mmap");
	const struct bench_fio *p = find_fio(r, rw, "psync");

	if (!m || !p)
		return -1;
	return bench_ratio(m->bw, p->bw);
}

static void print_fio_text(FILE *f, const struct bench_report *r)
{
	static const char *const rws[] = { "read", "write" };
	char c[3][24];
	size_t i;

	fprintf(f, "%-6s %4s %12s %12s %11s\n", "rw", "reps", "mmap MiB/s",
		"psync MiB/s", "mmap/psync");
	for (i = 0; i < 2; i++) {
		const struct bench_fio *m = find_fio(r, rws[i], "mmap");
		const struct bench_fio *p = find_fio(r, rws[i], "psync");

		if (!m && !p)
			continue;
		fmt_num(c[0], sizeof(c[0]),
			m && m->bw >= 0 ? m->bw / 1048576.0 : -1, 1);
		fmt_num(c[1], sizeof(c[1]),
			p && p->bw >= 0 ? p->bw / 1048576.0 : -1, 1);
		fmt_num(c[2], sizeof(c[2]), fio_ratio(r, rws[i]), 2);
		fprintf(f, "%-6s %4u %12s %12s %11s\n", rws[i],
			m ? m->reps : p->reps, c[0], c[1], c[2]);
	}
}

static const char *huge_bits(char *buf, size_t len, unsigned int huge)
{
	snprintf(buf, len, "%s%s%s", huge & 1 ? "remap" : "",
		 (huge & 3) == 3 ? "+" : "",
		 huge & 2 ? "fault" : huge & 1 ? "" : "none");
	return buf;
}

void bench_print_text(FILE *f, const struct bench_report *r)
{
	char a[32], b[32], c[32];
	size_t i;

	fprintf(f, "mmapdemo bench: medians of the repetitions after a warm-up,\n"
		   "(min-max) their spread; each ratio is the median of the\n"
		   "repetitions' own ratios, the variants of a size run back to\n"
		   "back in each repetition\n");
	fprintf(f, "machine: %s, %ld CPUs, %s RAM, Linux %s %s\n", r->cpu,
		r->cpus, format_human_size(a, sizeof(a), r->mem_bytes),
		r->kernel, r->machine);
	if (r->glibc_tunables[0])
		fprintf(f, "GLIBC_TUNABLES=%s\n", r->glibc_tunables);
	fprintf(f, "buffer:  %s, fault_around %s, huge %s (parameter %s)\n",
		format_human_size(a, sizeof(a), r->buffer_size),
		r->fault_around ? format_human_size(b, sizeof(b),
						    r->fault_around) : "?",
		huge_bits(c, sizeof(c), r->huge),
		r->huge_param[0] ? r->huge_param : "none");
	fprintf(f, "run:     %u reps (%u from %s on)%s; %.0f s\n", r->reps,
		r->big_reps, format_human_size(a, sizeof(a), r->big_size),
		r->quick ? ", --quick" : "", r->seconds);

	if (r->nr_k2u) {
		fputs("\n1. kernel -> user: the kernel FILLs, user space copies\n"
		      "   the bytes into its own buffer: memcpy from anonymous\n"
		      "   memory (the limit), from a mapping, or read() (MiB/s,\n"
		      "   higher is better; map/memcpy: the worst mapping)\n", f);
		print_bw_text(f, r->k2u, r->nr_k2u, false);
	}
	if (r->nr_u2k) {
		fputs("\n2. user -> kernel: user space copies its bytes into\n"
		      "   anonymous memory (the limit), into a mapping, or\n"
		      "   write()s them; +crc: then the kernel CHECKSUMs them\n"
		      "   (MiB/s, higher is better)\n", f);
		print_bw_text(f, r->u2k, r->nr_u2k, true);
	}
	if (r->nr_setup) {
		fprintf(f, "\n3. first touch: mmap() + one access per page, then\n"
			   "   munmap() (ns per page, lower is better; minflt/p:\n"
			   "   getrusage minor faults; faults, huge: the driver's\n"
			   "   faults and 2 MiB entries per setup; vs: paired\n"
			   "   cost ratios; fault_around %s unless the row sets it)\n",
			r->fault_around ? format_human_size(b, sizeof(b),
							    r->fault_around) :
			"?");
		print_setup_text(f, r);
	}
	if (r->nr_scaling) {
		fputs("\n4. scaling: mmap() + a write to every page, ns per page\n"
		      "   by size and variant (flat is linear)\n", f);
		print_scaling_text(f, r);
	}
	if (r->nr_fio) {
		fprintf(f, "\n5. fio %s on /dev/mmapdemo: the same job with\n"
			   "   ioengine=mmap and psync (bs %s, size %s)\n",
			r->fio_version,
			format_human_size(a, sizeof(a), r->fio[0].bs),
			format_human_size(b, sizeof(b), r->fio[0].size));
		print_fio_text(f, r);
	}
	if (r->nr_skipped) {
		fputs("\nnot measured:\n", f);
		for (i = 0; i < r->nr_skipped; i++)
			fprintf(f, "  %-18s %s\n", r->skipped[i].variant,
				r->skipped[i].reason);
	}
	if (r->nr_targets) {
		fputs("\ntargets:\n", f);
		for (i = 0; i < r->nr_targets; i++) {
			const struct bench_target *t = &r->targets[i];
			char v[24];

			fmt_num(v, sizeof(v), t->value, 2);
			fprintf(f, "  %-6s %-54s %6s (%s %.2f)  %s\n",
				t->met ? "met" : "MISSED", t->name, v,
				t->at_most ? "<=" : ">=", t->limit, t->detail);
		}
	}
	if (r->nr_notes) {
		fputs("\nnotes:\n", f);
		for (i = 0; i < r->nr_notes; i++)
			fprintf(f, "  - %s\n", r->notes[i]);
	}
}

/* --- CSV ---------------------------------------------------------------- */

#define CSV_HEADER "section,variant,op,size_bytes,reps,median_ns,min_ns," \
		   "max_ns,mib_s,ns_per_page,munmap_ns,minflt,faults," \
		   "fault_pages,huge_faults,ratio"

static void csv_num(FILE *f, double v, int prec)
{
	fputc(',', f);
	if (v >= 0)
		fprintf(f, "%.*f", prec, v);
}

static void csv_bw_row(FILE *f, const char *section, const char *variant,
		       const struct bench_bw *b, double ns, double lo,
		       double hi)
{
	if (ns < 0)
		return;
	fprintf(f, "%s,%s,,%" PRIu64 ",%u", section, variant, b->size,
		b->reps);
	csv_num(f, ns, 0);
	csv_num(f, lo, 0);
	csv_num(f, hi, 0);
	csv_num(f, bench_mibps(b->size, ns), 2);
	fputs(",,,,,,,\n", f);
}

static void csv_ratio(FILE *f, const char *section, const char *name,
		      const char *op, uint64_t size, double v)
{
	if (v < 0)
		return;
	fprintf(f, "ratio,%s:%s,%s,%" PRIu64 ",,,,,,,,,,,,%.4f\n", section,
		name, op, size, v);
}

static void csv_bw(FILE *f, const char *section, const struct bench_bw *rows,
		   size_t n, bool u2k)
{
	const char *sys = bench_bw_name(BW_SYSCALL, u2k);
	char name[40];
	size_t i;
	int v;

	for (i = 0; i < n; i++) {
		const struct bench_bw *b = &rows[i];

		for (v = 0; v < BW_NVAR; v++)
			csv_bw_row(f, section, bench_bw_name(v, u2k), b,
				   b->ns[v], b->ns_min[v], b->ns_max[v]);
		for (v = 0; u2k && v < BW_NVAR; v++) {
			snprintf(name, sizeof(name), "%s+crc",
				 bench_bw_name(v, u2k));
			csv_bw_row(f, section, name, b, b->ns_crc[v], -1, -1);
		}
		for (v = BW_MMAP_FAULT; v <= BW_MMAP_REMAP_HUGE; v++) {
			snprintf(name, sizeof(name), "%s/memcpy", bw_names[v]);
			csv_ratio(f, section, name, "", b->size,
				  speedup(b, v, BW_MEMCPY, false));
			snprintf(name, sizeof(name), "%s/%s", bw_names[v], sys);
			csv_ratio(f, section, name, "", b->size,
				  speedup(b, v, BW_SYSCALL, false));
		}
		if (u2k)
			csv_ratio(f, section, "mmap-fault-4K+crc/write+crc",
				  "", b->size,
				  speedup(b, BW_MMAP_FAULT, BW_SYSCALL, true));
	}
}

static void csv_setup(FILE *f, const struct bench_report *r,
		      const char *section, const struct bench_setup *rows,
		      size_t n)
{
	static const char *const bases[] = { "remap-4K", "tmpfs" };
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct bench_setup *s = &rows[i];

		fprintf(f, "%s,%s,%s,%" PRIu64 ",%u", section, s->variant,
			s->touch, s->size, s->reps);
		csv_num(f, s->ns, 0);
		csv_num(f, s->ns_min, 0);
		csv_num(f, s->ns_max, 0);
		fputc(',', f);
		csv_num(f, per_page(s, s->ns), 1);
		csv_num(f, s->ns_munmap, 0);
		csv_num(f, s->minflt, 0);
		csv_num(f, s->faults, 0);
		csv_num(f, s->fault_pages, 0);
		csv_num(f, s->huge_faults, 0);
		fputs(",\n", f);
	}
	for (i = 0; i < n; i++) {
		const struct bench_setup *s = &rows[i];
		char name[48];

		for (k = 0; k < 2; k++) {
			if (!strcmp(s->variant, bases[k]))
				continue;
			snprintf(name, sizeof(name), "%s/%s", s->variant,
				 bases[k]);
			csv_ratio(f, section, name, s->touch, s->size,
				  setup_ratio(r, s->variant, bases[k],
					      s->touch, s->size, false));
		}
	}
}

void bench_print_csv(FILE *f, const struct bench_report *r)
{
	size_t i;

	fputs(CSV_HEADER "\n", f);
	csv_bw(f, "k2u", r->k2u, r->nr_k2u, false);
	csv_bw(f, "u2k", r->u2k, r->nr_u2k, true);
	csv_setup(f, r, "setup", r->setup, r->nr_setup);
	csv_setup(f, r, "scaling", r->scaling, r->nr_scaling);
	for (i = 0; i < r->nr_fio; i++) {
		const struct bench_fio *x = &r->fio[i];

		fprintf(f, "fio,%s,%s,%" PRIu64 ",%u,,,", x->engine, x->rw,
			x->size, x->reps);
		csv_num(f, x->bw >= 0 ? x->bw / 1048576.0 : -1, 2);
		fputs(",,,,,,,\n", f);
	}
	csv_ratio(f, "fio", "mmap/psync", "read", 0, fio_ratio(r, "read"));
	csv_ratio(f, "fio", "mmap/psync", "write", 0, fio_ratio(r, "write"));
}

/* --- JSON --------------------------------------------------------------- */

static void json_bw(struct json *j, const char *key,
		    const struct bench_bw *rows, size_t n, bool u2k)
{
	const char *sys = bench_bw_name(BW_SYSCALL, u2k);
	char name[40];
	size_t i;
	int v;

	json_begin_array(j, key);
	for (i = 0; i < n; i++) {
		const struct bench_bw *b = &rows[i];

		json_begin_object(j, NULL);
		json_u64(j, "size", b->size);
		json_u64(j, "reps", b->reps);
		json_u64(j, "iters", b->iters);
		for (v = 0; v < BW_NVAR; v++) {
			json_begin_object(j, bench_bw_name(v, u2k));
			json_f64(j, "ns", b->ns[v]);
			json_f64(j, "min_ns", b->ns_min[v]);
			json_f64(j, "max_ns", b->ns_max[v]);
			json_f64(j, "mib_s", bench_mibps(b->size, b->ns[v]));
			if (u2k) {
				json_f64(j, "crc_ns", b->ns_crc[v]);
				json_f64(j, "crc_mib_s",
					 bench_mibps(b->size, b->ns_crc[v]));
			}
			json_end_object(j);
		}
		json_begin_object(j, "ratios");
		for (v = BW_MMAP_FAULT; v <= BW_MMAP_REMAP_HUGE; v++) {
			snprintf(name, sizeof(name), "%s/memcpy", bw_names[v]);
			json_f64(j, name, speedup(b, v, BW_MEMCPY, false));
			snprintf(name, sizeof(name), "%s/%s", bw_names[v], sys);
			json_f64(j, name, speedup(b, v, BW_SYSCALL, false));
		}
		if (u2k)
			json_f64(j, "mmap-fault-4K+crc/write+crc",
				 speedup(b, BW_MMAP_FAULT, BW_SYSCALL, true));
		json_end_object(j);
		json_end_object(j);
	}
	json_end_array(j);
}

static void json_setup(struct json *j, const struct bench_report *r,
		       const char *key, const struct bench_setup *rows,
		       size_t n)
{
	size_t i, k;

	json_begin_array(j, key);
	for (i = 0; i < n; i++) {
		const struct bench_setup *s = &rows[i];

		json_begin_object(j, NULL);
		json_str(j, "variant", s->variant);
		json_str(j, "touch", s->touch);
		json_u64(j, "size", s->size);
		json_u64(j, "reps", s->reps);
		json_f64(j, "ns", s->ns);
		json_f64(j, "min_ns", s->ns_min);
		json_f64(j, "max_ns", s->ns_max);
		json_f64(j, "ns_per_page", per_page(s, s->ns));
		json_f64(j, "munmap_ns", s->ns_munmap);
		json_f64(j, "munmap_min_ns", s->munmap_min);
		json_f64(j, "munmap_max_ns", s->munmap_max);
		json_f64(j, "munmap_ns_per_page", per_page(s, s->ns_munmap));
		json_f64(j, "minflt", s->minflt);
		json_f64(j, "faults", s->faults);
		json_f64(j, "fault_pages", s->fault_pages);
		json_f64(j, "huge_faults", s->huge_faults);
		json_f64(j, "huge_fallbacks", s->huge_fallbacks);
		json_begin_object(j, "vs");
		for (k = 0; k < BENCH_MAX_VARIANTS && s->paired[k].base; k++)
			json_f64(j, s->paired[k].base,
				 setup_ratio(r, s->variant, s->paired[k].base,
					     s->touch, s->size, false));
		json_end_object(j);
		json_begin_object(j, "munmap_vs");
		for (k = 0; k < BENCH_MAX_VARIANTS && s->paired[k].base; k++)
			json_f64(j, s->paired[k].base,
				 setup_ratio(r, s->variant, s->paired[k].base,
					     s->touch, s->size, true));
		json_end_object(j);
		json_end_object(j);
	}
	json_end_array(j);
}

static void json_fio(struct json *j, const struct bench_report *r)
{
	size_t i;

	json_begin_object(j, "fio");
	json_str(j, "version", r->fio_version[0] ? r->fio_version : NULL);
	json_begin_array(j, "jobs");
	for (i = 0; i < r->nr_fio; i++) {
		const struct bench_fio *x = &r->fio[i];

		json_begin_object(j, NULL);
		json_str(j, "rw", x->rw);
		json_str(j, "engine", x->engine);
		json_u64(j, "bs", x->bs);
		json_u64(j, "size", x->size);
		json_u64(j, "reps", x->reps);
		json_f64(j, "bw_bytes", x->bw);
		json_f64(j, "iops", x->iops);
		json_end_object(j);
	}
	json_end_array(j);
	json_begin_object(j, "ratios");
	json_f64(j, "read mmap/psync", fio_ratio(r, "read"));
	json_f64(j, "write mmap/psync", fio_ratio(r, "write"));
	json_end_object(j);
	json_end_object(j);
}

void bench_print_json(FILE *f, const struct bench_report *r)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_str(&j, "tool", "mmapdemo bench");
	json_begin_object(&j, "machine");
	json_str(&j, "cpu", r->cpu);
	json_i64(&j, "cpus", r->cpus);
	json_u64(&j, "mem_bytes", r->mem_bytes);
	json_str(&j, "kernel", r->kernel);
	json_str(&j, "arch", r->machine);
	json_str(&j, "glibc_tunables",
		 r->glibc_tunables[0] ? r->glibc_tunables : NULL);
	json_end_object(&j);
	json_begin_object(&j, "config");
	json_u64(&j, "buffer_size", r->buffer_size);
	json_u64(&j, "fault_around", r->fault_around);
	json_u64(&j, "huge", r->huge);
	json_str(&j, "huge_param", r->huge_param[0] ? r->huge_param : NULL);
	json_u64(&j, "reps", r->reps);
	json_u64(&j, "big_reps", r->big_reps);
	json_u64(&j, "big_size", r->big_size);
	json_bool(&j, "quick", r->quick);
	json_end_object(&j);
	json_f64(&j, "seconds", r->seconds);
	json_bw(&j, "kernel_to_user", r->k2u, r->nr_k2u, false);
	json_bw(&j, "user_to_kernel", r->u2k, r->nr_u2k, true);
	json_setup(&j, r, "setup", r->setup, r->nr_setup);
	json_setup(&j, r, "scaling", r->scaling, r->nr_scaling);
	json_fio(&j, r);
	json_begin_array(&j, "skipped");
	for (i = 0; i < r->nr_skipped; i++) {
		json_begin_object(&j, NULL);
		json_str(&j, "variant", r->skipped[i].variant);
		json_str(&j, "reason", r->skipped[i].reason);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_begin_array(&j, "targets");
	for (i = 0; i < r->nr_targets; i++) {
		const struct bench_target *t = &r->targets[i];

		json_begin_object(&j, NULL);
		json_str(&j, "name", t->name);
		json_f64(&j, "value", t->value);
		json_str(&j, "op", t->at_most ? "<=" : ">=");
		json_f64(&j, "limit", t->limit);
		json_bool(&j, "met", t->met);
		json_str(&j, "detail", t->detail);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_begin_array(&j, "notes");
	for (i = 0; i < r->nr_notes; i++)
		json_str(&j, NULL, r->notes[i]);
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
}
