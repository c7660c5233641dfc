// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fork-per-test TAP harness of tap.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define EXIT_SKIP 77

static int failures;
static int skip_fd = -1;

/* Every line of a diagnostic starts with "# ". */
static void vdiag(const char *fmt, va_list ap)
{
	char *msg, *line, *save = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	for (line = strtok_r(msg, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("#   %s\n", line);
	free(msg);
	fflush(stdout);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

void tap_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	failures++;
	printf("#   %s:%d: check failed:\n", file, line);
	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

int tap_failed(void)
{
	return failures;
}

void tap_skip(const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	n = write(skip_fd, reason, strlen(reason));
	(void)n;
	fflush(stdout);
	_exit(EXIT_SKIP);
}

static bool selected(int argc, char **argv, const char *name)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

static bool run_one(const struct tap_test *t, int num)
{
	char reason[256] = "";
	int pipefd[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(pipefd) < 0) {
		printf("not ok %d - %s # pipe: %s\n", num, t->name,
		       strerror(errno));
		return false;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("not ok %d - %s # fork: %s\n", num, t->name,
		       strerror(errno));
		return false;
	}
	if (!pid) {
		close(pipefd[0]);
		skip_fd = pipefd[1];
		alarm(TAP_TIMEOUT);
		t->fn();
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], reason, sizeof(reason) - 1);
	reason[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP) {
		printf("ok %d - %s # SKIP %s\n", num, t->name, reason);
		return true;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %d - %s\n", num, t->name);
		return true;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		printf("#   timed out after %d s\n", TAP_TIMEOUT);
	else if (WIFSIGNALED(status))
		printf("#   killed by signal %d (%s)\n", WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
	printf("not ok %d - %s\n", num, t->name);
	return false;
}

int tap_main(int argc, char **argv, const struct tap_test *tests, size_t nr)
{
	size_t i, planned = 0;
	int num = 0, failed = 0;

	for (i = 0; i < nr; i++)
		if (selected(argc, argv, tests[i].name))
			planned++;
	printf("1..%zu\n", planned);
	for (i = 0; i < nr; i++) {
		if (!selected(argc, argv, tests[i].name))
			continue;
		if (!run_one(&tests[i], ++num))
			failed++;
	}
	fflush(stdout);
	return failed ? 1 : 0;
}
