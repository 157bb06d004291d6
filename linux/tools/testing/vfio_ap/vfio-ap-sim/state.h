/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-ap-sim's state directory: the lock that keeps a second simulator
 * out of it, and the mdevs defined with mdevctl's JSON (DIR/mdevs/UUID.json),
 * which survive a restart.  Every write of a definition is atomic: a
 * simulator killed at any moment leaves the old definition or the new one.
 */
#ifndef _VFIO_AP_SIM_STATE_H
#define _VFIO_AP_SIM_STATE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Take DIR/lock, or fail with -EBUSY (the pid of the simulator holding it
 * in @holder) without touching anything.  The lock goes with the process.
 * Returns the lock's file descriptor.
 */
int sim_state_lock(const char *dir, long *holder);

/* store @json as the definition of @uuid, replacing any; 0 or -errno */
int sim_state_save(const char *dir, const char *uuid, const char *json,
		   size_t len);
/* forget the definition of @uuid; 0, -ENOENT or -errno */
int sim_state_forget(const char *dir, const char *uuid);

/*
 * Call @fn for each stored definition, in UUID order, with the path of
 * its file; leftovers of a write that was cut short are removed.
 */
int sim_state_for_each(const char *dir,
		       void (*fn)(void *arg, const char *uuid, const char *path),
		       void *arg);

/* --x-fault state-in-place: write definitions in place, in two halves */
extern bool sim_state_torn_writes;

#endif /* _VFIO_AP_SIM_STATE_H */
