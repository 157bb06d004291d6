// SPDX-License-Identifier: GPL-2.0+
/*
 * vfio_ap: the locks a change of a guest's AP configuration needs, taken
 * from each place such a change can start: a kvm, an mdev, a queue or an
 * APQN.  Whatever the start, the order is the same:
 *
 *   guests_lock -> kvm->lock -> (pqap_hook_rwsem) -> mdevs_lock
 *
 * guests_lock comes first because a queue probe or remove knows only an
 * APQN: it has to search the mdev list before it knows which kvm->lock to
 * take, and kvm->lock must be taken before mdevs_lock.
 *
 * Queue resets started under these locks are seen through with only
 * guests_lock held (vfio_ap_reset.c): every release of guests_lock here
 * finishes them first.
 */

#include <linux/lockdep.h>

#include "vfio_ap_private.h"

/**
 * get_mdev_locks_after_guests - take the guest's kvm->lock and mdevs_lock
 * @matrix_mdev: the mdev to be changed, or NULL
 *
 * For a walk that holds guests_lock for its whole length and retakes the
 * inner locks for each mdev.  @matrix_mdev->kvm cannot change while
 * guests_lock is held, so the release sees the same kvm.
 */
void get_mdev_locks_after_guests(struct ap_matrix_mdev *matrix_mdev)
{
	lockdep_assert_held(&matrix_dev->guests_lock);

	if (matrix_mdev && matrix_mdev->kvm)
		mutex_lock(&matrix_mdev->kvm->lock);
	mutex_lock(&matrix_dev->mdevs_lock);
}

/**
 * release_mdev_locks_before_guests - undo get_mdev_locks_after_guests()
 * @matrix_mdev: the mdev given to get_mdev_locks_after_guests()
 */
void release_mdev_locks_before_guests(struct ap_matrix_mdev *matrix_mdev)
{
	lockdep_assert_held(&matrix_dev->guests_lock);

	mutex_unlock(&matrix_dev->mdevs_lock);
	if (matrix_mdev && matrix_mdev->kvm)
		mutex_unlock(&matrix_mdev->kvm->lock);
}

/**
 * get_update_locks_for_kvm - take every lock, to attach or detach a guest
 * @kvm: the guest
 *
 * The PQAP hook rwsem is taken for write because attaching and detaching
 * install and remove the hook.
 */
void get_update_locks_for_kvm(struct kvm *kvm)
{
	mutex_lock(&matrix_dev->guests_lock);
	mutex_lock(&kvm->lock);
	down_write(&kvm->arch.crypto.pqap_hook_rwsem);
	mutex_lock(&matrix_dev->mdevs_lock);
}

/**
 * release_update_locks_for_kvm - undo get_update_locks_for_kvm()
 * @kvm: the guest
 */
void release_update_locks_for_kvm(struct kvm *kvm)
{
	mutex_unlock(&matrix_dev->mdevs_lock);
	up_write(&kvm->arch.crypto.pqap_hook_rwsem);
	mutex_unlock(&kvm->lock);
	vfio_ap_release_guests_lock();
}

/**
 * finish_resets_for_kvm - see the started resets through, mid-operation
 * @kvm: the guest whose update locks are held
 *
 * The inner locks are dropped for the wait and taken again after it;
 * guests_lock stays held, so no other configuration change comes between.
 */
void finish_resets_for_kvm(struct kvm *kvm)
{
	if (!vfio_ap_resets_started())
		return;
	mutex_unlock(&matrix_dev->mdevs_lock);
	up_write(&kvm->arch.crypto.pqap_hook_rwsem);
	mutex_unlock(&kvm->lock);
	vfio_ap_finish_resets();
	mutex_lock(&kvm->lock);
	down_write(&kvm->arch.crypto.pqap_hook_rwsem);
	mutex_lock(&matrix_dev->mdevs_lock);
}

/**
 * get_update_locks_for_mdev - take the locks to change an mdev and its guest
 * @matrix_mdev: the mdev, or NULL for none
 */
void get_update_locks_for_mdev(struct ap_matrix_mdev *matrix_mdev)
{
	mutex_lock(&matrix_dev->guests_lock);
	get_mdev_locks_after_guests(matrix_mdev);
}

/**
 * release_update_locks_for_mdev - undo any get_update_locks_*() but for kvm
 * @matrix_mdev: the mdev the locks were taken for, or NULL
 */
void release_update_locks_for_mdev(struct ap_matrix_mdev *matrix_mdev)
{
	release_mdev_locks_before_guests(matrix_mdev);
	vfio_ap_release_guests_lock();
}

/**
 * finish_resets_for_mdev - finish_resets_for_kvm() for the locks of an mdev
 * @matrix_mdev: the mdev whose update locks are held, or NULL
 */
void finish_resets_for_mdev(struct ap_matrix_mdev *matrix_mdev)
{
	if (!vfio_ap_resets_started())
		return;
	release_mdev_locks_before_guests(matrix_mdev);
	vfio_ap_finish_resets();
	get_mdev_locks_after_guests(matrix_mdev);
}

/**
 * get_update_locks_for_queue - take the locks to change a queue's mdev
 * @q: a queue bound to vfio_ap
 *
 * @q->matrix_mdev is only changed with guests_lock held, so it may be read
 * before mdevs_lock is taken.
 *
 * Return: the mdev @q belongs to, or NULL; release with
 * release_update_locks_for_mdev().
 */
struct ap_matrix_mdev *get_update_locks_for_queue(struct vfio_ap_queue *q)
{
	struct ap_matrix_mdev *matrix_mdev;

	mutex_lock(&matrix_dev->guests_lock);
	matrix_mdev = q->matrix_mdev;
	get_mdev_locks_after_guests(matrix_mdev);

	return matrix_mdev;
}

/**
 * get_update_locks_by_apqn - take the locks to change the mdev of an APQN
 * @apqn: adapter << 8 | domain
 *
 * The masks of every mdev are only changed with guests_lock held, so the
 * list can be searched before mdevs_lock is taken.
 *
 * Return: the mdev whose matrix holds @apqn, or NULL; release with
 * release_update_locks_for_mdev().
 */
struct ap_matrix_mdev *get_update_locks_by_apqn(int apqn)
{
	struct ap_matrix_mdev *matrix_mdev, *found = NULL;

	mutex_lock(&matrix_dev->guests_lock);
	list_for_each_entry(matrix_mdev, &matrix_dev->mdev_list, node) {
		if (test_bit_inv(AP_QID_CARD(apqn), matrix_mdev->matrix.apm) &&
		    test_bit_inv(AP_QID_QUEUE(apqn), matrix_mdev->matrix.aqm)) {
			found = matrix_mdev;
			break;
		}
	}
	get_mdev_locks_after_guests(found);

	return found;
}
