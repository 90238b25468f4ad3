/* cnreader: receives the proc connector's FORK and EXIT events and throws
 * them away.
 *
 * What following the host's processes costs before anything handles the
 * events (bench/execstorm.sh, configuration "contaudit-cnreader", issue 4's
 * CPU target): any process table kept current from the proc connector must
 * at least receive them. It receives them the cheapest way: the kernel filters out every
 * other event type (Linux 6.6 and later), and every 20 ms (contaudit's
 * contaudit_batch_delay; PAUSE_MS) the socket is drained with recvmmsg(2), 64
 * events a call, without blocking. Nothing is decoded.
 *
 * Its own wake-ups are not part of that cost (a daemon drains the
 * connector in the rounds it runs anyway), so it also measures the thread
 * CPU time spent inside the recvmmsg calls that returned events: the
 * marginal cost of receiving them.
 *
 * usage: cnreader [PAUSE_MS]   (default 20: the pause between drains)
 *
 * It prints "ready" once subscribed, and on SIGTERM
 * "cnreader: E events, O overruns, R ns receiving" (O: ENOBUFS), then exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define SLOT 256 /* a FORK or EXIT message is 76 bytes with its headers */

static volatile sig_atomic_t stop;

static void on_term(int sig) {
	(void)sig;
	stop = 1;
}

/* The request of Linux 6.6's filtering (struct proc_input), spelled out
 * because older uapi headers lack it; older kernels read only mcast_op. */
struct listen_req {
	struct nlmsghdr h;
	struct cn_msg c;
	uint32_t mcast_op;
	uint32_t event_type;
} __attribute__((packed));

int main(int argc, char **argv) {
	static char bufs[BATCH][SLOT];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_nl local = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct listen_req req;
	struct sigaction sa;
	long pause_ms = argc > 1 ? atol(argv[1]) : 20;
	struct timespec pause;
	unsigned long events = 0, overruns = 0;
	long long recv_ns = 0;
	int rcvbuf = 8 << 20;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);

	if (pause_ms <= 0 || pause_ms > 1000) {
		fprintf(stderr, "cnreader: PAUSE_MS must be 1 to 1000, not '%s'\n", argv[1]);
		return 2;
	}
	pause.tv_sec = pause_ms / 1000;
	pause.tv_nsec = pause_ms % 1000 * 1000000L;
	if (fd < 0) {
		perror("cnreader: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
	if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
		perror("cnreader: bind");
		return 1;
	}
	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = NLMSG_DONE;
	req.h.nlmsg_pid = getpid();
	req.c.id.idx = CN_IDX_PROC;
	req.c.id.val = CN_VAL_PROC;
	req.c.len = 8;
	req.mcast_op = PROC_CN_MCAST_LISTEN;
	req.event_type = PROC_EVENT_FORK | PROC_EVENT_EXIT;
	if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
		perror("cnreader: subscribe");
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = SLOT;
		memset(&msgs[i], 0, sizeof msgs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		nanosleep(&pause, NULL);
		for (;;) {
			struct timespec t0, t1;
			int n;

			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
			n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
			if (n > 0) {
				events += n;
				recv_ns += (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
				if (n == BATCH)
					continue;
			} else if (n < 0 && errno == ENOBUFS) {
				overruns++;
				continue;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				perror("cnreader: recvmmsg");
				stop = 1;
			}
			break;
		}
	}
	fprintf(stderr, "cnreader: %lu events, %lu overruns, %lld ns receiving\n", events, overruns, recv_ns);
	return 0;
}
