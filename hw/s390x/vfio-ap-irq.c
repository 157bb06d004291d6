/*
 * vfio-ap: AP queue interrupts under TCG.
 *
 * Under KVM the firmware posts a queue's interrupt to the guest's GISA and
 * QEMU never sees it.  A backend that plays the firmware instead stores
 * the guest's notification indicator byte (NIB) and signals the eventfd of
 * the guest's ISC (<linux/vfio_ap.h>, VFIO_AP_IRQ_ADAPTER).  We then raise
 * an I/O adapter interruption for that ISC, but only if a NIB of a queue
 * with interrupts on that ISC is non-zero: the backend is not trusted, and
 * a signal without one is dropped.  Which NIB and ISC a queue uses we see
 * in the guest's own PQAP(AQIC) as it passes through.  An entry the host
 * made stale (its reset turned the queue's interrupts off) is kept until
 * the guest's next AQIC or reset of the queue: at worst it lets a signal
 * through that finds nothing, while dropping it on a TAPQ that shows the
 * interrupts not on yet (the guest polls for them right after AQIC) could
 * lose a real one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <linux/vfio.h>
#include <linux/vfio_ap.h>
#include "qapi/error.h"
#include "qemu/event_notifier.h"
#include "qemu/main-loop.h"
#include "hw/s390x/css.h"
#include "hw/s390x/vfio-ap-irq.h"
#include "system/address-spaces.h"
#include "trace.h"

#define PQAP_FC(gr0)        (((gr0) >> 24) & 0xff)
#define PQAP_RAPQ           1
#define PQAP_ZAPQ           2
#define PQAP_AQIC           3
#define GR0_APQN(gr0)       ((gr0) & 0xffff)
#define AQIC_IR             0x0000800000000000ULL
#define AQIC_ISC(gr1)       ((gr1) & 7)

typedef struct VFIOAPIsc {
    VFIOAPAdapterIrqs *airqs;
    uint8_t isc;
    EventNotifier notifier;
    bool registered;
} VFIOAPIsc;

/* the NIB and ISC of one queue with interrupts on */
typedef struct VFIOAPNib {
    hwaddr addr;
    uint8_t isc;
} VFIOAPNib;

struct VFIOAPAdapterIrqs {
    VFIODevice *vdev;
    VFIOAPIsc iscs[VFIO_AP_IRQ_ISCS];
    GHashTable *nibs;           /* APQN -> VFIOAPNib */
};

static bool vfio_ap_nib_set(VFIOAPNib *nib)
{
    MemTxResult res;
    uint8_t byte;

    byte = address_space_ldub(&address_space_memory, nib->addr,
                              MEMTXATTRS_UNSPECIFIED, &res);
    return res == MEMTX_OK && byte;
}

static void vfio_ap_isc_signalled(void *opaque)
{
    VFIOAPIsc *isc = opaque;
    GHashTableIter iter;
    VFIOAPNib *nib;
    bool set = false;

    if (!event_notifier_test_and_clear(&isc->notifier)) {
        return;
    }
    g_hash_table_iter_init(&iter, isc->airqs->nibs);
    while (!set && g_hash_table_iter_next(&iter, NULL, (gpointer *)&nib)) {
        set = nib->isc == isc->isc && vfio_ap_nib_set(nib);
    }
    trace_vfio_ap_airq_signal(isc->airqs->vdev->name, isc->isc, set);
    if (set) {
        css_adapter_interrupt(CSS_IO_ADAPTER_AP, isc->isc);
    }
}

/* register the eventfd of one ISC; false with @errp set on a failure */
static bool vfio_ap_isc_register(VFIOAPAdapterIrqs *airqs, uint8_t n,
                                 Error **errp)
{
    VFIOAPIsc *isc = &airqs->iscs[n];
    int ret, fd;

    isc->airqs = airqs;
    isc->isc = n;
    ret = event_notifier_init(&isc->notifier, 0);
    if (ret) {
        error_setg_errno(errp, -ret, "cannot create the event notifier of "
                         "ISC %u", n);
        return false;
    }
    fd = event_notifier_get_fd(&isc->notifier);
    qemu_set_fd_handler(fd, vfio_ap_isc_signalled, NULL, isc);
    if (!vfio_device_irq_set_signaling(airqs->vdev, VFIO_AP_IRQ_ADAPTER, n,
                                       VFIO_IRQ_SET_ACTION_TRIGGER, fd,
                                       errp)) {
        qemu_set_fd_handler(fd, NULL, NULL, isc);
        event_notifier_cleanup(&isc->notifier);
        return false;
    }
    isc->registered = true;
    return true;
}

VFIOAPAdapterIrqs *vfio_ap_airq_setup(VFIODevice *vdev, Error **errp)
{
    struct vfio_irq_info info;
    VFIOAPAdapterIrqs *airqs;
    int ret;
    uint8_t n;

    if (vdev->num_irqs <= VFIO_AP_IRQ_ADAPTER) {
        trace_vfio_ap_airq_setup(vdev->name, 0);
        return NULL;
    }
    ret = vfio_device_get_irq_info(vdev, VFIO_AP_IRQ_ADAPTER, &info);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "cannot get the adapter interrupt info");
        return NULL;
    }
    if (info.count < VFIO_AP_IRQ_ISCS ||
        !(info.flags & VFIO_IRQ_INFO_EVENTFD)) {
        error_setg(errp, "the adapter interrupt index has %u eventfds, "
                   "not one per ISC", info.count);
        return NULL;
    }
    airqs = g_new0(VFIOAPAdapterIrqs, 1);
    airqs->vdev = vdev;
    airqs->nibs = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    for (n = 0; n < VFIO_AP_IRQ_ISCS; n++) {
        if (!vfio_ap_isc_register(airqs, n, errp)) {
            vfio_ap_airq_teardown(airqs, false);
            return NULL;
        }
    }
    trace_vfio_ap_airq_setup(vdev->name, 1);
    return airqs;
}

void vfio_ap_airq_teardown(VFIOAPAdapterIrqs *airqs, bool backend_gone)
{
    Error *err = NULL;
    int n;

    if (!airqs) {
        return;
    }
    for (n = 0; n < VFIO_AP_IRQ_ISCS; n++) {
        VFIOAPIsc *isc = &airqs->iscs[n];

        if (!isc->registered) {
            continue;
        }
        if (!backend_gone &&
            !vfio_device_irq_set_signaling(airqs->vdev, VFIO_AP_IRQ_ADAPTER,
                                           n, VFIO_IRQ_SET_ACTION_TRIGGER, -1,
                                           &err)) {
            warn_reportf_err(err, VFIO_MSG_PREFIX, airqs->vdev->name);
            err = NULL;
        }
        qemu_set_fd_handler(event_notifier_get_fd(&isc->notifier), NULL,
                            NULL, isc);
        event_notifier_cleanup(&isc->notifier);
    }
    g_hash_table_destroy(airqs->nibs);
    g_free(airqs);
}

static void vfio_ap_nib_forget(VFIOAPAdapterIrqs *airqs, uint32_t apqn)
{
    if (g_hash_table_remove(airqs->nibs, GUINT_TO_POINTER(apqn))) {
        trace_vfio_ap_airq_nib(airqs->vdev->name, apqn, 0, 0, 0);
    }
}

void vfio_ap_airq_insn_done(VFIOAPAdapterIrqs *airqs, const APInsn *insn,
                            uint64_t gr1, uint64_t gr2)
{
    uint32_t apqn = GR0_APQN(insn->gr0);
    VFIOAPNib *nib;

    if (!airqs || insn->opcode != VFIO_AP_OP_PQAP || insn->cc) {
        return;
    }
    switch (PQAP_FC(insn->gr0)) {
    case PQAP_AQIC:
        if (!(gr1 & AQIC_IR)) {
            vfio_ap_nib_forget(airqs, apqn);
            break;
        }
        nib = g_new(VFIOAPNib, 1);
        nib->addr = gr2;
        nib->isc = AQIC_ISC(gr1);
        g_hash_table_insert(airqs->nibs, GUINT_TO_POINTER(apqn), nib);
        trace_vfio_ap_airq_nib(airqs->vdev->name, apqn, gr2, nib->isc, 1);
        break;
    case PQAP_RAPQ:
    case PQAP_ZAPQ:
        vfio_ap_nib_forget(airqs, apqn);
        break;
    }
}

void vfio_ap_airq_reset(VFIOAPAdapterIrqs *airqs)
{
    if (airqs) {
        g_hash_table_remove_all(airqs->nibs);
    }
}
