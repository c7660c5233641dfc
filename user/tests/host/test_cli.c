// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host tests: the mmapdemo tool's command line, run as a program.  No
 * device exists here, so this covers help, usage errors (exit 2), the
 * missing-device path (exit 3 and the hint) and the module commands that
 * only look (status, unload of a module that is not loaded).  Nothing
 * here loads a module.
 *
 * The tool is $MMAPDEMO_TOOL, else ../../cli/mmapdemo next to this test.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define MAX_ARGS 16

struct run {
	int status;	/* exit status, or 128 + signal */
	char *out;
	char *err;
};

static const char *tool_path(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n;

	if (getenv("MMAPDEMO_TOOL"))
		return getenv("MMAPDEMO_TOOL");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return "mmapdemo";
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/../../cli/mmapdemo", dirname(self));
	return path;
}

static char *slurp(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, len + 1);

	if (!buf) {
		perror("calloc");
		exit(1);
	}
	if (pread(fd, buf, len, 0) != len)
		buf[0] = '\0';
	close(fd);
	return buf;
}

/* Run the tool with the arguments in args, up to a NULL. */
static void run_argv(struct run *r, const char *const *args)
{
	const char *argv[MAX_ARGS + 2] = { tool_path() };
	int out = memfd_create("out", 0), err = memfd_create("err", 0);
	int argc = 1, status;
	pid_t pid;

	for (; *args && argc <= MAX_ARGS; args++)
		argv[argc++] = *args;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		dup2(out, STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		execv(argv[0], (char **)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	waitpid(pid, &status, 0);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
					128 + WTERMSIG(status);
	r->out = slurp(out);
	r->err = slurp(err);
}

/* run(&r, "info", "--json"): arguments up to the first NULL. */
#define run(r, ...) run_argv(r, (const char *const []){ __VA_ARGS__, NULL })

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* How often needle occurs in hay. */
static int count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static const char * const commands[] = {
	"load", "unload", "status", "info", "fill", "dump", "verify",
	"write-from", "read-to", "watch", "stats", "bench",
};

static void test_tool_exists(void)
{
	if (access(tool_path(), X_OK))
		tap_fail(__FILE__, __LINE__, "%s: %s", tool_path(),
			 strerror(errno));
}

static void test_version(void)
{
	struct run r;

	run(&r, "--version");
	EXPECT_INT(r.status, 0);
	EXPECT_CONTAINS(r.out, "mmapdemo ");
	EXPECT_CONTAINS(r.out, "(ABI 1)");
	run_free(&r);
}

/* Every form the usage lines advertise runs, with exit 0. */
static void test_usage_forms(void)
{
	struct run r;

	run(&r, "--help");
	EXPECT_INT(r.status, 0);
	EXPECT_CONTAINS(r.out, "mmapdemo COMMAND --help\n");
	EXPECT_CONTAINS(r.out, "mmapdemo --help | --version\n");
	EXPECT(!strstr(r.out, "COMMAND --help | --version"));
	run_free(&r);
	run(&r, "info", "--help");
	EXPECT_INT(r.status, 0);
	run_free(&r);
	run(&r, "--version");
	EXPECT_INT(r.status, 0);
	run_free(&r);
}

/*
 * bench --only with an unknown name: the name quoted as given (it was
 * printed from freed memory once).
 */
static void test_bench_only_unknown(void)
{
	static const char * const names[] = {
		"foo", "k2u,bogus", "setup,,fio,x", "scalingg",
	};
	char want[128];
	struct run r;
	size_t i;

	for (i = 0; i < TAP_COUNT(names); i++) {
		const char *bad = strrchr(names[i], ',');

		run(&r, "bench", "--only", names[i]);
		snprintf(want, sizeof(want),
			 "mmapdemo: bench: --only: '%s' is not k2u, u2k, setup, scaling or fio",
			 bad ? bad + 1 : names[i]);
		EXPECT_INT(r.status, 2);
		EXPECT_CONTAINS(r.err, want);
		run_free(&r);
	}
}

static void test_main_help(void)
{
	struct run r;
	size_t i;

	run(&r, "--help");
	EXPECT_INT(r.status, 0);
	for (i = 0; i < TAP_COUNT(commands); i++)
		EXPECT_CONTAINS(r.out, commands[i]);
	EXPECT_CONTAINS(r.out, "Exit status");
	EXPECT_STR(r.err, "");
	run_free(&r);

	run(&r, "help");
	EXPECT_INT(r.status, 0);
	EXPECT_CONTAINS(r.out, "Usage: mmapdemo");
	run_free(&r);
}

static void test_subcommand_help(void)
{
	char want[64];
	struct run r;
	size_t i;

	for (i = 0; i < TAP_COUNT(commands); i++) {
		snprintf(want, sizeof(want), "Usage: mmapdemo %s", commands[i]);
		run(&r, commands[i], "--help");
		EXPECT_INT(r.status, 0);
		EXPECT_CONTAINS(r.out, want);
		EXPECT_CONTAINS(r.out, "--device");
		EXPECT_STR(r.err, "");
		run_free(&r);

		run(&r, commands[i], "-h");
		EXPECT_INT(r.status, 0);
		EXPECT_CONTAINS(r.out, want);
		run_free(&r);

		run(&r, "help", commands[i]);
		EXPECT_INT(r.status, 0);
		EXPECT_CONTAINS(r.out, want);
		run_free(&r);
	}
}

static void test_no_command(void)
{
	struct run r;

	run(&r, NULL);
	EXPECT_INT(r.status, 2);
	EXPECT_CONTAINS(r.err, "Usage: mmapdemo");
	run_free(&r);
}

static void test_unknown_command(void)
{
	struct run r;

	run(&r, "frobnicate");
	EXPECT_INT(r.status, 2);
	EXPECT_CONTAINS(r.err, "mmapdemo: unknown command 'frobnicate'");
	run_free(&r);

	run(&r, "bench", "--bogus");
	EXPECT_INT(r.status, 2);
	run_free(&r);

	/* A known command without the device: exit 3 and the hint. */
	run(&r, "--device", "/nonexistent/mmapdemo", "bench", "--quick");
	EXPECT_INT(r.status, 3);
	EXPECT_CONTAINS(r.err, "hint: load it with: mmapdemo load");
	EXPECT_INT(count(r.err, "module not loaded?"), 1);
	run_free(&r);

	run(&r, "help", "frobnicate");
	EXPECT_INT(r.status, 2);
	run_free(&r);
}

static void test_bad_global_options(void)
{
	struct run r;

	run(&r, "--bogus", "info");
	EXPECT_INT(r.status, 2);
	EXPECT_CONTAINS(r.err, "mmapdemo: unknown option '--bogus'");
	EXPECT_CONTAINS(r.err, "Try 'mmapdemo --help'");
	run_free(&r);

	run(&r, "--device");
	EXPECT_INT(r.status, 2);
	EXPECT_CONTAINS(r.err, "needs an argument");
	run_free(&r);
}

/* Up to four arguments, then the message stderr must contain. */
static void check_usage(const char *a, const char *b, const char *c,
			const char *d, const char *want)
{
	struct run r;
	char try[80];

	run(&r, a, b, c, d);
	snprintf(try, sizeof(try), "Try 'mmapdemo %s --help'", a);
	if (r.status != 2 || !strstr(r.err, want) || !strstr(r.err, try))
		tap_fail(__FILE__, __LINE__,
			 "%s %s %s %s: exit %d, want 2 and \"%s\"; stderr:\n%s",
			 a, b ? b : "", c ? c : "", d ? d : "", r.status, want,
			 r.err);
	run_free(&r);
}

static void test_usage_errors(void)
{
	check_usage("info", "--bogus", NULL, NULL,
		    "mmapdemo: info: unknown option '--bogus'");
	check_usage("stats", "-x", NULL, NULL,
		    "mmapdemo: stats: unknown option '-x'");
	check_usage("info", "extra", NULL, NULL,
		    "mmapdemo: info: unexpected argument 'extra'");
	check_usage("fill", "--offset", NULL, NULL,
		    "mmapdemo: fill: option '--offset' needs an argument");
	check_usage("fill", "--offset", "12Q", NULL,
		    "mmapdemo: fill: --offset: '12Q' is not a size");
	check_usage("fill", "--length", "99999999999999999999", NULL,
		    "mmapdemo: fill: --length: '99999999999999999999' is too large");
	check_usage("fill", "--length=-5", NULL, NULL,
		    "mmapdemo: fill: --length: '-5' is not a size");
	check_usage("fill", "--seed", "0x100000000", NULL,
		    "mmapdemo: fill: --seed: '0x100000000' does not fit in 32 bits");
	check_usage("dump", "--mode", "sideways", NULL,
		    "mmapdemo: dump: --mode: 'sideways' is not fault or remap");
	check_usage("dump", "--mode", "both", NULL,
		    "mmapdemo: dump: --mode: 'both' is not fault or remap");
	check_usage("verify", "--mode", "bogus", NULL,
		    "mmapdemo: verify: --mode: 'bogus' is not fault, remap or both");
	check_usage("write-from", NULL, NULL, NULL,
		    "mmapdemo: write-from: missing FILE");
	check_usage("write-from", "/etc/hostname", "-o", "1X",
		    "mmapdemo: write-from: --offset: '1X' is not a size");
	check_usage("read-to", "a", "b", NULL,
		    "mmapdemo: read-to: unexpected argument 'b'");
	check_usage("read-to", NULL, NULL, NULL,
		    "mmapdemo: read-to: missing FILE");
	check_usage("watch", "--interval", "soon", NULL,
		    "mmapdemo: watch: --interval: 'soon' is not a number");
	check_usage("watch", "--count", "5000000000", NULL,
		    "mmapdemo: watch: --count: '5000000000' does not fit in 32 bits");
	check_usage("unload", "--force", NULL, NULL,
		    "mmapdemo: unload: --force is not supported");
	check_usage("unload", "now", NULL, NULL,
		    "mmapdemo: unload: unexpected argument 'now'");
	check_usage("load", "=1", NULL, NULL,
		    "mmapdemo: load: bad parameter '=1'");
	check_usage("load", "--module", NULL, NULL,
		    "mmapdemo: load: option '--module' needs an argument");
	check_usage("status", "--jsonx", NULL, NULL,
		    "mmapdemo: status: unknown option '--jsonx'");
}

/* Every command that needs the device says so, exits 3 and hints. */
static void test_device_missing(void)
{
	static const char * const args[][3] = {
		{ "info" }, { "info", "--json" }, { "fill" }, { "dump" },
		{ "verify" }, { "write-from", "/dev/null" },
		{ "read-to", "/dev/null" }, { "watch", "--count", "1" },
		{ "stats" }, { "stats", "--json" },
	};
	char want[128];
	struct run r;
	size_t i;

	for (i = 0; i < TAP_COUNT(args); i++) {
		run(&r, args[i][0], "--device", "/nonexistent", args[i][1],
		    args[i][2]);
		snprintf(want, sizeof(want),
			 "mmapdemo: %s: /nonexistent: device not found (module not loaded?)",
			 args[i][0]);
		if (r.status != 3 || !strstr(r.err, want) ||
		    !strstr(r.err, "hint: load it with: mmapdemo load") ||
		    count(r.err, "module not loaded?") != 1)
			tap_fail(__FILE__, __LINE__,
				 "%s: exit %d, stderr:\n%s", args[i][0],
				 r.status, r.err);
		EXPECT_STR(r.out, "");
		run_free(&r);
	}

	/* The global spelling too. */
	run(&r, "--device", "/nonexistent", "info");
	EXPECT_INT(r.status, 3);
	EXPECT_CONTAINS(r.err, "hint: load it with: mmapdemo load");
	EXPECT_INT(count(r.err, "module not loaded?"), 1);
	run_free(&r);
}

static void test_not_a_device(void)
{
	struct run r;

	run(&r, "--device", "/dev/null", "info");
	EXPECT_INT(r.status, 1);
	EXPECT_CONTAINS(r.err,
			"mmapdemo: info: /dev/null: not an mmapdemo device");
	run_free(&r);
}

static void test_input_file_missing(void)
{
	struct run r;

	run(&r, "write-from", "/nonexistent/input", "--device", "/nonexistent");
	EXPECT_INT(r.status, 1);
	EXPECT_CONTAINS(r.err,
			"mmapdemo: write-from: /nonexistent/input: No such file or directory");
	run_free(&r);
}

static void test_status_not_loaded(void)
{
	struct run r;

	if (!access("/sys/module/mmapdemo", F_OK))
		tap_skip("mmapdemo is loaded here");
	run(&r, "status");
	EXPECT_INT(r.status, 3);
	EXPECT_STR(r.out, "module:   mmapdemo\nstate:    not loaded\n");
	run_free(&r);

	run(&r, "status", "--json");
	EXPECT_INT(r.status, 3);
	EXPECT_STR(r.out,
		   "{\"module\": \"mmapdemo\", \"state\": \"not loaded\", \"loaded\": false}\n");
	run_free(&r);
}

static void test_unload_not_loaded(void)
{
	struct run r;

	if (!access("/sys/module/mmapdemo", F_OK))
		tap_skip("mmapdemo is loaded here");
	run(&r, "unload");
	EXPECT_INT(r.status, 3);
	EXPECT_CONTAINS(r.err,
			"mmapdemo: unload: module mmapdemo is not loaded");
	run_free(&r);
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
		TAP_TEST(tool_exists),
		TAP_TEST(version),
		TAP_TEST(main_help),
		TAP_TEST(usage_forms),
		TAP_TEST(bench_only_unknown),
		TAP_TEST(subcommand_help),
		TAP_TEST(no_command),
		TAP_TEST(unknown_command),
		TAP_TEST(bad_global_options),
		TAP_TEST(usage_errors),
		TAP_TEST(device_missing),
		TAP_TEST(not_a_device),
		TAP_TEST(input_file_missing),
		TAP_TEST(status_not_loaded),
		TAP_TEST(unload_not_loaded),
	};

	return tap_main(argc, argv, tests, TAP_COUNT(tests));
}
