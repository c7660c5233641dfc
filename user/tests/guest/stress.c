// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress: 8 worker processes run thousands of map / write /
 * unmap / fork / exit cycles on the shared buffer while another process
 * makes the kernel FILL and CHECKSUM it and a third keeps trying to
 * resize it.
 *
 * no_lost_write: the buffer is cut in 16 regions; worker i owns region i
 * and writes a new generation of its pattern in it, through a mapping
 * (either mode), write() or a forked child, then asks the kernel for the
 * region's CRC32C. A matching CRC is the acknowledgment: the worker
 * records that generation as acknowledged. The parent maps the whole
 * buffer throughout, so every resize must fail with EBUSY. At the end
 * each region must hold its worker's last acknowledged generation, seen
 * through the parent's mapping, read() and the kernel's CRC.
 *
 * resize_races: the same churn with no data kept and nothing holding a
 * mapping, while resizes race with the mappings: every mmap either works
 * or fails cleanly, and the resizes counter matches the successes. So
 * that some resizes surely succeed, every SYNC_EVERY cycles the workers
 * meet with nothing mapped and a resize is made then (the racing ones
 * may all find a mapping, on a slow kernel).
 *
 * MD_STRESS_CYCLES sets the cycles per worker (default 500).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define WORKERS		8
#define REGIONS		16
#define SYNC_EVERY	100

/* Shared with the children (MAP_SHARED | MAP_ANONYMOUS). */
struct board {
	uint32_t acked[WORKERS];	/* last acknowledged generation */
	uint64_t cycles[WORKERS];
	uint64_t forks[WORKERS];
	uint64_t kernel_ops;
	uint64_t resize_tries, resize_ok, resize_busy, resize_synced;
	volatile int stop;
	uint32_t arrived, released;	/* resize_races meeting points */
	char error[256];
};

static struct board *board;
static unsigned int cycles = 500;

static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void __attribute__((format(printf, 1, 2)))
fail_board(const char *fmt, ...)
{
	va_list ap;

	if (board->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(board->error, sizeof(board->error), fmt, ap);
	va_end(ap);
}

static uint32_t gen_seed(int w, uint32_t gen)
{
	return (uint32_t)w << 24 | gen;
}

/* The kernel's CRC of region w equals that of generation gen. */
static int region_acked(int fd, int w, size_t rlen, uint32_t gen,
			uint8_t *scratch)
{
	uint32_t crc;

	mmapdemo_pattern_fill(scratch, w * rlen, rlen, gen_seed(w, gen));
	if (md_kernel_crc(fd, w * rlen, rlen, &crc))
		return -1;
	return crc == mmapdemo_crc32c(0, scratch, rlen) ? 0 : -1;
}

/*
 * Wait until everything's count of meetings reaches k: the workers
 * arrive, the synced resizer releases them. Gives up on an error
 * elsewhere or after two minutes.
 */
static int wait_until(uint32_t *what, uint32_t k)
{
	int i;

	for (i = 0; i < 120000; i++) {
		if (__atomic_load_n(what, __ATOMIC_ACQUIRE) >= k)
			return 0;
		if (board->error[0])
			return -1;
		usleep(1000);
	}
	fail_board("meeting %u: timed out", k);
	return -1;
}

static int meet(uint32_t k)
{
	__atomic_add_fetch(&board->arrived, 1, __ATOMIC_RELEASE);
	return wait_until(&board->released, k);
}

/* Write generation gen into region w through a new mapping. */
static int write_mapped(int fd, int w, size_t rlen, uint32_t gen)
{
	uint8_t *p = md_map(fd, rlen, PROT_READ | PROT_WRITE, MAP_SHARED,
			    w * rlen);

	if (p == MAP_FAILED)
		return -1;
	mmapdemo_pattern_fill(p, w * rlen, rlen, gen_seed(w, gen));
	return munmap(p, rlen);
}

static int worker(int w, bool keep_data)
{
	size_t rlen = md_size / REGIONS;
	uint8_t *scratch = malloc(rlen);
	uint32_t x = 0x9e3779b9u * (w + 1), gen = 0;
	unsigned int c;
	int fd[2];

	fd[0] = md_open_mode(O_RDWR, MMAPDEMO_MODE_FAULT);
	fd[1] = md_open_mode(O_RDWR, MMAPDEMO_MODE_REMAP);
	if (!scratch || fd[0] < 0 || fd[1] < 0)
		return 1;
	for (c = 0; c < cycles && !board->error[0]; c++) {
		int f = fd[rnd(&x) & 1], op = rnd(&x) % 5, st;
		uint8_t *p;
		pid_t pid;

		board->cycles[w]++;
		if (!keep_data && c % SYNC_EVERY == SYNC_EVERY - 1 &&
		    meet(c / SYNC_EVERY + 1))
			return 13;
		if (!keep_data) {
			/* Map whatever size the buffer has now. */
			struct mmapdemo_info info;
			uint64_t len;

			if (ioctl(f, MMAPDEMO_IOC_INFO, &info))
				return 2;
			len = info.size;
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
				 f, 0);
			/* The file was opened before a resize: EINVAL. */
			if (p == MAP_FAILED && errno != EINVAL) {
				fail_board("process %d: mmap: %s", w, strerror(errno));
				return 3;
			}
			if (p != MAP_FAILED) {
				p[rnd(&x) % len] = (uint8_t)c;
				if (op == 0) {
					pid = fork();
					if (pid == 0)
						_exit(0);	/* still mapped */
					if (pid < 0 || waitpid(pid, &st, 0) != pid)
						return 4;
					board->forks[w]++;
				}
				munmap(p, len);
			}
			continue;
		}
		gen++;
		switch (op) {
		case 0:	/* through a mapping */
			if (write_mapped(f, w, rlen, gen))
				return 5;
			break;
		case 1:	/* through write() */
			mmapdemo_pattern_fill(scratch, w * rlen, rlen,
					      gen_seed(w, gen));
			if (pwrite(f, scratch, rlen, w * rlen) != (ssize_t)rlen)
				return 6;
			break;
		case 2:	/* by a child, which exits still mapping it */
		case 3:
			pid = fork();
			if (pid == 0) {
				p = md_map(f, rlen, PROT_READ | PROT_WRITE,
					   MAP_SHARED, w * rlen);
				if (p == MAP_FAILED)
					_exit(1);
				/* The last generation is there ... */
				if (gen > 1 &&
				    mmapdemo_pattern_check(p, w * rlen, rlen,
							   gen_seed(w, gen - 1)) >= 0)
					_exit(2);
				/* ... and the child writes the next. */
				mmapdemo_pattern_fill(p, w * rlen, rlen,
						      gen_seed(w, gen));
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, &st, 0) != pid)
				return 7;
			board->forks[w]++;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				fail_board("process %d: child status %#x", w, st);
				return 8;
			}
			break;
		case 4:	/* mapped in the parent, written by a forked child */
			p = md_map(f, rlen, PROT_READ | PROT_WRITE, MAP_SHARED,
				   w * rlen);
			if (p == MAP_FAILED)
				return 9;
			pid = fork();
			if (pid == 0) {
				mmapdemo_pattern_fill(p, w * rlen, rlen,
						      gen_seed(w, gen));
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, &st, 0) != pid ||
			    !WIFEXITED(st) || WEXITSTATUS(st))
				return 10;
			board->forks[w]++;
			munmap(p, rlen);
			break;
		}
		if (region_acked(f, w, rlen, gen, scratch)) {
			fail_board("process %d: generation %u not acknowledged",
				   w, gen);
			return 11;
		}
		board->acked[w] = gen;
	}
	free(scratch);
	return board->error[0] ? 12 : 0;
}

/*
 * FILL and CHECKSUM the regions no worker owns, and CHECKSUM it all.
 * With verify, the CRC must match the FILL (no resize can come between
 * them, and the workers write only their own regions).
 */
static int kernel_side(bool verify)
{
	size_t rlen = md_size / REGIONS, klen = md_size - WORKERS * rlen;
	uint8_t *scratch = malloc(klen);
	uint32_t seed = 1, crc;
	int fd = md_open(O_RDWR);

	if (fd < 0 || !scratch)
		return 1;
	while (!board->stop && !board->error[0]) {
		seed++;
		if (md_kernel_fill(fd, WORKERS * rlen, klen, seed))
			return 2;
		mmapdemo_pattern_fill(scratch, WORKERS * rlen, klen, seed);
		if (md_kernel_crc(fd, WORKERS * rlen, klen, &crc))
			return 3;
		if (verify && crc != mmapdemo_crc32c(0, scratch, klen)) {
			fail_board("kernel FILL %u: CRC mismatch", seed);
			return 3;
		}
		if (md_kernel_crc(fd, 0, md_size, &crc))
			return 4;
		board->kernel_ops += 3;
	}
	free(scratch);
	return 0;
}

/* Keep trying to resize; with expect_busy every try must be EBUSY. */
static int resizer(bool expect_busy)
{
	static const char *const sizes[] = { "8M", "4M" };
	unsigned int i = 0;

	while (!board->stop && !board->error[0]) {
		int r = md_write_sysfs(MD_PARAM("size"), sizes[i & 1]);

		__atomic_add_fetch(&board->resize_tries, 1, __ATOMIC_RELAXED);
		if (r == 0) {
			__atomic_add_fetch(&board->resize_ok, 1,
					   __ATOMIC_RELAXED);
			i++;
			if (expect_busy) {
				fail_board("resize succeeded while mapped");
				return 1;
			}
		} else if (errno == EBUSY) {
			board->resize_busy++;
		} else {
			fail_board("resize: %s", strerror(errno));
			return 2;
		}
		usleep(2000);
	}
	return 0;
}

/* At each meeting, with every worker waiting unmapped: one resize. */
static int synced_resizer(void)
{
	uint32_t k;

	for (k = 1; k <= cycles / SYNC_EVERY; k++) {
		if (wait_until(&board->arrived, k * WORKERS))
			return 1;
		if (md_write_sysfs(MD_PARAM("size"), k & 1 ? "8M" : "4M")) {
			fail_board("resize with nothing mapped: %s",
				   strerror(errno));
			return 2;
		}
		__atomic_add_fetch(&board->resize_tries, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&board->resize_ok, 1, __ATOMIC_RELAXED);
		board->resize_synced++;
		__atomic_store_n(&board->released, k, __ATOMIC_RELEASE);
	}
	return 0;
}

static pid_t spawn(int (*fn)(int, bool), int arg, bool flag)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg, flag));
	return pid;
}

static int kernel_side_fn(int a, bool verify)
{
	(void)a;
	return kernel_side(verify);
}

static int resizer_fn(int a, bool busy)
{
	(void)a;
	return resizer(busy);
}

static int synced_resizer_fn(int a, bool b)
{
	(void)a;
	(void)b;
	return synced_resizer();
}

static int reap(pid_t pid, const char *what)
{
	int st;

	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %#x (%s)",
	      what, st, board->error);
	return 0;
}

static int run(bool keep_data)
{
	pid_t workers[WORKERS], ks, rs, ss = 0;
	uint64_t total = 0, forks = 0;
	struct mmapdemo_stats before, after;
	int fd, i;

	if (getenv("MD_STRESS_CYCLES"))
		cycles = strtoul(getenv("MD_STRESS_CYCLES"), NULL, 10);
	board = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(board != MAP_FAILED);
	fd = md_open(O_RDWR);
	CHECK_OK(fd);
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_STATS, &before));
	CHECK(md_size % (REGIONS * md_page) == 0, "size %llu",
	      (unsigned long long)md_size);

	for (i = 0; i < WORKERS; i++)
		workers[i] = spawn(worker, i, keep_data);
	ks = spawn(kernel_side_fn, 0, keep_data);
	rs = spawn(resizer_fn, 0, keep_data);
	if (!keep_data)
		ss = spawn(synced_resizer_fn, 0, false);
	for (i = 0; i < WORKERS; i++)
		CHECK(reap(workers[i], "worker") == 0, "worker %d", i);
	board->stop = 1;
	CHECK(reap(ks, "kernel FILL/CHECKSUM") == 0);
	CHECK(reap(rs, "resizer") == 0);
	if (ss)
		CHECK(reap(ss, "synced resizer") == 0);
	/* Back to 4M, the size every other test expects (counted). */
	if (!keep_data) {
		CHECK_OK(md_write_sysfs(MD_PARAM("size"), "4M"));
		board->resize_ok++;
		board->resize_tries++;
	}

	for (i = 0; i < WORKERS; i++) {
		total += board->cycles[i];
		forks += board->forks[i];
	}
	md_diag("%d processes x %u cycles: %llu cycles, %llu forks", WORKERS,
		cycles, (unsigned long long)total, (unsigned long long)forks);
	md_diag("%llu FILL/CHECKSUM; resize: %llu tried, %llu done (%llu synced), %llu EBUSY",
		(unsigned long long)board->kernel_ops,
		(unsigned long long)board->resize_tries,
		(unsigned long long)board->resize_ok,
		(unsigned long long)board->resize_synced,
		(unsigned long long)board->resize_busy);
	CHECK(total == (uint64_t)WORKERS * cycles, "cycles %llu",
	      (unsigned long long)total);
	CHECK(board->resize_tries > 0, "no resize was tried");
	close(fd);
	fd = md_open(O_RDWR);
	CHECK_OK(fd);
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_STATS, &after));
	CHECK(after.resizes - before.resizes == board->resize_ok,
	      "resizes counter %llu, done %llu",
	      (unsigned long long)(after.resizes - before.resizes),
	      (unsigned long long)board->resize_ok);
	close(fd);
	return 0;
}

static int t_no_lost_write(void)
{
	size_t rlen;
	uint8_t *hold, *buf;
	int fd, i;

	fd = md_open(O_RDWR);
	CHECK_OK(fd);
	hold = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(hold != MAP_FAILED);
	if (run(true))
		return 1;
	CHECK(board->resize_ok == 0 && board->resize_busy > 0);
	rlen = md_size / REGIONS;
	buf = malloc(rlen);
	CHECK(buf);
	for (i = 0; i < WORKERS; i++) {
		uint32_t seed = gen_seed(i, board->acked[i]), crc;

		CHECK(board->acked[i] == cycles, "worker %d acked %u", i,
		      board->acked[i]);
		CHECK(mmapdemo_pattern_check(hold + i * rlen, i * rlen, rlen,
					     seed) < 0,
		      "region %d lost generation %u (mapping)", i,
		      board->acked[i]);
		CHECK(pread(fd, buf, rlen, i * rlen) == (ssize_t)rlen);
		CHECK(mmapdemo_pattern_check(buf, i * rlen, rlen, seed) < 0,
		      "region %d (read)", i);
		CHECK_OK(md_kernel_crc(fd, i * rlen, rlen, &crc));
		CHECK(crc == mmapdemo_crc32c(0, buf, rlen), "region %d (CRC)",
		      i);
	}
	md_diag("every region holds its last acknowledged generation");
	CHECK_OK(munmap(hold, md_size));
	free(buf);
	close(fd);
	return 0;
}

static int t_resize_races(void)
{
	if (run(false))
		return 1;
	CHECK(board->resize_synced == cycles / SYNC_EVERY, "%llu meetings",
	      (unsigned long long)board->resize_synced);
	return 0;
}

static int t_nothing_left(void)
{
	struct mmapdemo_stats s;
	int fd = md_open(O_RDONLY);

	CHECK_OK(fd);
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_STATS, &s));
	CHECK(s.live_vmas == 0, "live_vmas %llu",
	      (unsigned long long)s.live_vmas);
	return 0;
}

static const struct md_test tests[] = {
	{ "stress_no_lost_write", t_no_lost_write, 0, MD_FAULT },
	{ "stress_resize_races", t_resize_races, 0, MD_FAULT },
	{ "stress_nothing_left_mapped", t_nothing_left, 0, MD_FAULT },
};

int main(int argc, char **argv)
{
	return md_main(argc, argv, tests, ARRAY_SIZE(tests));
}
