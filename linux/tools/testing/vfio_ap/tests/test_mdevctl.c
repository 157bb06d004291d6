// SPDX-License-Identifier: GPL-2.0
/*
 * mdevctl's JSON definitions as vfio-ap-sim reads them: the type and the
 * ordered attributes of a valid one, applied to an mdev; and definitions
 * that are not JSON or not of the expected shape, refused with the place.
 */
#include "harness.h"
#include "mdevctl.h"

#define UUID1 "abababab-0000-0000-0000-000000000001"

static struct mdevctl_def def;
static char err[256];

static void test_valid(void)
{
	static const char *json =
		"{\n"
		"  \"mdev_type\": \"vfio_ap-passthrough\",\n"
		"  \"start\": \"auto\",\n"
		"  \"parent\": \"matrix\", \"extra\": [1, -2.5e3, true, null, {\"a\": []}],\n"
		"  \"attrs\": [\n"
		"    {\"assign_adapter\": \"0x04\"},\n"
		"    {\"assign_domain\": \"0x0005\"},\n"
		"    {\"assign_control_domain\": \"0x0005\"}\n"
		"  ]\n"
		"}\n";
	struct mdev_device *m;

	CHECK_EQ_INT(mdevctl_parse(json, &def, err, sizeof(err)), 0);
	CHECK_EQ_STR(def.mdev_type, "vfio_ap-passthrough");
	CHECK_EQ_INT(def.nattrs, 3);
	CHECK_EQ_STR(def.attrs[0].name, "assign_adapter");
	CHECK_EQ_STR(def.attrs[0].value, "0x04");
	CHECK_EQ_STR(def.attrs[2].name, "assign_control_domain");

	t_machine_up("0-7", "0-7", "0-7");
	CHECK_EQ_STR(def.mdev_type, sim_mdev_type_name());
	m = t_mdev(UUID1);
	CHECK_EQ_INT(mdevctl_apply(&m->dev, &def, err, sizeof(err)), 0);
	CHECK_EQ_STR(t_read(m, "matrix"), "04.0005\n");
	CHECK_EQ_STR(t_read(m, "control_domains"), "0005\n");

	/* an attribute the driver refuses: named, with the driver's error */
	CHECK_EQ_INT(mdevctl_parse("{\"mdev_type\":\"vfio_ap-passthrough\","
				   "\"attrs\":[{\"assign_adapter\":\"0x300\"}]}",
				   &def, err, sizeof(err)), 0);
	CHECK_EQ_INT(mdevctl_apply(&m->dev, &def, err, sizeof(err)), -ENODEV);
	CHECK(strstr(err, "attrs[0]: assign_adapter 0x300"));
	sim_mdev_remove(m);
	t_machine_down();
}

static void test_invalid(void)
{
	static const struct { const char *json, *why; } bad[] = {
		{ "", "a JSON object was expected" },
		{ "[]", "a JSON object was expected" },
		{ "{\"attrs\": []}", "no \"mdev_type\"" },
		{ "{\"mdev_type\": 5}", "a string was expected" },
		{ "{\"mdev_type\": \"x\"", "'}' expected" },
		{ "{\"mdev_type\": \"x\"} trailing", "text after the object" },
		{ "{\"mdev_type\": \"x\", \"attrs\": {}}", "must be an array" },
		{ "{\"mdev_type\": \"x\", \"attrs\": [\"a\"]}", "must be an object" },
		{ "{\"mdev_type\": \"x\", \"attrs\": [{\"a\": \"1\", \"b\": \"2\"}]}",
		  "holds one member" },
		{ "{\"mdev_type\": \"x\", \"attrs\": [{\"a\": 1}]}",
		  "a string was expected" },
		{ "{\"mdev_type\": \"unterminated", "unterminated string" },
		{ "{\"mdev_type\": \"a\\qb\"}", "unsupported escape" },
		{ "{\"mdev_type\": \"x\", \"z\": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}",
		  "nested too deeply" },
		{ "{\"mdev_type\": \"x\", \"z\": tru}", "a value was expected" },
		{ "{\"mdev_type\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
		  "string too long" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = mdevctl_parse(bad[i].json, &def, err, sizeof(err));

		if (ret != -EINVAL || !strstr(err, bad[i].why))
			printf("#   %s -> %d '%s', want '%s'\n", bad[i].json, ret,
			       err, bad[i].why);
		CHECK_EQ_INT(ret, -EINVAL);
		CHECK(strstr(err, bad[i].why));
		CHECK(strstr(err, "at offset "));
	}
}

int main(void)
{
	setenv("SIM_QUIET", "1", 1);
	t_run("mdevctl JSON: a definition read and applied in order", test_valid);
	t_run("mdevctl JSON: malformed definitions refused, with the place",
	      test_invalid);
	return t_done();
}
