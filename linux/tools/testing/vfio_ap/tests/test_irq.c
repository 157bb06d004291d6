// SPDX-License-Identifier: GPL-2.0
/*
 * The adapter-interruption route of the simulated firmware: a reply that
 * becomes ready on a queue whose interrupts the guest enabled with AQIC
 * sets the NIB in the guest's memory and posts the guest's ISC, once per
 * change of the NIB from zero; every way of turning interrupts off stops
 * the NIB stores and gives the page back.
 */
#include <poll.h>
#include <unistd.h>

#include "harness.h"
#include "insn.h"

#define UUID1 "11111111-0000-0000-0000-000000000001"

#define RC(gr1)		(((gr1) >> 16) & 0xff)
#define IRQ_ENABLED	0x01000000UL
#define AQIC_IR		0x0000800000000000UL
#define GUEST_ISC	6
#define NIB_GPA		0x3005UL
#define APQN		AP_MKQID(1, 1)

static struct vfio_ap_insn insn;
static struct kvm *kvm;
static struct mdev_device *mdev;
static int isc_fd;

static void guest_up(void)
{
	t_machine_up("0-3", "0-3", "0-3");
	mdev = t_mdev_with(UUID1, "1-2", "1-2");
	kvm = t_attach(mdev, 0);
	isc_fd = sim_eventfd();
	CHECK_EQ_INT(sim_kvm_set_isc_eventfds(kvm, GUEST_ISC, 1, &isc_fd), 0);
}

static void guest_down(void)
{
	t_detach(mdev, kvm);
	sim_mdev_remove(mdev);
	close(isc_fd);
	t_machine_down();
}

/* the guest's NIB; the firmware stores it from a card worker */
static u8 nib_at(u64 gpa)
{
	return __atomic_load_n((u8 *)kvm->mem + gpa, __ATOMIC_SEQ_CST);
}

static void nib_clear(void)
{
	__atomic_store_n((u8 *)kvm->mem + NIB_GPA, 0, __ATOMIC_SEQ_CST);
}

static int pqap(unsigned int fc, int apqn, u64 gr1, u64 gr2)
{
	memset(&insn, 0, VFIO_AP_INSN_HDR_SIZE);
	insn.opcode = VFIO_AP_OP_PQAP;
	insn.gr0 = (u64)fc << 24 | apqn;
	insn.gr1 = gr1;
	insn.gr2 = gr2;
	CHECK_EQ_INT(sim_insn_execute(kvm, &insn, VFIO_AP_INSN_HDR_SIZE), 0);
	return insn.cc;
}

static bool tapq_irq_on(int apqn)
{
	pqap(0, apqn, 0, 0);
	return insn.gr1 & IRQ_ENABLED;
}

/*
 * AQIC(on), and when it is taken, TAPQ until the interrupts show on, as
 * Linux's AP bus does (enabling is asynchronous); the AQIC's cc
 */
static int aqic_on(int apqn, unsigned int isc, u64 nib_gpa)
{
	int cc = pqap(3, apqn, AQIC_IR | isc, nib_gpa);
	int i;

	if (cc)
		return cc;
	CHECK(!(insn.gr1 & IRQ_ENABLED));
	for (i = 0; i < 100 && !tapq_irq_on(apqn); i++)
		;
	CHECK(i < 100);
	return cc;
}

/* a request the card answers with a type 82 reply: any request will do */
static void send_request(int apqn, u64 psmid)
{
	memset(&insn, 0, sizeof(insn));
	insn.opcode = VFIO_AP_OP_NQAP;
	insn.gr0 = apqn;
	insn.psmid = psmid;
	insn.length = 64;
	insn.data_len = 64;
	CHECK_EQ_INT(sim_insn_execute(kvm, &insn, VFIO_AP_INSN_HDR_SIZE + 64),
		     0);
	CHECK_EQ_INT(insn.cc, 0);
}

/* DQAP, polling until the reply is there: the request is finished */
static u64 wait_reply(int apqn)
{
	int i;

	for (i = 0; i < 5000; i++) {
		memset(&insn, 0, VFIO_AP_INSN_HDR_SIZE);
		insn.opcode = VFIO_AP_OP_DQAP;
		insn.gr0 = apqn;
		insn.length = 4096;
		insn.data_len = 4096;
		CHECK_EQ_INT(sim_insn_execute(kvm, &insn,
					      VFIO_AP_INSN_HDR_SIZE), 0);
		if (insn.cc != 3 ||
		    RC(insn.gr1) != AP_RESPONSE_NO_PENDING_REPLY)
			return insn.psmid;
		usleep(1000);
	}
	CHECK(!"no reply");
	return 0;
}

/* the signals of the ISC's eventfd within @ms milliseconds */
static u64 isc_signals(int ms)
{
	struct pollfd pfd = { .fd = isc_fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	return sim_eventfd_take(isc_fd);
}

static void test_enable(void)
{
	guest_up();
	CHECK_EQ_INT(aqic_on(APQN, GUEST_ISC, NIB_GPA), 0);
	CHECK(tapq_irq_on(APQN));
	CHECK_EQ_INT(sim_pins_live(), 1);
	CHECK_EQ_INT(aqic_on(APQN, GUEST_ISC, NIB_GPA), 3);
	CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_OTHERWISE_CHANGED);
	CHECK_EQ_INT(sim_pins_live(), 1);

	/* NIB 0 or outside the guest's memory: nothing pinned */
	CHECK_EQ_INT(aqic_on(AP_MKQID(1, 2), GUEST_ISC, 0), 3);
	CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_INVALID_ADDRESS);
	CHECK_EQ_INT(aqic_on(AP_MKQID(1, 2), GUEST_ISC, (1UL << 20) + 8), 3);
	CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_INVALID_ADDRESS);
	CHECK(!tapq_irq_on(AP_MKQID(1, 2)));
	CHECK_EQ_INT(sim_pins_live(), 1);

	CHECK_EQ_INT(pqap(3, APQN, 0, 0), 0);
	CHECK(!tapq_irq_on(APQN));
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 0);
	guest_down();
}

static void test_reply_posts_isc(void)
{
	unsigned int isc;

	guest_up();
	CHECK_EQ_INT(aqic_on(APQN, GUEST_ISC, NIB_GPA), 0);
	send_request(APQN, 0x1234);
	CHECK_EQ_INT(isc_signals(5000), 1);
	CHECK(nib_at(NIB_GPA) != 0);
	CHECK_EQ_INT(wait_reply(APQN), 0x1234);
	for (isc = 0; isc < 8; isc++)
		CHECK_EQ_INT(sim_kvm_isc_posts(kvm, isc), isc == GUEST_ISC);

	/* the guest has not cleared the NIB: a reply more, no signal more */
	send_request(APQN, 2);
	CHECK_EQ_INT(wait_reply(APQN), 2);
	CHECK_EQ_INT(isc_signals(100), 0);

	/* cleared, as the guest's handler does: the next one signals */
	nib_clear();
	send_request(APQN, 3);
	CHECK_EQ_INT(isc_signals(5000), 1);
	CHECK_EQ_INT(wait_reply(APQN), 3);
	CHECK_EQ_INT(sim_kvm_isc_posts(kvm, GUEST_ISC), 2);
	guest_down();
}

/* replies on several queues, the guest draining: every one announced */
static void test_many_queues(void)
{
	int apqns[] = { AP_MKQID(1, 1), AP_MKQID(1, 2), AP_MKQID(2, 1),
			AP_MKQID(2, 2) };
	int round, i, got;

	guest_up();
	for (i = 0; i < 4; i++)
		CHECK_EQ_INT(aqic_on(apqns[i], GUEST_ISC, NIB_GPA), 0);
	CHECK_EQ_INT(sim_pins_live(), 4);
	for (round = 0; round < 50; round++) {
		for (i = 0; i < 4; i++)
			send_request(apqns[i], round * 4 + i);
		/* a handler: clear the NIB, then drain every queue */
		for (got = 0; got < 4; ) {
			if (!isc_signals(5000))
				break;
			nib_clear();
			for (i = 0; i < 4; i++) {
				memset(&insn, 0, VFIO_AP_INSN_HDR_SIZE);
				insn.opcode = VFIO_AP_OP_DQAP;
				insn.gr0 = apqns[i];
				insn.length = 4096;
				insn.data_len = 4096;
				sim_insn_execute(kvm, &insn,
						 VFIO_AP_INSN_HDR_SIZE);
				got += insn.cc == 0;
			}
		}
		CHECK_EQ_INT(got, 4);
	}
	guest_down();
}

/*
 * After @turn_off, a reply leaves the NIB alone and posts nothing.  The
 * driver gives the page and the ISC back at once when it did the turning
 * off (@driver_told); a reset the guest ran in the firmware leaves its
 * registration stale until the next AQIC(on), reset or detach.
 */
static void check_off_path(const char *name, void (*turn_off)(void),
			   bool driver_told)
{
	guest_up();
	CHECK_EQ_INT(aqic_on(APQN, GUEST_ISC, NIB_GPA), 0);
	turn_off();
	if (!t_check_int(sim_pins_live(), !driver_told, name, __FILE__,
			 __LINE__) ||
	    !t_check_int(sim_kvm_giscs(kvm), !driver_told, name, __FILE__,
			 __LINE__))
		return guest_down();
	CHECK(!tapq_irq_on(APQN));
	send_request(APQN, 7);
	CHECK_EQ_INT(wait_reply(APQN), 7);
	/* the reply was ready before wait_reply saw it: no late signal */
	CHECK_EQ_INT(isc_signals(200), 0);
	CHECK_EQ_INT(nib_at(NIB_GPA), 0);
	CHECK_EQ_INT(sim_kvm_isc_posts(kvm, GUEST_ISC), 0);
	guest_down();
}

static void off_by_aqic(void)
{
	CHECK_EQ_INT(pqap(3, APQN, 0, 0), 0);
}

/* a reset, then TAPQ until it is over, as the guest's AP bus waits */
static void reset_and_wait(unsigned int fc)
{
	int i;

	CHECK_EQ_INT(pqap(fc, APQN, 0, 0), 0);
	for (i = 0; i < 100 && pqap(0, APQN, 0, 0); i++)
		CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_RESET_IN_PROGRESS);
	CHECK(i < 100);
}

static void off_by_rapq(void)
{
	reset_and_wait(1);
}

static void off_by_zapq(void)
{
	reset_and_wait(2);
}

/* a VFIO reset, as QEMU's system_reset does */
static void off_by_device_reset(void)
{
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(mdev), VFIO_DEVICE_RESET, NULL), 0);
}

static void test_off_paths(void)
{
	check_off_path("AQIC off", off_by_aqic, true);
	check_off_path("RAPQ", off_by_rapq, false);
	check_off_path("ZAPQ", off_by_zapq, false);
	check_off_path("device reset", off_by_device_reset, true);
}

/* the queue moves to another guest: it starts with interrupts off */
static void test_queue_moves(void)
{
	struct mdev_device *other;
	struct kvm *kvm2;

	guest_up();
	CHECK_EQ_INT(aqic_on(APQN, GUEST_ISC, NIB_GPA), 0);
	CHECK_EQ_INT(t_write(mdev, "unassign_domain", "1"), 0);
	CHECK_EQ_INT(sim_pins_live(), 0);
	other = t_mdev_with("11111111-0000-0000-0000-000000000002", "1", "1");
	kvm2 = t_attach(other, 0);
	CHECK(!tapq_irq_on(APQN));
	t_detach(other, kvm2);
	sim_mdev_remove(other);
	guest_down();
}

/*
 * A reset that bypasses the driver (SIE runs a guest's RAPQ): the next
 * enable finds the old registration stale and replaces it.
 */
static void test_stale_registration(void)
{
	guest_up();
	CHECK_EQ_INT(aqic_on(APQN, GUEST_ISC, NIB_GPA), 0);
	reset_and_wait(2);
	CHECK(!tapq_irq_on(APQN));
	CHECK_EQ_INT(sim_pins_live(), 1);
	CHECK_EQ_INT(aqic_on(APQN, GUEST_ISC, NIB_GPA + 8), 0);
	CHECK_EQ_INT(sim_pins_live(), 1);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 1);
	send_request(APQN, 9);
	CHECK_EQ_INT(isc_signals(5000), 1);
	CHECK(nib_at(NIB_GPA + 8) != 0);
	CHECK_EQ_INT(wait_reply(APQN), 9);
	guest_down();
}

int main(void)
{
	t_run("irq: AQIC enable, again, bad NIB, disable", test_enable);
	t_run("irq: a reply sets the NIB and posts the ISC", test_reply_posts_isc);
	t_run("irq: many queues, none lost", test_many_queues);
	t_run("irq: every turning-off path stops the NIB", test_off_paths);
	t_run("irq: a moved queue starts with interrupts off",
	      test_queue_moves);
	t_run("irq: a reset behind the driver's back", test_stale_registration);
	return t_done();
}
