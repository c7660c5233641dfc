// SPDX-License-Identifier: GPL-2.0
/*
 * signals: SIGSEGV against SIGBUS, and mprotect() (docs/mmap.md,
 * "SIGSEGV and SIGBUS", "mprotect()").
 *
 * SIGSEGV: no VMA at the address (SEGV_MAPERR), or a VMA whose protection
 * forbids the access (SEGV_ACCERR). SIGBUS: a VMA is there, but its fault
 * handler has no page to give (BUS_ADRERR), e.g. a file mapping past the
 * file's end. /dev/mmapdemo cannot be mapped past its buffer's end
 * (mmap() says EINVAL), so SIGBUS is shown on a memfd.
 *
 * usage: signals [fault|remap]
 */
#include <setjmp.h>
#include <sys/syscall.h>

#include "primer.h"

static sigjmp_buf env;
static volatile sig_atomic_t got_sig, got_code;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	siglongjmp(env, 1);
}

static const char *code_name(int sig, int code)
{
	if (sig == SIGSEGV)
		return code == SEGV_MAPERR ? "SEGV_MAPERR" :
		       code == SEGV_ACCERR ? "SEGV_ACCERR" : "another code";
	return code == BUS_ADRERR ? "BUS_ADRERR" : "another code";
}

/*
 * Load from or store to @p: 0, or the signal it raised. Nothing but the
 * globals is used after sigsetjmp() returns the second time.
 */
static int access_page(volatile char *p, int store)
{
	got_sig = 0;
	if (!sigsetjmp(env, 1)) {
		if (store)
			*p = 1;
		else
			(void)*p;
	}
	return got_sig;
}

/* Load from or store to @p, and say what happened. */
static void touch(const char *what, volatile char *p, int store)
{
	access_page(p, store);
	printf("%-52s %s", what, got_sig == SIGSEGV ? "SIGSEGV" :
	       got_sig == SIGBUS ? "SIGBUS" : "ok");
	if (got_sig)
		printf(" (%s)", code_name(got_sig, got_code));
	printf("\n");
}

int main(int argc, char **argv)
{
	const char *mode = primer_mode(argc, argv);
	struct mmapdemo *md = primer_open(mode, O_RDWR);
	struct mmapdemo *ro = primer_open(mode, O_RDONLY);
	struct sigaction sa;
	char *r, *p, *q, *m;
	int mfd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	printf("== signals, %s mode\n", mode);

	/* Two pages of the device, then a page with no VMA. */
	r = primer_reserve(3 * PG, PG);
	p = mmap(r, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 mmapdemo_fd(md), 0);
	if (p == MAP_FAILED)
		die("mmap", errno);
	munmap(r + 2 * PG, PG);
	touch("load from page 1 of a 2-page mapping", p + PG, 0);
	touch("load from page 2, past the mapping (no VMA)", p + 2 * PG, 0);

	/* The VMA is there; its protection says no. */
	if (mprotect(p, 2 * PG, PROT_READ))
		die("mprotect", errno);
	touch("store after mprotect(PROT_READ)", p, 1);
	printf("%-52s %s\n", "mprotect(PROT_READ|PROT_WRITE)",
	       mprotect(p, 2 * PG, PROT_READ | PROT_WRITE) ? errname(errno) : "ok");
	touch("store again", p, 1);

	/* A mapping of a read-only file can never become writable. */
	q = mmap(NULL, PG, PROT_READ, MAP_SHARED, mmapdemo_fd(ro), 0);
	if (q == MAP_FAILED)
		die("mmap O_RDONLY", errno);
	printf("%-52s %s\n", "mprotect(PROT_WRITE) of a map of an O_RDONLY fd",
	       mprotect(q, PG, PROT_READ | PROT_WRITE) ? errname(errno) : "ok");
	touch("store to it", q, 1);

	/* SIGBUS: a one-page memfd mapped for two pages. */
	mfd = syscall(SYS_memfd_create, "primer", 0);
	if (mfd < 0 || ftruncate(mfd, PG))
		die("memfd", errno);
	m = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, mfd, 0);
	if (m == MAP_FAILED)
		die("mmap memfd", errno);
	touch("memfd of 1 page mapped for 2: load from page 0", m, 0);
	touch("... load from page 1, past the file's end", m + PG, 0);
	printf("%-52s %s\n", "mmap() of /dev/mmapdemo past the buffer's end",
	       mmap(NULL, PG, PROT_READ, MAP_SHARED, mmapdemo_fd(md),
		    (off_t)64 << 30) == MAP_FAILED ? errname(errno) : "ok");

	munmap(m, 2 * PG);
	close(mfd);
	munmap(q, PG);
	munmap(p, 2 * PG);
	mmapdemo_unref(ro);
	mmapdemo_unref(md);
	return 0;
}
