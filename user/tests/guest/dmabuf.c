// SPDX-License-Identifier: GPL-2.0
/*
 * Guest tests of MMAPDEMO_IOC_EXPORT_DMABUF (run by 26-dmabuf.sh, which
 * loads vivid and vgem first): the dma-buf passed to another process and
 * mapped there, writes through it seen through /dev/mmapdemo and the
 * kernel's CHECKSUM and back, DMA_BUF_IOCTL_SYNC, names and fdinfo, bad
 * input, the lifetime rules (resize and rmmod refused while exported,
 * release when the last user goes), and two real kernel drivers as
 * importers: vivid writes camera frames into our pages, vgem attaches
 * (and maps, up to 6.12) and puts fences into the reservation object.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/videodev2.h>

#include "harness.h"

#ifndef DMA_BUF_SET_NAME
#define DMA_BUF_SET_NAME	_IOW(DMA_BUF_BASE, 1, const char *)
#endif
#ifndef DMA_BUF_IOCTL_IMPORT_SYNC_FILE	/* 6.0 */
struct dma_buf_import_sync_file {
	__u32 flags;
	__s32 fd;
};

#define DMA_BUF_IOCTL_IMPORT_SYNC_FILE \
	_IOW(DMA_BUF_BASE, 3, struct dma_buf_import_sync_file)
#endif

/*
 * sw_sync (CONFIG_SW_SYNC, debug kernels only): user-space fences, from
 * drivers/dma-buf/sw_sync.c, which has no uapi header.
 */
struct md_sw_sync_create_fence {
	__u32 value;
	char name[32];
	__s32 fence;
};

#define MD_SW_SYNC_IOC_CREATE_FENCE \
	_IOWR('W', 0, struct md_sw_sync_create_fence)
#define MD_SW_SYNC_IOC_INC	_IOW('W', 1, __u32)
#define SW_SYNC	"/sys/kernel/debug/sync/sw_sync"

/*
 * DRM and vgem: libdrm-dev does not ship vgem_drm.h and the C library's
 * headers have no drm.h, so the few ioctls used here are defined here
 * (include/uapi/drm/drm.h and vgem_drm.h, unchanged since 4.x).
 */
struct md_drm_version {
	int major, minor, patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct md_drm_prime_handle {
	__u32 handle;
	__u32 flags;
	__s32 fd;
};

struct md_drm_gem_close {
	__u32 handle;
	__u32 pad;
};

struct md_vgem_fence_attach {
	__u32 handle;
	__u32 flags;
	__u32 out_fence;
	__u32 pad;
};

struct md_vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};

#define MD_DRM_IOCTL_VERSION	_IOWR('d', 0x00, struct md_drm_version)
#define MD_DRM_IOCTL_GEM_CLOSE	_IOW('d', 0x09, struct md_drm_gem_close)
#define MD_DRM_IOCTL_PRIME_HANDLE_TO_FD	_IOWR('d', 0x2d, struct md_drm_prime_handle)
#define MD_DRM_IOCTL_PRIME_FD_TO_HANDLE	_IOWR('d', 0x2e, struct md_drm_prime_handle)
#define MD_VGEM_FENCE_WRITE	0x1
#define MD_VGEM_IOCTL_FENCE_ATTACH \
	_IOWR('d', 0x40 + 0x1, struct md_vgem_fence_attach)
#define MD_VGEM_IOCTL_FENCE_SIGNAL \
	_IOW('d', 0x40 + 0x2, struct md_vgem_fence_signal)

/* vivid's controls: OSD text off and a fixed test pattern. */
#define VIVID_CID_TEST_PATTERN	0x00f0f000
#define VIVID_CID_OSD_TEXT_MODE	0x00f0f001

#define BUFINFO	"/sys/kernel/debug/dma_buf/bufinfo"

static uint64_t st(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/misc/mmapdemo/stats/%s", name);
	return md_stat(path);
}

/* EXPORT_DMABUF on @fd: the new fd, or -1 with errno. */
static int export(int fd, uint64_t off, uint64_t size, uint32_t flags)
{
	struct mmapdemo_dmabuf_export e = {
		.offset = off, .size = size, .flags = flags, .fd = -1,
	};

	if (ioctl(fd, MMAPDEMO_IOC_EXPORT_DMABUF, &e))
		return -1;
	return e.fd;
}

static int dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
}

/* Lines of bufinfo that name mmapdemo as the exporter; -1 without it. */
static int bufinfo_count(const char *what)
{
	char line[512];
	FILE *f = fopen(BUFINFO, "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, what))
			n++;
	fclose(f);
	return n;
}

static int test_export_release(void)
{
	uint64_t live = st("dmabuf_live"), made = st("dmabuf_exports");
	uint64_t rel = st("dmabuf_releases");
	int fd = md_open(O_RDWR), dfd;

	CHECK_OK(fd);
	dfd = export(fd, 0, md_page, O_RDWR | O_CLOEXEC);
	CHECK_OK(dfd);
	CHECK(fcntl(dfd, F_GETFD) & FD_CLOEXEC);
	CHECK((fcntl(dfd, F_GETFL) & O_ACCMODE) == O_RDWR);
	CHECK(st("dmabuf_live") == live + 1);
	CHECK(st("dmabuf_exports") == made + 1);
	CHECK(bufinfo_count("mmapdemo") >= 1, "bufinfo lists no export");
	/* The device file can go first: the export holds the buffer. */
	close(fd);
	CHECK(st("dmabuf_live") == live + 1);
	close(dfd);
	CHECK(st("dmabuf_live") == live, "release did not run");
	CHECK(st("dmabuf_releases") == rel + 1);
	return 0;
}

/*
 * Writes through the dma-buf's mapping show in the device's mapping and
 * in the kernel's CHECKSUM; the kernel's FILL shows in the dma-buf's.
 */
static int test_mmap_both_ways(void)
{
	size_t len = 4 * md_page, off = 2 * md_page;
	int fd = md_open(O_RDWR), dfd;
	uint8_t *dev, *d, data[4 * 4096];
	uint32_t crc;

	CHECK_OK(fd);
	CHECK(len <= sizeof(data));
	dev = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(dev != MAP_FAILED);
	dfd = export(fd, off, len, O_RDWR);
	CHECK_OK(dfd);
	d = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	CHECK(d != MAP_FAILED, "%s", strerror(errno));

	md_random(data, len, 25);
	CHECK_OK(dmabuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	memcpy(d, data, len);
	CHECK_OK(dmabuf_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	CHECK(!memcmp(dev + off, data, len), "device mapping differs");
	CHECK_OK(md_kernel_crc(fd, off, len, &crc));
	CHECK(crc == mmapdemo_crc32c(0, data, len));

	CHECK_OK(md_kernel_fill(fd, off, len, 0x26));
	CHECK_OK(dmabuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	CHECK(mmapdemo_pattern_check(d, off, len, 0x26) == -1);
	CHECK_OK(dmabuf_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	/* A second mapping at an offset into the dma-buf. */
	munmap(d, len);
	d = mmap(NULL, md_page, PROT_READ, MAP_SHARED, dfd, 3 * md_page);
	CHECK(d != MAP_FAILED, "%s", strerror(errno));
	CHECK(mmapdemo_pattern_check(d, off + 3 * md_page, md_page, 0x26) == -1);
	munmap(d, md_page);
	munmap(dev, md_size);
	close(dfd);
	close(fd);
	return 0;
}

static int send_fd(int sock, int fd)
{
	char c = 'F';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * Another process gets the dma-buf over a UNIX socket, with no access to
 * /dev/mmapdemo at all, maps it and writes; the writes are in our pages.
 */
static int test_scm_rights(void)
{
	size_t len = 2 * md_page, off = md_page;
	int fd = md_open(O_RDWR), dfd, sv[2], status;
	uint8_t *dev;
	pid_t pid;

	CHECK_OK(fd);
	dev = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(dev != MAP_FAILED);
	memset(dev + off, 0, len);
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	CHECK_OK(pid);
	if (!pid) {
		int rfd;
		uint8_t *p;

		close(fd);
		rfd = recv_fd(sv[1]);
		if (rfd < 0)
			_exit(2);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
		if (p == MAP_FAILED)
			_exit(3);
		if (dmabuf_sync(rfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE))
			_exit(4);
		memset(p, 0x5a, len);
		dmabuf_sync(rfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
		_exit(0);
	}
	dfd = export(fd, off, len, O_RDWR | O_CLOEXEC);
	CHECK_OK(dfd);
	CHECK_OK(send_fd(sv[0], dfd));
	/* Our copy goes: the one in flight, then the child's, keep it alive. */
	close(dfd);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child status %#x", status);
	CHECK(dev[off] == 0x5a && dev[off + len - 1] == 0x5a);
	munmap(dev, md_size);
	close(sv[0]);
	close(sv[1]);
	close(fd);
	return 0;
}

/* DMA_BUF_SET_NAME shows in fdinfo and bufinfo. */
static int test_name_fdinfo(void)
{
	char path[64], text[1024], want[64];
	int fd = md_open(O_RDWR), dfd, n, f;

	CHECK_OK(fd);
	dfd = export(fd, 0, 3 * md_page, O_RDONLY);
	CHECK_OK(dfd);
	CHECK_OK(ioctl(dfd, DMA_BUF_SET_NAME, "md-test"));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", dfd);
	f = open(path, O_RDONLY);
	CHECK_OK(f);
	n = read(f, text, sizeof(text) - 1);
	close(f);
	CHECK(n > 0);
	text[n] = '\0';
	snprintf(want, sizeof(want), "size:\t%zu\n", (size_t)(3 * md_page));
	CHECK(strstr(text, want), "fdinfo: %s", text);
	CHECK(strstr(text, "exp_name:\tmmapdemo\n"), "fdinfo: %s", text);
	CHECK(strstr(text, "name:\tmd-test\n"), "fdinfo: %s", text);
	CHECK(bufinfo_count("md-test") == 1, "bufinfo: %d", bufinfo_count("md-test"));
	/* The tool shows it, by its name, with the counters. */
	if (getenv("MMAPDEMO_TOOL")) {
		char cmd[256], out[4096];
		FILE *t;
		size_t got;

		snprintf(cmd, sizeof(cmd), "%s exports", getenv("MMAPDEMO_TOOL"));
		t = popen(cmd, "r");
		CHECK(t);
		got = fread(out, 1, sizeof(out) - 1, t);
		out[got] = '\0';
		CHECK(pclose(t) == 0, "%s", out);
		CHECK(strstr(out, ", live 1,") && strstr(out, "\tmmapdemo\t") &&
		      strstr(out, "md-test"), "mmapdemo exports: %s", out);
	}
	close(dfd);
	CHECK(bufinfo_count("md-test") == 0);
	close(fd);
	return 0;
}

static int test_bad_range(void)
{
	uint64_t p = md_page;
	int fd = md_open(O_RDWR);

	CHECK_OK(fd);
	CHECK_ERRNO(export(fd, 1, p, O_RDWR), EINVAL);
	CHECK_ERRNO(export(fd, 0, p + 1, O_RDWR), EINVAL);
	CHECK_ERRNO(export(fd, 0, 0, O_RDWR), EINVAL);
	CHECK_ERRNO(export(fd, p, 0, O_RDWR), EINVAL);
	CHECK_ERRNO(export(fd, 0, md_size + p, O_RDWR), EINVAL);
	CHECK_ERRNO(export(fd, md_size, p, O_RDWR), EINVAL);
	CHECK_ERRNO(export(fd, md_size - p, 2 * p, O_RDWR), EINVAL);
	/* offset + size wraps to 0. */
	CHECK_ERRNO(export(fd, p, -p, O_RDWR), EINVAL);
	CHECK_ERRNO(export(fd, -p, p, O_RDWR), EINVAL);
	CHECK_ERRNO(export(fd, 0, -p, O_RDWR), EINVAL);
	/* The whole buffer is fine. */
	close(export(fd, 0, md_size, O_RDWR));
	close(fd);
	return 0;
}

static int test_bad_flags(void)
{
	int fd = md_open(O_RDWR), ro;

	CHECK_OK(fd);
	CHECK_ERRNO(export(fd, 0, md_page, O_RDWR | O_NONBLOCK), EINVAL);
	CHECK_ERRNO(export(fd, 0, md_page, O_ACCMODE), EINVAL);
	CHECK_ERRNO(export(fd, 0, md_page, 0x80000000u), EINVAL);
	CHECK_ERRNO(export(fd, 0, md_page, O_RDWR | O_APPEND), EINVAL);
	ro = md_open(O_RDONLY);
	CHECK_OK(ro);
	CHECK_ERRNO(export(ro, 0, md_page, O_RDWR), EBADF);
	CHECK_ERRNO(export(ro, 0, md_page, O_WRONLY), EBADF);
	close(export(ro, 0, md_page, O_RDONLY));
	CHECK_ERRNO(ioctl(fd, MMAPDEMO_IOC_EXPORT_DMABUF, (void *)8), EFAULT);
	close(ro);
	close(fd);
	return 0;
}

/* MAP_PRIVATE, growth, writes to a read-only export, past the end. */
static int test_map_refused(void)
{
	size_t len = 2 * md_page;
	int fd = md_open(O_RDWR), dfd, ro;
	void *p;

	CHECK_OK(fd);
	dfd = export(fd, 0, len, O_RDWR);
	CHECK_OK(dfd);
	CHECK_ERRNO(mmap(NULL, len, PROT_READ, MAP_PRIVATE, dfd, 0), EINVAL);
	CHECK_ERRNO(mmap(NULL, 2 * len, PROT_READ, MAP_SHARED, dfd, 0), EINVAL);
	CHECK_ERRNO(mmap(NULL, md_page, PROT_READ, MAP_SHARED, dfd, len), EINVAL);
	p = mmap(NULL, md_page, PROT_READ, MAP_SHARED, dfd, 0);
	CHECK(p != MAP_FAILED);
	CHECK_ERRNO(mremap(p, md_page, len, MREMAP_MAYMOVE), EFAULT);
	munmap(p, md_page);
	ro = export(fd, 0, len, O_RDONLY);
	CHECK_OK(ro);
	CHECK_ERRNO(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0),
		    EACCES);
	close(ro);
	close(dfd);
	close(fd);
	return 0;
}

static int test_sync_flags(void)
{
	int fd = md_open(O_RDWR), dfd;

	CHECK_OK(fd);
	dfd = export(fd, 0, md_page, O_RDWR);
	CHECK_OK(dfd);
	CHECK_ERRNO(dmabuf_sync(dfd, 0xff), EINVAL);
	CHECK_ERRNO(dmabuf_sync(dfd, DMA_BUF_SYNC_START), EINVAL);
	CHECK_OK(dmabuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	CHECK_OK(dmabuf_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	close(dfd);
	close(fd);
	return 0;
}

/*
 * No fd left: every export fails with EMFILE after the dma-buf was made,
 * and each is released again (CVE-2024-56712's loop): counters and
 * bufinfo flat.
 */
static int test_emfile(void)
{
	uint64_t live = st("dmabuf_live"), made = st("dmabuf_exports");
	uint64_t rel = st("dmabuf_releases");
	int fd = md_open(O_RDWR), lowest, i, listed = bufinfo_count("mmapdemo");
	struct rlimit old, lim;
	const int loops = 500;

	CHECK_OK(fd);
	lowest = dup(fd);
	CHECK_OK(lowest);
	close(lowest);
	CHECK_OK(getrlimit(RLIMIT_NOFILE, &old));
	lim = old;
	lim.rlim_cur = lowest;
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &lim));
	for (i = 0; i < loops; i++) {
		errno = 0;
		if (export(fd, 0, md_page, O_RDWR) != -1 || errno != EMFILE)
			break;
	}
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &old));
	CHECK(i == loops, "export %d: %s", i, strerror(errno));
	CHECK(st("dmabuf_exports") == made + loops);
	CHECK(st("dmabuf_releases") == rel + loops);
	CHECK(st("dmabuf_live") == live);
	CHECK(bufinfo_count("mmapdemo") == listed);
	close(fd);
	return 0;
}

static int set_size(uint64_t bytes)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu", (unsigned long long)bytes);
	return md_write_sysfs(MD_PARAM("size"), v);
}

/* A dma-buf's size is fixed for its life: no resize while exported. */
static int test_resize_busy(void)
{
	int fd = md_open(O_RDWR), dfd;

	CHECK_OK(fd);
	dfd = export(fd, 0, md_page, O_RDWR);
	CHECK_OK(dfd);
	close(fd);
	CHECK_ERRNO(set_size(md_size), EBUSY);
	CHECK_ERRNO(md_write_sysfs("/sys/class/misc/mmapdemo/size", "8M"), EBUSY);
	close(dfd);
	CHECK_OK(set_size(md_size));
	return 0;
}

/* A live dma-buf, even only mapped, pins the module. */
static int test_rmmod_busy(void)
{
	int fd = md_open(O_RDWR), dfd;
	void *p;

	CHECK_OK(fd);
	dfd = export(fd, 0, md_page, O_RDWR);
	CHECK_OK(dfd);
	close(fd);
	CHECK_ERRNO(md_unload(), EWOULDBLOCK);
	p = mmap(NULL, md_page, PROT_READ, MAP_SHARED, dfd, 0);
	CHECK(p != MAP_FAILED);
	close(dfd);
	CHECK_ERRNO(md_unload(), EWOULDBLOCK);
	munmap(p, md_page);
	CHECK_OK(md_unload());
	CHECK_OK(md_load(""));
	return 0;
}

/*
 * A fence put into the export's reservation object from user space
 * (a sw_sync fence, DMA_BUF_IOCTL_IMPORT_SYNC_FILE) makes poll() and
 * DMA_BUF_IOCTL_SYNC wait until it is signalled: the debug kernels'
 * counterpart of the vgem test.
 */
static int test_sw_sync_fence(void)
{
	struct md_sw_sync_create_fence cf = { .value = 1, .name = "md" };
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
	int fd = md_open(O_RDWR), dfd, tl, status;
	struct pollfd pfd;
	__u32 one = 1;
	pid_t pid;

	CHECK_OK(fd);
	tl = open(SW_SYNC, O_RDWR | O_CLOEXEC);
	CHECK(tl >= 0, "%s: %s (CONFIG_SW_SYNC)", SW_SYNC, strerror(errno));
	dfd = export(fd, 0, 4 * md_page, O_RDWR | O_CLOEXEC);
	CHECK_OK(dfd);
	CHECK_OK(ioctl(tl, MD_SW_SYNC_IOC_CREATE_FENCE, &cf));
	imp.fd = cf.fence;
	CHECK_OK(ioctl(dfd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp));
	close(cf.fence);
	pfd.fd = dfd;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 100) == 0, "poll did not wait for the fence");
	pid = fork();
	CHECK_OK(pid);
	if (!pid)
		_exit(dmabuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ) ? 1 : 0);
	usleep(200 * 1000);
	CHECK(waitpid(pid, &status, WNOHANG) == 0, "SYNC did not wait");
	CHECK_OK(ioctl(tl, MD_SW_SYNC_IOC_INC, &one));
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status));
	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN));
	close(tl);
	close(dfd);
	close(fd);
	return 0;
}

/* ---- vivid: a real driver writes frames into our pages ---------------- */

/* The node vivid_open() found last. */
static char vivid_path[32];

/* The first /dev/videoN whose driver is vivid, open; -1 if none. */
static int vivid_open(void)
{
	char *path = vivid_path;
	int i, fd;

	for (i = 0; i < 64; i++) {
		struct v4l2_capability cap;

		snprintf(path, sizeof(vivid_path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.driver, "vivid") &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE))
			return fd;
		close(fd);
	}
	return -1;
}

static int vivid_setup(int vfd, struct v4l2_format *fmt)
{
	struct v4l2_control osd = { .id = VIVID_CID_OSD_TEXT_MODE, .value = 2 };
	struct v4l2_control pat = { .id = VIVID_CID_TEST_PATTERN, .value = 0 };

	if (ioctl(vfd, VIDIOC_S_CTRL, &osd) || ioctl(vfd, VIDIOC_S_CTRL, &pat))
		return -1;
	memset(fmt, 0, sizeof(*fmt));
	fmt->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	return ioctl(vfd, VIDIOC_G_FMT, fmt);
}

static int vivid_reqbufs(int vfd, unsigned int count, unsigned int memory)
{
	struct v4l2_requestbuffers rb = {
		.count = count,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = memory,
	};

	if (ioctl(vfd, VIDIOC_REQBUFS, &rb))
		return -1;
	return rb.count;
}

static int vivid_stream(int vfd, bool on)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	return ioctl(vfd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type);
}

/* DQBUF, waiting at most 10 s for a frame (ETIMEDOUT). */
static int vivid_dqbuf(int vfd, unsigned int memory, struct v4l2_buffer *b)
{
	struct pollfd p = { .fd = vfd, .events = POLLIN };

	if (poll(&p, 1, 10000) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	memset(b, 0, sizeof(*b));
	b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b->memory = memory;
	return ioctl(vfd, VIDIOC_DQBUF, b);
}

/* One frame captured the usual way (V4L2_MEMORY_MMAP), into @ref. */
static int vivid_reference(int vfd, uint8_t *ref, size_t len)
{
	struct v4l2_buffer b;
	void *maps[2];
	size_t lens[2];
	unsigned int i;

	if (vivid_reqbufs(vfd, 2, V4L2_MEMORY_MMAP) < 2)
		return -1;
	for (i = 0; i < 2; i++) {
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		if (ioctl(vfd, VIDIOC_QUERYBUF, &b))
			return -1;
		lens[i] = b.length;
		maps[i] = mmap(NULL, b.length, PROT_READ, MAP_SHARED, vfd,
			       b.m.offset);
		if (maps[i] == MAP_FAILED || ioctl(vfd, VIDIOC_QBUF, &b))
			return -1;
	}
	if (vivid_stream(vfd, true) || vivid_dqbuf(vfd, V4L2_MEMORY_MMAP, &b))
		return -1;
	memcpy(ref, maps[b.index], len);
	vivid_stream(vfd, false);
	for (i = 0; i < 2; i++)
		munmap(maps[i], lens[i]);
	return vivid_reqbufs(vfd, 0, V4L2_MEMORY_MMAP) < 0 ? -1 : 0;
}

#define MARK	0xa5

/* user/examples/dmabuf_capture does what it says, with vivid. */
static int run_example(size_t img)
{
	char cmd[256], out[512], want[64];
	size_t got;
	FILE *t;

	snprintf(cmd, sizeof(cmd), "%s/examples/dmabuf_capture %s",
		 getenv("USERBUILD") ?: ".", vivid_path);
	t = popen(cmd, "r");
	CHECK(t);
	got = fread(out, 1, sizeof(out) - 1, t);
	out[got] = '\0';
	CHECK(pclose(t) == 0, "%s: %s", cmd, out);
	snprintf(want, sizeof(want), "frame of %zu bytes", img);
	CHECK(strstr(out, want), "%s: %s", cmd, out);
	CHECK(st("dmabuf_live") == 0, "the example left an export");
	return 0;
}

/*
 * vivid captures into two exports of our buffer (V4L2_MEMORY_DMABUF);
 * the frame, read through /dev/mmapdemo's own mapping, is the reference
 * byte for byte, and the marker after it is intact. Closing the video fd
 * releases everything.
 */
static int test_vivid(void)
{
	uint64_t live = st("dmabuf_live"), rel = st("dmabuf_releases");
	int fd = md_open(O_RDWR), vfd = vivid_open(), dfd[2], i;
	struct v4l2_format fmt;
	struct v4l2_buffer b;
	size_t img, span, off[2];
	uint8_t *dev, *ref;

	CHECK_OK(fd);
	CHECK(vfd >= 0, "no vivid capture device (modprobe vivid?)");
	CHECK_OK(vivid_setup(vfd, &fmt));
	img = fmt.fmt.pix.sizeimage;
	span = (img + md_page - 1) / md_page * md_page;
	CHECK(img && 2 * span + md_page <= md_size, "sizeimage %zu", img);
	ref = malloc(img);
	CHECK(ref);
	CHECK_OK(vivid_reference(vfd, ref, img));

	dev = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(dev != MAP_FAILED);
	memset(dev, MARK, 2 * span + md_page);
	off[0] = 0;
	off[1] = span + md_page;	/* a page of marker between the two */
	CHECK(vivid_reqbufs(vfd, 2, V4L2_MEMORY_DMABUF) >= 2);
	for (i = 0; i < 2; i++) {
		dfd[i] = export(fd, off[i], span, O_RDWR | O_CLOEXEC);
		CHECK_OK(dfd[i]);
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_DMABUF;
		b.index = i;
		b.m.fd = dfd[i];
		b.length = span;
		CHECK_OK(ioctl(vfd, VIDIOC_QBUF, &b));
	}
	CHECK(st("dmabuf_vmapped") >= 1, "vivid did not vmap");
	CHECK_OK(vivid_stream(vfd, true));
	CHECK_OK(vivid_dqbuf(vfd, V4L2_MEMORY_DMABUF, &b));
	CHECK_OK(vivid_stream(vfd, false));
	CHECK(b.index < 2 && b.bytesused == img, "index %u bytesused %u",
	      b.index, b.bytesused);
	CHECK(!memcmp(dev + off[b.index], ref, img),
	      "frame in our pages differs from the MMAP reference");
	for (i = img; i < (int)span; i++)
		CHECK(dev[off[b.index] + i] == MARK, "marker at %d", i);
	for (i = 0; i < (int)md_page; i++)
		CHECK(dev[span + i] == MARK, "marker between exports at %d", i);

	/* vivid holds the dma-bufs until REQBUFS(0) or close. */
	close(dfd[0]);
	close(dfd[1]);
	CHECK(st("dmabuf_live") == live + 2);
	close(vfd);
	CHECK(st("dmabuf_live") == live, "release did not run");
	CHECK(st("dmabuf_releases") == rel + 2);
	CHECK(st("dmabuf_vmapped") == 0 && st("dmabuf_attached") == 0);
	CHECK(bufinfo_count("mmapdemo") == 0);
	munmap(dev, md_size);
	free(ref);
	close(fd);
	return md_mode == MMAPDEMO_MODE_FAULT ? run_example(img) : 0;
}

/* Physical frame numbers of our buffer's pages, from a fault-mode map. */
static int buffer_pfns(int fd, uint64_t *pfn, size_t n)
{
	volatile uint8_t *p = md_map(fd, n * md_page, PROT_READ, MAP_SHARED, 0);
	int pm = open("/proc/self/pagemap", O_RDONLY);
	size_t i;

	if (p == MAP_FAILED || pm < 0)
		return -1;
	for (i = 0; i < n; i++)
		(void)p[i * md_page];
	for (i = 0; i < n; i++) {
		uint64_t e;

		if (pread(pm, &e, 8, ((uintptr_t)p / md_page + i) * 8) != 8)
			return -1;
		pfn[i] = e & ((1ull << 55) - 1);
	}
	close(pm);
	munmap((void *)p, n * md_page);
	return 0;
}

/*
 * vivid with allocators=1 (dma-contig) maps the dma-buf for its device
 * and needs it physically contiguous: an export inside one contiguous run
 * of our buffer captures the reference frame, one across a discontinuity
 * fails at QBUF with EFAULT ("contiguous chunk is too small").
 */
static int test_vivid_contig(void)
{
	/*
	 * Sizes whose tail is made of small blocks (order 1 and 0, from the
	 * per-CPU free lists, not next to the big block before them): the
	 * default 4 MiB buffer is often one contiguous run.
	 */
	static const uint64_t sizes[] = { (2 << 20) + 3 * 4096,
					  (2 << 20) + 7 * 4096,
					  (2 << 20) + 11 * 4096 };
	size_t n = 0, i, k, start, bad = ~0ul, img, span, pages, ngood = 0;
	size_t good[2];
	int fd = -1, vfd, dfd[2];
	static uint64_t pfn[(2 << 20) / 4096 + 16];
	struct v4l2_format fmt;
	struct v4l2_buffer b;
	uint8_t *dev, *ref;

	CHECK_OK(system("modprobe -r vivid"));
	CHECK_OK(system("modprobe vivid n_devs=1 node_types=0x1 allocators=1"));
	vfd = vivid_open();
	CHECK(vfd >= 0);
	CHECK_OK(vivid_setup(vfd, &fmt));
	img = fmt.fmt.pix.sizeimage;
	span = (img + md_page - 1) / md_page * md_page;
	pages = span / md_page;
	for (k = 0; k < ARRAY_SIZE(sizes) && (bad == ~0ul || ngood < 2); k++) {
		if (fd >= 0)
			close(fd);
		CHECK_OK(set_size(sizes[k]));
		fd = md_open_mode(O_RDWR, MMAPDEMO_MODE_FAULT);
		CHECK_OK(fd);
		n = sizes[k] / md_page;
		CHECK(n <= ARRAY_SIZE(pfn) && n >= pages);
		CHECK_OK(buffer_pfns(fd, pfn, n));
		bad = ~0ul;
		ngood = 0;
		for (i = 1, start = 0; i <= n; i++) {
			size_t from;

			if (i < n && pfn[i] == pfn[i - 1] + 1)
				continue;
			/* Contiguous slots for the two buffers vivid needs. */
			for (from = start; from + pages <= i && ngood < 2;
			     from += pages)
				good[ngood++] = from;
			/* An export with this discontinuity inside it. */
			from = i > n - pages ? n - pages : i - 1;
			if (i < n && bad == ~0ul && from < i)
				bad = from;
			start = i;
		}
	}
	CHECK(ngood == 2, "no two contiguous runs of %zu pages", pages);
	CHECK(bad != ~0ul, "no discontinuity in %zu tries", ARRAY_SIZE(sizes));
	md_diag("contiguous exports at pages %zu and %zu, discontiguous at page %zu of %zu",
		good[0], good[1], bad, n);
	ref = malloc(img);
	CHECK(ref);
	CHECK_OK(vivid_reference(vfd, ref, img));
	dev = md_map(fd, n * md_page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(dev != MAP_FAILED);
	CHECK(vivid_reqbufs(vfd, 2, V4L2_MEMORY_DMABUF) >= 2);

	dfd[0] = export(fd, bad * md_page, span, O_RDWR);
	CHECK_OK(dfd[0]);
	memset(&b, 0, sizeof(b));
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = V4L2_MEMORY_DMABUF;
	b.index = 0;
	b.m.fd = dfd[0];
	b.length = span;
	CHECK_ERRNO(ioctl(vfd, VIDIOC_QBUF, &b), EFAULT);
	close(dfd[0]);

	for (k = 0; k < 2; k++) {
		memset(dev + good[k] * md_page, MARK, span);
		dfd[k] = export(fd, good[k] * md_page, span, O_RDWR);
		CHECK_OK(dfd[k]);
		b.index = k;
		b.m.fd = dfd[k];
		CHECK_OK(ioctl(vfd, VIDIOC_QBUF, &b));
	}
	CHECK(st("dmabuf_mapped") == 2, "dma-contig did not map");
	CHECK_OK(vivid_stream(vfd, true));
	CHECK_OK(vivid_dqbuf(vfd, V4L2_MEMORY_DMABUF, &b));
	CHECK_OK(vivid_stream(vfd, false));
	CHECK(b.index < 2);
	CHECK(!memcmp(dev + good[b.index] * md_page, ref, img),
	      "frame in our pages differs from the MMAP reference");
	for (i = img; i < span; i++)
		CHECK(dev[good[b.index] * md_page + i] == MARK, "marker at %zu", i);
	close(vfd);
	close(dfd[0]);
	close(dfd[1]);
	CHECK(st("dmabuf_live") == 0 && st("dmabuf_mapped") == 0);
	munmap(dev, n * md_page);
	free(ref);
	close(fd);
	CHECK_OK(set_size(md_size));
	return 0;
}

/* ---- vgem: a DRM driver imports, fences ------------------------------- */

static int vgem_open(void)
{
	char path[32], name[16];
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct md_drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, MD_DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

static bool kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return false;
	return a > maj || (a == maj && b >= min);
}

/*
 * vgem imports our dma-buf (attach; also map up to 6.12), exports it
 * again as the same file, puts a write fence into its reservation object
 * that blocks poll() and DMA_BUF_IOCTL_SYNC until signalled, and detaches
 * when the GEM handle is closed.
 */
static int test_vgem(void)
{
	uint64_t live = st("dmabuf_live");
	int fd = md_open(O_RDWR), gfd = vgem_open(), dfd, status;
	struct md_drm_prime_handle ph = { .flags = 0 };
	struct md_vgem_fence_attach fa = { .flags = MD_VGEM_FENCE_WRITE };
	struct md_vgem_fence_signal fs = { 0 };
	struct md_drm_gem_close gc = { 0 };
	struct pollfd pfd;
	struct stat s1, s2;
	pid_t pid;

	CHECK_OK(fd);
	CHECK(gfd >= 0, "no vgem device (modprobe vgem?)");
	dfd = export(fd, md_page, 32 * md_page, O_RDWR | O_CLOEXEC);
	CHECK_OK(dfd);
	ph.fd = dfd;
	CHECK_OK(ioctl(gfd, MD_DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph));
	CHECK(st("dmabuf_attached") == 1);
	if (kernel_at_least(7, 0))
		CHECK(st("dmabuf_mapped") == 0);
	else
		CHECK(st("dmabuf_mapped") == 1, "vgem did not map");

	/* Re-export: the same dma-buf, so the same inode. */
	ph.flags = O_CLOEXEC | O_RDWR;
	ph.fd = -1;
	CHECK_OK(ioctl(gfd, MD_DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph));
	CHECK_OK(fstat(dfd, &s1));
	CHECK_OK(fstat(ph.fd, &s2));
	CHECK(s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev);
	close(ph.fd);

	fa.handle = ph.handle;
	CHECK_OK(ioctl(gfd, MD_VGEM_IOCTL_FENCE_ATTACH, &fa));
	pfd.fd = dfd;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 100) == 0, "poll did not wait for the fence");
	pid = fork();
	CHECK_OK(pid);
	if (!pid)
		_exit(dmabuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ) ? 1 : 0);
	usleep(200 * 1000);
	CHECK(waitpid(pid, &status, WNOHANG) == 0, "SYNC did not wait");
	fs.fence = fa.out_fence;
	CHECK_OK(ioctl(gfd, MD_VGEM_IOCTL_FENCE_SIGNAL, &fs));
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status));
	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN));
	dmabuf_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);

	gc.handle = ph.handle;
	CHECK_OK(ioctl(gfd, MD_DRM_IOCTL_GEM_CLOSE, &gc));
	CHECK(st("dmabuf_attached") == 0, "no detach at GEM_CLOSE");
	CHECK(st("dmabuf_mapped") == 0);
	close(dfd);
	CHECK(st("dmabuf_live") == live);
	close(gfd);
	close(fd);
	return 0;
}

static const struct md_test tests[] = {
	{ "export_release", test_export_release, 0, MD_BOTH },
	{ "mmap_both_ways", test_mmap_both_ways, 0, MD_BOTH },
	{ "scm_rights", test_scm_rights, 0, MD_BOTH },
	{ "name_fdinfo", test_name_fdinfo, 0, MD_FAULT },
	{ "bad_range", test_bad_range, 0, MD_FAULT },
	{ "bad_flags", test_bad_flags, 0, MD_FAULT },
	{ "map_refused", test_map_refused, 0, MD_BOTH },
	{ "sync_flags", test_sync_flags, 0, MD_FAULT },
	{ "emfile", test_emfile, 0, MD_FAULT },
	{ "resize_busy", test_resize_busy, 0, MD_FAULT },
	{ "rmmod_busy", test_rmmod_busy, 0, MD_FAULT },
	{ "vivid", test_vivid, 0, MD_BOTH },
	{ "vgem", test_vgem, 0, MD_BOTH },
	/* Last: it leaves vivid loaded with allocators=1. */
	{ "vivid_contig", test_vivid_contig, 0, MD_REMAP },
};

/*
 * Where vivid and vgem are missing (the debug kernels, which have
 * sw_sync instead): the mapping, lifetime and fence paths, under KASAN,
 * lockdep and PAGE_TABLE_CHECK; the argument checks run on every stock
 * kernel and in KUnit.
 */
static const struct md_test debug_tests[] = {
	{ "export_release", test_export_release, 0, MD_BOTH },
	{ "mmap_both_ways", test_mmap_both_ways, 0, MD_BOTH },
	{ "map_refused", test_map_refused, 0, MD_BOTH },
	{ "emfile", test_emfile, 0, MD_FAULT },
	{ "rmmod_busy", test_rmmod_busy, 0, MD_FAULT },
	{ "sw_sync_fence", test_sw_sync_fence, 0, MD_FAULT },
};

int main(int argc, char **argv)
{
	const char *imp = getenv("MD_DMABUF_IMPORTERS");

	if (imp && !strcmp(imp, "none")) {
		fprintf(stderr, "dmabuf: no vivid and vgem: the debug set\n");
		return md_main(argc, argv, debug_tests, ARRAY_SIZE(debug_tests));
	}
	return md_main(argc, argv, tests, ARRAY_SIZE(tests));
}
