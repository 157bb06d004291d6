/*
 * vfio-ap: AP queue interrupts raised as I/O adapter interruptions, for a
 * backend that plays the firmware (under TCG).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_S390X_VFIO_AP_IRQ_H
#define HW_S390X_VFIO_AP_IRQ_H

#include "hw/s390x/ap-device.h"
#include "hw/vfio/vfio-device.h"

typedef struct VFIOAPAdapterIrqs VFIOAPAdapterIrqs;

/*
 * The backend's adapter-interruption eventfds, one per ISC, registered;
 * NULL if the backend has no such index (a kernel backend under KVM, or an
 * older simulator: a warning says the guest must poll), or with @errp set
 * if the registration failed.
 */
VFIOAPAdapterIrqs *vfio_ap_airq_setup(VFIODevice *vdev, Error **errp);
/* take them back; @backend_gone: only drop our side */
void vfio_ap_airq_teardown(VFIOAPAdapterIrqs *airqs, bool backend_gone);
/*
 * An instruction @insn has executed; @gr1 and @gr2 are its registers as
 * the guest gave them.  Keeps which NIB each queue's interrupts use.
 */
void vfio_ap_airq_insn_done(VFIOAPAdapterIrqs *airqs, const APInsn *insn,
                            uint64_t gr1, uint64_t gr2);
/* a reset of the device turned every queue's interrupts off */
void vfio_ap_airq_reset(VFIOAPAdapterIrqs *airqs);

#endif /* HW_S390X_VFIO_AP_IRQ_H */
