/*
 * args.h - reading JS arguments into C values. The JS wrapper has already
 * checked types and applied defaults; these only convert, and report a
 * mismatch as PP_EINVAL instead of crashing.
 */
#ifndef PPN_ARGS_H
#define PPN_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

/* A UTF-8 copy of string `v` (malloc'd, NUL-terminated), NULL for
 * null/undefined. 0, or PP_EINVAL (not a string), PP_ENOMEM. */
int ppn_arg_string(napi_env env, napi_value v, char **out);

/* Each element of array `v` as ppn_arg_string() (no NULLs allowed).
 * *out and its strings are malloc'd; free with ppn_strings_free(). */
int ppn_arg_strings(napi_env env, napi_value v, char ***out, size_t *count);
void ppn_strings_free(char **strings, size_t count);

/* Numbers: undefined/null give `dflt`; anything else must be a number. */
int ppn_arg_int64(napi_env env, napi_value v, int64_t dflt, int64_t *out);

/*
 * The texts of a commit of several logs (commitText, commitMany: split.h):
 * argv[0] the topics text, argv[1] the bodies text (both copied as
 * ppn_arg_string(), never NULL on 0), argv[2] their count, 1 to
 * UINT32_MAX. 0, or PP_EINVAL, PP_ENOMEM; on error *topics and *bodies
 * hold whatever was copied (free both either way).
 */
int ppn_arg_texts(napi_env env, const napi_value *argv, char **topics,
    char **bodies, size_t *count);

/* Property `key` of object `obj` (undefined when obj is not an object). */
napi_value ppn_prop(napi_env env, napi_value obj, const char *key);

/* Truthiness of property `key`. */
int ppn_prop_bool(napi_env env, napi_value obj, const char *key, bool *out);

/* A JS string from `len` bytes (UTF-8). */
napi_value ppn_string(napi_env env, const char *s, size_t len);

/* An id as its "ms-seq" JS string. */
napi_value ppn_id_string(napi_env env, pp_id id);

/* The arguments of a call: *argc in/out, as napi_get_cb_info. */
int ppn_args(napi_env env, napi_callback_info info, size_t *argc,
    napi_value *argv);

#endif /* PPN_ARGS_H */
