// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input gets a clear error and changes nothing: sysfs writes, VFIO
 * ioctl arguments, and a guest's PQAP(AQIC) operands.
 */
#include <unistd.h>
#include <linux/vfio_ap.h>

#include "harness.h"

#define UUID1 "eeeeeeee-0000-0000-0000-000000000001"
#define UUID2 "eeeeeeee-0000-0000-0000-000000000002"
#define IRQ_ON(isc) (0x0000800000000000UL | (isc))
#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"
#define ZERO64_MINUS1 "000000000000000000000000000000000000000000000000000000000000000"

static void state(struct mdev_device *m, char *out, size_t size)
{
	snprintf(out, size, "%s|%s|%s", t_read(m, "ap_config"), t_shadow(m),
		 t_read(m, "control_domains"));
}

static void test_sysfs_input(void)
{
	static const struct { const char *attr, *val; int err; } bad[] = {
		{ "assign_adapter", "", -EINVAL },
		{ "assign_adapter", "abc", -EINVAL },
		{ "assign_adapter", "-1", -EINVAL },
		{ "assign_adapter", "1 ", -EINVAL },
		{ "assign_adapter", "0x", -EINVAL },
		{ "assign_adapter", "99999999999999999999999", -ERANGE },
		{ "assign_adapter", "256", -ENODEV },
		{ "assign_domain", "0x100", -ENODEV },
		{ "assign_control_domain", "300", -ENODEV },
		{ "unassign_adapter", "256", -ENODEV },
		{ "unassign_domain", "x", -EINVAL },
		{ "assign_adapter", "2", -EADDRINUSE },	/* the other mdev's */
		{ "ap_config", "", -EINVAL },
		{ "ap_config", "0x" ZERO64, -EINVAL },
		{ "ap_config", "0x" ZERO64 ",0x" ZERO64, -EINVAL },
		{ "ap_config", "0x" ZERO64 "0,0x" ZERO64 ",0x" ZERO64, -EINVAL },
		{ "ap_config", "0x" ZERO64 ",0xg" ZERO64 ",0x" ZERO64, -EINVAL },
		{ "ap_config", "0X4,0x4,0x4", -EINVAL },	/* 6.12: "0x" only */
		{ "ap_config", "0x4,0x4 ,0x4", -EINVAL },
		{ "ap_config", "0x2000000000000000000000000000000000000000000000000000000000000000,0x"
		  "4000000000000000000000000000000000000000000000000000000000000000,0x" ZERO64,
		  -EADDRINUSE },
		{ "matrix", "1", -EACCES },
		{ "no_such_attribute", "1", -ENOENT },
	};
	char before[2048], after[2048];
	struct mdev_device *m, *other;
	unsigned int i;

	t_machine_up("0-15", "0-15", "0-3");
	m = t_mdev(UUID1);
	other = t_mdev(UUID2);
	CHECK_EQ_INT(t_write(other, "assign_adapter", "2"), 0);
	CHECK_EQ_INT(t_write(other, "assign_domain", "1"), 0);
	CHECK_EQ_INT(t_write(m, "assign_adapter", "0x05"), 0);
	CHECK_EQ_INT(t_write(m, "assign_domain", "1"), 0);
	CHECK_EQ_INT(t_write(m, "assign_control_domain", "1\n"), 0);
	state(m, before, sizeof(before));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = t_write(m, bad[i].attr, bad[i].val);

		if (ret != bad[i].err)
			printf("#   %s <- \"%s\"\n", bad[i].attr, bad[i].val);
		CHECK_EQ_INT(ret, bad[i].err);
		state(m, after, sizeof(after));
		CHECK_EQ_STR(after, before);
	}
	/* an APQN the host keeps for its own drivers */
	{
		DECLARE_BITMAP(mask, 256);

		sim_mask_parse("7", mask);
		CHECK_EQ_INT(sim_ap_write_perm(true, mask), 0);
		sim_mask_parse("3", mask);
		CHECK_EQ_INT(sim_ap_write_perm(false, mask), 0);
		CHECK_EQ_INT(t_write(m, "assign_domain", "3"), 0);
		CHECK_EQ_INT(t_write(m, "assign_adapter", "7"), -EADDRNOTAVAIL);
		CHECK_EQ_INT(t_write(m, "unassign_domain", "3"), 0);
		state(m, after, sizeof(after));
		CHECK_EQ_STR(after, before);
	}
	sim_mdev_remove(m);
	sim_mdev_remove(other);
	t_machine_down();
}

struct bad_write {
	const char *attr, *val;
	int err;
};

/*
 * On a host whose highest ids are @na and @nd, with 07.0003 kept for the
 * host's drivers and 08.0003 another mdev's: each write answers its error
 * and changes nothing
 */
static void check_bad_writes(unsigned int na, unsigned int nd,
			     const struct bad_write *w, unsigned int n)
{
	struct mdev_device *m, *other;
	DECLARE_BITMAP(mask, 256);
	char before[600], after[600];
	unsigned int i;

	t_machine_up_max(na, nd, "0-15", "0-15", "0-15");
	other = t_mdev_with(UUID2, "8", "3");
	m = t_mdev_with(UUID1, "7-8", "1");
	sim_mask_parse("7", mask);
	CHECK_EQ_INT(sim_ap_write_perm(true, mask), 0);
	sim_mask_parse("3", mask);
	CHECK_EQ_INT(sim_ap_write_perm(false, mask), 0);
	state(m, before, sizeof(before));
	for (i = 0; i < n; i++) {
		if (!t_check_int(t_write(m, w[i].attr, w[i].val), w[i].err,
				 w[i].val, __FILE__, __LINE__))
			continue;
		state(m, after, sizeof(after));
		CHECK_EQ_STR(after, before);
	}
	sim_mdev_remove(m);
	sim_mdev_remove(other);
	t_machine_down();
}

/*
 * A write with several errors answers the one Linux 6.12 checks first:
 * malformed (-EINVAL) before anything else, an APQN the host keeps for
 * its own drivers (-EADDRNOTAVAIL) before one of another mdev
 * (-EADDRINUSE); and nothing changes.
 */
static void test_several_errors(void)
{
	static const struct bad_write two[] = {
		{ "ap_config", "0x018,0x1,0x0", -EADDRNOTAVAIL },
		{ "ap_config", "0x018,0x1,0xz", -EINVAL },
		{ "ap_config", "0x008,0x1,0x0", -EADDRINUSE },
		{ "assign_domain", "3", -EADDRNOTAVAIL },
		{ "assign_domain", "03x", -EINVAL },
	};

	check_bad_writes(255, 255, two, ARRAY_SIZE(two));
}

/*
 * The same on a host of adapters and domains 0-15: an id beyond them
 * (-ENODEV) is checked after the APQNs, as Linux 6.12 checks it.
 */
static void test_several_errors_small_host(void)
{
	/* adapter 0x14 and domain 0x13 are beyond the host's range */
	static const struct bad_write two[] = {
		{ "ap_config", "0x0180080000,0x1,0x0", -EADDRNOTAVAIL },
		{ "ap_config", "0x0080080000,0x1,0x0", -EADDRINUSE },
		{ "ap_config", "0x0080,0x1000100000,0x0", -EADDRINUSE },
		{ "ap_config", "0x0100,0x1000100000,0x0", -EADDRNOTAVAIL },
		{ "ap_config", "0x0080080000,0x1,0xz", -EINVAL },
		{ "ap_config", "0x0180,0x4,0x000008", -ENODEV },
		{ "ap_config", "0x0000080000,0x4,0x0", -ENODEV },
	};

	check_bad_writes(15, 15, two, ARRAY_SIZE(two));
}

/* ap_config takes what Linux 6.12's parser takes, and means the same */
static void test_ap_config_forms(void)
{
	static const char *const forms[] = {
		"0x4,0x4,0x4",
		"4,4,4",			/* no prefix */
		"x4,x4,x4",			/* "x" alone */
		"0x40,0x4000,0x4\n",		/* short masks, a newline */
		"0x4\n0x4\n0x4",		/* newlines between them */
		"0x4,0x4,0x4,what follows",	/* not looked at, as in 6.12 */
		"0x" "4" ZERO64_MINUS1 ",0x4,0x4",	/* all 64 digits */
	};
	const char *want = "0x4" ZERO64_MINUS1 ",0x4" ZERO64_MINUS1 ",0x4"
			   ZERO64_MINUS1 "\n";
	struct mdev_device *m;
	unsigned int i;

	t_machine_up("0-15", "0-15", "0-15");
	m = t_mdev(UUID1);
	for (i = 0; i < ARRAY_SIZE(forms); i++) {
		CHECK_EQ_INT(t_write(m, "ap_config", ZERO64 "," ZERO64 ","
				     ZERO64), 0);
		if (!t_check_int(t_write(m, "ap_config", forms[i]), 0, forms[i],
				 __FILE__, __LINE__))
			continue;
		CHECK_EQ_STR(t_read(m, "ap_config"), want);
	}
	/* an empty mask is an empty mask */
	CHECK_EQ_INT(t_write(m, "ap_config", "0x4,0x4,"), 0);
	CHECK_EQ_STR(t_read(m, "ap_config"), "0x4" ZERO64_MINUS1 ",0x4"
		     ZERO64_MINUS1 ",0x" ZERO64 "\n");
	sim_mdev_remove(m);
	t_machine_down();
}

/*
 * The mdev type's instances as Linux 6.12 has them: max_instances is
 * MAX_ZDEV_ENTRIES_EXT (256 x 256), and available_instances goes down with
 * each mdev and up with each removal.
 */
static void test_type_instances(void)
{
	struct mdev_device *a, *b;

	t_machine_up("0-3", "0-3", "0");
	CHECK_EQ_INT(sim_mdev_available_instances(), 256 * 256);
	a = t_mdev(UUID1);
	b = t_mdev(UUID2);
	CHECK_EQ_INT(sim_mdev_available_instances(), 256 * 256 - 2);
	sim_mdev_remove(a);
	CHECK_EQ_INT(sim_mdev_available_instances(), 256 * 256 - 1);
	/* a create that fails gives its instance back */
	CHECK(IS_ERR(sim_mdev_create("not-a-uuid")));
	CHECK_EQ_INT(sim_mdev_available_instances(), 256 * 256 - 1);
	sim_mdev_remove(b);
	CHECK_EQ_INT(sim_mdev_available_instances(), 256 * 256);
	t_machine_down();
}

/* a guest without a crypto control block: it opens, nothing is given */
static void test_open_without_crycb(void)
{
	struct mdev_device *m;
	struct kvm *kvm;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1");
	kvm = sim_kvm_create(1 << 20, 0);
	kvm->arch.crypto.crycbd = 0;
	CHECK_EQ_INT(sim_vfio_open(t_vdev(m), kvm), 0);
	CHECK(!t_matrix_mdev(m)->kvm);
	CHECK(!kvm->arch.crypto.pqap_hook);
	CHECK_EQ_STR(t_guest(kvm), "- - -");
	sim_vfio_close(t_vdev(m));
	CHECK_EQ_INT(sim_vfio_open(t_vdev(m), NULL), -EINVAL);	/* no guest */
	sim_kvm_put(kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

static void test_ioctl_input(void)
{
	struct vfio_device_info info = { .argsz = 4 };
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };
	struct {
		struct vfio_irq_set set;
		s32 fd;
	} arg;
	struct mdev_device *m;
	struct vfio_device *vdev;
	struct kvm *kvm;
	int efd = sim_eventfd(), pipefd[2];

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev(UUID1);
	vdev = t_vdev(m);
	kvm = sim_kvm_create(1 << 20, 0);
	CHECK_EQ_INT(sim_vfio_open(vdev, kvm), 0);
	CHECK(pipe(pipefd) == 0);

	CHECK_EQ_INT(sim_vfio_ioctl(vdev, VFIO_DEVICE_GET_INFO, &info), -EINVAL);
	CHECK_EQ_INT(sim_vfio_ioctl(vdev, VFIO_DEVICE_GET_INFO, (void *)8), -EFAULT);
	info.argsz = sizeof(info);
	CHECK_EQ_INT(sim_vfio_ioctl(vdev, VFIO_DEVICE_GET_INFO, &info), 0);
	CHECK_EQ_INT(info.flags, VFIO_DEVICE_FLAGS_AP | VFIO_DEVICE_FLAGS_RESET);
	CHECK_EQ_INT(info.num_irqs, VFIO_AP_IRQ_COUNT);
	CHECK_EQ_INT(info.num_regions, 0);

	irq.index = VFIO_AP_IRQ_COUNT;
	CHECK_EQ_INT(sim_vfio_ioctl(vdev, VFIO_DEVICE_GET_IRQ_INFO, &irq), -EINVAL);
	irq.index = VFIO_AP_IRQ_CFG_CHANGE;
	CHECK_EQ_INT(sim_vfio_ioctl(vdev, VFIO_DEVICE_GET_IRQ_INFO, &irq), 0);
	CHECK_EQ_INT(irq.count, 1);
	CHECK_EQ_INT(irq.flags, VFIO_IRQ_INFO_EVENTFD);

#define SET(argsz_, flags_, index_, start_, count_, fd_)		\
	(arg.set = (struct vfio_irq_set){ argsz_, flags_, index_, start_, count_ }, \
	 arg.fd = (fd_), sim_vfio_ioctl(vdev, VFIO_DEVICE_SET_IRQS, &arg))
#define TRIG (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)
	CHECK_EQ_INT(SET(sizeof(arg) - 4, TRIG, 0, 0, 1, efd), -EINVAL);
	CHECK_EQ_INT(SET(sizeof(arg), VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			 0, 0, 1, efd), -EINVAL);
	CHECK_EQ_INT(SET(sizeof(arg), TRIG, 2, 0, 1, efd), -EINVAL);
	CHECK_EQ_INT(SET(sizeof(arg), TRIG, 0, 1, 1, efd), -EINVAL);
	CHECK_EQ_INT(SET(sizeof(arg), TRIG, 0, 0, 2, efd), -EINVAL);
	CHECK_EQ_INT(SET(sizeof(arg), TRIG, 0, 0, 1, -2), -EINVAL);
	CHECK_EQ_INT(SET(sizeof(arg), TRIG, 0, 0, 1, pipefd[0]), -EINVAL);
	CHECK_EQ_INT(SET(sizeof(arg), TRIG, 0, 0, 1, 999), -EBADF);
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 0);
	CHECK_EQ_INT(sim_vfio_ioctl(vdev, VFIO_DEVICE_SET_IRQS, (void *)16), -EFAULT);
	CHECK_EQ_INT(sim_vfio_ioctl(vdev, 0x1234, NULL), -EOPNOTSUPP);
	CHECK_EQ_INT(SET(sizeof(arg), TRIG, 1, 0, 1, efd), 0);
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 1);

	sim_vfio_close(vdev);
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 0);
	close(pipefd[0]);
	close(pipefd[1]);
	close(efd);
	sim_mdev_remove(m);
	sim_kvm_put(kvm);
	t_machine_down();
}

static void test_pqap_operands(void)
{
	struct mdev_device *m;
	struct kvm *kvm;
	u64 gr1;
	int cc;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1");
	kvm = t_attach(m, 0x10000);

#define AQIC_ON 0x0000800000000006UL
#define RC(gr1) (((gr1) >> 16) & 0xff)
	/* NIB 0, outside guest memory, guest memory not mapped for DMA */
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), AQIC_ON, 0, &gr1, &cc);
	CHECK_EQ_INT(RC(gr1), AP_RESPONSE_INVALID_ADDRESS);
	CHECK_EQ_INT(cc, 3);
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), AQIC_ON, 0x5000000, &gr1, &cc);
	CHECK_EQ_INT(RC(gr1), AP_RESPONSE_INVALID_ADDRESS);
	sim_vfio_dma_unmap(t_vdev(m), 0x10000, 1 << 20);
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), AQIC_ON, 0x10010, &gr1, &cc);
	CHECK_EQ_INT(RC(gr1), AP_RESPONSE_INVALID_ADDRESS);
	sim_vfio_dma_map(t_vdev(m), 0x10000, 1 << 20, kvm->mem);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 0);

	/* the GIB refuses the ISC: 06 as in Linux 6.12, nothing left */
	sim_kvm_gisc_fail = true;
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), AQIC_ON, 0x10010, &gr1, &cc);
	sim_kvm_gisc_fail = false;
	CHECK_EQ_INT(RC(gr1), AP_RESPONSE_INVALID_ADDRESS);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 0);

	/* the hardware refuses: everything undone */
	sim_ap_hw(AP_MKQID(1, 1))->aqic_rc = AP_RESPONSE_BUSY;
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), AQIC_ON, 0x10010, &gr1, &cc);
	CHECK_EQ_INT(RC(gr1), AP_RESPONSE_BUSY);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 0);
	sim_ap_hw(AP_MKQID(1, 1))->aqic_rc = 0;

	/* twice: the second is refused and the first stays as it was */
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), AQIC_ON, 0x10010, &gr1, &cc);
	CHECK_EQ_INT(RC(gr1), 0);
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), AQIC_ON, 0x20020, &gr1, &cc);
	CHECK_EQ_INT(RC(gr1), AP_RESPONSE_OTHERWISE_CHANGED);
	CHECK_EQ_INT(sim_pins_live(), 1);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 1);

	/* unmapping the NIB's memory turns interrupts off first */
	sim_vfio_dma_unmap(t_vdev(m), 0x10000, 1 << 20);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 0);
	CHECK(!ap_tapq(AP_MKQID(1, 1), NULL).irq_enabled);

	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

/*
 * A Secure Execution guest's NIB must be in a page it shares with the
 * host, as in Linux 6.12: one in a secure page answers 06 and leaves no
 * pin and no ISC, and the page is made secure again.
 */
static void test_secure_guest_nib(void)
{
	struct mdev_device *m;
	struct kvm *kvm;
	u64 gr1;
	int cc;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1-2");
	kvm = t_attach(m, 0);
	CHECK_EQ_INT(sim_kvm_set_page_secure(kvm, 0x5000, true), 0);
	CHECK_EQ_INT(sim_kvm_set_page_secure(kvm, 1 << 20, true), -EINVAL);
	/* not protected: the page's state is not looked at */
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), IRQ_ON(3), 0x5010, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), 0, 0, &gr1, &cc);
	CHECK_EQ_INT(sim_pins_live(), 0);

	sim_kvm_set_protected(kvm, true);
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 1), IRQ_ON(3), 0x5010, &gr1, &cc);
	CHECK_EQ_INT(cc, 3);
	CHECK_EQ_INT((gr1 >> 16) & 0xff, AP_RESPONSE_INVALID_ADDRESS);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_kvm_giscs(kvm), 0);
	CHECK_EQ_INT(sim_kvm_secure_imports(kvm), 1);
	/* a shared page works */
	sim_kvm_pqap_aqic(kvm, AP_MKQID(1, 2), IRQ_ON(3), 0x6010, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	CHECK_EQ_INT(sim_pins_live(), 1);
	CHECK_EQ_INT(sim_kvm_secure_imports(kvm), 1);
	t_detach(m, kvm);
	sim_mdev_remove(m);
	t_machine_down();
}

int main(void)
{
	setenv("SIM_QUIET", "1", 1);
	t_run("bad sysfs writes: clear errors, nothing changed", test_sysfs_input);
	t_run("ap_config takes Linux 6.12's forms", test_ap_config_forms);
	t_run("several errors in one write: 6.12's code", test_several_errors);
	t_run("several errors on a host of 16 x 16: 6.12's code",
	      test_several_errors_small_host);
	t_run("the mdev type's instances as in 6.12", test_type_instances);
	t_run("a guest without a crypto control block", test_open_without_crycb);
	t_run("bad VFIO ioctl arguments", test_ioctl_input);
	t_run("bad PQAP(AQIC) operands and refusals", test_pqap_operands);
	t_run("a Secure Execution guest's NIB in a shared page",
	      test_secure_guest_nib);
	return t_done();
}
