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
	BW_MEMCPY,	/* anonymous memory to anonymous memory: the limit */
	BW_MMAP_FAULT,	/* through a fault-mode mapping of the buffer */
	BW_MMAP_REMAP,	/* through a remap-mode mapping */
	BW_SYSCALL,	/* read() or write() on the device */
	BW_NVAR
};

/* One transfer size of one direction. Times: medians, ns per transfer. */
struct bench_bw {
	uint64_t size;
	unsigned int reps;
	unsigned int iters;		/* transfers per timed sample */
	double ns[BW_NVAR];		/* < 0: not measured */
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

/* Setting up a mapping: mmap() and one access per page. */
struct bench_setup {
	const char *variant;	/* "anon", "remap", "fault", ... */
	const char *label;	/* the same for the table */
	const char *touch;	/* "write" or "read" */
	uint64_t size;
	uint64_t pages;		/* size / page size */
	unsigned int reps;
	double ns;		/* median of mmap() + first touch */
	double ns_munmap;	/* median of the munmap() after it */
	double minflt;		/* minor faults (getrusage) per setup */
	double faults;		/* the driver's faults per setup, < 0: n/a */
	double fault_pages;	/* pages those faults mapped, < 0: n/a */
	/* Paired ratios (see struct bench_bw) of the cost; 0: not measured. */
	double vs_anon;
	double vs_remap;
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
	char detail[96];	/* where the value comes from */
	double value;		/* < 0: nothing measured */
	double limit;
	bool at_most;		/* value <= limit, else value >= limit */
	bool met;
};

#define BENCH_MAX_ROWS	32
#define BENCH_MAX_NOTES	16
#define BENCH_MAX_TARGETS 16

struct bench_report {
	/* Where it ran. */
	char cpu[96];
	long cpus;
	uint64_t mem_bytes;
	char kernel[96];
	char machine[32];
	uint64_t buffer_size;
	uint64_t fault_around;	/* bytes, 0: unknown */
	unsigned int reps;	/* at small sizes; fewer above big_size */
	unsigned int big_reps;
	uint64_t big_size;
	bool quick;
	double seconds;		/* the whole run */

	struct bench_bw k2u[BENCH_MAX_ROWS];
	size_t nr_k2u;
	struct bench_bw u2k[BENCH_MAX_ROWS];
	size_t nr_u2k;
	struct bench_setup setup[BENCH_MAX_ROWS];
	size_t nr_setup;
	struct bench_setup scaling[BENCH_MAX_ROWS];
	size_t nr_scaling;
	struct bench_fio fio[BENCH_MAX_ROWS];
	size_t nr_fio;
	char fio_version[32];

	char notes[BENCH_MAX_NOTES][160];
	size_t nr_notes;

	struct bench_target targets[BENCH_MAX_TARGETS];
	size_t nr_targets;
};

/* Median of n samples (sorts them); 0 for none. */
double bench_median(double *v, size_t n);

/* MiB/s of a transfer of size bytes in ns nanoseconds; < 0 if unknown. */
double bench_mibps(uint64_t size, double ns);

/* a / b, or -1 when either is unknown or b is 0. */
double bench_ratio(double a, double b);

void __attribute__((format(printf, 2, 3)))
bench_note(struct bench_report *r, const char *fmt, ...);

/* Fill r->targets: each target's value, limit and whether it is met. */
void bench_eval_targets(struct bench_report *r);

void bench_print_text(FILE *f, const struct bench_report *r);
void bench_print_csv(FILE *f, const struct bench_report *r);
void bench_print_json(FILE *f, const struct bench_report *r);

#endif /* MMAPDEMO_CLI_BENCH_H */
