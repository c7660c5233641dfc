/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `mmapdemo bench`: the results model and its three output formats (an
 * aligned table, CSV, JSON), kept apart from the measuring code so that
 * the host tests can check them without a device.
 */
#ifndef MMAPDEMO_CLI_BENCH_H
#define MMAPDEMO_CLI_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The ways bytes move between the kernel's buffer and a user buffer. */
enum bench_bw_var {
	BW_MEMCPY,		/* anonymous to anonymous memory: the limit */
	BW_MMAP_FAULT,		/* through a fault-mode mapping, 4 KiB pages */
	BW_MMAP_REMAP,		/* through a remap-mode mapping, 4 KiB pages */
	BW_MMAP_FAULT_HUGE,	/* the same with 2 MiB entries */
	BW_MMAP_REMAP_HUGE,
	BW_SYSCALL,		/* read() or write() on the device */
	BW_NVAR
};

/* Whether v copies through a mapping of the buffer. */
static inline bool bench_bw_is_mapping(int v)
{
	return v >= BW_MMAP_FAULT && v <= BW_MMAP_REMAP_HUGE;
}

/* One transfer size of one direction. Times: ns per transfer. */
struct bench_bw {
	uint64_t size;
	unsigned int reps;
	unsigned int iters;		/* transfers per timed sample */
	double ns[BW_NVAR];		/* median; < 0: not measured */
	double ns_min[BW_NVAR];		/* the spread of the repetitions */
	double ns_max[BW_NVAR];
	double ns_crc[BW_NVAR];		/* user -> kernel: with CHECKSUM */
	/*
	 * Paired ratios: the median over the repetitions of each one's own
	 * ratio, which a machine that slows down and speeds up between
	 * repetitions disturbs less than a ratio of medians. Speed of the
	 * variant over memcpy, over read()/write(), and with CHECKSUM the
	 * fault mapping over write(). 0: not measured (ratio of medians).
	 */
	double vs_memcpy[BW_NVAR];
	double vs_syscall[BW_NVAR];
	double crc_vs_syscall;
};

#define BENCH_MAX_VARIANTS 12

/* The paired ratio of a setup row's costs over another variant's. */
struct bench_paired {
	const char *base;	/* the other variant; NULL: unused slot */
	double ns;		/* mmap() + touch */
	double munmap;
};

/* Setting up a mapping: mmap() and one access per page. */
struct bench_setup {
	const char *variant;	/* "remap-4K", "fault-huge", "tmpfs", ... */
	const char *label;	/* the same for the table */
	const char *touch;	/* "write" or "read" */
	uint64_t size;
	uint64_t pages;		/* size / page size */
	unsigned int reps;
	double ns;		/* median of mmap() + first touch */
	double ns_min;		/* its spread over the repetitions */
	double ns_max;
	double ns_munmap;	/* median of the munmap() after it */
	double munmap_min;
	double munmap_max;
	double minflt;		/* minor faults (getrusage) per setup */
	/* The driver's counters per setup; < 0: not the device. */
	double faults;		/* faults served */
	double fault_pages;	/* 4 KiB pages they mapped */
	double huge_faults;	/* 2 MiB entries inserted */
	double huge_fallbacks;	/* huge faults that fell back to 4 KiB */
	struct bench_paired paired[BENCH_MAX_VARIANTS];
};

/* One fio job, run with two engines. */
struct bench_fio {
	const char *rw;		/* "read" or "write" */
	const char *engine;	/* "mmap" or "psync" */
	uint64_t bs;
	uint64_t size;
	unsigned int reps;
	double bw;		/* bytes per second, median; < 0: failed */
	double iops;
};

struct bench_target {
	char name[64];
	char detail[96];	/* where the value comes from, or why none */
	double value;		/* < 0: nothing measured, met is false */
	double limit;
	bool at_most;		/* value <= limit, else value >= limit */
	bool met;
};

/* A variant this run could not measure, and why. */
struct bench_skip {
	char variant[24];	/* a setup variant or a bandwidth column */
	char reason[80];
};

#define BENCH_MAX_ROWS	96
#define BENCH_MAX_NOTES	16
#define BENCH_MAX_TARGETS 24

struct bench_report {
	/* Where it ran. */
	char cpu[96];
	long cpus;
	uint64_t mem_bytes;
	char kernel[96];
	char machine[32];
	char glibc_tunables[128];	/* the environment's, "" if none */
	uint64_t buffer_size;
	uint64_t fault_around;	/* bytes, 0: unknown */
	unsigned int huge;	/* struct mmapdemo_info.huge */
	char huge_param[16];	/* the module's huge parameter, "" if none */
	unsigned int reps;	/* below big_size; big_reps from there on */
	unsigned int big_reps;
	uint64_t big_size;
	bool quick;
	double seconds;		/* the whole run */

	struct bench_bw k2u[BENCH_MAX_ROWS];
	size_t nr_k2u;
	struct bench_bw u2k[BENCH_MAX_ROWS];
	size_t nr_u2k;
	/* First touch at a few sizes; scaling: the write touch at the rest. */
	struct bench_setup setup[BENCH_MAX_ROWS];
	size_t nr_setup;
	struct bench_setup scaling[BENCH_MAX_ROWS];
	size_t nr_scaling;
	struct bench_fio fio[BENCH_MAX_ROWS];
	size_t nr_fio;
	char fio_version[32];

	struct bench_skip skipped[BENCH_MAX_VARIANTS + BW_NVAR];
	size_t nr_skipped;

	char notes[BENCH_MAX_NOTES][160];
	size_t nr_notes;

	struct bench_target targets[BENCH_MAX_TARGETS];
	size_t nr_targets;
};

/* Median of n samples (sorts them); 0 for none. */
double bench_median(double *v, size_t n);

/* The least and the greatest of n samples; -1 for none. */
void bench_min_max(const double *v, size_t n, double *lo, double *hi);

/* MiB/s of a transfer of size bytes in ns nanoseconds; < 0 if unknown. */
double bench_mibps(uint64_t size, double ns);

/* a / b, or -1 when either is unknown or b is 0. */
double bench_ratio(double a, double b);

/* The name of bandwidth variant v in the JSON and CSV. */
const char *bench_bw_name(int v, bool u2k);

void __attribute__((format(printf, 2, 3)))
bench_note(struct bench_report *r, const char *fmt, ...);

/* Records that variant could not be measured, and why. */
void bench_skip(struct bench_report *r, const char *variant,
		const char *reason);

/* Why variant was not measured; NULL if it was (or never asked for). */
const char *bench_skipped(const struct bench_report *r, const char *variant);

/* Fill r->targets: each target's value, limit and whether it is met. */
void bench_eval_targets(struct bench_report *r);

void bench_print_text(FILE *f, const struct bench_report *r);
void bench_print_csv(FILE *f, const struct bench_report *r);
void bench_print_json(FILE *f, const struct bench_report *r);

#endif /* MMAPDEMO_CLI_BENCH_H */
