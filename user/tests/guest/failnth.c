// SPDX-License-Identifier: GPL-2.0
/*
 * Systematic fault injection (debug kernel only): every operation below
 * is repeated with /proc/thread-self/fail-nth set to n = 1, 2, ... so
 * that the n-th allocation or user copy inside that one system call
 * fails, until an iteration runs with no fault injected. Each iteration
 * must either succeed or fail with a clean error from a short list, and
 * leave the device as it was: the data intact, no mapping counted that
 * does not exist, the next call working. The suite script turns on the
 * fault sites (failslab, fail_page_alloc, fail_usercopy) for GFP_KERNEL
 * allocations; the host checks kmemleak and the console afterwards.
 *
 * Only the one system call under test runs armed: arming writes the
 * count, and disarming reads it back (0: the fault was injected) and
 * writes 0. A read of 1 would itself be failed by the usercopy site;
 * that read then fails and so correctly says "not injected".
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define NTH_MAX		5000
#define SEED		0x5eed0001u

static int nth_fd = -1;

static int nth_open(void)
{
	if (nth_fd < 0)
		nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	return nth_fd;
}

static void nth_arm(unsigned int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(nth_fd, b, len, 0) != len)
		abort();
}

/* Disarm; true when the armed fault was injected. */
static bool nth_disarm(void)
{
	char b[16];
	ssize_t r;
	int e = errno;

	r = pread(nth_fd, b, sizeof(b) - 1, 0);
	if (r > 0)
		b[r] = '\0';
	if (pwrite(nth_fd, "0", 1, 0) != 1 && pwrite(nth_fd, "0", 1, 0) != 1)
		abort();
	errno = e;
	return r > 0 && strtoul(b, NULL, 10) == 0;
}

/* The errno of a failed call is one of the -1 terminated list. */
static bool err_in(int err, const int *list)
{
	for (; *list >= 0; list++)
		if (err == *list)
			return true;
	return false;
}

static const int e_nomem[] = { ENOMEM, -1 };
/* A user copy can be the one that fails: EFAULT (open() copies the path). */
static const int e_nomem_fault[] = { ENOMEM, EFAULT, -1 };
static const int e_fork[] = { ENOMEM, EAGAIN, -1 };

static uint64_t live_vmas(void)
{
	struct mmapdemo_stats s;
	int fd = open(MMAPDEMO_DEVICE, O_RDONLY | O_CLOEXEC);
	int r = fd < 0 ? -1 : ioctl(fd, MMAPDEMO_IOC_STATS, &s);

	if (fd >= 0)
		close(fd);
	return r ? ~0ull : s.live_vmas;
}

/* The whole buffer holds the FILL pattern of seed. */
static int buffer_holds(int fd, uint32_t seed)
{
	uint32_t crc, want;
	uint8_t *p = malloc(md_size);
	int64_t bad;

	if (!p)
		return -1;
	mmapdemo_pattern_fill(p, 0, md_size, seed);
	want = mmapdemo_crc32c(0, p, md_size);
	free(p);
	if (md_kernel_crc(fd, 0, md_size, &crc))
		return -1;
	if (crc != want) {
		md_diag("buffer CRC32C %08x, want %08x", crc, want);
		return -1;
	}
	p = md_map(fd, md_size, PROT_READ, MAP_SHARED, 0);
	if (p == MAP_FAILED)
		return -1;
	bad = mmapdemo_pattern_check(p, 0, md_size, seed);
	munmap(p, md_size);
	if (bad >= 0)
		md_diag("mapping differs at %lld", (long long)bad);
	return bad >= 0 ? -1 : 0;
}

/*
 * One iteration: it() runs the operation armed with n and checks its
 * outcome; it sets *injected from nth_disarm() and *failed when the
 * operation failed (cleanly). Returns nonzero on a broken invariant.
 */
typedef int (*iter_fn)(int fd, unsigned int n, bool *injected, bool *failed);

static int sweep(const char *what, int oflags, iter_fn it)
{
	unsigned int n, failed_n = 0;
	int fd;

	CHECK(nth_open() >= 0, "/proc/thread-self/fail-nth: %s",
	      strerror(errno));
	fd = md_open(oflags);
	CHECK_OK(fd);
	CHECK_OK(md_kernel_fill(fd, 0, md_size, SEED));
	for (n = 1; n <= NTH_MAX; n++) {
		bool injected = false, failed = false;

		if (it(fd, n, &injected, &failed)) {
			md_diag("%s: broken at fail-nth %u", what, n);
			return 1;
		}
		failed_n += failed;
		CHECK(live_vmas() == 0, "%s, n=%u: live_vmas %llu", what, n,
		      (unsigned long long)live_vmas());
		if (!injected) {
			CHECK(!failed, "%s failed with no fault injected", what);
			CHECK(buffer_holds(fd, SEED) == 0, "%s: data", what);
			/* The last iteration ran with nothing injected. */
			md_diag("%s: %u iterations, %u failed cleanly, %u ok despite a fault",
				what, n, failed_n, n - 1 - failed_n);
			close(fd);
			return 0;
		}
	}
	md_diag("%s: still injecting after %u iterations", what, NTH_MAX);
	return 1;
}

/* The result of an armed call: success, or -1 with an errno from ok. */
#define OUTCOME(ret, err, ok)						\
	do {								\
		if ((ret) < 0) {					\
			CHECK(err_in(err, ok), "unexpected errno %s",	\
			      strerrorname_np(err));			\
			*failed = true;					\
		}							\
	} while (0)

static int it_open(int fd, unsigned int n, bool *injected, bool *failed)
{
	int fd2, err;

	(void)fd;
	nth_arm(n);
	fd2 = open(MMAPDEMO_DEVICE, O_RDWR | O_CLOEXEC);
	err = errno;
	*injected = nth_disarm();
	OUTCOME(fd2, err, e_nomem_fault);
	if (fd2 >= 0) {
		struct mmapdemo_info info;

		CHECK_OK(ioctl(fd2, MMAPDEMO_IOC_INFO, &info));
		CHECK(info.size == md_size);
		close(fd2);
	}
	return 0;
}

/* mmap of the whole buffer; the pages then hold the pattern. */
static int map_iter(int fd, unsigned int n, bool *injected, bool *failed,
		    int flags)
{
	uint8_t *p;
	int err;

	nth_arm(n);
	p = mmap(NULL, md_size, PROT_READ | PROT_WRITE, flags, fd, 0);
	err = errno;
	*injected = nth_disarm();
	OUTCOME(p == MAP_FAILED ? -1 : 0, err, e_nomem);
	if (p == MAP_FAILED)
		return 0;
	CHECK(live_vmas() == 1, "live_vmas %llu with one mapping",
	      (unsigned long long)live_vmas());
	CHECK(mmapdemo_pattern_check(p, 0, md_size, SEED) < 0, "pattern");
	if (flags & MAP_PRIVATE)
		p[md_page] ^= 0xff;	/* a private copy: not the buffer */
	CHECK_OK(munmap(p, md_size));
	return 0;
}

static int it_mmap_shared(int fd, unsigned int n, bool *inj, bool *failed)
{
	return map_iter(fd, n, inj, failed, MAP_SHARED);
}

static int it_mmap_private(int fd, unsigned int n, bool *inj, bool *failed)
{
	return map_iter(fd, n, inj, failed, MAP_PRIVATE);
}

/* First touch of a page (fault mode): the fault and its fault-around. */
static int it_fault(int fd, unsigned int n, bool *injected, bool *failed)
{
	size_t off = md_size / 2 + 3 * md_page;
	volatile uint8_t *p;
	uint8_t v;

	(void)failed;
	p = md_map(fd, md_size, PROT_READ, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	nth_arm(n);
	v = p[off];
	*injected = nth_disarm();
	CHECK(v == mmapdemo_pattern_byte(SEED, off), "byte %u", v);
	CHECK(mmapdemo_pattern_check((const void *)p, 0, md_size, SEED) < 0,
	      "pattern");
	CHECK_OK(munmap((void *)p, md_size));
	return 0;
}

/* VMAs of this process inside [p, p + len), from /proc/self/maps. */
static int vmas_in(const void *p, size_t len)
{
	unsigned long lo, hi, a = (unsigned long)p, b = a + len;
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo >= a &&
		    hi <= b)
			n++;
	fclose(f);
	return n;
}

/*
 * Splitting a mapping (munmap or mprotect of its middle) opens a VMA
 * (vm_ops->open) per split. The core may fail after the first of two
 * splits and leave the mapping in two VMAs: whatever it leaves, the
 * driver's live_vmas must count exactly the VMAs that exist, and the
 * pages still mapped must still be the buffer's.
 */
static int split_iter(int fd, unsigned int n, bool *injected, bool *failed,
		      bool unmap)
{
	size_t len = 3 * md_page;
	uint8_t *p;
	int r, err, vmas;

	p = md_map(fd, len, PROT_READ, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	nth_arm(n);
	if (unmap)
		r = munmap(p + md_page, md_page);
	else
		r = mprotect(p + md_page, md_page, PROT_NONE);
	err = errno;
	*injected = nth_disarm();
	OUTCOME(r, err, e_nomem);
	vmas = vmas_in(p, len);
	if (r == 0)
		CHECK(vmas == (unmap ? 2 : 3), "%d VMAs after the split", vmas);
	CHECK((uint64_t)vmas == live_vmas(), "%d VMAs, live_vmas %llu", vmas,
	      (unsigned long long)live_vmas());
	CHECK(p[0] == mmapdemo_pattern_byte(SEED, 0));
	CHECK(p[2 * md_page] == mmapdemo_pattern_byte(SEED, 2 * md_page));
	if (r)
		CHECK(p[md_page] == mmapdemo_pattern_byte(SEED, md_page));
	CHECK_OK(munmap(p, len));
	return 0;
}

static int it_munmap_split(int fd, unsigned int n, bool *inj, bool *failed)
{
	return split_iter(fd, n, inj, failed, true);
}

static int it_mprotect_split(int fd, unsigned int n, bool *inj, bool *failed)
{
	return split_iter(fd, n, inj, failed, false);
}

/* fork() copies the VMA (vm_ops->open), or fails and undoes it. */
static int it_fork(int fd, unsigned int n, bool *injected, bool *failed)
{
	int status, err;
	uint8_t *p;
	pid_t pid;

	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	nth_arm(n);
	pid = fork();
	if (pid == 0)
		_exit(mmapdemo_pattern_check(p, 0, md_size, SEED) < 0 ? 0 : 3);
	err = errno;
	*injected = nth_disarm();
	OUTCOME(pid, err, e_fork);
	if (pid > 0) {
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child: status %#x", status);
	}
	CHECK(live_vmas() == 1, "live_vmas %llu after fork",
	      (unsigned long long)live_vmas());
	CHECK_OK(munmap(p, md_size));
	return 0;
}

/* The buffer ioctls: a failed FILL or CHECKSUM changes nothing. */
static int it_ioctls(int fd, unsigned int n, bool *injected, bool *failed)
{
	struct mmapdemo_fill f = {
		.offset = md_page, .length = md_page, .seed = SEED,
	};
	struct mmapdemo_checksum c = { .offset = 0, .length = md_size };
	struct mmapdemo_stats s;
	struct mmapdemo_info info;
	__u32 mode = md_mode;
	int r, err;
	bool inj;

	*injected = false;
#define ARMED(call)							\
	do {								\
		nth_arm(n);						\
		r = (call);						\
		err = errno;						\
		inj = nth_disarm();					\
		*injected |= inj;					\
		OUTCOME(r, err, e_nomem_fault);				\
	} while (0)
	ARMED(ioctl(fd, MMAPDEMO_IOC_INFO, &info));
	CHECK(r || info.size == md_size);
	ARMED(ioctl(fd, MMAPDEMO_IOC_STATS, &s));
	ARMED(ioctl(fd, MMAPDEMO_IOC_SET_MODE, &mode));
	ARMED(ioctl(fd, MMAPDEMO_IOC_FILL, &f));
	ARMED(ioctl(fd, MMAPDEMO_IOC_CHECKSUM, &c));
#undef ARMED
	return 0;
}

/*
 * write() and read(): a user copy that fails part way gives a short
 * count or EFAULT, and the bytes it reported are the bytes it moved.
 */
static int it_rw(int fd, unsigned int n, bool *injected, bool *failed)
{
	size_t len = 5 * md_page, off = md_page + 100, w;
	uint8_t *buf = malloc(len), *want = malloc(len), *back = malloc(len);
	ssize_t r;
	int err;
	bool inj;

	CHECK(buf && want && back);
	md_random(buf, len, n);
	nth_arm(n);
	r = pwrite(fd, buf, len, off);
	err = errno;
	*injected = nth_disarm();
	OUTCOME(r, err, e_nomem_fault);
	CHECK(r <= (ssize_t)len);
	/* The bytes it reported written, then the pattern untouched. */
	w = r > 0 ? r : 0;
	memcpy(want, buf, w);
	mmapdemo_pattern_fill(want + w, off + w, len - w, SEED);
	CHECK(pread(fd, back, len, off) == (ssize_t)len);
	CHECK(!memcmp(back, want, len), "after a write of %zd bytes", r);

	memset(back, 0, len);
	nth_arm(n);
	r = pread(fd, back, len, off);
	err = errno;
	inj = nth_disarm();
	*injected |= inj;
	OUTCOME(r, err, e_nomem_fault);
	CHECK(r <= (ssize_t)len);
	if (r > 0)
		CHECK(!memcmp(back, want, r), "read %zd bytes, not the data", r);
	/* The pattern back for the next iteration. */
	CHECK_OK(md_kernel_fill(fd, 0, md_size, SEED));
	free(buf);
	free(want);
	free(back);
	return 0;
}

/*
 * A resize that fails keeps the old buffer, contents and size; one that
 * succeeds is undone (without faults) for the next iteration.
 */
static int it_resize(int fd, unsigned int n, bool *injected, bool *failed)
{
	char val[32], want[32];
	struct mmapdemo_info info;
	int pfd, err;
	ssize_t r;

	pfd = open(MD_PARAM("size"), O_WRONLY | O_CLOEXEC);
	CHECK_OK(pfd);
	nth_arm(n);
	r = write(pfd, "8M", 2);
	err = errno;
	*injected = nth_disarm();
	close(pfd);
	OUTCOME(r, err, e_nomem_fault);
	CHECK_OK(md_read_sysfs(MD_PARAM("size"), val, sizeof(val)));
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_INFO, &info));
	if (r < 0) {
		snprintf(want, sizeof(want), "%llu",
			 (unsigned long long)md_size);
		CHECK(!strcmp(val, want), "size %s after a failed resize", val);
		CHECK(info.size == md_size);
		CHECK(buffer_holds(fd, SEED) == 0, "data lost by a failed resize");
		return 0;
	}
	CHECK(!strcmp(val, "8388608") && info.size == 8 << 20, "size %s", val);
	snprintf(want, sizeof(want), "%llu", (unsigned long long)md_size);
	CHECK_OK(md_write_sysfs(MD_PARAM("size"), want));
	CHECK_OK(md_kernel_fill(fd, 0, md_size, SEED));
	return 0;
}

/* A ring: setup, then its region mapped and one ECHO through it. */
static int ring_use(int fd, const struct mmapdemo_ring_setup *s)
{
	struct mmapdemo_ring_ctrl *c;
	struct mmapdemo_sqe *sqe;
	struct mmapdemo_cqe *cqe;
	uint8_t *p;
	int i;

	p = md_map(fd, s->region_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   MMAPDEMO_RING_OFFSET);
	CHECK(p != MAP_FAILED, "ring mmap: %s", strerror(errno));
	c = (void *)p;
	CHECK(c->magic == MMAPDEMO_RING_MAGIC);
	sqe = (void *)(p + s->sq_off);
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = MMAPDEMO_OP_ECHO;
	sqe->user_data = 42;
	sqe->len = 4;
	memcpy(sqe->data, "ping", 4);
	__atomic_store_n(&c->sq_tail, c->sq_tail + 1, __ATOMIC_RELEASE);
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_RING_DOORBELL));
	/*
	 * The echo comes back; the producer's one record (if it ran
	 * before PRODUCER_STOP) may come first.
	 */
	for (i = 0; i < 5000; i++) {
		uint32_t head = c->cq_head;

		if (__atomic_load_n(&c->cq_tail, __ATOMIC_ACQUIRE) == head) {
			usleep(1000);
			continue;
		}
		cqe = (struct mmapdemo_cqe *)(p + s->cq_off) +
		      (head & (c->cq_entries - 1));
		__atomic_store_n(&c->cq_head, head + 1, __ATOMIC_RELEASE);
		if (cqe->opcode == MMAPDEMO_OP_RECORD && cqe->user_data == 7)
			continue;
		CHECK(cqe->user_data == 42 && cqe->res >= 0 &&
		      !memcmp(cqe->data, "ping", 4), "completion: op %u",
		      cqe->opcode);
		break;
	}
	CHECK(i < 5000, "no completion");
	CHECK_OK(munmap(p, s->region_size));
	return 0;
}

static int it_ring(int fd, unsigned int n, bool *injected, bool *failed)
{
	struct mmapdemo_ring_setup s = { .sq_entries = 8, .cq_entries = 16 };
	struct mmapdemo_ring_producer prod = {
		.rate = 1000, .count = 1, .user_data = 7,
	};
	struct mmapdemo_ring_stats st;
	uint8_t *p;
	int fd2, r, err;
	bool inj;

	(void)fd;
	fd2 = md_open(O_RDWR);
	CHECK_OK(fd2);
	nth_arm(n);
	r = ioctl(fd2, MMAPDEMO_IOC_RING_SETUP, &s);
	err = errno;
	*injected = nth_disarm();
	OUTCOME(r, err, e_nomem_fault);
	if (r) {
		/*
		 * Nothing half set up: the file can still get its ring, or
		 * (EFAULT copying the layout out) has it, and its control
		 * page tells the layout.
		 */
		memset(&s, 0, sizeof(s));
		s.sq_entries = 8;
		s.cq_entries = 16;
		r = ioctl(fd2, MMAPDEMO_IOC_RING_SETUP, &s);
		if (r && errno == EBUSY && err == EFAULT) {
			struct mmapdemo_ring_ctrl *c;

			c = md_map(fd2, md_page, PROT_READ, MAP_SHARED,
				   MMAPDEMO_RING_OFFSET);
			CHECK(c != MAP_FAILED, "%s", strerror(errno));
			s.region_size = c->region_size;
			s.sq_off = c->sq_off;
			s.cq_off = c->cq_off;
			CHECK_OK(munmap(c, md_page));
			r = 0;
		}
		CHECK_OK(r);
	}

	nth_arm(n);
	p = mmap(NULL, s.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd2,
		 MMAPDEMO_RING_OFFSET);
	err = errno;
	inj = nth_disarm();
	*injected |= inj;
	OUTCOME(p == MAP_FAILED ? -1 : 0, err, e_nomem);
	if (p != MAP_FAILED)
		CHECK_OK(munmap(p, s.region_size));

	nth_arm(n);
	r = ioctl(fd2, MMAPDEMO_IOC_RING_PRODUCER_START, &prod);
	err = errno;
	inj = nth_disarm();
	*injected |= inj;
	OUTCOME(r, err, e_nomem_fault);
	CHECK_OK(ioctl(fd2, MMAPDEMO_IOC_RING_PRODUCER_STOP));

	nth_arm(n);
	r = ioctl(fd2, MMAPDEMO_IOC_RING_STATS, &st);
	err = errno;
	inj = nth_disarm();
	*injected |= inj;
	OUTCOME(r, err, e_nomem_fault);

	if (ring_use(fd2, &s))
		return 1;
	CHECK_OK(close(fd2));
	return 0;
}

static uint64_t dmabuf_live(void)
{
	return md_stat(MD_STAT("dmabuf_live"));
}

/*
 * EXPORT_DMABUF armed, then (unarmed) a map of the dma-buf written
 * through; then mmap of a dma-buf and its first touch armed. A failed
 * export leaves no dma-buf behind (CVE-2024-56712's path: once the
 * dma-buf exists only dma_buf_put() may undo it), a closed one is
 * released.
 */
static int it_dmabuf(int fd, unsigned int n, bool *injected, bool *failed)
{
	struct mmapdemo_dmabuf_export ex = {
		.offset = md_page, .size = 2 * md_page, .flags = O_RDWR,
		.fd = -1,
	};
	uint64_t live = dmabuf_live();
	uint8_t *p;
	int r, err;
	bool inj;

	nth_arm(n);
	r = ioctl(fd, MMAPDEMO_IOC_EXPORT_DMABUF, &ex);
	err = errno;
	*injected = nth_disarm();
	OUTCOME(r, err, e_nomem_fault);
	if (r < 0) {
		CHECK(dmabuf_live() == live, "a failed export left a dma-buf");
		return 0;
	}
	nth_arm(n);
	p = mmap(NULL, 2 * md_page, PROT_READ | PROT_WRITE, MAP_SHARED, ex.fd, 0);
	err = errno;
	inj = nth_disarm();
	*injected |= inj;
	OUTCOME(p == MAP_FAILED ? -1 : 0, err, e_nomem);
	if (p != MAP_FAILED) {
		/* Rewrite a byte with the value it has: the data stays. */
		p[md_page] = mmapdemo_pattern_byte(SEED, 2 * md_page);
		CHECK(mmapdemo_pattern_check(p, md_page, 2 * md_page, SEED) == -1);
		munmap(p, 2 * md_page);
	}
	close(ex.fd);
	CHECK(dmabuf_live() == live, "a closed dma-buf was not released");
	return 0;
}

static int t_dmabuf(void)
{
	return sweep("EXPORT_DMABUF, dma-buf mmap", O_RDWR, it_dmabuf);
}

static int t_open(void)
{
	return sweep("open", O_RDWR, it_open);
}

static int t_mmap_shared(void)
{
	return sweep("mmap MAP_SHARED", O_RDWR, it_mmap_shared);
}

static int t_mmap_private(void)
{
	return sweep("mmap MAP_PRIVATE", O_RDWR, it_mmap_private);
}

static int t_fault(void)
{
	return sweep("first touch", O_RDWR, it_fault);
}

static int t_munmap_split(void)
{
	return sweep("munmap of a mapping's middle", O_RDWR, it_munmap_split);
}

static int t_mprotect_split(void)
{
	return sweep("mprotect of a mapping's middle", O_RDWR,
		     it_mprotect_split);
}

static int t_fork(void)
{
	return sweep("fork with the buffer mapped", O_RDWR, it_fork);
}

static int t_ioctls(void)
{
	return sweep("INFO, STATS, SET_MODE, FILL, CHECKSUM", O_RDWR,
		     it_ioctls);
}

static int t_rw(void)
{
	return sweep("pwrite, pread", O_RDWR, it_rw);
}

static int t_resize(void)
{
	return sweep("resize through the size parameter", O_RDWR, it_resize);
}

static int t_ring(void)
{
	return sweep("RING_SETUP, ring mmap, PRODUCER_START, RING_STATS",
		     O_RDWR, it_ring);
}

#define DEV1_SIZE	"/sys/class/misc/mmapdemo1/size"

/*
 * Two devices: resizes of device 1 through its own size file, armed
 * with n, fail cleanly or succeed, and never touch device 0, which stays
 * mapped throughout with its data. Reloads the module with devices=2
 * and leaves it loaded with its defaults.
 */
static int t_second_device(void)
{
	uint8_t *p0 = MAP_FAILED;
	char val[32], want[32];
	unsigned int n;
	int fd0, pfd, err;
	ssize_t r;

	CHECK(nth_open() >= 0, "/proc/thread-self/fail-nth: %s",
	      strerror(errno));
	CHECK_OK(md_unload());
	CHECK_OK(md_load("devices=2"));
	fd0 = md_open(O_RDWR);
	CHECK_OK(fd0);
	CHECK_OK(md_kernel_fill(fd0, 0, md_size, SEED));
	p0 = md_map(fd0, md_size, PROT_READ, MAP_SHARED, 0);
	CHECK(p0 != MAP_FAILED, "mmap: %s", strerror(errno));
	snprintf(want, sizeof(want), "%llu", (unsigned long long)md_size);
	for (n = 1; n <= NTH_MAX; n++) {
		bool injected;

		pfd = open(DEV1_SIZE, O_WRONLY | O_CLOEXEC);
		CHECK_OK(pfd);
		nth_arm(n);
		r = write(pfd, "8M", 2);
		err = errno;
		injected = nth_disarm();
		close(pfd);
		if (r < 0)
			CHECK(err_in(err, e_nomem_fault), "n=%u: unexpected errno %s",
			      n, strerrorname_np(err));
		CHECK(r >= 0 || injected, "failed with no fault injected");
		CHECK_OK(md_read_sysfs(DEV1_SIZE, val, sizeof(val)));
		CHECK(!strcmp(val, r < 0 ? want : "8388608"), "n=%u: size %s", n,
		      val);
		CHECK(mmapdemo_pattern_check(p0, 0, md_size, SEED) == -1,
		      "n=%u: device 0's mapping changed", n);
		CHECK(buffer_holds(fd0, SEED) == 0, "n=%u: device 0's data", n);
		if (r >= 0)
			CHECK_OK(md_write_sysfs(DEV1_SIZE, want));
		if (!injected) {
			md_diag("device 1 resize: %u iterations", n);
			break;
		}
	}
	CHECK(n <= NTH_MAX, "still injecting after %u iterations", NTH_MAX);
	CHECK_OK(munmap(p0, md_size));
	CHECK_OK(close(fd0));
	CHECK_OK(md_unload());
	CHECK_OK(md_load(""));
	return 0;
}

static const struct md_test tests[] = {
	{ "failnth_open", t_open, 0, MD_FAULT },
	{ "failnth_mmap_shared", t_mmap_shared, 0, MD_BOTH },
	{ "failnth_mmap_private", t_mmap_private, 0, MD_FAULT },
	{ "failnth_first_touch", t_fault, 0, MD_FAULT },
	{ "failnth_munmap_split", t_munmap_split, 0, MD_BOTH },
	{ "failnth_mprotect_split", t_mprotect_split, 0, MD_BOTH },
	{ "failnth_fork", t_fork, 0, MD_BOTH },
	{ "failnth_ioctls", t_ioctls, 0, MD_FAULT },
	{ "failnth_read_write", t_rw, 0, MD_FAULT },
	{ "failnth_resize", t_resize, 0, MD_FAULT },
	{ "failnth_ring", t_ring, 0, MD_BOTH },
	{ "failnth_second_device", t_second_device, 0, MD_FAULT },
	{ "failnth_dmabuf", t_dmabuf, 0, MD_BOTH },
};

int main(int argc, char **argv)
{
	return md_main(argc, argv, tests, ARRAY_SIZE(tests));
}
