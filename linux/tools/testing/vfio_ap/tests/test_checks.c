// SPDX-License-Identifier: GPL-2.0
/*
 * The checks are real: each is shown catching a deliberately broken case.
 * (The stress test shows the same for its APCB invariant checker.)
 */
#include "harness.h"

/* these tests invert lock orders on purpose: lockval is the judge here */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "detect_deadlocks=0";
}

#define UUID1 "cccccccc-0000-0000-0000-000000000001"

static void expect_reports(unsigned int n, const char *needle)
{
	CHECK_EQ_INT(lockval_failures(), n);
	if (needle)
		CHECK(strstr(lockval_last_report(), needle));
	lockval_reset_failures();
	/* the broken order stays recorded otherwise, and taints later tests */
	lockval_forget_all();
}

/* mdevs_lock then guests_lock, against the driver's order */
static void test_inverted_order_caught(void)
{
	struct mdev_device *m;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev(UUID1);
	CHECK_EQ_INT(t_write(m, "assign_adapter", "1"), 0);
	CHECK(lockval_order_known("matrix_dev->guests_lock", "matrix_dev->mdevs_lock"));
	lockval_set_quiet(true);
	mutex_lock(&matrix_dev->mdevs_lock);
	mutex_lock(&matrix_dev->guests_lock);
	mutex_unlock(&matrix_dev->guests_lock);
	mutex_unlock(&matrix_dev->mdevs_lock);
	lockval_set_quiet(false);
	expect_reports(1, "matrix_dev->guests_lock");
	sim_mdev_remove(m);
	t_machine_down();
}

/* removing a queue's attributes under mdevs_lock would deadlock a reader */
static void test_kernfs_model_caught(void)
{
	struct device *qdev;
	char buf[PAGE_SIZE];

	t_machine_up("0-3", "0-3", "0");
	qdev = sim_ap_queue_dev(AP_MKQID(1, 1));
	CHECK(sim_attr_read(qdev, "status", buf) > 0);	/* kn_active -> mdevs */
	lockval_set_quiet(true);
	mutex_lock(&matrix_dev->mdevs_lock);
	sysfs_remove_group(&qdev->kobj, &vfio_ap_queue_attr_group);
	mutex_unlock(&matrix_dev->mdevs_lock);
	lockval_set_quiet(false);
	expect_reports(1, "dev->kn_active");
	CHECK_EQ_INT(sysfs_create_group(&qdev->kobj, &vfio_ap_queue_attr_group), 0);
	t_machine_down();
}

/* a driver function that relies on a lock, called without it */
static void test_assert_held_caught(void)
{
	t_machine_up("0-3", "0-3", "0");
	lockval_set_quiet(true);
	vfio_ap_find_queue(AP_MKQID(1, 1));
	lockval_set_quiet(false);
	expect_reports(1, "matrix_dev->mdevs_lock");
	t_machine_down();
}

/* a driver that forgets to unpin the NIB page is seen by the pin count */
static void test_missed_unpin_caught(void)
{
	struct mdev_device *m;
	struct kvm *kvm;
	u64 gr1;
	int cc;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1");
	kvm = t_attach(m, 0);
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), 0x0000800000000003UL, 0x3000,
			  &gr1, &cc);
	CHECK_EQ_INT(sim_pins_live(), 1);
	sim_vfio_drop_unpins = true;
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), 0, 0, &gr1, &cc);
	sim_vfio_drop_unpins = false;
	CHECK_EQ_INT(sim_pins_live(), 1);	/* the leak shows */
	vfio_unpin_pages(t_vdev(m), 0x3000, 1);	/* clean up for teardown */
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/* an allocation not freed is seen by the allocation count */
static void test_leak_caught(void)
{
	long live = shim_allocations_live();
	void *p = kzalloc(16, GFP_KERNEL);

	CHECK_EQ_INT(shim_allocations_live(), live + 1);
	kfree(p);
	CHECK_EQ_INT(shim_allocations_live(), live);
}

/* the last reference of a kvm put with its lock held is a warning */
static void test_put_under_lock_caught(void)
{
	struct kvm *kvm;
	unsigned int before;

	t_machine_up("0-3", "0-3", "0");
	kvm = sim_kvm_create(1 << 20, 0);
	before = shim_warn_ons;
	/*
	 * Held as mutex_is_locked() sees it, without telling the validator:
	 * the lock goes with the kvm and could not be released after.
	 */
	__atomic_store_n(&kvm->lock.owner, lockval_thread_id(),
			 __ATOMIC_RELAXED);
	kvm_put_kvm(kvm);
	CHECK_EQ_INT(shim_warn_ons, before + 1);
	shim_warn_ons = before;		/* seen: not this test's failure */
	t_machine_down();
}

int main(void)
{
	setenv("SIM_QUIET", "1", 1);
	t_run("inverted lock order is reported", test_inverted_order_caught);
	t_run("attribute removal under mdevs_lock is reported", test_kernfs_model_caught);
	t_run("lockdep_assert_held without the lock is reported", test_assert_held_caught);
	t_run("a missed unpin shows in the pin count", test_missed_unpin_caught);
	t_run("a missed kfree shows in the allocation count", test_leak_caught);
	t_run("a kvm destroyed under its lock is a warning",
	      test_put_under_lock_caught);
	return t_done();
}
