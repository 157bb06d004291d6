// SPDX-License-Identifier: GPL-2.0
/*
 * The bare-metal guest of bench_irq.py: RSA-2048 CRT requests one after
 * another on 01.0001, waiting for each reply in three ways: polling DQAP
 * without a pause, polling it every 250 us as Linux's AP bus does (its
 * high-rate poll timer), and an enabled wait for the adapter interruption
 * (AQIC, ISC 6); timed with the TOD clock (4096 units a microsecond).  It
 * leaves for the script:
 *
 *   0x70000  stage: the modes done; after each it waits until the
 *            script has set 0x70008 to the same number
 *   0x70010  per mode (busy polling, timed polling, interrupts), 8 words
 *            each: requests, DQAPs, TOD units in the wait state,
 *            interruptions, AQIC's cc
 *   0x100000 + mode * 0x20000: 32-bit TOD deltas, one per request
 */
#include "ap-ops.h"

#define STAGE		((volatile uint64_t *)0x70000UL)
#define GO		((volatile uint64_t *)0x70008UL)
#define MODE(m)		((volatile uint64_t *)(0x70010UL + (m) * 64))
#define DELTAS(m)	((volatile uint32_t *)(0x100000UL + (m) * 0x20000UL))
#define REQUESTS	10000
#define Q1		APQN(1, 1)
#define ISC		6
#define RSA_2048_CRT	3
#define POLL_TOD	(250 * 4096UL)	/* Linux's poll_high_timeout */

enum { BUSY_POLL, TIMED_POLL, INTERRUPTS };

static volatile uint8_t nib __attribute__((aligned(8)));
static uint8_t reply_buf[1024] __attribute__((aligned(8)));



static void run(int mode)
{
	const struct vector *v = &vectors[RSA_2048_CRT];
	volatile uint64_t *m = MODE(mode);
	uint64_t gr1, parts, t0, w0, next, dqaps = 0, waited = 0;
	uint64_t irqs = io_count;
	struct reply r;
	int i;

	for (i = 0; i < REQUESTS; i++) {
		nib = 0;
		t0 = tod();
		send(Q1, i, v->msg, v->len, &gr1, &parts);
		for (next = t0 + POLL_TOD;; next += POLL_TOD) {
			if (mode == INTERRUPTS) {
				w0 = tod();
				wait_for_io();
				waited += tod() - w0;
				nib = 0;
			} else if (mode == TIMED_POLL) {
				while (tod() < next)
					;
			}
			dqaps++;
			take(Q1, reply_buf, sizeof(reply_buf), &r);
			if (r.out != 3 || RC(r.gr1) != RC_NO_REPLY)
				break;
		}
		DELTAS(mode)[i] = tod() - t0;
	}
	m[0] = REQUESTS;
	m[1] = dqaps;
	m[2] = waited;
	m[3] = io_count - irqs;
}

int main(void)
{
	uint64_t gr1 = 0x0000800000000000UL | ISC, gr2 = (uint64_t)&nib;
	uint64_t mask = 1UL << (31 - ISC);

	int mode;

	load_vectors();
	for (mode = BUSY_POLL; mode <= INTERRUPTS; mode++) {
		if (mode == INTERRUPTS) {
			MODE(mode)[4] = pqap(FC(3) | Q1, &gr1, &gr2);
			/* enabling is asynchronous: until it shows */
			tapq_until(Q1, 1);
			asm volatile("lctlg 6,6,%0" : : "Q" (mask) : "memory");
		}
		run(mode);
		/* the script reads the simulator's timings of this mode */
		*STAGE = mode + 1;
		while (*GO < (uint64_t)mode + 1)
			;
	}
	return 0;
}
