// SPDX-License-Identifier: GPL-2.0
/*
 * Queue resets in a batch against the serial resets before it, in one run
 * (bench_reset links this driver, bench_reset_serial the driver as it was
 * before the batch; see the Makefile):
 *
 *  - detaching a guest with 256 queues (16 adapters x 16 domains);
 *  - unassigning an adapter with 256 domains;
 *  - one queue's reset, the unit the goal is stated in;
 *
 * every reset taking 50 ms of real time in the simulated hardware.  For
 * each: the total time, and the longest hold of mdevs_lock, of the PQAP
 * hook rwsem (for write) and of guests_lock, from the lock validator.
 *
 * Output: one line per measurement, "name variant seconds mdevs hook
 * guests" (the holds in seconds), for bench_reset.py to tabulate.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define UUID1 "cccccccc-0000-0000-0000-000000000001"
#define RESET_MS 50

static const char *variant = "batch";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void every_reset_takes(const char *apm, const char *aqm, int ms)
{
	DECLARE_BITMAP(a, 256);
	DECLARE_BITMAP(d, 256);
	unsigned long i, j;

	sim_mask_parse(apm, a);
	sim_mask_parse(aqm, d);
	for_each_set_bit_inv(i, a, 256)
		for_each_set_bit_inv(j, d, 256)
			sim_ap_hw(AP_MKQID(i, j))->reset_ms = ms;
}

static void report(const char *name, double t)
{
	printf("%s %s %.6f %.6f %.6f %.6f\n", name, variant, t,
	       lockval_max_hold_ns("matrix_dev->mdevs_lock") / 1e9,
	       lockval_max_hold_ns("kvm->arch.crypto.pqap_hook_rwsem") / 1e9,
	       lockval_max_hold_ns("matrix_dev->guests_lock") / 1e9);
	fflush(stdout);
}

/* a guest with @apm x @aqm is detached; its queues are reset */
static void detach(const char *name, const char *apm, const char *aqm)
{
	struct mdev_device *m;
	struct kvm *kvm;
	double t0;

	t_machine_up("0-15", "0-255", "0");
	m = t_mdev_with(UUID1, apm, aqm);
	kvm = t_attach(m, 0);
	every_reset_takes(apm, aqm, RESET_MS);
	lockval_reset_hold_times();
	t0 = now_s();
	sim_vfio_close(t_vdev(m));
	report(name, now_s() - t0);
	every_reset_takes(apm, aqm, 0);	/* the machine's teardown is not timed */
	sim_vfio_dma_unmap(t_vdev(m), kvm->mem_base, 1 << 20);
	sim_kvm_put(kvm);
	sim_mdev_remove(m);
	lockval_reset_failures();
	t_machine_down();
}

/* adapter 1 with 256 domains leaves a running guest */
static void unassign(void)
{
	struct mdev_device *m;
	struct kvm *kvm;
	double t0;

	t_machine_up("0-15", "0-255", "0");
	m = t_mdev_with(UUID1, "1-2", "0-255");
	kvm = t_attach(m, 0);
	every_reset_takes("1", "0-255", RESET_MS);
	lockval_reset_hold_times();
	t0 = now_s();
	CHECK_EQ_INT(t_write(m, "unassign_adapter", "1"), 0);
	report("unassign-256", now_s() - t0);
	every_reset_takes("1", "0-255", 0);
	t_detach(m, kvm);
	sim_mdev_remove(m);
	lockval_reset_failures();
	t_machine_down();
}

int main(int argc, char **argv)
{
	int rounds = 3;

	if (argc > 1)
		variant = argv[1];
	if (argc > 2)
		rounds = atoi(argv[2]);
	setenv("SIM_QUIET", "1", 1);
	/* the serial driver sleeps under mdevs_lock: that is what it measures */
	lockval_set_quiet(true);
	shim_real_sleep(true);
	for (int r = 0; r < rounds; r++) {
		detach("one-queue", "1", "1");
		detach("detach-256", "0-15", "0-15");
		unassign();
	}
	return 0;
}
