/*
 * addon.c - the module entry of pipeproc.node: builds the exports the JS
 * wrapper (index.js) calls. Every export but the error helpers returns a
 * promise, settled on the JS thread (runtime.h); a failure rejects with
 * [code, detail], and lib/errors.js makes the Error in JS.
 */
#include <string.h>

#ifndef PPN_PLUGINDIR
#define PPN_PLUGINDIR "/usr/local/lib/pipeproc/plugins"
#endif

#include "args.h"
#include "client.h"
#include "ops.h"

/* errname(code) -> "PP_E..." */
static napi_value
errname_fn(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	size_t     argc = 1;
	int32_t    code = 0;
	const char *s;

	ppn_args(env, info, &argc, argv);
	napi_get_value_int32(env, argv[0], &code);
	s = pp_errname(code);
	return (ppn_string(env, s, strlen(s)));
}

/* strerror(code) -> the library's text */
static napi_value
strerror_fn(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	size_t     argc = 1;
	int32_t    code = 0;
	const char *s;

	ppn_args(env, info, &argc, argv);
	napi_get_value_int32(env, argv[0], &code);
	s = pp_strerror(code);
	return (ppn_string(env, s, strlen(s)));
}

/* setErrorFactory(fn): fn(code, detail) makes every rejection. */
static napi_value
set_error_factory_fn(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	size_t     argc = 1;

	ppn_args(env, info, &argc, argv);
	if (ppn_runtime_set_error_factory(env, argv[0]) != 0) {
		napi_throw_error(env, "PP_EINVAL", "setErrorFactory needs a function");
	}
	return (NULL);
}

static napi_value
init(napi_env env, napi_value exports)
{
	napi_property_descriptor props[] = {
		{ "errname", NULL, errname_fn, NULL, NULL, NULL, napi_default,
		    NULL },
		{ "strerror", NULL, strerror_fn, NULL, NULL, NULL, napi_default,
		    NULL },
		{ "setErrorFactory", NULL, set_error_factory_fn, NULL, NULL,
		    NULL, napi_default, NULL },
	};
	const char *version = pp_version();

	if (ppn_runtime_init(env) != 0 ||
	    napi_define_properties(env, exports, 3, props) != napi_ok ||
	    napi_set_named_property(env, exports, "version",
		ppn_string(env, version, strlen(version))) != napi_ok ||
	    /* Where `make install` puts the plugins (the exec plugin). */
	    napi_set_named_property(env, exports, "plugindir",
		ppn_string(env, PPN_PLUGINDIR, strlen(PPN_PLUGINDIR))) != napi_ok ||
	    ppn_client_export(env, exports) != 0 ||
	    ppn_commit_export(env, exports) != 0 ||
	    ppn_read_export(env, exports) != 0 ||
	    ppn_procs_export(env, exports) != 0 ||
	    ppn_admin_export(env, exports) != 0 ||
	    ppn_commit_many_export(env, exports) != 0) {
		napi_throw_error(env, "PP_EINTERNAL", "pipeproc: addon init failed");
		return (NULL);
	}
	return (exports);
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
