/*
 * procs.c - claims and their settlement from JavaScript: proc,
 * availableProc, ack, reclaim and waitForProcs.
 *
 * A claim may wait in the node (wait_ms); it does so on its own pool
 * thread, so a parked liveProc never delays a commit or an ack (issue 11
 * item 3). The claim's token goes back to JS as a decimal string (it is
 * a uint64) with the logs as [token, ids[], bodies[]].
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "json.h"
#include "ops.h"

typedef struct claim_job {
	ppn_job      job;
	char        *topic;
	char        *name;
	char       **names; /* availableProc and waitForProcs */
	size_t       nnames;
	bool         has_names;
	char        *offset;
	char        *error; /* reclaim */
	pp_proc_opts opts;
	int64_t      wait_ms;
	size_t       index;
	pp_claim    *claim;
	pp_id        acked;
	ppn_json     json; /* the claim's logs, built on the pool thread */
	bool         has_json;
} claim_job;

static void
claim_fini(ppn_job *job)
{
	claim_job *c = (claim_job *)job;

	free(c->topic);
	free(c->name);
	free(c->offset);
	free(c->error);
	ppn_strings_free(c->names, c->nnames);
	pp_claim_free(c->claim);
	ppn_json_fini(&c->json);
}

/* After a claim, on the pool thread: its logs as one JSON text. */
static void
claim_build_json(claim_job *c)
{
	size_t i, n = pp_claim_count(c->claim);

	if (n == 0) {
		return;
	}
	ppn_json_init(&c->json);
	for (i = 0; i < n; i++) {
		ppn_json_add(&c->json, pp_claim_log(c->claim, i));
	}
	c->has_json = ppn_json_finish(&c->json) == 0;
}

static claim_job *
claim_job_new(napi_env env)
{
	claim_job *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	c->job.fini = claim_fini;
	return (c);
}

static int
wait_arg(int64_t wait_ms)
{
	if (wait_ms < 0) {
		return (-1);
	}
	return (wait_ms > INT32_MAX ? INT32_MAX : (int)wait_ms);
}

static void
proc_run(ppn_job *job)
{
	claim_job *c = (claim_job *)job;
	pp_client *client = job->client->client;
	int        rv;

	rv = pp_proc(client, c->topic, c->name, &c->opts, wait_arg(c->wait_ms),
	    &c->claim);
	if (rv != 0) {
		ppn_job_error(job, rv, "%s", pp_client_errmsg(client));
		return;
	}
	claim_build_json(c);
}

/*
 * null, or [token, ids[], bodies[], index] (index for availableProc), or
 * [token, count, json, index] when the JSON text was built (json.h).
 */
static napi_value
claim_value(napi_env env, ppn_job *job)
{
	claim_job    *c = (claim_job *)job;
	size_t        n = pp_claim_count(c->claim), i;
	napi_value    out, ids, bodies, v;
	const pp_log *log;
	char          token[24];

	if (n == 0) {
		napi_get_null(env, &out);
		return (out);
	}
	napi_create_array_with_length(env, 4, &out);
	snprintf(token, sizeof(token), "%" PRIu64, pp_claim_token(c->claim));
	napi_set_element(env, out, 0, ppn_string(env, token, strlen(token)));
	napi_create_uint32(env, (uint32_t)c->index, &v);
	napi_set_element(env, out, 3, v);
	if (c->has_json) {
		napi_create_uint32(env, (uint32_t)n, &v);
		napi_set_element(env, out, 1, v);
		if ((v = ppn_json_value(env, &c->json)) == NULL) {
			return (NULL);
		}
		napi_set_element(env, out, 2, v);
		return (out);
	}
	napi_create_array_with_length(env, n, &ids);
	napi_create_array_with_length(env, n, &bodies);
	for (i = 0; i < n; i++) {
		log = pp_claim_log(c->claim, i);
		if ((v = ppn_id_string(env, log->id)) == NULL) {
			return (NULL);
		}
		napi_set_element(env, ids, (uint32_t)i, v);
		if ((v = ppn_string(env, log->body, log->len)) == NULL) {
			return (NULL);
		}
		napi_set_element(env, bodies, (uint32_t)i, v);
	}
	napi_set_element(env, out, 1, ids);
	napi_set_element(env, out, 2, bodies);
	return (out);
}

/*
 * proc(handle, topic, name, offset, count, maxReclaims, reclaimTimeout,
 *      onMaxReclaims, waitMs)
 */
static napi_value
proc_fn(napi_env env, napi_callback_info info)
{
	claim_job *c;
	napi_value argv[9];
	size_t     argc = 9;
	int64_t    count, max_reclaims, timeout, on_max;
	int        rv;

	if ((c = claim_job_new(env)) == NULL) {
		return (NULL);
	}
	c->job.run = proc_run;
	c->job.value = claim_value;
	ppn_args(env, info, &argc, argv);
	if (ppn_client_take(env, argv[0], &c->job) == NULL) {
		return (ppn_job_fail_now(env, &c->job, c->job.status, c->job.errmsg));
	}
	if ((rv = ppn_arg_string(env, argv[1], &c->topic)) != 0 ||
	    (rv = ppn_arg_string(env, argv[2], &c->name)) != 0 ||
	    (rv = ppn_arg_string(env, argv[3], &c->offset)) != 0 ||
	    (rv = ppn_arg_int64(env, argv[4], 1, &count)) != 0 ||
	    (rv = ppn_arg_int64(env, argv[5], 10, &max_reclaims)) != 0 ||
	    (rv = ppn_arg_int64(env, argv[6], 10000, &timeout)) != 0 ||
	    (rv = ppn_arg_int64(env, argv[7], 0, &on_max)) != 0 ||
	    (rv = ppn_arg_int64(env, argv[8], 0, &c->wait_ms)) != 0 ||
	    c->topic == NULL || c->name == NULL) {
		return (ppn_job_fail_now(env, &c->job, rv ? rv : PP_EINVAL,
		    "bad proc arguments"));
	}
	/* Out-of-range numbers reach the node, which names the option. */
	c->opts.offset = c->offset;
	c->opts.count = count < 0 || count > UINT32_MAX ? UINT32_MAX
							: (uint32_t)count;
	c->opts.max_reclaims = max_reclaims < INT32_MIN ? INT32_MIN
	    : max_reclaims > INT32_MAX                 ? INT32_MAX
							: (int32_t)max_reclaims;
	c->opts.reclaim_timeout_ms = timeout;
	c->opts.on_max_reclaims = (enum pp_on_max_reclaims)on_max;
	/* Every option is given, as the JS layer resolved it: values are
	 * taken as they are and all compared with a stored proc's. */
	c->opts.given = PP_PROC_GIVEN_ALL;
	return (ppn_job_start(env, &c->job));
}

static void
available_run(ppn_job *job)
{
	claim_job *c = (claim_job *)job;
	pp_client *client = job->client->client;
	int        rv;

	rv = pp_available_proc(client, (const char *const *)c->names, c->nnames,
	    wait_arg(c->wait_ms), &c->index, &c->claim);
	if (rv != 0) {
		ppn_job_error(job, rv, "%s", pp_client_errmsg(client));
		return;
	}
	claim_build_json(c);
}

/* availableProc(handle, names[], waitMs) */
static napi_value
available_fn(napi_env env, napi_callback_info info)
{
	claim_job *c;
	napi_value argv[3];
	size_t     argc = 3;
	int        rv;

	if ((c = claim_job_new(env)) == NULL) {
		return (NULL);
	}
	c->job.run = available_run;
	c->job.value = claim_value;
	ppn_args(env, info, &argc, argv);
	if (ppn_client_take(env, argv[0], &c->job) == NULL) {
		return (ppn_job_fail_now(env, &c->job, c->job.status, c->job.errmsg));
	}
	if ((rv = ppn_arg_strings(env, argv[1], &c->names, &c->nnames)) != 0 ||
	    (rv = ppn_arg_int64(env, argv[2], 0, &c->wait_ms)) != 0) {
		return (ppn_job_fail_now(env, &c->job, rv, "bad arguments"));
	}
	return (ppn_job_start(env, &c->job));
}

static void
ack_run(ppn_job *job)
{
	claim_job *c = (claim_job *)job;
	pp_client *client = job->client->client;
	int        rv;

	if ((rv = pp_ack(client, c->name, 0, &c->acked)) != 0) {
		ppn_job_error(job, rv, "%s", pp_client_errmsg(client));
	}
}

static napi_value
ack_value(napi_env env, ppn_job *job)
{
	return (ppn_id_string(env, ((claim_job *)job)->acked));
}

static void
reclaim_run(ppn_job *job)
{
	claim_job *c = (claim_job *)job;
	pp_client *client = job->client->client;
	int        rv;

	if ((rv = pp_reclaim(client, c->name, 0, c->error)) != 0) {
		ppn_job_error(job, rv, "%s", pp_client_errmsg(client));
	}
}

/* ack(handle, name) -> acked id; reclaim(handle, name, error) */
static napi_value
settle_call(napi_env env, napi_callback_info info, bool is_ack)
{
	claim_job *c;
	napi_value argv[3];
	size_t     argc = 3;
	int        rv;

	if ((c = claim_job_new(env)) == NULL) {
		return (NULL);
	}
	c->job.run = is_ack ? ack_run : reclaim_run;
	c->job.value = is_ack ? ack_value : NULL;
	ppn_args(env, info, &argc, argv);
	if (ppn_client_take(env, argv[0], &c->job) == NULL) {
		return (ppn_job_fail_now(env, &c->job, c->job.status, c->job.errmsg));
	}
	if ((rv = ppn_arg_string(env, argv[1], &c->name)) != 0 ||
	    c->name == NULL ||
	    (!is_ack && (rv = ppn_arg_string(env, argv[2], &c->error)) != 0)) {
		return (ppn_job_fail_now(env, &c->job, rv ? rv : PP_EINVAL,
		    "bad arguments"));
	}
	return (ppn_job_start(env, &c->job));
}

static napi_value
ack_fn(napi_env env, napi_callback_info info)
{
	return (settle_call(env, info, true));
}

static napi_value
reclaim_fn(napi_env env, napi_callback_info info)
{
	return (settle_call(env, info, false));
}

static void
wait_run(ppn_job *job)
{
	claim_job *c = (claim_job *)job;
	pp_client *client = job->client->client;
	int        rv;

	rv = pp_wait_for_procs(client,
	    c->has_names ? (const char *const *)c->names : NULL,
	    c->has_names ? c->nnames : 0, wait_arg(c->wait_ms));
	if (rv != 0) {
		ppn_job_error(job, rv, "%s", pp_client_errmsg(client));
	}
}

/* waitForProcs(handle, names[] | null, timeoutMs) */
static napi_value
wait_fn(napi_env env, napi_callback_info info)
{
	claim_job     *c;
	napi_value     argv[3];
	napi_valuetype t;
	size_t         argc = 3;
	int            rv = 0;

	if ((c = claim_job_new(env)) == NULL) {
		return (NULL);
	}
	c->job.run = wait_run;
	ppn_args(env, info, &argc, argv);
	if (ppn_client_take(env, argv[0], &c->job) == NULL) {
		return (ppn_job_fail_now(env, &c->job, c->job.status, c->job.errmsg));
	}
	napi_typeof(env, argv[1], &t);
	c->has_names = t != napi_null && t != napi_undefined;
	if ((c->has_names &&
		(rv = ppn_arg_strings(env, argv[1], &c->names, &c->nnames)) !=
		    0) ||
	    (rv = ppn_arg_int64(env, argv[2], -1, &c->wait_ms)) != 0) {
		return (ppn_job_fail_now(env, &c->job, rv, "bad arguments"));
	}
	return (ppn_job_start(env, &c->job));
}

int
ppn_procs_export(napi_env env, napi_value exports)
{
	napi_property_descriptor props[] = {
		{ "proc", NULL, proc_fn, NULL, NULL, NULL, napi_default, NULL },
		{ "availableProc", NULL, available_fn, NULL, NULL, NULL,
		    napi_default, NULL },
		{ "ack", NULL, ack_fn, NULL, NULL, NULL, napi_default, NULL },
		{ "reclaim", NULL, reclaim_fn, NULL, NULL, NULL, napi_default,
		    NULL },
		{ "waitForProcs", NULL, wait_fn, NULL, NULL, NULL, napi_default,
		    NULL },
	};

	return (napi_define_properties(env, exports,
		    sizeof(props) / sizeof(props[0]), props) == napi_ok
		? 0
		: -1);
}
