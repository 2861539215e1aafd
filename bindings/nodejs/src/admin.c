/*
 * admin.c - inspectProc, destroyProc, disableProc, resumeProc and
 * systemProc from JavaScript, and the proc record they return.
 *
 * The record goes to JS with the library's own fields (procInfo below);
 * lib/shapes.js turns it into PipeProc's proc object (PEER §8.2).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "ops.h"

enum admin_op { OP_INSPECT, OP_DESTROY, OP_DISABLE, OP_RESUME, OP_SYSTEM,
	OP_SYSTEM_DESTROY, OP_STATS };

typedef struct admin_job {
	ppn_job        job;
	enum admin_op  op;
	char          *name;
	char         **from;
	size_t         nfrom;
	char         **to;
	size_t         nto;
	char          *plugin;
	char          *config;
	char          *offset;
	pp_system_proc_opts sys;
	pp_proc_list  *list;
	char          *json; /* stats */
} admin_job;

static void
admin_fini(ppn_job *job)
{
	admin_job *a = (admin_job *)job;

	free(a->name);
	ppn_strings_free(a->from, a->nfrom);
	ppn_strings_free(a->to, a->nto);
	free(a->plugin);
	free(a->config);
	free(a->offset);
	free(a->json);
	pp_proc_list_free(a->list);
}

static void
admin_run(ppn_job *job)
{
	admin_job *a = (admin_job *)job;
	pp_client *client = job->client->client;
	int        rv = 0;

	switch (a->op) {
	case OP_INSPECT:
		rv = pp_proc_inspect(client, a->name, &a->list);
		break;
	case OP_DESTROY:
		rv = pp_proc_destroy(client, a->name, &a->list);
		break;
	case OP_DISABLE:
		rv = pp_proc_disable(client, a->name, &a->list);
		break;
	case OP_RESUME:
		rv = pp_proc_resume(client, a->name, &a->list);
		break;
	case OP_SYSTEM:
		rv = pp_system_proc(client, a->name, &a->sys, &a->list);
		break;
	case OP_SYSTEM_DESTROY:
		rv = pp_system_proc_destroy(client, a->name);
		break;
	case OP_STATS: {
		pp_stats_report *report = NULL;

		if ((rv = pp_stats(client, &report)) == 0) {
			rv = pp_stats_json(report, &a->json);
		}
		pp_stats_free(report);
		break;
	}
	}
	if (rv != 0) {
		ppn_job_error(job, rv, "%s", pp_client_errmsg(client));
	}
}

static void
set(napi_env env, napi_value obj, const char *key, napi_value v)
{
	if (v != NULL) {
		napi_set_named_property(env, obj, key, v);
	}
}

static void
set_str(napi_env env, napi_value obj, const char *key, const char *s)
{
	set(env, obj, key, ppn_string(env, s, s != NULL ? strlen(s) : 0));
}

static void
set_num(napi_env env, napi_value obj, const char *key, double d)
{
	napi_value v;

	napi_create_double(env, d, &v);
	set(env, obj, key, v);
}

static void
set_bool(napi_env env, napi_value obj, const char *key, bool b)
{
	napi_value v;

	napi_get_boolean(env, b, &v);
	set(env, obj, key, v);
}

/* The library's proc record as a plain object (times in ms). */
static napi_value
proc_info_value(napi_env env, const pp_proc_info *p)
{
	napi_value o;
	char       token[24];

	napi_create_object(env, &o);
	set_str(env, o, "name", p->name);
	set_str(env, o, "topic", p->topic);
	set_str(env, o, "offset", p->offset);
	set_str(env, o, "lastError", p->last_error);
	set_num(env, o, "count", p->opts.count);
	set_num(env, o, "maxReclaims", p->opts.max_reclaims);
	set_num(env, o, "reclaimTimeout", (double)p->opts.reclaim_timeout_ms);
	set_num(env, o, "onMaxReclaims", p->opts.on_max_reclaims);
	set_bool(env, o, "disabled", p->is_disabled);
	set_bool(env, o, "hasClaim", p->has_claim);
	if (p->has_claim) {
		set(env, o, "claimFirst", ppn_id_string(env, p->claim_first));
		set(env, o, "claimLast", ppn_id_string(env, p->claim_last));
		snprintf(token, sizeof(token), "%" PRIu64, p->claim_token);
		set_str(env, o, "claimToken", token);
		set_num(env, o, "claimDeadline", (double)p->claim_deadline_ms);
	}
	set_num(env, o, "nextSeq", (double)p->next_seq);
	set_num(env, o, "reclaims", p->reclaims);
	set_num(env, o, "createdAt", (double)p->created_ms);
	set_num(env, o, "lastClaimedAt", (double)p->last_claimed_ms);
	set_num(env, o, "lastAckedAt", (double)p->last_acked_ms);
	set_num(env, o, "lag", (double)p->lag);
	set_num(env, o, "lost", (double)p->lost);
	set_str(env, o, "systemProc", p->system_proc);
	set_str(env, o, "plugin", p->plugin);
	/* PipeProc's lastAckedRange and previousClaimedRange. */
	set_bool(env, o, "hasLastAcked", p->has_last_acked);
	if (p->has_last_acked) {
		set(env, o, "lastAckedFirst", ppn_id_string(env, p->last_acked_first));
		set(env, o, "lastAckedLast", ppn_id_string(env, p->last_acked_last));
	}
	set_bool(env, o, "hasPrevClaim", p->has_prev_claim);
	if (p->has_prev_claim) {
		set(env, o, "prevClaimFirst", ppn_id_string(env, p->prev_claim_first));
		set(env, o, "prevClaimLast", ppn_id_string(env, p->prev_claim_last));
	}
	return (o);
}

/* An array of proc records (one for the single-proc calls). */
static napi_value
admin_value(napi_env env, ppn_job *job)
{
	admin_job *a = (admin_job *)job;
	size_t     n = pp_proc_list_count(a->list), i;
	napi_value arr;

	if (a->op == OP_STATS) {
		return (ppn_string(env, a->json, strlen(a->json)));
	}
	if (a->op == OP_SYSTEM_DESTROY) {
		napi_get_undefined(env, &arr);
		return (arr);
	}
	napi_create_array_with_length(env, n, &arr);
	for (i = 0; i < n; i++) {
		napi_set_element(env, arr, (uint32_t)i,
		    proc_info_value(env, pp_proc_list_get(a->list, i)));
	}
	return (arr);
}

static admin_job *
admin_job_new(napi_env env, enum admin_op op)
{
	admin_job *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	a->op = op;
	a->job.run = admin_run;
	a->job.value = admin_value;
	a->job.fini = admin_fini;
	return (a);
}

/* inspect/destroy/disable/resume/systemProcDestroy(handle, name) */
static napi_value
by_name(napi_env env, napi_callback_info info, enum admin_op op)
{
	admin_job *a;
	napi_value argv[2];
	size_t     argc = 2;
	int        rv;

	if ((a = admin_job_new(env, op)) == NULL) {
		return (NULL);
	}
	ppn_args(env, info, &argc, argv);
	if (ppn_client_take(env, argv[0], &a->job) == NULL) {
		return (ppn_job_fail_now(env, &a->job, a->job.status, a->job.errmsg));
	}
	if ((rv = ppn_arg_string(env, argv[1], &a->name)) != 0 ||
	    a->name == NULL) {
		return (ppn_job_fail_now(env, &a->job, rv ? rv : PP_EINVAL,
		    "bad name"));
	}
	return (ppn_job_start(env, &a->job));
}

/* stats(handle) -> the JSON text of pp_stats_json() */
static napi_value
stats_fn(napi_env env, napi_callback_info info)
{
	admin_job *a;
	napi_value argv[1];
	size_t     argc = 1;

	if ((a = admin_job_new(env, OP_STATS)) == NULL) {
		return (NULL);
	}
	ppn_args(env, info, &argc, argv);
	if (ppn_client_take(env, argv[0], &a->job) == NULL) {
		return (ppn_job_fail_now(env, &a->job, a->job.status, a->job.errmsg));
	}
	return (ppn_job_start(env, &a->job));
}

static napi_value
inspect_fn(napi_env env, napi_callback_info info)
{
	return (by_name(env, info, OP_INSPECT));
}

static napi_value
destroy_fn(napi_env env, napi_callback_info info)
{
	return (by_name(env, info, OP_DESTROY));
}

static napi_value
disable_fn(napi_env env, napi_callback_info info)
{
	return (by_name(env, info, OP_DISABLE));
}

static napi_value
resume_fn(napi_env env, napi_callback_info info)
{
	return (by_name(env, info, OP_RESUME));
}

static napi_value
system_destroy_fn(napi_env env, napi_callback_info info)
{
	return (by_name(env, info, OP_SYSTEM_DESTROY));
}

/*
 * systemProc(handle, name, from[], to[], plugin, config, offset, count,
 *            maxReclaims, reclaimTimeout, onMaxReclaims)
 */
static napi_value
system_fn(napi_env env, napi_callback_info info)
{
	admin_job     *a;
	napi_value     argv[11];
	size_t         argc = 11;
	int64_t        count, max_reclaims, timeout, on_max;
	pp_proc_opts  *po;
	int            rv;

	if ((a = admin_job_new(env, OP_SYSTEM)) == NULL) {
		return (NULL);
	}
	ppn_args(env, info, &argc, argv);
	if (ppn_client_take(env, argv[0], &a->job) == NULL) {
		return (ppn_job_fail_now(env, &a->job, a->job.status, a->job.errmsg));
	}
	if ((rv = ppn_arg_string(env, argv[1], &a->name)) != 0 ||
	    (rv = ppn_arg_strings(env, argv[2], &a->from, &a->nfrom)) != 0 ||
	    (rv = ppn_arg_strings(env, argv[3], &a->to, &a->nto)) != 0 ||
	    (rv = ppn_arg_string(env, argv[4], &a->plugin)) != 0 ||
	    (rv = ppn_arg_string(env, argv[5], &a->config)) != 0 ||
	    (rv = ppn_arg_string(env, argv[6], &a->offset)) != 0 ||
	    (rv = ppn_arg_int64(env, argv[7], 1, &count)) != 0 ||
	    (rv = ppn_arg_int64(env, argv[8], 10, &max_reclaims)) != 0 ||
	    (rv = ppn_arg_int64(env, argv[9], 10000, &timeout)) != 0 ||
	    (rv = ppn_arg_int64(env, argv[10], 0, &on_max)) != 0 ||
	    a->name == NULL || a->plugin == NULL) {
		return (ppn_job_fail_now(env, &a->job, rv ? rv : PP_EINVAL,
		    "bad systemProc arguments"));
	}
	a->sys.from = (const char *const *)a->from;
	a->sys.nfrom = a->nfrom;
	a->sys.to = (const char *const *)a->to;
	a->sys.nto = a->nto;
	a->sys.plugin = a->plugin;
	a->sys.config = a->config;
	po = &a->sys.proc;
	po->offset = a->offset;
	po->count = count < 0 || count > UINT32_MAX ? UINT32_MAX : (uint32_t)count;
	po->max_reclaims = max_reclaims < INT32_MIN ? INT32_MIN
	    : max_reclaims > INT32_MAX              ? INT32_MAX
						    : (int32_t)max_reclaims;
	po->reclaim_timeout_ms = timeout;
	po->on_max_reclaims = (enum pp_on_max_reclaims)on_max;
	po->given = PP_PROC_GIVEN_ALL; /* values as the JS layer gave them */
	return (ppn_job_start(env, &a->job));
}

int
ppn_admin_export(napi_env env, napi_value exports)
{
	napi_property_descriptor props[] = {
		{ "inspectProc", NULL, inspect_fn, NULL, NULL, NULL,
		    napi_default, NULL },
		{ "destroyProc", NULL, destroy_fn, NULL, NULL, NULL,
		    napi_default, NULL },
		{ "disableProc", NULL, disable_fn, NULL, NULL, NULL,
		    napi_default, NULL },
		{ "resumeProc", NULL, resume_fn, NULL, NULL, NULL, napi_default,
		    NULL },
		{ "systemProc", NULL, system_fn, NULL, NULL, NULL, napi_default,
		    NULL },
		{ "destroySystemProc", NULL, system_destroy_fn, NULL, NULL,
		    NULL, napi_default, NULL },
		{ "stats", NULL, stats_fn, NULL, NULL, NULL, napi_default,
		    NULL },
	};

	return (napi_define_properties(env, exports,
		    sizeof(props) / sizeof(props[0]), props) == napi_ok
		? 0
		: -1);
}
