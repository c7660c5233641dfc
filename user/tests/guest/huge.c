// SPDX-License-Identifier: GPL-2.0
/*
 * 2 MiB (PMD) mappings, in both modes (run by 22-huge.sh with a buffer
 * of at least 8 MiB). Every test runs on every kernel: where huge
 * mappings are in effect (the parameter huge is auto and INFO.huge has
 * the mode's bit) it expects one 2 MiB entry per 2 MiB that can have
 * one, elsewhere none, and the data must be right either way. INFO.huge
 * itself is checked against the kernel: bit REMAP from 6.12 and bit
 * FAULT from 6.16 on, both only with THP.
 *
 * The counters of STATS tell how each 2 MiB was mapped: huge_faults
 * counts PMDs inserted, faults the 4 KiB faults; /proc/self/smaps
 * shows the fault mode's folio PMDs as FilePmdMapped (the remap mode's
 * special PMDs have no rmap and are not counted there).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/*
 * The size a PMD maps: 2 MiB with 4 KiB pages (x86-64, arm64), 32 MiB
 * with 16 KiB pages, 512 MiB with 64 KiB pages (arm64). Below, "2 MiB"
 * and "4 KiB" in comments stand for a PMD and a page of this kernel.
 */
static unsigned long pmd_size;
#define SEED		0x4a6e0001u
#define PARAM_HUGE	"/sys/module/mmapdemo/parameters/huge"
#define PARAM_SIZE	"/sys/module/mmapdemo/parameters/size"
#define THP_SYSFS	"/sys/kernel/mm/transparent_hugepage/enabled"

static struct mmapdemo_info md_info;

static int get_stats(int fd, struct mmapdemo_stats *s)
{
	return ioctl(fd, MMAPDEMO_IOC_STATS, s);
}

/* Huge mappings in effect for new mappings of the mode under test? */
static bool in_effect(void)
{
	char v[16];
	uint32_t bit = md_mode == MMAPDEMO_MODE_REMAP ? MMAPDEMO_HUGE_REMAP :
						       MMAPDEMO_HUGE_FAULT;

	if (md_read_sysfs(PARAM_HUGE, v, sizeof(v)) || strcmp(v, "auto"))
		return false;
	return md_info.huge & bit;
}

/* PMDs a mapping of [off, off + len) at a congruent address gets. */
static uint64_t want_pmds(uint64_t off, uint64_t len)
{
	uint64_t lo = (off + pmd_size - 1) / pmd_size * pmd_size;
	uint64_t hi = (off + len) / pmd_size * pmd_size;

	return in_effect() && hi > lo ? (hi - lo) / pmd_size : 0;
}

/* Each page of [p, p + len) holds the pattern for buffer offset off. */
static int check_pages(const volatile uint8_t *p, uint64_t off, size_t len,
		       uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i += md_page)
		if (p[i] != mmapdemo_pattern_byte(seed, off + i)) {
			md_diag("byte at +%#zx: %#x, want %#x", i, p[i],
				mmapdemo_pattern_byte(seed, off + i));
			return 1;
		}
	return 0;
}

/* The kernel's CRC32C of [off, off + len) equals that of local bytes. */
static int check_kernel(int fd, uint64_t off, const void *p, size_t len)
{
	uint32_t kcrc;

	CHECK_OK(md_kernel_crc(fd, off, len, &kcrc));
	CHECK(kcrc == mmapdemo_crc32c(0, p, len), "kernel sees other bytes at %#llx",
	      (unsigned long long)off);
	return 0;
}

/* FilePmdMapped of the VMA at @p, in kB, or -1. */
static long file_pmd_kb(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long lo, hi;
	char line[256];
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = lo == (unsigned long)p;
		else if (in && sscanf(line, "FilePmdMapped: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* A child that touches @p (write or read) must die of SIGSEGV. */
static int touch_segv(volatile uint8_t *p, bool write)
{
	int status;
	pid_t pid = fork();

	CHECK_OK(pid);
	if (!pid) {
		if (write)
			*p = 1;
		else
			(void)*p;
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	      "status %#x", status);
	return 0;
}

/* A 2 MiB-aligned hole of @len bytes for MAP_FIXED. */
static uint8_t *aligned_hole(size_t len)
{
	uint8_t *r = mmap(NULL, len + pmd_size, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t a;

	if (r == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)r + pmd_size - 1) & ~(pmd_size - 1);
	munmap(r, a - (uintptr_t)r);
	munmap((uint8_t *)a + len, (uintptr_t)r + pmd_size - a);
	return (uint8_t *)a;
}

/* Open, pattern the buffer and map all of it; the stats before touching. */
static uint8_t *map_all(int *fd, int prot, int flags,
			struct mmapdemo_stats *s0)
{
	uint8_t *p;

	*fd = md_open(O_RDWR);
	if (*fd < 0 || md_kernel_fill(*fd, 0, md_size, SEED))
		return NULL;
	p = mmap(NULL, md_size, prot, flags, *fd, 0);
	if (p == MAP_FAILED || get_stats(*fd, s0))
		return NULL;
	return p;
}

/* map_all() shared and writable, every page read (so PMD-mapped). */
static uint8_t *map_touched(int *fd, struct mmapdemo_stats *s0)
{
	uint8_t *p = map_all(fd, PROT_READ | PROT_WRITE, MAP_SHARED, s0);

	if (!p) {
		md_diag("map: %s", strerror(errno));
		return NULL;
	}
	return check_pages(p, 0, md_size, SEED) ? NULL : p;
}

/* munmap(), no VMA left counted, close(): 0 or a failed check. */
static int unmap_close(int fd, void *p, size_t len)
{
	struct mmapdemo_stats s;

	CHECK_OK(munmap(p, len));
	CHECK_OK(get_stats(fd, &s));
	CHECK(s.live_vmas == 0, "live_vmas %llu", (unsigned long long)s.live_vmas);
	close(fd);
	return 0;
}

static int t_info(void)
{
	unsigned int maj = 0, min = 0;
	uint32_t want = 0;
	struct utsname u;
	bool thp;

	CHECK_OK(uname(&u));
	CHECK(sscanf(u.release, "%u.%u", &maj, &min) == 2, "%s", u.release);
	thp = access(THP_SYSFS, F_OK) == 0;
	if (thp && (maj > 6 || (maj == 6 && min >= 12)))
		want |= MMAPDEMO_HUGE_REMAP;
	if (thp && (maj > 6 || (maj == 6 && min >= 16)))
		want |= MMAPDEMO_HUGE_FAULT;
	md_diag("kernel %s, THP %s: INFO.huge %#x", u.release,
		thp ? "yes" : "no", md_info.huge);
	CHECK(md_info.huge == want, "INFO.huge %#x, want %#x", md_info.huge,
	      want);
	CHECK(md_size >= 4 * pmd_size,
	      "buffer of %llu bytes: load it with four PMDs (%lu MiB) or more",
	      (unsigned long long)md_size, 4 * pmd_size >> 20);
	/* The buffer is made of 2 MiB blocks (a fresh guest has them). */
	if (want)
		CHECK(md_info.nr_chunks == md_size / pmd_size,
		      "%u blocks for %llu MiB", md_info.nr_chunks,
		      (unsigned long long)(md_size >> 20));
	return 0;
}

static int param_checks(void)
{
	char v[16];

	CHECK_OK(md_read_sysfs(PARAM_HUGE, v, sizeof(v)));
	CHECK(!strcmp(v, "auto"), "huge=%s", v);
	CHECK_OK(md_write_sysfs(PARAM_HUGE, "never"));
	CHECK_OK(md_read_sysfs(PARAM_HUGE, v, sizeof(v)));
	CHECK(!strcmp(v, "never"), "huge=%s", v);
	CHECK_ERRNO(md_write_sysfs(PARAM_HUGE, "always"), EINVAL);
	CHECK_ERRNO(md_write_sysfs(PARAM_HUGE, "\n"), EINVAL);
	CHECK_ERRNO(md_write_sysfs(PARAM_HUGE, "auto2"), EINVAL);
	CHECK_OK(md_read_sysfs(PARAM_HUGE, v, sizeof(v)));
	CHECK(!strcmp(v, "never"), "huge=%s after bad writes", v);
	CHECK_OK(md_write_sysfs(PARAM_HUGE, "auto\n"));
	CHECK_OK(md_read_sysfs(PARAM_HUGE, v, sizeof(v)));
	CHECK(!strcmp(v, "auto"), "huge=%s", v);
	return 0;
}

/* Run @checks, then leave huge=auto whatever they did. */
static int then_auto(int (*checks)(void))
{
	int r = checks();

	return md_write_sysfs(PARAM_HUGE, "auto") ? 1 : r;
}

/* The parameter: auto and never, nothing else; left at auto. */
static int t_param(void)
{
	return then_auto(param_checks);
}

/* The whole buffer maps with one PMD per 2 MiB and no 4 KiB fault. */
static int t_pmd_used(void)
{
	struct mmapdemo_stats s0, s1;
	uint64_t want = want_pmds(0, md_size);
	uint8_t *p, *mine;
	int fd;

	p = map_all(&fd, PROT_READ | PROT_WRITE, MAP_SHARED, &s0);
	CHECK(p, "map: %s", strerror(errno));
	CHECK(want == 0 || (uintptr_t)p % pmd_size == 0, "address %p", p);
	CHECK(check_pages(p, 0, md_size, SEED) == 0, "");
	CHECK_OK(get_stats(fd, &s1));
	md_diag("huge_faults %llu, faults %llu, fallbacks %llu",
		(unsigned long long)(s1.huge_faults - s0.huge_faults),
		(unsigned long long)(s1.faults - s0.faults),
		(unsigned long long)(s1.huge_fallbacks - s0.huge_fallbacks));
	CHECK(s1.huge_faults - s0.huge_faults == want, "want %llu",
	      (unsigned long long)want);
	if (want) {
		CHECK(s1.faults == s0.faults, "4 KiB faults besides the PMDs");
		CHECK(s1.huge_fallbacks == s0.huge_fallbacks, "");
		if (md_mode == MMAPDEMO_MODE_FAULT)
			CHECK(file_pmd_kb(p) == (long)(md_size >> 10),
			      "FilePmdMapped %ld kB", file_pmd_kb(p));
	} else if (md_mode == MMAPDEMO_MODE_FAULT) {
		CHECK(file_pmd_kb(p) <= 0, "FilePmdMapped %ld kB", file_pmd_kb(p));
	}
	/* User writes through the PMDs are the kernel's bytes. */
	mine = malloc(3 * pmd_size);
	CHECK(mine, "");
	md_random(mine, 3 * pmd_size, 7);
	memcpy(p + pmd_size / 2, mine, 3 * pmd_size);
	CHECK(check_kernel(fd, pmd_size / 2, mine, 3 * pmd_size) == 0, "");
	free(mine);
	return unmap_close(fd, p, md_size);
}

/* munmap() of half a PMD: the other half refaults at 4 KiB. */
static int t_partial_munmap(void)
{
	struct mmapdemo_stats s0, s1;
	uint8_t *p, page[4096];
	int fd;

	p = map_touched(&fd, &s0);
	CHECK(p, "");
	CHECK_OK(munmap(p + pmd_size + pmd_size / 2, pmd_size / 2));
	CHECK_OK(get_stats(fd, &s0));
	CHECK(check_pages(p + pmd_size, pmd_size, pmd_size / 2, SEED) == 0,
	      "the half that stayed");
	CHECK(check_pages(p + 2 * pmd_size, 2 * pmd_size, md_size - 2 * pmd_size,
			  SEED) == 0, "after the hole");
	CHECK(check_pages(p, 0, pmd_size, SEED) == 0, "before the hole");
	CHECK_OK(get_stats(fd, &s1));
	if (want_pmds(0, md_size))
		CHECK(s1.faults > s0.faults, "the split half did not refault");
	CHECK(touch_segv(p + pmd_size + pmd_size / 2, false) == 0, "the hole");
	md_random(page, sizeof(page), 3);
	memcpy(p + pmd_size + 4096, page, sizeof(page));
	CHECK(check_kernel(fd, pmd_size + 4096, page, sizeof(page)) == 0, "");
	CHECK_OK(get_stats(fd, &s1));
	CHECK(s1.live_vmas == 2, "live_vmas %llu", (unsigned long long)s1.live_vmas);
	CHECK_OK(munmap(p, pmd_size + pmd_size / 2));
	CHECK_OK(munmap(p + 2 * pmd_size, md_size - 2 * pmd_size));
	close(fd);
	return 0;
}

/* mprotect() of one page inside a PMD. */
static int t_mprotect(void)
{
	struct mmapdemo_stats s0;
	uint8_t *p, *ro, page[4096];
	int fd;

	p = map_touched(&fd, &s0);
	CHECK(p, "");
	ro = p + pmd_size + 5 * md_page;
	CHECK_OK(mprotect(ro, md_page, PROT_READ));
	CHECK(check_pages(p + pmd_size, pmd_size, pmd_size, SEED) == 0, "");
	CHECK(touch_segv(ro, true) == 0, "write to the read-only page");
	md_random(page, sizeof(page), 5);
	memcpy(ro - md_page, page, sizeof(page));
	CHECK(check_kernel(fd, pmd_size + 4 * md_page, page, sizeof(page)) == 0, "");
	CHECK_OK(mprotect(ro, md_page, PROT_READ | PROT_WRITE));
	memcpy(ro, page, sizeof(page));
	CHECK(check_kernel(fd, pmd_size + 5 * md_page, page, sizeof(page)) == 0, "");
	return unmap_close(fd, p, md_size);
}

/* A child sees and writes the parent's PMD-mapped buffer. */
static int t_fork(void)
{
	struct mmapdemo_stats s0;
	volatile uint8_t *p;
	int fd, status;
	pid_t pid;

	p = map_touched(&fd, &s0);
	CHECK(p, "");
	pid = fork();
	CHECK_OK(pid);
	if (!pid) {
		if (check_pages(p, 0, md_size, SEED))
			_exit(1);
		p[3 * pmd_size + 77] = 0xa5;
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %#x", status);
	CHECK(p[3 * pmd_size + 77] == 0xa5, "the child's write");
	CHECK_OK(munmap((void *)p, md_size));
	close(fd);
	return 0;
}

/* MAP_PRIVATE: reads share the buffer, writes copy 4 KiB. */
static int t_private(void)
{
	struct mmapdemo_stats s0, s1;
	uint8_t *p, b;
	int fd;

	p = map_all(&fd, PROT_READ | PROT_WRITE, MAP_PRIVATE, &s0);
	CHECK(p, "map: %s", strerror(errno));
	b = mmapdemo_pattern_byte(SEED, pmd_size) ^ 0xff;
	/* A write first: no PMD for a private write, a 4 KiB copy. */
	p[pmd_size] = b;
	CHECK_OK(get_stats(fd, &s1));
	if (want_pmds(0, md_size))
		CHECK(s1.huge_fallbacks > s0.huge_fallbacks, "no fallback counted");
	CHECK(check_pages(p + 2 * pmd_size, 2 * pmd_size, md_size - 2 * pmd_size,
			  SEED) == 0, "");
	CHECK(p[pmd_size] == b, "the private copy");
	CHECK(check_pages(p + pmd_size + md_page, pmd_size + md_page,
			  pmd_size - md_page, SEED) == 0, "");
	/* The device keeps its byte; the kernel's later fill shows through
	 * where the process did not write, inside and outside a PMD.
	 */
	CHECK(check_pages(p, 0, pmd_size, SEED) == 0, "");
	CHECK_OK(md_kernel_fill(fd, 0, md_size, SEED + 1));
	CHECK(p[pmd_size] == b, "the private copy after FILL");
	CHECK(check_pages(p + 2 * pmd_size, 2 * pmd_size, md_size - 2 * pmd_size,
			  SEED + 1) == 0, "");
	CHECK(check_pages(p + pmd_size + md_page, pmd_size + md_page,
			  pmd_size - md_page, SEED + 1) == 0, "");
	/* A write into a PMD mapped by a read: split, copy 4 KiB. */
	p[3 * pmd_size] = 0x5a;
	CHECK(p[3 * pmd_size] == 0x5a, "");
	CHECK(check_pages(p + 3 * pmd_size + md_page, 3 * pmd_size + md_page,
			  pmd_size - md_page, SEED + 1) == 0, "");
	CHECK_OK(munmap(p, md_size));
	/* Nothing the process wrote reached the buffer. */
	p = malloc(md_size);
	CHECK(p, "");
	mmapdemo_pattern_fill(p, 0, md_size, SEED + 1);
	CHECK(check_kernel(fd, 0, p, md_size) == 0, "");
	free(p);
	close(fd);
	return 0;
}

/* get_user_pages() users on PMD-mapped folios. */
static int t_gup(void)
{
	struct mmapdemo_stats s0;
	size_t len = pmd_size / 2;
	int fd, rfd, pfd[2];
	struct iovec liov, riov;
	uint8_t *p, *mine;

	p = map_all(&fd, PROT_READ | PROT_WRITE, MAP_SHARED, &s0);
	CHECK(p, "map: %s", strerror(errno));
	mine = malloc(pmd_size);
	CHECK(mine, "");

	/* process_vm_readv(): the kernel reads the mapping (GUP). */
	liov = (struct iovec){ mine, pmd_size };
	riov = (struct iovec){ p + pmd_size, pmd_size };
	CHECK(process_vm_readv(getpid(), &liov, 1, &riov, 1, 0) == (ssize_t)pmd_size,
	      "process_vm_readv: %s", strerror(errno));
	CHECK(mmapdemo_pattern_check(mine, pmd_size, pmd_size, SEED) < 0, "");

	/* vmsplice(): pipe buffers reference the mapping's pages. */
	CHECK_OK(pipe(pfd));
	riov = (struct iovec){ p + 2 * pmd_size, 65536 };
	CHECK(vmsplice(pfd[1], &riov, 1, 0) == 65536, "vmsplice: %s",
	      strerror(errno));
	CHECK(read(pfd[0], mine, 65536) == 65536, "");
	CHECK(mmapdemo_pattern_check(mine, 2 * pmd_size, 65536, SEED) < 0, "");
	close(pfd[0]);
	close(pfd[1]);

	/* O_DIRECT: a block device reads from and writes into the mapping. */
	rfd = open("/dev/ram0", O_RDWR | O_DIRECT | O_CLOEXEC);
	CHECK_OK(rfd);
	CHECK(pwrite(rfd, p + 3 * pmd_size, len, 0) == (ssize_t)len,
	      "O_DIRECT write: %s", strerror(errno));
	CHECK(pread(rfd, p, len, 0) == (ssize_t)len, "O_DIRECT read: %s",
	      strerror(errno));
	close(rfd);
	mmapdemo_pattern_fill(mine, 3 * pmd_size, len, SEED);
	CHECK(memcmp(p, mine, len) == 0, "");
	CHECK(check_kernel(fd, 0, mine, len) == 0, "");
	free(mine);
	CHECK_OK(munmap(p, md_size));
	close(fd);
	return 0;
}

/* A debugger peeks and pokes a PMD-mapped page of its tracee. */
static int t_ptrace(void)
{
	struct mmapdemo_stats s0;
	volatile uint8_t *p;
	uint64_t word, want;
	int fd, status;
	pid_t pid;

	p = map_touched(&fd, &s0);
	CHECK(p, "");
	pid = fork();
	CHECK_OK(pid);
	if (!pid) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "");
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, p + pmd_size + 8, NULL);
	CHECK(errno == 0, "PEEKDATA: %s", strerror(errno));
	memcpy(&want, (const void *)(p + pmd_size + 8), sizeof(want));
	CHECK(word == want, "PEEKDATA %#llx, want %#llx",
	      (unsigned long long)word, (unsigned long long)want);
	CHECK_OK(ptrace(PTRACE_POKEDATA, pid, p + 2 * pmd_size + 16,
			(void *)0x1122334455667788ULL));
	CHECK_OK(ptrace(PTRACE_CONT, pid, NULL, NULL));
	CHECK(waitpid(pid, &status, 0) == pid, "");
	memcpy(&word, (const void *)(p + 2 * pmd_size + 16), sizeof(word));
	CHECK(word == 0x1122334455667788ULL, "POKEDATA did not land: %#llx",
	      (unsigned long long)word);
	CHECK_OK(munmap((void *)p, md_size));
	close(fd);
	return 0;
}

/* mremap(): a move keeps the data, a shrink splits, growth is refused. */
static int t_mremap(void)
{
	struct mmapdemo_stats s0;
	uint8_t *p, *q, *to;
	int fd;

	p = map_touched(&fd, &s0);
	CHECK(p, "");
	to = aligned_hole(md_size);
	CHECK(to, "");
	q = mremap(p, md_size, md_size, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	CHECK(q == to, "mremap: %s", strerror(errno));
	CHECK(check_pages(q, 0, md_size, SEED) == 0, "after the move");
	q = mremap(q, md_size, pmd_size + pmd_size / 2, 0);
	CHECK(q == to, "shrink: %s", strerror(errno));
	CHECK(check_pages(q, 0, pmd_size + pmd_size / 2, SEED) == 0, "after the shrink");
	CHECK(mremap(q, pmd_size + pmd_size / 2, 2 * pmd_size, 0) == MAP_FAILED,
	      "grew a VM_DONTEXPAND mapping");
	CHECK(touch_segv(q + pmd_size + pmd_size / 2, false) == 0, "");
	return unmap_close(fd, q, pmd_size + pmd_size / 2);
}

/* Resize and rmmod are refused while PMDs map the buffer. */
static int t_resize_rmmod(void)
{
	struct mmapdemo_stats s0;
	char size[32];
	uint8_t *p;
	int fd;

	p = map_touched(&fd, &s0);
	CHECK(p, "");
	snprintf(size, sizeof(size), "%llu", (unsigned long long)md_size);
	CHECK_ERRNO(md_write_sysfs(PARAM_SIZE, size), EBUSY);
	CHECK_ERRNO(syscall(SYS_delete_module, "mmapdemo", O_NONBLOCK),
		    EWOULDBLOCK);
	close(fd);
	CHECK_ERRNO(syscall(SYS_delete_module, "mmapdemo", O_NONBLOCK),
		    EWOULDBLOCK);
	CHECK(check_pages(p, 0, md_size, SEED) == 0, "after the refusals");
	CHECK_OK(munmap(p, md_size));
	/* Unmapped: a resize works (to the same size, for the next tests). */
	CHECK_OK(md_write_sysfs(PARAM_SIZE, size));
	return 0;
}

/* MAP_FIXED at an address not congruent to the offset: 4 KiB only. */
static int t_map_fixed(void)
{
	struct mmapdemo_stats s0, s1;
	size_t len = 2 * pmd_size;
	uint8_t *hole, *p;
	int fd = md_open(O_RDWR);

	CHECK_OK(fd);
	CHECK_OK(md_kernel_fill(fd, 0, md_size, SEED));
	hole = aligned_hole(len + pmd_size);
	CHECK(hole, "");
	CHECK_OK(get_stats(fd, &s0));
	p = mmap(hole + md_page, len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0);
	CHECK(p == hole + md_page, "mmap: %s", strerror(errno));
	CHECK(check_pages(p, 0, len, SEED) == 0, "");
	CHECK_OK(get_stats(fd, &s1));
	CHECK(s1.huge_faults == s0.huge_faults, "a PMD at an unaligned address");
	CHECK_OK(munmap(p, len));
	/* Congruent: 2 MiB-aligned address, offset 2 MiB. */
	p = mmap(hole, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, pmd_size);
	CHECK(p == hole, "mmap: %s", strerror(errno));
	CHECK(check_pages(p, pmd_size, len, SEED) == 0, "");
	CHECK_OK(get_stats(fd, &s0));
	CHECK(s0.huge_faults - s1.huge_faults == want_pmds(pmd_size, len),
	      "%llu PMDs", (unsigned long long)(s0.huge_faults - s1.huge_faults));
	CHECK_OK(munmap(p, len));
	close(fd);
	return 0;
}

/* An offset mapping gets its aligned inner 2 MiB parts as PMDs. */
static int t_offset(void)
{
	struct mmapdemo_stats s0, s1;
	size_t len = 4 * pmd_size - md_page;
	uint8_t *p;
	int fd = md_open(O_RDWR);

	CHECK_OK(fd);
	CHECK_OK(md_kernel_fill(fd, 0, md_size, SEED));
	CHECK_OK(get_stats(fd, &s0));
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, md_page);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(check_pages(p, md_page, len, SEED) == 0, "");
	CHECK_OK(get_stats(fd, &s1));
	CHECK(s1.huge_faults - s0.huge_faults == want_pmds(md_page, len),
	      "%llu PMDs, want %llu",
	      (unsigned long long)(s1.huge_faults - s0.huge_faults),
	      (unsigned long long)want_pmds(md_page, len));
	CHECK_OK(munmap(p, len));
	close(fd);
	return 0;
}

/*
 * huge=never and MADV_NOHUGEPAGE: 4 KiB only, same data. The parameter
 * is read at mmap(): a mapping made under auto keeps its PMDs.
 */
static int never_checks(void)
{
	struct mmapdemo_stats s0, s1;
	uint64_t want;
	uint8_t *p, *q;
	int fd;

	CHECK_OK(md_write_sysfs(PARAM_HUGE, "auto"));
	want = want_pmds(0, md_size);
	CHECK_OK(md_write_sysfs(PARAM_HUGE, "never"));
	p = map_all(&fd, PROT_READ | PROT_WRITE, MAP_SHARED, &s0);
	CHECK_OK(md_write_sysfs(PARAM_HUGE, "auto"));
	CHECK(p, "map: %s", strerror(errno));
	q = mmap(NULL, md_size, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(q != MAP_FAILED, "");
	CHECK_OK(md_write_sysfs(PARAM_HUGE, "never"));
	CHECK(check_pages(p, 0, md_size, SEED) == 0, "");
	CHECK_OK(get_stats(fd, &s1));
	CHECK(s1.huge_faults == s0.huge_faults, "a PMD under huge=never");
	CHECK(check_pages(q, 0, md_size, SEED) == 0, "");
	CHECK_OK(get_stats(fd, &s0));
	CHECK_OK(md_write_sysfs(PARAM_HUGE, "auto"));
	CHECK(s0.huge_faults - s1.huge_faults == want,
	      "a mapping made under auto: %llu PMDs",
	      (unsigned long long)(s0.huge_faults - s1.huge_faults));
	CHECK_OK(munmap(p, md_size));
	CHECK_OK(munmap(q, md_size));

	p = mmap(NULL, md_size, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "");
	/* Without THP in the kernel (no sysfs directory) madvise knows no
	 * MADV_NOHUGEPAGE; nothing maps 2 MiB there either.
	 */
	if (access("/sys/kernel/mm/transparent_hugepage", F_OK))
		CHECK_ERRNO(madvise(p, md_size, MADV_NOHUGEPAGE), EINVAL);
	else
		CHECK_OK(madvise(p, md_size, MADV_NOHUGEPAGE));
	CHECK_OK(get_stats(fd, &s0));
	CHECK(check_pages(p, 0, md_size, SEED) == 0, "");
	CHECK_OK(get_stats(fd, &s1));
	CHECK(s1.huge_faults == s0.huge_faults, "a PMD after MADV_NOHUGEPAGE");
	/* The remap mode then maps each 2 MiB in one 4 KiB fault. */
	if (want && md_mode == MMAPDEMO_MODE_REMAP)
		CHECK(s1.faults - s0.faults <= md_size / pmd_size, "%llu faults",
		      (unsigned long long)(s1.faults - s0.faults));
	CHECK_OK(munmap(p, md_size));
	close(fd);
	return 0;
}

static int t_never(void)
{
	return then_auto(never_checks);
}

/*
 * The system's THP setting "never". The remap mode's special PMDs do not
 * follow it (the core asks a VM_PFNMAP VMA for PMDs whatever the
 * setting), and where it does not ask, each 4 KiB fault maps its whole
 * 2 MiB: one fault or one PMD per 2 MiB. The fault mode gets 4 KiB faults
 * only, and its huge VMA (no VM_MIXEDMAP) still maps the whole
 * fault-around window per fault: no cliff of one fault per page.
 */
static int thp_never_checks(const char *saved)
{
	struct mmapdemo_stats s0, s1;
	uint64_t blocks = want_pmds(0, md_size), faults;
	unsigned long window;
	char v[32];
	uint8_t *p;
	int fd;

	CHECK_OK(md_read_sysfs(MD_PARAM("fault_around"), v, sizeof(v)));
	window = strtoul(v, NULL, 0);
	CHECK(window >= (unsigned long)md_page, "fault_around %s", v);

	if (saved)
		CHECK_OK(md_write_sysfs(THP_SYSFS, "never"));
	p = map_all(&fd, PROT_READ | PROT_WRITE, MAP_SHARED, &s0);
	CHECK(p, "map: %s", strerror(errno));
	CHECK(check_pages(p, 0, md_size, SEED) == 0, "");
	CHECK_OK(get_stats(fd, &s1));
	faults = s1.faults - s0.faults;
	md_diag("THP never (was %s): %llu faults, %llu huge, FilePmdMapped %ld kB",
		saved ? saved : "no THP", (unsigned long long)faults,
		(unsigned long long)(s1.huge_faults - s0.huge_faults),
		file_pmd_kb(p));
	if (md_mode == MMAPDEMO_MODE_REMAP) {
		CHECK(faults + s1.huge_faults - s0.huge_faults == blocks,
		      "%llu faults and PMDs for %llu blocks",
		      (unsigned long long)(faults + s1.huge_faults -
					   s0.huge_faults),
		      (unsigned long long)blocks);
	} else if (saved) {
		CHECK(s1.huge_faults == s0.huge_faults, "a PMD under never");
		CHECK(file_pmd_kb(p) <= 0, "FilePmdMapped %ld kB",
		      file_pmd_kb(p));
	}
	if (md_mode == MMAPDEMO_MODE_FAULT && blocks == md_size / pmd_size)
		CHECK(faults == md_size / window, "%llu faults, window %lu",
		      (unsigned long long)faults, window);
	/* A write through such a PMD is the kernel's byte. */
	p[md_size - 1] = 0x5a;
	CHECK(check_kernel(fd, md_size - 1, "\x5a", 1) == 0, "");
	return unmap_close(fd, p, md_size);
}

static int t_thp_never(void)
{
	char saved[64], *a, *b;
	int r;

	/* A kernel without THP (the 6.1 debug kernel) has no setting. */
	if (access(THP_SYSFS, F_OK))
		return thp_never_checks(NULL);
	CHECK_OK(md_read_sysfs(THP_SYSFS, saved, sizeof(saved)));
	a = strchr(saved, '[');
	b = a ? strchr(a, ']') : NULL;
	CHECK(a && b, "%s: %s", THP_SYSFS, saved);
	*b = 0;
	r = thp_never_checks(a + 1);
	CHECK_OK(md_write_sysfs(THP_SYSFS, a + 1));
	return r;
}

static const struct md_test tests[] = {
	{ "huge_info", t_info, 0, MD_FAULT },
	{ "huge_param", t_param, 0, MD_FAULT },
	{ "huge_pmd_used", t_pmd_used, 0, MD_BOTH },
	{ "huge_partial_munmap", t_partial_munmap, 0, MD_BOTH },
	{ "huge_mprotect_one_page", t_mprotect, 0, MD_BOTH },
	{ "huge_fork", t_fork, 0, MD_BOTH },
	{ "huge_map_private", t_private, 0, MD_FAULT },
	{ "huge_gup_users", t_gup, 0, MD_FAULT },
	{ "huge_ptrace", t_ptrace, 0, MD_BOTH },
	{ "huge_mremap", t_mremap, 0, MD_BOTH },
	{ "huge_resize_rmmod_mapped", t_resize_rmmod, 0, MD_BOTH },
	{ "huge_map_fixed_unaligned", t_map_fixed, 0, MD_BOTH },
	{ "huge_offset", t_offset, 0, MD_BOTH },
	{ "huge_never_nohugepage", t_never, 0, MD_BOTH },
	{ "huge_thp_never", t_thp_never, 0, MD_BOTH },
};

int main(int argc, char **argv)
{
	int fd = open(MMAPDEMO_DEVICE, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, MMAPDEMO_IOC_INFO, &md_info)) {
		printf("Bail out! %s: %s\n", MMAPDEMO_DEVICE, strerror(errno));
		return 1;
	}
	close(fd);
	pmd_size = md_pmd_size();
	return md_main(argc, argv, tests, ARRAY_SIZE(tests));
}
