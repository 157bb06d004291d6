// SPDX-License-Identifier: GPL-2.0
/*
 * Queue resets as one batch (vfio_ap_reset.c): started together, polled
 * together within one bound, busy answers asked again, and the wait made
 * without mdevs_lock, so other guests' PQAP intercepts go on meanwhile and
 * a queue being reset cannot be reached.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio_ap.h>

#include "harness.h"
#include "vfio_ap_private.h"

#define UUID1 "bbbbbbbb-0000-0000-0000-000000000001"
#define UUID2 "bbbbbbbb-0000-0000-0000-000000000002"
#define IRQ_ON(isc) (0x0000800000000000UL | (isc))

/* every queue of adapters 1-4 x domains 1-4 */
static void set_all(int field_polls, int busy, int ms)
{
	int a, d;

	for (a = 1; a <= 4; a++) {
		for (d = 1; d <= 4; d++) {
			struct sim_ap_hw *hw = sim_ap_hw(AP_MKQID(a, d));

			hw->reset_polls = field_polls;
			hw->zapq_busy = busy;
			hw->reset_ms = ms;
		}
	}
}

/* 16 queues that never finish cost one bound, not 16 */
static void test_stuck_batch_one_bound(void)
{
	struct mdev_device *m;
	unsigned long sleeps;
	struct kvm *kvm;

	t_machine_up("0-7", "0-7", "0");
	m = t_mdev_with(UUID1, "1-4", "1-4");
	kvm = t_attach(m, 0);
	set_all(-1, 0, 0);
	sleeps = shim_sleeps();
	t_detach(m, kvm);
	CHECK_EQ_INT(shim_sleeps() - sleeps, VFIO_AP_RESET_POLLS);
	CHECK_EQ_INT(sim_ap_hw(AP_MKQID(4, 4))->zapqs, 1);
	/* none confirmed clean: the next guest gets none of them */
	CHECK_EQ_STR(t_shadow(m), "- 1-4 -");
	set_all(0, 0, 0);
	CHECK_EQ_INT(sim_vfio_open(t_vdev(m), (kvm = sim_kvm_create(1 << 20, 0))), 0);
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_STR(t_guest(kvm), "1-4 1-4 -");
	sim_vfio_close(t_vdev(m));
	sim_kvm_put(kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/* slow resets finish together: as many sleeps as the slowest needs */
static void test_slow_batch(void)
{
	struct mdev_device *m;
	unsigned long sleeps;
	struct kvm *kvm;

	t_machine_up("0-7", "0-7", "0");
	m = t_mdev_with(UUID1, "1-4", "1-4");
	kvm = t_attach(m, 0);
	set_all(3, 0, 0);
	sim_ap_hw(AP_MKQID(2, 2))->reset_polls = 5;
	sleeps = shim_sleeps();
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_INT(shim_sleeps() - sleeps, 5);
	CHECK_EQ_STR(t_guest(kvm), "1-4 1-4 -");
	/* and an unassignment resets its queues the same way */
	sleeps = shim_sleeps();
	CHECK_EQ_INT(t_write(m, "unassign_domain", "3"), 0);
	CHECK_EQ_INT(shim_sleeps() - sleeps, 3);
	CHECK_EQ_STR(t_guest(kvm), "1-4 1-2,4 -");
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/* a busy ZAPQ is asked again within the bound; busy for ever times out */
static void test_busy_retried(void)
{
	struct mdev_device *m;
	struct kvm *kvm;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1-2", "1");
	kvm = t_attach(m, 0);
	sim_ap_hw(AP_MKQID(1, 1))->zapq_busy = 3;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_INT(sim_ap_hw(AP_MKQID(1, 1))->zapqs, 4);
	CHECK_EQ_STR(t_guest(kvm), "1-2 1 -");
	/* busy longer than the bound: the adapter leaves, -EIO */
	sim_ap_hw(AP_MKQID(1, 1))->zapq_busy = 1000;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), -EIO);
	CHECK_EQ_STR(t_guest(kvm), "2 1 -");
	sim_ap_hw(AP_MKQID(1, 1))->zapq_busy = 0;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_STR(t_guest(kvm), "1-2 1 -");
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/*
 * VFIO_DEVICE_RESET succeeds only if every queue's reset answered 00, as
 * in Linux 6.12: a queue that is deconfigured (03) or checkstopped (04)
 * may stay in the guest, where it shows as such, but it was not reset.
 */
static void test_reset_gone_queue_fails(void)
{
	static const int codes[] = { AP_RESPONSE_DECONFIGURED,
				     AP_RESPONSE_CHECKSTOPPED };
	struct mdev_device *m;
	struct sim_ap_hw *hw;
	struct kvm *kvm;
	unsigned int i;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1-2", "1");
	kvm = t_attach(m, 0);
	hw = sim_ap_hw(AP_MKQID(2, 1));
	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		/* the ZAPQ itself answers it */
		hw->zapq_rc = codes[i];
		CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL),
			     -EIO);
		CHECK_EQ_STR(t_guest(kvm), "1-2 1 -");
		hw->zapq_rc = 0;
		CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL),
			     0);
		/* the ZAPQ is taken, then TAPQ answers it */
		hw->tapq_rc = codes[i];
		CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL),
			     -EIO);
		CHECK_EQ_STR(t_guest(kvm), "1-2 1 -");
		hw->tapq_rc = 0;
		CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL),
			     0);
	}
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/*
 * A ZAPQ answered "not available" (01) leaves the queue unusable, as in
 * Linux 6.12 (only 00, 03 and 04 pass): its adapter leaves the guest until
 * a reset answers 00.
 */
static void test_reset_not_available(void)
{
	struct mdev_device *m;
	struct kvm *kvm;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1-2", "1");
	kvm = t_attach(m, 0);
	sim_ap_hw(AP_MKQID(2, 1))->zapq_rc = AP_RESPONSE_Q_NOT_AVAIL;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), -EIO);
	CHECK_EQ_STR(t_guest(kvm), "1 1 -");
	sim_ap_hw(AP_MKQID(2, 1))->zapq_rc = 0;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_STR(t_guest(kvm), "1-2 1 -");
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/* a thread detaching guest A (or resetting its device) */
struct bg_op {
	struct mdev_device *m;
	bool reset;		/* VFIO_DEVICE_RESET, else close */
	long ret;
	bool done;		/* atomic */
};

static void *bg_run(void *arg)
{
	struct bg_op *op = arg;

	if (op->reset)
		op->ret = sim_vfio_ioctl(t_vdev(op->m), VFIO_DEVICE_RESET, NULL);
	else
		sim_vfio_close(t_vdev(op->m));
	__atomic_store_n(&op->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* until guest A's resets are started: the ZAPQs are in */
static void wait_zapqs(unsigned long n)
{
	while (sim_ap_total_zapqs() < n)
		usleep(1000);
}

/*
 * Guest A's detach waits 150 ms of real time for its resets; guest B's
 * PQAP meanwhile is answered at once.  (How long each lock is held is
 * measured by bench/bench_reset, not timed here.)
 */
static void test_other_guest_not_blocked(void)
{
	struct bg_op op = { 0 };
	struct mdev_device *a, *b;
	struct kvm *ka, *kb;
	unsigned long zapqs;
	pthread_t thr;
	u64 gr1;
	int cc;

	t_machine_up("0-7", "0-7", "0");
	a = t_mdev_with(UUID1, "1-4", "1-4");
	b = t_mdev_with(UUID2, "5", "1");
	ka = t_attach(a, 0);
	kb = t_attach(b, 0);
	set_all(0, 0, 150);
	shim_real_sleep(true);
	zapqs = sim_ap_total_zapqs();
	op.m = a;
	pthread_create(&thr, NULL, bg_run, &op);
	wait_zapqs(zapqs + 16);
	CHECK_EQ_INT(sim_kvm_pqap_aqic(kb, AP_MKQID(5, 1), IRQ_ON(3), 0x3000,
				       &gr1, &cc), 0);
	CHECK_EQ_INT(cc, 0);
	/* answered while A still waits: not behind A's reset */
	CHECK(!__atomic_load_n(&op.done, __ATOMIC_ACQUIRE));
	pthread_join(thr, NULL);
	shim_real_sleep(false);
	CHECK_EQ_STR(t_shadow(a), "1-4 1-4 -");
	sim_vfio_dma_unmap(t_vdev(a), ka->mem_base, (1 << 20));
	sim_kvm_put(ka);
	t_detach(b, kb);
	sim_mdev_remove(a);
	sim_mdev_remove(b);
	t_machine_down();
}

/* a queue being reset answers "reset in progress" to its guest's AQIC */
static void test_resetting_unreachable(void)
{
	struct bg_op op = { 0 };
	struct mdev_device *m;
	unsigned long zapqs;
	struct kvm *kvm;
	pthread_t thr;
	u64 gr1;
	int cc;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1");
	kvm = t_attach(m, 0);
	sim_ap_hw(AP_MKQID(1, 1))->reset_ms = 150;
	shim_real_sleep(true);
	zapqs = sim_ap_total_zapqs();
	op.m = m;
	op.reset = true;
	pthread_create(&thr, NULL, bg_run, &op);
	wait_zapqs(zapqs + 1);
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), IRQ_ON(3), 0x3000, &gr1, &cc);
	CHECK_EQ_INT(cc, 3);
	CHECK_EQ_INT((gr1 >> 16) & 0xff, AP_RESPONSE_RESET_IN_PROGRESS);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK(!__atomic_load_n(&op.done, __ATOMIC_ACQUIRE));
	pthread_join(thr, NULL);
	shim_real_sleep(false);
	CHECK_EQ_INT(op.ret, 0);
	/* done: reachable again */
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), IRQ_ON(3), 0x3000, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	CHECK_EQ_INT(sim_pins_live(), 1);
	t_detach(m, kvm);
	CHECK_EQ_INT(sim_pins_live(), 0);
	sim_mdev_remove(m);
	t_machine_down();
}

/* AQIC(off) not confirmed: the pin stays until a reset confirms it */
static void test_irq_off_unconfirmed_keeps_pin(void)
{
	struct mdev_device *m;
	struct kvm *kvm;
	u64 gr1;
	int cc;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1");
	kvm = t_attach(m, 0);
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), IRQ_ON(3), 0x3000, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	CHECK(t_irq_shows(AP_MKQID(1, 1), true));
	/* the adapter answers AQIC(off) busy: the NIB may still be written */
	sim_ap_hw(AP_MKQID(1, 1))->aqic_rc = AP_RESPONSE_BUSY;
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), 0, 0, &gr1, &cc);
	CHECK_EQ_INT((gr1 >> 16) & 0xff, AP_RESPONSE_BUSY);
	CHECK_EQ_INT(sim_pins_live(), 1);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 1);
	/* off, but the interrupts still show on for a while: kept */
	sim_ap_hw(AP_MKQID(1, 1))->aqic_rc = 0;
	sim_ap_hw(AP_MKQID(1, 1))->irq_off_polls = 3;
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), 0, 0, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	CHECK_EQ_INT(sim_pins_live(), 1);
	/* a reset confirms them off: given back, the queue stays usable */
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(m), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 0);
	CHECK_EQ_STR(t_guest(kvm), "1 1 -");
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/*
 * Unassigning an adapter whose queue's reset then fails: the queue is no
 * longer the mdev's, but its pin is the guest's, and goes back at detach.
 */
static void test_unlinked_queue_irq_at_detach(void)
{
	struct mdev_device *m;
	struct kvm *kvm;
	u64 gr1;
	int cc;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1-2", "1");
	kvm = t_attach(m, 0);
	sim_kvm_pqap_aqic(kvm, AP_MKQID(2, 1), IRQ_ON(2), 0x3000, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	sim_ap_hw(AP_MKQID(2, 1))->reset_polls = -1;
	CHECK_EQ_INT(t_write(m, "unassign_adapter", "2"), 0);
	CHECK_EQ_STR(t_guest(kvm), "1 1 -");
	/* not confirmed off: still pinned, still registered */
	CHECK_EQ_INT(sim_pins_live(), 1);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 1);
	sim_vfio_close(t_vdev(m));
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 0);
	sim_vfio_dma_unmap(t_vdev(m), kvm->mem_base, (1 << 20));
	CHECK_EQ_INT(sim_vfio_errors(), 0);
	sim_kvm_put(kvm);
	/* kept from every guest until a clean reset: assigned again, not given */
	CHECK_EQ_INT(t_write(m, "assign_adapter", "2"), 0);
	CHECK_EQ_STR(t_shadow(m), "1 1 -");
	sim_mdev_remove(m);
	t_machine_down();
}

static bool queue_usable(int apqn)
{
	bool usable;

	mutex_lock(&matrix_dev->guests_lock);
	mutex_lock(&matrix_dev->mdevs_lock);
	usable = vfio_ap_queue_usable(matrix_dev->queues[apqn]);
	mutex_unlock(&matrix_dev->mdevs_lock);
	mutex_unlock(&matrix_dev->guests_lock);
	return usable;
}

/*
 * Guest memory holding a NIB is unmapped: the pin must go.  Interrupts
 * that show off within the bound leave the queue usable; ones that never
 * do leave it unusable until a clean reset.
 */
static void test_unmap_waits_for_irqs_off(void)
{
	struct mdev_device *m;
	unsigned int warnings;
	struct kvm *kvm;
	u64 gr1;
	int cc;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1-2", "1");
	kvm = t_attach(m, 0);
	sim_ap_hw(AP_MKQID(1, 1))->irq_off_polls = 3;
	sim_ap_hw(AP_MKQID(2, 1))->irq_off_polls = 1000;
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), IRQ_ON(3), 0x3000, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	sim_kvm_pqap_aqic(kvm, AP_MKQID(2, 1), IRQ_ON(3), 0x3100, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	CHECK(t_irq_shows(AP_MKQID(1, 1), true));
	CHECK(t_irq_shows(AP_MKQID(2, 1), true));
	warnings = __atomic_load_n(&shim_warnings, __ATOMIC_RELAXED);
	sim_vfio_dma_unmap(t_vdev(m), kvm->mem_base, 1 << 20);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 0);
	CHECK_EQ_INT(sim_vfio_errors(), 0);
	/*
	 * 02.0001 is not confirmed off: reset in place, which does not
	 * finish either, so it is no longer usable and its adapter leaves
	 * the guest, whose queues are reset as it goes (02.0001 again): a
	 * warning for the unmap, one for each reset
	 */
	CHECK_EQ_INT(__atomic_load_n(&shim_warnings, __ATOMIC_RELAXED) - warnings, 3);
	CHECK_EQ_INT(sim_ap_hw(AP_MKQID(1, 1))->zapqs, 0);
	CHECK(queue_usable(AP_MKQID(1, 1)));
	CHECK(!queue_usable(AP_MKQID(2, 1)));
	CHECK_EQ_STR(t_guest(kvm), "1 1 -");
	/* its interrupts go off at last; the detach's reset confirms it */
	sim_ap_hw(AP_MKQID(2, 1))->irq_off_polls = 0;
	sim_ap_hw(AP_MKQID(2, 1))->irq_left = 1;
	sim_vfio_close(t_vdev(m));
	sim_kvm_put(kvm);
	CHECK(queue_usable(AP_MKQID(2, 1)));
	CHECK_EQ_STR(t_shadow(m), "1-2 1 -");
	sim_mdev_remove(m);
	t_machine_down();
}

int main(void)
{
	setenv("SIM_QUIET", "1", 1);
	t_run("16 stuck resets cost one bound", test_stuck_batch_one_bound);
	t_run("slow resets finish together", test_slow_batch);
	t_run("busy ZAPQ asked again within the bound", test_busy_retried);
	t_run("a queue deconfigured or checkstopped fails the device reset",
	      test_reset_gone_queue_fails);
	t_run("a reset answered 01: the queue leaves the guest, as in 6.12",
	      test_reset_not_available);
	t_run("another guest's PQAP is answered during a reset wait",
	      test_other_guest_not_blocked);
	t_run("a queue being reset cannot be reached",
	      test_resetting_unreachable);
	t_run("AQIC(off) not confirmed keeps the pin until a reset",
	      test_irq_off_unconfirmed_keeps_pin);
	t_run("an unlinked queue's interrupts go back at detach",
	      test_unlinked_queue_irq_at_detach);
	t_run("a DMA unmap waits for interrupts off, bounded",
	      test_unmap_waits_for_irqs_off);
	return t_done();
}
