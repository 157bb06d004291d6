// SPDX-License-Identifier: GPL-2.0
/*
 * make demo: the vfio_ap driver, in its user-space harness, doing what an
 * administrator, QEMU and the host do to it, with the guest's AP
 * configuration (APCB) shown after each step.
 */
#include <unistd.h>
#include <linux/vfio_ap.h>

#include "tests/harness.h"

#define UUID "62177883-f1bb-47f0-914d-32a22e3a8804"

static struct kvm *kvm;
static struct mdev_device *mdev;
static int cfg_fd;

/* an attribute's lines on one line */
static void print_attr(const char *label, const char *attr)
{
	char buf[PAGE_SIZE], *p;

	snprintf(buf, sizeof(buf), "%s", t_read(mdev, attr));
	for (p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	printf("   %-18s %s\n", label, *buf ? buf : "(none)");
}

static void show(const char *step)
{
	char list[3][256];
	DECLARE_BITMAP(apm, 256);
	DECLARE_BITMAP(aqm, 256);
	DECLARE_BITMAP(adm, 256);
	u64 events = cfg_fd >= 0 ? sim_eventfd_take(cfg_fd) : 0;

	printf("\n== %s\n", step);
	if (mdev) {
		print_attr("matrix (assigned)", "matrix");
		print_attr("guest_matrix", "guest_matrix");
	}
	if (kvm) {
		sim_kvm_masks(kvm, apm, aqm, adm);
		sim_mask_format(apm, list[0], sizeof(list[0]));
		sim_mask_format(aqm, list[1], sizeof(list[1]));
		sim_mask_format(adm, list[2], sizeof(list[2]));
		printf("   guest APCB (CRYCB): adapters %s | domains %s | control domains %s\n",
		       list[0], list[1], list[2]);
		printf("   config-change eventfd: %llu signal(s); CRYCB updates so far: %lu\n",
		       (unsigned long long)events, kvm->arch.crypto.masks_set);
	}
}

static void write_attr(const char *attr, const char *val)
{
	int ret = t_write(mdev, attr, val);

	printf("\n$ echo %s > .../%s/%s   -> %s\n", val, UUID, attr,
	       ret ? strerror(-ret) : "ok");
}

static void demo(void)
{
	struct {
		struct vfio_irq_set set;
		s32 fd;
	} irq = { { sizeof(irq), VFIO_IRQ_SET_DATA_EVENTFD |
		    VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_AP_IRQ_CFG_CHANGE, 0, 1 } };
	DECLARE_BITMAP(mask, 256);
	char buf[PAGE_SIZE];
	u64 gr1;
	int cc;

	setenv("SIM_QUIET", "1", 1);
	cfg_fd = -1;
	printf("vfio_ap demo: host with adapters 0-7, domains 0-15, control domains 0-15;\n"
	       "every queue free for vfio_ap; driver loaded.\n");
	t_machine_up("0-7", "0-15", "0-15");
	sim_attr_read(t_matrix_dev(), "features", buf);
	printf("matrix device features: %s", buf);

	mdev = t_mdev(UUID);
	show("mdev " UUID " created (type vfio_ap-passthrough)");
	write_attr("assign_adapter", "0x03");
	write_attr("assign_adapter", "4");
	write_attr("assign_domain", "0x0005");
	write_attr("assign_control_domain", "5");
	show("assigned 03, 04 x 0005, control domain 0005; no guest yet");

	kvm = sim_kvm_create(1 << 20, 0);
	printf("\n$ qemu-system-s390x ... -device vfio-ap,sysfsdev=/sys/bus/mdev/devices/%s\n",
	       UUID);
	sim_vfio_open(t_vdev(mdev), kvm);
	sim_vfio_dma_map(t_vdev(mdev), 0, 1 << 20, kvm->mem);
	cfg_fd = sim_eventfd();
	irq.fd = cfg_fd;
	sim_vfio_ioctl(t_vdev(mdev), VFIO_DEVICE_SET_IRQS, &irq);
	show("guest attached: it gets the shadow APCB");

	write_attr("assign_adapter", "6");
	show("hot plug: adapter 06 into the running guest");
	write_attr("assign_domain", "0x0007");
	show("hot plug: domain 0007");

	sim_kvm_pqap_aqic(kvm, AP_MKQID(3, 5), 0x0000800000000006UL, 0x2000,
			  &gr1, &cc);
	printf("\nguest: PQAP(AQIC) on 03.0005, ISC 6, NIB at 0x2000 -> cc %d, "
	       "status 0x%08llx; pinned pages: %ld\n", cc,
	       (unsigned long long)gr1, sim_pins_live());
	sim_attr_read(sim_ap_queue_dev(AP_MKQID(3, 5)), "status", buf);
	printf("queue 03.0005 status: %s", buf);

	/* aqmask first: with an empty apmask it moves no queue */
	sim_mask_parse("0-15", mask);
	sim_ap_write_perm(false, mask);
	sim_mask_parse("4", mask);
	printf("\n$ echo 0x08... > /sys/bus/ap/apmask   (adapter 4 back to the host)\n");
	printf("   -> %s\n", sim_ap_write_perm(true, mask) == -EBUSY ?
	       "refused: in use by the mdev (EBUSY)" : "done");
	show("apmask write refused; nothing changed");

	write_attr("assign_adapter", "0x100");
	show("bad input: adapter 256 does not exist; nothing changed");

	printf("\nhost: adapter 04 leaves the host configuration\n");
	t_host("0-3,5-7", NULL, NULL);
	show("hot unplug on config change: adapter 04 is gone from the guest");
	printf("\nhost: adapter 04 comes back; plugged on scan complete\n");
	t_host("0-7", NULL, NULL);
	show("hot plug on scan complete");

	write_attr("unassign_adapter", "3");
	show("hot unplug: adapter 03; its queues were reset, interrupts released");
	printf("   pinned pages now: %ld\n", sim_pins_live());

	sim_vfio_close(t_vdev(mdev));
	sim_vfio_dma_unmap(t_vdev(mdev), 0, 1 << 20);
	show("guest detached (QEMU closed the device)");
	sim_mdev_remove(mdev);
	mdev = NULL;
	sim_kvm_put(kvm);
	kvm = NULL;
	close(cfg_fd);
	t_machine_down();
	printf("\nmdev removed, driver unloaded; checked: no leak, no pinned page,\n"
	       "no lock-order report, no warning.\n");
}

int main(void)
{
	t_run("demo: mdev, guest, hot plug and unplug", demo);
	return t_done();
}
