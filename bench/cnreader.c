/* cnreader: receives the proc connector's FORK and EXIT events and throws
 * them away.
 *
 * The floor for following the host's processes (bench/execstorm.sh,
 * configuration "contaudit-cnreader", issue 4's CPU target): any process
 * table kept current from the proc connector must at least receive these
 * events. It receives them the cheapest way: the kernel filters out every
 * other event type (Linux 6.6 and later), and every 20 ms (contaudit's
 * contaudit_batch_delay) the socket is drained with recvmmsg(2), 64
 * events a call, without blocking. Nothing is decoded.
 *
 * Its own wake-ups are not part of that floor (a daemon drains the
 * connector in the rounds it runs anyway), so it also measures the thread
 * CPU time spent inside the recvmmsg calls that returned events: the
 * marginal cost of receiving them.
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

int main(void) {
	static char bufs[BATCH][SLOT];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_nl local = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct listen_req req;
	struct sigaction sa;
	struct timespec pause = {0, 20 * 1000 * 1000};
	unsigned long events = 0, overruns = 0;
	long long recv_ns = 0;
	int rcvbuf = 8 << 20;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);

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
