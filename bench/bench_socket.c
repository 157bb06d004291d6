// SPDX-License-Identifier: GPL-2.0
/*
 * The floor under any instruction over vfio-user on this machine: one
 * round trip of a small message between two threads over a UNIX socket
 * pair, the least a VMM and a backend in different threads pay per
 * instruction.  Prints the median of COUNT round trips in microseconds.
 *
 * Usage: bench_socket COUNT
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int pair[2];

static void *echo(void *arg)
{
	char buf[64];

	while (read(pair[1], buf, sizeof(buf)) > 0)
		if (write(pair[1], buf, 16) != 16)
			break;
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 0, i;
	struct timespec t0, t1;
	char buf[16] = { 0 };
	double *us;
	pthread_t t;

	if (count <= 0 || !(us = calloc(count, sizeof(*us))) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, pair) ||
	    pthread_create(&t, NULL, echo, NULL)) {
		fprintf(stderr, "usage: bench_socket COUNT\n");
		return 2;
	}
	for (i = 0; i < count; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (write(pair[0], buf, sizeof(buf)) != sizeof(buf) ||
		    read(pair[0], buf, sizeof(buf)) != sizeof(buf))
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		us[i] = ((t1.tv_sec - t0.tv_sec) * 1e9 +
			 (t1.tv_nsec - t0.tv_nsec)) / 1e3;
	}
	qsort(us, count, sizeof(*us), cmp);
	printf("%.1f\n", us[count / 2]);
	close(pair[0]);
	pthread_join(t, NULL);
	return 0;
}
