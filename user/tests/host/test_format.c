// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host tests: the tool's output formats.  The hexdump is compared with
 * util-linux `hexdump -C` where it is installed; the JSON with exact
 * strings and, where python3 is installed, with its parser.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "tap.h"

/* Output of a formatter into a string; free() it. */
#define CAPTURE(out, call)						\
	do {								\
		size_t len_;						\
		FILE *f = open_memstream(&(out), &len_);		\
		call;							\
		fclose(f);						\
	} while (0)

static void test_hexdump_short_line(void)
{
	char *out;

	CAPTURE(out, format_hexdump(f, "abc\n", 4, 0, true));
	EXPECT_STR(out,
		   "00000000  61 62 63 0a                                       |abc.|\n"
		   "00000004\n");
	free(out);
}

static void test_hexdump_full_lines(void)
{
	unsigned char buf[40];
	char *out;
	int i;

	for (i = 0; i < 40; i++)
		buf[i] = 0x10 + i;
	CAPTURE(out, format_hexdump(f, buf, sizeof(buf), 16, true));
	EXPECT_STR(out,
		   "00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  |................|\n"
		   "00000020  20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f  | !\"#$%&'()*+,-./|\n"
		   "00000030  30 31 32 33 34 35 36 37                           |01234567|\n"
		   "00000038\n");
	free(out);
}

static void test_hexdump_squeeze(void)
{
	unsigned char buf[80];
	char *out;

	memset(buf, 0, sizeof(buf));
	buf[79] = 0x7f;
	CAPTURE(out, format_hexdump(f, buf, sizeof(buf), 0, true));
	EXPECT_STR(out,
		   "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		   "*\n"
		   "00000040  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 7f  |................|\n"
		   "00000050\n");
	free(out);

	CAPTURE(out, format_hexdump(f, buf, 48, 0, false));
	EXPECT_STR(out,
		   "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		   "00000010  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		   "00000020  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		   "00000030\n");
	free(out);
}

static void test_hexdump_empty_and_big_offsets(void)
{
	char *out;

	CAPTURE(out, format_hexdump(f, "", 0, 0, true));
	EXPECT_STR(out, "");
	free(out);
	CAPTURE(out, format_hexdump(f, "Z", 1, 0x123456789ULL, true));
	EXPECT_STR(out,
		   "123456789  5a                                                |Z|\n"
		   "12345678a\n");
	free(out);
}

/* Byte for byte the same as util-linux `hexdump -C -s OFF -n LEN`. */
static void test_hexdump_matches_util_linux(void)
{
	static const size_t cases[][2] = {
		{ 0, 4096 }, { 5, 100 }, { 16, 17 }, { 1000, 1 }, { 7, 0 },
		{ 3, 1500 }, { 4095, 1 }, { 0, 33 },
	};
	char path[] = "/tmp/mmapdemo-hexdump-XXXXXX";
	unsigned char buf[4096];
	size_t i, n;
	int fd;

	if (system("hexdump -C /dev/null >/dev/null 2>&1"))
		tap_skip("no hexdump here");
	/* Text, binary and runs of equal lines. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = i < 1024 ? (unsigned char)(i * 7) :
			 i < 2048 ? 0 : (unsigned char)(32 + i % 95);
	fd = mkstemp(path);
	EXPECT(fd >= 0 && write(fd, buf, sizeof(buf)) == sizeof(buf));
	close(fd);

	for (i = 0; i < TAP_COUNT(cases); i++) {
		char cmd[256], *want = NULL, *got;
		size_t cap = 0;
		FILE *p;

		snprintf(cmd, sizeof(cmd), "hexdump -C -s %zu -n %zu %s",
			 cases[i][0], cases[i][1], path);
		p = popen(cmd, "r");
		n = getdelim(&want, &cap, '\0', p);
		pclose(p);
		if (n == (size_t)-1) {
			free(want);
			want = strdup("");
		}
		CAPTURE(got, format_hexdump(f, buf + cases[i][0], cases[i][1],
					    cases[i][0], true));
		if (strcmp(got, want))
			tap_fail(__FILE__, __LINE__, "%s:\n%s\n!=\n%s", cmd,
				 got, want);
		free(got);
		free(want);
	}
	unlink(path);
}

static const struct mmapdemo_info info = {
	.abi_version = 1,
	.page_size = 4096,
	.size = 1 << 20,
	.map_mode = MMAPDEMO_MODE_FAULT,
	.default_mode = MMAPDEMO_MODE_REMAP,
	.nr_chunks = 3,
	.huge = MMAPDEMO_HUGE_FAULT,
};

static void test_info_json(void)
{
	char *out;

	CAPTURE(out, format_info_json(f, "/dev/mmapdemo", &info));
	EXPECT_STR(out,
		   "{\"device\": \"/dev/mmapdemo\", \"abi_version\": 1, \"size\": 1048576, \"page_size\": 4096, \"map_mode\": \"fault\", \"default_mode\": \"remap\", \"nr_chunks\": 3, \"huge_remap\": false, \"huge_fault\": true}\n");
	free(out);
}

/* Several devices: an array of the same objects. */
static void test_info_json_array(void)
{
	static const char * const devices[] = {
		"/dev/mmapdemo", "/dev/mmapdemo1",
	};
	struct mmapdemo_info infos[2] = { info, info };
	char *out;

	infos[1].size = 8192;
	CAPTURE(out, format_info_json_array(f, devices, infos, 2));
	EXPECT_STR(out,
		   "[{\"device\": \"/dev/mmapdemo\", \"abi_version\": 1, \"size\": 1048576, \"page_size\": 4096, \"map_mode\": \"fault\", \"default_mode\": \"remap\", \"nr_chunks\": 3, \"huge_remap\": false, \"huge_fault\": true}, {\"device\": \"/dev/mmapdemo1\", \"abi_version\": 1, \"size\": 8192, \"page_size\": 4096, \"map_mode\": \"fault\", \"default_mode\": \"remap\", \"nr_chunks\": 3, \"huge_remap\": false, \"huge_fault\": true}]\n");
	free(out);
}

static void test_info_text(void)
{
	char *out;

	CAPTURE(out, format_info_text(f, "/dev/mmapdemo", &info));
	EXPECT_STR(out,
		   "device:       /dev/mmapdemo\n"
		   "abi_version:  1\n"
		   "size:         1048576 (1.0 MiB)\n"
		   "page_size:    4096\n"
		   "pages:        256\n"
		   "map_mode:     fault\n"
		   "default_mode: remap\n"
		   "nr_chunks:    3\n"
		   "huge:         2 MiB in fault mode\n");
	free(out);
}

/* The PMD size follows the page size: 32 MiB at 16 KiB, 512 MiB at 64 KiB. */
static void test_info_text_page_sizes(void)
{
	struct mmapdemo_info i = info;
	char *out;

	i.page_size = 16384;
	i.huge = MMAPDEMO_HUGE_REMAP | MMAPDEMO_HUGE_FAULT;
	CAPTURE(out, format_info_text(f, "/dev/mmapdemo", &i));
	EXPECT_CONTAINS(out, "pages:        64\n");
	EXPECT_CONTAINS(out, "huge:         32 MiB in remap and fault modes\n");
	free(out);
	i.page_size = 65536;
	i.huge = MMAPDEMO_HUGE_REMAP;
	CAPTURE(out, format_info_text(f, "/dev/mmapdemo", &i));
	EXPECT_CONTAINS(out, "huge:         512 MiB in remap mode\n");
	free(out);
	i.huge = 0;
	CAPTURE(out, format_info_text(f, "/dev/mmapdemo", &i));
	EXPECT_CONTAINS(out, "huge:         none (64 KiB pages only)\n");
	free(out);
}

static void test_json_escaping(void)
{
	char *out;

	CAPTURE(out, format_info_json(f, "/tmp/a \"b\"\\c\n\x01", &info));
	EXPECT_CONTAINS(out,
			"{\"device\": \"/tmp/a \\\"b\\\"\\\\c\\n\\u0001\", ");
	free(out);
}

static const struct mmapdemo_stats stats = {
	.mmaps = 1, .live_vmas = 2, .faults = 3, .bytes_read = 4,
	.bytes_written = 5, .fills = 6, .checksums = 7,
	.resizes = 18446744073709551615ULL, .fault_pages = 9,
	.huge_faults = 10, .huge_fallbacks = 11, .dmabuf_exports = 12,
	.dmabuf_live = 13, .dmabuf_attached = 14, .dmabuf_mapped = 15,
	.dmabuf_vmapped = 16, .dmabuf_releases = 17,
};

static void test_stats_fields(void)
{
	static const char * const names[] = {
		"mmaps", "live_vmas", "faults", "bytes_read", "bytes_written",
		"fills", "checksums", "resizes", "fault_pages", "huge_faults",
		"huge_fallbacks", "dmabuf_exports", "dmabuf_live",
		"dmabuf_attached", "dmabuf_mapped", "dmabuf_vmapped",
		"dmabuf_releases",
	};
	size_t i;

	EXPECT_INT(nr_stats_fields, sizeof(struct mmapdemo_stats) / 8);
	EXPECT_INT(nr_stats_fields, TAP_COUNT(names));
	for (i = 0; i < nr_stats_fields && i < TAP_COUNT(names); i++) {
		EXPECT_STR(stats_fields[i].name, names[i]);
		EXPECT_INT(stats_fields[i].offset, i * 8);
	}
}

static void test_stats_json(void)
{
	char *out;

	CAPTURE(out, format_stats_json(f, "/dev/mmapdemo", &stats));
	EXPECT_STR(out,
		   "{\"device\": \"/dev/mmapdemo\", \"mmaps\": 1, \"live_vmas\": 2, \"faults\": 3, \"bytes_read\": 4, \"bytes_written\": 5, \"fills\": 6, \"checksums\": 7, \"resizes\": 18446744073709551615, \"fault_pages\": 9, \"huge_faults\": 10, \"huge_fallbacks\": 11, \"dmabuf_exports\": 12, \"dmabuf_live\": 13, \"dmabuf_attached\": 14, \"dmabuf_mapped\": 15, \"dmabuf_vmapped\": 16, \"dmabuf_releases\": 17}\n");
	free(out);
}

static void test_stats_text(void)
{
	char *out;

	CAPTURE(out, format_stats_text(f, &stats));
	EXPECT_STR(out,
		   "mmaps           1\n"
		   "live_vmas       2\n"
		   "faults          3\n"
		   "bytes_read      4\n"
		   "bytes_written   5\n"
		   "fills           6\n"
		   "checksums       7\n"
		   "resizes         18446744073709551615\n"
		   "fault_pages     9\n"
		   "huge_faults     10\n"
		   "huge_fallbacks  11\n"
		   "dmabuf_exports  12\n"
		   "dmabuf_live     13\n"
		   "dmabuf_attached 14\n"
		   "dmabuf_mapped   15\n"
		   "dmabuf_vmapped  16\n"
		   "dmabuf_releases 17\n");
	free(out);
}

static void test_status_json(void)
{
	static const char * const holders[] = { "mmapdemo_kunit" };
	static const struct module_param params[] = {
		{ "map_mode", "remap" }, { "size", "1048576" },
	};
	static const struct device_status devices[] = {
		{ "/dev/mmapdemo", true }, { "/dev/mmapdemo1", false },
	};
	struct module_status st = {
		.name = "mmapdemo", .state = "not loaded", .refcount = -1,
		.core_size = -1, .device = "/dev/mmapdemo",
	};
	char *out;

	CAPTURE(out, format_status_json(f, &st));
	EXPECT_STR(out,
		   "{\"module\": \"mmapdemo\", \"state\": \"not loaded\", \"loaded\": false}\n");
	free(out);

	st.loaded = true;
	st.state = "live";
	st.refcount = 2;
	st.core_size = 20480;
	st.holders = holders;
	st.nr_holders = 1;
	st.params = params;
	st.nr_params = 2;
	st.device_present = true;
	CAPTURE(out, format_status_json(f, &st));
	EXPECT_STR(out,
		   "{\"module\": \"mmapdemo\", \"state\": \"live\", \"loaded\": true, \"refcount\": 2, \"size\": 20480, \"holders\": [\"mmapdemo_kunit\"], \"parameters\": {\"map_mode\": \"remap\", \"size\": \"1048576\"}, \"device\": \"/dev/mmapdemo\", \"device_present\": true, \"devices\": []}\n");
	free(out);

	st.nr_holders = 0;
	CAPTURE(out, format_status_text(f, &st));
	EXPECT_STR(out,
		   "module:   mmapdemo\n"
		   "state:    live\n"
		   "refcount: 2\n"
		   "size:     20480\n"
		   "holders:  (none)\n"
		   "param:    map_mode=remap\n"
		   "param:    size=1048576\n"
		   "device:   /dev/mmapdemo (present)\n");
	free(out);

	/* devices=2: every device listed, in the text and the JSON. */
	st.devices = devices;
	st.nr_devices = 2;
	st.nr_params = 0;
	CAPTURE(out, format_status_text(f, &st));
	EXPECT_CONTAINS(out, "holders:  (none)\n"
			"device:   /dev/mmapdemo (present)\n"
			"device:   /dev/mmapdemo1 (missing)\n");
	EXPECT(!strstr(out, "param:"));
	free(out);
	CAPTURE(out, format_status_json(f, &st));
	EXPECT_STR(out,
		   "{\"module\": \"mmapdemo\", \"state\": \"live\", \"loaded\": true, \"refcount\": 2, \"size\": 20480, \"holders\": [], \"parameters\": {}, \"device\": \"/dev/mmapdemo\", \"device_present\": true, \"devices\": [{\"device\": \"/dev/mmapdemo\", \"present\": true}, {\"device\": \"/dev/mmapdemo1\", \"present\": false}]}\n");
	free(out);
}

static void test_verify_report(void)
{
	struct verify_result r[2] = {
		{ .mode = MMAPDEMO_MODE_FAULT, .user_to_kernel = true,
		  .kernel_to_user = true, .user_crc = 0xe3069283,
		  .kernel_crc = 0xe3069283, .mismatch = -1 },
		{ .mode = MMAPDEMO_MODE_REMAP, .user_to_kernel = true,
		  .kernel_to_user = false, .user_crc = 1, .kernel_crc = 1,
		  .mismatch = 4097 },
	};
	char *out;

	EXPECT(verify_passed(&r[0]));
	EXPECT(!verify_passed(&r[1]));
	CAPTURE(out, format_verify_json(f, "/dev/mmapdemo", 8192, r, 2));
	EXPECT_STR(out,
		   "{\"device\": \"/dev/mmapdemo\", \"size\": 8192, \"modes\": [{\"mode\": \"fault\", \"user_to_kernel\": true, \"kernel_to_user\": true, \"user_crc32c\": 3808858755, \"kernel_crc32c\": 3808858755, \"mismatch\": -1, \"failed_step\": null, \"error\": null, \"pass\": true}, {\"mode\": \"remap\", \"user_to_kernel\": true, \"kernel_to_user\": false, \"user_crc32c\": 1, \"kernel_crc32c\": 1, \"mismatch\": 4097, \"failed_step\": null, \"error\": null, \"pass\": false}], \"pass\": false}\n");
	free(out);

	CAPTURE(out, format_verify_text(f, &r[1]));
	EXPECT_STR(out,
		   "remap: user->kernel ok (crc32c user 0x00000001, kernel 0x00000001)\n"
		   "remap: kernel->user MISMATCH at byte 4097\n"
		   "remap: FAIL\n");
	free(out);

	r[0].failed_step = "mmap";
	r[0].err = -EINVAL;
	CAPTURE(out, format_verify_text(f, &r[0]));
	EXPECT_CONTAINS(out, "fault: FAIL (mmap: invalid argument");
	free(out);
	CAPTURE(out, format_verify_json(f, "/dev/mmapdemo", 8192, r, 1));
	EXPECT_CONTAINS(out,
			"\"failed_step\": \"mmap\", \"error\": \"invalid argument");
	EXPECT_CONTAINS(out, "\"pass\": false}\n");
	free(out);
}

static void test_json_parses(void)
{
	struct module_status st = {
		.name = "mmapdemo", .state = "live", .loaded = true,
		.refcount = 0, .core_size = 1, .device = "/dev/\"x\"",
	};
	struct verify_result r = { .mismatch = -1 };
	char path[] = "/tmp/mmapdemo-json-XXXXXX";
	char cmd[256];
	FILE *f;
	int fd;

	if (system("python3 -c '' >/dev/null 2>&1"))
		tap_skip("no python3 here");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	format_info_json(f, "/dev/\t\x1f", &info);
	format_stats_json(f, "/dev/mmapdemo", &stats);
	format_status_json(f, &st);
	format_verify_json(f, "/dev/mmapdemo", 1, &r, 1);
	format_verify_json(f, "/dev/mmapdemo", 1, &r, 0);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json, sys\n"
		 "for l in open(sys.argv[1]): json.loads(l)' %s", path);
	EXPECT_INT(system(cmd), 0);
	unlink(path);
}

static void test_human_size(void)
{
	char buf[32];

	EXPECT_STR(format_human_size(buf, sizeof(buf), 0), "0 B");
	EXPECT_STR(format_human_size(buf, sizeof(buf), 1023), "1023 B");
	EXPECT_STR(format_human_size(buf, sizeof(buf), 1024), "1.0 KiB");
	EXPECT_STR(format_human_size(buf, sizeof(buf), 1536), "1.5 KiB");
	EXPECT_STR(format_human_size(buf, sizeof(buf), 1 << 20), "1.0 MiB");
	EXPECT_STR(format_human_size(buf, sizeof(buf), 3ULL << 30), "3.0 GiB");
	EXPECT_STR(format_human_size(buf, sizeof(buf), UINT64_MAX), "16.0 EiB");
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
		TAP_TEST(hexdump_short_line),
		TAP_TEST(hexdump_full_lines),
		TAP_TEST(hexdump_squeeze),
		TAP_TEST(hexdump_empty_and_big_offsets),
		TAP_TEST(hexdump_matches_util_linux),
		TAP_TEST(info_json),
		TAP_TEST(info_json_array),
		TAP_TEST(info_text),
		TAP_TEST(info_text_page_sizes),
		TAP_TEST(json_escaping),
		TAP_TEST(stats_fields),
		TAP_TEST(stats_json),
		TAP_TEST(stats_text),
		TAP_TEST(status_json),
		TAP_TEST(verify_report),
		TAP_TEST(json_parses),
		TAP_TEST(human_size),
	};

	return tap_main(argc, argv, tests, TAP_COUNT(tests));
}
