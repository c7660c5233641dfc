/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MMAPDEMO_DMABUF_H
#define _MMAPDEMO_DMABUF_H

#include <linux/err.h>
#include <linux/mm_types.h>
#include <linux/types.h>

#include "device.h"

struct dma_buf;

#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
struct dma_buf *mmapdemo_dmabuf_export(struct mmapdemo_dev *dev, u64 offset,
				       u64 size, u32 mode, int accmode);
/* vm_ops->fault of a fault-mode mapping of a dma-buf (for KUnit). */
vm_fault_t mmapdemo_dmabuf_fault(struct vm_fault *vmf);
#else
static inline struct dma_buf *
mmapdemo_dmabuf_export(struct mmapdemo_dev *dev, u64 offset, u64 size,
		       u32 mode, int accmode)
{
	return ERR_PTR(-EOPNOTSUPP);
}
#endif

#endif /* _MMAPDEMO_DMABUF_H */
