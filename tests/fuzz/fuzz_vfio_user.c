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

struct server {
	pthread_t thread;
	int sock;
	int ret;
};

static void *serve(void *arg)
{
	struct server *s = arg;

	s->ret = vfio_user_serve(vdev, s->sock);
	close(s->sock);
	return NULL;
}

/* replies are read and dropped, so that the server never blocks on them */
static void *drain(void *arg)
{
	static char buf[65536];
	int sock = *(int *)arg;

	while (read(sock, buf, sizeof(buf)) > 0)
		;
	return NULL;
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

	setenv("SIM_QUIET", "1", 1);
	t_machine_up("0-3", "0-3", "0-3");
	mdev = t_mdev_with("fa000000-0000-0000-0000-000000000004", "1-2", "1-2");
	vdev = t_vdev(mdev);
	memory_fd = memfd_create("guest-memory", MFD_CLOEXEC);
	if (memory_fd < 0 || ftruncate(memory_fd, MEM_SIZE))
		fuzz_fail("no guest memory");
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
	struct server s;
	pthread_t drainer;
	int sv[2], nfds;
	size_t len;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fuzz_fail("socketpair: %s", strerror(errno));
	s.sock = sv[1];
	pthread_create(&s.thread, NULL, serve, &s);
	pthread_create(&drainer, NULL, drain, &sv[0]);
	while (in.left) {
		nfds = fuzz_take(&in, 1) % (MAX_FDS_SENT + 1);
		len = fuzz_take(&in, 2);
		len = fuzz_take_bytes(&in, chunk, len);
		send_chunk(sv[0], chunk, len, nfds);
	}
	shutdown(sv[0], SHUT_WR);
	pthread_join(s.thread, NULL);
	pthread_join(drainer, NULL);
	close(sv[0]);
	if (s.ret > 0 || s.ret < -4095)
		fuzz_fail("the server returned %d", s.ret);
	check_fds();
	if (sim_pins_live() || sim_kvm_live())
		fuzz_fail("%ld pinned pages, %ld guests left", sim_pins_live(),
			  sim_kvm_live());
	return 0;
}
