/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated host's sysfs, as paths: what vfio_ap, the AP bus and the
 * mdev core show under /sys, each file read and written through the code
 * behind the real attribute.  No FUSE here (see sysfs_fuse.c), so tests
 * can walk the tree directly.
 */
#ifndef _VFIO_AP_SIM_SYSFS_TREE_H
#define _VFIO_AP_SIM_SYSFS_TREE_H

#include <stddef.h>
#include <sys/types.h>

struct sim_server;

enum sysfs_node_type { SYSFS_DIR, SYSFS_FILE, SYSFS_LINK };

struct sysfs_node {
	enum sysfs_node_type type;
	unsigned int mode;	/* permission bits of a file */
	char link[128];		/* a link's target, relative as in sysfs */
};

/* how long a write to an mdev's remove waits for its user to let go */
#define SYSFS_RELEASE_WAIT_MS	10000

/* @path from the tree's root ("/bus/ap/apmask"); 0 or -ENOENT, -ENOTDIR */
int sysfs_tree_stat(struct sim_server *server, const char *path,
		    struct sysfs_node *node);
/* @fn for each entry of the folder @path, until it returns other than 0 */
int sysfs_tree_list(struct sim_server *server, const char *path,
		    int (*fn)(void *arg, const char *name), void *arg);
/* the file's contents into @buf (PAGE_SIZE + 1 bytes): length or -errno */
ssize_t sysfs_tree_read(struct sim_server *server, const char *path,
			char *buf);
/*
 * One write() of @count bytes, as sysfs takes it: at most PAGE_SIZE of
 * them go to the store; the bytes taken, or -errno
 */
ssize_t sysfs_tree_write(struct sim_server *server, const char *path,
			 const char *buf, size_t count);

#endif /* _VFIO_AP_SIM_SYSFS_TREE_H */
