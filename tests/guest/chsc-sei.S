/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bare s390x guest for vfio-ap-test: it asks CHSC store-event-information
 * three times, as a guest kernel does after an AP channel report word, and
 * keeps each response and condition code where the test reads them.  QEMU
 * starts it in 64-bit mode at its ELF entry (-kernel).
 *
 * Layout the test relies on (see vfio-ap-test.c):
 *   0x30000 + n * 0x1000: request block n (16 bytes), response at +16
 *   0x33000 + n * 4:      condition code of call n
 *   0x33010:              1 once all calls are done
 */
	.text
	.globl	_start
_start:
	lghi	%r4, 0			/* call number */
	larl	%r5, reqs
	larl	%r6, ccs
next:
	/* CHSC with the request block's address in R1 */
	.insn	rre, 0xb25f0000, %r5, 0
	ipm	%r2
	srl	%r2, 28
	st	%r2, 0(%r6)
	aghi	%r5, 0x1000
	aghi	%r6, 4
	aghi	%r4, 1
	cghi	%r4, 3
	jl	next
	larl	%r6, done
	mvi	0(%r6), 1
wait:
	j	wait

	.data
	.balign	4096
reqs:
	.rept	3
	.short	0x0010			/* request length */
	.short	0x000e			/* store event information */
	.long	0
	.quad	0			/* selection mask: nt0 always */
	.balign	4096
	.endr
ccs:
	.long	0xff, 0xff, 0xff, 0
done:
	.byte	0
