// SPDX-License-Identifier: GPL-2.0
/*
 * The firmware's side of PQAP, NQAP and DQAP for a guest whose VMM
 * forwards them (QEMU under TCG).  The VMM is not trusted: every APQN is
 * checked against the guest's masks, which the vfio_ap driver set in the
 * simulated KVM; a queue outside them does not exist for the guest
 * (response code 01), and QCI shows exactly those masks.  PQAP(AQIC) goes
 * to the driver's PQAP hook, as KVM's intercept sends it there.  A reply
 * that becomes ready on a queue with interrupts on sets the NIB and posts
 * the guest ISC (sim/ap_sim.c), which vfio_user.c delivers as an eventfd.
 *
 * Condition codes as the guest sees them: 0 done, 3 with a response code
 * in GR1; NQAP 2 while parts of the message remain; DQAP 2 when it stopped
 * at the VMM's limit for one execution (a page boundary) and 1 when the
 * guest's buffer is full, with the rest of the reply (GR2) left for the
 * next DQAP, as Linux's ap_dqap() describes them.
 */
#include "insn.h"

#define PQAP_TAPQ	0
#define PQAP_RAPQ	1
#define PQAP_ZAPQ	2
#define PQAP_AQIC	3
#define PQAP_QCI	4
#define PQAP_QACT	5

/* QACT's GR2: the mode in bits 3-5 (accelerator: 2), the type in 32-39 */
#define QACT_MODE_ACCEL	(2UL << 58)

#define GR0_FC(gr0)	(((gr0) >> 24) & 0xff)
#define GR0_T_BIT	0x800000UL
#define GR0_APQN(gr0)	((gr0) & 0xffff)

/* the QCI block: flags word, na, nd, then the masks at 16, 48 and 80 */
#define QCI_SIZE	128
#define QCI_FLAG_APXA	0x40000000U
#define QCI_APM		16
#define QCI_AQM		48
#define QCI_ADM		80

/* the status word of GR1 bits 32-63, built field by field */
static u64 status_word(struct ap_queue_status st)
{
	return (u64)st.queue_empty << 31 | (u64)st.replies_waiting << 30 |
	       (u64)st.queue_full << 29 | (u64)st.async << 25 |
	       (u64)st.irq_enabled << 24 | (u64)st.response_code << 16;
}

static void set_status(struct vfio_ap_insn *insn, struct ap_queue_status st)
{
	insn->gr1 = status_word(st);
	insn->cc = st.response_code ? 3 : 0;
}

static struct ap_queue_status not_available(void)
{
	return (struct ap_queue_status){ .response_code =
					 AP_RESPONSE_Q_NOT_AVAIL };
}

/* may the guest use the queue: its adapter and usage domain are its own */
static bool guest_has(struct kvm *kvm, int apqn)
{
	DECLARE_BITMAP(apm, 256);
	DECLARE_BITMAP(aqm, 256);
	DECLARE_BITMAP(adm, 256);

	sim_kvm_masks(kvm, apm, aqm, adm);
	return test_bit_inv(AP_QID_CARD(apqn), apm) &&
	       test_bit_inv(AP_QID_QUEUE(apqn), aqm);
}

static void put_mask(u8 *dst, const unsigned long *mask)
{
	int id;

	for (id = 0; id < 256; id++)
		if (test_bit_inv(id, mask))
			dst[id / 8] |= 0x80 >> (id % 8);
}

/* QCI: the guest's own configuration, in the architecture's layout */
static void query_config(struct kvm *kvm, struct vfio_ap_insn *insn)
{
	DECLARE_BITMAP(apm, 256);
	DECLARE_BITMAP(aqm, 256);
	DECLARE_BITMAP(adm, 256);
	struct ap_config_info host;
	u8 *qci = insn->data;

	sim_kvm_masks(kvm, apm, aqm, adm);
	sim_ap_host_get(&host);
	memset(qci, 0, QCI_SIZE);
	qci[0] = QCI_FLAG_APXA >> 24;
	qci[4] = host.na;
	qci[5] = host.nd;
	put_mask(qci + QCI_APM, apm);
	put_mask(qci + QCI_AQM, aqm);
	put_mask(qci + QCI_ADM, adm);
	insn->data_len = QCI_SIZE;
	insn->gr1 = 0;
	insn->cc = 0;
}

/* PQAP(AQIC): the driver's hook decides, as under KVM */
static void set_interrupts(struct kvm *kvm, struct vfio_ap_insn *insn)
{
	u64 gr1;
	int cc;

	/* a hook that declines (KVM would exit to user space): no queue */
	if (sim_kvm_pqap_aqic(kvm, GR0_APQN(insn->gr0), insn->gr1, insn->gr2,
			      &gr1, &cc)) {
		set_status(insn, not_available());
		return;
	}
	insn->gr1 = gr1;
	insn->cc = cc;
}

/*
 * RAPQ and ZAPQ (for an accelerator, zeroizing is resetting) run in the
 * firmware, as SIE runs them: the driver is not told.  The reset turns
 * the queue's interrupts off once it is over; the driver's registration
 * for them is then stale and is given back at the guest's next AQIC(on),
 * the next reset the driver makes, a DMA unmap or the detach.
 */
static int pqap(struct kvm *kvm, struct vfio_ap_insn *insn)
{
	int apqn = GR0_APQN(insn->gr0);
	struct ap_tapq_hwinfo info;
	struct ap_queue_status st;

	/* a refused request leaves the region as the VMM wrote it */
	if (GR0_FC(insn->gr0) > PQAP_QACT)
		return -EINVAL;
	/* only QCI answers with data */
	insn->data_len = 0;
	switch (GR0_FC(insn->gr0)) {
	case PQAP_QCI:
		query_config(kvm, insn);
		return 0;
	case PQAP_AQIC:
		set_interrupts(kvm, insn);
		return 0;
	}
	if (!guest_has(kvm, apqn)) {
		set_status(insn, not_available());
		return 0;
	}
	switch (GR0_FC(insn->gr0)) {
	case PQAP_TAPQ:
		/* the facilities (bits 0-31) only with the T bit */
		st = ap_tapq(apqn, &info);
		insn->gr2 = insn->gr0 & GR0_T_BIT ? info.value :
						    info.value & 0xffffffffUL;
		break;
	case PQAP_RAPQ:
	case PQAP_ZAPQ:
		st = ap_zapq(apqn, 0);
		break;
	default:
		/* QACT: a CEX4..CEX8 in accelerator mode, as TAPQ says */
		st = ap_tapq(apqn, &info);
		insn->gr2 = QACT_MODE_ACCEL |
			    (u64)sim_ap_card_type(AP_QID_CARD(apqn)) << 24;
		break;
	}
	set_status(insn, st);
	return 0;
}

static int nqap(struct kvm *kvm, struct vfio_ap_insn *insn)
{
	int apqn = GR0_APQN(insn->gr0);
	size_t len = insn->data_len;
	struct ap_queue_status st;
	bool partial;

	if (len > insn->length)
		return -EINVAL;
	/* the answer carries no data, whatever happens */
	insn->data_len = 0;
	if (!guest_has(kvm, apqn)) {
		set_status(insn, not_available());
		return 0;
	}
	st = sim_ap_nqap(apqn, insn->psmid, insn->data, len, insn->length,
			 &partial);
	if (partial) {
		insn->cc = 2;
		return 0;
	}
	set_status(insn, st);
	return 0;
}

static int dqap(struct kvm *kvm, struct vfio_ap_insn *insn)
{
	size_t room = min((size_t)insn->length, (size_t)insn->data_len);
	int apqn = GR0_APQN(insn->gr0);
	struct ap_queue_status st;
	size_t stored, residual;
	u64 psmid = 0;

	insn->data_len = 0;
	if (!guest_has(kvm, apqn)) {
		set_status(insn, not_available());
		return 0;
	}
	st = sim_ap_dqap(apqn, &psmid, insn->data, room, &stored, &residual);
	insn->data_len = stored;
	insn->gr2 = residual;
	if (st.response_code) {
		set_status(insn, st);
		return 0;
	}
	insn->psmid = psmid;
	if (residual) {
		/* the status word is not set on a partial completion */
		insn->cc = stored == insn->length ? 1 : 2;
		return 0;
	}
	set_status(insn, st);
	return 0;
}

int sim_insn_execute(struct kvm *kvm, struct vfio_ap_insn *insn, size_t len)
{
	if (len < VFIO_AP_INSN_HDR_SIZE || insn->reserved ||
	    insn->data_len > VFIO_AP_INSN_DATA_MAX)
		return -EINVAL;
	switch (insn->opcode) {
	case VFIO_AP_OP_PQAP:
		return pqap(kvm, insn);
	case VFIO_AP_OP_NQAP:
		if (insn->data_len > len - VFIO_AP_INSN_HDR_SIZE)
			return -EINVAL;
		return nqap(kvm, insn);
	case VFIO_AP_OP_DQAP:
		return dqap(kvm, insn);
	default:
		return -EINVAL;
	}
}
