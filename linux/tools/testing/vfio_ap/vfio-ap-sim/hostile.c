// SPDX-License-Identifier: GPL-2.0
/*
 * The ways a reply goes wrong under --x-hostile: each the kind of reply a
 * broken or malicious server could send QEMU's vfio-user client.
 *
 *   wrong-size   the header's size off (too short, a little or very long)
 *   wrong-id     the id of no request QEMU sent
 *   extra-fds    three more file descriptors than the reply carries
 *   no-fd        the file descriptor of a reply (the region's) left out
 *   bad-region   a region's size and offset out of any range
 *   garbage      the payload replaced by random bytes
 *   no-reply     no reply at all (QEMU's wait must end on its own)
 *   cut          half of the reply, then the connection closed
 *   bad-answer   an instruction's answer in the region the VMM must not
 *                take: another opcode than the one asked, a condition
 *                code above 3, more data than an answer can carry
 *   short-qci    a QCI answered with 16 bytes of its block, not 128
 *   deaf         after the reply to a region write, nothing more is read:
 *                QEMU's next message fails to send (EPIPE) while the
 *                connection stays open, so only the failed send can tell
 *                QEMU that the backend is gone
 *   random       one of the above, chosen for each spoiled reply or answer
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "hostile.h"
#include "sim.h"

enum hostile_mode {
	HOSTILE_OFF,
	HOSTILE_WRONG_SIZE,
	HOSTILE_WRONG_ID,
	HOSTILE_EXTRA_FDS,
	HOSTILE_NO_FD,
	HOSTILE_BAD_REGION,
	HOSTILE_GARBAGE,
	HOSTILE_NO_REPLY,
	HOSTILE_CUT,
	HOSTILE_BAD_ANSWER,
	HOSTILE_SHORT_QCI,
	HOSTILE_DEAF,
	HOSTILE_RANDOM,
};

static const char *const mode_names[] = {
	[HOSTILE_WRONG_SIZE] = "wrong-size",
	[HOSTILE_WRONG_ID] = "wrong-id",
	[HOSTILE_EXTRA_FDS] = "extra-fds",
	[HOSTILE_NO_FD] = "no-fd",
	[HOSTILE_BAD_REGION] = "bad-region",
	[HOSTILE_GARBAGE] = "garbage",
	[HOSTILE_NO_REPLY] = "no-reply",
	[HOSTILE_CUT] = "cut",
	[HOSTILE_BAD_ANSWER] = "bad-answer",
	[HOSTILE_SHORT_QCI] = "short-qci",
	[HOSTILE_DEAF] = "deaf",
	[HOSTILE_RANDOM] = "random",
};

#define EXTRA_FDS	3
#define MAX_REPLY	(64 * 1024)
/* longer than any test waits for QEMU to give up on a deaf backend */
#define DEAF_WAIT_MS	60000

static enum hostile_mode mode;
static unsigned int percent = 100;
/* replies come from several client threads */
static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next_random(void)
{
	uint64_t x;

	pthread_mutex_lock(&rng_lock);
	/* xorshift64*: reproducible from the seed, good enough here */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	x = rng_state * 0x2545f4914f6cdd1dULL;
	pthread_mutex_unlock(&rng_lock);
	return x;
}

int sim_hostile_parse(const char *spec)
{
	char name[32], *end;
	const char *colon = strchr(spec, ':');
	unsigned long v;
	size_t i, n = colon ? (size_t)(colon - spec) : strlen(spec);

	if (n >= sizeof(name))
		return -EINVAL;
	memcpy(name, spec, n);
	name[n] = '\0';
	for (i = 1; i < ARRAY_SIZE(mode_names); i++)
		if (!strcmp(name, mode_names[i]))
			break;
	if (i == ARRAY_SIZE(mode_names))
		return -EINVAL;
	mode = i;
	if (!colon)
		return 0;
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || v < 1 || v > 100 ||
	    (*end && *end != ':'))
		return -EINVAL;
	percent = v;
	if (!*end)
		return 0;
	errno = 0;
	v = strtoul(end + 1, &end, 0);
	if (errno || *end || !v)
		return -EINVAL;
	rng_state = v;
	return 0;
}

bool sim_hostile_on(void)
{
	return mode != HOSTILE_OFF;
}

/* one sendmsg of @len bytes with @nfds descriptors, then the rest */
static int send_with_fds(int sock, const void *buf, size_t len,
			 const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * (EXTRA_FDS + 1))] = { 0 };
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	if (nfds) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	while (len) {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		iov.iov_base = (char *)iov.iov_base + n;
		iov.iov_len -= n;
		len -= n;
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
	}
	return 0;
}

/*
 * Wait (at most DEAF_WAIT_MS) for the peer to shut its end of @sock or
 * close it: a close of ours would be seen by QEMU's read handler, and the
 * point is that nothing but a failed send tells.
 */
static int stay_deaf(int sock)
{
	struct pollfd pfd = { .fd = sock, .events = 0 };
	int n;

	do {
		n = poll(&pfd, 1, DEAF_WAIT_MS);
	} while (n < 0 && errno == EINTR);
	return -ECONNABORTED;
}

static enum hostile_mode pick(void)
{
	if (next_random() % 100 >= percent)
		return HOSTILE_OFF;
	if (mode != HOSTILE_RANDOM)
		return mode;
	return HOSTILE_WRONG_SIZE + next_random() % (HOSTILE_RANDOM -
						      HOSTILE_WRONG_SIZE);
}

/* each connection's thread spoils its replies in its own buffer */
static __thread uint8_t reply_buf[sizeof(struct vfio_user_hdr) + MAX_REPLY];

int sim_hostile_reply(int sock, const struct vfio_user_hdr *hdr,
		      const void *data, size_t len, int fd)
{
	static const uint32_t sizes[] = { 4, 15, 1, 4096, 0x7fffffff };
	uint8_t *buf = reply_buf;
	struct vfio_user_hdr *out = (struct vfio_user_hdr *)buf;
	int fds[EXTRA_FDS + 1], nfds = fd >= 0, i, ret;
	size_t total = sizeof(*out) + len;
	struct vfio_region_info *info;

	if (len > MAX_REPLY)
		return -EMSGSIZE;
	*out = *hdr;
	memcpy(buf + sizeof(*out), data, len);
	fds[0] = fd;
	switch (pick()) {
	case HOSTILE_OFF:
	case HOSTILE_BAD_ANSWER:	/* answers are spoiled in the region */
	case HOSTILE_SHORT_QCI:
	case HOSTILE_RANDOM:
		break;
	case HOSTILE_WRONG_SIZE:
		i = next_random() % (ARRAY_SIZE(sizes));
		/* shorter than a header, a little off, or far too long */
		out->size = i < 2 ? sizes[i] : out->size + sizes[i];
		break;
	case HOSTILE_WRONG_ID:
		out->id ^= 0x5a5a;
		break;
	case HOSTILE_EXTRA_FDS:
		for (i = 0; i < EXTRA_FDS; i++)
			fds[nfds++] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		break;
	case HOSTILE_NO_FD:
		nfds = 0;
		break;
	case HOSTILE_BAD_REGION:
		if (hdr->command == VFIO_USER_DEVICE_GET_REGION_INFO &&
		    len >= sizeof(*info)) {
			info = (struct vfio_region_info *)(buf + sizeof(*out));
			info->size = ~0ULL - (next_random() & 0xfff);
			info->offset = ~0ULL << (next_random() % 64);
		}
		break;
	case HOSTILE_GARBAGE:
		for (i = 0; i < (int)len; i++)
			buf[sizeof(*out) + i] = next_random();
		break;
	case HOSTILE_NO_REPLY:
		return 0;
	case HOSTILE_CUT:
		send_with_fds(sock, buf, total / 2, fds, nfds);
		shutdown(sock, SHUT_RDWR);
		return -ECONNABORTED;
	case HOSTILE_DEAF:
		if (hdr->command != VFIO_USER_REGION_WRITE)
			break;
		/*
		 * Deaf before the reply goes out: whatever QEMU sends once it
		 * has the reply fails, none of it lies unread in our buffer
		 */
		shutdown(sock, SHUT_RD);
		ret = send_with_fds(sock, buf, total, fds, nfds);
		return ret ? ret : stay_deaf(sock);
	}
	ret = send_with_fds(sock, buf, total, fds, nfds);
	for (i = fd >= 0; i < nfds; i++)
		close(fds[i]);
	return ret;
}

void sim_hostile_answer(struct vfio_ap_insn *answer)
{
	enum hostile_mode m = mode == HOSTILE_OFF ? HOSTILE_OFF : pick();

	/* only a QCI block comes with a PQAP's answer */
	if (m == HOSTILE_SHORT_QCI && answer->opcode == VFIO_AP_OP_PQAP &&
	    answer->data_len == 128) {
		answer->data_len = 16;
		return;
	}
	if (m != HOSTILE_BAD_ANSWER)
		return;
	switch (next_random() % 3) {
	case 0:
		/* another opcode: no answer to what was asked */
		answer->opcode ^= 3;
		break;
	case 1:
		answer->cc = 4 + next_random() % 252;
		break;
	default:
		/*
		 * PQAP carries at most a QCI block, NQAP nothing, DQAP at
		 * most 4 KiB
		 */
		answer->data_len = answer->opcode == VFIO_AP_OP_DQAP ?
			VFIO_AP_INSN_DATA_MAX + 1 + next_random() % 4096 :
			answer->data_len + 129 + next_random() % 4096;
		break;
	}
}
