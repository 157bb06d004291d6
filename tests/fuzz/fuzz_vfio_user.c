// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's vfio-user server on one connection: a stream of bytes,
 * cut into chunks that may carry file descriptors (a memory file, as QEMU
 * sends for DMA mappings and eventfds), in whatever order and framing the
 * input says.  The server must end when the client hangs up, and leave
 * nothing behind: no file descriptor, no guest, no pinned page, the
 * device closed for the next client.
 *
 * An input is a list of chunks: a byte (file descriptors to attach, 0-9),
 * a 16-bit length and that many bytes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "vfio_user.h"
#include "fuzz.h"

#define MEM_SIZE (1 << 20)
#define MAX_FDS_SENT 9

static struct vfio_device *vdev;
static int memory_fd;

/*
 * The server and the drain of its replies run in two threads that live
 * across the inputs (a thread made and joined per input cost more than
 * the input), each started per input by its go semaphore.
 */
struct worker {
	pthread_t thread;
	sem_t go, done;
	int sock;
	int ret;
	void (*job)(struct worker *w);
};

static struct worker server, drainer;

static void serve(struct worker *w)
{
	w->ret = vfio_user_serve(vdev, w->sock);
	close(w->sock);
}

/* replies are read and dropped, so that the server never blocks on them */
static void drain(struct worker *w)
{
	static char buf[65536];

	while (read(w->sock, buf, sizeof(buf)) > 0)
		;
}

static void *worker_loop(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		while (sem_wait(&w->go))
			;
		w->job(w);
		/* what a thread that ends would have been checked for */
		if (lockval_held_count())
			fuzz_fail("a worker holds %u locks", lockval_held_count());
		sem_post(&w->done);
	}
	return NULL;
}

static void start_worker(struct worker *w, void (*job)(struct worker *w))
{
	w->job = job;
	if (sem_init(&w->go, 0, 0) || sem_init(&w->done, 0, 0) ||
	    pthread_create(&w->thread, NULL, worker_loop, w))
		fuzz_fail("no worker thread");
}

static void run_worker(struct worker *w, int sock)
{
	w->sock = sock;
	sem_post(&w->go);
}

static void wait_worker(struct worker *w)
{
	while (sem_wait(&w->done))
		;
}

/* the file descriptors a leak would be among */
#define FD_SCAN 256

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* what a file descriptor is, for the report of a leak */
static const char *fd_name(int fd)
{
	static char name[128];
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, name, sizeof(name) - 1);
	name[n < 0 ? 0 : n] = '\0';
	return name;
}

static bool was_open[FD_SCAN];

static void record_fds(void)
{
	int fd;

	for (fd = 0; fd < FD_SCAN; fd++)
		was_open[fd] = fd_open(fd);
}

/*
 * Sockets, memory files and eventfds are what the server is given and
 * makes; one of them open after the connection ended, and not before it,
 * is a leak.  Other kinds (the sanitizer runtime's pipes) are not the
 * server's.
 */
static void check_fds(void)
{
	static const char *const kinds[] = { "socket:", "/memfd:", "anon_inode:" };
	const char *name;
	unsigned int i;
	int fd;

	for (fd = 0; fd < FD_SCAN; fd++) {
		bool open_now = fd_open(fd);

		if (open_now && !was_open[fd]) {
			name = fd_name(fd);
			for (i = 0; i < ARRAY_SIZE(kinds); i++)
				if (strstr(name, kinds[i]))
					fuzz_fail("file descriptor %d left open: %s",
						  fd, name);
		}
		was_open[fd] = open_now;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct mdev_device *mdev;

	fuzz_harness_init();
	t_machine_up("0-3", "0-3", "0-3");
	mdev = t_mdev_with("fa000000-0000-0000-0000-000000000004", "1-2", "1-2");
	vdev = t_vdev(mdev);
	memory_fd = memfd_create("guest-memory", MFD_CLOEXEC);
	if (memory_fd < 0 || ftruncate(memory_fd, MEM_SIZE))
		fuzz_fail("no guest memory");
	start_worker(&server, serve);
	start_worker(&drainer, drain);
	record_fds();
	return 0;
}

/* one chunk, with @nfds copies of the memory file */
static void send_chunk(int sock, const void *buf, size_t len, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_FDS_SENT)];
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[MAX_FDS_SENT], i;

	for (i = 0; i < nfds; i++)
		fds[i] = dup(memory_fd);
	/* no data, no message: the descriptors stay here */
	if (len)
		t_attach_fds(&mh, cbuf, fds, nfds);
	/* the server may have hung up already: that is its right */
	if (len)
		sendmsg(sock, &mh, MSG_NOSIGNAL);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	static uint8_t chunk[65536];
	int sv[2], nfds;
	size_t len;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fuzz_fail("socketpair: %s", strerror(errno));
	run_worker(&server, sv[1]);
	run_worker(&drainer, sv[0]);
	while (in.left) {
		nfds = fuzz_take(&in, 1) % (MAX_FDS_SENT + 1);
		len = fuzz_take(&in, 2);
		len = fuzz_take_bytes(&in, chunk, len);
		send_chunk(sv[0], chunk, len, nfds);
	}
	shutdown(sv[0], SHUT_WR);
	wait_worker(&server);
	wait_worker(&drainer);
	close(sv[0]);
	if (server.ret > 0 || server.ret < -4095)
		fuzz_fail("the server returned %d", server.ret);
	check_fds();
	if (sim_pins_live() || sim_kvm_live())
		fuzz_fail("%ld pinned pages, %ld guests left", sim_pins_live(),
			  sim_kvm_live());
	fuzz_check_locks();
	return 0;
}
