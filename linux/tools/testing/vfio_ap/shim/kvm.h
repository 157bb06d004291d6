/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parts of an s390 KVM guest the vfio_ap driver touches, for the
 * user-space build.  The simulated KVM (sim/kvm_sim.c) implements them and
 * keeps what a test needs to see: the guest's AP masks and how often they
 * were set, the guest ISCs registered, the guest's memory.
 */
#ifndef _SHIM_KVM_H
#define _SHIM_KVM_H

#include "bitops.h"

struct kvm_vcpu;
typedef int (*crypto_hook)(struct kvm_vcpu *vcpu);

#define ECA_AIV		0x00200000
#define ECA_APIE	0x00000008

struct kvm_s390_gisa {
	u32 next_alert;
};

struct kvm_s390_crypto {
	u32 crycbd;
	struct rw_semaphore pqap_hook_rwsem;
	crypto_hook *pqap_hook;
	/* the guest's APCB as the vCPUs see it */
	DECLARE_BITMAP(apm, 256);
	DECLARE_BITMAP(aqm, 256);
	DECLARE_BITMAP(adm, 256);
	unsigned long masks_set;	/* updates pushed to the vCPUs */
};

/* the guest's address space, as the ultravisor calls see it */
struct gmap {
	struct kvm *kvm;
};

struct kvm_arch {
	struct kvm_s390_crypto crypto;
	struct {
		struct kvm_s390_gisa *origin;
	} gisa_int;
	struct gmap *gmap;
};

struct kvm {
	struct mutex lock;
	struct kvm_arch arch;
	/* simulator's own state */
	int users;			/* references, under sim_kvm_refs_lock */
	unsigned int gisc_refs[8];	/* guest ISC registrations */
	void *mem;			/* guest memory ... */
	gpa_t mem_base;			/* ... at this guest address */
	size_t mem_size;
	/* more guest memory, the VMM's, as it DMA-maps it (vfio-user) */
	struct { gpa_t base; size_t size; } slots[8];
	/* the GISA, its designation unique among live guests (sim/kvm_sim.c) */
	struct kvm_s390_gisa *gisa;
	struct kvm *gisa_next;		/* live guests, under the GISA lock */
	struct eventfd_ctx *isc_ctx[8];	/* adapter interruption eventfds */
	unsigned long isc_posts[8];	/* interruptions posted per ISC */
	/* Secure Execution: the guest is protected, and its secure pages */
	struct gmap gmap_sim;
	bool protected_guest;
	unsigned char *secure_pages;	/* per page of mem, under the GISA lock */
	unsigned long secure_imports;	/* gmap_convert_to_secure() calls */
};

struct kvm_run {
	struct {
		struct {
			u64 gprs[16];
		} regs;
	} s;
};

struct kvm_s390_sie_block {
	u32 eca;
};

struct kvm_vcpu {
	struct kvm *kvm;
	struct kvm_run *run;
	struct mutex mutex;	/* held by KVM around the intercept handlers */
	struct {
		struct kvm_s390_sie_block *sie_block;
		struct {
			u64 handle;	/* non-zero: a Secure Execution vCPU */
		} pv;
	} arch;
};

void kvm_get_kvm(struct kvm *kvm);
void kvm_put_kvm(struct kvm *kvm);
void kvm_arch_crypto_set_masks(struct kvm *kvm, unsigned long *apm,
			       unsigned long *aqm, unsigned long *adm);
void kvm_arch_crypto_clear_masks(struct kvm *kvm);
int kvm_s390_gisc_register(struct kvm *kvm, u32 gisc);
int kvm_s390_gisc_unregister(struct kvm *kvm, u32 gisc);
bool kvm_is_gpa_in_memslot(struct kvm *kvm, gpa_t gpa);
bool kvm_s390_pv_cpu_is_protected(struct kvm_vcpu *vcpu);

#endif /* _SHIM_KVM_H */
