/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Start-up of the bare-metal AP guest: a stack, a program-check handler,
 * then main().  QEMU enters at _start in 64-bit mode (-kernel).  The
 * handler keeps the program interruption code in pgm_code and resumes at
 * the address a test put in pgm_resume, in supervisor state: a test
 * expecting an exception sets it just before the instruction.  It uses
 * r1 and r2, which every such test declares clobbered.
 *
 * An I/O interruption is counted in io_count, its identification word
 * (lowcore 0xc0) kept in io_word; the interrupted code goes on with I/O
 * interruptions masked and, if it was an enabled wait, after the wait.
 */
	.text
	.globl	_start
_start:
	larl	%r15, stack_top
	aghi	%r15, -160
	/* program new PSW: 64-bit supervisor state, DAT and interrupts off */
	larl	%r1, pgm_new_psw
	mvc	0x1d0(16, %r0), 0(%r1)
	/* I/O new PSW: the same state */
	larl	%r1, io_new_psw
	mvc	0x1f0(16, %r0), 0(%r1)
	brasl	%r14, main
1:	j	1b

pgm_handler:
	llgh	%r2, 0x8e			/* program interruption code */
	larl	%r1, pgm_code
	sth	%r2, 0(%r1)
	larl	%r1, pgm_resume
	lg	%r2, 0(%r1)
	larl	%r1, resume_psw
	stg	%r2, 8(%r1)
	lpswe	0(%r1)

io_handler:
	stmg	%r1, %r2, 0x200			/* a free part of the lowcore */
	larl	%r1, io_word
	mvc	0(4, %r1), 0xc0
	larl	%r1, io_count
	lg	%r2, 0(%r1)
	aghi	%r2, 1
	stg	%r2, 0(%r1)
	ni	0x170, 0xfd			/* old PSW: I/O masked ... */
	ni	0x171, 0xfd			/* ... and no wait */
	lmg	%r1, %r2, 0x200
	lpswe	0x170

	.data
	.balign	8
io_new_psw:
	.quad	0x0000000180000000, io_handler
pgm_new_psw:
	.quad	0x0000000180000000, pgm_handler
resume_psw:
	.quad	0x0000000180000000, 0
	.globl	pgm_code, pgm_resume, ap_vectors, io_count, io_word
io_count:
	.quad	0
io_word:
	.long	0
	.balign	8
pgm_resume:
	.quad	0
pgm_code:
	.short	0
	.balign	8
ap_vectors:
	.incbin	VECTORS

	.bss
	.balign	4096
	.space	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
