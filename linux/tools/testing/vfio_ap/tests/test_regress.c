// SPDX-License-Identifier: GPL-2.0
/*
 * One test per class of bug found in the upstream driver over the years
 * (see docs/design.rst), plus the bounded reset.
 */
#include <pthread.h>
#include <unistd.h>
#include <linux/vfio_ap.h>

#include "harness.h"

#define UUID1 "aaaaaaaa-0000-0000-0000-000000000001"
#define UUID2 "aaaaaaaa-0000-0000-0000-000000000002"
#define IRQ_ON(isc) (0x0000800000000000UL | (isc))

/* 1: set/clear kvm against the PQAP intercept, concurrently */
static struct kvm *race_kvm;
static bool race_stop;	/* atomic: read by the PQAP thread */

static void *pqap_loop(void *arg)
{
	u64 gr1;
	int cc;

	while (!__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE)) {
		sim_kvm_pqap_aqic(race_kvm, AP_MKQID(1, 1), IRQ_ON(3), 0x1000,
				  &gr1, &cc);
		sim_kvm_pqap_aqic(race_kvm, AP_MKQID(1, 1), 0, 0, &gr1, &cc);
	}
	return NULL;
}

static void test_kvm_vs_pqap(void)
{
	struct mdev_device *m;
	pthread_t thr;
	int i;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1");
	race_kvm = sim_kvm_create(1 << 20, 0);
	__atomic_store_n(&race_stop, false, __ATOMIC_RELEASE);
	pthread_create(&thr, NULL, pqap_loop, NULL);
	for (i = 0; i < 200; i++) {
		CHECK_EQ_INT(sim_vfio_open(t_vdev(m), race_kvm), 0);
		sim_vfio_dma_map(t_vdev(m), 0, 1 << 20, race_kvm->mem);
		sim_vfio_close(t_vdev(m));
		sim_vfio_dma_unmap(t_vdev(m), 0, 1 << 20);
	}
	__atomic_store_n(&race_stop, true, __ATOMIC_RELEASE);
	pthread_join(thr, NULL);
	CHECK_EQ_INT(sim_kvm_giscs(race_kvm), 0);
	CHECK(!lockval_order_known("matrix_dev->mdevs_lock", "kvm->lock"));
	/* 2: nothing takes the VFIO open lock inside kvm->lock */
	CHECK(!lockval_order_known("kvm->lock", "vdev->dev_set_lock"));
	sim_mdev_remove(m);
	sim_kvm_put(race_kvm);
	t_machine_down();
}

/* 3: a second mdev on the same guest is refused and leaves nothing */
static void test_second_mdev_same_kvm(void)
{
	struct mdev_device *m1, *m2;
	struct kvm *kvm;
	crypto_hook *hook;

	t_machine_up("0-3", "0-3", "0");
	m1 = t_mdev_with(UUID1, "1", "1");
	m2 = t_mdev_with(UUID2, "2", "2");
	kvm = t_attach(m1, 0);
	hook = kvm->arch.crypto.pqap_hook;
	CHECK_EQ_INT(sim_vfio_open(t_vdev(m2), kvm), -EPERM);
	CHECK(kvm->arch.crypto.pqap_hook == hook);
	CHECK(hook == &t_matrix_mdev(m1)->pqap_hook);
	CHECK(t_matrix_mdev(m2)->kvm == NULL);
	CHECK_EQ_STR(t_guest(kvm), "1 1 -");
	t_detach(m1, kvm);
	CHECK_EQ_INT(sim_kvm_live(), 0);
	sim_mdev_remove(m1);
	sim_mdev_remove(m2);
	t_machine_down();
}

/* 4 and 6: host removes the last adapter of an unattached and attached mdev */
static void test_host_removes_last_adapter(void)
{
	struct mdev_device *m1, *m2;
	struct kvm *kvm;

	t_machine_up("0-3", "0-3", "0");
	m1 = t_mdev_with(UUID1, "1", "1");
	m2 = t_mdev_with(UUID2, "2", "2");
	kvm = t_attach(m1, 0);
	t_host("0,2-3", NULL, NULL);
	CHECK_EQ_STR(t_guest(kvm), "- 1 -");
	t_host("0,3", NULL, NULL);		/* unattached m2: no kvm used */
	CHECK_EQ_STR(t_shadow(m2), "- 2 -");
	t_host("0-3", NULL, NULL);
	CHECK_EQ_STR(t_guest(kvm), "1 1 -");
	CHECK_EQ_STR(t_shadow(m2), "2 2 -");
	t_detach(m1, kvm);
	sim_mdev_remove(m1);
	sim_mdev_remove(m2);
	t_machine_down();
}

/* 6: a host removal is decided again, not only masked out */
static void test_host_removal_readmits(void)
{
	DECLARE_BITMAP(mask, 256);
	struct mdev_device *m;
	struct kvm *kvm;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1-2", "1-2");
	kvm = t_attach(m, 0);
	/* 2.2 goes to the host's drivers: adapter 2 leaves the guest */
	sim_mask_parse("2", mask);
	CHECK_EQ_INT(sim_ap_write_perm(false, mask), 0);
	CHECK_EQ_INT(t_write(m, "unassign_adapter", "2"), 0);
	CHECK_EQ_INT(sim_ap_write_perm(true, mask), 0);
	CHECK_EQ_INT(t_write(m, "assign_adapter", "2"), -EADDRNOTAVAIL);
	bitmap_zero(mask, 256);
	CHECK_EQ_INT(sim_ap_write_perm(true, mask), 0);
	CHECK_EQ_INT(t_write(m, "assign_adapter", "2"), 0);
	sim_mask_parse("2", mask);
	CHECK_EQ_INT(sim_ap_write_perm(true, mask), -EBUSY);
	/* take 2.2 away from vfio_ap without the driver's consent */
	matrix_dev->vfio_ap_drv->remove(to_ap_dev(sim_ap_queue_dev(AP_MKQID(2, 2))));
	CHECK_EQ_STR(t_guest(kvm), "1 1-2 -");
	/* the host loses domain 2: adapter 2 is whole again over domain 1 */
	t_host(NULL, "0-1,3", NULL);
	CHECK_EQ_STR(t_guest(kvm), "1-2 1 -");
	t_host(NULL, "0-3", NULL);
	CHECK_EQ_STR(t_guest(kvm), "1-2 1-2 -");	/* 2.2 probed again */
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/* 7: the host adds only control domains */
static void test_host_adds_control_domains(void)
{
	struct mdev_device *m;
	struct kvm *kvm;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1");
	CHECK_EQ_INT(t_write(m, "assign_control_domain", "5"), 0);
	kvm = t_attach(m, 0);
	CHECK_EQ_STR(t_guest(kvm), "1 1 -");
	t_host(NULL, NULL, "0,5");
	CHECK_EQ_STR(t_guest(kvm), "1 1 5");
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/*
 * 8: the queue's status read while it is being probed or removed: no
 * driver data yet, or none left; Linux 6.12 says "unassigned" then
 */
static ssize_t status_ret;
static char status_buf[PAGE_SIZE];

static void read_status(struct device *dev)
{
	status_ret = sim_attr_read(dev, "status", status_buf);
}

static void test_status_during_probe(void)
{
	struct mdev_device *m;
	char buf[PAGE_SIZE];

	t_machine_up("0-4", "0-3", "0");
	m = t_mdev_with(UUID1, "1,4", "1");
	t_host("0-3", NULL, NULL);		/* removes queues 4.0-4.3 */
	status_ret = 1;
	shim_after_create_group = read_status;
	t_host("0-4", NULL, NULL);		/* probes them again */
	shim_after_create_group = NULL;
	CHECK_EQ_INT(status_ret, strlen("unassigned\n"));
	CHECK_EQ_STR(status_buf, "unassigned\n");
	CHECK(sim_attr_read(sim_ap_queue_dev(AP_MKQID(4, 0)), "status", buf) > 0);
	CHECK_EQ_STR(buf, "unassigned\n");
	sim_attr_read(sim_ap_queue_dev(AP_MKQID(4, 1)), "status", buf);
	CHECK_EQ_STR(buf, "assigned\n");

	/* 4.1 is assigned; as it goes, it has no driver data left */
	status_ret = 1;
	shim_before_remove_group = read_status;
	t_host("0-3", NULL, NULL);
	shim_before_remove_group = NULL;
	CHECK_EQ_INT(status_ret, strlen("unassigned\n"));
	CHECK_EQ_STR(status_buf, "unassigned\n");
	sim_mdev_remove(m);
	t_machine_down();
}

/* 9 and 10: a queue with interrupts on leaves the host */
static void test_irq_queue_leaves_host(void)
{
	struct mdev_device *m;
	struct kvm *kvm;
	unsigned long zapqs;
	u64 gr1;
	int cc;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1-2", "1");
	kvm = t_attach(m, 0);
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), IRQ_ON(3), 0x2000, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	CHECK_EQ_INT(sim_pins_live(), 1);
	zapqs = sim_ap_total_zapqs();
	t_host("0,2-3", NULL, NULL);
	/* gone: not reset, but its page and ISC are given back */
	CHECK_EQ_INT(sim_ap_total_zapqs(), zapqs);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 0);
	CHECK_EQ_STR(t_guest(kvm), "2 1 -");
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/* 10: unassigning resets only what the guest had */
static void test_unassign_resets_guest_queues(void)
{
	struct mdev_device *m;
	unsigned long before;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1");
	before = sim_ap_total_zapqs();
	CHECK_EQ_INT(t_write(m, "unassign_adapter", "1"), 0);
	CHECK_EQ_INT(sim_ap_total_zapqs(), before);	/* no guest: no reset */
	/* a queue going back to the host's drivers goes back clean */
	before = sim_ap_hw(AP_MKQID(1, 1))->zapqs;
	matrix_dev->vfio_ap_drv->remove(to_ap_dev(sim_ap_queue_dev(AP_MKQID(1, 1))));
	CHECK_EQ_INT(sim_ap_hw(AP_MKQID(1, 1))->zapqs, before + 1);
	CHECK_EQ_INT(matrix_dev->vfio_ap_drv->probe(to_ap_dev(sim_ap_queue_dev(AP_MKQID(1, 1)))), 0);
	sim_mdev_remove(m);
	t_machine_down();
}

/* 11: eventfds are taken back on close, and used by request and changes */
static void test_eventfd_lifetime(void)
{
	struct {
		struct vfio_irq_set set;
		s32 fd;
	} arg = { { sizeof(arg), VFIO_IRQ_SET_DATA_EVENTFD |
		    VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1 } };
	int req = sim_eventfd(), cfg = sim_eventfd();
	struct mdev_device *m;
	struct kvm *kvm;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1");
	kvm = t_attach(m, 0);
	arg.set.index = VFIO_AP_IRQ_REQUEST;
	arg.fd = req;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_SET_IRQS, &arg), 0);
	arg.set.index = VFIO_AP_IRQ_CFG_CHANGE;
	arg.fd = cfg;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_SET_IRQS, &arg), 0);
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 2);

	CHECK_EQ_INT(t_write(m, "assign_adapter", "2"), 0);
	CHECK_EQ_INT(sim_eventfd_take(cfg), 1);
	CHECK_EQ_INT(t_write(m, "assign_adapter", "2"), 0);	/* no change */
	CHECK_EQ_INT(sim_eventfd_take(cfg), 0);
	t_host("0,2-3", NULL, NULL);
	CHECK_EQ_INT(sim_eventfd_take(cfg), 1);

	/* replacing with -1 puts the old one */
	arg.fd = -1;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_SET_IRQS, &arg), 0);
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 1);

	/* removal while open: request, user space closes, eventfd put */
	sim_vfio_dma_unmap(t_vdev(m), 0, 1 << 20);
	sim_mdev_remove(m);
	CHECK_EQ_INT(sim_eventfd_take(req), 1);
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 0);
	sim_kvm_put(kvm);
	close(req);
	close(cfg);
	t_machine_down();
}

/* a reset that never finishes: a clear error, and the adapter is kept out */
static void test_bounded_reset(void)
{
	struct mdev_device *m;
	struct kvm *kvm;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1-2", "1");
	kvm = t_attach(m, 0);
	sim_ap_hw(AP_MKQID(1, 1))->reset_polls = -1;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), -EIO);
	CHECK_EQ_STR(t_guest(kvm), "2 1 -");
	sim_ap_hw(AP_MKQID(1, 1))->reset_polls = 2;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_STR(t_guest(kvm), "1-2 1 -");
	/* an error response */
	sim_ap_hw(AP_MKQID(2, 1))->zapq_rc = AP_RESPONSE_BUSY;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), -EIO);
	CHECK_EQ_STR(t_guest(kvm), "1 1 -");
	sim_ap_hw(AP_MKQID(2, 1))->zapq_rc = 0;
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/* a queue whose reset fails at detach is kept from the next guest */
static void test_failed_reset_at_detach(void)
{
	struct mdev_device *m;
	struct kvm *kvm;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1-2", "1");
	kvm = t_attach(m, 0);
	CHECK_EQ_STR(t_guest(kvm), "1-2 1 -");
	sim_ap_hw(AP_MKQID(2, 1))->reset_polls = -1;
	t_detach(m, kvm);
	CHECK_EQ_STR(t_shadow(m), "1 1 -");
	kvm = t_attach(m, 0);
	CHECK_EQ_STR(t_guest(kvm), "1 1 -");
	/* once it resets cleanly, it is given again */
	sim_ap_hw(AP_MKQID(2, 1))->reset_polls = 0;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_STR(t_guest(kvm), "1-2 1 -");
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/*
 * Interrupt resources belong to the guest that registered them (issue 9):
 * guest 1 enables AQIC on 02.0001, then at detach that queue's reset
 * times out, or fails, or its AQIC(off) fails.  Whatever it answers,
 * guest 1's pin and ISC go back before guest 1 is detached, and guest 2,
 * attached next, gets neither the queue nor anything of guest 1's.
 */
enum irq_fault { RESET_TIMES_OUT, RESET_FAILS, AQIC_OFF_FAILS };

static void irq_outlives_guest(enum irq_fault fault)
{
	struct mdev_device *m;
	struct kvm *kvm1, *kvm2;
	struct sim_ap_hw *hw;
	u64 gr1;
	int cc;

	t_machine_up("0-3", "0-3", "0");
	hw = sim_ap_hw(AP_MKQID(2, 1));
	m = t_mdev_with(UUID1, "1-2", "1");
	kvm1 = t_attach(m, 0);
	sim_kvm_pqap_aqic(kvm1, AP_MKQID(2, 1), 0x0000800000000003UL, 0x3000,
			  &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	CHECK_EQ_INT(sim_pins_live(), 1);
	if (fault == RESET_TIMES_OUT)
		hw->reset_polls = -1;
	else if (fault == RESET_FAILS)
		hw->zapq_rc = AP_RESPONSE_INVALID_ADDRESS;	/* not to retry */
	else
		hw->aqic_rc = AP_RESPONSE_BUSY;

	sim_vfio_close(t_vdev(m));
	CHECK_EQ_INT(sim_kvm_giscs(kvm1), 0);
	CHECK_EQ_INT(sim_pins_live(), 0);
	sim_vfio_dma_unmap(t_vdev(m), 0, 1 << 20);
	CHECK_EQ_INT(sim_vfio_errors(), 0);	/* nothing left pinned */
	sim_kvm_put(kvm1);

	/* guest 2: the queue whose interrupts were not confirmed off stays out */
	kvm2 = t_attach(m, 0);
	if (fault != AQIC_OFF_FAILS)
		CHECK_EQ_STR(t_guest(kvm2), "1 1 -");
	CHECK_EQ_INT(sim_kvm_giscs(kvm2), 0);
	hw->reset_polls = 0;
	hw->zapq_rc = 0;
	hw->aqic_rc = 0;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_STR(t_guest(kvm2), "1-2 1 -");
	CHECK_EQ_INT(sim_kvm_giscs(kvm2), 0);
	CHECK_EQ_INT(sim_pins_live(), 0);
	t_detach(m, kvm2);
	sim_mdev_remove(m);
	t_machine_down();
}

static void test_irq_reset_times_out(void)
{
	irq_outlives_guest(RESET_TIMES_OUT);
}

static void test_irq_reset_fails(void)
{
	irq_outlives_guest(RESET_FAILS);
}

static void test_irq_off_fails(void)
{
	irq_outlives_guest(AQIC_OFF_FAILS);
}

int main(void)
{
	setenv("SIM_QUIET", "1", 1);
	t_run("1,2: set/clear kvm vs PQAP intercept, no inversion", test_kvm_vs_pqap);
	t_run("3: second mdev on one kvm: -EPERM, nothing left", test_second_mdev_same_kvm);
	t_run("4,6: host removes the last adapter", test_host_removes_last_adapter);
	t_run("6: host removal decided again, not masked", test_host_removal_readmits);
	t_run("7: host adds only control domains", test_host_adds_control_domains);
	t_run("8: queue status read during probe and remove", test_status_during_probe);
	t_run("9: queue with interrupts leaves the host", test_irq_queue_leaves_host);
	t_run("10: reset what a guest had, and what leaves vfio_ap", test_unassign_resets_guest_queues);
	t_run("11: eventfd lifetime", test_eventfd_lifetime);
	t_run("reset: bounded wait, failed queue kept out", test_bounded_reset);
	t_run("irq: a reset timing out at detach leaves nothing of guest 1",
	      test_irq_reset_times_out);
	t_run("irq: a reset failing at detach leaves nothing of guest 1",
	      test_irq_reset_fails);
	t_run("irq: AQIC(off) failing at detach leaves nothing of guest 1",
	      test_irq_off_fails);
	t_run("reset failing at detach keeps the queue from the next guest",
	      test_failed_reset_at_detach);
	return t_done();
}
