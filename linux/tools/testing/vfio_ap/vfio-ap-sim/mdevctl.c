// SPDX-License-Identifier: GPL-2.0
/*
 * A strict reader of mdevctl's JSON definitions: a small recursive descent
 * over the JSON grammar that keeps what a vfio-ap mdev needs (the type and
 * the ordered attributes) and skips any other member.  Anything that is
 * not JSON, or not of the expected shape, is an error that says where.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mdevctl.h"
#include "sim.h"

struct reader {
	const char *start, *p;
	char *err;
	size_t errlen;
	int depth;
};

#define MAX_DEPTH 16

static int fail(struct reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->err && !r->err[0]) {
		n = snprintf(r->err, r->errlen, "at offset %ld: ",
			     (long)(r->p - r->start));
		va_start(ap, fmt);
		if (n >= 0 && (size_t)n < r->errlen)
			vsnprintf(r->err + n, r->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void skip_space(struct reader *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

static bool take(struct reader *r, char c)
{
	skip_space(r);
	if (*r->p != c)
		return false;
	r->p++;
	return true;
}

/* a string into @out (NULL: skip it); only what fits a name or value */
static int read_string(struct reader *r, char *out, size_t outlen)
{
	size_t n = 0;

	if (!take(r, '"'))
		return fail(r, "a string was expected");
	while (*r->p != '"') {
		char c = *r->p++;

		if (!c || (unsigned char)c < 0x20)
			return fail(r, "unterminated string");
		if (c == '\\') {
			c = *r->p++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			default:
				return fail(r, "unsupported escape");
			}
		}
		if (out) {
			if (n + 1 >= outlen)
				return fail(r, "string too long");
			out[n++] = c;
		}
	}
	r->p++;
	if (out)
		out[n] = '\0';
	return 0;
}

static int skip_value(struct reader *r);

/* an object or array of anything, skipped */
static int skip_compound(struct reader *r, char open, char close)
{
	int ret;

	if (++r->depth > MAX_DEPTH)
		return fail(r, "nested too deeply");
	r->p++;
	if (take(r, close)) {
		r->depth--;
		return 0;
	}
	do {
		if (open == '{') {
			ret = read_string(r, NULL, 0);
			if (ret)
				return ret;
			if (!take(r, ':'))
				return fail(r, "':' expected");
		}
		ret = skip_value(r);
		if (ret)
			return ret;
	} while (take(r, ','));
	if (!take(r, close))
		return fail(r, "'%c' expected", close);
	r->depth--;
	return 0;
}

static int skip_value(struct reader *r)
{
	static const char *const words[] = { "true", "false", "null" };
	unsigned int i;

	skip_space(r);
	if (*r->p == '"')
		return read_string(r, NULL, 0);
	if (*r->p == '{')
		return skip_compound(r, '{', '}');
	if (*r->p == '[')
		return skip_compound(r, '[', ']');
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strncmp(r->p, words[i], strlen(words[i]))) {
			r->p += strlen(words[i]);
			return 0;
		}
	}
	if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
		r->p++;
		while (strchr("0123456789.eE+-", *r->p) && *r->p)
			r->p++;
		return 0;
	}
	return fail(r, "a value was expected");
}

/* "attrs": [ { "name": "value" }, ... ], each object one attribute */
static int read_attrs(struct reader *r, struct mdevctl_def *def)
{
	struct mdevctl_attr *a;
	int ret;

	if (!take(r, '['))
		return fail(r, "\"attrs\" must be an array");
	if (take(r, ']'))
		return 0;
	do {
		if (def->nattrs == MDEVCTL_MAX_ATTRS)
			return fail(r, "too many attributes");
		a = &def->attrs[def->nattrs];
		if (!take(r, '{'))
			return fail(r, "an attribute must be an object");
		ret = read_string(r, a->name, sizeof(a->name));
		if (ret)
			return ret;
		if (!take(r, ':'))
			return fail(r, "':' expected");
		ret = read_string(r, a->value, sizeof(a->value));
		if (ret)
			return ret;
		if (!take(r, '}'))
			return fail(r, "an attribute object holds one member");
		def->nattrs++;
	} while (take(r, ','));
	if (!take(r, ']'))
		return fail(r, "']' expected");
	return 0;
}

int mdevctl_parse(const char *json, struct mdevctl_def *def, char *err,
		  size_t errlen)
{
	struct reader r = { json, json, err, errlen, 0 };
	char key[MDEVCTL_MAX_TEXT];
	int ret;

	if (err && errlen)
		err[0] = '\0';
	memset(def, 0, sizeof(*def));
	if (!take(&r, '{'))
		return fail(&r, "a JSON object was expected");
	if (!take(&r, '}')) {
		do {
			ret = read_string(&r, key, sizeof(key));
			if (ret)
				return ret;
			if (!take(&r, ':'))
				return fail(&r, "':' expected");
			if (!strcmp(key, "mdev_type"))
				ret = read_string(&r, def->mdev_type,
						  sizeof(def->mdev_type));
			else if (!strcmp(key, "attrs"))
				ret = read_attrs(&r, def);
			else
				ret = skip_value(&r);
			if (ret)
				return ret;
		} while (take(&r, ','));
		if (!take(&r, '}'))
			return fail(&r, "'}' expected");
	}
	skip_space(&r);
	if (*r.p)
		return fail(&r, "text after the object");
	if (!def->mdev_type[0])
		return fail(&r, "no \"mdev_type\"");
	return 0;
}

int mdevctl_apply(struct device *dev, const struct mdevctl_def *def,
		  char *err, size_t errlen)
{
	int i, ret;

	for (i = 0; i < def->nattrs; i++) {
		ret = sim_attr_write(dev, def->attrs[i].name, def->attrs[i].value);
		if (ret) {
			snprintf(err, errlen, "attrs[%d]: %s %s: %s", i,
				 def->attrs[i].name, def->attrs[i].value,
				 strerror(-ret));
			return ret;
		}
	}
	return 0;
}
