// SPDX-License-Identifier: GPL-2.0
/*
 * demand_paging: when the page tables of a mapping are filled, counted by
 * the driver's fault counters; and a mapping against read()/write(), which
 * copy (docs/mmap.md, "Demand paging", "mmap() against read() and
 * write()").
 *
 * The mapping is 64 KiB at a 256 KiB-aligned address, so that the fault
 * mode's default fault-around window (fault_around=256K, aligned to its
 * size) holds all of it, and too small for a 2 MiB entry: the counts are
 * the same on every kernel.
 *
 * usage: demand_paging [fault|remap]
 */
#include "primer.h"

int main(int argc, char **argv)
{
	static const char msg[] = "stored through the mapping";
	static const char wmsg[] = "written by pwrite()";
	const char *mode = primer_mode(argc, argv);
	struct mmapdemo *md = primer_open(mode, O_RDWR);
	unsigned long long f0, p0, f1, p1, f2, p2;
	const size_t len = 16 * PG;
	char back[64];
	uint8_t want[16];
	char *p;
	size_t i;
	int ret;

	printf("== demand_paging, %s mode\n", mode);
	primer_faults(md, &f0, &p0);
	p = mmap(primer_reserve(len, 256 * 1024), len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, mmapdemo_fd(md), 0);
	if (p == MAP_FAILED)
		die("mmap", errno);
	primer_faults(md, &f1, &p1);
	printf("after mmap() of 16 pages: faults %llu\n", f1 - f0);

	p[0] = 1;
	primer_faults(md, &f2, &p2);
	printf("after the first store, to page 0: faults %llu, pages they mapped %llu\n",
	       f2 - f1, p2 - p1);
	for (i = 1; i < 16; i++)
		p[i * PG] = 1;
	primer_faults(md, &f1, &p1);
	printf("after a store to each of the other 15 pages: faults %llu\n",
	       f1 - f2);

	/* A store through the mapping is in the buffer: read() copies it out. */
	memcpy(p + 100, msg, sizeof(msg));
	if (pread(mmapdemo_fd(md), back, sizeof(msg), 100) != sizeof(msg))
		die("pread", errno);
	printf("a store through the mapping, then pread(): \"%s\"\n", back);

	/* write() copies into the buffer: the mapping sees it at once. */
	if (pwrite(mmapdemo_fd(md), wmsg, sizeof(wmsg), 200) != sizeof(wmsg))
		die("pwrite", errno);
	printf("pwrite(), then a load through the mapping: \"%s\"\n", p + 200);

	/* The kernel writes the buffer: the mapping sees it at once. */
	ret = mmapdemo_fill(md, 3 * PG, sizeof(want), 7);
	if (ret < 0)
		die("MMAPDEMO_IOC_FILL", ret);
	mmapdemo_pattern_fill(want, 3 * PG, sizeof(want), 7);
	printf("the kernel FILLs page 3, a load through the mapping: %s\n",
	       memcmp(p + 3 * PG, want, sizeof(want)) ? "differs" :
	       "the pattern");
	primer_faults(md, &f2, &p2);
	printf("after all of that: faults %llu\n", f2 - f1);

	munmap(p, len);
	mmapdemo_unref(md);
	return 0;
}
