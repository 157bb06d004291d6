// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's admin protocol: command lines as a client sends them
 * (create, write, read, define, host, apmask, card, ...) into the server's
 * own command handler, with the driver loaded.  Every line must get an
 * answer of the protocol's form: "ok" and any output, or "error ERRNO:"
 * with an errno.  Each input starts from the same server: no mdev, the
 * whole host configuration, every queue for vfio_ap.
 *
 * An input is a list of lines.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <unistd.h>

#include "harness.h"
#include "admin.h"
#include "state.h"
#include "fuzz.h"

/* 64 queues: a host change, the costly command, moves few of them */
#define HOST_IDS "0-7"

static struct sim_server *server;
static char dir[] = "/tmp/vfio-ap-fuzz-admin-XXXXXX";
static char answer[2 * PAGE_SIZE];

static void run(char *line)
{
	char copy[1024];
	size_t n;
	int err;

	snprintf(copy, sizeof(copy), "%s", line);
	n = sim_server_command(server, line, answer, sizeof(answer));
	if (n != strlen(answer))
		fuzz_fail("'%s': answer of %zu bytes, %zu long", copy, n,
			  strlen(answer));
	if (!strncmp(answer, "ok\n", 3))
		return;
	if (sscanf(answer, "error %d: ", &err) != 1 || err <= 0 || err > 4095)
		fuzz_fail("'%s': answer '%.40s'", copy, answer);
}

static void forget(void *arg, const char *uuid, const char *path)
{
	sim_state_forget(dir, uuid);
}

/* back to the server as it started */
static void restore(void)
{
	char line[64], list[PAGE_SIZE], *uuid, *save;
	DECLARE_BITMAP(none, 256);
	unsigned int i;

	strcpy(line, "list");
	sim_server_command(server, line, answer, sizeof(answer));
	snprintf(list, sizeof(list), "%s", answer + 3);
	for (uuid = strtok_r(list, "\n", &save); uuid;
	     uuid = strtok_r(NULL, "\n", &save)) {
		snprintf(line, sizeof(line), "remove %s", uuid);
		sim_server_command(server, line, answer, sizeof(answer));
		if (strncmp(answer, "ok\n", 3))
			fuzz_fail("remove %s: %s", uuid, answer);
	}
	/* no definition kept: they would pile up over the inputs */
	sim_state_for_each(dir, forget, NULL);
	t_host(HOST_IDS, HOST_IDS, HOST_IDS);
	bitmap_zero(none, 256);
	if (sim_ap_write_perm(true, none) || sim_ap_write_perm(false, none))
		fuzz_fail("apmask or aqmask not given back to vfio_ap");
	for (i = 0; i < 256; i++)
		sim_ap_set_card_type(i, AP_DEVICE_TYPE_CEX8);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path);
}

static void remove_dir(void)
{
	sim_server_stop(server);
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *f;

	fuzz_harness_init();
	if (!mkdtemp(dir) || sim_server_start(dir, HOST_IDS, HOST_IDS,
					      HOST_IDS, &server))
		fuzz_fail("no server in %s", dir);
	/* a definition a line may name (the dictionary has its path) */
	f = fopen("/tmp/vfio-ap-fuzz-def.json", "w");
	if (f) {
		fputs("{\"mdev_type\":\"vfio_ap-passthrough\",\"attrs\":"
		      "[{\"assign_adapter\":\"1\"},{\"assign_domain\":\"2\"}]}",
		      f);
		fclose(f);
	}
	atexit(remove_dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	char line[1024];

	while (in.left) {
		fuzz_take_text(&in, '\n', line, sizeof(line));
		run(line);
	}
	restore();
	fuzz_check_locks();
	return 0;
}
