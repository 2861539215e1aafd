/*
 * commit_many.c - commitMany: many single-log commits from one call.
 *
 * The wrapper gathers the one-log commits a tick makes (`Promise.all` of
 * 100,000 commits) and hands them over as two "\n"-joined texts. They go
 * to the library with one pp_commit_async_many() call: each log is still
 * its own commit, atomic on its own and failing alone, exactly as when
 * called one by one; what is shared is the crossing into the addon, the
 * job, the promise, the library's lock and allocation and the hand-back
 * to the JS thread, which cost more than the commit itself.
 *
 * When the library refuses the whole call (a bad record among them: one
 * bad log must not fail the others), each log goes by its own
 * pp_commit_async() instead and gets its own status.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "ops.h"
#include "range_text.h"
#include "split.h"

typedef struct many_job {
	ppn_job           job;
	size_t            count;
	atomic_size_t     left; /* callbacks to come, plus one for the caller */
	pp_id            *ids;    /* one allocation with status */
	int              *status; /* per log: 0 or a PP_E* code */
	struct many_job **slots;  /* one at a time: slots[i] == this: log i's
	                           * callback arg; NULL until needed */
	atomic_bool       is_failed; /* some log failed (any thread) */
} many_job;

static void
many_fini(ppn_job *job)
{
	many_job *m = (many_job *)job;

	free(m->ids);
	free(m->slots);
}

/* "id,id,..." when every log was committed, else [that text with empty
 * ids for the failed, codes[]] (0 for the committed). */
static napi_value
many_value(napi_env env, ppn_job *job)
{
	many_job  *m = (many_job *)job;
	napi_value text, out, codes, v;
	char      *s, *p;
	size_t     i;

	if ((s = malloc(m->count * PP_ID_STRLEN + 1)) == NULL) {
		return (NULL);
	}
	for (p = s, i = 0; i < m->count; i++) {
		if (i > 0) {
			*p++ = ',';
		}
		if (m->status[i] == 0) {
			p += ppn_id_put(p, m->ids[i]);
		}
	}
	if (napi_create_string_latin1(env, s, (size_t)(p - s), &text) !=
	    napi_ok) {
		free(s);
		return (NULL);
	}
	free(s);
	if (!atomic_load(&m->is_failed)) {
		return (text);
	}
	if (napi_create_array_with_length(env, 2, &out) != napi_ok ||
	    napi_create_array_with_length(env, m->count, &codes) != napi_ok) {
		return (NULL);
	}
	for (i = 0; i < m->count; i++) {
		if (napi_create_int32(env, m->status[i], &v) != napi_ok ||
		    napi_set_element(env, codes, (uint32_t)i, v) != napi_ok) {
			return (NULL);
		}
	}
	napi_set_element(env, out, 0, text);
	napi_set_element(env, out, 1, codes);
	return (out);
}

static void
many_one_done(many_job *m)
{
	if (atomic_fetch_sub(&m->left, 1) == 1) {
		ppn_job_done(&m->job);
	}
}

/* pp_commit_async()'s callback for log i, on the library's thread. */
static void
many_done(void *arg, int status, const pp_id *ids, size_t count)
{
	many_job **slot = arg;
	many_job  *m = *slot;
	size_t     i = (size_t)(slot - m->slots);

	if (status == 0 && count == 1) {
		m->ids[i] = ids[0];
	} else {
		m->status[i] = status != 0 ? status : PP_EPROTO;
		atomic_store(&m->is_failed, true);
	}
	many_one_done(m);
}

/* pp_commit_async_many()'s callback, on the library's thread. */
static void
many_all_done(void *arg, const int *status, const pp_id *ids, size_t count)
{
	many_job *m = arg;
	size_t    i;

	memcpy(m->ids, ids, count * sizeof(*ids));
	memcpy(m->status, status, count * sizeof(*status));
	for (i = 0; i < count; i++) {
		if (status[i] != 0) {
			atomic_store(&m->is_failed, true);
			break;
		}
	}
	many_one_done(m);
}

/*
 * The fallback: one pp_commit_async() per log, each failing alone (a
 * refused log gets its code now; its callback never runs). Returns 0 or
 * PP_ENOMEM (nothing queued).
 */
static int
commit_each(ppn_client *cl, many_job *m, const pp_record *recs)
{
	size_t i;
	int    rv;

	if ((m->slots = calloc(m->count, sizeof(*m->slots))) == NULL) {
		return (PP_ENOMEM);
	}
	atomic_store(&m->left, m->count + 1);
	for (i = 0; i < m->count; i++) {
		m->slots[i] = m;
		rv = pp_commit_async(cl->client, &recs[i], 1, many_done,
		    &m->slots[i]);
		if (rv != 0) {
			m->status[i] = rv;
			atomic_store(&m->is_failed, true);
			many_one_done(m);
		}
	}
	many_one_done(m);
	return (0);
}

/* commitMany(handle, topics, bodies, count) -> Promise<string | [string,
 * codes[]]>: topics and bodies are "\n"-joined (a topic cannot hold one,
 * JSON.stringify never writes one). */
static napi_value
commit_many_fn(napi_env env, napi_callback_info info)
{
	many_job  *m;
	ppn_client *cl;
	napi_value  argv[4], promise;
	size_t      argc = 4, i;
	char       *topics = NULL, *bodies = NULL, **tl = NULL, **bl = NULL;
	size_t      count = 0;
	pp_record  *recs = NULL;
	int         rv;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	m->job.value = many_value;
	m->job.fini = many_fini;
	ppn_args(env, info, &argc, argv);
	if ((cl = ppn_client_take(env, argv[0], &m->job)) == NULL) {
		return (ppn_job_fail_now(env, &m->job, m->job.status, m->job.errmsg));
	}
	rv = ppn_arg_texts(env, argv + 1, &topics, &bodies, &count);
	if (rv == 0) {
		/* Two allocations: ids and statuses for the job; lines and
		 * records for this call. */
		m->count = count;
		if ((m->ids = calloc(m->count,
			 sizeof(*m->ids) + sizeof(*m->status))) == NULL ||
		    (tl = calloc(m->count,
			 2 * sizeof(*tl) + sizeof(*recs))) == NULL) {
			rv = PP_ENOMEM;
		} else {
			m->status = (int *)(m->ids + m->count);
			bl = tl + m->count;
			recs = (pp_record *)(bl + m->count);
		}
	}
	if (rv == 0 && ((rv = ppn_split_lines(topics, tl, m->count)) != 0 ||
			   (rv = ppn_split_lines(bodies, bl, m->count)) != 0)) {
		rv = PP_EINVAL;
	}
	if (rv != 0 || (promise = ppn_job_promise(env, &m->job)) == NULL) {
		free(topics);
		free(bodies);
		free(tl);
		if (rv == 0) {
			return (NULL);
		}
		return (ppn_job_fail_now(env, &m->job, rv, "bad records"));
	}
	for (i = 0; i < m->count; i++) {
		recs[i].topic = tl[i];
		recs[i].body = bl[i];
		recs[i].len = strlen(bl[i]);
	}
	/* The library copies the records before it returns; the job's own
	 * count (one) is dropped by the completion. */
	atomic_init(&m->left, 1);
	if (pp_commit_async_many(cl->client, recs, m->count, many_all_done,
		m) != 0 &&
	    commit_each(cl, m, recs) != 0) {
		for (i = 0; i < m->count; i++) {
			m->status[i] = PP_ENOMEM;
		}
		atomic_store(&m->is_failed, true);
		many_one_done(m);
	}
	free(topics);
	free(bodies);
	free(tl);
	return (promise);
}

int
ppn_commit_many_export(napi_env env, napi_value exports)
{
	napi_property_descriptor props[] = {
		{ "commitMany", NULL, commit_many_fn, NULL, NULL, NULL,
		    napi_default, NULL },
	};

	return (napi_define_properties(env, exports, 1, props) == napi_ok
		? 0
		: -1);
}
