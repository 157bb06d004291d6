// SPDX-License-Identifier: GPL-2.0
/*
 * The instruction region's protocol into the simulated firmware: PQAP
 * (TAPQ, RAPQ, ZAPQ, AQIC, QCI, QACT), NQAP and DQAP as a VMM would write
 * them, with any APQN, function code, length and type 50 message, for a
 * guest with two adapters and two domains of its own.  The firmware must
 * answer every write (a condition code, data within bounds) or refuse it
 * without touching it.
 *
 * An input is a list of executions, each a 16-bit length (the bytes the
 * VMM wrote) and those bytes: the struct vfio_ap_insn header and data.
 */
#include <linux/vfio_ap.h>

#include "harness.h"
#include "insn.h"
#include "fuzz.h"

static struct kvm *guest;
static struct vfio_ap_insn insn, copy;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct mdev_device *mdev;

	fuzz_harness_init();
	t_machine_up("0-3", "0-3", "0-3");
	sim_ap_set_card_type(2, AP_DEVICE_TYPE_CEX6);
	mdev = t_mdev_with("fa000000-0000-0000-0000-000000000003", "1-2", "1-2");
	guest = t_attach(mdev, 0);
	return 0;
}

static void execute(size_t len)
{
	int ret;

	copy = insn;
	ret = sim_insn_execute(guest, &insn, len);
	if (ret == -EINVAL) {
		if (memcmp(&copy, &insn, sizeof(insn)))
			fuzz_fail("a refused opcode %#x changed the region",
				  copy.opcode);
		return;
	}
	if (ret)
		fuzz_fail("opcode %#x returned %d", copy.opcode, ret);
	if (insn.cc > 3 || insn.data_len > VFIO_AP_INSN_DATA_MAX)
		fuzz_fail("opcode %#x: cc %u, %u bytes of data", copy.opcode,
			  insn.cc, insn.data_len);
	if (copy.opcode == VFIO_AP_OP_DQAP && insn.data_len > copy.data_len)
		fuzz_fail("DQAP stored %u bytes, %u allowed", insn.data_len,
			  copy.data_len);
}

/* PQAP(ZAPQ) of every queue the guest has: the next input starts empty */
static void reset_queues(void)
{
	int apid, apqi;

	for (apid = 1; apid <= 2; apid++)
		for (apqi = 1; apqi <= 2; apqi++) {
			memset(&insn, 0, VFIO_AP_INSN_HDR_SIZE);
			insn.opcode = VFIO_AP_OP_PQAP;
			insn.gr0 = 2UL << 24 | AP_MKQID(apid, apqi);
			if (sim_insn_execute(guest, &insn, VFIO_AP_INSN_HDR_SIZE))
				fuzz_fail("ZAPQ of %02x.%04x refused", apid, apqi);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	size_t len;

	while (in.left) {
		len = fuzz_take(&in, 2);
		if (len > sizeof(insn))
			len = sizeof(insn);
		memset(&insn, 0, sizeof(insn));
		len = fuzz_take_bytes(&in, &insn, len);
		execute(len);
	}
	reset_queues();
	fuzz_check_locks();
	return 0;
}
