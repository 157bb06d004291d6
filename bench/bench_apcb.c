// SPDX-License-Identifier: GPL-2.0
/*
 * bench_apcb: what changing one adapter of a guest's AP configuration costs,
 * and how long it holds matrix_dev->mdevs_lock, on the user-space build of
 * the vfio_ap driver (the harness library, build/harness/plain/libsim.a).
 *
 * For NxN host matrices (N = 16, 64, 256) and 1, 16 and 64 mdevs, one
 * mdev ("the measured mdev") holds the whole host matrix and is attached to
 * a simulated KVM guest.  Measured, as the median of many repetitions:
 *
 *   - unassign_adapter / assign_adapter: sysfs writes on the measured mdev;
 *   - queue remove / probe: the driver's AP bus callbacks on one queue;
 *   - host config change: the host loses one adapter, then gets it back.
 *
 * Each operation is timed from the caller's side; in the same repetitions
 * the mdevs_lock hold times are measured by wrapping the lock shim with
 * ld --wrap, and, for a host change, the time in the driver's callbacks.
 * Each repetition draws its adapter at random (fixed seed) and each
 * configuration runs in a child process of its own, started from the same
 * heap.
 *
 * The goal checked at the end: at 256x256, deciding one adapter
 * (vfio_ap_mdev_filter_adapter) must be at least 20 times cheaper than
 * deriving the whole APCB (vfio_ap_mdev_filter_matrix), measured in this
 * run on the same mdev.  The exit status is 1 if it is not, or if anything
 * went wrong on the way (a sanity check, a lock report, a leak).
 *
 * Usage: bench_apcb [-o FILE]   also write the report to FILE
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define GOAL_RATIO	20.0
#define GOAL_SIZE	256

static const int sizes[] = { 16, 64, 256 };
static const int mdev_counts[] = { 1, 16, 64 };
#define NSIZES	ARRAY_SIZE(sizes)
#define NCOUNTS	ARRAY_SIZE(mdev_counts)

/* repetitions: as many as fit in the budget, within these bounds */
#define BUDGET_NS	(150 * 1000 * 1000ULL)	/* per measured pair of ops */
#define MIN_REPS	51	/* per round */
#define ROUNDS		3
#define MAX_REPS	2001
#define WARMUP		3

static int failures;

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_apcb: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	failures++;
}

static inline u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- instrumentation: mdevs_lock holds, time inside the driver ---- */

static bool instr;		/* on in the recorded repetitions */
static u64 hold_start, hold_sum, hold_max, hold_n;
static u64 drv_ns;

void __real_lockval_mutex_lock(struct mutex *lock,
			       const struct lockval_site *site);
void __real_lockval_mutex_unlock(struct mutex *lock,
				 const struct lockval_site *site);
void __wrap_lockval_mutex_lock(struct mutex *lock,
			       const struct lockval_site *site);
void __wrap_lockval_mutex_unlock(struct mutex *lock,
				 const struct lockval_site *site);

/* every mutex_lock() of the driver and the sims comes here (ld --wrap) */
void __wrap_lockval_mutex_lock(struct mutex *lock,
			       const struct lockval_site *site)
{
	__real_lockval_mutex_lock(lock, site);
	if (instr && matrix_dev && lock == &matrix_dev->mdevs_lock)
		hold_start = now_ns();
}

void __wrap_lockval_mutex_unlock(struct mutex *lock,
				 const struct lockval_site *site)
{
	if (instr && matrix_dev && lock == &matrix_dev->mdevs_lock) {
		u64 d = now_ns() - hold_start;

		hold_sum += d;
		if (d > hold_max)
			hold_max = d;
		hold_n++;
	}
	__real_lockval_mutex_unlock(lock, site);
}

/*
 * The driver's AP bus callbacks, timed when the simulated bus calls them
 * (config change).  The queue benchmarks call the saved originals.
 */
static struct ap_driver drv;

static int timed_probe(struct ap_device *apdev)
{
	u64 t = instr ? now_ns() : 0;
	int ret = drv.probe(apdev);

	if (instr)
		drv_ns += now_ns() - t;
	return ret;
}

static void timed_remove(struct ap_device *apdev)
{
	u64 t = instr ? now_ns() : 0;

	drv.remove(apdev);
	if (instr)
		drv_ns += now_ns() - t;
}

static void timed_cfg_changed(struct ap_config_info *n, struct ap_config_info *o)
{
	u64 t = instr ? now_ns() : 0;

	drv.on_config_changed(n, o);
	if (instr)
		drv_ns += now_ns() - t;
}

static void timed_scan_complete(struct ap_config_info *n, struct ap_config_info *o)
{
	u64 t = instr ? now_ns() : 0;

	drv.on_scan_complete(n, o);
	if (instr)
		drv_ns += now_ns() - t;
}

/* what one clock read costs: the instrumentation's overhead */
static u64 clock_read_ns(void)
{
	u64 best = ~0ULL;

	for (int round = 0; round < 5; round++) {
		u64 t0 = now_ns(), t1;

		for (int i = 0; i < 10000; i++)
			(void)now_ns();
		t1 = now_ns();
		if ((t1 - t0) / 10000 < best)
			best = (t1 - t0) / 10000;
	}
	return best;
}

static void instr_reset(void)
{
	hold_sum = hold_max = hold_n = 0;
	drv_ns = 0;
}

/* ---- samples ---- */

struct series {
	u64 v[MAX_REPS];
	int n;
};

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(const struct series *s)
{
	static u64 tmp[MAX_REPS];

	if (!s->n)
		return 0;
	memcpy(tmp, s->v, s->n * sizeof(u64));
	qsort(tmp, s->n, sizeof(u64), cmp_u64);
	return s->n & 1 ? tmp[s->n / 2] :
			  (tmp[s->n / 2 - 1] + tmp[s->n / 2]) / 2;
}

static void add(struct series *s, u64 v)
{
	if (s->n < MAX_REPS)
		s->v[s->n++] = v;
}

/* ---- the machine ---- */

struct machine {
	int n;				/* NxN */
	int nmdevs;
	struct mdev_device *mdev[64];
	struct mdev_device *m;		/* the measured one: mdev[0] */
	struct ap_matrix_mdev *mm;
	struct kvm *kvm;
	DECLARE_BITMAP(full, 256);	/* ids 0..N-1 */
	long allocs_at_start;
};

static void mask_range(unsigned long *mask, int n)
{
	bitmap_zero(mask, 256);
	for (int i = 0; i < n; i++)
		set_bit_inv(i, mask);
}

/* an ap_config value: three masks as 0x and 64 hex digits each */
static void ap_config_text(char *out, size_t size, const unsigned long *apm,
			   const unsigned long *aqm, const unsigned long *adm)
{
	const unsigned long *masks[3] = { apm, aqm, adm };
	size_t n = 0;

	for (int m = 0; m < 3; m++) {
		n += snprintf(out + n, size - n, "%s0x", m ? "," : "");
		for (int w = 0; w < 4; w++)
			n += snprintf(out + n, size - n, "%016lx", masks[m][w]);
	}
}

/* whether the guest has the whole matrix, but adapter @missing (or -1) */
static bool guest_is(struct machine *mc, int missing)
{
	DECLARE_BITMAP(apm, 256);
	DECLARE_BITMAP(aqm, 256);
	DECLARE_BITMAP(adm, 256);
	DECLARE_BITMAP(want, 256);

	sim_kvm_masks(mc->kvm, apm, aqm, adm);
	bitmap_copy(want, mc->full, 256);
	if (missing >= 0)
		clear_bit_inv(missing, want);
	return bitmap_equal(apm, want, 256) && bitmap_equal(aqm, mc->full, 256) &&
	       bitmap_equal(adm, mc->full, 256);
}

static void machine_up(struct machine *mc, int n, int nmdevs)
{
	char list[16], uuid[40], *cfg;
	int ret;

	memset(mc, 0, sizeof(*mc));
	mc->n = n;
	mc->nmdevs = nmdevs;
	mask_range(mc->full, n);

	mc->allocs_at_start = shim_allocations_live();
	lockval_reset_failures();
	shim_warn_ons = 0;
	sim_ap_init(true, 255, 255);
	snprintf(list, sizeof(list), "0-%d", n - 1);
	t_host(list, list, list);
	ret = sim_driver_load();
	if (ret)
		fail("driver load: %d", ret);

	/* our timing wrappers around the driver's bus callbacks */
	drv = *matrix_dev->vfio_ap_drv;
	matrix_dev->vfio_ap_drv->probe = timed_probe;
	matrix_dev->vfio_ap_drv->remove = timed_remove;
	matrix_dev->vfio_ap_drv->on_config_changed = timed_cfg_changed;
	matrix_dev->vfio_ap_drv->on_scan_complete = timed_scan_complete;

	for (int i = 0; i < nmdevs; i++) {
		snprintf(uuid, sizeof(uuid),
			 "0be4c4e5-0000-4000-8000-%012x", i + 1);
		mc->mdev[i] = sim_mdev_create(uuid);
		if (IS_ERR(mc->mdev[i])) {
			fail("mdev %d: %ld", i, PTR_ERR(mc->mdev[i]));
			exit(1);
		}
	}
	mc->m = mc->mdev[0];
	mc->mm = t_matrix_mdev(mc->m);

	/* the whole matrix in one write: assigning it id by id is O(N^3) */
	cfg = malloc(1024);
	ap_config_text(cfg, 1024, mc->full, mc->full, mc->full);
	ret = t_write(mc->m, "ap_config", cfg);
	free(cfg);
	if (ret)
		fail("ap_config whole matrix: %d", ret);

	mc->kvm = sim_kvm_create(1 << 20, 0);
	ret = sim_vfio_open(t_vdev(mc->m), mc->kvm);
	if (ret) {
		fail("open: %d", ret);
		exit(1);
	}
	if (!guest_is(mc, -1))
		fail("%dx%d: the guest does not have the whole matrix: %s",
		     n, n, t_guest(mc->kvm));
}

static void machine_down(struct machine *mc)
{
	sim_vfio_close(t_vdev(mc->m));
	for (int i = 0; i < mc->nmdevs; i++)
		sim_mdev_remove(mc->mdev[i]);
	sim_kvm_put(mc->kvm);
	*matrix_dev->vfio_ap_drv = drv;
	sim_driver_unload();
	sim_ap_exit();
	if (shim_allocations_live() != mc->allocs_at_start)
		fail("leak: %ld allocations live",
		     shim_allocations_live() - mc->allocs_at_start);
	if (sim_pins_live() || sim_eventfd_ctx_live() || sim_kvm_live())
		fail("pins, eventfds or guests left behind");
	if (lockval_failures() || lockval_held_count())
		fail("lock validator: %u reports, %u locks held",
		     lockval_failures(), lockval_held_count());
	if (shim_warn_ons || sim_vfio_errors())
		fail("%u WARN_ON, %lu VFIO errors", shim_warn_ons,
		     sim_vfio_errors());
}

/* ---- the operations: step 0 takes adapter a out, step 1 puts it back ---- */

static bool step_assign(struct machine *mc, int a, int d, int which)
{
	char id[8];

	snprintf(id, sizeof(id), "%d", a);
	return !t_write(mc->m, which ? "assign_adapter" : "unassign_adapter", id);
}

static bool step_queue(struct machine *mc, int a, int d, int which)
{
	struct device *qdev = sim_ap_queue_dev(AP_MKQID(a, d));

	if (!qdev)
		return false;
	if (which)
		return !drv.probe(to_ap_dev(qdev));
	drv.remove(to_ap_dev(qdev));
	return true;
}

static bool step_host(struct machine *mc, int a, int d, int which)
{
	DECLARE_BITMAP(apm, 256);

	bitmap_copy(apm, mc->full, 256);
	if (!which)
		clear_bit_inv(a, apm);
	sim_ap_host_set(apm, mc->full, mc->full);
	return true;
}

/* the same change as step_assign, but put back by writing the whole matrix */
static bool step_ap_config(struct machine *mc, int a, int d, int which)
{
	char cfg[256];

	if (!which)
		return step_assign(mc, a, d, 0);
	ap_config_text(cfg, sizeof(cfg), mc->full, mc->full, mc->full);
	return !t_write(mc->m, "ap_config", cfg);
}

struct pair_op {
	const char *name[2];
	/* take adapter @a out of the guest (0) or put it back (1) */
	bool (*step)(struct machine *mc, int a, int d, int which);
	int min_reps;		/* timed repetitions at least */
	int warmup;
};

static const struct pair_op op_assign = {
	{ "unassign_adapter", "assign_adapter" }, step_assign, MIN_REPS, WARMUP };
static const struct pair_op op_queue = {
	{ "queue remove", "queue probe" }, step_queue, MIN_REPS, WARMUP };
static const struct pair_op op_host = {
	{ "host loses adapter", "host regains adapter" }, step_host, MIN_REPS, WARMUP };
/* at 256x256 one write of the whole matrix takes most of a second */
static const struct pair_op op_ap_config = {
	{ "unassign_adapter", "ap_config whole matrix" }, step_ap_config, 5, 1 };

struct pair_result {
	u64 cost[2];		/* median ns per op */
	u64 hold_max[2];	/* median longest mdevs_lock hold */
	u64 hold_sum[2];	/* median sum of mdevs_lock holds */
	u64 hold_n[2];		/* mdevs_lock acquisitions (median) */
	u64 drv[2];		/* median ns in driver callbacks */
	int reps;
};

static struct series s_cost[2], s_max[2], s_sum[2], s_n[2], s_drv[2];

/*
 * Which adapter and domain: drawn at random, from a fixed seed, so that no
 * one id's place in the machine (cache, bit position) decides the result.
 */
static u64 rng_state;

static void rng_seed(u64 seed)
{
	rng_state = seed;
}

static unsigned int rng_below(unsigned int n)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);	/* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (unsigned int)((z ^ (z >> 31)) % n);
}

/* one repetition of both steps, recorded or (warm-up) not */
static void run_pair(struct machine *mc, const struct pair_op *op, bool record)
{
	int a = rng_below(mc->n), d = rng_below(mc->n);

	instr = record;
	for (int w = 0; w < 2; w++) {
		u64 t0, t1;
		bool ok;

		instr_reset();
		t0 = now_ns();
		ok = op->step(mc, a, d, w);
		t1 = now_ns();
		if (!ok)
			fail("%dx%d, %d mdevs: %s %d.%d failed", mc->n, mc->n,
			     mc->nmdevs, op->name[w], a, d);
		if (record) {
			add(&s_cost[w], t1 - t0);
			add(&s_max[w], hold_max);
			add(&s_sum[w], hold_sum);
			add(&s_n[w], hold_n);
			add(&s_drv[w], drv_ns);
		}
		/* outside the timing: did it do what it should? */
		if (!guest_is(mc, w ? -1 : a))
			fail("%dx%d, %d mdevs: after %s of %d.%d the guest has %s",
			     mc->n, mc->n, mc->nmdevs, op->name[w], a, d,
			     t_guest(mc->kvm));
	}
	instr = false;
}

/* whether to go on: at least @min samples, then until the budget is spent */
static bool more(int done, int min, int max, u64 since)
{
	return done < min || (done < max && now_ns() - since < BUDGET_NS);
}

static void measure_pair(struct machine *mc, const struct pair_op *op,
			 u64 seed, struct pair_result *r)
{
	u64 since;

	rng_seed(seed);
	for (int w = 0; w < 2; w++)
		s_cost[w].n = s_max[w].n = s_sum[w].n = s_n[w].n = s_drv[w].n = 0;
	for (int i = 0; i < op->warmup; i++)
		run_pair(mc, op, false);
	since = now_ns();
	while (more(s_cost[0].n, op->min_reps, MAX_REPS, since))
		run_pair(mc, op, true);
	for (int w = 0; w < 2; w++) {
		r->cost[w] = median(&s_cost[w]);
		r->hold_max[w] = median(&s_max[w]);
		r->hold_sum[w] = median(&s_sum[w]);
		r->hold_n[w] = median(&s_n[w]);
		r->drv[w] = median(&s_drv[w]);
	}
	r->reps = s_cost[0].n;
}

/* ---- one adapter against the whole APCB, on the driver's functions ---- */

struct filter_result {
	u64 adapter, matrix;	/* median ns per call */
	int reps_adapter, reps_matrix;
};

#define FILTER_MIN_REPS		11
#define ADAPTERS_PER_MATRIX	16

static void measure_filter(struct machine *mc, u64 seed,
			   struct filter_result *r)
{
	static struct series sa, sm;
	struct ap_matrix_mdev *mm = mc->mm;
	u64 since, t0, t1;

	rng_seed(seed);
	sa.n = sm.n = 0;
	/* warm up */
	mutex_lock(&matrix_dev->mdevs_lock);
	vfio_ap_mdev_filter_matrix(mm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	since = now_ns();
	while (more(sm.n, FILTER_MIN_REPS, MAX_REPS / ADAPTERS_PER_MATRIX, since)) {
		bool changed;

		/* both under mdevs_lock, as the driver calls them */
		mutex_lock(&matrix_dev->mdevs_lock);
		t0 = now_ns();
		changed = vfio_ap_mdev_filter_matrix(mm);
		t1 = now_ns();
		mutex_unlock(&matrix_dev->mdevs_lock);
		add(&sm, t1 - t0);
		if (changed)
			fail("filter_matrix changed a settled APCB");
		for (int k = 0; k < ADAPTERS_PER_MATRIX; k++) {
			int a = rng_below(mc->n);

			mutex_lock(&matrix_dev->mdevs_lock);
			t0 = now_ns();
			changed = vfio_ap_mdev_filter_adapter(mm, a);
			t1 = now_ns();
			mutex_unlock(&matrix_dev->mdevs_lock);
			add(&sa, t1 - t0);
			if (changed)
				fail("filter_adapter changed a settled APCB");
		}
	}
	r->adapter = median(&sa);
	r->matrix = median(&sm);
	r->reps_adapter = sa.n;
	r->reps_matrix = sm.n;
}

/* ---- report ---- */

static FILE *out_file;
static char *report;
static size_t report_len, report_size;

static void emit(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (report_len + n + 1 > report_size) {
		report_size = (report_len + n + 1) * 2;
		report = realloc(report, report_size);
	}
	va_start(ap, fmt);
	vsnprintf(report + report_len, n + 1, fmt, ap);
	va_end(ap);
	report_len += n;
}

/* 1234567 -> "1,234,567" in one of a few rotating buffers */
static const char *num(u64 v)
{
	static char bufs[64][32];
	static int next;
	char *b = bufs[next++ % 64], tmp[32];
	int len, o = 0;

	len = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			b[o++] = ',';
		b[o++] = tmp[i];
	}
	b[o] = '\0';
	return b;
}

static const char *fmt(const char *f, ...)
{
	static char bufs[64][64];
	static int next;
	char *b = bufs[next++ % 64];
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, 64, f, ap);
	va_end(ap);
	return b;
}

/* a reStructuredText simple table */
#define MAX_COLS 10
#define MAX_ROWS 32

struct table {
	int ncols, nrows;
	const char *head[MAX_COLS];
	char cell[MAX_ROWS][MAX_COLS][48];
};

static void table_row(struct table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	for (int c = 0; c < t->ncols; c++)
		snprintf(t->cell[t->nrows][c], 48, "%s", va_arg(ap, const char *));
	va_end(ap);
	t->nrows++;
}

static void table_emit(const struct table *t)
{
	int w[MAX_COLS];

	for (int c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->head[c]);
		for (int r = 0; r < t->nrows; r++)
			if ((int)strlen(t->cell[r][c]) > w[c])
				w[c] = strlen(t->cell[r][c]);
	}
#define RULE() do {							\
		for (int c = 0; c < t->ncols; c++) {			\
			for (int i = 0; i < w[c]; i++)			\
				emit("=");				\
			emit(c + 1 < t->ncols ? "  " : "\n");		\
		}							\
	} while (0)
	RULE();
	for (int c = 0; c < t->ncols; c++) {
		if (c + 1 < t->ncols)
			emit("%-*s  ", w[c], t->head[c]);
		else
			emit("%s\n", t->head[c]);
	}
	RULE();
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			/* numbers right-aligned, the first column left */
			if (c + 1 < t->ncols)
				emit(c ? "%*s  " : "%-*s  ", w[c], t->cell[r][c]);
			else
				emit("%*s\n", w[c], t->cell[r][c]);
		}
	RULE();
#undef RULE
	emit("\n");
}

static void heading(const char *title, char under)
{
	emit("%s\n", title);
	for (size_t i = 0; i < strlen(title); i++)
		emit("%c", under);
	emit("\n\n");
}

/*
 * A paragraph (or, with @first "- ", a list item) wrapped at 79 columns;
 * ``inline literals`` are not broken.  Ends with a blank line unless @tight.
 */
static void para_v(const char *first, bool tight, const char *f, va_list ap)
{
	char text[4096], *p = text;
	const char *indent = *first ? "  " : "";
	int col = 0;

	vsnprintf(text, sizeof(text), f, ap);
	emit("%s", first);
	col = strlen(first);
	while (*p) {
		char *w = p;
		bool lit = false;
		int len;

		while (*p == ' ')
			p++;
		w = p;
		while (*p && (lit || *p != ' ')) {
			if (p[0] == '`' && p[1] == '`') {
				lit = !lit;
				p++;
			}
			p++;
		}
		len = p - w;
		if (!len)
			break;
		if (col > (int)strlen(first) && col + 1 + len > 79) {
			emit("\n%s", indent);
			col = strlen(indent);
		} else if (col > (int)strlen(first)) {
			emit(" ");
			col++;
		}
		emit("%.*s", len, w);
		col += len;
	}
	emit(tight ? "\n" : "\n\n");
}

static void __attribute__((format(printf, 1, 2))) para(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	para_v("", false, f, ap);
	va_end(ap);
}

/* a list item; the last one of a list with @last */
static void __attribute__((format(printf, 2, 3)))
item(bool last, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	para_v("- ", !last, f, ap);
	va_end(ap);
}

static void cpu_model(char *buf, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, size, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && colon) {
			colon++;
			while (*colon == ' ' || *colon == '\t')
				colon++;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(buf, size, "%s", colon);
			break;
		}
	}
	fclose(f);
}

/* ---- main ---- */

/* filled in by one child process per configuration, read by the parent */
struct results {
	/* per round */
	struct pair_result r_assign[ROUNDS][NSIZES][NCOUNTS];
	struct pair_result r_queue[ROUNDS][NSIZES][NCOUNTS];
	struct pair_result r_host[ROUNDS][NSIZES][NCOUNTS];
	/* the rounds combined */
	struct pair_result assign[NSIZES][NCOUNTS];
	struct pair_result queue[NSIZES][NCOUNTS];
	struct pair_result host[NSIZES][NCOUNTS];
	/* measured once, in the first round */
	struct pair_result cfg[NSIZES];
	struct filter_result filter[NSIZES];
};
static struct results *res;

static u64 median3(u64 a, u64 b, u64 c)
{
	return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

/* each number: the median of its per-round medians; reps: all of them */
static void combine(struct pair_result *out,
		    struct pair_result (*in)[NSIZES][NCOUNTS], int s, int c)
{
	static_assert(ROUNDS == 3, "median3");
#define M3(f) median3(in[0][s][c].f, in[1][s][c].f, in[2][s][c].f)
	for (int w = 0; w < 2; w++) {
		out->cost[w] = M3(cost[w]);
		out->hold_max[w] = M3(hold_max[w]);
		out->hold_sum[w] = M3(hold_sum[w]);
		out->hold_n[w] = M3(hold_n[w]);
		out->drv[w] = M3(drv[w]);
	}
#undef M3
	out->reps = 0;
	for (int r = 0; r < ROUNDS; r++)
		out->reps += in[r][s][c].reps;
}

/*
 * One configuration, in a child process: every configuration starts from
 * the same heap, so that where the queues land in memory (the lookups are
 * pointer chases) does not depend on the configurations run before.
 */
static void run_config(int round, int s, int c)
{
	/* the same adapters for every mdev count: only the count differs */
	u64 seed = 1000 * (s + 1) + 100 * round;
	struct machine mc;
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		return;
	}
	if (pid) {
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			fail("round %d, %dx%d, %d mdevs: the measuring process "
			     "failed", round + 1, sizes[s], sizes[s],
			     mdev_counts[c]);
		return;
	}

	machine_up(&mc, sizes[s], mdev_counts[c]);
	measure_pair(&mc, &op_assign, seed + 1, &res->r_assign[round][s][c]);
	measure_pair(&mc, &op_queue, seed + 2, &res->r_queue[round][s][c]);
	measure_pair(&mc, &op_host, seed + 3, &res->r_host[round][s][c]);
	if (c == 0 && round == 0) {
		measure_pair(&mc, &op_ap_config, seed + 4, &res->cfg[s]);
		measure_filter(&mc, seed + 5, &res->filter[s]);
	}
	machine_down(&mc);
	fflush(NULL);
	_exit(failures ? 1 : 0);
}

int main(int argc, char **argv)
{
	const char *out_path = NULL;
	char cpu[256], date[64];
	struct utsname un;
	struct table t;
	time_t now;
	u64 t_start = now_ns(), clock_ns;
	double goal_ratio = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out_path = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [-o FILE]\n", argv[0]);
			return 2;
		}
	}
	/* the driver's pr_warn()s are not what is measured */
	setenv("SIM_QUIET", "1", 1);

	clock_ns = clock_read_ns();
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/*
	 * Rounds over every configuration: a phase in which the machine is
	 * slow (another guest, another job) hits one round of a
	 * configuration, and the median of the rounds leaves it out.  Such
	 * a phase is common in the first seconds of a run: the small
	 * configurations run once first, their results overwritten.
	 */
	fprintf(stderr, "bench_apcb: warm-up:");
	for (int s = 0; sizes[s] < GOAL_SIZE; s++)
		for (int c = 0; c < (int)NCOUNTS; c++) {
			fprintf(stderr, " %dx%d/%d", sizes[s], sizes[s],
				mdev_counts[c]);
			run_config(0, s, c);
		}
	fprintf(stderr, "\n");
	for (int round = 0; round < ROUNDS; round++) {
		u64 t0 = now_ns();

		fprintf(stderr, "bench_apcb: round %d/%d:", round + 1, ROUNDS);
		for (int s = 0; s < (int)NSIZES; s++)
			for (int c = 0; c < (int)NCOUNTS; c++) {
				fprintf(stderr, " %dx%d/%d", sizes[s], sizes[s],
					mdev_counts[c]);
				run_config(round, s, c);
			}
		fprintf(stderr, " (%.1f s)\n", (now_ns() - t0) / 1e9);
	}
	for (int s = 0; s < (int)NSIZES; s++)
		for (int c = 0; c < (int)NCOUNTS; c++) {
			combine(&res->assign[s][c], res->r_assign, s, c);
			combine(&res->queue[s][c], res->r_queue, s, c);
			combine(&res->host[s][c], res->r_host, s, c);
		}

	/* ---- the report ---- */
	time(&now);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	cpu_model(cpu, sizeof(cpu));
	uname(&un);

	emit(".. This file is generated by bench/bench_apcb.c (make bench);\n"
	     "   edits are overwritten.\n\n");
	emit("==========\nBenchmarks\n==========\n\n");
	para("What changing one adapter of a guest's AP configuration costs in "
	     "the vfio_ap driver, and how long it holds "
	     "``matrix_dev->mdevs_lock``, measured on the user-space build of "
	     "the driver (the harness's simulated AP bus, VFIO and KVM).");

	heading("How to run", '=');
	emit("::\n\n    make bench\n\n");
	para("builds ``build/harness/plain/libsim.a`` (the driver, the sims and "
	     "the lock validator, as the tests use them) and "
	     "``build/bench/bench_apcb``, runs it, prints this report and "
	     "writes it to ``docs/benchmarks.rst``; ``make -C bench all`` only "
	     "builds.  This run took %d s.  The exit status is non-zero if the "
	     "goal below is missed or a sanity check fails.",
	     (int)((now_ns() - t_start + 500000000ULL) / 1000000000ULL));

	heading("Machine", '=');
	item(false, "CPU: %s; %ld online CPUs (``nproc``); the benchmark "
	     "runs on one", cpu, sysconf(_SC_NPROCESSORS_ONLN));
	item(false, "kernel: %s %s %s", un.sysname, un.release, un.machine);
	item(false, "compiler: gcc %s; ``bench_apcb.c`` with ``-O2``, the "
	     "harness library (driver, sims, lock validator) with ``-O1 -g``, "
	     "as the harness Makefile builds it", __VERSION__);
	item(true, "date: %s", date);

	heading("Set-up", '=');
	para("For N = 16, 64 and 256 the host has adapters 0..N-1, usage "
	     "domains 0..N-1 and control domains 0..N-1, every one of the "
	     "NxN queues bound to vfio_ap.  The measured mdev holds the "
	     "whole matrix (written with one ``ap_config``) and is opened by a "
	     "simulated KVM guest: every change is plugged into the guest, and "
	     "the queues the guest loses are reset.");
	para("With 16 or 64 mdevs, the other 15 or 63 are created but empty "
	     "and not opened.  The measured mdev already holds every APQN of "
	     "the host and mdevs may not share an APQN, so any other "
	     "assignment would have to lie outside the host (at 256x256 "
	     "there is no outside).  They still cost what every mdev costs: "
	     "the walks of the mdev list (conflict check on assign, owner "
	     "search on a queue probe, one visit per mdev on a host change).  "
	     "The measured mdev is created first, so it is the last in the "
	     "driver's list.");
	para("Each repetition takes one adapter out of the guest and puts it "
	     "back.  The adapter (and, for a queue, the domain) is drawn at "
	     "random from a fixed seed, the same for every mdev count.  "
	     "Outside the timing each repetition checks that the guest lost "
	     "exactly that adapter and then has the whole matrix again.");

	heading("Results", '=');
	para("Times in ns, medians.  *hold*: the longest time "
	     "``matrix_dev->mdevs_lock`` was held in one operation (a sysfs "
	     "write, a queue remove and a queue probe take it once).  *reps*: "
	     "repetitions.");

	heading("assign_adapter / unassign_adapter (sysfs writes)", '-');
	memset(&t, 0, sizeof(t));
	t.ncols = 7;
	t.head[0] = "matrix"; t.head[1] = "mdevs";
	t.head[2] = "unassign"; t.head[3] = "hold";
	t.head[4] = "assign"; t.head[5] = "hold"; t.head[6] = "reps";
	for (int s = 0; s < (int)NSIZES; s++)
		for (int c = 0; c < (int)NCOUNTS; c++) {
			struct pair_result *r = &res->assign[s][c];

			table_row(&t, fmt("%dx%d", sizes[s], sizes[s]),
				  fmt("%d", mdev_counts[c]), num(r->cost[0]),
				  num(r->hold_max[0]), num(r->cost[1]),
				  num(r->hold_max[1]), fmt("%d", r->reps));
		}
	table_emit(&t);

	heading("Queue remove / probe (the driver's AP bus callbacks)", '-');
	para("A queue leaving vfio_ap takes its whole adapter out of the guest "
	     "(an APQN cannot be masked alone), and the adapter's other queues "
	     "are reset; its probe puts the adapter back.");
	memset(&t, 0, sizeof(t));
	t.ncols = 7;
	t.head[0] = "matrix"; t.head[1] = "mdevs";
	t.head[2] = "remove"; t.head[3] = "hold";
	t.head[4] = "probe"; t.head[5] = "hold"; t.head[6] = "reps";
	for (int s = 0; s < (int)NSIZES; s++)
		for (int c = 0; c < (int)NCOUNTS; c++) {
			struct pair_result *r = &res->queue[s][c];

			table_row(&t, fmt("%dx%d", sizes[s], sizes[s]),
				  fmt("%d", mdev_counts[c]), num(r->cost[0]),
				  num(r->hold_max[0]), num(r->cost[1]),
				  num(r->hold_max[1]), fmt("%d", r->reps));
		}
	table_emit(&t);

	heading("Host configuration change: one adapter leaves, then comes "
		"back", '-');
	para("*total*: the whole simulated AP bus rescan "
	     "(``sim_ap_host_set()``), which also walks all 65,536 possible "
	     "APQNs twice and deletes or creates the N queue devices of the "
	     "adapter.  *driver*: the part of it in the driver's callbacks "
	     "(config changed, the N queue removes or probes, scan complete).  "
	     "*hold*: the longest single hold of mdevs_lock; *sum*: all holds "
	     "together, over *locks* acquisitions.");
	memset(&t, 0, sizeof(t));
	t.ncols = 9;
	t.head[0] = "matrix"; t.head[1] = "mdevs"; t.head[2] = "host";
	t.head[3] = "total"; t.head[4] = "driver"; t.head[5] = "hold";
	t.head[6] = "sum"; t.head[7] = "locks"; t.head[8] = "reps";
	for (int s = 0; s < (int)NSIZES; s++)
		for (int c = 0; c < (int)NCOUNTS; c++) {
			struct pair_result *r = &res->host[s][c];

			for (int w = 0; w < 2; w++)
				table_row(&t, fmt("%dx%d", sizes[s], sizes[s]),
					  fmt("%d", mdev_counts[c]),
					  w ? "regains" : "loses",
					  num(r->cost[w]), num(r->drv[w]),
					  num(r->hold_max[w]),
					  num(r->hold_sum[w]),
					  num(r->hold_n[w]),
					  fmt("%d", r->reps));
		}
	table_emit(&t);

	heading("One adapter against the whole matrix (1 mdev)", '-');
	para("The driver's own functions on the measured mdev, each call timed "
	     "inside mdevs_lock, on a settled APCB (nothing changes, but every "
	     "queue is looked up): ``vfio_ap_mdev_filter_adapter()`` decides "
	     "one adapter, as the per-adapter paths do (assign, unassign, queue "
	     "probe and remove, scan complete); "
	     "``vfio_ap_mdev_filter_matrix()`` derives the whole APCB afresh.  "
	     "Then, as context, the same change from the user's side: an "
	     "``assign_adapter`` write against an ``ap_config`` write of the "
	     "whole matrix, each putting back the one adapter that an "
	     "``unassign_adapter`` took out.");
	memset(&t, 0, sizeof(t));
	t.ncols = 10;
	t.head[0] = "matrix"; t.head[1] = "filter_adapter";
	t.head[2] = "filter_matrix"; t.head[3] = "ratio";
	t.head[4] = "reps"; t.head[5] = "assign_adapter";
	t.head[6] = "ap_config"; t.head[7] = "hold";
	t.head[8] = "ratio"; t.head[9] = "reps";
	for (int s = 0; s < (int)NSIZES; s++) {
		struct filter_result *f = &res->filter[s];
		struct pair_result *a = &res->assign[s][0], *p = &res->cfg[s];
		double ratio = f->adapter ? (double)f->matrix / f->adapter : 0;

		if (sizes[s] == GOAL_SIZE)
			goal_ratio = ratio;
		table_row(&t, fmt("%dx%d", sizes[s], sizes[s]), num(f->adapter),
			  num(f->matrix), fmt("%.1f", ratio),
			  fmt("%d/%d", f->reps_adapter, f->reps_matrix),
			  num(a->cost[1]), num(p->cost[1]),
			  num(p->hold_max[1]),
			  fmt("%.1f", a->cost[1] ? (double)p->cost[1] / a->cost[1] : 0),
			  fmt("%d", p->reps));
	}
	table_emit(&t);
	para("*ratio*: filter_matrix / filter_adapter, and ap_config / "
	     "assign_adapter.  The first *reps* counts filter_adapter and "
	     "filter_matrix calls, the second ap_config writes (assign_adapter: "
	     "see the first table).");

	heading("Goal", '-');
	para("At %dx%d a change of one adapter must cost at least %.0f times "
	     "less than deriving the whole APCB.  Measured in this run: "
	     "filter_matrix / filter_adapter = **%.1f**: goal %s.",
	     GOAL_SIZE, GOAL_SIZE, GOAL_RATIO, goal_ratio,
	     goal_ratio >= GOAL_RATIO ? "met" : "**MISSED**");

	heading("Method", '=');
	item(false, "Each call is timed on its own with "
	     "``clock_gettime(CLOCK_MONOTONIC)``, in one thread, with no "
	     "contention.  Each configuration runs in a child process of its "
	     "own, forked from the same clean parent, and %d times: the "
	     "benchmark makes %d rounds over all configurations, after a warm-up "
	     "pass over the small ones.  In a round, "
	     "a measurement takes the median of at least %d repetitions (more "
	     "while %llu ms last), after warm-up repetitions; the tables give "
	     "the median of the %d rounds' medians, so that a phase in which "
	     "the machine is slow does not show.  *reps* counts all rounds.  "
	     "The ap_config writes (at least %d) and the filter calls (at "
	     "least %d filter_matrix calls, each followed by %d filter_adapter "
	     "calls) are measured in the first round only.",
	     ROUNDS, ROUNDS, MIN_REPS,
	     (unsigned long long)(BUDGET_NS / 1000000), ROUNDS,
	     op_ap_config.min_reps, FILTER_MIN_REPS, ADAPTERS_PER_MATRIX);
	item(false, "A cost is what the caller sees.  A sysfs write is "
	     "``sim_attr_write()``: attribute lookup, parsing, every lock the "
	     "write takes (``ap_perms_mutex``, ``guests_lock``, "
	     "``kvm->lock``, ``mdevs_lock``), the driver's work, the guest's "
	     "mask update and the simulated ZAPQ/TAPQ of each queue reset.  A "
	     "queue remove or probe is the driver's callback, allocation and "
	     "sysfs group included.  A host change is the whole simulated bus "
	     "rescan (see its table).");
	item(false, "Hold times come from wrapping the lock shim's "
	     "``lockval_mutex_lock()`` and ``lockval_mutex_unlock()`` "
	     "(``ld --wrap``): from the moment mdevs_lock is acquired to its "
	     "release.  They are taken in the same repetitions as the costs, "
	     "which therefore include two clock reads (%llu ns each here) per "
	     "mdevs_lock acquisition and, for a host change, per driver "
	     "callback.", (unsigned long long)clock_ns);
	item(false, "Locks are pthread mutexes under the lockval lock-order "
	     "validator, which also runs on every ``lockdep_assert_held()`` "
	     "(one per queue lookup), and the library is built with ``-O1``: "
	     "absolute numbers are higher than in the kernel.  The ratios, and "
	     "how the numbers grow with N, are the point.");
	item(true, "The queue lookups are most of the work.  The driver finds a "
	     "queue by indexing one table of all APQNs (65,536 pointers, "
	     "allocated once at load) and checks the queue's owner for an "
	     "mdev's queue, so a lookup costs the same at any size: deciding "
	     "one adapter is N lookups, the whole matrix N x N.  (Before, with "
	     "256-bucket hash tables, a lookup walked a chain of about N x N / "
	     "256 queues, and one adapter at 256x256 took about 1.2 ms instead "
	     "of about 2 us.)");

	fwrite(report, 1, report_len, stdout);
	if (out_path) {
		char tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s.tmp", out_path);
		out_file = fopen(tmp, "w");
		if (!out_file || fwrite(report, 1, report_len, out_file) != report_len ||
		    fclose(out_file) || rename(tmp, out_path)) {
			perror(out_path);
			failures++;
		} else {
			fprintf(stderr, "bench_apcb: wrote %s\n", out_path);
		}
	}
	free(report);

	if (goal_ratio < GOAL_RATIO)
		fprintf(stderr, "bench_apcb: FAILED: at %dx%d filter_matrix / "
			"filter_adapter is %.1f, below the goal of %.0f\n",
			GOAL_SIZE, GOAL_SIZE, goal_ratio, GOAL_RATIO);
	if (failures)
		fprintf(stderr, "bench_apcb: FAILED: %d problems (see above)\n",
			failures);
	return goal_ratio < GOAL_RATIO || failures ? 1 : 0;
}
