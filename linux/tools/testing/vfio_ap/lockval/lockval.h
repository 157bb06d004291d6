/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lockval - a small lockdep-like lock-order validator for user-space builds
 * of kernel code.
 *
 * Locks are grouped in classes, one class per initialisation site (a
 * struct lock_class_key) or per statically defined lock.  Every blocking
 * acquisition of class B while the thread holds A1..An records the
 * dependencies Ai -> B.  A dependency that closes a cycle in that graph is a
 * possible ABBA deadlock and is reported, even if the two orders were seen
 * at different times in different threads and nothing ever hung.
 *
 * The lock shims (locks.h) call lockval_acquire() *before* they block, so a
 * real deadlock is reported before the process hangs.
 *
 * Reports go to stderr (unless quiet) and are counted; tests query the
 * count with lockval_failures().
 */
#ifndef _LOCKVAL_LOCKVAL_H
#define _LOCKVAL_LOCKVAL_H

#include <stdbool.h>
#include <stdint.h>

/* Table sizes; override with -D, the same for every file. */
#ifndef LOCKVAL_MAX_CLASSES
#define LOCKVAL_MAX_CLASSES	64	/* lock classes (init sites) */
#endif
#ifndef LOCKVAL_MAX_HELD
#define LOCKVAL_MAX_HELD	32	/* locks one thread can hold at once */
#endif
#ifndef LOCKVAL_MAX_EDGES
#define LOCKVAL_MAX_EDGES	1024	/* dependencies with a recorded history */
#endif
#define LOCKVAL_NAME_LEN	80	/* class names are truncated to this */
#define LOCKVAL_TRACE_SIZE	4096	/* per-thread acquisition trace */
#define LOCKVAL_REPORT_SIZE	16384	/* one report; longer ones are truncated */

/*
 * One per lock class.  Only its address matters; it has a member so that
 * two static keys never share an address.
 */
struct lock_class_key {
	char __lv_unused;
};

/* Embedded in every lock as ->dep_map; its address identifies the lock. */
struct lockval_map {
	struct lock_class_key	*key;	/* NULL: static lock, class is the map */
	const char		*name;	/* class name */
};

/* Static initialiser: the lock is its own class, named after the variable. */
#define LOCKVAL_MAP_INIT(lockname)	{ .key = NULL, .name = #lockname }

/* Where a lock operation happened; one static instance per call site. */
struct lockval_site {
	const char	*file;
	const char	*func;
	int		line;
};

#define LOCKVAL_SITE							\
	({								\
		static const struct lockval_site __lv_site = {		\
			__FILE__, __func__, __LINE__			\
		};							\
		&__lv_site;						\
	})

/* Flags of lockval_acquire() / lockval_release(). */
#define LOCKVAL_READ	0x1u	/* shared acquisition (rwsem read) */
#define LOCKVAL_TRY	0x2u	/* successful trylock: it never waited */
#define LOCKVAL_RWSEM	0x4u	/* the lock is an rwsem (traces mark writes) */

enum lockval_held_mode {
	LOCKVAL_HELD,		/* held by this thread, any mode */
	LOCKVAL_HELD_WRITE,	/* held exclusively by this thread */
	LOCKVAL_HELD_READ,	/* held shared by this thread */
	LOCKVAL_NOT_HELD,	/* not held by this thread */
};

/* --- interface for lock implementations (see locks.c) --- */

/* @name may start with '&' (a stringified "&obj->lock"); it is dropped. */
void lockval_map_init(struct lockval_map *map, const char *name,
		      struct lock_class_key *key);
/*
 * Validate and record an acquisition.  Call it before blocking for a
 * blocking acquisition, and after success (with LOCKVAL_TRY) for a trylock.
 */
void lockval_acquire(struct lockval_map *map, unsigned int flags,
		     const struct lockval_site *site);
/*
 * Record a release.  Returns false (after reporting) if this thread does not
 * hold the lock: the caller must then leave the real lock alone.
 */
bool lockval_release(struct lockval_map *map, unsigned int flags,
		     const struct lockval_site *site);
/* Check how this thread holds @map; report and return false if not @mode. */
bool lockval_assert(const struct lockval_map *map, enum lockval_held_mode mode,
		    const char *expr, const struct lockval_site *site);
/*
 * Called once a blocking acquisition has got the lock, so that hold times
 * do not count the wait for it.
 */
void lockval_acquired(const struct lockval_map *map);
/* Whether this thread holds @map (any mode). */
bool lockval_held_by_me(const struct lockval_map *map);
/* Report a misuse detected by a shim (printf-like); counts as a failure. */
void lockval_warn(const struct lockval_site *site, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Small per-thread number (1, 2, ...) used in reports and as lock owner. */
unsigned int lockval_thread_id(void);

/*
 * A rule of the code under test: no wait (sleep) while a lock of class
 * @class_name is held.  @class_name must stay valid.  lockval_might_sleep()
 * is called by the sleep shims and reports a thread breaking the rule.
 */
void lockval_set_no_sleep(const char *class_name);
void lockval_might_sleep(const struct lockval_site *site);

/* --- query interface for tests --- */

/*
 * Longest time a lock of the class named @class_name was held exclusively
 * (mutex, rwsem write) since the last reset, in ns; 0 if never.
 */
uint64_t lockval_max_hold_ns(const char *class_name);
void lockval_reset_hold_times(void);
/*
 * Hold times are kept by default; off, no lock operation reads the clock
 * (a fuzz target's hot path) and lockval_max_hold_ns() stays where it was.
 */
void lockval_set_hold_timing(bool on);

/* Number of reports so far; reset also clears lockval_last_report(). */
unsigned int lockval_failures(void);
void lockval_reset_failures(void);
/* Quiet: reports are still counted and kept, but not printed. */
void lockval_set_quiet(bool quiet);
/* Text of the last report ("" if none); a per-thread copy. */
const char *lockval_last_report(void);
/* Number of locks the calling thread holds. */
unsigned int lockval_held_count(void);
/*
 * Per-thread trace of acquired classes: "a,b(r),try:c,d(w)".  Mutexes plain,
 * rwsem reads "(r)", rwsem writes "(w)", successful trylocks "try:".
 * The string stays valid until the thread's next lockval_trace_start().
 */
void lockval_trace_start(void);
const char *lockval_trace_stop(void);
/* Whether a dependency path from class @a to class @b has been recorded. */
bool lockval_order_known(const char *a, const char *b);
/* Drop all recorded dependencies (classes stay known). */
void lockval_forget_all(void);
/* Print the recorded dependencies to stderr. */
void lockval_dump_graph(void);

#endif /* _LOCKVAL_LOCKVAL_H */
