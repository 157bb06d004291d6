// SPDX-License-Identifier: GPL-2.0+
/*
 * vfio_ap: AP queue devices bound to the driver, and the AP bus's
 * notifications about the host configuration.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/lockdep.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "vfio_ap_private.h"

/**
 * vfio_ap_mdev_probe_queue - a queue was bound to vfio_ap
 * @apdev: the queue device
 *
 * If an mdev has the APQN assigned, the queue joins it, and its adapter may
 * now be complete enough to be plugged into the guest.
 *
 * Return: 0, or a negative error with nothing left behind.
 */
int vfio_ap_mdev_probe_queue(struct ap_device *apdev)
{
	struct ap_matrix_mdev *matrix_mdev;
	struct ap_matrix old_apcb;
	struct vfio_ap_queue *q;
	int ret;

	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	q->apqn = to_ap_queue(&apdev->device)->qid;
	q->saved_isc = VFIO_AP_ISC_NONE;

	/* not under our locks: removing it waits for readers, who take them */
	ret = sysfs_create_group(&apdev->device.kobj, &vfio_ap_queue_attr_group);
	if (ret) {
		kfree(q);
		return ret;
	}

	matrix_mdev = get_update_locks_by_apqn(q->apqn);
	matrix_dev->queues[q->apqn] = q;
	dev_set_drvdata(&apdev->device, q);
	if (matrix_mdev) {
		old_apcb = matrix_mdev->shadow_apcb;
		vfio_ap_mdev_link_queue(matrix_mdev, q);
		if (vfio_ap_mdev_filter_adapter(matrix_mdev, AP_QID_CARD(q->apqn)))
			vfio_ap_mdev_commit_apcb(matrix_mdev, &old_apcb);
	}
	release_update_locks_for_mdev(matrix_mdev);
	return 0;
}

/**
 * vfio_ap_mdev_remove_queue - a queue is being unbound from vfio_ap
 * @apdev: the queue device
 *
 * The guest cannot keep an adapter with a queue missing, so the whole
 * adapter is unplugged and its queues, this one included, are reset.  A
 * queue no guest had is reset too, as it goes back to the host's drivers.
 * Interrupt resources the reset could not confirm off go with the queue:
 * it leaves vfio_ap, so nothing of ours can release them later.
 */
void vfio_ap_mdev_remove_queue(struct ap_device *apdev)
{
	struct ap_matrix_mdev *matrix_mdev;
	struct vfio_ap_queue *q;
	struct ap_matrix old_apcb;
	bool in_guest = false;

	q = dev_get_drvdata(&apdev->device);
	if (!q)
		return;

	matrix_mdev = get_update_locks_for_queue(q);
	if (matrix_mdev && matrix_mdev->kvm &&
	    test_bit_inv(AP_QID_CARD(q->apqn), matrix_mdev->shadow_apcb.apm) &&
	    test_bit_inv(AP_QID_QUEUE(q->apqn), matrix_mdev->shadow_apcb.aqm))
		in_guest = true;
	if (matrix_mdev) {
		old_apcb = matrix_mdev->shadow_apcb;
		vfio_ap_mdev_unlink_queue(q);
		if (vfio_ap_mdev_filter_adapter(matrix_mdev, AP_QID_CARD(q->apqn)))
			vfio_ap_mdev_commit_apcb(matrix_mdev, &old_apcb);
	}
	/* the host's drivers get it back clean; the unplug reset the guest's */
	if (!in_guest)
		vfio_ap_queue_reset_start(q);
	matrix_dev->queues[q->apqn] = NULL;
	dev_set_drvdata(&apdev->device, NULL);
	finish_resets_for_mdev(matrix_mdev);
	vfio_ap_irq_release(q);
	release_update_locks_for_mdev(matrix_mdev);

	sysfs_remove_group(&apdev->device.kobj, &vfio_ap_queue_attr_group);
	kfree(q);
}

/**
 * vfio_ap_mdev_resource_in_use - whether APQNs are assigned to an mdev
 * @apm: adapters the AP bus wants to give to its default drivers
 * @aqm: domains the AP bus wants to give to its default drivers
 *
 * Called by the AP bus with ap_perms_mutex held.  Every assignment path
 * takes ap_perms_mutex before guests_lock, so the locks can be taken
 * plainly here: no deadlock, and no spurious -EBUSY while another mdev
 * operation is running.
 *
 * Return: -EADDRINUSE if any APQN of @apm x @aqm is assigned, else 0.
 */
int vfio_ap_mdev_resource_in_use(unsigned long *apm, unsigned long *aqm)
{
	struct ap_matrix_mdev *matrix_mdev;
	int ret = 0;

	lockdep_assert_held(&ap_perms_mutex);
	mutex_lock(&matrix_dev->guests_lock);
	mutex_lock(&matrix_dev->mdevs_lock);
	list_for_each_entry(matrix_mdev, &matrix_dev->mdev_list, node) {
		if (bitmap_intersects(apm, matrix_mdev->matrix.apm, AP_DEVICES) &&
		    bitmap_intersects(aqm, matrix_mdev->matrix.aqm, AP_DOMAINS)) {
			ret = -EADDRINUSE;
			break;
		}
	}
	mutex_unlock(&matrix_dev->mdevs_lock);
	mutex_unlock(&matrix_dev->guests_lock);
	return ret;
}

/* the removals of a host change, as three masks of ids that went away */
struct cfg_delta {
	DECLARE_BITMAP(apm, AP_DEVICES);
	DECLARE_BITMAP(aqm, AP_DOMAINS);
	DECLARE_BITMAP(adm, AP_DOMAINS);
};

/* @delta = @from minus @minus, for each of the three masks */
static bool cfg_delta(struct cfg_delta *delta, struct ap_config_info *from,
		      struct ap_config_info *minus)
{
	bool any;

	any = bitmap_andnot(delta->apm, (unsigned long *)from->apm,
			    (unsigned long *)minus->apm, AP_DEVICES);
	any |= bitmap_andnot(delta->aqm, (unsigned long *)from->aqm,
			     (unsigned long *)minus->aqm, AP_DOMAINS);
	any |= bitmap_andnot(delta->adm, (unsigned long *)from->adm,
			     (unsigned long *)minus->adm, AP_DOMAINS);
	return any;
}

/* take the ids of @gone out of the host config that guests may be given */
static void host_info_remove(const struct cfg_delta *gone)
{
	struct ap_config_info *info = &matrix_dev->info;

	bitmap_andnot((unsigned long *)info->apm, (unsigned long *)info->apm,
		      gone->apm, AP_DEVICES);
	bitmap_andnot((unsigned long *)info->aqm, (unsigned long *)info->aqm,
		      gone->aqm, AP_DOMAINS);
	bitmap_andnot((unsigned long *)info->adm, (unsigned long *)info->adm,
		      gone->adm, AP_DOMAINS);
}

/*
 * Unplug ids the host lost from one mdev's guest.  Decided again rather
 * than masked out: a lost domain can let back an adapter that was out only
 * for a queue of that domain, and the guest may lose its last adapter.
 */
static void mdev_unplug_gone(struct ap_matrix_mdev *matrix_mdev,
			     const struct cfg_delta *gone)
{
	struct ap_matrix old_apcb = matrix_mdev->shadow_apcb;
	unsigned long apid;

	vfio_ap_mdev_filter_domains(matrix_mdev);
	for_each_set_bit_inv(apid, gone->apm, AP_DEVICES)
		vfio_ap_mdev_filter_adapter(matrix_mdev, apid);
	vfio_ap_mdev_commit_apcb(matrix_mdev, &old_apcb);
}

/**
 * vfio_ap_on_cfg_changed - the host AP configuration changed
 * @new_info: the new host configuration
 * @old_info: the previous one
 *
 * Called before the AP bus removes and adds queue devices.  What the host
 * lost leaves every guest at once, in one update per guest instead of one
 * per queue; what it gained waits for vfio_ap_on_scan_complete().
 */
void vfio_ap_on_cfg_changed(struct ap_config_info *new_info,
			    struct ap_config_info *old_info)
{
	struct ap_matrix_mdev *matrix_mdev;
	struct cfg_delta gone;

	mutex_lock(&matrix_dev->guests_lock);
	mutex_lock(&matrix_dev->mdevs_lock);
	if (!cfg_delta(&gone, &matrix_dev->info, new_info)) {
		mutex_unlock(&matrix_dev->mdevs_lock);
		mutex_unlock(&matrix_dev->guests_lock);
		return;
	}
	host_info_remove(&gone);
	mutex_unlock(&matrix_dev->mdevs_lock);

	list_for_each_entry(matrix_mdev, &matrix_dev->mdev_list, node) {
		get_mdev_locks_after_guests(matrix_mdev);
		mdev_unplug_gone(matrix_mdev, &gone);
		release_mdev_locks_before_guests(matrix_mdev);
	}
	vfio_ap_release_guests_lock();
}

/* plug ids the host gained into one mdev's guest; returns true on change */
static bool mdev_plug_added(struct ap_matrix_mdev *matrix_mdev,
			    const struct cfg_delta *added)
{
	struct ap_matrix *matrix = &matrix_mdev->matrix;
	unsigned long apid;
	bool changed = false;

	if (bitmap_intersects(added->aqm, matrix->aqm, AP_DOMAINS) ||
	    bitmap_intersects(added->adm, matrix->adm, AP_DOMAINS))
		changed = vfio_ap_mdev_filter_domains(matrix_mdev);
	for_each_set_bit_inv(apid, added->apm, AP_DEVICES)
		if (test_bit_inv(apid, matrix->apm))
			changed |= vfio_ap_mdev_filter_adapter(matrix_mdev, apid);
	return changed;
}

/**
 * vfio_ap_on_scan_complete - the AP bus has probed the queues of a change
 * @new_info: the new host configuration
 * @old_info: the previous one
 *
 * Now that the queues of added adapters and domains are bound, the ids are
 * plugged into the guests that have them assigned, one update per guest.
 */
void vfio_ap_on_scan_complete(struct ap_config_info *new_info,
			      struct ap_config_info *old_info)
{
	struct ap_matrix_mdev *matrix_mdev;
	struct ap_matrix old_apcb;
	struct cfg_delta added;
	bool any;

	mutex_lock(&matrix_dev->guests_lock);
	mutex_lock(&matrix_dev->mdevs_lock);
	any = cfg_delta(&added, new_info, &matrix_dev->info);
	/* flags and limits too, even when no id was added */
	matrix_dev->info = *new_info;
	mutex_unlock(&matrix_dev->mdevs_lock);
	if (!any) {
		mutex_unlock(&matrix_dev->guests_lock);
		return;
	}

	list_for_each_entry(matrix_mdev, &matrix_dev->mdev_list, node) {
		get_mdev_locks_after_guests(matrix_mdev);
		old_apcb = matrix_mdev->shadow_apcb;
		if (mdev_plug_added(matrix_mdev, &added))
			vfio_ap_mdev_commit_apcb(matrix_mdev, &old_apcb);
		release_mdev_locks_before_guests(matrix_mdev);
	}
	vfio_ap_release_guests_lock();
}

static ssize_t status_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct ap_matrix_mdev *matrix_mdev;
	struct vfio_ap_queue *q;
	const char *state;

	mutex_lock(&matrix_dev->mdevs_lock);
	/*
	 * No driver data yet while the queue is being probed, none left
	 * while it is removed: no mdev has it then (Linux 6.12's answer)
	 */
	q = dev_get_drvdata(dev);
	matrix_mdev = q ? q->matrix_mdev : NULL;
	if (!matrix_mdev)
		state = "unassigned";
	else if (matrix_mdev->kvm &&
		 test_bit_inv(AP_QID_CARD(q->apqn), matrix_mdev->shadow_apcb.apm) &&
		 test_bit_inv(AP_QID_QUEUE(q->apqn), matrix_mdev->shadow_apcb.aqm))
		state = "in use";
	else
		state = "assigned";
	mutex_unlock(&matrix_dev->mdevs_lock);

	return sysfs_emit(buf, "%s\n", state);
}
static DEVICE_ATTR_RO(status);

static struct attribute *vfio_ap_queue_attrs[] = {
	&dev_attr_status.attr,
	NULL,
};

const struct attribute_group vfio_ap_queue_attr_group = {
	.attrs = vfio_ap_queue_attrs,
};
