/*
 * What the bare-metal guest tests/guest/ap-loop.c counts, and where, for
 * vfio-ap-test to watch while it kills and restarts the backend.  Shared
 * by both; the guest is big-endian.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef VFIO_AP_LOOP_GUEST_H
#define VFIO_AP_LOOP_GUEST_H

#define AP_LOOP_RESULTS         0x70000
/* 64-bit counters: requests begun, and how each ended */
#define AP_LOOP_REQUESTS        (AP_LOOP_RESULTS + 0)
#define AP_LOOP_RIGHT           (AP_LOOP_RESULTS + 8)   /* the right result */
#define AP_LOOP_WRONG           (AP_LOOP_RESULTS + 16)  /* a wrong reply */
#define AP_LOOP_RC              (AP_LOOP_RESULTS + 24)  /* cc 3 with an RC */
#define AP_LOOP_LAST_RC         (AP_LOOP_RESULTS + 32)  /* the last of those */
#define AP_LOOP_NO_REPLY        (AP_LOOP_RESULTS + 40)  /* polling gave up */

#endif
