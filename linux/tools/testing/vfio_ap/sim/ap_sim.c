// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated AP bus: the host's AP configuration, one queue device per
 * configured APQN, the apmask/aqmask split between the host's own (default)
 * drivers and vfio_ap, and the queues' answers to TAPQ, ZAPQ and AQIC.
 *
 * Changes of the bus run under ap_scan_bus_mutex, as the AP bus scan does:
 * config-changed notification, queue removals, queue additions, then
 * scan-complete notification.
 */
#include <stdatomic.h>

#include "ap_card.h"

enum binding { BOUND_NONE, BOUND_DEFAULT, BOUND_VFIO };

struct sim_queue {
	struct ap_queue aq;
	struct sim_ap_hw hw;
	enum binding bound;
};

#define NR_APQNS (AP_DEVICES * AP_DOMAINS)

static struct sim_queue *queues[NR_APQNS];
static struct ap_config_info host;
static struct ap_driver *vfio_drv;
static struct {
	DECLARE_BITMAP(apm, AP_DEVICES);
	DECLARE_BITMAP(aqm, AP_DOMAINS);
} perms;
static atomic_ulong total_zapqs;

DEFINE_MUTEX(ap_perms_mutex);
static DEFINE_MUTEX(ap_scan_bus_mutex);
/* the hardware's own state: not a kernel lock, not validated */
static pthread_mutex_t hw_lock = PTHREAD_MUTEX_INITIALIZER;

void (*sim_ap_perm_check_hook)(void);

void sim_ap_hw_defaults(struct sim_ap_hw *hw)
{
	memset(hw, 0, sizeof(*hw));
	hw->reset_polls = 1;
	hw->irq_on_polls = 1;
}

void sim_ap_set_reset_fault(int apqn, enum sim_reset_fault fault)
{
	struct sim_ap_hw *hw;

	pthread_mutex_lock(&hw_lock);
	if (!queues[apqn]) {
		pthread_mutex_unlock(&hw_lock);
		return;
	}
	hw = &queues[apqn]->hw;
	hw->reset_polls = fault == SIM_RESET_SLOW ? 3 :
			  fault == SIM_RESET_HANGS ? -1 : 1;
	hw->zapq_busy_each = fault == SIM_RESET_BUSY ? 2 : 0;
	hw->zapq_busy = hw->zapq_busy_each;
	hw->zapq_rc = fault == SIM_RESET_FAILS ? AP_RESPONSE_INVALID_ADDRESS : 0;
	pthread_mutex_unlock(&hw_lock);
}

void sim_ap_set_irq_timing(int apqn, int on_polls, int off_polls)
{
	pthread_mutex_lock(&hw_lock);
	if (queues[apqn]) {
		queues[apqn]->hw.irq_on_polls = on_polls;
		queues[apqn]->hw.irq_off_polls = off_polls;
	}
	pthread_mutex_unlock(&hw_lock);
}

unsigned long sim_ap_total_zapqs(void)
{
	return atomic_load(&total_zapqs);
}

/* real time, for resets that take a given time */
static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

void sim_ap_init(bool apxa, unsigned int na, unsigned int nd)
{
	/* the driver's rule (docs/locking.rst): these are never held across a wait */
	lockval_set_no_sleep("matrix_dev->mdevs_lock");
	lockval_set_no_sleep("kvm->arch.crypto.pqap_hook_rwsem");
	lockval_set_no_sleep("kvm->lock");
	memset(&host, 0, sizeof(host));
	host.apxa = apxa;
	host.na = na;
	host.nd = nd;
	bitmap_zero(perms.apm, AP_DEVICES);
	bitmap_zero(perms.aqm, AP_DOMAINS);
}

void sim_ap_host_get(struct ap_config_info *info)
{
	pthread_mutex_lock(&hw_lock);
	*info = host;
	pthread_mutex_unlock(&hw_lock);
}

static bool owned_by_default(int apqn)
{
	bool owned;

	mutex_lock(&ap_perms_mutex);
	owned = test_bit_inv(AP_QID_CARD(apqn), perms.apm) &&
		test_bit_inv(AP_QID_QUEUE(apqn), perms.aqm);
	mutex_unlock(&ap_perms_mutex);
	return owned;
}

static void bind_queue(struct sim_queue *sq)
{
	lockdep_assert_held(&ap_scan_bus_mutex);
	if (owned_by_default(sq->aq.qid))
		sq->bound = BOUND_DEFAULT;
	else if (vfio_drv && !vfio_drv->probe(&sq->aq.ap_dev))
		sq->bound = BOUND_VFIO;
	else
		sq->bound = BOUND_NONE;
}

static void unbind_queue(struct sim_queue *sq)
{
	lockdep_assert_held(&ap_scan_bus_mutex);
	if (sq->bound == BOUND_VFIO)
		vfio_drv->remove(&sq->aq.ap_dev);
	sq->bound = BOUND_NONE;
}

static void add_queue(int apqn)
{
	struct sim_queue *sq = calloc(1, sizeof(*sq));

	if (!sq) {
		fprintf(stderr, "ap sim: no memory for queue %04x\n", apqn);
		abort();
	}
	sim_ap_hw_defaults(&sq->hw);
	sq->aq.qid = apqn;
	sq->aq.ap_dev.device_type = sim_ap_card_type(AP_QID_CARD(apqn));
	dev_set_name(&sq->aq.ap_dev.device, "%02x.%04x", AP_QID_CARD(apqn),
		     AP_QID_QUEUE(apqn));
	device_register(&sq->aq.ap_dev.device);
	pthread_mutex_lock(&hw_lock);
	queues[apqn] = sq;
	pthread_mutex_unlock(&hw_lock);
	bind_queue(sq);
}

static void del_queue(int apqn)
{
	struct sim_queue *sq = queues[apqn];

	unbind_queue(sq);
	pthread_mutex_lock(&hw_lock);
	queues[apqn] = NULL;
	/* the card's queue goes with the queue device */
	sim_card_reset(apqn);
	pthread_mutex_unlock(&hw_lock);
	free(sq);
}

static bool in_config(const struct ap_config_info *info, int apqn)
{
	return test_bit_inv(AP_QID_CARD(apqn), (unsigned long *)info->apm) &&
	       test_bit_inv(AP_QID_QUEUE(apqn), (unsigned long *)info->aqm);
}

/*
 * The APQNs of a configuration, in order: queue devices exist only there,
 * so walks over them need not visit all 65536.  Returns the first APQN
 * after @apqn (-1: from the start) in @info, or -1.
 */
static int next_config_apqn(const struct ap_config_info *info, int apqn)
{
	int apid = apqn < 0 ? 0 : AP_QID_CARD(apqn);
	int apqi = apqn < 0 ? 0 : AP_QID_QUEUE(apqn) + 1;

	for (; apid < AP_DEVICES; apid++, apqi = 0) {
		if (!test_bit_inv(apid, (unsigned long *)info->apm))
			continue;
		for (; apqi < AP_DOMAINS; apqi++)
			if (test_bit_inv(apqi, (unsigned long *)info->aqm))
				return AP_MKQID(apid, apqi);
	}
	return -1;
}

void sim_ap_host_set(const unsigned long *apm, const unsigned long *aqm,
		     const unsigned long *adm)
{
	struct ap_config_info old, new;
	int apqn;

	mutex_lock(&ap_scan_bus_mutex);
	old = host;
	new = host;
	bitmap_copy((unsigned long *)new.apm, apm, AP_DEVICES);
	bitmap_copy((unsigned long *)new.aqm, aqm, AP_DOMAINS);
	bitmap_copy((unsigned long *)new.adm, adm, AP_DOMAINS);
	if (!memcmp(&old, &new, sizeof(new))) {
		mutex_unlock(&ap_scan_bus_mutex);
		return;
	}
	if (vfio_drv)
		vfio_drv->on_config_changed(&new, &old);
	pthread_mutex_lock(&hw_lock);
	host = new;
	pthread_mutex_unlock(&hw_lock);
	for (apqn = next_config_apqn(&old, -1); apqn >= 0;
	     apqn = next_config_apqn(&old, apqn))
		if (queues[apqn] && !in_config(&new, apqn))
			del_queue(apqn);
	for (apqn = next_config_apqn(&new, -1); apqn >= 0;
	     apqn = next_config_apqn(&new, apqn))
		if (!queues[apqn])
			add_queue(apqn);
	if (vfio_drv)
		vfio_drv->on_scan_complete(&new, &old);
	mutex_unlock(&ap_scan_bus_mutex);
}

/* after a change of apmask/aqmask: move queues between the drivers */
static void revise_bindings(void)
{
	bool want_default;
	int apqn;

	mutex_lock(&ap_scan_bus_mutex);
	for (apqn = next_config_apqn(&host, -1); apqn >= 0;
	     apqn = next_config_apqn(&host, apqn)) {
		struct sim_queue *sq = queues[apqn];

		if (!sq)
			continue;
		want_default = owned_by_default(apqn);
		if (want_default == (sq->bound == BOUND_DEFAULT) &&
		    sq->bound != BOUND_NONE)
			continue;
		unbind_queue(sq);
		bind_queue(sq);
	}
	mutex_unlock(&ap_scan_bus_mutex);
}

/*
 * Take @mask as the new apmask (@adapters) or aqmask, with ap_perms_mutex
 * held; *@changed: it differs from the old one
 */
static int commit_perm(bool adapters, const unsigned long *mask, bool *changed)
{
	unsigned long *cur = adapters ? perms.apm : perms.aqm;
	DECLARE_BITMAP(reserved, 256);
	int ret = 0;

	lockdep_assert_held(&ap_perms_mutex);
	/* as the AP bus: a write that changes nothing moves no queue */
	*changed = !bitmap_equal(cur, mask, 256);
	/* APQNs about to go to the default drivers must not be in use */
	if (bitmap_andnot(reserved, mask, cur, 256) && vfio_drv) {
		ret = adapters ? vfio_drv->in_use(reserved, perms.aqm) :
				 vfio_drv->in_use(perms.apm, reserved);
		if (ret)
			ret = -EBUSY;
	}
	if (!ret)
		bitmap_copy(cur, mask, 256);
	return ret;
}

int sim_ap_write_perm(bool adapters, const unsigned long *mask)
{
	bool changed;
	int ret;

	mutex_lock(&ap_perms_mutex);
	ret = commit_perm(adapters, mask, &changed);
	mutex_unlock(&ap_perms_mutex);
	if (!ret && changed)
		revise_bindings();
	return ret;
}

/* a bit number of a mask term: digits (0x for hex, 0 for octal) below 256 */
static int perm_bit(const char **s, unsigned long *bit)
{
	char *end;

	if (!isdigit((unsigned char)**s))
		return -EINVAL;
	*bit = strtoul(*s, &end, 0);
	if (*bit >= 256)
		return -EINVAL;
	*s = end;
	return 0;
}

/* "+N[-M],-N[-M],...": each term sets or clears the bits N to M */
static int parse_perm_terms(const char *s, unsigned long *mask)
{
	unsigned long first, last, bit;
	char sign;

	while (*s) {
		sign = *s++;
		if ((sign != '+' && sign != '-') || perm_bit(&s, &first))
			return -EINVAL;
		last = first;
		if (*s == '-') {
			s++;
			if (perm_bit(&s, &last) || last < first)
				return -EINVAL;
		}
		for (bit = first; bit <= last; bit++)
			if (sign == '+')
				set_bit_inv(bit, mask);
			else
				clear_bit_inv(bit, mask);
		while (*s == ',' || *s == '\n')
			s++;
	}
	return 0;
}

/* "[0x]HEX[\n]": the bits from the left, the ones not given clear */
static int parse_perm_hex(const char *s, unsigned long *mask)
{
	unsigned int bit = 0;
	int nibble, i;

	bitmap_zero(mask, 256);
	if (s[0] == '0' && s[1] == 'x')
		s += 2;
	else if (s[0] == 'x')
		s++;
	for (; bit < 256 && (nibble = hex_to_bin(*s)) >= 0; s++, bit += 4)
		for (i = 0; i < 4; i++)
			if (nibble & (8 >> i))
				set_bit_inv(bit + i, mask);
	if (*s == '\n')
		s++;
	return *s ? -EINVAL : 0;
}

int sim_ap_store_perm(bool adapters, const char *buf)
{
	DECLARE_BITMAP(mask, 256);
	bool changed = false;
	int ret;

	mutex_lock(&ap_perms_mutex);
	if (*buf == '+' || *buf == '-') {
		bitmap_copy(mask, adapters ? perms.apm : perms.aqm, 256);
		ret = parse_perm_terms(buf, mask);
	} else {
		ret = parse_perm_hex(buf, mask);
	}
	if (!ret)
		ret = commit_perm(adapters, mask, &changed);
	mutex_unlock(&ap_perms_mutex);
	if (!ret && changed)
		revise_bindings();
	return ret;
}

void sim_ap_read_perm(bool adapters, unsigned long *mask)
{
	mutex_lock(&ap_perms_mutex);
	bitmap_copy(mask, adapters ? perms.apm : perms.aqm, 256);
	mutex_unlock(&ap_perms_mutex);
}

int sim_ap_next_queue(int apqn)
{
	struct ap_config_info info;

	sim_ap_host_get(&info);
	do
		apqn = next_config_apqn(&info, apqn);
	while (apqn >= 0 && !sim_ap_queue_dev(apqn));
	return apqn;
}

/*
 * /sys/bus/ap/drivers/vfio_ap/unbind: the administrator takes one queue
 * from vfio_ap, whether an mdev has it or not (the driver core does not ask
 * in_use); the queue is then bound to no driver.
 */
int sim_ap_queue_unbind(int apqn)
{
	struct sim_queue *sq;
	int ret = -ENODEV;

	mutex_lock(&ap_scan_bus_mutex);
	sq = queues[apqn & 0xffff];
	if (sq && sq->bound == BOUND_VFIO) {
		unbind_queue(sq);
		ret = 0;
	}
	mutex_unlock(&ap_scan_bus_mutex);
	return ret;
}

/* .../bind: a queue bound to no driver goes where apmask/aqmask say */
int sim_ap_queue_bind(int apqn)
{
	struct sim_queue *sq;
	int ret = -ENODEV;

	mutex_lock(&ap_scan_bus_mutex);
	sq = queues[apqn & 0xffff];
	if (sq && sq->bound == BOUND_NONE) {
		bind_queue(sq);
		ret = sq->bound == BOUND_VFIO ? 0 : -ENODEV;
	}
	mutex_unlock(&ap_scan_bus_mutex);
	return ret;
}

int ap_apqn_in_matrix_owned_by_def_drv(unsigned long *apm, unsigned long *aqm)
{
	lockdep_assert_held(&ap_perms_mutex);
	if (sim_ap_perm_check_hook)
		sim_ap_perm_check_hook();
	return bitmap_intersects(apm, perms.apm, AP_DEVICES) &&
	       bitmap_intersects(aqm, perms.aqm, AP_DOMAINS);
}

int ap_driver_register(struct ap_driver *drv, struct module *owner, char *name)
{
	int apqn;

	mutex_lock(&ap_scan_bus_mutex);
	vfio_drv = drv;
	for (apqn = 0; apqn < NR_APQNS; apqn++)
		if (queues[apqn] && queues[apqn]->bound == BOUND_NONE)
			bind_queue(queues[apqn]);
	mutex_unlock(&ap_scan_bus_mutex);
	return 0;
}

void ap_driver_unregister(struct ap_driver *drv)
{
	int apqn;

	mutex_lock(&ap_scan_bus_mutex);
	for (apqn = 0; apqn < NR_APQNS; apqn++)
		if (queues[apqn] && queues[apqn]->bound == BOUND_VFIO)
			unbind_queue(queues[apqn]);
	vfio_drv = NULL;
	mutex_unlock(&ap_scan_bus_mutex);
}

void sim_ap_exit(void)
{
	int apqn;

	mutex_lock(&ap_scan_bus_mutex);
	for (apqn = 0; apqn < NR_APQNS; apqn++)
		if (queues[apqn])
			del_queue(apqn);
	mutex_unlock(&ap_scan_bus_mutex);
	sim_card_exit();
}

const char *sim_ap_queue_driver(int apqn)
{
	const char *name = NULL;

	mutex_lock(&ap_scan_bus_mutex);
	if (queues[apqn])
		name = queues[apqn]->bound == BOUND_VFIO ? "vfio_ap" :
		       queues[apqn]->bound == BOUND_DEFAULT ? "default" : "none";
	mutex_unlock(&ap_scan_bus_mutex);
	return name;
}

struct device *sim_ap_queue_dev(int apqn)
{
	struct sim_queue *sq;

	pthread_mutex_lock(&hw_lock);
	sq = queues[apqn];
	pthread_mutex_unlock(&hw_lock);
	return sq ? &sq->aq.ap_dev.device : NULL;
}

struct sim_ap_hw *sim_ap_hw(int apqn)
{
	struct sim_queue *sq;

	pthread_mutex_lock(&hw_lock);
	sq = queues[apqn];
	pthread_mutex_unlock(&hw_lock);
	return sq ? &sq->hw : NULL;
}

/* ---- the instructions ---- */

/* the queue of @qid if the host has it; called with hw_lock held */
static struct sim_queue *hw_queue(ap_qid_t qid)
{
	struct sim_queue *sq = queues[qid & 0xffff];

	return sq && in_config(&host, qid & 0xffff) ? sq : NULL;
}

static struct ap_queue_status rc_status(int rc)
{
	struct ap_queue_status st = { .response_code = rc };

	return st;
}

/* a reset's "in progress" phase: the status answers 02 */
static bool in_reset(struct sim_queue *sq)
{
	struct sim_ap_hw *hw = &sq->hw;

	return hw->polls_left || hw->reset_done_ns > now_ns() ||
	       sim_card_resetting(sq->aq.qid);
}

/* what the status shows: on, or being turned off */
static bool shows_on(const struct sim_ap_hw *hw)
{
	return hw->irq == SIM_IRQ_ON || hw->irq == SIM_IRQ_DISABLING;
}

/* the interrupt state reaches where the last change sends it */
static void irq_settle(struct sim_ap_hw *hw)
{
	if (hw->irq == SIM_IRQ_ENABLING) {
		hw->irq = SIM_IRQ_ON;
	} else if (hw->irq == SIM_IRQ_DISABLING) {
		hw->irq = SIM_IRQ_OFF;
		hw->nib = 0;
	}
	hw->irq_left = 0;
}

/* a change of the interrupt state that shows after @polls instructions */
static void irq_change(struct sim_ap_hw *hw, enum sim_irq_state to, int polls)
{
	hw->irq = to;
	hw->irq_left = polls;
	if (to == SIM_IRQ_OFF)
		hw->nib = 0;
	if (polls <= 0)
		irq_settle(hw);
}

/*
 * A reset turns interrupts off once it is over: they show on while it is
 * in progress, then for irq_off_polls instructions more.
 */
static void reset_over(struct sim_ap_hw *hw)
{
	if (!hw->irq_after_reset)
		return;
	hw->irq_after_reset = false;
	if (hw->irq_left <= 0)
		irq_settle(hw);
}

/* an instruction saw the queue's status: time passes for the change */
static void observed(struct sim_queue *sq)
{
	struct sim_ap_hw *hw = &sq->hw;

	if (in_reset(sq))
		return;
	reset_over(hw);
	if (hw->irq_left > 0 && !--hw->irq_left)
		irq_settle(hw);
}

/* the NIB of an adapter that may store it is in a pinned page */
static bool nib_pinned(const struct sim_ap_hw *hw)
{
	return !hw->nib || sim_vfio_host_pinned(hw->nib);
}

struct ap_queue_status ap_tapq(ap_qid_t qid, struct ap_tapq_hwinfo *info)
{
	struct ap_queue_status st = rc_status(AP_RESPONSE_Q_NOT_AVAIL);
	struct sim_queue *sq;
	unsigned int nd;

	pthread_mutex_lock(&hw_lock);
	sq = hw_queue(qid);
	nd = host.nd;
	if (sq) {
		struct sim_ap_hw *hw = &sq->hw;

		if (in_reset(sq)) {
			/* the queue not emptied yet, interrupts as they were */
			if (hw->polls_left > 0)
				hw->polls_left--;
			st = rc_status(AP_RESPONSE_RESET_IN_PROGRESS);
			st.irq_enabled = shows_on(hw);
		} else if (hw->assoc_pending) {
			/* an association error: every answer until a reset */
			st = rc_status(hw->assoc_pending);
		} else {
			reset_over(hw);
			st = rc_status(hw->tapq_rc);
			sim_card_status(qid & 0xffff, &st);
			st.irq_enabled = shows_on(hw);
			observed(sq);
		}
	}
	pthread_mutex_unlock(&hw_lock);
	if (info)
		info->value = sq ? sim_card_info(AP_QID_CARD(qid)) |
				   (u64)nd << 16 : 0;
	return st;
}

struct ap_queue_status ap_zapq(ap_qid_t qid, int fbit)
{
	struct ap_queue_status st = rc_status(AP_RESPONSE_Q_NOT_AVAIL);
	struct sim_queue *sq;

	pthread_mutex_lock(&hw_lock);
	sq = hw_queue(qid);
	if (sq) {
		struct sim_ap_hw *hw = &sq->hw;

		hw->zapqs++;
		atomic_fetch_add(&total_zapqs, 1);
		st = rc_status(hw->zapq_rc);
		hw->reset_refused = hw->zapq_rc != 0;
		if (hw->zapq_busy > 0) {
			hw->zapq_busy--;
			st = rc_status(AP_RESPONSE_BUSY);
		} else if (!hw->zapq_rc) {
			hw->zapq_busy = hw->zapq_busy_each;
			hw->polls_left = hw->reset_polls;
			hw->reset_done_ns = hw->reset_ms ?
				now_ns() + (u64)hw->reset_ms * 1000000u : 0;
			/*
			 * The association fails after this reset, once: the
			 * next reset clears it
			 */
			hw->assoc_pending = hw->assoc_rc;
			hw->assoc_rc = 0;
			/*
			 * An enable not shown yet is dropped; one shown goes
			 * off, a disable under way goes on as it was
			 */
			if (hw->irq == SIM_IRQ_ENABLING || hw->irq == SIM_IRQ_OFF) {
				irq_change(hw, SIM_IRQ_OFF, 0);
			} else {
				if (hw->irq == SIM_IRQ_ON)
					hw->irq_left = hw->irq_off_polls;
				hw->irq = SIM_IRQ_DISABLING;
				hw->irq_after_reset = true;
			}
			sim_card_reset(qid & 0xffff);
		}
		st.irq_enabled = shows_on(hw);
	}
	pthread_mutex_unlock(&hw_lock);
	return st;
}

/*
 * AQIC.  Turning on: 00 if they were off (they show on later), 07 if they
 * are on or being turned on, 05 while they are being turned off.  Turning
 * off: 00, and they show off later; 07 if they are off or being turned
 * off, as the machine answers (issue 23).  During a reset: 02, after a failed
 * association its code, and nothing changes.
 */
struct ap_queue_status ap_aqic(ap_qid_t qid, union ap_qirq_ctrl ctrl,
			       phys_addr_t pa_ind)
{
	struct ap_queue_status st = rc_status(AP_RESPONSE_Q_NOT_AVAIL);
	struct sim_queue *sq;

	pthread_mutex_lock(&hw_lock);
	sq = hw_queue(qid);
	if (sq) {
		struct sim_ap_hw *hw = &sq->hw;

		if (!in_reset(sq))
			reset_over(hw);
		if (hw->aqic_rc) {
			st = rc_status(hw->aqic_rc);
		} else if (ctrl.ir && hw->aqic_on_rc) {
			st = rc_status(hw->aqic_on_rc);
		} else if (in_reset(sq)) {
			st = rc_status(AP_RESPONSE_RESET_IN_PROGRESS);
		} else if (hw->assoc_pending) {
			st = rc_status(hw->assoc_pending);
		} else if (ctrl.ir) {
			st = rc_status(hw->irq == SIM_IRQ_OFF ? AP_RESPONSE_NORMAL :
				       hw->irq == SIM_IRQ_DISABLING ?
				       AP_RESPONSE_BUSY :
				       AP_RESPONSE_OTHERWISE_CHANGED);
			if (hw->irq == SIM_IRQ_OFF) {
				hw->nib = pa_ind;
				hw->gisc = ctrl.gisc;
				hw->gisa = ctrl.gisa;
				irq_change(hw, SIM_IRQ_ENABLING, hw->irq_on_polls);
			}
		} else {
			/* off already, or being turned off: 07, as on */
			st = rc_status(hw->irq == SIM_IRQ_OFF ||
				       hw->irq == SIM_IRQ_DISABLING ?
				       AP_RESPONSE_OTHERWISE_CHANGED :
				       AP_RESPONSE_NORMAL);
			if (hw->irq == SIM_IRQ_ENABLING)
				irq_change(hw, SIM_IRQ_OFF, 0);
			else if (hw->irq == SIM_IRQ_ON)
				irq_change(hw, SIM_IRQ_DISABLING,
					   hw->irq_off_polls);
		}
		st.irq_enabled = shows_on(hw);
	}
	pthread_mutex_unlock(&hw_lock);
	return st;
}

enum sim_irq_state sim_ap_irq_state(int apqn)
{
	enum sim_irq_state state = SIM_IRQ_OFF;
	struct sim_queue *sq;

	pthread_mutex_lock(&hw_lock);
	sq = hw_queue(apqn);
	if (sq)
		state = sq->hw.irq;
	pthread_mutex_unlock(&hw_lock);
	return state;
}

unsigned int sim_ap_unpinned_nibs(void)
{
	unsigned int n = 0;
	int apqn;

	pthread_mutex_lock(&hw_lock);
	for (apqn = next_config_apqn(&host, -1); apqn >= 0;
	     apqn = next_config_apqn(&host, apqn)) {
		struct sim_queue *sq = queues[apqn];

		/*
		 * A pending enable stores once it shows: it counts too.  A
		 * queue in a reset has no reply to announce; one whose reset
		 * was refused cannot be helped (see
		 * sim_ap_reply_ready_unless_refused()).
		 */
		if (sq && sq->hw.irq != SIM_IRQ_OFF && !in_reset(sq) &&
		    !sq->hw.reset_refused && !nib_pinned(&sq->hw)) {
			fprintf(stderr, "ap sim: queue %02x.%04x: NIB %#llx not pinned, interrupts %d\n",
				AP_QID_CARD(apqn), AP_QID_QUEUE(apqn),
				(unsigned long long)sq->hw.nib, sq->hw.irq);
			n++;
		}
	}
	pthread_mutex_unlock(&hw_lock);
	return n;
}

static atomic_ulong stray_stores;

unsigned long sim_ap_stray_nib_stores(void)
{
	return atomic_load(&stray_stores);
}

/* a queue the host has, not in a reset: 0, or the response code */
static int queue_usable(ap_qid_t qid, struct sim_queue **sqp)
{
	struct sim_queue *sq = hw_queue(qid);

	*sqp = sq;
	if (!sq)
		return AP_RESPONSE_Q_NOT_AVAIL;
	if (in_reset(sq))
		return AP_RESPONSE_RESET_IN_PROGRESS;
	return sq->hw.assoc_pending;
}

struct ap_queue_status sim_ap_nqap(int apqn, u64 psmid, const u8 *part,
				   size_t len, size_t left, bool *partial)
{
	struct ap_queue_status st;
	struct sim_queue *sq;
	int rc;

	*partial = false;
	pthread_mutex_lock(&hw_lock);
	rc = queue_usable(apqn, &sq);
	st = rc ? rc_status(rc) :
	     sim_card_enqueue(apqn, psmid, part, len, left, partial);
	if (sq) {
		st.irq_enabled = shows_on(&sq->hw);
		observed(sq);
	}
	pthread_mutex_unlock(&hw_lock);
	return st;
}

struct ap_queue_status sim_ap_dqap(int apqn, u64 *psmid, u8 *buf, size_t room,
				   size_t *stored, size_t *residual)
{
	struct ap_queue_status st;
	struct sim_queue *sq;
	int rc;

	*stored = 0;
	*residual = 0;
	pthread_mutex_lock(&hw_lock);
	rc = queue_usable(apqn, &sq);
	st = rc ? rc_status(rc) :
	     sim_card_dequeue(apqn, psmid, buf, room, stored, residual);
	if (sq) {
		st.irq_enabled = shows_on(&sq->hw);
		observed(sq);
	}
	pthread_mutex_unlock(&hw_lock);
	return st;
}

/*
 * A reply is ready: while interrupts show on (until a change to off
 * shows), store a non-zero NIB and, if it was zero, post the guest's ISC.
 * Under hw_lock, so that once a TAPQ has shown them off, the NIB (whose
 * page may be unpinned next) is never written again.  A store into a page
 * no device has pinned is counted: a driver gave it back too early.
 */
static void reply_ready(int apqn, bool unless_refused)
{
	struct sim_queue *sq;

	pthread_mutex_lock(&hw_lock);
	sq = hw_queue(apqn);
	if (sq && unless_refused && sq->hw.reset_refused)
		sq = NULL;
	/* a queue being reset has dropped its work: no reply to announce */
	if (sq && shows_on(&sq->hw) && sq->hw.nib && !in_reset(sq)) {
		u8 *nib = (u8 *)(uintptr_t)sq->hw.nib;

		if (!nib_pinned(&sq->hw)) {
			atomic_fetch_add(&stray_stores, 1);
			fprintf(stderr, "ap sim: queue %02x.%04x: NIB stored into a page not pinned\n",
				AP_QID_CARD(apqn), AP_QID_QUEUE(apqn));
		}

		if (!__atomic_exchange_n(nib, 1, __ATOMIC_SEQ_CST)) {
			sq->hw.irqs_posted++;
			sim_gisa_post(sq->hw.gisa, sq->hw.gisc);
		}
	}
	pthread_mutex_unlock(&hw_lock);
}

void sim_ap_reply_ready(int apqn)
{
	reply_ready(apqn, false);
}

void sim_ap_reply_ready_unless_refused(int apqn)
{
	reply_ready(apqn, true);
}

int ap_qci(struct ap_config_info *info)
{
	sim_ap_host_get(info);
	return 0;
}

bool ap_instructions_available(void)
{
	return true;
}

int test_facility(unsigned long nr)
{
	return nr == 12 || nr == 15 || nr == 65;
}

/* ---- the driver module ---- */

int sim_driver_load(void)
{
	return shim_module_init();
}

void sim_driver_unload(void)
{
	shim_module_exit();
}
