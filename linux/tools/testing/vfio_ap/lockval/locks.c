// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel lock API shims on pthreads, validated by lockval.  See locks.h.
 *
 * The validator is told about a blocking acquisition before the thread
 * blocks (so a deadlock is reported before it hangs) and about a trylock
 * only once it succeeded.  owner / writer / readers are only for
 * mutex_is_locked(), rwsem_is_locked() and reports; they are accessed
 * atomically because other threads read them without the lock.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locks.h"

static void lv_check(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "lockval: %s failed: %s\n", what, strerror(err));
		abort();
	}
}

#define store(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define load(p)		__atomic_load_n((p), __ATOMIC_RELAXED)

/* ------------------------------------------------------------------ */
/* mutex */

void __mutex_init(struct mutex *lock, const char *name,
		  struct lock_class_key *key)
{
	lv_check(pthread_mutex_init(&lock->lock, NULL), "pthread_mutex_init");
	store(&lock->owner, 0);
	lockval_map_init(&lock->dep_map, name, key);
}

void lockval_mutex_lock(struct mutex *lock, const struct lockval_site *site)
{
	lockval_acquire(&lock->dep_map, 0, site);
	lv_check(pthread_mutex_lock(&lock->lock), "pthread_mutex_lock");
	lockval_acquired(&lock->dep_map);
	store(&lock->owner, lockval_thread_id());
}

int lockval_mutex_trylock(struct mutex *lock, const struct lockval_site *site)
{
	if (pthread_mutex_trylock(&lock->lock))
		return 0;
	store(&lock->owner, lockval_thread_id());
	lockval_acquire(&lock->dep_map, LOCKVAL_TRY, site);
	return 1;
}

void lockval_mutex_unlock(struct mutex *lock, const struct lockval_site *site)
{
	/* Not ours: unlocking it would break its real owner. */
	if (!lockval_release(&lock->dep_map, 0, site))
		return;
	store(&lock->owner, 0);
	lv_check(pthread_mutex_unlock(&lock->lock), "pthread_mutex_unlock");
}

bool mutex_is_locked(struct mutex *lock)
{
	return load(&lock->owner) != 0;
}

void lockval_mutex_destroy(struct mutex *lock, const struct lockval_site *site)
{
	unsigned int owner = load(&lock->owner);

	if (owner) {
		/* Destroying a locked pthread mutex is undefined: leave it. */
		lockval_warn(site, "mutex_destroy(%s) of a mutex locked by "
			     "thread #%u", lock->dep_map.name, owner);
		return;
	}
	lv_check(pthread_mutex_destroy(&lock->lock), "pthread_mutex_destroy");
}

/* ------------------------------------------------------------------ */
/* rw_semaphore */

void __init_rwsem(struct rw_semaphore *sem, const char *name,
		  struct lock_class_key *key)
{
	pthread_rwlockattr_t attr;

	lv_check(pthread_rwlockattr_init(&attr), "pthread_rwlockattr_init");
#ifdef __GLIBC__
	/* kernel rwsems are writer-fair: readers queue behind a writer */
	lv_check(pthread_rwlockattr_setkind_np(&attr,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP),
		 "pthread_rwlockattr_setkind_np");
#endif
	lv_check(pthread_rwlock_init(&sem->lock, &attr), "pthread_rwlock_init");
	pthread_rwlockattr_destroy(&attr);
	store(&sem->writer, 0);
	store(&sem->readers, 0);
	lockval_map_init(&sem->dep_map, name, key);
}

void lockval_down_read(struct rw_semaphore *sem,
		       const struct lockval_site *site)
{
	lockval_acquire(&sem->dep_map, LOCKVAL_RWSEM | LOCKVAL_READ, site);
	lv_check(pthread_rwlock_rdlock(&sem->lock), "pthread_rwlock_rdlock");
	__atomic_fetch_add(&sem->readers, 1, __ATOMIC_RELAXED);
}

void lockval_down_write(struct rw_semaphore *sem,
			const struct lockval_site *site)
{
	lockval_acquire(&sem->dep_map, LOCKVAL_RWSEM, site);
	lv_check(pthread_rwlock_wrlock(&sem->lock), "pthread_rwlock_wrlock");
	lockval_acquired(&sem->dep_map);
	store(&sem->writer, lockval_thread_id());
}

int lockval_down_read_trylock(struct rw_semaphore *sem,
			      const struct lockval_site *site)
{
	if (pthread_rwlock_tryrdlock(&sem->lock))
		return 0;
	__atomic_fetch_add(&sem->readers, 1, __ATOMIC_RELAXED);
	lockval_acquire(&sem->dep_map,
			LOCKVAL_RWSEM | LOCKVAL_READ | LOCKVAL_TRY, site);
	return 1;
}

int lockval_down_write_trylock(struct rw_semaphore *sem,
			       const struct lockval_site *site)
{
	if (pthread_rwlock_trywrlock(&sem->lock))
		return 0;
	store(&sem->writer, lockval_thread_id());
	lockval_acquire(&sem->dep_map, LOCKVAL_RWSEM | LOCKVAL_TRY, site);
	return 1;
}

/*
 * Book-keep by how the lock is really held: up_read() of a write-held rwsem
 * (or the reverse) is reported by lockval_release() but still unlocks it.
 */
static void lv_rwsem_unlock(struct rw_semaphore *sem)
{
	if (load(&sem->writer) == lockval_thread_id())
		store(&sem->writer, 0);
	else
		__atomic_fetch_sub(&sem->readers, 1, __ATOMIC_RELAXED);
	lv_check(pthread_rwlock_unlock(&sem->lock), "pthread_rwlock_unlock");
}

void lockval_up_read(struct rw_semaphore *sem,
		     const struct lockval_site *site)
{
	if (lockval_release(&sem->dep_map, LOCKVAL_RWSEM | LOCKVAL_READ, site))
		lv_rwsem_unlock(sem);
}

void lockval_up_write(struct rw_semaphore *sem,
		      const struct lockval_site *site)
{
	if (lockval_release(&sem->dep_map, LOCKVAL_RWSEM, site))
		lv_rwsem_unlock(sem);
}

int rwsem_is_locked(struct rw_semaphore *sem)
{
	return load(&sem->writer) != 0 || load(&sem->readers) != 0;
}
