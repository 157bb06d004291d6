// SPDX-License-Identifier: GPL-2.0
/*
 * The AP instructions as the bare-metal guests of vfio-ap-test issue them,
 * with a program exception caught and recorded instead of taken (see
 * ap-start.S), and the RSA vectors made on the host (mkvectors).
 */
#include "ap-ops.h"

int same(const uint8_t *a, const uint8_t *b, unsigned long n)
{
	while (n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

void record(int n, uint64_t outcome, uint64_t gr1, uint64_t gr2,
		   uint64_t value)
{
	volatile uint64_t *r = (volatile uint64_t *)(unsigned long)AP_GUEST_REC(n);

	r[0] = outcome;
	r[1] = gr1;
	r[2] = gr2;
	r[3] = value;
}

uint64_t outcome(int cc)
{
	return cc >= 0 ? (uint64_t)cc : (uint64_t)AP_PGM + pgm_code;
}

/* ---- the instructions; on a program exception the handler resumes at 1 */

uint64_t pqap(uint64_t gr0, uint64_t *gr1, uint64_t *gr2)
{
	register uint64_t r0 asm("0") = gr0;
	register uint64_t r1 asm("1") = *gr1;
	register uint64_t r2 asm("2") = *gr2;
	int cc = -1;

	pgm_code = 0;
	asm volatile("	larl	%%r3,1f\n"
		     "	stg	%%r3,%[resume]\n"
		     "	.insn	rre,0xb2af0000,0,0\n"
		     "	ipm	%[cc]\n"
		     "	srl	%[cc],28\n"
		     "1:\n"
		     : [cc] "+&d" (cc), "+&d" (r0), "+&d" (r1), "+&d" (r2),
		       [resume] "=Q" (pgm_resume)
		     : : "cc", "r3", "memory");
	*gr1 = r1;
	*gr2 = r2;
	return outcome(cc);
}

uint64_t pqap_simple(uint64_t gr0, uint64_t *gr1, uint64_t *gr2)
{
	*gr1 = 0;
	*gr2 = 0;
	return pqap(gr0, gr1, gr2);
}

int tapq_until(uint64_t apqn, int on)
{
	uint64_t gr1, gr2;
	int i;

	for (i = 0; i < 1000; i++) {
		pqap_simple(FC(0) | apqn, &gr1, &gr2);
		if (on < 0 ? ((gr1 >> 16) & 0xff) != 0x02 :
			     !!(gr1 & 0x01000000UL) == on)
			return 1;
	}
	return 0;
}

/* one NQAP; R1 pair in r4/r5, R2 pair in r6/r7 */
uint64_t nqap_once(uint64_t gr0, uint64_t psmid, uint64_t *addr,
			  uint64_t *len, uint64_t *gr1)
{
	register uint64_t r0 asm("0") = gr0;
	register uint64_t r1 asm("1") = 0;
	register uint64_t r4 asm("4") = psmid >> 32;
	register uint64_t r5 asm("5") = psmid & 0xffffffff;
	register uint64_t r6 asm("6") = *addr;
	register uint64_t r7 asm("7") = *len;
	int cc = -1;

	pgm_code = 0;
	asm volatile("	larl	%%r3,1f\n"
		     "	stg	%%r3,%[resume]\n"
		     "	.insn	rre,0xb2ad0000,4,6\n"
		     "	ipm	%[cc]\n"
		     "	srl	%[cc],28\n"
		     "1:\n"
		     : [cc] "+&d" (cc), "+&d" (r1), "+&d" (r6), "+&d" (r7),
		       [resume] "=Q" (pgm_resume)
		     : "d" (r0), "d" (r4), "d" (r5)
		     : "cc", "r2", "r3", "memory");
	*addr = r6;
	*len = r7;
	*gr1 = r1;
	return outcome(cc);
}

uint64_t dqap_once(uint64_t gr0, uint64_t *psmid, uint64_t *addr,
			  uint64_t *len, uint64_t *gr1, uint64_t *residual)
{
	register uint64_t r0 asm("0") = gr0;
	register uint64_t r1 asm("1") = 0;
	register uint64_t r2 asm("2") = 0;
	register uint64_t r4 asm("4") = 0;
	register uint64_t r5 asm("5") = 0;
	register uint64_t r6 asm("6") = *addr;
	register uint64_t r7 asm("7") = *len;
	int cc = -1;

	pgm_code = 0;
	asm volatile("	larl	%%r3,1f\n"
		     "	stg	%%r3,%[resume]\n"
		     "	.insn	rre,0xb2ae0000,4,6\n"
		     "	ipm	%[cc]\n"
		     "	srl	%[cc],28\n"
		     "1:\n"
		     : [cc] "+&d" (cc), "+&d" (r1), "+&d" (r2), "+&d" (r4),
		       "+&d" (r5), "+&d" (r6), "+&d" (r7),
		       [resume] "=Q" (pgm_resume)
		     : "d" (r0)
		     : "cc", "r3", "memory");
	*psmid = r4 << 32 | (r5 & 0xffffffff);
	*addr = r6;
	*len = r7;
	*gr1 = r1;
	*residual = r2;
	return outcome(cc);
}

/* ---- requests and replies ---- */

/* the whole message, repeating on partial completion; cc 2s in *parts */
uint64_t send(uint64_t apqn, uint64_t psmid, const uint8_t *msg,
		     uint64_t len, uint64_t *gr1, uint64_t *parts)
{
	uint64_t addr = (uint64_t)msg, out;
	int guard = 0;

	*parts = 0;
	do {
		out = nqap_once(apqn | NQAP_LAST, psmid, &addr, &len, gr1);
		*parts += out == 2;
	} while (out == 2 && guard++ < 1000);
	return out;
}


/* DQAP as Linux's ap_dqap(): repeat on cc 1 or 2 while there is room */
void take(uint64_t apqn, uint8_t *buf, uint64_t room, struct reply *r)
{
	uint64_t addr = (uint64_t)buf, len = room;

	do {
		r->out = dqap_once(apqn | DQAP_FLAG, &r->psmid, &addr, &len,
				   &r->gr1, &r->residual);
	} while ((r->out == 1 || r->out == 2) && len);
	r->got = room - len;
}

/* wait for the oldest reply: poll while there is none yet */
void receive(uint64_t apqn, uint8_t *buf, uint64_t room,
		    struct reply *r)
{
	long i;

	for (i = 0; i < 500000; i++) {
		take(apqn, buf, room, r);
		if (r->out != 3 || RC(r->gr1) != RC_NO_REPLY)
			return;
	}
}


uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

struct vector vectors[6];

void load_vectors(void)
{
	const uint8_t *p = ap_vectors + 8;
	int i;

	for (i = 0; i < 6; i++) {
		vectors[i].len = be32(p);
		vectors[i].size = be32(p + 4);
		vectors[i].msg = p + 8;
		vectors[i].want = p + 8 + vectors[i].len;
		p += 8 + ((vectors[i].len + vectors[i].size + 7) & ~7UL);
	}
}

int right(const uint8_t *reply, const struct reply *r,
		 const struct vector *v)
{
	return r->out == 0 && r->got == 16 + v->size && reply[1] == 0x80 &&
	       same(reply + 16, v->want, v->size);
}

uint64_t tod(void)
{
	uint64_t clk;

	asm volatile("stckf %0" : "=Q" (clk) : : "cc");
	return clk;
}

void wait_for_io(void)
{
	static uint64_t psw[2] __attribute__((aligned(8))) = {
		0x0202000180000000UL, 0
	};

	asm volatile("	larl	%%r1,1f\n"
		     "	stg	%%r1,8+%[psw]\n"
		     "	lpswe	%[psw]\n"
		     "1:\n"
		     : [psw] "+Q" (psw) : : "r1", "cc", "memory");
}
