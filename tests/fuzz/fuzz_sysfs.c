// SPDX-License-Identifier: GPL-2.0
/*
 * Every sysfs store of the driver, through the harness's attribute
 * plumbing: the assign and unassign attributes and ap_config of two mdevs,
 * one of them in use by a guest, and /sys/bus/ap/apmask and aqmask (which
 * ask the driver's in_use), as id lists and in the AP bus's own syntax.  After each write that is refused, nothing the
 * driver shows may have changed: the mdevs' attributes, the guest's masks
 * and which driver each queue is bound to.
 *
 * An input is a list of writes, each a selector byte and the value up to
 * a newline.
 */
#include "harness.h"
#include "fuzz.h"

/* 64 queues: enough for every case, and a mask write moves few of them */
#define HOST_IDS "0-7"
#define NR_HOST_IDS 8

static const char *const mdev_stores[] = {
	"assign_adapter", "unassign_adapter",
	"assign_domain", "unassign_domain",
	"assign_control_domain", "unassign_control_domain",
	"ap_config",
};
/*
 * ap_config shows the whole matrix (apm, aqm, adm); matrix and
 * control_domains format the same bitmaps again, so they add no check.
 */
static const char *const mdev_shows[] = {
	"guest_matrix", "ap_config",
};

static struct mdev_device *mdevs[2];
static struct kvm *guest;
/* an apmask or aqmask write was taken: the input's end must undo it */
static bool perms_changed;

struct snapshot {
	char attrs[2][ARRAY_SIZE(mdev_shows)][PAGE_SIZE];
	char guest[256];
	const char *driver[NR_HOST_IDS * NR_HOST_IDS];
	unsigned long perms[2][BITS_TO_LONGS(256)];	/* apmask, aqmask */
};

static struct snapshot before, after;

/*
 * @bindings: which driver each queue is bound to, too (it takes locks);
 * without, the snapshot's bindings stay as they were
 */
static void take_snapshot(struct snapshot *s, bool bindings)
{
	unsigned int m, i;
	ssize_t n;

	for (m = 0; m < 2; m++)
		for (i = 0; i < ARRAY_SIZE(mdev_shows); i++) {
			n = sim_attr_read(&mdevs[m]->dev, mdev_shows[i],
					  s->attrs[m][i]);
			if (n < 0)
				fuzz_fail("%s unreadable: %zd", mdev_shows[i], n);
		}
	snprintf(s->guest, sizeof(s->guest), "%s", t_guest(guest));
	sim_ap_read_perm(true, s->perms[0]);
	sim_ap_read_perm(false, s->perms[1]);
	for (i = 0; bindings && i < ARRAY_SIZE(s->driver); i++)
		s->driver[i] = sim_ap_queue_driver(AP_MKQID(i / NR_HOST_IDS,
							   i % NR_HOST_IDS));
}

static void compare_snapshots(const char *what, const char *value,
			      bool bindings)
{
	unsigned int m, i;

	for (m = 0; m < 2; m++)
		for (i = 0; i < ARRAY_SIZE(mdev_shows); i++)
			if (strcmp(before.attrs[m][i], after.attrs[m][i]))
				fuzz_fail("refused %s '%s' changed mdev %u's %s",
					  what, value, m, mdev_shows[i]);
	if (strcmp(before.guest, after.guest))
		fuzz_fail("refused %s '%s' changed the guest: %s -> %s", what,
			  value, before.guest, after.guest);
	if (memcmp(before.perms, after.perms, sizeof(before.perms)))
		fuzz_fail("refused %s '%s' changed apmask or aqmask", what,
			  value);
	for (i = 0; bindings && i < ARRAY_SIZE(before.driver); i++)
		if (before.driver[i] != after.driver[i])
			fuzz_fail("refused %s '%s' moved queue %u", what, value, i);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_harness_init();
	t_machine_up(HOST_IDS, HOST_IDS, HOST_IDS);
	mdevs[0] = t_mdev("fa000000-0000-0000-0000-000000000001");
	mdevs[1] = t_mdev("fa000000-0000-0000-0000-000000000002");
	guest = t_attach(mdevs[0], 0);
	return 0;
}

/* then apmask and aqmask as lists ("1,3-5"), and in the AP bus's syntax */
#define NR_STORES (2 * ARRAY_SIZE(mdev_stores) + 4)

static bool is_bus_store(unsigned int which)
{
	return which >= 2 * ARRAY_SIZE(mdev_stores);
}

/* the bus's masks as a list, or the mdev's attribute, written */
static int store(unsigned int which, const char *value, const char **what)
{
	unsigned int nr = ARRAY_SIZE(mdev_stores);
	DECLARE_BITMAP(mask, 256);

	if (!is_bus_store(which)) {
		*what = mdev_stores[which % nr];
		return sim_attr_write(&mdevs[which / nr]->dev, *what, value);
	}
	which -= 2 * nr;
	*what = which % 2 ? "aqmask" : "apmask";
	perms_changed = true;
	if (which >= 2)
		return sim_ap_store_perm(which == 2, value);
	if (sim_mask_parse(value, mask))
		return -EINVAL;
	return sim_ap_write_perm(which == 0, mask);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	DECLARE_BITMAP(none, 256);
	char value[PAGE_SIZE];
	const char *what;
	unsigned int which;
	int ret;

	/*
	 * The state before a write is the state after the last one: taken
	 * again only when a write was taken.  The mdevs' stores do not move
	 * queues between drivers, so only the bus's masks retake those.
	 */
	take_snapshot(&before, true);
	while (in.left) {
		which = fuzz_take(&in, 1) % NR_STORES;
		fuzz_take_text(&in, '\n', value, sizeof(value));
		ret = store(which, value, &what);
		if (ret > 0 || ret < -4095)
			fuzz_fail("%s '%s' returned %d", what, value, ret);
		if (!ret) {
			take_snapshot(&before, is_bus_store(which));
			continue;
		}
		take_snapshot(&after, is_bus_store(which));
		compare_snapshots(what, value, is_bus_store(which));
	}
	/* the next input starts from empty mdevs and every queue for vfio_ap */
	bitmap_zero(none, 256);
	if (perms_changed &&
	    (sim_ap_write_perm(true, none) || sim_ap_write_perm(false, none)))
		fuzz_fail("could not give every queue back to vfio_ap");
	perms_changed = false;
	if (t_write(mdevs[0], "ap_config", "0,0,0") ||
	    t_write(mdevs[1], "ap_config", "0,0,0"))
		fuzz_fail("could not go back to empty mdevs");
	fuzz_check_locks();
	return 0;
}
