/* SPDX-License-Identifier: GPL-2.0 */
/* the ultravisor calls the driver makes, served by sim/kvm_sim.c */
#ifndef _SHIM_ASM_UV_H
#define _SHIM_ASM_UV_H

#include <linux/kvm_host.h>

int uv_pin_shared(unsigned long paddr);
int gmap_convert_to_secure(struct gmap *gmap, unsigned long gaddr);

#endif /* _SHIM_ASM_UV_H */
