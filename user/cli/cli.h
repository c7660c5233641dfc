/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the subcommands of the mmapdemo tool.
 */
#ifndef MMAPDEMO_CLI_H
#define MMAPDEMO_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "format.h"
#include "mmapdemo.h"

/* As in the kernel's compiler_attributes.h. */
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

/* Exit codes, documented in mmapdemo(1). */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* operation failed, verify mismatch */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_NODEV	3	/* device (or module) missing */
#define EXIT_PERM	4	/* permission denied */

/*
 * After "device not found (module not loaded?)" from mmapdemo_strerror():
 * what to do, without asking the same question again.
 */
#define CLI_NODEV_HINT	"hint: load it with: mmapdemo load"

struct cli {
	const char *device;	/* --device, MMAPDEMO_DEVICE by default */
	bool device_set;	/* --device given: this device only */
	char device_buf[32];	/* --device N: the path of device N */
	const char *cmd;	/* subcommand, for messages */
	bool verbose;
	int exit;	/* exit code, when cli_getopt() says CLI_OPT_EXIT */
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *args;	/* synopsis after the name */
	const char *summary;
	const char *help;	/* options, one per line */
	const char *notes;	/* after the options, or NULL */
};

/* Long-only options use codes above any character. */
enum {
	OPT_VERBOSE = 256,
	OPT_JSON,
	OPT_FORCE,
};

/* cli_getopt(): the command must end now, with exit code c->exit. */
#define CLI_OPT_EXIT	(-2)

int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);
void __printf(2, 3) cli_error(const struct cli *c, const char *fmt, ...);
int __printf(2, 3) cli_usage(const struct cli *c, const char *fmt, ...);
int cli_no_args(const struct cli *c, int argc, char **argv);
bool cli_json_only(struct cli *c, int argc, char **argv, bool *json);
int cli_exit_code(int err);

int cli_parse_size(const struct cli *c, const char *opt, const char *arg,
		   uint64_t *out);
int cli_parse_u32(const struct cli *c, const char *opt, const char *arg,
		  uint32_t *out);
int cli_parse_mode(const struct cli *c, const char *arg, bool allow_both,
		   int *out);

int cli_open(const struct cli *c, int oflags, int mode, struct mmapdemo **md,
	     struct mmapdemo_info *info);
int cli_set_device(struct cli *c, const char *arg);
unsigned int cli_nr_devices(void);

int cmd_load(struct cli *c, int argc, char **argv);
int cmd_unload(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_info(struct cli *c, int argc, char **argv);
int cmd_fill(struct cli *c, int argc, char **argv);
int cmd_dump(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_write_from(struct cli *c, int argc, char **argv);
int cmd_read_to(struct cli *c, int argc, char **argv);
int cmd_watch(struct cli *c, int argc, char **argv);
int cmd_stats(struct cli *c, int argc, char **argv);
int cmd_exports(struct cli *c, int argc, char **argv);
int cmd_bench(struct cli *c, int argc, char **argv);

#endif /* MMAPDEMO_CLI_H */
