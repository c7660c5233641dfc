#!/bin/sh
# dma-buf export in both map modes (dmabuf.c). On the stock kernels vivid
# and vgem (modules of Debian's generic kernels) are the importers; the
# debug kernels have neither and run the mapping, lifetime and sw_sync
# fence tests (MD_DMABUF_IMPORTERS=none).
. /run/mmapdemo/repo/scripts/guest/lib.sh
# bufinfo lists the live dma-bufs.
[ -r /sys/kernel/debug/dma_buf/bufinfo ] ||
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if [ "$FLAVOR" != stock ]; then
	MD_DMABUF_IMPORTERS=none exec "$GUEST_TESTS/dmabuf"
fi
# One vivid instance with only a video capture node: faster to load.
if ! modprobe vivid n_devs=1 node_types=0x1 || ! modprobe vgem; then
	echo "Bail out! cannot load vivid and vgem for $(uname -r)"
	exit 1
fi
"$GUEST_TESTS/dmabuf"
rc=$?
modprobe -r vivid vgem || rc=1
exit $rc
