/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small TAP harness for the host tests: every test runs in its own
 * child process (a crash or a hang fails that test only), checks report
 * as "# " diagnostics and the parent prints "ok N - name".
 *
 *	static void test_foo(void) { EXPECT(1 + 1 == 2); }
 *	int main(int argc, char **argv)
 *	{
 *		static const struct tap_test tests[] = { TAP_TEST(foo) };
 *		return tap_main(argc, argv, tests, TAP_COUNT(tests));
 *	}
 *
 * Arguments select tests whose names contain one of them. An EXPECT*()
 * that fails reports it and the test goes on (it fails at its end), unlike
 * the guest tests' CHECK*(), which end the test.
 */
#ifndef MMAPDEMO_TAP_H
#define MMAPDEMO_TAP_H

#include <stddef.h>
#include <stdint.h>

struct tap_test {
	const char *name;
	void (*fn)(void);
};

#define TAP_TEST(fn)	{ #fn, test_##fn }
#define TAP_COUNT(a)	(sizeof(a) / sizeof((a)[0]))
#define TAP_TIMEOUT	60	/* seconds per test */

int tap_main(int argc, char **argv, const struct tap_test *tests, size_t nr);

/* As in the kernel's compiler_attributes.h. */
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

void __printf(1, 2) tap_diag(const char *fmt, ...);
void __printf(3, 4) tap_fail(const char *file, int line, const char *fmt, ...);
/* Ends the current test as skipped. */
_Noreturn void __printf(1, 2) tap_skip(const char *fmt, ...);
int tap_failed(void);

#define EXPECT(cond)							\
	do {								\
		if (!(cond))						\
			tap_fail(__FILE__, __LINE__, "%s", #cond);	\
	} while (0)

#define EXPECT_U64(a, b)						\
	do {								\
		uint64_t a_ = (a), b_ = (b);				\
		if (a_ != b_)						\
			tap_fail(__FILE__, __LINE__,			\
				 "%s == %s: 0x%llx != 0x%llx", #a, #b,	\
				 (unsigned long long)a_,		\
				 (unsigned long long)b_);		\
	} while (0)

#define EXPECT_INT(a, b)						\
	do {								\
		long long a_ = (a), b_ = (b);				\
		if (a_ != b_)						\
			tap_fail(__FILE__, __LINE__,			\
				 "%s == %s: %lld != %lld", #a, #b,	\
				 a_, b_);				\
	} while (0)

#define EXPECT_STR(a, b)						\
	do {								\
		const char *a_ = (a), *b_ = (b);			\
		if (!a_ || !b_ || strcmp(a_, b_))			\
			tap_fail(__FILE__, __LINE__,			\
				 "%s == %s:\n\"%s\"\n!=\n\"%s\"", #a,	\
				 #b, a_ ? a_ : "(null)",		\
				 b_ ? b_ : "(null)");			\
	} while (0)

#define EXPECT_CONTAINS(hay, needle)					\
	do {								\
		const char *h_ = (hay), *n_ = (needle);			\
		if (!h_ || !strstr(h_, n_))				\
			tap_fail(__FILE__, __LINE__,			\
				 "%s contains \"%s\":\n%s", #hay, n_,	\
				 h_ ? h_ : "(null)");			\
	} while (0)

#endif /* MMAPDEMO_TAP_H */
