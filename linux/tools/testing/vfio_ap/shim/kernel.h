/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel basics for the user-space build of the vfio_ap driver: types,
 * errors, printing, allocation (counted, and failable on demand), string
 * helpers.  Only what the driver uses.
 */
#ifndef _SHIM_KERNEL_H
#define _SHIM_KERNEL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <assert.h>
#include <sys/types.h>
#include <pthread.h>

#include "../lockval/locks.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int32_t __s32;
typedef int64_t __s64;
typedef __u64 __aligned_u64 __attribute__((aligned(8)));
typedef u64 dma_addr_t;
typedef u64 phys_addr_t;
typedef u64 gpa_t;

/* the kernel's static_assert: the message may be left out (not C11's) */
#undef static_assert
#define static_assert(expr, ...) shim_static_assert(expr, ##__VA_ARGS__, #expr)
#define shim_static_assert(expr, msg, ...) _Static_assert(expr, msg)

#define __user
#define __init
#define __exit
#define __aligned(x)		__attribute__((aligned(x)))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define GFP_KERNEL		0
#define KBUILD_MODNAME		"vfio_ap"

#define BITS_PER_LONG		64
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif
#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define min(a, b)		((a) < (b) ? (a) : (b))

#define MAX_ERRNO		4095
#define IS_ERR_VALUE(x)		((unsigned long)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE(ptr); }

/* printing: counted so that tests can see a warning was given */
extern unsigned int shim_warnings;
/* if set, sees the text of every message (tests sort expected ones out) */
extern void (*shim_printk_hook)(const char *text);
void shim_printk(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_warn(fmt, ...)	shim_printk("warn", pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	shim_printk("info", pr_fmt(fmt), ##__VA_ARGS__)
/*
 * As the kernel's printk_ratelimited(): per call site, at most
 * SHIM_RATELIMIT_BURST messages in SHIM_RATELIMIT_SECONDS, the rest dropped
 */
#define SHIM_RATELIMIT_BURST	10
#define SHIM_RATELIMIT_SECONDS	5
struct shim_ratelimit {
	pthread_mutex_t lock;
	long long begin_ns;
	unsigned int printed;
	unsigned int epoch;
};
bool shim_ratelimit_ok(struct shim_ratelimit *rs);
/* every call site starts afresh, as after a reboot: for each test */
void shim_ratelimit_reset(void);
#define pr_warn_ratelimited(fmt, ...) ({					static struct shim_ratelimit __rs = {						.lock = PTHREAD_MUTEX_INITIALIZER };				if (shim_ratelimit_ok(&__rs))							pr_warn(fmt, ##__VA_ARGS__);				})
#define dev_notice(dev, fmt, ...) shim_printk("notice", fmt, ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...)	shim_printk("warn", fmt, ##__VA_ARGS__)

/* a WARN is a driver bug: counted as a failure by the tests */
extern unsigned int shim_warn_ons;
#define WARN_ON_ONCE(cond) ({						\
	bool __c = !!(cond);						\
	if (__c) {							\
		shim_warn_ons++;					\
		fprintf(stderr, "WARNING at %s:%d: %s\n",		\
			__FILE__, __LINE__, #cond);			\
	}								\
	__c;								\
})

/*
 * Allocation: every allocation is counted, so a test can check that all is
 * freed, and the Nth allocation from now can be made to fail.
 */
void *kzalloc(size_t size, int flags);
void kfree(const void *ptr);
void *kvcalloc(size_t n, size_t size, int flags);
#define kvfree(p) kfree(p)
#define kcalloc(n, size, flags) kvcalloc(n, size, flags)
long shim_allocations_live(void);
void shim_fail_nth_alloc(long nth);	/* 1: the next one; 0: none */
long shim_allocations_made(void);	/* since start, for counting */

int kstrtoul(const char *s, unsigned int base, unsigned long *res);
int hex_to_bin(unsigned char ch);	/* 0-15, or -1 */
/*
 * A real sleep of @ms microseconds, not milliseconds (time is not what the
 * tests are about), or of @ms milliseconds after shim_real_sleep(true), for
 * benchmarks; lockval checks no no-sleep lock is held.
 */
void shim_msleep(unsigned int ms, const struct lockval_site *site);
#define msleep(ms) shim_msleep((ms), LOCKVAL_SITE)
void shim_real_sleep(bool real);
/* msleep(ms) sleeps @us_per_ms microseconds per millisecond (1 by default) */
void shim_sleep_scale(unsigned int us_per_ms);
unsigned long shim_sleeps(void);	/* msleep() calls since start */
/* for tests: run once by the next msleep(), as the driver waits */
extern void (*shim_msleep_hook)(void);

#endif /* _SHIM_KERNEL_H */
