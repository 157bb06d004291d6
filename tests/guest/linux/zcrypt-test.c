// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux guest's test program (static, s390x): RSA through zcrypt as a
 * guest program uses the cards, with /dev/z90crypt's ICARSAMODEXPO and
 * ICARSACRT, for the vectors mkvectors --ica made on the host with
 * OpenSSL.  Each result is compared with the one OpenSSL computed; one
 * line a vector, then a summary line, for the host's test to read:
 *
 *   zcrypt-test: RSA-2048 CRT ok
 *   zcrypt-test: 6 ok, 0 failed
 *
 * With PROCS and ROUNDS, that many processes each run every vector ROUNDS
 * times at once, so that the requests spread over the queues, and one
 * line says whether every result was right.  With --sign BITS it signs
 * the BITS-bit CRT vector's input with its private key through the card
 * and prints the signature in hex, for the host to check with the public
 * key.  With --bench BITS PROCS SECONDS it runs the BITS-bit CRT vector in
 * PROCS processes for SECONDS and prints how many operations completed
 * (all checked) per second.
 *
 * Usage: zcrypt-test VECTORS [PROCS ROUNDS | --sign BITS |
 *                             --bench BITS PROCS SECONDS]
 */
#include <asm/zcrypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_VECTORS	16
#define MAX_FIELDS	7

struct vector {
	uint32_t bits, crt, nfields;
	uint32_t len[MAX_FIELDS];
	uint8_t *field[MAX_FIELDS];
};

static struct vector vectors[MAX_VECTORS];
static unsigned int nvectors;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* the file mkvectors --ica wrote; false if it is not one */
static int load(const char *path)
{
	static uint8_t buf[1 << 16];
	size_t got, at = 8;
	unsigned int i, j;
	FILE *f = fopen(path, "rb");

	if (!f)
		return 0;
	got = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (got < 8 || memcmp(buf, "ICV1", 4) || be32(buf + 4) > MAX_VECTORS)
		return 0;
	nvectors = be32(buf + 4);
	for (i = 0; i < nvectors; i++) {
		struct vector *v = &vectors[i];

		if (at + 12 > got)
			return 0;
		v->bits = be32(buf + at);
		v->crt = be32(buf + at + 4);
		v->nfields = be32(buf + at + 8);
		at += 12;
		if (v->nfields != (v->crt ? 7U : 4U))
			return 0;
		for (j = 0; j < v->nfields; j++) {
			if (at + 4 > got || be32(buf + at) > got - at - 4)
				return 0;
			v->len[j] = be32(buf + at);
			v->field[j] = buf + at + 4;
			at += 4 + v->len[j];
		}
	}
	return 1;
}

/* one operation through zcrypt, its result in @out; 0 or an errno */
static int compute(int fd, const struct vector *v, uint8_t *out)
{
	uint32_t mod = v->len[0];
	int ret;

	memset(out, 0, mod);
	if (v->crt) {
		struct ica_rsa_modexpo_crt crt = {
			.inputdata = v->field[0], .inputdatalength = mod,
			.outputdata = out, .outputdatalength = mod,
			.bp_key = v->field[1], .bq_key = v->field[2],
			.np_prime = v->field[3], .nq_prime = v->field[4],
			.u_mult_inv = v->field[5],
		};

		ret = ioctl(fd, ICARSACRT, &crt);
	} else {
		struct ica_rsa_modexpo me = {
			.inputdata = v->field[0], .inputdatalength = mod,
			.outputdata = out, .outputdatalength = mod,
			.b_key = v->field[1], .n_modulus = v->field[2],
		};

		ret = ioctl(fd, ICARSAMODEXPO, &me);
	}
	return ret ? (errno ? errno : EIO) : 0;
}

/* one operation; 0 when the result is OpenSSL's, -1 when it is not */
static int run(int fd, const struct vector *v)
{
	uint8_t out[512];
	int ret = compute(fd, v, out);

	if (ret)
		return ret;
	return memcmp(out, v->field[v->nfields - 1], v->len[0]) ? -1 : 0;
}

static const char *name(const struct vector *v)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "RSA-%u %s", v->bits, v->crt ? "CRT" : "ME");
	return buf;
}

/* every vector once, a line each; the failures */
static int each_once(int fd)
{
	unsigned int i, failed = 0;
	int ret;

	for (i = 0; i < nvectors; i++) {
		ret = run(fd, &vectors[i]);
		if (ret)
			failed++;
		if (!ret)
			printf("zcrypt-test: %s ok\n", name(&vectors[i]));
		else if (ret > 0)
			printf("zcrypt-test: %s FAILED: %s\n", name(&vectors[i]),
			       strerror(ret));
		else
			printf("zcrypt-test: %s FAILED: wrong result\n",
			       name(&vectors[i]));
	}
	printf("zcrypt-test: %u ok, %u failed\n", nvectors - failed, failed);
	return failed;
}

/* @procs processes, each every vector @rounds times; the failures */
static int concurrent(int procs, int rounds)
{
	int i, status, failed = 0;

	fflush(stdout);
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return procs;
		if (!pid) {
			int fd = open("/dev/z90crypt", O_RDWR), r, bad = 0;
			unsigned int j;

			for (r = 0; fd >= 0 && r < rounds; r++)
				for (j = 0; j < nvectors; j++)
					bad += run(fd, &vectors[j]) != 0;
			_exit(fd < 0 || bad);
		}
	}
	for (i = 0; i < procs; i++)
		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed++;
	printf("zcrypt-test: concurrent %d x %d: %s\n", procs, rounds,
	       failed ? "FAILED" : "ok");
	return failed;
}

/* the CRT vector of a key size */
static const struct vector *crt_vector(unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < nvectors; i++)
		if (vectors[i].bits == bits && vectors[i].crt)
			return &vectors[i];
	return NULL;
}

/*
 * The signature of the CRT vector of @bits, as the card computes it,
 * printed in hex: the host checks it with the public key alone.
 */
static int sign(int fd, unsigned int bits)
{
	const struct vector *v = crt_vector(bits);
	uint8_t sig[512];
	unsigned int i;
	int ret;

	if (!v)
		return 1;
	ret = compute(fd, v, sig);
	if (ret) {
		printf("signature: FAILED: %s\n", strerror(ret));
		return 1;
	}
	printf("signature: ");
	for (i = 0; i < bits / 8; i++)
		printf("%02x", sig[i]);
	printf("\n");
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* right operations per second of @procs processes for @seconds */
static int bench(unsigned int bits, int procs, double seconds)
{
	const struct vector *v = crt_vector(bits);
	int fds[2], i, bad = 0, status;
	long total = 0, n;
	double start;

	if (!v || pipe(fds))
		return 1;
	fflush(stdout);
	start = now();
	for (i = 0; i < procs; i++) {
		if (!fork()) {
			int fd = open("/dev/z90crypt", O_RDWR);
			long done = 0;

			while (fd >= 0 && now() - start < seconds) {
				if (run(fd, v))
					_exit(1);
				done++;
			}
			_exit(write(fds[1], &done, sizeof(done)) != sizeof(done));
		}
	}
	close(fds[1]);
	for (i = 0; i < procs; i++) {
		if (read(fds[0], &n, sizeof(n)) == sizeof(n))
			total += n;
		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad++;
	}
	printf("bench: RSA-%u CRT %d procs: %.1f ops/s%s\n", bits, procs,
	       total / (now() - start), bad ? " FAILED" : "");
	return bad;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc == 6 && !strcmp(argv[2], "--bench") && load(argv[1]))
		return bench(atoi(argv[3]), atoi(argv[4]), atof(argv[5])) ? 1 : 0;
	if ((argc != 2 && argc != 4) || !load(argv[1])) {
		fprintf(stderr, "usage: zcrypt-test VECTORS [PROCS ROUNDS | "
			"--sign BITS]\n");
		return 2;
	}
	if (argc == 4 && strcmp(argv[2], "--sign"))
		return concurrent(atoi(argv[2]), atoi(argv[3])) ? 1 : 0;
	fd = open("/dev/z90crypt", O_RDWR);
	if (fd < 0) {
		printf("zcrypt-test: /dev/z90crypt: %s\n", strerror(errno));
		return 1;
	}
	if (argc == 4)
		return sign(fd, atoi(argv[3]));
	return each_once(fd) ? 1 : 0;
}
