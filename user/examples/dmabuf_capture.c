// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_capture: a V4L2 camera writes a frame straight into the
 * mmapdemo buffer. Two page-aligned ranges of the buffer are exported
 * as dma-bufs (mmapdemo_export_dmabuf()) and queued with
 * V4L2_MEMORY_DMABUF; the driver fills one, and the frame is read
 * through the device's own mapping: no copy anywhere.
 *
 *   sudo modprobe vivid n_devs=1 node_types=0x1   # a virtual camera
 *   dmabuf_capture /dev/video0
 *
 * A DRM driver imports the same fd with DRM_IOCTL_PRIME_FD_TO_HANDLE,
 * another process gets it over a UNIX socket (SCM_RIGHTS) and mmap()s
 * it. While an export lives, the buffer cannot be resized and the
 * module not unloaded; closing the video fd (or REQBUFS with count 0)
 * and our fds releases it.
 *
 * usage: dmabuf_capture [VIDEO_DEVICE]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include <mmapdemo/mmapdemo.h>

static int die(const char *what, int err)
{
	fprintf(stderr, "dmabuf_capture: %s: %s\n", what, strerror(err));
	exit(1);
}

int main(int argc, char **argv)
{
	const char *video = argc > 1 ? argv[1] : "/dev/video0";
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_requestbuffers rb = {
		.count = 2,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
	};
	struct v4l2_buffer b;
	struct mmapdemo_info info;
	struct mmapdemo *md;
	int vfd, dfd[2], type = V4L2_BUF_TYPE_VIDEO_CAPTURE, err, i;
	size_t span;
	uint8_t *buf;
	uint32_t crc;

	err = mmapdemo_open(NULL, O_RDWR, &md);
	if (err)
		die(MMAPDEMO_DEVICE, -err);
	mmapdemo_get_info(md, &info);
	vfd = open(video, O_RDWR | O_CLOEXEC);
	if (vfd < 0 || ioctl(vfd, VIDIOC_G_FMT, &fmt))
		die(video, errno);
	/* Each export: the frame rounded up to whole pages. */
	span = (fmt.fmt.pix.sizeimage + info.page_size - 1) /
	       info.page_size * info.page_size;
	if (2 * span > info.size)
		die("the buffer is too small for two frames", ENOSPC);
	if (ioctl(vfd, VIDIOC_REQBUFS, &rb) || rb.count < 2)
		die("VIDIOC_REQBUFS(V4L2_MEMORY_DMABUF)", errno);

	for (i = 0; i < 2; i++) {
		dfd[i] = mmapdemo_export_dmabuf(md, i * span, span,
						O_RDWR | O_CLOEXEC);
		if (dfd[i] < 0)
			die("mmapdemo_export_dmabuf", -dfd[i]);
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_DMABUF;
		b.index = i;
		b.m.fd = dfd[i];
		b.length = span;
		if (ioctl(vfd, VIDIOC_QBUF, &b))
			die("VIDIOC_QBUF", errno);
	}
	memset(&b, 0, sizeof(b));
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = V4L2_MEMORY_DMABUF;
	if (ioctl(vfd, VIDIOC_STREAMON, &type) || ioctl(vfd, VIDIOC_DQBUF, &b))
		die("capture", errno);
	ioctl(vfd, VIDIOC_STREAMOFF, &type);

	/* The frame, in the pages /dev/mmapdemo maps and the kernel reads. */
	err = mmapdemo_map(md, 0, info.size, PROT_READ, MAP_SHARED,
			   (void **)&buf);
	if (err)
		die("mmapdemo_map", -err);
	mmapdemo_checksum(md, b.index * span, b.bytesused, &crc);
	printf("%ux%u frame of %u bytes in buffer [%zu, +%u), CRC32C %08x\n",
	       fmt.fmt.pix.width, fmt.fmt.pix.height, b.bytesused,
	       b.index * span, b.bytesused, crc);
	printf("first bytes %02x %02x %02x %02x\n", buf[b.index * span],
	       buf[b.index * span + 1], buf[b.index * span + 2],
	       buf[b.index * span + 3]);
	mmapdemo_unmap(buf, info.size);
	/* The camera holds the dma-bufs until its fd is closed. */
	close(vfd);
	close(dfd[0]);
	close(dfd[1]);
	mmapdemo_unref(md);
	return 0;
}
