/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bare s390x guest for vfio-ap-test's "SEI after a dropped event": it
 * takes the pending channel report word, asks CHSC store-event-information
 * after the test unplugged the device whose event it was (its event is
 * dropped; the unplug itself is one) until there is no event, then, after
 * a config change of a new device, looks for a new channel report word.  QEMU starts it in 64-bit mode at _start.
 *
 * Layout the test relies on (see vfio-ap-test.c):
 *   0x30000: the SEI request block, response at +16
 *   0x31000: where STCRW stores; 0x31010: go (set by the test, 1 then 2)
 *   0x31018: stage (1, then 2 when done)
 *   0x31020, 0x31024: condition codes of the first and second STCRW
 *   0x31028: condition code of the last CHSC
 *   0x3102c: events SEI stored before it found none (the unplug's)
 */
	.text
	.globl	_start
_start:
	larl	%r7, area
	lghi	%r8, 1
	brasl	%r14, wait_go
	stcrw	0(%r7)
	ipm	%r2
	srl	%r2, 28
	st	%r2, 0x20(%r7)
	/* SEI until there is no event, at most 4 times; events in 0x2c */
	lghi	%r9, 4
2:	larl	%r5, req
	.insn	rre, 0xb25f0000, %r5, 0
	ipm	%r2
	srl	%r2, 28
	st	%r2, 0x28(%r7)
	clhhsi	18(%r5), 1		/* response code 1: an event stored */
	jne	3f
	asi	0x2c(%r7), 1
	brctg	%r9, 2b
3:
	mvghi	0x18(%r7), 1
	lghi	%r8, 2
	brasl	%r14, wait_go
	stcrw	0(%r7)
	ipm	%r2
	srl	%r2, 28
	st	%r2, 0x24(%r7)
	mvghi	0x18(%r7), 2
1:	j	1b

/* wait until go (0x10 in the area) equals r8 */
wait_go:
	cg	%r8, 0x10(%r7)
	jne	wait_go
	br	%r14

	.data
	.balign	4096
req:
	.short	0x0010			/* request length */
	.short	0x000e			/* store event information */
	.long	0
	.quad	0			/* selection mask: nt0 always */
	.balign	4096
area:
	.long	0, 0, 0, 0
	.quad	0			/* go */
	.quad	0			/* stage */
	.long	0xff, 0xff, 0xff, 0

	.section .note.GNU-stack, "", @progbits
