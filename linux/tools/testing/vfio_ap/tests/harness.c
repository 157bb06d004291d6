// SPDX-License-Identifier: GPL-2.0
/* Test helpers: see harness.h. */
#include <stdarg.h>
#include <sys/socket.h>


#include "harness.h"

static int passed, failed;
static bool current_failed;

bool t_check(bool ok, const char *what, const char *file, int line)
{
	if (!ok) {
		printf("#   FAILED %s:%d: %s\n", file, line, what);
		current_failed = true;
	}
	return ok;
}

bool t_check_str(const char *got, const char *want, const char *what,
		 const char *file, int line)
{
	bool ok = got && want && !strcmp(got, want);

	if (!ok) {
		printf("#   FAILED %s:%d: %s\n#     got:  \"%s\"\n#     want: \"%s\"\n",
		       file, line, what, got ? got : "(null)", want);
		current_failed = true;
	}
	return ok;
}

bool t_check_int(long got, long want, const char *what, const char *file,
		 int line)
{
	if (got != want) {
		printf("#   FAILED %s:%d: %s is %ld, want %ld\n", file, line,
		       what, got, want);
		current_failed = true;
	}
	return got == want;
}

void t_run(const char *name, void (*fn)(void))
{
	current_failed = false;
	fn();
	if (current_failed)
		failed++;
	else
		passed++;
	printf("%s %d - %s\n", current_failed ? "not ok" : "ok",
	       passed + failed, name);
	fflush(stdout);
}

int t_done(void)
{
	printf("1..%d\n%d passed, %d failed\n", passed + failed, passed, failed);
	return failed ? 1 : 0;
}

static long allocs_at_start;
static unsigned long stray_at_start;

void t_host(const char *apm, const char *aqm, const char *adm)
{
	DECLARE_BITMAP(a, 256);
	DECLARE_BITMAP(q, 256);
	DECLARE_BITMAP(d, 256);
	struct ap_config_info info;

	sim_ap_host_get(&info);
	bitmap_copy(a, (unsigned long *)info.apm, 256);
	bitmap_copy(q, (unsigned long *)info.aqm, 256);
	bitmap_copy(d, (unsigned long *)info.adm, 256);
	if (apm)
		sim_mask_parse(apm, a);
	if (aqm)
		sim_mask_parse(aqm, q);
	if (adm)
		sim_mask_parse(adm, d);
	sim_ap_host_set(a, q, d);
}

void t_machine_up_max(unsigned int na, unsigned int nd, const char *apm,
		      const char *aqm, const char *adm)
{
	allocs_at_start = shim_allocations_live();
	lockval_reset_failures();
	shim_warn_ons = 0;
	shim_ratelimit_reset();
	stray_at_start = sim_ap_stray_nib_stores();
	sim_ap_init(true, na, nd);
	t_host(apm, aqm, adm);
	CHECK_EQ_INT(sim_driver_load(), 0);
}

void t_machine_up(const char *apm, const char *aqm, const char *adm)
{
	t_machine_up_max(255, 255, apm, aqm, adm);
}

void t_machine_down(void)
{
	sim_driver_unload();
	sim_ap_exit();
	CHECK_EQ_INT(shim_allocations_live(), allocs_at_start);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 0);
	CHECK_EQ_INT(lockval_failures(), 0);
	CHECK_EQ_INT(lockval_held_count(), 0);
	CHECK_EQ_INT(shim_warn_ons, 0);
	CHECK_EQ_INT(sim_vfio_errors(), 0);
	CHECK_EQ_INT(sim_ap_stray_nib_stores() - stray_at_start, 0);
}

bool t_irq_shows(int apqn, bool on)
{
	int i;

	for (i = 0; i < 100; i++)
		if (ap_tapq(apqn, NULL).irq_enabled == on)
			return true;
	return false;
}

struct device *t_matrix_dev(void)
{
	return &matrix_dev->device;
}

struct mdev_device *t_mdev(const char *uuid)
{
	struct mdev_device *mdev = sim_mdev_create(uuid);

	CHECK(!IS_ERR(mdev));
	return IS_ERR(mdev) ? NULL : mdev;
}

int t_write(struct mdev_device *mdev, const char *attr, const char *val)
{
	return sim_attr_write(&mdev->dev, attr, val);
}

const char *t_read(struct mdev_device *mdev, const char *attr)
{
	static __thread char buf[PAGE_SIZE + 1];

	if (sim_attr_read(&mdev->dev, attr, buf) < 0)
		return "(error)";
	return buf;
}

struct ap_matrix_mdev *t_matrix_mdev(struct mdev_device *mdev)
{
	return dev_get_drvdata(&mdev->dev);
}

struct vfio_device *t_vdev(struct mdev_device *mdev)
{
	return &t_matrix_mdev(mdev)->vdev;
}

static void assign_list(struct mdev_device *mdev, const char *attr,
			const char *list)
{
	DECLARE_BITMAP(mask, 256);
	unsigned long id;
	char num[8];

	CHECK_EQ_INT(sim_mask_parse(list, mask), 0);
	for_each_set_bit_inv(id, mask, 256) {
		snprintf(num, sizeof(num), "%lu", id);
		CHECK_EQ_INT(t_write(mdev, attr, num), 0);
	}
}

struct mdev_device *t_mdev_with(const char *uuid, const char *apm,
				const char *aqm)
{
	struct mdev_device *mdev = t_mdev(uuid);

	if (mdev) {
		assign_list(mdev, "assign_adapter", apm);
		assign_list(mdev, "assign_domain", aqm);
	}
	return mdev;
}

#define T_GUEST_MEM (1 << 20)

struct kvm *t_attach(struct mdev_device *mdev, gpa_t mem_base)
{
	struct kvm *kvm = sim_kvm_create(T_GUEST_MEM, mem_base);

	CHECK_EQ_INT(sim_vfio_open(t_vdev(mdev), kvm), 0);
	CHECK_EQ_INT(sim_vfio_dma_map(t_vdev(mdev), mem_base, T_GUEST_MEM,
				      kvm->mem), 0);
	return kvm;
}

void t_detach(struct mdev_device *mdev, struct kvm *kvm)
{
	sim_vfio_close(t_vdev(mdev));
	sim_vfio_dma_unmap(t_vdev(mdev), kvm->mem_base, T_GUEST_MEM);
	sim_kvm_put(kvm);
}

static const char *format3(const unsigned long *apm, const unsigned long *aqm,
			   const unsigned long *adm)
{
	static __thread char out[3][256], all[800];

	sim_mask_format(apm, out[0], sizeof(out[0]));
	sim_mask_format(aqm, out[1], sizeof(out[1]));
	sim_mask_format(adm, out[2], sizeof(out[2]));
	snprintf(all, sizeof(all), "%s %s %s", out[0], out[1], out[2]);
	return all;
}

const char *t_guest(struct kvm *kvm)
{
	DECLARE_BITMAP(apm, 256);
	DECLARE_BITMAP(aqm, 256);
	DECLARE_BITMAP(adm, 256);

	sim_kvm_masks(kvm, apm, aqm, adm);
	return format3(apm, aqm, adm);
}

const char *t_shadow(struct mdev_device *mdev)
{
	struct ap_matrix *s = &t_matrix_mdev(mdev)->shadow_apcb;
	const char *r;

	mutex_lock(&matrix_dev->mdevs_lock);
	r = format3(s->apm, s->aqm, s->adm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	return r;
}

void t_attach_fds(struct msghdr *mh, void *cbuf, const int *fds, int nfds)
{
	struct cmsghdr *cm;

	if (!nfds)
		return;
	mh->msg_control = cbuf;
	mh->msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
}
