// SPDX-License-Identifier: GPL-2.0
/*
 * ring_bench: what a shared ring buys over a syscall per message.
 *
 * In one run, with 64-byte messages both ways:
 *   ring  echo through the kernel: SQEs in, CQEs out, one doorbell ioctl
 *         per batch; messages/s pipelined in batches, and the round trip
 *         of one message, waiting in poll() or spinning on cq_tail
 *   pipe  the baseline: the same echo through a child process over two
 *         pipes, one write() and one read() per message on each side
 *   producer  records the kernel streams to us at its top rate
 *
 *   usage: ring_bench [-m fault|remap] [-n MESSAGES] [-r ROUND_TRIPS]
 *                     [-b BATCH] [-e ENTRIES] [-j]
 *
 * -j prints one JSON object instead of the table. Numbers only: nothing
 * here judges them.
 *
 * Build: cc ring_bench.c $(pkg-config --cflags --libs libmmapdemo)
 *        (in the source tree: make -C user/examples O=$PWD/build/user)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mmapdemo/mmapdemo.h>

#define MSG	64

struct lat {
	double mean, p50, p99;	/* microseconds */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct lat summarize(uint64_t *ns, size_t n)
{
	struct lat l = { 0 };
	double sum = 0;
	size_t i;

	if (!n)
		return l;
	qsort(ns, n, sizeof(*ns), cmp_u64);
	for (i = 0; i < n; i++)
		sum += ns[i];
	l.mean = sum / n / 1e3;
	l.p50 = ns[n / 2] / 1e3;
	l.p99 = ns[n * 99 / 100] / 1e3;
	return l;
}

static void print_lat(const char *key, const struct lat *l, const char *end)
{
	printf("\"%s\": {\"mean\": %.2f, \"p50\": %.2f, \"p99\": %.2f}%s",
	       key, l->mean, l->p50, l->p99, end);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "ring_bench: %s: %s\n", what, mmapdemo_strerror(err));
	exit(1);
}

/* --- the ring ------------------------------------------------------------- */

static void echo_sqe(struct mmapdemo_sqe *sqe, uint64_t i)
{
	sqe->opcode = MMAPDEMO_OP_ECHO;
	sqe->user_data = i;
	sqe->len = MMAPDEMO_RING_INLINE;
	memcpy(sqe->data, &i, sizeof(i));
}

/* n echoes, as many in flight as the ring allows, batches of batch. */
static double ring_throughput(struct mmapdemo_ring *r, uint64_t n,
			      unsigned int batch)
{
	uint64_t sent = 0, got = 0, t0 = now_ns();

	while (got < n) {
		const struct mmapdemo_cqe *cqe[256];
		struct mmapdemo_sqe *sqe;
		unsigned int k = 0;
		int m, i, err;

		while (sent < n && k < batch &&
		       (sqe = mmapdemo_ring_sq_reserve(r))) {
			echo_sqe(sqe, sent++);
			k++;
		}
		if (k) {
			err = mmapdemo_ring_submit(r);
			if (err < 0)
				die("submit", err);
		}
		m = mmapdemo_ring_cq_peek_batch(r, cqe, 256);
		if (m < 0)
			die("peek", m);
		if (!m) {
			/* A CQ that was full needs a kick to go on. */
			err = k ? 0 : mmapdemo_ring_doorbell(r);
			if (err < 0)
				die("doorbell", err);
			m = mmapdemo_ring_wait(r, 10000);
			if (m <= 0)
				die("wait", m ? m : -ETIMEDOUT);
			continue;
		}
		for (i = 0; i < m; i++)
			if (cqe[i]->user_data != got++ || cqe[i]->res < 0)
				die("echo out of order", -EBADMSG);
		mmapdemo_ring_cq_release(r, m);
	}
	return n / ((now_ns() - t0) / 1e9);
}

/* One echo at a time: submit, then poll() (spin: busy-peek) for it. */
static struct lat ring_rtt(struct mmapdemo_ring *r, uint64_t *ns, size_t n,
			   int spin)
{
	const struct mmapdemo_cqe *cqe;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		echo_sqe(mmapdemo_ring_sq_reserve(r), i);
		err = mmapdemo_ring_submit(r);
		if (err < 0)
			die("submit", err);
		if (spin) {
			while ((err = mmapdemo_ring_cq_peek(r, &cqe)) == 0)
				;
		} else {
			err = mmapdemo_ring_wait(r, 10000);
			if (err > 0)
				err = mmapdemo_ring_cq_peek(r, &cqe);
		}
		if (err <= 0)
			die("round trip", err ? err : -ETIMEDOUT);
		ns[i] = now_ns() - t0;
		if (cqe->user_data != i)
			die("round trip", -EBADMSG);
		mmapdemo_ring_cq_release(r, 1);
	}
	return summarize(ns, n);
}

/* The producer at full speed, consumed as fast as we can. */
static void producer(struct mmapdemo_ring *r, uint64_t n, double *rate,
		     uint64_t *dropped)
{
	struct mmapdemo_ring_stats a, b;
	uint64_t t0 = now_ns();
	int err, m;

	err = mmapdemo_ring_get_stats(r, &a);
	if (err)
		die("stats", err);
	err = mmapdemo_ring_producer_start(r, MMAPDEMO_RING_MAX_RATE, n, 1);
	if (err)
		die("producer", err);
	for (;;) {
		const struct mmapdemo_cqe *cqe[256];

		m = mmapdemo_ring_cq_peek_batch(r, cqe, 256);
		if (m > 0) {
			mmapdemo_ring_cq_release(r, m);
			continue;
		}
		err = mmapdemo_ring_get_stats(r, &b);
		if (err)
			die("stats", err);
		if (!b.producing && mmapdemo_ring_cq_peek_batch(r, cqe, 1) == 0)
			break;
		mmapdemo_ring_wait(r, 10);
	}
	*rate = (b.records - a.records) / ((now_ns() - t0) / 1e9);
	*dropped = b.dropped - a.dropped;
}

/* --- the pipe baseline ---------------------------------------------------- */

static int full(ssize_t (*io)(int, void *, size_t), int fd, void *buf)
{
	size_t done = 0;

	while (done < MSG) {
		ssize_t n = io(fd, (char *)buf + done, MSG - done);

		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static ssize_t write_(int fd, void *buf, size_t len)
{
	return write(fd, buf, len);
}

/* The echo server: one read and one write per message. */
static pid_t pipe_child(int *to, int *from)
{
	int a[2], b[2];
	pid_t pid;

	if (pipe(a) || pipe(b))
		die("pipe", -errno);
	pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (!pid) {
		char msg[MSG];

		close(a[1]);
		close(b[0]);
		while (!full(read, a[0], msg) && !full(write_, b[1], msg))
			;
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	*to = a[1];
	*from = b[0];
	return pid;
}

static double pipe_throughput(int to, int from, uint64_t n,
			      unsigned int batch)
{
	uint64_t sent = 0, got = 0, t0 = now_ns();
	char msg[MSG] = { 0 };

	while (got < n) {
		unsigned int k;

		for (k = 0; k < batch && sent < n; k++, sent++) {
			memcpy(msg, &sent, sizeof(sent));
			if (full(write_, to, msg))
				die("pipe write", -errno);
		}
		for (; got < sent; got++) {
			uint64_t v;

			if (full(read, from, msg))
				die("pipe read", -errno);
			memcpy(&v, msg, sizeof(v));
			if (v != got)
				die("pipe echo out of order", -EBADMSG);
		}
	}
	return n / ((now_ns() - t0) / 1e9);
}

static struct lat pipe_rtt(int to, int from, uint64_t *ns, size_t n)
{
	char msg[MSG] = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		if (full(write_, to, msg) || full(read, from, msg))
			die("pipe", -errno);
		ns[i] = now_ns() - t0;
	}
	return summarize(ns, n);
}

int main(int argc, char **argv)
{
	uint64_t n = 1000000, rtts = 20000, dropped, *ns;
	unsigned int batch = 64, entries = 256;
	int mode = -1, json = 0, opt, to, from, err, status;
	struct lat r_poll, r_spin, p_rtt;
	double r_tput, p_tput, prod;
	struct mmapdemo_ring_setup setup;
	struct mmapdemo_ring *r;
	struct mmapdemo *md;
	pid_t child;

	while ((opt = getopt(argc, argv, "m:n:r:b:e:j")) != -1) {
		switch (opt) {
		case 'm':
			mode = mmapdemo_mode_parse(optarg);
			if (mode < 0)
				die(optarg, -EINVAL);
			break;
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			rtts = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			batch = strtoul(optarg, NULL, 0);
			break;
		case 'e':
			entries = strtoul(optarg, NULL, 0);
			break;
		case 'j':
			json = 1;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-m fault|remap] [-n MESSAGES]\n"
				"       [-r ROUND_TRIPS] [-b BATCH] [-e ENTRIES] [-j]\n",
				argv[0]);
			return 2;
		}
	}
	if (!n || !rtts || !batch || batch > entries)
		die("arguments", -EINVAL);
	ns = calloc(rtts, sizeof(*ns));
	if (!ns)
		die("memory", -ENOMEM);

	err = mmapdemo_open(NULL, O_RDWR, &md);
	if (!err && mode >= 0)
		err = mmapdemo_set_mode(md, mode);
	setup = (struct mmapdemo_ring_setup){ .sq_entries = entries,
					      .cq_entries = entries };
	if (!err)
		err = mmapdemo_ring_setup(md, &setup, &r);
	if (err)
		die("ring", err);
	if (mode < 0) {
		struct mmapdemo_info info;

		if (!mmapdemo_get_info(md, &info))
			mode = info.map_mode;
	}

	r_tput = ring_throughput(r, n, batch);
	r_poll = ring_rtt(r, ns, rtts, 0);
	r_spin = ring_rtt(r, ns, rtts, 1);
	producer(r, n, &prod, &dropped);

	signal(SIGPIPE, SIG_IGN);
	child = pipe_child(&to, &from);
	p_tput = pipe_throughput(to, from, n, batch);
	p_rtt = pipe_rtt(to, from, ns, rtts);
	close(to);
	close(from);
	waitpid(child, &status, 0);

	if (json) {
		printf("{\"mode\": \"%s\", \"message_bytes\": %d, ",
		       mmapdemo_mode_name(mode), MSG);
		printf("\"entries\": %u, \"batch\": %u, ", entries, batch);
		printf("\"messages\": %llu, \"round_trips\": %llu, ",
		       (unsigned long long)n, (unsigned long long)rtts);
		printf("\"ring\": {\"msgs_per_s\": %.0f, ", r_tput);
		print_lat("rtt_poll_us", &r_poll, ", ");
		print_lat("rtt_spin_us", &r_spin, "}, ");
		printf("\"pipe\": {\"msgs_per_s\": %.0f, ", p_tput);
		print_lat("rtt_us", &p_rtt, "}, ");
		printf("\"producer\": {\"records_per_s\": %.0f, ", prod);
		printf("\"dropped\": %llu}}\n", (unsigned long long)dropped);
	} else {
		printf("ring_bench: %s mode, %d-byte messages, ",
		       mmapdemo_mode_name(mode), MSG);
		printf("ring %u/%u, batch %u\n", entries, entries, batch);
		printf("%-22s %12s %10s %10s %10s\n", "", "messages/s",
		       "rtt mean", "rtt p50", "rtt p99 (us)");
		printf("%-22s %12.0f %10.2f %10.2f %10.2f\n",
		       "ring (poll wakeup)", r_tput, r_poll.mean, r_poll.p50,
		       r_poll.p99);
		printf("%-22s %12s %10.2f %10.2f %10.2f\n",
		       "ring (spin on cq_tail)", "", r_spin.mean, r_spin.p50,
		       r_spin.p99);
		printf("%-22s %12.0f %10.2f %10.2f %10.2f\n",
		       "pipe (ping-pong)", p_tput, p_rtt.mean, p_rtt.p50,
		       p_rtt.p99);
		printf("ring vs pipe: %.1fx the messages/s; ", r_tput / p_tput);
		printf("rtt p50 %.2f us vs %.2f us\n", r_poll.p50, p_rtt.p50);
		printf("producer: %.0f records/s delivered, %llu dropped\n",
		       prod, (unsigned long long)dropped);
	}
	mmapdemo_ring_free(r);
	mmapdemo_unref(md);
	free(ns);
	return 0;
}
