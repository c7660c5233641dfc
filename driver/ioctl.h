/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MMAPDEMO_IOCTL_H
#define _MMAPDEMO_IOCTL_H

#include <linux/fs.h>
#include <linux/types.h>

struct mmapdemo_file;

long mmapdemo_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int mmapdemo_file_set_mode(struct mmapdemo_file *f, u32 mode);

#endif /* _MMAPDEMO_IOCTL_H */
