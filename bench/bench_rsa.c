// SPDX-License-Identifier: GPL-2.0
/*
 * The computation of a simulated card on the host alone, as bench_insn.py
 * compares it with the whole path from a guest: vector N of the file
 * mkvectors writes, through the cards' own code (sim_rsa_type50(), OpenSSL's
 * libcrypto), COUNT times.  Prints the median microseconds of one
 * computation and fails if the result is not the expected one.
 *
 * Usage: bench_rsa VECTORS N COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ap_card.h"

static unsigned int be32(const unsigned char *p)
{
	return (unsigned int)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static unsigned char file[64 * 1024], reply[SIM_AP_MAX_REPLY];
	const unsigned char *p = file + 8;
	struct timespec t0, t1;
	unsigned int len, size;
	double *us;
	size_t got = 0;
	FILE *f;
	int n, count, i;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_rsa VECTORS N COUNT\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || !fread(file, 1, sizeof(file), f))
		return 1;
	fclose(f);
	n = atoi(argv[2]);
	count = atoi(argv[3]);
	while (n--)
		p += 8 + ((be32(p) + be32(p + 4) + 7) & ~7U);
	len = be32(p);
	size = be32(p + 4);
	us = calloc(count, sizeof(*us));
	if (!us)
		return 1;
	for (i = 0; i < count; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		got = sim_rsa_type50(p + 8, len, reply);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		us[i] = ((t1.tv_sec - t0.tv_sec) * 1e9 +
			 (t1.tv_nsec - t0.tv_nsec)) / 1e3;
	}
	if (got != 16 + size || memcmp(reply + 16, p + 8 + len, size)) {
		fprintf(stderr, "bench_rsa: wrong result\n");
		return 1;
	}
	qsort(us, count, sizeof(*us), cmp);
	printf("%.1f\n", us[count / 2]);
	free(us);
	return 0;
}
