/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output formatting of the mmapdemo tool, kept apart from the device code
 * so that the host tests can check it without a device.
 */
#ifndef MMAPDEMO_CLI_FORMAT_H
#define MMAPDEMO_CLI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmapdemo.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * The `hexdump -C` layout: offsets are base + index, lines of 16 bytes and
 * with squeeze, a run of lines equal to the one before becomes one "*".
 */
void format_hexdump(FILE *f, const void *buf, size_t len, uint64_t base,
		    bool squeeze);

/* A tiny JSON writer: one object per line, ", " and ": " separators. */
#define JSON_MAX_DEPTH 8

struct json {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
void json_string(FILE *f, const char *s);
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);
void json_i64(struct json *j, const char *key, int64_t val);
void json_f64(struct json *j, const char *key, double val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* Ends the top-level value with a newline. */
void json_finish(struct json *j);

/* The counters of struct mmapdemo_stats, in order, by their sysfs names. */
struct stats_field {
	const char *name;
	size_t offset;
};

extern const struct stats_field stats_fields[];
extern const size_t nr_stats_fields;

uint64_t stats_value(const struct mmapdemo_stats *s,
		     const struct stats_field *field);

void format_info_text(FILE *f, const char *device,
		      const struct mmapdemo_info *info);
void format_info_json(FILE *f, const char *device,
		      const struct mmapdemo_info *info);
void format_info_json_array(FILE *f, const char * const *devices,
			    const struct mmapdemo_info *infos, size_t n);
void format_stats_text(FILE *f, const struct mmapdemo_stats *s);
void format_stats_json(FILE *f, const char *device,
		       const struct mmapdemo_stats *s);

/* "1.0 MiB", "4.0 KiB", "512 B" into buf. */
const char *format_human_size(char *buf, size_t len, uint64_t bytes);

/* Module status as `mmapdemo status` reports it. */
struct module_param {
	const char *name;
	const char *value;
};

/* A device node of the loaded module (devices=N makes N). */
struct device_status {
	const char *path;
	bool present;
};

struct module_status {
	const char *name;
	const char *state;	/* "live", "coming", ... or "not loaded" */
	bool loaded;
	int refcount;		/* < 0: unknown */
	long core_size;		/* < 0: unknown */
	const char * const *holders;
	size_t nr_holders;
	const struct module_param *params;
	size_t nr_params;
	const char *device;		/* --device, or the first */
	bool device_present;
	const struct device_status *devices;	/* every device, in order */
	size_t nr_devices;
};

void format_status_text(FILE *f, const struct module_status *st);
void format_status_json(FILE *f, const struct module_status *st);

/* One mode's result of `mmapdemo verify`. */
struct verify_result {
	enum mmapdemo_map_mode mode;
	bool user_to_kernel;	/* the kernel's CRC matched the user's */
	bool kernel_to_user;	/* the user saw the kernel's pattern */
	uint32_t user_crc;
	uint32_t kernel_crc;
	int64_t mismatch;	/* first bad byte of kernel_to_user, or -1 */
	const char *failed_step;	/* NULL if every step ran */
	int err;		/* negative errno of failed_step */
};

static inline bool verify_passed(const struct verify_result *r)
{
	return r->user_to_kernel && r->kernel_to_user && !r->failed_step;
}

void format_verify_text(FILE *f, const struct verify_result *r);
void format_verify_json(FILE *f, const char *device, uint64_t size,
			const struct verify_result *r, size_t nr);

#endif /* MMAPDEMO_CLI_FORMAT_H */
