/*
 * QTest of the vfio-ap device model: how it refuses a command line or
 * device_add it cannot honour, and, over the vfio-user backend served by
 * vfio-ap-sim (the project's simulator running the real vfio_ap driver
 * code; its path in VFIO_AP_SIM), realize, unplug, device request, and the
 * config-change events that mdev and host changes give.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "libqtest.h"
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "vfio-ap-guest.h"
#include "vfio-ap-loop-guest.h"
#include "vfio-ap-irq-guest.h"

/* guest RAM shared with the backend, as the driver's NIB pinning needs */
#define SHARED_RAM "-object memory-backend-memfd,id=mem,size=128M,share=on " \
    "-m 128M "
#define MACHINE "-machine s390-ccw-virtio,memory-backend=mem -nodefaults " \
    SHARED_RAM

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
                     "'property': 'x-pending-config-events'}}");
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

/* the simulator of the guest tests */
static Sim sim_guest;

static const char *sim_binary(void)
{
    return g_getenv("VFIO_AP_SIM");
}

static bool have_sim(void);

/* a simulator left behind by a failed test must not outlive it */
static void sim_child_setup(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * Start vfio-ap-sim with mdevs A and B and the options in @extra (NULL
 * ended, or NULL); returns once it serves, or false (the test failed)
 * without the simulator.
 */
static bool sim_start_with(Sim *sim, const char *const *extra)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    GError *err = NULL;
    char *admin;
    int i;

    if (!have_sim()) {
        return false;
    }
    sim->dir = g_dir_make_tmp("vfio-ap-test-XXXXXX", &err);
    g_assert(!err);
    g_ptr_array_add(argv, (char *)sim_binary());
    g_ptr_array_add(argv, (char *)"--dir");
    g_ptr_array_add(argv, sim->dir);
    g_ptr_array_add(argv, (char *)"--mdev");
    g_ptr_array_add(argv, (char *)UUID_A);
    g_ptr_array_add(argv, (char *)"--mdev");
    g_ptr_array_add(argv, (char *)UUID_B);
    for (i = 0; extra && extra[i]; i++) {
        g_ptr_array_add(argv, (char *)extra[i]);
    }
    g_ptr_array_add(argv, NULL);
    g_assert(g_spawn_async(NULL, (char **)argv->pdata, NULL,
                           G_SPAWN_DO_NOT_REAP_CHILD |
                           G_SPAWN_STDOUT_TO_DEV_NULL, sim_child_setup, NULL,
                           &sim->pid, &err));
    g_assert(!err);
    admin = g_strdup_printf("%s/%s.sock", sim->dir, UUID_B);
    for (i = 0; i < 500 && !g_file_test(admin, G_FILE_TEST_EXISTS); i++) {
        g_usleep(10 * 1000);
    }
    g_assert(g_file_test(admin, G_FILE_TEST_EXISTS));
    g_free(admin);
    return true;
}

static bool sim_start_irqs(Sim *sim, const char *irqs)
{
    const char *extra[] = { "--irqs", irqs, NULL };

    return sim_start_with(sim, extra);
}

static bool sim_start(Sim *sim)
{
    return sim_start_with(sim, NULL);
}

/* one admin command; returns its exit status */
/* an admin command of the simulator: its exit status, its answer in *@out */
static int sim_admin_answer(Sim *sim, const char *command, char **out)
{
    g_autofree char *line = g_strdup_printf("%s --dir %s --admin %s",
                                            sim_binary(), sim->dir, command);
    g_autofree char *errors = NULL;
    GError *err = NULL;
    int status;

    g_assert(g_spawn_command_line_sync(line, out, &errors, &status, &err));
    g_assert(!err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int sim_admin(Sim *sim, const char *command)
{
    g_autofree char *out = NULL;

    /* its answer is not for the TAP output */
    return sim_admin_answer(sim, command, &out);
}

/* the number an admin command of the simulator answers */
static long sim_number(Sim *sim, const char *command)
{
    g_autofree char *out = NULL;
    const char *end;
    long n;

    g_assert_cmpint(sim_admin_answer(sim, command, &out), ==, 0);
    /* "ok", then the number */
    g_assert(g_str_has_prefix(out, "ok\n"));
    g_assert_cmpint(qemu_strtol(out + 3, &end, 10, &n), ==, 0);
    g_assert(*end == '\n');
    return n;
}

/* the guest pages the simulator's driver holds pinned */
static long sim_pins(Sim *sim)
{
    return sim_number(sim, "pins");
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
                            "{'path': %s, 'property': 'x-pending-config-events'}}",
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
    /* no change of the guest's configuration, no event: wait for one */
    g_assert(sim_admin(&sim, "write " UUID_A " assign_domain 2") == 0);
    g_assert(sim_admin(&sim, "write " UUID_A " assign_adapter 0x100") == 1);
    g_usleep(500 * 1000);
    g_assert(pending_events(qts, "ap0") == 2);
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
    /* time for a wrong event of B's to arrive too */
    g_usleep(300 * 1000);
    g_assert(pending_events(qb, "ap0") == 0);
    /* and gets it back */
    g_assert(sim_admin(&sim, "host adapters 0-15") == 0);
    wait_pending(qa, "ap0", 2);
    g_usleep(300 * 1000);
    g_assert(pending_events(qb, "ap0") == 0);

    qtest_quit(qa);
    qtest_quit(qb);
    sim_stop(&sim, SIGTERM);
}

/*
 * What QEMU prints while it realizes @device, with @memory for the guest's
 * RAM: a bad device after it stops QEMU once the warnings are out.
 */
static char *qemu_warnings(const char *memory, const char *device)
{
    g_autofree char *cmd = g_strdup_printf(
        "%s -machine s390-ccw-virtio%s -nodefaults -display none "
        "-accel tcg -cpu max %s -device %s -device no-such-device",
        g_getenv("QTEST_QEMU_BINARY"), *memory ? ",memory-backend=mem" : "",
        memory, device);
    GError *gerr = NULL;
    char *err = NULL;
    int status;

    g_assert(g_spawn_command_line_sync(cmd, NULL, &err, &status, &gerr));
    g_assert(!gerr);
    g_assert(!WIFEXITED(status) || WEXITSTATUS(status) != 0);
    g_assert(strstr(err, "no-such-device"));
    return err;
}

static void assert_warned(Sim *sim, const char *memory, const char *want,
                          bool warned)
{
    g_autofree char *sock = sim_socket(sim, UUID_A);
    g_autofree char *dev = g_strdup_printf("vfio-ap,socket=%s", sock);
    g_autofree char *err = qemu_warnings(memory, dev);

    if (!strstr(err, want) != !warned) {
        g_test_message("QEMU said '%s'; want%s '%s'", err,
                       warned ? "" : " no", want);
        g_assert_not_reached();
    }
}

/* without shared guest RAM, realize says what to add */
static void test_shared_memory_hint(void)
{
    Sim sim;

    if (!sim_start(&sim)) {
        return;
    }
    assert_warned(&sim, "", "add -object memory-backend-memfd,id=mem,"
                  "size=SIZE,share=on -machine memory-backend=mem", true);
    assert_warned(&sim, SHARED_RAM, "memory-backend-memfd", false);
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
    assert_warned(&sim, SHARED_RAM, "the backend has no config change "
                  "interrupt", true);
    qts = qemu_with_device(&sim, UUID_A);
    g_assert(sim_admin(&sim, "write " UUID_A " assign_adapter 1") == 0);
    /* long enough for an event that should not come to arrive */
    g_usleep(500 * 1000);
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
    /*
     * One eventfd signal per change, but two signals QEMU has not read yet
     * are one event (as with the kernel's eventfd): wait for each.
     */
    g_assert(sim_admin(&sim, "write " UUID_A " assign_adapter 1") == 0);
    wait_pending(qts, "ap0", 1);
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

/*
 * A channel report word for every config change, even after the guest
 * asked CHSC SEI when no event was left: an event dropped with its device
 * must not leave the SEI-pending state set (tests/guest/sei-drop.S, its
 * ELF in VFIO_AP_GUEST_SEI_DROP).
 */
#define DROP_AREA       0x31000
#define DROP_GO         (DROP_AREA + 0x10)
#define DROP_STAGE      (DROP_AREA + 0x18)
#define DROP_CRW_CC(n)  (DROP_AREA + 0x20 + (n) * 4)
#define DROP_CHSC_CC    (DROP_AREA + 0x28)
#define DROP_SEI_CODE   (0x30000 + 16 + 2)
#define DROP_SEI_EVENTS (DROP_AREA + 0x2c)

static void drop_go(QTestState *qts, uint8_t go)
{
    uint8_t v[8] = { [7] = go };

    qtest_memwrite(qts, DROP_GO, v, sizeof(v));
}

static void drop_wait_stage(QTestState *qts, uint8_t stage)
{
    int i;

    for (i = 0; i < 1000 && qtest_readb(qts, DROP_STAGE + 7) != stage; i++) {
        g_usleep(10 * 1000);
    }
    g_assert_cmpint(qtest_readb(qts, DROP_STAGE + 7), ==, stage);
}

static uint32_t guest_be32(QTestState *qts, uint64_t addr)
{
    return (uint32_t)guest_be16(qts, addr) << 16 | guest_be16(qts, addr + 2);
}

static void test_guest_sei_after_drop(void)
{
    const char *guest = g_getenv("VFIO_AP_GUEST_SEI_DROP");
    g_autofree char *sock_a = NULL, *sock_b = NULL;
    QTestState *qts;
    Sim sim;

    if (!guest || !g_file_test(guest, G_FILE_TEST_EXISTS)) {
        g_test_message("VFIO_AP_GUEST_SEI_DROP must name the test guest");
        g_test_fail();
        return;
    }
    if (!sim_start(&sim)) {
        return;
    }
    sock_a = sim_socket(&sim, UUID_A);
    sock_b = sim_socket(&sim, UUID_B);
    qts = qtest_initf(MACHINE "-accel tcg -cpu max -kernel %s "
                      "-device vfio-ap,id=ap0,socket=%s", guest, sock_a);
    /* an event, raised with a report word, then dropped with its device */
    g_assert(sim_admin(&sim, "write " UUID_A " assign_adapter 1") == 0);
    wait_pending(qts, "ap0", 1);
    qtest_qmp_device_del(qts, "ap0");
    drop_go(qts, 1);
    drop_wait_stage(qts, 1);
    g_assert_cmpuint(guest_be32(qts, DROP_CRW_CC(0)), ==, 0);
    g_assert_cmpuint(guest_be32(qts, DROP_CHSC_CC), ==, 0);
    /* the unplug's own event, then none: the pending state is cleared */
    g_assert_cmpuint(guest_be32(qts, DROP_SEI_EVENTS), ==, 1);
    g_assert_cmpuint(guest_be16(qts, DROP_SEI_CODE), ==, 5);     /* none */

    /* a new device's config change: a new report word */
    qtest_qmp_device_add(qts, "vfio-ap", "ap1", "{'socket': %s}", sock_b);
    g_assert(sim_admin(&sim, "write " UUID_B " assign_adapter 2") == 0);
    wait_pending(qts, "ap1", 1);
    drop_go(qts, 2);
    drop_wait_stage(qts, 2);
    g_assert_cmpuint(guest_be32(qts, DROP_CRW_CC(1)), ==, 0);
    qtest_quit(qts);
    sim_stop(&sim, SIGTERM);
}

/* socket= takes vfio-user-pci's SocketAddress form too, UNIX only */
static void test_socket_address(void)
{
    g_autofree char *sock = NULL, *args = NULL;
    QTestState *qts;
    Sim sim;

    if (!sim_start(&sim)) {
        return;
    }
    sock = sim_socket(&sim, UUID_A);
    qts = qtest_init(MACHINE "-cpu max");
    assert_device_add_fails(qts, "{'driver': 'vfio-ap', 'id': 'ap0', "
                            "'socket': {'type': 'inet', 'host': 'localhost', "
                            "'port': '1'}}", "only unix");
    assert_device_add_fails(qts, "{'driver': 'vfio-ap', 'id': 'ap0', "
                            "'socket': {'type': 'unix'}}", "path");
    qtest_qmp_device_add(qts, "vfio-ap", "ap0",
                         "{'socket': {'type': 'unix', 'path': %s}}", sock);
    g_assert(pending_events(qts, "ap0") == 0);
    qtest_qmp_device_del(qts, "ap0");
    qtest_quit(qts);
    sim_stop(&sim, SIGTERM);
}

/* a system reset drops the events, as the channel subsystem's reset does */
static void test_reset_drops_events(void)
{
    QTestState *qts;
    Sim sim;

    if (!sim_start(&sim)) {
        return;
    }
    qts = qemu_with_device(&sim, UUID_A);
    g_assert(sim_admin(&sim, "write " UUID_A " assign_adapter 1") == 0);
    wait_pending(qts, "ap0", 1);
    qtest_qmp_assert_success(qts, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(qts, "RESET");
    g_assert(pending_events(qts, "ap0") == 0);
    /* and the device still reports what comes after */
    g_assert(sim_admin(&sim, "write " UUID_A " assign_domain 1") == 0);
    wait_pending(qts, "ap0", 1);
    qtest_quit(qts);
    sim_stop(&sim, SIGTERM);
}

/*
 * The simulator dies under QEMU: QEMU notices, keeps running, and the
 * device can still be unplugged cleanly.
 */
/*
 * Wait until QEMU has seen the simulator's end (x-backend-gone); the
 * milliseconds it took.  An instruction waiting for the dead backend's
 * reply ends when the connection breaks (qemu-patches 0015), not when its
 * x-msg-timeout does; the limit is for a loaded machine.
 */
#define BACKEND_GONE_WAIT_MS    30000

static int64_t wait_backend_gone(QTestState *qts)
{
    gint64 start = g_get_monotonic_time();
    bool gone = false;
    QDict *resp;
    int64_t ms;

    while (!gone &&
           g_get_monotonic_time() - start < BACKEND_GONE_WAIT_MS * 1000) {
        resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': {'path': "
                         "'/machine/peripheral/ap0', "
                         "'property': 'x-backend-gone'}}");
        gone = qdict_get_bool(resp, "return");
        qobject_unref(resp);
        if (!gone) {
            g_usleep(10 * 1000);
        }
    }
    ms = (g_get_monotonic_time() - start) / 1000;
    g_test_message("QEMU saw the backend gone after %" PRId64 " ms", ms);
    g_assert(gone);
    return ms;
}


static void test_backend_killed(void)
{
    QTestState *qts;
    QDict *resp;
    Sim sim;

    if (!sim_start(&sim)) {
        return;
    }
    qts = qemu_with_device(&sim, UUID_A);
    resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': {'path': "
                     "'/machine/peripheral/ap0', 'property': 'x-backend-gone'}}");
    g_assert(!qdict_get_bool(resp, "return"));
    qobject_unref(resp);
    sim_stop(&sim, SIGKILL);
    wait_backend_gone(qts);
    qtest_qmp_device_del(qts, "ap0");
    resp = qtest_qmp(qts, "{'execute': 'query-status'}");
    g_assert(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    qtest_quit(qts);
}

/*
 * What a process holds: file descriptors, resident memory (KiB), and
 * mappings of memory files (the guest RAM QEMU shares with the simulator,
 * mapped by the simulator at each plug).  Its whole mapped size is no
 * measure: glibc keeps the malloc arenas of threads that have ended.
 */
typedef struct Usage {
    int fds, memfd_maps;
    long rss_kib;
} Usage;

static Usage process_usage(GPid pid)
{
    g_autofree char *fd_dir = g_strdup_printf("/proc/%d/fd", (int)pid);
    g_autofree char *status_path = g_strdup_printf("/proc/%d/status",
                                                   (int)pid);
    g_autofree char *maps_path = g_strdup_printf("/proc/%d/maps", (int)pid);
    g_autofree char *status = NULL, *maps = NULL;
    g_autoptr(GDir) dir = g_dir_open(fd_dir, 0, NULL);
    Usage u = { 0, 0, -1 };
    const char *line, *end;

    g_assert(dir);
    while (g_dir_read_name(dir)) {
        u.fds++;
    }
    g_assert(g_file_get_contents(status_path, &status, NULL, NULL));
    line = strstr(status, "\nVmRSS:");
    g_assert(line);
    g_assert_cmpint(qemu_strtol(line + strlen("\nVmRSS:"), &end, 10,
                                &u.rss_kib), ==, 0);
    g_assert(g_file_get_contents(maps_path, &maps, NULL, NULL));
    for (line = strstr(maps, "/memfd:"); line;
         line = strstr(line + 1, "/memfd:")) {
        u.memfd_maps++;
    }
    return u;
}

/*
 * Unplug and re-plug cycles against one simulator: after the first
 * REPLUG_WARMUP (caches and pools filled), REPLUG_CYCLES more may not
 * leave a file descriptor behind in QEMU or the simulator, nor a pinned
 * page, nor a mapping of guest RAM.  The simulator's heap in use (its
 * malloc's count) must be where it was, give or take REPLUG_HEAP_SLACK
 * bytes; QEMU's, seen only as its resident memory, which thread arenas
 * and page reuse move by some 100 KiB under load, may not grow by more than
 * REPLUG_RSS_SLACK_KIB (a leak of a kilobyte a cycle shows).
 */
#define REPLUG_WARMUP           50
#define REPLUG_CYCLES           1000
#define REPLUG_HEAP_SLACK       8192
#define REPLUG_RSS_SLACK_KIB    1024

/*
 * The simulator ends a client's thread a little after the connection (it
 * reaps them in its poll loop): take its usage once the number of its file
 * descriptors has held for REPLUG_SETTLE_MS.
 */
#define REPLUG_SETTLE_MS        200

static Usage settled_usage(GPid pid)
{
    Usage u = process_usage(pid), again;
    int held = 0, i;

    for (i = 0; i < 500 && held < REPLUG_SETTLE_MS / 10; i++) {
        g_usleep(10 * 1000);
        again = process_usage(pid);
        held = again.fds == u.fds && again.memfd_maps == u.memfd_maps ?
               held + 1 : 0;
        u = again;
    }
    return u;
}

static void replug_cycle(QTestState *qts, const char *sock)
{
    qtest_qmp_device_add(qts, "vfio-ap", "ap0", "{'socket': %s}", sock);
    qtest_qmp_device_del(qts, "ap0");
}

static void test_replug_cycles(void)
{
    g_autofree char *sock = NULL;
    Usage qemu0, qemu1, sim0, sim1;
    long heap0, heap1;
    QTestState *qts;
    Sim sim;
    int i;

    if (!sim_start(&sim)) {
        return;
    }
    sock = sim_socket(&sim, UUID_A);
    qts = qtest_init(MACHINE "-cpu max");
    for (i = 0; i < REPLUG_WARMUP; i++) {
        replug_cycle(qts, sock);
    }
    qemu0 = settled_usage(qtest_pid(qts));
    sim0 = settled_usage(sim.pid);
    heap0 = sim_number(&sim, "heap");
    for (i = 0; i < REPLUG_CYCLES; i++) {
        replug_cycle(qts, sock);
    }
    qemu1 = settled_usage(qtest_pid(qts));
    sim1 = settled_usage(sim.pid);
    heap1 = sim_number(&sim, "heap");
    g_test_message("%d cycles: QEMU %d -> %d fds, %ld -> %ld KiB resident, "
                   "%d -> %d memory file mappings; simulator %d -> %d fds, "
                   "%ld -> %ld KiB resident, %d -> %d memory file mappings",
                   REPLUG_CYCLES, qemu0.fds, qemu1.fds, qemu0.rss_kib,
                   qemu1.rss_kib, qemu0.memfd_maps, qemu1.memfd_maps,
                   sim0.fds, sim1.fds, sim0.rss_kib, sim1.rss_kib,
                   sim0.memfd_maps, sim1.memfd_maps);
    g_test_message("simulator heap in use: %ld -> %ld bytes", heap0, heap1);
    g_assert_cmpint(qemu1.fds, ==, qemu0.fds);
    g_assert_cmpint(sim1.fds, ==, sim0.fds);
    g_assert_cmpint(qemu1.rss_kib - qemu0.rss_kib, <=, REPLUG_RSS_SLACK_KIB);
    g_assert_cmpint(labs(heap1 - heap0), <=, REPLUG_HEAP_SLACK);
    g_assert_cmpint(qemu1.memfd_maps, ==, qemu0.memfd_maps);
    g_assert_cmpint(sim1.memfd_maps, ==, sim0.memfd_maps);
    g_assert_cmpint(sim_pins(&sim), ==, 0);
    /* and the device still works: the last plug sees no event pending */
    qtest_qmp_device_add(qts, "vfio-ap", "ap0", "{'socket': %s}", sock);
    g_assert_cmpuint(pending_events(qts, "ap0"), ==, 0);
    qtest_qmp_device_del(qts, "ap0");
    qtest_quit(qts);
    sim_stop(&sim, SIGTERM);
}

/*
 * The AP instructions from a guest: tests/guest/ap-insn.c (its ELF in
 * VFIO_AP_GUEST_INSN) issues PQAP, NQAP and DQAP and records what it saw
 * (vfio-ap-guest.h); these tests boot it under TCG and check the records.
 */
#define PGM_OPERATION           0x01
#define PGM_PRIVILEGED          0x02
#define PGM_ADDRESSING          0x05
#define PGM_SPECIFICATION       0x06
#define GR1_RC(gr1)             (((gr1) >> 16) & 0xff)
#define GR1_EMPTY               0x80000000ULL
#define GR1_FULL                0x20000000ULL

typedef struct Rec {
    uint64_t outcome, gr1, gr2, value;
} Rec;

static uint64_t guest_be64(QTestState *qts, uint64_t addr)
{
    uint8_t b[8];
    uint64_t v = 0;
    int i;

    qtest_memread(qts, addr, b, sizeof(b));
    for (i = 0; i < 8; i++) {
        v = v << 8 | b[i];
    }
    return v;
}

static Rec guest_rec(QTestState *qts, int n)
{
    Rec r = {
        guest_be64(qts, AP_GUEST_REC(n) + AP_REC_OUTCOME),
        guest_be64(qts, AP_GUEST_REC(n) + AP_REC_GR1),
        guest_be64(qts, AP_GUEST_REC(n) + AP_REC_GR2),
        guest_be64(qts, AP_GUEST_REC(n) + AP_REC_VALUE),
    };

    return r;
}

/* wait (up to 60 s of TCG) until the guest has reached @stage */
static void guest_wait_stage(QTestState *qts, uint64_t stage)
{
    int i;

    for (i = 0; i < 6000 && guest_be64(qts, AP_GUEST_STAGE) < stage; i++) {
        g_usleep(10 * 1000);
    }
    g_assert_cmpuint(guest_be64(qts, AP_GUEST_STAGE), ==, stage);
}

static void guest_go(QTestState *qts)
{
    uint8_t one[8] = { [7] = 1 };

    qtest_memwrite(qts, AP_GUEST_GO, one, sizeof(one));
}

/* the guest ELF the environment variable @var names; NULL: a failure */
static const char *guest_elf(const char *var)
{
    const char *guest = g_getenv(var);

    if (!guest || !g_file_test(guest, G_FILE_TEST_EXISTS)) {
        g_test_message("%s must name a guest of tests/guest", var);
        g_test_fail();
        return NULL;
    }
    return guest;
}

static const char *guest_insn(void)
{
    return guest_elf("VFIO_AP_GUEST_INSN");
}

/* @elf under TCG with @cpu, and a device on mdev A of @sim if any */
static QTestState *guest_boot_elf(const char *elf, const char *cpu, Sim *sim)
{
    g_autofree char *sock = sim ? sim_socket(sim, UUID_A) : NULL;
    g_autofree char *dev = sock ?
        g_strdup_printf("-device vfio-ap,id=ap0,socket=%s", sock) :
        g_strdup("");

    return qtest_initf(MACHINE "-accel tcg -cpu %s -kernel %s %s",
                       cpu, elf, dev);
}

static QTestState *guest_boot(const char *cpu, Sim *sim)
{
    return guest_boot_elf(guest_insn(), cpu, sim);
}

#define CHECK_OUTCOME(qts, n, want) \
    g_assert_cmphex(guest_rec(qts, n).outcome, ==, (want))

/*
 * mdev A with adapters 1-2 (2 a CEX6) and domains 1-2; @fault: a fault of
 * the cards (--x-fault), an option such as --no-region-mmap, or NULL
 */
static bool guest_sim_start(Sim *sim, const char *fault)
{
    bool option = fault && !strncmp(fault, "--", 2);
    const char *extra[] = { "--card", "2=12",
                            fault ? (option ? fault : "--x-fault") : NULL,
                            option ? NULL : fault, NULL };

    if (!guest_insn() || !sim_start_with(sim, extra)) {
        return false;
    }
    g_assert(sim_admin(sim, "write " UUID_A " assign_adapter 1") == 0);
    g_assert(sim_admin(sim, "write " UUID_A " assign_adapter 2") == 0);
    g_assert(sim_admin(sim, "write " UUID_A " assign_domain 1") == 0);
    g_assert(sim_admin(sim, "write " UUID_A " assign_domain 2") == 0);
    return true;
}

/* the guest's whole run against the simulator, past the assignment */
static QTestState *guest_run(Sim *sim, const char *cpu)
{
    QTestState *qts = guest_boot(cpu, sim);

    guest_wait_stage(qts, 1);
    g_assert(sim_admin(sim, "write " UUID_A " assign_adapter 3") == 0);
    wait_pending(qts, "ap0", 1);
    guest_go(qts);
    guest_wait_stage(qts, 2);
    return qts;
}

/* a CPU model without AP: every AP instruction is an operation exception */
static void test_guest_no_ap_facility(void)
{
    QTestState *qts;

    if (!guest_insn()) {
        return;
    }
    qts = guest_boot("qemu", NULL);
    guest_wait_stage(qts, 1);
    CHECK_OUTCOME(qts, REC_TAPQ_ZERO, AP_PGM + PGM_OPERATION);
    CHECK_OUTCOME(qts, REC_PROBLEM_STATE, AP_PGM + PGM_OPERATION);
    CHECK_OUTCOME(qts, REC_SPEC_NQAP_ODD, AP_PGM + PGM_OPERATION);
    CHECK_OUTCOME(qts, REC_SPEC_DQAP_ODD, AP_PGM + PGM_OPERATION);
    qtest_quit(qts);
}

/*
 * Operands the architecture defines as invalid, device or not: GR0 bits
 * 41-47 of PQAP, the reserved GR0 bits of NQAP and DQAP, a length of 0
 */
static void check_spec_operands(QTestState *qts)
{
    CHECK_OUTCOME(qts, REC_SPEC_PQAP_BITS, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_SPEC_NQAP_BITS, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_SPEC_DQAP_BITS, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_SPEC_NQAP_ZERO, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_SPEC_DQAP_ZERO, AP_PGM + PGM_SPECIFICATION);
}

/* AP facilities but no device: no queue, an empty configuration */
static void test_guest_no_device(void)
{
    QTestState *qts;
    int i;

    if (!guest_insn()) {
        return;
    }
    qts = guest_boot("max", NULL);
    guest_wait_stage(qts, 1);
    CHECK_OUTCOME(qts, REC_TAPQ_ZERO, 3);
    g_assert_cmphex(GR1_RC(guest_rec(qts, REC_TAPQ_ZERO).gr1), ==, 1);
    CHECK_OUTCOME(qts, REC_PROBLEM_STATE, AP_PGM + PGM_PRIVILEGED);
    /* the machine has APXA, device or not: adapter 64 is just not there */
    CHECK_OUTCOME(qts, REC_SPEC_IDS, 3);
    g_assert_cmphex(GR1_RC(guest_rec(qts, REC_SPEC_IDS).gr1), ==, 1);
    check_spec_operands(qts);
    CHECK_OUTCOME(qts, REC_QCI, 0);
    /* information there (a flags word of 0 means "all configured") */
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1), ==, 0x40);
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1 + 4), ==, 63);
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1 + 5), ==, 15);
    for (i = 16; i < 128; i++) {
        g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1 + i), ==, 0);
    }
    guest_go(qts);
    guest_wait_stage(qts, 2);
    CHECK_OUTCOME(qts, REC_TAPQ_IN, 3);
    g_assert_cmphex(GR1_RC(guest_rec(qts, REC_TAPQ_IN).gr1), ==, 1);
    CHECK_OUTCOME(qts, REC_RSA, 3);
    qtest_quit(qts);
}

/* the guest's AP configuration, queues and RSA requests, end to end */
static void test_guest_sim(void)
{
    QTestState *qts;
    Rec r;
    int i;

    /* without adapter interrupts, as a guest without apqi needs none */
    if (!guest_sim_start(&sim_guest, "--irqs=2")) {
        return;
    }
    qts = guest_run(&sim_guest, "max,apqi=off");

    /* exceptions, in the architecture's order */
    CHECK_OUTCOME(qts, REC_PROBLEM_STATE, AP_PGM + PGM_PRIVILEGED);
    CHECK_OUTCOME(qts, REC_SPEC_FC, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_SPEC_AQIC, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_SPEC_QCI_ALIGN, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_SPEC_NQAP_ODD, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_SPEC_DQAP_ODD, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_ADDR_QCI, AP_PGM + PGM_ADDRESSING);
    /* with APXA, adapter 64 is just not the guest's */
    CHECK_OUTCOME(qts, REC_SPEC_IDS, 3);
    check_spec_operands(qts);
    /* the T bit with apft is allowed for every function */
    CHECK_OUTCOME(qts, REC_SPEC_T_QACT, 0);

    /* QCI is the mdev's guest_matrix, before and after an assignment */
    CHECK_OUTCOME(qts, REC_QCI, 0);
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1), ==, 0x40);  /* APXA */
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1 + 16), ==, 0x60);
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1 + 48), ==, 0x60);
    CHECK_OUTCOME(qts, REC_QCI_AFTER, 0);
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI2 + 16), ==, 0x70);
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI2 + 48), ==, 0x60);

    /* TAPQ: the card's info word inside the matrix, rc 01 outside */
    r = guest_rec(qts, REC_TAPQ_IN);
    g_assert_cmphex(r.outcome, ==, 0);
    g_assert_cmphex(r.gr1, ==, GR1_EMPTY);
    g_assert_cmphex(r.gr2 >> 56, ==, 0x6a);     /* mex4k crt4k A APXA */
    g_assert_cmphex((r.gr2 >> 24) & 0xff, ==, 14);      /* CEX8 */
    g_assert_cmphex(r.gr2 & 0xf, ==, 7);        /* depth 8 */
    r = guest_rec(qts, REC_TAPQ_CEX6);
    g_assert_cmphex((r.gr2 >> 24) & 0xff, ==, 12);
    CHECK_OUTCOME(qts, REC_SPEC_T_BIT, 0);
    CHECK_OUTCOME(qts, REC_TAPQ_OUT, 3);
    g_assert_cmphex(GR1_RC(guest_rec(qts, REC_TAPQ_OUT).gr1), ==, 1);

    /* RSA ME and CRT, 1024/2048/4096: the right results, ids back */
    for (i = 0; i < 6; i++) {
        r = guest_rec(qts, REC_RSA + i);
        g_assert_cmphex(r.outcome, ==, 0);
        g_assert_cmphex(r.gr2, ==, 0x1000 + i);
        g_assert_cmphex(r.value, ==, 1);
    }
    r = guest_rec(qts, REC_OVERLAP_A);
    g_assert(r.outcome == 0 && r.gr2 == 0x2001 && r.value == 1);
    r = guest_rec(qts, REC_OVERLAP_B);
    g_assert(r.outcome == 0 && r.gr2 == 0x2002 && r.value == 1);

    /* depth + 1 is full; the 8 replies came in order and right */
    r = guest_rec(qts, REC_QUEUE_FULL);
    g_assert_cmphex(r.outcome, ==, 3);
    g_assert_cmphex(GR1_RC(r.gr1), ==, 0x10);
    g_assert(r.gr1 & GR1_FULL);
    g_assert_cmphex(guest_rec(qts, REC_REPLY_ORDER).value, ==, 1);

    /* a message across a page moves in parts; so does a long reply */
    r = guest_rec(qts, REC_NQAP_PARTS);
    g_assert(r.outcome == 0 && r.gr2 == 1 && r.value >= 1);
    r = guest_rec(qts, REC_DQAP_PART);
    g_assert_cmphex(r.outcome, ==, 1);         /* buffer full */
    g_assert_cmphex(r.value, ==, 100);
    g_assert_cmphex(r.gr2, ==, 16 + 256 - 100);        /* GR2 residual */
    r = guest_rec(qts, REC_DQAP_REST);
    g_assert(r.outcome == 0 && r.gr2 == 0x4002 && r.value == 1);

    /* RAPQ and ZAPQ drop what was pending */
    for (i = REC_RAPQ; i <= REC_ZAPQ; i++) {
        r = guest_rec(qts, i);
        g_assert_cmphex(r.outcome, ==, 3);
        g_assert_cmphex(GR1_RC(r.gr1), ==, 0x10);
    }

    /* what the card cannot do: type 82 replies, then an empty queue */
    r = guest_rec(qts, REC_TYPE82_MSGTYPE);
    g_assert(r.outcome == 0 && r.value == 0x8220);
    r = guest_rec(qts, REC_TYPE82_FORMAT);
    g_assert(r.outcome == 0 && r.value == 0x8229);
    r = guest_rec(qts, REC_DQAP_EMPTY);
    g_assert(r.outcome == 3 && GR1_RC(r.gr1) == 0x10 && (r.gr1 & GR1_EMPTY));
    /* a request to a queue not the guest's: refused, the others stay */
    r = guest_rec(qts, REC_NQAP_OUT);
    g_assert(r.outcome == 3 && GR1_RC(r.gr1) == 1);
    g_assert_cmphex(r.value, ==, 0);           /* TAPQ of 01.0001 after */

    qtest_quit(qts);
    sim_stop(&sim_guest, SIGTERM);
}

/* the region by write and read, not mapped: the same results */
static void test_guest_sim_unmapped(void)
{
    QTestState *qts;
    Rec r;
    int i;

    if (!guest_sim_start(&sim_guest, "--no-region-mmap")) {
        return;
    }
    qts = guest_run(&sim_guest, "max");
    CHECK_OUTCOME(qts, REC_QCI, 0);
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI2 + 16), ==, 0x70);
    for (i = 0; i < 6; i++) {
        r = guest_rec(qts, REC_RSA + i);
        g_assert(r.outcome == 0 && r.gr2 == 0x1000 + i && r.value == 1);
    }
    r = guest_rec(qts, REC_DQAP_PART);
    g_assert(r.outcome == 1 && r.value == 100 && r.gr2 == 16 + 256 - 100);
    g_assert_cmphex(guest_rec(qts, REC_DQAP_REST).value, ==, 1);
    qtest_quit(qts);
    sim_stop(&sim_guest, SIGTERM);
}

/*
 * apqi offered, the backend without an adapter interrupt index: an
 * AQIC(on) answers 06 (the guest then polls), as KVM's driver answers
 * when it cannot register the guest ISC; before, it was taken, and no
 * interruption would ever have come
 */
static void test_guest_aqic_no_route(void)
{
    QTestState *qts;

    if (!guest_sim_start(&sim_guest, "--irqs=2")) {
        return;
    }
    qts = guest_boot("max", &sim_guest);
    guest_wait_stage(qts, 1);
    CHECK_OUTCOME(qts, REC_SPEC_AQIC, 3);
    g_assert_cmphex(GR1_RC(guest_rec(qts, REC_SPEC_AQIC).gr1), ==, 0x06);
    g_assert_cmpint(sim_pins(&sim_guest), ==, 0);
    qtest_quit(qts);
    sim_stop(&sim_guest, SIGTERM);
}

/*
 * A backend that answers QCI with 16 bytes of the block: refused, and the
 * guest gets the configuration of no device, never bytes left over from
 * an earlier instruction (QCI always stores the whole 128 bytes)
 */
static void test_guest_short_qci(void)
{
    QTestState *qts;
    int i;

    if (!guest_sim_start(&sim_guest, "--x-hostile=short-qci")) {
        return;
    }
    qts = guest_boot("max,apqi=off", &sim_guest);
    guest_wait_stage(qts, 1);
    CHECK_OUTCOME(qts, REC_QCI, 0);
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1), ==, 0x40);
    /* 63, not the simulated host's 255 that the 16 bytes said */
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1 + 4), ==, 63);
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1 + 5), ==, 15);
    for (i = 6; i < 128; i++) {
        g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1 + i), ==, 0);
    }
    qtest_quit(qts);
    sim_stop(&sim_guest, SIGTERM);
}

/*
 * "ap=off" alone gives a consistent model: the AP facilities that only
 * work with AP are off too (before, each stayed on and QEMU warned that it
 * requires 'ap')
 */
static void test_cpu_ap_off(void)
{
    static const char *const dependents[] = { "apqci", "apft", "apqi" };
    QTestState *qts = qtest_init(MACHINE "-cpu max,ap=off");
    QDict *resp, *props;
    unsigned int i;

    resp = qtest_qmp(qts, "{'execute': 'query-cpu-model-expansion', "
                     "'arguments': {'type': 'full', 'model': "
                     "{'name': 'max', 'props': {'ap': false}}}}");
    props = qdict_get_qdict(qdict_get_qdict(qdict_get_qdict(resp, "return"),
                                            "model"), "props");
    g_assert(!qdict_get_bool(props, "ap"));
    for (i = 0; i < G_N_ELEMENTS(dependents); i++) {
        g_assert_false(qdict_get_bool(props, dependents[i]));
    }
    qobject_unref(resp);
    qtest_quit(qts);
}

/* the T bit without apft, QCI without apqci: specification exceptions */
static void test_guest_facilities_off(void)
{
    QTestState *qts;

    if (!guest_sim_start(&sim_guest, NULL)) {
        return;
    }
    qts = guest_boot("max,apft=off,apqci=off", &sim_guest);
    guest_wait_stage(qts, 1);
    CHECK_OUTCOME(qts, REC_SPEC_T_BIT, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_SPEC_T_QACT, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_QCI, AP_PGM + PGM_SPECIFICATION);
    CHECK_OUTCOME(qts, REC_TAPQ_ZERO, 3);
    qtest_quit(qts);
    sim_stop(&sim_guest, SIGTERM);
}

/*
 * Each deliberately wrong answer of the simulated cards makes the check
 * that guards against it fail: the checks above can fail.
 */
static void test_guest_catches_faults(void)
{
    static const struct {
        const char *fault;
        int rec;
    } faults[] = {
        { "corrupt-result", REC_RSA },
        { "reply-order", REC_REPLY_ORDER },
        { "no-depth-limit", REC_QUEUE_FULL },
        { "tapq-info", REC_TAPQ_IN },
    };
    QTestState *qts;
    size_t i;
    Rec r;

    for (i = 0; i < G_N_ELEMENTS(faults); i++) {
        if (!guest_sim_start(&sim_guest, faults[i].fault)) {
            return;
        }
        qts = guest_run(&sim_guest, "max");
        r = guest_rec(qts, faults[i].rec);
        switch (faults[i].rec) {
        case REC_RSA:
        case REC_REPLY_ORDER:
            g_assert_cmphex(r.value, ==, 0);
            break;
        case REC_QUEUE_FULL:
            g_assert_cmphex(r.outcome, ==, 0);
            break;
        default:
            g_assert_cmphex((r.gr2 >> 24) & 0xff, !=, 14);
        }
        qtest_quit(qts);
        sim_stop(&sim_guest, SIGTERM);
    }
}

/* a backend without the region (a kernel's): the guest sees no queue */
static void test_guest_backend_without_region(void)
{
    const char *extra[] = { "--regions", "0", NULL };
    QTestState *qts;

    if (!guest_insn() || !sim_start_with(&sim_guest, extra)) {
        return;
    }
    g_assert(sim_admin(&sim_guest, "write " UUID_A " assign_adapter 1") == 0);
    g_assert(sim_admin(&sim_guest, "write " UUID_A " assign_domain 1") == 0);
    assert_warned(&sim_guest, SHARED_RAM, "the backend does not execute AP "
                  "instructions: the guest sees no AP queue", true);
    qts = guest_boot("max", &sim_guest);
    guest_wait_stage(qts, 1);
    CHECK_OUTCOME(qts, REC_TAPQ_ZERO, 3);
    CHECK_OUTCOME(qts, REC_QCI, 0);
    g_assert_cmphex(qtest_readb(qts, AP_GUEST_QCI1 + 16), ==, 0);
    guest_go(qts);
    guest_wait_stage(qts, 2);
    CHECK_OUTCOME(qts, REC_TAPQ_IN, 3);
    qtest_quit(qts);
    sim_stop(&sim_guest, SIGTERM);
}

/* the backend stops answering: the reply times out, the guest goes on */
static void test_guest_backend_hangs(void)
{
    g_autofree char *sock = NULL;
    QTestState *qts;
    Rec r;

    if (!guest_sim_start(&sim_guest, NULL)) {
        return;
    }
    sock = sim_socket(&sim_guest, UUID_A);
    qts = qtest_initf(MACHINE "-accel tcg -cpu max -kernel %s "
                      "-device vfio-ap,id=ap0,socket=%s,x-msg-timeout=300",
                      guest_insn(), sock);
    guest_wait_stage(qts, 1);
    CHECK_OUTCOME(qts, REC_QCI, 0);
    kill(sim_guest.pid, SIGSTOP);
    guest_go(qts);
    guest_wait_stage(qts, 2);
    r = guest_rec(qts, REC_TAPQ_IN);
    g_assert_cmphex(r.outcome, ==, 3);
    g_assert_cmphex(GR1_RC(r.gr1), ==, 1);
    kill(sim_guest.pid, SIGCONT);
    qtest_quit(qts);
    sim_stop(&sim_guest, SIGTERM);
}

/* the backend dies while the guest runs: rc 01 answers, no hang */
static void test_guest_backend_dies(void)
{
    QTestState *qts;
    Rec r;

    if (!guest_sim_start(&sim_guest, NULL)) {
        return;
    }
    qts = guest_boot("max", &sim_guest);
    guest_wait_stage(qts, 1);
    CHECK_OUTCOME(qts, REC_QCI, 0);
    sim_stop(&sim_guest, SIGKILL);
    guest_go(qts);
    guest_wait_stage(qts, 2);
    r = guest_rec(qts, REC_TAPQ_IN);
    g_assert_cmphex(r.outcome, ==, 3);
    g_assert_cmphex(GR1_RC(r.gr1), ==, 1);
    CHECK_OUTCOME(qts, REC_RSA, 3);
    qtest_quit(qts);
}

/*
 * The backend killed under a guest that sends requests: tests/guest/ap-loop.c
 * (VFIO_AP_GUEST_LOOP) counts how its requests end (vfio-ap-loop-guest.h).
 */
#define KILL_ROUNDS             4
/* the device's x-msg-timeout, left as it is: 5 s */
#define DEFAULT_MSG_TIMEOUT_MS  5000
#define LOOP_WAIT_MS            60000

static const char *guest_loop(void)
{
    return guest_elf("VFIO_AP_GUEST_LOOP");
}

/* wait (up to a minute of TCG) until the counter at @addr reaches @want */
static void loop_wait(QTestState *qts, uint64_t addr, uint64_t want,
                      const char *what)
{
    int i;

    for (i = 0; i < LOOP_WAIT_MS / 10 && guest_be64(qts, addr) < want; i++) {
        g_usleep(10 * 1000);
    }
    if (guest_be64(qts, addr) < want) {
        g_test_message("%s: %" PRIu64 ", want %" PRIu64 " (requests %"
                       PRIu64 ")", what, guest_be64(qts, addr), want,
                       guest_be64(qts, AP_LOOP_REQUESTS));
    }
    g_assert_cmpuint(guest_be64(qts, addr), >=, want);
}

static void test_guest_backend_killed_at_random(void)
{
    g_autofree char *sock = NULL;
    uint64_t rcs, right;
    QTestState *qts;
    int round, ms;

    if (!guest_loop() || !guest_sim_start(&sim_guest, NULL)) {
        return;
    }
    qts = guest_boot_elf(guest_loop(), "max", NULL);
    sock = sim_socket(&sim_guest, UUID_A);
    qtest_qmp_device_add(qts, "vfio-ap", "ap0", "{'socket': %s}", sock);
    loop_wait(qts, AP_LOOP_RIGHT, 3, "right results before the first kill");
    for (round = 0; round < KILL_ROUNDS; round++) {
        /* a random moment while requests flow */
        ms = g_test_rand_int_range(0, 400);
        g_usleep(ms * 1000);
        sim_stop(&sim_guest, SIGKILL);
        /*
         * seen when the connection broke: an instruction in flight does
         * not wait out its timeout (holding the BQL)
         */
        g_assert_cmpint(wait_backend_gone(qts), <, DEFAULT_MSG_TIMEOUT_MS / 2);
        /* QEMU runs on, the guest gets response codes and does not hang */
        rcs = guest_be64(qts, AP_LOOP_RC);
        loop_wait(qts, AP_LOOP_RC, rcs + 10, "response codes after the kill");
        qtest_qmp_device_del(qts, "ap0");
        loop_wait(qts, AP_LOOP_RC, guest_be64(qts, AP_LOOP_RC) + 10,
                  "response codes without a device");
        /* a new simulator, the device plugged again: it works */
        g_assert(guest_sim_start(&sim_guest, NULL));
        g_free(sock);
        sock = sim_socket(&sim_guest, UUID_A);
        qtest_qmp_device_add(qts, "vfio-ap", "ap0", "{'socket': %s}", sock);
        right = guest_be64(qts, AP_LOOP_RIGHT);
        loop_wait(qts, AP_LOOP_RIGHT, right + 3, "right results after re-plug");
        g_test_message("round %d: killed after %d ms; response codes %" PRIu64
                       ", right %" PRIu64, round, ms,
                       guest_be64(qts, AP_LOOP_RC),
                       guest_be64(qts, AP_LOOP_RIGHT));
    }
    g_assert_cmpuint(guest_be64(qts, AP_LOOP_WRONG), ==, 0);
    g_assert_cmpuint(guest_be64(qts, AP_LOOP_LAST_RC), !=, 0);
    qtest_quit(qts);
    sim_stop(&sim_guest, SIGTERM);
}

/*
 * A hostile backend: the simulator spoils its vfio-user replies
 * (vfio-ap-sim --x-hostile, see its hostile.c); QEMU's waits end after
 * HOSTILE_TIMEOUT_MS (x-msg-timeout) instead of 5 s.
 */
#define HOSTILE_TIMEOUT_MS      200
#define HOSTILE_ROUNDS_MS       10000

/* device_add against the hostile simulator: true if it was taken */
static bool hostile_plug(QTestState *qts, Sim *sim, const char *mode)
{
    g_autofree char *sock = sim_socket(sim, UUID_A);
    QDict *resp, *err;
    bool added;

    resp = qtest_qmp(qts, "{'execute': 'device_add', 'arguments': "
                     "{'driver': 'vfio-ap', 'id': 'ap0', 'socket': %s, "
                     "'x-msg-timeout': %d}}", sock, HOSTILE_TIMEOUT_MS);
    added = !qdict_haskey(resp, "error");
    if (!added) {
        /* refused with the reason */
        err = qdict_get_qdict(resp, "error");
        g_assert(strlen(qdict_get_try_str(err, "desc") ?: "") > 0);
        g_test_message("%s: device_add refused: %s", mode,
                       qdict_get_try_str(err, "desc"));
    }
    qobject_unref(resp);
    return added;
}

/* QEMU still answers, and runs */
static void assert_qemu_alive(QTestState *qts)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'query-status'}");

    g_assert(qdict_haskey(resp, "return"));
    qobject_unref(resp);
}

/* each way of going wrong on every reply: QEMU refuses or copes, and lives */
static void test_hostile_backend(void)
{
    static const char *const modes[] = {
        "wrong-size", "wrong-id", "extra-fds", "no-fd", "bad-region",
        "garbage", "no-reply", "cut", "bad-answer", "short-qci",
    };
    QTestState *qts;
    unsigned int i;
    Sim sim;

    for (i = 0; i < G_N_ELEMENTS(modes); i++) {
        const char *extra[] = { "--x-hostile", modes[i], NULL };

        if (!sim_start_with(&sim, extra)) {
            return;
        }
        qts = qtest_init(MACHINE "-cpu max");
        if (hostile_plug(qts, &sim, modes[i])) {
            g_test_message("%s: device_add taken", modes[i]);
            assert_qemu_alive(qts);
            qtest_qmp_device_del(qts, "ap0");
        }
        assert_qemu_alive(qts);
        /* and QEMU ends cleanly: qtest_quit fails on a crash */
        qtest_quit(qts);
        sim_stop(&sim, SIGKILL);
    }
}

/*
 * A randomized run, bounded in time: a guest sends requests while the
 * simulator spoils a share of its replies in random ways (each round its
 * own seed); the device is plugged, used and unplugged, round after round.
 * The guest's requests keep ending (with a response code, or a result the
 * spoiled backend made up) and QEMU lives through all of it.
 */
static void test_guest_hostile_random(void)
{
    g_autofree char *spec = NULL;
    uint64_t requests;
    QTestState *qts;
    gint64 end;
    int rounds = 0, plugged = 0;

    if (!guest_loop() || !guest_sim_start(&sim_guest, NULL)) {
        return;
    }
    sim_stop(&sim_guest, SIGKILL);
    qts = guest_boot_elf(guest_loop(), "max", NULL);
    end = g_get_monotonic_time() + HOSTILE_ROUNDS_MS * 1000;
    while (g_get_monotonic_time() < end) {
        spec = g_strdup_printf("random:%d:%u", g_test_rand_int_range(2, 12),
                               (unsigned)g_test_rand_int_range(1, G_MAXINT32));
        {
            const char *extra[] = { "--card", "2=12", "--x-hostile", spec,
                                    NULL };

            g_assert(sim_start_with(&sim_guest, extra));
        }
        /* the admin socket is not spoiled: the matrix as the guest wants */
        g_assert(sim_admin(&sim_guest, "write " UUID_A " assign_adapter 1")
                 == 0);
        g_assert(sim_admin(&sim_guest, "write " UUID_A " assign_domain 1")
                 == 0);
        if (hostile_plug(qts, &sim_guest, spec)) {
            plugged++;
            requests = guest_be64(qts, AP_LOOP_REQUESTS);
            loop_wait(qts, AP_LOOP_REQUESTS, requests + 3,
                      "requests under a hostile backend");
            qtest_qmp_device_del(qts, "ap0");
        }
        assert_qemu_alive(qts);
        sim_stop(&sim_guest, SIGKILL);
        g_free(spec);
        spec = NULL;
        rounds++;
    }
    g_test_message("%d rounds, %d plugged; the guest: %" PRIu64 " requests, "
                   "%" PRIu64 " right, %" PRIu64 " response codes, %" PRIu64
                   " results made up", rounds, plugged,
                   guest_be64(qts, AP_LOOP_REQUESTS),
                   guest_be64(qts, AP_LOOP_RIGHT),
                   guest_be64(qts, AP_LOOP_RC),
                   guest_be64(qts, AP_LOOP_WRONG));
    g_assert_cmpint(plugged, >, 0);
    /* without a device the guest still gets its response codes */
    requests = guest_be64(qts, AP_LOOP_RC);
    loop_wait(qts, AP_LOOP_RC, requests + 3, "response codes at the end");
    qtest_quit(qts);
}

/*
 * A backend that stops reading but keeps its connection open (--x-hostile
 * deaf, from the reply to the guest's first region write on): only QEMU's
 * failed send (EPIPE) tells for sure that the backend is gone, as when a
 * vCPU writes to a killed backend before the proxy has read the end of
 * stream.  QEMU must see it gone and give the guest response codes.  A
 * read of QEMU's may still see the end before its handler is taken away,
 * so a QEMU without the fix fails only some rounds: DEAF_ROUNDS of them.
 */
#define DEAF_ROUNDS     6

static void test_guest_deaf_backend(void)
{
    const char *extra[] = { "--card", "2=12", "--x-hostile", "deaf", NULL };
    QTestState *qts;
    uint64_t rc;
    int round;

    if (!guest_loop() || !sim_start_with(&sim_guest, extra)) {
        return;
    }
    sim_stop(&sim_guest, SIGTERM);
    qts = guest_boot_elf(guest_loop(), "max", NULL);
    for (round = 0; round < DEAF_ROUNDS; round++) {
        g_assert(sim_start_with(&sim_guest, extra));
        g_assert(sim_admin(&sim_guest,
                           "write " UUID_A " assign_adapter 1") == 0);
        g_assert(sim_admin(&sim_guest,
                           "write " UUID_A " assign_domain 1") == 0);
        g_assert(hostile_plug(qts, &sim_guest, "deaf"));
        wait_backend_gone(qts);
        rc = guest_be64(qts, AP_LOOP_RC);
        loop_wait(qts, AP_LOOP_RC, rc + 3, "response codes, backend deaf");
        qtest_qmp_device_del(qts, "ap0");
        assert_qemu_alive(qts);
        sim_stop(&sim_guest, SIGTERM);
    }
    qtest_quit(qts);
}

/*
 * AP queue interrupts: tests/guest/ap-irq.c (its ELF in VFIO_AP_GUEST_IRQ)
 * enables them and waits for them (vfio-ap-irq-guest.h).
 */
#define GR1_IRQ_ON              0x01000000ULL
#define IO_WORD_ADAPTER         0x80000000ULL

static const char *guest_irq(void)
{
    return guest_elf("VFIO_AP_GUEST_IRQ");
}

static void check_rc(QTestState *qts, int n, uint64_t rc)
{
    Rec r = guest_rec(qts, n);

    g_assert_cmphex(r.outcome, ==, rc ? 3 : 0);
    g_assert_cmphex(GR1_RC(r.gr1), ==, rc);
}

/* a record of a turning-off path: no interruption, the NIB untouched */
static void check_stayed_off(QTestState *qts, int n)
{
    Rec r = guest_rec(qts, n);

    g_assert_cmphex(r.outcome, ==, 0);
    g_assert_cmphex(r.gr2, ==, 0);
    g_assert_cmpuint(r.value, ==, 0);
}

/* the interrupt guest against mdev A, at stage 1; NULL: cannot run */
static QTestState *guest_irq_boot(void)
{
    QTestState *qts;

    if (!guest_irq() || !guest_sim_start(&sim_guest, NULL)) {
        return NULL;
    }
    qts = guest_boot_elf(guest_irq(), "max", &sim_guest);
    guest_wait_stage(qts, 1);
    return qts;
}

static void test_guest_irq(void)
{
    QTestState *qts = guest_irq_boot();
    Rec r;

    if (!qts) {
        return;
    }

    check_rc(qts, REC_IRQ_ENABLE, 0);
    g_assert(guest_rec(qts, REC_IRQ_TAPQ_ON).gr1 & GR1_IRQ_ON);
    check_rc(qts, REC_IRQ_AGAIN, 0x07);
    check_rc(qts, REC_IRQ_NIB_ZERO, 0x06);
    check_rc(qts, REC_IRQ_NIB_OUT, 0x06);
    check_rc(qts, REC_IRQ_NIB_HIGH, 0);

    /* an adapter interruption for ISC 6, the NIB set before it came */
    r = guest_rec(qts, REC_IRQ_WAIT);
    g_assert_cmphex(r.value, ==, IO_WORD_ADAPTER |
                    (uint64_t)AP_IRQ_GUEST_ISC << 27);
    g_assert_cmphex(r.gr2, !=, 0);
    r = guest_rec(qts, REC_IRQ_WAIT_REPLY);
    g_assert_cmphex(r.outcome, ==, 0);
    g_assert_cmphex(r.gr2, ==, 0x4242);
    g_assert_cmpuint(r.value, ==, 1);

    /* masked in CR6: pending, not lost */
    r = guest_rec(qts, REC_IRQ_MASKED);
    g_assert_cmphex(r.outcome, ==, 0);
    g_assert_cmphex(r.gr2, !=, 0);
    g_assert_cmpuint(r.value, ==, 0);
    g_assert_cmpuint(guest_rec(qts, REC_IRQ_UNMASKED).value, ==, 1);

    /* every reply of 2 queues x 20 rounds announced */
    r = guest_rec(qts, REC_IRQ_MANY);
    g_assert_cmpuint(r.value, ==, 40);
    g_assert_cmpuint(r.gr2, >=, 20);
    g_assert_cmpint(sim_pins(&sim_guest), ==, 2);

    guest_go(qts);
    guest_wait_stage(qts, 2);
    check_stayed_off(qts, REC_IRQ_OFF_AQIC);
    check_stayed_off(qts, REC_IRQ_OFF_RAPQ);
    check_stayed_off(qts, REC_IRQ_OFF_ZAPQ);
    check_rc(qts, REC_IRQ_REENABLE, 0);
    check_rc(qts, REC_IRQ_OFF_AGAIN, 0x07);
    g_assert_cmpint(sim_pins(&sim_guest), ==, 0);
    qtest_quit(qts);
    sim_stop(&sim_guest, SIGTERM);
}

/* until the simulator's pinned pages are 0, at most 5 s */
static void wait_unpinned(Sim *sim)
{
    int i;

    for (i = 0; i < 500 && sim_pins(sim); i++) {
        g_usleep(10 * 1000);
    }
    g_assert_cmpint(sim_pins(sim), ==, 0);
}

/* system_reset turns every queue's interrupts off: the pages go back */
static void test_guest_irq_reset(void)
{
    QTestState *qts = guest_irq_boot();

    if (!qts) {
        return;
    }
    g_assert_cmpint(sim_pins(&sim_guest), ==, 2);
    /* stopped, so that the guest does not start over and enable them */
    qtest_qmp_assert_success(qts, "{'execute': 'stop'}");
    qtest_qmp_assert_success(qts, "{'execute': 'system_reset'}");
    wait_unpinned(&sim_guest);
    qtest_quit(qts);
    sim_stop(&sim_guest, SIGTERM);
}

/*
 * The turning-off paths outside the guest, with both queues' interrupts
 * on: unassignment, unplug (the device is closed), a host configuration
 * change that removes the adapter.  Each gives the pages back; the
 * simulator's exit status says the driver made no lock-order report.
 */
static void test_guest_irq_off_paths(void)
{
    static const char *const paths[] = {
        "write " UUID_A " unassign_adapter 1",
        "unplug",
        "host adapters 0,2-15",
    };
    QTestState *qts;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(paths); i++) {
        qts = guest_irq_boot();
        if (!qts) {
            return;
        }
        g_assert_cmpint(sim_pins(&sim_guest), ==, 2);
        if (!strcmp(paths[i], "unplug")) {
            qtest_qmp_device_del(qts, "ap0");
        } else {
            g_assert(sim_admin(&sim_guest, paths[i]) == 0);
        }
        wait_unpinned(&sim_guest);
        qtest_quit(qts);
        sim_stop(&sim_guest, SIGTERM);
    }
}

/* a backend without the adapter index: a warning; with it: none */
static void test_irq_index_missing(void)
{
    const char *want = "raises no AP queue interrupts";
    Sim sim;

    if (!sim_start_irqs(&sim, "2")) {
        return;
    }
    assert_warned(&sim, SHARED_RAM, want, true);
    sim_stop(&sim, SIGTERM);
    if (!sim_start(&sim)) {
        return;
    }
    assert_warned(&sim, SHARED_RAM, want, false);
    sim_stop(&sim, SIGTERM);
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
    qtest_add_func("/vfio-ap/sim/replug-cycles", test_replug_cycles);
    qtest_add_func("/vfio-ap/sim/old-kernel", test_old_kernel);
    qtest_add_func("/vfio-ap/sim/socket-address", test_socket_address);
    qtest_add_func("/vfio-ap/sim/reset-drops-events", test_reset_drops_events);
    qtest_add_func("/vfio-ap/sim/shared-memory-hint", test_shared_memory_hint);
    qtest_add_func("/vfio-ap/sim/guest-chsc-sei", test_guest_chsc_sei);
    qtest_add_func("/vfio-ap/sim/guest-sei-after-drop",
                   test_guest_sei_after_drop);
    qtest_add_func("/vfio-ap/guest/no-ap-facility", test_guest_no_ap_facility);
    qtest_add_func("/vfio-ap/guest/no-device", test_guest_no_device);
    qtest_add_func("/vfio-ap/guest/sim", test_guest_sim);
    qtest_add_func("/vfio-ap/guest/irq", test_guest_irq);
    qtest_add_func("/vfio-ap/guest/irq-reset", test_guest_irq_reset);
    qtest_add_func("/vfio-ap/guest/irq-off-paths", test_guest_irq_off_paths);
    qtest_add_func("/vfio-ap/sim/irq-index-missing", test_irq_index_missing);
    qtest_add_func("/vfio-ap/guest/sim-unmapped", test_guest_sim_unmapped);
    qtest_add_func("/vfio-ap/guest/facilities-off", test_guest_facilities_off);
    qtest_add_func("/vfio-ap/guest/short-qci", test_guest_short_qci);
    qtest_add_func("/vfio-ap/guest/aqic-no-route", test_guest_aqic_no_route);
    qtest_add_func("/vfio-ap/cpu-ap-off", test_cpu_ap_off);
    qtest_add_func("/vfio-ap/guest/catches-faults", test_guest_catches_faults);
    qtest_add_func("/vfio-ap/guest/backend-without-region",
                   test_guest_backend_without_region);
    qtest_add_func("/vfio-ap/guest/backend-hangs", test_guest_backend_hangs);
    qtest_add_func("/vfio-ap/guest/backend-dies", test_guest_backend_dies);
    qtest_add_func("/vfio-ap/guest/backend-killed-at-random",
                   test_guest_backend_killed_at_random);
    qtest_add_func("/vfio-ap/sim/hostile-backend", test_hostile_backend);
    qtest_add_func("/vfio-ap/guest/hostile-random", test_guest_hostile_random);
    qtest_add_func("/vfio-ap/guest/deaf-backend", test_guest_deaf_backend);

    return g_test_run();
}
