// SPDX-License-Identifier: GPL-2.0
/*
 * mdevctl JSON definitions into the simulator's reader, and what it accepts
 * applied to an mdev of the driver, as vfio-ap-sim --define does.  A
 * refused definition must leave nothing behind; an accepted one must name
 * a type and only attributes that fit.
 */
#include "harness.h"
#include "mdevctl.h"
#include "fuzz.h"

#define FUZZ_UUID "fa000000-0000-0000-0000-000000000001"

static struct mdevctl_def def;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_harness_init();
	t_machine_up("0-15", "0-15", "0-15");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char json[64 * 1024];
	struct mdev_device *mdev;
	char err[256];
	int ret, i;

	if (size >= sizeof(json))
		return -1;
	memcpy(json, data, size);
	json[size] = '\0';
	ret = mdevctl_parse(json, &def, err, sizeof(err));
	if (ret && (ret != -EINVAL || !err[0] || def.nattrs || def.mdev_type[0]))
		fuzz_fail("refused with %d '%s', %d attributes left", ret, err,
			  def.nattrs);
	if (ret)
		return 0;
	if (!def.mdev_type[0] || def.nattrs > MDEVCTL_MAX_ATTRS)
		fuzz_fail("accepted without a type or with %d attributes",
			  def.nattrs);
	for (i = 0; i < def.nattrs; i++)
		if (strlen(def.attrs[i].name) >= MDEVCTL_MAX_TEXT ||
		    strlen(def.attrs[i].value) >= MDEVCTL_MAX_TEXT)
			fuzz_fail("attribute %d does not fit", i);
	if (strcmp(def.mdev_type, sim_mdev_type_name()))
		return 0;
	mdev = sim_mdev_create(FUZZ_UUID);
	if (IS_ERR(mdev))
		fuzz_fail("mdev create: %ld", PTR_ERR(mdev));
	mdevctl_apply(&mdev->dev, &def, err, sizeof(err));
	sim_mdev_remove(mdev);
	fuzz_check_locks();
	return 0;
}
