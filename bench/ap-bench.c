// SPDX-License-Identifier: GPL-2.0
/*
 * The bare-metal guest of bench_insn.py: it times the AP instruction path
 * from inside the guest with the TOD clock (STCKF, 4096 units a
 * microsecond), and leaves the numbers in its memory for the script:
 *
 *   0x70000  stage: 1 when done
 *   0x70008  TAPQs timed (N), then the RSA runs: for each of 2048- and
 *            4096-bit CRT: requests, TOD units in all, DQAPs in all
 *   0x100000 N 32-bit TOD deltas, one per TAPQ of 01.0001
 *   0x200000, 0x210000: 32-bit TOD deltas, one per request of each run
 *
 * It reuses the start-up and the RSA vectors of tests/guest (ap-start.S).
 */
#include <stdint.h>

extern volatile uint64_t pgm_resume;
extern volatile uint16_t pgm_code;
extern const uint8_t ap_vectors[];

#define RESULTS		((volatile uint64_t *)0x70000UL)
#define DELTAS		((volatile uint32_t *)0x100000UL)
#define RSA_DELTAS(n)	((volatile uint32_t *)(0x200000UL + (n) * 0x10000UL))
#define TAPQS		20000
#define APQN		0x0101UL
#define RC(gr1)		(((gr1) >> 16) & 0xff)

/* libc.c */
void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);

static uint64_t tod(void)
{
	uint64_t clk;

	asm volatile("stckf %0" : "=Q" (clk) : : "cc");
	return clk;
}

static int tapq(uint64_t apqn)
{
	register uint64_t r0 asm("0") = apqn;
	register uint64_t r1 asm("1") = 0;
	register uint64_t r2 asm("2") = 0;
	int cc;

	asm volatile(".insn rre,0xb2af0000,0,0\n"
		     "ipm %[cc]\n"
		     "srl %[cc],28\n"
		     : [cc] "=d" (cc), "+d" (r1), "+d" (r2) : "d" (r0) : "cc");
	return cc;
}

static int nqap(uint64_t psmid, const uint8_t *msg, uint64_t len)
{
	register uint64_t r0 asm("0") = APQN | 0x40000000UL;
	register uint64_t r1 asm("1") = 0;
	register uint64_t r4 asm("4") = psmid >> 32;
	register uint64_t r5 asm("5") = psmid & 0xffffffff;
	register uint64_t r6 asm("6") = (uint64_t)msg;
	register uint64_t r7 asm("7") = len;
	int cc;

	asm volatile("0: .insn rre,0xb2ad0000,4,6\n"
		     "brc 2,0b\n"
		     "ipm %[cc]\n"
		     "srl %[cc],28\n"
		     : [cc] "=d" (cc), "+d" (r1), "+d" (r6), "+d" (r7)
		     : "d" (r0), "d" (r4), "d" (r5) : "cc", "memory");
	return cc;
}

/* one DQAP of the whole reply; cc 3 with rc 0x10 while none is ready */
static int dqap(uint8_t *buf, uint64_t len, uint64_t *gr1)
{
	register uint64_t r0 asm("0") = APQN | 0x80000000UL;
	register uint64_t r1 asm("1") = 0;
	register uint64_t r2 asm("2") = 0;
	register uint64_t r4 asm("4") = 0;
	register uint64_t r5 asm("5") = 0;
	register uint64_t r6 asm("6") = (uint64_t)buf;
	register uint64_t r7 asm("7") = len;
	int cc;

	asm volatile(".insn rre,0xb2ae0000,4,6\n"
		     "ipm %[cc]\n"
		     "srl %[cc],28\n"
		     : [cc] "=d" (cc), "+d" (r1), "+d" (r2), "+d" (r4),
		       "+d" (r5), "+d" (r6), "+d" (r7)
		     : "d" (r0) : "cc", "memory");
	*gr1 = r1;
	return cc;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* vector @n of tests/guest/mkvectors.c */
static const uint8_t *vector(int n, uint32_t *len)
{
	const uint8_t *p = ap_vectors + 8;

	while (n--)
		p += 8 + ((be32(p) + be32(p + 4) + 7) & ~7UL);
	*len = be32(p);
	return p + 8;
}

static uint8_t reply[1024] __attribute__((aligned(8)));

/* @count requests one after another; TOD units and DQAPs in all */
static void rsa_run(int slot, int run, int vec, int count)
{
	uint64_t start, t0, polls = 0, gr1;
	const uint8_t *msg;
	uint32_t len;
	int i;

	msg = vector(vec, &len);
	start = tod();
	for (i = 0; i < count; i++) {
		t0 = tod();
		nqap(i, msg, len);
		do {
			polls++;
		} while (dqap(reply, sizeof(reply), &gr1) == 3 &&
			 RC(gr1) == 0x10);
		RSA_DELTAS(run)[i] = tod() - t0;
	}
	RESULTS[slot] = count;
	RESULTS[slot + 1] = tod() - start;
	RESULTS[slot + 2] = polls;
}

int main(void)
{
	uint64_t t0;
	int i;

	for (i = 0; i < TAPQS; i++) {
		t0 = tod();
		tapq(APQN);
		DELTAS[i] = tod() - t0;
	}
	RESULTS[1] = TAPQS;
	rsa_run(2, 0, 3, 400);	/* 2048-bit CRT */
	rsa_run(5, 1, 5, 100);	/* 4096-bit CRT */
	RESULTS[0] = 1;
	return 0;
}
