/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel mutex / rw_semaphore / lockdep API for user-space builds, on top of
 * pthreads, with every operation checked by the lockval validator.
 *
 * As in the kernel, each mutex_init() / init_rwsem() call site is one lock
 * class (a static struct lock_class_key at the site) named after the
 * argument ("&matrix_dev->mdevs_lock" -> "matrix_dev->mdevs_lock"), and each
 * DEFINE_MUTEX() / DECLARE_RWSEM() lock is a class of its own.
 *
 * Semantics kept from the kernel: rwsems are writer-fair (a reader queues
 * behind a waiting writer), mutex_trylock() returns 1 on success, and
 * lockdep_assert_*() warn but do not stop the caller.  Differences: the
 * interruptible / killable variants always succeed, and an unlock of a lock
 * the thread does not hold is reported and otherwise ignored.
 *
 * Do not use <stdatomic.h> here: kernel code has its own atomic_fetch_add().
 */
#ifndef _LOCKVAL_LOCKS_H
#define _LOCKVAL_LOCKS_H

#ifdef _TOOLS__RWSEM_H
#error "include lockval/locks.h before tools/include/linux/rwsem.h"
#endif
/* Keep the (unvalidated) tools/include versions out: same structs. */
#define _TOOLS__RWSEM_H
#define _TOOLS_INCLUDE_LINUX_MUTEX_H

#include <pthread.h>
#include <stdbool.h>

#include "lockval.h"

struct mutex {
	pthread_mutex_t		lock;
	unsigned int		owner;	/* lockval thread id, 0: unlocked */
	struct lockval_map	dep_map;
};

struct rw_semaphore {
	pthread_rwlock_t	lock;
	unsigned int		writer;	/* lockval thread id, 0: none */
	int			readers;
	struct lockval_map	dep_map;
};

/* ------------------------------------------------------------------ */
/* mutex */

#define __MUTEX_INITIALIZER(lockname)					\
	{								\
		.lock = PTHREAD_MUTEX_INITIALIZER,			\
		.owner = 0,						\
		.dep_map = LOCKVAL_MAP_INIT(lockname),			\
	}

#define DEFINE_MUTEX(mutexname)						\
	struct mutex mutexname = __MUTEX_INITIALIZER(mutexname)

void __mutex_init(struct mutex *lock, const char *name,
		  struct lock_class_key *key);

#define mutex_init(mutex)						\
do {									\
	static struct lock_class_key __key;				\
									\
	__mutex_init((mutex), #mutex, &__key);				\
} while (0)

void lockval_mutex_lock(struct mutex *lock, const struct lockval_site *site);
int lockval_mutex_trylock(struct mutex *lock, const struct lockval_site *site);
void lockval_mutex_unlock(struct mutex *lock, const struct lockval_site *site);
void lockval_mutex_destroy(struct mutex *lock, const struct lockval_site *site);
bool mutex_is_locked(struct mutex *lock);

#define mutex_lock(lock)	lockval_mutex_lock((lock), LOCKVAL_SITE)
#define mutex_trylock(lock)	lockval_mutex_trylock((lock), LOCKVAL_SITE)
#define mutex_unlock(lock)	lockval_mutex_unlock((lock), LOCKVAL_SITE)
#define mutex_destroy(lock)	lockval_mutex_destroy((lock), LOCKVAL_SITE)
/* No signals here: these always get the lock and return 0. */
#define mutex_lock_interruptible(lock)					\
	({ lockval_mutex_lock((lock), LOCKVAL_SITE); 0; })
#define mutex_lock_killable(lock)					\
	({ lockval_mutex_lock((lock), LOCKVAL_SITE); 0; })

/* ------------------------------------------------------------------ */
/* rw_semaphore */

/* Writer-fair like the kernel's rwsem, where glibc offers it. */
#ifdef PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP
#define __LOCKVAL_RWLOCK_INIT	PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP
#else
#define __LOCKVAL_RWLOCK_INIT	PTHREAD_RWLOCK_INITIALIZER
#endif

#define __RWSEM_INITIALIZER(lockname)					\
	{								\
		.lock = __LOCKVAL_RWLOCK_INIT,				\
		.writer = 0,						\
		.readers = 0,						\
		.dep_map = LOCKVAL_MAP_INIT(lockname),			\
	}

#define DECLARE_RWSEM(lockname)						\
	struct rw_semaphore lockname = __RWSEM_INITIALIZER(lockname)

void __init_rwsem(struct rw_semaphore *sem, const char *name,
		  struct lock_class_key *key);

#define init_rwsem(sem)							\
do {									\
	static struct lock_class_key __key;				\
									\
	__init_rwsem((sem), #sem, &__key);				\
} while (0)

void lockval_down_read(struct rw_semaphore *sem,
		       const struct lockval_site *site);
void lockval_down_write(struct rw_semaphore *sem,
			const struct lockval_site *site);
int lockval_down_read_trylock(struct rw_semaphore *sem,
			      const struct lockval_site *site);
int lockval_down_write_trylock(struct rw_semaphore *sem,
			       const struct lockval_site *site);
void lockval_up_read(struct rw_semaphore *sem,
		     const struct lockval_site *site);
void lockval_up_write(struct rw_semaphore *sem,
		      const struct lockval_site *site);
int rwsem_is_locked(struct rw_semaphore *sem);

#define down_read(sem)		lockval_down_read((sem), LOCKVAL_SITE)
#define down_write(sem)		lockval_down_write((sem), LOCKVAL_SITE)
#define down_read_trylock(sem)	lockval_down_read_trylock((sem), LOCKVAL_SITE)
#define down_write_trylock(sem)	lockval_down_write_trylock((sem), LOCKVAL_SITE)
#define up_read(sem)		lockval_up_read((sem), LOCKVAL_SITE)
#define up_write(sem)		lockval_up_write((sem), LOCKVAL_SITE)
#define down_read_killable(sem)						\
	({ lockval_down_read((sem), LOCKVAL_SITE); 0; })
#define down_write_killable(sem)					\
	({ lockval_down_write((sem), LOCKVAL_SITE); 0; })

/* ------------------------------------------------------------------ */
/* lockdep assertions: any lock with a ->dep_map */

#define __lockval_assert(l, mode, what)					\
	((void)lockval_assert(&(l)->dep_map, (mode), what, LOCKVAL_SITE))

#define lockdep_assert_held(l)		__lockval_assert(l, LOCKVAL_HELD, #l)
#define lockdep_assert_held_write(l)	__lockval_assert(l, LOCKVAL_HELD_WRITE, #l)
#define lockdep_assert_held_read(l)	__lockval_assert(l, LOCKVAL_HELD_READ, #l)
#define lockdep_assert_not_held(l)	__lockval_assert(l, LOCKVAL_NOT_HELD, #l)
#define lockdep_assert_held_once(l)	lockdep_assert_held(l)
/* For rcu_dereference_protected() and friends. */
#define lockdep_is_held(l)		lockval_held_by_me(&(l)->dep_map)

#endif /* _LOCKVAL_LOCKS_H */
