/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated crypto cards behind the AP queues: CEX4..CEX8 accelerators
 * whose queues hold requests, compute them on worker threads and give the
 * replies back in request order.  The AP bus simulation (ap_sim.c) checks
 * that a queue exists and is not being reset before it calls these, with
 * its own lock held; this file has a lock of its own, taken inside it.
 */
#ifndef _SIM_AP_CARD_H
#define _SIM_AP_CARD_H

#include "sim.h"

/* requests a queue holds (TAPQ's qd + 1) */
#define SIM_AP_QUEUE_DEPTH	8
/* the largest request: TAPQ's ml 0 means 12 KiB */
#define SIM_AP_MAX_MSG		(12 * 1024)
/* the largest reply: a type 80 header and a 4096-bit result */
#define SIM_AP_MAX_REPLY	(16 + 512)

/* TAPQ's information word of an adapter (GR2 with the T bit), nd aside */
u64 sim_card_info(unsigned int apid);

/* a reset of the queue: pending requests and replies are dropped */
void sim_card_reset(int apqn);
/* requests dropped by a reset are still being computed */
bool sim_card_resetting(int apqn);
/* queue empty, replies waiting and queue full, as TAPQ shows them */
void sim_card_status(int apqn, struct ap_queue_status *st);

/*
 * NQAP of one part of a request: @len bytes at @part, @left bytes of the
 * request still to come including them.  *@partial is set while more
 * parts are expected.
 */
struct ap_queue_status sim_card_enqueue(int apqn, u64 psmid, const u8 *part,
					size_t len, size_t left, bool *partial);
/*
 * DQAP of the oldest reply, at most @room bytes into @buf: *@stored bytes
 * were stored and *@residual are left for the next DQAP.
 */
struct ap_queue_status sim_card_dequeue(int apqn, u64 *psmid, u8 *buf,
					size_t room, size_t *stored,
					size_t *residual);

/* stop the workers and drop every request: at the end of the simulation */
void sim_card_exit(void);
/* the workers running now that run at idle priority */
unsigned int sim_card_idle_workers(void);

/* a reply's computation, and its wait from ready to its first DQAP (us) */
struct sim_card_timing {
	u32 compute_us, wait_us;
};
/* the timings of the replies dequeued since the last reset; how many */
size_t sim_card_timings(struct sim_card_timing *out, size_t max, bool reset);
/*
 * Called by a card worker, without locks, when a reply has become ready
 * on @apqn: the queue's interrupt, if the guest enabled it (sim/ap_sim.c).
 */
void sim_ap_reply_ready(int apqn);

/* ap_rsa.c: the reply of the card to a type 50 request; its length */
size_t sim_rsa_type50(const u8 *msg, size_t len, u8 *reply);

#endif /* _SIM_AP_CARD_H */
