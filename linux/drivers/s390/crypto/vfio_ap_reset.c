// SPDX-License-Identifier: GPL-2.0+
/*
 * vfio_ap: queue resets, started where an operation decides on them and
 * finished together, a bounded time later, before the operation ends.
 *
 * An operation (a detach, an unassignment, a device reset, a host change)
 * zeroizes every queue it resets with all its locks held, so that no guest
 * can be given a queue in between.  It then drops everything but
 * guests_lock and polls the whole batch at once: a batch costs about one
 * reset's time however many queues it has, and neither the global
 * mdevs_lock nor any guest's PQAP hook rwsem is held while it sleeps.
 * guests_lock, kept across the wait, keeps the queues from being removed
 * and every other configuration change out until the results are in.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/list.h>
#include <linux/lockdep.h>

#include "vfio_ap_private.h"

/**
 * vfio_ap_rc_means_gone - whether a response code says the queue is gone
 * @rc: the response code
 *
 * Return: true for "not available", "deconfigured" and "checkstopped":
 * the queue is harmless and writes no NIB any more.
 */
bool vfio_ap_rc_means_gone(unsigned int rc)
{
	return rc == AP_RESPONSE_Q_NOT_AVAIL || rc == AP_RESPONSE_DECONFIGURED ||
	       rc == AP_RESPONSE_CHECKSTOPPED;
}

/* answers to ZAPQ that mean "not now, ask again" */
static bool rc_means_retry(unsigned int rc)
{
	return rc == AP_RESPONSE_RESET_IN_PROGRESS || rc == AP_RESPONSE_BUSY ||
	       rc == AP_RESPONSE_STATE_CHANGE_IN_PROGRESS;
}

/*
 * Answers to TAPQ after a reset that need another ZAPQ: a Secure Execution
 * association that failed is answered until the queue is reset again (as
 * Linux 6.12 does)
 */
static bool rc_means_zapq_again(unsigned int rc)
{
	return rc == AP_RESPONSE_ASSOC_SECRET_NOT_UNIQUE ||
	       rc == AP_RESPONSE_ASSOC_FAILED;
}

/**
 * vfio_ap_queue_usable - whether a queue may be given to a guest
 * @q: the queue
 *
 * A queue whose last reset failed or did not finish must not reach a
 * guest; one that is deconfigured or checkstopped is harmless (the guest
 * sees it as such).
 *
 * Return: true if the queue may be given to a guest.
 */
bool vfio_ap_queue_usable(const struct vfio_ap_queue *q)
{
	lockdep_assert_held(&matrix_dev->guests_lock);
	lockdep_assert_held(&matrix_dev->mdevs_lock);
	/*
	 * Cannot be: an operation starts its resets after its APCB
	 * decisions, and finishes them before it drops guests_lock, which
	 * every decision holds.
	 */
	if (WARN_ON_ONCE(q->resetting))
		return false;
	/* as Linux 6.12: 01 says the queue is gone, not that it was reset */
	return q->reset_rc == AP_RESPONSE_NORMAL ||
	       q->reset_rc == AP_RESPONSE_DECONFIGURED ||
	       q->reset_rc == AP_RESPONSE_CHECKSTOPPED;
}

/* whether the host configuration (as guests may be given it) has @apqn */
static bool apqn_in_host(int apqn)
{
	return test_bit_inv(AP_QID_CARD(apqn),
			    (unsigned long *)matrix_dev->info.apm) &&
	       test_bit_inv(AP_QID_QUEUE(apqn),
			    (unsigned long *)matrix_dev->info.aqm);
}

/* one ZAPQ; the queue is then polled, asked again, or done */
static void send_zapq(struct vfio_ap_queue *q)
{
	q->reset_status = ap_zapq(q->apqn, 0);
	if (q->reset_status.response_code == AP_RESPONSE_NORMAL)
		q->reset_state = VFIO_AP_RESET_POLLING;
	else if (rc_means_retry(q->reset_status.response_code))
		q->reset_state = VFIO_AP_RESET_ZAPQ_AGAIN;
	else
		q->reset_state = VFIO_AP_RESET_DONE;
}

/**
 * vfio_ap_queue_reset_start - zeroize a queue; the batch finishes it
 * @q: the queue
 *
 * The queue is not usable until vfio_ap_finish_resets() has seen the reset
 * through.  A queue already in the batch is not zeroized twice; one no
 * longer in the host configuration is not touched, and its interrupt
 * resources go back at once (the adapter cannot write the NIB any more);
 * its reset counts as answered "not available".
 */
void vfio_ap_queue_reset_start(struct vfio_ap_queue *q)
{
	lockdep_assert_held(&matrix_dev->guests_lock);
	lockdep_assert_held(&matrix_dev->mdevs_lock);
	if (q->resetting)
		return;
	if (!apqn_in_host(q->apqn)) {
		/* what a ZAPQ would answer */
		q->reset_rc = AP_RESPONSE_Q_NOT_AVAIL;
		vfio_ap_irq_release(q);
		return;
	}
	q->resetting = true;
	send_zapq(q);
	list_add_tail(&q->reset_node, &matrix_dev->resets);
}

/* one poll of a queue of the batch; returns true while it is not done */
static bool poll_reset(struct vfio_ap_queue *q)
{
	struct ap_queue_status status;

	switch (q->reset_state) {
	case VFIO_AP_RESET_ZAPQ_AGAIN:
		send_zapq(q);
		break;
	case VFIO_AP_RESET_POLLING:
		status = ap_tapq(q->apqn, NULL);
		q->reset_status = status;
		if (status.response_code == AP_RESPONSE_NORMAL) {
			if (status.queue_empty && !status.irq_enabled)
				q->reset_state = VFIO_AP_RESET_DONE;
		} else if (rc_means_zapq_again(status.response_code)) {
			q->reset_state = VFIO_AP_RESET_ZAPQ_AGAIN;
		} else if (!rc_means_retry(status.response_code)) {
			q->reset_state = VFIO_AP_RESET_DONE;
		}
		break;
	default:
		break;
	}
	return q->reset_state != VFIO_AP_RESET_DONE;
}

/* poll the whole batch until it is done or the bound is reached */
static void poll_batch(struct list_head *batch)
{
	struct vfio_ap_queue *q;
	unsigned int round;
	bool pending;

	for (round = 0; ; round++) {
		pending = false;
		list_for_each_entry(q, batch, reset_node)
			pending |= poll_reset(q);
		if (!pending || round == VFIO_AP_RESET_POLLS)
			return;
		msleep(VFIO_AP_RESET_POLL_MS);
	}
}

/* the result of one finished (or abandoned) reset, with mdevs_lock held */
static void record_reset(struct vfio_ap_queue *q)
{
	unsigned int rc = q->reset_status.response_code;

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	q->resetting = false;
	if (q->reset_state != VFIO_AP_RESET_DONE) {
		q->reset_rc = AP_RESPONSE_RESET_IN_PROGRESS;
		pr_warn("queue %02x.%04x: reset not done after %d ms (response code 0x%02x)\n",
			AP_QID_CARD(q->apqn), AP_QID_QUEUE(q->apqn),
			VFIO_AP_RESET_POLLS * VFIO_AP_RESET_POLL_MS, rc);
		return;
	}
	q->reset_rc = rc;
	if (rc == AP_RESPONSE_NORMAL || vfio_ap_rc_means_gone(rc)) {
		/* confirmed off: the adapter no longer writes the NIB */
		vfio_ap_irq_release(q);
		return;
	}
	pr_warn("queue %02x.%04x: reset failed, response code 0x%02x\n",
		AP_QID_CARD(q->apqn), AP_QID_QUEUE(q->apqn), rc);
}

/**
 * vfio_ap_resets_started - whether a reset waits to be finished
 *
 * Return: true if vfio_ap_finish_resets() has something to do.
 */
bool vfio_ap_resets_started(void)
{
	lockdep_assert_held(&matrix_dev->guests_lock);
	return !list_empty(&matrix_dev->resets);
}

/**
 * vfio_ap_finish_resets - see every started reset through
 *
 * Called with guests_lock held and no other lock of ours: the batch is
 * polled without mdevs_lock, then the results are recorded under it.  The
 * list of started resets and the reset state of the queues are only
 * touched with guests_lock held, which also keeps the queues from being
 * removed meanwhile.  A queue whose reset did
 * not finish within VFIO_AP_RESET_POLLS polls, VFIO_AP_RESET_POLL_MS
 * apart, or failed, keeps its interrupt resources and stays out of every
 * guest until a later reset succeeds.
 */
void vfio_ap_finish_resets(void)
{
	struct vfio_ap_queue *q, *tmp;
	LIST_HEAD(batch);

	if (!vfio_ap_resets_started())
		return;
	list_splice_init(&matrix_dev->resets, &batch);

	poll_batch(&batch);

	mutex_lock(&matrix_dev->mdevs_lock);
	list_for_each_entry_safe(q, tmp, &batch, reset_node) {
		list_del(&q->reset_node);
		record_reset(q);
	}
	mutex_unlock(&matrix_dev->mdevs_lock);
}

/**
 * vfio_ap_release_guests_lock - finish the resets, then drop guests_lock
 *
 * Every path that may have started resets ends with this instead of a
 * plain unlock, so no reset outlives the operation that started it.
 */
void vfio_ap_release_guests_lock(void)
{
	vfio_ap_finish_resets();
	mutex_unlock(&matrix_dev->guests_lock);
}
