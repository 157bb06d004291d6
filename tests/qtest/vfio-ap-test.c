/*
 * QTest of the vfio-ap device model: how it refuses a command line or
 * device_add it cannot honour, and, over the vfio-user backend served by
 * vfio-ap-sim (the project's simulator running the real vfio_ap driver
 * code; its path in VFIO_AP_SIM), realize, unplug, device request, and the
 * config-change events that mdev and host changes give.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include <signal.h>
#include <sys/wait.h>
#include "libqtest.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"

#define MACHINE "-machine s390-ccw-virtio -nodefaults "

/* device_add with @args must fail with an error whose text has @want */
static void assert_device_add_fails(QTestState *qts, const char *args,
                                    const char *want)
{
    QDict *resp, *error;
    const char *desc;

    resp = qtest_qmp(qts, "{'execute': 'device_add', 'arguments': %p}",
                     qobject_from_json(args, &error_abort));
    g_assert(resp);
    error = qdict_get_qdict(resp, "error");
    g_assert(error);
    desc = qdict_get_str(error, "desc");
    if (!strstr(desc, want)) {
        g_test_message("device_add %s: '%s', want '%s'", args, desc, want);
        g_assert_not_reached();
    }
    qobject_unref(resp);
}

/* a machine whose CPU model has no AP facilities has no ap-bus */
static void test_no_ap_bus_without_facilities(void)
{
    QTestState *qts = qtest_init(MACHINE "-cpu qemu");

    assert_device_add_fails(qts,
        "{'driver': 'vfio-ap', 'id': 'ap0', 'socket': '/nonexistent'}",
        "No 'ap-bus' bus found");
    qtest_quit(qts);
}

/* exactly one backend: none, or two, is a clear error */
static void test_backend_count(void)
{
    QTestState *qts = qtest_init(MACHINE "-cpu max");

    assert_device_add_fails(qts, "{'driver': 'vfio-ap', 'id': 'ap0'}",
                            "exactly one of sysfsdev, fd and socket (0 given)");
    assert_device_add_fails(qts,
        "{'driver': 'vfio-ap', 'id': 'ap0', 'socket': '/a', 'sysfsdev': '/b'}",
        "exactly one of sysfsdev, fd and socket (2 given)");
    qtest_quit(qts);
}

/* a backend that is not there: reported, and the device does not exist */
static void test_missing_backend(void)
{
    QTestState *qts = qtest_init(MACHINE "-cpu max");
    QDict *resp;

    assert_device_add_fails(qts,
        "{'driver': 'vfio-ap', 'id': 'ap0', 'socket': '/nonexistent/sock'}",
        "Failed to connect to '/nonexistent/sock'");
    assert_device_add_fails(qts,
        "{'driver': 'vfio-ap', 'id': 'ap0', 'sysfsdev': '/nonexistent/mdev'}",
        "no such host device");
    resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                     "{'path': '/machine/peripheral/ap0', "
                     "'property': 'pending-config-events'}}");
    g_assert(qdict_haskey(resp, "error"));
    qobject_unref(resp);
    qtest_quit(qts);
}

/* the same on the command line: QEMU refuses to start (exit status 1) */
static void test_command_line_refused(void)
{
    QTestState *qts = qtest_init_ext(NULL, MACHINE "-cpu max "
                                     "-device vfio-ap,socket=/nonexistent",
                                     NULL, false);

    qtest_set_expected_status(qts, 1);
    qtest_wait_qemu(qts);
    qtest_quit(qts);
}

/* ---- with the simulator ---- */

#define UUID_A "62177883-f1bb-47f0-914d-32a22e3a8804"
#define UUID_B "62177883-f1bb-47f0-914d-32a22e3a8805"

typedef struct Sim {
    char *dir;
    GPid pid;
} Sim;

static const char *sim_binary(void)
{
    return g_getenv("VFIO_AP_SIM");
}

static bool have_sim(void);

/*
 * Start vfio-ap-sim with mdevs A and B, offering @irqs interrupt indexes;
 * returns once it serves, or false (the test failed) without the
 * simulator.
 */
static bool sim_start_irqs(Sim *sim, const char *irqs)
{
    GError *err = NULL;
    char *admin;
    int i;

    if (!have_sim()) {
        return false;
    }
    sim->dir = g_dir_make_tmp("vfio-ap-test-XXXXXX", &err);
    g_assert(!err);
    {
        char *argv[] = { (char *)sim_binary(), (char *)"--dir", sim->dir,
                         (char *)"--mdev", (char *)UUID_A, (char *)"--mdev",
                         (char *)UUID_B, (char *)"--irqs", (char *)irqs,
                         NULL };

        g_assert(g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
                               G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               &sim->pid, &err));
        g_assert(!err);
    }
    admin = g_strdup_printf("%s/%s.sock", sim->dir, UUID_B);
    for (i = 0; i < 500 && !g_file_test(admin, G_FILE_TEST_EXISTS); i++) {
        g_usleep(10 * 1000);
    }
    g_assert(g_file_test(admin, G_FILE_TEST_EXISTS));
    g_free(admin);
    return true;
}

static bool sim_start(Sim *sim)
{
    return sim_start_irqs(sim, "2");
}

/* one admin command; returns its exit status */
static int sim_admin(Sim *sim, const char *command)
{
    g_autofree char *line = g_strdup_printf("%s --dir %s --admin %s",
                                            sim_binary(), sim->dir, command);
    g_autofree char *out = NULL, *errors = NULL;
    GError *err = NULL;
    int status;

    /* its answer is not for the TAP output */
    g_assert(g_spawn_command_line_sync(line, &out, &errors, &status, &err));
    g_assert(!err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void sim_stop(Sim *sim, int sig)
{
    int status;

    kill(sim->pid, sig);
    g_assert(waitpid(sim->pid, &status, 0) == sim->pid);
    if (sig == SIGTERM) {
        g_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    g_spawn_close_pid(sim->pid);
    g_autofree char *rm = g_strdup_printf("rm -rf %s", sim->dir);
    g_assert(system(rm) == 0);
    g_free(sim->dir);
}

static char *sim_socket(Sim *sim, const char *uuid)
{
    return g_strdup_printf("%s/%s.sock", sim->dir, uuid);
}

/* a QEMU with the simulator's device @uuid plugged as "ap0" */
static QTestState *qemu_with_device(Sim *sim, const char *uuid)
{
    g_autofree char *sock = sim_socket(sim, uuid);
    QTestState *qts = qtest_init(MACHINE "-cpu max");

    qtest_qmp_device_add(qts, "vfio-ap", "ap0", "{'socket': %s}", sock);
    return qts;
}

static uint32_t pending_events(QTestState *qts, const char *id)
{
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", id);
    QDict *resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                            "{'path': %s, 'property': 'pending-config-events'}}",
                            path);
    uint32_t n = qdict_get_int(resp, "return");

    qobject_unref(resp);
    return n;
}

/* the simulator is needed; without it the test says so and fails */
static bool have_sim(void)
{
    const char *sim = sim_binary();

    if (!sim || !g_file_test(sim, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_message("VFIO_AP_SIM must name the vfio-ap-sim binary");
        g_test_fail();
        return false;
    }
    return true;
}

/* device_add and device_del over QMP */
static void test_hotplug(void)
{
    QTestState *qts;
    Sim sim;

    if (!sim_start(&sim)) {
        return;
    }
    qts = qemu_with_device(&sim, UUID_A);
    g_assert(pending_events(qts, "ap0") == 0);
    /* the ap-bus holds one device */
    assert_device_add_fails(qts, "{'driver': 'vfio-ap', 'id': 'ap1', "
                            "'socket': '/nonexistent'}", "is full");
    qtest_qmp_device_del(qts, "ap0");
    qtest_quit(qts);
    sim_stop(&sim, SIGTERM);
}

/* libvirt's form of the device, on the command line */
static void test_libvirt_json(void)
{
    g_autofree char *sock = NULL, *args = NULL;
    QTestState *qts;
    Sim sim;

    if (!sim_start(&sim)) {
        return;
    }
    sock = sim_socket(&sim, UUID_A);
    args = g_strdup_printf(MACHINE "-cpu max -device '{\"driver\":\"vfio-ap\","
                           "\"id\":\"hostdev0\",\"socket\":\"%s\"}'", sock);
    qts = qtest_init(args);
    g_assert(pending_events(qts, "hostdev0") == 0);
    qtest_quit(qts);
    sim_stop(&sim, SIGTERM);
}

/* the backend asks for the device back: the guest loses it */
static void test_request(void)
{
    g_autofree char *cmd = NULL;
    QTestState *qts;
    Sim sim;

    if (!sim_start(&sim)) {
        return;
    }
    qts = qemu_with_device(&sim, UUID_A);
    cmd = g_strdup_printf("request %s", UUID_A);
    g_assert(sim_admin(&sim, cmd) == 0);
    qtest_qmp_eventwait(qts, "DEVICE_DELETED");
    qtest_quit(qts);
    sim_stop(&sim, SIGTERM);
}

/* wait until the device has @want events pending (eventfds are async) */
static void wait_pending(QTestState *qts, const char *id, uint32_t want)
{
    int i;

    for (i = 0; i < 500 && pending_events(qts, id) != want; i++) {
        g_usleep(10 * 1000);
    }
    g_assert(pending_events(qts, id) == want);
}

/* assign and unassign in the simulator: events pending in QEMU */
static void test_config_change(void)
{
    QTestState *qts;
    Sim sim;

    if (!sim_start(&sim)) {
        return;
    }
    qts = qemu_with_device(&sim, UUID_A);
    g_assert(sim_admin(&sim, "write " UUID_A " assign_adapter 1") == 0);
    wait_pending(qts, "ap0", 1);
    g_assert(sim_admin(&sim, "write " UUID_A " assign_domain 2") == 0);
    wait_pending(qts, "ap0", 2);
    /* no change of the guest's configuration, no event */
    g_assert(sim_admin(&sim, "write " UUID_A " assign_domain 2") == 0);
    g_assert(sim_admin(&sim, "write " UUID_A " assign_adapter 0x100") == 1);
    g_assert(sim_admin(&sim, "write " UUID_A " unassign_adapter 1") == 0);
    wait_pending(qts, "ap0", 3);
    qtest_quit(qts);
    sim_stop(&sim, SIGTERM);
}

/* a host change gives events to the guests it affects, and to no other */
static void test_host_change(void)
{
    QTestState *qa, *qb;
    Sim sim;

    if (!sim_start(&sim)) {
        return;
    }
    g_assert(sim_admin(&sim, "write " UUID_A " assign_adapter 1") == 0);
    g_assert(sim_admin(&sim, "write " UUID_A " assign_domain 1") == 0);
    g_assert(sim_admin(&sim, "write " UUID_B " assign_adapter 2") == 0);
    g_assert(sim_admin(&sim, "write " UUID_B " assign_domain 1") == 0);
    qa = qemu_with_device(&sim, UUID_A);
    qb = qemu_with_device(&sim, UUID_B);

    /* the host loses adapter 1: only A's guest had it */
    g_assert(sim_admin(&sim, "host adapters 0,2-15") == 0);
    wait_pending(qa, "ap0", 1);
    g_assert(pending_events(qb, "ap0") == 0);
    /* and gets it back */
    g_assert(sim_admin(&sim, "host adapters 0-15") == 0);
    wait_pending(qa, "ap0", 2);
    g_assert(pending_events(qb, "ap0") == 0);

    qtest_quit(qa);
    qtest_quit(qb);
    sim_stop(&sim, SIGTERM);
}

/* a backend without the config-change irq (an older kernel) still works */
static void test_old_kernel(void)
{
    QTestState *qts;
    Sim sim;

    if (!sim_start_irqs(&sim, "1")) {
        return;
    }
    qts = qemu_with_device(&sim, UUID_A);
    g_assert(sim_admin(&sim, "write " UUID_A " assign_adapter 1") == 0);
    g_usleep(100 * 1000);
    g_assert(pending_events(qts, "ap0") == 0);
    g_assert(sim_admin(&sim, "request " UUID_A) == 0);
    qtest_qmp_eventwait(qts, "DEVICE_DELETED");
    qtest_quit(qts);
    sim_stop(&sim, SIGTERM);
}

/*
 * What the guest sees: a tiny guest (tests/guest/chsc-sei.S, its ELF in
 * VFIO_AP_GUEST_CHSC) asks CHSC store-event-information three times after
 * two config changes: one event each, "more" only on the first, then none.
 */
#define GUEST_REQ(n)    (0x30000 + (n) * 0x1000)
#define GUEST_RESP(n)   (GUEST_REQ(n) + 16)
#define GUEST_CC(n)     (0x33000 + (n) * 4)
#define GUEST_DONE      0x33010

static uint16_t guest_be16(QTestState *qts, uint64_t addr)
{
    return qtest_readb(qts, addr) << 8 | qtest_readb(qts, addr + 1);
}

static void test_guest_chsc_sei(void)
{
    const char *guest = g_getenv("VFIO_AP_GUEST_CHSC");
    g_autofree char *sock = NULL, *args = NULL;
    QTestState *qts;
    Sim sim;
    int i, n;

    if (!guest || !g_file_test(guest, G_FILE_TEST_EXISTS)) {
        g_test_message("VFIO_AP_GUEST_CHSC must name the test guest");
        g_test_fail();
        return;
    }
    if (!sim_start(&sim)) {
        return;
    }
    sock = sim_socket(&sim, UUID_A);
    args = g_strdup_printf(MACHINE "-S -accel tcg -cpu max -kernel %s "
                           "-device vfio-ap,id=ap0,socket=%s", guest, sock);
    qts = qtest_init(args);
    g_assert(sim_admin(&sim, "write " UUID_A " assign_adapter 1") == 0);
    g_assert(sim_admin(&sim, "write " UUID_A " assign_domain 1") == 0);
    wait_pending(qts, "ap0", 2);

    qtest_qmp_assert_success(qts, "{'execute': 'cont'}");
    for (i = 0; i < 1000 && !qtest_readb(qts, GUEST_DONE); i++) {
        g_usleep(10 * 1000);
    }
    g_assert(qtest_readb(qts, GUEST_DONE) == 1);

    for (n = 0; n < 2; n++) {
        g_assert(qtest_readl(qts, GUEST_CC(n)) == 0);
        g_assert(guest_be16(qts, GUEST_RESP(n)) == 12);      /* length */
        g_assert(guest_be16(qts, GUEST_RESP(n) + 2) == 1);   /* stored */
        g_assert(qtest_readb(qts, GUEST_RESP(n) + 7) == 0);  /* nt 0 */
        g_assert(qtest_readb(qts, GUEST_RESP(n) + 8) == (n ? 0 : 0x80));
        g_assert(qtest_readb(qts, GUEST_RESP(n) + 10) == 5); /* AP */
        g_assert(qtest_readb(qts, GUEST_RESP(n) + 11) == 3); /* content */
    }
    g_assert(qtest_readl(qts, GUEST_CC(2)) == 0);
    g_assert(guest_be16(qts, GUEST_RESP(2) + 2) == 5);       /* none */
    g_assert(pending_events(qts, "ap0") == 0);
    qtest_quit(qts);
    sim_stop(&sim, SIGTERM);
}

/* the simulator dies under QEMU: QEMU says so and keeps running */
static void test_backend_killed(void)
{
    QTestState *qts;
    QDict *resp;
    Sim sim;

    if (!sim_start(&sim)) {
        return;
    }
    qts = qemu_with_device(&sim, UUID_A);
    sim_stop(&sim, SIGKILL);
    resp = qtest_qmp(qts, "{'execute': 'query-status'}");
    g_assert(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/vfio-ap/no-ap-bus-without-facilities",
                   test_no_ap_bus_without_facilities);
    qtest_add_func("/vfio-ap/backend-count", test_backend_count);
    qtest_add_func("/vfio-ap/missing-backend", test_missing_backend);
    qtest_add_func("/vfio-ap/command-line-refused", test_command_line_refused);
    qtest_add_func("/vfio-ap/sim/hotplug", test_hotplug);
    qtest_add_func("/vfio-ap/sim/libvirt-json", test_libvirt_json);
    qtest_add_func("/vfio-ap/sim/request", test_request);
    qtest_add_func("/vfio-ap/sim/config-change", test_config_change);
    qtest_add_func("/vfio-ap/sim/host-change", test_host_change);
    qtest_add_func("/vfio-ap/sim/backend-killed", test_backend_killed);
    qtest_add_func("/vfio-ap/sim/old-kernel", test_old_kernel);
    qtest_add_func("/vfio-ap/sim/guest-chsc-sei", test_guest_chsc_sei);

    return g_test_run();
}
