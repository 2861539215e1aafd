/*
 * runtime.h - the addon's own threads and the one way results come back
 * to JavaScript.
 *
 * Every call that waits on the node (a round trip, a parked claim, a
 * spawn) is a job: the JS thread fills it and starts it, a thread of the
 * addon's pool runs its blocking pp_* call, and the JS thread settles its
 * promise. libuv's 4-thread pool is never used, so waiting calls cannot
 * starve each other (issue 11 item 3). Commits do not take a pool thread:
 * they go through pp_commit_async() and finish on the library's thread.
 *
 * Finished jobs are pushed on one list; the push that finds it empty
 * wakes the JS thread through one napi_threadsafe_function, which drains
 * the whole list. So 100,000 commits answered together cost a handful of
 * wake-ups, not 100,000.
 */
#ifndef PPN_RUNTIME_H
#define PPN_RUNTIME_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>

#include <pipeproc.h>

typedef struct ppn_job     ppn_job;
typedef struct ppn_runtime ppn_runtime;
typedef struct ppn_client  ppn_client;

/* On a pool thread: make the blocking call and set job->status. */
typedef void (*ppn_run_fn)(ppn_job *job);
/* On the JS thread, when job->status is 0: the promise's value. */
typedef napi_value (*ppn_value_fn)(napi_env env, ppn_job *job);
/* Frees what the job owns beyond the ppn_job itself; may be NULL. */
typedef void (*ppn_fini_fn)(ppn_job *job);

/*
 * A job. Each operation embeds it as the first member of its own struct,
 * allocated with calloc; the runtime frees it with free() after fini.
 */
struct ppn_job {
	ppn_job      *next;
	ppn_runtime  *rt; /* set when started */
	napi_deferred deferred;
	ppn_run_fn    run;
	ppn_value_fn  value;
	ppn_fini_fn   fini;
	ppn_client   *client; /* a reference, dropped when the job is freed */
	int           status; /* 0 or a PP_E* code */
	char          errmsg[512]; /* detail of a failure, "" when none */
};

/* Creates the runtime of `env` (its threadsafe function). 0 or -1. */
int ppn_runtime_init(napi_env env);

/*
 * Starts `job` on a pool thread and returns its promise. The pool grows
 * by a thread whenever no thread is idle, so a job never waits behind a
 * parked claim. On failure (no promise could be made) the job is freed
 * and NULL returned with a pending JS exception.
 */
napi_value ppn_job_start(napi_env env, ppn_job *job);

/*
 * Returns the job's promise without running anything: the caller starts
 * an asynchronous call that ends in ppn_job_done(). On NULL the job is
 * freed.
 */
napi_value ppn_job_promise(napi_env env, ppn_job *job);

/* Hands a finished job to the JS thread. Any thread; never blocks long. */
void ppn_job_done(ppn_job *job);

/*
 * Settles `job` at once with `status` (argument checks that fail before
 * anything is sent) and returns its rejected promise; frees the job.
 */
napi_value ppn_job_fail_now(
    napi_env env, ppn_job *job, int status, const char *msg);

/*
 * Makes `fn(code, detail)` the maker of every rejection value, so that
 * errors are Error objects made by the wrapper's JS (lib/errors.js).
 * 0 or PP_EINVAL.
 */
int ppn_runtime_set_error_factory(napi_env env, napi_value fn);

/* Sets job->status and copies a detail (printf-style) into errmsg. */
void ppn_job_error(ppn_job *job, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* PPN_RUNTIME_H */
