// SPDX-License-Identifier: GPL-2.0+
/*
 * vfio_ap: the sysfs attributes of a vfio_ap mdev, by which the
 * administrator assigns adapters, usage domains and control domains, and
 * reads what is assigned and what the guest really has.
 */

#include <linux/bitmap.h>
#include <linux/build_bug.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "vfio_ap_private.h"

/* the masks are shown and parsed as 64-bit words */
static_assert(BITS_PER_LONG == 64);

enum ap_id_kind {
	AP_ID_ADAPTER,
	AP_ID_DOMAIN,
	AP_ID_CONTROL_DOMAIN,
};

/**
 * validate_apqns - check APQNs before an mdev gets them
 * @matrix_mdev: the mdev
 * @apm: adapters of the APQNs to check
 * @aqm: domains of the APQNs to check
 *
 * Return: 0; -EADDRNOTAVAIL if the AP bus keeps any of them for the host's
 * own drivers; -EADDRINUSE if another mdev has any of them.
 */
static int validate_apqns(struct ap_matrix_mdev *matrix_mdev,
			  unsigned long *apm, unsigned long *aqm)
{
	struct ap_matrix_mdev *other;
	int ret;

	lockdep_assert_held(&ap_perms_mutex);
	lockdep_assert_held(&matrix_dev->mdevs_lock);
	ret = ap_apqn_in_matrix_owned_by_def_drv(apm, aqm);
	if (ret)
		return ret < 0 ? ret : -EADDRNOTAVAIL;
	list_for_each_entry(other, &matrix_dev->mdev_list, node) {
		if (other != matrix_mdev &&
		    bitmap_intersects(apm, other->matrix.apm, AP_DEVICES) &&
		    bitmap_intersects(aqm, other->matrix.aqm, AP_DOMAINS))
			return -EADDRINUSE;
	}
	return 0;
}

static int assign_id(struct ap_matrix_mdev *matrix_mdev, enum ap_id_kind kind,
		     unsigned long id)
{
	struct ap_matrix *matrix = &matrix_mdev->matrix;
	DECLARE_BITMAP(one, AP_DEVICES);
	int ret = 0;

	/* a queue's owner is searched for under guests_lock alone */
	lockdep_assert_held(&matrix_dev->guests_lock);
	lockdep_assert_held(&matrix_dev->mdevs_lock);
	bitmap_zero(one, AP_DEVICES);
	set_bit_inv(id, one);
	switch (kind) {
	case AP_ID_ADAPTER:
		if (test_bit_inv(id, matrix->apm))
			return 0;
		ret = validate_apqns(matrix_mdev, one, matrix->aqm);
		if (ret)
			return ret;
		set_bit_inv(id, matrix->apm);
		vfio_ap_mdev_link_apqns(matrix_mdev, one, matrix->aqm);
		vfio_ap_mdev_filter_adapter(matrix_mdev, id);
		break;
	case AP_ID_DOMAIN:
		if (test_bit_inv(id, matrix->aqm))
			return 0;
		ret = validate_apqns(matrix_mdev, matrix->apm, one);
		if (ret)
			return ret;
		set_bit_inv(id, matrix->aqm);
		vfio_ap_mdev_link_apqns(matrix_mdev, matrix->apm, one);
		vfio_ap_mdev_filter_domains(matrix_mdev);
		break;
	case AP_ID_CONTROL_DOMAIN:
		set_bit_inv(id, matrix->adm);
		vfio_ap_mdev_filter_domains(matrix_mdev);
		break;
	}
	return 0;
}

static void unassign_id(struct ap_matrix_mdev *matrix_mdev,
			enum ap_id_kind kind, unsigned long id)
{
	struct ap_matrix *matrix = &matrix_mdev->matrix;
	DECLARE_BITMAP(one, AP_DEVICES);

	lockdep_assert_held(&matrix_dev->guests_lock);
	lockdep_assert_held(&matrix_dev->mdevs_lock);
	bitmap_zero(one, AP_DEVICES);
	set_bit_inv(id, one);
	switch (kind) {
	case AP_ID_ADAPTER:
		vfio_ap_mdev_unlink_apqns(matrix_mdev, one, matrix->aqm);
		clear_bit_inv(id, matrix->apm);
		vfio_ap_mdev_filter_adapter(matrix_mdev, id);
		break;
	case AP_ID_DOMAIN:
		vfio_ap_mdev_unlink_apqns(matrix_mdev, matrix->apm, one);
		clear_bit_inv(id, matrix->aqm);
		vfio_ap_mdev_filter_domains(matrix_mdev);
		break;
	case AP_ID_CONTROL_DOMAIN:
		clear_bit_inv(id, matrix->adm);
		vfio_ap_mdev_filter_domains(matrix_mdev);
		break;
	}
}

static unsigned long id_max(const struct ap_matrix *matrix, enum ap_id_kind kind)
{
	switch (kind) {
	case AP_ID_ADAPTER:
		return matrix->apm_max;
	case AP_ID_DOMAIN:
		return matrix->aqm_max;
	default:
		return matrix->adm_max;
	}
}

/**
 * change_assignment - assign or unassign one id and update the guest
 * @dev: the mdev's device
 * @buf: the id written, decimal or 0x-prefixed hex
 * @kind: adapter, domain or control domain
 * @assign: true to assign, false to unassign
 *
 * An assignment takes ap_perms_mutex before the update locks: the AP bus
 * calls vfio_ap_mdev_resource_in_use() with ap_perms_mutex held, and that
 * takes guests_lock, so the two orders must agree.
 *
 * Return: 0, or a negative error with nothing changed.
 */
static int change_assignment(struct device *dev, const char *buf,
			     enum ap_id_kind kind, bool assign)
{
	struct ap_matrix_mdev *matrix_mdev = dev_get_drvdata(dev);
	struct ap_matrix old_apcb;
	unsigned long id;
	int ret;

	ret = kstrtoul(buf, 0, &id);
	if (ret)
		return ret;

	if (assign)
		mutex_lock(&ap_perms_mutex);
	get_update_locks_for_mdev(matrix_mdev);
	if (id > id_max(&matrix_mdev->matrix, kind)) {
		ret = -ENODEV;
		goto out;
	}
	old_apcb = matrix_mdev->shadow_apcb;
	if (assign)
		ret = assign_id(matrix_mdev, kind, id);
	else
		unassign_id(matrix_mdev, kind, id);
	vfio_ap_mdev_commit_apcb(matrix_mdev, &old_apcb);
out:
	release_update_locks_for_mdev(matrix_mdev);
	if (assign)
		mutex_unlock(&ap_perms_mutex);
	return ret;
}

static ssize_t assign_adapter_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	return change_assignment(dev, buf, AP_ID_ADAPTER, true) ?: count;
}
static DEVICE_ATTR_WO(assign_adapter);

static ssize_t unassign_adapter_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t count)
{
	return change_assignment(dev, buf, AP_ID_ADAPTER, false) ?: count;
}
static DEVICE_ATTR_WO(unassign_adapter);

static ssize_t assign_domain_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	return change_assignment(dev, buf, AP_ID_DOMAIN, true) ?: count;
}
static DEVICE_ATTR_WO(assign_domain);

static ssize_t unassign_domain_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	return change_assignment(dev, buf, AP_ID_DOMAIN, false) ?: count;
}
static DEVICE_ATTR_WO(unassign_domain);

static ssize_t assign_control_domain_store(struct device *dev,
					   struct device_attribute *attr,
					   const char *buf, size_t count)
{
	return change_assignment(dev, buf, AP_ID_CONTROL_DOMAIN, true) ?: count;
}
static DEVICE_ATTR_WO(assign_control_domain);

static ssize_t unassign_control_domain_store(struct device *dev,
					     struct device_attribute *attr,
					     const char *buf, size_t count)
{
	return change_assignment(dev, buf, AP_ID_CONTROL_DOMAIN, false) ?: count;
}
static DEVICE_ATTR_WO(unassign_control_domain);

/*
 * One line per APQN "aa.dddd"; "aa." or ".dddd" when the other side is
 * empty.  Output past one page is cut, as sysfs must.
 */
static int emit_matrix(char *buf, const unsigned long *apm,
		       const unsigned long *aqm)
{
	unsigned long apid, apqi;
	int n = 0;

	if (bitmap_empty(aqm, AP_DOMAINS)) {
		for_each_set_bit_inv(apid, apm, AP_DEVICES)
			n += sysfs_emit_at(buf, n, "%02lx.\n", apid);
		return n;
	}
	if (bitmap_empty(apm, AP_DEVICES)) {
		for_each_set_bit_inv(apqi, aqm, AP_DOMAINS)
			n += sysfs_emit_at(buf, n, ".%04lx\n", apqi);
		return n;
	}
	for_each_set_bit_inv(apid, apm, AP_DEVICES)
		for_each_set_bit_inv(apqi, aqm, AP_DOMAINS)
			n += sysfs_emit_at(buf, n, "%02lx.%04lx\n", apid, apqi);
	return n;
}

static ssize_t matrix_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct ap_matrix_mdev *matrix_mdev = dev_get_drvdata(dev);
	ssize_t n;

	mutex_lock(&matrix_dev->mdevs_lock);
	n = emit_matrix(buf, matrix_mdev->matrix.apm, matrix_mdev->matrix.aqm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	return n;
}
static DEVICE_ATTR_RO(matrix);

static ssize_t guest_matrix_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct ap_matrix_mdev *matrix_mdev = dev_get_drvdata(dev);
	ssize_t n;

	mutex_lock(&matrix_dev->mdevs_lock);
	n = emit_matrix(buf, matrix_mdev->shadow_apcb.apm,
			matrix_mdev->shadow_apcb.aqm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	return n;
}
static DEVICE_ATTR_RO(guest_matrix);

static ssize_t control_domains_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct ap_matrix_mdev *matrix_mdev = dev_get_drvdata(dev);
	unsigned long id;
	int n = 0;

	mutex_lock(&matrix_dev->mdevs_lock);
	for_each_set_bit_inv(id, matrix_mdev->matrix.adm, AP_DOMAINS)
		n += sysfs_emit_at(buf, n, "%04lx\n", id);
	mutex_unlock(&matrix_dev->mdevs_lock);
	return n;
}
static DEVICE_ATTR_RO(control_domains);

/* a 256-bit mask as 0x and 64 hex digits, id 0 in the leftmost bit */
static int emit_mask(char *buf, int at, const unsigned long *mask)
{
	int word, n = sysfs_emit_at(buf, at, "0x");

	for (word = 0; word < BITS_TO_LONGS(AP_DEVICES); word++)
		n += sysfs_emit_at(buf, at + n, "%016lx", mask[word]);
	return n;
}

static ssize_t ap_config_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct ap_matrix_mdev *matrix_mdev = dev_get_drvdata(dev);
	struct ap_matrix *matrix = &matrix_mdev->matrix;
	int n;

	mutex_lock(&matrix_dev->mdevs_lock);
	n = emit_mask(buf, 0, matrix->apm);
	n += sysfs_emit_at(buf, n, ",");
	n += emit_mask(buf, n, matrix->aqm);
	n += sysfs_emit_at(buf, n, ",");
	n += emit_mask(buf, n, matrix->adm);
	n += sysfs_emit_at(buf, n, "\n");
	mutex_unlock(&matrix_dev->mdevs_lock);
	return n;
}

/*
 * One mask of an ap_config write, as Linux 6.12 reads it: an optional "0x"
 * or "x", then at most 64 hex digits, the first of them ids 0-3 (fewer
 * digits leave the higher ids clear, none at all is an empty mask), up to
 * @len characters.
 */
static int parse_mask(const char *s, size_t len, unsigned long *mask)
{
	size_t i = 0;
	int id = 0, b, n;

	bitmap_zero(mask, AP_DEVICES);
	if (len >= 2 && s[0] == '0' && s[1] == 'x')
		i = 1;
	if (i < len && s[i] == 'x')
		i++;
	for (; i < len; i++, id += 4) {
		b = hex_to_bin(s[i]);
		if (b < 0 || id >= AP_DEVICES)
			return -EINVAL;
		for (n = 0; n < 4; n++)
			if (b & (0x08 >> n))
				set_bit_inv(id + n, mask);
	}
	return 0;
}

/*
 * The three masks, each ending at a ',' or a newline as 6.12's strsep()
 * splits them; what follows the third one is not looked at, as in 6.12.
 */
static int parse_ap_config(const char *buf, struct ap_matrix *new)
{
	unsigned long *masks[] = { new->apm, new->aqm, new->adm };
	const char *s = buf;
	size_t len;
	int i;

	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		if (!s)
			return -EINVAL;
		len = strcspn(s, ",\n");
		if (parse_mask(s, len, masks[i]))
			return -EINVAL;
		s = s[len] ? s + len + 1 : NULL;
	}
	return 0;
}

/* whether a mask has an id above @max */
static bool beyond(const unsigned long *mask, unsigned long max,
		   unsigned long size)
{
	return max + 1 < size && find_next_bit_inv(mask, size, max + 1) < size;
}

/* give an mdev a whole new matrix; the queues follow */
static void replace_matrix(struct ap_matrix_mdev *matrix_mdev,
			   const struct ap_matrix *new)
{
	struct ap_matrix *matrix = &matrix_mdev->matrix;
	unsigned long apid, apqi;
	struct vfio_ap_queue *q;

	lockdep_assert_held(&matrix_dev->guests_lock);
	lockdep_assert_held(&matrix_dev->mdevs_lock);

	for_each_set_bit_inv(apid, matrix->apm, AP_DEVICES) {
		for_each_set_bit_inv(apqi, matrix->aqm, AP_DOMAINS) {
			if (test_bit_inv(apid, new->apm) &&
			    test_bit_inv(apqi, new->aqm))
				continue;
			q = vfio_ap_mdev_get_queue(matrix_mdev,
						   AP_MKQID(apid, apqi));
			if (q)
				vfio_ap_mdev_unlink_queue(q);
		}
	}
	bitmap_copy(matrix->apm, new->apm, AP_DEVICES);
	bitmap_copy(matrix->aqm, new->aqm, AP_DOMAINS);
	bitmap_copy(matrix->adm, new->adm, AP_DOMAINS);
	vfio_ap_mdev_link_apqns(matrix_mdev, matrix->apm, matrix->aqm);
}

/*
 * Write all three masks at once: either all of the new configuration is
 * taken or, on any error, none of it.
 */
static ssize_t ap_config_store(struct device *dev,
			       struct device_attribute *attr,
			       const char *buf, size_t count)
{
	struct ap_matrix_mdev *matrix_mdev = dev_get_drvdata(dev);
	struct ap_matrix new, old_apcb;
	int ret;

	ret = parse_ap_config(buf, &new);
	if (ret)
		return ret;

	mutex_lock(&ap_perms_mutex);
	get_update_locks_for_mdev(matrix_mdev);
	/* in Linux 6.12's order: the APQNs first, then the ids' range */
	ret = validate_apqns(matrix_mdev, new.apm, new.aqm);
	if (ret)
		goto out;
	if (beyond(new.apm, matrix_mdev->matrix.apm_max, AP_DEVICES) ||
	    beyond(new.aqm, matrix_mdev->matrix.aqm_max, AP_DOMAINS) ||
	    beyond(new.adm, matrix_mdev->matrix.adm_max, AP_DOMAINS)) {
		ret = -ENODEV;
		goto out;
	}
	old_apcb = matrix_mdev->shadow_apcb;
	replace_matrix(matrix_mdev, &new);
	vfio_ap_mdev_filter_matrix(matrix_mdev);
	vfio_ap_mdev_commit_apcb(matrix_mdev, &old_apcb);
out:
	release_update_locks_for_mdev(matrix_mdev);
	mutex_unlock(&ap_perms_mutex);
	return ret ?: count;
}
static DEVICE_ATTR_RW(ap_config);

static struct attribute *vfio_ap_mdev_attrs[] = {
	&dev_attr_assign_adapter.attr,
	&dev_attr_unassign_adapter.attr,
	&dev_attr_assign_domain.attr,
	&dev_attr_unassign_domain.attr,
	&dev_attr_assign_control_domain.attr,
	&dev_attr_unassign_control_domain.attr,
	&dev_attr_ap_config.attr,
	&dev_attr_control_domains.attr,
	&dev_attr_matrix.attr,
	&dev_attr_guest_matrix.attr,
	NULL,
};

static const struct attribute_group vfio_ap_mdev_attr_group = {
	.attrs = vfio_ap_mdev_attrs,
};

const struct attribute_group *vfio_ap_mdev_attr_groups[] = {
	&vfio_ap_mdev_attr_group,
	NULL,
};
