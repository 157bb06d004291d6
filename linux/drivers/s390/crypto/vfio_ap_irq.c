// SPDX-License-Identifier: GPL-2.0+
/*
 * vfio_ap: interception of PQAP(AQIC), by which a guest turns a queue's
 * interrupts on or off.  Turning them on pins the guest page holding the
 * notification indicator byte (NIB) and registers the guest ISC with the
 * GIB; everything is given back once they are confirmed off, and on every
 * path that takes a queue away from the guest.  A page is not unpinned
 * while the adapter may still write to it, except where the memory itself
 * goes away (a DMA unmap, after a bounded wait) or the queue leaves
 * vfio_ap.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/iommu.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <asm/uv.h>

#include "vfio_ap_private.h"

/* AQIC control word (GR1): interrupt request bit 16, guest ISC bits 61-63 */
#define AQIC_CTRL_IR		0x0000800000000000UL
#define AQIC_CTRL_ISC_MASK	0x7UL

/* interrupts-off polls after AQIC(off) for a DMA unmap: as for a reset */
#define VFIO_AP_IRQ_OFF_POLLS	VFIO_AP_RESET_POLLS

/*
 * The queue status as the guest finds it in bits 32-63 of GR1.  Built field
 * by field, so the result does not depend on the host's byte order.
 */
static u64 status_to_gr1(struct ap_queue_status status)
{
	return (u64)status.queue_empty << 31 |
	       (u64)status.replies_waiting << 30 |
	       (u64)status.queue_full << 29 |
	       (u64)status.async << 25 |
	       (u64)status.irq_enabled << 24 |
	       (u64)status.response_code << 16;
}

static struct ap_queue_status rc_status(unsigned int response_code)
{
	struct ap_queue_status status = { .response_code = response_code };

	return status;
}

/**
 * vfio_ap_irq_release - give back a queue's interrupt resources
 * @q: the queue, linked to its mdev or not any more
 *
 * For a queue whose interrupts are confirmed off in the hardware (after a
 * reset, after AQIC(off)), when the queue is gone, or when the memory or
 * the queue leaves for good.  They go back to the guest and the device
 * that took them, whichever guest the mdev has by then.
 */
void vfio_ap_irq_release(struct vfio_ap_queue *q)
{
	struct ap_matrix_mdev *owner = q->saved_mdev;

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	if (!q->saved_iova)
		return;
	if (WARN_ON_ONCE(!owner || !q->saved_kvm))
		return;
	kvm_s390_gisc_unregister(q->saved_kvm, q->saved_isc);
	vfio_unpin_pages(&owner->vdev, q->saved_iova & PAGE_MASK, 1);
	list_del(&q->irq_node);
	q->saved_iova = 0;
	q->saved_isc = VFIO_AP_ISC_NONE;
	q->saved_kvm = NULL;
	q->saved_mdev = NULL;
}

/*
 * Whether a status confirms that the adapter no longer stores the NIB:
 * the queue is gone, or it answers normally (or is being reset) with the
 * interrupt bit clear.  Any other answer (busy, an association error of
 * Secure Execution, ...) says nothing about the bit.
 */
static bool irqs_confirmed_off(struct ap_queue_status status)
{
	if (vfio_ap_rc_means_gone(status.response_code))
		return true;
	return (status.response_code == AP_RESPONSE_NORMAL ||
		status.response_code == AP_RESPONSE_RESET_IN_PROGRESS) &&
	       !status.irq_enabled;
}

/*
 * The guest's AQIC(off), or the answer to a failed AQIC(on).  Turning off
 * is asynchronous: the resources go back once a TAPQ shows the interrupts
 * off, here or at the next AQIC, reset or detach, never on a guess (no
 * wait: mdevs_lock is held).
 */
static struct ap_queue_status irq_disable(struct vfio_ap_queue *q)
{
	struct ap_queue_status status;

	status = ap_aqic(q->apqn, (union ap_qirq_ctrl){}, 0);
	switch (status.response_code) {
	case AP_RESPONSE_NORMAL:
	case AP_RESPONSE_OTHERWISE_CHANGED:
		if (irqs_confirmed_off(ap_tapq(q->apqn, NULL)))
			vfio_ap_irq_release(q);
		break;
	case AP_RESPONSE_Q_NOT_AVAIL:
	case AP_RESPONSE_DECONFIGURED:
	case AP_RESPONSE_CHECKSTOPPED:
		vfio_ap_irq_release(q);
		break;
	case AP_RESPONSE_RESET_IN_PROGRESS:
	case AP_RESPONSE_BUSY:
		/* a change under way: confirmed off at a later TAPQ */
		break;
	default:
		/* a guest can repeat this at will: no flood of the log */
		pr_warn_ratelimited("queue %02x.%04x: AQIC(off) response code 0x%02x, interrupt resources kept\n",
				    AP_QID_CARD(q->apqn), AP_QID_QUEUE(q->apqn),
				    status.response_code);
	}
	return status;
}

/**
 * struct vfio_ap_unmap - a DMA unmap under way on an mdev
 * @node: entry in the mdev's @unmapping list
 * @iova: start of the range
 * @length: its length
 */
struct vfio_ap_unmap {
	struct list_head node;
	u64 iova;
	u64 length;
};

/* a registration whose NIB is in an unmapped range, while it goes off */
struct nib_stop {
	u16 apqn;
	u64 gen;	/* which registration of the queue */
	bool off;	/* a TAPQ showed the interrupts off */
};

static bool nib_in_range(u64 addr, u64 iova, u64 length)
{
	return addr - iova < length;
}

/* whether a NIB at @nib may not be registered: its memory is going away */
static bool nib_being_unmapped(struct ap_matrix_mdev *matrix_mdev, u64 nib)
{
	struct vfio_ap_unmap *unmap;

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	list_for_each_entry(unmap, &matrix_mdev->unmapping, node)
		if (nib_in_range(nib, unmap->iova, unmap->length))
			return true;
	return false;
}

/* bounded TAPQ polls, no lock held, until every queue shows them off */
static void wait_irqs_off(struct nib_stop *stops, unsigned int n)
{
	struct ap_queue_status status;
	unsigned int i, poll;
	bool pending;

	for (poll = 0; ; poll++) {
		pending = false;
		for (i = 0; i < n; i++) {
			if (stops[i].off)
				continue;
			status = ap_tapq(stops[i].apqn, NULL);
			stops[i].off = irqs_confirmed_off(status);
			pending |= !stops[i].off;
		}
		if (!pending || poll == VFIO_AP_IRQ_OFF_POLLS)
			return;
		msleep(VFIO_AP_RESET_POLL_MS);
	}
}

/* whether this very registration was seen with its interrupts off */
static bool seen_off(const struct nib_stop *stops, unsigned int n,
		     const struct vfio_ap_queue *q)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (stops[i].apqn == q->apqn && stops[i].gen == q->irq_gen)
			return stops[i].off;
	return false;
}

/*
 * A registration in the range that was not confirmed off: a last
 * AQIC(off) and TAPQ.  Return: true unless they confirm them off (the
 * queue is then to be reset before its page goes back).
 */
static bool fence_unconfirmed(struct vfio_ap_queue *q)
{
	struct ap_queue_status status;

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	status = ap_aqic(q->apqn, (union ap_qirq_ctrl){}, 0);
	if (!vfio_ap_rc_means_gone(status.response_code))
		status = ap_tapq(q->apqn, NULL);
	if (irqs_confirmed_off(status))
		return false;
	pr_warn_ratelimited("queue %02x.%04x: interrupts not confirmed off before the unmap, resetting it\n",
			    AP_QID_CARD(q->apqn), AP_QID_QUEUE(q->apqn));
	return true;
}

/* send AQIC(off) to every registration in the range, and remember them */
static struct nib_stop *stop_range(struct ap_matrix_mdev *matrix_mdev,
				   u64 iova, u64 length, unsigned int *count)
{
	struct vfio_ap_queue *q;
	struct nib_stop *stops;
	unsigned int n = 0;

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	list_for_each_entry(q, &matrix_mdev->irq_qlist, irq_node)
		n += nib_in_range(q->saved_iova, iova, length);
	/* without room to remember them, none is confirmed by the wait */
	stops = n ? kcalloc(n, sizeof(*stops), GFP_KERNEL) : NULL;
	n = 0;
	list_for_each_entry(q, &matrix_mdev->irq_qlist, irq_node) {
		if (!nib_in_range(q->saved_iova, iova, length))
			continue;
		ap_aqic(q->apqn, (union ap_qirq_ctrl){}, 0);
		if (stops)
			stops[n++] = (struct nib_stop){ q->apqn, q->irq_gen };
	}
	*count = n;
	return stops;
}

/*
 * The registrations in the range that did not show off are reset in
 * place, the range still fenced: a clean reset gives each back (the
 * adapter no longer stores its NIB) and the queue stays with the guest.
 * What is left after the bounded wait goes back all the same, as VFIO
 * requires; its queue is unusable, and the guest loses its adapter, until
 * a later reset is clean.
 */
static void reset_fenced(struct ap_matrix_mdev *matrix_mdev, u64 iova,
			 u64 length)
{
	struct vfio_ap_queue *q, *tmp;
	struct ap_matrix old_apcb;

	get_update_locks_for_mdev(matrix_mdev);
	list_for_each_entry(q, &matrix_mdev->irq_qlist, irq_node)
		if (nib_in_range(q->saved_iova, iova, length))
			vfio_ap_queue_reset_start(q);
	finish_resets_for_mdev(matrix_mdev);
	list_for_each_entry_safe(q, tmp, &matrix_mdev->irq_qlist, irq_node)
		if (nib_in_range(q->saved_iova, iova, length))
			vfio_ap_irq_release(q);
	old_apcb = matrix_mdev->shadow_apcb;
	vfio_ap_mdev_filter_matrix(matrix_mdev);
	vfio_ap_mdev_commit_apcb(matrix_mdev, &old_apcb);
	release_update_locks_for_mdev(matrix_mdev);
}

/**
 * vfio_ap_irq_unmap - guest memory holding NIBs is going away
 * @matrix_mdev: the mdev
 * @iova: start of the unmapped range
 * @length: its length
 *
 * The pins must go: VFIO requires it.  While the unmap runs, the range is
 * fenced: an AQIC(on) whose NIB lies in it answers 06, as for a NIB that
 * cannot be pinned, so nothing new is registered there.  Interrupts are
 * turned off first and waited for, a bounded time and without any lock
 * held; the registrations are then looked up again and each is released
 * if this very one (by its number) was seen off.  One that was not is
 * turned off once more and, unless that confirms them off, its queue is
 * reset in place before its page goes back (reset_fenced()).
 */
void vfio_ap_irq_unmap(struct ap_matrix_mdev *matrix_mdev, u64 iova,
		       u64 length)
{
	struct vfio_ap_unmap unmap = { .iova = iova, .length = length };
	struct vfio_ap_queue *q, *tmp;
	struct nib_stop *stops;
	bool fenced = false;
	unsigned int n;

	mutex_lock(&matrix_dev->mdevs_lock);
	list_add(&unmap.node, &matrix_mdev->unmapping);
	stops = stop_range(matrix_mdev, iova, length, &n);
	mutex_unlock(&matrix_dev->mdevs_lock);

	wait_irqs_off(stops, n);

	mutex_lock(&matrix_dev->mdevs_lock);
	list_for_each_entry_safe(q, tmp, &matrix_mdev->irq_qlist, irq_node) {
		if (!nib_in_range(q->saved_iova, iova, length))
			continue;
		if (!seen_off(stops, n, q) && fence_unconfirmed(q))
			fenced = true;
		else
			vfio_ap_irq_release(q);
	}
	mutex_unlock(&matrix_dev->mdevs_lock);
	kfree(stops);

	if (fenced)
		reset_fenced(matrix_mdev, iova, length);

	mutex_lock(&matrix_dev->mdevs_lock);
	list_del(&unmap.node);
	mutex_unlock(&matrix_dev->mdevs_lock);
}

/*
 * A Secure Execution guest's NIB must be in a page it shares with the host,
 * as Linux 6.12 checks: the ultravisor refuses to pin a secure page
 * shared.  Pinning it for us exported such a page; it is made secure again.
 */
static bool nib_page_shared(struct kvm *kvm, struct page *page, dma_addr_t nib)
{
	if (!uv_pin_shared(page_to_phys(page)))
		return true;
	gmap_convert_to_secure(kvm->arch.gmap, nib & PAGE_MASK);
	return false;
}

/* give back a registration not made after all: ISC, then the page */
static void undo_enable(struct ap_matrix_mdev *matrix_mdev, struct kvm *kvm,
			unsigned int isc, dma_addr_t nib)
{
	kvm_s390_gisc_unregister(kvm, isc);
	vfio_unpin_pages(&matrix_mdev->vdev, nib & PAGE_MASK, 1);
}

/*
 * The guest's AQIC(on), always asked of the firmware, whose answer the
 * guest gets: 07 only where the interrupts are on or will be, as Linux
 * takes 07 for success.  An earlier registration of the queue may be
 * stale (the guest reset the queue in the firmware), still in force, or
 * its enable may not show yet (enabling is asynchronous): it is given
 * back only when the new AQIC answers 00.  On 07 the earlier one stays in
 * force and the new one is undone; on any other answer the interrupts are
 * turned off, and the earlier one goes once they show off, as after the
 * guest's AQIC(off).
 */
static struct ap_queue_status irq_enable(struct vfio_ap_queue *q,
					 unsigned int isc,
					 struct kvm_vcpu *vcpu)
{
	struct ap_matrix_mdev *matrix_mdev = q->matrix_mdev;
	struct kvm *kvm = matrix_mdev->kvm;
	dma_addr_t nib = vcpu->run->s.regs.gprs[2];
	union ap_qirq_ctrl ctrl = {};
	struct ap_queue_status status;
	struct page *page;
	int gisc, ret;

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	/* its memory is being unmapped: as a NIB that cannot be pinned */
	if (!nib || !kvm_is_gpa_in_memslot(kvm, nib) ||
	    nib_being_unmapped(matrix_mdev, nib))
		return rc_status(AP_RESPONSE_INVALID_ADDRESS);

	ret = vfio_pin_pages(&matrix_mdev->vdev, nib & PAGE_MASK, 1,
			     IOMMU_READ | IOMMU_WRITE, &page);
	if (ret != 1)
		return rc_status(AP_RESPONSE_INVALID_ADDRESS);
	if (kvm_s390_pv_cpu_is_protected(vcpu) &&
	    !nib_page_shared(kvm, page, nib)) {
		vfio_unpin_pages(&matrix_mdev->vdev, nib & PAGE_MASK, 1);
		return rc_status(AP_RESPONSE_INVALID_ADDRESS);
	}

	/* Linux 6.12 answers "invalid address" here too */
	gisc = kvm_s390_gisc_register(kvm, isc);
	if (gisc < 0) {
		vfio_unpin_pages(&matrix_mdev->vdev, nib & PAGE_MASK, 1);
		return rc_status(AP_RESPONSE_INVALID_ADDRESS);
	}

	ctrl.ir = 1;
	ctrl.gisc = isc;
	ctrl.isc = gisc;
	ctrl.gisa = virt_to_phys(kvm->arch.gisa_int.origin) >> 4;
	status = ap_aqic(q->apqn, ctrl, page_to_phys(page) | (nib & ~PAGE_MASK));
	switch (status.response_code) {
	case AP_RESPONSE_NORMAL:
		/* the adapter now stores the new NIB: the old page is free */
		vfio_ap_irq_release(q);
		q->saved_iova = nib;
		q->saved_isc = isc;
		q->saved_kvm = kvm;
		q->saved_mdev = matrix_mdev;
		q->irq_gen = ++matrix_dev->irq_gens;
		list_add(&q->irq_node, &matrix_mdev->irq_qlist);
		break;
	case AP_RESPONSE_OTHERWISE_CHANGED:
		undo_enable(matrix_mdev, kvm, isc, nib);
		break;
	default:
		undo_enable(matrix_mdev, kvm, isc, nib);
		if (q->saved_iova)
			irq_disable(q);
		break;
	}
	return status;
}

/**
 * vfio_ap_handle_pqap - KVM's PQAP(AQIC) intercept hook
 * @vcpu: the vCPU that issued the instruction
 *
 * Called by KVM with the PQAP hook rwsem held for read.  GR0 holds the
 * APQN, GR1 the control word, GR2 the NIB address; the status goes back in
 * GR1 and KVM sets the condition code from its response code.  A queue the
 * guest was not given answers "not available", one being reset "reset in
 * progress".
 *
 * Return: 0, or -EOPNOTSUPP to let user space handle the instruction.
 */
int vfio_ap_handle_pqap(struct kvm_vcpu *vcpu)
{
	struct ap_queue_status status = rc_status(AP_RESPONSE_Q_NOT_AVAIL);
	u64 ctrl = vcpu->run->s.regs.gprs[1];
	int apqn = vcpu->run->s.regs.gprs[0] & 0xffff;
	struct ap_matrix_mdev *matrix_mdev;
	struct vfio_ap_queue *q;

	lockdep_assert_held_read(&vcpu->kvm->arch.crypto.pqap_hook_rwsem);
	if (!(vcpu->arch.sie_block->eca & ECA_AIV))
		return -EOPNOTSUPP;

	mutex_lock(&matrix_dev->mdevs_lock);
	if (!vcpu->kvm->arch.crypto.pqap_hook)
		goto out;
	matrix_mdev = container_of(vcpu->kvm->arch.crypto.pqap_hook,
				   struct ap_matrix_mdev, pqap_hook);
	if (matrix_mdev->kvm != vcpu->kvm)
		goto out;
	if (!test_bit_inv(AP_QID_CARD(apqn), matrix_mdev->shadow_apcb.apm) ||
	    !test_bit_inv(AP_QID_QUEUE(apqn), matrix_mdev->shadow_apcb.aqm))
		goto out;
	q = vfio_ap_mdev_get_queue(matrix_mdev, apqn);
	if (!q)
		goto out;
	if (q->resetting) {
		status = rc_status(AP_RESPONSE_RESET_IN_PROGRESS);
		goto out;
	}

	if (ctrl & AQIC_CTRL_IR)
		status = irq_enable(q, ctrl & AQIC_CTRL_ISC_MASK, vcpu);
	else if (q->saved_iova)
		status = irq_disable(q);
	else
		status = ap_aqic(q->apqn, (union ap_qirq_ctrl){}, 0);
out:
	vcpu->run->s.regs.gprs[1] = status_to_gr1(status);
	mutex_unlock(&matrix_dev->mdevs_lock);
	return 0;
}
