/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vfio-ap interrupt indexes, shared by the vfio_ap driver, QEMU's vfio-ap
 * device and the vfio-user simulator.
 *
 * Linux 6.12's <linux/vfio.h> knows only the device-request index; the
 * config-change index came later (as VFIO_AP_CFG_CHG_IRQ_INDEX).  These
 * names do not clash with either version of that header.
 */
#ifndef _UAPI_LINUX_VFIO_AP_H
#define _UAPI_LINUX_VFIO_AP_H

#include <linux/vfio.h>

/* eventfd signalled when the host wants the mediated device back */
#define VFIO_AP_IRQ_REQUEST		0
/* eventfd signalled whenever the guest's AP configuration changes */
#define VFIO_AP_IRQ_CFG_CHANGE		1
#define VFIO_AP_IRQ_COUNT		2

#endif /* _UAPI_LINUX_VFIO_AP_H */
