/*
 * vfio-ap: an AP mediated device (crypto adapters, usage and control
 * domains) passed through to the guest.
 *
 * Two backends behind one device: the kernel's vfio_ap driver (sysfsdev=,
 * fd=, iommufd=) or a vfio-user server (socket=).  After the attach both go
 * through the device's VFIODeviceIOOps, so everything else is shared: the
 * device-request interrupt unplugs the device, and the config-change
 * interrupt queues an event for the guest, which is told with a channel
 * report word and answered by CHSC store-event-information.
 *
 * Under TCG the device also executes the guest's AP instructions: the CPU
 * hands them over through the AP device class hook, and they go to the
 * backend's instruction region (<linux/vfio_ap.h>), written and read back
 * with the device's region I/O, so over vfio-user as REGION_WRITE/READ.
 * Under KVM, SIE executes them and a kernel backend has no such region.
 * Such a backend also raises the queues' interrupts (vfio-ap-irq.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include CONFIG_DEVICES
#include <linux/vfio.h>
#include <linux/vfio_ap.h>
#include <sys/ioctl.h>
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qapi/visitor-impl.h"
#include "qapi/qapi-visit-sockets.h"
#include "qemu/error-report.h"
#include "qemu/event_notifier.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/queue.h"
#include "hw/qdev-properties.h"
#include "hw/vfio/vfio-device.h"
#include "hw/vfio/vfio-container.h"
#include "hw/s390x/ap-device.h"
#include "hw/s390x/ap-bridge.h"
#include "hw/s390x/css.h"
#include "hw/s390x/vfio-ap-irq.h"
#include "migration/vmstate.h"
#include "system/address-spaces.h"
#include "system/iommufd.h"
#include "system/kvm.h"
#include "system/reset.h"
#include "exec/cpu-common.h"
#include "hw/boards.h"
#ifdef CONFIG_VFIO_USER
#include "hw/vfio-user/proxy.h"
#include "hw/vfio-user/device.h"
#endif
#include "cpu.h"
#include "trace.h"

#define TYPE_VFIO_AP_DEVICE "vfio-ap"

/* AQIC's control word: the interrupt request bit (GR1 bit 16) */
#define AP_AQIC_IR              0x0000800000000000ULL
#define AP_RC_INVALID_ADDRESS   0x06

OBJECT_DECLARE_SIMPLE_TYPE(VFIOAPDevice, VFIO_AP_DEVICE)

/* One eventfd-backed interrupt of the device: request or config change. */
typedef struct VFIOAPIrq {
    EventNotifier notifier;
    bool registered;
} VFIOAPIrq;

struct VFIOAPDevice {
    APDevice apdev;
    VFIODevice vdev;
    SocketAddress *socket;      /* a vfio-user server: UNIX sockets only */
    uint32_t msg_timeout;       /* ms to wait for a vfio-user reply */
    VFIOAPIrq irqs[VFIO_AP_NUM_IRQS];
    /* config changes the guest has not fetched with CHSC SEI yet */
    uint32_t pending_cfg_events;
    /* the backend's instruction region, or NULL: it does not execute them */
    struct vfio_ap_insn *insn_region;   /* our own copy */
    struct vfio_ap_insn *insn_map;      /* the region mapped, or NULL */
    /* the backend's AP queue interrupts (under TCG), or NULL */
    VFIOAPAdapterIrqs *airqs;
    QTAILQ_ENTRY(VFIOAPDevice) next;
};

/* Realized devices, in order; their pending events are answered in turn. */
static QTAILQ_HEAD(, VFIOAPDevice) vfio_ap_devices =
    QTAILQ_HEAD_INITIALIZER(vfio_ap_devices);

/*
 * Devices unplugged since the guest last asked: each took the guest's
 * queues with it, a change of its AP configuration to tell it of.
 */
static uint32_t vfio_ap_unplug_events;
static bool unplug_events_reset;        /* its reset handler is registered */

/* the channel subsystem's reset dropped the report words */
static void vfio_ap_drop_unplug_events(void *opaque)
{
    vfio_ap_unplug_events = 0;
}

static void vfio_ap_compute_needs_reset(VFIODevice *vdev)
{
    vdev->needs_reset = false;
}

static VFIODeviceOps vfio_ap_ops = {
    .vfio_compute_needs_reset = vfio_ap_compute_needs_reset,
};

static const char *vfio_ap_irq_name(unsigned int index)
{
    return index == VFIO_AP_REQ_IRQ_INDEX ? "device request" : "config change";
}

static void vfio_ap_request(void *opaque)
{
    VFIOAPDevice *vapdev = opaque;
    Error *err = NULL;

    if (!event_notifier_test_and_clear(
            &vapdev->irqs[VFIO_AP_REQ_IRQ_INDEX].notifier)) {
        return;
    }
    trace_vfio_ap_request(vapdev->vdev.name);
    qdev_unplug(DEVICE(vapdev), &err);
    if (err) {
        warn_reportf_err(err, VFIO_MSG_PREFIX, vapdev->vdev.name);
    }
}

static void vfio_ap_cfg_change(void *opaque)
{
    VFIOAPDevice *vapdev = opaque;

    if (!event_notifier_test_and_clear(
            &vapdev->irqs[VFIO_AP_CFG_CHG_IRQ_INDEX].notifier)) {
        return;
    }
    vapdev->pending_cfg_events++;
    trace_vfio_ap_cfg_change(vapdev->vdev.name, vapdev->pending_cfg_events);
    css_generate_css_crws(0);
}

bool ap_chsc_sei_nt0_have_event(void)
{
    VFIOAPDevice *vapdev;

    if (vfio_ap_unplug_events) {
        return true;
    }
    QTAILQ_FOREACH(vapdev, &vfio_ap_devices, next) {
        if (vapdev->pending_cfg_events) {
            return true;
        }
    }
    return false;
}

/*
 * CHSC store-event-information, notification type 0: one AP configuration
 * change per call, with the "more events" flag set while others remain.
 * The guest reads the block big-endian.
 */
int ap_chsc_sei_nt0_get_event(void *res)
{
    ChscSeiNt0Res *nt0_res = res;
    VFIOAPDevice *vapdev;

    QTAILQ_FOREACH(vapdev, &vfio_ap_devices, next) {
        if (vapdev->pending_cfg_events) {
            break;
        }
    }
    if (vapdev) {
        vapdev->pending_cfg_events--;
    } else if (vfio_ap_unplug_events) {
        vfio_ap_unplug_events--;
    } else {
        return EVENT_INFORMATION_NOT_STORED;
    }

    memset(nt0_res, 0, sizeof(*nt0_res));
    nt0_res->length = cpu_to_be16(sizeof(*nt0_res));
    nt0_res->code = cpu_to_be16(NT0_RES_RESPONSE_CODE);
    nt0_res->nt = NT0_RES_NT_DEFAULT;
    nt0_res->rs = NT0_RES_RS_AP_CHANGE;
    nt0_res->cc = NT0_RES_CC_AP_CHANGE;
    if (ap_chsc_sei_nt0_have_event()) {
        nt0_res->flags = PENDING_EVENT_INFO_BITMASK;
    }
    trace_vfio_ap_sei_event(vapdev ? vapdev->vdev.name : "(unplugged)",
                            vapdev ? vapdev->pending_cfg_events :
                            vfio_ap_unplug_events, !!nt0_res->flags);
    return EVENT_INFORMATION_STORED;
}

/*
 * Register an eventfd for one interrupt index.  A backend that does not
 * offer the index (an older kernel has no config-change interrupt) is not
 * an error: the caller warns.  Returns false with @errp set on a failure,
 * true otherwise; irq->registered says whether it is in place.
 */
static bool vfio_ap_register_irq(VFIOAPDevice *vapdev, unsigned int index,
                                 IOHandler *handler, Error **errp)
{
    VFIODevice *vdev = &vapdev->vdev;
    VFIOAPIrq *irq = &vapdev->irqs[index];
    struct vfio_irq_info info;
    int ret, fd;

    if (vdev->num_irqs <= index) {
        warn_report(VFIO_MSG_PREFIX "the backend has no %s interrupt",
                    vdev->name, vfio_ap_irq_name(index));
        trace_vfio_ap_irq_missing(vdev->name, index, vdev->num_irqs);
        return true;
    }
    ret = vfio_device_get_irq_info(vdev, index, &info);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "cannot get %s interrupt info",
                         vfio_ap_irq_name(index));
        return false;
    }
    if (info.count < 1 || !(info.flags & VFIO_IRQ_INFO_EVENTFD)) {
        error_setg(errp, "the %s interrupt cannot signal an eventfd",
                   vfio_ap_irq_name(index));
        return false;
    }
    ret = event_notifier_init(&irq->notifier, 0);
    if (ret) {
        error_setg_errno(errp, -ret, "cannot create a %s event notifier",
                         vfio_ap_irq_name(index));
        return false;
    }
    fd = event_notifier_get_fd(&irq->notifier);
    qemu_set_fd_handler(fd, handler, NULL, vapdev);
    if (!vfio_device_irq_set_signaling(vdev, index, 0,
                                       VFIO_IRQ_SET_ACTION_TRIGGER, fd, errp)) {
        qemu_set_fd_handler(fd, NULL, NULL, vapdev);
        event_notifier_cleanup(&irq->notifier);
        return false;
    }
    irq->registered = true;
    trace_vfio_ap_irq_registered(vdev->name, index);
    return true;
}

/* a vfio-user backend whose connection has ended takes no message */
static bool vfio_ap_backend_gone(VFIOAPDevice *vapdev)
{
#ifdef CONFIG_VFIO_USER
    VFIOUserProxy *proxy = vapdev->vdev.proxy;

    return proxy && proxy->state != VFIO_PROXY_CONNECTED;
#else
    return false;
#endif
}

/* Undo vfio_ap_register_irq(), if it registered anything. */
static void vfio_ap_unregister_irq(VFIOAPDevice *vapdev, unsigned int index)
{
    VFIOAPIrq *irq = &vapdev->irqs[index];
    Error *err = NULL;

    if (!irq->registered) {
        return;
    }
    /* a backend that cannot take it back: say so, go on */
    if (!vfio_ap_backend_gone(vapdev) &&
        !vfio_device_irq_set_signaling(&vapdev->vdev, index, 0,
                                       VFIO_IRQ_SET_ACTION_TRIGGER, -1, &err)) {
        error_prepend(&err, VFIO_MSG_PREFIX, vapdev->vdev.name);
        warn_report_err(err);
    }
    qemu_set_fd_handler(event_notifier_get_fd(&irq->notifier),
                        NULL, NULL, vapdev);
    event_notifier_cleanup(&irq->notifier);
    irq->registered = false;
}

#ifdef CONFIG_VFIO_USER
/* A vfio-ap server has nothing to ask of us. */
static void vfio_ap_user_request(void *opaque, VFIOUserMsg *msg)
{
    VFIOAPDevice *vapdev = opaque;

    if (msg->fds) {
        vfio_user_putfds(msg);
    }
    vfio_user_send_error(vapdev->vdev.proxy, msg->hdr, ENOSYS);
}

static bool vfio_ap_attach_user(VFIOAPDevice *vapdev, Error **errp)
{
    VFIODevice *vdev = &vapdev->vdev;

    vdev->name = g_strdup_printf("vfio-user:%s",
                                 vapdev->socket->u.q_unix.path);
    vdev->proxy = vfio_user_connect_dev(vapdev->socket, errp);
    if (!vdev->proxy) {
        return false;
    }
    vdev->proxy->wait_time = vapdev->msg_timeout;
    vfio_user_set_handler(vdev, vfio_ap_user_request, vapdev);
    if (!vfio_user_validate_version(vdev->proxy, errp)) {
        return false;
    }
    vdev->io_ops = &vfio_user_device_io_ops_sock;
    /* a region may come with a file descriptor to map it by */
    vdev->use_region_fds = true;
    return vfio_device_attach_by_iommu_type(TYPE_VFIO_IOMMU_USER, vdev->name,
                                            vdev, &address_space_memory,
                                            errp);
}
#endif

/*
 * A backend in another process reaches the guest's memory only if it is
 * shared: the driver pins the NIB page of PQAP(AQIC) in it.
 */
static bool vfio_ap_ram_shared(void)
{
    MachineState *ms = MACHINE(qdev_get_machine());

    return ms->ram && memory_region_get_fd(ms->ram) >= 0 &&
           qemu_ram_is_shared(ms->ram->ram_block);
}

#define VFIO_AP_SHARED_RAM_HINT \
    "-object memory-backend-memfd,id=mem,size=SIZE,share=on " \
    "-machine memory-backend=mem"

/*
 * The instruction region, if the backend has one: a kernel backend under
 * KVM has not (SIE executes the instructions there).
 */
/*
 * A file the backend could shrink under our mapping would make the vCPU
 * fault (SIGBUS): map a regular file (a memfd) only when it is sealed
 * against shrinking and large enough; a device file cannot shrink.
 */
static bool vfio_ap_map_safe(int fd, uint64_t offset)
{
    struct stat st;
    int seals;

    if (fd < 0 || fstat(fd, &st)) {
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        return S_ISCHR(st.st_mode);
    }
    seals = fcntl(fd, F_GET_SEALS);
    /* an offset near 2^64 must not wrap around into the file */
    return seals >= 0 && (seals & F_SEAL_SHRINK) &&
           offset <= st.st_size &&
           st.st_size - offset >= VFIO_AP_INSN_REGION_SIZE;
}

static void vfio_ap_find_insn_region(VFIOAPDevice *vapdev)
{
    VFIODevice *vdev = &vapdev->vdev;
    struct vfio_region_info *info;
    const uint32_t rw = VFIO_REGION_INFO_FLAG_READ |
                        VFIO_REGION_INFO_FLAG_WRITE;
    void *map;
    int fd;

    if (vdev->num_initial_regions <= VFIO_AP_INSN_REGION_INDEX ||
        vfio_device_get_region_info(vdev, VFIO_AP_INSN_REGION_INDEX, &info) ||
        (info->flags & rw) != rw ||
        info->size < sizeof(struct vfio_ap_insn)) {
        if (!kvm_enabled()) {
            warn_report(VFIO_MSG_PREFIX "the backend does not execute AP "
                        "instructions: the guest sees no AP queue",
                        vdev->name);
        }
        trace_vfio_ap_insn_region(vdev->name, 0, 0);
        return;
    }
    vapdev->insn_region = g_new0(struct vfio_ap_insn, 1);
    /* mapped, an instruction costs one doorbell write instead of two */
    fd = vfio_device_get_region_fd(vdev, VFIO_AP_INSN_REGION_INDEX);
    if ((info->flags & VFIO_REGION_INFO_FLAG_MMAP) &&
        info->size >= VFIO_AP_INSN_REGION_SIZE &&
        vfio_ap_map_safe(fd, info->offset)) {
        map = mmap(NULL, VFIO_AP_INSN_REGION_SIZE, PROT_READ | PROT_WRITE,
                   MAP_SHARED, fd, info->offset);
        vapdev->insn_map = map == MAP_FAILED ? NULL : map;
    }
    trace_vfio_ap_insn_region(vdev->name, 1, !!vapdev->insn_map);
    if (vapdev->socket && !vfio_ap_ram_shared()) {
        warn_report(VFIO_MSG_PREFIX "guest memory is not shared with the "
                    "backend, so AP interrupts (AQIC) cannot work; add "
                    VFIO_AP_SHARED_RAM_HINT, vdev->name);
    }
}

static void vfio_ap_drop_insn_region(VFIOAPDevice *vapdev)
{
    if (vapdev->insn_map) {
        munmap(vapdev->insn_map, VFIO_AP_INSN_REGION_SIZE);
        vapdev->insn_map = NULL;
    }
    g_clear_pointer(&vapdev->insn_region, g_free);
}

/* an AQIC that failed on its NIB address may want shared memory */
static void vfio_ap_check_aqic(VFIOAPDevice *vapdev, const APInsn *insn)
{
    if (insn->opcode == VFIO_AP_OP_PQAP && ((insn->gr0 >> 24) & 0xff) == 3 &&
        ((insn->gr1 >> 16) & 0xff) == 0x06 && !vfio_ap_ram_shared()) {
        error_report_once(VFIO_MSG_PREFIX "AQIC: the backend cannot reach "
                          "the guest's memory; add " VFIO_AP_SHARED_RAM_HINT,
                          vapdev->vdev.name);
    }
}

/*
 * An answer the instruction can have: the condition codes it sets, no
 * more data than asked for, and a partial completion only with something
 * left, so that a backend cannot make the guest repeat forever.
 */
static bool vfio_ap_answer_valid(const struct vfio_ap_insn *r,
                                 const APInsn *insn)
{
    switch (insn->opcode) {
    case VFIO_AP_OP_PQAP:
        /* QCI always stores its whole block; no other function any data */
        if (((insn->gr0 >> 24) & 0xff) == 4) {
            return r->cc == 0 && r->data_len == 128;
        }
        return (r->cc == 0 || r->cc == 3) && !r->data_len;
    case VFIO_AP_OP_NQAP:
        return r->data_len == 0 &&
               (r->cc == 0 || r->cc == 3 ||
                (r->cc == 2 && insn->data_len &&
                 insn->data_len < insn->length));
    default:
        /* DQAP: a part of the reply, and its rest only when it stopped */
        return r->data_len <= insn->data_len && r->cc <= 3 &&
               (r->cc != 3 || !r->data_len) &&
               (r->cc == 0 || r->cc == 3 ||
                (r->gr2 && (r->data_len || !insn->length)));
    }
}

/* the backend's answer, checked before the CPU uses it */
static bool vfio_ap_insn_result(struct vfio_ap_insn *r, APInsn *insn,
                                Error **errp)
{
    if (r->opcode != insn->opcode || !vfio_ap_answer_valid(r, insn)) {
        error_setg(errp, "the backend answered instruction 0x%x with "
                   "opcode 0x%x, cc %u, %u bytes", insn->opcode, r->opcode,
                   r->cc, r->data_len);
        return false;
    }
    insn->cc = r->cc;
    insn->gr1 = r->gr1;
    insn->gr2 = r->gr2;
    insn->psmid = r->psmid;
    insn->data_len = r->data_len;
    memcpy(insn->data, r->data, r->data_len);
    return true;
}

/*
 * The instruction in our copy, @in bytes of it, through the mapped region
 * and its doorbell; the answer (at most @out bytes) back in our copy,
 * taken once, since the backend may change the region at any time.
 * Returns the bytes answered or a negative errno.
 */
static int vfio_ap_ring(VFIOAPDevice *vapdev, uint32_t in, uint32_t out)
{
    VFIODevice *vdev = &vapdev->vdev;
    struct vfio_ap_insn *r = vapdev->insn_region;
    uint64_t ring = 1;
    int ret;

    memcpy(vapdev->insn_map, r, in);
    ret = vdev->io_ops->region_write(vdev, VFIO_AP_INSN_REGION_INDEX,
                                     VFIO_AP_INSN_DOORBELL, sizeof(ring),
                                     &ring, false);
    if (ret != sizeof(ring)) {
        return ret < 0 ? ret : -EIO;
    }
    memcpy(r, vapdev->insn_map, VFIO_AP_INSN_HDR_SIZE);
    memcpy(r->data, vapdev->insn_map->data,
           MIN(r->data_len, out - VFIO_AP_INSN_HDR_SIZE));
    return out;
}

/*
 * An AQIC turning interrupts on, with a backend that has no adapter
 * interrupt index: nothing would ever raise them, so the guest is told
 * 06, as KVM's driver answers when it cannot register the guest ISC (a
 * Linux guest then polls).
 */
static bool vfio_ap_aqic_without_route(VFIOAPDevice *vapdev, APInsn *insn)
{
    if (vapdev->airqs || insn->opcode != VFIO_AP_OP_PQAP ||
        ((insn->gr0 >> 24) & 0xff) != 3 || !(insn->gr1 & AP_AQIC_IR)) {
        return false;
    }
    insn->cc = 3;
    insn->gr1 = (uint64_t)AP_RC_INVALID_ADDRESS << 16;
    insn->data_len = 0;
    return true;
}

/* APDeviceClass::execute: one instruction through the region */
static bool vfio_ap_execute(APDevice *apdev, APInsn *insn, Error **errp)
{
    ERRP_GUARD();
    VFIOAPDevice *vapdev = VFIO_AP_DEVICE(apdev);
    VFIODevice *vdev = &vapdev->vdev;
    struct vfio_ap_insn *r = vapdev->insn_region;
    uint32_t in = VFIO_AP_INSN_HDR_SIZE, out = VFIO_AP_INSN_HDR_SIZE;
    uint64_t gr1 = insn->gr1, gr2 = insn->gr2;
    int ret;

    if (!r) {
        /* said once when it went; the class hook wants a reason each time */
        error_setg(errp, VFIO_MSG_PREFIX "no instruction region",
                   vdev->name);
        return false;
    }
    if (vfio_ap_aqic_without_route(vapdev, insn)) {
        return true;
    }
    memset(r, 0, VFIO_AP_INSN_HDR_SIZE);
    r->opcode = insn->opcode;
    r->gr0 = insn->gr0;
    r->gr1 = insn->gr1;
    r->gr2 = insn->gr2;
    r->psmid = insn->psmid;
    r->length = insn->length;
    r->data_len = insn->data_len;
    if (insn->opcode == VFIO_AP_OP_NQAP) {
        memcpy(r->data, insn->data, insn->data_len);
        in += insn->data_len;
    } else {
        /* the most the answer may carry: a reply part or a QCI block */
        out += insn->opcode == VFIO_AP_OP_DQAP ? insn->data_len : 128;
    }
    if (vapdev->insn_map) {
        ret = vfio_ap_ring(vapdev, in, out);
    } else {
        ret = vdev->io_ops->region_write(vdev, VFIO_AP_INSN_REGION_INDEX, 0,
                                         in, r, false);
        if (ret == (int)in) {
            ret = vdev->io_ops->region_read(vdev, VFIO_AP_INSN_REGION_INDEX,
                                            0, out, r);
        } else if (ret >= 0) {
            ret = -EIO;         /* a short write executed nothing we know */
        }
    }
    /* an answer shorter than what it says it carries is no answer */
    if (ret >= (int)VFIO_AP_INSN_HDR_SIZE &&
        ret < (int)VFIO_AP_INSN_HDR_SIZE + (int)MIN(r->data_len,
                                                    AP_INSN_DATA_MAX)) {
        ret = -EIO;
    }
    if (ret < (int)VFIO_AP_INSN_HDR_SIZE) {
        error_setg_errno(errp, ret < 0 ? -ret : EIO, VFIO_MSG_PREFIX
                         "AP instruction 0x%x not executed", vdev->name,
                         insn->opcode);
    } else if (vfio_ap_insn_result(r, insn, errp)) {
        vfio_ap_check_aqic(vapdev, insn);
        vfio_ap_airq_insn_done(vapdev->airqs, insn, gr1, gr2);
        return true;
    } else {
        error_prepend(errp, VFIO_MSG_PREFIX, vdev->name);
    }
    /*
     * A backend that fails or answers nonsense is gone or not to be
     * trusted: say so once, and from now on the guest finds no queue.
     */
    error_report("%s; the guest's AP queues are gone",
                 error_get_pretty(*errp));
    vfio_ap_drop_insn_region(vapdev);
    return false;
}

#ifdef CONFIG_VFIO_USER
/*
 * DEVICE_RESET, if the backend says it can (VFIO_DEVICE_FLAGS_RESET);
 * 0 or a negative errno, so that the trace shows what really happened.
 */
static int vfio_ap_user_reset(VFIODevice *vdev)
{
    Error *err = NULL;
    VFIOUserHdr hdr;

    if (!vdev->reset_works) {
        return -ENOTSUP;
    }
    vfio_user_request_msg(&hdr, VFIO_USER_DEVICE_RESET, sizeof(hdr), 0);
    if (!vfio_user_send_wait(vdev->proxy, &hdr, NULL, 0, &err)) {
        error_prepend(&err, VFIO_MSG_PREFIX "reset: ", vdev->name);
        error_report_err(err);
        return -EIO;
    }
    if (hdr.flags & VFIO_USER_ERROR) {
        error_report(VFIO_MSG_PREFIX "reset failed: %s", vdev->name,
                     strerror(hdr.error_reply));
        return -(int)hdr.error_reply;
    }
    return 0;
}

#endif

/* socket=: a path, or the SocketAddress of vfio-user-pci's socket= */
static void vfio_ap_set_socket(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    VFIOAPDevice *vapdev = VFIO_AP_DEVICE(obj);
    g_autofree char *path = NULL;
    g_autofree GenericAlternate *alt = NULL;
    SocketAddress *addr = NULL;
    bool ok;

    if (DEVICE(obj)->realized) {
        error_setg(errp, "socket: the device is connected already");
        return;
    }
    /*
     * A string is a path; anything else must be a SocketAddress.  A
     * visitor that only knows strings (-global, qom-set) has no
     * alternates: it gives a path.
     */
    if (v->start_alternate &&
        !visit_start_alternate(v, name, &alt, sizeof(*alt), errp)) {
        return;
    }
    if (!alt || alt->type == QTYPE_QSTRING) {
        ok = visit_type_str(v, name, &path, errp);
        if (ok) {
            addr = g_new0(SocketAddress, 1);
            addr->type = SOCKET_ADDRESS_TYPE_UNIX;
            addr->u.q_unix.path = g_steal_pointer(&path);
        }
    } else {
        ok = visit_type_SocketAddress(v, name, &addr, errp);
    }
    if (alt) {
        visit_end_alternate(v, (void **)&alt);
    }
    if (!ok) {
        return;
    }
    if (addr->type != SOCKET_ADDRESS_TYPE_UNIX) {
        error_setg(errp, "socket: %s sockets are not supported, only unix",
                   SocketAddressType_str(addr->type));
        qapi_free_SocketAddress(addr);
        return;
    }
    qapi_free_SocketAddress(vapdev->socket);
    vapdev->socket = addr;
}
/* Exactly one backend: sysfsdev=, fd= or socket=. */
static bool vfio_ap_check_backend(VFIOAPDevice *vapdev, Error **errp)
{
    VFIODevice *vdev = &vapdev->vdev;
    int given = !!vdev->sysfsdev + (vdev->fd >= 0) + !!vapdev->socket;

    if (given != 1) {
        error_setg(errp, "vfio-ap needs exactly one of sysfsdev, fd and "
                   "socket (%d given)", given);
        return false;
    }
#ifndef CONFIG_VFIO_USER
    if (vapdev->socket) {
        error_setg(errp, "socket: this QEMU is built without vfio-user");
        return false;
    }
#endif
    if (vapdev->socket && vdev->iommufd) {
        error_setg(errp, "socket cannot be used with iommufd");
        return false;
    }
    if (vapdev->socket && kvm_enabled()) {
        error_setg(errp, "socket cannot be used with KVM: nothing would "
                   "program the guest's crypto control block; use sysfsdev");
        return false;
    }
    return true;
}

static bool vfio_ap_attach(VFIOAPDevice *vapdev, Error **errp)
{
    VFIODevice *vdev = &vapdev->vdev;

#ifdef CONFIG_VFIO_USER
    if (vapdev->socket) {
        return vfio_ap_attach_user(vapdev, errp);
    }
#endif
    if (!vfio_device_get_name(vdev, errp)) {
        return false;
    }
    return vfio_device_attach(vdev->name, vdev, &address_space_memory, errp);
}

/* Undo what vfio_ap_attach() did, whatever point it reached. */
static void vfio_ap_detach(VFIOAPDevice *vapdev)
{
    VFIODevice *vdev = &vapdev->vdev;

    if (vdev->bcontainer) {
        vfio_device_detach(vdev);
    }
#ifdef CONFIG_VFIO_USER
    if (vdev->proxy) {
        vfio_user_disconnect(vdev->proxy);
        vdev->proxy = NULL;
    }
#endif
    vfio_device_free_name(vdev);
}

static void vfio_ap_realize(DeviceState *dev, Error **errp)
{
    ERRP_GUARD();
    VFIOAPDevice *vapdev = VFIO_AP_DEVICE(dev);
    VFIODevice *vdev = &vapdev->vdev;

    if (!vfio_ap_check_backend(vapdev, errp)) {
        return;
    }
    if (!vfio_ap_attach(vapdev, errp)) {
        goto error;
    }
    trace_vfio_ap_realize(vdev->name, vapdev->socket ? "vfio-user" : "kernel",
                          vdev->num_irqs);
    vfio_ap_find_insn_region(vapdev);
    if (!vfio_ap_register_irq(vapdev, VFIO_AP_REQ_IRQ_INDEX, vfio_ap_request,
                              errp)) {
        goto error;
    }
    if (!vfio_ap_register_irq(vapdev, VFIO_AP_CFG_CHG_IRQ_INDEX,
                              vfio_ap_cfg_change, errp)) {
        goto error_irq;
    }
    vapdev->airqs = vfio_ap_airq_setup(vdev, errp);
    if (*errp) {
        goto error_cfg_irq;
    }
    if (!vapdev->airqs && vapdev->insn_region &&
        s390_has_feat(S390_FEAT_AP_QUEUE_INTERRUPT_CONTROL)) {
        warn_report(VFIO_MSG_PREFIX "the backend raises no AP queue "
                    "interrupts: run the guest with -cpu ...,apqi=off, so "
                    "that it polls", vdev->name);
    }
    QTAILQ_INSERT_TAIL(&vfio_ap_devices, vapdev, next);
    if (!unplug_events_reset) {
        qemu_register_reset(vfio_ap_drop_unplug_events, NULL);
        unplug_events_reset = true;
    }
    return;

error_cfg_irq:
    vfio_ap_unregister_irq(vapdev, VFIO_AP_CFG_CHG_IRQ_INDEX);
error_irq:
    vfio_ap_unregister_irq(vapdev, VFIO_AP_REQ_IRQ_INDEX);
error:
    vfio_ap_drop_insn_region(vapdev);
    /* without a name yet, the message already says which device */
    if (vdev->name) {
        error_prepend(errp, VFIO_MSG_PREFIX, vdev->name);
    }
    vfio_ap_detach(vapdev);
}

static void vfio_ap_unrealize(DeviceState *dev)
{
    VFIOAPDevice *vapdev = VFIO_AP_DEVICE(dev);

    trace_vfio_ap_unrealize(vapdev->vdev.name, vapdev->pending_cfg_events);
    /*
     * Its pending events are not the guest's business any more; that its
     * queues are gone is, as one configuration change.
     */
    QTAILQ_REMOVE(&vfio_ap_devices, vapdev, next);
    vapdev->pending_cfg_events = 0;
    vfio_ap_unplug_events++;
    css_generate_css_crws(0);
    vfio_ap_airq_teardown(vapdev->airqs, vfio_ap_backend_gone(vapdev));
    vapdev->airqs = NULL;
    vfio_ap_unregister_irq(vapdev, VFIO_AP_CFG_CHG_IRQ_INDEX);
    vfio_ap_unregister_irq(vapdev, VFIO_AP_REQ_IRQ_INDEX);
    vfio_ap_drop_insn_region(vapdev);
    vfio_ap_detach(vapdev);
}

static void vfio_ap_reset(DeviceState *dev)
{
    VFIOAPDevice *vapdev = VFIO_AP_DEVICE(dev);
    VFIODevice *vdev = &vapdev->vdev;
    int ret = 0;

    /* the channel subsystem's reset dropped the report words too */
    vapdev->pending_cfg_events = 0;
    /* and the backend's reset turns every queue's interrupts off */
    vfio_ap_airq_reset(vapdev->airqs);
#ifdef CONFIG_VFIO_USER
    if (vdev->proxy) {
        trace_vfio_ap_reset(vdev->name, vfio_ap_backend_gone(vapdev) ?
                            -ENOTCONN : vfio_ap_user_reset(vdev));
        return;
    }
#endif
    if (ioctl(vdev->fd, VFIO_DEVICE_RESET)) {
        ret = -errno;
        error_report(VFIO_MSG_PREFIX "reset failed: %s", vdev->name,
                     strerror(errno));
    }
    trace_vfio_ap_reset(vdev->name, ret);
}

static void vfio_ap_get_pending(Object *obj, Visitor *v, const char *name,
                                void *opaque, Error **errp)
{
    uint32_t pending = VFIO_AP_DEVICE(obj)->pending_cfg_events;

    visit_type_uint32(v, name, &pending, errp);
}

/* a test hook: has the vfio-user backend's connection ended? */
static bool vfio_ap_get_backend_gone(Object *obj, Error **errp)
{
    return vfio_ap_backend_gone(VFIO_AP_DEVICE(obj));
}

static const Property vfio_ap_properties[] = {
    DEFINE_PROP_STRING("sysfsdev", VFIOAPDevice, vdev.sysfsdev),
    DEFINE_PROP_UINT32("x-msg-timeout", VFIOAPDevice, msg_timeout, 5000),
#ifdef CONFIG_IOMMUFD
    DEFINE_PROP_LINK("iommufd", VFIOAPDevice, vdev.iommufd,
                     TYPE_IOMMUFD_BACKEND, IOMMUFDBackend *),
#endif
};

static const VMStateDescription vfio_ap_vmstate = {
    .name = "vfio-ap",
    .unmigratable = 1,
};

static void vfio_ap_instance_init(Object *obj)
{
    VFIOAPDevice *vapdev = VFIO_AP_DEVICE(obj);
    VFIODevice *vdev = &vapdev->vdev;

    /* no guest page is pinned for longer than an interrupt registration */
    vfio_device_init(vdev, VFIO_DEVICE_TYPE_AP, &vfio_ap_ops, DEVICE(vapdev),
                     true);
    vdev->mdev = true;
}

static void vfio_ap_instance_finalize(Object *obj)
{
    qapi_free_SocketAddress(VFIO_AP_DEVICE(obj)->socket);
}

#ifdef CONFIG_IOMMUFD
static void vfio_ap_set_fd(Object *obj, const char *str, Error **errp)
{
    vfio_device_set_fd(&VFIO_AP_DEVICE(obj)->vdev, str, errp);
}
#endif

static void vfio_ap_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    APDeviceClass *adc = AP_DEVICE_CLASS(klass);

    device_class_set_props(dc, vfio_ap_properties);
    adc->execute = vfio_ap_execute;
#ifdef CONFIG_IOMMUFD
    object_class_property_add_str(klass, "fd", NULL, vfio_ap_set_fd);
#endif
    object_class_property_add(klass, "socket", "SocketAddress", NULL,
                              vfio_ap_set_socket, NULL, NULL);
    /* a test hook: what the guest has not fetched with CHSC SEI */
    object_class_property_add(klass, "x-pending-config-events", "uint32",
                              vfio_ap_get_pending, NULL, NULL, NULL);
    object_class_property_add_bool(klass, "x-backend-gone",
                                   vfio_ap_get_backend_gone, NULL);
    dc->vmsd = &vfio_ap_vmstate;
    dc->desc = "VFIO-based AP device assignment";
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    dc->realize = vfio_ap_realize;
    dc->unrealize = vfio_ap_unrealize;
    dc->hotpluggable = true;
    device_class_set_legacy_reset(dc, vfio_ap_reset);
    dc->bus_type = TYPE_AP_BUS;

    object_class_property_set_description(klass, "sysfsdev",
        "Host sysfs path of the mediated device (kernel backend)");
    object_class_property_set_description(klass, "socket",
        "vfio-user server of the device: a UNIX socket path or SocketAddress");
    object_class_property_set_description(klass, "x-pending-config-events",
        "AP configuration changes the guest has not fetched yet (tests)");
    object_class_property_set_description(klass, "x-backend-gone",
        "The vfio-user connection has ended (tests)");
#ifdef CONFIG_IOMMUFD
    object_class_property_set_description(klass, "iommufd",
        "Host IOMMUFD backend of the device");
#endif
}

static const TypeInfo vfio_ap_info = {
    .name = TYPE_VFIO_AP_DEVICE,
    .parent = TYPE_AP_DEVICE,
    .instance_size = sizeof(VFIOAPDevice),
    .instance_init = vfio_ap_instance_init,
    .instance_finalize = vfio_ap_instance_finalize,
    .class_init = vfio_ap_class_init,
};

static void vfio_ap_register_types(void)
{
    type_register_static(&vfio_ap_info);
}

type_init(vfio_ap_register_types)
