// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO and mdev core for the user-space build: mdev creation and
 * removal, device open/close/ioctl as user space does them, DMA mappings
 * with page pinning (counted, so a leak shows), eventfds and user copies.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

bool sim_vfio_obey_requests = true;
bool sim_vfio_drop_unpins;

static struct mdev_driver *mdev_drv;
static struct mdev_parent *mdev_par;
static char type_name[64];
static atomic_ulong vfio_errors;

/* the core's own lock, not the driver's: its misuse is counted instead */
static pthread_mutex_t core_lock = PTHREAD_MUTEX_INITIALIZER;

#define MAX_VDEVS 1024
static struct vfio_device *registered[MAX_VDEVS];

/* DMA mappings of the devices, and pinned pages in them */
struct dma_map {
	struct vfio_device *vdev;
	u64 iova, size;
	char *host;
};

#define MAX_MAPS 64
static struct dma_map maps[MAX_MAPS];

unsigned long sim_vfio_errors(void)
{
	return atomic_load(&vfio_errors);
}

static void core_error(const char *what)
{
	atomic_fetch_add(&vfio_errors, 1);
	fprintf(stderr, "vfio core: %s\n", what);
}

struct vfio_device *_vfio_alloc_device(size_t size, struct device *dev,
				       const struct vfio_device_ops *ops)
{
	struct vfio_device *vdev = kzalloc(size, GFP_KERNEL);
	int ret;

	if (!vdev)
		return ERR_PTR(-ENOMEM);
	vdev->dev = dev;
	vdev->ops = ops;
	vdev->alloc_size = size;
	mutex_init(&vdev->dev_set_lock);
	if (ops->init) {
		ret = ops->init(vdev);
		if (ret) {
			kfree(vdev);
			return ERR_PTR(ret);
		}
	}
	return vdev;
}

void vfio_put_device(struct vfio_device *vdev)
{
	if (vdev->registered)
		core_error("put of a registered device");
	if (vdev->ops->release)
		vdev->ops->release(vdev);
	kfree(vdev);
}

int vfio_register_emulated_iommu_dev(struct vfio_device *vdev)
{
	int i;

	pthread_mutex_lock(&core_lock);
	for (i = 0; i < MAX_VDEVS; i++) {
		if (!registered[i]) {
			registered[i] = vdev;
			vdev->registered = true;
			break;
		}
	}
	pthread_mutex_unlock(&core_lock);
	return vdev->registered ? 0 : -ENOSPC;
}

void vfio_unregister_group_dev(struct vfio_device *vdev)
{
	int i;

	/* as the core: ask user space until it lets go of the device */
	while (true) {
		mutex_lock(&vdev->dev_set_lock);
		bool open = vdev->open_count;

		mutex_unlock(&vdev->dev_set_lock);
		if (!open)
			break;
		vdev->ops->request(vdev, vdev->requests++);
		if (sim_vfio_obey_requests || vdev->requests > 3)
			sim_vfio_close(vdev);
	}
	pthread_mutex_lock(&core_lock);
	for (i = 0; i < MAX_VDEVS; i++)
		if (registered[i] == vdev)
			registered[i] = NULL;
	/* its DMA mappings go with it, as with the container */
	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].vdev == vdev)
			maps[i].vdev = NULL;
	vdev->registered = false;
	pthread_mutex_unlock(&core_lock);
}

struct vfio_device *sim_vfio_of(struct device *dev)
{
	struct vfio_device *found = NULL;
	int i;

	pthread_mutex_lock(&core_lock);
	for (i = 0; i < MAX_VDEVS; i++)
		if (registered[i] && registered[i]->dev == dev)
			found = registered[i];
	pthread_mutex_unlock(&core_lock);
	return found;
}

int sim_vfio_open(struct vfio_device *vdev, struct kvm *kvm)
{
	int ret = 0;

	mutex_lock(&vdev->dev_set_lock);
	if (vdev->open_count) {
		ret = -EBUSY;
	} else {
		vdev->kvm = kvm;
		if (kvm)
			kvm_get_kvm(kvm);
		ret = vdev->ops->open_device(vdev);
		if (ret) {
			if (kvm)
				kvm_put_kvm(kvm);
			vdev->kvm = NULL;
		} else {
			vdev->open_count = 1;
		}
	}
	mutex_unlock(&vdev->dev_set_lock);
	return ret;
}

void sim_vfio_close(struct vfio_device *vdev)
{
	struct kvm *kvm = NULL;

	mutex_lock(&vdev->dev_set_lock);
	if (vdev->open_count) {
		vdev->ops->close_device(vdev);
		vdev->open_count = 0;
		kvm = vdev->kvm;
		vdev->kvm = NULL;
	}
	mutex_unlock(&vdev->dev_set_lock);
	if (kvm)
		kvm_put_kvm(kvm);
}

long sim_vfio_ioctl(struct vfio_device *vdev, unsigned int cmd, void *arg)
{
	if (!vdev->open_count)
		return -EBADF;
	return vdev->ops->ioctl(vdev, cmd, (unsigned long)arg);
}

/* ---- DMA mappings and pins ---- */


struct pin {
	struct vfio_device *vdev;
	u64 iova;
	u64 host;	/* the page's host address */
};

#define MAX_PINS 4096
static struct pin pins[MAX_PINS];
static long pins_live;

int sim_vfio_dma_map(struct vfio_device *vdev, u64 iova, u64 size, void *host)
{
	int i, ret = -ENOSPC;

	pthread_mutex_lock(&core_lock);
	for (i = 0; i < MAX_MAPS; i++) {
		if (!maps[i].vdev) {
			maps[i] = (struct dma_map){ vdev, iova, size, host };
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&core_lock);
	return ret;
}

static bool pinned_in(struct vfio_device *vdev, u64 iova, u64 size)
{
	int i;

	for (i = 0; i < MAX_PINS; i++)
		if (pins[i].vdev == vdev && pins[i].iova - iova < size)
			return true;
	return false;
}

/*
 * As VFIO's type1 backend: the driver is told with no core lock held, so
 * a pin may still be taken in the range meanwhile; while pins remain, it
 * is told again, and the mapping goes only once none is left (type1 BUGs
 * after 10 retries: here an error).
 */
#define UNMAP_RETRIES 10

void sim_vfio_dma_unmap(struct vfio_device *vdev, u64 iova, u64 size)
{
	int i, tries;
	bool still;

	for (tries = 0; ; tries++) {
		if (vdev->ops->dma_unmap)
			vdev->ops->dma_unmap(vdev, iova, size);
		pthread_mutex_lock(&core_lock);
		still = pinned_in(vdev, iova, size);
		if (!still || tries == UNMAP_RETRIES) {
			for (i = 0; i < MAX_MAPS; i++)
				if (maps[i].vdev == vdev && maps[i].iova == iova)
					maps[i].vdev = NULL;
		}
		pthread_mutex_unlock(&core_lock);
		if (!still)
			return;
		if (tries == UNMAP_RETRIES) {
			core_error("unmap of a range the driver still has pinned");
			return;
		}
	}
}

int vfio_pin_pages(struct vfio_device *vdev, dma_addr_t iova, int npage,
		   int prot, struct page **pages)
{
	int i, slot = -1;
	char *host = NULL;

	if (npage != 1 || (iova & ~PAGE_MASK) || !(prot & IOMMU_READ))
		return -EINVAL;
	pthread_mutex_lock(&core_lock);
	for (i = 0; i < MAX_MAPS; i++) {
		if (maps[i].vdev == vdev && iova - maps[i].iova < maps[i].size) {
			host = maps[i].host + (iova - maps[i].iova);
			break;
		}
	}
	for (i = 0; host && i < MAX_PINS; i++) {
		if (!pins[i].vdev) {
			slot = i;
			break;
		}
	}
	if (slot >= 0) {
		pins[slot] = (struct pin){ vdev, iova, (uintptr_t)host };
		pins_live++;
	}
	pthread_mutex_unlock(&core_lock);
	if (!host)
		return -EFAULT;
	if (slot < 0)
		return -ENOMEM;
	pages[0] = (struct page *)host;
	return 1;
}

void vfio_unpin_pages(struct vfio_device *vdev, dma_addr_t iova, int npage)
{
	int i;

	if (sim_vfio_drop_unpins)
		return;
	pthread_mutex_lock(&core_lock);
	for (i = 0; i < MAX_PINS; i++) {
		if (pins[i].vdev == vdev && pins[i].iova == iova) {
			pins[i].vdev = NULL;
			pins_live--;
			break;
		}
	}
	pthread_mutex_unlock(&core_lock);
	if (i == MAX_PINS)
		core_error("unpin of a page that is not pinned");
}

bool sim_vfio_host_pinned(u64 host)
{
	bool found = false;
	int i;

	pthread_mutex_lock(&core_lock);
	for (i = 0; i < MAX_PINS && !found; i++)
		found = pins[i].vdev && host - pins[i].host < PAGE_SIZE;
	pthread_mutex_unlock(&core_lock);
	return found;
}

long sim_pins_live(void)
{
	long n;

	pthread_mutex_lock(&core_lock);
	n = pins_live;
	pthread_mutex_unlock(&core_lock);
	return n;
}

/* ---- mdev core ---- */

int mdev_register_driver(struct mdev_driver *drv)
{
	mdev_drv = drv;
	return 0;
}

void mdev_unregister_driver(struct mdev_driver *drv)
{
	if (mdev_drv == drv)
		mdev_drv = NULL;
}

/* instances the type may still have, as the mdev core counts them */
static atomic_int available_instances;

int mdev_register_parent(struct mdev_parent *parent, struct device *dev,
			 struct mdev_driver *drv, struct mdev_type **types,
			 unsigned int nr_types)
{
	atomic_store(&available_instances, drv->max_instances);
	parent->dev = dev;
	parent->mdev_driver = drv;
	parent->types = types;
	parent->nr_types = nr_types;
	types[0]->parent = parent;
	mdev_par = parent;
	/* the name the mdev core gives the type's sysfs directory */
	snprintf(type_name, sizeof(type_name), "%s-%s", dev_driver_string(dev),
		 types[0]->sysfs_name);
	return 0;
}

const char *sim_mdev_type_name(void)
{
	return mdev_par ? type_name : NULL;
}

/* the type's available_instances, as Linux 6.12's mdev core shows it */
unsigned int sim_mdev_available_instances(void)
{
	return mdev_par ? atomic_load(&available_instances) : 0;
}

struct device *sim_mdev_parent(void)
{
	return mdev_par ? mdev_par->dev : NULL;
}

/* the mdev core's own attributes of the type, as Linux 6.12 shows them */
ssize_t sim_mdev_type_show(const char *attr, char *buf)
{
	struct mdev_type *type = mdev_par ? mdev_par->types[0] : NULL;

	if (!type)
		return -ENODEV;
	if (!strcmp(attr, "name"))
		return sysfs_emit(buf, "%s\n", type->pretty_name ?
				  type->pretty_name : type->sysfs_name);
	if (!strcmp(attr, "device_api"))
		return sysfs_emit(buf, "%s\n", mdev_par->mdev_driver->device_api);
	if (!strcmp(attr, "available_instances"))
		return sysfs_emit(buf, "%u\n", sim_mdev_available_instances());
	return -ENOENT;
}

void mdev_unregister_parent(struct mdev_parent *parent)
{
	mdev_par = NULL;
}

static int parse_uuid(const char *s, guid_t *uuid)
{
	int i, n = 0;

	for (i = 0; s[i] && n < 32; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		n++;
	}
	if (n != 32 || s[i])
		return -EINVAL;
	memset(uuid, 0, sizeof(*uuid));
	return 0;
}

static void mdev_release(struct device *dev)
{
	free(to_mdev_device(dev));
}

struct mdev_device *sim_mdev_create(const char *uuid)
{
	struct mdev_device *mdev;
	int ret;

	if (!mdev_par)
		return ERR_PTR(-ENODEV);
	/* as the mdev core: no instance left, -EUSERS */
	if (atomic_fetch_sub(&available_instances, 1) <= 0) {
		atomic_fetch_add(&available_instances, 1);
		return ERR_PTR(-EUSERS);
	}
	mdev = calloc(1, sizeof(*mdev));
	if (!mdev) {
		atomic_fetch_add(&available_instances, 1);
		return ERR_PTR(-ENOMEM);
	}
	if (parse_uuid(uuid, &mdev->uuid)) {
		free(mdev);
		atomic_fetch_add(&available_instances, 1);
		return ERR_PTR(-EINVAL);
	}
	dev_set_name(&mdev->dev, "%s", uuid);
	mdev->dev.parent = mdev_par->dev;
	mdev->dev.release = mdev_release;
	mdev->type = mdev_par->types[0];
	device_register(&mdev->dev);
	ret = mdev_par->mdev_driver->probe(mdev);
	if (ret) {
		put_device(&mdev->dev);
		atomic_fetch_add(&available_instances, 1);
		return ERR_PTR(ret);
	}
	down_write(&mdev->dev.kn_active);
	mdev->dev.driver_groups = mdev_par->mdev_driver->driver.dev_groups;
	up_write(&mdev->dev.kn_active);
	return mdev;
}

void sim_mdev_remove(struct mdev_device *mdev)
{
	/* the driver core removes the driver's attributes before .remove */
	down_write(&mdev->dev.kn_active);
	mdev->dev.driver_groups = NULL;
	up_write(&mdev->dev.kn_active);
	mdev_par->mdev_driver->remove(mdev);
	put_device(&mdev->dev);
	atomic_fetch_add(&available_instances, 1);
}

/* ---- eventfds ---- */

struct eventfd_ctx {
	int fd;
};

static atomic_long ctx_live;

static bool is_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:[eventfd]");
}

struct eventfd_ctx *eventfd_ctx_fdget(int fd)
{
	struct eventfd_ctx *ctx;

	if (fcntl(fd, F_GETFD) < 0)
		return ERR_PTR(-EBADF);
	if (!is_eventfd(fd))
		return ERR_PTR(-EINVAL);
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ctx->fd = dup(fd);
	if (ctx->fd < 0) {
		kfree(ctx);
		return ERR_PTR(-EMFILE);
	}
	atomic_fetch_add(&ctx_live, 1);
	return ctx;
}

void eventfd_ctx_put(struct eventfd_ctx *ctx)
{
	close(ctx->fd);
	kfree(ctx);
	atomic_fetch_sub(&ctx_live, 1);
}

void eventfd_signal(struct eventfd_ctx *ctx)
{
	u64 one = 1;

	if (write(ctx->fd, &one, sizeof(one)) != sizeof(one))
		core_error("eventfd write failed");
}

long sim_eventfd_ctx_live(void)
{
	return atomic_load(&ctx_live);
}

int sim_eventfd(void)
{
	return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

u64 sim_eventfd_take(int fd)
{
	u64 count = 0;

	if (read(fd, &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

/* ---- user memory ---- */

unsigned long copy_from_user(void *to, const void __user *from, unsigned long n)
{
	if ((uintptr_t)from < PAGE_SIZE)
		return n;
	memcpy(to, from, n);
	return 0;
}

unsigned long copy_to_user(void __user *to, const void *from, unsigned long n)
{
	if ((uintptr_t)to < PAGE_SIZE)
		return n;
	memcpy(to, from, n);
	return 0;
}
