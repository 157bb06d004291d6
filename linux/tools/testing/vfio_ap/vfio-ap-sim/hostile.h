/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-ap-sim as a hostile vfio-user server (--x-hostile), for testing the
 * client, QEMU: its replies go wrong in one chosen way, or in a random way,
 * for a given share of them.  The server's own handling stays correct; only
 * what goes on the wire is spoiled.
 */
#ifndef _VFIO_AP_SIM_HOSTILE_H
#define _VFIO_AP_SIM_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/vfio_ap.h>

#include "vfio_user.h"

/*
 * "MODE[:PERCENT[:SEED]]"; MODE one of wrong-size, wrong-id, extra-fds,
 * no-fd, bad-region, garbage, no-reply, cut, bad-answer, deaf, random.
 * 0 or -EINVAL.
 */
int sim_hostile_parse(const char *spec);
/* whether replies are spoiled at all */
bool sim_hostile_on(void);

/*
 * Send the reply @hdr, @data (@len bytes) and @fd (-1: none) on @sock,
 * spoiled or not.  Returns 0 to go on, a negative errno to end the
 * connection (a reply cut in the middle ends it).
 */
int sim_hostile_reply(int sock, const struct vfio_user_hdr *hdr,
		      const void *data, size_t len, int fd);

/**
 * sim_hostile_answer() - spoil an instruction's answer, as bad-answer says
 * @answer: the answer in the instruction region, after the execution
 *
 * Changes the header only: the data in the region stays what it was.
 */
void sim_hostile_answer(struct vfio_ap_insn *answer);

#endif /* _VFIO_AP_SIM_HOSTILE_H */
