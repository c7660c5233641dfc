/* SPDX-License-Identifier: GPL-2.0 */
/*
 * primer.h: what the mmap primer's examples (docs/mmap.md) share: open
 * /dev/mmapdemo in a map mode, name errnos and signals the same on every
 * libc, and read this process's VMAs of the device from /proc/self/maps.
 * Every example prints only what is the same on every run and kernel, so
 * that its output can be compared with the file next to it.
 */
#ifndef PRIMER_H
#define PRIMER_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mmapdemo/mmapdemo.h>

#define PG 4096UL

static inline const char *errname(int e)
{
	switch (e) {
	case 0: return "ok";
	case EINVAL: return "EINVAL";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOMEM: return "ENOMEM";
	case ENODEV: return "ENODEV";
	case EOVERFLOW: return "EOVERFLOW";
	case EBADF: return "EBADF";
	case EFAULT: return "EFAULT";
	default: return "another errno";
	}
}

static inline void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* Open the device with @oflags and make @mode this file's map mode. */
static inline struct mmapdemo *primer_open(const char *mode, int oflags)
{
	struct mmapdemo *md;
	int m = mmapdemo_mode_parse(mode), ret;

	if (m < 0)
		die("mode (fault or remap)", m);
	ret = mmapdemo_open(NULL, oflags, &md);
	if (ret < 0)
		die("open /dev/mmapdemo", ret);
	ret = mmapdemo_set_mode(md, m);
	if (ret < 0)
		die("MMAPDEMO_IOC_SET_MODE", ret);
	return md;
}

/* The mode named on the command line: fault (default) or remap. */
static inline const char *primer_mode(int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && mmapdemo_mode_parse(argv[1]) < 0)) {
		fprintf(stderr, "usage: %s [fault|remap]\n", argv[0]);
		exit(2);
	}
	return argc == 2 ? argv[1] : "fault";
}

/* faults + huge_faults and fault_pages of the device, for differences. */
static inline void primer_faults(struct mmapdemo *md, unsigned long long *faults,
				 unsigned long long *pages)
{
	struct mmapdemo_stats st;
	int ret = mmapdemo_get_stats(md, &st);

	if (ret < 0)
		die("MMAPDEMO_IOC_STATS", ret);
	*faults = st.faults + st.huge_faults;
	*pages = st.fault_pages;
}

/*
 * An address aligned to @align with @len bytes free at it: map an
 * anonymous PROT_NONE reservation there for the caller to map over with
 * MAP_FIXED (and unmap what it does not use).
 */
static inline void *primer_reserve(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap reservation", errno);
	a = (char *)(((unsigned long)p + align - 1) & ~(align - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + len + align - (a + len));
	return a;
}

/*
 * The VMAs of /dev/mmapdemo in /proc/self/maps: how many, and the
 * permissions, file offset and size of the first inside [lo, hi).
 */
static inline int primer_vmas(void *lo, void *hi, char perms[5],
			      unsigned long *off, unsigned long *size)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long s, e, o;
	char line[512], p[5];
	int n = 0;

	if (!f)
		die("/proc/self/maps", errno);
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "/dev/mmapdemo") ||
		    sscanf(line, "%lx-%lx %4s %lx", &s, &e, p, &o) != 4 ||
		    s < (unsigned long)lo || e > (unsigned long)hi)
			continue;
		if (!n++) {
			memcpy(perms, p, 5);
			*off = o;
			*size = e - s;
		}
	}
	fclose(f);
	return n;
}

#endif
