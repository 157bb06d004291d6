/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * vfio_ap: pass AP (crypto adapter) queues through to KVM guests with a
 * mediated device.  Private definitions shared by the driver's files.
 *
 * Lock order, outermost first (see docs/locking.rst):
 *   ap_perms_mutex -> matrix_dev->guests_lock -> kvm->lock
 *     -> kvm->arch.crypto.pqap_hook_rwsem -> matrix_dev->mdevs_lock
 */

#ifndef _VFIO_AP_PRIVATE_H_
#define _VFIO_AP_PRIVATE_H_

#include <linux/types.h>
#include <linux/device.h>
#include <linux/mdev.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <linux/kvm_host.h>
#include <linux/vfio.h>
#include <linux/eventfd.h>

#include "ap_bus.h"

#define VFIO_AP_DRV_NAME		"vfio_ap"
#define VFIO_AP_MATRIX_NAME		"matrix"
#define VFIO_AP_MDEV_TYPE_NAME		"passthrough"
#define VFIO_AP_MDEV_PRETTY_NAME	"VFIO AP Passthrough Device"
/* every APQN of a 256 x 256 host could get an mdev of its own */
#define VFIO_AP_MAX_MDEVS		(AP_DEVICES * AP_DOMAINS)
#define VFIO_AP_APQNS			(AP_DEVICES * AP_DOMAINS)

/* bounded wait for a zeroized queue: polls x interval = 200 ms at most */
#define VFIO_AP_RESET_POLLS		10
#define VFIO_AP_RESET_POLL_MS		20

/* guest ISC value that marks "no interrupt registered" */
#define VFIO_AP_ISC_NONE		0xff

/**
 * struct ap_matrix - a set of adapters, usage domains and control domains
 * @apm_max: highest adapter id the host can address
 * @apm: adapter mask, MSB-first bit numbering (use the *_bit_inv helpers)
 * @aqm_max: highest usage domain id
 * @aqm: usage domain mask
 * @adm_max: highest control domain id
 * @adm: control domain mask
 *
 * The masks use the architecture's bit order so that they can be handed to
 * the guest's CRYCB as they are.
 */
struct ap_matrix {
	unsigned long apm_max;
	DECLARE_BITMAP(apm, AP_DEVICES);
	unsigned long aqm_max;
	DECLARE_BITMAP(aqm, AP_DOMAINS);
	unsigned long adm_max;
	DECLARE_BITMAP(adm, AP_DOMAINS);
};

/**
 * struct ap_matrix_dev - the parent device of every vfio_ap mdev
 * @device: the "matrix" device under the vfio_ap root device
 * @info: the host AP configuration that guests may be given: on a host
 *	  change, removals take effect at once and additions only on scan
 *	  complete, once their queues have been probed
 * @guests_lock: protects @mdev_list and each mdev's use of its kvm pointer
 *	  to plug or unplug; held by every path that changes a guest's APCB
 * @mdevs_lock: protects every field of every mdev and queue, and @queues
 * @mdev_list: every ap_matrix_mdev
 * @resets: queues zeroized and not yet seen through by
 *	  vfio_ap_finish_resets() (guests_lock)
 * @irq_gens: interrupt registrations made so far: the next one's number
 * @queues: every queue bound to vfio_ap, indexed by APQN: a lookup costs the
 *	  same whatever the number of queues (AP_DEVICES * AP_DOMAINS pointers)
 * @parent: mdev parent registration
 * @mdev_type: the one type, vfio_ap-passthrough
 * @mdev_types: the type table handed to the mdev core
 * @vfio_ap_drv: the AP bus driver of the queues
 */
struct ap_matrix_dev {
	struct device device;
	struct ap_config_info info;
	struct mutex guests_lock;
	struct mutex mdevs_lock;
	struct list_head mdev_list;
	struct list_head resets;
	u64 irq_gens;
	struct vfio_ap_queue **queues;
	struct mdev_parent parent;
	struct mdev_type mdev_type;
	struct mdev_type *mdev_types[1];
	struct ap_driver *vfio_ap_drv;
};

extern struct ap_matrix_dev *matrix_dev;

/**
 * struct ap_matrix_mdev - one mediated device: the crypto of one guest
 * @vdev: the VFIO device
 * @node: entry in matrix_dev->mdev_list (guests_lock)
 * @mdev: the mediated device
 * @matrix: what the administrator assigned
 * @shadow_apcb: what the guest gets: @matrix filtered by the host config
 *	  and by the state of the queues (the guest's APCB)
 * @kvm: the guest, NULL while the device is not open; written with
 *	  guests_lock, kvm->lock and mdevs_lock all held, so any one suffices
 *	  to read it
 * @pqap_hook: the PQAP(AQIC) intercept handler installed in @kvm
 * @qlist: the queues of @matrix that are bound to vfio_ap
 * @irq_qlist: the queues whose NIB page this device pinned, linked to the
 *	  mdev or not any more: all of them belong to @kvm
 * @unmapping: the IOVA ranges of DMA unmaps under way: no NIB in them may
 *	  be registered (struct vfio_ap_unmap)
 * @req_trigger: eventfd signalled when the host wants the device back
 * @cfg_chg_trigger: eventfd signalled when @shadow_apcb changes
 */
struct ap_matrix_mdev {
	struct vfio_device vdev;
	struct list_head node;
	struct mdev_device *mdev;
	struct ap_matrix matrix;
	struct ap_matrix shadow_apcb;
	struct kvm *kvm;
	crypto_hook pqap_hook;
	struct list_head qlist;
	struct list_head irq_qlist;
	struct list_head unmapping;
	struct eventfd_ctx *req_trigger;
	struct eventfd_ctx *cfg_chg_trigger;
};

/* where a queue's reset stands while vfio_ap_finish_resets() polls it */
enum vfio_ap_reset_state {
	VFIO_AP_RESET_DONE,		/* answered, or never started */
	VFIO_AP_RESET_POLLING,		/* zeroize accepted: TAPQ until done */
	VFIO_AP_RESET_ZAPQ_AGAIN,	/* busy or another reset: ZAPQ again */
};

/**
 * struct vfio_ap_queue - a queue device bound to the vfio_ap driver
 * @matrix_mdev: the mdev whose matrix holds this APQN, or NULL
 * @mdev_qnode: entry in @matrix_mdev->qlist
 * @apqn: adapter << 8 | domain
 * @saved_iova: guest address of the notification indicator byte, 0 when
 *	  interrupts are off
 * @saved_isc: guest ISC registered with the GIB, or VFIO_AP_ISC_NONE
 * @saved_kvm: the guest that registered @saved_isc ...
 * @saved_mdev: ... through this mdev, whose device pinned the NIB's page:
 *	  both are given back to them, whichever guest the mdev has by then
 * @irq_node: entry in @saved_mdev->irq_qlist
 * @irq_gen: which registration @saved_iova is: a number no other
 *	  registration had, so that a wait without the lock cannot take a
 *	  later one for it
 * @reset_rc: response code of the last reset; only a queue that reset
 *	  cleanly (or is gone for good) may be given to a guest
 * @resetting: a reset was started and is not finished: not usable
 * @reset_node: entry in matrix_dev->resets, then in the batch being polled
 * @reset_state: where the reset stands (guests_lock)
 * @reset_status: the last answer to the reset's ZAPQ or TAPQ (guests_lock)
 *
 * Every field but the last two is protected by matrix_dev->mdevs_lock;
 * @resetting is written with guests_lock held too.
 */
struct vfio_ap_queue {
	struct ap_matrix_mdev *matrix_mdev;
	struct list_head mdev_qnode;
	int apqn;
	dma_addr_t saved_iova;
	unsigned char saved_isc;
	struct kvm *saved_kvm;
	struct ap_matrix_mdev *saved_mdev;
	struct list_head irq_node;
	u64 irq_gen;
	unsigned char reset_rc;
	bool resetting;
	struct list_head reset_node;
	enum vfio_ap_reset_state reset_state;
	struct ap_queue_status reset_status;
};

/* vfio_ap_locks.c: one way in per starting point, all in the same order */
void get_update_locks_for_kvm(struct kvm *kvm);
void release_update_locks_for_kvm(struct kvm *kvm);
void finish_resets_for_kvm(struct kvm *kvm);
void get_update_locks_for_mdev(struct ap_matrix_mdev *matrix_mdev);
void release_update_locks_for_mdev(struct ap_matrix_mdev *matrix_mdev);
void finish_resets_for_mdev(struct ap_matrix_mdev *matrix_mdev);
struct ap_matrix_mdev *get_update_locks_for_queue(struct vfio_ap_queue *q);
struct ap_matrix_mdev *get_update_locks_by_apqn(int apqn);
void get_mdev_locks_after_guests(struct ap_matrix_mdev *matrix_mdev);
void release_mdev_locks_before_guests(struct ap_matrix_mdev *matrix_mdev);

/* vfio_ap_apcb.c: the guest's AP configuration */
void vfio_ap_matrix_init(const struct ap_config_info *info,
			 struct ap_matrix *matrix);
struct vfio_ap_queue *vfio_ap_find_queue(int apqn);
struct vfio_ap_queue *vfio_ap_mdev_get_queue(struct ap_matrix_mdev *matrix_mdev,
					     int apqn);
void vfio_ap_mdev_link_queue(struct ap_matrix_mdev *matrix_mdev,
			     struct vfio_ap_queue *q);
void vfio_ap_mdev_unlink_queue(struct vfio_ap_queue *q);
void vfio_ap_mdev_link_apqns(struct ap_matrix_mdev *matrix_mdev,
			     const unsigned long *apm, const unsigned long *aqm);
void vfio_ap_mdev_unlink_apqns(struct ap_matrix_mdev *matrix_mdev,
			       const unsigned long *apm, const unsigned long *aqm);
bool vfio_ap_mdev_filter_adapter(struct ap_matrix_mdev *matrix_mdev,
				 unsigned long apid);
bool vfio_ap_mdev_filter_domains(struct ap_matrix_mdev *matrix_mdev);
bool vfio_ap_mdev_filter_matrix(struct ap_matrix_mdev *matrix_mdev);
void vfio_ap_mdev_commit_apcb(struct ap_matrix_mdev *matrix_mdev,
			      const struct ap_matrix *old_apcb);

/* vfio_ap_reset.c: queue resets, started one by one, finished together */
bool vfio_ap_rc_means_gone(unsigned int rc);
bool vfio_ap_queue_usable(const struct vfio_ap_queue *q);
void vfio_ap_queue_reset_start(struct vfio_ap_queue *q);
bool vfio_ap_resets_started(void);
void vfio_ap_finish_resets(void);
void vfio_ap_release_guests_lock(void);

/* vfio_ap_queue.c: queue devices and the host's configuration */
int vfio_ap_mdev_probe_queue(struct ap_device *apdev);
void vfio_ap_mdev_remove_queue(struct ap_device *apdev);
int vfio_ap_mdev_resource_in_use(unsigned long *apm, unsigned long *aqm);
void vfio_ap_on_cfg_changed(struct ap_config_info *new_info,
			    struct ap_config_info *old_info);
void vfio_ap_on_scan_complete(struct ap_config_info *new_info,
			      struct ap_config_info *old_info);
extern const struct attribute_group vfio_ap_queue_attr_group;

/* vfio_ap_irq.c: PQAP(AQIC) interception */
int vfio_ap_handle_pqap(struct kvm_vcpu *vcpu);
void vfio_ap_irq_release(struct vfio_ap_queue *q);
void vfio_ap_irq_unmap(struct ap_matrix_mdev *matrix_mdev, u64 iova,
		       u64 length);

/* vfio_ap_sysfs.c: mdev attributes */
extern const struct attribute_group *vfio_ap_mdev_attr_groups[];

/* vfio_ap_ops.c: mdev and VFIO device */
int vfio_ap_mdev_register(void);
void vfio_ap_mdev_unregister(void);

#endif /* _VFIO_AP_PRIVATE_H_ */
