/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated machine the vfio_ap driver runs on in user space: an AP bus
 * with a host configuration and queue devices, a VFIO/mdev core, and KVM
 * guests.  Tests and the demo drive it through this interface, the way an
 * administrator, QEMU and the hardware would.
 */
#ifndef _SIM_H
#define _SIM_H

#include <linux/kernel.h>
#include <linux/vfio.h>
#include <linux/kvm_host.h>
#include <asm/ap.h>

/* ---- masks: "3,5-7" <-> 256-bit MSB-first masks ---- */
int sim_mask_parse(const char *list, unsigned long *mask);
void sim_mask_format(const unsigned long *mask, char *out, size_t size);

/* ---- the AP bus and its hardware ---- */
void sim_ap_init(bool apxa, unsigned int na, unsigned int nd);
void sim_ap_exit(void);
/* set the host configuration; with the driver loaded this is a config change */
void sim_ap_host_set(const unsigned long *apm, const unsigned long *aqm,
		     const unsigned long *adm);
void sim_ap_host_get(struct ap_config_info *info);
/* /sys/bus/ap/apmask and aqmask: bits set = kept for the host's drivers */
int sim_ap_write_perm(bool adapters, const unsigned long *mask);
/*
 * The same files as sysfs takes them: "0x" and hex digits, the bits from
 * the left (the whole mask), or "+N[-M]" and "-N[-M]" terms joined by
 * commas (changes of the mask); -EINVAL, or -EBUSY as above
 */
int sim_ap_store_perm(bool adapters, const char *buf);
void sim_ap_read_perm(bool adapters, unsigned long *mask);
/* the APQN of the next queue device after @apqn (-1: the first), or -1 */
int sim_ap_next_queue(int apqn);
/* "vfio_ap", "default", or NULL when there is no such queue device */
const char *sim_ap_queue_driver(int apqn);
struct device *sim_ap_queue_dev(int apqn);
/* sysfs unbind/bind of one queue from/to vfio_ap; 0 or -ENODEV */
int sim_ap_queue_unbind(int apqn);
int sim_ap_queue_bind(int apqn);

/*
 * A queue's interrupt state in the firmware.  Turning interrupts on or off
 * is asynchronous, as on the machine: AQIC answers at once, and the change
 * shows in the status a few instructions later (time here is counted in
 * the instructions that see the queue's status: TAPQ, NQAP and DQAP).
 * The adapter stores the NIB while interrupts show on, until they show off.
 */
enum sim_irq_state {
	SIM_IRQ_OFF,
	SIM_IRQ_ENABLING,	/* AQIC(on) taken, still shows off, no store */
	SIM_IRQ_ON,
	SIM_IRQ_DISABLING,	/* AQIC(off) or a reset taken, still shows on */
};

/* per-queue hardware behaviour a test can set */
struct sim_ap_hw {
	int zapq_rc;		/* response to ZAPQ */
	int tapq_rc;		/* response to TAPQ once reset is done */
	int aqic_rc;		/* response to AQIC, when not 0 */
	int aqic_on_rc;		/* response to AQIC(on) only, when not 0 */
	int reset_polls;	/* TAPQs that see a reset in progress; -1: all */
	int irq_on_polls;	/* instructions that still see them off after AQIC(on) */
	int irq_off_polls;	/* ... still see them on after AQIC(off), or a reset */
	int reset_ms;		/* real time a reset takes, after the polls */
	int zapq_busy;		/* ZAPQs answered busy (05) before one is taken */
	int zapq_busy_each;	/* zapq_busy again after each one taken */
	int assoc_rc;		/* after the next reset, every instruction
				 * answers it until a reset (once) */
	/* state */
	int polls_left;
	int irq_left;		/* instructions before the change of @irq shows */
	u64 reset_done_ns;	/* CLOCK_MONOTONIC time the reset ends */
	enum sim_irq_state irq;
	int assoc_pending;	/* the association error answered now */
	bool irq_after_reset;	/* @irq goes off once the reset is over */
	bool reset_refused;	/* the last ZAPQ was refused (zapq_rc) */
	phys_addr_t nib;	/* host address of the indicator byte */
	unsigned int gisc;	/* guest ISC ... */
	u32 gisa;		/* ... of the guest with this GISA designation */
	unsigned long irqs_posted;	/* NIB stores that found it zero */
	unsigned long zapqs;	/* resets seen */
};
struct sim_ap_hw *sim_ap_hw(int apqn);
/* how a queue's resets go from now on, set under the hardware's lock */
enum sim_reset_fault {
	SIM_RESET_CLEAN,	/* at once */
	SIM_RESET_SLOW,		/* after a few polls, within the bound */
	SIM_RESET_BUSY,		/* ZAPQ answered busy twice, then taken */
	SIM_RESET_HANGS,	/* never finishes */
	SIM_RESET_FAILS,	/* ZAPQ refused with an error */
};
void sim_ap_set_reset_fault(int apqn, enum sim_reset_fault fault);
/* how many instructions an enable, and a disable, take to show from now */
void sim_ap_set_irq_timing(int apqn, int on_polls, int off_polls);
/* a queue's hardware as it comes up: a reset and an enable take one poll */
void sim_ap_hw_defaults(struct sim_ap_hw *hw);
unsigned long sim_ap_total_zapqs(void);
/*
 * Queues whose adapter may store the NIB now into a page no device has
 * pinned (checked against the VFIO core's pins); 0 in a correct driver
 */
unsigned int sim_ap_unpinned_nibs(void);
/* NIB stores so far that landed in a page not pinned */
unsigned long sim_ap_stray_nib_stores(void);
/*
 * A reply ready on @apqn (see sim_ap_reply_ready()), unless the queue's
 * last ZAPQ was refused: its interrupts cannot be turned off, and once
 * its guest is gone the driver must let the NIB's page go all the same
 */
void sim_ap_reply_ready_unless_refused(int apqn);
/* the queue's interrupt state, without an instruction seeing it */
enum sim_irq_state sim_ap_irq_state(int apqn);
/*
 * How many threads compute the cards' requests (1-SIM_AP_MAX_CARD_WORKERS,
 * all by default), and whether they run at idle priority (SCHED_IDLE);
 * before the first request only (-EBUSY after).  A real card computes on
 * its own processors; the simulated ones share the host's CPUs with the
 * guest's vCPUs, and at idle priority never take a CPU from them.
 */
#define SIM_AP_MAX_CARD_WORKERS	4
int sim_ap_set_card_workers(unsigned int n, bool idle_priority);
/* the card type (AP_DEVICE_TYPE_CEX4..8) of an adapter; CEX8 by default */
int sim_ap_set_card_type(unsigned int apid, int type);
int sim_ap_card_type(unsigned int apid);
/*
 * A guest's NQAP and DQAP on a queue of the host (see sim/ap_card.h); the
 * firmware (vfio-ap-sim/insn.c) has checked the guest may use it.
 */
struct ap_queue_status sim_ap_nqap(int apqn, u64 psmid, const u8 *part,
				   size_t len, size_t left, bool *partial);
struct ap_queue_status sim_ap_dqap(int apqn, u64 *psmid, u8 *buf, size_t room,
				   size_t *stored, size_t *residual);
/* deliberately wrong answers, to show that the tests catch them */
#define SIM_FAULT_CORRUPT_RESULT	0x1	/* last byte of a reply flipped */
#define SIM_FAULT_REPLY_ORDER		0x2	/* newest reply first */
#define SIM_FAULT_NO_DEPTH_LIMIT	0x4	/* a queue is never full */
#define SIM_FAULT_TAPQ_INFO		0x8	/* no device type in TAPQ */
void sim_ap_set_faults(unsigned int faults);
unsigned int sim_ap_get_faults(void);
/* called while ap_apqn_in_matrix_owned_by_def_drv() runs; for tests */
extern void (*sim_ap_perm_check_hook)(void);

/* ---- the driver ---- */
int sim_driver_load(void);
void sim_driver_unload(void);

/* ---- mdevs and VFIO ---- */
struct mdev_device *sim_mdev_create(const char *uuid);	/* ERR_PTR on error */
/* the type's name as mdev_supported_types shows it */
const char *sim_mdev_type_name(void);
/* the type's available_instances as the mdev core shows it */
unsigned int sim_mdev_available_instances(void);
void sim_mdev_remove(struct mdev_device *mdev);
struct vfio_device *sim_vfio_of(struct device *dev);
int sim_vfio_open(struct vfio_device *vdev, struct kvm *kvm);
void sim_vfio_close(struct vfio_device *vdev);
long sim_vfio_ioctl(struct vfio_device *vdev, unsigned int cmd, void *arg);
int sim_vfio_dma_map(struct vfio_device *vdev, u64 iova, u64 size, void *host);
void sim_vfio_dma_unmap(struct vfio_device *vdev, u64 iova, u64 size);
/* what user space does on a device request: close the device, or not */
extern bool sim_vfio_obey_requests;
long sim_pins_live(void);
/* whether the byte at host address @host is in a page a device has pinned */
bool sim_vfio_host_pinned(u64 host);
/* make vfio_unpin_pages() forget to unpin: shows the leak check works */
extern bool sim_vfio_drop_unpins;
unsigned long sim_vfio_errors(void);	/* core-level misuse seen */

int sim_attr_write(struct device *dev, const char *name, const char *val);
ssize_t sim_attr_read(struct device *dev, const char *name, char *buf);
/* a sysfs write: @count bytes of @buf (NUL-terminated) to the store */
ssize_t sim_attr_store(struct device *dev, const char *name, const char *buf,
		       size_t count);
/*
 * Call @fn with the name and mode of each attribute of @dev, until it
 * returns other than 0 (returned); the attributes stay while it runs.
 */
int sim_attr_for_each(struct device *dev,
		      int (*fn)(void *arg, const char *name, unsigned int mode),
		      void *arg);
/* the mdev core's parent (the matrix device) and its type's attributes */
struct device *sim_mdev_parent(void);
/* name, device_api, available_instances as the type shows them; -ENOENT */
ssize_t sim_mdev_type_show(const char *attr, char *buf);

/* ---- KVM guests ---- */
struct kvm *sim_kvm_create(size_t mem_size, gpa_t mem_base);
void sim_kvm_put(struct kvm *kvm);
/* a vCPU issues PQAP(AQIC); returns what KVM returns, *gr1 and *cc set */
int sim_kvm_pqap_aqic(struct kvm *kvm, int apqn, u64 ctrl, u64 nib,
		      u64 *gr1, int *cc);
void sim_kvm_masks(struct kvm *kvm, unsigned long *apm, unsigned long *aqm,
		   unsigned long *adm);
unsigned int sim_kvm_giscs(struct kvm *kvm);
/*
 * Secure Execution: the guest's vCPUs are protected; a page of its memory
 * is secure (not shared with the host: the ultravisor refuses to pin it
 * shared; 0 or -EINVAL outside the guest's memory); how many times a page
 * was made secure again (gmap_convert_to_secure()).
 */
void sim_kvm_set_protected(struct kvm *kvm, bool protected_guest);
int sim_kvm_set_page_secure(struct kvm *kvm, gpa_t gpa, bool secure);
unsigned long sim_kvm_secure_imports(struct kvm *kvm);
/* make kvm_s390_gisc_register() fail, as a full GIB would */
extern bool sim_kvm_gisc_fail;
long sim_kvm_live(void);
/*
 * The adapter interruptions of a guest: the eventfds signalled for its
 * ISCs @start .. @start + @count - 1 (@fds NULL: none; a reference is
 * kept; all or nothing), and the firmware's posting to the guest whose
 * GISA designation it was given by AQIC.
 */
int sim_kvm_set_isc_eventfds(struct kvm *kvm, unsigned int start,
			     unsigned int count, const int *fds);
void sim_gisa_post(u32 designation, unsigned int isc);
unsigned long sim_kvm_isc_posts(struct kvm *kvm, unsigned int isc);
/*
 * Guest memory the VMM has (the vfio-user server adds what the VMM maps
 * for DMA, as QEMU sets KVM's memslots from the same RAM)
 */
int sim_kvm_add_memslot(struct kvm *kvm, gpa_t base, size_t size);
void sim_kvm_del_memslot(struct kvm *kvm, gpa_t base);
/* the GISA designation the driver gives the firmware for @kvm */
u32 sim_kvm_gisa(struct kvm *kvm);

/* ---- eventfds ---- */
int sim_eventfd(void);			/* a new non-blocking eventfd */
u64 sim_eventfd_take(int fd);		/* its count, reset to 0 */
long sim_eventfd_ctx_live(void);

#endif /* _SIM_H */
