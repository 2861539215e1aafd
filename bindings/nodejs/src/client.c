/*
 * client.c - spawn, connect, shutdown and close from JavaScript, and the
 * reference count that decides when pp_close() runs (client.h).
 *
 * Options arrive as one object whose keys the JS wrapper has already
 * checked and defaulted (lib/options.js); strings are copied here, on the
 * JS thread, and the job owns them until it is freed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "client.h"

static void *
close_main(void *arg)
{
	ppn_client *cl = arg;

	pp_close(cl->client);
	free(cl);
	return (NULL);
}

void
ppn_client_release(ppn_client *cl)
{
	pthread_t      tid;
	pthread_attr_t attr;

	if (cl == NULL || atomic_fetch_sub(&cl->refs, 1) != 1) {
		return;
	}
	/* pp_close() blocks (it waits for async commits and may stop the
	 * node): never on the JS thread or in a library callback. */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, close_main, cl) != 0) {
		close_main(cl);
	}
	pthread_attr_destroy(&attr);
}

/*
 * What the JS handle points to. It lives as long as the External (the
 * garbage collector frees it), while the ppn_client may be closed and
 * freed long before: `cl` is NULL from shutdown on. Only the JS thread
 * touches it.
 */
typedef struct ppn_handle {
	ppn_client *cl; /* holds the handle's reference; NULL once closed */
} ppn_handle;

static void
handle_finalize(napi_env env, void *data, void *hint)
{
	ppn_handle *h = data;

	(void)env;
	(void)hint;
	if (h->cl != NULL) {
		atomic_store(&h->cl->is_closed, true);
		ppn_client_release(h->cl);
	}
	free(h);
}

/* The handle of `v`, or NULL when `v` is not one. */
static ppn_handle *
handle_of(napi_env env, napi_value v)
{
	napi_valuetype t;
	void          *data = NULL;

	if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
	    napi_get_value_external(env, v, &data) != napi_ok) {
		return (NULL);
	}
	return (data);
}

ppn_client *
ppn_client_take(napi_env env, napi_value v, ppn_job *job)
{
	ppn_handle *h = handle_of(env, v);
	ppn_client *cl;

	if (h == NULL) {
		ppn_job_error(job, PP_EINVAL, "not a pipeproc client handle");
		return (NULL);
	}
	cl = h->cl;
	if (cl == NULL || atomic_load(&cl->is_closed)) {
		ppn_job_error(job, PP_ENOTCONN, "no_active_node");
		return (NULL);
	}
	atomic_fetch_add(&cl->refs, 1);
	job->client = cl;
	return (cl);
}

/* ---- spawn and connect ---------------------------------------------- */

enum { S_NODE, S_DATA, S_ADDR, S_NS, S_WORKER, S_CA, S_CERT, S_KEY,
	S_CCERT, S_CKEY, S_TOKEN_FILE, S_TOKEN, S_COUNT };

static const char *const string_keys[S_COUNT] = { "nodePath", "location",
	"address", "namespace", "workerPath", "tlsCa", "tlsCert", "tlsKey",
	"tlsClientCert", "tlsClientKey", "tokenFile", "token" };

typedef struct open_job {
	ppn_job        job;
	bool           is_spawn;
	char          *s[S_COUNT];
	pp_spawn_opts  spawn;
	pp_connect_opts connect;
	pp_client     *client;
} open_job;

static void
open_fini(ppn_job *job)
{
	open_job *o = (open_job *)job;
	int       i;

	for (i = 0; i < S_COUNT; i++) {
		free(o->s[i]);
	}
	pp_close(o->client); /* only set when the handle could not be made */
}

static void
open_run(ppn_job *job)
{
	open_job *o = (open_job *)job;
	int       rv;

	if (o->is_spawn) {
		rv = pp_spawn(&o->spawn, &o->client);
	} else {
		rv = pp_connect(o->s[S_ADDR], &o->connect, &o->client);
	}
	if (rv != 0) {
		ppn_job_error(job, rv, "%s", pp_last_errmsg());
	}
}

static napi_value
open_value(napi_env env, ppn_job *job)
{
	open_job   *o = (open_job *)job;
	ppn_client *cl;
	ppn_handle *h;
	napi_value  v;

	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		return (NULL);
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		free(cl);
		return (NULL);
	}
	h->cl = cl;
	cl->client = o->client;
	cl->is_spawner = o->is_spawn;
	atomic_init(&cl->refs, 1);
	atomic_init(&cl->is_closed, false);
	if (napi_create_external(env, h, handle_finalize, NULL, &v) != napi_ok) {
		free(h);
		free(cl);
		return (NULL);
	}
	o->client = NULL; /* the handle owns it now */
	return (v);
}

static int
read_u32(napi_env env, napi_value opts, const char *key, uint32_t *out)
{
	int64_t n;
	int     rv;

	if ((rv = ppn_arg_int64(env, ppn_prop(env, opts, key), 0, &n)) != 0) {
		return (rv);
	}
	*out = n < 0 ? 0 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	return (0);
}

static int
read_open_opts(napi_env env, napi_value opts, open_job *o)
{
	pp_spawn_opts   *sp = &o->spawn;
	pp_connect_opts *co = &o->connect;
	int64_t          workers;
	int              i, rv = 0;

	for (i = 0; i < S_COUNT && rv == 0; i++) {
		rv = ppn_arg_string(env, ppn_prop(env, opts, string_keys[i]), &o->s[i]);
	}
	if (rv != 0) {
		return (rv);
	}
	sp->node_path = o->s[S_NODE];
	sp->data_dir = o->s[S_DATA];
	sp->address = o->s[S_ADDR];
	sp->namespace_name = o->s[S_NS];
	sp->worker_path = o->s[S_WORKER];
	sp->tls_ca_file = co->tls_ca_file = o->s[S_CA];
	sp->tls_cert_file = o->s[S_CERT];
	sp->tls_key_file = o->s[S_KEY];
	sp->tls_client_cert_file = co->tls_cert_file = o->s[S_CCERT];
	sp->tls_client_key_file = co->tls_key_file = o->s[S_CKEY];
	sp->token_file = co->token_file = o->s[S_TOKEN_FILE];
	co->token = o->s[S_TOKEN];
	if ((rv = ppn_prop_bool(env, opts, "memory", &sp->is_memory)) != 0 ||
	    (rv = ppn_prop_bool(env, opts, "gc", &sp->is_gc)) != 0 ||
	    (rv = ppn_prop_bool(env, opts, "insecureTcp",
		 &sp->is_insecure_tcp)) != 0 ||
	    (rv = read_u32(env, opts, "gcMinPruneTime",
		 &sp->gc_min_prune_time_ms)) != 0 ||
	    (rv = read_u32(env, opts, "gcInterval", &sp->gc_interval_ms)) != 0 ||
	    (rv = read_u32(env, opts, "workerConcurrency",
		 &sp->worker_concurrency)) != 0 ||
	    (rv = read_u32(env, opts, "workerRestartAfter",
		 &sp->worker_restart_after)) != 0 ||
	    (rv = read_u32(env, opts, "requestTimeout",
		 &sp->request_timeout_ms)) != 0 ||
	    (rv = read_u32(env, opts, "timeout", &co->timeout_ms)) != 0 ||
	    (rv = ppn_arg_int64(env, ppn_prop(env, opts, "workers"), 0,
		 &workers)) != 0) {
		return (rv);
	}
	co->is_insecure_tcp = sp->is_insecure_tcp;
	co->request_timeout_ms = sp->request_timeout_ms;
	sp->workers = workers < 0 ? PP_WORKERS_NONE : (int32_t)workers;
	return (0);
}

static napi_value
open_call(napi_env env, napi_callback_info info, bool is_spawn)
{
	open_job  *o;
	napi_value argv[1];
	size_t     argc = 1;
	int        rv;

	if ((o = calloc(1, sizeof(*o))) == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	o->is_spawn = is_spawn;
	o->job.run = open_run;
	o->job.value = open_value;
	o->job.fini = open_fini;
	if ((rv = ppn_args(env, info, &argc, argv)) != 0 ||
	    (rv = read_open_opts(env, argv[0], o)) != 0) {
		return (ppn_job_fail_now(env, &o->job, rv, "bad options"));
	}
	return (ppn_job_start(env, &o->job));
}

static napi_value
spawn_fn(napi_env env, napi_callback_info info)
{
	return (open_call(env, info, true));
}

static napi_value
connect_fn(napi_env env, napi_callback_info info)
{
	return (open_call(env, info, false));
}

/* ---- shutdown and close --------------------------------------------- */

typedef struct stop_job {
	ppn_job job;
	bool    is_shutdown; /* ask the node to stop (a spawner's own) */
} stop_job;

static void
stop_run(ppn_job *job)
{
	stop_job *s = (stop_job *)job;
	int       rv;

	if (s->is_shutdown && job->client->is_spawner &&
	    (rv = pp_shutdown(job->client->client)) != 0) {
		ppn_job_error(job, rv, "%s", pp_client_errmsg(job->client->client));
	}
	/* The job's reference is the last one or close to it: releasing it
	 * when the job is freed runs pp_close(). */
}

static napi_value
stop_value(napi_env env, ppn_job *job)
{
	napi_value v;

	napi_get_boolean(env, job->client->is_spawner, &v);
	return (v);
}

/* shutdown(handle, isShutdown): resolves true when the node was ours. */
static napi_value
stop_fn(napi_env env, napi_callback_info info)
{
	stop_job   *s;
	ppn_client *cl;
	napi_value  argv[2];
	size_t      argc = 2;
	bool        b = false;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	s->job.run = stop_run;
	s->job.value = stop_value;
	ppn_args(env, info, &argc, argv);
	napi_get_value_bool(env, argv[1], &b);
	s->is_shutdown = b;
	if ((cl = ppn_client_take(env, argv[0], &s->job)) == NULL) {
		return (ppn_job_fail_now(env, &s->job, s->job.status, s->job.errmsg));
	}
	/* Refuse new calls now and drop the handle's reference: the job
	 * holds the last but those of calls in flight. */
	atomic_store(&cl->is_closed, true);
	handle_of(env, argv[0])->cl = NULL;
	ppn_client_release(cl);
	return (ppn_job_start(env, &s->job));
}

int
ppn_client_export(napi_env env, napi_value exports)
{
	napi_property_descriptor props[] = {
		{ "spawn", NULL, spawn_fn, NULL, NULL, NULL, napi_default, NULL },
		{ "connect", NULL, connect_fn, NULL, NULL, NULL, napi_default,
		    NULL },
		{ "shutdown", NULL, stop_fn, NULL, NULL, NULL, napi_default,
		    NULL },
	};

	return (napi_define_properties(env, exports,
		    sizeof(props) / sizeof(props[0]), props) == napi_ok
		? 0
		: -1);
}
