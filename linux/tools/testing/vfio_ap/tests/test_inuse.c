// SPDX-License-Identifier: GPL-2.0
/*
 * The in_use deadlock of the locking design's review, with real threads:
 * an adapter assignment and an apmask write at the same moment.
 *
 * The seed's interleaving: the assignment holds guests_lock and is about
 * to ask the AP bus (ap_perms_mutex) whether the APQNs are free, while the
 * apmask write holds ap_perms_mutex and calls in_use, which needs
 * guests_lock.  Our assignment takes ap_perms_mutex first, so the write
 * waits for it and in_use then runs plainly, with the right answer.
 */
#include <pthread.h>
#include <unistd.h>

#include "harness.h"

#define UUID1 "bbbbbbbb-0000-0000-0000-000000000001"
#define UUID2 "bbbbbbbb-0000-0000-0000-000000000002"

static struct mdev_device *m1, *m2;
static int write_ret = 1, assign_ret = 1;
static pthread_t writer;
static int writer_started;	/* atomic: set by the writer thread */

static void *apmask_writer(void *arg)
{
	DECLARE_BITMAP(mask, 256);

	/* adapter 9 for the host: nothing assigned there, so not in use */
	sim_mask_parse((const char *)arg, mask);
	__atomic_store_n(&writer_started, 1, __ATOMIC_RELEASE);
	write_ret = sim_ap_write_perm(true, mask);
	return NULL;
}

/* runs inside the assignment, with its locks held: start the writer */
static const char *writer_mask;

static void start_writer_midway(void)
{
	sim_ap_perm_check_hook = NULL;
	pthread_create(&writer, NULL, apmask_writer, (void *)writer_mask);
	while (!__atomic_load_n(&writer_started, __ATOMIC_ACQUIRE))
		usleep(100);
	usleep(20000);		/* let it block where the seed says it would */
}

static void *assigner(void *arg)
{
	assign_ret = t_write(m1, "assign_adapter", "2");
	return NULL;
}

/* the seed's proposal, applied to the same locks: in_use with trylock */
static int seed_in_use_trylock(void)
{
	if (!mutex_trylock(&matrix_dev->guests_lock))
		return -EBUSY;
	mutex_lock(&matrix_dev->mdevs_lock);
	mutex_unlock(&matrix_dev->mdevs_lock);
	mutex_unlock(&matrix_dev->guests_lock);
	return 0;
}

/* aqmask: every domain; then apmask bits decide which APQNs move */
static void host_keeps_all_domains(void)
{
	DECLARE_BITMAP(mask, 256);

	sim_mask_parse("0-15", mask);
	CHECK_EQ_INT(sim_ap_write_perm(false, mask), 0);
}

/*
 * Assign adapter 2 (domain 1 assigned) while, from inside the assignment's
 * check with the AP bus, an apmask write of @apmask starts.
 */
static void interleave(const char *apmask)
{
	pthread_t thr;

	t_machine_up("0-15", "0-15", "0");
	host_keeps_all_domains();
	m1 = t_mdev_with(UUID1, "", "1");
	writer_mask = apmask;
	__atomic_store_n(&writer_started, 0, __ATOMIC_RELEASE);
	sim_ap_perm_check_hook = start_writer_midway;
	pthread_create(&thr, NULL, assigner, NULL);
	pthread_join(thr, NULL);
	pthread_join(writer, NULL);
	CHECK_EQ_INT(assign_ret, 0);
}

static void test_interleaving(void)
{
	interleave("9");
	CHECK_EQ_INT(write_ret, 0);		/* no spurious -EBUSY */
	CHECK_EQ_STR(sim_ap_queue_driver(AP_MKQID(9, 1)), "default");
	CHECK_EQ_STR(t_shadow(m1), "2 1 -");
	CHECK(lockval_order_known("ap_perms_mutex", "matrix_dev->guests_lock"));
	CHECK(!lockval_order_known("matrix_dev->guests_lock", "ap_perms_mutex"));
	sim_mdev_remove(m1);
	t_machine_down();
}

/* the same moment, but the write concerns the APQN being assigned */
static void test_interleaving_conflict(void)
{
	interleave("2");
	CHECK_EQ_INT(write_ret, -EBUSY);	/* 2.1 is in use by now */
	CHECK_EQ_STR(sim_ap_queue_driver(AP_MKQID(2, 1)), "vfio_ap");
	sim_mdev_remove(m1);
	t_machine_down();
}

/* why not the seed's trylock: it fails whenever any mdev op holds the lock */
static void *hold_guests(void *arg)
{
	mutex_lock(&matrix_dev->guests_lock);
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
	usleep(50000);
	mutex_unlock(&matrix_dev->guests_lock);
	return NULL;
}

static void test_trylock_fails_spuriously(void)
{
	DECLARE_BITMAP(mask, 256);
	int held = 0;
	pthread_t thr;

	t_machine_up("0-15", "0-15", "0");
	m2 = t_mdev(UUID2);
	pthread_create(&thr, NULL, hold_guests, &held);
	while (!__atomic_load_n(&held, __ATOMIC_ACQUIRE))
		usleep(100);
	mutex_lock(&ap_perms_mutex);
	CHECK_EQ_INT(seed_in_use_trylock(), -EBUSY);	/* nothing conflicts */
	mutex_unlock(&ap_perms_mutex);
	/* ours waits instead and answers correctly */
	sim_mask_parse("9", mask);
	CHECK_EQ_INT(sim_ap_write_perm(true, mask), 0);
	pthread_join(thr, NULL);
	sim_mdev_remove(m2);
	t_machine_down();
}

int main(void)
{
	setenv("SIM_QUIET", "1", 1);
	t_run("seed interleaving: assign + apmask write, no deadlock, no -EBUSY",
	      test_interleaving);
	t_run("seed interleaving with a real conflict: -EBUSY", test_interleaving_conflict);
	t_run("the seed's trylock in_use fails with nothing in conflict",
	      test_trylock_fails_spuriously);
	return t_done();
}
