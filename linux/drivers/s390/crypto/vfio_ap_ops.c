// SPDX-License-Identifier: GPL-2.0+
/*
 * vfio_ap: the mediated device and its VFIO interface.  Opening the device
 * attaches the guest (KVM) it is for: the guest gets the shadow APCB and
 * PQAP(AQIC) is routed to us; closing detaches it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/eventfd.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio_ap.h>

#include "vfio_ap_private.h"

static const struct vfio_device_ops vfio_ap_matrix_dev_ops;

static int vfio_ap_mdev_init_dev(struct vfio_device *vdev)
{
	struct ap_matrix_mdev *matrix_mdev =
		container_of(vdev, struct ap_matrix_mdev, vdev);

	matrix_mdev->mdev = to_mdev_device(vdev->dev);
	mutex_lock(&matrix_dev->mdevs_lock);
	vfio_ap_matrix_init(&matrix_dev->info, &matrix_mdev->matrix);
	mutex_unlock(&matrix_dev->mdevs_lock);
	matrix_mdev->shadow_apcb = matrix_mdev->matrix;
	INIT_LIST_HEAD(&matrix_mdev->qlist);
	INIT_LIST_HEAD(&matrix_mdev->irq_qlist);
	INIT_LIST_HEAD(&matrix_mdev->unmapping);
	INIT_LIST_HEAD(&matrix_mdev->node);
	matrix_mdev->pqap_hook = vfio_ap_handle_pqap;
	return 0;
}

/* start resetting every queue of the mdev, to be finished as one batch */
static void start_resets(struct ap_matrix_mdev *matrix_mdev)
{
	struct vfio_ap_queue *q;

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	list_for_each_entry(q, &matrix_mdev->qlist, mdev_qnode)
		vfio_ap_queue_reset_start(q);
}

/*
 * After the batch: -EIO unless every queue of the mdev answered 00, as in
 * Linux 6.12.  A queue that is deconfigured or checkstopped may stay in
 * the guest, but it was not reset.
 */
static int resets_result(struct ap_matrix_mdev *matrix_mdev)
{
	struct vfio_ap_queue *q;

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	list_for_each_entry(q, &matrix_mdev->qlist, mdev_qnode)
		if (q->reset_rc != AP_RESPONSE_NORMAL)
			return -EIO;
	return 0;
}

/**
 * release_leftover_irqs - give back the interrupt resources of a guest
 * @matrix_mdev: the mdev, its guest being detached
 *
 * A queue whose reset did not finish or failed, or whose AQIC(off) was not
 * confirmed, still holds its guest's NIB pin and ISC registration, and
 * they cannot outlive that guest: every queue this device pinned for is
 * on its irq_qlist, linked to the mdev or not any more.  Its interrupts
 * are not confirmed off, so the page may still be written: the queue is
 * kept out of every guest (its reset_rc says so) until a later reset
 * confirms it clean.
 */
static void release_leftover_irqs(struct ap_matrix_mdev *matrix_mdev)
{
	struct vfio_ap_queue *q, *tmp;

	lockdep_assert_held(&matrix_dev->mdevs_lock);
	list_for_each_entry_safe(q, tmp, &matrix_mdev->irq_qlist, irq_node) {
		if (vfio_ap_queue_usable(q))
			q->reset_rc = AP_RESPONSE_RESET_IN_PROGRESS;
		vfio_ap_irq_release(q);
	}
}

/* take both eventfds from the mdev, to be put outside the lock */
static void take_triggers(struct ap_matrix_mdev *matrix_mdev,
			  struct eventfd_ctx **req, struct eventfd_ctx **cfg)
{
	lockdep_assert_held(&matrix_dev->mdevs_lock);
	*req = matrix_mdev->req_trigger;
	*cfg = matrix_mdev->cfg_chg_trigger;
	matrix_mdev->req_trigger = NULL;
	matrix_mdev->cfg_chg_trigger = NULL;
}

static void put_triggers(struct eventfd_ctx *req, struct eventfd_ctx *cfg)
{
	if (req)
		eventfd_ctx_put(req);
	if (cfg)
		eventfd_ctx_put(cfg);
}

/* the mdev list changes under guests_lock, which searches of it rely on */
static void set_listed(struct ap_matrix_mdev *matrix_mdev, bool listed)
{
	mutex_lock(&matrix_dev->guests_lock);
	mutex_lock(&matrix_dev->mdevs_lock);
	if (listed)
		list_add(&matrix_mdev->node, &matrix_dev->mdev_list);
	else
		list_del(&matrix_mdev->node);
	mutex_unlock(&matrix_dev->mdevs_lock);
	mutex_unlock(&matrix_dev->guests_lock);
}

static int vfio_ap_mdev_probe(struct mdev_device *mdev)
{
	struct ap_matrix_mdev *matrix_mdev;
	int ret;

	matrix_mdev = vfio_alloc_device(ap_matrix_mdev, vdev, &mdev->dev,
					&vfio_ap_matrix_dev_ops);
	if (IS_ERR(matrix_mdev))
		return PTR_ERR(matrix_mdev);

	dev_set_drvdata(&mdev->dev, matrix_mdev);

	/* on the list before it can be opened: one mdev per guest is checked */
	set_listed(matrix_mdev, true);
	ret = vfio_register_emulated_iommu_dev(&matrix_mdev->vdev);
	if (ret) {
		set_listed(matrix_mdev, false);
		vfio_put_device(&matrix_mdev->vdev);
	}
	return ret;
}

static void vfio_ap_mdev_remove(struct mdev_device *mdev)
{
	struct ap_matrix_mdev *matrix_mdev = dev_get_drvdata(&mdev->dev);
	struct eventfd_ctx *req, *cfg;
	struct vfio_ap_queue *q, *tmp;

	/* waits, asking user space with .request, until the device is closed */
	vfio_unregister_group_dev(&matrix_mdev->vdev);

	mutex_lock(&matrix_dev->guests_lock);
	mutex_lock(&matrix_dev->mdevs_lock);
	start_resets(matrix_mdev);
	list_for_each_entry_safe(q, tmp, &matrix_mdev->qlist, mdev_qnode)
		vfio_ap_mdev_unlink_queue(q);
	list_del(&matrix_mdev->node);
	take_triggers(matrix_mdev, &req, &cfg);
	mutex_unlock(&matrix_dev->mdevs_lock);
	vfio_ap_release_guests_lock();

	put_triggers(req, cfg);
	vfio_put_device(&matrix_mdev->vdev);
}

/**
 * vfio_ap_mdev_set_kvm - attach the guest that opened the device
 * @matrix_mdev: the mdev
 * @kvm: the guest
 *
 * Only one mdev per guest: the check comes before anything is changed, so
 * a refused attach leaves no PQAP hook behind.
 *
 * Return: 0 (also for a guest without a crypto control block, which is
 * not attached, as Linux 6.12 does); -EINVAL without a guest; -EPERM if
 * another mdev is attached to @kvm.
 */
static int vfio_ap_mdev_set_kvm(struct ap_matrix_mdev *matrix_mdev,
				struct kvm *kvm)
{
	struct ap_matrix_mdev *other;
	struct ap_matrix *shadow = &matrix_mdev->shadow_apcb;

	if (!kvm)
		return -EINVAL;
	/* as Linux 6.12: the device opens, but there is no guest to give */
	if (!kvm->arch.crypto.crycbd)
		return 0;

	kvm_get_kvm(kvm);
	get_update_locks_for_kvm(kvm);
	list_for_each_entry(other, &matrix_dev->mdev_list, node) {
		if (other != matrix_mdev && other->kvm == kvm) {
			release_update_locks_for_kvm(kvm);
			kvm_put_kvm(kvm);
			return -EPERM;
		}
	}
	kvm->arch.crypto.pqap_hook = &matrix_mdev->pqap_hook;
	matrix_mdev->kvm = kvm;
	kvm_arch_crypto_set_masks(kvm, shadow->apm, shadow->aqm, shadow->adm);
	release_update_locks_for_kvm(kvm);
	return 0;
}

/**
 * vfio_ap_mdev_unset_kvm - detach the guest
 * @matrix_mdev: the mdev
 *
 * The guest loses every queue, so they are reset and their interrupt
 * resources given back; the kvm reference goes only once no lock is held.
 * The resets are waited for with only guests_lock held: the guest's masks
 * are cleared and its hook removed first, so it cannot reach the queues.
 */
static void vfio_ap_mdev_unset_kvm(struct ap_matrix_mdev *matrix_mdev)
{
	/* only open and close change it, and the VFIO core serializes them */
	struct kvm *kvm = matrix_mdev->kvm;
	struct ap_matrix old_apcb;

	if (!kvm)
		return;

	get_update_locks_for_kvm(kvm);
	kvm->arch.crypto.pqap_hook = NULL;
	kvm_arch_crypto_clear_masks(kvm);
	start_resets(matrix_mdev);
	finish_resets_for_kvm(kvm);
	release_leftover_irqs(matrix_mdev);
	matrix_mdev->kvm = NULL;
	/* a queue whose reset failed stays out of the next guest */
	old_apcb = matrix_mdev->shadow_apcb;
	vfio_ap_mdev_filter_matrix(matrix_mdev);
	vfio_ap_mdev_commit_apcb(matrix_mdev, &old_apcb);
	release_update_locks_for_kvm(kvm);

	kvm_put_kvm(kvm);
}

static int vfio_ap_mdev_open_device(struct vfio_device *vdev)
{
	struct ap_matrix_mdev *matrix_mdev =
		container_of(vdev, struct ap_matrix_mdev, vdev);

	return vfio_ap_mdev_set_kvm(matrix_mdev, vdev->kvm);
}

static void vfio_ap_mdev_close_device(struct vfio_device *vdev)
{
	struct ap_matrix_mdev *matrix_mdev =
		container_of(vdev, struct ap_matrix_mdev, vdev);
	struct eventfd_ctx *req, *cfg;

	vfio_ap_mdev_unset_kvm(matrix_mdev);

	/* user space may not have taken them back: do it for it */
	mutex_lock(&matrix_dev->mdevs_lock);
	take_triggers(matrix_mdev, &req, &cfg);
	mutex_unlock(&matrix_dev->mdevs_lock);
	put_triggers(req, cfg);
}

static void vfio_ap_mdev_request(struct vfio_device *vdev, unsigned int count)
{
	struct ap_matrix_mdev *matrix_mdev =
		container_of(vdev, struct ap_matrix_mdev, vdev);

	mutex_lock(&matrix_dev->mdevs_lock);
	if (matrix_mdev->req_trigger)
		eventfd_signal(matrix_mdev->req_trigger);
	else if (count == 0)
		dev_notice(vdev->dev,
			   "no device request eventfd: waiting for user space to release the device\n");
	mutex_unlock(&matrix_dev->mdevs_lock);
}

/* the guest memory behind a NIB is going away: interrupts off first */
static void vfio_ap_mdev_dma_unmap(struct vfio_device *vdev, u64 iova,
				   u64 length)
{
	struct ap_matrix_mdev *matrix_mdev =
		container_of(vdev, struct ap_matrix_mdev, vdev);

	vfio_ap_irq_unmap(matrix_mdev, iova, length);
}

static long get_device_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_AP | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = 0;
	info.num_irqs = VFIO_AP_IRQ_COUNT;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static long get_irq_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_AP_IRQ_COUNT)
		return -EINVAL;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = 1;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * Set or clear the eventfd of one interrupt index.  Only eventfd triggers
 * exist here, one per index; fd -1 clears.
 */
static long set_irqs(struct ap_matrix_mdev *matrix_mdev, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct eventfd_ctx *new = NULL, *old, **slot;
	struct vfio_irq_set hdr;
	s32 fd;

	if (copy_from_user(&hdr, (void __user *)arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz + sizeof(fd) ||
	    hdr.flags != (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER) ||
	    hdr.index >= VFIO_AP_IRQ_COUNT || hdr.start != 0 || hdr.count != 1)
		return -EINVAL;
	if (copy_from_user(&fd, (void __user *)(arg + minsz), sizeof(fd)))
		return -EFAULT;
	if (fd < -1)
		return -EINVAL;
	if (fd >= 0) {
		new = eventfd_ctx_fdget(fd);
		if (IS_ERR(new))
			return PTR_ERR(new);
	}

	mutex_lock(&matrix_dev->mdevs_lock);
	slot = hdr.index == VFIO_AP_IRQ_REQUEST ? &matrix_mdev->req_trigger :
						  &matrix_mdev->cfg_chg_trigger;
	old = *slot;
	*slot = new;
	mutex_unlock(&matrix_dev->mdevs_lock);

	if (old)
		eventfd_ctx_put(old);
	return 0;
}

/* VFIO_DEVICE_RESET: every queue; a queue that fails leaves the guest */
static long reset_device(struct ap_matrix_mdev *matrix_mdev)
{
	struct ap_matrix old_apcb;
	int ret;

	get_update_locks_for_mdev(matrix_mdev);
	old_apcb = matrix_mdev->shadow_apcb;
	start_resets(matrix_mdev);
	finish_resets_for_mdev(matrix_mdev);
	ret = resets_result(matrix_mdev);
	vfio_ap_mdev_filter_matrix(matrix_mdev);
	vfio_ap_mdev_commit_apcb(matrix_mdev, &old_apcb);
	release_update_locks_for_mdev(matrix_mdev);
	return ret;
}

static long vfio_ap_mdev_ioctl(struct vfio_device *vdev, unsigned int cmd,
			       unsigned long arg)
{
	struct ap_matrix_mdev *matrix_mdev =
		container_of(vdev, struct ap_matrix_mdev, vdev);

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return get_device_info(arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return get_irq_info(arg);
	case VFIO_DEVICE_SET_IRQS:
		return set_irqs(matrix_mdev, arg);
	case VFIO_DEVICE_RESET:
		return reset_device(matrix_mdev);
	default:
		return -EOPNOTSUPP;
	}
}

static const struct vfio_device_ops vfio_ap_matrix_dev_ops = {
	.init = vfio_ap_mdev_init_dev,
	.open_device = vfio_ap_mdev_open_device,
	.close_device = vfio_ap_mdev_close_device,
	.ioctl = vfio_ap_mdev_ioctl,
	.dma_unmap = vfio_ap_mdev_dma_unmap,
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
	.request = vfio_ap_mdev_request,
};

static struct mdev_driver vfio_ap_matrix_driver = {
	.device_api = VFIO_DEVICE_API_AP_STRING,
	.max_instances = VFIO_AP_MAX_MDEVS,
	.driver = {
		.name = "vfio_ap_mdev",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = vfio_ap_mdev_attr_groups,
	},
	.probe = vfio_ap_mdev_probe,
	.remove = vfio_ap_mdev_remove,
};

/**
 * vfio_ap_mdev_register - offer the vfio_ap-passthrough mdev type
 *
 * Return: 0 or a negative error, with nothing left registered.
 */
int vfio_ap_mdev_register(void)
{
	int ret;

	ret = mdev_register_driver(&vfio_ap_matrix_driver);
	if (ret)
		return ret;

	matrix_dev->mdev_type.sysfs_name = VFIO_AP_MDEV_TYPE_NAME;
	matrix_dev->mdev_type.pretty_name = VFIO_AP_MDEV_PRETTY_NAME;
	matrix_dev->mdev_types[0] = &matrix_dev->mdev_type;
	ret = mdev_register_parent(&matrix_dev->parent, &matrix_dev->device,
				   &vfio_ap_matrix_driver,
				   matrix_dev->mdev_types, 1);
	if (ret)
		mdev_unregister_driver(&vfio_ap_matrix_driver);
	return ret;
}

void vfio_ap_mdev_unregister(void)
{
	mdev_unregister_parent(&matrix_dev->parent);
	mdev_unregister_driver(&vfio_ap_matrix_driver);
}
