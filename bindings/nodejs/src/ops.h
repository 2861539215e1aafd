/*
 * ops.h - each file of operations puts its functions onto the addon's
 * exports (addon.c calls these in turn). Each returns 0 or -1.
 */
#ifndef PPN_OPS_H
#define PPN_OPS_H

#include "runtime.h"

int ppn_commit_export(napi_env env, napi_value exports);
int ppn_read_export(napi_env env, napi_value exports);
int ppn_procs_export(napi_env env, napi_value exports);
int ppn_admin_export(napi_env env, napi_value exports);
int ppn_commit_many_export(napi_env env, napi_value exports);

#endif /* PPN_OPS_H */
