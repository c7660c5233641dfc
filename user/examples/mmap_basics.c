// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_basics: mmap()'s prototype, flags and errors, and the VMA each
 * successful call makes, on /dev/mmapdemo (docs/mmap.md, "mmap() and its
 * errors", "The VMA").
 *
 *   void *mmap(void *addr, size_t length, int prot, int flags,
 *              int fd, off_t offset);
 *
 * usage: mmap_basics [fault|remap]
 */
#include "primer.h"

/* One mmap() of the device, its result printed as ok or the errno. */
static void *try_map(const char *what, size_t len, int prot, int flags,
		     int fd, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	printf("%-58s %s\n", what, p == MAP_FAILED ? errname(errno) : "ok");
	return p;
}

int main(int argc, char **argv)
{
	const char *mode = primer_mode(argc, argv);
	struct mmapdemo *md = primer_open(mode, O_RDWR);
	struct mmapdemo *ro = primer_open(mode, O_RDONLY);
	int fd = mmapdemo_fd(md), rofd = mmapdemo_fd(ro);
	const size_t len = 16 * PG;
	struct mmapdemo_info info;
	unsigned long off, size;
	char perms[5], *p, *q;
	int ret, n;

	ret = mmapdemo_get_info(md, &info);
	if (ret < 0)
		die("MMAPDEMO_IOC_INFO", ret);
	printf("== mmap_basics, %s mode\n", mode);

	p = try_map("mmap(64 KiB, READ|WRITE, MAP_SHARED, offset 0)", len,
		    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	n = primer_vmas(p, p + len, perms, &off, &size);
	printf("  its VMA: %d, %s, file offset %lu, %lu bytes\n", n, perms,
	       off, size);

	try_map("mmap(8 KiB at the buffer's last page): past the end", 2 * PG,
		PROT_READ, MAP_SHARED, fd, info.size - PG);
	try_map("mmap(length 0)", 0, PROT_READ, MAP_SHARED, fd, 0);
	try_map("mmap(offset 100: not a multiple of the page size)", PG,
		PROT_READ, MAP_SHARED, fd, 100);
	try_map("mmap(flags with neither MAP_SHARED nor MAP_PRIVATE)", PG,
		PROT_READ, 0, fd, 0);
	try_map("mmap(READ|WRITE, MAP_SHARED) of an O_RDONLY fd", PG,
		PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0);
	q = try_map("mmap(READ, MAP_SHARED) of an O_RDONLY fd", PG, PROT_READ,
		    MAP_SHARED, rofd, 0);
	if (q != MAP_FAILED)
		munmap(q, PG);
	q = try_map("mmap(READ|WRITE, MAP_PRIVATE)", PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE, fd, 0);
	if (q != MAP_FAILED)
		munmap(q, PG);

	/* mprotect() changes the VMA's protection; the VMA stays one. */
	ret = mprotect(p, len, PROT_READ);
	n = primer_vmas(p, p + len, perms, &off, &size);
	printf("%-58s %s\n", "mprotect(whole mapping, PROT_READ)",
	       ret ? errname(errno) : "ok");
	printf("  its VMA: %d, %s, file offset %lu, %lu bytes\n", n, perms,
	       off, size);

	/* munmap() of a middle page splits the VMA in two. */
	ret = munmap(p + 4 * PG, PG);
	n = primer_vmas(p, p + len, perms, &off, &size);
	printf("%-58s %s\n", "munmap(the fifth page)", ret ? errname(errno) : "ok");
	printf("  VMAs left: %d, the first %lu bytes at file offset %lu\n", n,
	       size, off);
	n = primer_vmas(p + 5 * PG, p + len, perms, &off, &size);
	printf("  the second: %lu bytes at file offset %lu\n", size, off);

	munmap(p, len);
	mmapdemo_unref(ro);
	mmapdemo_unref(md);
	return 0;
}
