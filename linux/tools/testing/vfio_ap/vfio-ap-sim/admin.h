/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-ap-sim's server: the simulated machine with the driver loaded, one
 * vfio-user socket per mdev, and the admin socket.
 */
#ifndef _VFIO_AP_SIM_ADMIN_H
#define _VFIO_AP_SIM_ADMIN_H

#include <stddef.h>

struct sim_server;
struct mdev_device;

/* host with adapters @apm, domains @aqm, control domains @adm (lists) */
int sim_server_start(const char *dir, const char *apm, const char *aqm,
		     const char *adm, struct sim_server **server);
int sim_server_create_mdev(struct sim_server *server, const char *uuid);
/*
 * Create an mdev from mdevctl's JSON definition in @path and keep the
 * definition in the state directory (DIR/mdevs); @err says why not.
 */
int sim_server_define_mdev(struct sim_server *server, const char *uuid,
			   const char *path, char *err, size_t errlen);
/* create the mdevs defined in the state directory; 0 or -errno */
int sim_server_restore(struct sim_server *server);
int sim_server_remove_mdev(struct sim_server *server, const char *uuid);
/* "APID=TYPE": the card type of an adapter, 10 (CEX4) to 14 (CEX8) */
int sim_server_card(const char *spec);
/*
 * Run one admin command @line (no newline; split in place) and put the
 * answer, as a client reads it, in @out: "ok\n" and any output, or
 * "error ERRNO: text\n" and any explanation.  Returns its length.
 */
size_t sim_server_command(struct sim_server *server, char *line, char *out,
			  size_t size);
/* @fn for each mdev, until it returns other than 0 (returned) */
int sim_server_for_each_mdev(struct sim_server *server,
			     int (*fn)(void *arg, struct mdev_device *mdev),
			     void *arg);
/*
 * Remove an mdev as sysfs's remove does: its user is asked to let go
 * (device request) and waited for, up to @wait_ms (then -EBUSY).
 */
int sim_server_release_mdev(struct sim_server *server, const char *uuid,
			    int wait_ms);
/* serve @fd in the loop too: @ready(@arg) when it can be read */
void sim_server_watch(struct sim_server *server, int fd,
		      void (*ready)(void *arg), void *arg);
/* wait up to @timeout_ms for connections and admin commands, serve them */
void sim_server_poll(struct sim_server *server, int timeout_ms);
/* remove every mdev (their clients are disconnected), unload, clean up */
void sim_server_stop(struct sim_server *server);

#endif /* _VFIO_AP_SIM_ADMIN_H */
