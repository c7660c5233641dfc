// SPDX-License-Identifier: GPL-2.0
/*
 * Guest tests of the mapping, in both map modes (-m fault|remap: one).
 * Each test checks one behaviour of mmap() on /dev/mmapdemo against the
 * kernel's own view of the buffer (read(), the CHECKSUM and FILL ioctls).
 */
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Offsets across the whole buffer, not just byte 0. */
static uint64_t probe_offsets(int i)
{
	switch (i) {
	case 0:
		return 0;
	case 1:
		return md_page - 3;		/* straddles pages 0 and 1 */
	case 2:
		return md_size / 2 + 17;
	default:
		return md_size - 64;		/* the very end */
	}
}

#define NPROBES 4

/* User writes through the mapping, the kernel's read() sees them. */
static int t_mmap_write_then_read(void)
{
	int fd = md_open(O_RDWR);
	uint8_t *p, data[64], back[64];
	int i;

	CHECK_OK(fd);
	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < NPROBES; i++) {
		uint64_t off = probe_offsets(i);

		md_random(data, sizeof(data), 100 + i);
		memcpy(p + off, data, sizeof(data));
		CHECK(pread(fd, back, sizeof(back), off) == sizeof(back));
		CHECK(!memcmp(data, back, sizeof(data)),
		      "read() at %llu differs", (unsigned long long)off);
	}
	return 0;
}

/* write() by user space, the mapping sees the bytes. */
static int t_write_then_mmap_read(void)
{
	int fd = md_open(O_RDWR);
	uint8_t *p, data[64];
	int i;

	CHECK_OK(fd);
	p = md_map(fd, md_size, PROT_READ, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < NPROBES; i++) {
		uint64_t off = probe_offsets(i);

		md_random(data, sizeof(data), 200 + i);
		CHECK(pwrite(fd, data, sizeof(data), off) == sizeof(data));
		CHECK(!memcmp(p + off, data, sizeof(data)),
		      "mapping at %llu differs", (unsigned long long)off);
	}
	return 0;
}

/*
 * write() from a user buffer that faults part way: the bytes before the
 * fault are written and counted, the buffer past them keeps its data
 * (copy_from_user() would have zeroed it), also through writev().
 */
static int t_write_fault_keeps_rest(void)
{
	int fd = md_open(O_RDWR);
	size_t len = 2 * md_page, head = 100;
	uint64_t off = 3 * md_page + 8;
	uint8_t *u, *back = malloc(len);
	struct iovec iov[2];
	ssize_t r;
	int pass;

	CHECK_OK(fd);
	CHECK(back);
	/* head bytes of data, then a page that faults. */
	u = mmap(NULL, 2 * md_page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(u != MAP_FAILED);
	CHECK_OK(mprotect(u + md_page, md_page, PROT_NONE));
	md_random(u + md_page - head, head, 99);
	for (pass = 0; pass < 2; pass++) {
		CHECK_OK(md_kernel_fill(fd, 0, md_size, 77));
		if (!pass) {
			r = pwrite(fd, u + md_page - head, len, off);
		} else {
			iov[0].iov_base = u + md_page - head;
			iov[0].iov_len = head;
			iov[1].iov_base = u + md_page;
			iov[1].iov_len = len - head;
			r = pwritev(fd, iov, 2, off);
		}
		CHECK(r >= 0 && r <= (ssize_t)head, "%s returned %zd",
		      pass ? "pwritev" : "pwrite", r);
		CHECK(pread(fd, back, len, off) == (ssize_t)len);
		CHECK(!memcmp(back, u + md_page - head, r), "written bytes");
		CHECK(mmapdemo_pattern_check(back + r, off + r, len - r, 77) < 0,
		      "%s: bytes past the %zd written changed",
		      pass ? "pwritev" : "pwrite", r);
	}
	/* Nothing readable at all: EFAULT, and nothing changed. */
	CHECK_OK(md_kernel_fill(fd, 0, md_size, 77));
	CHECK_ERRNO(pwrite(fd, u + md_page, 64, off), EFAULT);
	CHECK(pread(fd, back, 64, off) == 64);
	CHECK(mmapdemo_pattern_check(back, off, 64, 77) < 0, "EFAULT write");
	munmap(u, 2 * md_page);
	free(back);
	return 0;
}

/* User writes a whole buffer of data; the kernel's CRC32C matches ours. */
static int t_user_write_kernel_crc(void)
{
	int fd = md_open(O_RDWR);
	uint32_t kcrc;
	uint8_t *p;

	CHECK_OK(fd);
	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	md_random(p, md_size, 7);
	CHECK_OK(md_kernel_crc(fd, 0, md_size, &kcrc));
	CHECK(kcrc == mmapdemo_crc32c(0, p, md_size), "whole buffer");
	CHECK_OK(md_kernel_crc(fd, 12345, 99999, &kcrc));
	CHECK(kcrc == mmapdemo_crc32c(0, p + 12345, 99999), "sub-range");
	return 0;
}

/* The kernel FILLs a range; user space sees exactly the pattern there. */
static int t_kernel_fill_user_sees(void)
{
	int fd = md_open(O_RDWR);
	uint64_t off = md_page + 5, len = 3 * md_page + 11;
	uint8_t *p;

	CHECK_OK(fd);
	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 0xa5, md_size);
	CHECK_OK(md_kernel_fill(fd, off, len, 0xdecaf));
	CHECK(mmapdemo_pattern_check(p + off, off, len, 0xdecaf) < 0,
	      "pattern wrong at %lld",
	      (long long)mmapdemo_pattern_check(p + off, off, len, 0xdecaf));
	CHECK(p[off - 1] == 0xa5 && p[off + len] == 0xa5,
	      "fill spilled outside its range");
	CHECK_OK(md_kernel_fill(fd, 0, md_size, 1));
	CHECK(mmapdemo_pattern_check(p, 0, md_size, 1) < 0, "whole buffer");
	return 0;
}

/* offset + length past the end, and offsets that overflow: EINVAL. */
static int t_mmap_past_end_einval(void)
{
	int fd = md_open(O_RDWR);
	const int rw = PROT_READ | PROT_WRITE;

	CHECK_OK(fd);
	CHECK_ERRNO(md_map(fd, md_size + md_page, rw, MAP_SHARED, 0), EINVAL);
	CHECK_ERRNO(md_map(fd, 2 * md_page, rw, MAP_SHARED,
			   md_size - md_page), EINVAL);
	CHECK_ERRNO(md_map(fd, md_page, rw, MAP_SHARED, md_size), EINVAL);
	return 0;
}

static int t_mmap_huge_offset_einval(void)
{
	int fd = md_open(O_RDWR);
	/* Would wrap in a driver that computed (pgoff << PAGE_SHIFT) + len
	 * in 64 bits, or pgoff + pages in 32 bits; the core passes them on.
	 */
	const off_t offs[] = {
		(off_t)1 << 62,
		(off_t)((1ULL << 63) - (1ULL << 32) * md_page),
		(off_t)0x7ffffffffffff000LL,
		(off_t)(1ULL << 32) * md_page,
	};
	size_t i;

	CHECK_OK(fd);
	for (i = 0; i < ARRAY_SIZE(offs); i++)
		CHECK_ERRNO(md_map(fd, md_page, PROT_READ, MAP_SHARED,
				   offs[i]), EINVAL);
	/* An offset whose end wraps is refused by the core itself. */
	CHECK_ERRNO(md_map(fd, 2 * md_page, PROT_READ, MAP_SHARED,
			   (off_t)-md_page), EOVERFLOW);
	return 0;
}

/* A mapping at a page offset sees the buffer from that offset. */
static int t_mmap_nonzero_offset(void)
{
	int fd = md_open(O_RDWR);
	off_t off = 3 * md_page;
	uint8_t *whole, *part;

	CHECK_OK(fd);
	whole = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	part = md_map(fd, 2 * md_page, PROT_READ | PROT_WRITE, MAP_SHARED,
		      off);
	CHECK(whole != MAP_FAILED && part != MAP_FAILED, "mmap");
	CHECK_OK(md_kernel_fill(fd, 0, md_size, 42));
	CHECK(mmapdemo_pattern_check(part, off, 2 * md_page, 42) < 0,
	      "offset mapping does not start at the offset");
	part[5] = 0x5a;
	CHECK(whole[off + 5] == 0x5a);
	/* The last page of the buffer, mapped alone. */
	part = md_map(fd, md_page, PROT_READ, MAP_SHARED, md_size - md_page);
	CHECK(part != MAP_FAILED, "last page: %s", strerror(errno));
	CHECK(!memcmp(part, whole + md_size - md_page, md_page));
	return 0;
}

/* MAP_PRIVATE in remap mode: refused (a PFN map has no copy-on-write). */
static int t_map_private_remap_einval(void)
{
	int fd = md_open(O_RDWR);

	CHECK_OK(fd);
	CHECK_ERRNO(md_map(fd, md_page, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			   0), EINVAL);
	CHECK_ERRNO(md_map(fd, md_page, PROT_READ, MAP_PRIVATE, 0), EINVAL);
	return 0;
}

/* MAP_PRIVATE in fault mode: copy-on-write. */
static int t_map_private_fault_cow(void)
{
	int fd = md_open(O_RDWR);
	uint8_t *priv, *shared, c, mine;

	CHECK_OK(fd);
	priv = md_map(fd, 2 * md_page, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	shared = md_map(fd, 2 * md_page, PROT_READ | PROT_WRITE, MAP_SHARED,
			0);
	CHECK(priv != MAP_FAILED && shared != MAP_FAILED, "mmap");
	/* Before a private write, kernel updates show through. */
	CHECK_OK(md_kernel_fill(fd, 0, 2 * md_page, 9));
	CHECK(priv[100] == mmapdemo_pattern_byte(9, 100));
	CHECK_OK(md_kernel_fill(fd, 0, 2 * md_page, 10));
	CHECK(priv[100] == mmapdemo_pattern_byte(10, 100),
	      "kernel update not seen before the first private write");
	/* A private write is private. */
	mine = mmapdemo_pattern_byte(10, 100) + 1;
	priv[100] = mine;
	CHECK(shared[100] == mmapdemo_pattern_byte(10, 100),
	      "private write seen by a shared mapping");
	CHECK(pread(fd, &c, 1, 100) == 1 && c == shared[100],
	      "private write seen by read()");
	/* The written page no longer follows the kernel, the other does. */
	CHECK_OK(md_kernel_fill(fd, 0, 2 * md_page, 11));
	CHECK(priv[100] == mine, "private copy changed");
	CHECK(priv[101] == mmapdemo_pattern_byte(10, 101),
	      "copied page changed");
	CHECK(priv[md_page + 1] == mmapdemo_pattern_byte(11, md_page + 1),
	      "untouched page stopped following the kernel");
	return 0;
}

/* Writable shared mappings need a writable fd. */
static int t_rdonly_fd_write_eacces(void)
{
	int fd = md_open(O_RDONLY);
	uint8_t *p;

	CHECK_OK(fd);
	CHECK_ERRNO(md_map(fd, md_page, PROT_READ | PROT_WRITE, MAP_SHARED, 0),
		    EACCES);
	p = md_map(fd, md_page, PROT_READ, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "read-only mapping: %s", strerror(errno));
	CHECK_ERRNO(mprotect(p, md_page, PROT_READ | PROT_WRITE), EACCES);
	/* Nor may it write through write() or FILL. */
	CHECK_ERRNO(write(fd, "x", 1), EBADF);
	CHECK_ERRNO(md_kernel_fill(fd, 0, md_page, 3), EBADF);
	close(fd);
	fd = md_open(O_RDWR);
	CHECK_OK(fd);
	CHECK_OK(md_kernel_fill(fd, 0, md_page, 3));
	CHECK(p[7] == mmapdemo_pattern_byte(3, 7), "read-only view is stale");
	return 0;
}

/* mremap cannot grow a mapping; it can shrink it. */
static int t_mremap_grow_fails(void)
{
	int fd = md_open(O_RDWR);
	uint8_t *p;

	CHECK_OK(fd);
	p = md_map(fd, 2 * md_page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	p[0] = 1;
	/* VM_DONTEXPAND: the core refuses with EFAULT */
	CHECK_ERRNO(mremap(p, 2 * md_page, 4 * md_page, 0), EFAULT);
	CHECK_ERRNO(mremap(p, 2 * md_page, 4 * md_page, MREMAP_MAYMOVE),
		    EFAULT);
	p[md_page] = 2;
	CHECK(p[0] == 1, "mapping damaged");
	CHECK(pread(fd, &p[8], 1, md_page) == 1 && p[8] == 2);
	return 0;
}

static int t_mremap_shrink_works(void)
{
	int fd = md_open(O_RDWR);
	uint8_t *p, *q;

	CHECK_OK(fd);
	p = md_map(fd, 4 * md_page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	q = mremap(p, 4 * md_page, 2 * md_page, 0);
	CHECK(q == p, "shrink: %s", strerror(errno));
	q[md_page + 1] = 0x77;
	CHECK(pread(fd, &q[0], 1, md_page + 1) == 1 && q[0] == 0x77);
	return 0;
}

/* The mapping outlives its file descriptor. */
static int t_close_fd_keeps_mapping(void)
{
	int fd = md_open(O_RDWR), fd2;
	uint32_t kcrc;
	uint8_t *p;

	CHECK_OK(fd);
	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	close(fd);
	md_random(p, md_size, 66);
	fd2 = md_open(O_RDWR);
	CHECK_OK(fd2);
	CHECK_OK(md_kernel_crc(fd2, 0, md_size, &kcrc));
	CHECK(kcrc == mmapdemo_crc32c(0, p, md_size), "kernel lost the data");
	CHECK_OK(md_kernel_fill(fd2, 0, md_size, 67));
	CHECK(mmapdemo_pattern_check(p, 0, md_size, 67) < 0,
	      "mapping no longer shared with the kernel");
	return 0;
}

/* fork: the child shares the mapping both ways. */
static int t_fork_shares(void)
{
	int fd = md_open(O_RDWR), status;
	uint32_t kcrc;
	uint8_t *p;
	pid_t pid;

	CHECK_OK(fd);
	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	memset(p, 0, md_size);
	pid = fork();
	CHECK_OK(pid);
	if (!pid) {
		md_random(p + md_size / 2, md_page, 5);
		_exit(p[0] == 0 ? 0 : 3);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "child failed");
	/* The child is gone: its writes stay, the parent's pages too. */
	CHECK_OK(md_kernel_crc(fd, md_size / 2, md_page, &kcrc));
	CHECK(kcrc == mmapdemo_crc32c(0, p + md_size / 2, md_page));
	{
		uint8_t want[64];

		md_random(want, sizeof(want), 5);
		CHECK(!memcmp(p + md_size / 2, want, sizeof(want)),
		      "child's write not seen by the parent");
	}
	md_random(p, md_size, 8);
	CHECK_OK(md_kernel_crc(fd, 0, md_size, &kcrc));
	CHECK(kcrc == mmapdemo_crc32c(0, p, md_size), "after child exit");
	return 0;
}

/* Unmapping a middle page leaves the pages around it working. */
static int t_partial_munmap_middle(void)
{
	int fd = md_open(O_RDWR);
	uint8_t *p, c;

	CHECK_OK(fd);
	p = md_map(fd, 3 * md_page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK_OK(munmap(p + md_page, md_page));
	close(fd);
	fd = md_open(O_RDWR);
	CHECK_OK(fd);
	p[1] = 0x11;
	p[2 * md_page + 1] = 0x22;
	CHECK(pread(fd, &c, 1, 1) == 1 && c == 0x11, "first piece");
	CHECK(pread(fd, &c, 1, 2 * md_page + 1) == 1 && c == 0x22,
	      "last piece");
	CHECK_OK(md_kernel_fill(fd, 0, 3 * md_page, 4));
	CHECK(p[2 * md_page + 9] == mmapdemo_pattern_byte(4, 2 * md_page + 9));
	return 0;
}

/* Unrelated processes: a fresh program maps the device on its own. */
static int t_unrelated_processes(void)
{
	int fd = md_open(O_RDWR), status;
	char cmd[64];
	uint8_t *p;
	pid_t pid;

	CHECK_OK(fd);
	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	memset(p, 0, md_size);
	p[md_size - 1] = 0x99;
	pid = fork();
	CHECK_OK(pid);
	if (!pid) {
		/* exec: nothing of the parent's address space survives */
		snprintf(cmd, sizeof(cmd), "%d", md_mode);
		execl("/proc/self/exe", "mapping", "--peer", cmd, NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status),
	      "peer died");
	CHECK(WEXITSTATUS(status) == 0, "peer did not see our write (%d)",
	      WEXITSTATUS(status));
	CHECK(p[md_size - 2] == 0x42, "peer's write not seen");
	return 0;
}

/* The peer side of t_unrelated_processes. */
static int peer_main(int mode)
{
	int fd = md_open_mode(O_RDWR, mode);
	uint8_t *p;

	if (fd < 0)
		return 10;
	p = mmap(NULL, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 11;
	if (p[md_size - 1] != 0x99)
		return 12;
	p[md_size - 2] = 0x42;
	return 0;
}

/*
 * The whole buffer mapped shared and filled by the kernel with @seed, then
 * a child that only waits, for another process to look into: 0, or -1.
 */
static int map_filled_fork(int fd, uint32_t seed, uint8_t **p, pid_t *pid)
{
	*p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (*p == MAP_FAILED || md_kernel_fill(fd, 0, md_size, seed))
		return -1;
	*pid = fork();
	if (!*pid) {
		pause();
		_exit(0);
	}
	return *pid < 0 ? -1 : 0;
}

/* get_user_pages users: process_vm_readv from another process. */
static int t_gup_process_vm_readv(void)
{
	int fd = md_open(O_RDWR), status;
	uint8_t *p;
	pid_t pid;

	CHECK_OK(fd);
	CHECK_OK(map_filled_fork(fd, 21, &p, &pid));
	{
		uint8_t buf[256];
		struct iovec local = { buf, sizeof(buf) };
		struct iovec remote = { p + md_page - 100, sizeof(buf) };
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		int e = errno;

		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (md_mode == MMAPDEMO_MODE_FAULT) {
			CHECK(n == sizeof(buf), "process_vm_readv: %s",
			      strerror(e));
			CHECK(mmapdemo_pattern_check(buf, md_page - 100,
						     sizeof(buf), 21) < 0);
		} else {
			/* VM_PFNMAP: no struct pages for GUP to pin. */
			CHECK(n == -1 && e == EFAULT, "got %zd (%s)", n,
			      strerror(e));
		}
	}
	return 0;
}

/* vmsplice: the pipe takes references to the mapping's pages. */
static int t_gup_vmsplice(void)
{
	int fd = md_open(O_RDWR), pfd[2];
	uint8_t *p, buf[3 * 1024];
	struct iovec iov;
	ssize_t n;

	CHECK_OK(fd);
	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK_OK(md_kernel_fill(fd, 0, md_size, 22));
	CHECK_OK(pipe(pfd));
	iov.iov_base = p + 2 * md_page + 500;
	iov.iov_len = sizeof(buf);
	n = vmsplice(pfd[1], &iov, 1, 0);
	if (md_mode == MMAPDEMO_MODE_REMAP) {
		CHECK(n == -1 && errno == EFAULT, "got %zd", n);
		return 0;
	}
	CHECK(n == sizeof(buf), "vmsplice: %zd %s", n, strerror(errno));
	CHECK(read(pfd[0], buf, sizeof(buf)) == sizeof(buf));
	CHECK(mmapdemo_pattern_check(buf, 2 * md_page + 500, sizeof(buf),
				     22) < 0);
	return 0;
}

/* O_DIRECT I/O to and from the mapping (brd: /dev/ram0). */
static int t_gup_o_direct(void)
{
	int fd = md_open(O_RDWR), blk;
	size_t len = 4 * md_page;
	uint8_t *p;
	ssize_t n;

	CHECK_OK(fd);
	blk = open("/dev/ram0", O_RDWR | O_DIRECT | O_CLOEXEC);
	CHECK(blk >= 0, "/dev/ram0 (brd) with O_DIRECT: %s", strerror(errno));
	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK_OK(md_kernel_fill(fd, 0, md_size, 23));
	n = pwrite(blk, p + md_page, len, 0);
	if (md_mode == MMAPDEMO_MODE_REMAP) {
		CHECK(n == -1 && errno == EFAULT, "got %zd", n);
		return 0;
	}
	CHECK(n == (ssize_t)len, "O_DIRECT write: %s", strerror(errno));
	memset(p, 0, md_size);
	n = pread(blk, p + 8 * md_page, len, 0);
	CHECK(n == (ssize_t)len, "O_DIRECT read: %s", strerror(errno));
	CHECK(mmapdemo_pattern_check(p + 8 * md_page, md_page, len, 23) < 0,
	      "O_DIRECT round trip lost data");
	close(blk);
	return 0;
}

/* Debugger access: ptrace(PEEKDATA/POKEDATA) and /proc/PID/mem. */
static int t_debugger_access(void)
{
	int fd = md_open(O_RDWR), status;
	uint64_t off = md_size - md_page + 64;
	uint8_t *p, c, buf[32];
	char path[64];
	long word;
	pid_t pid;
	int mem;

	CHECK_OK(fd);
	CHECK_OK(map_filled_fork(fd, 24, &p, &pid));
	CHECK_OK(ptrace(PTRACE_ATTACH, pid, NULL, NULL));
	CHECK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status));

	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, p + off, NULL);
	CHECK(errno == 0, "PEEKDATA: %s", strerror(errno));
	CHECK(mmapdemo_pattern_check(&word, off, sizeof(word), 24) < 0,
	      "PEEKDATA read the wrong bytes");
	CHECK_OK(ptrace(PTRACE_POKEDATA, pid, p + off, 0x1122334455667788L));
	CHECK(pread(fd, &word, sizeof(word), off) == sizeof(word) &&
	      word == 0x1122334455667788L, "POKEDATA did not reach the buffer");

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDWR | O_CLOEXEC);
	CHECK(mem >= 0, "%s: %s", path, strerror(errno));
	CHECK(pread(mem, buf, sizeof(buf), (off_t)(uintptr_t)(p + 4096)) ==
	      sizeof(buf), "/proc/PID/mem read: %s", strerror(errno));
	CHECK(mmapdemo_pattern_check(buf, 4096, sizeof(buf), 24) < 0);
	c = 0xee;
	CHECK(pwrite(mem, &c, 1, (off_t)(uintptr_t)(p + 4099)) == 1,
	      "/proc/PID/mem write: %s", strerror(errno));
	CHECK(p[4099] == 0xee, "/proc/PID/mem write not in the buffer");
	close(mem);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 0;
}

/* Touching past the end of a mapping raises SIGSEGV. */
static int t_sigsegv_past_end(void)
{
	int fd = md_open(O_RDWR);
	volatile uint8_t *p;
	uint8_t *guard;

	if (fd < 0)
		return 1;
	/* Reserve three pages, map the device over the first two. */
	guard = mmap(NULL, 3 * md_page, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED)
		return 1;
	p = mmap(guard, 2 * md_page, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	munmap(guard + 2 * md_page, md_page);
	p[2 * md_page - 1] = 1;		/* last byte: fine */
	p[2 * md_page] = 1;		/* first byte past the end */
	return 1;
}

/* Non-root users cannot open the device by default. */
static int t_nonroot_eacces(void)
{
	CHECK_OK(setgroups(0, NULL));
	CHECK_OK(setgid(65534));
	CHECK_OK(setuid(65534));
	CHECK_ERRNO(open(MMAPDEMO_DEVICE, O_RDWR), EACCES);
	CHECK_ERRNO(open(MMAPDEMO_DEVICE, O_RDONLY), EACCES);
	return 0;
}

/* Per-file mode: one program maps the buffer both ways at once. */
static int t_both_modes_at_once(void)
{
	int a = md_open_mode(O_RDWR, MMAPDEMO_MODE_FAULT);
	int b = md_open_mode(O_RDWR, MMAPDEMO_MODE_REMAP);
	struct mmapdemo_info ia, ib;
	uint8_t *pa, *pb;

	CHECK_OK(a);
	CHECK_OK(b);
	CHECK_OK(ioctl(a, MMAPDEMO_IOC_INFO, &ia));
	CHECK_OK(ioctl(b, MMAPDEMO_IOC_INFO, &ib));
	CHECK(ia.map_mode == MMAPDEMO_MODE_FAULT &&
	      ib.map_mode == MMAPDEMO_MODE_REMAP, "INFO map_mode");
	pa = md_map(a, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	pb = md_map(b, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(pa != MAP_FAILED && pb != MAP_FAILED, "mmap");
	md_random(pa, md_size, 31);
	CHECK(!memcmp(pa, pb, md_size), "the two mappings differ");
	pb[77] ^= 0xff;
	CHECK(pa[77] == pb[77]);
	return 0;
}

/* ABI: INFO reports the buffer; SET_MODE is per file and only early. */
static int t_ioctl_info_set_mode(void)
{
	int fd = md_open(O_RDWR);
	struct mmapdemo_info info;
	__u32 m = 2;		/* no such mode */
	char param[32];

	CHECK_OK(fd);
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_INFO, &info));
	CHECK(info.abi_version == MMAPDEMO_ABI_VERSION);
	CHECK(info.page_size == (uint32_t)md_page);
	CHECK(info.size == md_size && info.size % md_page == 0);
	CHECK(info.map_mode == (uint32_t)md_mode);
	CHECK(info.nr_chunks >= 1 && info.nr_chunks <= md_size / md_page);
	CHECK(!(info.huge & ~(MMAPDEMO_HUGE_REMAP | MMAPDEMO_HUGE_FAULT)),
	      "huge %#x", info.huge);
	CHECK_OK(md_read_sysfs(MD_PARAM("map_mode"), param, sizeof(param)));
	CHECK(!strcmp(param, info.default_mode ? "remap" : "fault"),
	      "default_mode %u vs parameter %s", info.default_mode, param);
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_SET_MODE, &m), EINVAL);
	m = UINT32_MAX;
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_SET_MODE, &m), EINVAL);
	CHECK(md_map(fd, md_page, PROT_READ, MAP_SHARED, 0) != MAP_FAILED);
	m = !md_mode;
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_SET_MODE, &m), EBUSY);
	return 0;
}

/* ABI: bad requests get clean errors. */
static int t_ioctl_errors(void)
{
	int fd = md_open(O_RDWR);
	struct mmapdemo_fill f = { 0 };
	struct mmapdemo_checksum c = { 0 };

	CHECK_OK(fd);
	CHECK_ERRNO(ioctl(fd, _IO(MMAPDEMO_IOC_MAGIC, 0x7f)), ENOTTY);
	CHECK_ERRNO(ioctl(fd, _IOR(MMAPDEMO_IOC_MAGIC, 0, __u64)), ENOTTY);
	CHECK_ERRNO(ioctl(fd, TCGETS, &f), ENOTTY);
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_INFO, (void *)8), EFAULT);
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_STATS, (void *)8), EFAULT);
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_FILL, (void *)8), EFAULT);
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_CHECKSUM, (void *)8), EFAULT);
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_SET_MODE, (void *)8), EFAULT);
	f.offset = md_size + 1;
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_FILL, &f), EINVAL);
	f.offset = 8;
	f.length = UINT64_MAX - 4;	/* offset + length wraps */
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_FILL, &f), EINVAL);
	f.offset = 0;
	f.length = md_size + 1;
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_FILL, &f), EINVAL);
	f.length = 1;
	f.flags = 1;
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_FILL, &f), EINVAL);
	c.offset = md_size - 1;
	c.length = 2;
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_CHECKSUM, &c), EINVAL);
	c.offset = UINT64_MAX;
	c.length = 1;
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_CHECKSUM, &c), EINVAL);
	c.offset = 0;
	c.length = 0;
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_CHECKSUM, &c));
	CHECK(c.crc32c == 0, "empty range CRC32C is 0");
	return 0;
}

#define FAULT_AROUND_PARAM MD_PARAM("fault_around")
#define FAULT_AROUND_DEFAULT "262144"
/* The window the fault-around tests use: 16 pages. */
#define FA_PAGES 16

static int set_fault_around(const char *val)
{
	return md_write_sysfs(FAULT_AROUND_PARAM, val);
}

/* The window in pages, written in bytes of this kernel's page size. */
static int set_fault_around_pages(unsigned long pages)
{
	char val[32];

	snprintf(val, sizeof(val), "%lu", pages * md_page);
	return set_fault_around(val);
}

/*
 * Map @npages of the device at buffer offset @off, starting @skip pages
 * into a region aligned to the fault-around window, so that which pages
 * one fault maps is known. The rest of the reserved region stays an
 * inaccessible anonymous mapping.
 */
static uint8_t *map_aligned(int fd, size_t npages, int prot, int flags,
			    off_t off, size_t skip)
{
	size_t win = FA_PAGES * md_page;
	uint8_t *res, *base, *p;

	res = mmap(NULL, 3 * win + npages * md_page, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return MAP_FAILED;
	base = (uint8_t *)(((uintptr_t)res + win - 1) & ~(uintptr_t)(win - 1));
	p = mmap(base + skip * md_page, npages * md_page, prot,
		 flags | MAP_FIXED, fd, off);
	return p;
}

static int get_stats(int fd, struct mmapdemo_stats *st)
{
	return ioctl(fd, MMAPDEMO_IOC_STATS, st);
}

/* Pages of [p, p + npages) that have a page table entry (mincore). */
static int resident(const uint8_t *p, size_t npages, unsigned char *vec)
{
	int n = 0;
	size_t i;

	if (mincore((void *)p, npages * md_page, vec))
		return -1;
	for (i = 0; i < npages; i++)
		n += vec[i] & 1;
	return n;
}

/* STATS and sysfs count what happened. */
static int t_stats(void)
{
	int fd = md_open(O_RDWR);
	struct mmapdemo_stats a, b;
	uint64_t v;
	uint8_t *p, c;

	CHECK_OK(fd);
	CHECK_OK(set_fault_around_pages(FA_PAGES));
	CHECK_OK(get_stats(fd, &a));
	/* Four pages in one fault-around window. */
	p = map_aligned(fd, 4, PROT_READ | PROT_WRITE, MAP_SHARED, 0, 0);
	CHECK(p != MAP_FAILED, "mmap");
	p[0] = 1;
	p[md_page] = 1;
	p[3 * md_page] = 1;
	CHECK(pread(fd, &c, 1, 0) == 1);
	CHECK(pwrite(fd, &c, 1, 0) == 1);
	CHECK_OK(md_kernel_fill(fd, 0, 1, 1));
	CHECK_OK(md_kernel_crc(fd, 0, 1, (uint32_t *)&v));
	CHECK_OK(get_stats(fd, &b));
	CHECK(b.mmaps == a.mmaps + 1, "mmaps");
	CHECK(b.live_vmas == a.live_vmas + 1, "live_vmas");
	if (md_mode == MMAPDEMO_MODE_FAULT) {
		/* One fault maps the whole mapping (fault-around). */
		CHECK(b.faults == a.faults + 1, "faults %llu -> %llu",
		      (unsigned long long)a.faults,
		      (unsigned long long)b.faults);
		CHECK(b.fault_pages == a.fault_pages + 4, "fault_pages +%llu",
		      (unsigned long long)(b.fault_pages - a.fault_pages));
	} else {
		CHECK(b.faults == a.faults, "remap mode took faults");
		CHECK(b.fault_pages == a.fault_pages, "remap fault_pages");
	}
	CHECK(b.bytes_read == a.bytes_read + 1, "bytes_read");
	CHECK(b.bytes_written == a.bytes_written + 1, "bytes_written");
	CHECK(b.fills == a.fills + 1 && b.checksums == a.checksums + 1);
	v = md_stat(MD_STAT("mmaps"));
	CHECK(v == b.mmaps, "sysfs mmaps %llu", (unsigned long long)v);
	v = md_stat(MD_STAT("live_vmas"));
	CHECK(v == b.live_vmas, "sysfs live_vmas");
	v = md_stat(MD_STAT("fault_pages"));
	CHECK(v == b.fault_pages, "sysfs fault_pages");
	CHECK_OK(munmap(p, 4 * md_page));
	v = md_stat(MD_STAT("live_vmas"));
	CHECK(v == a.live_vmas, "live_vmas after munmap");
	CHECK_OK(set_fault_around(FAULT_AROUND_DEFAULT));
	return 0;
}

/*
 * ABI: STATS grows at its end; a caller built against the first layout
 * (64 bytes: 0x8040b704) still gets its counters, and no more bytes.
 * Other sizes (not whole counters, or more than this layout's) stay
 * unknown ioctls.
 */
static int t_stats_old_layout(void)
{
	int fd = md_open(O_RDONLY);
	struct mmapdemo_stats now;
	__u64 old[sizeof(struct mmapdemo_stats) / 8 + 1];

	CHECK_OK(fd);
	memset(old, 0xff, sizeof(old));
	CHECK_OK(ioctl(fd, 0x8040b704, old));
	CHECK_OK(get_stats(fd, &now));
	CHECK(old[0] == now.mmaps && old[7] == now.resizes);
	CHECK(old[8] == ~0ULL, "wrote past the old struct");
	CHECK_ERRNO(ioctl(fd, _IOR(MMAPDEMO_IOC_MAGIC, 0x04, __u64[7]), old),
		    ENOTTY);
	/* One counter more than this layout has. */
	CHECK_ERRNO(ioctl(fd, _IOR(MMAPDEMO_IOC_MAGIC, 0x04, __typeof__(old)),
			  old), ENOTTY);
	CHECK_ERRNO(ioctl(fd, _IOR(MMAPDEMO_IOC_MAGIC, 0x04, char[65]), old),
		    ENOTTY);
	CHECK_ERRNO(ioctl(fd, _IOW(MMAPDEMO_IOC_MAGIC, 0x04, __u64[8]), old),
		    ENOTTY);
	return 0;
}

/*
 * The fault_around parameter: bytes, rounded down to a power of two pages,
 * at most one page table (a PMD's worth: 2 MiB with 4 KiB pages, 32 MiB
 * with 16 KiB, 512 MiB with 64 KiB; 8-byte entries).
 */
static int t_fault_around_param(void)
{
	unsigned long max = md_page / 8 * md_page, pages = 100 * 1024 / md_page;
	char val[32], maxs[32], twice[32], over[32];
	const char *const bad[] = { twice, over, "-1", "x", NULL };
	size_t i;

	snprintf(maxs, sizeof(maxs), "%lu", max);
	snprintf(twice, sizeof(twice), "%luK", 2 * max / 1024);
	snprintf(over, sizeof(over), "%luK", max / 1024 + 1);
	while (pages & (pages - 1))
		pages &= pages - 1;
	CHECK_OK(md_read_sysfs(FAULT_AROUND_PARAM, val, sizeof(val)));
	CHECK(!strcmp(val, FAULT_AROUND_DEFAULT), "default %s", val);
	CHECK_OK(set_fault_around("100K"));
	CHECK_OK(md_read_sysfs(FAULT_AROUND_PARAM, val, sizeof(val)));
	CHECK(atol(val) == (long)((pages ? pages : 1) * md_page),
	      "100K reads back as %s", val);
	CHECK_OK(set_fault_around("0"));
	CHECK_OK(md_read_sysfs(FAULT_AROUND_PARAM, val, sizeof(val)));
	CHECK(atol(val) == md_page, "0 reads back as %s", val);
	CHECK_OK(set_fault_around(maxs));
	for (i = 0; bad[i]; i++)
		CHECK_ERRNO(set_fault_around(bad[i]), EINVAL);
	CHECK_OK(md_read_sysfs(FAULT_AROUND_PARAM, val, sizeof(val)));
	CHECK(!strcmp(val, maxs), "a bad value changed it: %s", val);
	CHECK_OK(set_fault_around(FAULT_AROUND_DEFAULT));
	return 0;
}

/*
 * One fault maps its whole window: after touching one page (a read or a
 * write), its neighbours have page table entries and touching them takes
 * no further fault; each shows the right buffer page even when the
 * mapping starts at a page offset that is not window aligned.
 */
static int t_fault_around_neighbours(void)
{
	int fd = md_open(O_RDWR), write;
	const off_t off = 3 * md_page;
	struct mmapdemo_stats a, b;
	unsigned char vec[FA_PAGES];
	volatile uint8_t *p;
	size_t i;

	CHECK_OK(fd);
	CHECK_OK(set_fault_around_pages(FA_PAGES));
	CHECK_OK(md_kernel_fill(fd, 0, md_size, 51));
	for (write = 0; write < 2; write++) {
		p = map_aligned(fd, FA_PAGES, PROT_READ | PROT_WRITE,
				MAP_SHARED, off, 0);
		CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
		CHECK(resident((uint8_t *)p, FA_PAGES, vec) == 0,
		      "mapped before any touch");
		CHECK_OK(get_stats(fd, &a));
		if (write)		/* a store, with no load before it */
			p[5 * md_page + 8] =
				mmapdemo_pattern_byte(51, off + 5 * md_page + 8);
		else
			(void)p[5 * md_page + 8];
		CHECK_OK(get_stats(fd, &b));
		CHECK(b.faults == a.faults + 1, "%s: %llu faults",
		      write ? "write" : "read",
		      (unsigned long long)(b.faults - a.faults));
		CHECK(b.fault_pages == a.fault_pages + FA_PAGES,
		      "%s: %llu pages", write ? "write" : "read",
		      (unsigned long long)(b.fault_pages - a.fault_pages));
		CHECK(resident((uint8_t *)p, FA_PAGES, vec) == FA_PAGES,
		      "neighbours not mapped");
		for (i = 0; i < FA_PAGES; i++) {
			uint64_t o = off + i * md_page;

			CHECK(mmapdemo_pattern_check((uint8_t *)p + i * md_page,
						     o, md_page, 51) < 0,
			      "page %zu is not buffer page %llu", i,
			      (unsigned long long)(o / md_page));
			p[i * md_page + 1] = p[i * md_page + 1];
		}
		CHECK_OK(get_stats(fd, &a));
		CHECK(a.faults == b.faults, "touching neighbours faulted");
		CHECK_OK(munmap((void *)p, FA_PAGES * md_page));
	}
	CHECK_OK(set_fault_around(FAULT_AROUND_DEFAULT));
	return 0;
}

/* fault_around=0: one page per fault, as without fault-around. */
static int t_fault_around_off(void)
{
	int fd = md_open(O_RDWR);
	struct mmapdemo_stats a, b;
	unsigned char vec[FA_PAGES];
	volatile uint8_t *p;

	CHECK_OK(fd);
	CHECK_OK(set_fault_around("0"));
	p = map_aligned(fd, FA_PAGES, PROT_READ | PROT_WRITE, MAP_SHARED, 0,
			0);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK_OK(get_stats(fd, &a));
	(void)p[5 * md_page];
	p[6 * md_page] = 1;
	CHECK_OK(get_stats(fd, &b));
	CHECK(b.faults == a.faults + 2 && b.fault_pages == a.fault_pages + 2,
	      "%llu faults, %llu pages",
	      (unsigned long long)(b.faults - a.faults),
	      (unsigned long long)(b.fault_pages - a.fault_pages));
	CHECK(resident((uint8_t *)p, FA_PAGES, vec) == 2 && vec[5] && vec[6],
	      "other pages mapped");
	CHECK_OK(set_fault_around(FAULT_AROUND_DEFAULT));
	return 0;
}

/*
 * The window is cut to the VMA: a 3-page mapping in the middle of a
 * window maps 3 pages, at the end of the buffer and at a page offset,
 * and nothing of the anonymous mappings around it.
 */
static int t_fault_around_vma_and_buffer_end(void)
{
	int fd = md_open(O_RDWR);
	const off_t off = md_size - 3 * md_page;
	struct mmapdemo_stats a, b;
	unsigned char vec[3];
	volatile uint8_t *p;
	size_t i;

	CHECK_OK(fd);
	CHECK_OK(set_fault_around_pages(FA_PAGES));
	CHECK_OK(md_kernel_fill(fd, 0, md_size, 52));
	/* Pages 6..8 of the window: the last three of the buffer. */
	p = map_aligned(fd, 3, PROT_READ, MAP_SHARED, off, 6);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK_OK(get_stats(fd, &a));
	(void)p[md_page];
	CHECK_OK(get_stats(fd, &b));
	CHECK(b.faults == a.faults + 1 && b.fault_pages == a.fault_pages + 3,
	      "%llu faults, %llu pages",
	      (unsigned long long)(b.faults - a.faults),
	      (unsigned long long)(b.fault_pages - a.fault_pages));
	CHECK(resident((uint8_t *)p, 3, vec) == 3);
	for (i = 0; i < 3; i++)
		CHECK(mmapdemo_pattern_check((uint8_t *)p + i * md_page,
					     off + i * md_page, md_page,
					     52) < 0, "page %zu", i);
	/* Its neighbours in the window are still inaccessible. */
	{
		unsigned char v[2];

		CHECK(!mincore((void *)(p - 2 * md_page), 2 * md_page, v) &&
		      !v[0] && !v[1], "anonymous neighbour populated");
	}
	/* A mapping of the last page alone: one page, not a window. */
	CHECK_OK(get_stats(fd, &a));
	p = map_aligned(fd, 1, PROT_READ, MAP_SHARED, md_size - md_page, 15);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK(p[md_page - 1] == mmapdemo_pattern_byte(52, md_size - 1));
	CHECK_OK(get_stats(fd, &b));
	CHECK(b.fault_pages == a.fault_pages + 1);
	CHECK_OK(set_fault_around(FAULT_AROUND_DEFAULT));
	return 0;
}

/*
 * Pages that are already mapped are skipped, not replaced: a private
 * copy made by an earlier write stays private when a later fault maps
 * the window around it.
 */
static int t_fault_around_skips_mapped(void)
{
	int fd = md_open(O_RDWR);
	struct mmapdemo_stats a, b;
	unsigned char vec[FA_PAGES];
	volatile uint8_t *p, *q;
	size_t i;

	CHECK_OK(fd);
	CHECK_OK(md_kernel_fill(fd, 0, md_size, 53));
	CHECK_OK(set_fault_around("0"));
	p = map_aligned(fd, FA_PAGES, PROT_READ, MAP_SHARED, 0, 0);
	q = map_aligned(fd, FA_PAGES, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0,
			0);
	CHECK(p != MAP_FAILED && q != MAP_FAILED, "mmap");
	(void)p[3 * md_page];
	(void)p[9 * md_page];
	q[3 * md_page] = 0x33;			/* a private copy */
	CHECK_OK(set_fault_around_pages(FA_PAGES));
	CHECK_OK(get_stats(fd, &a));
	(void)p[0];
	(void)q[0];
	CHECK_OK(get_stats(fd, &b));
	CHECK(b.faults == a.faults + 2);
	CHECK(b.fault_pages == a.fault_pages + 2 * FA_PAGES - 3,
	      "%llu pages", (unsigned long long)(b.fault_pages - a.fault_pages));
	CHECK(resident((uint8_t *)p, FA_PAGES, vec) == FA_PAGES, "shared");
	CHECK(resident((uint8_t *)q, FA_PAGES, vec) == FA_PAGES, "private");
	CHECK(q[3 * md_page] == 0x33, "private copy replaced");
	for (i = 0; i < FA_PAGES; i++)
		if (i != 3)
			CHECK(q[i * md_page + 7] ==
			      mmapdemo_pattern_byte(53, i * md_page + 7),
			      "page %zu", i);
	CHECK_OK(set_fault_around(FAULT_AROUND_DEFAULT));
	return 0;
}

/*
 * MAP_PRIVATE with fault-around: the neighbours a fault maps are the
 * buffer's pages, read-only; writing one copies it, and the pages not
 * written keep following the kernel. The first touch may be a write.
 */
static int t_fault_around_private_cow(void)
{
	int fd = md_open(O_RDWR), first;
	struct mmapdemo_stats a, b;
	volatile uint8_t *q;
	uint8_t c;

	CHECK_OK(fd);
	CHECK_OK(set_fault_around_pages(FA_PAGES));
	for (first = 0; first < 2; first++) {
		CHECK_OK(md_kernel_fill(fd, 0, md_size, 54));
		q = map_aligned(fd, FA_PAGES, PROT_READ | PROT_WRITE,
				MAP_PRIVATE, 0, 0);
		CHECK(q != MAP_FAILED, "mmap");
		CHECK_OK(get_stats(fd, &a));
		if (first)
			q[7 * md_page] = 0x77;	/* write fault first */
		else
			(void)q[7 * md_page];
		CHECK_OK(get_stats(fd, &b));
		CHECK(b.fault_pages == a.fault_pages + FA_PAGES,
		      "%llu pages",
		      (unsigned long long)(b.fault_pages - a.fault_pages));
		/* A neighbour mapped by fault-around, written: a copy. */
		q[3 * md_page + 5] = 0x35;
		CHECK(pread(fd, &c, 1, 3 * md_page + 5) == 1 &&
		      c == mmapdemo_pattern_byte(54, 3 * md_page + 5),
		      "private write reached the buffer");
		CHECK_OK(md_kernel_fill(fd, 0, md_size, 55));
		CHECK(q[3 * md_page + 5] == 0x35 &&
		      q[3 * md_page + 6] ==
		      mmapdemo_pattern_byte(54, 3 * md_page + 6),
		      "the copy follows the kernel");
		CHECK(q[4 * md_page] == mmapdemo_pattern_byte(55, 4 * md_page),
		      "an unwritten neighbour stopped following the kernel");
		if (first)
			CHECK(q[7 * md_page] == 0x77 &&
			      q[7 * md_page + 1] ==
			      mmapdemo_pattern_byte(54, 7 * md_page + 1),
			      "the faulting page was not copied");
		else
			CHECK(q[7 * md_page] ==
			      mmapdemo_pattern_byte(55, 7 * md_page));
	}
	CHECK_OK(set_fault_around(FAULT_AROUND_DEFAULT));
	return 0;
}

static const struct md_test tests[] = {
	{ "mmap_write_then_read", t_mmap_write_then_read, 0, MD_BOTH },
	{ "write_then_mmap_read", t_write_then_mmap_read, 0, MD_BOTH },
	{ "write_fault_keeps_rest", t_write_fault_keeps_rest, 0, MD_BOTH },
	{ "user_write_kernel_crc32c", t_user_write_kernel_crc, 0, MD_BOTH },
	{ "kernel_fill_user_sees", t_kernel_fill_user_sees, 0, MD_BOTH },
	{ "mmap_past_end_einval", t_mmap_past_end_einval, 0, MD_BOTH },
	{ "mmap_huge_offset_einval", t_mmap_huge_offset_einval, 0, MD_BOTH },
	{ "mmap_nonzero_offset", t_mmap_nonzero_offset, 0, MD_BOTH },
	{ "map_private_einval", t_map_private_remap_einval, 0, MD_REMAP },
	{ "map_private_cow", t_map_private_fault_cow, 0, MD_FAULT },
	{ "rdonly_fd_write_eacces", t_rdonly_fd_write_eacces, 0, MD_BOTH },
	{ "mremap_grow_fails", t_mremap_grow_fails, 0, MD_BOTH },
	{ "mremap_shrink_works", t_mremap_shrink_works, 0, MD_BOTH },
	{ "close_fd_keeps_mapping", t_close_fd_keeps_mapping, 0, MD_BOTH },
	{ "fork_shares", t_fork_shares, 0, MD_BOTH },
	{ "partial_munmap_middle", t_partial_munmap_middle, 0, MD_BOTH },
	{ "unrelated_processes", t_unrelated_processes, 0, MD_BOTH },
	{ "gup_process_vm_readv", t_gup_process_vm_readv, 0, MD_BOTH },
	{ "gup_vmsplice", t_gup_vmsplice, 0, MD_BOTH },
	{ "gup_o_direct", t_gup_o_direct, 0, MD_BOTH },
	{ "debugger_access", t_debugger_access, 0, MD_BOTH },
	{ "sigsegv_past_end", t_sigsegv_past_end, SIGSEGV, MD_BOTH },
	{ "nonroot_eacces", t_nonroot_eacces, 0, MD_BOTH },
	{ "both_modes_at_once", t_both_modes_at_once, 0, MD_BOTH },
	{ "ioctl_info_set_mode", t_ioctl_info_set_mode, 0, MD_BOTH },
	{ "ioctl_errors", t_ioctl_errors, 0, MD_BOTH },
	{ "stats", t_stats, 0, MD_BOTH },
	{ "stats_old_layout", t_stats_old_layout, 0, MD_BOTH },
	{ "fault_around_param", t_fault_around_param, 0, MD_FAULT },
	{ "fault_around_neighbours", t_fault_around_neighbours, 0, MD_FAULT },
	{ "fault_around_off", t_fault_around_off, 0, MD_FAULT },
	{ "fault_around_vma_and_buffer_end",
	  t_fault_around_vma_and_buffer_end, 0, MD_FAULT },
	{ "fault_around_skips_mapped", t_fault_around_skips_mapped, 0,
	  MD_FAULT },
	{ "fault_around_private_cow", t_fault_around_private_cow, 0,
	  MD_FAULT },
};

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--peer")) {
		struct mmapdemo_info info;
		int fd = open(MMAPDEMO_DEVICE, O_RDONLY);

		if (fd < 0 || ioctl(fd, MMAPDEMO_IOC_INFO, &info))
			return 9;
		md_size = info.size;
		close(fd);
		return peer_main(atoi(argv[2]));
	}
	return md_main(argc, argv, tests, ARRAY_SIZE(tests));
}
