// SPDX-License-Identifier: GPL-2.0
/*
 * mdevctl's JSON definitions, read with json-c.  json-c decides what is
 * JSON; this file keeps what a vfio-ap mdev needs (the type and the ordered
 * attributes), ignores other members, and names each error with its place:
 * a byte offset for text that is not JSON, the member's path for JSON of
 * the wrong shape.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "mdevctl.h"
#include "sim.h"

/* the definition's object and 16 levels of values below it */
#define MDEVCTL_MAX_DEPTH 17
/* strict JSON in UTF-8; text after the object is this reader's error */
#define MDEVCTL_JSON_FLAGS (JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 | \
			    JSON_TOKENER_ALLOW_TRAILING_CHARS)

static struct json_tokener *new_tokener(void)
{
	struct json_tokener *tok = json_tokener_new_ex(MDEVCTL_MAX_DEPTH);

	if (tok)
		json_tokener_set_flags(tok, MDEVCTL_JSON_FLAGS);
	return tok;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* does json-c take @len bytes of @text followed by @more without an error? */
static bool accepts(const char *text, size_t len, const char *more)
{
	struct json_tokener *tok = new_tokener();
	enum json_tokener_error e;
	struct json_object *obj;

	if (!tok)
		return false;
	obj = json_tokener_parse_ex(tok, text, len);
	if (!obj && json_tokener_get_error(tok) == json_tokener_continue)
		obj = json_tokener_parse_ex(tok, more, strlen(more));
	e = json_tokener_get_error(tok);
	json_object_put(obj);
	json_tokener_free(tok);
	return e == json_tokener_success || e == json_tokener_continue;
}

/*
 * The text ended inside a value: ask json-c which continuation it would
 * take.  A backslash is only valid inside a string.
 */
static const char *what_is_missing(const char *text, size_t len)
{
	static const struct { const char *more, *why; } next[] = {
		{ "\\", "unterminated string" },
		{ "}", "'}' expected" },
		{ "]", "']' expected" },
		{ ":", "':' expected" },
		{ "0", "a value was expected" },
		{ "\"", "a string was expected" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(next); i++)
		if (accepts(text, len, next[i].more))
			return next[i].why;
	return "a value was expected";
}

/* inside a string, is the character at @end part of an escape sequence? */
static bool in_escape(const char *json, size_t end)
{
	size_t k;

	if (end >= 1 && json[end - 1] == '\\')
		return true;
	/* \uXXXX: up to four hex digits may come between */
	for (k = 2; k <= 5 && k <= end; k++) {
		if (json[end - k] == '\\' && json[end - k + 1] == 'u')
			return true;
		if (!strchr("0123456789abcdefABCDEFu", json[end - k + 1]))
			return false;
	}
	return false;
}

/*
 * json-c's reason for refusing @json at the character at @end, in this
 * reader's words
 */
static const char *why_not_json(enum json_tokener_error e, const char *json,
				size_t end)
{
	switch (e) {
	case json_tokener_error_depth:
		return "nested too deeply";
	case json_tokener_error_parse_string:
		return in_escape(json, end) ? "unsupported escape" :
			"unterminated string";
	case json_tokener_error_parse_array:
		return "']' expected";
	case json_tokener_error_parse_object_key_name:
		return "a string was expected";
	case json_tokener_error_parse_object_key_sep:
		return "':' expected";
	case json_tokener_error_parse_object_value_sep:
		return "'}' expected";
	case json_tokener_error_parse_utf8_string:
		return "not UTF-8";
	case json_tokener_error_size:
		return "too large";
	default:
		return "a value was expected";
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* @json as one JSON object, or NULL with the error and its offset */
static struct json_object *parse_object(const char *json, char *err,
					size_t errlen)
{
	size_t len = strlen(json), end, start = 0;
	struct json_tokener *tok;
	enum json_tokener_error e;
	struct json_object *obj;

	while (is_space(json[start]))
		start++;
	if (json[start] != '{') {
		fail(err, errlen, "at offset %zu: a JSON object was expected",
		     start);
		return NULL;
	}
	tok = new_tokener();
	if (!tok) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, json, len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (e == json_tokener_continue)
		fail(err, errlen, "at offset %zu: %s", len,
		     what_is_missing(json, len));
	else if (!obj)
		fail(err, errlen, "at offset %zu: %s", end,
		     why_not_json(e, json, end));
	if (!obj)
		return NULL;
	while (is_space(json[end]))
		end++;
	if (json[end]) {
		json_object_put(obj);
		fail(err, errlen, "at offset %zu: text after the object", end);
		return NULL;
	}
	return obj;
}

/*
 * A name or value of @len bytes into @out: no control character (json-c
 * takes them raw in a string, JSON does not; no attribute holds one).
 */
static int copy_text(const char *s, size_t len, char *out, size_t outlen,
		     const char *path, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20)
			return fail(err, errlen,
				    "at %s: a control character in the string",
				    path);
	if (len >= outlen)
		return fail(err, errlen, "at %s: string too long", path);
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* copy the string @val of the member at @path into @out */
static int take_string(struct json_object *val, char *out, size_t outlen,
		       const char *path, char *err, size_t errlen)
{
	const char *s;

	if (!json_object_is_type(val, json_type_string))
		return fail(err, errlen, "at %s: a string was expected", path);
	s = json_object_get_string(val);
	return copy_text(s, json_object_get_string_len(val), out, outlen,
			 path, err, errlen);
}

/* "attrs": [ { "name": "value" }, ... ], each object one attribute */
static int read_attrs(struct json_object *attrs, struct mdevctl_def *def,
		      char *err, size_t errlen)
{
	struct mdevctl_attr *a;
	struct json_object *item;
	char path[48];
	size_t i, n;
	int ret;

	if (!json_object_is_type(attrs, json_type_array))
		return fail(err, errlen, "at .attrs: \"attrs\" must be an array");
	n = json_object_array_length(attrs);
	if (n > MDEVCTL_MAX_ATTRS)
		return fail(err, errlen, "at .attrs: too many attributes");
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(attrs, i);
		snprintf(path, sizeof(path), ".attrs[%zu]", i);
		if (!json_object_is_type(item, json_type_object))
			return fail(err, errlen,
				    "at %s: an attribute must be an object", path);
		if (json_object_object_length(item) != 1)
			return fail(err, errlen,
				    "at %s: an attribute object holds one member",
				    path);
		a = &def->attrs[i];
		json_object_object_foreach(item, name, value) {
			ret = copy_text(name, strlen(name), a->name,
					sizeof(a->name), path, err, errlen);
			if (ret)
				return ret;
			snprintf(path, sizeof(path), ".attrs[%zu].%.16s", i,
				 name);
			ret = take_string(value, a->value, sizeof(a->value),
					  path, err, errlen);
			if (ret)
				return ret;
		}
		def->nattrs++;
	}
	return 0;
}

int mdevctl_parse(const char *json, struct mdevctl_def *def, char *err,
		  size_t errlen)
{
	struct json_object *root, *val;
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	memset(def, 0, sizeof(*def));
	root = parse_object(json, err, errlen);
	if (!root)
		return -EINVAL;
	if (!json_object_object_get_ex(root, "mdev_type", &val))
		ret = fail(err, errlen, "at .: no \"mdev_type\"");
	else
		ret = take_string(val, def->mdev_type, sizeof(def->mdev_type),
				  ".mdev_type", err, errlen);
	if (!ret && !def->mdev_type[0])
		ret = fail(err, errlen, "at .mdev_type: an empty type");
	if (!ret && json_object_object_get_ex(root, "attrs", &val))
		ret = read_attrs(val, def, err, errlen);
	json_object_put(root);
	if (ret)
		memset(def, 0, sizeof(*def));
	return ret;
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
