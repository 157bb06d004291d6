/*
 * What the bare-metal AP interrupt guest (tests/guest/ap-irq.c) records for
 * vfio-ap-test, in the layout of vfio-ap-guest.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef VFIO_AP_IRQ_GUEST_H
#define VFIO_AP_IRQ_GUEST_H

#include "vfio-ap-guest.h"

#define AP_IRQ_GUEST_ISC        6

/*
 * The records, with what value and gr2 hold where they hold something:
 * REC_IRQ_WAIT: value the I/O interruption word, gr2 the NIB when the
 * handler ran; REC_IRQ_WAIT_REPLY: value 1 if the result is right;
 * REC_IRQ_MASKED, REC_IRQ_UNMASKED: value the interruptions seen (0, 1);
 * REC_IRQ_MANY: value the replies (40), gr2 the interruptions;
 * REC_IRQ_OFF_*: value the interruptions while a reply became ready (0),
 * gr2 the NIB (0).
 */
enum {
    REC_IRQ_ENABLE,         /* AQIC on 01.0001, ISC 6 */
    REC_IRQ_TAPQ_ON,        /* TAPQ after it: gr1 shows interrupts on */
    REC_IRQ_AGAIN,          /* AQIC on again: rc 07 */
    REC_IRQ_NIB_ZERO,       /* AQIC on 01.0002 with NIB 0: rc 06 */
    REC_IRQ_NIB_OUT,        /* NIB beyond guest memory: rc 06 */
    REC_IRQ_NIB_HIGH,       /* NIB at 64 MiB, within it: cc 0 (then off) */
    REC_IRQ_WAIT,           /* an enabled wait for a reply */
    REC_IRQ_WAIT_REPLY,     /* its DQAP */
    REC_IRQ_MASKED,         /* ISC masked in CR6, the reply ready */
    REC_IRQ_UNMASKED,       /* then unmasked */
    REC_IRQ_MANY,           /* 2 queues x 20 rounds */
    REC_IRQ_OFF_AQIC,       /* after AQIC off */
    REC_IRQ_OFF_RAPQ,       /* after RAPQ (enabled again first) */
    REC_IRQ_OFF_ZAPQ,       /* after ZAPQ (the same) */
    REC_IRQ_REENABLE,       /* AQIC on after the resets: cc 0 */
    REC_IRQ_OFF_AGAIN,      /* AQIC off when they show off: rc 07 */
    REC_IRQ_COUNT
};

#endif
