// SPDX-License-Identifier: GPL-2.0
/*
 * The windows in which a guest's PQAP(AQIC) meets the driver's own
 * interrupt work: a DMA unmap that waits for interrupts to show off, and
 * an enable that has not shown yet.  The simulated firmware turns
 * interrupts on and off asynchronously, as the machine does, and counts
 * every NIB that it may store into a page no device has pinned: in no
 * window may there be one.
 */
#include <pthread.h>
#include <linux/vfio_ap.h>

#include "harness.h"
#include "ap_card.h"

#define UUID1 "cccccccc-0000-0000-0000-000000000001"
#define IRQ_ON(isc)	(0x0000800000000000UL | (isc))
#define RC(gr1)		(((gr1) >> 16) & 0xff)
#define HALF		(512 * 1024)
#define NIB_LOW		0x3000UL	/* in the half being unmapped */
#define NIB_LOW2	0x3100UL
#define NIB_HIGH	(HALF + 0x3000UL)	/* in the half that stays */

static struct mdev_device *mdev;
static struct kvm *kvm;

/* a guest of 1 MiB, mapped for DMA in two halves */
static void guest_up(void)
{
	t_machine_up("0-3", "0-3", "0");
	mdev = t_mdev_with(UUID1, "1", "1-3");
	kvm = t_attach(mdev, 0);
	sim_vfio_dma_unmap(t_vdev(mdev), 0, 1 << 20);
	CHECK_EQ_INT(sim_vfio_dma_map(t_vdev(mdev), 0, HALF, kvm->mem), 0);
	CHECK_EQ_INT(sim_vfio_dma_map(t_vdev(mdev), HALF, HALF,
				      (char *)kvm->mem + HALF), 0);
}

static void guest_down(void)
{
	sim_vfio_close(t_vdev(mdev));
	sim_vfio_dma_unmap(t_vdev(mdev), 0, HALF);
	sim_vfio_dma_unmap(t_vdev(mdev), HALF, HALF);
	sim_kvm_put(kvm);
	sim_mdev_remove(mdev);
	t_machine_down();
}

/* whether the driver would give the queue to a guest now */
static bool queue_usable_now(int apqn)
{
	struct vfio_ap_queue *q;
	bool usable;

	mutex_lock(&matrix_dev->guests_lock);
	mutex_lock(&matrix_dev->mdevs_lock);
	q = vfio_ap_find_queue(apqn);
	usable = q && vfio_ap_queue_usable(q);
	mutex_unlock(&matrix_dev->mdevs_lock);
	mutex_unlock(&matrix_dev->guests_lock);
	return usable;
}

/* the guest's AQIC through KVM's intercept; the response code */
static int aqic(int apqn, u64 ctrl, u64 nib)
{
	u64 gr1;
	int cc;

	CHECK_EQ_INT(sim_kvm_pqap_aqic(kvm, apqn, ctrl, nib, &gr1, &cc), 0);
	return RC(gr1);
}

/* AQIC(on), then TAPQ until the interrupts show on, as Linux does */
static void enable(int apqn, u64 nib)
{
	CHECK_EQ_INT(aqic(apqn, IRQ_ON(3), nib), AP_RESPONSE_NORMAL);
	CHECK(t_irq_shows(apqn, true));
}

/* every queue's reply becomes ready: stores land where they land */
static void replies_ready(void)
{
	int d;

	for (d = 1; d <= 3; d++)
		sim_ap_reply_ready(AP_MKQID(1, d));
}

/* what the guest does while the driver sleeps, on a thread of its own */
static void (*guest_action)(void);

static void *guest_thread(void *arg)
{
	guest_action();
	return NULL;
}

static void run_guest_during_sleep(void)
{
	pthread_t t;

	CHECK_EQ_INT(pthread_create(&t, NULL, guest_thread, NULL), 0);
	pthread_join(t, NULL);
}

static int during_rc;

/* 1.1 was seen off by the unmap's first poll; the guest enables it again */
static void reenable_same_queue(void)
{
	during_rc = aqic(AP_MKQID(1, 1), IRQ_ON(3), NIB_LOW2);
}

/* a queue the unmap's first walk never saw */
static void enable_unseen_queue(void)
{
	during_rc = aqic(AP_MKQID(1, 3), IRQ_ON(3), NIB_LOW2);
}

/* outside the range: nothing to do with the unmap */
static void enable_elsewhere(void)
{
	during_rc = aqic(AP_MKQID(1, 3), IRQ_ON(3), NIB_HIGH);
}

/*
 * An unmap of the lower half waits for 1.2 (slow to show off) after 1.1
 * showed off at once; meanwhile the guest runs @action.  An AQIC(on) in
 * the range answers 06 as for a NIB that cannot be pinned; one elsewhere
 * is taken and survives the unmap.
 */
static void check_unmap_window(const char *name, void (*action)(void),
			       int want_rc)
{
	guest_up();
	enable(AP_MKQID(1, 1), NIB_LOW);
	enable(AP_MKQID(1, 2), NIB_LOW + 8);
	sim_ap_hw(AP_MKQID(1, 2))->irq_off_polls = 3;
	guest_action = action;
	during_rc = -1;
	shim_msleep_hook = run_guest_during_sleep;
	sim_vfio_dma_unmap(t_vdev(mdev), 0, HALF);
	shim_msleep_hook = NULL;
	t_check_int(during_rc, want_rc, name, __FILE__, __LINE__);
	/* nothing the adapters may store into is unpinned, nothing lost */
	t_check_int(sim_ap_unpinned_nibs(), 0, name, __FILE__, __LINE__);
	t_check_int(sim_pins_live(), want_rc ? 0 : 1, name, __FILE__,
		    __LINE__);
	CHECK_EQ_INT(sim_vfio_errors(), 0);
	if (!want_rc)
		CHECK(t_irq_shows(AP_MKQID(1, 3), true));
	replies_ready();
	CHECK_EQ_STR(t_guest(kvm), "1 1-3 -");
	guest_down();
}

static void test_unmap_window(void)
{
	check_unmap_window("the same queue enabled again in the range",
			   reenable_same_queue, AP_RESPONSE_INVALID_ADDRESS);
	check_unmap_window("a queue the first walk did not see",
			   enable_unseen_queue, AP_RESPONSE_INVALID_ADDRESS);
	check_unmap_window("a queue enabled outside the range",
			   enable_elsewhere, AP_RESPONSE_NORMAL);
}

/*
 * A second unmap, of the other half, while the first waits: each
 * releases what is in its own range, and the first's range stays fenced
 * while the second runs.
 */
static void unmap_high_half(void)
{
	sim_vfio_dma_unmap(t_vdev(mdev), HALF, HALF);
	during_rc = aqic(AP_MKQID(1, 3), IRQ_ON(3), NIB_LOW2);
}

static void test_two_unmaps(void)
{
	guest_up();
	enable(AP_MKQID(1, 1), NIB_LOW);
	enable(AP_MKQID(1, 2), NIB_HIGH);
	sim_ap_hw(AP_MKQID(1, 1))->irq_off_polls = 3;
	guest_action = unmap_high_half;
	shim_msleep_hook = run_guest_during_sleep;
	sim_vfio_dma_unmap(t_vdev(mdev), 0, HALF);
	shim_msleep_hook = NULL;
	CHECK_EQ_INT(during_rc, AP_RESPONSE_INVALID_ADDRESS);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_ap_unpinned_nibs(), 0);
	CHECK_EQ_INT(sim_vfio_errors(), 0);
	/* map them back for the close */
	CHECK_EQ_INT(sim_vfio_dma_map(t_vdev(mdev), HALF, HALF,
				      (char *)kvm->mem + HALF), 0);
	guest_down();
}

/*
 * AQIC(on) again while the first enable has not shown: the firmware
 * answers 07 (the controls are being changed) and the first enable goes
 * on into its own page, which must stay pinned.
 */
static void test_enable_not_shown(void)
{
	struct sim_ap_hw *hw;

	guest_up();
	hw = sim_ap_hw(AP_MKQID(1, 1));
	hw->irq_on_polls = 5;
	CHECK_EQ_INT(aqic(AP_MKQID(1, 1), IRQ_ON(3), NIB_LOW),
		     AP_RESPONSE_NORMAL);
	CHECK_EQ_INT(aqic(AP_MKQID(1, 1), IRQ_ON(3), NIB_HIGH),
		     AP_RESPONSE_OTHERWISE_CHANGED);
	CHECK_EQ_INT(sim_pins_live(), 1);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 1);
	CHECK_EQ_INT(sim_ap_unpinned_nibs(), 0);
	CHECK(t_irq_shows(AP_MKQID(1, 1), true));
	replies_ready();
	CHECK(((u8 *)kvm->mem)[NIB_LOW]);
	CHECK(!((u8 *)kvm->mem)[NIB_HIGH]);
	guest_down();
}

/*
 * AQIC(on) again, refused with another code (an invalid GISA): the
 * interrupts are turned off, and the first registration stays until they
 * show off.
 */
static void test_enable_again_refused(void)
{
	struct sim_ap_hw *hw;

	guest_up();
	hw = sim_ap_hw(AP_MKQID(1, 1));
	enable(AP_MKQID(1, 1), NIB_LOW);
	hw->irq_off_polls = 3;
	hw->aqic_on_rc = AP_RESPONSE_INVALID_GISA;
	CHECK_EQ_INT(aqic(AP_MKQID(1, 1), IRQ_ON(3), NIB_HIGH),
		     AP_RESPONSE_INVALID_GISA);
	hw->aqic_on_rc = 0;
	/* being turned off, still showing on: the first page stays */
	CHECK_EQ_INT(sim_ap_irq_state(AP_MKQID(1, 1)), SIM_IRQ_DISABLING);
	CHECK_EQ_INT(sim_pins_live(), 1);
	CHECK_EQ_INT(sim_ap_unpinned_nibs(), 0);
	replies_ready();
	CHECK(((u8 *)kvm->mem)[NIB_LOW]);
	CHECK(!((u8 *)kvm->mem)[NIB_HIGH]);
	/* they show off; the next AQIC gives the page back */
	CHECK(t_irq_shows(AP_MKQID(1, 1), false));
	aqic(AP_MKQID(1, 1), 0, 0);
	CHECK_EQ_INT(sim_pins_live(), 0);
	guest_down();
}

/*
 * A Linux guest resets a queue in the firmware, waits for TAPQ to answer
 * 00 and enables interrupts at once; if they are still being turned off,
 * the firmware's answer (05) reaches the guest, never a 07 of the
 * driver's own: Linux takes 07 for success and would wait for ever for
 * interrupts that never show.
 */
static void test_enable_while_disabling(void)
{
	int apqn = AP_MKQID(1, 1), rc, i;

	guest_up();
	enable(apqn, NIB_LOW);
	sim_ap_hw(apqn)->irq_off_polls = 2;
	ap_zapq(apqn, 0);
	for (i = 0; i < 100 && ap_tapq(apqn, NULL).response_code; i++)
		;
	rc = aqic(apqn, IRQ_ON(3), NIB_LOW);
	CHECK(rc != AP_RESPONSE_OTHERWISE_CHANGED ||
	      sim_ap_irq_state(apqn) != SIM_IRQ_OFF);
	CHECK_EQ_INT(rc, AP_RESPONSE_BUSY);
	/* once off, the guest's next enable is taken and shows */
	CHECK(t_irq_shows(apqn, false));
	enable(apqn, NIB_LOW);
	CHECK_EQ_INT(sim_pins_live(), 1);
	guest_down();
}

/*
 * A queue whose Secure Execution association failed answers its code to
 * everything, the interrupt bit meaning nothing: an unmap does not take
 * that for "off".  The queue is fenced, its adapter leaves the guest, and
 * comes back once a reset has confirmed the queue clean.
 */
static void test_unmap_association_error(void)
{
	struct sim_ap_hw *hw;

	guest_up();
	hw = sim_ap_hw(AP_MKQID(1, 2));
	enable(AP_MKQID(1, 2), NIB_LOW);
	hw->irq_off_polls = 3;
	hw->assoc_pending = AP_RESPONSE_ASSOC_FAILED;
	sim_vfio_dma_unmap(t_vdev(mdev), 0, HALF);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_ap_unpinned_nibs(), 0);
	/* the reset cleared the association, the disable ended: back */
	CHECK_EQ_INT(hw->assoc_pending, 0);
	CHECK_EQ_INT(sim_ap_irq_state(AP_MKQID(1, 2)), SIM_IRQ_OFF);
	CHECK(queue_usable_now(AP_MKQID(1, 2)));
	CHECK_EQ_STR(t_guest(kvm), "1 1-3 -");
	guest_down();
}

/*
 * The fence's reset: a queue whose interrupts did not show off in time
 * is reset in place before its page goes back; the clean reset leaves it
 * with the guest, and no other queue is touched.
 */
static void test_unmap_fence_resets(void)
{
	unsigned long zapqs_other;

	guest_up();
	enable(AP_MKQID(1, 3), NIB_LOW);
	sim_ap_hw(AP_MKQID(1, 3))->irq_off_polls = 14;
	zapqs_other = sim_ap_hw(AP_MKQID(1, 1))->zapqs +
		      sim_ap_hw(AP_MKQID(1, 2))->zapqs;
	sim_vfio_dma_unmap(t_vdev(mdev), 0, HALF);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_ap_unpinned_nibs(), 0);
	CHECK_EQ_INT(sim_ap_hw(AP_MKQID(1, 3))->zapqs, 1);
	CHECK_EQ_INT(sim_ap_hw(AP_MKQID(1, 1))->zapqs +
		     sim_ap_hw(AP_MKQID(1, 2))->zapqs, zapqs_other);
	CHECK(queue_usable_now(AP_MKQID(1, 3)));
	CHECK_EQ_STR(t_guest(kvm), "1 1-3 -");
	guest_down();
}

/* a dma_unmap callback that counts its calls, around the driver's */
static void (*driver_dma_unmap)(struct vfio_device *vdev, u64 iova,
				u64 length);
static struct vfio_device_ops counting_ops;
static int unmap_callbacks;

static void counting_dma_unmap(struct vfio_device *vdev, u64 iova,
			       u64 length)
{
	unmap_callbacks++;
	driver_dma_unmap(vdev, iova, length);
}

/* once the fenced queue's reset is being waited for: the guest's AQIC */
static void aqic_during_fence_reset(void)
{
	struct vfio_ap_queue *q = matrix_dev->queues[AP_MKQID(1, 1)];

	if (q && q->resetting) {
		guest_action = enable_unseen_queue;
		run_guest_during_sleep();
	} else {
		shim_msleep_hook = aqic_during_fence_reset;
	}
}

/*
 * The range stays fenced while the fenced queue is reset: a guest's
 * AQIC(on) there answers 06, and VFIO is not asked to call back again.
 */
static void test_fence_holds_during_reset(void)
{
	struct vfio_device *vdev;

	guest_up();
	vdev = t_vdev(mdev);
	counting_ops = *vdev->ops;
	driver_dma_unmap = counting_ops.dma_unmap;
	counting_ops.dma_unmap = counting_dma_unmap;
	vdev->ops = &counting_ops;
	unmap_callbacks = 0;
	enable(AP_MKQID(1, 1), NIB_LOW);
	sim_ap_hw(AP_MKQID(1, 1))->irq_off_polls = 14;
	during_rc = -1;
	shim_msleep_hook = aqic_during_fence_reset;
	sim_vfio_dma_unmap(vdev, 0, HALF);
	shim_msleep_hook = NULL;
	CHECK_EQ_INT(during_rc, AP_RESPONSE_INVALID_ADDRESS);
	CHECK_EQ_INT(unmap_callbacks, 1);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_vfio_errors(), 0);
	guest_down();
}

/*
 * Without room to remember the registrations, none is confirmed by the
 * wait; each gets a last AQIC(off) and TAPQ, and those that show off are
 * released without taking anything from the guest.
 */
static void test_unmap_no_memory(void)
{
	unsigned long zapqs;

	guest_up();
	enable(AP_MKQID(1, 1), NIB_LOW);
	enable(AP_MKQID(1, 2), NIB_LOW + 8);
	zapqs = sim_ap_total_zapqs();
	shim_fail_nth_alloc(1);
	sim_vfio_dma_unmap(t_vdev(mdev), 0, HALF);
	shim_fail_nth_alloc(0);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_ap_unpinned_nibs(), 0);
	CHECK(queue_usable_now(AP_MKQID(1, 1)));
	CHECK_EQ_STR(t_guest(kvm), "1 1-3 -");
	/* nothing was fenced: the guest's queues were not even reset */
	CHECK_EQ_INT(sim_ap_total_zapqs() - zapqs, 0);
	guest_down();
}

/* a guest's reset in the firmware leaves a stale registration: replaced */
static void test_enable_after_guest_reset(void)
{
	int i;

	guest_up();
	enable(AP_MKQID(1, 1), NIB_LOW);
	ap_zapq(AP_MKQID(1, 1), 0);
	for (i = 0; i < 10 && ap_tapq(AP_MKQID(1, 1), NULL).response_code; i++)
		;
	CHECK(t_irq_shows(AP_MKQID(1, 1), false));
	CHECK_EQ_INT(sim_pins_live(), 1);
	enable(AP_MKQID(1, 1), NIB_HIGH);
	CHECK_EQ_INT(sim_pins_live(), 1);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 1);
	replies_ready();
	CHECK(((u8 *)kvm->mem)[NIB_HIGH]);
	guest_down();
}

/*
 * A reset turns interrupts off as it ends, a few TAPQs later: the driver
 * counts it done, and gives the page back, only once they show off.  (The
 * driver before issue 22 did too: this catches a poll that ignores the
 * interrupt bit, which the firmware's instant resets used to hide.)
 */
static void test_reset_waits_for_irq_off(void)
{
	guest_up();
	enable(AP_MKQID(1, 1), NIB_LOW);
	sim_ap_hw(AP_MKQID(1, 1))->irq_off_polls = 2;
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(mdev), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_INT(sim_ap_unpinned_nibs(), 0);
	replies_ready();
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK(!((u8 *)kvm->mem)[NIB_LOW]);
	CHECK_EQ_STR(t_guest(kvm), "1 1-3 -");
	guest_down();
}

/*
 * After a ZAPQ, a Secure Execution association error (0x35, 0x36) is
 * answered until the queue is reset again: the driver resets it again,
 * as Linux 6.12 does, and the reset succeeds.
 */
static void test_reset_assoc_error(void)
{
	static const int codes[] = { AP_RESPONSE_ASSOC_SECRET_NOT_UNIQUE,
				     AP_RESPONSE_ASSOC_FAILED };
	struct sim_ap_hw *hw;
	unsigned long zapqs;
	unsigned int i;

	guest_up();
	hw = sim_ap_hw(AP_MKQID(1, 2));
	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		hw->assoc_rc = codes[i];
		zapqs = hw->zapqs;
		CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(mdev), VFIO_DEVICE_RESET,
					    NULL), 0);
		/* the second ZAPQ has no association error to answer */
		CHECK_EQ_INT(hw->zapqs - zapqs, 2);
		CHECK_EQ_STR(t_guest(kvm), "1 1-3 -");
	}
	guest_down();
}

/*
 * A guest can make the driver warn at will (an AQIC(off) the adapter
 * refuses): the host's log sees a bounded number of lines.
 */
static unsigned int warn_lines;

static void count_warning(const char *text)
{
	if (strstr(text, "AQIC(off) response code"))
		warn_lines++;
}

static void test_warnings_rate_limited(void)
{
	int i;

	guest_up();
	enable(AP_MKQID(1, 1), NIB_LOW);
	sim_ap_hw(AP_MKQID(1, 1))->aqic_rc = AP_RESPONSE_INVALID_GISA;
	warn_lines = 0;
	shim_printk_hook = count_warning;
	for (i = 0; i < 1000; i++)
		aqic(AP_MKQID(1, 1), 0, 0);
	shim_printk_hook = NULL;
	CHECK(warn_lines >= 1);
	CHECK(warn_lines <= SHIM_RATELIMIT_BURST);
	sim_ap_hw(AP_MKQID(1, 1))->aqic_rc = 0;
	guest_down();
}

int main(void)
{
	setenv("SIM_QUIET", "1", 1);
	t_run("irq windows: AQIC(on) while a DMA unmap waits",
	      test_unmap_window);
	t_run("irq windows: two DMA unmaps at once", test_two_unmaps);
	t_run("irq windows: AQIC(on) again before the enable shows",
	      test_enable_not_shown);
	t_run("irq windows: AQIC(on) again, refused: the first one kept until off",
	      test_enable_again_refused);
	t_run("irq windows: AQIC(on) while interrupts go off: the firmware's 05",
	      test_enable_while_disabling);
	t_run("irq windows: an unmap and an association error",
	      test_unmap_association_error);
	t_run("irq windows: a fenced queue is reset in place, nothing else",
	      test_unmap_fence_resets);
	t_run("irq windows: the range stays fenced during that reset",
	      test_fence_holds_during_reset);
	t_run("irq windows: an unmap without memory to remember",
	      test_unmap_no_memory);
	t_run("irq windows: a stale registration after a guest's reset",
	      test_enable_after_guest_reset);
	t_run("irq windows: a reset is done once interrupts show off",
	      test_reset_waits_for_irq_off);
	t_run("irq windows: an association error after a reset: ZAPQ again",
	      test_reset_assoc_error);
	t_run("irq windows: a guest cannot flood the host's log",
	      test_warnings_rate_limited);
	return t_done();
}
