// SPDX-License-Identifier: GPL-2.0
/*
 * private_cow: MAP_PRIVATE's copy-on-write, and msync() (docs/mmap.md,
 * "MAP_PRIVATE and copy on write", "msync()").
 *
 * A private mapping shows the device's pages until this process writes
 * one; the write gets the process a copy of that page, which nobody else
 * sees, and which no longer sees the device. In remap mode mmap() refuses
 * MAP_PRIVATE (docs/mmap.md says why).
 *
 * usage: private_cow [fault|remap]
 */
#include "primer.h"

/* Does @p hold the FILL pattern of @seed for the buffer offset @off? */
static const char *has_fill(const char *p, uint64_t off, uint32_t seed)
{
	return mmapdemo_pattern_check(p, off, 64, seed) < 0 ? "yes" : "no";
}

static void fill(struct mmapdemo *md, uint64_t off, uint32_t seed)
{
	int ret = mmapdemo_fill(md, off, 64, seed);

	if (ret < 0)
		die("MMAPDEMO_IOC_FILL", ret);
}

int main(int argc, char **argv)
{
	const char *mode = primer_mode(argc, argv);
	struct mmapdemo *md = primer_open(mode, O_RDWR);
	int fd = mmapdemo_fd(md);
	char *shr, *prv, back[8];

	printf("== private_cow, %s mode\n", mode);
	shr = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (shr == MAP_FAILED)
		die("mmap MAP_SHARED", errno);
	prv = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	printf("mmap(MAP_PRIVATE): %s\n",
	       prv == MAP_FAILED ? errname(errno) : "ok");

	if (prv != MAP_FAILED) {
		fill(md, 0, 1);
		printf("kernel FILLs page 0: the private mapping sees it: %s\n",
		       has_fill(prv, 0, 1));
		prv[0] = 'P';
		printf("private store to page 0: the shared mapping sees it: %s\n",
		       shr[0] == 'P' ? "yes" : "no");
		if (pread(fd, back, 1, 0) != 1)
			die("pread", errno);
		printf("                         read() sees it: %s\n",
		       back[0] == 'P' ? "yes" : "no");
		fill(md, 0, 2);
		printf("kernel FILLs page 0 again: the private page 0 sees it: %s",
		       has_fill(prv, 0, 2));
		printf(" (it is a copy now)\n");
		fill(md, PG, 3);
		printf("kernel FILLs page 1: the private page 1 sees it: %s",
		       has_fill(prv + PG, PG, 3));
		printf(" (never written)\n");
		munmap(prv, 2 * PG);
	}

	/*
	 * The shared mapping's pages are the buffer's: a store is visible to
	 * everyone at once, and msync() has nothing to write back.
	 */
	shr[0] = 'S';
	printf("msync(MS_SYNC) of the shared mapping: %s\n",
	       msync(shr, 2 * PG, MS_SYNC) ? errname(errno) : "ok");
	printf("msync(MS_SYNC | MS_ASYNC): %s\n",
	       msync(shr, 2 * PG, MS_SYNC | MS_ASYNC) ? errname(errno) : "ok");

	munmap(shr, 2 * PG);
	mmapdemo_unref(md);
	return 0;
}
