// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mmapdemo: load, inspect and exercise the mmapdemo driver.
 *
 *   mmapdemo [--device PATH|N] [--verbose] COMMAND [OPTIONS] [ARGS]
 *
 * Errors go to stderr as "mmapdemo: COMMAND: message"; the exit codes are
 * in cli.h and mmapdemo(1).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifndef MMAPDEMO_VERSION
#define MMAPDEMO_VERSION "unknown"
#endif

#define RANGE_OPTS							\
	"  -o, --offset N       start at buffer offset N (default 0)\n"	\
	"  -l, --length N       this many bytes\n"

#define JSON_OPT	"      --json           print one JSON object\n"

#define COMMON_OPTS							\
	"  -d, --device PATH|N  the device (default " MMAPDEMO_DEVICE "); N:\n" \
	"                       device N of devices= (0 " MMAPDEMO_DEVICE ")\n" \
	"      --verbose        say more (libkmod messages, seeds)\n"	\
	"  -h, --help           show this help\n"

static const struct cli_command commands[] = {
	{
		.name = "load",
		.run = cmd_load,
		.args = "[--module PATH] [PARAM=VALUE]...",
		.summary = "load the module through libkmod",
		.help =
			"  -m, --module PATH    load this .ko file instead of the\n"
			"                       installed module\n",
		.notes = "Without --module, \"mmapdemo\" is looked up in\n"
			 "/lib/modules/$(uname -r).  PARAM=VALUE goes to the\n"
			 "module: size=16M map_mode=remap ...\n",
	}, {
		.name = "unload",
		.run = cmd_unload,
		.args = "",
		.summary = "unload the module (fails while it is in use)",
		.help =
			"      --force          not supported: a mapped buffer stays\n",
		.notes = "Exit status 3 if the module is not loaded.\n",
	}, {
		.name = "status",
		.run = cmd_status,
		.args = "[--json]",
		.summary = "show the module's state, holders and devices",
		.help = JSON_OPT,
		.notes = "Exit status 0 if the module is loaded, 3 if not.\n",
	}, {
		.name = "info",
		.run = cmd_info,
		.args = "[--json]",
		.summary = "show the buffer size, page size and map modes",
		.help = "      --json           print one JSON object (an array of\n"
			"                       them for several devices)\n",
		.notes = "Without --device, every device of the module.\n",
	}, {
		.name = "fill",
		.run = cmd_fill,
		.args = "[--offset N] [--length N] [--seed N]",
		.summary =
			"have the kernel write the FILL pattern over a range",
		.help = RANGE_OPTS
			"                       (default: up to the end)\n"
			"  -s, --seed N         pattern seed (default 0)\n",
	}, {
		.name = "dump",
		.run = cmd_dump,
		.args = "[--offset N] [--length N] [--mode MODE]",
		.summary = "hexdump -C view of a range, read through a mapping",
		.help = RANGE_OPTS
			"                       (default 256; 0: up to the end)\n"
			"  -m, --mode MODE      map with fault or remap (default:\n"
			"                       the module's map_mode)\n"
			"  -v, --no-squeeze     print repeated lines, not '*'\n",
	}, {
		.name = "verify",
		.run = cmd_verify,
		.args = "[--mode fault|remap|both] [--json]",
		.summary = "round-trip data through a mapping, both directions",
		.help =
			"  -m, --mode MODE      fault, remap or both (default)\n"
			JSON_OPT,
		.notes = "Overwrites the whole buffer.  Exit status 0 only if\n"
			 "every mode passes.\n",
	}, {
		.name = "write-from",
		.run = cmd_write_from,
		.args = "FILE [--offset N]",
		.summary =
			"copy FILE (- for stdin) into the buffer via a mapping",
		.help =
			"  -o, --offset N       start at buffer offset N (default 0)\n",
	}, {
		.name = "read-to",
		.run = cmd_read_to,
		.args = "FILE [--offset N] [--length N]",
		.summary = "copy a range to FILE (- for stdout) via a mapping",
		.help = RANGE_OPTS
			"                       (default: up to the end)\n",
	}, {
		.name = "watch",
		.run = cmd_watch,
		.args = "[--offset N] [--length N] [--interval MS] [--count N]",
		.summary =
			"re-read a range through a mapping and show it, live",
		.help = RANGE_OPTS
			"                       (default 256; 0: up to the end)\n"
			"  -i, --interval MS    between samples (default 1000)\n"
			"  -c, --count N        stop after N samples (default 0:\n"
			"                       never)\n"
			"  -m, --mode MODE      map with fault or remap\n",
	}, {
		.name = "stats",
		.run = cmd_stats,
		.args = "[--json]",
		.summary = "show the driver's counters",
		.help = JSON_OPT,
	}, {
		.name = "exports",
		.run = cmd_exports,
		.args = "",
		.summary = "show the device's dma-buf exports and their importers",
		.help = "",
		.notes = "The importers (attached devices) come from\n"
			 "/sys/kernel/debug/dma_buf/bufinfo: root, with debugfs\n"
			 "mounted.  See mmapdemo_export_dmabuf(3).\n",
	}, {
		.name = "bench",
		.run = cmd_bench,
		.args = "[--quick] [--reps N] [--max-size SIZE] [--only LIST]\n"
			"       [--variants LIST] [--sizes LIST] [--no-fio]\n"
			"       [--json|--csv] [--output PREFIX] [--icount]",
		.summary = "measure the mapping against memcpy, read/write, tmpfs",
		.help =
			"      --quick          tiny sizes, 2 repetitions (a smoke test)\n"
			"  -r, --reps N         repetitions after the warm-up (default 7;\n"
			"                       5 from 256 MiB on)\n"
			"  -s, --max-size SIZE  use at most this much of the buffer\n"
			"  -O, --only LIST      sections, comma separated: k2u, u2k,\n"
			"                       setup, scaling, fio (default all)\n"
			"      --variants LIST  setup variants (default all): remap-4K,\n"
			"                       fault-4K, remap-huge, fault-huge, tmpfs,\n"
			"                       shmem-thp, anon, fault-4K-fa0, -fa64K, -fa2M\n"
			"      --sizes LIST     first-touch sizes (default 64M,1G)\n"
			"      --no-fio         skip the fio section\n"
			"      --json           print one JSON object\n"
			"      --csv            print CSV (one row per figure)\n"
			"  -o, --output PREFIX  also write PREFIX.txt, .csv and .json\n"
			"      --quiet          no progress on standard error\n"
			"      --icount         no timing: the first-touch setups (and a\n"
			"                       fault-around sweep) between the markers of\n"
			"                       the instruction-count plugin, one line per\n"
			"                       setup (make bench ICOUNT=1)\n",
		.notes = "Needs the device read-write and overwrites the buffer.\n"
			 "Uses sizes up to the buffer's (load with size=1G for all\n"
			 "of them). As root, it sets the fault_around and huge\n"
			 "parameters for the variants that need them and puts them\n"
			 "back, also on SIGINT, SIGTERM and SIGHUP, and mounts two\n"
			 "tmpfs in a mount namespace of its own for the file\n"
			 "variants; what it cannot run is reported with the reason.\n"
			 "Ratios compare figures of the same run.  See mmapdemo(1).\n",
	},
	{ NULL }
};

static const struct cli_command *find_command(const char *name)
{
	const struct cli_command *cmd;

	for (cmd = commands; cmd->name; cmd++)
		if (!strcmp(cmd->name, name))
			return cmd;
	return NULL;
}

static void print_main_help(FILE *f)
{
	const struct cli_command *cmd;

	fputs("Usage: mmapdemo [--device PATH|N] [--verbose] COMMAND [OPTIONS]\n"
	      "       mmapdemo COMMAND --help\n"
	      "       mmapdemo --help | --version\n"
	      "\nCommands:\n", f);
	for (cmd = commands; cmd->name; cmd++)
		fprintf(f, "  %-11s %s\n", cmd->name, cmd->summary);
	fputs("\nSizes and offsets take K, M and G suffixes (binary).\n"
	      "Exit status: 0 ok, 1 failed, 2 usage error, 3 device or\n"
	      "module missing, 4 permission denied.  See mmapdemo(1).\n", f);
}

static void print_command_help(const struct cli_command *cmd)
{
	if (!cmd)
		return;
	printf("Usage: mmapdemo %s %s\n%s.\n\nOptions:\n%s%s", cmd->name,
	       cmd->args, cmd->summary, cmd->help, COMMON_OPTS);
	if (cmd->notes)
		printf("\n%s", cmd->notes);
}

static void vmessage(const struct cli *c, const char *fmt, va_list ap)
{
	if (c && c->cmd)
		fprintf(stderr, "mmapdemo: %s: ", c->cmd);
	else
		fputs("mmapdemo: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(c, fmt, ap);
	va_end(ap);
}

int cli_usage(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(c, fmt, ap);
	va_end(ap);
	if (c && c->cmd)
		fprintf(stderr,
			"Try 'mmapdemo %s --help' for more information.\n",
			c->cmd);
	else
		fputs("Try 'mmapdemo --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

/*
 * getopt_long() with the options that every subcommand takes (--device,
 * --verbose, --help) added and handled, and getopt's complaints worded
 * our way.  Returns the next option of the caller's own, -1 at the end,
 * or CLI_OPT_EXIT with the exit code in c->exit.
 */
int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	static const struct option common[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "help", no_argument, NULL, 'h' },
	};
	struct option all[32];
	char sopts[64];
	size_t n = 0, i;
	int opt;

	snprintf(sopts, sizeof(sopts), ":d:h%s", shortopts);
	while (n < ARRAY_SIZE(all) - ARRAY_SIZE(common) - 1 && longopts[n].name)
		n++;
	memcpy(all, longopts, n * sizeof(all[0]));
	for (i = 0; i < ARRAY_SIZE(common); i++)
		all[n++] = common[i];
	memset(&all[n], 0, sizeof(all[n]));

	for (;;) {
		opt = getopt_long(argc, argv, sopts, all, NULL);
		switch (opt) {
		case 'd':
			c->exit = cli_set_device(c, optarg);
			if (c->exit)
				return CLI_OPT_EXIT;
			continue;
		case OPT_VERBOSE:
			c->verbose = true;
			continue;
		case 'h':
			print_command_help(find_command(c->cmd));
			c->exit = EXIT_OK;
			return CLI_OPT_EXIT;
		case ':':
			c->exit = cli_usage(c, "option '%s' needs an argument",
					    argv[optind - 1]);
			return CLI_OPT_EXIT;
		case '?':
			if (optopt)
				c->exit = cli_usage(c, "unknown option '-%c'",
						    optopt);
			else
				c->exit = cli_usage(c, "unknown option '%s'",
						    argv[optind - 1]);
			return CLI_OPT_EXIT;
		}
		return opt;
	}
}

int cli_no_args(const struct cli *c, int argc, char **argv)
{
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/*
 * The command line of a subcommand whose one option of its own is --json
 * and which takes no arguments. False: the command must end now, with
 * c->exit.
 */
bool cli_json_only(struct cli *c, int argc, char **argv, bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL }
	};
	int opt;

	*json = false;
	while ((opt = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (opt != OPT_JSON)
			return false;
		*json = true;
	}
	c->exit = cli_no_args(c, argc, argv);
	return !c->exit;
}

int cli_exit_code(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return EXIT_OK;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return EXIT_NODEV;
	case EACCES:
	case EPERM:
		return EXIT_PERM;
	}
	return EXIT_FAIL;
}

int cli_parse_size(const struct cli *c, const char *opt, const char *arg,
		   uint64_t *out)
{
	int err = mmapdemo_parse_size(arg, out);

	if (err == -ERANGE)
		return cli_usage(c, "%s: '%s' is too large", opt, arg);
	if (err)
		return cli_usage(c,
				 "%s: '%s' is not a size (try 4096, 64K, 16M, 1G)",
				 opt, arg);
	return 0;
}

int cli_parse_u32(const struct cli *c, const char *opt, const char *arg,
		  uint32_t *out)
{
	uint64_t v;
	int err = mmapdemo_parse_size(arg, &v);

	if (!err && v > UINT32_MAX)
		err = -ERANGE;
	if (err == -ERANGE)
		return cli_usage(c, "%s: '%s' does not fit in 32 bits", opt,
				 arg);
	if (err)
		return cli_usage(c, "%s: '%s' is not a number", opt, arg);
	*out = (uint32_t)v;
	return 0;
}

/* A map mode, or with allow_both "both" as MMAPDEMO_MODE_COUNT. */
int cli_parse_mode(const struct cli *c, const char *arg, bool allow_both,
		   int *out)
{
	int mode = mmapdemo_mode_parse(arg);

	if (mode < 0 && allow_both && !strcmp(arg, "both"))
		mode = MMAPDEMO_MODE_COUNT;
	if (mode < 0)
		return cli_usage(c, "--mode: '%s' is not %s", arg,
				 allow_both ? "fault, remap or both" :
				 "fault or remap");
	*out = mode;
	return 0;
}

/*
 * --device PATH, or --device N for device N of a module loaded with
 * devices= (0: /dev/mmapdemo, N: /dev/mmapdemoN).
 */
int cli_set_device(struct cli *c, const char *arg)
{
	char *end;
	unsigned long n;

	c->device_set = true;
	if (!*arg || strspn(arg, "0123456789") != strlen(arg)) {
		c->device = arg;
		return EXIT_OK;
	}
	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || n > UINT_MAX ||
	    mmapdemo_device_path(n, c->device_buf, sizeof(c->device_buf)))
		return cli_usage(c, "no device %s: devices are 0 to %d", arg,
				 MMAPDEMO_MAX_DEVICES - 1);
	c->device = c->device_buf;
	return EXIT_OK;
}

/* Devices of the loaded module: its devices= parameter, else one. */
unsigned int cli_nr_devices(void)
{
	unsigned int n = 1;
	FILE *f = fopen("/sys/module/mmapdemo/parameters/devices", "re");

	if (f) {
		if (fscanf(f, "%u", &n) != 1 || !n || n > MMAPDEMO_MAX_DEVICES)
			n = 1;
		fclose(f);
	}
	return n;
}

/*
 * Open the device, set the file's map mode (@mode < 0: keep the default)
 * and read its info; on failure say why (with the hint when the device is
 * missing) and return the exit code.
 */
int cli_open(const struct cli *c, int oflags, int mode, struct mmapdemo **md,
	     struct mmapdemo_info *info)
{
	int err = mmapdemo_open(c->device, oflags, md);

	if (!err)
		err = mmapdemo_get_info(*md, info);
	if (err) {
		if (*md)
			*md = mmapdemo_unref(*md);
		cli_error(c, "%s: %s", c->device, mmapdemo_strerror(err));
		if (cli_exit_code(err) == EXIT_NODEV)
			cli_error(c, CLI_NODEV_HINT);
		return cli_exit_code(err);
	}
	if (mode < 0)
		return EXIT_OK;
	err = mmapdemo_set_mode(*md, mode);
	if (!err)
		err = mmapdemo_get_info(*md, info);
	if (err) {
		cli_error(c, "set map mode %s: %s", mmapdemo_mode_name(mode),
			  mmapdemo_strerror(err));
		*md = mmapdemo_unref(*md);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL }
	};
	struct cli c = { .device = MMAPDEMO_DEVICE };
	const struct cli_command *cmd;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:d:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (cli_set_device(&c, optarg))
				return EXIT_USAGE;
			break;
		case OPT_VERBOSE:
			c.verbose = true;
			break;
		case 'h':
			print_main_help(stdout);
			return EXIT_OK;
		case 'V':
			printf("mmapdemo %s (ABI %d)\n", MMAPDEMO_VERSION,
			       MMAPDEMO_ABI_VERSION);
			return EXIT_OK;
		case ':':
			return cli_usage(NULL, "option '%s' needs an argument",
					 argv[optind - 1]);
		default:
			if (optopt)
				return cli_usage(NULL, "unknown option '-%c'",
						 optopt);
			return cli_usage(NULL, "unknown option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		print_main_help(stderr);
		return EXIT_USAGE;
	}

	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 >= argc) {
			print_main_help(stdout);
			return EXIT_OK;
		}
		cmd = find_command(argv[optind + 1]);
		if (!cmd)
			return cli_usage(NULL, "unknown command '%s'",
					 argv[optind + 1]);
		print_command_help(cmd);
		return EXIT_OK;
	}

	cmd = find_command(argv[optind]);
	if (!cmd)
		return cli_usage(NULL, "unknown command '%s'", argv[optind]);
	c.cmd = cmd->name;

	/* The subcommand parses its own options from a fresh getopt. */
	argc -= optind;
	argv += optind;
	optind = 0;
	return cmd->run(&c, argc, argv);
}
