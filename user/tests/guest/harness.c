// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

enum mmapdemo_map_mode md_mode = MMAPDEMO_MODE_FAULT;
long md_page;
uint64_t md_size;

void md_diag(const char *fmt, ...)
{
	va_list ap;

	if (!fmt[0])
		return;
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

int md_open_mode(int oflags, enum mmapdemo_map_mode mode)
{
	__u32 m = mode;
	int fd = open(MMAPDEMO_DEVICE, oflags | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (ioctl(fd, MMAPDEMO_IOC_SET_MODE, &m)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int md_open(int oflags)
{
	return md_open_mode(oflags, md_mode);
}

void *md_map(int fd, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

int md_kernel_crc(int fd, uint64_t off, uint64_t len, uint32_t *crc)
{
	struct mmapdemo_checksum c = { .offset = off, .length = len };

	if (ioctl(fd, MMAPDEMO_IOC_CHECKSUM, &c))
		return -1;
	*crc = c.crc32c;
	return 0;
}

int md_kernel_fill(int fd, uint64_t off, uint64_t len, uint32_t seed)
{
	struct mmapdemo_fill f = { .offset = off, .length = len, .seed = seed };

	return ioctl(fd, MMAPDEMO_IOC_FILL, &f);
}

int md_read_sysfs(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

int md_write_sysfs(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/*
 * Bytes a PMD maps: THP's hpage_pmd_size, or without THP a page table's
 * worth of pages (8-byte entries): 2 MiB with 4 KiB pages, 32 MiB with
 * 16 KiB, 512 MiB with 64 KiB. Never assume 2 MiB.
 */
unsigned long md_pmd_size(void)
{
	unsigned long page = sysconf(_SC_PAGESIZE);
	char buf[32];

	if (!md_read_sysfs("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
			   buf, sizeof(buf)) && strtoul(buf, NULL, 10))
		return strtoul(buf, NULL, 10);
	return page / 8 * page;
}

/* A counter from sysfs, e.g. md_stat(MD_STAT("live_vmas")); ~0 if none. */
uint64_t md_stat(const char *path)
{
	char buf[32];

	if (md_read_sysfs(path, buf, sizeof(buf)))
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

/*
 * Loading and unloading without libkmod (the tests are static): the
 * module at $MMAPDEMO_KO with @params. An unload attempt never waits, so
 * one refused because something still maps the device fails with
 * EWOULDBLOCK.
 */
int md_load(const char *params)
{
	/* Parameters of every load, before the test's own (23-huge-*). */
	const char *base = getenv("MMAPDEMO_TEST_LOAD_PARAMS");
	const char *ko = getenv("MMAPDEMO_KO");
	char all[256];
	int fd, ret, e;

	if (!ko) {
		errno = ENOENT;
		return -1;
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	snprintf(all, sizeof(all), "%s %s", base ? base : "", params);
	ret = syscall(SYS_finit_module, fd, all, 0);
	e = errno;
	close(fd);
	errno = e;
	return ret;
}

int md_unload(void)
{
	return syscall(SYS_delete_module, "mmapdemo", O_NONBLOCK);
}

/* Loaded afresh with @params, whether or not it was loaded before. */
int md_reload(const char *params)
{
	if (access(MD_SYSFS_MODULE, F_OK) == 0 && md_unload())
		return -1;
	return md_load(params);
}

/* xorshift32: reproducible data that no pattern in the driver matches. */
void md_random(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;
	uint32_t x = seed | 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static bool md_child_passed(pid_t pid, const struct md_test *t)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		md_diag("waitpid: %s", strerror(errno));
		return false;
	}
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == t->expect_signal)
			return true;
		md_diag("died of signal %d (%s)%s", WTERMSIG(status),
			strsignal(WTERMSIG(status)),
			WTERMSIG(status) == SIGALRM ? ": timed out" : "");
		return false;
	}
	if (t->expect_signal) {
		md_diag("exited %d, expected signal %s", WEXITSTATUS(status),
			strsignal(t->expect_signal));
		return false;
	}
	return WEXITSTATUS(status) == 0;
}

static long md_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/*
 * Runs one test in a child: 0 passed, 1 failed, -1 could not fork. Its
 * wall time follows its result as a TAP comment ("# time: N ms"), which
 * scripts/test-times.py collects.
 */
static int md_run_one(const struct md_test *t, size_t num,
		      unsigned int timeout)
{
	long t0 = md_now_ms();
	bool passed;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("Bail out! fork: %s\n", strerror(errno));
		return -1;
	}
	if (!pid) {
		alarm(timeout);
		_exit(t->fn() ? 1 : 0);
	}
	passed = md_child_passed(pid, t);
	printf("%s %zu - %s: %s\n# time: %ld ms\n", passed ? "ok" : "not ok",
	       num, mmapdemo_mode_name(md_mode), t->name, md_now_ms() - t0);
	return passed ? 0 : 1;
}

static int md_query_device(void)
{
	struct mmapdemo_info info;
	int fd = open(MMAPDEMO_DEVICE, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, MMAPDEMO_IOC_INFO, &info)) {
		printf("Bail out! %s: %s\n", MMAPDEMO_DEVICE, strerror(errno));
		return -1;
	}
	close(fd);
	md_size = info.size;
	return 0;
}

int md_main(int argc, char **argv, const struct md_test *tests, size_t n)
{
	const char *only = NULL;
	unsigned int timeout = 60, run_modes = MD_BOTH, m;
	size_t i, planned = 0, num = 0;
	int failed = 0, opt;

	while ((opt = getopt(argc, argv, "m:t:")) != -1) {
		switch (opt) {
		case 'm':
			if (mmapdemo_mode_parse(optarg) < 0)
				return 2;
			run_modes = 1u << mmapdemo_mode_parse(optarg);
			break;
		case 't':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-m fault|remap] [-t test]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	md_page = sysconf(_SC_PAGESIZE);
	/* Seconds a test may take; MMAPDEMO_TEST_TIMEOUT for the slow ones. */
	if (getenv("MMAPDEMO_TEST_TIMEOUT"))
		timeout = strtoul(getenv("MMAPDEMO_TEST_TIMEOUT"), NULL, 10);

	/* Every test in the fault mode, then in the remap mode (or -m's). */
	for (m = 0; m < MMAPDEMO_MODE_COUNT; m++)
		for (i = 0; i < n; i++)
			if ((run_modes & (1u << m)) &&
			    (tests[i].modes & (1u << m)) &&
			    (!only || !strcmp(only, tests[i].name)))
				planned++;
	printf("1..%zu\n", planned);
	if (md_query_device())
		return 1;

	for (m = 0; m < MMAPDEMO_MODE_COUNT; m++) {
		for (i = 0; i < n; i++) {
			const struct md_test *t = &tests[i];
			int r;

			if (!(run_modes & (1u << m)) ||
			    !(t->modes & (1u << m)) ||
			    (only && strcmp(only, t->name)))
				continue;
			md_mode = m;
			r = md_run_one(t, ++num, timeout);
			if (r < 0)
				return 1;
			failed += r;
		}
	}
	return failed ? 1 : 0;
}

#if defined(__GLIBC__) && !(__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
/* "EINVAL" for EINVAL: the names the tests print; NULL for others. */
const char *md_errname(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
#define N(e) { e, #e }
		N(EPERM), N(ENOENT), N(ESRCH), N(EINTR), N(EIO), N(ENXIO),
		N(E2BIG), N(ENOEXEC), N(EBADF), N(ECHILD), N(EAGAIN),
		N(ENOMEM), N(EACCES), N(EFAULT), N(EBUSY), N(EEXIST),
		N(EXDEV), N(ENODEV), N(ENOTDIR), N(EISDIR), N(EINVAL),
		N(ENFILE), N(EMFILE), N(ENOTTY), N(EFBIG), N(ENOSPC),
		N(ESPIPE), N(EROFS), N(EPIPE), N(ERANGE), N(EDEADLK),
		N(ENOSYS), N(EOVERFLOW), N(EBADMSG), N(EOPNOTSUPP),
		N(ETIMEDOUT), N(EPROTO),
#undef N
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].err == err)
			return names[i].name;
	return NULL;
}
#endif
