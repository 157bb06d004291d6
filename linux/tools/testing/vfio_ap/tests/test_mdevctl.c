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
	/* each refused with the whole message: the reason and its place */
	static const struct { const char *json, *want; } bad[] = {
		{ "", "at offset 0: a JSON object was expected" },
		{ "  []", "at offset 2: a JSON object was expected" },
		{ "{\"attrs\": []}", "at .: no \"mdev_type\"" },
		{ "{\"mdev_type\": 5}", "at .mdev_type: a string was expected" },
		{ "{\"mdev_type\": \"\", \"attrs\": []}",
		  "at .mdev_type: an empty type" },
		{ "{\"mdev_type\": \"x\"", "at offset 17: '}' expected" },
		{ "{\"mdev_type\": \"x\" 7}", "at offset 18: '}' expected" },
		{ "{\"mdev_type\": \"x\", 7}",
		  "at offset 19: a string was expected" },
		{ "{\"mdev_type\" \"x\"}", "at offset 13: ':' expected" },
		{ "{\"mdev_type\": \"x\", \"z\": [1 2]}",
		  "at offset 27: ']' expected" },
		{ "{\"mdev_type\": \"x\", \"z\": [1",
		  "at offset 26: ']' expected" },
		{ "{\"mdev_type\": \"x\", \"z\":",
		  "at offset 23: a value was expected" },
		{ "{\"mdev_type\": \"x\"} trailing",
		  "at offset 19: text after the object" },
		{ "{\"mdev_type\": \"x\", \"attrs\": {}}",
		  "at .attrs: \"attrs\" must be an array" },
		{ "{\"mdev_type\": \"x\", \"attrs\": [{\"a\": \"1\"}, \"a\"]}",
		  "at .attrs[1]: an attribute must be an object" },
		{ "{\"mdev_type\": \"x\", \"attrs\": [{\"a\": \"1\", \"b\": \"2\"}]}",
		  "at .attrs[0]: an attribute object holds one member" },
		{ "{\"mdev_type\": \"x\", \"attrs\": [{\"a\": 1}]}",
		  "at .attrs[0].a: a string was expected" },
		{ "{\"mdev_type\": \"unterminated",
		  "at offset 27: unterminated string" },
		{ "{\"mdev_type\": \"a\nb\"}", "at .mdev_type: a control character in the string" },
		{ "{\"mdev_type\": \"a\\qb\"}", "at offset 17: unsupported escape" },
		{ "{\"mdev_type\": \"a\\u00\"}", "at offset 20: unsupported escape" },
		{ "{\"mdev_type\": \"a\\u0000\"}",
		  "at .mdev_type: a control character in the string" },
		{ "{\"mdev_type\": \"x\", \"z\": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}",
		  "at offset 40: nested too deeply" },
		{ "{\"mdev_type\": \"x\", \"z\": tru}",
		  "at offset 27: a value was expected" },
		{ "{\"mdev_type\": \"x\", \"z\": -}",
		  "at offset 25: a value was expected" },
		{ "{\"mdev_type\": \"\xff\"}", "at offset 15: not UTF-8" },
		{ "{\"mdev_type\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
		  "at .mdev_type: string too long" },
		{ "{\"mdev_type\": \"x\", \"attrs\": [{\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\": \"1\"}]}",
		  "at .attrs[0]: string too long" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = mdevctl_parse(bad[i].json, &def, err, sizeof(err));

		if (ret != -EINVAL || strcmp(err, bad[i].want))
			printf("#   %s -> %d '%s', want '%s'\n", bad[i].json, ret,
			       err, bad[i].want);
		CHECK_EQ_INT(ret, -EINVAL);
		CHECK_EQ_STR(err, bad[i].want);
		/* a refused definition leaves nothing half read */
		CHECK_EQ_INT(def.nattrs, 0);
		CHECK_EQ_STR(def.mdev_type, "");
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
