/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AP bus and the AP instructions, as <asm/ap.h> and ap_bus.h give them
 * to the vfio_ap driver, for the user-space build.  The simulated AP bus
 * (sim/ap_sim.c) implements them.  Bit fields are in the host's order here;
 * the driver never looks at the raw registers.
 */
#ifndef _SHIM_AP_H
#define _SHIM_AP_H

#include "device.h"
#include "bitops.h"

#define AP_DEVICES 256
#define AP_DOMAINS 256

typedef unsigned int ap_qid_t;

#define AP_MKQID(_card, _queue) (((_card) & 0xff) << 8 | ((_queue) & 0xff))
#define AP_QID_CARD(_qid) (((_qid) >> 8) & 0xff)
#define AP_QID_QUEUE(_qid) ((_qid) & 0xff)

#define AP_RESPONSE_NORMAL		0x00
#define AP_RESPONSE_Q_NOT_AVAIL		0x01
#define AP_RESPONSE_RESET_IN_PROGRESS	0x02
#define AP_RESPONSE_DECONFIGURED	0x03
#define AP_RESPONSE_CHECKSTOPPED	0x04
#define AP_RESPONSE_BUSY		0x05
#define AP_RESPONSE_INVALID_ADDRESS	0x06
#define AP_RESPONSE_OTHERWISE_CHANGED	0x07
#define AP_RESPONSE_INVALID_GISA	0x08
#define AP_RESPONSE_STATE_CHANGE_IN_PROGRESS 0x0a
#define AP_RESPONSE_Q_FULL		0x10
#define AP_RESPONSE_NO_PENDING_REPLY	0x10
#define AP_RESPONSE_MESSAGE_TOO_BIG	0x15
/* Secure Execution: the queue's association failed; asked until a reset */
#define AP_RESPONSE_ASSOC_SECRET_NOT_UNIQUE 0x35
#define AP_RESPONSE_ASSOC_FAILED	0x36

#define AP_DEVICE_TYPE_CEX4	10
#define AP_DEVICE_TYPE_CEX5	11
#define AP_DEVICE_TYPE_CEX6	12
#define AP_DEVICE_TYPE_CEX7	13
#define AP_DEVICE_TYPE_CEX8	14

struct ap_queue_status {
	unsigned int queue_empty	: 1;
	unsigned int replies_waiting	: 1;
	unsigned int queue_full		: 1;
	unsigned int async		: 1;
	unsigned int irq_enabled	: 1;
	unsigned int response_code	: 8;
};

union ap_qirq_ctrl {
	unsigned long value;
	struct {
		unsigned int zone  : 8;
		unsigned int ir	   : 1;
		unsigned int gisc  : 3;
		unsigned int gf	   : 2;
		unsigned long gisa : 27;
		unsigned int isc   : 3;
	};
};

struct ap_config_info {
	union {
		unsigned int flags;
		struct {
			unsigned int apsc : 1;
			unsigned int apxa : 1;
			unsigned int qact : 1;
			unsigned int rc8a : 1;
		};
	};
	unsigned char na;
	unsigned char nd;
	unsigned char _reserved0[10];
	unsigned int apm[8];
	unsigned int aqm[8];
	unsigned int adm[8];
	unsigned char _reserved1[16];
} __aligned(8);

struct ap_tapq_hwinfo {
	unsigned long value;
};

struct ap_queue_status ap_tapq(ap_qid_t qid, struct ap_tapq_hwinfo *info);
struct ap_queue_status ap_zapq(ap_qid_t qid, int fbit);
struct ap_queue_status ap_aqic(ap_qid_t qid, union ap_qirq_ctrl ctrl,
			       phys_addr_t pa_ind);
int ap_qci(struct ap_config_info *info);
bool ap_instructions_available(void);
int test_facility(unsigned long nr);

#define AP_DEVICE_ID_MATCH_CARD_TYPE	0x01
#define AP_DEVICE_ID_MATCH_QUEUE_TYPE	0x02

struct ap_device_id {
	unsigned short match_flags;
	unsigned char dev_type;
};

struct ap_device {
	struct device device;
	int device_type;
};

struct ap_queue {
	struct ap_device ap_dev;
	ap_qid_t qid;
};

#define to_ap_dev(x) container_of((x), struct ap_device, device)
#define to_ap_queue(x) container_of((x), struct ap_queue, ap_dev.device)

struct ap_driver {
	struct device_driver driver;
	struct ap_device_id *ids;
	unsigned int flags;
	int (*probe)(struct ap_device *apdev);
	void (*remove)(struct ap_device *apdev);
	int (*in_use)(unsigned long *apm, unsigned long *aqm);
	void (*on_config_changed)(struct ap_config_info *new_info,
				  struct ap_config_info *old_info);
	void (*on_scan_complete)(struct ap_config_info *new_info,
				 struct ap_config_info *old_info);
};

int ap_driver_register(struct ap_driver *drv, struct module *owner, char *name);
void ap_driver_unregister(struct ap_driver *drv);

extern struct mutex ap_perms_mutex;
int ap_apqn_in_matrix_owned_by_def_drv(unsigned long *apm, unsigned long *aqm);

#endif /* _SHIM_AP_H */
