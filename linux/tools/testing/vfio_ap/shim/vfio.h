/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VFIO and mdev core, eventfds and user copies, as the vfio_ap driver
 * sees them, for the user-space build.  The uapi part comes from the
 * system's <linux/vfio.h>, included by the include/linux/vfio.h wrapper.
 */
#ifndef _SHIM_VFIO_H
#define _SHIM_VFIO_H

#include "device.h"
#include "bitops.h"

struct kvm;
struct vfio_device;
struct iommufd_ctx;
struct page;

struct vfio_device_ops {
	char *name;
	int (*init)(struct vfio_device *vdev);
	void (*release)(struct vfio_device *vdev);
	int (*bind_iommufd)(struct vfio_device *vdev, struct iommufd_ctx *ictx,
			    u32 *out_device_id);
	void (*unbind_iommufd)(struct vfio_device *vdev);
	int (*attach_ioas)(struct vfio_device *vdev, u32 *pt_id);
	void (*detach_ioas)(struct vfio_device *vdev);
	int (*open_device)(struct vfio_device *vdev);
	void (*close_device)(struct vfio_device *vdev);
	long (*ioctl)(struct vfio_device *vdev, unsigned int cmd,
		      unsigned long arg);
	void (*request)(struct vfio_device *vdev, unsigned int count);
	void (*dma_unmap)(struct vfio_device *vdev, u64 iova, u64 length);
};

struct vfio_device {
	struct device *dev;
	const struct vfio_device_ops *ops;
	struct kvm *kvm;
	/* simulator's own state, not for the driver */
	size_t alloc_size;
	bool registered;
	unsigned int open_count;
	unsigned int requests;
	struct mutex dev_set_lock;
};

struct vfio_device *_vfio_alloc_device(size_t size, struct device *dev,
				       const struct vfio_device_ops *ops);
#define vfio_alloc_device(dev_struct, member, dev, ops)			\
	container_of(_vfio_alloc_device(sizeof(struct dev_struct) +	\
		     BUILD_BUG_ON_ZERO(offsetof(struct dev_struct, member)), \
		     dev, ops), struct dev_struct, member)
#define BUILD_BUG_ON_ZERO(e) ((int)(sizeof(struct { int:(-!!(e)); })))
void vfio_put_device(struct vfio_device *vdev);
int vfio_register_emulated_iommu_dev(struct vfio_device *vdev);
void vfio_unregister_group_dev(struct vfio_device *vdev);

#define IOMMU_READ	(1 << 0)
#define IOMMU_WRITE	(1 << 1)
int vfio_pin_pages(struct vfio_device *vdev, dma_addr_t iova, int npage,
		   int prot, struct page **pages);
void vfio_unpin_pages(struct vfio_device *vdev, dma_addr_t iova, int npage);

static inline int vfio_iommufd_emulated_bind(struct vfio_device *v,
					     struct iommufd_ctx *i, u32 *id)
{
	return 0;
}
static inline void vfio_iommufd_emulated_unbind(struct vfio_device *v) { }
static inline int vfio_iommufd_emulated_attach_ioas(struct vfio_device *v,
						    u32 *pt)
{
	return 0;
}
static inline void vfio_iommufd_emulated_detach_ioas(struct vfio_device *v) { }

/* pages are host addresses here: the sim's guest memory is ordinary memory */
static inline phys_addr_t page_to_phys(struct page *page)
{
	return (phys_addr_t)(uintptr_t)page;
}

static inline phys_addr_t virt_to_phys(const void *p)
{
	return (phys_addr_t)(uintptr_t)p;
}

/* mediated devices */
typedef struct {
	u8 b[16];
} guid_t;

struct mdev_type {
	const char *sysfs_name;
	const char *pretty_name;
	struct mdev_parent *parent;
};

struct mdev_driver;

struct mdev_parent {
	struct device *dev;
	struct mdev_driver *mdev_driver;
	struct mdev_type **types;
	unsigned int nr_types;
};

struct mdev_device {
	struct device dev;
	guid_t uuid;
	struct mdev_type *type;
};

struct mdev_driver {
	const char *device_api;
	unsigned int max_instances;
	int (*probe)(struct mdev_device *mdev);
	void (*remove)(struct mdev_device *mdev);
	struct device_driver driver;
};

static inline struct mdev_device *to_mdev_device(struct device *dev)
{
	return container_of(dev, struct mdev_device, dev);
}

int mdev_register_driver(struct mdev_driver *drv);
void mdev_unregister_driver(struct mdev_driver *drv);
int mdev_register_parent(struct mdev_parent *parent, struct device *dev,
			 struct mdev_driver *drv, struct mdev_type **types,
			 unsigned int nr_types);
void mdev_unregister_parent(struct mdev_parent *parent);

/* eventfds: real ones, so that a test or a vfio-user client can read them */
struct eventfd_ctx;
struct eventfd_ctx *eventfd_ctx_fdget(int fd);
void eventfd_ctx_put(struct eventfd_ctx *ctx);
void eventfd_signal(struct eventfd_ctx *ctx);

/* user memory: any pointer below one page counts as a bad address */
unsigned long copy_from_user(void *to, const void __user *from, unsigned long n);
unsigned long copy_to_user(void __user *to, const void *from, unsigned long n);

#endif /* _SHIM_VFIO_H */
