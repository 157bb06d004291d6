/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AP instructions and RSA vectors shared by the bare-metal guests of
 * vfio-ap-test (ap-insn.c, ap-irq.c).  An instruction that takes a program
 * exception returns AP_PGM plus its code; otherwise its condition code.
 */
#ifndef AP_OPS_H
#define AP_OPS_H

#include <stdint.h>
#include "vfio-ap-guest.h"

extern volatile uint64_t pgm_resume;
extern volatile uint16_t pgm_code;
extern const uint8_t ap_vectors[];

#define APQN(a, d)	((uint64_t)(a) << 8 | (d))
#define FC(fc)		((uint64_t)(fc) << 24)
#define T_BIT		0x800000UL
#define NQAP_LAST	0x40000000UL	/* "last part", as Linux sets it */
#define DQAP_FLAG	0x80000000UL	/* as Linux's ap_dqap() sets it */
#define RC(gr1)		(((gr1) >> 16) & 0xff)
#define RC_NO_REPLY	0x10
#define DEPTH		8

/* libc.c */
void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);

int same(const uint8_t *a, const uint8_t *b, unsigned long n);
/* record @n of vfio-ap-guest.h's layout */
void record(int n, uint64_t outcome, uint64_t gr1, uint64_t gr2,
	    uint64_t value);
uint64_t outcome(int cc);

uint64_t pqap(uint64_t gr0, uint64_t *gr1, uint64_t *gr2);
uint64_t pqap_simple(uint64_t gr0, uint64_t *gr1, uint64_t *gr2);
/*
 * TAPQ until the queue's interrupts show @on (changing them is
 * asynchronous, as Linux's AP bus knows), or until a reset is over
 * (@on < 0: the answer is no longer 02); whether it came, within 1000
 */
int tapq_until(uint64_t apqn, int on);
uint64_t nqap_once(uint64_t gr0, uint64_t psmid, uint64_t *addr,
		   uint64_t *len, uint64_t *gr1);
uint64_t dqap_once(uint64_t gr0, uint64_t *psmid, uint64_t *addr,
		   uint64_t *len, uint64_t *gr1, uint64_t *residual);

struct reply {
	uint64_t psmid, got, gr1, residual, out;
};

/* the whole message, repeating on partial completion; cc 2s in *parts */
uint64_t send(uint64_t apqn, uint64_t psmid, const uint8_t *msg,
	      uint64_t len, uint64_t *gr1, uint64_t *parts);
/* one reply, as Linux's ap_dqap() takes it */
void take(uint64_t apqn, uint8_t *buf, uint64_t room, struct reply *r);
/* wait for the oldest reply: poll while there is none yet */
void receive(uint64_t apqn, uint8_t *buf, uint64_t room, struct reply *r);

struct vector {
	const uint8_t *msg, *want;
	uint32_t len, size;
};

/* RSA ME and CRT for 1024, 2048 and 4096 bits, from mkvectors */
extern struct vector vectors[6];
uint32_t be32(const uint8_t *p);
void load_vectors(void);
/* a type80 reply with the vector's result */
int right(const uint8_t *reply, const struct reply *r,
	  const struct vector *v);

/* the TOD clock: 4096 units a microsecond */
uint64_t tod(void);
/*
 * An enabled wait for an I/O interruption (ap-start.S counts it in
 * io_count); none: it waits for ever
 */
void wait_for_io(void);
extern volatile uint64_t io_count;
extern volatile uint32_t io_word;

#endif
