// SPDX-License-Identifier: GPL-2.0
/*
 * A bare-metal s390x guest for vfio-ap-test: AP queue interrupts as a
 * Linux guest's AP bus uses them.  It enables them with PQAP(AQIC) for ISC
 * 6 and one notification indicator byte (NIB) shared by its queues, waits
 * for the adapter interruption of a reply in an enabled wait, clears the
 * NIB and drains its queues with DQAP, and checks that every way of
 * turning interrupts off stops them.  It records what it saw in the
 * layout of vfio-ap-irq-guest.h, and waits once for the test (stage 1),
 * which looks at the simulator's pinned pages meanwhile.
 */
#include "ap-ops.h"
#include "vfio-ap-irq-guest.h"

#define AQIC_IR		0x0000800000000000UL
#define STATUS_IRQ_ON	0x01000000UL
#define TOD_PER_MS	(4096UL * 1000)
#define Q1		APQN(1, 1)
#define Q2		APQN(1, 2)
#define RSA_2048_CRT	3

static volatile uint8_t nib __attribute__((aligned(8)));
static uint8_t reply_buf[1024] __attribute__((aligned(8)));


/* CR6: the I/O interruption subclasses the CPU takes (ISC n: bit 32 + n) */
static void set_isc_mask(uint64_t mask)
{
	asm volatile("lctlg 6,6,%0" : : "Q" (mask) : "memory");
}

static uint64_t isc_bit(unsigned int isc)
{
	return 1UL << (31 - isc);
}

static uint64_t aqic(uint64_t apqn, uint64_t ctrl, uint64_t nib_addr,
		     uint64_t *gr1)
{
	uint64_t gr2 = nib_addr;

	*gr1 = ctrl;
	return pqap(FC(3) | apqn, gr1, &gr2);
}

/* AQIC(on), then TAPQ until they show on, as Linux's AP bus waits */
static uint64_t enable(uint64_t apqn, uint64_t *gr1)
{
	uint64_t out;

	out = aqic(apqn, AQIC_IR | AP_IRQ_GUEST_ISC, (uint64_t)&nib, gr1);
	if (!out && !tapq_until(apqn, 1))
		out = 0xee;
	return out;
}


/*
 * Run enabled for I/O for @ms milliseconds, or until an interruption has
 * come; the interruptions counted.
 */
static uint64_t spin_enabled(uint64_t ms)
{
	uint64_t start = io_count, end = tod() + ms * TOD_PER_MS;
	uint8_t old;

	while (io_count == start && tod() < end) {
		asm volatile("stosm %0,0x02" : "=Q" (old) : : "memory");
		asm volatile("stnsm %0,0xfd" : "=Q" (old) : : "memory");
	}
	return io_count - start;
}

static void send_rsa(uint64_t apqn, uint64_t psmid)
{
	const struct vector *v = &vectors[RSA_2048_CRT];
	uint64_t gr1, parts;

	send(apqn, psmid, v->msg, v->len, &gr1, &parts);
}

/* the replies there are on @apqn, taken; their number */
static int drain(uint64_t apqn)
{
	struct reply r;
	int n = 0;

	for (;;) {
		take(apqn, reply_buf, sizeof(reply_buf), &r);
		if (r.out != 0)
			return n;
		n++;
	}
}

static void test_enable(void)
{
	uint64_t gr1, gr2 = 0;

	record(REC_IRQ_ENABLE, enable(Q1, &gr1), gr1, 0, 0);
	record(REC_IRQ_TAPQ_ON, pqap_simple(FC(0) | Q1, &gr1, &gr2), gr1,
	       gr2, 0);
	record(REC_IRQ_AGAIN, enable(Q1, &gr1), gr1, 0, 0);
	record(REC_IRQ_NIB_ZERO, aqic(Q2, AQIC_IR | AP_IRQ_GUEST_ISC, 0, &gr1),
	       gr1, 0, 0);
	record(REC_IRQ_NIB_OUT, aqic(Q2, AQIC_IR | AP_IRQ_GUEST_ISC,
				     0x7ffff000, &gr1), gr1, 0, 0);
	/* all of the guest's memory is its memory, not only the first MiB */
	record(REC_IRQ_NIB_HIGH, aqic(Q2, AQIC_IR | AP_IRQ_GUEST_ISC,
				      0x4000000, &gr1), gr1, 0, 0);
	aqic(Q2, 0, 0, &gr1);
}

/* a reply announced by an interruption while the CPU waits */
static void test_wait(void)
{
	const struct vector *v = &vectors[RSA_2048_CRT];
	struct reply r;
	uint8_t seen;

	nib = 0;
	set_isc_mask(isc_bit(AP_IRQ_GUEST_ISC));
	send_rsa(Q1, 0x4242);
	wait_for_io();
	seen = nib;
	record(REC_IRQ_WAIT, 0, 0, seen, io_word);
	nib = 0;
	take(Q1, reply_buf, sizeof(reply_buf), &r);
	record(REC_IRQ_WAIT_REPLY, r.out, r.gr1, r.psmid,
	       right(reply_buf, &r, v));
}

/* with the ISC masked the interruption waits in the machine */
static void test_masked(void)
{
	struct reply r;

	uint64_t end;

	set_isc_mask(0);
	send_rsa(Q1, 2);
	receive(Q1, reply_buf, sizeof(reply_buf), &r);
	/*
	 * The firmware makes the reply ready, then sets the NIB and signals
	 * (the other order could announce a reply DQAP cannot take yet): the
	 * NIB may come a moment after the reply.
	 */
	for (end = tod() + 1000 * TOD_PER_MS; !nib && tod() < end; )
		;
	/* the reply is there, the NIB set, the ISC signalled: nothing comes */
	record(REC_IRQ_MASKED, r.out, 0, nib, spin_enabled(200));
	set_isc_mask(isc_bit(AP_IRQ_GUEST_ISC));
	record(REC_IRQ_UNMASKED, 0, 0, nib, spin_enabled(5000));
	nib = 0;
}

/* two queues, twenty rounds: clear the NIB, then drain, as Linux does */
static void test_many(void)
{
	uint64_t gr1, irqs = io_count;
	int round, replies = 0, got;

	enable(Q2, &gr1);
	for (round = 0; round < 20; round++) {
		send_rsa(Q1, round);
		send_rsa(Q2, round);
		for (got = 0; got < 2; ) {
			if (!spin_enabled(5000))
				break;
			nib = 0;
			got += drain(Q1) + drain(Q2);
		}
		replies += got;
	}
	record(REC_IRQ_MANY, replies == 40 ? 0 : 1, 0, io_count - irqs,
	       replies);
	/*
	 * A reply drained with the one before it may leave its interruption
	 * pending: take it here, not in the turning-off tests after this.
	 */
	while (spin_enabled(50))
		;
}

/*
 * After @fc on Q1 (AQIC off, RAPQ, ZAPQ): a reply becomes ready, and no
 * interruption comes in the 200 ms after it, nor is the NIB set.
 */
static void test_off(int rec, unsigned int fc)
{
	uint64_t gr1 = 0, gr2 = 0, out;
	struct reply r;

	if (fc != 3)
		enable(Q1, &gr1);
	out = pqap(FC(fc) | Q1, &gr1, &gr2);
	/* a reset is over, and turns interrupts off, a moment later */
	if (!out && fc != 3 && !tapq_until(Q1, -1))
		out = 0xee;
	nib = 0;
	send_rsa(Q1, 100 + fc);
	receive(Q1, reply_buf, sizeof(reply_buf), &r);
	record(rec, out ? out : r.out, gr1, nib, spin_enabled(200));
}

int main(void)
{
	volatile uint64_t *stage = (volatile uint64_t *)(unsigned long)AP_GUEST_STAGE;
	volatile uint64_t *go = (volatile uint64_t *)(unsigned long)AP_GUEST_GO;
	uint64_t gr1, gr2 = 0;

	load_vectors();
	test_enable();
	test_wait();
	test_masked();
	test_many();
	*stage = 1;			/* both queues on: the test looks */
	while (!*go)
		;
	/* Q2 off: the rest is on Q1 alone */
	aqic(Q2, 0, 0, &gr1);
	test_off(REC_IRQ_OFF_AQIC, 3);
	test_off(REC_IRQ_OFF_RAPQ, 1);
	test_off(REC_IRQ_OFF_ZAPQ, 2);
	record(REC_IRQ_REENABLE, enable(Q1, &gr1), gr1, 0, 0);
	aqic(Q1, 0, 0, &gr1);
	tapq_until(Q1, 0);
	/* off already: the machine answers 07 */
	record(REC_IRQ_OFF_AGAIN, aqic(Q1, 0, 0, &gr1), gr1, 0, 0);
	pqap_simple(FC(0) | Q1, &gr1, &gr2);
	*stage = 2;
	return 0;
}
