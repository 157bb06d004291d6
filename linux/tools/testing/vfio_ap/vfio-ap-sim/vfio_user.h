/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vfio-user protocol (QEMU's docs/interop/vfio-user.rst), server side:
 * the messages a client sends to a vfio-ap device, translated into calls of
 * the vfio_ap driver's own vfio_device_ops through the simulated VFIO core.
 */
#ifndef _VFIO_AP_SIM_VFIO_USER_H
#define _VFIO_AP_SIM_VFIO_USER_H

#include <stdint.h>

#include "sim.h"

/* message header, host byte order (the protocol is host-local) */
struct vfio_user_hdr {
	uint16_t id;
	uint16_t command;
	uint32_t size;		/* header included */
	uint32_t flags;
	uint32_t error_reply;
};

enum vfio_user_command {
	VFIO_USER_VERSION = 1,
	VFIO_USER_DMA_MAP = 2,
	VFIO_USER_DMA_UNMAP = 3,
	VFIO_USER_DEVICE_GET_INFO = 4,
	VFIO_USER_DEVICE_GET_REGION_INFO = 5,
	VFIO_USER_DEVICE_GET_REGION_IO_FDS = 6,
	VFIO_USER_DEVICE_GET_IRQ_INFO = 7,
	VFIO_USER_DEVICE_SET_IRQS = 8,
	VFIO_USER_REGION_READ = 9,
	VFIO_USER_REGION_WRITE = 10,
	VFIO_USER_DMA_READ = 11,
	VFIO_USER_DMA_WRITE = 12,
	VFIO_USER_DEVICE_RESET = 13,
	VFIO_USER_DIRTY_PAGES = 14,
	VFIO_USER_REGION_WRITE_MULTI = 15,
};

#define VFIO_USER_F_TYPE_MASK	0xf
#define VFIO_USER_F_REQUEST	0x0
#define VFIO_USER_F_REPLY	0x1
#define VFIO_USER_F_NO_REPLY	0x10
#define VFIO_USER_F_ERROR	0x20

struct vfio_user_version {
	uint16_t major;
	uint16_t minor;
	char capabilities[];	/* NUL-terminated JSON */
};

struct vfio_user_dma_map {
	uint32_t argsz;
	uint32_t flags;
	uint64_t offset;	/* in the file descriptor sent along */
	uint64_t iova;
	uint64_t size;
};

struct vfio_user_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t iova;
	uint64_t size;
};

/* largest message the server takes, payload and header */
#define VFIO_USER_MAX_MSG	(64 * 1024)
/* file descriptors one message may carry */
#define VFIO_USER_MAX_FDS	8
/* DMA mappings one connection may hold */
#define VFIO_USER_MAX_MAPS	64

/*
 * How many interrupt indexes the server offers: 2 (request and config
 * change), or 1 to play a kernel older than the config-change interrupt.
 */
extern unsigned int vfio_user_irqs;
/*
 * Whether the server offers the instruction region (1, the firmware of a
 * machine without SIE) or not (0, as a real kernel's vfio_ap device).
 */
extern unsigned int vfio_user_regions;
/* whether the client may map the region (and execute with its doorbell) */
extern bool vfio_user_region_mmap;

/*
 * Serve one client connected on @sock for @vdev until it disconnects or
 * breaks the protocol beyond repair.  The device is opened (with a
 * simulated guest of its own) once the client has negotiated the version,
 * and closed, with every mapping undone, when the connection ends.
 * Returns 0 on an orderly end, or a negative errno.
 */
int vfio_user_serve(struct vfio_device *vdev, int sock);

#endif /* _VFIO_AP_SIM_VFIO_USER_H */
