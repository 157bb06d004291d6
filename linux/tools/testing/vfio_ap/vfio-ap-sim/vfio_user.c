// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-user server for one vfio-ap device: each message of a connected
 * client becomes a call of the vfio_ap driver's vfio_device_ops (open,
 * ioctl, dma_unmap, close) through the simulated VFIO core, so the client
 * talks to the real driver code.  A message that is malformed or hostile
 * gets an error reply and changes nothing; one whose framing cannot be
 * trusted ends the connection.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vfio_ap.h>

#include "hostile.h"
#include "insn.h"
#include "vfio_user.h"

/* what the server tells the client it can take */
#define CAPABILITIES \
	"{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":65536," \
	"\"pgsizes\":4096,\"max_dma_maps\":64}}"

/* a busy device is retried this often, this far apart: 0.5 s in all */
#define VERSION_BUSY_TRIES	100
#define VERSION_BUSY_WAIT_US	5000

/* the guest's memory is the VMM's: it comes as DMA mappings */
#define CONN_GUEST_MEM	0

unsigned int vfio_user_irqs = VFIO_AP_IRQ_ADAPTER + 1;
unsigned int vfio_user_regions = 1;
bool vfio_user_region_mmap = true;

/* REGION_READ and REGION_WRITE: where, and how much */
struct region_access {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
};

struct conn_map {
	uint64_t iova, size;
	void *mapping;		/* what mmap returned, or NULL without an fd */
	size_t maplen;
	bool registered;	/* with the VFIO core, for page pinning */
	bool memslot;		/* the guest's memory in the simulated KVM */
};

struct conn {
	struct vfio_device *vdev;
	struct kvm *kvm;
	int sock;
	bool opened;
	struct conn_map maps[VFIO_USER_MAX_MAPS];
	/* the message being handled */
	struct vfio_user_hdr hdr;
	uint8_t *payload;
	size_t len;
	int fds[VFIO_USER_MAX_FDS];
	int nfds;
	/*
	 * The instruction region, in memory the client may map (region_fd),
	 * and the private copy an instruction is executed from: the client
	 * may change the region at any time.
	 */
	uint8_t *region;
	int region_fd;
	struct vfio_ap_insn insn;
	struct {
		struct region_access access;
		uint8_t data[sizeof(struct vfio_ap_insn)];
	} out;
};

static void close_fds(struct conn *c)
{
	while (c->nfds > 0)
		close(c->fds[--c->nfds]);
}

/* read exactly @len bytes; 0 at an orderly end, else 1 or -errno */
static int read_full(struct conn *c, void *buf, size_t len, bool take_fds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * VFIO_USER_MAX_FDS)];
	size_t got = 0;

	while (got < len) {
		struct iovec iov = { (char *)buf + got, len - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		struct cmsghdr *cm;
		ssize_t n;

		if (take_fds) {
			mh.msg_control = cbuf;
			mh.msg_controllen = sizeof(cbuf);
		}
		n = recvmsg(c->sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got ? -EPIPE : 0;
		for (cm = take_fds ? CMSG_FIRSTHDR(&mh) : NULL; cm;
		     cm = CMSG_NXTHDR(&mh, cm)) {
			int *fd = (int *)CMSG_DATA(cm);
			size_t i, count;

			if (cm->cmsg_level != SOL_SOCKET ||
			    cm->cmsg_type != SCM_RIGHTS)
				continue;
			count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < count; i++) {
				if (c->nfds < VFIO_USER_MAX_FDS)
					c->fds[c->nfds++] = fd[i];
				else
					close(fd[i]);
			}
		}
		if (mh.msg_flags & MSG_CTRUNC)
			return -EMSGSIZE;
		got += n;
	}
	return 1;
}

static int send_all(int sock, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(sock, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

/* send the header with @fd attached (SCM_RIGHTS) */
static int send_hdr_fd(int sock, const struct vfio_user_hdr *hdr, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)hdr, sizeof(*hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* a short send of the header: the rest goes without the fd */
	return send_all(sock, (const char *)hdr + n, sizeof(*hdr) - n);
}

/*
 * The reply to the current message: @err 0 with @data (and @fd, if not
 * -1, passed along), or an errno alone.
 */
static int reply_fd(struct conn *c, int err, const void *data, size_t len,
		    int fd)
{
	struct vfio_user_hdr hdr = c->hdr;
	int ret;

	if (c->hdr.flags & VFIO_USER_F_NO_REPLY) {
		if (err)
			fprintf(stderr, "vfio-user: command %u (no reply wanted): %s\n",
				c->hdr.command, strerror(err));
		return 0;
	}
	if (err && getenv("VFIO_AP_SIM_VERBOSE"))
		fprintf(stderr, "vfio-user: command %u: error %s\n",
			c->hdr.command, strerror(err));
	if (err)
		len = 0;
	hdr.flags = VFIO_USER_F_REPLY | (err ? VFIO_USER_F_ERROR : 0);
	hdr.error_reply = err;
	hdr.size = sizeof(hdr) + len;
	if (sim_hostile_on())
		return sim_hostile_reply(c->sock, &hdr, data, len,
					 err ? -1 : fd);
	ret = fd >= 0 && !err ? send_hdr_fd(c->sock, &hdr, fd) :
				send_all(c->sock, &hdr, sizeof(hdr));
	if (!ret && len)
		ret = send_all(c->sock, data, len);
	return ret;
}

static int reply(struct conn *c, int err, const void *data, size_t len)
{
	return reply_fd(c, err, data, len, -1);
}

static int do_version(struct conn *c)
{
	struct {
		struct vfio_user_version v;
		char caps[sizeof(CAPABILITIES)];
	} out = { { 0, 0 }, CAPABILITIES };
	const struct vfio_user_version *in = (const void *)c->payload;
	int ret, tries;

	if (c->opened || c->nfds || c->len < sizeof(*in))
		return reply(c, EINVAL, NULL, 0);
	if (c->len > sizeof(*in) && c->payload[c->len - 1] != '\0')
		return reply(c, EINVAL, NULL, 0);
	if (in->major != 0)
		return reply(c, ENOTSUP, NULL, 0);

	/* the client is the guest's VMM: the device opens for a guest */
	c->kvm = sim_kvm_create(CONN_GUEST_MEM, 0);
	if (!c->kvm)
		return reply(c, ENOMEM, NULL, 0);
	/*
	 * The previous client may have hung up and not been served its end
	 * yet (the VMM closes a kernel device at once, here the close is
	 * seen a little later): give it a moment before calling it busy.
	 */
	for (tries = 0; tries < VERSION_BUSY_TRIES; tries++) {
		ret = sim_vfio_open(c->vdev, c->kvm);
		if (ret != -EBUSY)
			break;
		usleep(VERSION_BUSY_WAIT_US);
	}
	if (ret) {
		sim_kvm_put(c->kvm);
		c->kvm = NULL;
		return reply(c, -ret, NULL, 0);
	}
	c->opened = true;
	/* exactly the string and its NUL: no padding the client could read */
	return reply(c, 0, &out, sizeof(out.v) + sizeof(CAPABILITIES));
}

static bool maps_overlap(const struct conn_map *m, uint64_t iova,
			 uint64_t size)
{
	return m->size && iova < m->iova + m->size && m->iova < iova + size;
}

/*
 * A regular file (a memfd) must hold what is mapped of it: touching a page
 * beyond its end would kill the server (SIGBUS) when the firmware stores a
 * NIB there.
 */
static bool fd_covers(int fd, uint64_t offset, uint64_t size)
{
	struct stat st;

	if (fstat(fd, &st))
		return false;
	return !S_ISREG(st.st_mode) ||
	       (offset + size >= offset && offset + size <= (uint64_t)st.st_size);
}

static int do_dma_map(struct conn *c)
{
	const struct vfio_user_dma_map *in = (const void *)c->payload;
	struct conn_map *m = NULL;
	uint64_t delta;
	int i, ret;

	if (c->len < sizeof(*in) || in->argsz < sizeof(*in) ||
	    c->nfds > 1 || !in->size || (in->iova | in->size) & ~PAGE_MASK ||
	    in->iova + in->size < in->iova ||
	    (in->flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)))
		return reply(c, EINVAL, NULL, 0);
	if (c->nfds && !fd_covers(c->fds[0], in->offset, in->size))
		return reply(c, EINVAL, NULL, 0);
	for (i = 0; i < VFIO_USER_MAX_MAPS; i++) {
		if (maps_overlap(&c->maps[i], in->iova, in->size))
			return reply(c, EEXIST, NULL, 0);
		if (!m && !c->maps[i].size)
			m = &c->maps[i];
	}
	if (!m)
		return reply(c, ENOSPC, NULL, 0);

	*m = (struct conn_map){ .iova = in->iova, .size = in->size };
	if (c->nfds) {
		/* memory shared with the client: the driver can pin its pages */
		delta = in->offset & ~PAGE_MASK;
		m->maplen = in->size + delta;
		m->mapping = mmap(NULL, m->maplen, PROT_READ | PROT_WRITE,
				  MAP_SHARED, c->fds[0], in->offset - delta);
		if (m->mapping == MAP_FAILED) {
			ret = errno;
			*m = (struct conn_map){};
			return reply(c, ret, NULL, 0);
		}
		if (sim_vfio_dma_map(c->vdev, in->iova, in->size,
				     (char *)m->mapping + delta)) {
			munmap(m->mapping, m->maplen);
			*m = (struct conn_map){};
			return reply(c, ENOSPC, NULL, 0);
		}
		m->registered = true;
		m->memslot = !sim_kvm_add_memslot(c->kvm, in->iova, in->size);
	}
	return reply(c, 0, NULL, 0);
}

/* undo one mapping: the driver gives back its pins in it first */
static void unmap_one(struct conn *c, struct conn_map *m)
{
	if (m->memslot)
		sim_kvm_del_memslot(c->kvm, m->iova);
	if (m->registered)
		sim_vfio_dma_unmap(c->vdev, m->iova, m->size);
	else if (c->vdev->ops->dma_unmap)
		c->vdev->ops->dma_unmap(c->vdev, m->iova, m->size);
	if (m->mapping)
		munmap(m->mapping, m->maplen);
	*m = (struct conn_map){};
}

static int do_dma_unmap(struct conn *c)
{
	const struct vfio_user_dma_unmap *in = (const void *)c->payload;
	bool all;
	int i;

	if (c->len < sizeof(*in) || in->argsz < sizeof(*in) || c->nfds ||
	    (in->flags & ~VFIO_DMA_UNMAP_FLAG_ALL))
		return reply(c, EINVAL, NULL, 0);
	all = in->flags & VFIO_DMA_UNMAP_FLAG_ALL;
	if (all ? in->iova || in->size : in->iova + in->size < in->iova)
		return reply(c, EINVAL, NULL, 0);
	for (i = 0; i < VFIO_USER_MAX_MAPS; i++) {
		struct conn_map *m = &c->maps[i];

		if (m->size && (all || (m->iova >= in->iova &&
					m->iova + m->size <= in->iova + in->size)))
			unmap_one(c, m);
	}
	return reply(c, 0, NULL, 0);
}

/* an ioctl whose argument is the payload, answered with it */
static int do_info_ioctl(struct conn *c, unsigned int cmd, size_t argsz)
{
	uint8_t arg[64];
	long ret;

	if (c->len < argsz || c->nfds)
		return reply(c, EINVAL, NULL, 0);
	memcpy(arg, c->payload, argsz);
	/* the driver reads argsz from the argument: what the client sent */
	ret = sim_vfio_ioctl(c->vdev, cmd, arg);
	if (ret)
		return reply(c, (int)-ret, NULL, 0);
	if (cmd == VFIO_DEVICE_GET_INFO) {
		struct vfio_device_info *info = (void *)arg;

		/* the firmware's adapter interruptions after the driver's */
		if (info->num_irqs == VFIO_AP_IRQ_ADAPTER)
			info->num_irqs++;
		if (info->num_irqs > vfio_user_irqs)
			info->num_irqs = vfio_user_irqs;
		/* the firmware's region, on top of what the driver has */
		info->num_regions += vfio_user_regions;
	}
	return reply(c, 0, arg, argsz);
}

static int do_region_info(struct conn *c)
{
	bool mmap_ok = vfio_user_region_mmap && c->region_fd >= 0;
	struct vfio_region_info info;

	if (c->len < sizeof(info) || c->nfds)
		return reply(c, EINVAL, NULL, 0);
	memcpy(&info, c->payload, sizeof(info));
	if (info.argsz < sizeof(info) || info.index >= vfio_user_regions)
		return reply(c, EINVAL, NULL, 0);
	info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		     (mmap_ok ? VFIO_REGION_INFO_FLAG_MMAP : 0);
	info.cap_offset = 0;
	info.size = VFIO_AP_INSN_REGION_SIZE;
	info.offset = 0;		/* in the file descriptor sent along */
	info.argsz = sizeof(info);
	return reply_fd(c, 0, &info, sizeof(info), mmap_ok ? c->region_fd : -1);
}

/*
 * Execute the instruction in the region, of which @len bytes were written,
 * from a private copy; the result goes back into the region.
 */
static int execute_region(struct conn *c, size_t len)
{
	int ret;

	memcpy(&c->insn, c->region, sizeof(c->insn));
	ret = sim_insn_execute(c->kvm, &c->insn, len);
	if (ret) {
		/* nothing was executed: there is no result to read */
		memset(c->region, 0, VFIO_AP_INSN_HDR_SIZE);
		return ret;
	}
	memcpy(c->region, &c->insn, VFIO_AP_INSN_HDR_SIZE + c->insn.data_len);
	sim_hostile_answer((struct vfio_ap_insn *)c->region);
	return 0;
}

/*
 * A write of the instruction region executes the instruction: written
 * at offset 0 with the write, or already in the mapped region when the
 * doorbell is written.
 */
static int do_region_write(struct conn *c)
{
	struct region_access acc;
	int ret;

	if (c->len < sizeof(acc) || c->nfds)
		return reply(c, EINVAL, NULL, 0);
	memcpy(&acc, c->payload, sizeof(acc));
	if (acc.region >= vfio_user_regions ||
	    acc.count != c->len - sizeof(acc))
		return reply(c, EINVAL, NULL, 0);
	if (acc.offset == VFIO_AP_INSN_DOORBELL && acc.count == 8) {
		ret = execute_region(c, sizeof(c->insn));
	} else if (acc.offset == 0 && acc.count >= VFIO_AP_INSN_HDR_SIZE &&
		   acc.count <= sizeof(c->insn)) {
		memcpy(c->region, c->payload + sizeof(acc), acc.count);
		ret = execute_region(c, acc.count);
	} else {
		return reply(c, EINVAL, NULL, 0);
	}
	return ret ? reply(c, -ret, NULL, 0) : reply(c, 0, &acc, sizeof(acc));
}

static int do_region_read(struct conn *c)
{
	struct region_access acc;

	if (c->len != sizeof(acc) || c->nfds)
		return reply(c, EINVAL, NULL, 0);
	memcpy(&acc, c->payload, sizeof(acc));
	if (acc.region >= vfio_user_regions || acc.offset > sizeof(c->insn) ||
	    acc.count > sizeof(c->insn) - acc.offset)
		return reply(c, EINVAL, NULL, 0);
	c->out.access = acc;
	memcpy(c->out.data, c->region + acc.offset, acc.count);
	return reply(c, 0, &c->out, sizeof(acc) + acc.count);
}

static int do_set_irqs(struct conn *c)
{
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} arg;
	long ret;

	if (c->len < sizeof(arg.set))
		return reply(c, EINVAL, NULL, 0);
	memcpy(&arg.set, c->payload, sizeof(arg.set));
	/* eventfds travel as SCM_RIGHTS, one per interrupt; none means -1 */
	if (c->nfds > 1 || (c->nfds && arg.set.count != 1) ||
	    (c->nfds && !(arg.set.flags & VFIO_IRQ_SET_DATA_EVENTFD)))
		return reply(c, EINVAL, NULL, 0);
	arg.set.argsz = sizeof(arg);
	arg.fd = c->nfds ? c->fds[0] : -1;
	/* the driver takes its own reference to the eventfd */
	ret = sim_vfio_ioctl(c->vdev, VFIO_DEVICE_SET_IRQS, &arg);
	return reply(c, ret ? (int)-ret : 0, NULL, 0);
}

/* the firmware's adapter-interruption index: one eventfd per guest ISC */
static int adapter_irq_info(struct conn *c)
{
	struct vfio_irq_info info;

	if (c->len < sizeof(info) || c->nfds)
		return reply(c, EINVAL, NULL, 0);
	memcpy(&info, c->payload, sizeof(info));
	if (info.argsz < sizeof(info))
		return reply(c, EINVAL, NULL, 0);
	info.argsz = sizeof(info);
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = VFIO_AP_IRQ_ISCS;
	return reply(c, 0, &info, sizeof(info));
}

/*
 * Eventfds for ISCs start .. start + count - 1, as many as were sent, all
 * or none of them; with none sent, or DATA_NONE and count 0, those (or
 * all) are taken away.
 */
static int adapter_set_irqs(struct conn *c)
{
	struct vfio_irq_set set;
	unsigned int data;
	int ret;

	if (c->len < sizeof(set))
		return reply(c, EINVAL, NULL, 0);
	memcpy(&set, c->payload, sizeof(set));
	data = set.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	if ((set.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) !=
	    VFIO_IRQ_SET_ACTION_TRIGGER ||
	    set.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			  VFIO_IRQ_SET_ACTION_TYPE_MASK) ||
	    set.start >= VFIO_AP_IRQ_ISCS ||
	    set.count > VFIO_AP_IRQ_ISCS - set.start)
		return reply(c, EINVAL, NULL, 0);
	if (data == VFIO_IRQ_SET_DATA_NONE && !set.count && !c->nfds) {
		set.start = 0;
		set.count = VFIO_AP_IRQ_ISCS;
	} else if (data != VFIO_IRQ_SET_DATA_EVENTFD || !set.count ||
		   (c->nfds && c->nfds != set.count)) {
		return reply(c, EINVAL, NULL, 0);
	}
	ret = sim_kvm_set_isc_eventfds(c->kvm, set.start, set.count,
				       c->nfds ? c->fds : NULL);
	return reply(c, ret ? -ret : 0, NULL, 0);
}

/* the index of an irq message: the third word of irq_info and irq_set */
static bool irq_index(struct conn *c, uint32_t *index)
{
	if (c->len < 3 * sizeof(uint32_t))
		return false;	/* the driver refuses it as too short */
	memcpy(index, c->payload + 2 * sizeof(uint32_t), sizeof(*index));
	return true;
}

/* an interrupt index beyond what the server plays at offering */
static bool irq_hidden(struct conn *c)
{
	uint32_t index;

	return irq_index(c, &index) && index >= vfio_user_irqs;
}

/* the firmware's own index, not the driver's */
static bool irq_adapter(struct conn *c)
{
	uint32_t index;

	return irq_index(c, &index) && index == VFIO_AP_IRQ_ADAPTER;
}

static int dispatch(struct conn *c)
{
	if ((c->hdr.flags & VFIO_USER_F_TYPE_MASK) != VFIO_USER_F_REQUEST)
		return reply(c, EINVAL, NULL, 0);
	if (c->hdr.command == VFIO_USER_VERSION)
		return do_version(c);
	if (!c->opened)
		return reply(c, EINVAL, NULL, 0);

	switch (c->hdr.command) {
	case VFIO_USER_DMA_MAP:
		return do_dma_map(c);
	case VFIO_USER_DMA_UNMAP:
		return do_dma_unmap(c);
	case VFIO_USER_DEVICE_GET_INFO:
		return do_info_ioctl(c, VFIO_DEVICE_GET_INFO,
				     offsetofend(struct vfio_device_info, num_irqs));
	case VFIO_USER_DEVICE_GET_IRQ_INFO:
		if (irq_hidden(c))
			return reply(c, EINVAL, NULL, 0);
		if (irq_adapter(c))
			return adapter_irq_info(c);
		return do_info_ioctl(c, VFIO_DEVICE_GET_IRQ_INFO,
				     sizeof(struct vfio_irq_info));
	case VFIO_USER_DEVICE_SET_IRQS:
		if (irq_hidden(c))
			return reply(c, EINVAL, NULL, 0);
		if (irq_adapter(c))
			return adapter_set_irqs(c);
		return do_set_irqs(c);
	case VFIO_USER_DEVICE_RESET:
		if (c->nfds)
			return reply(c, EINVAL, NULL, 0);
		return reply(c, (int)-sim_vfio_ioctl(c->vdev, VFIO_DEVICE_RESET,
						     NULL), NULL, 0);
	case VFIO_USER_DEVICE_GET_REGION_INFO:
		return do_region_info(c);
	case VFIO_USER_REGION_WRITE:
		return do_region_write(c);
	case VFIO_USER_REGION_READ:
		return do_region_read(c);
	case VFIO_USER_DEVICE_GET_REGION_IO_FDS:
	case VFIO_USER_REGION_WRITE_MULTI:
		/* the region's fd comes with its info; no posted writes */
		return reply(c, EINVAL, NULL, 0);
	default:
		return reply(c, ENOSYS, NULL, 0);
	}
}

/* the end of a connection: as if the VMM closed the device file */
static void conn_end(struct conn *c)
{
	int i;

	for (i = 0; i < VFIO_USER_MAX_MAPS; i++)
		if (c->maps[i].size)
			unmap_one(c, &c->maps[i]);
	if (c->opened)
		sim_vfio_close(c->vdev);
	if (c->kvm)
		sim_kvm_put(c->kvm);
	close_fds(c);
}

/*
 * The region's memory: a memfd the client can map, sealed so that neither
 * side can shrink it under the other's mapping; or private memory.
 */
static int region_create(struct conn *c)
{
	c->region_fd = memfd_create("vfio-ap-insn",
				    MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (c->region_fd >= 0 &&
	    (ftruncate(c->region_fd, VFIO_AP_INSN_REGION_SIZE) ||
	     fcntl(c->region_fd, F_ADD_SEALS,
		   F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))) {
		close(c->region_fd);
		c->region_fd = -1;
	}
	c->region = mmap(NULL, VFIO_AP_INSN_REGION_SIZE, PROT_READ | PROT_WRITE,
			 c->region_fd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS,
			 c->region_fd, 0);
	if (c->region == MAP_FAILED) {
		if (c->region_fd >= 0)
			close(c->region_fd);
		return -ENOMEM;
	}
	return 0;
}

int vfio_user_serve(struct vfio_device *vdev, int sock)
{
	struct conn *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	c->vdev = vdev;
	c->sock = sock;
	c->payload = malloc(VFIO_USER_MAX_MSG);
	if (!c->payload || region_create(c)) {
		free(c->payload);
		free(c);
		return -ENOMEM;
	}
	for (;;) {
		ret = read_full(c, &c->hdr, sizeof(c->hdr), true);
		if (ret <= 0)
			break;
		/* framing the server cannot trust: no way to find the next one */
		if (c->hdr.size < sizeof(c->hdr) || c->hdr.size > VFIO_USER_MAX_MSG) {
			ret = -EBADMSG;
			break;
		}
		c->len = c->hdr.size - sizeof(c->hdr);
		ret = read_full(c, c->payload, c->len, false);
		if (ret <= 0) {
			ret = ret ? ret : -EPIPE;
			break;
		}
		ret = dispatch(c);
		close_fds(c);
		if (ret)
			break;
	}
	conn_end(c);
	munmap(c->region, VFIO_AP_INSN_REGION_SIZE);
	if (c->region_fd >= 0)
		close(c->region_fd);
	free(c->payload);
	free(c);
	return ret;
}
