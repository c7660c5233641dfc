/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MMAPDEMO_RING_H
#define _MMAPDEMO_RING_H

#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/poll.h>
#include <linux/types.h>

#include "uapi/mmapdemo.h"

struct mmapdemo_buf;
struct mmapdemo_file;

int mmapdemo_ring_init(void);
void mmapdemo_ring_exit(void);
struct mmapdemo_buf *mmapdemo_ring_get_mem_for_vma(struct mmapdemo_file *f);
__poll_t mmapdemo_ring_poll(struct file *file, poll_table *wait);
long mmapdemo_ring_ioctl(struct mmapdemo_file *f, unsigned int cmd,
			 void __user *uarg);
void mmapdemo_ring_release(struct mmapdemo_file *f);

#endif /* _MMAPDEMO_RING_H */
