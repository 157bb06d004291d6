// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ap-sim: the vfio_ap driver, on the simulated AP bus and VFIO core,
 * serving each of its mdevs as a vfio-user device on a UNIX socket, so that
 * QEMU's vfio-ap device can attach to it (-device vfio-ap,socket=...).
 *
 *   vfio-ap-sim --dir DIR [options]      serve (foreground, or --daemon)
 *   vfio-ap-sim --dir DIR --admin CMD... one admin command, answer printed
 *
 * DIR holds admin.sock and one UUID.sock per mdev, and is the simulator's
 * state directory: its lock (one simulator per DIR) and the mdevs defined
 * with mdevctl JSON (DIR/mdevs), created again at the next start.  Admin
 * commands mirror the sysfs names (see admin.c).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "admin.h"
#include "hostile.h"
#include "state.h"
#include "sysfs_fuse.h"
#include "../lockval/lockval.h"
#include "sim.h"
#include "vfio_user.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

/* the deliberately wrong answers a test may ask of the cards */
static int parse_fault(const char *name)
{
	static const struct { const char *name; unsigned int bit; } faults[] = {
		{ "corrupt-result", SIM_FAULT_CORRUPT_RESULT },
		{ "reply-order", SIM_FAULT_REPLY_ORDER },
		{ "no-depth-limit", SIM_FAULT_NO_DEPTH_LIMIT },
		{ "tapq-info", SIM_FAULT_TAPQ_INFO },
	};
	size_t i;

	/* the state directory's definitions written in place, not atomically */
	if (!strcmp(name, "state-in-place")) {
		sim_state_torn_writes = true;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(faults); i++) {
		if (!strcmp(name, faults[i].name)) {
			sim_ap_set_faults(sim_ap_get_faults() | faults[i].bit);
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_card_workers(const char *text, unsigned int *n)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || v < 1 ||
	    v > SIM_AP_MAX_CARD_WORKERS)
		return -EINVAL;
	*n = v;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vfio-ap-sim --dir DIR [--adapters LIST] [--domains LIST]\n"
		"                   [--control-domains LIST] [--mdev UUID]...\n"
		"                   [--define UUID=MDEVCTL-JSON-FILE]...\n"
		"                   [--irqs 1|2|3]  (1: no config-change irq,\n"
		"                    2: no adapter interrupts)\n"
		"                   [--regions 0|1]  (0: no instruction region)\n"
		"                   [--no-region-mmap]  (region by read/write only)\n"
		"                   [--card APID=TYPE]...  (TYPE 10-14, CEX4-CEX8)\n"
		"                   [--card-workers N]  (1-4 threads computing the\n"
		"                    cards' requests; default 4)\n"
		"                   [--card-idle]  (those threads at idle priority)\n"
		"                   [--x-fault NAME]...  (corrupt-result,\n"
		"                    reply-order, no-depth-limit, tapq-info,\n"
		"                    state-in-place)\n"
		"                   [--x-hostile MODE[:PERCENT[:SEED]]]  (spoil\n"
		"                    vfio-user replies: wrong-size, wrong-id,\n"
		"                    extra-fds, no-fd, bad-region, garbage,\n"
		"                    no-reply, cut, random)\n"
		"                   [--sysfs DIR]  (the host's sysfs, mounted\n"
		"                    at DIR with FUSE)\n"
		"                   [--daemon --pidfile FILE]\n"
		"       vfio-ap-sim --dir DIR --admin COMMAND [ARGS...]\n"
		"LIST: ids such as 0-15,32; defaults: 0-15 each.\n"
		"Admin commands: see 'vfio-ap-sim --dir DIR --admin help'.\n"
		"Exit status 3: the driver made lock-order reports or warnings.\n");
}

/* the client side of the admin socket: one command, its answer printed */
static int admin_client(const char *dir, int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[4096], answer[65536];
	size_t n = 0;
	ssize_t got;
	int i, fd;

	for (i = 0; i < argc; i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "",
			      argv[i]);
	if (n + 2 > sizeof(line)) {
		fprintf(stderr, "vfio-ap-sim: command too long\n");
		return 2;
	}
	line[n++] = '\n';
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/admin.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "vfio-ap-sim: cannot reach %s: %s\n", sa.sun_path,
			strerror(errno));
		return 2;
	}
	if (write(fd, line, n) != (ssize_t)n)
		return 2;
	shutdown(fd, SHUT_WR);
	n = 0;
	while ((got = read(fd, answer + n, sizeof(answer) - 1 - n)) > 0)
		n += got;
	answer[n] = '\0';
	close(fd);
	fputs(answer, strncmp(answer, "ok", 2) ? stderr : stdout);
	return strncmp(answer, "ok", 2) ? 1 : 0;
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "%d\n", getpid());
	return fclose(f) ? -errno : 0;
}

/* detach from the terminal; the parent returns once the child is ready */
static int daemonize(int *ready_fd)
{
	int pipefd[2];
	pid_t pid;
	char c;

	if (pipe(pipefd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(pipefd[1]);
		/* a byte when ready; nothing if the child failed */
		_exit(read(pipefd[0], &c, 1) == 1 ? 0 : 1);
	}
	close(pipefd[0]);
	setsid();
	*ready_fd = pipefd[1];
	return 0;
}

/*
 * What the driver did wrong while it served: lock-order reports, WARN_ONs,
 * misuse of the VFIO core.  The exit status says whether there was any, so
 * that every test that stops the simulator also checks it.
 */
static int problems_seen(void)
{
	unsigned int locks = lockval_failures();
	unsigned long vfio = sim_vfio_errors();

	if (!locks && !shim_warn_ons && !vfio)
		return 0;
	fprintf(stderr, "vfio-ap-sim: %u lock-order reports, %u warnings, "
		"%lu VFIO core errors\n", locks, shim_warn_ons, vfio);
	return 3;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'D' },
		{ "adapters", required_argument, NULL, 'a' },
		{ "domains", required_argument, NULL, 'd' },
		{ "control-domains", required_argument, NULL, 'c' },
		{ "mdev", required_argument, NULL, 'm' },
		{ "define", required_argument, NULL, 'f' },
		{ "irqs", required_argument, NULL, 'i' },
		{ "regions", required_argument, NULL, 'r' },
		{ "no-region-mmap", no_argument, NULL, 'M' },
		{ "card", required_argument, NULL, 't' },
		{ "card-workers", required_argument, NULL, 'w' },
		{ "card-idle", no_argument, NULL, 'I' },
		{ "x-fault", required_argument, NULL, 'x' },
		{ "x-hostile", required_argument, NULL, 'H' },
		{ "daemon", no_argument, NULL, 'b' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "sysfs", required_argument, NULL, 'S' },
		{ "admin", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *dir = NULL, *apm = "0-15", *aqm = "0-15", *adm = "0-15";
	const char *pidfile = NULL, *mdevs[64], *defines[64], *cards[64];
	const char *sysfs_dir = NULL;
	struct sim_sysfs *sysfs = NULL;
	int nmdevs = 0, ndefines = 0, ncards = 0, opt, i, ready_fd = -1, ret;
	int lock_fd;
	long holder;
	bool daemon = false, admin = false, card_idle = false;
	unsigned int card_workers = SIM_AP_MAX_CARD_WORKERS;
	struct sim_server *server;

	while (!admin && (opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 'D': dir = optarg; break;
		case 'a': apm = optarg; break;
		case 'd': aqm = optarg; break;
		case 'c': adm = optarg; break;
		case 'm':
			if (nmdevs == (int)ARRAY_SIZE(mdevs)) {
				fprintf(stderr, "vfio-ap-sim: too many --mdev\n");
				return 2;
			}
			mdevs[nmdevs++] = optarg;
			break;
		case 'f':
			if (ndefines == (int)ARRAY_SIZE(defines) ||
			    !strchr(optarg, '=')) {
				usage(stderr);
				return 2;
			}
			defines[ndefines++] = optarg;
			break;
		case 'i':
			/*
			 * 1: play a kernel without the config-change irq;
			 * 2: a firmware without adapter interrupts
			 */
			if (strcmp(optarg, "1") && strcmp(optarg, "2") &&
			    strcmp(optarg, "3")) {
				usage(stderr);
				return 2;
			}
			vfio_user_irqs = atoi(optarg);
			break;
		case 'r':
			/* 0: play a kernel, whose SIE runs the instructions */
			if (strcmp(optarg, "0") && strcmp(optarg, "1")) {
				usage(stderr);
				return 2;
			}
			vfio_user_regions = atoi(optarg);
			break;
		case 'M': vfio_user_region_mmap = false; break;
		case 't':
			if (ncards == (int)ARRAY_SIZE(cards)) {
				usage(stderr);
				return 2;
			}
			cards[ncards++] = optarg;
			break;
		case 'w':
			if (parse_card_workers(optarg, &card_workers)) {
				fprintf(stderr, "vfio-ap-sim: --card-workers %s: want 1-4\n",
					optarg);
				return 2;
			}
			break;
		case 'I': card_idle = true; break;
		case 'x':
			if (parse_fault(optarg)) {
				fprintf(stderr, "vfio-ap-sim: unknown fault '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'H':
			if (sim_hostile_parse(optarg)) {
				fprintf(stderr, "vfio-ap-sim: --x-hostile %s: want "
					"MODE[:PERCENT[:SEED]]\n", optarg);
				return 2;
			}
			break;
		case 'b': daemon = true; break;
		case 'p': pidfile = optarg; break;
		case 'S': sysfs_dir = optarg; break;
		case 'A': admin = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!dir || (daemon && !pidfile)) {
		usage(stderr);
		return 2;
	}
	if (admin)
		return admin_client(dir, argc - optind, argv + optind);
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	if (daemon && daemonize(&ready_fd)) {
		perror("vfio-ap-sim: fork");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	/* before anything in DIR is touched: is it another simulator's? */
	if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "vfio-ap-sim: cannot make %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	lock_fd = sim_state_lock(dir, &holder);
	if (lock_fd == -EBUSY) {
		fprintf(stderr, "vfio-ap-sim: %s is in use by another vfio-ap-sim "
			"(pid %ld); nothing was changed\n", dir, holder);
		return 1;
	}
	if (lock_fd < 0) {
		fprintf(stderr, "vfio-ap-sim: cannot lock %s: %s\n", dir,
			strerror(-lock_fd));
		return 1;
	}
	ret = sim_server_start(dir, apm, aqm, adm, &server);
	if (ret) {
		fprintf(stderr, "vfio-ap-sim: cannot start in %s: %s\n", dir,
			strerror(-ret));
		return 1;
	}
	/* idle: the cards stand in for hardware, on the CPU time QEMU leaves */
	sim_ap_set_card_workers(card_workers, card_idle);
	for (i = 0; i < ncards; i++) {
		if (sim_server_card(cards[i])) {
			fprintf(stderr, "vfio-ap-sim: --card %s: want APID=TYPE, "
				"TYPE 10-14\n", cards[i]);
			sim_server_stop(server);
			return 2;
		}
	}
	/* the mdevs defined before, then the command line's */
	ret = sim_server_restore(server);
	if (ret)
		fprintf(stderr, "vfio-ap-sim: %s/mdevs: %s\n", dir,
			strerror(-ret));
	for (i = 0; i < nmdevs; i++) {
		ret = sim_server_create_mdev(server, mdevs[i]);
		if (ret) {
			fprintf(stderr, "vfio-ap-sim: mdev %s: %s\n", mdevs[i],
				strerror(-ret));
			sim_server_stop(server);
			return 1;
		}
	}
	for (i = 0; i < ndefines; i++) {
		char uuid[64], why[256];
		const char *eq = strchr(defines[i], '=');

		snprintf(uuid, sizeof(uuid), "%.*s", (int)(eq - defines[i]),
			 defines[i]);
		/* the command line's definition replaces a stored one */
		sim_server_remove_mdev(server, uuid);
		if (sim_server_define_mdev(server, uuid, eq + 1, why,
					   sizeof(why))) {
			fprintf(stderr, "vfio-ap-sim: --define %s: %s\n",
				defines[i], why);
			sim_server_stop(server);
			return 1;
		}
	}
	/* last: a file of the tree must not show a half-started host */
	ret = sysfs_dir ? sim_sysfs_mount(server, sysfs_dir, &sysfs) : 0;
	if (ret) {
		fprintf(stderr, "vfio-ap-sim: --sysfs %s: cannot mount: %s\n",
			sysfs_dir, strerror(-ret));
		sim_server_stop(server);
		return 1;
	}
	if (pidfile && write_pidfile(pidfile)) {
		fprintf(stderr, "vfio-ap-sim: cannot write %s\n", pidfile);
		if (sysfs)
			sim_sysfs_unmount(sysfs);
		sim_server_stop(server);
		return 1;
	}
	fprintf(stderr, "vfio-ap-sim: serving in %s (adapters %s, domains %s, "
		"control domains %s)\n", dir, apm, aqm, adm);
	if (ready_fd >= 0) {
		if (write(ready_fd, "r", 1) != 1)
			return 1;
		close(ready_fd);
		i = open("/dev/null", O_RDWR);
		dup2(i, 0);
		dup2(i, 1);
	}

	while (!stopping)
		sim_server_poll(server, 200);

	fprintf(stderr, "vfio-ap-sim: stopping\n");
	if (sysfs)
		sim_sysfs_unmount(sysfs);
	sim_server_stop(server);
	if (pidfile)
		unlink(pidfile);
	return problems_seen();
}
