/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The firmware of the simulated machine: it executes a guest's AP
 * instructions that the VMM forwards through the instruction region
 * (<linux/vfio_ap.h>), against the guest's AP configuration as the
 * vfio_ap driver programmed it into the guest's CRYCB.
 */
#ifndef _VFIO_AP_SIM_INSN_H
#define _VFIO_AP_SIM_INSN_H

#include <linux/vfio_ap.h>

#include "sim.h"

/*
 * Execute the instruction in @insn, of which the VMM wrote @len bytes, for
 * the guest @kvm; the result replaces the input.  Returns 0, or -EINVAL
 * for a request no VMM that checked the operands would send (the guest
 * would have had a program exception): nothing is executed then.
 */
int sim_insn_execute(struct kvm *kvm, struct vfio_ap_insn *insn, size_t len);

#endif /* _VFIO_AP_SIM_INSN_H */
