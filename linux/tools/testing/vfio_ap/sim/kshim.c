// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel basics for the user-space build: counted allocation with failure
 * injection, printing, number parsing, devices and sysfs attributes.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <time.h>

#include <linux/kernel.h>

#include "sim.h"

unsigned int shim_warnings;
unsigned int shim_warn_ons;

static atomic_long allocs_live;
static atomic_long allocs_made;
static atomic_long fail_at;	/* allocs_made value that fails; 0: none */

void *kzalloc(size_t size, int flags)
{
	long n = atomic_fetch_add(&allocs_made, 1) + 1;
	long f = atomic_load(&fail_at);

	(void)flags;
	if (f && n == f) {
		atomic_store(&fail_at, 0);
		return NULL;
	}
	atomic_fetch_add(&allocs_live, 1);
	return calloc(1, size);
}

void *kvcalloc(size_t n, size_t size, int flags)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kzalloc(n * size, flags);
}

void kfree(const void *ptr)
{
	if (!ptr)
		return;
	atomic_fetch_sub(&allocs_live, 1);
	free((void *)ptr);
}

long shim_allocations_live(void)
{
	return atomic_load(&allocs_live);
}

long shim_allocations_made(void)
{
	return atomic_load(&allocs_made);
}

void shim_fail_nth_alloc(long nth)
{
	atomic_store(&fail_at, nth ? atomic_load(&allocs_made) + nth : 0);
}

static bool quiet_printk;
void (*shim_printk_hook)(const char *text);

void shim_printk(const char *level, const char *fmt, ...)
{
	void (*hook)(const char *text);
	char text[256];
	va_list ap;

	__atomic_fetch_add(&shim_warnings, 1, __ATOMIC_RELAXED);
	hook = __atomic_load_n(&shim_printk_hook, __ATOMIC_ACQUIRE);
	if (hook) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		hook(text);
	}
	if (quiet_printk || getenv("SIM_QUIET"))
		return;
	fprintf(stderr, "[%s] ", level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static atomic_uint ratelimit_epoch;

void shim_ratelimit_reset(void)
{
	atomic_fetch_add(&ratelimit_epoch, 1);
}

bool shim_ratelimit_ok(struct shim_ratelimit *rs)
{
	struct timespec ts;
	long long now;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	pthread_mutex_lock(&rs->lock);
	if (!rs->begin_ns || rs->epoch != atomic_load(&ratelimit_epoch) ||
	    now - rs->begin_ns >= SHIM_RATELIMIT_SECONDS * 1000000000LL) {
		rs->epoch = atomic_load(&ratelimit_epoch);
		rs->begin_ns = now;
		rs->printed = 0;
	}
	ok = rs->printed < SHIM_RATELIMIT_BURST;
	rs->printed += ok;
	pthread_mutex_unlock(&rs->lock);
	return ok;
}

int hex_to_bin(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;		/* lower case */
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

int kstrtoul(const char *s, unsigned int base, unsigned long *res)
{
	unsigned long long v;
	char *end;

	/* the kernel takes no sign and no leading space */
	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	if (*end == '\n')
		end++;
	if (*end)
		return -EINVAL;
	*res = v;
	return 0;
}

static atomic_bool sleep_real;
static atomic_ulong sleeps;

unsigned long shim_sleeps(void)
{
	return atomic_load(&sleeps);
}

static atomic_uint sleep_scale = 1;

void shim_sleep_scale(unsigned int us_per_ms)
{
	atomic_store(&sleep_scale, us_per_ms);
}

void shim_real_sleep(bool real)
{
	atomic_store(&sleep_real, real);
}

void (*shim_msleep_hook)(void);

void shim_msleep(unsigned int ms, const struct lockval_site *site)
{
	long ns = (long)ms * (atomic_load(&sleep_real) ? 1000000L :
			      1000L * atomic_load(&sleep_scale));
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };
	void (*hook)(void);

	lockval_might_sleep(site);
	atomic_fetch_add(&sleeps, 1);
	hook = __atomic_exchange_n(&shim_msleep_hook, NULL, __ATOMIC_ACQ_REL);
	if (hook)
		hook();
	nanosleep(&ts, NULL);
}

/* ---- devices ---- */

void device_initialize(struct device *dev)
{
	if (dev->initialized)
		return;
	init_rwsem(&dev->kn_active);
	dev->initialized = true;
}

int dev_set_name(struct device *dev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dev->name, sizeof(dev->name), fmt, ap);
	va_end(ap);
	return 0;
}

/* buses: devices and the driver of each, to bind them as the core does */
#define MAX_BUS_DEVICES 8
static struct {
	const struct bus_type *bus;
	struct device_driver *drv;
	struct device *devs[MAX_BUS_DEVICES];
} buses[2];
static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;

static int bus_slot(const struct bus_type *bus)
{
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(buses); i++)
		if (buses[i].bus == bus)
			return i;
	return -1;
}

int bus_register(const struct bus_type *bus)
{
	int i, ret = -ENOSPC;

	pthread_mutex_lock(&bus_lock);
	for (i = 0; i < (int)ARRAY_SIZE(buses); i++) {
		if (!buses[i].bus) {
			memset(&buses[i], 0, sizeof(buses[i]));
			buses[i].bus = bus;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&bus_lock);
	return ret;
}

void bus_unregister(const struct bus_type *bus)
{
	int i;

	pthread_mutex_lock(&bus_lock);
	i = bus_slot(bus);
	if (i >= 0)
		buses[i].bus = NULL;
	pthread_mutex_unlock(&bus_lock);
}

static void bind_all(int slot, struct device_driver *drv)
{
	int i;

	buses[slot].drv = drv;
	for (i = 0; i < MAX_BUS_DEVICES; i++)
		if (buses[slot].devs[i])
			buses[slot].devs[i]->driver = drv;
}

int driver_register(struct device_driver *drv)
{
	int i;

	pthread_mutex_lock(&bus_lock);
	i = drv->bus ? bus_slot(drv->bus) : -1;
	if (i >= 0)
		bind_all(i, drv);
	pthread_mutex_unlock(&bus_lock);
	return i >= 0 ? 0 : -EINVAL;
}

void driver_unregister(struct device_driver *drv)
{
	int i;

	pthread_mutex_lock(&bus_lock);
	i = bus_slot(drv->bus);
	if (i >= 0)
		bind_all(i, NULL);
	pthread_mutex_unlock(&bus_lock);
}

const char *dev_driver_string(const struct device *dev)
{
	if (dev->driver)
		return dev->driver->name;
	return dev->bus ? dev->bus->name : "";
}

/* add or take @dev from its bus's device table */
static int bus_attach(struct device *dev, bool attach)
{
	int slot, i, ret = attach ? -ENOSPC : 0;

	pthread_mutex_lock(&bus_lock);
	slot = bus_slot(dev->bus);
	for (i = 0; slot >= 0 && i < MAX_BUS_DEVICES; i++) {
		if (attach && !buses[slot].devs[i]) {
			buses[slot].devs[i] = dev;
			dev->driver = buses[slot].drv;
			ret = 0;
			break;
		}
		if (!attach && buses[slot].devs[i] == dev) {
			buses[slot].devs[i] = NULL;
			dev->driver = NULL;
		}
	}
	pthread_mutex_unlock(&bus_lock);
	return slot < 0 ? -EINVAL : ret;
}

int device_register(struct device *dev)
{
	device_initialize(dev);
	return dev->bus ? bus_attach(dev, true) : 0;
}

void put_device(struct device *dev)
{
	if (dev->release)
		dev->release(dev);
}

void device_unregister(struct device *dev)
{
	if (dev->bus)
		bus_attach(dev, false);
	/* attributes go first; the kernel waits for readers here too */
	down_write(&dev->kn_active);
	dev->groups = NULL;
	up_write(&dev->kn_active);
	put_device(dev);
}

static void root_release(struct device *dev)
{
	free(dev);
}

struct device *root_device_register(const char *name)
{
	struct device *root = calloc(1, sizeof(*root));

	if (!root)
		return ERR_PTR(-ENOMEM);
	dev_set_name(root, "%s", name);
	root->release = root_release;
	device_register(root);
	return root;
}

void root_device_unregister(struct device *root)
{
	device_unregister(root);
}

void (*shim_after_create_group)(struct device *dev);

int sysfs_create_group(struct kobject *kobj, const struct attribute_group *grp)
{
	struct device *dev = kobj_to_dev(kobj);
	int i, ret = -ENOSPC;
	void *token;

	/* the kernel allocates the group's kernfs nodes: this can fail */
	token = kzalloc(1, GFP_KERNEL);
	if (!token)
		return -ENOMEM;
	kfree(token);

	down_write(&dev->kn_active);
	for (i = 0; i < SHIM_EXTRA_GROUPS; i++) {
		if (!dev->extra[i]) {
			dev->extra[i] = grp;
			ret = 0;
			break;
		}
	}
	up_write(&dev->kn_active);
	if (!ret && shim_after_create_group)
		shim_after_create_group(dev);
	return ret;
}

void (*shim_before_remove_group)(struct device *dev);

void sysfs_remove_group(struct kobject *kobj, const struct attribute_group *grp)
{
	struct device *dev = kobj_to_dev(kobj);
	int i;

	if (shim_before_remove_group)
		shim_before_remove_group(dev);
	down_write(&dev->kn_active);
	for (i = 0; i < SHIM_EXTRA_GROUPS; i++)
		if (dev->extra[i] == grp)
			dev->extra[i] = NULL;
	up_write(&dev->kn_active);
}

static int emit_va(char *buf, int at, const char *fmt, va_list ap)
{
	int n;

	if (at < 0 || at >= (int)PAGE_SIZE)
		return 0;
	n = vsnprintf(buf + at, PAGE_SIZE - at, fmt, ap);
	if (n >= (int)PAGE_SIZE - at)
		n = PAGE_SIZE - at - 1;
	return n;
}

int sysfs_emit(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = emit_va(buf, 0, fmt, ap);
	va_end(ap);
	return n;
}

int sysfs_emit_at(char *buf, int at, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = emit_va(buf, at, fmt, ap);
	va_end(ap);
	return n;
}

static struct device_attribute *find_in(const struct attribute_group *grp,
					const char *name)
{
	struct attribute **a;

	if (!grp)
		return NULL;
	for (a = grp->attrs; *a; a++)
		if (!strcmp((*a)->name, name))
			return container_of(*a, struct device_attribute, attr);
	return NULL;
}

/* called with kn_active held for read */
static struct device_attribute *find_attr(struct device *dev, const char *name)
{
	const struct attribute_group **g;
	struct device_attribute *da;
	int i;

	for (g = dev->groups; g && *g; g++)
		if ((da = find_in(*g, name)))
			return da;
	for (g = dev->driver_groups; g && *g; g++)
		if ((da = find_in(*g, name)))
			return da;
	for (i = 0; i < SHIM_EXTRA_GROUPS; i++)
		if ((da = find_in(dev->extra[i], name)))
			return da;
	return NULL;
}

ssize_t shim_attr_show(struct device *dev, const char *name, char *buf)
{
	struct device_attribute *da;
	ssize_t ret = -ENOENT;

	down_read(&dev->kn_active);
	da = find_attr(dev, name);
	if (da)
		ret = da->show ? da->show(dev, da, buf) : -EACCES;
	up_read(&dev->kn_active);
	if (ret >= 0)
		buf[ret] = '\0';
	return ret;
}

ssize_t sim_attr_store(struct device *dev, const char *name, const char *buf,
		       size_t count)
{
	struct device_attribute *da;
	ssize_t ret = -ENOENT;

	down_read(&dev->kn_active);
	da = find_attr(dev, name);
	if (da)
		ret = da->store ? da->store(dev, da, buf, count) : -EACCES;
	up_read(&dev->kn_active);
	return ret;
}

ssize_t shim_attr_store(struct device *dev, const char *name, const char *val)
{
	return sim_attr_store(dev, name, val, strlen(val));
}

static int each_in(const struct attribute_group *grp,
		   int (*fn)(void *arg, const char *name, unsigned int mode),
		   void *arg)
{
	struct attribute **a;
	int ret = 0;

	for (a = grp && grp->attrs ? grp->attrs : NULL; a && *a && !ret; a++)
		ret = fn(arg, (*a)->name, (*a)->mode);
	return ret;
}

int sim_attr_for_each(struct device *dev,
		      int (*fn)(void *arg, const char *name, unsigned int mode),
		      void *arg)
{
	const struct attribute_group **g;
	int i, ret = 0;

	down_read(&dev->kn_active);
	for (g = dev->groups; g && *g && !ret; g++)
		ret = each_in(*g, fn, arg);
	for (g = dev->driver_groups; g && *g && !ret; g++)
		ret = each_in(*g, fn, arg);
	for (i = 0; i < SHIM_EXTRA_GROUPS && !ret; i++)
		ret = each_in(dev->extra[i], fn, arg);
	up_read(&dev->kn_active);
	return ret;
}

int sim_attr_write(struct device *dev, const char *name, const char *val)
{
	ssize_t ret = shim_attr_store(dev, name, val);

	return ret < 0 ? (int)ret : 0;
}

ssize_t sim_attr_read(struct device *dev, const char *name, char *buf)
{
	return shim_attr_show(dev, name, buf);
}

/* ---- masks ---- */

int sim_mask_parse(const char *list, unsigned long *mask)
{
	const char *s = list;
	char *end;

	bitmap_zero(mask, 256);
	while (*s) {
		unsigned long a = strtoul(s, &end, 0), b = a;

		if (end == s)
			return -EINVAL;
		s = end;
		if (*s == '-') {
			b = strtoul(s + 1, &end, 0);
			if (end == s + 1)
				return -EINVAL;
			s = end;
		}
		if (a > b || b > 255)
			return -EINVAL;
		for (; a <= b; a++)
			set_bit_inv(a, mask);
		if (*s == ',')
			s++;
		else if (*s)
			return -EINVAL;
	}
	return 0;
}

void sim_mask_format(const unsigned long *mask, char *out, size_t size)
{
	unsigned long bit, first;
	size_t n = 0;

	out[0] = '\0';
	for_each_set_bit_inv(bit, mask, 256) {
		first = bit;
		while (bit + 1 < 256 && test_bit_inv(bit + 1, mask))
			bit++;
		if (first == bit)
			n += snprintf(out + n, n < size ? size - n : 0, "%s%lu",
				      n ? "," : "", first);
		else
			n += snprintf(out + n, n < size ? size - n : 0,
				      "%s%lu-%lu", n ? "," : "", first, bit);
	}
	if (!n && size)
		snprintf(out, size, "-");
}
