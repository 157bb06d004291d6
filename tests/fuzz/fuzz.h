/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer targets of vfio-ap share: reading an input as a
 * stream of fields, and failing loudly (abort, so that libFuzzer keeps the
 * input) when an invariant of the code under test does not hold.
 */
#ifndef _VFIO_AP_FUZZ_H
#define _VFIO_AP_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the input, consumed from the front */
struct fuzz_input {
	const uint8_t *p;
	size_t left;
};

static inline uint64_t fuzz_take(struct fuzz_input *in, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--) {
		v = v << 8 | (in->left ? *in->p : 0);
		if (in->left) {
			in->p++;
			in->left--;
		}
	}
	return v;
}

/* up to @max bytes of the input, as they are */
static inline size_t fuzz_take_bytes(struct fuzz_input *in, void *out,
				     size_t max)
{
	size_t n = max < in->left ? max : in->left;

	memcpy(out, in->p, n);
	in->p += n;
	in->left -= n;
	return n;
}

/* the input up to the next @sep (consumed, not stored) as a C string */
static inline void fuzz_take_text(struct fuzz_input *in, char sep, char *out,
				  size_t size)
{
	size_t n = 0;

	while (in->left && *in->p != sep) {
		if (n + 1 < size)
			out[n++] = (char)*in->p;
		in->p++;
		in->left--;
	}
	if (in->left) {
		in->p++;
		in->left--;
	}
	out[n] = '\0';
}

static inline void fuzz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static inline void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz: invariant broken: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

#ifdef _LOCKVAL_LOCKVAL_H	/* the harness targets */
/*
 * Before the first input: the simulator quiet, and no clock read on every
 * lock operation (hold times are a benchmark's concern, not a fuzzer's).
 */
static inline void fuzz_harness_init(void)
{
	setenv("SIM_QUIET", "1", 1);
	lockval_set_hold_timing(false);
}

/*
 * After an input: the lock validator saw no wrong order or use, and the
 * calling thread holds no lock.  Its reports alone only go to stderr.
 */
static inline void fuzz_check_locks(void)
{
	if (lockval_failures())
		fuzz_fail("lock validator: %s", lockval_last_report());
	if (lockval_held_count())
		fuzz_fail("%u locks still held", lockval_held_count());
}
#endif

#endif /* _VFIO_AP_FUZZ_H */
