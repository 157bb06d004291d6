// SPDX-License-Identifier: GPL-2.0
/*
 * lockval - lock-order validator core.  See lockval.h.
 *
 * Global state (classes, dependency graph, edge history, last report) is
 * protected by lv_lock, a plain pthread mutex that is not validated itself.
 * Two things are read without it so that the common case costs no global
 * lock: the class table (append-only, published with a release store of
 * lv_nr_classes) and the dependency bitmap (atomic words).  An acquisition
 * whose dependencies are all known already only touches thread-local state.
 *
 * Nothing here allocates memory: all tables are fixed-size.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lockval.h"

#define NO_CLASS	(-1)
#define WORDS		((LOCKVAL_MAX_CLASSES + 63) / 64)

_Static_assert(LOCKVAL_MAX_CLASSES <= 32767, "class index is a short");
_Static_assert(LOCKVAL_MAX_EDGES <= 65535, "edge index is unsigned short");
_Static_assert(LOCKVAL_MAX_HELD <= 255, "held depth is unsigned char");

struct lv_class {
	const void	*key;	/* lock_class_key, or the map of a static lock */
	char		name[LOCKVAL_NAME_LEN];
};

/* One entry of a thread's held-lock stack. */
struct lv_held {
	const struct lockval_map	*inst;	/* the lock instance */
	const char			*name;
	const struct lockval_site	*site;
	short				cls;
	unsigned char			flags;
	uint64_t			since_ns;	/* when it was got */
};

/* A held lock as remembered in an edge's history (no instance pointer). */
struct lv_snap {
	const struct lockval_site	*site;
	short				cls;
	unsigned char			flags;
};

/* How dependency from -> to was first seen. */
struct lv_edge {
	const struct lockval_site	*site;	/* where "to" was acquired */
	unsigned int			thread;
	int				tid;
	unsigned char			flags;	/* of the acquisition of "to" */
	unsigned char			depth;
	struct lv_snap			held[LOCKVAL_MAX_HELD];
};

struct lv_thread {
	unsigned int	id;
	int		tid;
	unsigned int	depth;
	unsigned int	untracked;	/* held, but did not fit in held[] */
	struct lv_held	held[LOCKVAL_MAX_HELD];
	bool		tracing;
	bool		trace_full;
	size_t		trace_len;
	char		trace[LOCKVAL_TRACE_SIZE];
	char		report[LOCKVAL_REPORT_SIZE];	/* report being built */
	char		last[LOCKVAL_REPORT_SIZE];	/* lockval_last_report() */
};

static pthread_mutex_t lv_lock = PTHREAD_MUTEX_INITIALIZER;

static struct lv_class lv_classes[LOCKVAL_MAX_CLASSES];
static atomic_uint lv_nr_classes;
static bool lv_classes_full;			/* reported once */

/* lv_dep[a][b / 64] bit b % 64: dependency a -> b was recorded. */
static _Atomic uint64_t lv_dep[LOCKVAL_MAX_CLASSES][WORDS];
/* 1 + index into lv_edges of the history of a -> b; 0 if none. */
static unsigned short lv_edge_id[LOCKVAL_MAX_CLASSES][LOCKVAL_MAX_CLASSES];
static struct lv_edge lv_edges[LOCKVAL_MAX_EDGES];
static unsigned int lv_nr_edges;
static bool lv_edges_full;			/* reported once */

/* longest exclusive hold of each class, in ns */
static _Atomic uint64_t lv_max_hold[LOCKVAL_MAX_CLASSES];
static atomic_bool lv_untimed;		/* lockval_set_hold_timing(false) */

/* classes a thread must not sleep while holding (by name) */
#define LV_MAX_NO_SLEEP	8
static const char *lv_no_sleep[LV_MAX_NO_SLEEP];
static atomic_uint lv_nr_no_sleep;

static char lv_last[LOCKVAL_REPORT_SIZE];
static atomic_uint lv_failures;
static atomic_bool lv_quiet;
static atomic_uint lv_next_thread;

static pthread_once_t lv_once = PTHREAD_ONCE_INIT;
static pthread_key_t lv_exit_key;

static __thread struct lv_thread lv_self;

/* ------------------------------------------------------------------ */
/* report text */

struct lv_buf {
	char	*s;
	size_t	len;
	size_t	size;
};

static void __attribute__((format(printf, 2, 3)))
lv_printf(struct lv_buf *b, const char *fmt, ...)
{
	size_t room = b->size - b->len;
	va_list ap;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n < room ? (size_t)n : room - 1;
}

static struct lv_buf lv_report_begin(struct lv_thread *t, const char *title)
{
	struct lv_buf b = { .s = t->report, .len = 0, .size = sizeof(t->report) };

	t->report[0] = '\0';
	lv_printf(&b, "\n=====================================================\n"
		  "lockval: WARNING: %s\n"
		  "-----------------------------------------------------\n",
		  title);
	return b;
}

static void lv_put_site(struct lv_buf *b, const struct lockval_site *site)
{
	if (!site) {
		lv_printf(b, "at ?");
		return;
	}
	lv_printf(b, "at %s:%d", site->file ? site->file : "?", site->line);
	if (site->func)
		lv_printf(b, " (%s)", site->func);
}

/* Same notation as the trace: try:name(r) / name(w) / name. */
static void lv_put_lock(struct lv_buf *b, const char *name, unsigned int flags)
{
	lv_printf(b, "%s%s%s", flags & LOCKVAL_TRY ? "try:" : "",
		  name ? name : "<uninitialised>",
		  flags & LOCKVAL_READ ? "(r)" :
		  flags & LOCKVAL_RWSEM ? "(w)" : "");
}

static const char *lv_class_name(int cls)
{
	return cls == NO_CLASS ? "<untracked>" : lv_classes[cls].name;
}

static void lv_put_thread(struct lv_buf *b, const struct lv_thread *t)
{
	lv_printf(b, "thread #%u (tid %d)", t->id, t->tid);
}

static void lv_put_held(struct lv_buf *b, const struct lv_thread *t)
{
	unsigned int i;

	if (!t->depth && !t->untracked) {
		lv_printf(b, "  (no locks held)\n");
		return;
	}
	for (i = 0; i < t->depth; i++) {
		lv_printf(b, "  #%u: ", i);
		lv_put_lock(b, t->held[i].name, t->held[i].flags);
		lv_printf(b, " ");
		lv_put_site(b, t->held[i].site);
		lv_printf(b, "\n");
	}
	if (t->untracked)
		lv_printf(b, "  ... and %u more not tracked (stack full)\n",
			  t->untracked);
}

/* Count, keep and (unless quiet) print a finished report.  Needs lv_lock. */
static void lv_publish_locked(struct lv_buf *b)
{
	static const char trunc[] = "\n[report truncated]\n";

	if (b->len >= b->size - 1)
		memcpy(b->s + b->size - sizeof(trunc), trunc, sizeof(trunc));
	memcpy(lv_last, b->s, b->len + 1 <= b->size ? b->len + 1 : b->size);
	lv_last[sizeof(lv_last) - 1] = '\0';
	atomic_fetch_add(&lv_failures, 1);
	if (!atomic_load(&lv_quiet)) {
		fputs(b->s, stderr);
		fflush(stderr);
	}
}

static void lv_publish(struct lv_buf *b)
{
	pthread_mutex_lock(&lv_lock);
	lv_publish_locked(b);
	pthread_mutex_unlock(&lv_lock);
}

/* ------------------------------------------------------------------ */
/* threads */

/* Runs at thread exit: locks still held there can never be released. */
static void lv_thread_exit(void *arg)
{
	struct lv_thread *t = arg;
	struct lv_buf b;

	if (!t->depth && !t->untracked)
		return;
	b = lv_report_begin(t, "thread exiting with locks held");
	lv_put_thread(&b, t);
	lv_printf(&b, " exits holding %u lock(s):\n", t->depth + t->untracked);
	lv_put_held(&b, t);
	lv_publish(&b);
}

static void lv_init_once(void)
{
	pthread_key_create(&lv_exit_key, lv_thread_exit);
}

static struct lv_thread *lv_me(void)
{
	struct lv_thread *t = &lv_self;

	if (__builtin_expect(!t->id, 0)) {
		t->id = atomic_fetch_add(&lv_next_thread, 1) + 1;
		t->tid = (int)syscall(SYS_gettid);
		pthread_once(&lv_once, lv_init_once);
		pthread_setspecific(lv_exit_key, t);
	}
	return t;
}

unsigned int lockval_thread_id(void)
{
	return lv_me()->id;
}

/* ------------------------------------------------------------------ */
/* classes */

static int lv_find_class(const void *key)
{
	unsigned int n = atomic_load_explicit(&lv_nr_classes,
					      memory_order_acquire);
	unsigned int i;

	for (i = 0; i < n; i++)
		if (lv_classes[i].key == key)
			return (int)i;
	return NO_CLASS;
}

/* Class of @map, registered on first use; NO_CLASS if the table is full. */
static int lv_get_class(struct lv_thread *t, const struct lockval_map *map,
			const struct lockval_site *site)
{
	const void *key = map->key ? (const void *)map->key : (const void *)map;
	struct lv_buf b;
	unsigned int n;
	int cls;

	cls = lv_find_class(key);
	if (cls != NO_CLASS)
		return cls;

	pthread_mutex_lock(&lv_lock);
	cls = lv_find_class(key);
	if (cls != NO_CLASS)
		goto out;
	n = atomic_load_explicit(&lv_nr_classes, memory_order_relaxed);
	if (n == LOCKVAL_MAX_CLASSES) {
		if (!lv_classes_full) {
			lv_classes_full = true;
			b = lv_report_begin(t, "lock class table full");
			lv_printf(&b, "more than %d lock classes; \"%s\" ",
				  LOCKVAL_MAX_CLASSES,
				  map->name ? map->name : "<uninitialised>");
			lv_put_site(&b, site);
			lv_printf(&b, " and later new classes are not "
				  "validated (raise LOCKVAL_MAX_CLASSES)\n");
			lv_publish_locked(&b);
		}
		goto out;
	}
	lv_classes[n].key = key;
	snprintf(lv_classes[n].name, sizeof(lv_classes[n].name), "%s",
		 map->name ? map->name : "<uninitialised>");
	atomic_store_explicit(&lv_nr_classes, n + 1, memory_order_release);
	cls = (int)n;
	if (!map->name) {
		/* Zeroed memory used as a lock: no init site, no class. */
		b = lv_report_begin(t, "lock used without initialisation");
		lv_put_thread(&b, t);
		lv_printf(&b, " uses a lock that was never initialised ");
		lv_put_site(&b, site);
		lv_printf(&b, "\n");
		lv_publish_locked(&b);
	}
out:
	pthread_mutex_unlock(&lv_lock);
	return cls;
}

/* ------------------------------------------------------------------ */
/* dependency graph */

static bool lv_dep_test(int a, int b)
{
	return atomic_load_explicit(&lv_dep[a][b / 64], memory_order_relaxed) &
	       (1ULL << (b % 64));
}

/*
 * Classes reachable from @from by a path of at least one edge, as a bitmap;
 * parent[] gives the predecessor on a shortest path.  Needs lv_lock.
 */
static void lv_reach(int from, uint64_t *seen, short *parent)
{
	short queue[LOCKVAL_MAX_CLASSES];
	unsigned int head = 0, tail = 0;
	int w;

	memset(seen, 0, WORDS * sizeof(*seen));
	queue[tail++] = (short)from;
	while (head < tail) {
		int c = queue[head++];

		for (w = 0; w < WORDS; w++) {
			uint64_t next = atomic_load_explicit(&lv_dep[c][w],
							     memory_order_relaxed);

			next &= ~seen[w];
			while (next) {
				int n = w * 64 + __builtin_ctzll(next);

				next &= next - 1;
				seen[w] |= 1ULL << (n % 64);
				parent[n] = (short)c;
				/* @from can be reached again, but is queued */
				if (n != from)
					queue[tail++] = (short)n;
			}
		}
	}
}

static bool lv_seen(const uint64_t *seen, int c)
{
	return seen[c / 64] & (1ULL << (c % 64));
}

/* Print how dependency a -> b was first seen.  Needs lv_lock. */
static void lv_put_edge_history(struct lv_buf *b, int from, int to)
{
	unsigned int id = lv_edge_id[from][to];
	const struct lv_edge *e;
	unsigned int i;

	lv_printf(b, "\n%s -> %s first seen in ", lv_class_name(from),
		  lv_class_name(to));
	if (!id) {
		lv_printf(b, "? (history not kept: edge table full)\n");
		return;
	}
	e = &lv_edges[id - 1];
	lv_printf(b, "thread #%u (tid %d) acquiring ", e->thread, e->tid);
	lv_put_lock(b, lv_class_name(to), e->flags);
	lv_printf(b, " ");
	lv_put_site(b, e->site);
	lv_printf(b, "\nwhile holding:\n");
	for (i = 0; i < e->depth; i++) {
		lv_printf(b, "  #%u: ", i);
		lv_put_lock(b, lv_class_name(e->held[i].cls), e->held[i].flags);
		lv_printf(b, " ");
		lv_put_site(b, e->held[i].site);
		lv_printf(b, "\n");
	}
}

/*
 * Thread @t, holding held[hi], wants class @cls, but @cls already reaches
 * held[hi]'s class: report both orders.  Needs lv_lock.
 */
static void lv_report_cycle(struct lv_thread *t, unsigned int hi, int cls,
			    unsigned int flags, const struct lockval_site *site,
			    const short *parent)
{
	short chain[LOCKVAL_MAX_CLASSES + 1];
	int held_cls = t->held[hi].cls;
	int n = 0, c, i;
	struct lv_buf b;

	/* chain[] = cls -> ... -> held_cls, built backwards from parent[] */
	for (c = held_cls; c != cls && n < LOCKVAL_MAX_CLASSES; c = parent[c])
		chain[n++] = (short)c;
	chain[n++] = (short)cls;

	b = lv_report_begin(t, "possible circular locking dependency detected");
	lv_put_thread(&b, t);
	lv_printf(&b, " is trying to acquire:\n  ");
	lv_put_lock(&b, lv_class_name(cls), flags);
	lv_printf(&b, " ");
	lv_put_site(&b, site);
	lv_printf(&b, "\nwhile holding:\n");
	lv_put_held(&b, t);

	lv_printf(&b, "\nnew order (this thread):  %s -> %s\n",
		  lv_class_name(held_cls), lv_class_name(cls));
	lv_printf(&b, "existing order (recorded): ");
	for (i = n - 1; i >= 0; i--)
		lv_printf(&b, "%s%s", lv_class_name(chain[i]), i ? " -> " : "\n");

	lv_printf(&b, "\nthe existing order was recorded as:\n");
	for (i = n - 1; i > 0; i--)
		lv_put_edge_history(&b, chain[i], chain[i - 1]);

	lv_printf(&b, "\npossible deadlock: ");
	if (n == 2)
		lv_printf(&b, "one thread holds %s and waits for %s while "
			  "another holds %s and waits for %s\n",
			  lv_class_name(held_cls), lv_class_name(cls),
			  lv_class_name(cls), lv_class_name(held_cls));
	else
		lv_printf(&b, "%d threads, each holding one lock of the cycle "
			  "and waiting for the next one\n", n);
	lv_publish_locked(&b);
}

/* Record dependency a -> b, with history the first time.  Needs lv_lock. */
static void lv_add_edge(struct lv_thread *t, int a, int b, unsigned int flags,
			const struct lockval_site *site)
{
	struct lv_edge *e;
	struct lv_buf r;
	unsigned int i;

	atomic_fetch_or_explicit(&lv_dep[a][b / 64], 1ULL << (b % 64),
				 memory_order_relaxed);
	if (lv_edge_id[a][b])
		return;
	if (lv_nr_edges == LOCKVAL_MAX_EDGES) {
		if (!lv_edges_full) {
			lv_edges_full = true;
			r = lv_report_begin(t, "dependency table full");
			lv_printf(&r, "more than %d dependencies; new ones are "
				  "still checked but their history is not "
				  "kept (raise LOCKVAL_MAX_EDGES)\n",
				  LOCKVAL_MAX_EDGES);
			lv_publish_locked(&r);
		}
		return;
	}
	e = &lv_edges[lv_nr_edges++];
	lv_edge_id[a][b] = (unsigned short)lv_nr_edges;
	e->site = site;
	e->thread = t->id;
	e->tid = t->tid;
	e->flags = (unsigned char)flags;
	e->depth = (unsigned char)t->depth;
	for (i = 0; i < t->depth; i++) {
		e->held[i].site = t->held[i].site;
		e->held[i].cls = t->held[i].cls;
		e->held[i].flags = t->held[i].flags;
	}
}

/*
 * Blocking acquisition of @cls: add held -> @cls for every held class and
 * report any of them that closes a cycle.
 */
static void lv_check_order(struct lv_thread *t, int cls, unsigned int flags,
			   const struct lockval_site *site)
{
	uint64_t seen[WORDS];
	short parent[LOCKVAL_MAX_CLASSES];
	bool reached = false;
	unsigned int i;

	/* Fast path: every dependency is known (and was checked) already. */
	for (i = 0; i < t->depth; i++) {
		int a = t->held[i].cls;

		if (a != NO_CLASS && a != cls && !lv_dep_test(a, cls))
			break;
	}
	if (i == t->depth)
		return;

	pthread_mutex_lock(&lv_lock);
	for (i = 0; i < t->depth; i++) {
		int a = t->held[i].cls;

		if (a == NO_CLASS || a == cls || lv_dep_test(a, cls))
			continue;
		/* New a -> cls: a cycle if cls already reaches a. */
		if (!reached) {
			lv_reach(cls, seen, parent);
			reached = true;
		}
		if (lv_seen(seen, a))
			lv_report_cycle(t, i, cls, flags, site, parent);
		/*
		 * Record it even when it closes a cycle, so that one bad
		 * order is reported once, not on every acquisition.  Adding
		 * edges into cls does not change what cls reaches, so seen[]
		 * stays valid.
		 */
		lv_add_edge(t, a, cls, flags, site);
	}
	pthread_mutex_unlock(&lv_lock);
}

/* ------------------------------------------------------------------ */
/* acquire / release */

static void lv_trace(struct lv_thread *t, const char *name, unsigned int flags)
{
	static const char more[] = ",...";
	char entry[LOCKVAL_NAME_LEN + 16];
	struct lv_buf b = { .s = entry, .len = 0, .size = sizeof(entry) };
	size_t need;

	if (!t->tracing || t->trace_full)
		return;
	lv_put_lock(&b, name, flags);
	need = b.len + (t->trace_len ? 1 : 0);
	/* keep room for the truncation mark and the NUL */
	if (t->trace_len + need + sizeof(more) > sizeof(t->trace)) {
		memcpy(t->trace + t->trace_len, more + !t->trace_len,
		       sizeof(more) - !t->trace_len);
		t->trace_full = true;
		return;
	}
	if (t->trace_len)
		t->trace[t->trace_len++] = ',';
	memcpy(t->trace + t->trace_len, entry, b.len + 1);
	t->trace_len += b.len;
}

/* Taking a class this thread already holds. */
static void lv_check_recursion(struct lv_thread *t,
			       const struct lockval_map *map, int cls,
			       unsigned int flags,
			       const struct lockval_site *site)
{
	const struct lv_held *h = NULL;
	bool self = false;
	struct lv_buf b;
	unsigned int i;

	for (i = 0; i < t->depth; i++) {
		if (t->held[i].inst == map) {
			h = &t->held[i];
			self = true;
			break;
		}
		if (cls != NO_CLASS && t->held[i].cls == cls && !h)
			h = &t->held[i];
	}
	if (!h)
		return;

	b = lv_report_begin(t, self ? "recursive locking of the same lock" :
				      "possible recursive locking detected");
	lv_put_thread(&b, t);
	lv_printf(&b, " is trying to acquire:\n  ");
	lv_put_lock(&b, map->name, flags);
	lv_printf(&b, " ");
	lv_put_site(&b, site);
	lv_printf(&b, "\nbut already holds %s:\n  ",
		  self ? "this very lock" : "a lock of the same class");
	lv_put_lock(&b, h->name, h->flags);
	lv_printf(&b, " ");
	lv_put_site(&b, h->site);
	lv_printf(&b, "\nheld locks:\n");
	lv_put_held(&b, t);

	if (!self) {
		lv_printf(&b, "\ntwo locks of one class nest here; if another "
			  "path nests them the other way round, it deadlocks\n");
		lv_publish(&b);
		return;
	}
	if ((flags & LOCKVAL_READ) && (h->flags & LOCKVAL_READ)) {
		lv_printf(&b, "\na second read acquisition deadlocks as soon "
			  "as a writer queues between the two\n");
		lv_publish(&b);
		return;
	}
	/* The real lock would wait for this thread forever: stop here. */
	lv_printf(&b, "\nthis thread would wait for itself forever; "
		  "aborting\n");
	lv_publish(&b);
	if (atomic_load(&lv_quiet))
		fputs(b.s, stderr);
	abort();
}

static uint64_t lv_now_ns(void)
{
	struct timespec ts;

	if (atomic_load_explicit(&lv_untimed, memory_order_relaxed))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void lockval_map_init(struct lockval_map *map, const char *name,
		      struct lock_class_key *key)
{
	if (name)
		while (*name == '&' || *name == ' ')
			name++;
	map->name = name;
	map->key = key;
}

/* Most recent first: a read-held rwsem may be on the stack twice. */
static struct lv_held *lv_find_held(struct lv_thread *t,
				    const struct lockval_map *map)
{
	unsigned int i;

	for (i = t->depth; i-- > 0;)
		if (t->held[i].inst == map)
			return &t->held[i];
	return NULL;
}

void lockval_acquire(struct lockval_map *map, unsigned int flags,
		     const struct lockval_site *site)
{
	struct lv_thread *t = lv_me();
	int cls = lv_get_class(t, map, site);
	const char *name = cls == NO_CLASS ? map->name : lv_classes[cls].name;
	struct lv_held *h;
	struct lv_buf b;

	/* A trylock cannot wait, so it can neither recurse nor deadlock. */
	if (!(flags & LOCKVAL_TRY)) {
		lv_check_recursion(t, map, cls, flags, site);
		if (cls != NO_CLASS)
			lv_check_order(t, cls, flags, site);
	}
	lv_trace(t, name, flags);

	if (t->depth == LOCKVAL_MAX_HELD) {
		b = lv_report_begin(t, "held-lock stack full");
		lv_put_thread(&b, t);
		lv_printf(&b, " holds more than %d locks; acquiring ",
			  LOCKVAL_MAX_HELD);
		lv_put_lock(&b, name, flags);
		lv_printf(&b, " ");
		lv_put_site(&b, site);
		lv_printf(&b, " is not tracked (raise LOCKVAL_MAX_HELD)\n");
		lv_publish(&b);
		t->untracked++;
		return;
	}
	h = &t->held[t->depth++];
	h->inst = map;
	h->name = name;
	h->site = site;
	h->cls = (short)cls;
	h->flags = (unsigned char)flags;
	h->since_ns = lv_now_ns();
}

void lockval_acquired(const struct lockval_map *map)
{
	struct lv_held *h = lv_find_held(lv_me(), map);

	if (h)
		h->since_ns = lv_now_ns();
}

/* Keep the longest exclusive hold of the class of @h. */
static void lv_note_hold(const struct lv_held *h)
{
	uint64_t held, max;

	/* since_ns 0: taken untimed (timing may have been switched since) */
	if (h->cls == NO_CLASS || (h->flags & LOCKVAL_READ) || !h->since_ns ||
	    atomic_load_explicit(&lv_untimed, memory_order_relaxed))
		return;
	held = lv_now_ns() - h->since_ns;
	max = atomic_load(&lv_max_hold[h->cls]);
	while (held > max &&
	       !atomic_compare_exchange_weak(&lv_max_hold[h->cls], &max, held))
		;
}


bool lockval_release(struct lockval_map *map, unsigned int flags,
		     const struct lockval_site *site)
{
	struct lv_thread *t = lv_me();
	struct lv_held *h = lv_find_held(t, map);
	struct lv_buf b;

	if (!h) {
		if (t->untracked) {
			/* probably one of those that did not fit */
			t->untracked--;
			return true;
		}
		b = lv_report_begin(t, "bad unlock balance detected");
		lv_put_thread(&b, t);
		lv_printf(&b, " is trying to release lock:\n  ");
		lv_put_lock(&b, map->name, flags);
		lv_printf(&b, " ");
		lv_put_site(&b, site);
		lv_printf(&b, "\nbut does not hold it; it holds:\n");
		lv_put_held(&b, t);
		lv_printf(&b, "\nthe lock is left alone\n");
		lv_publish(&b);
		return false;
	}

	if ((h->flags & LOCKVAL_READ) != (flags & LOCKVAL_READ)) {
		b = lv_report_begin(t, "lock released in the wrong mode");
		lv_put_thread(&b, t);
		lv_printf(&b, " holds ");
		lv_put_lock(&b, h->name, h->flags);
		lv_printf(&b, " ");
		lv_put_site(&b, h->site);
		lv_printf(&b, "\nbut releases it as ");
		lv_put_lock(&b, h->name, flags & ~LOCKVAL_TRY);
		lv_printf(&b, " ");
		lv_put_site(&b, site);
		lv_printf(&b, "\n");
		lv_publish(&b);
	}
	lv_note_hold(h);
	/* Any order, not only LIFO. */
	memmove(h, h + 1, (size_t)(t->held + t->depth - (h + 1)) * sizeof(*h));
	t->depth--;
	return true;
}

/* ------------------------------------------------------------------ */
/* sleeping with a lock held, and how long locks are held */

void lockval_set_no_sleep(const char *class_name)
{
	unsigned int n;

	pthread_mutex_lock(&lv_lock);
	n = atomic_load(&lv_nr_no_sleep);
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(lv_no_sleep[i], class_name))
			goto out;
	if (n < LV_MAX_NO_SLEEP) {
		lv_no_sleep[n] = class_name;
		atomic_store(&lv_nr_no_sleep, n + 1);
	}
out:
	pthread_mutex_unlock(&lv_lock);
}

static bool lv_is_no_sleep(const char *name)
{
	unsigned int n = atomic_load(&lv_nr_no_sleep);

	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(lv_no_sleep[i], name))
			return true;
	return false;
}

void lockval_might_sleep(const struct lockval_site *site)
{
	struct lv_thread *t = lv_me();
	struct lv_buf b;
	unsigned int i;

	for (i = 0; i < t->depth; i++) {
		if (!t->held[i].name || !lv_is_no_sleep(t->held[i].name))
			continue;
		b = lv_report_begin(t, "sleeping with a no-sleep lock held");
		lv_put_thread(&b, t);
		lv_printf(&b, " sleeps ");
		lv_put_site(&b, site);
		lv_printf(&b, " holding ");
		lv_put_lock(&b, t->held[i].name, t->held[i].flags);
		lv_printf(&b, ", which is never to be held across a wait; "
			  "it holds:\n");
		lv_put_held(&b, t);
		lv_printf(&b, "\n");
		lv_publish(&b);
		return;
	}
}

uint64_t lockval_max_hold_ns(const char *class_name)
{
	unsigned int n = atomic_load(&lv_nr_classes);
	uint64_t max = 0, v;

	/* one class per init site: several may share a name */
	for (unsigned int i = 0; i < n; i++) {
		if (strcmp(lv_classes[i].name, class_name))
			continue;
		v = atomic_load(&lv_max_hold[i]);
		if (v > max)
			max = v;
	}
	return max;
}

void lockval_reset_hold_times(void)
{
	for (unsigned int i = 0; i < LOCKVAL_MAX_CLASSES; i++)
		atomic_store(&lv_max_hold[i], 0);
}

void lockval_set_hold_timing(bool on)
{
	atomic_store(&lv_untimed, !on);
}

bool lockval_held_by_me(const struct lockval_map *map)
{
	return lv_find_held(lv_me(), map) != NULL;
}

bool lockval_assert(const struct lockval_map *map, enum lockval_held_mode mode,
		    const char *expr, const struct lockval_site *site)
{
	static const char *const what[] = {
		[LOCKVAL_HELD]		= "lockdep_assert_held",
		[LOCKVAL_HELD_WRITE]	= "lockdep_assert_held_write",
		[LOCKVAL_HELD_READ]	= "lockdep_assert_held_read",
		[LOCKVAL_NOT_HELD]	= "lockdep_assert_not_held",
	};
	struct lv_thread *t = lv_me();
	const struct lv_held *h = lv_find_held(t, map);
	const char *why;
	struct lv_buf b;

	switch (mode) {
	case LOCKVAL_HELD:
		why = h ? NULL : "is not held by this thread";
		break;
	case LOCKVAL_HELD_WRITE:
		why = !h ? "is not held by this thread" :
		      h->flags & LOCKVAL_READ ? "is only held for read" : NULL;
		break;
	case LOCKVAL_HELD_READ:
		why = !h ? "is not held by this thread" :
		      h->flags & LOCKVAL_READ ? NULL : "is held for write";
		break;
	case LOCKVAL_NOT_HELD:
	default:
		why = h ? "is held by this thread" : NULL;
		break;
	}
	if (!why)
		return true;

	b = lv_report_begin(t, "lock assertion failed");
	lv_printf(&b, "%s(%s) failed ", what[mode], expr ? expr : "?");
	lv_put_site(&b, site);
	lv_printf(&b, ":\n  %s %s\n", map->name ? map->name : "<uninitialised>",
		  why);
	lv_put_thread(&b, t);
	lv_printf(&b, " holds:\n");
	lv_put_held(&b, t);
	lv_publish(&b);
	return false;
}

void lockval_warn(const struct lockval_site *site, const char *fmt, ...)
{
	struct lv_thread *t = lv_me();
	struct lv_buf b = lv_report_begin(t, "lock misuse");
	va_list ap;

	va_start(ap, fmt);
	if (b.len < b.size - 1) {
		int n = vsnprintf(b.s + b.len, b.size - b.len, fmt, ap);

		if (n > 0)
			b.len += (size_t)n < b.size - b.len ?
				 (size_t)n : b.size - b.len - 1;
	}
	va_end(ap);
	lv_printf(&b, " ");
	lv_put_site(&b, site);
	lv_printf(&b, "\n");
	lv_put_thread(&b, t);
	lv_printf(&b, " holds:\n");
	lv_put_held(&b, t);
	lv_publish(&b);
}

/* ------------------------------------------------------------------ */
/* queries */

unsigned int lockval_failures(void)
{
	return atomic_load(&lv_failures);
}

void lockval_reset_failures(void)
{
	/* a stale report must not satisfy a check for the next one */
	pthread_mutex_lock(&lv_lock);
	atomic_store(&lv_failures, 0);
	lv_last[0] = '\0';
	pthread_mutex_unlock(&lv_lock);
}

void lockval_set_quiet(bool quiet)
{
	atomic_store(&lv_quiet, quiet);
}

const char *lockval_last_report(void)
{
	struct lv_thread *t = lv_me();

	pthread_mutex_lock(&lv_lock);
	memcpy(t->last, lv_last, sizeof(t->last));
	pthread_mutex_unlock(&lv_lock);
	return t->last;
}

unsigned int lockval_held_count(void)
{
	struct lv_thread *t = lv_me();

	return t->depth + t->untracked;
}

void lockval_trace_start(void)
{
	struct lv_thread *t = lv_me();

	t->tracing = true;
	t->trace_full = false;
	t->trace_len = 0;
	t->trace[0] = '\0';
}

const char *lockval_trace_stop(void)
{
	struct lv_thread *t = lv_me();

	t->tracing = false;
	return t->trace;
}

bool lockval_order_known(const char *a, const char *b)
{
	unsigned int n = atomic_load_explicit(&lv_nr_classes,
					      memory_order_acquire);
	short parent[LOCKVAL_MAX_CLASSES];
	uint64_t seen[WORDS];
	unsigned int i, j;
	bool known = false;

	/* Several init sites may share a name: any of them counts. */
	pthread_mutex_lock(&lv_lock);
	for (i = 0; i < n && !known; i++) {
		if (strcmp(lv_classes[i].name, a))
			continue;
		lv_reach((int)i, seen, parent);
		for (j = 0; j < n && !known; j++)
			known = lv_seen(seen, (int)j) &&
				!strcmp(lv_classes[j].name, b);
	}
	pthread_mutex_unlock(&lv_lock);
	return known;
}

void lockval_forget_all(void)
{
	int a, w;

	pthread_mutex_lock(&lv_lock);
	for (a = 0; a < LOCKVAL_MAX_CLASSES; a++)
		for (w = 0; w < WORDS; w++)
			atomic_store_explicit(&lv_dep[a][w], 0,
					      memory_order_relaxed);
	memset(lv_edge_id, 0, sizeof(lv_edge_id));
	lv_nr_edges = 0;
	lv_edges_full = false;
	pthread_mutex_unlock(&lv_lock);
}

void lockval_dump_graph(void)
{
	unsigned int n = atomic_load_explicit(&lv_nr_classes,
					      memory_order_acquire);
	char line[LOCKVAL_REPORT_SIZE / 8];
	unsigned int a, b;

	pthread_mutex_lock(&lv_lock);
	fprintf(stderr, "lockval: %u classes, recorded dependencies:\n", n);
	for (a = 0; a < n; a++) {
		for (b = 0; b < n; b++) {
			struct lv_buf buf = { line, 0, sizeof(line) };
			unsigned int id = lv_edge_id[a][b];

			if (!lv_dep_test((int)a, (int)b))
				continue;
			lv_printf(&buf, "  %s -> %s", lv_classes[a].name,
				  lv_classes[b].name);
			if (id) {
				lv_printf(&buf, "  (first: thread #%u ",
					  lv_edges[id - 1].thread);
				lv_put_site(&buf, lv_edges[id - 1].site);
				lv_printf(&buf, ")");
			}
			fprintf(stderr, "%s\n", line);
		}
	}
	pthread_mutex_unlock(&lv_lock);
}
