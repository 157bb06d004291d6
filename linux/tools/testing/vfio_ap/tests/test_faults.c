// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure: each allocation of each operation is failed in turn.
 * The operation must fail cleanly (or succeed without that allocation),
 * leave the state as it was and leak nothing.
 */
#include <unistd.h>
#include <linux/vfio_ap.h>

#include "harness.h"

#define UUID1 "dddddddd-0000-0000-0000-000000000001"
#define UUID2 "dddddddd-0000-0000-0000-000000000002"

/* what an operation may change, as text */
static void snapshot(struct mdev_device *m, struct kvm *kvm, char *out,
		     size_t size)
{
	struct ap_matrix_mdev *mm;
	int n = 0;

	n += snprintf(out + n, size - n, "allocs=%ld pins=%ld ctx=%ld ",
		      shim_allocations_live(), sim_pins_live(),
		      sim_eventfd_ctx_live());
	mutex_lock(&matrix_dev->guests_lock);
	list_for_each_entry(mm, &matrix_dev->mdev_list, node)
		n += snprintf(out + n, size - n, "mdev ");
	mutex_unlock(&matrix_dev->guests_lock);
	if (m)
		n += snprintf(out + n, size - n, "%s|%s|%s", t_read(m, "ap_config"),
			      t_shadow(m), t_read(m, "matrix"));
	if (kvm)
		snprintf(out + n, size - n, "|guest %s", t_guest(kvm));
}

/* run @op with its nth allocation failing, for n = 1 .. allocations made */
static void each_allocation(const char *name, struct mdev_device *m,
			    struct kvm *kvm, int (*op)(void), void (*undo)(void))
{
	char before[4096], after[4096];
	long made, n;
	int ret;

	made = shim_allocations_made();
	CHECK_EQ_INT(op(), 0);
	made = shim_allocations_made() - made;
	undo();
	printf("# %s: %ld allocation(s)\n", name, made);
	for (n = 1; n <= made; n++) {
		snapshot(m, kvm, before, sizeof(before));
		shim_fail_nth_alloc(n);
		ret = op();
		shim_fail_nth_alloc(0);
		if (ret) {
			snapshot(m, kvm, after, sizeof(after));
			CHECK_EQ_STR(after, before);
			CHECK_EQ_INT(ret, -ENOMEM);
		} else {
			undo();
		}
	}
}

static struct mdev_device *created;

static int op_mdev_create(void)
{
	created = sim_mdev_create(UUID2);
	return IS_ERR(created) ? PTR_ERR(created) : 0;
}

static void undo_mdev_create(void)
{
	sim_mdev_remove(created);
}

static struct device *qdev;

static int op_queue_probe(void)
{
	return matrix_dev->vfio_ap_drv->probe(to_ap_dev(qdev));
}

static void undo_queue_probe(void)
{
	matrix_dev->vfio_ap_drv->remove(to_ap_dev(qdev));
}

static struct vfio_device *vdev;
static int efd;

static int set_irq(int fd)
{
	struct {
		struct vfio_irq_set set;
		s32 fd;
	} arg = { { sizeof(arg), VFIO_IRQ_SET_DATA_EVENTFD |
		    VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_AP_IRQ_CFG_CHANGE, 0, 1 },
		  fd };

	return sim_vfio_ioctl(vdev, VFIO_DEVICE_SET_IRQS, &arg);
}

static int op_set_irqs(void)
{
	return set_irq(efd);
}

static void undo_set_irqs(void)
{
	set_irq(-1);
}

static int op_assign(void)
{
	return t_write(created, "assign_adapter", "3");
}

static void undo_assign(void)
{
	t_write(created, "unassign_adapter", "3");
}

static void test_faults(void)
{
	struct mdev_device *m;
	struct kvm *kvm;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev(UUID1);
	t_write(m, "assign_adapter", "1");
	t_write(m, "assign_domain", "1");
	kvm = sim_kvm_create(1 << 20, 0);
	CHECK_EQ_INT(sim_vfio_open(t_vdev(m), kvm), 0);
	CHECK_EQ_STR(t_guest(kvm), "1 1 -");

	each_allocation("mdev create", m, kvm, op_mdev_create, undo_mdev_create);

	/* a queue of the guest's adapter: its probe failing keeps it out */
	qdev = sim_ap_queue_dev(AP_MKQID(1, 1));
	undo_queue_probe();
	CHECK_EQ_STR(t_guest(kvm), "- 1 -");
	each_allocation("queue probe", m, kvm, op_queue_probe, undo_queue_probe);
	CHECK_EQ_INT(op_queue_probe(), 0);
	CHECK_EQ_STR(t_guest(kvm), "1 1 -");

	vdev = t_vdev(m);
	efd = sim_eventfd();
	each_allocation("SET_IRQS", m, kvm, op_set_irqs, undo_set_irqs);
	close(efd);

	/* assignments allocate nothing: the loop shows zero */
	created = t_mdev(UUID2);
	each_allocation("assign_adapter", created, NULL, op_assign, undo_assign);
	sim_mdev_remove(created);

	sim_vfio_close(t_vdev(m));
	sim_mdev_remove(m);
	sim_kvm_put(kvm);
	t_machine_down();
}

/* loading the driver with each of its allocations failing */
static void test_load_faults(void)
{
	long made, n, live;

	t_machine_up("0-3", "0-3", "0");
	sim_driver_unload();
	live = shim_allocations_live();
	made = shim_allocations_made();
	CHECK_EQ_INT(sim_driver_load(), 0);
	made = shim_allocations_made() - made;
	printf("# driver load: %ld allocation(s)\n", made);
	sim_driver_unload();
	for (n = 1; n <= made; n++) {
		shim_fail_nth_alloc(n);
		if (!sim_driver_load())
			sim_driver_unload();
		shim_fail_nth_alloc(0);
		CHECK_EQ_INT(shim_allocations_live(), live);
	}
	CHECK_EQ_INT(sim_driver_load(), 0);
	t_machine_down();
}

int main(void)
{
	setenv("SIM_QUIET", "1", 1);
	t_run("each allocation of each operation fails in turn", test_faults);
	t_run("driver load with each allocation failing", test_load_faults);
	return t_done();
}
