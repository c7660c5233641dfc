// SPDX-License-Identifier: GPL-2.0
/*
 * Guest tests of the module's lifetime rules, in both map modes:
 * unloading while mapped, resizing through the size parameter, and the
 * load-time parameters. They unload and reload the module (the path is in
 * $MMAPDEMO_KO) and leave it loaded with its defaults.
 */
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* rmmod fails while anything is mapped, succeeds after munmap. */
static int t_rmmod_while_mapped(void)
{
	int fd = md_open(O_RDWR);
	uint8_t *p;
	char c;

	CHECK_OK(fd);
	p = md_map(fd, md_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK_OK(close(fd));
	/* The mapping's file pins the module (fops->owner). */
	CHECK_ERRNO(md_unload(), EWOULDBLOCK);
	p[md_size - 1] = 'z';
	fd = md_open(O_RDONLY);
	CHECK_OK(fd);
	CHECK(pread(fd, &c, 1, md_size - 1) == 1 && c == 'z',
	      "mapping broken by the refused unload");
	CHECK_OK(close(fd));
	CHECK_ERRNO(md_unload(), EWOULDBLOCK);
	CHECK_OK(munmap(p, md_size));
	CHECK_OK(md_unload());
	CHECK(access("/dev/mmapdemo", F_OK) == -1, "device node left behind");
	CHECK_OK(md_load(""));
	return 0;
}

/* A forked child's copy of the mapping pins the module as well. */
static int t_rmmod_pinned_by_child(void)
{
	int fd = md_open(O_RDWR), status, pfd[2];
	uint8_t *p;
	pid_t pid;
	char c;

	CHECK_OK(fd);
	CHECK_OK(pipe(pfd));
	p = md_map(fd, md_page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	pid = fork();
	CHECK_OK(pid);
	if (!pid) {
		close(pfd[1]);
		/* Wait for the parent, then use the mapping. */
		if (read(pfd[0], &c, 1) != 1)
			_exit(2);
		p[1] = 'c';
		_exit(0);
	}
	close(fd);
	CHECK_OK(munmap(p, md_page));
	CHECK_ERRNO(md_unload(), EWOULDBLOCK);
	CHECK(write(pfd[1], "x", 1) == 1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "child failed");
	CHECK_OK(md_unload());
	CHECK_OK(md_load(""));
	return 0;
}

/* Resize through the size parameter: EBUSY while mapped. */
static int t_resize_while_mapped_ebusy(void)
{
	int fd = md_open(O_RDWR);
	struct mmapdemo_info info;
	char val[32];
	uint8_t *p;

	CHECK_OK(fd);
	p = md_map(fd, md_page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	p[0] = 'k';
	CHECK_ERRNO(md_write_sysfs(MD_PARAM("size"), "8M"), EBUSY);
	CHECK_OK(md_read_sysfs(MD_PARAM("size"), val, sizeof(val)));
	CHECK(strtoull(val, NULL, 10) == md_size, "size changed to %s", val);
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_INFO, &info));
	CHECK(info.size == md_size);
	CHECK(p[0] == 'k', "mapped data lost");
	CHECK_OK(munmap(p, md_page));
	return 0;
}

/* The size parameter resizes when nothing maps it, open files included. */
static int t_resize_unmapped(void)
{
	int fd = md_open(O_RDWR), fd2;
	struct mmapdemo_info info;
	char val[32];
	uint8_t *p;

	CHECK_OK(fd);
	p = md_map(fd, md_page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK_OK(munmap(p, md_page));
	/* Two pages and a byte (10000 with 4 KiB pages) round up to three. */
	snprintf(val, sizeof(val), "%ld", 2 * md_page + 1);
	CHECK_OK(md_write_sysfs(MD_PARAM("size"), val));
	CHECK_OK(md_read_sysfs(MD_PARAM("size"), val, sizeof(val)));
	CHECK(strtoull(val, NULL, 10) == 3 * (uint64_t)md_page, "size %s",
	      val);
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_INFO, &info));
	CHECK(info.size == 3 * (uint64_t)md_page, "open file sees old size");
	CHECK_OK(md_write_sysfs(MD_PARAM("size"), "8M"));
	fd2 = md_open(O_RDWR);
	CHECK_OK(fd2);
	p = md_map(fd2, 8 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap of the grown buffer: %s",
	      strerror(errno));
	CHECK(p[(8 << 20) - 1] == 0, "new buffer not zeroed");
	CHECK_ERRNO(md_map(fd2, md_page, PROT_READ, MAP_SHARED, 8 << 20),
		    EINVAL);
	CHECK_OK(munmap(p, 8 << 20));
	/* Back to the size the suite started with. */
	snprintf(val, sizeof(val), "%llu", (unsigned long long)md_size);
	CHECK_OK(md_write_sysfs(MD_PARAM("size"), val));
	return 0;
}

/* Bad parameter values are refused and change nothing. */
static int t_bad_params_einval(void)
{
	static const char *const sizes[] = {
		"0", "abc", "-4096", "4X", "\n", "99999999999999999999",
		"99999999999G", "1T",
	};
	char val[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		errno = 0;
		CHECK(md_write_sysfs(MD_PARAM("size"), sizes[i]) == -1 &&
		      errno == EINVAL, "size=\"%s\": %s", sizes[i],
		      strerror(errno));
	}
	CHECK_ERRNO(md_write_sysfs(MD_PARAM("map_mode"), "lazy"), EINVAL);
	CHECK_OK(md_read_sysfs(MD_PARAM("size"), val, sizeof(val)));
	CHECK(strtoull(val, NULL, 10) == md_size);
	CHECK_OK(md_read_sysfs(MD_PARAM("map_mode"), val, sizeof(val)));
	CHECK(!strcmp(val, "fault"), "map_mode %s", val);
	/* At load time too: the load fails, nothing is left behind. */
	CHECK_OK(md_unload());
	CHECK_ERRNO(md_load("size=0"), EINVAL);
	CHECK_ERRNO(md_load("map_mode=eager"), EINVAL);
	CHECK_ERRNO(md_load("dev_mode=01777"), EINVAL);
	CHECK(access(MD_SYSFS_MODULE, F_OK) == -1);
	CHECK_OK(md_load(""));
	return 0;
}

/* The map_mode parameter picks the mode of newly opened files. */
static int t_map_mode_param(void)
{
	struct mmapdemo_info info;
	const char *name = md_mode == MMAPDEMO_MODE_REMAP ? "remap" : "fault";
	int fd;

	CHECK_OK(md_reload(md_mode == MMAPDEMO_MODE_REMAP ?
			   "map_mode=remap size=64K" : "size=64K"));
	fd = open(MMAPDEMO_DEVICE, O_RDWR);
	CHECK_OK(fd);
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_INFO, &info));
	CHECK(info.map_mode == (uint32_t)md_mode, "file mode %u",
	      info.map_mode);
	CHECK(info.default_mode == (uint32_t)md_mode);
	CHECK(info.size == 64 << 10, "size %llu",
	      (unsigned long long)info.size);
	close(fd);
	CHECK_OK(md_write_sysfs(MD_PARAM("map_mode"),
				md_mode == MMAPDEMO_MODE_REMAP ? "fault" :
				"remap"));
	fd = open(MMAPDEMO_DEVICE, O_RDWR);
	CHECK_OK(ioctl(fd, MMAPDEMO_IOC_INFO, &info));
	CHECK(info.map_mode == (uint32_t)!md_mode, "runtime change ignored");
	close(fd);
	(void)name;
	CHECK_OK(md_reload(""));
	return 0;
}

/* dev_mode widens who may open the device. */
static int t_dev_mode_param(void)
{
	struct stat st;
	int status;
	pid_t pid;

	CHECK_OK(md_reload("dev_mode=0666"));
	CHECK_OK(stat(MMAPDEMO_DEVICE, &st));
	CHECK((st.st_mode & 0777) == 0666, "mode %o", st.st_mode & 0777);
	pid = fork();
	CHECK_OK(pid);
	if (!pid) {
		int fd;
		uint8_t *p;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		fd = md_open(O_RDWR);
		if (fd < 0)
			_exit(3);
		p = mmap(NULL, md_page, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
		if (p == MAP_FAILED)
			_exit(4);
		p[0] = 1;
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	CHECK(WEXITSTATUS(status) == 0, "non-root user failed at step %d",
	      WEXITSTATUS(status));
	CHECK_OK(md_reload(""));
	CHECK_OK(stat(MMAPDEMO_DEVICE, &st));
	CHECK((st.st_mode & 0777) == 0600, "default mode %o",
	      st.st_mode & 0777);
	return 0;
}

/*
 * Free memory in kB: MemFree plus the pages parked on the per-CPU free
 * lists (/proc/zoneinfo "count:"), which MemFree leaves out. Freed 2 MiB
 * blocks of a huge buffer go to those lists first, and 6.7+ lets them
 * grow to many MiB, so MemFree alone can miss a whole buffer's worth.
 */
static long mem_free_kb(void)
{
	char line[128];
	long kb = -1, pcp = 0, n;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &n) == 1)
			pcp += n;
	fclose(f);
	return kb < 0 ? -1 : kb + pcp * (md_page / 1024);
}

static void flush_page_cache(void)
{
	sync();
	/* Page cache from 9p reads would blur the count; best effort. */
	md_write_sysfs("/proc/sys/vm/drop_caches", "3");
}

/*
 * kmemleak does not track alloc_pages(), so count free memory instead:
 * a 128 MiB buffer, fully faulted in, mapped, unmapped and unloaded must
 * give its pages back. Frees can lag (RCU, deferred page-table frees),
 * so the last count is retried for up to five seconds.
 */
static int t_no_page_leak(void)
{
	const size_t size = 128 << 20;
	const long slack_kb = 32 * 1024;	/* unrelated activity */
	long before, loaded, after;
	uint8_t *p;
	size_t i;
	int fd, tries;

	CHECK_OK(md_unload());
	flush_page_cache();
	before = mem_free_kb();
	CHECK_OK(md_load("size=128M"));
	fd = md_open(O_RDWR);
	CHECK_OK(fd);
	p = md_map(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < size; i += md_page)
		p[i] = (uint8_t)i;
	loaded = mem_free_kb();
	CHECK_OK(munmap(p, size));
	CHECK_OK(close(fd));
	CHECK_OK(md_unload());
	for (tries = 0; tries < 50; tries++) {
		flush_page_cache();
		after = mem_free_kb();
		if (after <= 0 || before - after < slack_kb)
			break;
		usleep(100 * 1000);
	}
	CHECK(before > 0 && loaded > 0 && after > 0, "/proc/meminfo");
	/* The test can see the buffer at all ... */
	CHECK(before - loaded > 112 * 1024,
	      "buffer not visible: %ld kB (free %ld, then %ld)",
	      before - loaded, before, loaded);
	/* ... and it all came back. */
	CHECK(before - after < slack_kb,
	      "%ld kB not returned (free %ld, loaded %ld, after %ld)",
	      before - after, before, loaded, after);
	CHECK_OK(md_load(""));
	return 0;
}

static const struct md_test tests[] = {
	{ "rmmod_while_mapped", t_rmmod_while_mapped, 0, MD_BOTH },
	{ "rmmod_pinned_by_child", t_rmmod_pinned_by_child, 0, MD_BOTH },
	{ "resize_while_mapped_ebusy", t_resize_while_mapped_ebusy, 0,
	  MD_BOTH },
	{ "resize_unmapped", t_resize_unmapped, 0, MD_BOTH },
	{ "bad_params_einval", t_bad_params_einval, 0, MD_BOTH },
	{ "map_mode_param", t_map_mode_param, 0, MD_BOTH },
	{ "dev_mode_param", t_dev_mode_param, 0, MD_BOTH },
	{ "no_page_leak", t_no_page_leak, 0, MD_BOTH },
};

int main(int argc, char **argv)
{
	return md_main(argc, argv, tests, ARRAY_SIZE(tests));
}
