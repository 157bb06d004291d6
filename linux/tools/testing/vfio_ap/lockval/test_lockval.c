// SPDX-License-Identifier: GPL-2.0
/*
 * Self tests of the lockval validator and lock shims: what it must catch is
 * caught exactly once, and correct locking stays silent.
 *
 * Output is TAP; "-v" also prints each test's last report as "# " lines.
 * Reports are kept quiet (counted, not printed) and checked by content.
 *
 * Orders that deadlock are always run one after the other in separate
 * threads, so nothing really hangs.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "locks.h"

/*
 * The tests invert lock orders on purpose (one after the other, so nothing
 * hangs); judging orders is lockval's job, so ThreadSanitizer's own
 * deadlock detector is off.  It still checks every data race.
 */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "detect_deadlocks=0";
}

static bool verbose;
static bool test_ok;	/* written by worker threads too: atomic access */

static void fail_here(const char *file, int line, const char *what)
{
	printf("#   %s:%d: check failed: %s\n", file, line, what);
	__atomic_store_n(&test_ok, false, __ATOMIC_RELAXED);
}

#define CHECK(cond)							\
do {									\
	if (!(cond))							\
		fail_here(__FILE__, __LINE__, #cond);			\
} while (0)

/* The report text must contain @needle. */
#define CHECK_REPORT(needle)						\
do {									\
	if (!strstr(lockval_last_report(), (needle)))			\
		fail_here(__FILE__, __LINE__,				\
			  "report contains \"" needle "\"");		\
} while (0)

#define CHECK_FAILURES(n)						\
do {									\
	unsigned int __got = lockval_failures();			\
									\
	if (__got != (n)) {						\
		printf("#   expected %u report(s), got %u\n",		\
		       (unsigned int)(n), __got);			\
		fail_here(__FILE__, __LINE__, "CHECK_FAILURES(" #n ")");\
	}								\
} while (0)

static void print_commented(const char *text)
{
	const char *p = text, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		printf("# %.*s\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

static void run_in_thread(void *(*fn)(void *), void *arg)
{
	pthread_t th;

	if (pthread_create(&th, NULL, fn, arg) || pthread_join(th, NULL)) {
		perror("pthread");
		exit(2);
	}
}

/* A thread that holds a lock until told to release it. */
struct holder {
	pthread_t		th;
	struct mutex		*mutex;
	struct rw_semaphore	*sem;
	sem_t			held;
	sem_t			release;
};

static void *holder_fn(void *arg)
{
	struct holder *h = arg;

	if (h->mutex)
		mutex_lock(h->mutex);
	else
		down_write(h->sem);
	sem_post(&h->held);
	sem_wait(&h->release);
	if (h->mutex)
		mutex_unlock(h->mutex);
	else
		up_write(h->sem);
	CHECK(lockval_held_count() == 0);
	return NULL;
}

static void holder_start(struct holder *h, struct mutex *m,
			 struct rw_semaphore *s)
{
	h->mutex = m;
	h->sem = s;
	sem_init(&h->held, 0, 0);
	sem_init(&h->release, 0, 0);
	if (pthread_create(&h->th, NULL, holder_fn, h)) {
		perror("pthread_create");
		exit(2);
	}
	sem_wait(&h->held);
}

static void holder_stop(struct holder *h)
{
	sem_post(&h->release);
	pthread_join(h->th, NULL);
	sem_destroy(&h->held);
	sem_destroy(&h->release);
}

/* Take two mutexes nested, in a thread of its own. */
struct pair {
	struct mutex *first, *second;
};

static void *lock_pair_fn(void *arg)
{
	struct pair *p = arg;

	mutex_lock(p->first);
	mutex_lock(p->second);
	mutex_unlock(p->second);
	mutex_unlock(p->first);
	CHECK(lockval_held_count() == 0);
	return NULL;
}

static void lock_pair(struct mutex *first, struct mutex *second)
{
	struct pair p = { first, second };

	run_in_thread(lock_pair_fn, &p);
}

/* ------------------------------------------------------------------ */

static DEFINE_MUTEX(order_a);
static DEFINE_MUTEX(order_b);

static void *order_ab_loop(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 1000; i++) {
		mutex_lock(&order_a);
		mutex_lock(&order_b);
		mutex_unlock(&order_b);
		mutex_unlock(&order_a);
	}
	CHECK(lockval_held_count() == 0);
	return NULL;
}

static void test_consistent_order(void)
{
	pthread_t t1, t2;

	pthread_create(&t1, NULL, order_ab_loop, NULL);
	pthread_create(&t2, NULL, order_ab_loop, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CHECK_FAILURES(0);
	CHECK(lockval_order_known("order_a", "order_b"));
	CHECK(!lockval_order_known("order_b", "order_a"));
}

static DEFINE_MUTEX(inv_a);
static DEFINE_MUTEX(inv_b);

static void test_inverted_order(void)
{
	lock_pair(&inv_a, &inv_b);
	CHECK_FAILURES(0);
	lock_pair(&inv_b, &inv_a);
	CHECK_FAILURES(1);
	CHECK_REPORT("possible circular locking dependency detected");
	CHECK_REPORT("new order (this thread):  inv_b -> inv_a\n");
	CHECK_REPORT("existing order (recorded): inv_a -> inv_b\n");
	CHECK_REPORT("inv_a -> inv_b first seen in thread #");
	CHECK_REPORT("is trying to acquire:\n  inv_a at ");
	CHECK_REPORT("while holding:\n  #0: inv_b at ");
	/* the same bad order again is not a new finding */
	lock_pair(&inv_b, &inv_a);
	CHECK_FAILURES(1);
}

static DEFINE_MUTEX(cyc_a);
static DEFINE_MUTEX(cyc_b);
static DEFINE_MUTEX(cyc_c);

static void test_three_lock_cycle(void)
{
	lock_pair(&cyc_a, &cyc_b);
	lock_pair(&cyc_b, &cyc_c);
	CHECK_FAILURES(0);
	lock_pair(&cyc_c, &cyc_a);
	CHECK_FAILURES(1);
	CHECK_REPORT("new order (this thread):  cyc_c -> cyc_a\n");
	CHECK_REPORT("existing order (recorded): cyc_a -> cyc_b -> cyc_c\n");
	CHECK_REPORT("cyc_a -> cyc_b first seen in thread #");
	CHECK_REPORT("cyc_b -> cyc_c first seen in thread #");
	CHECK_REPORT("3 threads");
}

static DEFINE_MUTEX(try_a);
static DEFINE_MUTEX(try_b);
static DEFINE_MUTEX(try_c);

static void test_trylock(void)
{
	struct holder h;

	/* try_a -> try_b is the known order; B held, trylock A is fine */
	lock_pair(&try_a, &try_b);
	mutex_lock(&try_b);
	CHECK(mutex_trylock(&try_a) == 1);
	CHECK(lockval_held_count() == 2);
	mutex_unlock(&try_a);
	mutex_unlock(&try_b);
	CHECK_FAILURES(0);
	CHECK(!lockval_order_known("try_b", "try_a"));

	/* but what is taken after a trylock depends on it */
	lockval_forget_all();
	mutex_lock(&try_b);
	CHECK(mutex_trylock(&try_a) == 1);
	mutex_lock(&try_c);
	CHECK(lockval_order_known("try_a", "try_c"));
	CHECK(lockval_order_known("try_b", "try_c"));
	CHECK(!lockval_order_known("try_b", "try_a"));
	CHECK(!lockval_order_known("try_a", "try_b"));
	mutex_unlock(&try_c);
	mutex_unlock(&try_a);
	mutex_unlock(&try_b);
	CHECK_FAILURES(0);

	/* a failed trylock changes nothing */
	holder_start(&h, &try_a, NULL);
	mutex_lock(&try_b);
	lockval_trace_start();
	CHECK(mutex_trylock(&try_a) == 0);
	CHECK(!strcmp(lockval_trace_stop(), ""));
	CHECK(lockval_held_count() == 1);
	mutex_unlock(&try_b);
	holder_stop(&h);
	CHECK_FAILURES(0);
}

/* kvm->arch.crypto.pqap_hook_rwsem vs. a mutex, like handle_pqap() */
static struct {
	struct rw_semaphore	sem;
	struct mutex		mutex;
} rwt;

static void *rw_read_then_mutex(void *arg)
{
	(void)arg;
	down_read(&rwt.sem);
	mutex_lock(&rwt.mutex);
	mutex_unlock(&rwt.mutex);
	up_read(&rwt.sem);
	return NULL;
}

static void *rw_mutex_then_write(void *arg)
{
	(void)arg;
	mutex_lock(&rwt.mutex);
	down_write(&rwt.sem);
	up_write(&rwt.sem);
	mutex_unlock(&rwt.mutex);
	return NULL;
}

static void *rw_write_then_mutex(void *arg)
{
	(void)arg;
	down_write(&rwt.sem);
	mutex_lock(&rwt.mutex);
	mutex_unlock(&rwt.mutex);
	up_write(&rwt.sem);
	return NULL;
}

static void *rw_mutex_then_read(void *arg)
{
	(void)arg;
	mutex_lock(&rwt.mutex);
	down_read(&rwt.sem);
	up_read(&rwt.sem);
	mutex_unlock(&rwt.mutex);
	return NULL;
}

static void test_rwsem_inversion(void)
{
	init_rwsem(&rwt.sem);
	mutex_init(&rwt.mutex);

	run_in_thread(rw_read_then_mutex, NULL);
	CHECK_FAILURES(0);
	run_in_thread(rw_mutex_then_write, NULL);
	CHECK_FAILURES(1);
	CHECK_REPORT("is trying to acquire:\n  rwt.sem(w) at ");
	CHECK_REPORT("new order (this thread):  rwt.mutex -> rwt.sem\n");
	CHECK_REPORT("existing order (recorded): rwt.sem -> rwt.mutex\n");
	CHECK_REPORT("  #0: rwt.sem(r) at ");

	/* reads count for ordering too (conservative) */
	lockval_forget_all();
	lockval_reset_failures();
	run_in_thread(rw_write_then_mutex, NULL);
	run_in_thread(rw_mutex_then_read, NULL);
	CHECK_FAILURES(1);
	CHECK_REPORT("is trying to acquire:\n  rwt.sem(r) at ");
	mutex_destroy(&rwt.mutex);
}

struct obj {
	struct mutex		lock;
	struct rw_semaphore	sem;
};

static void obj_init(struct obj *o)
{
	mutex_init(&o->lock);
	init_rwsem(&o->sem);
}

static void test_same_class_nesting(void)
{
	struct obj o1, o2;

	obj_init(&o1);
	obj_init(&o2);

	mutex_lock(&o1.lock);
	mutex_lock(&o2.lock);
	CHECK_FAILURES(1);
	CHECK_REPORT("possible recursive locking detected");
	CHECK_REPORT("but already holds a lock of the same class:\n  o->lock");
	mutex_unlock(&o2.lock);
	mutex_unlock(&o1.lock);

	down_read(&o1.sem);
	down_read(&o2.sem);
	CHECK_FAILURES(2);
	CHECK_REPORT("o->sem(r)");
	up_read(&o1.sem);
	up_read(&o2.sem);

	/* a trylock cannot wait: no report */
	mutex_lock(&o1.lock);
	CHECK(mutex_trylock(&o2.lock) == 1);
	mutex_unlock(&o2.lock);
	mutex_unlock(&o1.lock);
	CHECK_FAILURES(2);

	mutex_destroy(&o1.lock);
	mutex_destroy(&o2.lock);
	CHECK_FAILURES(2);
}

static DEFINE_MUTEX(bad_m);
static DECLARE_RWSEM(bad_s);

static void test_bad_unlock(void)
{
	struct holder h;

	mutex_unlock(&bad_m);
	CHECK_FAILURES(1);
	CHECK_REPORT("bad unlock balance detected");
	CHECK_REPORT("is trying to release lock:\n  bad_m at ");
	CHECK(!mutex_is_locked(&bad_m));
	mutex_lock(&bad_m);		/* still usable */
	mutex_unlock(&bad_m);
	CHECK_FAILURES(1);

	/* held by someone else: reported, and left alone */
	holder_start(&h, &bad_m, NULL);
	mutex_unlock(&bad_m);
	CHECK_FAILURES(2);
	CHECK(mutex_is_locked(&bad_m));
	holder_stop(&h);
	CHECK(!mutex_is_locked(&bad_m));
	CHECK_FAILURES(2);

	up_write(&bad_s);
	CHECK_FAILURES(3);
	CHECK_REPORT("bad_s(w)");

	/* wrong mode: reported, but released */
	down_write(&bad_s);
	up_read(&bad_s);
	CHECK_FAILURES(4);
	CHECK_REPORT("lock released in the wrong mode");
	CHECK(!rwsem_is_locked(&bad_s));
}

static DEFINE_MUTEX(as_m);
static DECLARE_RWSEM(as_s);

static void test_assertions(void)
{
	struct holder h;

	lockdep_assert_held(&as_m);
	CHECK_FAILURES(1);
	CHECK_REPORT("lockdep_assert_held(&as_m) failed at ");
	CHECK_REPORT("test_lockval.c:");
	CHECK_REPORT("as_m is not held by this thread");

	mutex_lock(&as_m);
	lockdep_assert_held(&as_m);
	CHECK(lockdep_is_held(&as_m));
	CHECK_FAILURES(1);
	lockdep_assert_not_held(&as_m);
	CHECK_FAILURES(2);
	CHECK_REPORT("as_m is held by this thread");
	mutex_unlock(&as_m);
	lockdep_assert_not_held(&as_m);
	CHECK_FAILURES(2);

	/* held, but by another thread */
	holder_start(&h, &as_m, NULL);
	CHECK(mutex_is_locked(&as_m));
	lockdep_assert_held(&as_m);
	CHECK_FAILURES(3);
	CHECK_REPORT("as_m is not held by this thread");
	holder_stop(&h);

	down_read(&as_s);
	lockdep_assert_held(&as_s);
	lockdep_assert_held_read(&as_s);
	CHECK_FAILURES(3);
	lockdep_assert_held_write(&as_s);
	CHECK_FAILURES(4);
	CHECK_REPORT("as_s is only held for read");
	CHECK_REPORT("  #0: as_s(r) at ");
	up_read(&as_s);

	down_write(&as_s);
	lockdep_assert_held_write(&as_s);
	lockdep_assert_held(&as_s);
	CHECK_FAILURES(4);
	lockdep_assert_held_read(&as_s);
	CHECK_FAILURES(5);
	CHECK_REPORT("as_s is held for write");
	up_write(&as_s);
	lockdep_assert_not_held(&as_s);
	CHECK_FAILURES(5);
}

/* Names as in the vfio_ap driver. */
static DEFINE_MUTEX(ap_perms_mutex);

struct ap_matrix_dev {
	struct mutex mdevs_lock;
	struct mutex guests_lock;
};

struct kvm {
	struct mutex lock;
	struct {
		struct {
			struct rw_semaphore pqap_hook_rwsem;
		} crypto;
	} arch;
};

static void matrix_dev_init(struct ap_matrix_dev *matrix_dev)
{
	mutex_init(&matrix_dev->mdevs_lock);
	mutex_init(&matrix_dev->guests_lock);
}

static void kvm_init(struct kvm *kvm)
{
	mutex_init(&kvm->lock);
	init_rwsem(&kvm->arch.crypto.pqap_hook_rwsem);
}

static void test_trace(void)
{
	static const char expect[] =
		"ap_perms_mutex,matrix_dev->guests_lock,kvm->lock,"
		"kvm->arch.crypto.pqap_hook_rwsem(w),matrix_dev->mdevs_lock,"
		"kvm->arch.crypto.pqap_hook_rwsem(r),matrix_dev->mdevs_lock,"
		"try:ap_perms_mutex,try:kvm->arch.crypto.pqap_hook_rwsem(r)";
	struct ap_matrix_dev md, *matrix_dev = &md;
	struct kvm k, *kvm = &k;
	const char *t;
	int i;

	matrix_dev_init(matrix_dev);
	kvm_init(kvm);

	lockval_trace_start();
	/* vfio_ap_mdev_set_kvm(): ap_perms_mutex, get_update_locks_for_kvm() */
	mutex_lock(&ap_perms_mutex);
	mutex_lock(&matrix_dev->guests_lock);
	mutex_lock(&kvm->lock);
	down_write(&kvm->arch.crypto.pqap_hook_rwsem);
	mutex_lock(&matrix_dev->mdevs_lock);
	lockdep_assert_held(&matrix_dev->guests_lock);
	mutex_unlock(&matrix_dev->mdevs_lock);
	up_write(&kvm->arch.crypto.pqap_hook_rwsem);
	mutex_unlock(&kvm->lock);
	mutex_unlock(&matrix_dev->guests_lock);
	mutex_unlock(&ap_perms_mutex);
	/* handle_pqap() */
	down_read(&kvm->arch.crypto.pqap_hook_rwsem);
	mutex_lock(&matrix_dev->mdevs_lock);
	mutex_unlock(&matrix_dev->mdevs_lock);
	up_read(&kvm->arch.crypto.pqap_hook_rwsem);
	/* successful trylocks are traced, failed ones are not */
	CHECK(mutex_trylock(&ap_perms_mutex) == 1);
	mutex_unlock(&ap_perms_mutex);
	CHECK(down_read_trylock(&kvm->arch.crypto.pqap_hook_rwsem) == 1);
	CHECK(down_write_trylock(&kvm->arch.crypto.pqap_hook_rwsem) == 0);
	up_read(&kvm->arch.crypto.pqap_hook_rwsem);
	t = lockval_trace_stop();
	if (strcmp(t, expect)) {
		printf("#   trace:  %s\n#   expect: %s\n", t, expect);
		CHECK(!"trace matches");
	}
	CHECK_FAILURES(0);
	CHECK(lockval_order_known("matrix_dev->guests_lock",
				  "matrix_dev->mdevs_lock"));
	CHECK(lockval_order_known("ap_perms_mutex",
				  "kvm->arch.crypto.pqap_hook_rwsem"));
	CHECK(!lockval_order_known("matrix_dev->mdevs_lock", "kvm->lock"));

	/* overflow truncates, marked with ",..." */
	lockval_trace_start();
	for (i = 0; i < 1000; i++) {
		mutex_lock(&ap_perms_mutex);
		mutex_unlock(&ap_perms_mutex);
	}
	t = lockval_trace_stop();
	CHECK(strlen(t) < LOCKVAL_TRACE_SIZE);
	CHECK(strlen(t) > LOCKVAL_TRACE_SIZE - 32);
	CHECK(!strncmp(t, "ap_perms_mutex,ap_perms_mutex,", 30));
	CHECK(!strcmp(t + strlen(t) - 19, ",ap_perms_mutex,..."));
	lockval_trace_start();
	mutex_lock(&ap_perms_mutex);
	mutex_unlock(&ap_perms_mutex);
	CHECK(!strcmp(lockval_trace_stop(), "ap_perms_mutex"));

	mutex_destroy(&matrix_dev->mdevs_lock);
	mutex_destroy(&matrix_dev->guests_lock);
	mutex_destroy(&kvm->lock);
}

/* ------------------------------------------------------------------ */

#define CONC_THREADS	4
#define CONC_ITERS	10000

static DEFINE_MUTEX(conc_a);
static DEFINE_MUTEX(conc_b);
static DECLARE_RWSEM(conc_c);
static long conc_count_a;	/* under conc_a */
static long conc_count_c;	/* under conc_c for write */

struct conc_arg {
	unsigned int	seed;
	long		taken_a;
	long		taken_c;
};

static void *conc_worker(void *p)
{
	struct conc_arg *arg = p;
	int i;

	for (i = 0; i < CONC_ITERS; i++) {
		unsigned int r = (unsigned int)rand_r(&arg->seed);
		bool a = r & 1, b = r & 2, c = r & 4, c_read = r & 8;
		unsigned int n = 0;
		long seen;

		if (a) {
			mutex_lock(&conc_a);
			n++;
		}
		if (b) {
			mutex_lock(&conc_b);
			n++;
		}
		if (c) {
			if (c_read)
				down_read(&conc_c);
			else
				down_write(&conc_c);
			n++;
		}
		/* against the order, but a trylock never waits */
		if (!a && (b || c) && (r & 16) && mutex_trylock(&conc_a)) {
			a = true;
			n++;
		}
		if (lockval_held_count() != n)
			CHECK(lockval_held_count() == n);
		if (a) {
			lockdep_assert_held(&conc_a);
			conc_count_a++;
			arg->taken_a++;
		}
		if (c && c_read) {
			lockdep_assert_held_read(&conc_c);
			seen = conc_count_c;	/* a read under the read lock */
			(void)seen;
		} else if (c) {
			lockdep_assert_held_write(&conc_c);
			conc_count_c++;
			arg->taken_c++;
		}
		/* release in acquisition order or in reverse */
		if (r & 32) {
			if (a)
				mutex_unlock(&conc_a);
			if (b)
				mutex_unlock(&conc_b);
		}
		if (c && c_read)
			up_read(&conc_c);
		else if (c)
			up_write(&conc_c);
		if (!(r & 32)) {
			if (b)
				mutex_unlock(&conc_b);
			if (a)
				mutex_unlock(&conc_a);
		}
		if (lockval_held_count() != 0)
			CHECK(lockval_held_count() == 0);
	}
	return NULL;
}

static void test_concurrent(void)
{
	struct conc_arg args[CONC_THREADS];
	pthread_t th[CONC_THREADS];
	long taken_a = 0, taken_c = 0;
	int i;

	for (i = 0; i < CONC_THREADS; i++) {
		args[i] = (struct conc_arg){ .seed = 1000u + (unsigned int)i };
		pthread_create(&th[i], NULL, conc_worker, &args[i]);
	}
	for (i = 0; i < CONC_THREADS; i++) {
		pthread_join(th[i], NULL);
		taken_a += args[i].taken_a;
		taken_c += args[i].taken_c;
	}
	CHECK_FAILURES(0);
	CHECK(lockval_held_count() == 0);
	CHECK(conc_count_a == taken_a);
	CHECK(conc_count_c == taken_c);
	CHECK(!mutex_is_locked(&conc_a) && !rwsem_is_locked(&conc_c));
	CHECK(lockval_order_known("conc_a", "conc_b"));
	CHECK(lockval_order_known("conc_b", "conc_c"));
	CHECK(!lockval_order_known("conc_c", "conc_a"));
	CHECK(!lockval_order_known("conc_b", "conc_a"));
}

static DEFINE_MUTEX(ok_a);
static DEFINE_MUTEX(ok_b);
static DEFINE_MUTEX(ok_c);
static DEFINE_MUTEX(ok_d);

static void test_order_known(void)
{
	lock_pair(&ok_a, &ok_b);
	lock_pair(&ok_b, &ok_c);
	mutex_lock(&ok_d);
	mutex_unlock(&ok_d);
	CHECK(lockval_order_known("ok_a", "ok_b"));
	CHECK(lockval_order_known("ok_b", "ok_c"));
	CHECK(lockval_order_known("ok_a", "ok_c"));	/* via ok_b */
	CHECK(!lockval_order_known("ok_b", "ok_a"));
	CHECK(!lockval_order_known("ok_c", "ok_a"));
	CHECK(!lockval_order_known("ok_a", "ok_a"));
	CHECK(!lockval_order_known("ok_a", "ok_d"));
	CHECK(!lockval_order_known("no_such_lock", "ok_a"));
	CHECK(!lockval_order_known("ok_a", "no_such_lock"));
	if (verbose)
		lockval_dump_graph();
	lockval_forget_all();
	CHECK(!lockval_order_known("ok_a", "ok_b"));
	CHECK_FAILURES(0);
}

static DEFINE_MUTEX(fifo_a);
static DEFINE_MUTEX(fifo_b);
static DEFINE_MUTEX(fifo_c);

static void test_unlock_any_order(void)
{
	mutex_lock(&fifo_a);
	mutex_lock(&fifo_b);
	mutex_lock(&fifo_c);
	mutex_unlock(&fifo_a);
	CHECK(lockval_held_count() == 2);
	lockdep_assert_held(&fifo_b);
	lockdep_assert_held(&fifo_c);
	lockdep_assert_not_held(&fifo_a);
	mutex_unlock(&fifo_c);
	mutex_unlock(&fifo_b);
	CHECK_FAILURES(0);
}

static DEFINE_MUTEX(nosleep_m);
static DEFINE_MUTEX(sleep_ok_m);
static DECLARE_RWSEM(nosleep_sem);

/* a sleep holding a class marked no-sleep is reported, others are not */
static void test_no_sleep(void)
{
	lockval_set_no_sleep("nosleep_m");
	lockval_set_no_sleep("nosleep_sem");
	mutex_lock(&sleep_ok_m);
	lockval_might_sleep(LOCKVAL_SITE);
	CHECK_FAILURES(0);
	mutex_lock(&nosleep_m);
	lockval_might_sleep(LOCKVAL_SITE);
	CHECK_FAILURES(1);
	CHECK(strstr(lockval_last_report(), "nosleep_m") != NULL);
	mutex_unlock(&nosleep_m);
	mutex_unlock(&sleep_ok_m);
	/* an rwsem in either mode */
	down_read(&nosleep_sem);
	lockval_might_sleep(LOCKVAL_SITE);
	up_read(&nosleep_sem);
	CHECK_FAILURES(2);
	lockval_might_sleep(LOCKVAL_SITE);
	CHECK_FAILURES(2);
}

/* the longest exclusive hold per class; the wait for the lock not counted */
static void test_hold_times(void)
{
	struct timespec ms20 = { 0, 20 * 1000000L }, ms5 = { 0, 5000000L };
	uint64_t max;

	lockval_reset_hold_times();
	CHECK(lockval_max_hold_ns("sleep_ok_m") == 0);
	mutex_lock(&sleep_ok_m);
	nanosleep(&ms5, NULL);
	mutex_unlock(&sleep_ok_m);
	mutex_lock(&sleep_ok_m);
	nanosleep(&ms20, NULL);
	mutex_unlock(&sleep_ok_m);
	max = lockval_max_hold_ns("sleep_ok_m");
	CHECK(max >= 20000000u && max < 1000000000u);
	/* read holds are not exclusive: not counted */
	down_read(&nosleep_sem);
	nanosleep(&ms20, NULL);
	up_read(&nosleep_sem);
	CHECK(lockval_max_hold_ns("nosleep_sem") == 0);
	down_write(&nosleep_sem);
	up_write(&nosleep_sem);
	CHECK(lockval_max_hold_ns("nosleep_sem") < 20000000u);
	lockval_reset_hold_times();
	CHECK(lockval_max_hold_ns("sleep_ok_m") == 0);
	/* untimed: a long hold leaves the record as it was */
	lockval_set_hold_timing(false);
	mutex_lock(&sleep_ok_m);
	nanosleep(&ms5, NULL);
	mutex_unlock(&sleep_ok_m);
	CHECK(lockval_max_hold_ns("sleep_ok_m") == 0);
	/* taken untimed, released timed: no made-up hold */
	mutex_lock(&sleep_ok_m);
	lockval_set_hold_timing(true);
	mutex_unlock(&sleep_ok_m);
	CHECK(lockval_max_hold_ns("sleep_ok_m") == 0);
	mutex_lock(&sleep_ok_m);
	nanosleep(&ms5, NULL);
	mutex_unlock(&sleep_ok_m);
	CHECK(lockval_max_hold_ns("sleep_ok_m") >= 5000000u);
	CHECK_FAILURES(0);
}

static void test_is_locked_destroy(void)
{
	struct mutex m;
	struct rw_semaphore s;

	mutex_init(&m);
	init_rwsem(&s);
	CHECK(!mutex_is_locked(&m));
	mutex_lock(&m);
	CHECK(mutex_is_locked(&m));
	mutex_destroy(&m);		/* still locked: reported */
	CHECK_FAILURES(1);
	CHECK_REPORT("mutex_destroy(m) of a mutex locked by thread #");
	mutex_unlock(&m);
	CHECK(!mutex_is_locked(&m));
	mutex_destroy(&m);
	CHECK_FAILURES(1);

	CHECK(!rwsem_is_locked(&s));
	down_read(&s);
	CHECK(rwsem_is_locked(&s));
	up_read(&s);
	down_write(&s);
	CHECK(rwsem_is_locked(&s));
	up_write(&s);
	CHECK(!rwsem_is_locked(&s));
	CHECK_FAILURES(1);
}

static DEFINE_MUTEX(exit_m);

static void *exit_holding_fn(void *arg)
{
	(void)arg;
	mutex_lock(&exit_m);
	return NULL;
}

static void test_exit_holding(void)
{
	run_in_thread(exit_holding_fn, NULL);
	CHECK_FAILURES(1);
	CHECK_REPORT("thread exiting with locks held");
	CHECK_REPORT("  #0: exit_m at ");
	/* exit_m stays locked for good; nobody uses it again */
}

static void test_held_stack_full(void)
{
	static struct mutex many[LOCKVAL_MAX_HELD + 1];
	int i;

	for (i = 0; i <= LOCKVAL_MAX_HELD; i++)
		mutex_init(&many[i]);
	/* one class: trylocks, so no recursion reports */
	for (i = 0; i <= LOCKVAL_MAX_HELD; i++)
		CHECK(mutex_trylock(&many[i]) == 1);
	CHECK_FAILURES(1);
	CHECK_REPORT("held-lock stack full");
	CHECK(lockval_held_count() == LOCKVAL_MAX_HELD + 1);
	for (i = LOCKVAL_MAX_HELD; i >= 0; i--)
		mutex_unlock(&many[i]);
	CHECK(lockval_held_count() == 0);
	CHECK_FAILURES(1);
	for (i = 0; i <= LOCKVAL_MAX_HELD; i++)
		CHECK(!mutex_is_locked(&many[i]));
}

/*
 * Run @fn in a child process and collect its stderr in @out until @until
 * shows up (then check the child is stuck and kill it), or until it exits.
 * Returns the wait status, or -1 if the child was stuck and killed.
 */
static int run_in_child(void (*fn)(void), const char *until,
			char *out, size_t size)
{
	struct timespec start, now;
	size_t len = 0;
	int fd[2], status;
	pid_t pid;

	out[0] = '\0';
	fflush(stdout);
	if (pipe(fd)) {
		perror("pipe");
		exit(2);
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (!pid) {
		close(fd[0]);
		dup2(fd[1], STDERR_FILENO);
		lockval_set_quiet(false);
		fn();
		_exit(0);
	}
	close(fd[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = fd[0], .events = POLLIN };
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 10)
			break;		/* no report: it hung silently */
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd[0], out + len, size - 1 - len);
		if (n <= 0)
			break;		/* child exited */
		len += (size_t)n;
		out[len] = '\0';
		if (until && strstr(out, until) && out[len - 1] == '\n')
			break;
	}
	close(fd[0]);
	if (until && strstr(out, until)) {
		usleep(200 * 1000);
		/* still there: it really deadlocked after reporting */
		if (waitpid(pid, &status, WNOHANG) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		return status;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

static DEFINE_MUTEX(dl_a);
static DEFINE_MUTEX(dl_b);
static pthread_barrier_t dl_barrier;

static void *dl_thread(void *arg)
{
	bool ab = arg != NULL;

	mutex_lock(ab ? &dl_a : &dl_b);
	pthread_barrier_wait(&dl_barrier);
	mutex_lock(ab ? &dl_b : &dl_a);		/* never returns */
	return NULL;
}

static void dl_child(void)
{
	pthread_t t1, t2;

	pthread_barrier_init(&dl_barrier, NULL, 2);
	pthread_create(&t1, NULL, dl_thread, (void *)1);
	pthread_create(&t2, NULL, dl_thread, NULL);
	pthread_join(t1, NULL);
}

static void test_real_deadlock(void)
{
	static char out[LOCKVAL_REPORT_SIZE];
	int status;

	status = run_in_child(dl_child, "possible deadlock: ", out, sizeof(out));
	if (verbose)
		print_commented(out);
	CHECK(status == -1);
	CHECK(strstr(out, "possible circular locking dependency detected"));
	CHECK(strstr(out, "dl_a -> dl_b") && strstr(out, "dl_b -> dl_a"));
}

static DEFINE_MUTEX(self_m);

static void self_child(void)
{
	mutex_lock(&self_m);
	mutex_lock(&self_m);
}

static void test_self_deadlock(void)
{
	static char out[LOCKVAL_REPORT_SIZE];
	int status;

	status = run_in_child(self_child, NULL, out, sizeof(out));
	if (verbose)
		print_commented(out);
	CHECK(status != -1 && WIFSIGNALED(status) &&
	      WTERMSIG(status) == SIGABRT);
	CHECK(strstr(out, "recursive locking of the same lock"));
	CHECK(strstr(out, "but already holds this very lock:\n  self_m at "));
}

/* Fills the class table for good: must run last. */
static void test_class_table_full(void)
{
	static struct lock_class_key keys[LOCKVAL_MAX_CLASSES];
	static struct mutex m[LOCKVAL_MAX_CLASSES];
	char name[32];
	int i;

	for (i = 0; i < LOCKVAL_MAX_CLASSES; i++) {
		snprintf(name, sizeof(name), "&filler[%d]", i);
		__mutex_init(&m[i], name, &keys[i]);	/* name is copied */
		mutex_lock(&m[i]);
		mutex_unlock(&m[i]);
	}
	CHECK_FAILURES(1);
	CHECK_REPORT("lock class table full");
	/* untracked locks still lock, and nest without reports */
	mutex_lock(&m[LOCKVAL_MAX_CLASSES - 1]);
	mutex_lock(&m[LOCKVAL_MAX_CLASSES - 2]);
	CHECK(lockval_held_count() == 2);
	mutex_unlock(&m[LOCKVAL_MAX_CLASSES - 1]);
	mutex_unlock(&m[LOCKVAL_MAX_CLASSES - 2]);
	CHECK_FAILURES(1);
}

/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "consistent order in two threads: no report", test_consistent_order },
	{ "inverted order: one report with both orders", test_inverted_order },
	{ "three-lock cycle detected", test_three_lock_cycle },
	{ "trylock: no edge to it, edges from it", test_trylock },
	{ "rwsem read/write vs mutex inversion", test_rwsem_inversion },
	{ "same-class nesting reported", test_same_class_nesting },
	{ "unlock of a lock not held reported", test_bad_unlock },
	{ "lockdep_assert_*", test_assertions },
	{ "trace of driver-like sequence", test_trace },
	{ "4 threads x 10000 consistent random subsets", test_concurrent },
	{ "lockval_order_known", test_order_known },
	{ "unlock in any order", test_unlock_any_order },
	{ "sleeping with a no-sleep lock held reported", test_no_sleep },
	{ "longest exclusive hold per class", test_hold_times },
	{ "mutex_is_locked / rwsem_is_locked / mutex_destroy",
	  test_is_locked_destroy },
	{ "thread exit with a lock held reported", test_exit_holding },
	{ "held-lock stack overflow", test_held_stack_full },
	{ "real ABBA deadlock reported before it hangs", test_real_deadlock },
	{ "self-deadlock reported, then abort", test_self_deadlock },
	{ "class table overflow (last)", test_class_table_full },
};

int main(int argc, char **argv)
{
	unsigned int i, passed = 0, failed = 0;

	verbose = argc > 1 && !strcmp(argv[1], "-v");
	setvbuf(stdout, NULL, _IOLBF, 0);
	lockval_set_quiet(true);

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		bool ok;

		lockval_forget_all();
		lockval_reset_failures();
		__atomic_store_n(&test_ok, true, __ATOMIC_RELAXED);
		tests[i].fn();
		CHECK(lockval_held_count() == 0);
		ok = __atomic_load_n(&test_ok, __ATOMIC_RELAXED);
		if ((verbose || !ok) && lockval_failures())
			print_commented(lockval_last_report());
		printf("%s %u - %s\n", ok ? "ok" : "not ok", i + 1,
		       tests[i].name);
		if (ok)
			passed++;
		else
			failed++;
	}
	printf("1..%u\n", passed + failed);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
