// SPDX-License-Identifier: GPL-2.0+
/*
 * vfio_ap: module set-up.  The driver binds AP queue devices, offers the
 * vfio_ap-passthrough mdev type on the "matrix" device, and hands the
 * queues of each mdev to the KVM guest that opens it.
 */

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <asm/facility.h>

#include "vfio_ap_private.h"

MODULE_DESCRIPTION("VFIO AP mediated device driver (vfio-ap project)");
MODULE_LICENSE("GPL");

struct ap_matrix_dev *matrix_dev;

static ssize_t features_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "guest_matrix hotplug ap_config\n");
}
static DEVICE_ATTR_RO(features);

static struct attribute *matrix_dev_attrs[] = {
	&dev_attr_features.attr,
	NULL,
};
ATTRIBUTE_GROUPS(matrix_dev);

/* the crypto express generations whose queues can be passed through */
static struct ap_device_id vfio_ap_queue_ids[] = {
	{ .dev_type = AP_DEVICE_TYPE_CEX4,
	  .match_flags = AP_DEVICE_ID_MATCH_QUEUE_TYPE },
	{ .dev_type = AP_DEVICE_TYPE_CEX5,
	  .match_flags = AP_DEVICE_ID_MATCH_QUEUE_TYPE },
	{ .dev_type = AP_DEVICE_TYPE_CEX6,
	  .match_flags = AP_DEVICE_ID_MATCH_QUEUE_TYPE },
	{ .dev_type = AP_DEVICE_TYPE_CEX7,
	  .match_flags = AP_DEVICE_ID_MATCH_QUEUE_TYPE },
	{ .dev_type = AP_DEVICE_TYPE_CEX8,
	  .match_flags = AP_DEVICE_ID_MATCH_QUEUE_TYPE },
	{ },
};

static struct ap_driver vfio_ap_drv = {
	.probe = vfio_ap_mdev_probe_queue,
	.remove = vfio_ap_mdev_remove_queue,
	.in_use = vfio_ap_mdev_resource_in_use,
	.on_config_changed = vfio_ap_on_cfg_changed,
	.on_scan_complete = vfio_ap_on_scan_complete,
	.ids = vfio_ap_queue_ids,
};

/*
 * The mdev core names the type "<driver of the parent>-passthrough": the
 * matrix device sits on a bus of its own and is bound to a driver named
 * vfio_ap, so that the type is vfio_ap-passthrough, as mdevctl and libvirt
 * expect.
 */
static const struct bus_type matrix_bus = {
	.name = VFIO_AP_MATRIX_NAME,
};

static struct device_driver matrix_driver = {
	.name = VFIO_AP_DRV_NAME,
	.bus = &matrix_bus,
	.suppress_bind_attrs = true,
};

static void matrix_dev_release(struct device *dev)
{
	struct ap_matrix_dev *matrix = container_of(dev, struct ap_matrix_dev,
						    device);

	kvfree(matrix->queues);
	kfree(matrix);
}

/* the parent of all mdevs: /sys/devices/vfio_ap/matrix */
static int matrix_dev_create(void)
{
	struct device *root;
	int ret;

	root = root_device_register(VFIO_AP_DRV_NAME);
	if (IS_ERR(root))
		return PTR_ERR(root);
	ret = bus_register(&matrix_bus);
	if (ret)
		goto err_root;

	matrix_dev = kzalloc(sizeof(*matrix_dev), GFP_KERNEL);
	if (!matrix_dev) {
		ret = -ENOMEM;
		goto err_bus;
	}
	matrix_dev->queues = kvcalloc(VFIO_AP_APQNS, sizeof(*matrix_dev->queues),
				      GFP_KERNEL);
	if (!matrix_dev->queues) {
		kfree(matrix_dev);
		ret = -ENOMEM;
		goto err_bus;
	}
	/* without QCI the host configuration stays empty */
	if (test_facility(12)) {
		ret = ap_qci(&matrix_dev->info);
		if (ret) {
			kvfree(matrix_dev->queues);
			kfree(matrix_dev);
			goto err_bus;
		}
	}
	mutex_init(&matrix_dev->guests_lock);
	mutex_init(&matrix_dev->mdevs_lock);
	INIT_LIST_HEAD(&matrix_dev->mdev_list);
	INIT_LIST_HEAD(&matrix_dev->resets);
	matrix_dev->vfio_ap_drv = &vfio_ap_drv;

	dev_set_name(&matrix_dev->device, "%s", VFIO_AP_MATRIX_NAME);
	matrix_dev->device.parent = root;
	matrix_dev->device.bus = &matrix_bus;
	matrix_dev->device.release = matrix_dev_release;
	matrix_dev->device.groups = matrix_dev_groups;
	ret = device_register(&matrix_dev->device);
	if (ret) {
		put_device(&matrix_dev->device);
		goto err_bus;
	}
	ret = driver_register(&matrix_driver);
	if (ret) {
		device_unregister(&matrix_dev->device);
		goto err_bus;
	}
	return 0;

err_bus:
	matrix_dev = NULL;
	bus_unregister(&matrix_bus);
err_root:
	root_device_unregister(root);
	return ret;
}

static void matrix_dev_destroy(void)
{
	struct device *root = matrix_dev->device.parent;

	driver_unregister(&matrix_driver);
	device_unregister(&matrix_dev->device);
	bus_unregister(&matrix_bus);
	root_device_unregister(root);
	matrix_dev = NULL;
}

static int __init vfio_ap_init(void)
{
	int ret;

	/* without AP instructions there is nothing to pass through */
	if (!ap_instructions_available())
		return -ENODEV;

	ret = matrix_dev_create();
	if (ret)
		return ret;

	ret = ap_driver_register(&vfio_ap_drv, THIS_MODULE, VFIO_AP_DRV_NAME);
	if (ret)
		goto err_matrix;

	ret = vfio_ap_mdev_register();
	if (ret)
		goto err_driver;
	return 0;

err_driver:
	ap_driver_unregister(&vfio_ap_drv);
err_matrix:
	matrix_dev_destroy();
	return ret;
}

static void __exit vfio_ap_exit(void)
{
	vfio_ap_mdev_unregister();
	ap_driver_unregister(&vfio_ap_drv);
	matrix_dev_destroy();
}

module_init(vfio_ap_init);
module_exit(vfio_ap_exit);
