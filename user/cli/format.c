// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output formatting of the mmapdemo tool: hexdump, JSON, info, stats,
 * status and verify reports.  Pure functions of their arguments.
 */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "format.h"

void format_hexdump(FILE *f, const void *buf, size_t len, uint64_t base,
		    bool squeeze)
{
	const unsigned char *p = buf;
	bool starred = false;
	size_t off, i;

	if (!len)
		return;
	for (off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		if (squeeze && off && n == 16 &&
		    !memcmp(p + off, p + off - 16, 16)) {
			if (!starred)
				fputs("*\n", f);
			starred = true;
			continue;
		}
		starred = false;
		fprintf(f, "%08" PRIx64 " ", base + off);
		for (i = 0; i < 16; i++) {
			if (i == 8)
				fputc(' ', f);
			if (i < n)
				fprintf(f, " %02x", p[off + i]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (i = 0; i < n; i++) {
			unsigned char c = p[off + i];

			fputc(c >= 0x20 && c < 0x7f ? c : '.', f);
		}
		fputs("|\n", f);
	}
	fprintf(f, "%08" PRIx64 "\n", base + len);
}

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Separator and key of the next member or element. */
static void json_member(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputs(", ", j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		json_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_member(j, key);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void json_close(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_begin_object(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_end_object(struct json *j)
{
	json_close(j, '}');
}

void json_begin_array(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_end_array(struct json *j)
{
	json_close(j, ']');
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_member(j, key);
	if (val)
		json_string(j->f, val);
	else
		fputs("null", j->f);
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
	json_member(j, key);
	fprintf(j->f, "%" PRIu64, val);
}

void json_i64(struct json *j, const char *key, int64_t val)
{
	json_member(j, key);
	fprintf(j->f, "%" PRId64, val);
}

/* Six significant digits; NaN, infinities and negatives (unknown) as null. */
void json_f64(struct json *j, const char *key, double val)
{
	json_member(j, key);
	if (val >= 0 && val <= 1e300)
		fprintf(j->f, "%.6g", val);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool val)
{
	json_member(j, key);
	fputs(val ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	json_member(j, key);
	fputs("null", j->f);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
}

#define STATS_FIELD(name) { #name, offsetof(struct mmapdemo_stats, name) }

const struct stats_field stats_fields[] = {
	STATS_FIELD(mmaps),
	STATS_FIELD(live_vmas),
	STATS_FIELD(faults),
	STATS_FIELD(bytes_read),
	STATS_FIELD(bytes_written),
	STATS_FIELD(fills),
	STATS_FIELD(checksums),
	STATS_FIELD(resizes),
	STATS_FIELD(fault_pages),
	STATS_FIELD(huge_faults),
	STATS_FIELD(huge_fallbacks),
	STATS_FIELD(dmabuf_exports),
	STATS_FIELD(dmabuf_live),
	STATS_FIELD(dmabuf_attached),
	STATS_FIELD(dmabuf_mapped),
	STATS_FIELD(dmabuf_vmapped),
	STATS_FIELD(dmabuf_releases),
};

const size_t nr_stats_fields = ARRAY_SIZE(stats_fields);

uint64_t stats_value(const struct mmapdemo_stats *s,
		     const struct stats_field *field)
{
	uint64_t v;

	memcpy(&v, (const char *)s + field->offset, sizeof(v));
	return v;
}

const char *format_human_size(char *buf, size_t len, uint64_t bytes)
{
	static const char * const units[] = { "KiB", "MiB", "GiB", "TiB",
					      "PiB", "EiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return buf;
	}
	v /= 1024;
	while (v >= 1024 && u < ARRAY_SIZE(units) - 1) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

static const char *mode_str(uint32_t mode)
{
	return mmapdemo_mode_name((enum mmapdemo_map_mode)mode);
}

/*
 * The PMD mappings INFO says this kernel and module can do. A PMD maps a
 * page table's worth of pages (8-byte entries on x86-64 and arm64): 2 MiB
 * with 4 KiB pages, 32 MiB with 16 KiB, 512 MiB with 64 KiB.
 */
static const char *huge_str(uint32_t huge, uint32_t page_size, char *buf,
			    size_t len)
{
	unsigned long long page = page_size ? page_size :
				  (unsigned long long)sysconf(_SC_PAGESIZE);
	unsigned long long pmd_mib = (page / 8 * page) >> 20;

	switch (huge & (MMAPDEMO_HUGE_REMAP | MMAPDEMO_HUGE_FAULT)) {
	case MMAPDEMO_HUGE_REMAP | MMAPDEMO_HUGE_FAULT:
		snprintf(buf, len, "%llu MiB in remap and fault modes", pmd_mib);
		break;
	case MMAPDEMO_HUGE_REMAP:
		snprintf(buf, len, "%llu MiB in remap mode", pmd_mib);
		break;
	case MMAPDEMO_HUGE_FAULT:
		snprintf(buf, len, "%llu MiB in fault mode", pmd_mib);
		break;
	default:
		snprintf(buf, len, "none (%llu KiB pages only)", page >> 10);
		break;
	}
	return buf;
}

void format_info_text(FILE *f, const char *device,
		      const struct mmapdemo_info *info)
{
	char human[32], huge[48];

	fprintf(f, "device:       %s\n", device);
	fprintf(f, "abi_version:  %u\n", info->abi_version);
	fprintf(f, "size:         %llu (%s)\n",
		(unsigned long long)info->size,
		format_human_size(human, sizeof(human), info->size));
	fprintf(f, "page_size:    %u\n", info->page_size);
	if (info->page_size)
		fprintf(f, "pages:        %llu\n",
			(unsigned long long)(info->size / info->page_size));
	fprintf(f, "map_mode:     %s\n", mode_str(info->map_mode));
	fprintf(f, "default_mode: %s\n", mode_str(info->default_mode));
	fprintf(f, "nr_chunks:    %u\n", info->nr_chunks);
	fprintf(f, "huge:         %s\n",
		huge_str(info->huge, info->page_size, huge, sizeof(huge)));
}

static void info_json_object(struct json *j, const char *device,
			     const struct mmapdemo_info *info)
{
	json_begin_object(j, NULL);
	json_str(j, "device", device);
	json_u64(j, "abi_version", info->abi_version);
	json_u64(j, "size", info->size);
	json_u64(j, "page_size", info->page_size);
	json_str(j, "map_mode", mode_str(info->map_mode));
	json_str(j, "default_mode", mode_str(info->default_mode));
	json_u64(j, "nr_chunks", info->nr_chunks);
	json_bool(j, "huge_remap", info->huge & MMAPDEMO_HUGE_REMAP);
	json_bool(j, "huge_fault", info->huge & MMAPDEMO_HUGE_FAULT);
	json_end_object(j);
}

void format_info_json(FILE *f, const char *device,
		      const struct mmapdemo_info *info)
{
	struct json j;

	json_init(&j, f);
	info_json_object(&j, device, info);
	json_finish(&j);
}

void format_info_json_array(FILE *f, const char * const *devices,
			    const struct mmapdemo_info *infos, size_t n)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_begin_array(&j, NULL);
	for (i = 0; i < n; i++)
		info_json_object(&j, devices[i], &infos[i]);
	json_end_array(&j);
	json_finish(&j);
}

void format_stats_text(FILE *f, const struct mmapdemo_stats *s)
{
	size_t i;

	for (i = 0; i < nr_stats_fields; i++)
		fprintf(f, "%-15s %" PRIu64 "\n", stats_fields[i].name,
			stats_value(s, &stats_fields[i]));
}

void format_stats_json(FILE *f, const char *device,
		       const struct mmapdemo_stats *s)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_str(&j, "device", device);
	for (i = 0; i < nr_stats_fields; i++)
		json_u64(&j, stats_fields[i].name,
			 stats_value(s, &stats_fields[i]));
	json_end_object(&j);
	json_finish(&j);
}

void format_status_text(FILE *f, const struct module_status *st)
{
	size_t i;

	fprintf(f, "module:   %s\n", st->name);
	fprintf(f, "state:    %s\n", st->state);
	if (!st->loaded)
		return;
	if (st->refcount >= 0)
		fprintf(f, "refcount: %d\n", st->refcount);
	if (st->core_size >= 0)
		fprintf(f, "size:     %ld\n", st->core_size);
	fputs("holders: ", f);
	if (!st->nr_holders)
		fputs(" (none)", f);
	for (i = 0; i < st->nr_holders; i++)
		fprintf(f, " %s", st->holders[i]);
	fputc('\n', f);
	for (i = 0; i < st->nr_params; i++)
		fprintf(f, "param:    %s=%s\n", st->params[i].name,
			st->params[i].value);
	if (!st->nr_devices)
		fprintf(f, "device:   %s (%s)\n", st->device,
			st->device_present ? "present" : "missing");
	for (i = 0; i < st->nr_devices; i++)
		fprintf(f, "device:   %s (%s)\n", st->devices[i].path,
			st->devices[i].present ? "present" : "missing");
}

void format_status_json(FILE *f, const struct module_status *st)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_str(&j, "module", st->name);
	json_str(&j, "state", st->state);
	json_bool(&j, "loaded", st->loaded);
	if (st->loaded) {
		if (st->refcount >= 0)
			json_i64(&j, "refcount", st->refcount);
		else
			json_null(&j, "refcount");
		if (st->core_size >= 0)
			json_i64(&j, "size", st->core_size);
		else
			json_null(&j, "size");
		json_begin_array(&j, "holders");
		for (i = 0; i < st->nr_holders; i++)
			json_str(&j, NULL, st->holders[i]);
		json_end_array(&j);
		json_begin_object(&j, "parameters");
		for (i = 0; i < st->nr_params; i++)
			json_str(&j, st->params[i].name, st->params[i].value);
		json_end_object(&j);
		json_str(&j, "device", st->device);
		json_bool(&j, "device_present", st->device_present);
		json_begin_array(&j, "devices");
		for (i = 0; i < st->nr_devices; i++) {
			json_begin_object(&j, NULL);
			json_str(&j, "device", st->devices[i].path);
			json_bool(&j, "present", st->devices[i].present);
			json_end_object(&j);
		}
		json_end_array(&j);
	}
	json_end_object(&j);
	json_finish(&j);
}

void format_verify_text(FILE *f, const struct verify_result *r)
{
	const char *mode = mmapdemo_mode_name(r->mode);

	if (r->failed_step) {
		fprintf(f, "%s: FAIL (%s: %s)\n", mode, r->failed_step,
			mmapdemo_strerror(r->err));
		return;
	}
	fprintf(f, "%s: user->kernel %s (crc32c user 0x%08x, kernel 0x%08x)\n",
		mode, r->user_to_kernel ? "ok" : "MISMATCH", r->user_crc,
		r->kernel_crc);
	if (r->kernel_to_user)
		fprintf(f, "%s: kernel->user ok\n", mode);
	else
		fprintf(f, "%s: kernel->user MISMATCH at byte %" PRId64 "\n",
			mode, r->mismatch);
	fprintf(f, "%s: %s\n", mode, verify_passed(r) ? "PASS" : "FAIL");
}

void format_verify_json(FILE *f, const char *device, uint64_t size,
			const struct verify_result *r, size_t nr)
{
	bool pass = nr > 0;
	struct json j;
	size_t i;

	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_str(&j, "device", device);
	json_u64(&j, "size", size);
	json_begin_array(&j, "modes");
	for (i = 0; i < nr; i++) {
		json_begin_object(&j, NULL);
		json_str(&j, "mode", mmapdemo_mode_name(r[i].mode));
		json_bool(&j, "user_to_kernel", r[i].user_to_kernel);
		json_bool(&j, "kernel_to_user", r[i].kernel_to_user);
		json_u64(&j, "user_crc32c", r[i].user_crc);
		json_u64(&j, "kernel_crc32c", r[i].kernel_crc);
		json_i64(&j, "mismatch", r[i].mismatch);
		if (r[i].failed_step) {
			json_str(&j, "failed_step", r[i].failed_step);
			json_str(&j, "error", mmapdemo_strerror(r[i].err));
		} else {
			json_null(&j, "failed_step");
			json_null(&j, "error");
		}
		json_bool(&j, "pass", verify_passed(&r[i]));
		json_end_object(&j);
		if (!verify_passed(&r[i]))
			pass = false;
	}
	json_end_array(&j);
	json_bool(&j, "pass", pass);
	json_end_object(&j);
	json_finish(&j);
}
