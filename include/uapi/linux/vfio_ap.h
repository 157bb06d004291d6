/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vfio-ap interfaces shared by the vfio_ap driver, QEMU's vfio-ap device
 * and the vfio-user simulator: the interrupt indexes, and the instruction
 * region through which a backend that plays the firmware executes the
 * guest's AP instructions (PQAP, NQAP, DQAP) when no SIE does.
 *
 * Linux 6.12's <linux/vfio.h> knows only the device-request index; the
 * config-change index came later (as VFIO_AP_CFG_CHG_IRQ_INDEX).  These
 * names do not clash with either version of that header.
 */
#ifndef _UAPI_LINUX_VFIO_AP_H
#define _UAPI_LINUX_VFIO_AP_H

#include <linux/types.h>
#include <linux/vfio.h>

/* eventfd signalled when the host wants the mediated device back */
#define VFIO_AP_IRQ_REQUEST		0
/* eventfd signalled whenever the guest's AP configuration changes */
#define VFIO_AP_IRQ_CFG_CHANGE		1
#define VFIO_AP_IRQ_COUNT		2

/*
 * The adapter-interruption index, offered only by a backend that plays the
 * firmware (under KVM the firmware posts AP interrupts to the GISA and the
 * VMM never sees them).  It has VFIO_AP_IRQ_ISCS interrupts, one per guest
 * interruption subclass: when a reply becomes ready on a queue whose
 * interrupts the guest enabled with PQAP(AQIC), the backend stores a
 * non-zero byte in the guest's notification indicator byte (NIB) and, if
 * that byte was zero, signals the eventfd of the ISC the guest gave.  The
 * VMM then raises an I/O adapter interruption for that ISC if a NIB of
 * that ISC is non-zero; a signal without one is dropped.
 */
#define VFIO_AP_IRQ_ADAPTER		2
#define VFIO_AP_IRQ_ISCS		8

/*
 * The instruction region.  Under KVM, SIE executes the AP instructions and
 * a kernel backend has no such region.  A backend that offers it (region
 * index VFIO_AP_INSN_REGION_INDEX, readable and writable,
 * VFIO_AP_INSN_REGION_SIZE bytes) executes one instruction per write.
 * The region holds a struct vfio_ap_insn at offset 0 and a doorbell at
 * VFIO_AP_INSN_DOORBELL:
 *
 *   1. the VMM puts the header and, for NQAP, data_len bytes of data at
 *      offset 0: with one write there, which also executes it; or, in a
 *      region it has mapped (VFIO_REGION_INFO_FLAG_MMAP), by storing them
 *      and then writing any 8 bytes to the doorbell, which executes it;
 *   2. the backend executes the instruction against the guest's AP
 *      configuration (the masks of its CRYCB), never trusting the VMM: it
 *      takes a copy of what is in the region before it looks at it, and
 *      stores the result there before the write completes;
 *   3. the VMM reads the header back, and data_len bytes of data for DQAP
 *      and PQAP(QCI), at offset 0 (with a read, or from its mapping).
 *
 * Numbers are in host byte order; data is the guest's bytes as they are.
 * The backend answers every write, and sends no request to the VMM while
 * an instruction is outstanding (the vCPU waits with the VMM's big lock).
 * The VMM checks the operands (privilege, specification, addressing) and
 * accesses guest memory; the backend never sees a program exception.
 */
#define VFIO_AP_INSN_REGION_INDEX	0

/* the most data one execution moves: the VMM stops at a page boundary */
#define VFIO_AP_INSN_DATA_MAX		4096

/* the size of the region, and the doorbell in its last 8 bytes */
#define VFIO_AP_INSN_REGION_SIZE	8192
#define VFIO_AP_INSN_DOORBELL		(VFIO_AP_INSN_REGION_SIZE - 8)

#define VFIO_AP_OP_PQAP			0xb2af
#define VFIO_AP_OP_NQAP			0xb2ad
#define VFIO_AP_OP_DQAP			0xb2ae

/**
 * struct vfio_ap_insn - one AP instruction and its result
 * @opcode:   VFIO_AP_OP_*
 * @cc:       out: the condition code
 * @reserved: zero
 * @data_len: in: NQAP: bytes of the message part in @data; DQAP: the most
 *            this execution may store (the VMM stops at a page boundary);
 *            at most VFIO_AP_INSN_DATA_MAX.  out: bytes stored in @data
 *            (DQAP, QCI), 0 otherwise
 * @gr0:      in: general register 0 (function code, flags, APQN)
 * @gr1:      in: general register 1 (AQIC control word); out: status word
 * @gr2:      in: general register 2 (AQIC NIB address); out: TAPQ info
 *            word, DQAP residual reply length
 * @psmid:    in (NQAP): the request id from R1/R1+1; out (DQAP): the id of
 *            the reply being dequeued
 * @length:   in: NQAP: message bytes left to send (R2+1) including this
 *            part; DQAP: room left in the guest's buffer (R2+1)
 * @data:     the message part (NQAP), reply part (DQAP), QCI block (QCI)
 */
struct vfio_ap_insn {
	__u16 opcode;
	__u8 cc;
	__u8 reserved;
	__u32 data_len;
	__u64 gr0;
	__u64 gr1;
	__u64 gr2;
	__u64 psmid;
	__u64 length;
	__u8 data[VFIO_AP_INSN_DATA_MAX];
};

/* the header alone: what a write without data and every read carry */
#define VFIO_AP_INSN_HDR_SIZE		48

#endif /* _UAPI_LINUX_VFIO_AP_H */
