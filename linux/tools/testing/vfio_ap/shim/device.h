/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Devices, driver-core attributes and sysfs for the user-space build.
 *
 * Reading or writing an attribute holds the device's "kernfs active"
 * reference, modelled as an rwsem taken for read; removing an attribute
 * group takes it for write, as kernfs waits for every reader to leave.  So
 * the validator sees it when a driver removes attributes while holding a
 * lock that the attribute's own show or store takes.
 */
#ifndef _SHIM_DEVICE_H
#define _SHIM_DEVICE_H

#include "kernel.h"

#define PAGE_BUF_SIZE	PAGE_SIZE

struct device;
struct module;
#define THIS_MODULE	((struct module *)0)

struct attribute {
	const char *name;
	unsigned short mode;
};

struct attribute_group {
	const char *name;
	struct attribute **attrs;
};

struct device_attribute {
	struct attribute attr;
	ssize_t (*show)(struct device *dev, struct device_attribute *attr,
			char *buf);
	ssize_t (*store)(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count);
};

#define __ATTR_RO(_name) { .attr = { .name = #_name, .mode = 0444 }, .show = _name##_show }
#define __ATTR_WO(_name) { .attr = { .name = #_name, .mode = 0200 }, .store = _name##_store }
#define __ATTR_RW(_name) { .attr = { .name = #_name, .mode = 0644 }, \
			   .show = _name##_show, .store = _name##_store }
#define DEVICE_ATTR_RO(_name) struct device_attribute dev_attr_##_name = __ATTR_RO(_name)
#define DEVICE_ATTR_WO(_name) struct device_attribute dev_attr_##_name = __ATTR_WO(_name)
#define DEVICE_ATTR_RW(_name) struct device_attribute dev_attr_##_name = __ATTR_RW(_name)

#define ATTRIBUTE_GROUPS(_name)						\
	static const struct attribute_group _name##_group = {		\
		.attrs = _name##_attrs,					\
	};								\
	static const struct attribute_group *_name##_groups[] = {	\
		&_name##_group,						\
		NULL,							\
	}

struct bus_type {
	const char *name;
};

struct device_driver {
	const char *name;
	const struct bus_type *bus;
	bool suppress_bind_attrs;
	struct module *owner;
	const char *mod_name;
	const struct attribute_group **dev_groups;
};

struct kobject {
	int unused;
};

#define SHIM_EXTRA_GROUPS 4

struct device {
	char name[64];
	struct device *parent;
	const struct bus_type *bus;
	struct device_driver *driver;	/* bound driver, on a bus */
	void (*release)(struct device *dev);
	const struct attribute_group **groups;
	const struct attribute_group **driver_groups;	/* while bound */
	const struct attribute_group *extra[SHIM_EXTRA_GROUPS];
	struct kobject kobj;
	void *driver_data;
	struct rw_semaphore kn_active;
	bool initialized;
};

#define kobj_to_dev(k) container_of(k, struct device, kobj)

static inline void dev_set_drvdata(struct device *dev, void *data)
{
	dev->driver_data = data;
}

static inline void *dev_get_drvdata(const struct device *dev)
{
	return dev->driver_data;
}

static inline const char *dev_name(const struct device *dev)
{
	return dev->name;
}

void device_initialize(struct device *dev);
int dev_set_name(struct device *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int device_register(struct device *dev);
void device_unregister(struct device *dev);
void put_device(struct device *dev);
struct device *root_device_register(const char *name);
void root_device_unregister(struct device *root);

/* a bus keeps one driver here, bound to every device on that bus */
int bus_register(const struct bus_type *bus);
void bus_unregister(const struct bus_type *bus);
int driver_register(struct device_driver *drv);
void driver_unregister(struct device_driver *drv);
const char *dev_driver_string(const struct device *dev);

int sysfs_create_group(struct kobject *kobj, const struct attribute_group *grp);
void sysfs_remove_group(struct kobject *kobj, const struct attribute_group *grp);
int sysfs_emit(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int sysfs_emit_at(char *buf, int at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* what user space does: one read or write of a named attribute */
ssize_t shim_attr_show(struct device *dev, const char *name, char *buf);
ssize_t shim_attr_store(struct device *dev, const char *name, const char *buf);
/* for tests: called inside sysfs_create_group, after the group appears */
extern void (*shim_after_create_group)(struct device *dev);
/* called as a group is about to be removed, while it can still be read */
extern void (*shim_before_remove_group)(struct device *dev);

#define MODULE_DESCRIPTION(x)
#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define module_init(fn)	int shim_module_init(void) { return fn(); }
#define module_exit(fn)	void shim_module_exit(void) { fn(); }
int shim_module_init(void);
void shim_module_exit(void);

#endif /* _SHIM_DEVICE_H */
