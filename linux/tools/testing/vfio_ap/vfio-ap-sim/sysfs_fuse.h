/* SPDX-License-Identifier: GPL-2.0 */
/* vfio-ap-sim --sysfs DIR: the sysfs tree mounted with FUSE */
#ifndef _VFIO_AP_SIM_SYSFS_FUSE_H
#define _VFIO_AP_SIM_SYSFS_FUSE_H

struct sim_server;
struct sim_sysfs;

/*
 * Mount the tree at @dir, served in @server's loop; a stale mount there
 * (of a simulator that died) is replaced.  0 or -errno.
 */
int sim_sysfs_mount(struct sim_server *server, const char *dir,
		    struct sim_sysfs **fs);
void sim_sysfs_unmount(struct sim_sysfs *fs);

#endif /* _VFIO_AP_SIM_SYSFS_FUSE_H */
