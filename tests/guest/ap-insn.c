// SPDX-License-Identifier: GPL-2.0
/*
 * A bare-metal s390x guest for vfio-ap-test: it issues PQAP, NQAP and DQAP
 * as a Linux guest's AP bus and zcrypt do, plus the cases a careless or
 * hostile guest tries, and records each outcome (condition code, or the
 * program exception) with the registers in guest memory, at the places
 * vfio-ap-guest.h names, for the test to check.  It compares the RSA
 * results itself, against the expected results made on the host with
 * OpenSSL (mkvectors), and waits once for the test (an assignment between
 * two QCIs).
 */
#include "ap-ops.h"

/*
 * NQAP or DQAP with an odd register (@insn: opcode, R1 and R2 fields):
 * a specification exception
 */
#define ODD_PAIR(insn)							\
({									\
	int cc = -1;							\
									\
	pgm_code = 0;							\
	asm volatile("	larl	%%r3,1f\n"				\
		     "	stg	%%r3,%[resume]\n"			\
		     "	lghi	%%r0,0x101\n"				\
		     "	.long	%[op]\n"					\
		     "	ipm	%[cc]\n"					\
		     "	srl	%[cc],28\n"				\
		     "1:\n"						\
		     : [cc] "+&d" (cc), [resume] "=Q" (pgm_resume)	\
		     : [op] "i" (insn)					\
		     : "cc", "r0", "r1", "r2", "r3", "memory");		\
	outcome(cc);							\
})

/* PQAP(TAPQ) in problem state: the handler brings us back supervisor */
static uint64_t pqap_problem_state(void)
{
	static uint64_t psw[2] __attribute__((aligned(8))) = {
		0x0001000180000000UL, 0
	};
	int cc = -1;

	pgm_code = 0;
	asm volatile("	larl	%%r3,1f\n"
		     "	stg	%%r3,%[resume]\n"
		     "	larl	%%r3,2f\n"
		     "	stg	%%r3,8+%[psw]\n"
		     "	lpswe	%[psw]\n"
		     "2:	lghi	%%r0,0\n"
		     "	.insn	rre,0xb2af0000,0,0\n"
		     "	ipm	%[cc]\n"
		     "	srl	%[cc],28\n"
		     "1:\n"
		     : [cc] "+&d" (cc), [resume] "=Q" (pgm_resume),
		       [psw] "+Q" (psw)
		     : : "cc", "r0", "r1", "r2", "r3", "memory");
	return outcome(cc);
}

static uint8_t reply_buf[2][1024] __attribute__((aligned(8)));
static uint8_t qci_buf[136] __attribute__((aligned(8)));
static uint8_t page_buf[2 * 4096] __attribute__((aligned(4096)));
static uint8_t msg_buf[2048] __attribute__((aligned(8)));

/* one request to @apqn and its reply; the record says what came back */
static void request(int rec, uint64_t apqn, uint64_t psmid,
		    const struct vector *v)
{
	struct reply r = { 0 };
	uint64_t gr1, parts, out;

	out = send(apqn, psmid, v->msg, v->len, &gr1, &parts);
	if (out) {
		record(rec, out, gr1, 0, 0);
		return;
	}
	receive(apqn, reply_buf[0], sizeof(reply_buf[0]), &r);
	record(rec, r.out, r.gr1, r.psmid, right(reply_buf[0], &r, v));
}

/* operands the architecture defines as invalid for every function */
static void spec_operands(void)
{
	uint64_t gr1, gr2, addr = (uint64_t)reply_buf[0], len, psmid;
	uint64_t residual;

	record(REC_SPEC_PQAP_BITS, pqap_simple(FC(0) | 0x200000 | APQN(1, 1),
					       &gr1, &gr2), gr1, gr2, 0);
	record(REC_SPEC_T_QACT, pqap_simple(FC(5) | T_BIT | APQN(1, 1), &gr1,
					    &gr2), gr1, gr2, 0);
	len = 64;
	record(REC_SPEC_NQAP_BITS, nqap_once(APQN(1, 1) | 0x20000000, 1,
					     &addr, &len, &gr1), gr1, len, 0);
	record(REC_SPEC_DQAP_BITS, dqap_once(APQN(1, 1) | 0x40000000, &psmid,
					     &addr, &len, &gr1, &residual),
	       gr1, len, 0);
	len = 0;
	record(REC_SPEC_NQAP_ZERO, nqap_once(APQN(1, 1) | NQAP_LAST, 1, &addr,
					     &len, &gr1), gr1, len, 0);
	record(REC_SPEC_DQAP_ZERO, dqap_once(APQN(1, 1) | DQAP_FLAG, &psmid,
					     &addr, &len, &gr1, &residual),
	       gr1, len, 0);
}

static void test_exceptions(void)
{
	uint64_t gr1, gr2;

	gr1 = 0x0000800000000006UL;
	gr2 = 0x1000;
	record(REC_SPEC_AQIC, pqap(FC(3) | APQN(1, 1), &gr1, &gr2), gr1, gr2, 0);
	record(REC_SPEC_FC, pqap_simple(FC(6) | APQN(1, 1), &gr1, &gr2),
	       gr1, gr2, 0);
	record(REC_SPEC_T_BIT, pqap_simple(FC(0) | T_BIT | APQN(1, 1), &gr1,
					   &gr2), gr1, gr2, 0);
	record(REC_SPEC_IDS, pqap_simple(FC(0) | APQN(64, 16), &gr1, &gr2),
	       gr1, gr2, 0);
	gr1 = 0;
	gr2 = (uint64_t)qci_buf + 4;
	record(REC_SPEC_QCI_ALIGN, pqap(FC(4), &gr1, &gr2), gr1, gr2, 0);
	record(REC_SPEC_NQAP_ODD, ODD_PAIR(0xb2ad0056), 0, 0, 0);	/* R1 5 */
	record(REC_SPEC_DQAP_ODD, ODD_PAIR(0xb2ae0047), 0, 0, 0);	/* R2 7 */
	gr1 = 0;
	gr2 = 0x7fffff00;		/* beyond the guest's memory */
	record(REC_ADDR_QCI, pqap(FC(4), &gr1, &gr2), gr1, gr2, 0);
	spec_operands();
}

static void qci(int rec, uint64_t where)
{
	uint64_t gr1 = 0, gr2 = (uint64_t)qci_buf;

	memset(qci_buf, 0xee, 128);
	record(rec, pqap(FC(4), &gr1, &gr2), gr1, gr2, 0);
	memcpy((void *)(unsigned long)where, qci_buf, 128);
}

static void test_config(void)
{
	volatile uint64_t *stage = (volatile uint64_t *)(unsigned long)AP_GUEST_STAGE;
	volatile uint64_t *go = (volatile uint64_t *)(unsigned long)AP_GUEST_GO;
	uint64_t gr1, gr2;

	qci(REC_QCI, AP_GUEST_QCI1);
	*stage = 1;			/* the test assigns an adapter now */
	while (!*go)
		;
	qci(REC_QCI_AFTER, AP_GUEST_QCI2);
	record(REC_TAPQ_IN, pqap_simple(FC(0) | T_BIT | APQN(1, 1), &gr1, &gr2),
	       gr1, gr2, 0);
	record(REC_TAPQ_CEX6, pqap_simple(FC(0) | T_BIT | APQN(2, 2), &gr1,
					  &gr2), gr1, gr2, 0);
	record(REC_TAPQ_OUT, pqap_simple(FC(0) | APQN(0, 1), &gr1, &gr2),
	       gr1, gr2, 0);
}

static void test_requests(void)
{
	struct reply a = { 0 }, b = { 0 };
	uint64_t gr1, parts, order = 1;
	int i;

	for (i = 0; i < 6; i++)
		request(REC_RSA + i, APQN(1, 1), 0x1000 + i, &vectors[i]);

	/* two long requests on two queues, computed side by side */
	send(APQN(1, 1), 0x2001, vectors[5].msg, vectors[5].len, &gr1, &parts);
	send(APQN(2, 2), 0x2002, vectors[5].msg, vectors[5].len, &gr1, &parts);
	receive(APQN(1, 1), reply_buf[0], sizeof(reply_buf[0]), &a);
	receive(APQN(2, 2), reply_buf[1], sizeof(reply_buf[1]), &b);
	record(REC_OVERLAP_A, a.out, a.gr1, a.psmid,
	       right(reply_buf[0], &a, &vectors[5]));
	record(REC_OVERLAP_B, b.out, b.gr1, b.psmid,
	       right(reply_buf[1], &b, &vectors[5]));

	/* depth requests fit, one more does not; replies in order */
	for (i = 0; i <= DEPTH; i++) {
		uint64_t out = send(APQN(1, 2), 0x3000 + i, vectors[0].msg,
				    vectors[0].len, &gr1, &parts);

		if (i == DEPTH)
			record(REC_QUEUE_FULL, out, gr1, 0, 0);
	}
	for (i = 0; i < DEPTH; i++) {
		receive(APQN(1, 2), reply_buf[0], sizeof(reply_buf[0]), &a);
		order &= a.psmid == 0x3000UL + i &&
			 right(reply_buf[0], &a, &vectors[0]);
	}
	record(REC_REPLY_ORDER, a.out, a.gr1, a.psmid, order);
}

static void test_parts(void)
{
	const struct vector *v = &vectors[3];	/* 2048-bit CRT: 272 bytes back */
	uint8_t *msg = page_buf + 4096 - 100;	/* across a page boundary */
	struct reply r = { 0 }, rest = { 0 };
	uint64_t gr1, gr2, parts, out;
	int i;

	memcpy(msg, v->msg, v->len);
	out = send(APQN(2, 1), 0x4001, msg, v->len, &gr1, &parts);
	receive(APQN(2, 1), reply_buf[0], sizeof(reply_buf[0]), &r);
	record(REC_NQAP_PARTS, out, gr1, right(reply_buf[0], &r, v), parts);

	/* a buffer of 100 bytes: the rest stays for the next DQAP */
	send(APQN(2, 1), 0x4002, v->msg, v->len, &gr1, &parts);
	for (i = 0; i < 500000; i++) {
		pqap_simple(FC(0) | APQN(2, 1), &gr1, &gr2);
		if (gr1 & 0x40000000UL)		/* replies waiting */
			break;
	}
	take(APQN(2, 1), reply_buf[1], 100, &r);
	record(REC_DQAP_PART, r.out, r.gr1, r.residual, r.got);
	take(APQN(2, 1), reply_buf[1] + 100, sizeof(reply_buf[1]) - 100, &rest);
	rest.got += 100;
	record(REC_DQAP_REST, rest.out, rest.gr1, rest.psmid,
	       right(reply_buf[1], &rest, v));
}

/* three requests, a reset, then nothing to dequeue */
static void test_reset(int rec, unsigned int fc)
{
	struct reply r = { 0 };
	uint64_t gr1, gr2, parts;
	int i;

	for (i = 0; i < 3; i++)
		send(APQN(1, 1), 0x5000 + i, vectors[4].msg, vectors[4].len,
		     &gr1, &parts);
	pqap_simple(FC(fc) | APQN(1, 1), &gr1, &gr2);
	for (i = 0; i < 500000; i++)
		if (!pqap_simple(FC(0) | APQN(1, 1), &gr1, &gr2))
			break;
	for (i = 0; i < 2000; i++)	/* time for a wrong reply to show */
		take(APQN(1, 1), reply_buf[0], sizeof(reply_buf[0]), &r);
	record(rec, r.out, r.gr1, r.psmid, 0);
}

/* requests the card cannot do: type 82 replies */
static void test_bad_requests(void)
{
	static const struct { int rec, offset; uint8_t byte; } bad[] = {
		{ REC_TYPE82_MSGTYPE, 1, 0x51 },
		{ REC_TYPE82_FORMAT, 9, 0x04 },
	};
	uint64_t gr1, parts, out, tapq1, tapq2;
	struct reply r = { 0 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		memcpy(msg_buf, vectors[0].msg, vectors[0].len);
		msg_buf[bad[i].offset] = bad[i].byte;
		send(APQN(1, 1), 0x6000 + i, msg_buf, vectors[0].len, &gr1,
		     &parts);
		receive(APQN(1, 1), reply_buf[0], sizeof(reply_buf[0]), &r);
		record(bad[i].rec, r.out, r.gr1, r.got,
		       reply_buf[0][1] << 8 | reply_buf[0][4]);
	}
	take(APQN(2, 1), reply_buf[0], sizeof(reply_buf[0]), &r);
	record(REC_DQAP_EMPTY, r.out, r.gr1, r.residual, 0);
	/* value: a TAPQ of the guest's own queue after it */
	out = send(APQN(0, 1), 0x7000, vectors[0].msg, vectors[0].len, &gr1,
		   &parts);
	record(REC_NQAP_OUT, out, gr1, 0, pqap_simple(FC(0) | APQN(1, 1),
						      &tapq1, &tapq2));
}

int main(void)
{
	volatile uint64_t *stage = (volatile uint64_t *)(unsigned long)AP_GUEST_STAGE;
	uint64_t gr1, gr2;

	load_vectors();
	record(REC_TAPQ_ZERO, pqap_simple(FC(0) | APQN(0, 0), &gr1, &gr2),
	       gr1, gr2, 0);
	record(REC_PROBLEM_STATE, pqap_problem_state(), 0, 0, 0);
	test_exceptions();
	test_config();
	test_requests();
	test_parts();
	test_reset(REC_RAPQ, 1);
	test_reset(REC_ZAPQ, 2);
	test_bad_requests();
	*stage = 2;
	return 0;
}
