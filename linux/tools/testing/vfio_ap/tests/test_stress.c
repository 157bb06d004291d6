// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress.  Worker threads run random mixes of everything the
 * driver can be asked to do, from every side at once: sysfs assignments
 * (well-formed, out of range, malformed), ap_config, apmask/aqmask writes
 * (in_use, queue remove and probe), host configuration changes (config
 * changed, scan complete), mdev create and remove, open and close with a
 * guest, PQAP(AQIC), the VFIO ioctls and every attribute read.
 *
 * A checker thread stops the world now and then (every worker holds the
 * world lock for read around each operation, the checker takes it for
 * write) and checks the invariants below against a guest APCB it computes
 * itself from the mdev's matrix, the host configuration and the queue
 * bindings.  A watchdog fails the test if no operation finishes for a
 * while (a deadlock), saying who holds which of the driver's locks.
 *
 * The second test breaks each invariant on purpose, to show the checker
 * sees it.
 *
 *   STRESS_SEED=n STRESS_SECONDS=s STRESS_THREADS=t make check
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio_ap.h>

#include "harness.h"
#include "ap_card.h"

#define NSLOTS		6	/* mdevs alive at once, at most */
#define MAX_WORKERS	16
#define HOST_N		16	/* host: adapters, domains, control domains 0-15 */
#define GUEST_MEM	(64 * 1024UL)
#define AQIC_IR		0x0000800000000000UL

#define DEFAULT_SEED		0x5eedUL
#define DEFAULT_SECONDS		2.5
#define DEFAULT_THREADS		4
#define DEFAULT_WATCHDOG	20.0
#define CHECK_PERIOD_US		10000
#define MAX_PRINTED		40	/* failure lines printed, at most */

/* ------------------------------------------------------------------ */
/* operations, their weights, and the results they had */

#define STRESS_OPS(X)							\
	X(ASSIGN_ADAPTER,	"assign_adapter",		8)	\
	X(UNASSIGN_ADAPTER,	"unassign_adapter",		5)	\
	X(ASSIGN_DOMAIN,	"assign_domain",		8)	\
	X(UNASSIGN_DOMAIN,	"unassign_domain",		5)	\
	X(ASSIGN_CTRL,		"assign_control_domain",	4)	\
	X(UNASSIGN_CTRL,	"unassign_control_domain",	3)	\
	X(AP_CONFIG,		"ap_config write",		4)	\
	X(AP_CONFIG_BAD,	"ap_config write, malformed",	2)	\
	X(PERM,			"apmask/aqmask write",		1)	\
	X(HOST,			"host config change",		2)	\
	X(UNBIND,		"queue unbind from vfio_ap",	4)	\
	X(BIND,			"queue bind",			2)	\
	X(CREATE,		"mdev create",			3)	\
	X(CREATE_BAD,		"mdev create, bad uuid",	1)	\
	X(REMOVE,		"mdev remove",			2)	\
	X(OPEN,			"open",				4)	\
	X(OPEN_EPERM,		"open, kvm has an mdev",	2)	\
	X(CLOSE,		"close",			3)	\
	X(DMA_REMAP,		"dma unmap + map",		1)	\
	X(UNMAP_RACE,		"dma unmap of a part, PQAP going on", 3) \
	X(REPLY,		"a card's reply ready",		3)	\
	X(IRQ_TIMING,		"interrupts slow to show on/off", 2)	\
	X(PQAP_ON,		"PQAP(AQIC) on",		6)	\
	X(PQAP_OFF,		"PQAP(AQIC) off",		4)	\
	X(PQAP_RACE,		"PQAP(AQIC) vs open/close",	2)	\
	X(GET_INFO,		"VFIO_DEVICE_GET_INFO",		2)	\
	X(GET_IRQ_INFO,		"VFIO_DEVICE_GET_IRQ_INFO",	2)	\
	X(SET_IRQS,		"VFIO_DEVICE_SET_IRQS",		3)	\
	X(RESET,		"VFIO_DEVICE_RESET",		2)	\
	X(RESET_FAULT,		"queue reset slow/busy/hangs/fails", 2) \
	X(READ_MATRIX,		"read matrix",			2)	\
	X(READ_GUEST,		"read guest_matrix",		2)	\
	X(READ_CTRL,		"read control_domains",		1)	\
	X(READ_CONFIG,		"read ap_config",		2)	\
	X(READ_STATUS,		"read queue status",		3)

enum op {
#define X(e, name, weight) OP_##e,
	STRESS_OPS(X)
#undef X
	NOPS
};

static const char *const op_names[NOPS] = {
#define X(e, name, weight) name,
	STRESS_OPS(X)
#undef X
};

static const unsigned int op_weights[NOPS] = {
#define X(e, name, weight) weight,
	STRESS_OPS(X)
#undef X
};

/*
 * Results: 0, -errno, or one of these.  Counted per operation in buckets:
 * 0 ok, 1-199 errno, 200 skipped, 210+ PQAP response codes, 230+ status.
 */
#define RES_SKIP	10000			/* no mdev in the state needed */
#define RES_RC(rc)	(10010 + (rc))		/* PQAP: cc 3, response code */
#define RES_ST(k)	(10030 + (k))		/* queue status, see st_names */
#define NBUCKETS	240

static const char *const st_names[] = {
	"unassigned", "assigned", "in use", "no queue device"
};

static int bucket(int r)
{
	if (r == 0)
		return 0;
	if (r < 0)
		return -r < 200 ? -r : 199;
	return r - RES_SKIP + 200 < NBUCKETS ? r - RES_SKIP + 200 : 199;
}

static const char *bucket_name(int b, char *buf, size_t size)
{
	static const struct { int e; const char *n; } errs[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
		{ EBADF, "EBADF" }, { ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },
		{ ERANGE, "ERANGE" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ EADDRINUSE, "EADDRINUSE" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
		{ ETIMEDOUT, "ETIMEDOUT" }, { ENOSPC, "ENOSPC" },
	};
	unsigned int i;

	if (b == 0)
		return "ok";
	if (b == 200)
		return "skipped";
	if (b >= 210 && b < 230) {
		snprintf(buf, size, "cc3/rc%02x", b - 210);
		return buf;
	}
	if (b >= 230 && b < 230 + (int)ARRAY_SIZE(st_names))
		return st_names[b - 230];
	for (i = 0; i < ARRAY_SIZE(errs); i++)
		if (errs[i].e == b)
			return errs[i].n;
	snprintf(buf, size, "E%d", b);
	return buf;
}

/* ------------------------------------------------------------------ */
/* the test's own state */

/*
 * One mdev (UUID i) and its guest.  An operation holds a slot shared
 * (refs) or exclusively (excl); only an exclusive owner creates, removes,
 * opens or closes, so a shared user sees the mdev and its open state stay.
 * A device is opened with its own guest or, now and then, with the one
 * guest all slots share, so that opens race for it.
 */
struct slot {
	/* under slots_lock */
	struct mdev_device *mdev;	/* NULL: none */
	struct kvm *guest;		/* open with it; NULL: closed */
	int refs;
	bool excl;
	/* for the whole run */
	char uuid[64];
	struct kvm *kvm;		/* its own guest */
	int efd_req, efd_cfg;		/* eventfds for SET_IRQS */
	unsigned int chunks_out;	/* chunks an UNMAP_RACE has unmapped */
	unsigned int unmaps;		/* UNMAP_RACEs started */
};

static struct slot slots[NSLOTS];
static struct kvm *shared_kvm;
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static int not_an_eventfd[2] = { -1, -1 };	/* a pipe */

/* workers hold it for read around each operation; the checker for write */
static pthread_rwlock_t world = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
/* a queue device may go with a host change: its readers keep it */
static pthread_rwlock_t qdevs = PTHREAD_RWLOCK_INITIALIZER;

struct worker {
	pthread_t thread;
	u64 rng;
	unsigned int lv_id;
	int cur_op;			/* atomic: -1 between operations */
	int cur_slot;			/* atomic */
	unsigned long counts[NOPS][NBUCKETS];
	unsigned long cfg_signals, req_signals;
};

static struct worker workers[MAX_WORKERS];
static int nworkers;
static int stop_workers;		/* atomic */
static int stop_checker;		/* atomic */
static int stop_watchdog;		/* atomic */
static unsigned long progress;		/* atomic: operations done */
static unsigned long failures;		/* atomic: unexpected results */
static unsigned long checks_done;	/* atomic */
static unsigned long check_violations;	/* atomic: in the stress run */
static unsigned long held_out;		/* atomic: adapters out for a queue */
static unsigned long unbound_seen;	/* atomic: queues seen unbound */
static unsigned int printed;		/* atomic */
static double watchdog_secs = DEFAULT_WATCHDOG;
static const char *main_phase = "setup";	/* for the watchdog */
static const char *current_test = "?";
static unsigned int checker_lv_id, main_lv_id;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	unsigned int k = __atomic_fetch_add(&printed, 1, __ATOMIC_RELAXED);
	char line[512];
	va_list ap;

	if (k >= MAX_PRINTED) {
		if (k == MAX_PRINTED)
			printf("#   (more failures not shown)\n");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("#   %s\n", line);
	fflush(stdout);
}

/* an operation gave a result it must not give */
#define FAIL(fmt, ...) do {						\
	__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);		\
	say("FAILED %s:%d: " fmt, __FILE__, __LINE__, ##__VA_ARGS__);	\
} while (0)

static u64 rnd64(struct worker *w)
{
	/* splitmix64 */
	u64 z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rnd(struct worker *w, unsigned int n)
{
	return rnd64(w) % n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* a string as C source, for messages */
static const char *quoted(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	buf[n++] = '"';
	for (; *s && n + 6 < size; s++) {
		if (*s == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *s;
		}
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

static struct ap_matrix_mdev *mm_of(struct mdev_device *mdev)
{
	return dev_get_drvdata(&mdev->dev);
}

static struct vfio_device *vdev_of(struct mdev_device *mdev)
{
	return &mm_of(mdev)->vdev;
}

/* ------------------------------------------------------------------ */
/* slots */

enum need { N_EMPTY, N_LIVE, N_OPEN, N_CLOSED };

static bool slot_is(const struct slot *s, enum need need)
{
	switch (need) {
	case N_EMPTY:
		return !s->mdev;
	case N_LIVE:
		return s->mdev;
	case N_OPEN:
		return s->mdev && s->guest;
	case N_CLOSED:
		return s->mdev && !s->guest;
	}
	return false;
}

/*
 * Take a slot in state @need, other than @not, shared or exclusively.
 * Never waits: returns -1 if no slot fits now.
 */
static int slot_take(struct worker *w, enum need need, bool excl, int not,
		     struct mdev_device **mdev, bool *open)
{
	int k, i, start = rnd(w, NSLOTS), found = -1;
	struct slot *s;

	pthread_mutex_lock(&slots_lock);
	for (k = 0; k < NSLOTS; k++) {
		i = (start + k) % NSLOTS;
		s = &slots[i];
		if (i == not || s->excl || (excl && s->refs) || !slot_is(s, need))
			continue;
		if (excl)
			s->excl = true;
		else
			s->refs++;
		if (mdev)
			*mdev = s->mdev;
		if (open)
			*open = s->guest;
		found = i;
		break;
	}
	pthread_mutex_unlock(&slots_lock);
	if (found >= 0)
		__atomic_store_n(&w->cur_slot, found, __ATOMIC_RELAXED);
	return found;
}

static void slot_put(int i, bool excl)
{
	pthread_mutex_lock(&slots_lock);
	if (excl)
		slots[i].excl = false;
	else
		slots[i].refs--;
	pthread_mutex_unlock(&slots_lock);
}

/* the exclusive owner publishes a change */
static void slot_set(int i, struct mdev_device *mdev, struct kvm *guest)
{
	pthread_mutex_lock(&slots_lock);
	slots[i].mdev = mdev;
	slots[i].guest = guest;
	pthread_mutex_unlock(&slots_lock);
}

static void slots_init(void)
{
	int i;

	for (i = 0; i < NSLOTS; i++) {
		struct slot *s = &slots[i];

		memset(s, 0, sizeof(*s));
		snprintf(s->uuid, sizeof(s->uuid),
			 "5eed0000-0000-4000-8000-0000000000%02d", i);
		s->kvm = sim_kvm_create(GUEST_MEM, 0x1000000UL * (i + 1));
		s->efd_req = sim_eventfd();
		s->efd_cfg = sim_eventfd();
	}
	shared_kvm = sim_kvm_create(GUEST_MEM, 0x1000000UL * (NSLOTS + 1));
	if (pipe(not_an_eventfd))
		not_an_eventfd[0] = not_an_eventfd[1] = -1;
}

static void slots_exit(void)
{
	int i;

	for (i = 0; i < NSLOTS; i++) {
		sim_kvm_put(slots[i].kvm);
		close(slots[i].efd_req);
		close(slots[i].efd_cfg);
		slots[i].kvm = NULL;
	}
	sim_kvm_put(shared_kvm);
	shared_kvm = NULL;
	close(not_an_eventfd[0]);
	close(not_an_eventfd[1]);
}

/* a guest's memory is mapped for DMA in chunks, unmapped one by one */
#define CHUNKS		4
#define CHUNK		(GUEST_MEM / CHUNKS)

static void map_guest(int i, struct mdev_device *mdev, struct kvm *kvm)
{
	int c, ret;

	for (c = 0; c < CHUNKS; c++) {
		ret = sim_vfio_dma_map(vdev_of(mdev), kvm->mem_base + c * CHUNK,
				       CHUNK, (char *)kvm->mem + c * CHUNK);
		if (ret)
			FAIL("slot %d: dma map: %d", i, ret);
	}
}

static void unmap_guest(struct mdev_device *mdev, struct kvm *kvm)
{
	int c;

	for (c = 0; c < CHUNKS; c++)
		sim_vfio_dma_unmap(vdev_of(mdev), kvm->mem_base + c * CHUNK,
				   CHUNK);
}

/* open with a guest and map its memory, as QEMU does */
static int dev_open(int i, struct mdev_device *mdev, struct kvm *kvm)
{
	int ret;

	ret = sim_vfio_open(vdev_of(mdev), kvm);
	if (ret)
		return ret;
	map_guest(i, mdev, kvm);
	return 0;
}

/*
 * Close, and unmap the guest's memory before or after: user space may
 * close the device first, interrupts still on, and tear the mappings down
 * later, or the other way round.
 */
static void dev_close(int i, struct mdev_device *mdev, bool unmap_first)
{
	struct kvm *kvm = slots[i].guest;

	if (unmap_first)
		unmap_guest(mdev, kvm);
	sim_vfio_close(vdev_of(mdev));
	if (!unmap_first)
		unmap_guest(mdev, kvm);
}

static long set_irq(struct mdev_device *mdev, u32 argsz, u32 flags, u32 index,
		    u32 count, s32 fd)
{
	u8 buf[sizeof(struct vfio_irq_set) + sizeof(s32)];
	struct vfio_irq_set hdr = {
		.argsz = argsz, .flags = flags, .index = index, .start = 0,
		.count = count,
	};

	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), &fd, sizeof(fd));
	return sim_vfio_ioctl(vdev_of(mdev), VFIO_DEVICE_SET_IRQS, buf);
}

#define IRQ_FLAGS (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)
#define IRQ_ARGSZ (sizeof(struct vfio_irq_set) + sizeof(s32))

/* what its own guest must look like once the slot's device is closed */
static void check_guest_gone(int i, const char *after)
{
	struct kvm *kvm = slots[i].kvm;
	bool hook, masks;

	mutex_lock(&kvm->lock);
	hook = kvm->arch.crypto.pqap_hook;
	masks = !bitmap_empty(kvm->arch.crypto.apm, 256) ||
		!bitmap_empty(kvm->arch.crypto.aqm, 256) ||
		!bitmap_empty(kvm->arch.crypto.adm, 256);
	mutex_unlock(&kvm->lock);
	if (hook || masks || sim_kvm_giscs(kvm))
		FAIL("slot %d after %s: guest keeps hook %d masks %d giscs %u",
		     i, after, hook, masks, sim_kvm_giscs(kvm));
}

/* ------------------------------------------------------------------ */
/* the operations */

enum id_kind { ID_HOST, ID_OUTSIDE, ID_RANGE, ID_BAD };

static enum id_kind pick_id(struct worker *w, char *buf, size_t size)
{
	static const char *const bad[] = {
		"", "abc", "-1", "+1", " 1", "1 ", "0x", "1,2", "0xg", "\n",
		"1\n\n", "99999999999999999999999", "0x1ffffffffffffffff",
	};
	static const char *const fmts[] = { "%u", "0x%x", "0X%X", "%u\n" };
	unsigned int k = rnd(w, 100);

	if (k < 70) {
		snprintf(buf, size, fmts[rnd(w, 4)], rnd(w, HOST_N));
		return ID_HOST;
	}
	if (k < 80) {
		snprintf(buf, size, fmts[rnd(w, 4)], HOST_N + rnd(w, 256 - HOST_N));
		return ID_OUTSIDE;
	}
	if (k < 90) {
		switch (rnd(w, 4)) {
		case 0:
			snprintf(buf, size, "256");
			break;
		case 1:
			snprintf(buf, size, "0x100");
			break;
		case 2:
			snprintf(buf, size, "%u", 256 + rnd(w, 100000));
			break;
		default:
			snprintf(buf, size, "18446744073709551615");
			break;
		}
		return ID_RANGE;
	}
	snprintf(buf, size, "%s", bad[rnd(w, ARRAY_SIZE(bad))]);
	return ID_BAD;
}

static int op_assignment(struct worker *w, const char *attr, bool assign,
			 bool control)
{
	struct mdev_device *mdev;
	char id[64], q[80];
	enum id_kind kind;
	bool ok;
	int i, r;

	kind = pick_id(w, id, sizeof(id));
	i = slot_take(w, N_LIVE, false, -1, &mdev, NULL);
	if (i < 0)
		return RES_SKIP;
	r = sim_attr_write(&mdev->dev, attr, id);
	slot_put(i, false);

	switch (kind) {
	case ID_HOST:
	case ID_OUTSIDE:
		ok = !r || (assign && !control &&
			    (r == -EADDRINUSE || r == -EADDRNOTAVAIL));
		break;
	case ID_RANGE:
		ok = r == -ENODEV;
		break;
	default:
		ok = r == -EINVAL || r == -ERANGE;
		break;
	}
	if (!ok)
		FAIL("%s %s on slot %d: %d", attr, quoted(id, q, sizeof(q)), i, r);
	return r;
}

/* the masks as ap_config takes them: with "0x", or (@bare) without it */
static void format_config(char *buf, size_t size, const unsigned long *apm,
			  const unsigned long *aqm, const unsigned long *adm,
			  bool bare, bool newline)
{
	const unsigned long *m[3] = { apm, aqm, adm };
	size_t n = 0;
	int i;

	for (i = 0; i < 3; i++)
		n += snprintf(buf + n, size - n, "%s%s%016lx%016lx%016lx%016lx",
			      i ? "," : "", bare ? "" : "0x",
			      m[i][0], m[i][1], m[i][2], m[i][3]);
	if (newline)
		snprintf(buf + n, size - n, "\n");
}

static void random_mask(struct worker *w, unsigned long *mask, unsigned int max_ids,
			unsigned int range)
{
	unsigned int n = rnd(w, max_ids + 1);

	bitmap_zero(mask, 256);
	while (n--)
		set_bit_inv(rnd(w, range), mask);
}

static bool config_text_ok(const char *s)
{
	int i, j;

	for (i = 0; i < 3; i++) {
		if (s[0] != '0' || s[1] != 'x')
			return false;
		for (j = 2; j < 66; j++)
			if (!isxdigit((unsigned char)s[j]))
				return false;
		s += 66;
		if (*s++ != (i < 2 ? ',' : '\n'))
			return false;
	}
	return *s == '\0';
}

static int op_ap_config(struct worker *w)
{
	static __thread char buf[PAGE_SIZE + 1];
	DECLARE_BITMAP(apm, 256);
	DECLARE_BITMAP(aqm, 256);
	DECLARE_BITMAP(adm, 256);
	struct mdev_device *mdev;
	char text[256];
	int i, r;

	i = slot_take(w, N_LIVE, false, -1, &mdev, NULL);
	if (i < 0)
		return RES_SKIP;
	if (rnd(w, 4) == 0) {
		/* write back what is there */
		r = sim_attr_read(&mdev->dev, "ap_config", buf);
		if (r < 0 || !config_text_ok(buf))
			FAIL("ap_config read on slot %d: %d", i, r);
		snprintf(text, sizeof(text), "%.250s", r < 0 ? "" : buf);
	} else {
		random_mask(w, apm, 3, HOST_N + 4);
		random_mask(w, aqm, 3, HOST_N + 4);
		random_mask(w, adm, 3, HOST_N + 4);
		format_config(text, sizeof(text), apm, aqm, adm, rnd(w, 4) == 0,
			      rnd(w, 2));
	}
	r = sim_attr_write(&mdev->dev, "ap_config", text);
	slot_put(i, false);
	if (r && r != -EADDRINUSE && r != -EADDRNOTAVAIL)
		FAIL("ap_config write on slot %d: %d", i, r);
	return r;
}

static int op_ap_config_bad(struct worker *w)
{
	DECLARE_BITMAP(apm, 256);
	DECLARE_BITMAP(aqm, 256);
	DECLARE_BITMAP(adm, 256);
	struct mdev_device *mdev;
	char text[256], q[300];
	size_t len;
	int i, r;

	random_mask(w, apm, 2, HOST_N);
	random_mask(w, aqm, 2, HOST_N);
	random_mask(w, adm, 2, HOST_N);
	format_config(text, sizeof(text), apm, aqm, adm, false, false);
	len = strlen(text);
	switch (rnd(w, 10)) {
	case 0:		/* two masks only */
		text[132] = '\0';
		break;
	case 1:		/* "0X": Linux 6.12 takes a lower-case x only */
		text[1] = 'X';
		break;
	case 2:		/* a digit too many */
		memmove(text + 71, text + 70, len - 70 + 1);
		text[70] = '5';
		break;
	case 3:
		text[rnd(w, 64) + 2] = 'g';
		break;
	case 4:		/* a blank before the second mask */
		memmove(text + 68, text + 67, len - 67 + 1);
		text[67] = ' ';
		break;
	case 5:
		memmove(text + 1, text, len + 1);
		text[0] = ' ';
		break;
	case 6:
		text[1] = 'y';
		break;
	case 7:		/* the third mask not hex */
		text[len - 1] = 'z';
		break;
	case 8:
		text[0] = '\0';
		break;
	default:
		text[66] = ';';
		break;
	}
	i = slot_take(w, N_LIVE, false, -1, &mdev, NULL);
	if (i < 0)
		return RES_SKIP;
	r = sim_attr_write(&mdev->dev, "ap_config", text);
	slot_put(i, false);
	if (r != -EINVAL)
		FAIL("ap_config write %s on slot %d: %d",
		     quoted(text, q, sizeof(q)), i, r);
	return r;
}

/* apmask/aqmask: in_use, then queues move between the drivers */
static int op_perm(struct worker *w)
{
	DECLARE_BITMAP(mask, 256);
	bool adapters = rnd(w, 2);
	int r;

	bitmap_zero(mask, 256);
	if (rnd(w, 2))
		random_mask(w, mask, 2, HOST_N);
	r = sim_ap_write_perm(adapters, mask);
	if (r && r != -EBUSY)
		FAIL("%s write: %d", adapters ? "apmask" : "aqmask", r);
	return r;
}

static int op_host(struct worker *w)
{
	DECLARE_BITMAP(apm, 256);
	DECLARE_BITMAP(aqm, 256);
	DECLARE_BITMAP(adm, 256);
	unsigned long *m[3] = { apm, aqm, adm };
	bool full = rnd(w, 10) < 4;
	int i, id;

	for (i = 0; i < 3; i++) {
		bitmap_zero(m[i], 256);
		for (id = 0; id < HOST_N; id++)
			if (full || rnd(w, 100) < 85)
				set_bit_inv(id, m[i]);
	}
	pthread_rwlock_wrlock(&qdevs);
	sim_ap_host_set(apm, aqm, adm);
	pthread_rwlock_unlock(&qdevs);
	return 0;
}

/*
 * sysfs unbind and bind of one queue, as an administrator may; a bind
 * looks for a queue bound to no driver, a few tries
 */
static int op_bind(struct worker *w, bool bind)
{
	static __thread char buf[PAGE_SIZE + 1];
	int apqn, r, tries = bind ? 8 : 1;
	struct mdev_device *mdev;
	unsigned int a, d, n;
	char *line, *save;
	int i;

	apqn = AP_MKQID(rnd(w, HOST_N), rnd(w, HOST_N));
	/* mostly an assigned queue, found as the administrator would */
	if (!bind && rnd(w, 4) &&
	    (i = slot_take(w, N_LIVE, false, -1, &mdev, NULL)) >= 0) {
		if (sim_attr_read(&mdev->dev, "matrix", buf) > 0) {
			n = rnd(w, 8);
			for (line = strtok_r(buf, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save)) {
				if (sscanf(line, "%x.%x", &a, &d) == 2 &&
				    a < 256 && d < 256)
					apqn = AP_MKQID(a, d);
				if (!n--)
					break;
			}
		}
		slot_put(i, false);
	}
	for (;;) {
		r = bind ? sim_ap_queue_bind(apqn) : sim_ap_queue_unbind(apqn);
		if (r != -ENODEV || !--tries)
			break;
		apqn = AP_MKQID(rnd(w, HOST_N), rnd(w, HOST_N));
	}
	if (r && r != -ENODEV)
		FAIL("queue %02x.%04x: %s: %d", AP_QID_CARD(apqn),
		     AP_QID_QUEUE(apqn), bind ? "bind" : "unbind", r);
	return r;
}

static int op_create(struct worker *w)
{
	struct mdev_device *mdev;
	int i;

	i = slot_take(w, N_EMPTY, true, -1, NULL, NULL);
	if (i < 0)
		return RES_SKIP;
	mdev = sim_mdev_create(slots[i].uuid);
	if (IS_ERR(mdev)) {
		FAIL("mdev create %s: %ld", slots[i].uuid, PTR_ERR(mdev));
		slot_put(i, true);
		return PTR_ERR(mdev);
	}
	slot_set(i, mdev, NULL);
	slot_put(i, true);
	return 0;
}

static int op_create_bad(struct worker *w)
{
	static const char *const bad[] = {
		"", "not-a-uuid",
		"5eed00000000-4000-8000-000000000000",		/* a dash short */
		"5eed0000-0000-4000-8000-0000000000000",	/* a digit more */
		"5eed0000-0000-4000-8000-00000000000g",
		"5eed0000-0000-4000-8000-00000000000",		/* a digit short */
		"5eed0000:0000-4000-8000-000000000000",
	};
	const char *uuid = bad[rnd(w, ARRAY_SIZE(bad))];
	struct mdev_device *mdev = sim_mdev_create(uuid);

	if (!IS_ERR(mdev)) {
		FAIL("mdev create \"%s\" succeeded", uuid);
		sim_mdev_remove(mdev);
		return 0;
	}
	if (PTR_ERR(mdev) != -EINVAL)
		FAIL("mdev create \"%s\": %ld", uuid, PTR_ERR(mdev));
	return PTR_ERR(mdev);
}

static int op_remove(struct worker *w)
{
	struct mdev_device *mdev;
	bool open;
	u64 n;
	int i;

	i = slot_take(w, N_LIVE, true, -1, &mdev, &open);
	if (i < 0)
		return RES_SKIP;
	if (open && rnd(w, 2)) {
		dev_close(i, mdev, rnd(w, 2));
		open = false;
	}
	if (open) {
		/* removal while open: the core asks user space, which closes */
		struct kvm *kvm = slots[i].guest;

		sim_eventfd_take(slots[i].efd_req);
		if (set_irq(mdev, IRQ_ARGSZ, IRQ_FLAGS, VFIO_AP_IRQ_REQUEST, 1,
			    slots[i].efd_req))
			FAIL("slot %d: SET_IRQS request", i);
		unmap_guest(mdev, kvm);
	}
	sim_mdev_remove(mdev);
	if (open) {
		n = sim_eventfd_take(slots[i].efd_req);
		w->req_signals += n;
		if (!n)
			FAIL("slot %d: removed while open without a request", i);
	}
	w->cfg_signals += sim_eventfd_take(slots[i].efd_cfg);
	slot_set(i, NULL, NULL);
	check_guest_gone(i, "remove");
	slot_put(i, true);
	return 0;
}

static int op_open(struct worker *w)
{
	struct mdev_device *mdev;
	bool open;
	int i, r;

	i = slot_take(w, N_LIVE, true, -1, &mdev, &open);
	if (i < 0)
		return RES_SKIP;
	if (open) {
		r = sim_vfio_open(vdev_of(mdev), slots[i].kvm);
		if (r != -EBUSY)
			FAIL("slot %d: second open: %d", i, r);
	} else {
		/* the shared guest: another slot may have it or race for it */
		struct kvm *kvm = rnd(w, 4) ? slots[i].kvm : shared_kvm;

		r = dev_open(i, mdev, kvm);
		if (r && !(r == -EPERM && kvm == shared_kvm))
			FAIL("slot %d: open%s: %d", i,
			     kvm == shared_kvm ? " with the shared guest" : "", r);
		if (!r)
			slot_set(i, mdev, kvm);
	}
	slot_put(i, true);
	return r;
}

/* a second mdev for a guest that has one: refused, nothing changed */
static int op_open_eperm(struct worker *w)
{
	struct mdev_device *mdev, *other;
	int i, j, r;

	j = slot_take(w, N_CLOSED, true, -1, &mdev, NULL);
	if (j < 0)
		return RES_SKIP;
	i = slot_take(w, N_OPEN, false, j, &other, NULL);
	if (i < 0) {
		slot_put(j, true);
		return RES_SKIP;
	}
	r = sim_vfio_open(vdev_of(mdev), slots[i].guest);
	if (r != -EPERM) {
		FAIL("slot %d: open with the guest of slot %d: %d", j, i, r);
		if (!r)
			sim_vfio_close(vdev_of(mdev));
	}
	slot_put(i, false);
	slot_put(j, true);
	return r;
}

static int op_close(struct worker *w)
{
	struct mdev_device *mdev;
	int i;

	i = slot_take(w, N_OPEN, true, -1, &mdev, NULL);
	if (i < 0)
		return RES_SKIP;
	dev_close(i, mdev, rnd(w, 2));
	slot_set(i, mdev, NULL);
	check_guest_gone(i, "close");
	w->cfg_signals += sim_eventfd_take(slots[i].efd_cfg);
	slot_put(i, true);
	return 0;
}

static int op_dma_remap(struct worker *w)
{
	struct mdev_device *mdev;
	struct kvm *kvm;
	int i;

	i = slot_take(w, N_OPEN, true, -1, &mdev, NULL);
	if (i < 0)
		return RES_SKIP;
	kvm = slots[i].guest;
	unmap_guest(mdev, kvm);
	/* every NIB was in the range: every interrupt is off */
	if (sim_kvm_giscs(kvm))
		FAIL("slot %d: %u guest ISCs after unmap", i, sim_kvm_giscs(kvm));
	map_guest(i, mdev, kvm);
	slot_put(i, true);
	return 0;
}

/* registrations of @mdev whose NIB is in [@iova, @iova + @len) */
static unsigned int nibs_in(struct mdev_device *mdev, u64 iova, u64 len)
{
	struct ap_matrix_mdev *matrix_mdev = t_matrix_mdev(mdev);
	struct vfio_ap_queue *q;
	unsigned int n = 0;

	mutex_lock(&matrix_dev->mdevs_lock);
	list_for_each_entry(q, &matrix_mdev->irq_qlist, irq_node)
		n += q->saved_iova - iova < len;
	mutex_unlock(&matrix_dev->mdevs_lock);
	return n;
}

/*
 * One chunk of an open guest's memory unmapped and mapped again, the slot
 * shared: other threads' PQAP(AQIC) on this guest go on meanwhile.  When
 * the unmap returns, nothing of the mdev is registered in the chunk (the
 * VFIO core checks its pins), and the adapters store no NIB into a page
 * that is not pinned (the firmware counts any that do).
 */
static int op_unmap_race(struct worker *w)
{
	struct mdev_device *mdev;
	unsigned int bit, n;
	struct kvm *kvm;
	u64 base;
	int i, c, r;

	i = slot_take(w, N_OPEN, false, -1, &mdev, NULL);
	if (i < 0)
		return RES_SKIP;
	c = rnd(w, CHUNKS);
	bit = 1u << c;
	if (__atomic_fetch_or(&slots[i].chunks_out, bit, __ATOMIC_ACQ_REL) &
	    bit) {
		slot_put(i, false);
		return RES_SKIP;
	}
	__atomic_fetch_add(&slots[i].unmaps, 1, __ATOMIC_ACQ_REL);
	kvm = slots[i].guest;
	base = kvm->mem_base + c * CHUNK;
	sim_vfio_dma_unmap(vdev_of(mdev), base, CHUNK);
	n = nibs_in(mdev, base, CHUNK);
	if (n)
		FAIL("slot %d: %u registrations in chunk %d after its unmap",
		     i, n, c);
	r = sim_vfio_dma_map(vdev_of(mdev), base, CHUNK,
			     (char *)kvm->mem + c * CHUNK);
	if (r)
		FAIL("slot %d: dma map of chunk %d: %d", i, c, r);
	__atomic_fetch_and(&slots[i].chunks_out, ~bit, __ATOMIC_ACQ_REL);
	slot_put(i, false);
	return r;
}

/*
 * A card finishes a reply on any queue: its NIB is stored, if on.  Not
 * on a queue whose reset the hardware refused (op_reset_fault): its
 * interrupts cannot be turned off, and once its guest is gone the driver
 * must give the page back all the same (docs/design.rst).
 */
static int op_reply(struct worker *w)
{
	sim_ap_reply_ready_unless_refused(AP_MKQID(rnd(w, HOST_N),
						   rnd(w, HOST_N)));
	return 0;
}

static int pqap(struct worker *w, int i, struct kvm *kvm, bool on,
		bool good_nib, const char *what)
{
	int apqn = AP_MKQID(rnd(w, HOST_N), rnd(w, HOST_N));
	u64 ctrl = on ? AQIC_IR | rnd(w, 8) : 0;
	DECLARE_BITMAP(apm, 256);
	DECLARE_BITMAP(aqm, 256);
	DECLARE_BITMAP(adm, 256);
	unsigned int unmaps, out;
	bool unmapping = false;
	unsigned long a, d;
	u64 nib, gr1;
	int cc, r, rc;
	bool ok;

	/* mostly a queue the guest has, as the guest knows its own */
	if (rnd(w, 4)) {
		sim_kvm_masks(kvm, apm, aqm, adm);
		a = find_first_bit_inv(apm, 256);
		d = find_first_bit_inv(aqm, 256);
		while (a < 256 && find_next_bit_inv(apm, 256, a + 1) < 256 &&
		       rnd(w, 2))
			a = find_next_bit_inv(apm, 256, a + 1);
		while (d < 256 && find_next_bit_inv(aqm, 256, d + 1) < 256 &&
		       rnd(w, 2))
			d = find_next_bit_inv(aqm, 256, d + 1);
		if (a < 256 && d < 256)
			apqn = AP_MKQID(a, d);
	}

	if (good_nib)
		nib = kvm->mem_base + rnd(w, kvm->mem_size);
	else
		nib = rnd(w, 2) ? 0 : kvm->mem_base + kvm->mem_size + rnd(w, 4096);
	unmaps = i < NSLOTS ? __atomic_load_n(&slots[i].unmaps, __ATOMIC_ACQUIRE) : 0;
	out = i < NSLOTS ? __atomic_load_n(&slots[i].chunks_out, __ATOMIC_ACQUIRE) : 0;
	r = sim_kvm_pqap_aqic(kvm, apqn, ctrl, on ? nib : 0, &gr1, &cc);
	rc = (gr1 >> 16) & 0xff;
	/* an unmap of the NIB's chunk may have run meanwhile: 06 then */
	if (i < NSLOTS) {
		out |= __atomic_load_n(&slots[i].chunks_out, __ATOMIC_ACQUIRE);
		unmapping = unmaps != __atomic_load_n(&slots[i].unmaps,
						      __ATOMIC_ACQUIRE) ||
			    (nib - kvm->mem_base < GUEST_MEM &&
			     (out & 1u << (nib - kvm->mem_base) / CHUNK));
	}
	/* another thread's operation may be resetting the queue: unreachable */
	if (rc == AP_RESPONSE_RESET_IN_PROGRESS)
		ok = true;
	else if (!on)
		ok = rc == AP_RESPONSE_NORMAL || rc == AP_RESPONSE_Q_NOT_AVAIL ||
		     rc == AP_RESPONSE_OTHERWISE_CHANGED;
	else if (good_nib)
		ok = rc == AP_RESPONSE_NORMAL ||
		     rc == AP_RESPONSE_Q_NOT_AVAIL ||
		     rc == AP_RESPONSE_OTHERWISE_CHANGED ||
		     rc == AP_RESPONSE_BUSY ||
		     (rc == AP_RESPONSE_INVALID_ADDRESS && unmapping);
	else
		ok = rc == AP_RESPONSE_Q_NOT_AVAIL ||
		     rc == AP_RESPONSE_INVALID_ADDRESS ||
		     rc == AP_RESPONSE_OTHERWISE_CHANGED;
	if (r || !ok || cc != (rc ? 3 : 0))
		FAIL("%s slot %d queue %02x.%04x nib %#llx: ret %d cc %d gr1 %#llx",
		     what, i, AP_QID_CARD(apqn), AP_QID_QUEUE(apqn),
		     (unsigned long long)nib, r, cc, (unsigned long long)gr1);
	return rc ? RES_RC(rc) : 0;
}

static int op_pqap(struct worker *w, bool on)
{
	int i, r;

	i = slot_take(w, N_OPEN, false, -1, NULL, NULL);
	if (i < 0)
		return RES_SKIP;
	r = pqap(w, i, slots[i].guest, on, !on || rnd(w, 8),
		 on ? "AQIC on" : "AQIC off");
	slot_put(i, false);
	return r;
}

/* a vCPU of any guest, whatever its mdev is doing: nothing pinned here */
static int op_pqap_race(struct worker *w)
{
	int i = rnd(w, NSLOTS + 1);
	struct kvm *kvm = i < NSLOTS ? slots[i].kvm : shared_kvm;

	return pqap(w, i, kvm, rnd(w, 2), false, "AQIC unsynchronized");
}

/* mostly a device that is open: closed ones only say EBADF */
static enum need ioctl_need(struct worker *w)
{
	return rnd(w, 5) ? N_OPEN : N_LIVE;
}

static int op_get_info(struct worker *w)
{
	struct vfio_device_info info;
	struct mdev_device *mdev;
	bool open, small = !rnd(w, 8);
	long r;
	int i;

	i = slot_take(w, ioctl_need(w), false, -1, &mdev, &open);
	if (i < 0)
		return RES_SKIP;
	memset(&info, 0, sizeof(info));
	info.argsz = small ? 4 : sizeof(info);
	r = sim_vfio_ioctl(vdev_of(mdev), VFIO_DEVICE_GET_INFO, &info);
	slot_put(i, false);
	if (!open ? r != -EBADF : small ? r != -EINVAL :
	    r || info.num_irqs != VFIO_AP_IRQ_COUNT || info.num_regions ||
	    info.flags != (VFIO_DEVICE_FLAGS_AP | VFIO_DEVICE_FLAGS_RESET))
		FAIL("slot %d (open %d): GET_INFO: %ld flags %#x irqs %u", i,
		     open, r, info.flags, info.num_irqs);
	return r;
}

static int op_get_irq_info(struct worker *w)
{
	struct vfio_irq_info info;
	struct mdev_device *mdev;
	bool open;
	long r;
	int i;

	i = slot_take(w, ioctl_need(w), false, -1, &mdev, &open);
	if (i < 0)
		return RES_SKIP;
	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	info.index = rnd(w, VFIO_AP_IRQ_COUNT + 1);
	r = sim_vfio_ioctl(vdev_of(mdev), VFIO_DEVICE_GET_IRQ_INFO, &info);
	slot_put(i, false);
	if (!open ? r != -EBADF : info.index >= VFIO_AP_IRQ_COUNT ? r != -EINVAL :
	    r || info.count != 1 || info.flags != VFIO_IRQ_INFO_EVENTFD)
		FAIL("slot %d (open %d): GET_IRQ_INFO %u: %ld", i, open,
		     info.index, r);
	return r;
}

static int op_set_irqs(struct worker *w)
{
	struct mdev_device *mdev;
	u32 index, argsz = IRQ_ARGSZ, flags = IRQ_FLAGS, count = 1;
	long r, want = 0;
	bool open;
	s32 fd;
	int i;

	i = slot_take(w, ioctl_need(w), false, -1, &mdev, &open);
	if (i < 0)
		return RES_SKIP;
	index = rnd(w, VFIO_AP_IRQ_COUNT);
	fd = index == VFIO_AP_IRQ_REQUEST ? slots[i].efd_req : slots[i].efd_cfg;
	switch (rnd(w, 14)) {
	case 0 ... 4:
		break;
	case 5 ... 6:
		fd = -1;		/* clear */
		break;
	case 7:
		fd = not_an_eventfd[0];
		want = -EINVAL;
		break;
	case 8:
		fd = -2;
		want = -EINVAL;
		break;
	case 9:
		index = VFIO_AP_IRQ_COUNT;
		want = -EINVAL;
		break;
	case 10:
		flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		want = -EINVAL;
		break;
	case 11:
		fd = 1 << 20;		/* no such fd */
		want = -EBADF;
		break;
	case 12:
		count = 2;
		want = -EINVAL;
		break;
	default:
		argsz = sizeof(struct vfio_irq_set);
		want = -EINVAL;
		break;
	}
	r = set_irq(mdev, argsz, flags, index, count, fd);
	w->cfg_signals += sim_eventfd_take(slots[i].efd_cfg);
	slot_put(i, false);
	if (!open)
		want = -EBADF;
	if (r != want)
		FAIL("slot %d (open %d): SET_IRQS index %u fd %d flags %#x count %u argsz %u: %ld, want %ld",
		     i, open, index, fd, flags, count, argsz, r, want);
	return r;
}

static int op_reset(struct worker *w)
{
	struct mdev_device *mdev;
	bool open;
	long r;
	int i;

	i = slot_take(w, ioctl_need(w), false, -1, &mdev, &open);
	if (i < 0)
		return RES_SKIP;
	r = sim_vfio_ioctl(vdev_of(mdev), VFIO_DEVICE_RESET, NULL);
	slot_put(i, false);
	/* -EIO: a queue's reset hung or failed (op_reset_fault) */
	if (open ? r != 0 && r != -EIO : r != -EBADF)
		FAIL("slot %d (open %d): RESET: %ld", i, open, r);
	return r;
}

/*
 * The hardware of one queue resets slowly, busily, never or with an
 * error from now on; mostly cleanly, so queues come back.
 */
static int op_reset_fault(struct worker *w)
{
	static const enum sim_reset_fault faults[] = {
		SIM_RESET_CLEAN, SIM_RESET_CLEAN, SIM_RESET_CLEAN,
		SIM_RESET_SLOW, SIM_RESET_BUSY, SIM_RESET_HANGS,
		SIM_RESET_FAILS,
	};

	sim_ap_set_reset_fault(AP_MKQID(rnd(w, HOST_N), rnd(w, HOST_N)),
			       faults[rnd(w, ARRAY_SIZE(faults))]);
	return 0;
}

/*
 * A queue's interrupts take longer, or less long, to show on or off from
 * now: an unmap then waits for them, and guests' AQICs meet the wait.
 * Within the driver's bound, so every disable is seen through.
 */
static int op_irq_timing(struct worker *w)
{
	static const int on[] = { 0, 1, 1, 3 }, off[] = { 0, 0, 1, 3 };

	sim_ap_set_irq_timing(AP_MKQID(rnd(w, HOST_N), rnd(w, HOST_N)),
			      on[rnd(w, ARRAY_SIZE(on))],
			      off[rnd(w, ARRAY_SIZE(off))]);
	return 0;
}

/* "aa.dddd", "aa." or ".dddd" lines; a page-full may end cut */
static bool matrix_text_ok(const char *s, ssize_t len)
{
	const char *end = s + len, *nl;
	int i;

	for (; s < end; s = nl + 1) {
		nl = memchr(s, '\n', end - s);
		if (!nl)
			return len >= (ssize_t)PAGE_SIZE - 16;
		if (nl - s == 7 || nl - s == 3) {
			for (i = 0; i < 2; i++)
				if (!isxdigit((unsigned char)s[i]))
					return false;
			if (s[2] != '.')
				return false;
			for (i = 3; i < nl - s; i++)
				if (!isxdigit((unsigned char)s[i]))
					return false;
		} else if (nl - s == 5) {
			if (s[0] != '.')
				return false;
			for (i = 1; i < 5; i++)
				if (!isxdigit((unsigned char)s[i]))
					return false;
		} else {
			return false;
		}
	}
	return true;
}

static bool control_text_ok(const char *s, ssize_t len)
{
	ssize_t i;

	if (len % 5)
		return false;
	for (i = 0; i < len; i++)
		if (i % 5 == 4 ? s[i] != '\n' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int op_read(struct worker *w, const char *attr)
{
	static __thread char buf[PAGE_SIZE + 1];
	struct mdev_device *mdev;
	bool ok;
	ssize_t r;
	int i;

	i = slot_take(w, N_LIVE, false, -1, &mdev, NULL);
	if (i < 0)
		return RES_SKIP;
	r = sim_attr_read(&mdev->dev, attr, buf);
	slot_put(i, false);
	if (r < 0)
		ok = false;
	else if (!strcmp(attr, "ap_config"))
		ok = config_text_ok(buf);
	else if (!strcmp(attr, "control_domains"))
		ok = control_text_ok(buf, r);
	else
		ok = matrix_text_ok(buf, r);
	if (!ok)
		FAIL("slot %d: read %s: %zd \"%.40s\"", i, attr, r, r < 0 ? "" : buf);
	return r < 0 ? r : 0;
}

static int op_read_status(struct worker *w)
{
	static __thread char buf[PAGE_SIZE + 1];
	int apqn = AP_MKQID(rnd(w, HOST_N), rnd(w, HOST_N));
	struct device *dev;
	int k, ret;
	ssize_t r;

	pthread_rwlock_rdlock(&qdevs);
	dev = sim_ap_queue_dev(apqn);
	r = dev ? sim_attr_read(dev, "status", buf) : 0;
	pthread_rwlock_unlock(&qdevs);
	if (!dev)
		return RES_ST(3);
	if (r == -ENOENT)	/* not vfio_ap's */
		return r;
	for (k = 0; k < 3; k++) {
		char want[20];

		snprintf(want, sizeof(want), "%s\n", st_names[k]);
		if (r >= 0 && !strcmp(buf, want))
			return RES_ST(k);
	}
	ret = r < 0 ? r : -EINVAL;
	FAIL("queue %02x.%04x: status: %zd \"%.20s\"", AP_QID_CARD(apqn),
	     AP_QID_QUEUE(apqn), r, r < 0 ? "" : buf);
	return ret;
}

static int do_op(struct worker *w, enum op op)
{
	switch (op) {
	case OP_ASSIGN_ADAPTER:
		return op_assignment(w, "assign_adapter", true, false);
	case OP_UNASSIGN_ADAPTER:
		return op_assignment(w, "unassign_adapter", false, false);
	case OP_ASSIGN_DOMAIN:
		return op_assignment(w, "assign_domain", true, false);
	case OP_UNASSIGN_DOMAIN:
		return op_assignment(w, "unassign_domain", false, false);
	case OP_ASSIGN_CTRL:
		return op_assignment(w, "assign_control_domain", true, true);
	case OP_UNASSIGN_CTRL:
		return op_assignment(w, "unassign_control_domain", false, true);
	case OP_AP_CONFIG:
		return op_ap_config(w);
	case OP_AP_CONFIG_BAD:
		return op_ap_config_bad(w);
	case OP_PERM:
		return op_perm(w);
	case OP_HOST:
		return op_host(w);
	case OP_UNBIND:
		return op_bind(w, false);
	case OP_BIND:
		return op_bind(w, true);
	case OP_CREATE:
		return op_create(w);
	case OP_CREATE_BAD:
		return op_create_bad(w);
	case OP_REMOVE:
		return op_remove(w);
	case OP_OPEN:
		return op_open(w);
	case OP_OPEN_EPERM:
		return op_open_eperm(w);
	case OP_CLOSE:
		return op_close(w);
	case OP_DMA_REMAP:
		return op_dma_remap(w);
	case OP_UNMAP_RACE:
		return op_unmap_race(w);
	case OP_REPLY:
		return op_reply(w);
	case OP_IRQ_TIMING:
		return op_irq_timing(w);
	case OP_PQAP_ON:
		return op_pqap(w, true);
	case OP_PQAP_OFF:
		return op_pqap(w, false);
	case OP_PQAP_RACE:
		return op_pqap_race(w);
	case OP_GET_INFO:
		return op_get_info(w);
	case OP_GET_IRQ_INFO:
		return op_get_irq_info(w);
	case OP_SET_IRQS:
		return op_set_irqs(w);
	case OP_RESET:
		return op_reset(w);
	case OP_RESET_FAULT:
		return op_reset_fault(w);
	case OP_READ_MATRIX:
		return op_read(w, "matrix");
	case OP_READ_GUEST:
		return op_read(w, "guest_matrix");
	case OP_READ_CTRL:
		return op_read(w, "control_domains");
	case OP_READ_CONFIG:
		return op_read(w, "ap_config");
	case OP_READ_STATUS:
		return op_read_status(w);
	case NOPS:
		break;
	}
	return 0;
}

static enum op pick_op(struct worker *w)
{
	static unsigned int total;
	unsigned int k, op;

	if (!__atomic_load_n(&total, __ATOMIC_RELAXED)) {
		unsigned int t = 0;

		for (op = 0; op < NOPS; op++)
			t += op_weights[op];
		__atomic_store_n(&total, t, __ATOMIC_RELAXED);
	}
	k = rnd(w, __atomic_load_n(&total, __ATOMIC_RELAXED));
	for (op = 0; op < NOPS - 1 && k >= op_weights[op]; op++)
		k -= op_weights[op];
	return op;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	enum op op;
	int r;

	w->lv_id = lockval_thread_id();
	while (!__atomic_load_n(&stop_workers, __ATOMIC_RELAXED)) {
		op = pick_op(w);
		__atomic_store_n(&w->cur_slot, -1, __ATOMIC_RELAXED);
		__atomic_store_n(&w->cur_op, op, __ATOMIC_RELAXED);
		pthread_rwlock_rdlock(&world);
		r = do_op(w, op);
		pthread_rwlock_unlock(&world);
		__atomic_store_n(&w->cur_op, -1, __ATOMIC_RELAXED);
		w->counts[op][bucket(r)]++;
		__atomic_fetch_add(&progress, 1, __ATOMIC_RELAXED);
		if (lockval_held_count())
			FAIL("%s left %u lock(s) held", op_names[op],
			     lockval_held_count());
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the invariants */

enum inv {
	INV_MATRIX, INV_HOST, INV_KVM, INV_BOUND, INV_UNIQUE, INV_LOCKVAL,
	INV_RECOMPUTE, INV_IRQ, INV_LINKS, INV_INFO, INV_LIST, INV_DEFAULT,
	INV_RESET, INV_NIB, NR_INV
};

static const char *const inv_names[NR_INV] = {
	[INV_MATRIX]	= "(1) guest APCB within the mdev's matrix",
	[INV_HOST]	= "(1) guest APCB within the host configuration",
	[INV_KVM]	= "(1) the guest's masks in KVM equal the shadow APCB",
	[INV_BOUND]	= "(2) the guest's adapters' queues bound to vfio_ap",
	[INV_UNIQUE]	= "(3) no APQN assigned to two mdevs",
	[INV_LOCKVAL]	= "(4) the lock validator saw no cycle",
	[INV_RECOMPUTE]	= "(5) the APCB equals the one computed from scratch",
	[INV_IRQ]	= "(6) interrupts only for the guest's queues, pins counted",
	[INV_LINKS]	= "(7) queue links agree with the matrices and the bus",
	[INV_INFO]	= "(8) the driver's host configuration is the bus's",
	[INV_LIST]	= "(9) the driver's mdevs are the live ones",
	[INV_DEFAULT]	= "(10) no assigned APQN kept for the host's drivers",
	[INV_RESET]	= "(11) no reset outlives the operation that started it",
	[INV_NIB]	= "(12) no adapter may store a NIB into a page not pinned",
};

struct check_result {
	unsigned long v[NR_INV];
	char first[NR_INV][200];
	bool print;
};

static void viol(struct check_result *r, enum inv inv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void viol(struct check_result *r, enum inv inv, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	char *c;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (c = msg; *c; c++)		/* one TAP comment line */
		if (*c == '\n')
			*c = ' ';
	if (!r->v[inv]++)
		snprintf(r->first[inv], sizeof(r->first[inv]), "%s", msg);
	if (r->print)
		say("invariant %s violated: %s", inv_names[inv], msg);
}

static unsigned long violations(const struct check_result *r)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < NR_INV; i++)
		n += r->v[i];
	return n;
}

/* one mdev as the checker saw it under mdevs_lock */
struct msnap {
	int slot;
	const char *name;
	struct ap_matrix matrix, shadow;
};

static const char *fmt_mask(const unsigned long *mask, char *buf)
{
	sim_mask_format(mask, buf, 200);
	return buf;
}

/* a state of each APQN of the small host: 'v' vfio_ap, 'd' default, ... */
static char queue_state(const char drv[HOST_N][HOST_N], unsigned long a,
			unsigned long d)
{
	return a < HOST_N && d < HOST_N ? drv[a][d] : 0;
}

/*
 * Check every invariant.  The caller has stopped the world, so nothing
 * changes meanwhile; driver state is still read only under mdevs_lock, and
 * the bus (which takes its own locks) only without it.
 */
static void check_world(struct check_result *r)
{
	struct msnap ms[NSLOTS + 4];
	struct ap_config_info host;
	char drv[HOST_N][HOST_N];
	bool q_ok[HOST_N][HOST_N] = { { false } };
	struct ap_matrix_mdev *mm;
	struct vfio_ap_queue *q;
	unsigned long a, d, irqs_total = 0;
	int n = 0, i, j, bkt, nq = 0, nbound = 0, shared_users = 0;
	bool seen[NSLOTS] = { false };
	char b1[200], b2[200];
	bool print = r->print;

	memset(r, 0, sizeof(*r));
	r->print = print;

	if (lockval_failures()) {
		const char *last = strstr(lockval_last_report(), "WARNING: ");

		viol(r, INV_LOCKVAL, "%u report(s), the last: %.*s",
		     lockval_failures(), last ? (int)strcspn(last, "\n") : 1,
		     last ? last : "?");
	}

	sim_ap_host_get(&host);
	for (a = 0; a < HOST_N; a++) {
		for (d = 0; d < HOST_N; d++) {
			const char *s = sim_ap_queue_driver(AP_MKQID(a, d));

			drv[a][d] = !s ? 0 : !strcmp(s, "vfio_ap") ? 'v' :
				    !strcmp(s, "default") ? 'd' : 'n';
		}
	}

	pthread_mutex_lock(&slots_lock);
	/* as an operation deciding an APCB: both locks */
	mutex_lock(&matrix_dev->guests_lock);
	mutex_lock(&matrix_dev->mdevs_lock);

	/* the world is stopped: every operation has seen its resets through */
	if (!list_empty(&matrix_dev->resets))
		viol(r, INV_RESET, "resets started and not finished");
	for (a = 0; a < HOST_N; a++) {
		for (d = 0; d < HOST_N; d++) {
			q = matrix_dev->queues[AP_MKQID(a, d)];
			if (q && q->resetting)
				viol(r, INV_RESET, "queue %02lx.%04lx still resetting",
				     a, d);
			q_ok[a][d] = q && vfio_ap_queue_usable(q);
		}
	}

	for (i = 0; i < 3; i++) {
		static const char *const mname[3] = { "apm", "aqm", "adm" };
		unsigned int *dm[3] = { matrix_dev->info.apm, matrix_dev->info.aqm,
					matrix_dev->info.adm };
		unsigned int *bm[3] = { host.apm, host.aqm, host.adm };

		if (memcmp(dm[i], bm[i], sizeof(host.apm)))
			viol(r, INV_INFO, "the driver's host %s is %s, the bus's %s",
			     mname[i], fmt_mask((unsigned long *)dm[i], b1),
			     fmt_mask((unsigned long *)bm[i], b2));
	}

	list_for_each_entry(mm, &matrix_dev->mdev_list, node) {
		struct kvm *kvm = mm->kvm;
		int slot = -1, irqs = 0;

		for (i = 0; i < NSLOTS; i++)
			if (slots[i].mdev && mm_of(slots[i].mdev) == mm)
				slot = i;
		if (slot < 0) {
			viol(r, INV_LIST, "mdev %p is no live mdev of the test",
			     (void *)mm);
		} else {
			seen[slot] = true;
			if (kvm != slots[slot].guest)
				viol(r, INV_KVM, "slot %d: opened with guest %p, attached to %p",
				     slot, (void *)slots[slot].guest, (void *)kvm);
		}
		if (kvm == shared_kvm && shared_kvm && shared_users++)
			viol(r, INV_KVM, "%d mdevs attached to the shared guest",
			     shared_users);
		if (n < (int)ARRAY_SIZE(ms)) {
			ms[n].slot = slot;
			ms[n].name = slot >= 0 ? slots[slot].uuid : "?";
			ms[n].matrix = mm->matrix;
			ms[n].shadow = mm->shadow_apcb;
			n++;
		}
		if (kvm) {
			struct kvm_s390_crypto *c = &kvm->arch.crypto;

			if (!bitmap_equal(c->apm, mm->shadow_apcb.apm, 256) ||
			    !bitmap_equal(c->aqm, mm->shadow_apcb.aqm, 256) ||
			    !bitmap_equal(c->adm, mm->shadow_apcb.adm, 256))
				viol(r, INV_KVM, "slot %d: guest apm %s aqm ..., shadow apm %s",
				     slot, fmt_mask(c->apm, b1),
				     fmt_mask(mm->shadow_apcb.apm, b2));
			if (c->pqap_hook != &mm->pqap_hook)
				viol(r, INV_KVM, "slot %d: PQAP hook %p, want %p",
				     slot, (void *)c->pqap_hook,
				     (void *)&mm->pqap_hook);
		}
		list_for_each_entry(q, &mm->qlist, mdev_qnode) {
			a = AP_QID_CARD(q->apqn);
			d = AP_QID_QUEUE(q->apqn);
			if (q->matrix_mdev != mm ||
			    !test_bit_inv(a, mm->matrix.apm) ||
			    !test_bit_inv(d, mm->matrix.aqm))
				viol(r, INV_LINKS, "slot %d: queue %02lx.%04lx in its table, not its own",
				     slot, a, d);
			if (q->saved_iova && q->saved_mdev != mm)
				viol(r, INV_IRQ, "slot %d: queue %02lx.%04lx has interrupts of another device",
				     slot, a, d);
		}
		/*
		 * Every pin this device made, linked to it or not any more:
		 * its guest's, and for a queue the guest has, or one kept out
		 * of every guest until a reset confirms it off.
		 */
		list_for_each_entry(q, &mm->irq_qlist, irq_node) {
			a = AP_QID_CARD(q->apqn);
			d = AP_QID_QUEUE(q->apqn);
			irqs++;
			if (!q->saved_iova || q->saved_mdev != mm ||
			    !kvm || q->saved_kvm != kvm)
				viol(r, INV_IRQ, "slot %d: queue %02lx.%04lx: interrupts of the wrong owner",
				     slot, a, d);
			else if ((!test_bit_inv(a, mm->shadow_apcb.apm) ||
				  !test_bit_inv(d, mm->shadow_apcb.aqm)) &&
				 vfio_ap_queue_usable(q))
				viol(r, INV_IRQ, "slot %d: queue %02lx.%04lx has interrupts, not the guest",
				     slot, a, d);
		}
		irqs_total += irqs;
		if (kvm && sim_kvm_giscs(kvm) != irqs)
			viol(r, INV_IRQ, "slot %d: %u guest ISCs registered, %d queues with interrupts",
			     slot, sim_kvm_giscs(kvm), irqs);
	}
	/* a guest no device is attached to has nothing */
	for (i = 0; i <= NSLOTS; i++) {
		struct kvm *kvm = i < NSLOTS ? slots[i].kvm : shared_kvm;
		struct kvm_s390_crypto *c;

		if (i < NSLOTS && slots[i].mdev && !seen[i])
			viol(r, INV_LIST, "slot %d: mdev not in the driver's list", i);
		if (!kvm || (i < NSLOTS ? slots[i].mdev && slots[i].guest == kvm :
			     shared_users))
			continue;
		c = &kvm->arch.crypto;
		if (!bitmap_empty(c->apm, 256) || !bitmap_empty(c->aqm, 256) ||
		    !bitmap_empty(c->adm, 256) || c->pqap_hook)
			viol(r, INV_KVM, "guest %d without device has apm %s, hook %p",
			     i, fmt_mask(c->apm, b1), (void *)c->pqap_hook);
		if (sim_kvm_giscs(kvm))
			viol(r, INV_IRQ, "guest %d without device has %u ISCs",
			     i, sim_kvm_giscs(kvm));
	}
	if (sim_pins_live() != (long)irqs_total)
		viol(r, INV_IRQ, "%ld pages pinned, %lu queues with interrupts",
		     sim_pins_live(), irqs_total);
	/* the hardware's side: every queue that may store has its page */
	if (sim_ap_unpinned_nibs())
		viol(r, INV_NIB, "%u queues may store a NIB into a page not pinned",
		     sim_ap_unpinned_nibs());

	for (bkt = 0; bkt < VFIO_AP_APQNS; bkt++) {
		struct ap_matrix_mdev *owner = NULL;

		q = matrix_dev->queues[bkt];
		if (!q)
			continue;

		a = AP_QID_CARD(q->apqn);
		d = AP_QID_QUEUE(q->apqn);
		nq++;
		if (queue_state(drv, a, d) != 'v')
			viol(r, INV_LINKS, "queue %02lx.%04lx: the driver has it, the bus says '%c'",
			     a, d, queue_state(drv, a, d) ?: '-');
		list_for_each_entry(mm, &matrix_dev->mdev_list, node)
			if (test_bit_inv(a, mm->matrix.apm) &&
			    test_bit_inv(d, mm->matrix.aqm) && !owner)
				owner = mm;
		if (q->matrix_mdev != owner)
			viol(r, INV_LINKS, "queue %02lx.%04lx: linked to %p, assigned to %p",
			     a, d, (void *)q->matrix_mdev, (void *)owner);
		/* an unlinked queue may keep them, for the device that pinned */
		if (q->saved_iova && !q->saved_mdev)
			viol(r, INV_IRQ, "queue %02lx.%04lx: interrupts without an mdev",
			     a, d);
	}

	mutex_unlock(&matrix_dev->mdevs_lock);
	mutex_unlock(&matrix_dev->guests_lock);
	pthread_mutex_unlock(&slots_lock);

	for (a = 0; a < HOST_N; a++) {
		for (d = 0; d < HOST_N; d++) {
			nbound += drv[a][d] == 'v';
			if (drv[a][d] == 'n')
				__atomic_fetch_add(&unbound_seen, 1,
						   __ATOMIC_RELAXED);
		}
	}
	if (nbound != nq)
		viol(r, INV_LINKS, "%d queues bound to vfio_ap, the driver has %d",
		     nbound, nq);

	for (i = 0; i < n; i++) {
		struct ap_matrix *m = &ms[i].matrix, *s = &ms[i].shadow;
		struct ap_matrix want;
		const unsigned long *happ = (unsigned long *)host.apm;
		const unsigned long *haqm = (unsigned long *)host.aqm;
		const unsigned long *hadm = (unsigned long *)host.adm;

		/* (1) */
		if (!bitmap_subset(s->apm, m->apm, 256) ||
		    !bitmap_subset(s->aqm, m->aqm, 256) ||
		    !bitmap_subset(s->adm, m->adm, 256))
			viol(r, INV_MATRIX, "%s: shadow apm %s, matrix apm %s (or aqm/adm)",
			     ms[i].name, fmt_mask(s->apm, b1), fmt_mask(m->apm, b2));
		if (!bitmap_subset(s->apm, happ, 256) ||
		    !bitmap_subset(s->aqm, haqm, 256) ||
		    !bitmap_subset(s->adm, hadm, 256))
			viol(r, INV_HOST, "%s: shadow apm %s, host apm %s (or aqm/adm)",
			     ms[i].name, fmt_mask(s->apm, b1), fmt_mask(happ, b2));
		/* (2) */
		for_each_set_bit_inv(a, s->apm, 256)
			for_each_set_bit_inv(d, s->aqm, 256)
				if (queue_state(drv, a, d) != 'v')
					viol(r, INV_BOUND, "%s: guest has queue %02lx.%04lx, the bus says '%c'",
					     ms[i].name, a, d,
					     queue_state(drv, a, d) ?: '-');
		/* (10) */
		for_each_set_bit_inv(a, m->apm, 256)
			for_each_set_bit_inv(d, m->aqm, 256)
				if (queue_state(drv, a, d) == 'd')
					viol(r, INV_DEFAULT, "%s: queue %02lx.%04lx assigned and the host's",
					     ms[i].name, a, d);
		/*
		 * (5) from scratch: what is assigned and in the host, less
		 * the adapters with a queue over the guest's domains that is
		 * not bound to vfio_ap or whose last reset hung or failed
		 */
		memset(&want, 0, sizeof(want));
		bitmap_and(want.aqm, m->aqm, haqm, 256);
		bitmap_and(want.adm, m->adm, hadm, 256);
		for_each_set_bit_inv(a, m->apm, 256) {
			bool usable = test_bit_inv(a, happ);

			for_each_set_bit_inv(d, want.aqm, 256)
				if (queue_state(drv, a, d) != 'v' ||
				    !q_ok[a][d])
					usable = false;
			if (usable)
				set_bit_inv(a, want.apm);
			else if (test_bit_inv(a, happ))
				__atomic_fetch_add(&held_out, 1, __ATOMIC_RELAXED);
		}
		if (!bitmap_equal(want.apm, s->apm, 256) ||
		    !bitmap_equal(want.aqm, s->aqm, 256) ||
		    !bitmap_equal(want.adm, s->adm, 256)) {
			char b3[200], b4[200], b5[200], b6[200];

			viol(r, INV_RECOMPUTE, "%s: shadow %s %s %s, computed %s %s %s",
			     ms[i].name, fmt_mask(s->apm, b1), fmt_mask(s->aqm, b2),
			     fmt_mask(s->adm, b3), fmt_mask(want.apm, b4),
			     fmt_mask(want.aqm, b5), fmt_mask(want.adm, b6));
		}
	}
	/* (3) */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (bitmap_intersects(ms[i].matrix.apm, ms[j].matrix.apm, 256) &&
			    bitmap_intersects(ms[i].matrix.aqm, ms[j].matrix.aqm, 256))
				viol(r, INV_UNIQUE, "%s and %s share an APQN",
				     ms[i].name, ms[j].name);

	__atomic_fetch_add(&checks_done, 1, __ATOMIC_RELAXED);
}

static void *checker_main(void *arg)
{
	struct check_result r = { .print = true };

	checker_lv_id = lockval_thread_id();
	while (!__atomic_load_n(&stop_checker, __ATOMIC_RELAXED)) {
		sleep_us(CHECK_PERIOD_US);
		pthread_rwlock_wrlock(&world);
		check_world(&r);
		pthread_rwlock_unlock(&world);
		__atomic_fetch_add(&check_violations, violations(&r),
				   __ATOMIC_RELAXED);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the watchdog, and dying loudly */

static void die_summary(const char *why)
{
	printf("not ok - %s: %s\n1..1\n0 passed, 1 failed\n", current_test, why);
	fflush(stdout);
}

/* a sanitizer stopping the process: still a failed test for the runner */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static void sanitizer_died(void)
{
	die_summary("a sanitizer stopped the test (report above)");
}

/*
 * A crash or abort (lockval stops a thread that would wait for itself)
 * must count as a failed test too; only write() here.
 */
static void crashed(int sig)
{
	static const char msg[] =
		"\nnot ok - the test crashed or aborted (see above)\n"
		"1..1\n0 passed, 1 failed\n";

	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const char *thread_name(unsigned int id, char *buf, size_t size)
{
	int i;

	if (!id)
		return "-";
	for (i = 0; i < nworkers; i++) {
		if (workers[i].lv_id == id) {
			snprintf(buf, size, "worker %d", i);
			return buf;
		}
	}
	snprintf(buf, size, "%s (#%u)", id == checker_lv_id ? "checker" :
		 id == main_lv_id ? "main" : "thread", id);
	return buf;
}

static void show_mutex(const char *name, struct mutex *m)
{
	unsigned int owner = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
	char b[40];

	printf("#   %-40s held by %s\n", name, thread_name(owner, b, sizeof(b)));
}

static void show_rwsem(const char *name, struct rw_semaphore *s)
{
	unsigned int writer = __atomic_load_n(&s->writer, __ATOMIC_RELAXED);
	int readers = __atomic_load_n(&s->readers, __ATOMIC_RELAXED);
	char b[40];

	printf("#   %-40s writer %s, %d reader(s)\n", name,
	       thread_name(writer, b, sizeof(b)), readers);
}

static void watchdog_fire(double idle)
{
	char name[80];
	int i, op;

	printf("# WATCHDOG: no operation finished for %.0f s: a deadlock? (phase: %s)\n",
	       idle, __atomic_load_n(&main_phase, __ATOMIC_RELAXED));
	for (i = 0; i < nworkers; i++) {
		op = __atomic_load_n(&workers[i].cur_op, __ATOMIC_RELAXED);
		printf("#   worker %d (lockval #%u): %s, slot %d\n", i,
		       workers[i].lv_id, op < 0 ? "between operations" : op_names[op],
		       __atomic_load_n(&workers[i].cur_slot, __ATOMIC_RELAXED));
	}
	printf("# the driver's locks (owners as lockval threads):\n");
	if (matrix_dev) {
		show_mutex("ap_perms_mutex", &ap_perms_mutex);
		show_mutex("matrix_dev->guests_lock", &matrix_dev->guests_lock);
		show_mutex("matrix_dev->mdevs_lock", &matrix_dev->mdevs_lock);
	}
	for (i = 0; i <= NSLOTS; i++) {
		struct kvm *kvm = i < NSLOTS ? slots[i].kvm : shared_kvm;

		if (!kvm)
			continue;
		snprintf(name, sizeof(name), "guest %d kvm->lock", i);
		show_mutex(name, &kvm->lock);
		snprintf(name, sizeof(name), "guest %d pqap_hook_rwsem", i);
		show_rwsem(name, &kvm->arch.crypto.pqap_hook_rwsem);
	}
	/* the mdevs themselves, if the table is not locked up too */
	if (!pthread_mutex_trylock(&slots_lock)) {
		for (i = 0; i < NSLOTS; i++) {
			struct mdev_device *mdev = slots[i].mdev;

			printf("#   slot %d: mdev %s, open %s, refs %d, excl %d\n",
			       i, mdev ? "yes" : "no",
			       !slots[i].guest ? "no" :
			       slots[i].guest == shared_kvm ? "shared guest" :
			       "own guest", slots[i].refs, slots[i].excl);
			if (!mdev)
				continue;
			snprintf(name, sizeof(name), "slot %d mdev kn_active", i);
			show_rwsem(name, &mdev->dev.kn_active);
			snprintf(name, sizeof(name), "slot %d vdev->dev_set_lock", i);
			show_mutex(name, &vdev_of(mdev)->dev_set_lock);
		}
		pthread_mutex_unlock(&slots_lock);
	} else {
		printf("#   (the test's slot table is locked)\n");
	}
	printf("# checker is lockval #%u, main #%u; lockval reports: %u\n",
	       checker_lv_id, main_lv_id, lockval_failures());
	if (lockval_failures()) {
		char *copy = strdup(lockval_last_report()), *line, *save;

		printf("# the last lockval report:\n");
		for (line = strtok_r(copy, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("#   %s\n", line);
		free(copy);
	}
	printf("# (ap_scan_bus_mutex is private to the AP bus simulation: not shown)\n");
	die_summary("watchdog: no progress (deadlock?)");
	signal(SIGABRT, SIG_DFL);
	abort();
}

static void *watchdog_main(void *arg)
{
	unsigned long last = __atomic_load_n(&progress, __ATOMIC_RELAXED), p;
	double since = now();

	while (!__atomic_load_n(&stop_watchdog, __ATOMIC_RELAXED)) {
		sleep_us(50000);
		p = __atomic_load_n(&progress, __ATOMIC_RELAXED);
		if (p != last) {
			last = p;
			since = now();
		} else if (now() - since > watchdog_secs) {
			watchdog_fire(now() - since);
		}
	}
	return NULL;
}

static void step(const char *phase)
{
	__atomic_store_n(&main_phase, phase, __ATOMIC_RELAXED);
	__atomic_fetch_add(&progress, 1, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* the stress test */

static double env_double(const char *name, double def)
{
	const char *s = getenv(name);
	char *end;
	double v;

	if (!s || !*s)
		return def;
	v = strtod(s, &end);
	return *end || v < 0 ? def : v;
}

static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, &end, 0);
	return *end ? def : v;
}

static void print_counts(bool enforce)
{
	unsigned long total = 0, n, sum[NBUCKETS], cfg = 0, req = 0;
	char line[1024], b[32];
	int op, k, t;
	size_t len;

	for (op = 0; op < NOPS; op++) {
		memset(sum, 0, sizeof(sum));
		n = 0;
		for (t = 0; t < nworkers; t++) {
			for (k = 0; k < NBUCKETS; k++) {
				sum[k] += workers[t].counts[op][k];
				n += workers[t].counts[op][k];
			}
		}
		total += n;
		len = snprintf(line, sizeof(line), "# %-28s %7lu", op_names[op], n);
		for (k = 0; k < NBUCKETS; k++)
			if (sum[k] && len < sizeof(line))
				len += snprintf(line + len, sizeof(line) - len,
						" %s %lu", bucket_name(k, b, sizeof(b)),
						sum[k]);
		printf("%s\n", line);
	}
	for (t = 0; t < nworkers; t++) {
		cfg += workers[t].cfg_signals;
		req += workers[t].req_signals;
	}
	printf("# operations: %lu; invariant checks: %lu; config-change signals: %lu; request signals: %lu; queue resets: %lu\n",
	       total, __atomic_load_n(&checks_done, __ATOMIC_RELAXED), cfg, req,
	       sim_ap_total_zapqs());
	printf("# seen by the checks: %lu queues bound to no driver, %lu assigned adapters kept from a guest for one\n",
	       __atomic_load_n(&unbound_seen, __ATOMIC_RELAXED),
	       __atomic_load_n(&held_out, __ATOMIC_RELAXED));
	/* a run of a second or more reaches every operation */
	for (op = 0; op < NOPS && enforce; op++) {
		n = 0;
		for (t = 0; t < nworkers; t++)
			for (k = 0; k < NBUCKETS; k++)
				n += k == 200 ? 0 : workers[t].counts[op][k];
		if (!n)
			FAIL("%s never ran: the mix does not reach it", op_names[op]);
	}
}

/* driver messages other than those of the resets op_reset_fault spoils */
static unsigned int unexpected_warnings;

static void sort_warning(const char *text)
{
	/* the hardware faults the test sets, hung resets among them */
	if (!strstr(text, ": reset not done after ") &&
	    !strstr(text, ": reset failed, response code ") &&
	    !strstr(text, ": interrupts not confirmed off before the unmap"))
		__atomic_fetch_add(&unexpected_warnings, 1, __ATOMIC_RELAXED);
}

/*
 * After the storm: with the hardware clean again, a fresh mdev gets the
 * whole host once a reset has confirmed every queue, so nothing is stuck.
 */
static void check_recovery(void)
{
	DECLARE_BITMAP(all, 256);
	DECLARE_BITMAP(none, 256);
	struct mdev_device *mdev;
	struct kvm *kvm;
	char text[256];

	bitmap_zero(none, 256);
	bitmap_zero(all, 256);
	sim_mask_parse("0-15", all);
	for (int apqn = 0; apqn < AP_MKQID(HOST_N, 0); apqn++)
		sim_ap_set_reset_fault(apqn, SIM_RESET_CLEAN);
	CHECK_EQ_INT(sim_ap_write_perm(true, none), 0);
	CHECK_EQ_INT(sim_ap_write_perm(false, none), 0);
	sim_ap_host_set(all, all, all);
	/*
	 * Queues the storm unbound stay unbound, as on Linux (an apmask write
	 * that changes nothing moves no queue): bind them as an admin would.
	 */
	for (int apqn = 0; apqn < AP_MKQID(HOST_N, 0); apqn++)
		if (sim_ap_queue_dev(apqn) &&
		    !strcmp(sim_ap_queue_driver(apqn), "none"))
			CHECK_EQ_INT(sim_ap_queue_bind(apqn), 0);
	mdev = t_mdev(slots[0].uuid);
	if (!mdev)
		return;
	format_config(text, sizeof(text), all, all, all, false, true);
	CHECK_EQ_INT(t_write(mdev, "ap_config", text), 0);
	kvm = sim_kvm_create(GUEST_MEM, 0);
	CHECK_EQ_INT(sim_vfio_open(t_vdev(mdev), kvm), 0);
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(mdev), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_STR(t_guest(kvm), "0-15 0-15 0-15");
	CHECK_EQ_INT(sim_vfio_ioctl(t_vdev(mdev), VFIO_DEVICE_RESET, NULL), 0);
	CHECK_EQ_STR(t_guest(kvm), "0-15 0-15 0-15");
	sim_vfio_close(t_vdev(mdev));
	sim_mdev_remove(mdev);
	sim_kvm_put(kvm);
}

static void test_stress(void)
{
	unsigned long seed = env_ulong("STRESS_SEED", DEFAULT_SEED);
	double secs = env_double("STRESS_SECONDS", DEFAULT_SECONDS);
	pthread_t checker, watchdog;
	struct check_result r = { .print = true };
	double t0;
	int i;

	nworkers = env_ulong("STRESS_THREADS", DEFAULT_THREADS);
	if (nworkers < 1 || nworkers > MAX_WORKERS)
		nworkers = DEFAULT_THREADS;
	watchdog_secs = env_double("STRESS_WATCHDOG", DEFAULT_WATCHDOG);
	printf("# seed %#lx, %.1f s, %d workers (STRESS_SEED=%#lx STRESS_SECONDS=%g STRESS_THREADS=%d to repeat)\n",
	       seed, secs, nworkers, seed, secs, nworkers);
	fflush(stdout);

	main_lv_id = lockval_thread_id();
	__atomic_store_n(&stop_workers, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&stop_checker, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&stop_watchdog, 0, __ATOMIC_RELAXED);
	failures = checks_done = check_violations = 0;
	held_out = unbound_seen = 0;
	printed = 0;
	t_machine_up("0-15", "0-15", "0-15");
	unexpected_warnings = 0;
	__atomic_store_n(&shim_printk_hook, sort_warning, __ATOMIC_RELEASE);
	/*
	 * The driver's waits long enough (0.4 ms a poll) for other threads'
	 * PQAPs to come in during an unmap's or a reset's wait
	 */
	shim_sleep_scale(20);
	slots_init();

	pthread_create(&watchdog, NULL, watchdog_main, NULL);
	pthread_create(&checker, NULL, checker_main, NULL);
	memset(workers, 0, sizeof(workers));
	for (i = 0; i < nworkers; i++) {
		workers[i].rng = seed * 0x100000001b3ULL + i * 0x9e3779b97f4a7c15ULL;
		workers[i].cur_op = -1;
		workers[i].cur_slot = -1;
		pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
	}
	step("running");
	t0 = now();
	while (now() - t0 < secs)
		sleep_us(20000);

	step("stopping the workers");
	__atomic_store_n(&stop_workers, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nworkers; i++)
		pthread_join(workers[i].thread, NULL);
	step("stopping the checker");
	__atomic_store_n(&stop_checker, 1, __ATOMIC_RELAXED);
	pthread_join(checker, NULL);
	printf("# ran %.2f s\n", now() - t0);

	/* once more, with everything at rest */
	step("final check");
	check_world(&r);
	CHECK_EQ_INT(violations(&r), 0);
	CHECK_EQ_INT(__atomic_load_n(&check_violations, __ATOMIC_RELAXED), 0);
	CHECK(__atomic_load_n(&checks_done, __ATOMIC_RELAXED) > 1);
	print_counts(secs >= 1);
	fflush(stdout);

	step("teardown");
	for (i = 0; i < NSLOTS; i++) {
		struct mdev_device *mdev = slots[i].mdev;

		if (!mdev)
			continue;
		if (slots[i].guest)
			dev_close(i, mdev, i % 2);
		sim_mdev_remove(mdev);
		slot_set(i, NULL, NULL);
		check_guest_gone(i, "teardown");
		step("teardown");
	}
	shim_sleep_scale(1);
	CHECK_EQ_INT(sim_pins_live(), 0);
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 0);
	slots_exit();
	CHECK_EQ_INT(sim_kvm_live(), 0);
	step("recovery");
	check_recovery();
	CHECK_EQ_INT(__atomic_load_n(&failures, __ATOMIC_RELAXED), 0);
	/* no driver warning but those of the resets the test spoiled */
	CHECK_EQ_INT(__atomic_load_n(&unexpected_warnings, __ATOMIC_RELAXED), 0);
	__atomic_store_n(&shim_printk_hook, NULL, __ATOMIC_RELEASE);
	step("machine down");
	t_machine_down();
	__atomic_store_n(&stop_watchdog, 1, __ATOMIC_RELAXED);
	pthread_join(watchdog, NULL);
}

/* ------------------------------------------------------------------ */
/* the checker catches each broken invariant */

static void expect_caught(enum inv inv, const char *how)
{
	struct check_result r = { .print = false };

	check_world(&r);
	if (CHECK(r.v[inv] > 0)) {
		printf("#   %s: caught, %s: %s\n", how, inv_names[inv],
		       r.first[inv]);
	} else {
		int i;

		printf("#   %s: not caught by %s\n", how, inv_names[inv]);
		for (i = 0; i < NR_INV; i++)
			if (r.v[i])
				printf("#     (%s: %s)\n", inv_names[i], r.first[i]);
	}
}

static void expect_clean(const char *after)
{
	struct check_result r = { .print = true };

	check_world(&r);
	if (!CHECK_EQ_INT(violations(&r), 0))
		printf("#   ... after restoring from: %s\n", after);
}

static struct vfio_ap_queue *queue_of(int apqn)
{
	struct vfio_ap_queue *q;

	mutex_lock(&matrix_dev->mdevs_lock);
	q = vfio_ap_find_queue(apqn);
	mutex_unlock(&matrix_dev->mdevs_lock);
	return q;
}

static void test_checker_catches(void)
{
	static struct lock_class_key key_a, key_b;
	struct lockval_map map_a, map_b;
	DECLARE_BITMAP(mask, 256);
	struct ap_matrix_mdev *m0, *m1;
	struct mdev_device *mdev0, *mdev1;
	struct vfio_ap_queue *q;
	struct page *page;
	struct kvm *kvm0, *kvm1;
	u64 gr1;
	int cc;

	printed = 0;
	t_machine_up("0-15", "0-15", "0-15");
	slots_init();
	kvm0 = slots[0].kvm;
	kvm1 = slots[1].kvm;
	mdev0 = t_mdev(slots[0].uuid);
	mdev1 = t_mdev(slots[1].uuid);
	if (!mdev0 || !mdev1)
		return;
	slot_set(0, mdev0, NULL);
	slot_set(1, mdev1, NULL);
	m0 = mm_of(mdev0);
	m1 = mm_of(mdev1);
	/* mdev 0: 1-2 x 3-4, control 5, with a guest; mdev 1: 6 x 3 */
	t_write(mdev0, "assign_adapter", "1");
	t_write(mdev0, "assign_adapter", "2");
	t_write(mdev0, "assign_domain", "3");
	t_write(mdev0, "assign_domain", "4");
	t_write(mdev0, "assign_control_domain", "5");
	t_write(mdev1, "assign_adapter", "6");
	t_write(mdev1, "assign_domain", "3");
	CHECK_EQ_INT(dev_open(0, mdev0, kvm0), 0);
	slot_set(0, mdev0, kvm0);
	CHECK_EQ_STR(t_guest(kvm0), "1-2 3-4 5");
	expect_clean("nothing");

	/* (1) a guest adapter not assigned */
	mutex_lock(&matrix_dev->mdevs_lock);
	set_bit_inv(9, m0->shadow_apcb.apm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_caught(INV_MATRIX, "adapter 9 in the shadow, not in the matrix");
	mutex_lock(&matrix_dev->mdevs_lock);
	clear_bit_inv(9, m0->shadow_apcb.apm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_clean("adapter 9");

	/* (1) a guest adapter the host does not have */
	CHECK_EQ_INT(t_write(mdev1, "assign_adapter", "20"), 0);
	mutex_lock(&matrix_dev->mdevs_lock);
	set_bit_inv(20, m1->shadow_apcb.apm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_caught(INV_HOST, "adapter 20 in the shadow, not in the host");
	mutex_lock(&matrix_dev->mdevs_lock);
	clear_bit_inv(20, m1->shadow_apcb.apm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	CHECK_EQ_INT(t_write(mdev1, "unassign_adapter", "20"), 0);
	expect_clean("adapter 20");

	/* (1) KVM's masks differ from the shadow, attached or not */
	mutex_lock(&kvm0->lock);
	clear_bit_inv(2, kvm0->arch.crypto.apm);
	mutex_unlock(&kvm0->lock);
	expect_caught(INV_KVM, "adapter 2 missing in the guest's masks");
	mutex_lock(&kvm0->lock);
	set_bit_inv(2, kvm0->arch.crypto.apm);
	mutex_unlock(&kvm0->lock);
	mutex_lock(&kvm1->lock);
	set_bit_inv(6, kvm1->arch.crypto.apm);
	mutex_unlock(&kvm1->lock);
	expect_caught(INV_KVM, "a guest whose mdev is closed has adapter 6");
	mutex_lock(&kvm1->lock);
	clear_bit_inv(6, kvm1->arch.crypto.apm);
	mutex_unlock(&kvm1->lock);
	expect_clean("guest masks");

	/* (2) and (10): queue 7.3 to the host's drivers, adapter 7 given */
	sim_mask_parse("7", mask);
	CHECK_EQ_INT(sim_ap_write_perm(true, mask), 0);
	sim_mask_parse("3", mask);
	CHECK_EQ_INT(sim_ap_write_perm(false, mask), 0);
	CHECK_EQ_STR(sim_ap_queue_driver(AP_MKQID(7, 3)), "default");
	mutex_lock(&matrix_dev->mdevs_lock);
	set_bit_inv(7, m1->matrix.apm);
	set_bit_inv(7, m1->shadow_apcb.apm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_caught(INV_BOUND, "queue 7.3 not bound to vfio_ap, adapter 7 given");
	expect_caught(INV_DEFAULT, "queue 7.3 the host's, adapter 7 assigned");
	mutex_lock(&matrix_dev->mdevs_lock);
	clear_bit_inv(7, m1->matrix.apm);
	clear_bit_inv(7, m1->shadow_apcb.apm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	bitmap_zero(mask, 256);
	CHECK_EQ_INT(sim_ap_write_perm(true, mask), 0);
	CHECK_EQ_INT(sim_ap_write_perm(false, mask), 0);
	expect_clean("queue 7.3");

	/* (3) APQN 1.3 in both matrices */
	mutex_lock(&matrix_dev->mdevs_lock);
	set_bit_inv(1, m1->matrix.apm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_caught(INV_UNIQUE, "adapter 1 assigned to mdev 1 too");
	mutex_lock(&matrix_dev->mdevs_lock);
	clear_bit_inv(1, m1->matrix.apm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_clean("adapter 1 twice");

	/*
	 * (4) a lock-order cycle, told to the validator alone: real locks
	 * taken in both orders would stop the test under TSan
	 */
	lockval_map_init(&map_a, "stress_selftest_a", &key_a);
	lockval_map_init(&map_b, "stress_selftest_b", &key_b);
	lockval_set_quiet(true);
	lockval_acquire(&map_a, 0, LOCKVAL_SITE);
	lockval_acquire(&map_b, 0, LOCKVAL_SITE);
	lockval_release(&map_b, 0, LOCKVAL_SITE);
	lockval_release(&map_a, 0, LOCKVAL_SITE);
	lockval_acquire(&map_b, 0, LOCKVAL_SITE);
	lockval_acquire(&map_a, 0, LOCKVAL_SITE);
	lockval_release(&map_a, 0, LOCKVAL_SITE);
	lockval_release(&map_b, 0, LOCKVAL_SITE);
	lockval_set_quiet(false);
	expect_caught(INV_LOCKVAL, "locks a and b taken in both orders");
	lockval_reset_failures();
	expect_clean("lock cycle");

	/* (5) an adapter missing that the guest should have */
	mutex_lock(&matrix_dev->mdevs_lock);
	clear_bit_inv(2, m0->shadow_apcb.apm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_caught(INV_RECOMPUTE, "adapter 2 taken from a complete shadow");
	mutex_lock(&matrix_dev->mdevs_lock);
	set_bit_inv(2, m0->shadow_apcb.apm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_clean("adapter 2 missing");

	/* (6) interrupts: one real, then one without pin or ISC */
	sim_kvm_pqap_aqic(kvm0, AP_MKQID(1, 3), AQIC_IR | 3,
			  kvm0->mem_base + 0x123, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	expect_clean("interrupts on for 1.3");
	q = queue_of(AP_MKQID(2, 4));
	mutex_lock(&matrix_dev->mdevs_lock);
	q->saved_iova = kvm0->mem_base + 0x456;
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_caught(INV_IRQ, "queue 2.4 with a NIB but no pin");
	mutex_lock(&matrix_dev->mdevs_lock);
	q->saved_iova = 0;
	mutex_unlock(&matrix_dev->mdevs_lock);
	/* (12) 1.3's page unpinned behind the driver's back */
	vfio_unpin_pages(&m0->vdev, (kvm0->mem_base + 0x123) & PAGE_MASK, 1);
	expect_caught(INV_NIB, "queue 1.3's NIB page unpinned, interrupts on");
	CHECK_EQ_INT(vfio_pin_pages(&m0->vdev,
				    (kvm0->mem_base + 0x123) & PAGE_MASK, 1,
				    IOMMU_READ | IOMMU_WRITE, &page), 1);
	sim_kvm_pqap_aqic(kvm0, AP_MKQID(1, 3), 0, 0, &gr1, &cc);
	CHECK_EQ_INT(cc, 0);
	expect_clean("interrupts");

	/* (7) queue 6.4, assigned to nobody, linked to mdev 1 */
	q = queue_of(AP_MKQID(6, 4));
	mutex_lock(&matrix_dev->mdevs_lock);
	q->matrix_mdev = m1;
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_caught(INV_LINKS, "queue 6.4 linked to an mdev without it");
	mutex_lock(&matrix_dev->mdevs_lock);
	q->matrix_mdev = NULL;
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_clean("queue 6.4");

	/* (8) the driver's idea of the host */
	mutex_lock(&matrix_dev->mdevs_lock);
	clear_bit_inv(15, (unsigned long *)matrix_dev->info.adm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_caught(INV_INFO, "control domain 15 gone from the driver's host");
	mutex_lock(&matrix_dev->mdevs_lock);
	set_bit_inv(15, (unsigned long *)matrix_dev->info.adm);
	mutex_unlock(&matrix_dev->mdevs_lock);
	expect_clean("host info");

	/* (9) an mdev the test does not know */
	slot_set(1, NULL, NULL);
	expect_caught(INV_LIST, "mdev 1 forgotten by the test");
	slot_set(1, mdev1, NULL);
	expect_clean("mdev list");

	dev_close(0, mdev0, false);
	slot_set(0, mdev0, NULL);
	sim_mdev_remove(mdev0);
	sim_mdev_remove(mdev1);
	slot_set(0, NULL, NULL);
	slot_set(1, NULL, NULL);
	slots_exit();
	t_machine_down();
}

static void run(const char *name, void (*fn)(void))
{
	current_test = name;
	t_run(name, fn);
}

int main(void)
{
	if (__sanitizer_set_death_callback) {
		__sanitizer_set_death_callback(sanitizer_died);
	} else {
		/* the sanitizers handle these themselves */
		signal(SIGSEGV, crashed);
		signal(SIGBUS, crashed);
	}
	signal(SIGABRT, crashed);
	run("stress: every operation from several threads, invariants kept",
	    test_stress);
	run("stress: the invariant checker catches each broken invariant",
	    test_checker_catches);
	return t_done();
}
