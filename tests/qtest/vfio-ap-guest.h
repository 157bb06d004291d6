/*
 * What the bare-metal AP guest (tests/guest/ap-insn.c) records, and where,
 * for vfio-ap-test to check.  Shared by both; the guest is big-endian.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef VFIO_AP_GUEST_H
#define VFIO_AP_GUEST_H

#define AP_GUEST_RESULTS        0x70000

/* one record per step: an outcome and what the registers or data said */
enum {
    REC_TAPQ_ZERO,          /* PQAP(TAPQ) of 00.0000: the first AP insn */
    REC_PROBLEM_STATE,      /* PQAP in problem state */
    REC_SPEC_FC,            /* function code 6 */
    REC_SPEC_AQIC,          /* AQIC without apqi */
    REC_SPEC_T_BIT,         /* TAPQ with the T bit */
    REC_SPEC_IDS,           /* TAPQ of adapter 64, domain 16 */
    REC_SPEC_QCI_ALIGN,     /* QCI block not on a doubleword */
    REC_SPEC_NQAP_ODD,      /* NQAP with an odd R1 */
    REC_SPEC_DQAP_ODD,      /* DQAP with an odd R2 */
    REC_ADDR_QCI,           /* QCI block beyond guest memory */
    REC_QCI,                /* QCI: block in AP_GUEST_QCI1 */
    REC_QCI_AFTER,          /* QCI after an assignment: AP_GUEST_QCI2 */
    REC_TAPQ_IN,            /* TAPQ with T of 01.0001 */
    REC_TAPQ_CEX6,          /* TAPQ with T of 02.0002 (a CEX6 card) */
    REC_TAPQ_OUT,           /* TAPQ of 00.0001: not the guest's */
    REC_RSA,                /* REC_RSA + n: vector n (ME, CRT x 1k/2k/4k) */
    REC_OVERLAP_A = REC_RSA + 6, /* two 4096-bit CRT on two queues */
    REC_OVERLAP_B,
    REC_QUEUE_FULL,         /* NQAP number depth + 1 */
    REC_REPLY_ORDER,        /* value: replies came in request order */
    REC_NQAP_PARTS,         /* value: cc 2 seen; a message across a page */
    REC_DQAP_PART,          /* a reply into a 100-byte buffer */
    REC_DQAP_REST,          /* the rest of it */
    REC_RAPQ,               /* DQAP after RAPQ dropped 3 requests */
    REC_ZAPQ,               /* the same after ZAPQ */
    REC_TYPE82_MSGTYPE,     /* a message of type 0x51 */
    REC_TYPE82_FORMAT,      /* an unknown keyblock type */
    REC_DQAP_EMPTY,         /* DQAP of an empty queue */
    REC_NQAP_OUT,           /* NQAP to 00.0001: not the guest's */
    REC_SPEC_PQAP_BITS,     /* TAPQ with GR0 bit 42 set */
    REC_SPEC_T_QACT,        /* QACT with the T bit */
    REC_SPEC_NQAP_BITS,     /* NQAP with GR0 bit 34 set */
    REC_SPEC_DQAP_BITS,     /* DQAP with GR0 bit 33 set */
    REC_SPEC_NQAP_ZERO,     /* NQAP of length 0 */
    REC_SPEC_DQAP_ZERO,     /* DQAP into a buffer of length 0 */
    REC_COUNT
};

/* each record: outcome (cc 0-3, or AP_PGM + program interruption code) */
#define AP_PGM                  0x100
#define AP_REC_OUTCOME          0
#define AP_REC_GR1              8
#define AP_REC_GR2              16
#define AP_REC_VALUE            24
#define AP_REC_SIZE             32

/* the guest's handshake with the test, then the records and QCI blocks */
#define AP_GUEST_STAGE          (AP_GUEST_RESULTS + 0)  /* 1: waits, 2: done */
#define AP_GUEST_GO             (AP_GUEST_RESULTS + 8)  /* test: 1 = go on */
#define AP_GUEST_REC(n)         (AP_GUEST_RESULTS + 64 + (n) * AP_REC_SIZE)
#define AP_GUEST_QCI1           (AP_GUEST_REC(REC_COUNT))
#define AP_GUEST_QCI2           (AP_GUEST_QCI1 + 128)

#endif
