/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mdevctl's JSON definition of a vfio_ap-passthrough mdev: its type and the
 * ordered list of attributes to write, e.g.
 *
 *   { "mdev_type": "vfio_ap-passthrough", "start": "auto",
 *     "attrs": [ { "assign_adapter": "0x04" }, { "assign_domain": "0x0005" } ] }
 */
#ifndef _VFIO_AP_SIM_MDEVCTL_H
#define _VFIO_AP_SIM_MDEVCTL_H

#include <stddef.h>

#define MDEVCTL_MAX_ATTRS	512
#define MDEVCTL_MAX_TEXT	64

struct mdevctl_attr {
	char name[MDEVCTL_MAX_TEXT];
	char value[MDEVCTL_MAX_TEXT];
};

struct mdevctl_def {
	char mdev_type[MDEVCTL_MAX_TEXT];
	int nattrs;
	struct mdevctl_attr attrs[MDEVCTL_MAX_ATTRS];
};

/*
 * Parse @json into @def.  Returns 0, or -EINVAL with the reason, and where
 * in the text, in @err.
 */
int mdevctl_parse(const char *json, struct mdevctl_def *def, char *err,
		  size_t errlen);

struct device;

/*
 * Write the attributes of @def, in order, to the mdev @dev.  Returns 0, or
 * the error of the first write that failed, named in @err; the writes
 * before it stay done (the caller removes the mdev).
 */
int mdevctl_apply(struct device *dev, const struct mdevctl_def *def,
		  char *err, size_t errlen);

#endif /* _VFIO_AP_SIM_MDEVCTL_H */
