// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated cards' queues.  A request is whole once its last part has
 * arrived; it then waits for one of the worker threads, which computes it
 * without any lock held, so that requests on several queues overlap and
 * the instruction that queued it returns at once.  DQAP hands out the
 * oldest request's reply only, so replies come back in request order.
 * A reset drops everything; requests a worker is computing at that moment
 * are marked cancelled and the queue shows "reset in progress" until the
 * worker has given them up.
 */
#define _GNU_SOURCE		/* SCHED_IDLE */
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "ap_card.h"

#define NR_APQNS	(AP_DEVICES * AP_DOMAINS)

enum req_state { REQ_WAITING, REQ_COMPUTING, REQ_DONE };

struct card_queue;

struct card_req {
	struct list_head qnode;		/* in the queue, in request order */
	struct list_head wnode;		/* in the work list, while waiting */
	struct card_queue *cq;
	enum req_state state;
	bool cancelled;
	u64 psmid;
	u64 computed_ns, ready_ns;	/* for sim_card_timings() */
	size_t len, reply_len;
	u8 reply[SIM_AP_MAX_REPLY];
	u8 msg[];
};

struct card_queue {
	int apqn;
	struct list_head reqs;
	unsigned int count;		/* requests in reqs */
	unsigned int cancelled;		/* dropped, still being computed */
	size_t dequeued;		/* bytes of the oldest reply given out */
	struct card_req *partial;	/* a request whose parts still come */
	size_t partial_got;
};

static pthread_mutex_t card_lock = PTHREAD_MUTEX_INITIALIZER;

/* per reply: its computation, and from ready to its first DQAP (us) */
#define NR_TIMINGS	65536
static struct sim_card_timing timings[NR_TIMINGS];
static size_t nr_timings;
static pthread_cond_t work_cond = PTHREAD_COND_INITIALIZER;
static LIST_HEAD(work_list);
static struct card_queue *cqs[NR_APQNS];
static int card_types[AP_DEVICES];
static pthread_t workers[SIM_AP_MAX_CARD_WORKERS];
static unsigned int nr_workers = SIM_AP_MAX_CARD_WORKERS;
static bool workers_idle;
static unsigned int workers_at_idle;	/* how many made it: atomic */
static bool workers_started, workers_stop;

/* read by the workers while a test changes them: atomic */
static unsigned int faults;

void sim_ap_set_faults(unsigned int set)
{
	__atomic_store_n(&faults, set, __ATOMIC_RELAXED);
}

unsigned int sim_ap_get_faults(void)
{
	return __atomic_load_n(&faults, __ATOMIC_RELAXED);
}

int sim_ap_set_card_workers(unsigned int n, bool idle_priority)
{
	int ret = 0;

	if (!n || n > SIM_AP_MAX_CARD_WORKERS)
		return -EINVAL;
	pthread_mutex_lock(&card_lock);
	if (workers_started)
		ret = -EBUSY;
	else {
		nr_workers = n;
		workers_idle = idle_priority;
	}
	pthread_mutex_unlock(&card_lock);
	return ret;
}

unsigned int sim_card_idle_workers(void)
{
	return __atomic_load_n(&workers_at_idle, __ATOMIC_RELAXED);
}

int sim_ap_set_card_type(unsigned int apid, int type)
{
	if (apid >= AP_DEVICES || type < AP_DEVICE_TYPE_CEX4 ||
	    type > AP_DEVICE_TYPE_CEX8)
		return -EINVAL;
	pthread_mutex_lock(&card_lock);
	card_types[apid] = type;
	pthread_mutex_unlock(&card_lock);
	return 0;
}

int sim_ap_card_type(unsigned int apid)
{
	int type;

	pthread_mutex_lock(&card_lock);
	type = card_types[apid & 0xff] ?: AP_DEVICE_TYPE_CEX8;
	pthread_mutex_unlock(&card_lock);
	return type;
}

/* IBM bit @nr of a 64-bit register */
#define REG_BIT(nr)	(1UL << (63 - (nr)))

u64 sim_card_info(unsigned int apid)
{
	u64 type = sim_ap_card_type(apid);

	if (sim_ap_get_faults() & SIM_FAULT_TAPQ_INFO)
		type = 0;
	/* accelerator mode, 4096-bit ME and CRT, APXA; ml 0 (12 KiB) */
	return REG_BIT(1) | REG_BIT(2) | REG_BIT(4) | REG_BIT(6) |
	       type << 24 | (SIM_AP_QUEUE_DEPTH - 1);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* called with card_lock held */
static struct card_queue *queue_of(int apqn, bool create)
{
	struct card_queue *cq = cqs[apqn];

	if (!cq && create) {
		cq = calloc(1, sizeof(*cq));
		if (!cq)
			return NULL;
		INIT_LIST_HEAD(&cq->reqs);
		cq->apqn = apqn;
		cqs[apqn] = cq;
	}
	return cq;
}

static void *worker(void *arg)
{
	struct card_req *req;
	struct sched_param idle = { 0 };
	u64 t0;
	int apqn;

	/*
	 * Set before the workers start.  Best effort: without it, the cards
	 * only compete with the guest.
	 */
	if (workers_idle &&
	    !pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle))
		__atomic_add_fetch(&workers_at_idle, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&card_lock);
	for (;;) {
		while (!workers_stop && list_empty(&work_list))
			pthread_cond_wait(&work_cond, &card_lock);
		if (workers_stop)
			break;
		req = list_first_entry(&work_list, struct card_req, wnode);
		list_del(&req->wnode);
		req->state = REQ_COMPUTING;
		pthread_mutex_unlock(&card_lock);

		t0 = now_ns();
		req->reply_len = sim_rsa_type50(req->msg, req->len, req->reply);
		req->ready_ns = now_ns();
		req->computed_ns = req->ready_ns - t0;
		if (sim_ap_get_faults() & SIM_FAULT_CORRUPT_RESULT)
			req->reply[req->reply_len - 1] ^= 1;

		pthread_mutex_lock(&card_lock);
		if (req->cancelled) {
			req->cq->cancelled--;
			free(req);
			continue;
		}
		req->state = REQ_DONE;
		apqn = req->cq->apqn;
		/* the queue's interrupt is the hardware's business: its lock first */
		pthread_mutex_unlock(&card_lock);
		sim_ap_reply_ready(apqn);
		pthread_mutex_lock(&card_lock);
	}
	pthread_mutex_unlock(&card_lock);
	return NULL;
}

/* called with card_lock held; false if no worker could be started */
static bool start_workers(void)
{
	unsigned int i;

	if (workers_started)
		return true;
	for (i = 0; i < nr_workers; i++) {
		if (pthread_create(&workers[i], NULL, worker, NULL)) {
			fprintf(stderr, "ap sim: cannot start a card worker\n");
			if (!i)
				return false;
			break;
		}
	}
	while (i < SIM_AP_MAX_CARD_WORKERS)
		workers[i++] = 0;
	workers_started = true;
	return true;
}

/* drop one request; one being computed is left to its worker */
static void drop_req(struct card_queue *cq, struct card_req *req)
{
	list_del(&req->qnode);
	cq->count--;
	if (req->state == REQ_COMPUTING) {
		req->cancelled = true;
		cq->cancelled++;
		return;
	}
	if (req->state == REQ_WAITING)
		list_del(&req->wnode);
	free(req);
}

void sim_card_reset(int apqn)
{
	struct card_req *req, *tmp;
	struct card_queue *cq;

	pthread_mutex_lock(&card_lock);
	cq = queue_of(apqn, false);
	if (cq) {
		list_for_each_entry_safe(req, tmp, &cq->reqs, qnode)
			drop_req(cq, req);
		free(cq->partial);
		cq->partial = NULL;
		cq->dequeued = 0;
	}
	pthread_mutex_unlock(&card_lock);
}

bool sim_card_resetting(int apqn)
{
	struct card_queue *cq;
	bool busy;

	pthread_mutex_lock(&card_lock);
	cq = queue_of(apqn, false);
	busy = cq && cq->cancelled;
	pthread_mutex_unlock(&card_lock);
	return busy;
}

static struct card_req *oldest(struct card_queue *cq)
{
	return list_empty(&cq->reqs) ? NULL :
	       list_first_entry(&cq->reqs, struct card_req, qnode);
}

/* called with card_lock held */
static void queue_status(struct card_queue *cq, struct ap_queue_status *st)
{
	struct card_req *first = cq ? oldest(cq) : NULL;
	unsigned int count = cq ? cq->count : 0;

	st->queue_empty = !count;
	st->replies_waiting = first && first->state == REQ_DONE;
	st->queue_full = count >= SIM_AP_QUEUE_DEPTH;
}

void sim_card_status(int apqn, struct ap_queue_status *st)
{
	pthread_mutex_lock(&card_lock);
	queue_status(queue_of(apqn, false), st);
	pthread_mutex_unlock(&card_lock);
}

static bool queue_has_room(struct card_queue *cq)
{
	return cq->count < SIM_AP_QUEUE_DEPTH ||
	       (sim_ap_get_faults() & SIM_FAULT_NO_DEPTH_LIMIT);
}

/* called with card_lock held: the first part of a request */
static int begin_request(struct card_queue *cq, u64 psmid, size_t total)
{
	struct card_req *req;

	if (total > SIM_AP_MAX_MSG)
		return AP_RESPONSE_MESSAGE_TOO_BIG;
	if (!queue_has_room(cq))
		return AP_RESPONSE_Q_FULL;
	req = calloc(1, sizeof(*req) + total);
	if (!req)
		return AP_RESPONSE_BUSY;
	req->psmid = psmid;
	req->len = total;
	cq->partial = req;
	cq->partial_got = 0;
	return AP_RESPONSE_NORMAL;
}

struct ap_queue_status sim_card_enqueue(int apqn, u64 psmid, const u8 *part,
					size_t len, size_t left, bool *partial)
{
	struct ap_queue_status st = { .response_code = AP_RESPONSE_NORMAL };
	struct card_queue *cq;
	struct card_req *req;

	*partial = false;
	if (len > left)
		return (struct ap_queue_status){ .response_code =
						 AP_RESPONSE_MESSAGE_TOO_BIG };
	pthread_mutex_lock(&card_lock);
	cq = queue_of(apqn, true);
	if (!cq || !start_workers()) {
		st.response_code = AP_RESPONSE_BUSY;
		goto out;
	}
	req = cq->partial;
	/* a part that does not continue the request begins a new one */
	if (req && (req->psmid != psmid || req->len - cq->partial_got != left)) {
		free(req);
		cq->partial = NULL;
	}
	if (!cq->partial) {
		st.response_code = begin_request(cq, psmid, left);
		if (st.response_code)
			goto out;
	}
	req = cq->partial;
	memcpy(req->msg + cq->partial_got, part, len);
	cq->partial_got += len;
	if (cq->partial_got < req->len) {
		*partial = true;
		goto out;
	}
	cq->partial = NULL;
	req->cq = cq;
	list_add_tail(&req->qnode, &cq->reqs);
	cq->count++;
	list_add_tail(&req->wnode, &work_list);
	pthread_cond_signal(&work_cond);
out:
	queue_status(cq, &st);
	pthread_mutex_unlock(&card_lock);
	return st;
}

/* the reply DQAP takes: the oldest, or (broken on purpose) the newest */
static struct card_req *reply_to_give(struct card_queue *cq)
{
	if ((sim_ap_get_faults() & SIM_FAULT_REPLY_ORDER) && !list_empty(&cq->reqs))
		return list_entry(cq->reqs.prev, struct card_req, qnode);
	return oldest(cq);
}

struct ap_queue_status sim_card_dequeue(int apqn, u64 *psmid, u8 *buf,
					size_t room, size_t *stored,
					size_t *residual)
{
	struct ap_queue_status st = { .response_code = AP_RESPONSE_NORMAL };
	struct card_queue *cq;
	struct card_req *req;
	size_t n;

	*stored = 0;
	*residual = 0;
	pthread_mutex_lock(&card_lock);
	cq = queue_of(apqn, false);
	req = cq ? reply_to_give(cq) : NULL;
	if (!req || req->state != REQ_DONE) {
		st.response_code = AP_RESPONSE_NO_PENDING_REPLY;
		goto out;
	}
	if (!cq->dequeued && nr_timings < NR_TIMINGS) {
		timings[nr_timings].compute_us = req->computed_ns / 1000;
		timings[nr_timings++].wait_us = (now_ns() - req->ready_ns) / 1000;
	}
	n = min(room, req->reply_len - cq->dequeued);
	memcpy(buf, req->reply + cq->dequeued, n);
	cq->dequeued += n;
	*stored = n;
	*psmid = req->psmid;
	*residual = req->reply_len - cq->dequeued;
	if (!*residual) {
		cq->dequeued = 0;
		drop_req(cq, req);
	}
out:
	if (cq)
		queue_status(cq, &st);
	else
		st.queue_empty = 1;
	pthread_mutex_unlock(&card_lock);
	return st;
}

size_t sim_card_timings(struct sim_card_timing *out, size_t max, bool reset)
{
	size_t n;

	pthread_mutex_lock(&card_lock);
	n = min(max, nr_timings);
	memcpy(out, timings, n * sizeof(*out));
	if (reset)
		nr_timings = 0;
	pthread_mutex_unlock(&card_lock);
	return n;
}

void sim_card_exit(void)
{
	int i;

	pthread_mutex_lock(&card_lock);
	workers_stop = true;
	pthread_cond_broadcast(&work_cond);
	pthread_mutex_unlock(&card_lock);
	for (i = 0; workers_started && i < SIM_AP_MAX_CARD_WORKERS; i++)
		if (workers[i])
			pthread_join(workers[i], NULL);
	pthread_mutex_lock(&card_lock);
	workers_started = false;
	workers_stop = false;
	__atomic_store_n(&workers_at_idle, 0, __ATOMIC_RELAXED);
	for (i = 0; i < NR_APQNS; i++) {
		struct card_queue *cq = cqs[i];
		struct card_req *req, *tmp;

		if (!cq)
			continue;
		list_for_each_entry_safe(req, tmp, &cq->reqs, qnode)
			free(req);
		free(cq->partial);
		free(cq);
		cqs[i] = NULL;
	}
	INIT_LIST_HEAD(&work_list);
	memset(card_types, 0, sizeof(card_types));
	pthread_mutex_unlock(&card_lock);
}
