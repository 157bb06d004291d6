// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ap-sim --sysfs DIR: the simulated host's sysfs tree (sysfs_tree.c)
 * mounted at DIR with libfuse, served in the simulator's loop, one request
 * at a time, as the admin socket is.  Files behave as sysfs files do: no
 * caching, each write() one store, a file without a show or store refused
 * at open with EACCES (even for root).
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "admin.h"
#include "sysfs_fuse.h"
#include "sysfs_tree.h"

#define FUSE_SUPER_MAGIC	0x65735546
#define SYSFS_FILE_SIZE		4096	/* what sysfs shows as a file's size */

struct sim_sysfs {
	struct sim_server *server;
	struct fuse *fuse;
	struct fuse_buf buf;
	bool gone;		/* unmounted by someone else */
};

static struct sim_server *server_of_request(void)
{
	return fuse_get_context()->private_data;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* a file shows the driver's state now, not a second ago */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	return server_of_request();
}

static int fs_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	struct sysfs_node node;
	int ret = sysfs_tree_stat(server_of_request(), path, &node);

	if (ret)
		return ret;
	memset(st, 0, sizeof(*st));
	switch (node.type) {
	case SYSFS_DIR:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		break;
	case SYSFS_FILE:
		st->st_mode = S_IFREG | node.mode;
		st->st_nlink = 1;
		st->st_size = SYSFS_FILE_SIZE;
		break;
	case SYSFS_LINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = strlen(node.link);
		break;
	}
	return 0;
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
	struct sysfs_node node;
	int ret = sysfs_tree_stat(server_of_request(), path, &node);

	if (ret)
		return ret;
	if (node.type != SYSFS_LINK)
		return -EINVAL;
	snprintf(buf, size, "%s", node.link);
	return 0;
}

struct fill {
	void *buf;
	fuse_fill_dir_t filler;
};

static int fill_one(void *arg, const char *name)
{
	struct fill *f = arg;

	return f->filler(f->buf, name, NULL, 0, 0) ? -ENOMEM : 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct fill f = { buf, filler };

	if (filler(buf, ".", NULL, 0, 0) || filler(buf, "..", NULL, 0, 0))
		return -ENOMEM;
	return sysfs_tree_list(server_of_request(), path, fill_one, &f);
}

/* the file at @path, or -errno (-EISDIR for a folder or a link) */
static int file_node(const char *path, struct sysfs_node *node)
{
	int ret = sysfs_tree_stat(server_of_request(), path, node);

	return ret ? ret : node->type == SYSFS_FILE ? 0 : -EISDIR;
}

/* as kernfs: reading needs a show, writing a store, whoever asks */
static int fs_open(const char *path, struct fuse_file_info *fi)
{
	int acc = fi->flags & O_ACCMODE;
	struct sysfs_node node;
	int ret = file_node(path, &node);

	if (ret)
		return ret;
	if ((acc != O_WRONLY && !(node.mode & 0444)) ||
	    (acc != O_RDONLY && !(node.mode & 0222)))
		return -EACCES;
	fi->direct_io = 1;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	char *page = malloc(SYSFS_FILE_SIZE + 1);
	ssize_t len;

	if (!page)
		return -ENOMEM;
	len = sysfs_tree_read(server_of_request(), path, page);
	if (len >= 0) {
		len = off < len ? len - off : 0;
		len = len < (ssize_t)size ? len : (ssize_t)size;
		memcpy(buf, page + off, len);
	}
	free(page);
	return len;
}

/* the offset is not looked at: sysfs gives each write() to the store */
static int fs_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	return sysfs_tree_write(server_of_request(), path, buf, size);
}

/* "echo 1 > file" opens with O_TRUNC: a writable sysfs file takes it */
static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct sysfs_node node;
	int ret = file_node(path, &node);

	if (ret)
		return ret;
	return node.mode & 0222 ? 0 : -EACCES;
}

static const struct fuse_operations sysfs_ops = {
	.init = fs_init,
	.getattr = fs_getattr,
	.readlink = fs_readlink,
	.readdir = fs_readdir,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.truncate = fs_truncate,
};

/*
 * A FUSE mount whose simulator died answers ENOTCONN: lazily unmounted,
 * with a message.  A live one is another simulator's: -EBUSY.
 */
static int take_mountpoint(const char *dir)
{
	struct statfs sfs;

	if (statfs(dir, &sfs) == 0) {
		if (sfs.f_type != FUSE_SUPER_MAGIC)
			return 0;
		fprintf(stderr, "vfio-ap-sim: --sysfs %s: %s\n", dir,
			"served by another simulator");
		return -EBUSY;
	}
	if (errno != ENOTCONN)
		return -errno;
	fprintf(stderr, "vfio-ap-sim: --sysfs %s: %s\n", dir,
		"a stale mount (its simulator died); unmounting it");
	return umount2(dir, MNT_DETACH) ? -errno : 0;
}

static void serve_request(void *arg)
{
	struct sim_sysfs *fs = arg;
	struct fuse_session *se = fuse_get_session(fs->fuse);
	int ret = fuse_session_receive_buf(se, &fs->buf);

	if (ret > 0) {
		fuse_session_process_buf(se, &fs->buf);
		return;
	}
	if (ret == -EINTR || ret == -EAGAIN)
		return;
	fprintf(stderr, "vfio-ap-sim: the sysfs tree was unmounted\n");
	fs->gone = true;
	sim_server_watch(fs->server, -1, NULL, NULL);
}

int sim_sysfs_mount(struct sim_server *server, const char *dir,
		    struct sim_sysfs **out)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct sim_sysfs *fs;
	int ret = take_mountpoint(dir);

	if (ret)
		return ret;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->server = server;
	/* anyone may look, as in sysfs; the files' modes say who may write */
	if (!fuse_opt_add_arg(&args, "vfio-ap-sim") &&
	    !fuse_opt_add_arg(&args, "-oallow_other,default_permissions") &&
	    !fuse_opt_add_arg(&args, "-ofsname=vfio-ap-sim,subtype=sysfs"))
		fs->fuse = fuse_new(&args, &sysfs_ops, sizeof(sysfs_ops), server);
	fuse_opt_free_args(&args);
	if (!fs->fuse) {
		free(fs);
		return -EINVAL;
	}
	if (fuse_mount(fs->fuse, dir)) {
		fuse_destroy(fs->fuse);
		free(fs);
		return -EIO;
	}
	sim_server_watch(server, fuse_session_fd(fuse_get_session(fs->fuse)),
			 serve_request, fs);
	*out = fs;
	return 0;
}

void sim_sysfs_unmount(struct sim_sysfs *fs)
{
	sim_server_watch(fs->server, -1, NULL, NULL);
	if (!fs->gone)
		fuse_unmount(fs->fuse);
	fuse_destroy(fs->fuse);
	free(fs->buf.mem);
	free(fs);
}
