/*
 * read.c - range, revrange and length from JavaScript.
 *
 * The node answers a range one bounded page at a time (about 2 MiB of
 * bodies); PipeProc's range returns the whole of it. So a range job pages
 * on its pool thread until the limit, the bound or the end, keeping each
 * page's pp_result, and builds the result's texts there (range_text.h):
 * the JS thread makes two strings and runs one JSON.parse. Only when the
 * texts cannot be built does it make the strings straight from the pages.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "ops.h"
#include "range_text.h"

typedef struct range_job {
	ppn_job     job;
	char       *topic;
	char       *start;
	char       *end;
	int64_t     limit; /* <= 0: all */
	bool        is_exclusive;
	bool        is_reverse;
	pp_result **pages;
	size_t      npages;
	size_t      total;
	uint64_t    length; /* length only */
	ppn_range_text text; /* the whole result: ids and bodies */
	bool           is_text_started;
	bool           has_text; /* text is complete: the pages are freed */
} range_job;

static void
range_fini(ppn_job *job)
{
	range_job *r = (range_job *)job;
	size_t     i;

	for (i = 0; i < r->npages; i++) {
		pp_result_free(r->pages[i]);
	}
	free(r->pages);
	if (r->is_text_started) {
		ppn_range_text_fini(&r->text);
	}
	free(r->topic);
	free(r->start);
	free(r->end);
}

/* Appends a page to the texts (range_text.h) right after it came, while
 * its bodies are still in the cache. */
static void
range_add_page(range_job *r, const pp_result *page)
{
	size_t i;

	if (!r->is_text_started) {
		ppn_range_text_init(&r->text);
		r->is_text_started = true;
	}
	for (i = 0; i < pp_result_count(page); i++) {
		ppn_range_text_add(&r->text, pp_result_log(page, i));
	}
}

/* Closes the texts; then the pages are no longer needed. On failure
 * has_text stays false and the pages stay (range_value's fallback). */
static void
range_build_json(range_job *r)
{
	size_t p;

	if (ppn_range_text_finish(&r->text) != 0) {
		return;
	}
	r->has_text = true;
	for (p = 0; p < r->npages; p++) {
		pp_result_free(r->pages[p]);
	}
	r->npages = 0;
}

static void
range_run(ppn_job *job)
{
	range_job    *r = (range_job *)job;
	pp_client    *client = job->client->client;
	pp_range_opts opts;
	pp_result    *res, **grown;
	const pp_log *last;
	char          next[32];
	int           rv;

	memset(&opts, 0, sizeof(opts));
	opts.start = r->start;
	opts.end = r->end;
	opts.is_exclusive = r->is_exclusive;
	for (;;) {
		opts.limit = r->limit > 0 ? (size_t)r->limit - r->total : 0;
		rv = r->is_reverse ? pp_revrange(client, r->topic, &opts, &res)
				   : pp_range(client, r->topic, &opts, &res);
		if (rv != 0) {
			ppn_job_error(job, rv, "%s", pp_client_errmsg(client));
			return;
		}
		grown = realloc(r->pages, (r->npages + 1) * sizeof(*grown));
		if (grown == NULL) {
			pp_result_free(res);
			ppn_job_error(job, PP_ENOMEM, "out of memory");
			return;
		}
		r->pages = grown;
		r->pages[r->npages++] = res;
		r->total += pp_result_count(res);
		range_add_page(r, res);
		if (!pp_result_has_more(res) || pp_result_count(res) == 0 ||
		    (r->limit > 0 && r->total >= (size_t)r->limit)) {
			range_build_json(r);
			return;
		}
		/* Continue after the page's last log: ":S" exclusive when the
		 * call is exclusive anyway, else the next sequence inclusive. */
		last = pp_result_log(res, pp_result_count(res) - 1);
		if (r->is_reverse && !r->is_exclusive && last->id.seq == 0) {
			range_build_json(r);
			return;
		}
		if (r->is_exclusive) {
			snprintf(next, sizeof(next), ":%" PRIu64, last->id.seq);
		} else if (r->is_reverse) {
			snprintf(next, sizeof(next), ":%" PRIu64, last->id.seq - 1);
		} else {
			snprintf(next, sizeof(next), ":%" PRIu64, last->id.seq + 1);
		}
		opts.start = next;
	}
}

/*
 * [count, ids text, bodies JSON text] when the texts were built, else
 * [ids[], bodies[]]: two arrays of strings, bodies as stored.
 */
static napi_value
range_value(napi_env env, ppn_job *job)
{
	range_job    *r = (range_job *)job;
	napi_value    out, ids, bodies, v;
	const pp_log *log;
	size_t        p, i, k = 0;

	if (r->has_text) {
		return (ppn_range_text_value(env, &r->text));
	}
	napi_create_array_with_length(env, 2, &out);
	napi_create_array_with_length(env, r->total, &ids);
	napi_create_array_with_length(env, r->total, &bodies);
	for (p = 0; p < r->npages; p++) {
		for (i = 0; i < pp_result_count(r->pages[p]); i++, k++) {
			log = pp_result_log(r->pages[p], i);
			if ((v = ppn_id_string(env, log->id)) == NULL) {
				return (NULL);
			}
			napi_set_element(env, ids, (uint32_t)k, v);
			if ((v = ppn_string(env, log->body, log->len)) == NULL) {
				return (NULL);
			}
			napi_set_element(env, bodies, (uint32_t)k, v);
		}
	}
	napi_set_element(env, out, 0, ids);
	napi_set_element(env, out, 1, bodies);
	return (out);
}

/* range(handle, topic, start, end, limit, exclusive, reverse) */
static napi_value
range_fn(napi_env env, napi_callback_info info)
{
	range_job *r;
	napi_value argv[7], b;
	size_t     argc = 7;
	int        rv;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	r->job.run = range_run;
	r->job.value = range_value;
	r->job.fini = range_fini;
	ppn_args(env, info, &argc, argv);
	if (ppn_client_take(env, argv[0], &r->job) == NULL) {
		return (ppn_job_fail_now(env, &r->job, r->job.status, r->job.errmsg));
	}
	if ((rv = ppn_arg_string(env, argv[1], &r->topic)) != 0 ||
	    r->topic == NULL ||
	    (rv = ppn_arg_string(env, argv[2], &r->start)) != 0 ||
	    (rv = ppn_arg_string(env, argv[3], &r->end)) != 0 ||
	    (rv = ppn_arg_int64(env, argv[4], 0, &r->limit)) != 0) {
		return (ppn_job_fail_now(env, &r->job, rv ? rv : PP_EINVAL,
		    "bad range arguments"));
	}
	napi_coerce_to_bool(env, argv[5], &b);
	napi_get_value_bool(env, b, &r->is_exclusive);
	napi_coerce_to_bool(env, argv[6], &b);
	napi_get_value_bool(env, b, &r->is_reverse);
	return (ppn_job_start(env, &r->job));
}

static void
length_run(ppn_job *job)
{
	range_job *r = (range_job *)job;
	pp_client *client = job->client->client;
	int        rv;

	if ((rv = pp_length(client, r->topic, &r->length)) != 0) {
		ppn_job_error(job, rv, "%s", pp_client_errmsg(client));
	}
}

static napi_value
length_value(napi_env env, ppn_job *job)
{
	napi_value v;

	napi_create_double(env, (double)((range_job *)job)->length, &v);
	return (v);
}

/* length(handle, topic) -> Promise<number> */
static napi_value
length_fn(napi_env env, napi_callback_info info)
{
	range_job *r;
	napi_value argv[2];
	size_t     argc = 2;
	int        rv;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		napi_throw_error(env, "PP_ENOMEM", "out of memory");
		return (NULL);
	}
	r->job.run = length_run;
	r->job.value = length_value;
	r->job.fini = range_fini;
	ppn_args(env, info, &argc, argv);
	if (ppn_client_take(env, argv[0], &r->job) == NULL) {
		return (ppn_job_fail_now(env, &r->job, r->job.status, r->job.errmsg));
	}
	if ((rv = ppn_arg_string(env, argv[1], &r->topic)) != 0 ||
	    r->topic == NULL) {
		return (ppn_job_fail_now(env, &r->job, rv ? rv : PP_EINVAL,
		    "bad topic"));
	}
	return (ppn_job_start(env, &r->job));
}

int
ppn_read_export(napi_env env, napi_value exports)
{
	napi_property_descriptor props[] = {
		{ "range", NULL, range_fn, NULL, NULL, NULL, napi_default, NULL },
		{ "length", NULL, length_fn, NULL, NULL, NULL, napi_default,
		    NULL },
	};

	return (napi_define_properties(env, exports,
		    sizeof(props) / sizeof(props[0]), props) == napi_ok
		? 0
		: -1);
}
