/*
 * runtime.c - the addon's thread pool and the completion path back to
 * the JS thread (runtime.h).
 *
 * Design notes:
 * - One runtime per napi_env (instance data), so worker_threads each get
 *   their own. `mu` guards the run queue, the thread counts and the done
 *   list; `cv` wakes idle pool threads.
 * - The pool starts empty and adds a detached thread whenever a job is
 *   queued and no idle thread is waiting for it; a thread idle for
 *   POOL_IDLE_S leaves. A liveProc parked in the node holds one thread,
 *   never a slot that a commit or an ack needs.
 * - `in_flight` (JS thread only) counts promises not yet settled. The
 *   threadsafe function is referenced while it is above 0, so pending
 *   calls keep the process alive and an idle addon never does.
 * - When the env goes away (process exit) the runtime is left allocated:
 *   pool threads blocked in the node may still finish, and they must find
 *   it. Their jobs are then freed without settling anything.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "runtime.h"

#define POOL_IDLE_S 10

struct ppn_runtime {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	ppn_job        *run_head; /* queued, not yet taken by a thread */
	ppn_job        *run_tail;
	size_t          run_count;
	size_t          idle; /* threads waiting on cv */
	ppn_job        *done_head; /* finished, not yet settled */
	ppn_job        *done_tail;
	bool            is_closing; /* the env is gone */
	napi_threadsafe_function tsfn;
	/* JS thread only: */
	size_t   in_flight;
	bool     is_ref;
	napi_ref make_error; /* lib/errors.js's factory, or NULL */
};

void
ppn_job_error(ppn_job *job, int status, const char *fmt, ...)
{
	va_list ap;

	job->status = status;
	va_start(ap, fmt);
	vsnprintf(job->errmsg, sizeof(job->errmsg), fmt, ap);
	va_end(ap);
}

static void
job_free(ppn_job *job)
{
	if (job->fini != NULL) {
		job->fini(job);
	}
	ppn_client_release(job->client);
	free(job);
}

/*
 * The rejection value: the Error that lib/errors.js's factory makes from
 * (status, detail) (errors are made in JS, PEER-compatible), or the pair
 * [status, detail] before the factory is set or when it throws.
 */
static napi_value
error_value(napi_env env, ppn_runtime *rt, int status, const char *msg)
{
	napi_value arr, v, fn, argv[2], undef, exc;
	bool       pending = false;

	if (rt != NULL && rt->make_error != NULL &&
	    napi_get_reference_value(env, rt->make_error, &fn) == napi_ok &&
	    fn != NULL) {
		napi_create_int32(env, status, &argv[0]);
		napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &argv[1]);
		napi_get_undefined(env, &undef);
		if (napi_call_function(env, undef, fn, 2, argv, &v) == napi_ok) {
			return (v);
		}
		napi_is_exception_pending(env, &pending);
		if (pending) {
			napi_get_and_clear_last_exception(env, &exc);
		}
	}
	napi_create_array_with_length(env, 2, &arr);
	napi_create_int32(env, status, &v);
	napi_set_element(env, arr, 0, v);
	napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &v);
	napi_set_element(env, arr, 1, v);
	return (arr);
}

/* Resolves or rejects the job's promise and frees the job. JS thread. */
static void
job_settle(napi_env env, ppn_job *job)
{
	napi_handle_scope scope;
	napi_value        v = NULL;
	bool              pending = false;

	napi_open_handle_scope(env, &scope);
	if (job->status == 0 && job->value != NULL) {
		v = job->value(env, job);
		if (v == NULL) {
			/* Building the value failed: report it, do not throw. */
			napi_value exc;
			napi_is_exception_pending(env, &pending);
			if (pending) {
				napi_get_and_clear_last_exception(env, &exc);
			}
			ppn_job_error(job, PP_ENOMEM, "could not build the result");
		}
	}
	if (job->status == 0) {
		if (v == NULL) {
			napi_get_undefined(env, &v);
		}
		napi_resolve_deferred(env, job->deferred, v);
	} else {
		napi_reject_deferred(env, job->deferred,
		    error_value(env, job->rt, job->status,
			job->errmsg[0] != '\0' ? job->errmsg
					       : pp_strerror(job->status)));
	}
	napi_close_handle_scope(env, scope);
	job_free(job);
}

static void
in_flight_add(napi_env env, ppn_runtime *rt)
{
	if (rt->in_flight++ == 0 && !rt->is_ref) {
		napi_ref_threadsafe_function(env, rt->tsfn);
		rt->is_ref = true;
	}
}

/* The threadsafe function's body: settle every finished job. */
static void
drain(napi_env env, napi_value js_cb, void *context, void *data)
{
	ppn_runtime *rt = context;
	ppn_job     *list, *next;

	(void)js_cb;
	(void)data;
	if (env == NULL) {
		return; /* the env is being torn down */
	}
	pthread_mutex_lock(&rt->mu);
	list = rt->done_head;
	rt->done_head = rt->done_tail = NULL;
	pthread_mutex_unlock(&rt->mu);
	for (; list != NULL; list = next) {
		next = list->next;
		job_settle(env, list);
		rt->in_flight--;
	}
	if (rt->in_flight == 0 && rt->is_ref) {
		napi_unref_threadsafe_function(env, rt->tsfn);
		rt->is_ref = false;
	}
}

void
ppn_job_done(ppn_job *job)
{
	ppn_runtime *rt = job->rt;
	bool         is_first, is_closing;

	job->next = NULL;
	pthread_mutex_lock(&rt->mu);
	is_closing = rt->is_closing;
	if (!is_closing) {
		is_first = rt->done_head == NULL;
		if (is_first) {
			rt->done_head = job;
		} else {
			rt->done_tail->next = job;
		}
		rt->done_tail = job;
	}
	pthread_mutex_unlock(&rt->mu);
	if (is_closing) {
		job_free(job);
		return;
	}
	if (is_first) {
		/* Nonblocking with an unlimited queue: only fails when closing,
		 * and then drain never runs: the job stays on the list. */
		napi_call_threadsafe_function(rt->tsfn, NULL, napi_tsfn_nonblocking);
	}
}

static void *
pool_main(void *arg)
{
	ppn_runtime    *rt = arg;
	ppn_job        *job;
	struct timespec until;

	pthread_mutex_lock(&rt->mu);
	for (;;) {
		while (rt->run_head == NULL) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += POOL_IDLE_S;
			rt->idle++;
			int rv = pthread_cond_timedwait(&rt->cv, &rt->mu, &until);
			rt->idle--;
			if (rv == ETIMEDOUT && rt->run_head == NULL) {
				pthread_mutex_unlock(&rt->mu);
				return (NULL);
			}
		}
		job = rt->run_head;
		rt->run_head = job->next;
		if (rt->run_head == NULL) {
			rt->run_tail = NULL;
		}
		rt->run_count--;
		pthread_mutex_unlock(&rt->mu);
		job->run(job);
		ppn_job_done(job);
		pthread_mutex_lock(&rt->mu);
	}
}

/* Queues a job; adds a thread when none is idle for it. */
static void
pool_submit(ppn_runtime *rt, ppn_job *job)
{
	pthread_t      tid;
	pthread_attr_t attr;
	bool           needs_thread;

	job->next = NULL;
	pthread_mutex_lock(&rt->mu);
	if (rt->run_tail == NULL) {
		rt->run_head = job;
	} else {
		rt->run_tail->next = job;
	}
	rt->run_tail = job;
	rt->run_count++;
	needs_thread = rt->idle < rt->run_count;
	if (!needs_thread) {
		pthread_cond_signal(&rt->cv);
	}
	pthread_mutex_unlock(&rt->mu);
	if (needs_thread) {
		/* If this fails the job waits for a thread that frees up. */
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		pthread_create(&tid, &attr, pool_main, rt);
		pthread_attr_destroy(&attr);
	}
}

static ppn_runtime *
runtime_of(napi_env env)
{
	void *data = NULL;

	napi_get_instance_data(env, &data);
	return (data);
}

napi_value
ppn_job_promise(napi_env env, ppn_job *job)
{
	ppn_runtime *rt = runtime_of(env);
	napi_value   promise;

	if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) {
		job_free(job);
		return (NULL);
	}
	job->rt = rt;
	in_flight_add(env, rt);
	return (promise);
}

napi_value
ppn_job_start(napi_env env, ppn_job *job)
{
	napi_value promise = ppn_job_promise(env, job);

	if (promise != NULL) {
		pool_submit(job->rt, job);
	}
	return (promise);
}

napi_value
ppn_job_fail_now(napi_env env, ppn_job *job, int status, const char *msg)
{
	napi_value promise;

	if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) {
		job_free(job);
		return (NULL);
	}
	job->rt = runtime_of(env);
	job->status = status;
	snprintf(job->errmsg, sizeof(job->errmsg), "%s", msg != NULL ? msg : "");
	job_settle(env, job);
	return (promise);
}

int
ppn_runtime_set_error_factory(napi_env env, napi_value fn)
{
	ppn_runtime *rt = runtime_of(env);

	if (rt->make_error != NULL) {
		napi_delete_reference(env, rt->make_error);
		rt->make_error = NULL;
	}
	return (napi_create_reference(env, fn, 1, &rt->make_error) == napi_ok
		? 0
		: PP_EINVAL);
}

/* The env is going away: later completions are dropped (see notes). */
static void
runtime_close(napi_env env, void *data, void *hint)
{
	ppn_runtime *rt = data;

	(void)env;
	(void)hint;
	pthread_mutex_lock(&rt->mu);
	rt->is_closing = true;
	pthread_mutex_unlock(&rt->mu);
}

int
ppn_runtime_init(napi_env env)
{
	ppn_runtime *rt;
	napi_value   name;

	if ((rt = calloc(1, sizeof(*rt))) == NULL) {
		return (-1);
	}
	pthread_mutex_init(&rt->mu, NULL);
	pthread_cond_init(&rt->cv, NULL);
	napi_create_string_utf8(env, "pipeproc", NAPI_AUTO_LENGTH, &name);
	if (napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL,
		NULL, rt, drain, &rt->tsfn) != napi_ok) {
		free(rt);
		return (-1);
	}
	napi_unref_threadsafe_function(env, rt->tsfn);
	if (napi_set_instance_data(env, rt, runtime_close, NULL) != napi_ok) {
		return (-1);
	}
	return (0);
}
