/*
 * commit.c - commit and ackCommit from JavaScript.
 *
 * commit goes through pp_commit_async(): no pool thread waits for it,
 * and the library coalesces every commit queued meanwhile into few
 * requests, so `Promise.all` of 100,000 commits from one event loop costs
 * a few round trips (issue 11 item 3). Its callback, on the library's
 * thread, copies the ids and hands the job to the JS thread.
 * ackCommit is a pool job around pp_ack_commit().
 *
 * Bodies arrive as JSON text made by the wrapper; the library copies
 * every record before pp_commit_async() returns, so they are read into
 * scratch memory that is freed at once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "ops.h"
#include "range_text.h"
#include "split.h"

typedef struct commit_job {
	ppn_job job;
	size_t  count;
	pp_id  *ids;
	pp_id   one; /* ids of a single-log commit (commit1) */
	bool    is_single;
	/* ackCommit only: */
	char      *name;
	char     **topics;
	char     **bodies;
	pp_record *records;
	bool       is_text; /* commitText: the ids go back as one text */
} commit_job;

static void
commit_fini(ppn_job *job)
{
	commit_job *c = (commit_job *)job;

	if (!c->is_single) {
		free(c->ids);
	}
	free(c->name);
	ppn_strings_free(c->topics, c->count);
	ppn_strings_free(c->bodies, c->count);
	free(c->records);
}

/* "id,id,...": one string that JS splits costs less than an array of
 * strings made here, one N-API call each. */
static napi_value
ids_text(napi_env env, const pp_id *ids, size_t count)
{
	napi_value v;
	char      *s, *p;
	size_t     i;

	if ((s = malloc(count * PP_ID_STRLEN + 1)) == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	for (p = s, i = 0; i < count; i++) {
		if (i > 0) {
			*p++ = ',';
		}
		p += ppn_id_put(p, ids[i]);
	}
	if (napi_create_string_latin1(env, s, (size_t)(p - s), &v) != napi_ok) {
		v = NULL;
	}
	free(s);
	return (v);
}

static napi_value
commit_value(napi_env env, ppn_job *job)
{
	commit_job *c = (commit_job *)job;
	napi_value  arr, v;
	size_t      i;

	if (c->is_single) {
		return (ppn_id_string(env, c->one));
	}
	if (c->is_text) {
		return (ids_text(env, c->ids, c->count));
	}
	if (napi_create_array_with_length(env, c->count, &arr) != napi_ok) {
		return (NULL);
	}
	for (i = 0; i < c->count; i++) {
		if ((v = ppn_id_string(env, c->ids[i])) == NULL) {
			return (NULL);
		}
		napi_set_element(env, arr, (uint32_t)i, v);
	}
	return (arr);
}

/* pp_commit_async()'s callback, on the library's thread. */
static void
commit_done(void *arg, int status, const pp_id *ids, size_t count)
{
	commit_job *c = arg;

	if (status == 0) {
		memcpy(c->ids, ids, count * sizeof(*ids));
	} else {
		ppn_job_error(&c->job, status, "%s", pp_strerror(status));
	}
	ppn_job_done(&c->job);
}

/*
 * Reads topics[] and bodies[] (arrays of strings, equal lengths) into
 * c->topics, c->bodies and c->records. 0, or PP_EINVAL, PP_ENOMEM.
 */
static int
read_records(napi_env env, napi_value topics, napi_value bodies, commit_job *c)
{
	size_t nb, i;
	int    rv;

	if ((rv = ppn_arg_strings(env, topics, &c->topics, &c->count)) != 0) {
		return (rv);
	}
	if ((rv = ppn_arg_strings(env, bodies, &c->bodies, &nb)) != 0) {
		return (rv);
	}
	if (nb != c->count) {
		ppn_strings_free(c->bodies, nb);
		c->bodies = NULL;
		return (PP_EINVAL);
	}
	if ((c->records = calloc(c->count + 1, sizeof(pp_record))) == NULL ||
	    (c->ids = calloc(c->count + 1, sizeof(pp_id))) == NULL) {
		return (PP_ENOMEM);
	}
	for (i = 0; i < c->count; i++) {
		c->records[i].topic = c->topics[i];
		c->records[i].body = c->bodies[i];
		c->records[i].len = strlen(c->bodies[i]);
	}
	return (0);
}

/* commit(handle, topics[], bodies[]) -> Promise<string[]> */
static napi_value
commit_fn(napi_env env, napi_callback_info info)
{
	commit_job *c;
	ppn_client *cl;
	napi_value  argv[3], promise;
	size_t      argc = 3;
	int         rv;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	c->job.value = commit_value;
	c->job.fini = commit_fini;
	ppn_args(env, info, &argc, argv);
	if ((cl = ppn_client_take(env, argv[0], &c->job)) == NULL) {
		return (ppn_job_fail_now(env, &c->job, c->job.status, c->job.errmsg));
	}
	if ((rv = read_records(env, argv[1], argv[2], c)) != 0) {
		return (ppn_job_fail_now(env, &c->job, rv, "bad records"));
	}
	if ((promise = ppn_job_promise(env, &c->job)) == NULL) {
		return (NULL);
	}
	rv = pp_commit_async(cl->client, c->records, c->count, commit_done, c);
	/* The library copied the records: free them now, keep the ids. */
	ppn_strings_free(c->topics, c->count);
	ppn_strings_free(c->bodies, c->count);
	free(c->records);
	c->topics = c->bodies = NULL;
	c->records = NULL;
	if (rv != 0) {
		/* cb will never be called: finish the job ourselves. */
		ppn_job_error(&c->job, rv, "%s", pp_client_errmsg(cl->client));
		ppn_job_done(&c->job);
	}
	return (promise);
}

static void
ack_commit_run(ppn_job *job)
{
	commit_job *c = (commit_job *)job;
	pp_client  *client = job->client->client;
	int         rv;

	rv = pp_ack_commit(client, c->name, 0, c->records, c->count, c->ids);
	if (rv != 0) {
		ppn_job_error(job, rv, "%s", pp_client_errmsg(client));
	}
}

/* A string argument into buf when it fits, else into malloc'd memory
 * (*heap, freed by the caller). NULL when v is not a string. */
static char *
string_into(napi_env env, napi_value v, char *buf, size_t size, char **heap,
    size_t *len)
{
	if (napi_get_value_string_utf8(env, v, buf, size, len) != napi_ok) {
		return (NULL);
	}
	if (*len < size - 1) {
		return (buf);
	}
	/* Maybe cut at the buffer's end: measure, then copy whole. */
	napi_get_value_string_utf8(env, v, NULL, 0, len);
	if ((*heap = malloc(*len + 1)) == NULL) {
		return (NULL);
	}
	napi_get_value_string_utf8(env, v, *heap, *len + 1, len);
	return (*heap);
}

/*
 * commit1(handle, topic, body) -> Promise<string>: the one-log commit
 * without the arrays (the hot path of `await commit(log)` and of many
 * commits in flight).
 */
static napi_value
commit1_fn(napi_env env, napi_callback_info info)
{
	commit_job *c;
	ppn_client *cl;
	napi_value  argv[3], promise;
	size_t      argc = 3, tlen, blen;
	char        tbuf[PP_TOPIC_MAX + 2], bbuf[2048];
	char       *theap = NULL, *bheap = NULL;
	pp_record   rec;
	int         rv;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	c->job.value = commit_value;
	c->job.fini = commit_fini;
	c->is_single = true;
	c->count = 1;
	c->ids = &c->one;
	ppn_args(env, info, &argc, argv);
	if ((cl = ppn_client_take(env, argv[0], &c->job)) == NULL) {
		return (ppn_job_fail_now(env, &c->job, c->job.status, c->job.errmsg));
	}
	rec.topic = string_into(env, argv[1], tbuf, sizeof(tbuf), &theap, &tlen);
	rec.body = string_into(env, argv[2], bbuf, sizeof(bbuf), &bheap, &blen);
	rec.len = blen;
	if (rec.topic == NULL || rec.body == NULL) {
		free(theap);
		free(bheap);
		return (ppn_job_fail_now(env, &c->job, PP_EINVAL, "bad record"));
	}
	if ((promise = ppn_job_promise(env, &c->job)) == NULL) {
		free(theap);
		free(bheap);
		return (NULL);
	}
	rv = pp_commit_async(cl->client, &rec, 1, commit_done, c);
	free(theap);
	free(bheap);
	if (rv != 0) {
		ppn_job_error(&c->job, rv, "%s", pp_client_errmsg(cl->client));
		ppn_job_done(&c->job);
	}
	return (promise);
}

/*
 * commitText(handle, topics, bodies, count) -> Promise<string>: an array
 * commit as two texts (split.h), the ids back as "id,id,...".
 */
static napi_value
commit_text_fn(napi_env env, napi_callback_info info)
{
	commit_job *c;
	ppn_client *cl;
	napi_value  argv[4], promise;
	size_t      argc = 4;
	char       *topics = NULL, *bodies = NULL;
	size_t      count = 0;
	int         rv;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	c->job.value = commit_value;
	c->job.fini = commit_fini;
	c->is_text = true;
	ppn_args(env, info, &argc, argv);
	if ((cl = ppn_client_take(env, argv[0], &c->job)) == NULL) {
		return (ppn_job_fail_now(env, &c->job, c->job.status, c->job.errmsg));
	}
	rv = ppn_arg_texts(env, argv + 1, &topics, &bodies, &count);
	if (rv == 0) {
		c->count = count;
		if ((c->records = calloc(c->count, sizeof(pp_record))) == NULL ||
		    (c->ids = calloc(c->count, sizeof(pp_id))) == NULL) {
			rv = PP_ENOMEM;
		}
	}
	if (rv == 0) {
		rv = ppn_split_records(topics, bodies, strlen(bodies),
		    c->records, c->count);
	}
	if (rv != 0 || (promise = ppn_job_promise(env, &c->job)) == NULL) {
		free(topics);
		free(bodies);
		if (rv == 0) {
			return (NULL);
		}
		return (ppn_job_fail_now(env, &c->job, rv, "bad records"));
	}
	rv = pp_commit_async(cl->client, c->records, c->count, commit_done, c);
	/* The library copied the records. */
	free(topics);
	free(bodies);
	free(c->records);
	c->records = NULL;
	if (rv != 0) {
		ppn_job_error(&c->job, rv, "%s", pp_client_errmsg(cl->client));
		ppn_job_done(&c->job);
	}
	return (promise);
}

/* ackCommit(handle, name, topics[], bodies[]) -> Promise<string[]> */
static napi_value
ack_commit_fn(napi_env env, napi_callback_info info)
{
	commit_job *c;
	napi_value  argv[4];
	size_t      argc = 4;
	int         rv;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	c->job.run = ack_commit_run;
	c->job.value = commit_value;
	c->job.fini = commit_fini;
	ppn_args(env, info, &argc, argv);
	if (ppn_client_take(env, argv[0], &c->job) == NULL) {
		return (ppn_job_fail_now(env, &c->job, c->job.status, c->job.errmsg));
	}
	if ((rv = ppn_arg_string(env, argv[1], &c->name)) != 0 ||
	    c->name == NULL ||
	    (rv = read_records(env, argv[2], argv[3], c)) != 0) {
		return (ppn_job_fail_now(env, &c->job, rv ? rv : PP_EINVAL,
		    "bad arguments"));
	}
	return (ppn_job_start(env, &c->job));
}

int
ppn_commit_export(napi_env env, napi_value exports)
{
	napi_property_descriptor props[] = {
		{ "commit", NULL, commit_fn, NULL, NULL, NULL, napi_default,
		    NULL },
		{ "ackCommit", NULL, ack_commit_fn, NULL, NULL, NULL,
		    napi_default, NULL },
		{ "commit1", NULL, commit1_fn, NULL, NULL, NULL, napi_default,
		    NULL },
		{ "commitText", NULL, commit_text_fn, NULL, NULL, NULL,
		    napi_default, NULL },
	};

	return (napi_define_properties(env, exports,
		    sizeof(props) / sizeof(props[0]), props) == napi_ok
		? 0
		: -1);
}
