/*
 * QTest of the vfio-ap device model: how it is created, and how it refuses
 * a command line or device_add it cannot honour.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/vfio-ap/no-ap-bus-without-facilities",
                   test_no_ap_bus_without_facilities);
    qtest_add_func("/vfio-ap/backend-count", test_backend_count);
    qtest_add_func("/vfio-ap/missing-backend", test_missing_backend);
    qtest_add_func("/vfio-ap/command-line-refused", test_command_line_refused);

    return g_test_run();
}
