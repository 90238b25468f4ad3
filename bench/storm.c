/*
 * storm: the exec-storm workload of bench/execstorm.sh.
 *
 * Runs posix_spawn + waitpid of a program (default /bin/true) N times, one
 * after the other, and prints on stdout the wall time in seconds
 * (CLOCK_MONOTONIC) and the CPU time (user+system) of itself and its children:
 * the second depends less on what else the machine is running. Every spawn ends in one execve(2), which is what the benchmark's
 * audit rule matches. Exits non-zero if any spawn or child fails.
 *
 * A second line, "pid PID", gives storm's own PID, the ppid= of its N
 * execs' SYSCALL records. The benchmark cannot always take it from $!: under
 * `contaudit contid run` storm is exec'd by the CLI's stub, whose PID it
 * keeps, a child of the process the script started. Readers of the first
 * line alone (`read WALL CPU`) are unaffected.
 *
 * usage: storm N [PROGRAM]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double tv_secs(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: storm N [PROGRAM]\n");
		return 2;
	}
	char *end;
	errno = 0;
	long n = strtol(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0) {
		fprintf(stderr, "storm: bad N %s\n", argv[1]);
		return 2;
	}
	char *prog = argc == 3 ? argv[2] : "/bin/true";
	char *child_argv[] = {prog, NULL};

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		pid_t pid;
		int err = posix_spawn(&pid, prog, NULL, NULL, child_argv, environ);
		if (err != 0) {
			fprintf(stderr, "storm: spawn %ld of %s: %s\n", i, prog, strerror(err));
			return 1;
		}
		int status;
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				fprintf(stderr, "storm: waitpid: %s\n", strerror(errno));
				return 1;
			}
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "storm: spawn %ld of %s: child status %#x\n", i, prog, status);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	struct rusage self, kids;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	double cpu = tv_secs(self.ru_utime) + tv_secs(self.ru_stime) +
		     tv_secs(kids.ru_utime) + tv_secs(kids.ru_stime);
	printf("%.3f %.3f\n", secs, cpu);
	printf("pid %ld\n", (long)getpid());
	return 0;
}
