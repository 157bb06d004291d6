// SPDX-License-Identifier: GPL-2.0
/*
 * One operation at a time, as the locking design lists them: the locks each
 * takes, in order, and the guest APCB that results, for an mdev with and
 * without a guest.
 */
#include "harness.h"

#define UUID1 "11111111-2222-3333-4444-555555555555"
#define UUID2 "11111111-2222-3333-4444-666666666666"

/* lock class names as the validator knows them */
#define KN	"dev->kn_active"
#define PERMS	"ap_perms_mutex"
#define SCAN	"ap_scan_bus_mutex"
#define GUESTS	"matrix_dev->guests_lock"
#define MDEVS	"matrix_dev->mdevs_lock"
#define KVM	"kvm->lock"
#define HOOK	"kvm->arch.crypto.pqap_hook_rwsem"
#define DEVSET	"vdev->dev_set_lock"

static const char *trace_write(struct mdev_device *m, const char *attr,
			       const char *val, int want_ret)
{
	const char *t;
	int ret;

	lockval_trace_start();
	ret = t_write(m, attr, val);
	t = lockval_trace_stop();
	CHECK_EQ_INT(ret, want_ret);
	return t;
}

static void test_unattached(void)
{
	struct mdev_device *m;
	const char *t;

	t_machine_up("0-15", "0-15", "0-3");
	/* what mdevctl and libvirt look for */
	CHECK_EQ_STR(sim_mdev_type_name(), "vfio_ap-passthrough");
	lockval_trace_start();
	m = t_mdev(UUID1);
	t = lockval_trace_stop();
	CHECK_EQ_STR(t, MDEVS "," GUESTS "," MDEVS "," KN "(w)");

	t = trace_write(m, "assign_adapter", "1", 0);
	CHECK_EQ_STR(t, KN "(r)," PERMS "," GUESTS "," MDEVS);
	CHECK_EQ_STR(t_shadow(m), "1 - -");
	t = trace_write(m, "assign_domain", "0x4", 0);
	CHECK_EQ_STR(t, KN "(r)," PERMS "," GUESTS "," MDEVS);
	CHECK_EQ_STR(t_shadow(m), "1 4 -");
	t = trace_write(m, "assign_control_domain", "2", 0);
	CHECK_EQ_STR(t, KN "(r)," PERMS "," GUESTS "," MDEVS);
	CHECK_EQ_STR(t_shadow(m), "1 4 2");
	t = trace_write(m, "unassign_adapter", "1", 0);
	CHECK_EQ_STR(t, KN "(r)," GUESTS "," MDEVS);
	CHECK_EQ_STR(t_shadow(m), "- 4 2");
	CHECK_EQ_STR(t_read(m, "matrix"), ".0004\n");

	lockval_trace_start();
	sim_mdev_remove(m);
	t = lockval_trace_stop();
	CHECK_EQ_STR(t, KN "(w)," DEVSET "," GUESTS "," MDEVS);
	t_machine_down();
}

static void test_attached(void)
{
	struct mdev_device *m;
	struct kvm *kvm;
	const char *t;
	unsigned long before;

	t_machine_up("0-15", "0-15", "0-3");
	m = t_mdev(UUID1);
	CHECK_EQ_INT(t_write(m, "assign_adapter", "3"), 0);
	CHECK_EQ_INT(t_write(m, "assign_domain", "5"), 0);
	kvm = sim_kvm_create(1 << 20, 0);

	lockval_trace_start();
	CHECK_EQ_INT(sim_vfio_open(t_vdev(m), kvm), 0);
	t = lockval_trace_stop();
	CHECK_EQ_STR(t, DEVSET "," GUESTS "," KVM "," HOOK "(w)," MDEVS);
	CHECK_EQ_STR(t_guest(kvm), "3 5 -");
	CHECK(kvm->arch.crypto.pqap_hook);

	t = trace_write(m, "assign_adapter", "4", 0);
	CHECK_EQ_STR(t, KN "(r)," PERMS "," GUESTS "," KVM "," MDEVS);
	CHECK_EQ_STR(t_guest(kvm), "3-4 5 -");
	t = trace_write(m, "assign_control_domain", "1", 0);
	CHECK_EQ_STR(t_guest(kvm), "3-4 5 1");

	/* assigning a bit already set changes nothing, not even the guest */
	before = kvm->arch.crypto.masks_set;
	t = trace_write(m, "assign_adapter", "4", 0);
	CHECK_EQ_INT(kvm->arch.crypto.masks_set, before);

	t = trace_write(m, "unassign_domain", "5", 0);
	/* the resets are waited for with guests_lock alone, then recorded */
	CHECK_EQ_STR(t, KN "(r)," GUESTS "," KVM "," MDEVS "," MDEVS);
	CHECK_EQ_STR(t_guest(kvm), "3-4 - 1");
	/* the queues the guest lost were reset */
	CHECK(sim_ap_hw(AP_MKQID(3, 5))->zapqs >= 1);
	CHECK(sim_ap_hw(AP_MKQID(4, 5))->zapqs >= 1);

	t = trace_write(m, "ap_config",
			"0x3000000000000000000000000000000000000000000000000000000000000000,"
			"0x0c00000000000000000000000000000000000000000000000000000000000000,"
			"0x0000000000000000000000000000000000000000000000000000000000000000",
			0);
	CHECK_EQ_STR(t, KN "(r)," PERMS "," GUESTS "," KVM "," MDEVS);
	CHECK_EQ_STR(t_guest(kvm), "2-3 4-5 -");
	CHECK_EQ_STR(t_read(m, "guest_matrix"),
		     "02.0004\n02.0005\n03.0004\n03.0005\n");

	lockval_trace_start();
	sim_vfio_close(t_vdev(m));
	t = lockval_trace_stop();
	/* detach, the wait with guests_lock alone, the rest; the triggers */
	CHECK_EQ_STR(t, DEVSET "," GUESTS "," KVM "," HOOK "(w)," MDEVS "," MDEVS
		     "," KVM "," HOOK "(w)," MDEVS "," MDEVS);
	CHECK_EQ_STR(t_guest(kvm), "- - -");
	CHECK(!kvm->arch.crypto.pqap_hook);
	sim_mdev_remove(m);
	sim_kvm_put(kvm);
	t_machine_down();
}

/* a queue leaving vfio_ap (apmask) and coming back (aqmask undone) */
static void test_queue_probe_remove(void)
{
	DECLARE_BITMAP(mask, 256);
	struct mdev_device *m;
	struct kvm *kvm;
	const char *t;

	t_machine_up("0-15", "0-15", "0-3");
	m = t_mdev_with(UUID1, "1-2", "7");
	kvm = t_attach(m, 0);
	CHECK_EQ_STR(t_guest(kvm), "1-2 7 -");

	/* domain 9 to the host's drivers: not assigned, so not in use */
	sim_mask_parse("0-15", mask);
	CHECK_EQ_INT(sim_ap_write_perm(true, mask), 0);
	sim_mask_parse("9", mask);
	lockval_trace_start();
	CHECK_EQ_INT(sim_ap_write_perm(false, mask), 0);
	t = lockval_trace_stop();
	CHECK(strstr(t, PERMS "," GUESTS "," MDEVS ","));	/* in_use */
	/*
	 * each queue removal: guests, mdevs; a reset back to the host's
	 * drivers, its result recorded, and the locks again after the wait
	 */
	CHECK(strstr(t, PERMS "," GUESTS "," MDEVS "," MDEVS "," MDEVS ","
		     KN "(w)"));
	CHECK_EQ_STR(sim_ap_queue_driver(AP_MKQID(1, 9)), "default");
	CHECK_EQ_STR(t_guest(kvm), "1-2 7 -");

	/* domain 7 is in use: refused, nothing moves */
	sim_mask_parse("7,9", mask);
	CHECK_EQ_INT(sim_ap_write_perm(false, mask), -EBUSY);
	CHECK_EQ_STR(sim_ap_queue_driver(AP_MKQID(1, 7)), "vfio_ap");

	/* the guest moves to domain 8 */
	t_write(m, "unassign_domain", "7");
	CHECK_EQ_STR(t_guest(kvm), "1-2 - -");
	t_write(m, "assign_domain", "8");
	CHECK_EQ_STR(t_guest(kvm), "1-2 8 -");
	/* apmask 1 with aqmask 9 reserves only 1.9: nothing in use */
	sim_mask_parse("1", mask);
	CHECK_EQ_INT(sim_ap_write_perm(true, mask), 0);
	/* aqmask 8 would reserve 1.8, which the guest has: refused */
	sim_mask_parse("8", mask);
	CHECK_EQ_INT(sim_ap_write_perm(false, mask), -EBUSY);
	CHECK_EQ_STR(t_guest(kvm), "1-2 8 -");

	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/* unbinding one queue takes its whole adapter from the guest, and back */
static void test_unbind_one_queue(void)
{
	DECLARE_BITMAP(apmask, 256);
	DECLARE_BITMAP(aqmask, 256);
	struct mdev_device *m;
	struct kvm *kvm;
	const char *t;

	t_machine_up("0-15", "0-15", "0-3");
	m = t_mdev_with(UUID1, "1-2", "7-8");
	kvm = t_attach(m, 0);
	CHECK_EQ_STR(t_guest(kvm), "1-2 7-8 -");

	/* the host keeps adapter 3 x domain 3: nothing assigned there */
	sim_mask_parse("3", apmask);
	sim_mask_parse("3", aqmask);
	CHECK_EQ_INT(sim_ap_write_perm(false, aqmask), 0);
	CHECK_EQ_INT(sim_ap_write_perm(true, apmask), 0);
	CHECK_EQ_STR(sim_ap_queue_driver(AP_MKQID(3, 3)), "default");

	/* the driver itself cannot see 1.7 go without the adapter going */
	{
		struct vfio_ap_queue *q;
		struct device *qdev = sim_ap_queue_dev(AP_MKQID(1, 7));

		lockval_trace_start();
		mutex_lock(&ap_perms_mutex);
		mutex_unlock(&ap_perms_mutex);
		q = dev_get_drvdata(qdev);
		CHECK(q != NULL);
		matrix_dev->vfio_ap_drv->remove(to_ap_dev(qdev));
		t = lockval_trace_stop();
		/* the locks again after the wait, for what goes with the queue */
		CHECK_EQ_STR(t, PERMS "," GUESTS "," KVM "," MDEVS "," MDEVS ","
			     KVM "," MDEVS "," KN "(w)");
		CHECK_EQ_STR(t_guest(kvm), "2 7-8 -");
		CHECK(sim_ap_hw(AP_MKQID(1, 8))->zapqs >= 1);
		lockval_trace_start();
		CHECK_EQ_INT(matrix_dev->vfio_ap_drv->probe(to_ap_dev(qdev)), 0);
		t = lockval_trace_stop();
		CHECK_EQ_STR(t, KN "(w)," GUESTS "," KVM "," MDEVS);
		CHECK_EQ_STR(t_guest(kvm), "1-2 7-8 -");
	}

	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

static void test_host_change(void)
{
	struct mdev_device *m1, *m2;
	struct kvm *kvm;
	const char *t;

	t_machine_up("0-15", "0-15", "0-3");
	m1 = t_mdev(UUID1);
	m2 = t_mdev(UUID2);
	t_write(m1, "assign_adapter", "1");
	t_write(m1, "assign_adapter", "2");
	t_write(m1, "assign_domain", "3");
	t_write(m1, "assign_control_domain", "3");
	t_write(m2, "assign_adapter", "5");
	t_write(m2, "assign_domain", "3");
	kvm = sim_kvm_create(1 << 20, 0);
	CHECK_EQ_INT(sim_vfio_open(t_vdev(m1), kvm), 0);
	CHECK_EQ_STR(t_guest(kvm), "1-2 3 3");

	/* the host loses adapter 2: out at once, for the attached and not */
	lockval_trace_start();
	t_host("0-1,3-15", NULL, NULL);
	t = lockval_trace_stop();
	/* the walk holds guests_lock; kvm and mdevs are retaken per mdev */
	CHECK(!strncmp(t, SCAN "," GUESTS "," MDEVS "," MDEVS "," KVM ","
		       MDEVS ",", strlen(SCAN "," GUESTS "," MDEVS "," MDEVS
				       "," KVM "," MDEVS ",")));
	CHECK_EQ_STR(t_guest(kvm), "1 3 3");

	/* control domain 3 goes, then comes back */
	t_host(NULL, NULL, "0-2");
	CHECK_EQ_STR(t_guest(kvm), "1 3 -");
	t_host(NULL, NULL, "0-3");
	CHECK_EQ_STR(t_guest(kvm), "1 3 3");

	/* adapter 2 back: plugged on scan complete, once its queues are bound */
	t_host("0-15", NULL, NULL);
	CHECK_EQ_STR(t_guest(kvm), "1-2 3 3");
	CHECK_EQ_STR(t_shadow(m2), "5 3 -");

	/* the host loses domain 3: both mdevs lose it */
	t_host(NULL, "0-2,4-15", NULL);
	CHECK_EQ_STR(t_guest(kvm), "1-2 - 3");
	CHECK_EQ_STR(t_shadow(m2), "5 - -");

	sim_vfio_close(t_vdev(m1));
	sim_mdev_remove(m1);
	sim_mdev_remove(m2);
	sim_kvm_put(kvm);
	t_machine_down();
}

static void test_pqap(void)
{
	struct mdev_device *m;
	struct kvm *kvm;
	const char *t;
	u64 gr1;
	int cc;

	t_machine_up("0-15", "0-15", "0-3");
	m = t_mdev_with(UUID1, "1", "2");
	kvm = t_attach(m, 0x100000);

	lockval_trace_start();
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 2), 0x0000800000000006UL,
			  0x100000 + 0x2345, &gr1, &cc);
	t = lockval_trace_stop();
	/* as KVM calls the hook: in the vCPU's ioctl, its mutex held */
	CHECK_EQ_STR(t, "vcpu->mutex," HOOK "(r)," MDEVS);
	CHECK_EQ_INT(cc, 0);
	CHECK_EQ_INT(gr1 & 0x00ff0000, 0);
	/* enabling is asynchronous: they show on at a later TAPQ */
	CHECK(!(gr1 & 0x01000000));
	CHECK(t_irq_shows(AP_MKQID(1, 2), true));
	CHECK_EQ_INT(sim_pins_live(), 1);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 1);
	/* the hardware got the host address of the indicator byte */
	CHECK_EQ_INT(sim_ap_hw(AP_MKQID(1, 2))->nib,
		     (uintptr_t)kvm->mem + 0x2345);

	/* off again: everything given back */
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 2), 0, 0, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 0);

	/* a queue the guest does not have: not available, cc 3 */
	sim_kvm_pqap_aqic(kvm, AP_MKQID(2, 2), 0x0000800000000006UL,
			  0x100000, &gr1, &cc);
	CHECK_EQ_INT(cc, 3);
	CHECK_EQ_INT((gr1 >> 16) & 0xff, AP_RESPONSE_Q_NOT_AVAIL);

	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

int main(void)
{
	t_run("mdev operations without a guest: locks and APCB", test_unattached);
	t_run("mdev operations with a guest: locks and guest APCB", test_attached);
	t_run("apmask/aqmask: in_use and queue rebinding", test_queue_probe_remove);
	t_run("queue remove/probe: whole adapter out and back", test_unbind_one_queue);
	t_run("host config change and scan complete", test_host_change);
	t_run("PQAP(AQIC) enable/disable", test_pqap);
	return t_done();
}
