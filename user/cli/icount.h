/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Instruction-count markers for the TCG counting plugin
 * (scripts/icount/icount.c, make bench ICOUNT=1).
 *
 * ICOUNT_MARK(id) emits the 7-byte nop  nopl 0x4d44XXXX(%rax)
 * (0f 1f 80 XX XX 44 4d), XXXX the 16-bit id, a compile-time constant.
 * On hardware, and under QEMU without the plugin, it is a nop; with the
 * plugin it reports the kernel and user instructions executed since the
 * previous marker. Compilers pad with displacement 0, never with 0x4d44....
 */
#ifndef MMAPDEMO_ICOUNT_H
#define MMAPDEMO_ICOUNT_H

/* id: a constant, emitted as the displacement's low 16 bits. */
#if defined(__x86_64__)
#define ICOUNT_MARK(id)							\
	({ __asm__ volatile(".byte 0x0f,0x1f,0x80\n\t.short %c0\n\t"	\
			    ".byte 0x44,0x4d" :: "i"(id) : "memory"); })
#else
#define ICOUNT_MARK(id)	({ __asm__ volatile("" ::: "memory"); })
#endif

/*
 * The ids. A window is what runs between two markers; the host takes the
 * windows that end at the ids below (the others only start one).
 */
enum icount_marker {
	ICOUNT_CAL_BEGIN = 0x0001,	/* an empty window, for calibration */
	ICOUNT_CAL_END = 0x0002,
	ICOUNT_SETUP_BEGIN = 0x0010,	/* first touch: */
	ICOUNT_SETUP_MMAP = 0x0011,	/*   ends the mmap() window */
	ICOUNT_SETUP_TOUCH = 0x0012,	/*   ends the touch window */
	ICOUNT_SETUP_MUNMAP = 0x0013,	/*   ends the munmap() window */
	ICOUNT_MSG_BEGIN = 0x0020,	/* messages (ring, pipe, eventfd) */
	ICOUNT_MSG_END = 0x0021,
};

#endif
