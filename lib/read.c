/*
 * read.c - reads: pp_range, pp_revrange, the page iterator, pp_length
 * and pp_topic_stat (pp_topics is in topic.c).
 *
 * Arguments are checked here with the same rules the node applies
 * (id.c), so bad input fails before a round trip; the node checks again
 * because other clients may not be this library.
 *
 * A client on the node's host reads the node's store itself (local.h):
 * every read here tries that first and sends a request only when the
 * local read answers PPI_LOCAL_FALLBACK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "id.h"
#include "wire.h"

struct pp_result {
	ppi_frame frame; /* the reply; bodies point into it */
	pp_log   *logs;
	size_t    count;
	bool      has_more;
	void     *bodies; /* a local page's bodies (local.h); else NULL */
};

struct pp_iter {
	pp_client *client;
	char      *topic;
	char      *start; /* NULL: open */
	char      *end;
	bool       is_start_excl;
	bool       is_end_excl;
	bool       is_reverse;
	bool       is_done;
	size_t     remaining; /* 0 with has_limit: done */
	bool       has_limit;
	pp_result *page;
	size_t     pos;
	ppi_call  *next; /* the following page, already requested */
};

static int
check_topic(pp_client *c, const char *topic)
{
	size_t len = topic != NULL ? strlen(topic) : 0;

	if (!ppi_topic_valid(topic, len)) {
		return ppi_client_fail(c, PP_EINVALID_TOPIC,
		    "topic '%.*s' must match [A-Za-z0-9_.-]{1,200}",
		    (int) (len > 64 ? 64 : len), topic != NULL ? topic : "");
	}
	return 0;
}

/* An empty bound is an open bound; anything else must parse. */
static int
check_bound(pp_client *c, const char *bound, const char *which)
{
	ppi_idexpr e;

	if (bound == NULL || bound[0] == '\0') {
		return 0;
	}
	if (ppi_idexpr_parse(bound, strlen(bound), &e) != 0) {
		return ppi_client_fail(c, PP_EINVALID_ID,
		    "%s '%.64s' is not T-S, T or :S", which, bound);
	}
	return 0;
}

static const char *
bound_or_null(const char *bound)
{
	return bound != NULL && bound[0] != '\0' ? bound : NULL;
}

/* Sends a range request; collect the page with range_end(). */
static int
range_begin(pp_client *c, const ppi_range_args *args, ppi_call **call)
{
	ppi_buf req;
	int     rv;

	ppi_buf_init(&req);
	ppi_wire_range(&req, args);
	rv = ppi_client_begin(c, &req, call);
	ppi_buf_fini(&req);
	return rv != 0 ? ppi_client_fail(c, rv, "%s", "") : 0;
}

static int
range_end(pp_client *c, ppi_call *call, pp_result **out)
{
	pp_result *r;
	char       msg[PPI_ERRMSG_MAX] = "";
	int        rv;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		ppi_transport_abandon(call);
		return PP_ENOMEM;
	}
	rv = ppi_transport_end(call, &r->frame);
	if (rv == 0) {
		rv = ppi_wire_decode_range(r->frame.data, r->frame.len, &r->logs,
		    &r->count, &r->has_more, msg, sizeof(msg));
	}
	if (rv != 0) {
		ppi_frame_free(&r->frame);
		free(r);
		return ppi_client_fail(c, rv, "%s", msg);
	}
	*out = r;
	return 0;
}

/*
 * The page read from the node's store (local.h): 0 with *out set, the
 * node's error for these arguments, or PPI_LOCAL_FALLBACK.
 */
static int
range_local(pp_client *c, const ppi_range_args *args, pp_result **out)
{
	ppi_local_page pg;
	pp_result     *r;
	char           msg[PPI_ERRMSG_MAX] = "";
	int            rv;

	/* After pp_shutdown a client reads nothing (PP_ECLOSED). */
	if (c->local == NULL ||
	    __atomic_load_n(&c->is_closed, __ATOMIC_ACQUIRE)) {
		return PPI_LOCAL_FALLBACK;
	}
	rv = ppi_local_range(c->local, args, &pg, msg, sizeof(msg));
	if (rv == PPI_LOCAL_FALLBACK) {
		return rv;
	}
	if (rv != 0) {
		return ppi_client_fail(c, rv, "%s", msg);
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		free(pg.logs);
		free(pg.bodies);
		return PP_ENOMEM;
	}
	r->logs     = pg.logs;
	r->bodies   = pg.bodies;
	r->count    = pg.count;
	r->has_more = pg.has_more;
	*out        = r;
	return 0;
}

static int
range_call(pp_client *c, const ppi_range_args *args, pp_result **out)
{
	ppi_call *call;
	int       rv;

	if ((rv = range_local(c, args, out)) != PPI_LOCAL_FALLBACK) {
		return rv;
	}
	if ((rv = range_begin(c, args, &call)) != 0) {
		return rv;
	}
	return range_end(c, call, out);
}

/*
 * Checks the arguments every range call shares; on success *opts points
 * to usable options (the defaults when NULL was given).
 */
static int
check_range_args(pp_client *c, const char *topic, const pp_range_opts **opts,
    const void *out, const char *out_name)
{
	static const pp_range_opts none = { NULL, NULL, 0, false };
	int                        rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (out == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "%s is NULL", out_name);
	}
	if (*opts == NULL) {
		*opts = &none;
	}
	if ((rv = check_topic(c, topic)) != 0 ||
	    (rv = check_bound(c, (*opts)->start, "start")) != 0 ||
	    (rv = check_bound(c, (*opts)->end, "end")) != 0) {
		return rv;
	}
	return 0;
}

static int
range_common(pp_client *c, const char *topic, const pp_range_opts *opts,
    bool is_reverse, pp_result **result)
{
	ppi_range_args args;
	int            rv;

	if ((rv = check_range_args(c, topic, &opts, result, "result")) != 0) {
		return rv;
	}
	args.topic         = topic;
	args.start         = bound_or_null(opts->start);
	args.end           = bound_or_null(opts->end);
	args.is_start_excl = opts->is_exclusive;
	args.is_end_excl   = opts->is_exclusive;
	args.is_reverse    = is_reverse;
	args.is_stream     = false;
	args.limit         = opts->limit;
	return range_call(c, &args, result);
}

int
pp_range(pp_client *c, const char *topic, const pp_range_opts *opts,
    pp_result **result)
{
	return range_common(c, topic, opts, false, result);
}

int
pp_revrange(pp_client *c, const char *topic, const pp_range_opts *opts,
    pp_result **result)
{
	return range_common(c, topic, opts, true, result);
}

size_t
pp_result_count(const pp_result *r)
{
	return r != NULL ? r->count : 0;
}

const pp_log *
pp_result_log(const pp_result *r, size_t i)
{
	return r != NULL && i < r->count ? &r->logs[i] : NULL;
}

bool
pp_result_has_more(const pp_result *r)
{
	return r != NULL && r->has_more;
}

void
pp_result_free(pp_result *r)
{
	if (r == NULL) {
		return;
	}
	free(r->logs);
	free(r->bodies);
	ppi_frame_free(&r->frame);
	free(r);
}

/* ---- iterator --------------------------------------------------------- */

static char *
dup_bound(const char *bound, int *rv)
{
	char *s;

	if (bound == NULL || bound[0] == '\0') {
		return NULL;
	}
	if ((s = strdup(bound)) == NULL) {
		*rv = PP_ENOMEM;
	}
	return s;
}

int
pp_iter_open(pp_client *c, const char *topic, const pp_range_opts *opts,
    bool is_reverse, pp_iter **iter)
{
	pp_iter *it;
	int      rv;

	if ((rv = check_range_args(c, topic, &opts, iter, "iter")) != 0) {
		return rv;
	}
	if ((it = calloc(1, sizeof(*it))) == NULL) {
		return PP_ENOMEM;
	}
	it->client        = c;
	it->topic         = strdup(topic);
	it->start         = dup_bound(opts->start, &rv);
	it->end           = dup_bound(opts->end, &rv);
	it->is_start_excl = opts->is_exclusive;
	it->is_end_excl   = opts->is_exclusive;
	it->is_reverse    = is_reverse;
	it->has_limit     = opts->limit != 0;
	it->remaining     = opts->limit;
	if (it->topic == NULL || rv != 0) {
		pp_iter_close(it);
		return PP_ENOMEM;
	}
	*iter = it;
	return 0;
}

/* Moves the start bound past the last log of the page just received. */
static int
advance(pp_iter *it)
{
	const pp_log *last = &it->page->logs[it->page->count - 1];
	char          buf[PP_ID_STRLEN + 1];

	if (it->is_reverse && last->id.seq == 0) {
		it->is_done = true;
		return 0;
	}
	snprintf(buf, sizeof(buf), ":%llu",
	    (unsigned long long) (it->is_reverse ? last->id.seq - 1
	                                         : last->id.seq + 1));
	free(it->start);
	if ((it->start = strdup(buf)) == NULL) {
		return PP_ENOMEM;
	}
	it->is_start_excl = false;
	return 0;
}

/* The arguments of the page at the iterator's current start. */
static void
iter_args(const pp_iter *it, ppi_range_args *args)
{
	args->topic         = it->topic;
	args->start         = it->start;
	args->end           = it->end;
	args->is_start_excl = it->is_start_excl;
	args->is_end_excl   = it->is_end_excl;
	args->is_reverse    = it->is_reverse;
	args->is_stream     = true;
	args->limit         = it->has_limit ? it->remaining : 0;
}

/* Requests the page at the iterator's current start. */
static int
iter_request(pp_iter *it, ppi_call **call)
{
	ppi_range_args args;

	iter_args(it, &args);
	return range_begin(it->client, &args, call);
}

/*
 * Takes the next page. As soon as it arrives the page after it is
 * requested, so the node builds page k+1 while the caller reads page k.
 * A last page that was requested ahead is checked once more when the
 * caller reaches its end, so logs committed during the walk are not
 * missed.
 */
static int
iter_fetch(pp_iter *it)
{
	ppi_call      *call          = it->next;
	bool           is_prefetched = call != NULL;
	bool           is_local      = false;
	bool           is_last;
	ppi_range_args args;
	int            rv;

	it->next = NULL;
	if (call == NULL) {
		/* A local page is read now, in its own transaction, so
		 * nothing is held between the caller's steps. */
		iter_args(it, &args);
		rv       = range_local(it->client, &args, &it->page);
		is_local = rv != PPI_LOCAL_FALLBACK;
		if (is_local && rv != 0) {
			return rv;
		}
	}
	if (!is_local && call == NULL && (rv = iter_request(it, &call)) != 0) {
		return rv;
	}
	if (!is_local && (rv = range_end(it->client, call, &it->page)) != 0) {
		return rv;
	}
	it->pos = 0;
	if (it->has_limit) {
		it->remaining -= it->page->count;
		if (it->remaining == 0) {
			it->is_done = true;
			return 0;
		}
	}
	is_last = !it->page->has_more || it->page->count == 0;
	if (is_last && !is_prefetched) {
		it->is_done = true;
		return 0;
	}
	if (it->page->count > 0 && (rv = advance(it)) != 0) {
		return rv;
	}
	if (!is_last && !it->is_done && !is_local &&
	    iter_request(it, &it->next) != 0) {
		it->next = NULL; /* asked again, synchronously, when needed */
	}
	return 0;
}

int
pp_iter_next(pp_iter *it, const pp_log **log)
{
	int rv;

	if (it == NULL || log == NULL) {
		return PP_EINVAL;
	}
	while (it->page == NULL || it->pos == it->page->count) {
		pp_result_free(it->page);
		it->page = NULL;
		if (it->is_done) {
			return 0;
		}
		if ((rv = iter_fetch(it)) != 0) {
			return rv;
		}
	}
	*log = &it->page->logs[it->pos++];
	return 1;
}

void
pp_iter_close(pp_iter *it)
{
	if (it == NULL) {
		return;
	}
	ppi_transport_abandon(it->next);
	pp_result_free(it->page);
	free(it->topic);
	free(it->start);
	free(it->end);
	free(it);
}

/* ---- length, stat ----------------------------------------------------- */

static int
topic_call(pp_client *c, enum ppi_op op, const char *topic, ppi_frame *reply)
{
	ppi_buf req;
	int     rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if ((rv = check_topic(c, topic)) != 0) {
		return rv;
	}
	ppi_buf_init(&req);
	ppi_wire_topic_op(&req, op, topic);
	rv = ppi_client_call(c, &req, reply);
	ppi_buf_fini(&req);
	return rv != 0 ? ppi_client_fail(c, rv, "%s", "") : 0;
}

/*
 * The topic's statistics from the node's store (local.h): 0, the node's
 * error for this topic, or PPI_LOCAL_FALLBACK.
 */
static int
topic_local(pp_client *c, const char *topic, pp_topic_info *info)
{
	char msg[PPI_ERRMSG_MAX] = "";
	int  rv;

	if (c == NULL || c->local == NULL || check_topic(c, topic) != 0 ||
	    __atomic_load_n(&c->is_closed, __ATOMIC_ACQUIRE)) {
		return PPI_LOCAL_FALLBACK; /* topic_call() says why */
	}
	rv = ppi_local_topic(c->local, topic, info, msg, sizeof(msg));
	if (rv != 0 && rv != PPI_LOCAL_FALLBACK) {
		return ppi_client_fail(c, rv, "%s", msg);
	}
	return rv;
}

int
pp_length(pp_client *c, const char *topic, uint64_t *count)
{
	pp_topic_info info;
	ppi_frame     reply;
	char          msg[PPI_ERRMSG_MAX] = "";
	int           rv;

	if (count == NULL) {
		return PP_EINVAL;
	}
	if ((rv = topic_local(c, topic, &info)) != PPI_LOCAL_FALLBACK) {
		if (rv == 0) {
			*count = info.count;
		}
		return rv;
	}
	if ((rv = topic_call(c, PPI_OP_LENGTH, topic, &reply)) != 0) {
		return rv;
	}
	rv = ppi_wire_decode_count(reply.data, reply.len, count, msg,
	    sizeof(msg));
	ppi_frame_free(&reply);
	return rv != 0 ? ppi_client_fail(c, rv, "%s", msg) : 0;
}

int
pp_topic_stat(pp_client *c, const char *topic, pp_topic_info *info)
{
	pp_topic_info t;
	ppi_frame     reply;
	char          msg[PPI_ERRMSG_MAX] = "";
	int           rv;

	if (info == NULL) {
		return PP_EINVAL;
	}
	memset(&t, 0, sizeof(t));
	if ((rv = topic_local(c, topic, &t)) != PPI_LOCAL_FALLBACK) {
		if (rv == 0) {
			t.name = topic;
			*info  = t;
		}
		return rv;
	}
	if ((rv = topic_call(c, PPI_OP_STAT, topic, &reply)) != 0) {
		return rv;
	}
	t.name = topic;
	rv = ppi_wire_decode_stat(reply.data, reply.len, &t, msg, sizeof(msg));
	ppi_frame_free(&reply);
	if (rv != 0) {
		return ppi_client_fail(c, rv, "%s", msg);
	}
	*info = t;
	return 0;
}
