// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ap-sim's server loop and admin commands.  Each command is one line
 * on DIR/admin.sock; the answer is "ok" and any output, or "error ERRNO:
 * text".  Command names follow sysfs:
 *
 *   create UUID | remove UUID | list
 *   write UUID ATTR VALUE | read UUID ATTR        (mdev attributes)
 *   request UUID                                  (ask for the device back)
 *   host adapters|domains|control-domains LIST    (host config change)
 *   apmask LIST | aqmask LIST                     (/sys/bus/ap/...)
 *   status APQN                                   (a queue's status)
 *   define UUID FILE                              (mdevctl JSON definition,
 *                                                  kept in DIR/mdevs)
 *   undefine UUID                                 (forget it; the mdev stays)
 *   card APID TYPE                                (card type, 10-14)
 *   pins                                          (guest pages pinned)
 *   heap                                          (bytes malloc'd, in use)
 *   timings [reset]                               (replies: compute, wait)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "admin.h"
#include "mdevctl.h"
#include "state.h"
#include "sim.h"
#include "ap_card.h"
#include "vfio_user.h"

#define MAX_MDEVS	32
#define MAX_CONNS	4	/* clients of one mdev at a time */

struct client {
	pthread_t thread;
	int fd;
	bool used;
	bool done;		/* atomic: the thread has ended */
	struct vfio_device *vdev;
};

struct mdev_entry {
	char uuid[40];
	struct mdev_device *mdev;
	int listen_fd;
	struct client clients[MAX_CONNS];
};

struct sim_server {
	char dir[200];
	int admin_fd;
	struct mdev_entry mdevs[MAX_MDEVS];
	/* one more file served in the loop: the sysfs tree's FUSE channel */
	int watch_fd;
	void (*watch_ready)(void *arg);
	void *watch_arg;
};

static int listen_on(const char *dir, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, n;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name);
	if (n >= (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		n = -errno;
		close(fd);
		return n;
	}
	return fd;
}

static struct mdev_entry *find_mdev(struct sim_server *s, const char *uuid)
{
	int i;

	for (i = 0; i < MAX_MDEVS; i++)
		if (s->mdevs[i].mdev && !strcmp(s->mdevs[i].uuid, uuid))
			return &s->mdevs[i];
	return NULL;
}

static int remove_mdev(struct sim_server *s, const char *uuid);

int sim_server_create_mdev(struct sim_server *s, const char *uuid)
{
	struct mdev_entry *e = NULL;
	struct mdev_device *mdev;
	char name[64];
	int i, fd;

	if (strlen(uuid) >= sizeof(e->uuid))
		return -EINVAL;
	if (find_mdev(s, uuid))
		return -EEXIST;
	for (i = 0; i < MAX_MDEVS && !e; i++)
		if (!s->mdevs[i].mdev)
			e = &s->mdevs[i];
	if (!e)
		return -ENOSPC;
	mdev = sim_mdev_create(uuid);
	if (IS_ERR(mdev))
		return PTR_ERR(mdev);
	snprintf(name, sizeof(name), "%s.sock", uuid);
	fd = listen_on(s->dir, name);
	if (fd < 0) {
		sim_mdev_remove(mdev);
		return fd;
	}
	memset(e, 0, sizeof(*e));
	snprintf(e->uuid, sizeof(e->uuid), "%s", uuid);
	e->mdev = mdev;
	e->listen_fd = fd;
	fprintf(stderr, "vfio-ap-sim: mdev %s on %s/%s\n", uuid, s->dir, name);
	return 0;
}

/*
 * A definition is a regular file: a FIFO or a device named by mistake (or
 * by a hostile admin client) must not hang the server in a read.
 */
static FILE *open_definition(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	FILE *f;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

/*
 * Create the mdev @uuid from the definition in @path; with @store, keep the
 * definition in the state directory too (a failure to keep it undoes the
 * mdev: a defined mdev is one that comes back after a restart).
 */
static int define_mdev(struct sim_server *s, const char *uuid,
		       const char *path, bool store, char *err, size_t errlen)
{
	static char json[64 * 1024];
	struct mdevctl_def *def;
	struct mdev_entry *e;
	size_t n;
	FILE *f;
	int ret;

	f = open_definition(path, err, errlen);
	if (!f)
		return -ENOENT;
	n = fread(json, 1, sizeof(json) - 1, f);
	ret = ferror(f) || !feof(f) ? -EFBIG : 0;
	fclose(f);
	if (ret) {
		snprintf(err, errlen, "%s: unreadable or too large", path);
		return ret;
	}
	json[n] = '\0';
	def = malloc(sizeof(*def));
	if (!def)
		return -ENOMEM;
	ret = mdevctl_parse(json, def, err, errlen);
	if (!ret && strcmp(def->mdev_type, sim_mdev_type_name())) {
		snprintf(err, errlen, "mdev_type %s: this parent offers %s",
			 def->mdev_type, sim_mdev_type_name());
		ret = -EINVAL;
	}
	if (!ret) {
		ret = sim_server_create_mdev(s, uuid);
		if (ret)
			snprintf(err, errlen, "%s: %s", uuid, strerror(-ret));
	}
	if (!ret) {
		e = find_mdev(s, uuid);
		ret = mdevctl_apply(&e->mdev->dev, def, err, errlen);
		if (ret)
			remove_mdev(s, uuid);
	}
	if (!ret && store) {
		ret = sim_state_save(s->dir, uuid, json, n);
		if (ret) {
			snprintf(err, errlen, "%s: not stored: %s", uuid,
				 strerror(-ret));
			remove_mdev(s, uuid);
		}
	}
	free(def);
	return ret;
}

int sim_server_define_mdev(struct sim_server *s, const char *uuid,
			   const char *path, char *err, size_t errlen)
{
	return define_mdev(s, uuid, path, true, err, errlen);
}

static void restore_one(void *arg, const char *uuid, const char *path)
{
	struct sim_server *s = arg;
	char why[256];

	if (define_mdev(s, uuid, path, false, why, sizeof(why)))
		fprintf(stderr, "vfio-ap-sim: defined mdev %s not created: %s\n",
			uuid, why);
	else
		fprintf(stderr, "vfio-ap-sim: defined mdev %s restored\n", uuid);
}

int sim_server_restore(struct sim_server *s)
{
	return sim_state_for_each(s->dir, restore_one, s);
}

int sim_server_remove_mdev(struct sim_server *s, const char *uuid)
{
	return remove_mdev(s, uuid);
}

static void *client_thread(void *arg)
{
	struct client *c = arg;
	int ret = vfio_user_serve(c->vdev, c->fd);

	if (ret)
		fprintf(stderr, "vfio-ap-sim: client ended: %s\n", strerror(-ret));
	__atomic_store_n(&c->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* join clients that ended; with @all, end the others first */
static void reap_clients(struct mdev_entry *e, bool all)
{
	int i;

	for (i = 0; i < MAX_CONNS; i++) {
		struct client *c = &e->clients[i];

		if (!c->used)
			continue;
		if (all)
			shutdown(c->fd, SHUT_RDWR);
		else if (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE))
			continue;
		pthread_join(c->thread, NULL);
		close(c->fd);
		c->used = false;
	}
}

static void accept_client(struct mdev_entry *e)
{
	int fd = accept4(e->listen_fd, NULL, NULL, SOCK_CLOEXEC), i;

	if (fd < 0)
		return;
	for (i = 0; i < MAX_CONNS; i++) {
		struct client *c = &e->clients[i];

		if (c->used)
			continue;
		*c = (struct client){ .fd = fd, .used = true,
				      .vdev = sim_vfio_of(&e->mdev->dev) };
		if (pthread_create(&c->thread, NULL, client_thread, c)) {
			c->used = false;
			break;
		}
		return;
	}
	close(fd);		/* too many clients */
}

/* the mdev's clients are cut off first: nothing may use it once removed */
static int remove_mdev(struct sim_server *s, const char *uuid)
{
	struct mdev_entry *e = find_mdev(s, uuid);
	char path[300];

	if (!e)
		return -ENODEV;
	close(e->listen_fd);
	snprintf(path, sizeof(path), "%s/%s.sock", s->dir, e->uuid);
	unlink(path);
	reap_clients(e, true);
	sim_mdev_remove(e->mdev);
	e->mdev = NULL;
	return 0;
}

int sim_server_for_each_mdev(struct sim_server *s,
			     int (*fn)(void *arg, struct mdev_device *mdev),
			     void *arg)
{
	int i, ret = 0;

	for (i = 0; i < MAX_MDEVS && !ret; i++)
		if (s->mdevs[i].mdev)
			ret = fn(arg, s->mdevs[i].mdev);
	return ret;
}

static bool has_clients(struct mdev_entry *e)
{
	int i;

	reap_clients(e, false);
	for (i = 0; i < MAX_CONNS; i++)
		if (e->clients[i].used)
			return true;
	return false;
}

/*
 * As the mdev core removes a device that user space holds: ask for it
 * back (the device request), again each second, until its clients have
 * gone.  Unlike the kernel, which waits for ever, give up after
 * @wait_ms with -EBUSY and leave the mdev as it was.
 */
int sim_server_release_mdev(struct sim_server *s, const char *uuid,
			    int wait_ms)
{
	struct mdev_entry *e = find_mdev(s, uuid);
	struct vfio_device *vdev;
	int waited = 0;

	if (!e)
		return -ENODEV;
	for (; has_clients(e); waited += 10) {
		if (waited >= wait_ms)
			return -EBUSY;
		vdev = sim_vfio_of(&e->mdev->dev);
		if (vdev && waited % 1000 == 0)
			vdev->ops->request(vdev, waited / 1000);
		usleep(10000);
	}
	return remove_mdev(s, uuid);
}

void sim_server_watch(struct sim_server *s, int fd, void (*ready)(void *arg),
		      void *arg)
{
	s->watch_fd = fd;
	s->watch_ready = ready;
	s->watch_arg = arg;
}

int sim_server_start(const char *dir, const char *apm, const char *aqm,
		     const char *adm, struct sim_server **server)
{
	DECLARE_BITMAP(a, 256);
	DECLARE_BITMAP(q, 256);
	DECLARE_BITMAP(d, 256);
	struct sim_server *s;
	int ret;

	if (sim_mask_parse(apm, a) || sim_mask_parse(aqm, q) ||
	    sim_mask_parse(adm, d))
		return -EINVAL;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->watch_fd = -1;
	s->admin_fd = listen_on(dir, "admin.sock");
	if (s->admin_fd < 0) {
		ret = s->admin_fd;
		free(s);
		return ret;
	}
	sim_ap_init(true, 255, 255);
	sim_ap_host_set(a, q, d);
	ret = sim_driver_load();
	if (ret) {
		close(s->admin_fd);
		sim_ap_exit();
		free(s);
		return ret;
	}
	*server = s;
	return 0;
}

void sim_server_stop(struct sim_server *s)
{
	char path[300];
	int i;

	for (i = 0; i < MAX_MDEVS; i++)
		if (s->mdevs[i].mdev)
			remove_mdev(s, s->mdevs[i].uuid);
	sim_driver_unload();
	sim_ap_exit();
	close(s->admin_fd);
	snprintf(path, sizeof(path), "%s/admin.sock", s->dir);
	unlink(path);
	free(s);
}

/* ---- admin commands ---- */

struct answer {
	char text[PAGE_SIZE + 256];
	size_t len;
	int err;
};

static void say(struct answer *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct answer *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(a->text + a->len, sizeof(a->text) - a->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		a->len = a->len + n < sizeof(a->text) ? a->len + n :
			 sizeof(a->text) - 1;
}

static int host_change(const char *which, const char *list)
{
	DECLARE_BITMAP(mask, 256);
	struct ap_config_info info;
	unsigned long *dst;

	if (sim_mask_parse(list, mask))
		return -EINVAL;
	sim_ap_host_get(&info);
	if (!strcmp(which, "adapters"))
		dst = (unsigned long *)info.apm;
	else if (!strcmp(which, "domains"))
		dst = (unsigned long *)info.aqm;
	else if (!strcmp(which, "control-domains"))
		dst = (unsigned long *)info.adm;
	else
		return -EINVAL;
	bitmap_copy(dst, mask, 256);
	sim_ap_host_set((unsigned long *)info.apm, (unsigned long *)info.aqm,
			(unsigned long *)info.adm);
	return 0;
}

static int set_card(const char *apid, const char *type)
{
	unsigned long id, t;

	if (kstrtoul(apid, 0, &id) || kstrtoul(type, 0, &t) || t > 0xff)
		return -EINVAL;
	return sim_ap_set_card_type(id, t);
}

int sim_server_card(const char *spec)
{
	char apid[16];
	const char *eq = strchr(spec, '=');

	if (!eq || eq - spec >= (int)sizeof(apid))
		return -EINVAL;
	snprintf(apid, sizeof(apid), "%.*s", (int)(eq - spec), spec);
	return set_card(apid, eq + 1);
}

static int by_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* the median and p99 of @n values, sorted in place */
static void percentiles(u32 *v, size_t n, u32 *p50, u32 *p99)
{
	qsort(v, n, sizeof(*v), by_u32);
	*p50 = n ? v[n / 2] : 0;
	*p99 = n ? v[n * 99 / 100] : 0;
}

/*
 * The cards' timings since the last reset: replies, then the median and
 * p99 of their computation and of their wait from ready to the first
 * DQAP, in microseconds
 */
static int say_timings(struct answer *a, bool reset)
{
	enum { MAX = 65536 };
	struct sim_card_timing *t = calloc(MAX, sizeof(*t));
	u32 *compute = calloc(MAX, sizeof(u32)), *wait = calloc(MAX, sizeof(u32));
	u32 c50, c99, w50, w99;
	size_t n = 0, i;
	int ret = -ENOMEM;

	if (t && compute && wait) {
		n = sim_card_timings(t, MAX, reset);
		for (i = 0; i < n; i++) {
			compute[i] = t[i].compute_us;
			wait[i] = t[i].wait_us;
		}
		percentiles(compute, n, &c50, &c99);
		percentiles(wait, n, &w50, &w99);
		say(a, "%zu %u %u %u %u\n", n, c50, c99, w50, w99);
		ret = 0;
	}
	free(t);
	free(compute);
	free(wait);
	return ret;
}

static int run_command(struct sim_server *s, int argc, char **argv,
		       struct answer *a)
{
	static char buf[PAGE_SIZE + 1];
	DECLARE_BITMAP(mask, 256);
	struct mdev_entry *e = argc > 1 ? find_mdev(s, argv[1]) : NULL;
	struct vfio_device *vdev;
	const char *cmd = argc ? argv[0] : "";
	unsigned long apqn;
	ssize_t n;
	int i;

	if (!strcmp(cmd, "help")) {
		say(a, "create UUID | remove UUID | list | write UUID ATTR VALUE |"
		    " read UUID ATTR | request UUID | host adapters|domains|"
		    "control-domains LIST | apmask LIST | aqmask LIST | "
		    "status APQN | define UUID FILE | undefine UUID | "
		    "card APID TYPE | pins | heap |"
		    " timings [reset]\n");
		return 0;
	}
	if (!strcmp(cmd, "list") && argc == 1) {
		for (i = 0; i < MAX_MDEVS; i++)
			if (s->mdevs[i].mdev)
				say(a, "%s\n", s->mdevs[i].uuid);
		return 0;
	}
	if (!strcmp(cmd, "create") && argc == 2)
		return sim_server_create_mdev(s, argv[1]);
	if (!strcmp(cmd, "remove") && argc == 2)
		return remove_mdev(s, argv[1]);
	if (!strcmp(cmd, "write") && argc == 4)
		return e ? sim_attr_write(&e->mdev->dev, argv[2], argv[3]) : -ENODEV;
	if (!strcmp(cmd, "read") && argc == 3) {
		if (!e)
			return -ENODEV;
		n = sim_attr_read(&e->mdev->dev, argv[2], buf);
		if (n < 0)
			return (int)n;
		say(a, "%s", buf);
		return 0;
	}
	if (!strcmp(cmd, "request") && argc == 2) {
		if (!e)
			return -ENODEV;
		vdev = sim_vfio_of(&e->mdev->dev);
		vdev->ops->request(vdev, 0);
		return 0;
	}
	if (!strcmp(cmd, "host") && argc == 3)
		return host_change(argv[1], argv[2]);
	if ((!strcmp(cmd, "apmask") || !strcmp(cmd, "aqmask")) && argc == 2) {
		if (sim_mask_parse(argv[1], mask))
			return -EINVAL;
		return sim_ap_write_perm(cmd[1] == 'p', mask);
	}
	if (!strcmp(cmd, "define") && argc == 3) {
		char why[256];
		int ret = sim_server_define_mdev(s, argv[1], argv[2], why,
						 sizeof(why));

		if (ret)
			say(a, "%s\n", why);
		return ret;
	}
	if (!strcmp(cmd, "undefine") && argc == 2)
		return sim_state_forget(s->dir, argv[1]);
	if (!strcmp(cmd, "timings") && (argc == 1 ||
					(argc == 2 && !strcmp(argv[1], "reset"))))
		return say_timings(a, argc == 2);
	if (!strcmp(cmd, "pins") && argc == 1) {
		/* guest pages the driver holds pinned: NIBs of interrupts */
		say(a, "%ld\n", sim_pins_live());
		return 0;
	}
	if (!strcmp(cmd, "heap") && argc == 1) {
		/* bytes malloc has handed out and not got back: leak checks */
		say(a, "%zu\n", mallinfo2().uordblks);
		return 0;
	}
	if (!strcmp(cmd, "card") && argc == 3)
		return set_card(argv[1], argv[2]);
	if (!strcmp(cmd, "status") && argc == 2) {
		if (kstrtoul(argv[1], 0, &apqn) || apqn > 0xffff)
			return -EINVAL;
		if (!sim_ap_queue_dev(apqn))
			return -ENODEV;
		n = sim_attr_read(sim_ap_queue_dev(apqn), "status", buf);
		if (n < 0)
			return (int)n;
		say(a, "%s", buf);
		return 0;
	}
	return -EINVAL;
}

size_t sim_server_command(struct sim_server *s, char *line, char *out,
			  size_t size)
{
	struct answer *a = calloc(1, sizeof(*a));
	char *argv[8], *save, *tok;
	int argc = 0, err;
	int n;

	if (!a)
		return snprintf(out, size, "error %d: %s\n", ENOMEM,
				strerror(ENOMEM));
	for (tok = strtok_r(line, " \t", &save); tok && argc < 8;
	     tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	err = tok ? -E2BIG : run_command(s, argc, argv, a);
	if (err)
		n = snprintf(out, size, "error %d: %s\n%.*s", -err,
			     strerror(-err), (int)a->len, a->text);
	else
		n = snprintf(out, size, "ok\n%.*s", (int)a->len, a->text);
	free(a);
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

static void serve_admin(struct sim_server *s)
{
	int fd = accept4(s->admin_fd, NULL, NULL, SOCK_CLOEXEC);
	static char out[sizeof(((struct answer *)0)->text) + 64];
	struct timeval tv = { 2, 0 };
	char line[1024];
	size_t got = 0, len;
	ssize_t n;

	if (fd < 0)
		return;
	/* one line; a client that sends nothing is not waited for long */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < sizeof(line) - 1 && !memchr(line, '\n', got) &&
	       (n = read(fd, line + got, sizeof(line) - 1 - got)) > 0)
		got += n;
	line[got] = '\0';
	/* a line cut short by the buffer is not run as a shorter command */
	if (!memchr(line, '\n', got) && got == sizeof(line) - 1) {
		len = snprintf(out, sizeof(out), "error %d: %s\n", E2BIG,
			       strerror(E2BIG));
	} else {
		line[strcspn(line, "\n")] = '\0';
		len = sim_server_command(s, line, out, sizeof(out));
	}
	if (write(fd, out, len) < 0)
		fprintf(stderr, "vfio-ap-sim: admin answer: %s\n",
			strerror(errno));
	close(fd);
}

void sim_server_poll(struct sim_server *s, int timeout_ms)
{
	struct pollfd pfd[MAX_MDEVS + 2];
	struct mdev_entry *which[MAX_MDEVS + 2];
	int i, n = 0;

	pfd[n] = (struct pollfd){ .fd = s->admin_fd, .events = POLLIN };
	which[n++] = NULL;
	/* a negative fd is left out by poll() */
	pfd[n] = (struct pollfd){ .fd = s->watch_fd, .events = POLLIN };
	which[n++] = NULL;
	for (i = 0; i < MAX_MDEVS; i++) {
		if (!s->mdevs[i].mdev)
			continue;
		reap_clients(&s->mdevs[i], false);
		pfd[n] = (struct pollfd){ .fd = s->mdevs[i].listen_fd,
					  .events = POLLIN };
		which[n++] = &s->mdevs[i];
	}
	if (poll(pfd, n, timeout_ms) <= 0)
		return;
	/* the watched file also on an error: an unmounted FUSE channel */
	if (pfd[1].revents)
		s->watch_ready(s->watch_arg);
	for (i = 0; i < n; i++) {
		if (i == 1 || !(pfd[i].revents & POLLIN))
			continue;
		if (which[i])
			accept_client(which[i]);
		else
			serve_admin(s);
	}
}
