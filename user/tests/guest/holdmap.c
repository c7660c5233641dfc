// SPDX-License-Identifier: GPL-2.0
/*
 * holdmap: map /dev/mmapdemo and keep the mappings, for guest tests that
 * attach a debugger to a process that maps the buffer (60-gdb.sh).
 *
 * usage: holdmap -m fault|remap
 *
 * Maps the whole buffer twice, MAP_SHARED, in that map mode: read-write
 * from a file opened O_RDWR, and read-only from one opened O_RDONLY.
 * Prints "RW-ADDRESS RO-ADDRESS SIZE" (hexadecimal, hexadecimal, decimal)
 * on one line of standard output and waits for a signal. It never
 * touches the mappings itself: in the fault mode every page a debugger
 * reads or writes is faulted in by the debugger's own access.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmapdemo.h"

static void *map_whole(int oflags, int prot, int mode, uint64_t *size)
{
	struct mmapdemo_info info;
	struct mmapdemo *md;
	const char *what;
	void *addr;
	int err;

	what = "open";
	err = mmapdemo_open(NULL, oflags, &md);
	if (err)
		goto fail;
	what = "set mode";
	err = mmapdemo_set_mode(md, mode);
	if (!err) {
		what = "info";
		err = mmapdemo_get_info(md, &info);
	}
	if (!err) {
		what = "mmap";
		err = mmapdemo_map(md, 0, info.size, prot, MAP_SHARED, &addr);
	}
	/* The mapping outlives the handle. */
	mmapdemo_unref(md);
	if (err)
		goto fail;
	*size = info.size;
	return addr;
fail:
	fprintf(stderr, "holdmap: %s: %s\n", what, mmapdemo_strerror(err));
	exit(1);
}

int main(int argc, char **argv)
{
	uint64_t size;
	void *rw, *ro;
	int mode = -1;

	if (argc == 3 && !strcmp(argv[1], "-m"))
		mode = mmapdemo_mode_parse(argv[2]);
	if (mode < 0) {
		fprintf(stderr, "usage: holdmap -m fault|remap\n");
		return 2;
	}
	rw = map_whole(O_RDWR, PROT_READ | PROT_WRITE, mode, &size);
	ro = map_whole(O_RDONLY, PROT_READ, mode, &size);
	printf("%p %p %llu\n", rw, ro, (unsigned long long)size);
	fflush(stdout);
	for (;;)
		pause();
}
