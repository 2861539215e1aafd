/*
 * args.c - converting between JS values and C values for the addon
 * (args.h). Everything here runs on the JS thread.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"

int
ppn_args(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv)
{
	size_t want = *argc, i;

	if (napi_get_cb_info(env, info, argc, argv, NULL, NULL) != napi_ok) {
		return (PP_EINVAL);
	}
	for (i = *argc; i < want; i++) {
		napi_get_undefined(env, &argv[i]);
	}
	return (0);
}

int
ppn_arg_string(napi_env env, napi_value v, char **out)
{
	napi_valuetype t;
	size_t         len;
	char          *s;

	*out = NULL;
	if (napi_typeof(env, v, &t) != napi_ok) {
		return (PP_EINVAL);
	}
	if (t == napi_undefined || t == napi_null) {
		return (0);
	}
	if (t != napi_string) {
		return (PP_EINVAL);
	}
	if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
		return (PP_EINVAL);
	}
	if ((s = malloc(len + 1)) == NULL) {
		return (PP_ENOMEM);
	}
	napi_get_value_string_utf8(env, v, s, len + 1, &len);
	*out = s;
	return (0);
}

void
ppn_strings_free(char **strings, size_t count)
{
	size_t i;

	if (strings == NULL) {
		return;
	}
	for (i = 0; i < count; i++) {
		free(strings[i]);
	}
	free(strings);
}

int
ppn_arg_strings(napi_env env, napi_value v, char ***out, size_t *count)
{
	bool       is_array;
	uint32_t   n, i;
	char     **s;
	napi_value e;
	int        rv;

	*out = NULL;
	*count = 0;
	if (napi_is_array(env, v, &is_array) != napi_ok || !is_array) {
		return (PP_EINVAL);
	}
	napi_get_array_length(env, v, &n);
	if ((s = calloc(n > 0 ? n : 1, sizeof(*s))) == NULL) {
		return (PP_ENOMEM);
	}
	for (i = 0; i < n; i++) {
		napi_get_element(env, v, i, &e);
		if ((rv = ppn_arg_string(env, e, &s[i])) != 0 || s[i] == NULL) {
			ppn_strings_free(s, i + 1);
			return (rv != 0 ? rv : PP_EINVAL);
		}
	}
	*out = s;
	*count = n;
	return (0);
}

int
ppn_arg_int64(napi_env env, napi_value v, int64_t dflt, int64_t *out)
{
	napi_valuetype t;
	double         d;

	if (napi_typeof(env, v, &t) != napi_ok) {
		return (PP_EINVAL);
	}
	if (t == napi_undefined || t == napi_null) {
		*out = dflt;
		return (0);
	}
	if (t != napi_number) {
		return (PP_EINVAL);
	}
	napi_get_value_double(env, v, &d);
	if (d != d || d < -9.0e18 || d > 9.0e18) {
		return (PP_EINVAL);
	}
	*out = (int64_t)d;
	return (0);
}

int
ppn_arg_texts(napi_env env, const napi_value *argv, char **topics,
    char **bodies, size_t *count)
{
	int64_t n;
	int     rv;

	*topics = NULL;
	*bodies = NULL;
	if ((rv = ppn_arg_int64(env, argv[2], 0, &n)) != 0) {
		return (rv);
	}
	if (n <= 0 || n > UINT32_MAX) {
		return (PP_EINVAL);
	}
	if ((rv = ppn_arg_string(env, argv[0], topics)) != 0 ||
	    (rv = ppn_arg_string(env, argv[1], bodies)) != 0) {
		return (rv);
	}
	if (*topics == NULL || *bodies == NULL) {
		return (PP_EINVAL);
	}
	*count = (size_t)n;
	return (0);
}

napi_value
ppn_prop(napi_env env, napi_value obj, const char *key)
{
	napi_valuetype t;
	napi_value     v;

	if (napi_typeof(env, obj, &t) != napi_ok || t != napi_object ||
	    napi_get_named_property(env, obj, key, &v) != napi_ok) {
		napi_get_undefined(env, &v);
	}
	return (v);
}

int
ppn_prop_bool(napi_env env, napi_value obj, const char *key, bool *out)
{
	napi_value b;

	if (napi_coerce_to_bool(env, ppn_prop(env, obj, key), &b) != napi_ok) {
		return (PP_EINVAL);
	}
	napi_get_value_bool(env, b, out);
	return (0);
}

napi_value
ppn_string(napi_env env, const char *s, size_t len)
{
	napi_value v;

	if (napi_create_string_utf8(env, s != NULL ? s : "", len, &v) != napi_ok) {
		return (NULL);
	}
	return (v);
}

napi_value
ppn_id_string(napi_env env, pp_id id)
{
	char buf[PP_ID_STRLEN];

	pp_id_format(id, buf);
	return (ppn_string(env, buf, strlen(buf)));
}
