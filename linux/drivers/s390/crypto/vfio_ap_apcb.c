// SPDX-License-Identifier: GPL-2.0+
/*
 * vfio_ap: the guest's AP configuration (APCB), kept in each mdev as its
 * shadow and derived from the mdev's matrix:
 *
 *  - adapters, domains and control domains must be assigned to the mdev and
 *    be in the host's configuration;
 *  - an APQN cannot be masked alone, so an adapter stays out of the guest
 *    while any of its queues over the guest's domains is not bound to
 *    vfio_ap or did not reset cleanly; domains never leave for that reason.
 *
 * The shadow is changed one adapter at a time where the change is about one
 * adapter, so the work is proportional to the change, not to the matrix.
 */

#include <linux/bitmap.h>
#include <linux/lockdep.h>
#include <linux/string.h>

#include "vfio_ap_private.h"

/* the host masks, in the same bit order as the mdev masks */
static unsigned long *host_apm(void)
{
	return (unsigned long *)matrix_dev->info.apm;
}

static unsigned long *host_aqm(void)
{
	return (unsigned long *)matrix_dev->info.aqm;
}

static unsigned long *host_adm(void)
{
	return (unsigned long *)matrix_dev->info.adm;
}

/**
 * vfio_ap_matrix_init - empty a matrix and set its limits from the host's
 * @info: the host AP configuration
 * @matrix: the matrix to initialize
 *
 * Without the APXA facility ids are limited to 63 adapters and 15 domains.
 */
void vfio_ap_matrix_init(const struct ap_config_info *info,
			 struct ap_matrix *matrix)
{
	memset(matrix, 0, sizeof(*matrix));
	matrix->apm_max = info->apxa ? info->na : 63;
	matrix->aqm_max = info->apxa ? info->nd : 15;
	matrix->adm_max = info->apxa ? info->nd : 15;
}

/**
 * vfio_ap_find_queue - find a queue bound to vfio_ap
 * @apqn: adapter << 8 | domain
 *
 * Return: the queue, or NULL if @apqn is not bound to vfio_ap.
 */
struct vfio_ap_queue *vfio_ap_find_queue(int apqn)
{
	lockdep_assert_held(&matrix_dev->mdevs_lock);
	return matrix_dev->queues[apqn];
}

/**
 * vfio_ap_mdev_get_queue - find a queue of an mdev's matrix
 * @matrix_mdev: the mdev
 * @apqn: adapter << 8 | domain
 *
 * Return: the queue, or NULL if @apqn is not both assigned and bound.
 */
struct vfio_ap_queue *vfio_ap_mdev_get_queue(struct ap_matrix_mdev *matrix_mdev,
					     int apqn)
{
	struct vfio_ap_queue *q = vfio_ap_find_queue(apqn);

	return q && q->matrix_mdev == matrix_mdev ? q : NULL;
}

void vfio_ap_mdev_link_queue(struct ap_matrix_mdev *matrix_mdev,
			     struct vfio_ap_queue *q)
{
	lockdep_assert_held(&matrix_dev->guests_lock);
	lockdep_assert_held(&matrix_dev->mdevs_lock);
	if (q->matrix_mdev)
		return;
	q->matrix_mdev = matrix_mdev;
	list_add(&q->mdev_qnode, &matrix_mdev->qlist);
}

/**
 * vfio_ap_mdev_unlink_queue - take a queue from its mdev
 * @q: the queue
 *
 * A queue with interrupts on is reset, which turns them off; its interrupt
 * resources stay on the mdev's list until the reset confirms them off.
 */
void vfio_ap_mdev_unlink_queue(struct vfio_ap_queue *q)
{
	lockdep_assert_held(&matrix_dev->guests_lock);
	lockdep_assert_held(&matrix_dev->mdevs_lock);
	if (!q->matrix_mdev)
		return;
	if (q->saved_iova)
		vfio_ap_queue_reset_start(q);
	list_del(&q->mdev_qnode);
	q->matrix_mdev = NULL;
}

/**
 * vfio_ap_mdev_link_apqns - link the bound queues of some APQNs to an mdev
 * @matrix_mdev: the mdev, just assigned the APQNs
 * @apm: their adapters
 * @aqm: their domains
 */
void vfio_ap_mdev_link_apqns(struct ap_matrix_mdev *matrix_mdev,
			     const unsigned long *apm, const unsigned long *aqm)
{
	struct vfio_ap_queue *q;
	unsigned long apid, apqi;

	for_each_set_bit_inv(apid, apm, AP_DEVICES) {
		for_each_set_bit_inv(apqi, aqm, AP_DOMAINS) {
			q = vfio_ap_find_queue(AP_MKQID(apid, apqi));
			if (q)
				vfio_ap_mdev_link_queue(matrix_mdev, q);
		}
	}
}

/**
 * vfio_ap_mdev_unlink_apqns - take the queues of some APQNs from an mdev
 * @matrix_mdev: the mdev, about to lose the APQNs
 * @apm: their adapters
 * @aqm: their domains
 */
void vfio_ap_mdev_unlink_apqns(struct ap_matrix_mdev *matrix_mdev,
			       const unsigned long *apm, const unsigned long *aqm)
{
	struct vfio_ap_queue *q;
	unsigned long apid, apqi;

	for_each_set_bit_inv(apid, apm, AP_DEVICES) {
		for_each_set_bit_inv(apqi, aqm, AP_DOMAINS) {
			q = vfio_ap_mdev_get_queue(matrix_mdev,
						   AP_MKQID(apid, apqi));
			if (q)
				vfio_ap_mdev_unlink_queue(q);
		}
	}
}

/* whether every queue of @apid over the guest's domains can be given */
static bool adapter_queues_usable(struct ap_matrix_mdev *matrix_mdev,
				  unsigned long apid)
{
	struct vfio_ap_queue *q;
	unsigned long apqi;

	for_each_set_bit_inv(apqi, matrix_mdev->shadow_apcb.aqm, AP_DOMAINS) {
		q = vfio_ap_mdev_get_queue(matrix_mdev, AP_MKQID(apid, apqi));
		if (!q || !vfio_ap_queue_usable(q))
			return false;
	}
	return true;
}

/**
 * vfio_ap_mdev_filter_adapter - decide one adapter of the guest's APCB
 * @matrix_mdev: the mdev
 * @apid: the adapter
 *
 * Costs one queue lookup per guest domain, whatever the size of the matrix.
 *
 * Return: true if the shadow APCB changed.
 */
bool vfio_ap_mdev_filter_adapter(struct ap_matrix_mdev *matrix_mdev,
				 unsigned long apid)
{
	struct ap_matrix *shadow = &matrix_mdev->shadow_apcb;
	bool want, have;

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	want = test_bit_inv(apid, matrix_mdev->matrix.apm) &&
	       test_bit_inv(apid, host_apm()) &&
	       adapter_queues_usable(matrix_mdev, apid);
	have = test_bit_inv(apid, shadow->apm);
	if (want == have)
		return false;
	if (want)
		set_bit_inv(apid, shadow->apm);
	else
		clear_bit_inv(apid, shadow->apm);
	return true;
}

/* recompute every adapter assigned or given; returns true on a change */
static bool filter_all_adapters(struct ap_matrix_mdev *matrix_mdev)
{
	DECLARE_BITMAP(apm, AP_DEVICES);
	unsigned long apid;
	bool changed = false;

	bitmap_or(apm, matrix_mdev->matrix.apm, matrix_mdev->shadow_apcb.apm,
		  AP_DEVICES);
	for_each_set_bit_inv(apid, apm, AP_DEVICES)
		changed |= vfio_ap_mdev_filter_adapter(matrix_mdev, apid);
	return changed;
}

/**
 * vfio_ap_mdev_filter_domains - decide the domains of the guest's APCB
 * @matrix_mdev: the mdev
 *
 * A change of the usage domains changes which queues each adapter needs, so
 * then every adapter is decided again.
 *
 * Return: true if the shadow APCB changed.
 */
bool vfio_ap_mdev_filter_domains(struct ap_matrix_mdev *matrix_mdev)
{
	struct ap_matrix *shadow = &matrix_mdev->shadow_apcb;
	DECLARE_BITMAP(aqm, AP_DOMAINS);
	DECLARE_BITMAP(adm, AP_DOMAINS);
	bool changed = false;

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	bitmap_and(adm, matrix_mdev->matrix.adm, host_adm(), AP_DOMAINS);
	if (!bitmap_equal(adm, shadow->adm, AP_DOMAINS)) {
		bitmap_copy(shadow->adm, adm, AP_DOMAINS);
		changed = true;
	}
	bitmap_and(aqm, matrix_mdev->matrix.aqm, host_aqm(), AP_DOMAINS);
	if (!bitmap_equal(aqm, shadow->aqm, AP_DOMAINS)) {
		bitmap_copy(shadow->aqm, aqm, AP_DOMAINS);
		filter_all_adapters(matrix_mdev);
		changed = true;
	}
	return changed;
}

/**
 * vfio_ap_mdev_filter_matrix - derive the whole guest APCB afresh
 * @matrix_mdev: the mdev
 *
 * Return: true if the shadow APCB changed.
 */
bool vfio_ap_mdev_filter_matrix(struct ap_matrix_mdev *matrix_mdev)
{
	bool changed = vfio_ap_mdev_filter_domains(matrix_mdev);

	return filter_all_adapters(matrix_mdev) || changed;
}

/* start resetting the queues of @apm x @aqm: they left the guest */
static void reset_departed(const unsigned long *apm, const unsigned long *aqm)
{
	struct vfio_ap_queue *q;
	unsigned long apid, apqi;

	for_each_set_bit_inv(apid, apm, AP_DEVICES) {
		for_each_set_bit_inv(apqi, aqm, AP_DOMAINS) {
			q = vfio_ap_find_queue(AP_MKQID(apid, apqi));
			if (q)
				vfio_ap_queue_reset_start(q);
		}
	}
}

/**
 * vfio_ap_mdev_commit_apcb - hand a changed shadow APCB to the guest
 * @matrix_mdev: the mdev
 * @old_apcb: the shadow as it was before the change
 *
 * Plugs and unplugs in one go (all vCPUs see the new masks together), then
 * starts resetting the queues the guest lost, so that they come back clean
 * (the release of guests_lock finishes the resets), and tells user space
 * that the configuration changed.
 */
void vfio_ap_mdev_commit_apcb(struct ap_matrix_mdev *matrix_mdev,
			      const struct ap_matrix *old_apcb)
{
	struct ap_matrix *shadow = &matrix_mdev->shadow_apcb;
	DECLARE_BITMAP(gone, AP_DOMAINS);
	DECLARE_BITMAP(kept, AP_DEVICES);

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	if (bitmap_equal(old_apcb->apm, shadow->apm, AP_DEVICES) &&
	    bitmap_equal(old_apcb->aqm, shadow->aqm, AP_DOMAINS) &&
	    bitmap_equal(old_apcb->adm, shadow->adm, AP_DOMAINS))
		return;

	if (matrix_mdev->kvm) {
		lockdep_assert_held(&matrix_dev->guests_lock);
		lockdep_assert_held(&matrix_mdev->kvm->lock);
		kvm_arch_crypto_set_masks(matrix_mdev->kvm, shadow->apm,
					  shadow->aqm, shadow->adm);
		/* whole adapters that left, over every domain they had */
		if (bitmap_andnot(gone, old_apcb->apm, shadow->apm, AP_DEVICES))
			reset_departed(gone, old_apcb->aqm);
		/* domains that left, on the adapters that stayed */
		if (bitmap_andnot(gone, old_apcb->aqm, shadow->aqm, AP_DOMAINS) &&
		    bitmap_and(kept, old_apcb->apm, shadow->apm, AP_DEVICES))
			reset_departed(kept, gone);
	}
	if (matrix_mdev->cfg_chg_trigger)
		eventfd_signal(matrix_mdev->cfg_chg_trigger);
}
