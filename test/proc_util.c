/*
 * proc_util.c - fixtures shared by the tests of topics and procs: numbered
 * logs, claims that must hold exactly given logs, acks, proc options. See
 * proc_util.h for the contract and the body convention.
 */
#include "proc_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t
proc_body(char *buf, size_t cap, const char *topic, uint64_t seq, size_t pad)
{
	int    n = snprintf(buf, cap, "%s-%" PRIu64, topic, seq);
	size_t len = (size_t)n;

	if (n < 0 || len >= cap || pad >= cap) {
		PP_FAIL_AT("body of %s-%" PRIu64 " does not fit", topic, seq);
	}
	if (pad > len) {
		memset(buf + len, '.', pad - len);
		len = pad;
	}
	buf[len] = '\0';
	return (len);
}

void
proc_commit_at(const char *file, int line, pp_client *c, const char *topic,
    uint64_t first, size_t n, size_t pad, size_t batch, pp_id *ids)
{
	size_t     most = batch > 0 && batch < n ? batch : (n > 0 ? n : 1);
	pp_record *recs = calloc(most, sizeof(*recs));
	char      *bodies = malloc(most * PROC_BODY_MAX);
	pp_id     *got = calloc(most, sizeof(*got));
	size_t     done = 0, k, i;
	int        rv;

	if (recs == NULL || bodies == NULL || got == NULL) {
		pp_t_fail(file, line, "out of memory");
	}
	while (done < n) {
		k = n - done < most ? n - done : most;
		for (i = 0; i < k; i++) {
			recs[i].topic = topic;
			recs[i].body = bodies + i * PROC_BODY_MAX;
			recs[i].len = proc_body(bodies + i * PROC_BODY_MAX,
			    PROC_BODY_MAX, topic, first + done + i, pad);
		}
		if ((rv = pp_commit(c, recs, k, got)) != 0) {
			pp_t_fail(file, line,
			    "commit of %zu logs to %s: %s (%s)", k, topic,
			    pp_errname(rv), pp_client_errmsg(c));
		}
		for (i = 0; i < k; i++) {
			if (got[i].seq != first + done + i) {
				pp_t_fail(file, line,
				    "%s: log %zu got seq %" PRIu64
				    ", expected %" PRIu64,
				    topic, done + i, got[i].seq,
				    first + done + i);
			}
		}
		if (ids != NULL) {
			memcpy(ids + done, got, k * sizeof(*got));
		}
		done += k;
	}
	free(got);
	free(bodies);
	free(recs);
}

pp_id
proc_put_each_at(const char *file, int line, pp_client *c, const char *topic,
    uint64_t first, size_t n)
{
	char      body[PROC_BODY_MAX];
	pp_record r;
	pp_id     id = { 0, 0 };
	size_t    i;
	int       rv;

	for (i = 0; i < n; i++) {
		r.topic = topic;
		r.body = body;
		r.len = proc_body(body, sizeof(body), topic, first + i, 0);
		if ((rv = pp_commit(c, &r, 1, &id)) != 0) {
			pp_t_fail(file, line, "commit %s: %s (%s)", body,
			    pp_errname(rv), pp_client_errmsg(c));
		}
		if (id.seq != first + i) {
			pp_t_fail(file, line,
			    "%s got seq %" PRIu64 ", expected %" PRIu64, body,
			    id.seq, first + i);
		}
	}
	return (id);
}

pp_claim *
proc_claim_at(const char *file, int line, pp_client *c, const char *topic,
    const char *name, const pp_proc_opts *o, int wait_ms)
{
	pp_claim *cl = NULL;
	int       rv;

	if ((rv = pp_proc(c, topic, name, o, wait_ms, &cl)) != 0) {
		pp_t_fail(file, line, "pp_proc(%s, %s) returned %s (%s)%s%s",
		    topic, name, pp_errname(rv), pp_strerror(rv),
		    pp_client_errmsg(c)[0] ? ": " : "", pp_client_errmsg(c));
	}
	if (cl == NULL) {
		pp_t_fail(file, line, "pp_proc returned 0 and no claim");
	}
	return (cl);
}

void
proc_check_claim_at(const char *file, int line, const pp_claim *cl,
    const char *topic, uint64_t first, size_t n, size_t pad)
{
	const pp_log *log;
	char          want[PROC_BODY_MAX];
	size_t        i, len, got = pp_claim_count(cl);

	if (got != n) {
		pp_t_fail(file, line,
		    "claim holds %zu logs (first seq %" PRIu64
		    "), expected %zu from seq %" PRIu64,
		    got, got > 0 ? pp_claim_log(cl, 0)->id.seq : (uint64_t)0, n,
		    first);
	}
	for (i = 0; i < n; i++) {
		log = pp_claim_log(cl, i);
		if (log == NULL) {
			pp_t_fail(file, line, "pp_claim_log(%zu) is NULL", i);
		}
		if (log->id.seq != first + i) {
			pp_t_fail(file, line,
			    "claim log %zu has seq %" PRIu64
			    ", expected %" PRIu64,
			    i, log->id.seq, first + i);
		}
		len = proc_body(want, sizeof(want), topic, first + i, pad);
		if (log->len != len || memcmp(log->body, want, len) != 0) {
			pp_t_fail(file, line,
			    "claim log %zu: body \"%.*s\", expected \"%s\"", i,
			    (int)(log->len < 40 ? log->len : 40),
			    (const char *)log->body, want);
		}
	}
	if (pp_claim_log(cl, n) != NULL) {
		pp_t_fail(file, line, "pp_claim_log(%zu) is not NULL", n);
	}
}

uint64_t
proc_claim_expect_at(const char *file, int line, pp_client *c,
    const char *topic, const char *name, const pp_proc_opts *o, uint64_t first,
    size_t n, size_t pad)
{
	pp_claim *cl = proc_claim_at(file, line, c, topic, name, o, 0);
	uint64_t  token;

	proc_check_claim_at(file, line, cl, topic, first, n, pad);
	token = pp_claim_token(cl);
	pp_claim_free(cl);
	return (token);
}

pp_id
proc_ack_at(
    const char *file, int line, pp_client *c, const char *name, uint64_t token)
{
	pp_id id = { 0, 0 };
	int   rv;

	if ((rv = pp_ack(c, name, token, &id)) != 0) {
		pp_t_fail(file, line,
		    "pp_ack(%s, %" PRIu64 ") returned %s (%s)", name, token,
		    pp_errname(rv), pp_client_errmsg(c));
	}
	return (id);
}

pp_proc_opts
proc_opts_make(const char *offset, uint32_t count, int32_t max_reclaims,
    int64_t reclaim_timeout_ms, enum pp_on_max_reclaims on_max)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;

	o.offset = offset;
	o.count = count;
	o.max_reclaims = max_reclaims;
	o.reclaim_timeout_ms = reclaim_timeout_ms;
	o.on_max_reclaims = on_max;
	return (o);
}

void
proc_wait_past_ms(uint64_t ms)
{
	PP_WAIT_UNTIL(pp_t_now_ms() > ms, 1000);
}

uint64_t
proc_length_or_zero(pp_client *c, const char *topic)
{
	uint64_t n = 0;
	int      rv = pp_length(c, topic, &n);

	if (rv == PP_ENOTOPIC) {
		return (0);
	}
	PP_PASS(rv);
	return (n);
}
