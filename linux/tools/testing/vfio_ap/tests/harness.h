/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers: TAP output, a standard simulated machine with the driver
 * loaded, and the leak and lock checks every test ends with.
 */
#ifndef _HARNESS_H
#define _HARNESS_H

#include "sim.h"
#include "vfio_ap_private.h"
#include "../lockval/lockval.h"

/* a failed CHECK fails the current test and says where */
#define CHECK(cond) t_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ_STR(a, b) t_check_str((a), (b), #a, __FILE__, __LINE__)
#define CHECK_EQ_INT(a, b) t_check_int((long)(a), (long)(b), #a, __FILE__, __LINE__)

bool t_check(bool ok, const char *what, const char *file, int line);
bool t_check_str(const char *got, const char *want, const char *what,
		 const char *file, int line);
bool t_check_int(long got, long want, const char *what, const char *file,
		 int line);
/* run one test function as one TAP line */
void t_run(const char *name, void (*fn)(void));
/* print the summary line; the exit status */
int t_done(void);

/*
 * A host with adapters @apm, domains @aqm, control domains @adm (lists such
 * as "0-15"), every queue free for vfio_ap, and the driver loaded.
 */
void t_machine_up(const char *apm, const char *aqm, const char *adm);
/* the same on a host whose highest adapter id is @na, domain id @nd */
void t_machine_up_max(unsigned int na, unsigned int nd, const char *apm,
		      const char *aqm, const char *adm);
/* unload and check: no leak, no pin, no lock report, no warning */
void t_machine_down(void);

/*
 * TAPQ until the queue's interrupts show @on, as Linux's AP bus waits for
 * an enable (at most 100 times); whether they did
 */
bool t_irq_shows(int apqn, bool on);

/* the parent of all mdevs */
struct device *t_matrix_dev(void);

/* mdev helpers */
struct mdev_device *t_mdev(const char *uuid);
int t_write(struct mdev_device *mdev, const char *attr, const char *val);
const char *t_read(struct mdev_device *mdev, const char *attr);
struct ap_matrix_mdev *t_matrix_mdev(struct mdev_device *mdev);
struct vfio_device *t_vdev(struct mdev_device *mdev);
/* an mdev with adapters @apm and domains @aqm assigned (lists) */
struct mdev_device *t_mdev_with(const char *uuid, const char *apm,
				const char *aqm);
/* a guest with 1 MiB at @mem_base opens the mdev, its memory DMA-mapped */
struct kvm *t_attach(struct mdev_device *mdev, gpa_t mem_base);
/* close, unmap, and drop the guest */
void t_detach(struct mdev_device *mdev, struct kvm *kvm);
/* the guest's masks as lists, "apm aqm adm", e.g. "1-2 4 -" */
const char *t_guest(struct kvm *kvm);
/* the mdev's shadow APCB the same way */
const char *t_shadow(struct mdev_device *mdev);
/* set a host mask from a list, keeping the others */
void t_host(const char *apm, const char *aqm, const char *adm);

/* the locks a call took, in order: trace the calling thread */
struct msghdr;
/*
 * Attach @nfds file descriptors to @mh as SCM_RIGHTS, in @cbuf (room for
 * CMSG_SPACE(sizeof(int) * nfds)); nothing when @nfds is 0.
 */
void t_attach_fds(struct msghdr *mh, void *cbuf, const int *fds, int nfds);

#define T_TRACE(expr) ({ lockval_trace_start(); (void)(expr); lockval_trace_stop(); })

#endif /* _HARNESS_H */
