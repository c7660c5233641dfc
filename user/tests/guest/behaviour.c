// SPDX-License-Identifier: GPL-2.0
/*
 * Guest tests of the calls programs make on a shared file mapping, one
 * per row of the behaviour table in docs/design.md ("Every call, like a
 * shared file"), in both map modes.
 * The rule: /dev/mmapdemo does what a regular shared file mapping does,
 * or fails with the errno the table documents; the data survives every
 * call (checked through the mapping, read() and the kernel's CRC32C).
 *
 * Where kernels 5.10 to 7.3 legitimately differ (a madvise() value that
 * 5.10 does not know), a test accepts exactly the documented answers.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "harness.h"

/* Values Debian 11's C library (glibc 2.31) may not name. */
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC		0x80000
#endif
#ifndef MADV_COLD
#define MADV_COLD		20
#define MADV_PAGEOUT		21
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT		0x01
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT		4
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise	440
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE	0x01
#define FALLOC_FL_PUNCH_HOLE	0x02
#endif
/* A MAP_SHARED_VALIDATE flag bit no kernel up to 7.3 defines. */
#define MAP_UNKNOWN_FLAG	0x200000

#define SEED	0xbe4a

#define KV(a, b)	((a) * 1000 + (b))

/* The running kernel's version, KV(major, minor). */
static int kver(void)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return 0;
	return KV(a, b);
}

static bool is_remap(void)
{
	return md_mode == MMAPDEMO_MODE_REMAP;
}

/* Opens in the mode under test, fills the buffer with SEED, maps it. */
static int setup(int *fd, uint8_t **p)
{
	*fd = md_open(O_RDWR);
	if (*fd < 0) {
		md_diag("open: %s", strerror(errno));
		return 1;
	}
	if (md_kernel_fill(*fd, 0, md_size, SEED)) {
		md_diag("FILL: %s", strerror(errno));
		return 1;
	}
	*p = md_map(*fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (*p == MAP_FAILED) {
		md_diag("mmap: %s", strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * The whole buffer holds SEED's pattern, except @len bytes of @want at
 * @off: through @p (if not NULL), through read() and the kernel's CRC.
 */
static int intact_with(int fd, const uint8_t *p, uint64_t off,
		       const uint8_t *want, size_t len)
{
	uint8_t *back = malloc(md_size), *exp = malloc(md_size);
	uint32_t kcrc, ucrc;
	int ret = 1;

	if (!back || !exp)
		goto out;
	mmapdemo_pattern_fill(exp, 0, md_size, SEED);
	if (len)
		memcpy(exp + off, want, len);
	if (pread(fd, back, md_size, 0) != (ssize_t)md_size) {
		md_diag("pread: %s", strerror(errno));
		goto out;
	}
	if (memcmp(back, exp, md_size)) {
		md_diag("read() differs from what was written");
		goto out;
	}
	if (p && memcmp(p, exp, md_size)) {
		md_diag("the mapping differs from what was written");
		goto out;
	}
	ucrc = mmapdemo_crc32c(0, exp, md_size);
	if (md_kernel_crc(fd, 0, md_size, &kcrc) || kcrc != ucrc) {
		md_diag("kernel CRC32C %08x, want %08x", kcrc, ucrc);
		goto out;
	}
	ret = 0;
out:
	free(back);
	free(exp);
	return ret;
}

static int intact(int fd, const uint8_t *p)
{
	return intact_with(fd, p, 0, NULL, 0);
}

/* Writes through the mapping, msyncs, the kernel sees the bytes. */
static int msync_one(int flags)
{
	uint8_t *p, data[300];
	uint64_t off = md_page - 100;
	int fd;

	if (setup(&fd, &p))
		return 1;
	md_random(data, sizeof(data), flags + 1);
	memcpy(p + off, data, sizeof(data));
	CHECK(msync(p, md_size, flags) == 0, "msync(%#x): %s", flags,
	      strerror(errno));
	/* A part of the mapping, from a page in the middle. */
	CHECK(msync(p + md_page, md_page, flags) == 0, "msync part: %s",
	      strerror(errno));
	return intact_with(fd, p, off, data, sizeof(data));
}

static int t_msync_sync(void)
{
	return msync_one(MS_SYNC);
}

static int t_msync_async(void)
{
	return msync_one(MS_ASYNC);
}

static int t_msync_none(void)
{
	return msync_one(0);
}

/* MS_INVALIDATE keeps a shared mapping's data: it is the file's. */
static int t_msync_invalidate(void)
{
	return msync_one(MS_INVALIDATE) || msync_one(MS_SYNC | MS_INVALIDATE) ||
	       msync_one(MS_ASYNC | MS_INVALIDATE);
}

static int t_msync_invalid(void)
{
	uint8_t *p;
	int fd;

	if (setup(&fd, &p))
		return 1;
	CHECK_ERRNO(msync(p, md_size, MS_SYNC | MS_ASYNC), EINVAL);
	CHECK_ERRNO(msync(p, md_size, 8), EINVAL);
	CHECK_ERRNO(msync(p, md_size, ~0), EINVAL);
	CHECK_ERRNO(msync(p + 1, md_page, MS_SYNC), EINVAL);
	/* A range with a hole in it: the mapped part synced, then ENOMEM. */
	CHECK_OK(munmap(p + md_size - md_page, md_page));
	CHECK_ERRNO(msync(p, md_size, MS_SYNC), ENOMEM);
	return intact_with(fd, NULL, 0, NULL, 0);
}

/*
 * mlock() cannot lock either mode's VMA (VM_MIXEDMAP or VM_PFNMAP are
 * VM_SPECIAL: the core leaves VM_LOCKED off and says 0), so MS_INVALIDATE
 * after mlock() succeeds instead of EBUSY.
 */
static int t_msync_invalidate_locked(void)
{
	uint8_t *p;
	int fd;

	if (setup(&fd, &p))
		return 1;
	CHECK_OK(mlock(p, md_size));
	CHECK(msync(p, md_size, MS_INVALIDATE) == 0, "%s", strerror(errno));
	return intact(fd, p);
}

static int t_fsync_fdatasync(void)
{
	uint8_t *p;
	int fd, rfd;

	if (setup(&fd, &p))
		return 1;
	CHECK_OK(fsync(fd));
	CHECK_OK(fdatasync(fd));
	rfd = md_open(O_RDONLY);
	CHECK_OK(rfd);
	CHECK_OK(fsync(rfd));
	CHECK_OK(fdatasync(rfd));
	CHECK_OK(syncfs(fd));
	return intact(fd, p);
}

/*
 * madvise(@advice) on the whole mapping, with the answer each mode must
 * give (0 or an errno); the data must be there after it either way.
 */
static int madv(int advice, int fault_err, int remap_err)
{
	int want = is_remap() ? remap_err : fault_err;
	uint8_t *p;
	int fd, r, e;

	if (setup(&fd, &p))
		return 1;
	/* Touch every page so that there is something to advise on. */
	CHECK(!intact(fd, p), "before madvise");
	errno = 0;
	r = madvise(p, md_size, advice);
	e = r ? errno : 0;
	CHECK(e == want, "madvise(%d): got %s, want %s", advice,
	      e ? strerrorname_np(e) : "0", want ? strerrorname_np(want) : "0");
	return intact(fd, p);
}

static int t_madv_normal(void)
{
	return madv(MADV_NORMAL, 0, 0) || madv(MADV_RANDOM, 0, 0) ||
	       madv(MADV_SEQUENTIAL, 0, 0);
}

/*
 * MADV_DONTNEED drops the page table entries of a file mapping; the next
 * access faults the same pages back in. The core refuses it on VM_PFNMAP.
 */
static int t_madv_dontneed(void)
{
	return madv(MADV_DONTNEED, 0, EINVAL);
}

static int t_madv_willneed(void)
{
	return madv(MADV_WILLNEED, 0, 0);
}

/* MADV_COLD, MADV_PAGEOUT: not on VM_PFNMAP; the pages are not on an LRU. */
static int t_madv_cold(void)
{
	return madv(MADV_COLD, 0, EINVAL);
}

static int t_madv_pageout(void)
{
	return madv(MADV_PAGEOUT, 0, EINVAL);
}

/* MADV_FREE is for anonymous memory only. */
static int t_madv_free(void)
{
	return madv(MADV_FREE, EINVAL, EINVAL);
}

/*
 * WIPEONFORK: private anonymous memory only. KEEPONFORK only clears the
 * flag, on any VMA.
 */
static int t_madv_wipeonfork(void)
{
	return madv(MADV_WIPEONFORK, EINVAL, EINVAL) ||
	       madv(MADV_KEEPONFORK, 0, 0);
}

/*
 * MADV_REMOVE punches a hole through fallocate(), which a character
 * device does not have: ENODEV, and the data stays.
 */
static int t_madv_remove(void)
{
	return madv(MADV_REMOVE, ENODEV, ENODEV);
}

/*
 * MADV_HUGEPAGE/NOHUGEPAGE only mark the VMA; a kernel built without
 * transparent huge pages (the debug and KCSAN kernels here) answers EINVAL.
 */
static int t_madv_hugepage(void)
{
	int want = access("/sys/kernel/mm/transparent_hugepage", F_OK) ?
		   EINVAL : 0;

	return madv(MADV_HUGEPAGE, want, want) ||
	       madv(MADV_NOHUGEPAGE, want, want);
}

/*
 * MADV_POPULATE_READ/WRITE (5.14): 5.10 answers EINVAL. The remap mode's
 * VM_PFNMAP pages are already mapped, but get_user_pages() refuses the
 * VMA: EINVAL on every kernel of the matrix.
 */
static int t_madv_populate(void)
{
	int advice[] = { MADV_POPULATE_READ, MADV_POPULATE_WRITE };
	uint8_t *p;
	int fd, i;

	if (setup(&fd, &p))
		return 1;
	for (i = 0; i < 2; i++) {
		int r = madvise(p, md_size, advice[i]), e = r ? errno : 0;

		md_diag("MADV_POPULATE_%s: %s", i ? "WRITE" : "READ",
			e ? strerrorname_np(e) : "0");
		if (kver() < KV(5, 14)) {
			CHECK(e == EINVAL, "before 5.14: got %s",
			      e ? strerrorname_np(e) : "0");
		} else if (is_remap()) {
			CHECK(e == EINVAL, "remap: got %s",
			      e ? strerrorname_np(e) : "0");
		} else {
			CHECK(!e, "fault: got %s", strerrorname_np(e));
		}
	}
	return intact(fd, p);
}

/*
 * DONTFORK: the child has no mapping there. DOFORK: refused on VM_IO
 * (remap) up to 6.12; later kernels (7.2's source, 7.3 in the matrix)
 * refuse it on any VM_SPECIAL VMA, the fault mode's VM_MIXEDMAP too.
 */
static int t_madv_dontfork(void)
{
	uint8_t *p;
	pid_t pid;
	int fd, st;

	if (setup(&fd, &p))
		return 1;
	CHECK_OK(madvise(p, md_size, MADV_DONTFORK));
	pid = fork();
	CHECK_OK(pid);
	if (!pid) {
		volatile uint8_t *q = p;

		signal(SIGSEGV, SIG_DFL);
		(void)q[0];
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	      "child of MADV_DONTFORK could read the mapping (status %#x)", st);
	if (is_remap() || kver() >= KV(6, 13)) {
		CHECK_ERRNO(madvise(p, md_size, MADV_DOFORK), EINVAL);
		return intact(fd, p);
	}
	CHECK_OK(madvise(p, md_size, MADV_DOFORK));
	pid = fork();
	CHECK_OK(pid);
	if (!pid)
		_exit(intact(fd, p));
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && !WEXITSTATUS(st), "child after DOFORK");
	return intact(fd, p);
}

/* 5.10 accepts only MADV_COLD and MADV_PAGEOUT here; so do the tests. */
static int t_process_madvise(void)
{
	int advice[] = { MADV_COLD, MADV_PAGEOUT };
	struct iovec iov[2];
	uint8_t *p;
	int fd, pidfd, i;

	if (setup(&fd, &p))
		return 1;
	CHECK(!intact(fd, p));
	pidfd = syscall(SYS_pidfd_open, getpid(), 0);
	CHECK_OK(pidfd);
	iov[0].iov_base = p;
	iov[0].iov_len = md_page;
	iov[1].iov_base = p + 2 * md_page;
	iov[1].iov_len = 3 * md_page;
	for (i = 0; i < 2; i++) {
		long r = syscall(SYS_process_madvise, pidfd, iov, 2, advice[i],
				 0);

		if (is_remap())
			CHECK(r == -1 && errno == EINVAL, "remap: %ld %s", r,
			      strerror(errno));
		else
			CHECK(r == 4 * md_page, "fault: %ld %s", r,
			      strerror(errno));
	}
	return intact(fd, p);
}

/*
 * mlock() and friends succeed; the core does not set VM_LOCKED on either
 * mode's VMA (VM_SPECIAL), which is harmless: the pages are never
 * reclaimed while the module holds them.
 */
static int t_mlock(void)
{
	uint8_t *p;
	int fd;

	if (setup(&fd, &p))
		return 1;
	CHECK_OK(mlock(p, md_size));
	CHECK(!intact(fd, p), "after mlock");
	CHECK_OK(munlock(p, md_size));
	CHECK_OK(syscall(SYS_mlock2, p, md_size, MLOCK_ONFAULT));
	CHECK(!intact(fd, p), "after mlock2(MLOCK_ONFAULT)");
	CHECK_OK(munlock(p, md_size));
	CHECK_ERRNO(syscall(SYS_mlock2, p, md_size, 0x100), EINVAL);
	CHECK_OK(mlockall(MCL_CURRENT | MCL_FUTURE));
	CHECK(!intact(fd, p), "after mlockall");
	CHECK_OK(munlockall());
	CHECK_ERRNO(mlockall(MCL_ONFAULT), EINVAL);
	return intact(fd, p);
}

/* mmap() with @flags added, the data is there, also read-only. */
static int map_with(int flags)
{
	uint8_t *p;
	int fd = md_open(O_RDWR);

	CHECK_OK(fd);
	CHECK_OK(md_kernel_fill(fd, 0, md_size, SEED));
	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED | flags, 0);
	CHECK(p != MAP_FAILED, "mmap(%#x): %s", flags, strerror(errno));
	CHECK(!intact(fd, p));
	CHECK_OK(munmap(p, md_size));
	p = md_map(fd, md_size, PROT_READ, MAP_SHARED | flags, 0);
	CHECK(p != MAP_FAILED, "mmap(PROT_READ, %#x): %s", flags,
	      strerror(errno));
	return intact(fd, p);
}

static int t_map_populate(void)
{
	return map_with(MAP_POPULATE);
}

static int t_map_locked(void)
{
	return map_with(MAP_LOCKED);
}

static int vma_count(void)
{
	return (int)md_stat(MD_STAT("live_vmas"));
}

/* MAP_FIXED over anonymous memory, then over a mapping of the device. */
static int t_map_fixed(void)
{
	size_t len = 4 * md_page;
	uint8_t *a, *p, *q;
	int fd, base = vma_count();

	if (setup(&fd, &p))
		return 1;
	a = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED);
	memset(a, 0xa5, len);
	q = mmap(a, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 8 * md_page);
	CHECK(q == a, "MAP_FIXED over anonymous memory: %s", strerror(errno));
	CHECK(!memcmp(q, p + 8 * md_page, len));
	CHECK(vma_count() == base + 2, "live_vmas %d, want %d", vma_count(),
	      base + 2);
	/* Over the device's own mapping, at another offset: one VMA less. */
	q = mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 16 * md_page);
	CHECK(q == p, "MAP_FIXED over the device: %s", strerror(errno));
	CHECK_OK(munmap(a, len));
	/* p's first pages now show offset 16 pages on. */
	CHECK(mmapdemo_pattern_check(p, 16 * md_page, len, SEED) < 0,
	      "MAP_FIXED mapping at the wrong offset");
	CHECK(mmapdemo_pattern_check(p + len, len, md_size - len, SEED) < 0,
	      "the rest of the old mapping changed");
	/* The new mapping and what is left of the old one: base + 2. */
	CHECK(vma_count() == base + 2, "live_vmas %d, want %d", vma_count(),
	      base + 2);
	return intact(fd, NULL);
}

static int t_map_fixed_noreplace(void)
{
	uint8_t *p, *q;
	int fd;

	if (setup(&fd, &p))
		return 1;
	q = mmap(p + md_page, md_page, PROT_READ, MAP_SHARED |
		 MAP_FIXED_NOREPLACE, fd, 0);
	CHECK(q == MAP_FAILED && errno == EEXIST,
	      "MAP_FIXED_NOREPLACE over a mapping: %p %s", (void *)q,
	      strerror(errno));
	CHECK_OK(munmap(p + md_size - md_page, md_page));
	q = mmap(p + md_size - md_page, md_page, PROT_READ,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	CHECK(q == p + md_size - md_page, "into the hole: %s", strerror(errno));
	CHECK(mmapdemo_pattern_check(q, 0, md_page, SEED) < 0);
	return intact(fd, NULL);
}

/*
 * MAP_SHARED_VALIDATE: like MAP_SHARED; an unknown flag and MAP_SYNC
 * (DAX only) fail with EOPNOTSUPP.
 */
static int t_map_shared_validate(void)
{
	uint8_t *p;
	int fd = md_open(O_RDWR);

	CHECK_OK(fd);
	CHECK_OK(md_kernel_fill(fd, 0, md_size, SEED));
	CHECK(md_map(fd, md_size, PROT_READ | PROT_WRITE,
		     MAP_SHARED_VALIDATE | MAP_UNKNOWN_FLAG, 0) == MAP_FAILED &&
	      errno == EOPNOTSUPP, "unknown flag: %s", strerror(errno));
	CHECK(md_map(fd, md_size, PROT_READ | PROT_WRITE,
		     MAP_SHARED_VALIDATE | MAP_SYNC, 0) == MAP_FAILED &&
	      errno == EOPNOTSUPP, "MAP_SYNC: %s", strerror(errno));
	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE,
		   0);
	CHECK(p != MAP_FAILED, "MAP_SHARED_VALIDATE: %s", strerror(errno));
	return intact(fd, p);
}

static int t_map_hugetlb(void)
{
	int fd = md_open(O_RDWR);

	CHECK_OK(fd);
	CHECK_OK(md_kernel_fill(fd, 0, md_size, SEED));
	CHECK(md_map(fd, md_size, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_HUGETLB, 0) == MAP_FAILED &&
	      errno == EINVAL, "MAP_HUGETLB: %s", strerror(errno));
	return intact(fd, NULL);
}

static bool mapped(void *addr)
{
	unsigned char v;

	return mincore(addr, md_page, &v) == 0;
}

/*
 * mremap() moves a mapping (and shrinks it); growing it fails with EFAULT
 * (VM_DONTEXPAND), MREMAP_DONTUNMAP with EINVAL (5.7-5.12: anonymous
 * private only; 5.13 on: not VM_DONTEXPAND or VM_PFNMAP).
 */
static int t_mremap(void)
{
	uint8_t *p, *q, *r, *hole;
	int fd, base = vma_count();

	if (setup(&fd, &p))
		return 1;
	hole = mmap(NULL, md_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	CHECK(hole != MAP_FAILED);
	q = mremap(p, md_size, md_size, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	CHECK(q == hole, "MREMAP_FIXED: %s", strerror(errno));
	CHECK(!mapped(p), "the old address is still mapped");
	CHECK(!intact(fd, q), "after the move");
	CHECK(vma_count() == base + 1, "live_vmas %d", vma_count());
	/* Write through the moved mapping: the kernel sees it. */
	q[5] ^= 0xff;
	CHECK(!intact_with(fd, q, 5, &q[5], 1));
	q[5] ^= 0xff;
	r = mremap(q, md_size, md_size * 2, MREMAP_MAYMOVE);
	CHECK(r == MAP_FAILED && errno == EFAULT, "grow: %s", strerror(errno));
	r = mremap(q, md_size, md_size, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	CHECK(r == MAP_FAILED && errno == EINVAL, "MREMAP_DONTUNMAP: %s",
	      strerror(errno));
	r = mremap(q, md_size, md_size / 2, 0);
	CHECK(r == q, "shrink: %s", strerror(errno));
	CHECK(!mapped(q + md_size / 2), "the shrunk part is still mapped");
	CHECK(mmapdemo_pattern_check(q, 0, md_size / 2, SEED) < 0);
	return intact(fd, NULL);
}

/* Do this file's remap-mode mappings get 2 MiB entries (at first touch)? */
static bool huge_remap(int fd)
{
	struct mmapdemo_info info;
	char param[16];

	return is_remap() && !ioctl(fd, MMAPDEMO_IOC_INFO, &info) &&
	       (info.huge & MMAPDEMO_HUGE_REMAP) &&
	       !md_read_sysfs(MD_PARAM("huge"), param, sizeof(param)) &&
	       !strcmp(param, "auto");
}

/*
 * mincore(): a fault-mode page that was touched is resident. Up to 7.2
 * the core looks the remap mode's VM_PFNMAP pages up in the page cache,
 * where they are not: 0, though mapped; 7.3 reports mapped ones resident,
 * which with 2 MiB entries are the 2 MiB parts once touched (each is
 * touched here first). Errors as for any mapping.
 */
static int t_mincore(void)
{
	size_t n = md_size / md_page, i, set = 0;
	unsigned char *v = malloc(n);
	uint8_t *p;
	int fd;

	CHECK(v);
	if (setup(&fd, &p))
		return 1;
	(void)*(volatile uint8_t *)(p + 3 * md_page);
	if (kver() >= KV(7, 3) && huge_remap(fd))
		for (i = 0; i < md_size; i += 2 << 20)
			(void)*(volatile uint8_t *)(p + i);
	CHECK_OK(mincore(p, md_size, v));
	for (i = 0; i < n; i++)
		set += v[i] & 1;
	if (is_remap() && kver() < KV(7, 3))
		CHECK(set == 0, "remap: %zu pages resident", set);
	else if (is_remap())
		CHECK(set == n, "remap: %zu of %zu pages resident", set, n);
	else
		CHECK(v[3] & 1, "fault: the touched page is not resident");
	CHECK_ERRNO(mincore(p + 1, md_page, v), EINVAL);
	CHECK_OK(munmap(p + md_page, md_page));
	CHECK_ERRNO(mincore(p, 2 * md_page, v), ENOMEM);
	return intact(fd, NULL);
}

/*
 * userfaultfd: registration on the range fails with EINVAL (anonymous,
 * shmem and hugetlbfs memory only). Root may always create one; where
 * the kernel has no userfaultfd (ENOSYS) or refuses it (EPERM) the
 * test says so and passes.
 */
static int t_userfaultfd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	uint8_t *p;
	int fd, ufd;

	if (setup(&fd, &p))
		return 1;
	ufd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (ufd < 0 && (errno == ENOSYS || errno == EPERM)) {
		md_diag("userfaultfd: %s: nothing to register",
			strerrorname_np(errno));
		return intact(fd, p);
	}
	CHECK_OK(ufd);
	CHECK_OK(ioctl(ufd, UFFDIO_API, &api));
	reg.range.start = (unsigned long)p;
	reg.range.len = md_size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	CHECK_ERRNO(ioctl(ufd, UFFDIO_REGISTER, &reg), EINVAL);
	close(ufd);
	return intact(fd, p);
}

static int memfd_with(const void *data, size_t len)
{
	int m = memfd_create("behaviour", MFD_CLOEXEC);

	if (m < 0 || pwrite(m, data, len, 0) != (ssize_t)len)
		return -1;
	return m;
}

/*
 * sendfile() out of the device into a file (EINVAL before 6.1 in the
 * matrix, i.e. on 5.10), and from a file into it (every kernel).
 */
static int t_sendfile(void)
{
	size_t len = 3 * md_page + 77;
	uint8_t *p, *data = malloc(len), *back = malloc(len);
	off_t off = md_page - 5;
	int fd, m;

	CHECK(data && back);
	if (setup(&fd, &p))
		return 1;
	m = memfd_create("out", MFD_CLOEXEC);
	CHECK_OK(m);
	if (kver() < KV(6, 1)) {
		/*
		 * 5.10's splice_direct_to_actor() takes only regular files
		 * and block devices as the source; splice() works there.
		 */
		CHECK_ERRNO(sendfile(m, fd, &off, len), EINVAL);
		goto to_device;
	}
	CHECK(sendfile(m, fd, &off, len) == (ssize_t)len, "from the device: %s",
	      strerror(errno));
	CHECK(off == (off_t)(md_page - 5 + len), "offset %lld",
	      (long long)off);
	CHECK(pread(m, back, len, 0) == (ssize_t)len);
	CHECK(mmapdemo_pattern_check(back, md_page - 5, len, SEED) < 0,
	      "sendfile from the device: wrong bytes");
to_device:
	md_random(data, len, 11);
	m = memfd_with(data, len);
	CHECK_OK(m);
	CHECK_OK(lseek(fd, 2 * md_page + 3, SEEK_SET));
	off = 0;
	CHECK(sendfile(fd, m, &off, len) == (ssize_t)len, "to the device: %s",
	      strerror(errno));
	CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)(2 * md_page + 3 + len));
	return intact_with(fd, p, 2 * md_page + 3, data, len);
}

/* sendfile() into the end of the device: short, then ENOSPC. */
static int t_sendfile_end(void)
{
	uint8_t *p, data[200];
	off_t off = 0;
	int fd, m;

	if (setup(&fd, &p))
		return 1;
	md_random(data, sizeof(data), 12);
	m = memfd_with(data, sizeof(data));
	CHECK_OK(m);
	CHECK_OK(lseek(fd, md_size - 100, SEEK_SET));
	CHECK(sendfile(fd, m, &off, sizeof(data)) == 100, "%s",
	      strerror(errno));
	CHECK_ERRNO(sendfile(fd, m, &off, sizeof(data)), ENOSPC);
	return intact_with(fd, p, md_size - 100, data, 100);
}

/* splice() between the device and a pipe, both ways, with offsets. */
static int t_splice(void)
{
	size_t len = 2 * md_page + 10;
	uint8_t *p, *data = malloc(len), *back = malloc(len);
	loff_t off = 7;
	int fd, pfd[2];

	CHECK(data && back);
	if (setup(&fd, &p))
		return 1;
	CHECK_OK(pipe(pfd));
	CHECK_OK(fcntl(pfd[1], F_SETPIPE_SZ, 16 * md_page));
	CHECK(splice(fd, &off, pfd[1], NULL, len, 0) == (ssize_t)len,
	      "from the device: %s", strerror(errno));
	CHECK(off == (loff_t)(7 + len));
	CHECK(read(pfd[0], back, len) == (ssize_t)len);
	CHECK(mmapdemo_pattern_check(back, 7, len, SEED) < 0,
	      "splice from the device: wrong bytes");
	md_random(data, len, 13);
	CHECK(write(pfd[1], data, len) == (ssize_t)len);
	off = 5 * md_page - 1;
	CHECK(splice(pfd[0], NULL, fd, &off, len, 0) == (ssize_t)len,
	      "to the device: %s", strerror(errno));
	return intact_with(fd, p, 5 * md_page - 1, data, len);
}

/*
 * copy_file_range(): regular files only (EINVAL) on every kernel here;
 * cp and friends fall back to read()/write() or sendfile().
 */
static int t_copy_file_range(void)
{
	uint8_t *p, data[100];
	loff_t a = 0, b = 0;
	int fd, m;

	if (setup(&fd, &p))
		return 1;
	md_random(data, sizeof(data), 14);
	m = memfd_with(data, sizeof(data));
	CHECK_OK(m);
	CHECK_ERRNO(copy_file_range(fd, &a, m, &b, 100, 0), EINVAL);
	a = 0;
	b = 0;
	CHECK_ERRNO(copy_file_range(m, &a, fd, &b, 100, 0), EINVAL);
	return intact(fd, p);
}

/*
 * fstat(): a character device, st_size 0 (the size is in INFO, sysfs and
 * lseek(SEEK_END)).
 */
static int t_fstat(void)
{
	struct stat st;
	uint8_t *p;
	int fd;

	if (setup(&fd, &p))
		return 1;
	CHECK_OK(fstat(fd, &st));
	CHECK(S_ISCHR(st.st_mode), "mode %o", st.st_mode);
	CHECK(st.st_size == 0, "st_size %lld", (long long)st.st_size);
	CHECK(lseek(fd, 0, SEEK_END) == (off_t)md_size);
	return intact(fd, p);
}

/* fallocate(): ENODEV (regular files and block devices only). */
static int t_fallocate(void)
{
	uint8_t *p;
	int fd;

	if (setup(&fd, &p))
		return 1;
	CHECK_ERRNO(fallocate(fd, 0, 0, md_page), ENODEV);
	CHECK_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      0, md_page), ENODEV);
	/* glibc emulates only on EOPNOTSUPP, by writing: it must not. */
	CHECK(posix_fallocate(fd, 0, md_page) == ENODEV, "posix_fallocate");
	return intact(fd, p);
}

/* ftruncate(), truncate(): EINVAL (regular files only); nothing changes. */
static int t_ftruncate(void)
{
	uint8_t *p;
	int fd;

	if (setup(&fd, &p))
		return 1;
	CHECK_ERRNO(ftruncate(fd, 0), EINVAL);
	CHECK_ERRNO(ftruncate(fd, md_size * 2), EINVAL);
	CHECK_ERRNO(truncate(MMAPDEMO_DEVICE, 0), EINVAL);
	return intact(fd, p);
}

/*
 * O_APPEND: writes start at the end, as on a block device: ENOSPC, and
 * the bytes at the file position stay. Reads are not affected.
 */
static int t_o_append(void)
{
	uint8_t *p, data[64], back[64];
	int fd, afd;

	if (setup(&fd, &p))
		return 1;
	afd = open(MMAPDEMO_DEVICE, O_RDWR | O_APPEND | O_CLOEXEC);
	CHECK_OK(afd);
	md_random(data, sizeof(data), 15);
	CHECK_ERRNO(write(afd, data, sizeof(data)), ENOSPC);
	CHECK_ERRNO(pwrite(afd, data, sizeof(data), 0), ENOSPC);
	CHECK(read(afd, back, sizeof(back)) == sizeof(back));
	CHECK(mmapdemo_pattern_check(back, 0, sizeof(back), SEED) < 0);
	/* fcntl(F_SETFL) turns it on and off. */
	CHECK_OK(fcntl(fd, F_SETFL, O_APPEND));
	CHECK_ERRNO(write(fd, data, sizeof(data)), ENOSPC);
	CHECK_OK(fcntl(fd, F_SETFL, 0));
	return intact(fd, p);
}

/* O_DIRECT: EINVAL at open() and at fcntl(F_SETFL) (no direct_IO). */
static int t_o_direct(void)
{
	int fd = md_open(O_RDWR);

	CHECK_OK(fd);
	CHECK_OK(md_kernel_fill(fd, 0, md_size, SEED));
	CHECK_ERRNO(open(MMAPDEMO_DEVICE, O_RDWR | O_DIRECT), EINVAL);
	CHECK_ERRNO(open(MMAPDEMO_DEVICE, O_RDONLY | O_DIRECT), EINVAL);
	CHECK_ERRNO(fcntl(fd, F_SETFL, O_DIRECT), EINVAL);
	return intact(fd, NULL);
}

/* A file without a ring is always readable and writable. */
static int t_poll_no_ring(void)
{
	struct pollfd pfd;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT };
	struct timeval tv = { 0 };
	fd_set rd, wr;
	uint8_t *p;
	int fd, ep;

	if (setup(&fd, &p))
		return 1;
	pfd.fd = fd;
	pfd.events = POLLIN | POLLOUT;
	CHECK(poll(&pfd, 1, 0) == 1, "poll: %s", strerror(errno));
	CHECK((pfd.revents & (POLLIN | POLLOUT)) == (POLLIN | POLLOUT) &&
	      !(pfd.revents & (POLLERR | POLLHUP | POLLNVAL)),
	      "revents %#x", pfd.revents);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(fd, &rd);
	FD_SET(fd, &wr);
	CHECK(select(fd + 1, &rd, &wr, NULL, &tv) == 2, "select: %s",
	      strerror(errno));
	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK_OK(ep);
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	ev.events = 0;
	CHECK(epoll_wait(ep, &ev, 1, 0) == 1, "epoll_wait: %s",
	      strerror(errno));
	CHECK((ev.events & (EPOLLIN | EPOLLOUT)) == (EPOLLIN | EPOLLOUT),
	      "events %#x", ev.events);
	return intact(fd, p);
}

static const struct md_test tests[] = {
	{ "msync_sync", t_msync_sync, 0, MD_BOTH },
	{ "msync_async", t_msync_async, 0, MD_BOTH },
	{ "msync_no_flags", t_msync_none, 0, MD_BOTH },
	{ "msync_invalidate", t_msync_invalidate, 0, MD_BOTH },
	{ "msync_invalid", t_msync_invalid, 0, MD_BOTH },
	{ "msync_invalidate_mlocked", t_msync_invalidate_locked, 0, MD_BOTH },
	{ "fsync_fdatasync", t_fsync_fdatasync, 0, MD_BOTH },
	{ "madv_normal_random_sequential", t_madv_normal, 0, MD_BOTH },
	{ "madv_dontneed", t_madv_dontneed, 0, MD_BOTH },
	{ "madv_willneed", t_madv_willneed, 0, MD_BOTH },
	{ "madv_dontfork_dofork", t_madv_dontfork, 0, MD_BOTH },
	{ "madv_wipeonfork", t_madv_wipeonfork, 0, MD_BOTH },
	{ "madv_cold", t_madv_cold, 0, MD_BOTH },
	{ "madv_pageout", t_madv_pageout, 0, MD_BOTH },
	{ "madv_free", t_madv_free, 0, MD_BOTH },
	{ "madv_remove", t_madv_remove, 0, MD_BOTH },
	{ "madv_hugepage", t_madv_hugepage, 0, MD_BOTH },
	{ "madv_populate", t_madv_populate, 0, MD_BOTH },
	{ "process_madvise", t_process_madvise, 0, MD_BOTH },
	{ "mlock", t_mlock, 0, MD_BOTH },
	{ "map_populate", t_map_populate, 0, MD_BOTH },
	{ "map_locked", t_map_locked, 0, MD_BOTH },
	{ "map_fixed", t_map_fixed, 0, MD_BOTH },
	{ "map_fixed_noreplace", t_map_fixed_noreplace, 0, MD_BOTH },
	{ "map_shared_validate", t_map_shared_validate, 0, MD_BOTH },
	{ "map_hugetlb", t_map_hugetlb, 0, MD_BOTH },
	{ "mremap", t_mremap, 0, MD_BOTH },
	{ "mincore", t_mincore, 0, MD_BOTH },
	{ "userfaultfd", t_userfaultfd, 0, MD_BOTH },
	{ "sendfile", t_sendfile, 0, MD_BOTH },
	{ "sendfile_end", t_sendfile_end, 0, MD_BOTH },
	{ "splice", t_splice, 0, MD_BOTH },
	{ "copy_file_range", t_copy_file_range, 0, MD_BOTH },
	{ "fstat", t_fstat, 0, MD_BOTH },
	{ "fallocate", t_fallocate, 0, MD_BOTH },
	{ "ftruncate", t_ftruncate, 0, MD_BOTH },
	{ "o_append", t_o_append, 0, MD_BOTH },
	{ "o_direct", t_o_direct, 0, MD_BOTH },
	{ "poll_no_ring", t_poll_no_ring, 0, MD_BOTH },
};

int main(int argc, char **argv)
{
	return md_main(argc, argv, tests, ARRAY_SIZE(tests));
}
