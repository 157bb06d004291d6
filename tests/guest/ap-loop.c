// SPDX-License-Identifier: GPL-2.0
/*
 * A bare-metal s390x guest for vfio-ap-test: RSA-1024 requests to queue
 * 01.0001, one after the other, for ever, each counted by how it ended
 * (vfio-ap-loop-guest.h).  The test kills the backend under it and plugs a
 * new one: the guest must keep going, see response codes while there is
 * no backend and right results again after.
 */
#include "ap-ops.h"
#include "vfio-ap-loop-guest.h"

#define COUNTER(addr)	(*(volatile uint64_t *)(unsigned long)(addr))
#define Q		APQN(1, 1)
#define RSA_1024_ME	0

static uint8_t reply_buf[1024] __attribute__((aligned(8)));

static void ended_with_rc(uint64_t gr1)
{
	COUNTER(AP_LOOP_RC)++;
	COUNTER(AP_LOOP_LAST_RC) = RC(gr1);
}

int main(void)
{
	const struct vector *v;
	uint64_t psmid, gr1, parts;
	struct reply r;

	load_vectors();
	v = &vectors[RSA_1024_ME];
	for (psmid = 1;; psmid++) {
		COUNTER(AP_LOOP_REQUESTS)++;
		if (send(Q, psmid, v->msg, v->len, &gr1, &parts)) {
			ended_with_rc(gr1);
			continue;
		}
		receive(Q, reply_buf, sizeof(reply_buf), &r);
		if (r.out == 3 && RC(r.gr1) == RC_NO_REPLY)
			COUNTER(AP_LOOP_NO_REPLY)++;
		else if (r.out == 3)
			ended_with_rc(r.gr1);
		else if (r.out == 0 && r.psmid == psmid && right(reply_buf, &r, v))
			COUNTER(AP_LOOP_RIGHT)++;
		else
			COUNTER(AP_LOOP_WRONG)++;
	}
}
