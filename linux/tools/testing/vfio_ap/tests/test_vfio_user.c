// SPDX-License-Identifier: GPL-2.0
/*
 * The vfio-user server of vfio-ap-sim, spoken to by a client written here:
 * protocol conformance (version, device and irq info, eventfds passed with
 * SCM_RIGHTS reaching the driver, DMA map and unmap with shared memory,
 * reset) and bad messages, which get an error and change nothing.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/vfio_ap.h>

#include "harness.h"
#include "vfio_user.h"

#define UUID1 "ffffffff-0000-0000-0000-000000000001"

struct server {
	pthread_t thread;
	struct vfio_device *vdev;
	int sock;
	int ret;
};

static void *serve(void *arg)
{
	struct server *s = arg;

	s->ret = vfio_user_serve(s->vdev, s->sock);
	close(s->sock);
	return NULL;
}

/* a server thread on one end of a socket pair; returns the client end */
static int start(struct server *s, struct vfio_device *vdev)
{
	int sv[2];

	CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	s->vdev = vdev;
	s->sock = sv[0];
	pthread_create(&s->thread, NULL, serve, s);
	return sv[1];
}

static int stop(struct server *s, int client)
{
	close(client);
	pthread_join(s->thread, NULL);
	return s->ret;
}

static uint16_t next_id;

/* send one message, with file descriptors; no wait */
static void send_msg(int sock, uint16_t cmd, uint32_t flags, const void *data,
		     size_t len, const int *fds, int nfds)
{
	struct vfio_user_hdr hdr = { ++next_id, cmd, sizeof(hdr) + len, flags, 0 };
	char cbuf[CMSG_SPACE(sizeof(int) * 4)] = {};
	struct iovec iov[2] = { { &hdr, sizeof(hdr) }, { (void *)data, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	t_attach_fds(&mh, cbuf, fds, nfds);
	CHECK(sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)(sizeof(hdr) + len));
}

/* the reply to the last message: its errno (0 for success), payload in @out */
static int recv_reply(int sock, void *out, size_t outlen, size_t *got)
{
	struct vfio_user_hdr hdr;

	if (recv(sock, &hdr, sizeof(hdr), MSG_WAITALL) != sizeof(hdr))
		return -1;	/* connection closed */
	CHECK_EQ_INT(hdr.id, next_id);
	CHECK(hdr.flags & VFIO_USER_F_REPLY);
	if (hdr.size > sizeof(hdr)) {
		size_t len = hdr.size - sizeof(hdr);

		CHECK(len <= outlen);
		CHECK(recv(sock, out, len, MSG_WAITALL) == (ssize_t)len);
		if (got)
			*got = len;
	}
	return hdr.flags & VFIO_USER_F_ERROR ? (int)hdr.error_reply : 0;
}

static int xfer(int sock, uint16_t cmd, const void *data, size_t len,
		const int *fds, int nfds, void *out, size_t outlen)
{
	send_msg(sock, cmd, 0, data, len, fds, nfds);
	return recv_reply(sock, out, outlen, NULL);
}

static int version(int sock, uint16_t major, char *caps, size_t capslen)
{
	struct {
		struct vfio_user_version v;
		char caps[8];
	} in = { { major, 0 }, "{}" };
	char out[256] = {};
	size_t got = 0;
	int ret;

	send_msg(sock, VFIO_USER_VERSION, 0, &in, sizeof(in), NULL, 0);
	ret = recv_reply(sock, out, sizeof(out) - 1, &got);
	if (ret)
		return ret;
	/* the capabilities and their NUL end the reply: QEMU checks it so */
	CHECK_EQ_INT(got, sizeof(struct vfio_user_version) +
		     strlen(out + sizeof(struct vfio_user_version)) + 1);
	if (caps)
		snprintf(caps, capslen, "%s", out + sizeof(struct vfio_user_version));
	return 0;
}

static int set_irq(int sock, unsigned int index, int fd)
{
	struct vfio_irq_set set = { sizeof(set), VFIO_IRQ_SET_DATA_EVENTFD |
				    VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 1 };

	return xfer(sock, VFIO_USER_DEVICE_SET_IRQS, &set, sizeof(set),
		    &fd, fd >= 0, NULL, 0);
}

static void test_conformance(void)
{
	struct vfio_device_info info = { .argsz = 16 };
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = 1 };
	struct vfio_user_dma_map map = { sizeof(map), VFIO_DMA_MAP_FLAG_READ |
					 VFIO_DMA_MAP_FLAG_WRITE, 0, 0x10000,
					 0x20000 };
	struct vfio_user_dma_unmap unmap = { sizeof(unmap), 0, 0x10000, 0x20000 };
	struct mdev_device *m;
	struct server s;
	char caps[200];
	int sock, cfg, memfd;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1");
	sock = start(&s, t_vdev(m));

	CHECK_EQ_INT(version(sock, 0, caps, sizeof(caps)), 0);
	CHECK(strstr(caps, "\"max_msg_fds\":8"));
	CHECK(t_matrix_mdev(m)->kvm);		/* opened for a guest */

	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_INFO, &info, 16, NULL, 0,
			  &info, sizeof(info)), 0);
	CHECK_EQ_INT(info.flags, VFIO_DEVICE_FLAGS_AP | VFIO_DEVICE_FLAGS_RESET);
	/* the driver's two, and the firmware's adapter interrupts */
	CHECK_EQ_INT(info.num_irqs, VFIO_AP_IRQ_ADAPTER + 1);
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_IRQ_INFO, &irq, sizeof(irq),
			  NULL, 0, &irq, sizeof(irq)), 0);
	CHECK_EQ_INT(irq.count, 1);
	CHECK_EQ_INT(irq.flags, VFIO_IRQ_INFO_EVENTFD);

	/* an eventfd over the socket reaches the driver and is signalled */
	cfg = sim_eventfd();
	CHECK_EQ_INT(set_irq(sock, VFIO_AP_IRQ_CFG_CHANGE, cfg), 0);
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 1);
	CHECK_EQ_INT(t_write(m, "assign_adapter", "2"), 0);
	CHECK_EQ_INT(sim_eventfd_take(cfg), 1);
	CHECK_EQ_INT(set_irq(sock, VFIO_AP_IRQ_CFG_CHANGE, -1), 0);
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 0);

	/* guest memory shared with an fd; unmap undoes it */
	memfd = memfd_create("guest", MFD_CLOEXEC);
	CHECK(!ftruncate(memfd, 0x40000));
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DMA_MAP, &map, sizeof(map), &memfd, 1,
			  NULL, 0), 0);
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DMA_UNMAP, &unmap, sizeof(unmap), NULL,
			  0, NULL, 0), 0);
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_RESET, NULL, 0, NULL, 0, NULL,
			  0), 0);

	/* the firmware's adapter interrupts: one eventfd per ISC */
	{
		struct vfio_irq_set set = { sizeof(set),
					    VFIO_IRQ_SET_DATA_EVENTFD |
					    VFIO_IRQ_SET_ACTION_TRIGGER,
					    VFIO_AP_IRQ_ADAPTER, 6, 1 };
		struct kvm *kvm = t_matrix_mdev(m)->kvm;
		int isc6 = sim_eventfd(), two[2] = { isc6, isc6 };

		irq.argsz = sizeof(irq);
		irq.index = VFIO_AP_IRQ_ADAPTER;
		CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_IRQ_INFO, &irq,
				  sizeof(irq), NULL, 0, &irq, sizeof(irq)), 0);
		CHECK_EQ_INT(irq.count, VFIO_AP_IRQ_ISCS);
		CHECK_EQ_INT(irq.flags, VFIO_IRQ_INFO_EVENTFD);
		CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_SET_IRQS, &set,
				  sizeof(set), &isc6, 1, NULL, 0), 0);
		sim_gisa_post(sim_kvm_gisa(kvm), 6);
		sim_gisa_post(sim_kvm_gisa(kvm), 5);	/* no eventfd: nothing */
		CHECK_EQ_INT(sim_eventfd_take(isc6), 1);
		CHECK_EQ_INT(sim_kvm_isc_posts(kvm, 5), 1);

		/* refused, and ISC 6 keeps its eventfd */
		set.start = VFIO_AP_IRQ_ISCS;
		CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_SET_IRQS, &set,
				  sizeof(set), &isc6, 1, NULL, 0), EINVAL);
		set.start = 7;
		set.count = 2;
		CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_SET_IRQS, &set,
				  sizeof(set), two, 2, NULL, 0), EINVAL);
		set.start = 6;
		CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_SET_IRQS, &set,
				  sizeof(set), &isc6, 1, NULL, 0), EINVAL);
		set.count = 1;
		set.flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER;
		CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_SET_IRQS, &set,
				  sizeof(set), &isc6, 1, NULL, 0), EINVAL);
		set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_MASK;
		CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_SET_IRQS, &set,
				  sizeof(set), &isc6, 1, NULL, 0), EINVAL);
		sim_gisa_post(sim_kvm_gisa(kvm), 6);
		CHECK_EQ_INT(sim_eventfd_take(isc6), 1);

		/* one of two not an eventfd: ISC 5 gets none either */
		{
			int bad[2], mixed[2];

			CHECK(!pipe(bad));
			mixed[0] = isc6;
			mixed[1] = bad[0];
			set.flags = VFIO_IRQ_SET_DATA_EVENTFD |
				    VFIO_IRQ_SET_ACTION_TRIGGER;
			set.start = 5;
			set.count = 2;
			CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_SET_IRQS, &set,
					  sizeof(set), mixed, 2, NULL, 0),
				     EINVAL);
			sim_gisa_post(sim_kvm_gisa(kvm), 5);
			CHECK_EQ_INT(sim_eventfd_take(isc6), 0);
			sim_gisa_post(sim_kvm_gisa(kvm), 6);	/* kept */
			CHECK_EQ_INT(sim_eventfd_take(isc6), 1);
			close(bad[0]);
			close(bad[1]);
		}

		/* DATA_NONE with count 0 takes every ISC's eventfd away */
		set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		set.start = 0;
		set.count = 0;
		CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_SET_IRQS, &set,
				  sizeof(set), NULL, 0, NULL, 0), 0);
		sim_gisa_post(sim_kvm_gisa(kvm), 6);
		CHECK_EQ_INT(sim_eventfd_take(isc6), 0);
		close(isc6);
	}

	/* playing an older kernel: the config-change irq is not offered */
	vfio_user_irqs = 1;
	info.argsz = 16;
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_INFO, &info, 16, NULL, 0,
			  &info, sizeof(info)), 0);
	CHECK_EQ_INT(info.num_irqs, 1);
	irq.index = VFIO_AP_IRQ_CFG_CHANGE;
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_IRQ_INFO, &irq, sizeof(irq),
			  NULL, 0, &irq, sizeof(irq)), EINVAL);
	CHECK_EQ_INT(set_irq(sock, VFIO_AP_IRQ_CFG_CHANGE, cfg), EINVAL);
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 0);
	vfio_user_irqs = VFIO_AP_IRQ_ADAPTER + 1;

	/* a second client of the same device: the device is busy */
	{
		struct server s2;
		int sock2 = start(&s2, t_vdev(m));

		CHECK_EQ_INT(version(sock2, 0, NULL, 0), EBUSY);
		CHECK_EQ_INT(stop(&s2, sock2), 0);
	}

	/* the client goes away: the device is closed, nothing is left */
	CHECK_EQ_INT(stop(&s, sock), 0);
	CHECK(!t_matrix_mdev(m)->kvm);
	CHECK_EQ_INT(sim_kvm_live(), 0);
	close(cfg);
	close(memfd);
	sim_mdev_remove(m);
	t_machine_down();
}

static void test_bad_messages(void)
{
	struct vfio_user_dma_map map = { sizeof(map), VFIO_DMA_MAP_FLAG_READ, 0,
					 0x10000, 0x10000 };
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = 5 };
	struct vfio_device_info info = { .argsz = 16 };
	struct mdev_device *m;
	struct server s;
	int sock, pipefd[2], efd = sim_eventfd(), memfd, fds[2];
	char junk[8] = "";

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "1");
	CHECK(!pipe(pipefd));
	memfd = memfd_create("guest", MFD_CLOEXEC);
	CHECK(!ftruncate(memfd, 0x40000));
	sock = start(&s, t_vdev(m));

	/* before the version: nothing is done */
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_INFO, &info, 16, NULL, 0,
			  NULL, 0), EINVAL);
	CHECK(!t_matrix_mdev(m)->kvm);
	CHECK_EQ_INT(version(sock, 1, NULL, 0), ENOTSUP);
	/* capabilities not NUL-terminated */
	{
		struct {
			struct vfio_user_version v;
			char caps[4];
		} in = { { 0, 0 }, "{}xx" };

		CHECK_EQ_INT(xfer(sock, VFIO_USER_VERSION, &in, sizeof(in), NULL,
				  0, NULL, 0), EINVAL);
	}
	CHECK_EQ_INT(version(sock, 0, NULL, 0), 0);
	CHECK_EQ_INT(version(sock, 0, NULL, 0), EINVAL);	/* twice */

	/* a reply sent as a request, an unknown command, no regions */
	send_msg(sock, VFIO_USER_DEVICE_GET_INFO, VFIO_USER_F_REPLY, &info, 16,
		 NULL, 0);
	CHECK_EQ_INT(recv_reply(sock, NULL, 0, NULL), EINVAL);
	CHECK_EQ_INT(xfer(sock, 99, NULL, 0, NULL, 0, NULL, 0), ENOSYS);
	CHECK_EQ_INT(xfer(sock, VFIO_USER_REGION_READ, junk, 8, NULL, 0, NULL,
			  0), EINVAL);

	/* payloads too short, bad indexes, bad arguments */
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_INFO, &info, 8, NULL, 0,
			  NULL, 0), EINVAL);
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_IRQ_INFO, &irq, sizeof(irq),
			  NULL, 0, NULL, 0), EINVAL);
	CHECK_EQ_INT(set_irq(sock, VFIO_AP_IRQ_ADAPTER + 1, efd), EINVAL);
	CHECK_EQ_INT(set_irq(sock, 0, pipefd[0]), EINVAL);	/* not an eventfd */
	CHECK_EQ_INT(set_irq(sock, VFIO_AP_IRQ_ADAPTER, pipefd[0]), EINVAL);
	fds[0] = efd;
	fds[1] = efd;
	{
		struct vfio_irq_set set = { sizeof(set), VFIO_IRQ_SET_DATA_EVENTFD |
					    VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1 };

		CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_SET_IRQS, &set,
				  sizeof(set), fds, 2, NULL, 0), EINVAL);
		set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_SET_IRQS, &set,
				  sizeof(set), NULL, 0, NULL, 0), EINVAL);
	}
	CHECK_EQ_INT(sim_eventfd_ctx_live(), 0);

	map.iova = 0x10001;		/* not page aligned */
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DMA_MAP, &map, sizeof(map), &memfd, 1,
			  NULL, 0), EINVAL);
	map.iova = ~0UL & PAGE_MASK;	/* wraps around */
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DMA_MAP, &map, sizeof(map), &memfd, 1,
			  NULL, 0), EINVAL);
	map.iova = 0x10000;
	map.offset = 0x100000;		/* beyond the file: mmap refuses */
	map.flags |= 0x100;		/* an unknown flag */
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DMA_MAP, &map, sizeof(map), &memfd, 1,
			  NULL, 0), EINVAL);
	map.flags &= ~0x100;
	map.offset = 0;
	map.size = 0x100000;		/* more than the file holds */
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DMA_MAP, &map, sizeof(map), &memfd, 1,
			  NULL, 0), EINVAL);
	map.size = 0x10000;
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DMA_MAP, &map, sizeof(map), &memfd, 1,
			  NULL, 0), 0);
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DMA_MAP, &map, sizeof(map), &memfd, 1,
			  NULL, 0), EEXIST);	/* overlaps */
	fds[0] = memfd;
	fds[1] = memfd;
	map.iova = 0x100000;
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DMA_MAP, &map, sizeof(map), fds, 2,
			  NULL, 0), EINVAL);	/* two fds */

	/* a command that wants no reply gets none: the next reply is its own */
	map.iova = 0x200000;
	send_msg(sock, VFIO_USER_DMA_MAP, VFIO_USER_F_NO_REPLY, &map,
		 sizeof(map), &memfd, 1);
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_INFO, &info, 16, NULL, 0,
			  &info, sizeof(info)), 0);
	CHECK_EQ_INT(info.num_irqs, VFIO_AP_IRQ_ADAPTER + 1);

	/* framing that cannot be trusted ends the connection */
	{
		struct vfio_user_hdr hdr = { ++next_id, VFIO_USER_DEVICE_GET_INFO,
					     8, 0, 0 };

		CHECK(send(sock, &hdr, sizeof(hdr), MSG_NOSIGNAL) == sizeof(hdr));
		CHECK_EQ_INT(recv_reply(sock, NULL, 0, NULL), -1);
	}
	CHECK_EQ_INT(stop(&s, sock), -EBADMSG);
	CHECK(!t_matrix_mdev(m)->kvm);		/* closed, maps undone */

	/* a size beyond the limit, on a new connection */
	sock = start(&s, t_vdev(m));
	CHECK_EQ_INT(version(sock, 0, NULL, 0), 0);
	{
		struct vfio_user_hdr hdr = { ++next_id, VFIO_USER_DMA_MAP,
					     VFIO_USER_MAX_MSG + 1, 0, 0 };

		CHECK(send(sock, &hdr, sizeof(hdr), MSG_NOSIGNAL) == sizeof(hdr));
		CHECK_EQ_INT(recv_reply(sock, NULL, 0, NULL), -1);
	}
	CHECK_EQ_INT(stop(&s, sock), -EBADMSG);

	/* the device is as it was */
	CHECK_EQ_STR(t_read(m, "matrix"), "01.0001\n");
	CHECK_EQ_INT(sim_kvm_live(), 0);
	close(pipefd[0]);
	close(pipefd[1]);
	close(efd);
	close(memfd);
	sim_mdev_remove(m);
	t_machine_down();
}

/* REGION_READ and REGION_WRITE's header */
struct region_rw {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
};

/* write @count bytes of @insn to the instruction region; the errno */
static int region_write(int sock, const struct vfio_ap_insn *insn,
			uint32_t region, uint64_t offset, uint32_t count)
{
	static struct {
		struct region_rw rw;
		uint8_t data[sizeof(struct vfio_ap_insn)];
	} msg;
	struct region_rw out;

	msg.rw = (struct region_rw){ offset, region, count };
	memcpy(msg.data, insn, min(count, sizeof(*insn)));
	return xfer(sock, VFIO_USER_REGION_WRITE, &msg,
		    sizeof(msg.rw) + min(count, sizeof(*insn)), NULL, 0, &out,
		    sizeof(out));
}

static int region_read(int sock, struct vfio_ap_insn *insn, uint32_t region,
		       uint64_t offset, uint32_t count)
{
	static struct {
		struct region_rw rw;
		uint8_t data[sizeof(struct vfio_ap_insn)];
	} out;
	struct region_rw in = { offset, region, count };
	int ret;

	ret = xfer(sock, VFIO_USER_REGION_READ, &in, sizeof(in), NULL, 0, &out,
		   sizeof(out));
	if (!ret)
		memcpy(insn, out.data, min(count, sizeof(*insn)));
	return ret;
}

/* a reply that may carry a file descriptor (SCM_RIGHTS) in *@fd */
static int recv_reply_fd(int sock, void *out, size_t outlen, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct vfio_user_hdr hdr;
	struct iovec iov = { &hdr, sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	*fd = -1;
	if (recvmsg(sock, &mh, MSG_WAITALL | MSG_CMSG_CLOEXEC) != sizeof(hdr))
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	CHECK_EQ_INT(hdr.id, next_id);
	if (hdr.size > sizeof(hdr)) {
		CHECK(hdr.size - sizeof(hdr) <= outlen);
		CHECK(recv(sock, out, hdr.size - sizeof(hdr), MSG_WAITALL) ==
		      (ssize_t)(hdr.size - sizeof(hdr)));
	}
	return hdr.flags & VFIO_USER_F_ERROR ? (int)hdr.error_reply : 0;
}

/* a write of @count bytes to the doorbell */
static int doorbell(int sock, uint32_t count)
{
	struct {
		struct region_rw rw;
		uint64_t ring;
	} msg = { { VFIO_AP_INSN_DOORBELL, 0, count }, 1 };
	struct region_rw out;

	return xfer(sock, VFIO_USER_REGION_WRITE, &msg, sizeof(msg.rw) + count,
		    NULL, 0, &out, sizeof(out));
}

/* one instruction per write, its result read back; bad accesses refused */
static void test_insn_region(void)
{
	struct vfio_region_info rinfo = { .argsz = sizeof(rinfo) };
	struct vfio_device_info info = { .argsz = 16 };
	struct vfio_ap_insn insn = { .opcode = VFIO_AP_OP_PQAP, .gr0 = 4UL << 24 };
	struct vfio_ap_insn *map;
	struct mdev_device *m;
	struct server s;
	int sock, region_fd = -1;

	t_machine_up("0-3", "0-3", "0");
	m = t_mdev_with(UUID1, "1", "2");
	sock = start(&s, t_vdev(m));
	CHECK_EQ_INT(version(sock, 0, NULL, 0), 0);
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_INFO, &info, 16, NULL, 0,
			  &info, sizeof(info)), 0);
	CHECK_EQ_INT(info.num_regions, 1);
	send_msg(sock, VFIO_USER_DEVICE_GET_REGION_INFO, 0, &rinfo,
		 sizeof(rinfo), NULL, 0);
	CHECK_EQ_INT(recv_reply_fd(sock, &rinfo, sizeof(rinfo), &region_fd), 0);
	CHECK_EQ_INT(rinfo.size, VFIO_AP_INSN_REGION_SIZE);
	CHECK_EQ_INT(rinfo.flags, VFIO_REGION_INFO_FLAG_READ |
		     VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP);
	CHECK(region_fd >= 0);
	/* sealed: the client cannot shrink it under the server's feet */
	CHECK(fcntl(region_fd, F_GET_SEALS) & F_SEAL_SHRINK);
	CHECK(ftruncate(region_fd, 0) < 0);

	/* QCI: the guest's masks come back with the header and 128 bytes */
	CHECK_EQ_INT(region_write(sock, &insn, 0, 0, VFIO_AP_INSN_HDR_SIZE), 0);
	memset(&insn, 0xff, sizeof(insn));
	CHECK_EQ_INT(region_read(sock, &insn, 0, 0, VFIO_AP_INSN_HDR_SIZE + 128), 0);
	CHECK_EQ_INT(insn.cc, 0);
	CHECK_EQ_INT(insn.data_len, 128);
	CHECK_EQ_INT(insn.data[16], 0x40);	/* adapter 1 */
	CHECK_EQ_INT(insn.data[48], 0x20);	/* domain 2 */

	/* bad accesses: an error, and the last result stays */
	insn = (struct vfio_ap_insn){ .opcode = VFIO_AP_OP_PQAP };
	CHECK_EQ_INT(region_write(sock, &insn, 1, 0, VFIO_AP_INSN_HDR_SIZE), EINVAL);
	CHECK_EQ_INT(region_write(sock, &insn, 0, 8, VFIO_AP_INSN_HDR_SIZE), EINVAL);
	CHECK_EQ_INT(region_write(sock, &insn, 0, 0, 8), EINVAL);
	CHECK_EQ_INT(region_write(sock, &insn, 0, 0, sizeof(insn) + 1), EINVAL);
	CHECK_EQ_INT(region_read(sock, &insn, 0, 8, sizeof(insn)), EINVAL);
	CHECK_EQ_INT(region_read(sock, &insn, 1, 0, 8), EINVAL);
	insn.opcode = 0x1234;
	CHECK_EQ_INT(region_write(sock, &insn, 0, 0, VFIO_AP_INSN_HDR_SIZE), EINVAL);
	CHECK_EQ_INT(region_read(sock, &insn, 0, 0, VFIO_AP_INSN_HDR_SIZE), 0);
	CHECK_EQ_INT(insn.opcode, 0);		/* nothing executed */

	/* in the mapped region, executed by the doorbell */
	map = mmap(NULL, VFIO_AP_INSN_REGION_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED, region_fd, 0);
	CHECK(map != MAP_FAILED);
	*map = (struct vfio_ap_insn){ .opcode = VFIO_AP_OP_PQAP,
				      .gr0 = AP_MKQID(1, 2) | 0x800000 };
	CHECK_EQ_INT(doorbell(sock, 8), 0);
	CHECK_EQ_INT(map->cc, 0);
	CHECK_EQ_INT((map->gr2 >> 24) & 0xff, AP_DEVICE_TYPE_CEX8);
	CHECK_EQ_INT(doorbell(sock, 4), EINVAL);	/* not the doorbell */
	map->opcode = 0x1234;				/* executes nothing */
	CHECK_EQ_INT(doorbell(sock, 8), EINVAL);
	CHECK_EQ_INT(map->opcode, 0);
	munmap(map, VFIO_AP_INSN_REGION_SIZE);
	close(region_fd);

	/* TAPQ of the guest's queue and of one it does not have */
	insn = (struct vfio_ap_insn){ .opcode = VFIO_AP_OP_PQAP,
				      .gr0 = AP_MKQID(1, 2) | 0x800000 };
	CHECK_EQ_INT(region_write(sock, &insn, 0, 0, VFIO_AP_INSN_HDR_SIZE), 0);
	CHECK_EQ_INT(region_read(sock, &insn, 0, 0, VFIO_AP_INSN_HDR_SIZE), 0);
	CHECK_EQ_INT(insn.cc, 0);
	CHECK_EQ_INT((insn.gr2 >> 24) & 0xff, AP_DEVICE_TYPE_CEX8);
	insn.gr0 = AP_MKQID(1, 1);
	CHECK_EQ_INT(region_write(sock, &insn, 0, 0, VFIO_AP_INSN_HDR_SIZE), 0);
	CHECK_EQ_INT(region_read(sock, &insn, 0, 0, VFIO_AP_INSN_HDR_SIZE), 0);
	CHECK_EQ_INT(insn.cc, 3);
	CHECK_EQ_INT((insn.gr1 >> 16) & 0xff, AP_RESPONSE_Q_NOT_AVAIL);

	/* a region that cannot be mapped: no fd, no MMAP flag */
	vfio_user_region_mmap = false;
	send_msg(sock, VFIO_USER_DEVICE_GET_REGION_INFO, 0, &rinfo,
		 sizeof(rinfo), NULL, 0);
	CHECK_EQ_INT(recv_reply_fd(sock, &rinfo, sizeof(rinfo), &region_fd), 0);
	CHECK_EQ_INT(region_fd, -1);
	CHECK(!(rinfo.flags & VFIO_REGION_INFO_FLAG_MMAP));
	vfio_user_region_mmap = true;

	/* playing a kernel backend: no region */
	vfio_user_regions = 0;
	info.argsz = 16;
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_INFO, &info, 16, NULL, 0,
			  &info, sizeof(info)), 0);
	CHECK_EQ_INT(info.num_regions, 0);
	CHECK_EQ_INT(xfer(sock, VFIO_USER_DEVICE_GET_REGION_INFO, &rinfo,
			  sizeof(rinfo), NULL, 0, &rinfo, sizeof(rinfo)), EINVAL);
	CHECK_EQ_INT(region_write(sock, &insn, 0, 0, VFIO_AP_INSN_HDR_SIZE), EINVAL);
	vfio_user_regions = 1;

	CHECK_EQ_INT(stop(&s, sock), 0);
	sim_mdev_remove(m);
	t_machine_down();
}

int main(void)
{
	setenv("SIM_QUIET", "1", 1);
	t_run("vfio-user: version, info, eventfds, DMA map, reset, close",
	      test_conformance);
	t_run("vfio-user: bad messages get an error and change nothing",
	      test_bad_messages);
	t_run("vfio-user: the instruction region", test_insn_region);
	return t_done();
}
