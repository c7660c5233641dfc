// SPDX-License-Identifier: GPL-2.0
/*
 * demo: one buffer, two owners. User space writes through its mapping and
 * the kernel reads the same bytes; the kernel writes and user space sees
 * them in its mapping at once. No copies: both sides touch the same pages.
 *
 * Build: cc demo.c $(pkg-config --cflags --libs libmmapdemo)
 *        (in the source tree: make -C user/examples O=$PWD/build/user)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mmapdemo/mmapdemo.h>

static int demo_mode(enum mmapdemo_map_mode mode)
{
	static const char msg[] = "hello kernel, this is user space";
	const uint64_t user_off = 1 << 20, kern_off = (2 << 20) + 8;
	struct mmapdemo_info info;
	struct mmapdemo *md;
	uint32_t kcrc, ucrc;
	char back[sizeof(msg)];
	uint8_t *p;
	int ret, i;

	ret = mmapdemo_open(NULL, O_RDWR, &md);
	if (ret < 0)
		goto err;
	ret = mmapdemo_set_mode(md, mode);
	if (ret < 0)
		goto err_unref;
	ret = mmapdemo_get_info(md, &info);
	if (ret < 0)
		goto err_unref;
	ret = mmapdemo_map(md, 0, 0, PROT_READ | PROT_WRITE, MAP_SHARED,
			   (void **)&p);
	if (ret < 0)
		goto err_unref;

	printf("\n== %s mode: mapped %llu bytes of /dev/mmapdemo at %p\n",
	       mmapdemo_mode_name(mode), (unsigned long long)info.size, p);

	/* user -> kernel */
	memcpy(p + user_off, msg, sizeof(msg));
	printf("[user]   stores \"%s\" at offset %llu (a plain memcpy)\n",
	       msg, (unsigned long long)user_off);
	if (pread(mmapdemo_fd(md), back, sizeof(back), user_off) !=
	    sizeof(back)) {
		ret = -errno;
		goto err_unmap;
	}
	printf("[kernel] read() of offset %llu returns \"%s\"\n",
	       (unsigned long long)user_off, back);
	ret = mmapdemo_checksum(md, user_off, sizeof(msg), &kcrc);
	if (ret < 0)
		goto err_unmap;
	ucrc = mmapdemo_crc32c(0, p + user_off, sizeof(msg));
	printf("[kernel] CRC32C of those bytes: %08x; user space computes %08x: %s\n",
	       kcrc, ucrc, kcrc == ucrc ? "same" : "DIFFERENT");

	/* kernel -> user */
	ret = mmapdemo_fill(md, kern_off, 16, 2024);
	if (ret < 0)
		goto err_unmap;
	printf("[kernel] FILL writes 16 pattern bytes (seed 2024) at offset %llu\n",
	       (unsigned long long)kern_off);
	printf("[user]   sees in the mapping:");
	for (i = 0; i < 16; i++)
		printf(" %02x", p[kern_off + i]);
	printf("\n[user]   expected pattern:   ");
	for (i = 0; i < 16; i++)
		printf(" %02x", mmapdemo_pattern_byte(2024, kern_off + i));
	ret = mmapdemo_pattern_check(p + kern_off, kern_off, 16, 2024) < 0 &&
	      kcrc == ucrc && !strcmp(back, msg) ? 0 : -EIO;
	printf("\n== %s mode: %s\n", mmapdemo_mode_name(mode),
	       ret ? "FAILED" : "both directions shared, no copies");

err_unmap:
	mmapdemo_unmap(p, info.size);
err_unref:
	mmapdemo_unref(md);
err:
	if (ret < 0)
		fprintf(stderr, "demo: %s mode: %s\n", mmapdemo_mode_name(mode),
			mmapdemo_strerror(ret));
	return ret;
}

int main(void)
{
	int ret = demo_mode(MMAPDEMO_MODE_FAULT);

	ret |= demo_mode(MMAPDEMO_MODE_REMAP);
	return ret ? 1 : 0;
}
