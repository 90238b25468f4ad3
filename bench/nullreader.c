/* nullreader: registers as the audit daemon and throws every record away.
 *
 * The floor for any audit daemon on the exec storm (bench/execstorm.sh,
 * configuration "reader"): what the kernel's auditing costs the workload
 * when the records are taken as fast as they come and nothing is written.
 * It counts the records it received and prints the count on SIGTERM, then
 * unregisters.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig) {
	(void)sig;
	stop = 1;
}

static int set_pid(int fd, unsigned int pid) {
	struct {
		struct nlmsghdr h;
		struct audit_status s;
	} req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = AUDIT_SET;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.s.mask = AUDIT_STATUS_PID;
	req.s.pid = pid;
	return sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0 ? -1 : 0;
}

int main(void) {
	static char buf[1 << 16];
	struct sigaction sa;
	unsigned long records = 0, overruns = 0;
	int rcvbuf = 8 << 20;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	if (fd < 0) {
		perror("nullreader: socket");
		return 1;
	}
	/* The same 8 MiB contaudit asks for, so neither loses records to a
	 * smaller buffer. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
	/* No SA_RESTART: a signal ends the blocking recv with EINTR. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (set_pid(fd, (unsigned int)getpid()) < 0) {
		perror("nullreader: AUDIT_SET pid");
		return 1;
	}
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n > 0) {
			records++;
		} else if (n < 0 && errno == ENOBUFS) {
			overruns++;
		} else if (n < 0 && errno != EINTR) {
			perror("nullreader: recv");
			break;
		}
	}
	set_pid(fd, 0);
	fprintf(stderr, "nullreader: %lu datagrams, %lu overruns\n", records, overruns);
	return 0;
}
