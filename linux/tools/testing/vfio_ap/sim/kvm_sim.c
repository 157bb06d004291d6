// SPDX-License-Identifier: GPL-2.0
/*
 * Simulated s390 KVM guests: what the vfio_ap driver changes in a guest (its
 * AP masks, under kvm->lock) and KVM's PQAP(AQIC) intercept, which calls
 * the driver's hook under the PQAP hook rwsem as KVM does.
 */
#include <stdatomic.h>

#include "sim.h"

static atomic_long kvms_live;
static pthread_mutex_t refs_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The GISAs of live guests.  The driver hands the firmware a GISA as its
 * address shifted right by 4 in 27 bits (31-bit storage on a mainframe);
 * here a guest gets a GISA whose designation no other live guest has, so
 * that the firmware finds the guest by it.
 */
static pthread_mutex_t gisa_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kvm *gisa_guests;

#define GISA_DESIGNATION_MASK	((1U << 27) - 1)

static u32 gisa_designation(const struct kvm_s390_gisa *gisa)
{
	return (u32)(virt_to_phys(gisa) >> 4) & GISA_DESIGNATION_MASK;
}

/* called with gisa_lock held */
static struct kvm *guest_of_gisa(u32 designation)
{
	struct kvm *kvm;

	for (kvm = gisa_guests; kvm; kvm = kvm->gisa_next)
		if (gisa_designation(kvm->gisa) == designation)
			return kvm;
	return NULL;
}

/* a GISA for @kvm, linked among the live guests; false if none */
static bool gisa_create(struct kvm *kvm)
{
	struct kvm_s390_gisa *tried[8];
	int n, i;
	bool ok = false;

	pthread_mutex_lock(&gisa_lock);
	for (n = 0; n < 8; n++) {
		tried[n] = aligned_alloc(16, 16);
		if (!tried[n])
			break;
		if (!guest_of_gisa(gisa_designation(tried[n]))) {
			memset(tried[n], 0, 16);
			kvm->gisa = tried[n];
			kvm->gisa_next = gisa_guests;
			gisa_guests = kvm;
			ok = true;
			break;
		}
	}
	pthread_mutex_unlock(&gisa_lock);
	/* the ones that collided are given back only now, or they would recur */
	for (i = 0; i < n; i++)
		free(tried[i]);
	return ok;
}

static void gisa_destroy(struct kvm *kvm)
{
	struct kvm **link;
	int isc;

	pthread_mutex_lock(&gisa_lock);
	for (link = &gisa_guests; *link; link = &(*link)->gisa_next) {
		if (*link == kvm) {
			*link = kvm->gisa_next;
			break;
		}
	}
	for (isc = 0; isc < 8; isc++)
		if (kvm->isc_ctx[isc])
			eventfd_ctx_put(kvm->isc_ctx[isc]);
	pthread_mutex_unlock(&gisa_lock);
	free(kvm->gisa);
}

int sim_kvm_set_isc_eventfds(struct kvm *kvm, unsigned int start,
			     unsigned int count, const int *fds)
{
	struct eventfd_ctx *ctx[8] = { NULL };
	unsigned int i;

	if (start >= 8 || count > 8 - start)
		return -EINVAL;
	/* every eventfd first: a bad one changes nothing */
	for (i = 0; fds && i < count; i++) {
		ctx[i] = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(ctx[i])) {
			int ret = PTR_ERR(ctx[i]);

			while (i--)
				eventfd_ctx_put(ctx[i]);
			return ret;
		}
	}
	pthread_mutex_lock(&gisa_lock);
	for (i = 0; i < count; i++) {
		struct eventfd_ctx *old = kvm->isc_ctx[start + i];

		kvm->isc_ctx[start + i] = ctx[i];
		ctx[i] = old;
	}
	pthread_mutex_unlock(&gisa_lock);
	for (i = 0; i < count; i++)
		if (ctx[i])
			eventfd_ctx_put(ctx[i]);
	return 0;
}

void sim_gisa_post(u32 designation, unsigned int isc)
{
	struct kvm *kvm;

	pthread_mutex_lock(&gisa_lock);
	kvm = guest_of_gisa(designation);
	if (kvm && isc < 8) {
		kvm->isc_posts[isc]++;
		if (kvm->isc_ctx[isc])
			eventfd_signal(kvm->isc_ctx[isc]);
	}
	pthread_mutex_unlock(&gisa_lock);
}

u32 sim_kvm_gisa(struct kvm *kvm)
{
	return gisa_designation(kvm->gisa);
}

unsigned long sim_kvm_isc_posts(struct kvm *kvm, unsigned int isc)
{
	unsigned long n;

	pthread_mutex_lock(&gisa_lock);
	n = isc < 8 ? kvm->isc_posts[isc] : 0;
	pthread_mutex_unlock(&gisa_lock);
	return n;
}

struct kvm *sim_kvm_create(size_t mem_size, gpa_t mem_base)
{
	struct kvm *kvm = calloc(1, sizeof(*kvm));
	if (!kvm)
		return NULL;
	if (!gisa_create(kvm)) {
		free(kvm);
		return NULL;
	}
	mutex_init(&kvm->lock);
	init_rwsem(&kvm->arch.crypto.pqap_hook_rwsem);
	kvm->arch.crypto.crycbd = 0x1000 | 0x02;	/* format 2, APXA */
	kvm->arch.gisa_int.origin = kvm->gisa;
	kvm->gmap_sim.kvm = kvm;
	kvm->arch.gmap = &kvm->gmap_sim;
	/* page aligned, as guest memory is; none: the VMM's, as memslots */
	if (mem_size) {
		kvm->mem = aligned_alloc(PAGE_SIZE, mem_size);
		memset(kvm->mem, 0, mem_size);
	}
	kvm->mem_base = mem_base;
	kvm->mem_size = mem_size;
	kvm->users = 1;
	atomic_fetch_add(&kvms_live, 1);
	return kvm;
}

void kvm_get_kvm(struct kvm *kvm)
{
	pthread_mutex_lock(&refs_lock);
	kvm->users++;
	pthread_mutex_unlock(&refs_lock);
}

void kvm_put_kvm(struct kvm *kvm)
{
	int users;

	/* the last put destroys the guest: it must not hold the guest's lock */
	pthread_mutex_lock(&refs_lock);
	users = --kvm->users;
	pthread_mutex_unlock(&refs_lock);
	if (users)
		return;
	if (mutex_is_locked(&kvm->lock)) {
		/* a warning: the test that did it fails at its end */
		fprintf(stderr, "kvm: destroyed while kvm->lock is held\n");
		shim_warn_ons++;
	}
	gisa_destroy(kvm);
	free(kvm->secure_pages);
	free(kvm->mem);
	free(kvm);
	atomic_fetch_sub(&kvms_live, 1);
}

void sim_kvm_put(struct kvm *kvm)
{
	kvm_put_kvm(kvm);
}

long sim_kvm_live(void)
{
	return atomic_load(&kvms_live);
}

void kvm_arch_crypto_set_masks(struct kvm *kvm, unsigned long *apm,
			       unsigned long *aqm, unsigned long *adm)
{
	/* KVM blocks every vCPU for this; the driver must hold kvm->lock */
	lockdep_assert_held(&kvm->lock);
	bitmap_copy(kvm->arch.crypto.apm, apm, 256);
	bitmap_copy(kvm->arch.crypto.aqm, aqm, 256);
	bitmap_copy(kvm->arch.crypto.adm, adm, 256);
	kvm->arch.crypto.masks_set++;
}

void kvm_arch_crypto_clear_masks(struct kvm *kvm)
{
	lockdep_assert_held(&kvm->lock);
	bitmap_zero(kvm->arch.crypto.apm, 256);
	bitmap_zero(kvm->arch.crypto.aqm, 256);
	bitmap_zero(kvm->arch.crypto.adm, 256);
	kvm->arch.crypto.masks_set++;
}

void sim_kvm_masks(struct kvm *kvm, unsigned long *apm, unsigned long *aqm,
		   unsigned long *adm)
{
	mutex_lock(&kvm->lock);
	bitmap_copy(apm, kvm->arch.crypto.apm, 256);
	bitmap_copy(aqm, kvm->arch.crypto.aqm, 256);
	bitmap_copy(adm, kvm->arch.crypto.adm, 256);
	mutex_unlock(&kvm->lock);
}

/* a test makes the next registrations fail */
bool sim_kvm_gisc_fail;

/* the GIB: a guest ISC maps to the same host ISC here, counted */
int kvm_s390_gisc_register(struct kvm *kvm, u32 gisc)
{
	if (gisc > 7 || sim_kvm_gisc_fail)
		return -ERANGE;
	__atomic_fetch_add(&kvm->gisc_refs[gisc], 1, __ATOMIC_RELAXED);
	return gisc;
}

int kvm_s390_gisc_unregister(struct kvm *kvm, u32 gisc)
{
	if (gisc > 7 || !__atomic_load_n(&kvm->gisc_refs[gisc], __ATOMIC_RELAXED)) {
		fprintf(stderr, "kvm: unregister of guest ISC %u not registered\n",
			gisc);
		shim_warn_ons++;
		return -EINVAL;
	}
	__atomic_fetch_sub(&kvm->gisc_refs[gisc], 1, __ATOMIC_RELAXED);
	return 0;
}

unsigned int sim_kvm_giscs(struct kvm *kvm)
{
	unsigned int i, n = 0;

	for (i = 0; i < 8; i++)
		n += __atomic_load_n(&kvm->gisc_refs[i], __ATOMIC_RELAXED);
	return n;
}

static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

bool kvm_is_gpa_in_memslot(struct kvm *kvm, gpa_t gpa)
{
	bool in = gpa >= kvm->mem_base && gpa - kvm->mem_base < kvm->mem_size;
	int i;

	pthread_mutex_lock(&slots_lock);
	for (i = 0; !in && i < ARRAY_SIZE(kvm->slots); i++)
		in = kvm->slots[i].size && gpa >= kvm->slots[i].base &&
		     gpa - kvm->slots[i].base < kvm->slots[i].size;
	pthread_mutex_unlock(&slots_lock);
	return in;
}

int sim_kvm_add_memslot(struct kvm *kvm, gpa_t base, size_t size)
{
	int i, ret = -ENOSPC;

	pthread_mutex_lock(&slots_lock);
	for (i = 0; i < ARRAY_SIZE(kvm->slots); i++) {
		if (!kvm->slots[i].size) {
			kvm->slots[i].base = base;
			kvm->slots[i].size = size;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&slots_lock);
	return ret;
}

void sim_kvm_del_memslot(struct kvm *kvm, gpa_t base)
{
	int i;

	pthread_mutex_lock(&slots_lock);
	for (i = 0; i < ARRAY_SIZE(kvm->slots); i++)
		if (kvm->slots[i].size && kvm->slots[i].base == base)
			kvm->slots[i].size = 0;
	pthread_mutex_unlock(&slots_lock);
}

/*
 * KVM's handling of an intercepted PQAP(AQIC): call the hook under the
 * rwsem, set the condition code from the response code; no hook means no
 * queue ("not available").
 */
int sim_kvm_pqap_aqic(struct kvm *kvm, int apqn, u64 ctrl, u64 nib,
		      u64 *gr1, int *cc)
{
	struct kvm_s390_sie_block sie = { .eca = ECA_AIV | ECA_APIE };
	struct kvm_run run = {};
	struct kvm_vcpu vcpu_s = { .kvm = kvm, .run = &run };
	struct kvm_vcpu *vcpu = &vcpu_s;
	int ret = 0;

	mutex_init(&vcpu->mutex);
	vcpu->arch.sie_block = &sie;
	vcpu->arch.pv.handle = __atomic_load_n(&kvm->protected_guest,
					       __ATOMIC_RELAXED);
	run.s.regs.gprs[0] = (3UL << 24) | (apqn & 0xffff);
	run.s.regs.gprs[1] = ctrl;
	run.s.regs.gprs[2] = nib;

	/* KVM runs intercept handlers in the vCPU ioctl, its mutex held */
	mutex_lock(&vcpu->mutex);
	down_read(&kvm->arch.crypto.pqap_hook_rwsem);
	if (kvm->arch.crypto.pqap_hook) {
		ret = (*kvm->arch.crypto.pqap_hook)(vcpu);
	} else {
		run.s.regs.gprs[1] = (u64)AP_RESPONSE_Q_NOT_AVAIL << 16;
	}
	up_read(&kvm->arch.crypto.pqap_hook_rwsem);
	mutex_unlock(&vcpu->mutex);
	mutex_destroy(&vcpu->mutex);

	*gr1 = run.s.regs.gprs[1];
	*cc = (*gr1 & 0x00ff0000) ? 3 : 0;
	return ret;
}

/* ---- Secure Execution: the ultravisor's view of guest pages ---- */

bool kvm_s390_pv_cpu_is_protected(struct kvm_vcpu *vcpu)
{
	lockdep_assert_held(&vcpu->mutex);
	return vcpu->arch.pv.handle != 0;
}

void sim_kvm_set_protected(struct kvm *kvm, bool protected_guest)
{
	__atomic_store_n(&kvm->protected_guest, protected_guest,
			 __ATOMIC_RELAXED);
}

/* the page of guest memory at @gpa; -1 outside it.  gisa_lock held */
static long secure_index(struct kvm *kvm, u64 gpa)
{
	if (gpa < kvm->mem_base || gpa - kvm->mem_base >= kvm->mem_size)
		return -1;
	return (long)((gpa - kvm->mem_base) / PAGE_SIZE);
}

int sim_kvm_set_page_secure(struct kvm *kvm, gpa_t gpa, bool secure)
{
	long i;
	int ret = -EINVAL;

	pthread_mutex_lock(&gisa_lock);
	i = secure_index(kvm, gpa);
	if (i >= 0 && !kvm->secure_pages)
		kvm->secure_pages = calloc(kvm->mem_size / PAGE_SIZE, 1);
	if (i >= 0 && kvm->secure_pages) {
		kvm->secure_pages[i] = secure;
		ret = 0;
	}
	pthread_mutex_unlock(&gisa_lock);
	return ret;
}

unsigned long sim_kvm_secure_imports(struct kvm *kvm)
{
	unsigned long n;

	pthread_mutex_lock(&gisa_lock);
	n = kvm->secure_imports;
	pthread_mutex_unlock(&gisa_lock);
	return n;
}

/* the ultravisor pins a page shared: refused for a guest's secure page */
int uv_pin_shared(unsigned long paddr)
{
	struct kvm *kvm;
	int ret = 0;
	long i;

	pthread_mutex_lock(&gisa_lock);
	for (kvm = gisa_guests; kvm; kvm = kvm->gisa_next) {
		if (!kvm->mem || paddr < (unsigned long)kvm->mem ||
		    paddr - (unsigned long)kvm->mem >= kvm->mem_size)
			continue;
		i = (long)((paddr - (unsigned long)kvm->mem) / PAGE_SIZE);
		if (kvm->secure_pages && kvm->secure_pages[i])
			ret = -EINVAL;
		break;
	}
	pthread_mutex_unlock(&gisa_lock);
	return ret;
}

/* make a guest page secure again; a guest address, or a test failure */
int gmap_convert_to_secure(struct gmap *gmap, unsigned long gaddr)
{
	struct kvm *kvm = gmap->kvm;
	long i;

	pthread_mutex_lock(&gisa_lock);
	i = secure_index(kvm, gaddr);
	if (i >= 0)
		kvm->secure_imports++;
	pthread_mutex_unlock(&gisa_lock);
	if (i < 0) {
		fprintf(stderr, "uv: %#lx is no address of the guest\n", gaddr);
		shim_warn_ons++;
		return -EINVAL;
	}
	return 0;
}
