// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The subcommands that use the device: info, fill, dump, verify,
 * write-from, read-to, watch, stats and exports.  All data moves through a mapping
 * of the buffer (or, for fill and verify's checksums, through the kernel's
 * own view of it); none of it goes through read()/write() on the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"

#define DUMP_DEFAULT_LENGTH	256

struct range {
	uint64_t offset;
	uint64_t length;
};

/* A mapping of the pages around a range; p points at range->offset. */
struct view {
	void *base;
	size_t maplen;
	unsigned char *p;
	size_t len;
};

/*
 * Turn --offset/--length into a range inside the buffer.  An explicit
 * length of 0 means up to the end; without --length, def_len bytes (0: up
 * to the end), cut at the end of the buffer.
 */
static int resolve_range(const struct cli *c, const struct mmapdemo_info *info,
			 uint64_t offset, bool have_len, uint64_t length,
			 uint64_t def_len, struct range *r)
{
	uint64_t avail;

	if (offset >= info->size) {
		cli_error(c,
			  "offset %llu is past the end of the buffer (%llu bytes)",
			  (unsigned long long)offset,
			  (unsigned long long)info->size);
		return EXIT_FAIL;
	}
	avail = info->size - offset;
	if (!have_len)
		length = def_len && def_len < avail ? def_len : avail;
	else if (!length)
		length = avail;
	if (length > avail) {
		cli_error(c,
			  "offset + length (%llu + %llu) is past the end of the buffer (%llu bytes)",
			  (unsigned long long)offset,
			  (unsigned long long)length,
			  (unsigned long long)info->size);
		return EXIT_FAIL;
	}
	if (length > SIZE_MAX) {
		cli_error(c, "length %" PRIu64 " does not fit in memory",
			  length);
		return EXIT_FAIL;
	}
	r->offset = offset;
	r->length = length;
	return EXIT_OK;
}

static int view_map(const struct cli *c, struct mmapdemo *md,
		    const struct mmapdemo_info *info, const struct range *r,
		    int prot, struct view *v)
{
	uint64_t page = info->page_size ? info->page_size :
					  (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = r->offset / page * page;
	uint64_t end = (r->offset + r->length + page - 1) / page * page;
	int err;

	memset(v, 0, sizeof(*v));
	err = mmapdemo_map(md, start, end - start, prot, MAP_SHARED,
			   &v->base);
	if (err) {
		cli_error(c, "mmap of bytes %" PRIu64 "-%" PRIu64 ": %s", start,
			  end, mmapdemo_strerror(err));
		return cli_exit_code(err) == EXIT_PERM ? EXIT_PERM : EXIT_FAIL;
	}
	v->maplen = end - start;
	v->p = (unsigned char *)v->base + (r->offset - start);
	v->len = r->length;
	return EXIT_OK;
}

static void view_unmap(struct view *v)
{
	if (v->base)
		mmapdemo_unmap(v->base, v->maplen);
	v->base = NULL;
}

int cmd_info(struct cli *c, int argc, char **argv)
{
	char paths[MMAPDEMO_MAX_DEVICES][32];
	const char *devices[MMAPDEMO_MAX_DEVICES];
	struct mmapdemo_info infos[MMAPDEMO_MAX_DEVICES];
	struct mmapdemo *md = NULL;
	unsigned int n = 1, i;
	struct cli one;
	bool json = false;
	int ret;

	if (!cli_json_only(c, argc, argv, &json))
		return c->exit;

	/* Without --device: every device the module made, in order. */
	one = *c;
	devices[0] = c->device;
	if (!c->device_set)
		n = cli_nr_devices();
	for (i = 0; i < n; i++) {
		if (!c->device_set) {
			mmapdemo_device_path(i, paths[i], sizeof(paths[i]));
			devices[i] = paths[i];
		}
		one.device = devices[i];
		ret = cli_open(&one, O_RDONLY, -1, &md, &infos[i]);
		if (ret)
			return ret;
		mmapdemo_unref(md);
	}
	if (json && n > 1) {
		format_info_json_array(stdout, devices, infos, n);
		return EXIT_OK;
	}
	for (i = 0; i < n; i++) {
		if (i)
			putchar('\n');
		if (json)
			format_info_json(stdout, devices[i], &infos[i]);
		else
			format_info_text(stdout, devices[i], &infos[i]);
	}
	return EXIT_OK;
}

int cmd_stats(struct cli *c, int argc, char **argv)
{
	struct mmapdemo_stats stats;
	struct mmapdemo_info info;
	struct mmapdemo *md = NULL;
	bool json;
	int ret, err;

	if (!cli_json_only(c, argc, argv, &json))
		return c->exit;

	ret = cli_open(c, O_RDONLY, -1, &md, &info);
	if (ret)
		return ret;
	err = mmapdemo_get_stats(md, &stats);
	mmapdemo_unref(md);
	if (err) {
		cli_error(c, "%s", mmapdemo_strerror(err));
		return cli_exit_code(err) == EXIT_PERM ? EXIT_PERM : EXIT_FAIL;
	}
	if (json)
		format_stats_json(stdout, c->device, &stats);
	else
		format_stats_text(stdout, &stats);
	return EXIT_OK;
}

/* Range options shared by fill, dump, read-to and watch. */
struct range_opts {
	uint64_t offset;
	uint64_t length;
	bool have_len;
};

/* --offset or --length; 0 or EXIT_USAGE. */
static int range_opt(const struct cli *c, int opt, struct range_opts *ro)
{
	if (opt == 'o')
		return cli_parse_size(c, "--offset", optarg, &ro->offset);
	ro->have_len = true;
	return cli_parse_size(c, "--length", optarg, &ro->length);
}

int cmd_fill(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL }
	};
	struct range_opts ro = { 0 };
	struct mmapdemo_info info;
	struct mmapdemo *md = NULL;
	uint32_t seed = 0;
	struct range r;
	int opt, ret, err;

	while ((opt = cli_getopt(c, argc, argv, "o:l:s:", opts)) != -1) {
		switch (opt) {
		case 'o':
		case 'l':
			if (range_opt(c, opt, &ro))
				return EXIT_USAGE;
			break;
		case 's':
			if (cli_parse_u32(c, "--seed", optarg, &seed))
				return EXIT_USAGE;
			break;
		default:
			return c->exit;
		}
	}
	if (cli_no_args(c, argc, argv))
		return EXIT_USAGE;

	ret = cli_open(c, O_RDWR, -1, &md, &info);
	if (ret)
		return ret;
	ret = resolve_range(c, &info, ro.offset, ro.have_len, ro.length, 0,
			    &r);
	if (!ret) {
		err = mmapdemo_fill(md, r.offset, r.length, seed);
		if (err) {
			cli_error(c, "%s", mmapdemo_strerror(err));
			ret = cli_exit_code(err) == EXIT_PERM ? EXIT_PERM :
								EXIT_FAIL;
		} else {
			printf("filled %llu bytes at offset %llu",
			       (unsigned long long)r.length,
			       (unsigned long long)r.offset);
			printf(" with seed %u\n", seed);
		}
	}
	mmapdemo_unref(md);
	return ret;
}

int cmd_dump(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' },
		{ "no-squeeze", no_argument, NULL, 'v' },
		{ NULL }
	};
	struct range_opts ro = { 0 };
	struct mmapdemo_info info;
	struct mmapdemo *md = NULL;
	bool squeeze = true;
	struct view v;
	int mode = -1;
	struct range r;
	int opt, ret;

	while ((opt = cli_getopt(c, argc, argv, "o:l:m:v", opts)) != -1) {
		switch (opt) {
		case 'o':
		case 'l':
			if (range_opt(c, opt, &ro))
				return EXIT_USAGE;
			break;
		case 'm':
			if (cli_parse_mode(c, optarg, false, &mode))
				return EXIT_USAGE;
			break;
		case 'v':
			squeeze = false;
			break;
		default:
			return c->exit;
		}
	}
	if (cli_no_args(c, argc, argv))
		return EXIT_USAGE;

	ret = cli_open(c, O_RDONLY, mode, &md, &info);
	if (ret)
		return ret;
	ret = resolve_range(c, &info, ro.offset, ro.have_len, ro.length,
			    DUMP_DEFAULT_LENGTH, &r);
	if (!ret)
		ret = view_map(c, md, &info, &r, PROT_READ, &v);
	if (!ret) {
		format_hexdump(stdout, v.p, v.len, r.offset, squeeze);
		view_unmap(&v);
	}
	mmapdemo_unref(md);
	return ret;
}

/*
 * verify: for one map mode, on a fresh file of the device with the whole
 * buffer mapped shared,
 *   user -> kernel: write the pattern through the mapping, then the
 *       kernel's CHECKSUM of the buffer (and of a range straddling page
 *       boundaries) must equal the CRC32C the user computes of the same
 *       bytes;
 *   kernel -> user: the kernel FILLs the buffer (then a sub-range with
 *       another seed), and the mapping must show exactly that pattern.
 * Every run picks fresh seeds, so left-overs of an earlier run cannot
 * pass for a working mapping.
 */
static void verify_step_failed(struct verify_result *r, const char *step,
			       int err)
{
	r->failed_step = step;
	r->err = err;
}

static void sub_range(uint64_t size, uint64_t page, uint64_t *off,
		      uint64_t *len)
{
	if (size > 3 * page) {
		*off = page - 5;
		*len = page + 10;
	} else if (size > 2) {
		*off = 1;
		*len = size - 2;
	} else {
		*off = 0;
		*len = size;
	}
}

static void verify_user_to_kernel(struct mmapdemo *md, unsigned char *map,
				  uint64_t size, uint64_t page, uint32_t seed,
				  struct verify_result *r)
{
	uint64_t off, len;
	uint32_t kcrc;
	int err;

	mmapdemo_pattern_fill(map, 0, size, seed);
	r->user_crc = mmapdemo_crc32c(0, map, size);
	err = mmapdemo_checksum(md, 0, size, &r->kernel_crc);
	if (err) {
		verify_step_failed(r, "checksum", err);
		return;
	}
	r->user_to_kernel = r->user_crc == r->kernel_crc;

	sub_range(size, page, &off, &len);
	err = mmapdemo_checksum(md, off, len, &kcrc);
	if (err) {
		verify_step_failed(r, "checksum of a sub-range", err);
		return;
	}
	if (kcrc != mmapdemo_crc32c(0, map + off, len))
		r->user_to_kernel = false;
}

static void verify_kernel_to_user(struct mmapdemo *md, unsigned char *map,
				  uint64_t size, uint64_t page, uint32_t seed,
				  uint32_t sub_seed, struct verify_result *r)
{
	uint64_t off, len;
	int64_t bad;
	int err;

	err = mmapdemo_fill(md, 0, size, seed);
	if (err) {
		verify_step_failed(r, "fill", err);
		return;
	}
	r->mismatch = mmapdemo_pattern_check(map, 0, size, seed);
	if (r->mismatch >= 0)
		return;

	sub_range(size, page, &off, &len);
	err = mmapdemo_fill(md, off, len, sub_seed);
	if (err) {
		verify_step_failed(r, "fill of a sub-range", err);
		return;
	}
	bad = mmapdemo_pattern_check(map, 0, off, seed);
	if (bad < 0) {
		bad = mmapdemo_pattern_check(map + off, off, len, sub_seed);
		if (bad >= 0)
			bad += off;
	}
	if (bad < 0) {
		bad = mmapdemo_pattern_check(map + off + len, off + len,
					     size - off - len, seed);
		if (bad >= 0)
			bad += off + len;
	}
	r->mismatch = bad;
	r->kernel_to_user = bad < 0;
}

static void verify_mode(const struct cli *c, enum mmapdemo_map_mode mode,
			uint32_t seed, struct verify_result *r)
{
	struct mmapdemo_info info;
	struct mmapdemo *md = NULL;
	void *map = NULL;
	size_t size = 0;
	uint64_t page;
	int err;

	memset(r, 0, sizeof(*r));
	r->mode = mode;
	r->mismatch = -1;

	err = mmapdemo_open(c->device, O_RDWR, &md);
	if (err) {
		verify_step_failed(r, "open", err);
		return;
	}
	err = mmapdemo_set_mode(md, mode);
	if (err) {
		verify_step_failed(r, "set mode", err);
		goto out;
	}
	err = mmapdemo_get_info(md, &info);
	if (!err && info.map_mode != (uint32_t)mode)
		err = -EPROTO;
	if (err) {
		verify_step_failed(r, "info", err);
		goto out;
	}
	size = info.size;
	page = info.page_size ? info.page_size :
				(uint64_t)sysconf(_SC_PAGESIZE);
	err = mmapdemo_map(md, 0, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   &map);
	if (err) {
		verify_step_failed(r, "mmap", err);
		goto out;
	}
	if (c->verbose)
		fprintf(stderr, "mmapdemo: verify: %s: seeds %#x %#x %#x\n",
			mmapdemo_mode_name(mode), seed, seed + 1, seed + 2);
	verify_user_to_kernel(md, map, size, page, seed, r);
	if (!r->failed_step)
		verify_kernel_to_user(md, map, size, page, seed + 1, seed + 2,
				      r);
	mmapdemo_unmap(map, size);
out:
	mmapdemo_unref(md);
}

static uint32_t fresh_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint32_t)(ts.tv_nsec ^ ts.tv_sec ^ ((uint32_t)getpid() << 16));
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL }
	};
	struct verify_result results[MMAPDEMO_MODE_COUNT];
	int mode = MMAPDEMO_MODE_COUNT;
	struct mmapdemo_info info;
	struct mmapdemo *md = NULL;
	bool json = false, pass = true;
	size_t nr = 0, i;
	uint32_t seed;
	int opt, ret, m;

	while ((opt = cli_getopt(c, argc, argv, "m:", opts)) != -1) {
		switch (opt) {
		case 'm':
			if (cli_parse_mode(c, optarg, true, &mode))
				return EXIT_USAGE;
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			return c->exit;
		}
	}
	if (cli_no_args(c, argc, argv))
		return EXIT_USAGE;

	/* Missing device or permission: say so once, with the usual codes. */
	ret = cli_open(c, O_RDWR, -1, &md, &info);
	if (ret)
		return ret;
	mmapdemo_unref(md);

	seed = fresh_seed();
	for (m = 0; m < MMAPDEMO_MODE_COUNT; m++) {
		if (mode != MMAPDEMO_MODE_COUNT && mode != m)
			continue;
		verify_mode(c, m, seed + 3 * m, &results[nr]);
		if (!verify_passed(&results[nr]))
			pass = false;
		if (!json)
			format_verify_text(stdout, &results[nr]);
		nr++;
	}
	if (json)
		format_verify_json(stdout, c->device, info.size, results, nr);
	else
		printf("verify: %s\n", pass ? "PASS" : "FAIL");
	for (i = 0; i < nr; i++)
		if (results[i].failed_step &&
		    cli_exit_code(results[i].err) == EXIT_PERM)
			return EXIT_PERM;
	return pass ? EXIT_OK : EXIT_FAIL;
}

static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			break;
		done += n;
	}
	return done;
}

static int write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += n;
	}
	return 0;
}

int cmd_write_from(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ NULL }
	};
	struct mmapdemo_info info;
	struct mmapdemo *md = NULL;
	const char *file;
	uint64_t offset = 0;
	struct range r;
	struct view v;
	struct stat st;
	ssize_t n;
	char extra;
	int opt, ret, fd;

	while ((opt = cli_getopt(c, argc, argv, "o:", opts)) != -1) {
		if (opt != 'o')
			return c->exit;
		if (cli_parse_size(c, "--offset", optarg, &offset))
			return EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage(c, "missing FILE");
	file = argv[optind++];
	if (cli_no_args(c, argc, argv))
		return EXIT_USAGE;

	if (!strcmp(file, "-")) {
		fd = STDIN_FILENO;
	} else {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			cli_error(c, "%s: %s", file, strerror(errno));
			return EXIT_FAIL;
		}
	}
	if (fstat(fd, &st) < 0) {
		cli_error(c, "%s: %s", file, strerror(errno));
		ret = EXIT_FAIL;
		goto out_close;
	}

	ret = cli_open(c, O_RDWR, -1, &md, &info);
	if (ret)
		goto out_close;
	/* A regular file must fit whole; other input is read until EOF. */
	ret = resolve_range(c, &info, offset, S_ISREG(st.st_mode),
			    S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0, 0,
			    &r);
	if (ret && S_ISREG(st.st_mode) && offset < info.size)
		cli_error(c, "%s is %lld bytes; %llu fit after offset %" PRIu64,
			  file, (long long)st.st_size,
			  (unsigned long long)(info.size - offset), offset);
	if (ret)
		goto out_unref;
	if (S_ISREG(st.st_mode) && !st.st_size) {
		printf("wrote 0 bytes at offset %" PRIu64 "\n", offset);
		goto out_unref;
	}
	ret = view_map(c, md, &info, &r, PROT_READ | PROT_WRITE, &v);
	if (ret)
		goto out_unref;

	n = read_full(fd, v.p, v.len);
	if (n < 0) {
		cli_error(c, "%s: %s", file, strerror(errno));
		ret = EXIT_FAIL;
	} else if (!S_ISREG(st.st_mode) && (size_t)n == v.len &&
		   read_full(fd, &extra, 1) == 1) {
		cli_error(c,
			  "%s: more input than the %zu bytes after offset %llu (those were written)",
			  file, v.len, (unsigned long long)offset);
		ret = EXIT_FAIL;
	} else {
		printf("wrote %zd bytes at offset %" PRIu64 "\n", n, offset);
	}
	view_unmap(&v);
out_unref:
	mmapdemo_unref(md);
out_close:
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

int cmd_read_to(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ NULL }
	};
	struct range_opts ro = { 0 };
	struct mmapdemo_info info;
	struct mmapdemo *md = NULL;
	const char *file;
	struct range r;
	struct view v;
	int opt, ret, fd;
	bool to_stdout;

	while ((opt = cli_getopt(c, argc, argv, "o:l:", opts)) != -1) {
		if (opt != 'o' && opt != 'l')
			return c->exit;
		if (range_opt(c, opt, &ro))
			return EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage(c, "missing FILE");
	file = argv[optind++];
	if (cli_no_args(c, argc, argv))
		return EXIT_USAGE;
	to_stdout = !strcmp(file, "-");

	ret = cli_open(c, O_RDONLY, -1, &md, &info);
	if (ret)
		return ret;
	ret = resolve_range(c, &info, ro.offset, ro.have_len, ro.length, 0,
			    &r);
	if (!ret)
		ret = view_map(c, md, &info, &r, PROT_READ, &v);
	if (ret)
		goto out_unref;

	fd = to_stdout ? STDOUT_FILENO :
		open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || write_full(fd, v.p, v.len) < 0 ||
	    (!to_stdout && close(fd) < 0)) {
		cli_error(c, "%s: %s", file, strerror(errno));
		ret = EXIT_FAIL;
	} else if (!to_stdout) {
		printf("read %zu bytes at offset %" PRIu64 " to %s\n", v.len,
		       r.offset, file);
	}
	view_unmap(&v);
out_unref:
	mmapdemo_unref(md);
	return ret;
}

int cmd_watch(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ NULL }
	};
	struct range_opts ro = { 0 };
	uint32_t interval = 1000, count = 0, i;
	struct mmapdemo_info info;
	struct mmapdemo *md = NULL;
	unsigned char *snap;
	struct range r;
	struct view v;
	int mode = -1;
	bool tty;
	int opt, ret;

	while ((opt = cli_getopt(c, argc, argv, "o:l:i:c:m:", opts)) != -1) {
		switch (opt) {
		case 'o':
		case 'l':
			ret = range_opt(c, opt, &ro);
			break;
		case 'i':
			ret = cli_parse_u32(c, "--interval", optarg, &interval);
			break;
		case 'c':
			ret = cli_parse_u32(c, "--count", optarg, &count);
			break;
		case 'm':
			ret = cli_parse_mode(c, optarg, false, &mode);
			break;
		default:
			return c->exit;
		}
		if (ret)
			return EXIT_USAGE;
	}
	if (cli_no_args(c, argc, argv))
		return EXIT_USAGE;

	ret = cli_open(c, O_RDONLY, mode, &md, &info);
	if (ret)
		return ret;
	ret = resolve_range(c, &info, ro.offset, ro.have_len, ro.length,
			    DUMP_DEFAULT_LENGTH, &r);
	if (!ret)
		ret = view_map(c, md, &info, &r, PROT_READ, &v);
	if (ret)
		goto out_unref;
	snap = malloc(v.len);
	if (!snap) {
		cli_error(c, "%s", strerror(ENOMEM));
		ret = EXIT_FAIL;
		goto out_unmap;
	}

	tty = isatty(STDOUT_FILENO);
	for (i = 0; !count || i < count; i++) {
		struct timespec ts = {
			.tv_sec = interval / 1000,
			.tv_nsec = (long)(interval % 1000) * 1000000,
		};

		if (i)
			nanosleep(&ts, NULL);
		/* One copy per sample, so hex and text agree. */
		memcpy(snap, v.p, v.len);
		if (tty)
			fputs("\033[H\033[2J", stdout);
		printf("sample %u: offset %llu length %zu crc32c 0x%08x\n",
		       i + 1, (unsigned long long)r.offset, v.len,
		       mmapdemo_crc32c(0, snap, v.len));
		format_hexdump(stdout, snap, v.len, r.offset, true);
		fflush(stdout);
	}
	free(snap);
out_unmap:
	view_unmap(&v);
out_unref:
	mmapdemo_unref(md);
	return ret;
}

#define BUFINFO	"/sys/kernel/debug/dma_buf/bufinfo"

/*
 * An object line of bufinfo: "size flags mode count exp_name ino [name]",
 * tab separated, size in hex digits. Returns its exp_name field in @name.
 */
static bool bufinfo_object(const char *line, char *name, size_t len)
{
	const char *p = line;
	size_t n;
	int field;

	if (!strchr("0123456789abcdef", line[0]) || !line[0])
		return false;
	for (field = 0; field < 4; field++) {
		p = strchr(p, '\t');
		if (!p)
			return false;
		p++;
	}
	n = strcspn(p, "\t\n");
	if (n >= len)
		n = len - 1;
	memcpy(name, p, n);
	name[n] = '\0';
	return true;
}

/*
 * exports: the device's dma-buf counters, then each live export of it
 * with what bufinfo says about it (fences, attached devices).
 */
int cmd_exports(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { NULL } };
	struct mmapdemo_stats st;
	struct mmapdemo_info info;
	struct mmapdemo *md = NULL;
	const char *dev;
	char line[512], name[64];
	bool mine = false;
	unsigned int shown = 0;
	FILE *f;
	int ret, err;

	if (cli_getopt(c, argc, argv, "", opts) != -1)
		return c->exit;
	ret = cli_no_args(c, argc, argv);
	if (ret)
		return ret;
	ret = cli_open(c, O_RDONLY, -1, &md, &info);
	if (ret)
		return ret;
	err = mmapdemo_get_stats(md, &st);
	mmapdemo_unref(md);
	if (err) {
		cli_error(c, "%s", mmapdemo_strerror(err));
		return EXIT_FAIL;
	}
	printf("exports %" PRIu64 ", live %" PRIu64 ", released %" PRIu64
	       "; now attached %" PRIu64 ", mapped %" PRIu64 ", vmapped %"
	       PRIu64 "\n", (uint64_t)st.dmabuf_exports,
	       (uint64_t)st.dmabuf_live, (uint64_t)st.dmabuf_releases,
	       (uint64_t)st.dmabuf_attached, (uint64_t)st.dmabuf_mapped,
	       (uint64_t)st.dmabuf_vmapped);
	dev = strrchr(c->device, '/');
	dev = dev ? dev + 1 : c->device;
	f = fopen(BUFINFO, "r");
	if (!f) {
		printf("importers: %s: %s (root, debugfs mounted)\n", BUFINFO,
		       strerror(errno));
		return EXIT_OK;
	}
	while (fgets(line, sizeof(line), f)) {
		if (bufinfo_object(line, name, sizeof(name))) {
			mine = !strcmp(name, dev);
			if (mine && !shown++)
				fputs("size\tflags\tmode\tcount\texp_name\tino\tname\n",
				      stdout);
		} else if (!strncmp(line, "Total", 5) || line[0] != '\t') {
			mine = false;
		}
		if (mine)
			fputs(line, stdout);
	}
	fclose(f);
	if (!shown)
		printf("no live export of %s in %s\n", dev, BUFINFO);
	return EXIT_OK;
}
