// SPDX-License-Identifier: GPL-2.0
/*
 * bench_exec: run one command and measure it from the outside, without /usr/bin/time or a
 * shell's clock: wall time from just before fork() to the first complete line on the
 * child's stdout and to its exit, and the child's peak RSS (ru_maxrss from wait4(), which
 * counts the process that ran, not this harness). stdout of the child is drained to
 * nowhere; its stderr goes to /dev/null.
 *
 *   bench_exec CMD [ARGS...]
 *
 * prints one line: "first_line_ms=F wall_ms=W maxrss_kb=R rc=C" (F is -1 when the child
 * wrote no line). Exit status: 0, or 2 when the command could not be run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	double t0, first = -1, end;
	struct rusage ru;
	int fds[2], status, devnull;
	char buf[65536];
	pid_t pid;
	ssize_t n;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_exec CMD [ARGS...]\n");
		return 2;
	}
	if (pipe2(fds, O_CLOEXEC))
		return 2;
	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(fds[1], 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (first < 0 && memchr(buf, '\n', (size_t)n))
			first = now_ms() - t0;
	}
	close(fds[0]);
	if (wait4(pid, &status, 0, &ru) != pid)
		return 2;
	end = now_ms() - t0;
	printf("first_line_ms=%.2f wall_ms=%.2f maxrss_kb=%ld rc=%d\n", first, end, ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
