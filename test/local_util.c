/*
 * local_util.c - fixtures of the local-read tests (local_util.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local_util.h"

pp_client *
local_connect(const pp_tnode *n, bool is_off)
{
	pp_connect_opts o;
	pp_client      *c = NULL;

	memset(&o, 0, sizeof(o));
	o.request_timeout_ms = 400;
	o.is_local_reads_off = is_off;
	PP_PASS(pp_connect(n->address, &o, &c));
	return c;
}


bool
local_reads_locally(pp_tnode *n, pp_client *c, const char *topic)
{
	uint64_t count;
	int      rv;

	pp_t_node_freeze(n);
	rv = pp_length(c, topic, &count);
	kill(n->pid, SIGCONT);
	if (rv != 0 && rv != PP_ETIMEDOUT && rv != PP_ENOTOPIC) {
		PP_FAIL_AT("pp_length on a stopped node: %s", pp_errname(rv));
	}
	return rv != PP_ETIMEDOUT;
}

/* Both results hold the same logs, bodies and has_more. */
static void
same_result(int line, const char *what, const pp_result *a,
    const pp_result *b)
{
	const pp_log *x, *y;
	size_t        i;

	if (pp_result_count(a) != pp_result_count(b) ||
	    pp_result_has_more(a) != pp_result_has_more(b)) {
		pp_t_fail(__FILE__, line, "%s: local %zu logs more=%d, node "
		    "%zu logs more=%d", what, pp_result_count(a),
		    pp_result_has_more(a), pp_result_count(b),
		    pp_result_has_more(b));
		return;
	}
	for (i = 0; i < pp_result_count(a); i++) {
		x = pp_result_log(a, i);
		y = pp_result_log(b, i);
		if (x->id.ms != y->id.ms || x->id.seq != y->id.seq ||
		    x->len != y->len || memcmp(x->body, y->body, x->len) != 0) {
			pp_t_fail(__FILE__, line, "%s: log %zu differs "
			    "(%llu-%llu vs %llu-%llu)", what, i,
			    (unsigned long long)x->id.ms,
			    (unsigned long long)x->id.seq,
			    (unsigned long long)y->id.ms,
			    (unsigned long long)y->id.seq);
			return;
		}
	}
}

/* The detail of the last failure on c (one per thread: copy it). */
static char loc_msg[512], rem_msg[512];

static void
keep_msg(char *buf, const pp_client *c)
{
	pp_t_format(buf, sizeof(loc_msg), "%s", pp_client_errmsg(c));
}

/* Both codes are equal, and so are the details of an error. */
static void
same_code(int line, const char *what, int a, int b)
{
	if (a != b) {
		pp_t_fail(__FILE__, line, "%s: local %s, node %s", what,
		    pp_errname(a), pp_errname(b));
	} else if (a != 0 && !pp_t_str_eq(loc_msg, rem_msg)) {
		pp_t_fail(__FILE__, line, "%s: local says '%s', node '%s'",
		    what, loc_msg, rem_msg);
	}
}

void
local_same_range(int line, pp_client *loc, pp_client *rem,
    const char *topic, const pp_range_opts *o, bool is_reverse)
{
	pp_result *a = NULL, *b = NULL;
	char       what[512];
	int        ra, rb;

	pp_t_format(what, sizeof(what), "%s %s start=%s end=%s excl=%d "
	    "limit=%zu", is_reverse ? "revrange" : "range", topic,
	    o->start != NULL ? o->start : "-", o->end != NULL ? o->end : "-",
	    o->is_exclusive, (size_t)o->limit);
	ra = is_reverse ? pp_revrange(loc, topic, o, &a)
	                : pp_range(loc, topic, o, &a);
	keep_msg(loc_msg, loc);
	rb = is_reverse ? pp_revrange(rem, topic, o, &b)
	                : pp_range(rem, topic, o, &b);
	keep_msg(rem_msg, rem);
	same_code(line, what, ra, rb);
	if (ra == 0 && rb == 0) {
		same_result(line, what, a, b);
	}
	pp_result_free(a);
	pp_result_free(b);
}

/* Walks an iterator to its end; returns its code, logs into *out. */
static int
walk(pp_client *c, const char *topic, const pp_range_opts *o,
    bool is_reverse, pp_t_logs *out)
{
	pp_iter      *it = NULL;
	const pp_log *log;
	int           rv;

	memset(out, 0, sizeof(*out));
	if ((rv = pp_iter_open(c, topic, o, is_reverse, &it)) != 0) {
		return rv;
	}
	while ((rv = pp_iter_next(it, &log)) == 1) {
		out->ids  = realloc(out->ids, sizeof(pp_id) * (out->count + 1));
		out->lens = realloc(out->lens, sizeof(size_t) * (out->count + 1));
		out->bodies =
		    realloc(out->bodies, sizeof(char *) * (out->count + 1));
		PP_ASSERT_TRUE(out->ids != NULL && out->lens != NULL &&
		    out->bodies != NULL);
		out->ids[out->count]    = log->id;
		out->lens[out->count]   = log->len;
		out->bodies[out->count] = malloc(log->len + 1);
		PP_ASSERT_TRUE(out->bodies[out->count] != NULL);
		memcpy(out->bodies[out->count], log->body, log->len);
		out->count++;
	}
	pp_iter_close(it);
	return rv;
}

void
local_same_iter(int line, pp_client *loc, pp_client *rem,
    const char *topic, const pp_range_opts *o, bool is_reverse)
{
	pp_t_logs a, b;
	size_t    i;
	int       ra, rb;

	ra = walk(loc, topic, o, is_reverse, &a);
	keep_msg(loc_msg, loc);
	rb = walk(rem, topic, o, is_reverse, &b);
	keep_msg(rem_msg, rem);
	same_code(line, "iter", ra, rb);
	if (a.count != b.count) {
		pp_t_fail(__FILE__, line, "iter %s: local %zu logs, node %zu",
		    topic, a.count, b.count);
	}
	for (i = 0; i < a.count && i < b.count; i++) {
		if (pp_t_id_cmp(a.ids[i], b.ids[i]) != 0 ||
		    a.lens[i] != b.lens[i] ||
		    memcmp(a.bodies[i], b.bodies[i], a.lens[i]) != 0) {
			pp_t_fail(__FILE__, line, "iter %s: log %zu differs",
			    topic, i);
			break;
		}
	}
	pp_t_logs_free(&a);
	pp_t_logs_free(&b);
}

void
local_same_topic(int line, pp_client *loc, pp_client *rem, const char *topic)
{
	pp_topic_info a, b;
	uint64_t      na = 7, nb = 7;
	int           ra, rb;

	ra = pp_length(loc, topic, &na);
	keep_msg(loc_msg, loc);
	rb = pp_length(rem, topic, &nb);
	keep_msg(rem_msg, rem);
	same_code(line, "length", ra, rb);
	if (na != nb) {
		pp_t_fail(__FILE__, line, "length %s: local %llu, node %llu",
		    topic, (unsigned long long)na, (unsigned long long)nb);
	}
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ra = pp_topic_stat(loc, topic, &a);
	keep_msg(loc_msg, loc);
	rb = pp_topic_stat(rem, topic, &b);
	keep_msg(rem_msg, rem);
	same_code(line, "stat", ra, rb);
	if (a.count != b.count || a.bytes != b.bytes ||
	    pp_t_id_cmp(a.first, b.first) != 0 ||
	    pp_t_id_cmp(a.last, b.last) != 0 || a.next_seq != b.next_seq ||
	    a.created_ms != b.created_ms ||
	    (ra == 0 && !pp_t_str_eq(a.name, b.name))) {
		pp_t_fail(__FILE__, line, "stat %s differs", topic);
	}
}

void
local_same_topics(int line, pp_client *loc, pp_client *rem)
{
	pp_topic_list       *la = NULL, *lb = NULL;
	const pp_topic_info *a, *b;
	size_t               i;

	PP_PASS(pp_topics(loc, &la));
	PP_PASS(pp_topics(rem, &lb));
	if (pp_topic_list_count(la) != pp_topic_list_count(lb)) {
		pp_t_fail(__FILE__, line, "topics: local %zu, node %zu",
		    pp_topic_list_count(la), pp_topic_list_count(lb));
	}
	for (i = 0; i < pp_topic_list_count(la) && i < pp_topic_list_count(lb);
	     i++) {
		a = pp_topic_list_get(la, i);
		b = pp_topic_list_get(lb, i);
		if (!pp_t_str_eq(a->name, b->name) || a->count != b->count ||
		    a->bytes != b->bytes || pp_t_id_cmp(a->first, b->first) ||
		    pp_t_id_cmp(a->last, b->last) ||
		    a->next_seq != b->next_seq ||
		    a->created_ms != b->created_ms) {
			pp_t_fail(__FILE__, line, "topics: item %zu (%s) "
			    "differs", i, a->name);
			break;
		}
	}
	pp_topic_list_free(la);
	pp_topic_list_free(lb);
}
