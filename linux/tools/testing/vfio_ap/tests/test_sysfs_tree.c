// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ap-sim's sysfs tree, walked without FUSE: the paths and links of a
 * real host, the AP bus's mask syntax, create and remove, and bad input
 * (malformed paths, values, UUIDs, queue names) refused with the errno
 * sysfs gives and nothing changed.
 */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "admin.h"
#include "sysfs_tree.h"

#define TYPE "/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough"
#define UUID "aaaaaaaa-0000-0000-0000-00000000000a"
/* the kernel follows links; the tree's own paths do not go through them */
#define MDEV "/devices/vfio_ap/matrix/" UUID
#define ZEROS62 "00000000000000000000000000000000000000000000000000000000000000"
#define ZEROS63 "0" ZEROS62

static struct sim_server *server;
static char dir[64];

static void up(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vfio-ap-tree-XXXXXX");
	if (!mkdtemp(dir) || sim_server_start(dir, "0-3", "0-3", "0-3", &server)) {
		fprintf(stderr, "test_sysfs_tree: cannot start a server\n");
		exit(1);
	}
}

static void down(void)
{
	sim_server_stop(server);
	rmdir(dir);
}

static const char *get(const char *path)
{
	static char buf[PAGE_SIZE + 1];
	ssize_t n = sysfs_tree_read(server, path, buf);

	if (n < 0)
		snprintf(buf, sizeof(buf), "error %zd", n);
	return buf;
}

static long put(const char *path, const char *value)
{
	return sysfs_tree_write(server, path, value, strlen(value));
}

static int add_name(void *arg, const char *name)
{
	char *out = arg;

	strcat(out, name);
	strcat(out, " ");
	return 0;
}

static const char *names(const char *path)
{
	static char out[2048];
	int ret;

	out[0] = '\0';
	ret = sysfs_tree_list(server, path, add_name, out);
	if (ret)
		snprintf(out, sizeof(out), "error %d", ret);
	return out;
}

static const char *link_of(const char *path)
{
	static struct sysfs_node node;

	if (sysfs_tree_stat(server, path, &node) || node.type != SYSFS_LINK)
		return "(no link)";
	return node.link;
}

static void test_paths(void)
{
	char deep[64] = "", long_name[80], buf[PAGE_SIZE + 1];
	struct sysfs_node node;
	int i;

	up();
	CHECK_EQ_STR(names("/"), "devices bus class ");
	CHECK(strstr(names("//bus//ap/"), "apmask aqmask ap_adapters_mask") ==
	      names("//bus//ap/"));
	CHECK(strstr(names("/bus/ap"), " devices drivers "));
	CHECK_EQ_INT(sysfs_tree_stat(server, "/bus/ap/apmask", &node), 0);
	CHECK(node.type == SYSFS_FILE && node.mode == 0644);
	CHECK_EQ_INT(sysfs_tree_stat(server, "/bus/ap/apmask/x", &node),
		     -ENOTDIR);
	CHECK_EQ_INT(sysfs_tree_stat(server, "/bus/nope", &node), -ENOENT);
	CHECK_EQ_INT(sysfs_tree_list(server, "/bus/ap/apmask", add_name, deep),
		     -ENOTDIR);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK_EQ_INT(sysfs_tree_stat(server, long_name, &node), -ENOENT);
	for (i = 0; i < 9; i++)
		strcat(deep, "/bus");
	CHECK_EQ_INT(sysfs_tree_stat(server, deep, &node), -ENOENT);
	CHECK_EQ_STR(link_of("/class/mdev_bus/matrix"),
		     "../../devices/vfio_ap/matrix");
	CHECK_EQ_STR(link_of("/bus/ap/devices/card02"), "../../../devices/ap/card02");
	CHECK_EQ_STR(link_of("/bus/ap/devices/02.0003"),
		     "../../../devices/ap/card02/02.0003");
	CHECK_EQ_STR(names("/devices/ap/card02"),
		     "type hwtype online 02.0000 02.0001 02.0002 02.0003 ");
	CHECK_EQ_STR(get("/devices/ap/card02/type"), "CEX8A\n");
	CHECK_EQ_STR(get("/devices/ap/card02/hwtype"), "14\n");
	CHECK_EQ_STR(get("/bus/ap/ap_adapters_mask"), "0xf" ZEROS63 "\n");
	CHECK_EQ_STR(get(TYPE "/device_api"), "vfio-ap\n");
	CHECK_EQ_INT(sysfs_tree_read(server, "/bus", buf), -EISDIR);
	CHECK_EQ_INT(put("/bus", "1"), -EISDIR);
	down();
}

static void test_mask_syntax(void)
{
	static const struct { const char *value; long ret; const char *shows; } writes[] = {
		{ "0x8", 3, "0x8" ZEROS63 "\n" },
		{ "+1,+3-4\n", 8, "0xd8" ZEROS62 "\n" },
		{ "-0", 2, "0x58" ZEROS62 "\n" },
		{ "x4\n", 3, "0x4" ZEROS63 "\n" },
		{ "", 0, "0x4" ZEROS63 "\n" },		/* no store at all */
		{ "+256", -EINVAL }, { "+5-3", -EINVAL }, { "++5", -EINVAL },
		{ "+", -EINVAL }, { "+1;+2", -EINVAL }, { "+1-", -EINVAL },
		{ "+1 ", -EINVAL }, { "0xg", -EINVAL }, { "garbage", -EINVAL },
		{ "0x" ZEROS63 "00", -EINVAL },		/* 65 digits */
		{ "-0x100", -EINVAL },
	};
	char before[256];
	unsigned int i;
	long ret;

	up();
	for (i = 0; i < ARRAY_SIZE(writes); i++) {
		snprintf(before, sizeof(before), "%s", get("/bus/ap/apmask"));
		ret = put("/bus/ap/apmask", writes[i].value);
		if (!CHECK_EQ_INT(ret, writes[i].ret))
			printf("#   apmask '%s'\n", writes[i].value);
		if (ret < 0)
			CHECK_EQ_STR(get("/bus/ap/apmask"), before);
		else
			CHECK_EQ_STR(get("/bus/ap/apmask"), writes[i].shows);
	}
	CHECK_EQ_STR(get("/bus/ap/aqmask"), "0x0" ZEROS63 "\n");

	/* the AP bus asks the driver: a queue of an mdev stays with vfio_ap */
	CHECK_EQ_INT(put("/bus/ap/apmask", "0x0"), 3);
	CHECK_EQ_INT(put(TYPE "/create", UUID), 36);
	CHECK_EQ_INT(put(MDEV "/assign_adapter", "1"), 1);
	CHECK_EQ_INT(put(MDEV "/assign_domain", "2\n"), 2);
	CHECK_EQ_INT(put("/bus/ap/aqmask", "+2"), 2);
	CHECK_EQ_INT(put("/bus/ap/apmask", "+1"), -EBUSY);
	CHECK_EQ_STR(get("/bus/ap/apmask"), "0x0" ZEROS63 "\n");
	CHECK_EQ_STR(get("/devices/ap/card01/01.0002/status"), "assigned\n");
	CHECK_EQ_INT(put("/bus/ap/apmask", "+0"), 2);
	CHECK_EQ_STR(link_of("/devices/ap/card00/00.0002/driver"),
		     "../../../../bus/ap/drivers/cex4queue");
	down();
}

static void test_create_remove(void)
{
	static const char *const bad_uuids[] = {
		"aaaaaaaa-0000-0000-0000-00000000000",	/* 35 */
		"aaaaaaaa-0000-0000-0000-00000000000ab",	/* 37 */
		"aaaaaaaa00000-0000-0000-00000000000a",
		"aaaaaaaa-0000-0000-0000-00000000000a\n\n",
		"aaaaaaaa-0000-0000-0000-00000000000a x",
		"gaaaaaaa-0000-0000-0000-00000000000a",
		"\n",
	};
	unsigned int i;

	up();
	for (i = 0; i < ARRAY_SIZE(bad_uuids); i++)
		if (!CHECK_EQ_INT(put(TYPE "/create", bad_uuids[i]), -EINVAL))
			printf("#   create '%s'\n", bad_uuids[i]);
	CHECK_EQ_STR(names("/bus/mdev/devices"), "");
	/* the mdev core names it by the UUID in lower case */
	CHECK_EQ_INT(put(TYPE "/create", "AAAAAAAA-0000-0000-0000-00000000000A\n"),
		     37);
	CHECK_EQ_STR(names("/bus/mdev/devices"), UUID " ");
	CHECK_EQ_STR(link_of("/bus/mdev/devices/" UUID),
		     "../../../devices/vfio_ap/matrix/" UUID);
	CHECK_EQ_STR(link_of(TYPE "/devices/" UUID), "../../../" UUID);
	CHECK_EQ_STR(link_of("/devices/vfio_ap/matrix/" UUID "/mdev_type"),
		     "../mdev_supported_types/vfio_ap-passthrough");
	CHECK_EQ_INT(put(TYPE "/create", UUID), -EEXIST);
	CHECK_EQ_STR(get(MDEV "/remove"), "error -13");		/* write-only */
	CHECK_EQ_INT(put(MDEV "/matrix", "1"), -EACCES);	/* read-only */
	CHECK_EQ_INT(put(MDEV "/remove", "x"), -EINVAL);
	CHECK_EQ_INT(put(MDEV "/remove", "0"), 1);
	CHECK_EQ_STR(names("/bus/mdev/devices"), UUID " ");
	CHECK_EQ_INT(put(MDEV "/remove", "1\n"), 2);
	CHECK_EQ_STR(names("/bus/mdev/devices"), "");
	CHECK_EQ_INT(put(MDEV "/assign_adapter", "1"), -ENOENT);
	down();
}

static void test_writes_as_sysfs(void)
{
	char big[PAGE_SIZE + 100];

	up();
	CHECK_EQ_INT(put(TYPE "/create", UUID), 36);
	CHECK_EQ_INT(put(MDEV "/assign_adapter", "2"), 1);
	/* one store of the first page: a number too long for an adapter */
	memset(big, '1', sizeof(big));
	CHECK_EQ_INT(sysfs_tree_write(server, MDEV "/assign_adapter", big,
				      sizeof(big)), -ERANGE);
	CHECK_EQ_INT(sysfs_tree_write(server, MDEV "/assign_adapter", big, 0), 0);
	CHECK_EQ_STR(get(MDEV "/ap_config"), "0x2" ZEROS63 ",0x0" ZEROS63 ",0x0"
		     ZEROS63 "\n");
	/* bind and unbind take a queue's own name only */
	CHECK_EQ_INT(put("/bus/ap/drivers/vfio_ap/unbind", "1.2"), -ENODEV);
	CHECK_EQ_INT(put("/bus/ap/drivers/vfio_ap/unbind", "01.00020"), -ENODEV);
	CHECK_EQ_INT(put("/bus/ap/drivers/vfio_ap/unbind", "09.0002"), -ENODEV);
	CHECK_EQ_INT(put("/bus/ap/drivers/vfio_ap/unbind", "01.0002\n"), 8);
	CHECK_EQ_STR(names("/devices/ap/card01/01.0002"), "online ");
	CHECK_EQ_INT(put("/bus/ap/drivers/vfio_ap/unbind", "01.0002"), -ENODEV);
	CHECK(!strstr(names("/bus/ap/drivers/vfio_ap"), "01.0002"));
	CHECK_EQ_INT(put("/bus/ap/drivers/vfio_ap/bind", "01.0002"), 7);
	CHECK_EQ_STR(link_of("/bus/ap/drivers/vfio_ap/01.0002"),
		     "../../../../devices/ap/card01/01.0002");
	CHECK_EQ_INT(put("/devices/ap/card01/online", "0"), -EACCES);
	down();
}

int main(void)
{
	setenv("SIM_QUIET", "1", 1);
	t_run("the tree's paths, folders and links", test_paths);
	t_run("apmask and aqmask: the AP bus's syntax, in_use", test_mask_syntax);
	t_run("create and remove; malformed UUIDs", test_create_remove);
	t_run("writes as sysfs takes them; bind and unbind",
	      test_writes_as_sysfs);
	return t_done();
}
