// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated host's sysfs tree.  Each folder is a function that offers
 * its entries; a path is walked by offering each folder's entries until
 * the next name is found, so what a folder lists and what can be looked
 * up in it are one piece of code.  Files lead to the attribute's own show
 * and store (the driver's, the AP bus's, the mdev core's).
 */
#include <stdarg.h>

#include "admin.h"
#include "sim.h"
#include "sysfs_tree.h"

#define MAX_DEPTH	8
#define NAME_MAX_LEN	64

enum folder {
	F_ROOT, F_DEVICES, F_DEV_VFIO_AP, F_MATRIX, F_TYPES, F_TYPE,
	F_TYPE_DEVICES, F_MDEV, F_DEV_AP, F_CARD, F_QUEUE, F_BUS, F_BUS_AP,
	F_BUS_AP_DEVICES, F_BUS_AP_DRIVERS, F_AP_DRIVER, F_BUS_MDEV,
	F_BUS_MDEV_DEVICES, F_CLASS, F_CLASS_MDEV_BUS,
};

/* what a file does when read or written */
enum file_op {
	OP_ATTR,		/* a device attribute: show and store */
	OP_TYPE_ATTR,		/* the mdev type's name, device_api, ... */
	OP_CREATE,		/* mdev_supported_types/TYPE/create */
	OP_REMOVE,		/* an mdev's remove */
	OP_PERM,		/* /sys/bus/ap/apmask, aqmask */
	OP_HOST_MASK,		/* /sys/bus/ap/ap_*_mask: the configuration */
	OP_BIND,		/* /sys/bus/ap/drivers/vfio_ap/bind, unbind */
	OP_ONLINE,		/* a card's or queue's online: always 1 here */
	OP_CARD_TYPE,		/* a card's type and hwtype */
};

/* a folder, with what it is of */
struct place {
	enum folder folder;
	struct device *dev;	/* the device whose attributes are here */
	int apid, apqn;
	bool vfio;		/* of the AP drivers: vfio_ap, or the default */
};

struct entry {
	char name[NAME_MAX_LEN];
	struct sysfs_node node;
	struct place place;	/* a folder's own; a file's folder's */
	enum file_op op;
	char attr[NAME_MAX_LEN];	/* which file of its kind */
};

/* a folder's entries go to a walk: one looked for, or all listed */
struct walk {
	struct sim_server *server;
	const char *want;
	struct entry found;
	int (*fill)(void *arg, const char *name);
	void *fill_arg;
};

static int offer(struct walk *w, const struct entry *e)
{
	if (!w->want)
		return w->fill(w->fill_arg, e->name);
	if (strcmp(w->want, e->name))
		return 0;
	w->found = *e;
	return 1;
}

static int offer_folder(struct walk *w, const char *name, struct place place)
{
	struct entry e = { .node.type = SYSFS_DIR, .place = place };

	snprintf(e.name, sizeof(e.name), "%s", name);
	return offer(w, &e);
}

static int offer_file(struct walk *w, const char *name, unsigned int mode,
		      enum file_op op, const struct place *in)
{
	struct entry e = { .node = { SYSFS_FILE, mode }, .place = *in,
			   .op = op };

	snprintf(e.name, sizeof(e.name), "%s", name);
	snprintf(e.attr, sizeof(e.attr), "%s", name);
	return offer(w, &e);
}

static __printf(3, 4) int offer_link(struct walk *w, const char *name,
				     const char *fmt, ...)
{
	struct entry e = { .node.type = SYSFS_LINK };
	va_list ap;

	snprintf(e.name, sizeof(e.name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(e.node.link, sizeof(e.node.link), fmt, ap);
	va_end(ap);
	return offer(w, &e);
}

/* ---- a device's attributes, a folder's mdevs and queues ---- */

struct attr_walk {
	struct walk *w;
	const struct place *in;
};

static int offer_attr(void *arg, const char *name, unsigned int mode)
{
	struct attr_walk *aw = arg;

	return offer_file(aw->w, name, mode, OP_ATTR, aw->in);
}

static int offer_attrs(struct walk *w, const struct place *in)
{
	struct attr_walk aw = { w, in };

	return sim_attr_for_each(in->dev, offer_attr, &aw);
}

struct mdev_walk {
	struct walk *w;
	enum folder in;
};

static int offer_mdev(void *arg, struct mdev_device *mdev)
{
	struct mdev_walk *mw = arg;
	const char *uuid = dev_name(&mdev->dev);

	switch (mw->in) {
	case F_MATRIX:
		return offer_folder(mw->w, uuid, (struct place){
			.folder = F_MDEV, .dev = &mdev->dev });
	case F_TYPE_DEVICES:
		return offer_link(mw->w, uuid, "../../../%s", uuid);
	default:
		return offer_link(mw->w, uuid, "../../../devices/vfio_ap/%s/%s",
				  dev_name(sim_mdev_parent()), uuid);
	}
}

static int offer_mdevs(struct walk *w, enum folder in)
{
	struct mdev_walk mw = { w, in };

	return sim_server_for_each_mdev(w->server, offer_mdev, &mw);
}

static void queue_name(int apqn, char *name, size_t size)
{
	snprintf(name, size, "%02x.%04x", AP_QID_CARD(apqn), AP_QID_QUEUE(apqn));
}

/* the queues of card @apid (-1: all), as folders, or links from @up */
static int offer_queues(struct walk *w, int apid, const char *up, int driver)
{
	const char *bound;
	char name[16];
	int apqn, ret = 0;

	for (apqn = sim_ap_next_queue(-1); apqn >= 0 && !ret;
	     apqn = sim_ap_next_queue(apqn)) {
		if (apid >= 0 && AP_QID_CARD(apqn) != apid)
			continue;
		bound = sim_ap_queue_driver(apqn);
		if (driver >= 0 && (!bound || !strcmp(bound, "none") ||
				    (strcmp(bound, "vfio_ap") == 0) != driver))
			continue;
		queue_name(apqn, name, sizeof(name));
		if (up)
			ret = offer_link(w, name, "%sdevices/ap/card%02x/%s", up,
					 AP_QID_CARD(apqn), name);
		else
			ret = offer_folder(w, name, (struct place){
				.folder = F_QUEUE, .apqn = apqn,
				.dev = sim_ap_queue_dev(apqn) });
	}
	return ret;
}

/* the cards: one per adapter of the host's configuration */
static int offer_cards(struct walk *w, bool as_links)
{
	struct ap_config_info info;
	char name[16];
	int apid, ret = 0;

	sim_ap_host_get(&info);
	for (apid = 0; apid < AP_DEVICES && !ret; apid++) {
		if (!test_bit_inv(apid, (unsigned long *)info.apm))
			continue;
		snprintf(name, sizeof(name), "card%02x", apid);
		if (as_links)
			ret = offer_link(w, name, "../../../devices/ap/%s", name);
		else
			ret = offer_folder(w, name, (struct place){
				.folder = F_CARD, .apid = apid });
	}
	return ret;
}

/* ---- the folders ---- */

#define FOLDER(f) ((struct place){ .folder = (f) })

static int offer_queue_entries(struct walk *w, const struct place *p)
{
	const char *bound = sim_ap_queue_driver(p->apqn);
	int ret = offer_file(w, "online", 0444, OP_ONLINE, p);

	if (!ret && bound && strcmp(bound, "none"))
		ret = offer_link(w, "driver", "../../../../bus/ap/drivers/%s",
				 strcmp(bound, "vfio_ap") ? "cex4queue" :
				 "vfio_ap");
	return ret ? ret : offer_attrs(w, p);
}

static int offer_bus_ap(struct walk *w, const struct place *p)
{
	static const char *const host_masks[] = {
		"ap_adapters_mask", "ap_usage_domain_mask",
		"ap_control_domain_mask",
	};
	int i, ret;

	ret = offer_file(w, "apmask", 0644, OP_PERM, p) ?:
	      offer_file(w, "aqmask", 0644, OP_PERM, p);
	for (i = 0; i < ARRAY_SIZE(host_masks) && !ret; i++)
		ret = offer_file(w, host_masks[i], 0444, OP_HOST_MASK, p);
	return ret ?: offer_folder(w, "devices", FOLDER(F_BUS_AP_DEVICES)) ?:
		      offer_folder(w, "drivers", FOLDER(F_BUS_AP_DRIVERS));
}

static int offer_entries(struct walk *w, const struct place *p)
{
	struct device *parent = sim_mdev_parent();
	const char *type = sim_mdev_type_name();

	switch (p->folder) {
	case F_ROOT:
		return offer_folder(w, "devices", FOLDER(F_DEVICES)) ?:
		       offer_folder(w, "bus", FOLDER(F_BUS)) ?:
		       offer_folder(w, "class", FOLDER(F_CLASS));
	case F_DEVICES:
		return (parent ? offer_folder(w, "vfio_ap",
					      FOLDER(F_DEV_VFIO_AP)) : 0) ?:
		       offer_folder(w, "ap", FOLDER(F_DEV_AP));
	case F_DEV_VFIO_AP:
		return parent ? offer_folder(w, dev_name(parent), (struct place){
			.folder = F_MATRIX, .dev = parent }) : 0;
	case F_MATRIX:
		return offer_attrs(w, p) ?:
		       offer_folder(w, "mdev_supported_types", FOLDER(F_TYPES)) ?:
		       offer_mdevs(w, F_MATRIX);
	case F_TYPES:
		return type ? offer_folder(w, type, FOLDER(F_TYPE)) : 0;
	case F_TYPE:
		return offer_file(w, "name", 0444, OP_TYPE_ATTR, p) ?:
		       offer_file(w, "device_api", 0444, OP_TYPE_ATTR, p) ?:
		       offer_file(w, "available_instances", 0444, OP_TYPE_ATTR,
				  p) ?:
		       offer_file(w, "create", 0200, OP_CREATE, p) ?:
		       offer_folder(w, "devices", FOLDER(F_TYPE_DEVICES));
	case F_TYPE_DEVICES:
		return offer_mdevs(w, F_TYPE_DEVICES);
	case F_MDEV:
		return offer_attrs(w, p) ?:
		       offer_file(w, "remove", 0200, OP_REMOVE, p) ?:
		       (type ? offer_link(w, "mdev_type",
					  "../mdev_supported_types/%s", type) : 0);
	case F_DEV_AP:
		return offer_cards(w, false);
	case F_CARD:
		return offer_file(w, "type", 0444, OP_CARD_TYPE, p) ?:
		       offer_file(w, "hwtype", 0444, OP_CARD_TYPE, p) ?:
		       offer_file(w, "online", 0444, OP_ONLINE, p) ?:
		       offer_queues(w, p->apid, NULL, -1);
	case F_QUEUE:
		return offer_queue_entries(w, p);
	case F_BUS:
		return offer_folder(w, "ap", FOLDER(F_BUS_AP)) ?:
		       offer_folder(w, "mdev", FOLDER(F_BUS_MDEV));
	case F_BUS_AP:
		return offer_bus_ap(w, p);
	case F_BUS_AP_DEVICES:
		return offer_cards(w, true) ?: offer_queues(w, -1, "../../../", -1);
	case F_BUS_AP_DRIVERS:
		return offer_folder(w, "vfio_ap", (struct place){
			.folder = F_AP_DRIVER, .vfio = true }) ?:
		       offer_folder(w, "cex4queue", FOLDER(F_AP_DRIVER));
	case F_AP_DRIVER:
		/* queues go to the default drivers by apmask and aqmask only */
		return (p->vfio ? offer_file(w, "bind", 0200, OP_BIND, p) ?:
				  offer_file(w, "unbind", 0200, OP_BIND, p) : 0) ?:
		       offer_queues(w, -1, "../../../../", p->vfio);
	case F_BUS_MDEV:
		return offer_folder(w, "devices", FOLDER(F_BUS_MDEV_DEVICES));
	case F_BUS_MDEV_DEVICES:
		return offer_mdevs(w, F_BUS_MDEV_DEVICES);
	case F_CLASS:
		return offer_folder(w, "mdev_bus", FOLDER(F_CLASS_MDEV_BUS));
	case F_CLASS_MDEV_BUS:
		return parent ? offer_link(w, dev_name(parent),
					   "../../devices/vfio_ap/%s",
					   dev_name(parent)) : 0;
	}
	return 0;
}

/* the entry at @path (the root: a folder); 0 or -errno */
static int find(struct sim_server *server, const char *path,
		struct entry *out)
{
	struct walk w = { .server = server };
	char name[NAME_MAX_LEN];
	size_t len;
	int depth = 0;

	*out = (struct entry){ .node.type = SYSFS_DIR,
			       .place.folder = F_ROOT };
	for (;;) {
		path += strspn(path, "/");
		if (!*path)
			return 0;
		len = strcspn(path, "/");
		if (len >= sizeof(name) || ++depth > MAX_DEPTH)
			return -ENOENT;
		if (out->node.type != SYSFS_DIR)
			return -ENOTDIR;
		memcpy(name, path, len);
		name[len] = '\0';
		path += len;
		w.want = name;
		if (offer_entries(&w, &out->place) != 1)
			return -ENOENT;
		*out = w.found;
	}
}

int sysfs_tree_stat(struct sim_server *server, const char *path,
		    struct sysfs_node *node)
{
	struct entry e;
	int ret = find(server, path, &e);

	if (!ret)
		*node = e.node;
	return ret;
}

int sysfs_tree_list(struct sim_server *server, const char *path,
		    int (*fn)(void *arg, const char *name), void *arg)
{
	struct walk w = { .server = server, .fill = fn, .fill_arg = arg };
	struct entry e;
	int ret = find(server, path, &e);

	if (ret)
		return ret;
	if (e.node.type != SYSFS_DIR)
		return -ENOTDIR;
	return offer_entries(&w, &e.place);
}

/* ---- reading and writing files ---- */

/* a 256-bit mask as the AP bus shows it: 0x and 64 hex digits */
static ssize_t show_mask(const unsigned long *mask, char *buf)
{
	int bit, nibble, n = sysfs_emit(buf, "0x");

	for (bit = 0; bit < 256; bit += 4) {
		nibble = test_bit_inv(bit, mask) << 3 |
			 test_bit_inv(bit + 1, mask) << 2 |
			 test_bit_inv(bit + 2, mask) << 1 |
			 test_bit_inv(bit + 3, mask);
		n += sysfs_emit_at(buf, n, "%x", nibble);
	}
	return n + sysfs_emit_at(buf, n, "\n");
}

static ssize_t show_host_mask(const char *which, char *buf)
{
	struct ap_config_info info;

	sim_ap_host_get(&info);
	if (!strcmp(which, "ap_adapters_mask"))
		return show_mask((unsigned long *)info.apm, buf);
	if (!strcmp(which, "ap_usage_domain_mask"))
		return show_mask((unsigned long *)info.aqm, buf);
	return show_mask((unsigned long *)info.adm, buf);
}

static ssize_t show_file(const struct entry *e, char *buf)
{
	DECLARE_BITMAP(mask, 256);
	int type;

	switch (e->op) {
	case OP_ATTR:
		return sim_attr_read(e->place.dev, e->attr, buf);
	case OP_TYPE_ATTR:
		return sim_mdev_type_show(e->attr, buf);
	case OP_PERM:
		sim_ap_read_perm(!strcmp(e->attr, "apmask"), mask);
		return show_mask(mask, buf);
	case OP_HOST_MASK:
		return show_host_mask(e->attr, buf);
	case OP_ONLINE:
		return sysfs_emit(buf, "1\n");
	case OP_CARD_TYPE:
		type = sim_ap_card_type(e->place.apid);
		/* the simulated cards are accelerators: CEXnA */
		if (!strcmp(e->attr, "hwtype"))
			return sysfs_emit(buf, "%d\n", type);
		return sysfs_emit(buf, "CEX%dA\n", type - AP_DEVICE_TYPE_CEX4 + 4);
	default:
		return -EACCES;		/* write-only */
	}
}

/* the file at @path, or -errno (-EISDIR for a folder or a link) */
static int find_file(struct sim_server *server, const char *path,
		     struct entry *e)
{
	int ret = find(server, path, e);

	return ret ? ret : e->node.type == SYSFS_FILE ? 0 : -EISDIR;
}

ssize_t sysfs_tree_read(struct sim_server *server, const char *path,
			char *buf)
{
	struct entry e;
	ssize_t ret = find_file(server, path, &e);

	if (ret)
		return ret;
	ret = show_file(&e, buf);
	if (ret >= 0)
		buf[ret] = '\0';
	return ret;
}

/* the value of a one-line file: without its newline, if it fits */
static int one_line(const char *buf, char *out, size_t size)
{
	size_t len = strcspn(buf, "\n");

	if (len >= size || (buf[len] && buf[len + 1]))
		return -EINVAL;
	memcpy(out, buf, len);
	out[len] = '\0';
	return 0;
}

/* create: the mdev core names the device by the UUID in lower case */
static int create_mdev(struct sim_server *server, const char *buf)
{
	char uuid[40];
	int i;

	if (one_line(buf, uuid, sizeof(uuid)) || strlen(uuid) != 36)
		return -EINVAL;
	for (i = 0; uuid[i]; i++)
		uuid[i] = tolower((unsigned char)uuid[i]);
	return sim_server_create_mdev(server, uuid);
}

static int remove_mdev(struct sim_server *server, struct device *dev,
		       const char *buf)
{
	unsigned long yes;

	if (kstrtoul(buf, 0, &yes))
		return -EINVAL;
	return yes ? sim_server_release_mdev(server, dev_name(dev),
					     SYSFS_RELEASE_WAIT_MS) : 0;
}

/* the driver core's bind and unbind: a queue by its name, NN.DDDD */
static int bind_queue(const char *file, const char *buf)
{
	unsigned int apid, apqi;
	char name[16], again[16];

	if (one_line(buf, name, sizeof(name)) ||
	    sscanf(name, "%2x.%4x", &apid, &apqi) != 2)
		return -ENODEV;
	queue_name(AP_MKQID(apid, apqi), again, sizeof(again));
	if (strcmp(name, again))
		return -ENODEV;
	if (!strcmp(file, "bind"))
		return sim_ap_queue_bind(AP_MKQID(apid, apqi));
	return sim_ap_queue_unbind(AP_MKQID(apid, apqi));
}

static ssize_t store_file(struct sim_server *server, const struct entry *e,
			  const char *buf, size_t count)
{
	int ret;

	switch (e->op) {
	case OP_ATTR:
		return sim_attr_store(e->place.dev, e->attr, buf, count);
	case OP_CREATE:
		ret = create_mdev(server, buf);
		break;
	case OP_REMOVE:
		ret = remove_mdev(server, e->place.dev, buf);
		break;
	case OP_PERM:
		ret = sim_ap_store_perm(!strcmp(e->attr, "apmask"), buf);
		break;
	case OP_BIND:
		ret = bind_queue(e->attr, buf);
		break;
	default:
		return -EACCES;		/* read-only */
	}
	return ret ? ret : (ssize_t)count;
}

ssize_t sysfs_tree_write(struct sim_server *server, const char *path,
			 const char *buf, size_t count)
{
	char value[PAGE_SIZE + 1];
	struct entry e;
	int ret = find_file(server, path, &e);

	if (ret)
		return ret;
	if (!count)
		return 0;
	/* as kernfs: one store of the first page; the writer sends the rest */
	if (count > PAGE_SIZE)
		count = PAGE_SIZE;
	memcpy(value, buf, count);
	value[count] = '\0';
	return store_file(server, &e, value, count);
}
