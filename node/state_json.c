/*
 * state_json.c - the node's state as JSON for the HTTP server's read-only
 * endpoints (issue 13 item 11; DESIGN §9):
 *
 *   GET /healthz        {"status":"ok"}
 *   GET /topics         [stat object per topic, in name order]
 *   GET /topics/NAME    the stat object of NAME (`pipeproc stat NAME`)
 *   GET /procs          [inspect object per proc, in name order]
 *   GET /procs/NAME     the inspect object of NAME (`pipeproc inspect`)
 *
 * The two lists are pages: ?limit=N (1 to STATE_JSON_LIMIT_MAX, default
 * STATE_JSON_LIMIT_DEFAULT) items after ?after=NAME (default: from the
 * first). A page cut short by its limit carries the RFC 8288 header
 * `Link: </topics?after=LAST&limit=N>; rel="next"`; the last page has
 * none. So one request reads and holds at most one page, whatever the
 * number of topics or procs (unbounded, a node with 1M
 * topics made one request take seconds and unbounded memory).
 *
 * The objects are lib/json.c's, the ones the CLI prints. They are built
 * from the readers' own store calls (store_read_stat, store_read_topics,
 * store_inspect_proc, store_inspect_procs): each answers one page in one
 * short read transaction as a wire reply, which the library's decoders
 * turn back into pp_topic_info / pp_proc_info. So a list is read page by
 * page (1,000 topics, 500 procs), never in one long transaction, and
 * HTTP shows exactly what the wire shows.
 *
 * Errors are JSON too: {"error":"PP_ENOTOPIC","code":-N,"message":"..."},
 * 404 for an unknown path or name, 400 for an invalid name, 500 for a
 * store failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "json.h"
#include "state_json.h"
#include "topic.h"
#include "wire.h"

/* A list being written: the JSON so far and the name to continue after. */
struct list_arg {
	ppi_buf *out;
	size_t   n;
	char     last[PP_TOPIC_MAX + 1];
	uint64_t now_ms;
	size_t   limit;  /* items of the page; 0: no limit (one proc) */
	bool     is_cut; /* an item past the limit exists */
};

/* What a list's query asks for. */
struct list_query {
	size_t limit;
	char   after[PP_TOPIC_MAX + 1];
};

/* The error object alone. */
static void
put_error_object(ppi_buf *out, int code, const char *msg)
{
	ppi_buf_reset(out);
	ppi_buf_printf(out, "{\"error\":\"%s\",\"code\":%d,\"message\":",
	    pp_errname(code), code);
	ppi_json_string(out, msg, strlen(msg));
	ppi_buf_append(out, "}", 1);
}

/* The error object and its HTTP status. */
static int
put_error(ppi_buf *out, int code, const char *msg)
{
	put_error_object(out, code, msg);
	switch (code) {
	case PP_ENOTOPIC:
	case PP_ENOPROC:
		return 404;
	case PP_EINVALID_TOPIC:
	case PP_EINVALID_NAME:
	case PP_EINVAL:
		return 400;
	default:
		return 500;
	}
}

/* A number macro as a string literal. */
#define TEXT_(x) #x
#define TEXT(x)  TEXT_(x)

/* Row callbacks return this to stop at the page's limit. */
#define LIST_CUT 1

static int
topic_row(void *arg, const void *item)
{
	struct list_arg     *a = arg;
	const pp_topic_info *t = item;

	if (a->limit != 0 && a->n == a->limit) {
		a->is_cut = true;
		return LIST_CUT;
	}
	ppi_buf_append(a->out, a->n++ > 0 ? "," : "[", 1);
	ppi_json_topic(a->out, t);
	snprintf(a->last, sizeof(a->last), "%s", t->name);
	return 0;
}

static int
proc_row(void *arg, const void *item)
{
	struct list_arg    *a = arg;
	const pp_proc_info *p = item;

	if (a->limit != 0 && a->n == a->limit) {
		a->is_cut = true;
		return LIST_CUT;
	}
	ppi_buf_append(a->out, a->n++ > 0 ? "," : "[", 1);
	ppi_json_proc(a->out, p, a->now_ms);
	snprintf(a->last, sizeof(a->last), "%s", p->name);
	return 0;
}

/*
 * One page of a list op (PPI_OP_TOPICS or PPI_OP_PROCS): at most q->limit
 * items after q->after as one JSON array, read store page by store page,
 * and the Link header to the next page into headers when there is one.
 * Returns the HTTP status.
 */
static int
put_list(store *s, enum ppi_op op, const struct list_query *q, ppi_buf *out,
    ppi_buf *headers)
{
	struct list_arg a = { out, 0, "", ppi_clock_ms(CLOCK_REALTIME),
		q->limit, false };
	ppi_request     req;
	ppi_buf         reply;
	char            msg[256] = "";
	bool            has_more = true;
	int             rv       = 0;

	snprintf(a.last, sizeof(a.last), "%s", q->after);
	ppi_buf_init(&reply);
	while (rv == 0 && has_more) {
		memset(&req, 0, sizeof(req));
		req.op = op;
		if (a.last[0] != '\0') {
			req.after.ptr = a.last;
			req.after.len = strlen(a.last);
		}
		ppi_buf_reset(&reply);
		if (op == PPI_OP_TOPICS) {
			store_read_topics(s, &req, &reply);
		} else {
			store_inspect_procs(s, &req, &reply);
		}
		rv = reply.is_failed
		    ? PP_ENOMEM
		    : ppi_wire_decode_list(reply.data, reply.len,
		          op == PPI_OP_TOPICS ? PPI_LIST_TOPICS : PPI_LIST_PROCS,
		          op == PPI_OP_TOPICS ? topic_row : proc_row, &a,
		          &has_more, msg, sizeof(msg));
	}
	ppi_buf_fini(&reply);
	if (rv == LIST_CUT) {
		rv = 0;
	}
	if (rv != 0) {
		return put_error(out, rv, msg[0] != '\0' ? msg : pp_strerror(rv));
	}
	ppi_buf_append(out, a.n > 0 ? "]" : "[]", a.n > 0 ? 1 : 2);
	if (a.is_cut) {
		ppi_buf_printf(headers,
		    "Link: </%s?after=%s&limit=%zu>; rel=\"next\"\r\n",
		    op == PPI_OP_TOPICS ? "topics" : "procs", a.last, q->limit);
	}
	return 200;
}

/*
 * Reads a list's query ("limit=N&after=NAME", any order; other keys are
 * ignored) into *q. Returns 0, or the 400 answer for a bad value.
 */
static int
parse_query(const char *query, struct list_query *q, ppi_buf *out)
{
	const char *p = query, *val, *end;
	size_t      klen, vlen;
	char        num[16];
	char       *nend;
	unsigned long v;

	q->limit    = STATE_JSON_LIMIT_DEFAULT;
	q->after[0] = '\0';
	while (p != NULL && *p != '\0') {
		end  = strchr(p, '&');
		vlen = end != NULL ? (size_t) (end - p) : strlen(p);
		val  = memchr(p, '=', vlen);
		klen = val != NULL ? (size_t) (val - p) : vlen;
		val  = val != NULL ? val + 1 : p + vlen;
		vlen -= val - p;
		if (klen == 5 && memcmp(p, "limit", 5) == 0) {
			if (vlen == 0 || vlen >= sizeof(num) ||
			    strspn(val, "0123456789") < vlen) {
				goto bad_limit;
			}
			memcpy(num, val, vlen);
			num[vlen] = '\0';
			v = strtoul(num, &nend, 10);
			if (v < 1 || v > STATE_JSON_LIMIT_MAX) {
				goto bad_limit;
			}
			q->limit = v;
		} else if (klen == 5 && memcmp(p, "after", 5) == 0) {
			if (!ppi_topic_valid(val, vlen)) {
				return put_error(out, PP_EINVAL,
				    "after must be a name: 1 to 200 characters "
				    "of [A-Za-z0-9_.-]");
			}
			memcpy(q->after, val, vlen);
			q->after[vlen] = '\0';
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return 0;
bad_limit:
	return put_error(out, PP_EINVAL,
	    "limit must be a number from 1 to " TEXT(STATE_JSON_LIMIT_MAX));
}

/* One topic's stat object, or its error. Returns the HTTP status. */
static int
put_topic(store *s, const char *name, ppi_buf *out)
{
	pp_topic_info info;
	ppi_request   req;
	ppi_buf       reply;
	char          msg[256] = "";
	int           rv;

	memset(&req, 0, sizeof(req));
	req.op        = PPI_OP_STAT;
	req.topic.ptr = name;
	req.topic.len = strlen(name);
	if (!ppi_topic_valid(name, req.topic.len)) {
		return put_error(out, PP_EINVALID_TOPIC,
		    "a topic name is 1 to 200 characters of [A-Za-z0-9_.-]");
	}
	ppi_buf_init(&reply);
	store_read_stat(s, &req, &reply);
	memset(&info, 0, sizeof(info));
	info.name = name;
	rv = reply.is_failed
	    ? PP_ENOMEM
	    : ppi_wire_decode_stat(
	          reply.data, reply.len, &info, msg, sizeof(msg));
	ppi_buf_fini(&reply);
	if (rv != 0) {
		return put_error(out, rv, msg[0] != '\0' ? msg : pp_strerror(rv));
	}
	ppi_json_topic(out, &info);
	return 200;
}

/* One proc's inspect object, or its error. Returns the HTTP status. */
static int
put_proc(store *s, const char *name, ppi_buf *out)
{
	struct list_arg a = { out, 0, "", ppi_clock_ms(CLOCK_REALTIME), 0,
		false };
	ppi_request     req;
	ppi_buf         reply;
	char            msg[256] = "";
	bool            has_more;
	int             rv;

	memset(&req, 0, sizeof(req));
	req.op       = PPI_OP_PINSPECT;
	req.name.ptr = name;
	req.name.len = strlen(name);
	if (!ppi_topic_valid(name, req.name.len)) {
		return put_error(out, PP_EINVALID_NAME,
		    "a proc name is 1 to 200 characters of [A-Za-z0-9_.-]");
	}
	ppi_buf_init(&reply);
	store_inspect_proc(s, &req, &reply);
	rv = reply.is_failed
	    ? PP_ENOMEM
	    : ppi_wire_decode_list(reply.data, reply.len, PPI_LIST_PROCS,
	          proc_row, &a, &has_more, msg, sizeof(msg));
	ppi_buf_fini(&reply);
	if (rv == 0 && a.n != 1) {
		rv = PP_EPROTO;
	}
	if (rv != 0) {
		return put_error(out, rv, msg[0] != '\0' ? msg : pp_strerror(rv));
	}
	/* proc_row opened an array for the one item: drop the '['. */
	memmove(out->data, out->data + 1, out->len - 1);
	out->len--;
	return 200;
}

/*
 * The object named by the rest of a path that started with `prefix`
 * ("/topics/" or "/procs/"); len is the path's length without a query.
 */
static int
put_named(store *s, const char *path, size_t len, const char *prefix,
    ppi_buf *out)
{
	char   name[PP_TOPIC_MAX + 1];
	size_t n = len - strlen(prefix);
	bool   is_topic = prefix[1] == 't';

	if (n > PP_TOPIC_MAX) {
		return put_error(out,
		    is_topic ? PP_EINVALID_TOPIC : PP_EINVALID_NAME,
		    "a name is 1 to 200 characters of [A-Za-z0-9_.-]");
	}
	memcpy(name, path + strlen(prefix), n);
	name[n] = '\0';
	return is_topic ? put_topic(s, name, out) : put_proc(s, name, out);
}

/* Does the path (len bytes) equal word, or start with word (prefix)? */
static bool
is_path(const char *path, size_t len, const char *word, bool is_prefix)
{
	size_t wl = strlen(word);

	return (is_prefix ? len > wl : len == wl) &&
	    strncmp(path, word, wl) == 0;
}

int
state_json_get(store *s, const char *path, ppi_buf *out, ppi_buf *headers)
{
	const char       *q   = strchr(path, '?');
	size_t            len = q != NULL ? (size_t) (q - path) : strlen(path);
	struct list_query lq;
	int               status;

	/* Only the lists take a query (limit, after); others ignore it. */
	if (is_path(path, len, "/healthz", false)) {
		ppi_buf_printf(out, "{\"status\":\"ok\"}");
		return 200;
	}
	if (is_path(path, len, "/topics", false) ||
	    is_path(path, len, "/procs", false)) {
		if ((status = parse_query(q != NULL ? q + 1 : "", &lq, out)) !=
		    0) {
			return status;
		}
		return put_list(s, path[1] == 't' ? PPI_OP_TOPICS : PPI_OP_PROCS,
		    &lq, out, headers);
	}
	if (is_path(path, len, "/topics/", true)) {
		return put_named(s, path, len, "/topics/", out);
	}
	if (is_path(path, len, "/procs/", true)) {
		return put_named(s, path, len, "/procs/", out);
	}
	put_error_object(out, PP_EINVAL, "no such path");
	return 404;
}
