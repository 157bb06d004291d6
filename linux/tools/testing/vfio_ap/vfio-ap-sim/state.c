// SPDX-License-Identifier: GPL-2.0
/*
 * The state directory of vfio-ap-sim.  A definition is written to a
 * temporary file in the same folder, flushed to the disk, renamed over the
 * old one, and the folder flushed too: rename() is atomic, so a reader (the
 * next simulator, after a SIGKILL or a power cut) sees the whole old file
 * or the whole new one.  Temporary files are named ".UUID.json.tmp" and a
 * start removes the ones a killed simulator left.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

#define DEFS_DIR	"mdevs"
#define DEF_SUFFIX	".json"
#define TMP_SUFFIX	".json.tmp"

bool sim_state_torn_writes;

int sim_state_lock(const char *dir, long *holder)
{
	char path[4096], pid[32];
	ssize_t n;
	int fd;

	*holder = 0;
	snprintf(path, sizeof(path), "%s/lock", dir);
	/* no O_TRUNC: the holder's pid stays until the lock is ours */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		*holder = strtol(pid, NULL, 10);
		close(fd);
		return -EBUSY;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, n, 0) != n) {
		n = -errno;
		close(fd);
		return n;
	}
	return fd;
}

/* a UUID names a file: nothing that could leave the folder */
static bool valid_name(const char *uuid)
{
	return uuid[0] && uuid[0] != '.' && !strchr(uuid, '/') &&
	       strlen(uuid) < 64;
}

static int defs_dir(const char *dir, char *out, size_t size)
{
	snprintf(out, size, "%s/" DEFS_DIR, dir);
	if (mkdir(out, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* the folder of the definitions (made if need be) and @uuid's file in it */
static int definition_path(const char *dir, const char *uuid, char *defs,
			   size_t defs_size, char *path, size_t path_size)
{
	int ret;

	if (!valid_name(uuid))
		return -EINVAL;
	ret = defs_dir(dir, defs, defs_size);
	if (!ret)
		snprintf(path, path_size, "%s/%s" DEF_SUFFIX, defs, uuid);
	return ret;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/* the deliberately broken write of --x-fault state-in-place */
static int write_in_place(const char *path, const char *json, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int ret;

	if (fd < 0)
		return -errno;
	ret = write_all(fd, json, len / 2);
	usleep(2000);
	if (!ret)
		ret = write_all(fd, json + len / 2, len - len / 2);
	close(fd);
	return ret;
}

static int sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

int sim_state_save(const char *dir, const char *uuid, const char *json,
		   size_t len)
{
	char defs[4096], tmp[4200], path[4200];
	int fd, ret;

	ret = definition_path(dir, uuid, defs, sizeof(defs), path, sizeof(path));
	if (ret)
		return ret;
	if (sim_state_torn_writes)
		return write_in_place(path, json, len);
	snprintf(tmp, sizeof(tmp), "%s/.%s" TMP_SUFFIX, defs, uuid);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, json, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	return sync_dir(defs);
}

int sim_state_forget(const char *dir, const char *uuid)
{
	char defs[4096], path[4200];
	int ret;

	ret = definition_path(dir, uuid, defs, sizeof(defs), path, sizeof(path));
	if (ret)
		return ret;
	if (unlink(path))
		return -errno;
	return sync_dir(defs);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

int sim_state_for_each(const char *dir,
		       void (*fn)(void *arg, const char *uuid, const char *path),
		       void *arg)
{
	char defs[4096], path[4400], uuid[64];
	struct dirent **names;
	int i, n, ret;

	ret = defs_dir(dir, defs, sizeof(defs));
	if (ret)
		return ret;
	n = scandir(defs, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		snprintf(path, sizeof(path), "%s/%s", defs, name);
		if (name[0] == '.' && ends_with(name, TMP_SUFFIX)) {
			fprintf(stderr, "vfio-ap-sim: %s: a write cut short, "
				"removed\n", path);
			unlink(path);
		} else if (name[0] != '.' && ends_with(name, DEF_SUFFIX) &&
			   strlen(name) - strlen(DEF_SUFFIX) < sizeof(uuid)) {
			snprintf(uuid, sizeof(uuid), "%.*s",
				 (int)(strlen(name) - strlen(DEF_SUFFIX)), name);
			fn(arg, uuid, path);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}
