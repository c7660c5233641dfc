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
	[BW_MMAP_FAULT] = "mmap-fault",
	[BW_MMAP_REMAP] = "mmap-remap",
	[BW_SYSCALL] = "syscall",	/* read or write, by direction */
};

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

static const struct bench_setup *find_setup(const struct bench_setup *s,
					    size_t n, const char *variant,
					    const char *touch, uint64_t size)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s[i].variant, variant) &&
		    !strcmp(s[i].touch, touch) && (!size || s[i].size == size))
			return &s[i];
	return NULL;
}

static double setup_ratio(const struct bench_setup *s, size_t n,
			  const char *a, const char *b, const char *touch,
			  uint64_t size)
{
	const struct bench_setup *x = find_setup(s, n, a, touch, size);
	const struct bench_setup *y = find_setup(s, n, b, touch, size);

	if (!x || !y)
		return -1;
	if (!strcmp(b, "anon") && x->vs_anon > 0)
		return x->vs_anon;
	if (!strcmp(b, "remap") && x->vs_remap > 0)
		return x->vs_remap;
	return bench_ratio(x->ns, y->ns);
}

static struct bench_target *add_target(struct bench_report *r,
				       const char *name, double limit,
				       bool at_most)
{
	struct bench_target *t;

	if (r->nr_targets >= BENCH_MAX_TARGETS)
		return NULL;
	t = &r->targets[r->nr_targets++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->limit = limit;
	t->at_most = at_most;
	t->value = -1;
	return t;
}

static void finish_target(struct bench_target *t)
{
	if (!t)
		return;
	if (t->value < 0) {
		t->met = false;
		snprintf(t->detail, sizeof(t->detail), "not measured");
		return;
	}
	t->met = t->at_most ? t->value <= t->limit : t->value >= t->limit;
}

/* The worst (smallest) mapping speed-up over base across rows >= min. */
static void bw_target(struct bench_report *r, const char *name, int base,
		      double limit, uint64_t min_size)
{
	struct bench_target *t = add_target(r, name, limit, false);
	char sz[32];
	size_t i;
	int m;

	if (!t)
		return;
	for (i = 0; i < r->nr_k2u; i++) {
		const struct bench_bw *b = &r->k2u[i];

		if (b->size < min_size)
			continue;
		for (m = BW_MMAP_FAULT; m <= BW_MMAP_REMAP; m++) {
			double v = speedup(b, m, base, false);

			if (v < 0 || (t->value >= 0 && v >= t->value))
				continue;
			t->value = v;
			snprintf(t->detail, sizeof(t->detail),
				 "worst: %s at %s", bw_names[m],
				 format_human_size(sz, sizeof(sz), b->size));
		}
	}
	finish_target(t);
}

static void setup_target(struct bench_report *r, const char *name,
			 const char *base, const char *touch, double limit)
{
	struct bench_target *t = add_target(r, name, limit, true);
	const struct bench_setup *s;
	char sz[32];

	if (!t)
		return;
	s = find_setup(r->setup, r->nr_setup, "fault", touch, 0);
	if (s) {
		t->value = setup_ratio(r->setup, r->nr_setup, "fault", base,
				       touch, s->size);
		snprintf(t->detail, sizeof(t->detail),
			 "mmap + %s of every page of %s", touch,
			 format_human_size(sz, sizeof(sz), s->size));
	}
	finish_target(t);
}

/* The distinct variants of rows, in their order; how many. */
static size_t variants_of(const struct bench_setup *rows, size_t n,
			  const char **names)
{
	size_t nr = 0, i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < nr && strcmp(names[j], rows[i].variant); j++)
			;
		if (j == nr)
			names[nr++] = rows[i].variant;
	}
	return nr;
}

/* Linear growth: ns per page at every size within limit x of the least. */
static void scaling_target(struct bench_report *r, double limit)
{
	struct bench_target *t = add_target(r, "setup ns/page max/min", limit,
					    true);
	const char *variants[BENCH_MAX_ROWS];
	size_t v, i, nv = variants_of(r->scaling, r->nr_scaling, variants);

	if (!t)
		return;
	for (v = 0; v < nv; v++) {
		double lo = -1, hi = -1;
		size_t n = 0;

		for (i = 0; i < r->nr_scaling; i++) {
			const struct bench_setup *s = &r->scaling[i];
			double pp;

			if (strcmp(s->variant, variants[v]) || s->ns <= 0)
				continue;
			if (!s->pages)
				continue;
			pp = s->ns / (double)s->pages;
			lo = lo < 0 || pp < lo ? pp : lo;
			hi = hi < 0 || pp > hi ? pp : hi;
			n++;
		}
		if (n < 2 || lo <= 0 || hi / lo <= t->value)
			continue;
		t->value = hi / lo;
		snprintf(t->detail, sizeof(t->detail),
			 "worst: %s over %zu sizes", variants[v], n);
	}
	finish_target(t);
}

void bench_eval_targets(struct bench_report *r)
{
	r->nr_targets = 0;
	bw_target(r, "kernel->user mapping/memcpy", BW_MEMCPY, 0.9, 0);
	bw_target(r, "kernel->user mapping/read() (>= 4 MiB)", BW_SYSCALL, 3.0,
		  4ULL << 20);
	setup_target(r, "first touch fault/anon (write)", "anon", "write",
		     1.5);
	setup_target(r, "first touch fault/remap (write)", "remap", "write",
		     1.3);
	setup_target(r, "first touch fault/anon (read)", "anon", "read", 1.5);
	setup_target(r, "first touch fault/remap (read)", "remap", "read",
		     1.3);
	scaling_target(r, 1.5);
}

/* --- text --------------------------------------------------------------- */

static void fmt_num(char *buf, size_t len, double v, int prec)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*f", prec, v);
}

static void print_bw_text(FILE *f, const struct bench_bw *rows, size_t n,
			  bool u2k)
{
	const char *sys = u2k ? "write()" : "read()";
	char sz[32], c[BW_NVAR + 5][24];
	size_t i;
	int v;

	fprintf(f, "%9s %4s %9s %10s %10s %9s %13s %13s", "size", "reps",
		"memcpy", "mmap fault", "mmap remap", sys, "fault/memcpy",
		u2k ? "fault/write()" : "fault/read()");
	if (u2k)
		fprintf(f, " %11s %11s %13s", "+crc: fault", "+crc: write",
			"ratio");
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		const struct bench_bw *b = &rows[i];

		for (v = 0; v < BW_NVAR; v++)
			fmt_num(c[v], sizeof(c[v]),
				bench_mibps(b->size, b->ns[v]), 1);
		fmt_num(c[BW_NVAR], sizeof(c[0]),
			speedup(b, BW_MMAP_FAULT, BW_MEMCPY, false), 2);
		fmt_num(c[BW_NVAR + 1], sizeof(c[0]),
			speedup(b, BW_MMAP_FAULT, BW_SYSCALL, false), 2);
		fprintf(f, "%9s %4u %9s %10s %10s %9s %13s %13s",
			format_human_size(sz, sizeof(sz), b->size), b->reps, c[BW_MEMCPY],
			c[BW_MMAP_FAULT], c[BW_MMAP_REMAP], c[BW_SYSCALL],
			c[BW_NVAR], c[BW_NVAR + 1]);
		if (u2k) {
			fmt_num(c[BW_NVAR + 2], sizeof(c[0]),
				bench_mibps(b->size, b->ns_crc[BW_MMAP_FAULT]),
				1);
			fmt_num(c[BW_NVAR + 3], sizeof(c[0]),
				bench_mibps(b->size, b->ns_crc[BW_SYSCALL]), 1);
			fmt_num(c[BW_NVAR + 4], sizeof(c[0]),
				speedup(b, BW_MMAP_FAULT, BW_SYSCALL, true), 2);
			fprintf(f, " %11s %11s %13s", c[BW_NVAR + 2],
				c[BW_NVAR + 3], c[BW_NVAR + 4]);
		}
		fputc('\n', f);
	}
}

static double per_page(const struct bench_setup *s, double ns)
{
	return s->pages && ns >= 0 ? ns / (double)s->pages : -1;
}

static void print_setup_text(FILE *f, const struct bench_report *r)
{
	const struct bench_setup *s = r->setup;
	char c[8][24];
	size_t i;

	fprintf(f, "%-14s %-5s %4s %8s %8s %9s %9s %8s %8s %8s\n", "variant",
		"touch", "reps", "ns/page", "us/MiB", "munmap/p", "minflt/p",
		"faults", "vs anon", "vs remap");
	for (i = 0; i < r->nr_setup; i++, s++) {
		uint64_t pages = s->pages;

		fmt_num(c[0], sizeof(c[0]), per_page(s, s->ns), 0);
		fmt_num(c[1], sizeof(c[1]),
			s->ns / 1e3 / (double)(s->size >> 20 ? s->size >> 20 :
					       1), 0);
		fmt_num(c[2], sizeof(c[2]), per_page(s, s->ns_munmap), 0);
		fmt_num(c[3], sizeof(c[3]),
			pages ? s->minflt / (double)pages : -1, 3);
		fmt_num(c[4], sizeof(c[4]), s->faults, 0);
		fmt_num(c[5], sizeof(c[5]),
			setup_ratio(r->setup, r->nr_setup, s->variant, "anon",
				    s->touch, s->size), 2);
		fmt_num(c[6], sizeof(c[6]),
			setup_ratio(r->setup, r->nr_setup, s->variant, "remap",
				    s->touch, s->size), 2);
		fprintf(f, "%-14s %-5s %4u %8s %8s %9s %9s %8s %8s %8s\n",
			s->label, s->touch, s->reps, c[0],
			c[1], c[2], c[3], c[4], c[5], c[6]);
	}
}

/* One column of ns per page for each variant, one row for each size. */
static void print_scaling_text(FILE *f, const struct bench_report *r)
{
	const char *variants[BENCH_MAX_ROWS];
	size_t nv = variants_of(r->scaling, r->nr_scaling, variants);
	uint64_t sizes[BENCH_MAX_ROWS];
	size_t n = 0, i, j, v;
	char sz[32], c[24];

	for (i = 0; i < r->nr_scaling; i++) {
		for (j = 0; j < n && sizes[j] != r->scaling[i].size; j++)
			;
		if (j == n)
			sizes[n++] = r->scaling[i].size;
	}
	fprintf(f, "%9s %4s", "size", "reps");
	for (v = 0; v < nv; v++)
		fprintf(f, " %12s", variants[v]);
	fputc('\n', f);
	for (j = 0; j < n; j++) {
		const struct bench_setup *s =
			find_setup(r->scaling, r->nr_scaling, variants[0],
				   "write", sizes[j]);

		format_human_size(sz, sizeof(sz), sizes[j]);
		fprintf(f, "%9s %4u", sz, s ? s->reps : 0);
		for (v = 0; v < nv; v++) {
			s = find_setup(r->scaling, r->nr_scaling, variants[v],
				       "write", sizes[j]);
			fmt_num(c, sizeof(c), s ? per_page(s, s->ns) : -1, 0);
			fprintf(f, " %12s", c);
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

void bench_print_text(FILE *f, const struct bench_report *r)
{
	char a[32], b[32], c[32];
	size_t i;

	fprintf(f, "mmapdemo bench: medians of the repetitions after a warm-up;\n"
		   "each ratio is the median of the repetitions' own ratios, the\n"
		   "variant and its baseline run back to back in each repetition\n");
	fprintf(f, "machine: %s, %ld CPUs, %s RAM, Linux %s %s\n", r->cpu,
		r->cpus, format_human_size(a, sizeof(a), r->mem_bytes), r->kernel,
		r->machine);
	fprintf(f, "buffer:  %s, fault_around %s; %u reps (%u from %s on)%s; %.0f s\n",
		format_human_size(a, sizeof(a), r->buffer_size),
		r->fault_around ? format_human_size(b, sizeof(b), r->fault_around) : "?",
		r->reps, r->big_reps,
		format_human_size(c, sizeof(c), r->big_size),
		r->quick ? ", --quick" : "", r->seconds);

	if (r->nr_k2u) {
		fputs("\n1. kernel -> user: the kernel FILLs, user space copies\n"
		      "   the bytes into its own buffer: memcpy from anonymous\n"
		      "   memory (the limit), from a mapping, or read() (MiB/s,\n"
		      "   higher is better)\n", f);
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
		fprintf(f, "\n3. first touch: mmap() + one access per page of %s\n"
			   "   (ns per page, lower is better; munmap/p: the\n"
			   "   munmap() after it; minflt/p: getrusage minor faults;\n"
			   "   faults: the driver's faults per setup; fault:\n"
			   "   fault_around %s, f-a: fault_around set for the row)\n",
			format_human_size(a, sizeof(a), r->setup[0].size),
			r->fault_around ? format_human_size(b, sizeof(b), r->fault_around) :
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
	if (r->nr_targets) {
		fputs("\ntargets:\n", f);
		for (i = 0; i < r->nr_targets; i++) {
			const struct bench_target *t = &r->targets[i];
			char v[24];

			fmt_num(v, sizeof(v), t->value, 2);
			fprintf(f, "  %-7s %-40s %6s (%s %.2f)  %s\n",
				t->value < 0 ? "n/a" : t->met ? "met" : "MISSED",
				t->name, v, t->at_most ? "<=" : ">=", t->limit,
				t->detail);
		}
	}
	if (r->nr_notes) {
		fputs("\nnotes:\n", f);
		for (i = 0; i < r->nr_notes; i++)
			fprintf(f, "  - %s\n", r->notes[i]);
	}
}

/* --- CSV ---------------------------------------------------------------- */

#define CSV_HEADER "section,variant,op,size_bytes,reps,median_ns,mib_s," \
		   "ns_per_page,munmap_ns,minflt,faults,fault_pages,ratio"

static void csv_num(FILE *f, double v, int prec)
{
	fputc(',', f);
	if (v >= 0)
		fprintf(f, "%.*f", prec, v);
}

static void csv_bw_row(FILE *f, const char *section, const char *variant,
		       const struct bench_bw *b, double ns)
{
	if (ns < 0)
		return;
	fprintf(f, "%s,%s,,%" PRIu64 ",%u", section, variant, b->size,
		b->reps);
	csv_num(f, ns, 0);
	csv_num(f, bench_mibps(b->size, ns), 2);
	fputs(",,,,,,\n", f);
}

static void csv_ratio(FILE *f, const char *section, const char *name,
		      const char *op, uint64_t size, double v)
{
	if (v < 0)
		return;
	fprintf(f, "ratio,%s:%s,%s,%" PRIu64 ",,,,,,,,,%.4f\n", section, name,
		op, size, v);
}

static void csv_bw(FILE *f, const char *section, const struct bench_bw *rows,
		   size_t n, bool u2k)
{
	const char *sys = u2k ? "write" : "read";
	char name[32];
	size_t i;
	int v;

	for (i = 0; i < n; i++) {
		const struct bench_bw *b = &rows[i];

		for (v = 0; v < BW_NVAR; v++)
			csv_bw_row(f, section,
				   v == BW_SYSCALL ? sys : bw_names[v], b,
				   b->ns[v]);
		for (v = 0; u2k && v < BW_NVAR; v++) {
			snprintf(name, sizeof(name), "%s+crc",
				 v == BW_SYSCALL ? sys : bw_names[v]);
			csv_bw_row(f, section, name, b, b->ns_crc[v]);
		}
		for (v = BW_MMAP_FAULT; v <= BW_MMAP_REMAP; v++) {
			snprintf(name, sizeof(name), "%s/memcpy", bw_names[v]);
			csv_ratio(f, section, name, "", b->size,
				  speedup(b, v, BW_MEMCPY, false));
			snprintf(name, sizeof(name), "%s/%s", bw_names[v], sys);
			csv_ratio(f, section, name, "", b->size,
				  speedup(b, v, BW_SYSCALL, false));
		}
		if (u2k)
			csv_ratio(f, section, "mmap-fault+crc/write+crc", "",
				  b->size, speedup(b, BW_MMAP_FAULT, BW_SYSCALL,
						   true));
	}
}

static void csv_setup(FILE *f, const char *section,
		      const struct bench_setup *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct bench_setup *s = &rows[i];

		fprintf(f, "%s,%s,%s,%" PRIu64 ",%u", section, s->variant,
			s->touch, s->size, s->reps);
		csv_num(f, s->ns, 0);
		fputc(',', f);
		csv_num(f, per_page(s, s->ns), 1);
		csv_num(f, s->ns_munmap, 0);
		csv_num(f, s->minflt, 0);
		csv_num(f, s->faults, 0);
		csv_num(f, s->fault_pages, 0);
		fputs(",\n", f);
	}
	for (i = 0; i < n; i++) {
		const struct bench_setup *s = &rows[i];
		char name[40];

		if (strncmp(s->variant, "fault", 5))
			continue;
		snprintf(name, sizeof(name), "%s/anon", s->variant);
		csv_ratio(f, section, name, s->touch, s->size,
			  setup_ratio(rows, n, s->variant, "anon", s->touch,
				      s->size));
		snprintf(name, sizeof(name), "%s/remap", s->variant);
		csv_ratio(f, section, name, s->touch, s->size,
			  setup_ratio(rows, n, s->variant, "remap", s->touch,
				      s->size));
	}
}

void bench_print_csv(FILE *f, const struct bench_report *r)
{
	size_t i;

	fputs(CSV_HEADER "\n", f);
	csv_bw(f, "k2u", r->k2u, r->nr_k2u, false);
	csv_bw(f, "u2k", r->u2k, r->nr_u2k, true);
	csv_setup(f, "setup", r->setup, r->nr_setup);
	csv_setup(f, "scaling", r->scaling, r->nr_scaling);
	for (i = 0; i < r->nr_fio; i++) {
		const struct bench_fio *x = &r->fio[i];

		fprintf(f, "fio,%s,%s,%" PRIu64 ",%u,", x->engine, x->rw,
			x->size, x->reps);
		csv_num(f, x->bw >= 0 ? x->bw / 1048576.0 : -1, 2);
		fputs(",,,,,,\n", f);
	}
	csv_ratio(f, "fio", "mmap/psync", "read", 0, fio_ratio(r, "read"));
	csv_ratio(f, "fio", "mmap/psync", "write", 0, fio_ratio(r, "write"));
}

/* --- JSON --------------------------------------------------------------- */

static void json_bw(struct json *j, const char *key,
		    const struct bench_bw *rows, size_t n, bool u2k)
{
	const char *sys = u2k ? "write" : "read";
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
			json_begin_object(j, v == BW_SYSCALL ? sys :
					  bw_names[v]);
			json_f64(j, "ns", b->ns[v]);
			json_f64(j, "mib_s", bench_mibps(b->size, b->ns[v]));
			if (u2k) {
				json_f64(j, "crc_ns", b->ns_crc[v]);
				json_f64(j, "crc_mib_s",
					 bench_mibps(b->size, b->ns_crc[v]));
			}
			json_end_object(j);
		}
		json_begin_object(j, "ratios");
		for (v = BW_MMAP_FAULT; v <= BW_MMAP_REMAP; v++) {
			snprintf(name, sizeof(name), "%s/memcpy", bw_names[v]);
			json_f64(j, name, speedup(b, v, BW_MEMCPY, false));
			snprintf(name, sizeof(name), "%s/%s", bw_names[v], sys);
			json_f64(j, name, speedup(b, v, BW_SYSCALL, false));
		}
		if (u2k)
			json_f64(j, "mmap-fault+crc/write+crc",
				 speedup(b, BW_MMAP_FAULT, BW_SYSCALL, true));
		json_end_object(j);
		json_end_object(j);
	}
	json_end_array(j);
}

static void json_setup(struct json *j, const char *key,
		       const struct bench_setup *rows, size_t n)
{
	size_t i;

	json_begin_array(j, key);
	for (i = 0; i < n; i++) {
		const struct bench_setup *s = &rows[i];

		json_begin_object(j, NULL);
		json_str(j, "variant", s->variant);
		json_str(j, "touch", s->touch);
		json_u64(j, "size", s->size);
		json_u64(j, "reps", s->reps);
		json_f64(j, "ns", s->ns);
		json_f64(j, "ns_per_page", per_page(s, s->ns));
		json_f64(j, "munmap_ns", s->ns_munmap);
		json_f64(j, "minflt", s->minflt);
		json_f64(j, "faults", s->faults);
		json_f64(j, "fault_pages", s->fault_pages);
		json_f64(j, "vs_anon", setup_ratio(rows, n, s->variant, "anon",
						   s->touch, s->size));
		json_f64(j, "vs_remap", setup_ratio(rows, n, s->variant,
						    "remap", s->touch,
						    s->size));
		json_end_object(j);
	}
	json_end_array(j);
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
	json_end_object(&j);
	json_begin_object(&j, "config");
	json_u64(&j, "buffer_size", r->buffer_size);
	json_u64(&j, "fault_around", r->fault_around);
	json_u64(&j, "reps", r->reps);
	json_u64(&j, "big_reps", r->big_reps);
	json_u64(&j, "big_size", r->big_size);
	json_bool(&j, "quick", r->quick);
	json_end_object(&j);
	json_f64(&j, "seconds", r->seconds);
	json_bw(&j, "kernel_to_user", r->k2u, r->nr_k2u, false);
	json_bw(&j, "user_to_kernel", r->u2k, r->nr_u2k, true);
	json_setup(&j, "setup", r->setup, r->nr_setup);
	json_setup(&j, "scaling", r->scaling, r->nr_scaling);
	json_begin_object(&j, "fio");
	json_str(&j, "version", r->fio_version[0] ? r->fio_version : NULL);
	json_begin_array(&j, "jobs");
	for (i = 0; i < r->nr_fio; i++) {
		const struct bench_fio *x = &r->fio[i];

		json_begin_object(&j, NULL);
		json_str(&j, "rw", x->rw);
		json_str(&j, "engine", x->engine);
		json_u64(&j, "bs", x->bs);
		json_u64(&j, "size", x->size);
		json_u64(&j, "reps", x->reps);
		json_f64(&j, "bw_bytes", x->bw);
		json_f64(&j, "iops", x->iops);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_begin_object(&j, "ratios");
	json_f64(&j, "read mmap/psync", fio_ratio(r, "read"));
	json_f64(&j, "write mmap/psync", fio_ratio(r, "write"));
	json_end_object(&j);
	json_end_object(&j);
	json_begin_array(&j, "targets");
	for (i = 0; i < r->nr_targets; i++) {
		const struct bench_target *t = &r->targets[i];

		json_begin_object(&j, NULL);
		json_str(&j, "name", t->name);
		json_f64(&j, "value", t->value);
		json_str(&j, "op", t->at_most ? "<=" : ">=");
		json_f64(&j, "limit", t->limit);
		if (t->value < 0)
			json_null(&j, "met");
		else
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
