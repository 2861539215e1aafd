/*
 * proc_test.c - procs against a real node (issue 3 items 2 and 4; PEER
 * §8-11 with the fixes of PEER §23.4, 23.8-23.10, 23.12-23.14): claims and
 * their offsets, acks and claim tokens, option validation and persistence,
 * reclaims and every on_max_reclaims mode (dead-letter contents included),
 * ack_commit, the node's reclaim timer, blocking claims with wait_ms, lag,
 * disable/resume/destroy and restarts. Crashes are in proc_crash_test.c.
 *
 * Conventions: topic logs are committed with the body "<topic>-<seq>", so a
 * claim can be checked by its sequences and bodies alone. Helpers that
 * assert take the caller's line (the CLAIM_*, INSPECT, ... macros), so a
 * failure points at the case, not at the helper.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "proc_util.h"

/* ---- proc states
 * ---------------------------------------------------------------- */

/* A copy of a pp_proc_info that outlives its list. */
typedef struct pstate {
	pp_proc_info i;
	char         name[256];
	char         topic[256];
	char         offset[128];
	char         last_error[512];
} pstate;

static void
pstate_copy_at(int line, pstate *s, const pp_proc_info *i)
{
	if (i == NULL || i->name == NULL || i->topic == NULL
	    || i->offset == NULL || i->last_error == NULL) {
		pp_t_fail(__FILE__, line,
		    "proc info or one of its strings is "
		    "NULL");
	}
	memset(s, 0, sizeof(*s));
	s->i = *i;
	snprintf(s->name, sizeof(s->name), "%s", i->name);
	snprintf(s->topic, sizeof(s->topic), "%s", i->topic);
	snprintf(s->offset, sizeof(s->offset), "%s", i->offset);
	snprintf(s->last_error, sizeof(s->last_error), "%s", i->last_error);
	s->i.name = s->name;
	s->i.topic = s->topic;
	s->i.offset = s->offset;
	s->i.last_error = s->last_error;
	s->i.opts.offset = s->offset;
}

/* Copies the one-element list of inspect/disable/resume/destroy. */
static void
pstate_from_list_at(int line, pp_proc_list *l, const char *name, pstate *s)
{
	if (l == NULL || pp_proc_list_count(l) != 1) {
		pp_t_fail(__FILE__, line,
		    "expected a one-element list, got %zu",
		    l ? pp_proc_list_count(l) : 0);
	}
	if (pp_proc_list_get(l, 1) != NULL) {
		pp_t_fail(__FILE__, line, "pp_proc_list_get(1) is not NULL");
	}
	pstate_copy_at(line, s, pp_proc_list_get(l, 0));
	if (strcmp(s->name, name) != 0) {
		pp_t_fail(__FILE__, line, "state of \"%s\", expected \"%s\"",
		    s->name, name);
	}
	pp_proc_list_free(l);
}

static void
inspect_at(int line, pp_client *c, const char *name, pstate *s)
{
	pp_proc_list *l = NULL;
	int           rv;

	if ((rv = pp_proc_inspect(c, name, &l)) != 0) {
		pp_t_fail(__FILE__, line,
		    "pp_proc_inspect(%s) returned %s (%s)", name,
		    pp_errname(rv), pp_strerror(rv));
	}
	pstate_from_list_at(line, l, name, s);
}
#define INSPECT(c, name, s) inspect_at(__LINE__, (c), (name), (s))

/* Every field of two states is equal. */
static void
pstate_eq_at(int line, const pstate *a, const pstate *b)
{
#define PST_U64(f)                                                             \
	if ((uint64_t)a->i.f != (uint64_t)b->i.f) {                            \
		pp_t_fail(__FILE__, line,                                      \
		    "proc %s: " #f " %" PRIu64 " vs %" PRIu64, a->name,        \
		    (uint64_t)a->i.f, (uint64_t)b->i.f);                       \
	}
#define PST_I64(f)                                                             \
	if ((int64_t)a->i.f != (int64_t)b->i.f) {                              \
		pp_t_fail(__FILE__, line,                                      \
		    "proc %s: " #f " %" PRId64 " vs %" PRId64, a->name,        \
		    (int64_t)a->i.f, (int64_t)b->i.f);                         \
	}
#define PST_STR(f)                                                             \
	if (strcmp(a->f, b->f) != 0) {                                         \
		pp_t_fail(__FILE__, line, "proc %s: " #f " \"%s\" vs \"%s\"",  \
		    a->name, a->f, b->f);                                      \
	}
	PST_STR(name);
	PST_STR(topic);
	PST_STR(offset);
	PST_STR(last_error);
	PST_U64(opts.count);
	PST_I64(opts.max_reclaims);
	PST_I64(opts.reclaim_timeout_ms);
	PST_I64(opts.on_max_reclaims);
	PST_U64(is_disabled);
	PST_U64(has_claim);
	/* These four mean something only while a claim is outstanding. */
	if (a->i.has_claim) {
		PST_U64(claim_first.ms);
		PST_U64(claim_first.seq);
		PST_U64(claim_last.ms);
		PST_U64(claim_last.seq);
		PST_U64(claim_token);
		PST_U64(claim_deadline_ms);
	}
	PST_U64(next_seq);
	PST_U64(reclaims);
	PST_U64(created_ms);
	PST_U64(last_claimed_ms);
	PST_U64(last_acked_ms);
	PST_U64(lag);
	PST_U64(oldest_unacked_ms);
#undef PST_U64
#undef PST_I64
#undef PST_STR
}
#define PSTATE_EQ(a, b) pstate_eq_at(__LINE__, (a), (b))

/* The stored options are `o` (offset NULL stored as ">"). */
static void
check_opts_at(int line, const pstate *s, const pp_proc_opts *o)
{
	const char *off = o->offset != NULL ? o->offset : ">";

	if (strcmp(s->offset, off) != 0 || s->i.opts.count != o->count
	    || s->i.opts.max_reclaims != o->max_reclaims
	    || s->i.opts.reclaim_timeout_ms != o->reclaim_timeout_ms
	    || s->i.opts.on_max_reclaims != o->on_max_reclaims) {
		pp_t_fail(__FILE__, line,
		    "proc %s stores {\"%s\", %u, %d, %" PRId64
		    ", %d}, expected "
		    "{\"%s\", %u, %d, %" PRId64 ", %d}",
		    s->name, s->offset, s->i.opts.count, s->i.opts.max_reclaims,
		    s->i.opts.reclaim_timeout_ms,
		    (int)s->i.opts.on_max_reclaims, off, o->count,
		    o->max_reclaims, o->reclaim_timeout_ms,
		    (int)o->on_max_reclaims);
	}
}
#define CHECK_OPTS(s, o) check_opts_at(__LINE__, (s), (o))

/* pp_procs into an array of states; returns the count. */
static size_t
procs_at(int line, pp_client *c, pstate *out, size_t max)
{
	pp_proc_list *l = NULL;
	size_t        i, n;
	int           rv;

	if ((rv = pp_procs(c, &l)) != 0) {
		pp_t_fail(
		    __FILE__, line, "pp_procs returned %s", pp_errname(rv));
	}
	n = pp_proc_list_count(l);
	if (n > max) {
		pp_t_fail(
		    __FILE__, line, "%zu procs, expected at most %zu", n, max);
	}
	for (i = 0; i < n; i++) {
		pstate_copy_at(line, &out[i], pp_proc_list_get(l, i));
	}
	if (pp_proc_list_get(l, n) != NULL) {
		pp_t_fail(__FILE__, line, "pp_proc_list_get(count) not NULL");
	}
	pp_proc_list_free(l);
	return (n);
}
#define PROCS(c, out, max) procs_at(__LINE__, (c), (out), (max))

static bool
proc_has_claim(pp_client *c, const char *name)
{
	pstate s;

	INSPECT(c, name, &s);
	return (s.i.has_claim);
}

static bool
proc_is_disabled(pp_client *c, const char *name)
{
	pstate s;

	INSPECT(c, name, &s);
	return (s.i.is_disabled);
}

/* ---- a client blocked in pp_proc on its own thread
 * ---------------------------- */

typedef struct waiter {
	const char  *address;
	const char  *topic;
	const char  *name;
	pp_proc_opts opts;
	int          wait_ms;
	pthread_t    th;
	atomic_bool  is_calling; /* set just before pp_proc */
	uint64_t     call_ms;    /* monotonic, just before pp_proc */
	uint64_t     return_ms;  /* monotonic, just after it returned */
	atomic_bool  is_done;
	int          rv;
	size_t       count;
	uint64_t     first_seq;
	uint64_t     token;
	char         body[PROC_BODY_MAX];
} waiter;

static void *
waiter_main(void *p)
{
	waiter         *w = p;
	pp_connect_opts o;
	pp_client      *c = NULL;
	pp_claim       *cl = NULL;
	const pp_log   *log;

	memset(&o, 0, sizeof(o));
	o.request_timeout_ms = (uint32_t)pp_t_scaled(30000);
	PP_PASS(pp_connect(w->address, &o, &c));
	w->call_ms = pp_t_mono_ms();
	atomic_store(&w->is_calling, true);
	w->rv = pp_proc(c, w->topic, w->name, &w->opts, w->wait_ms, &cl);
	w->return_ms = pp_t_mono_ms();
	if (w->rv == 0) {
		w->count = pp_claim_count(cl);
		w->token = pp_claim_token(cl);
		if (w->count > 0) {
			log = pp_claim_log(cl, 0);
			w->first_seq = log->id.seq;
			snprintf(w->body, sizeof(w->body), "%.*s",
			    (int)log->len, (const char *)log->body);
		}
		pp_claim_free(cl);
	}
	pp_close(c);
	atomic_store(&w->is_done, true);
	return (NULL);
}

static void
waiter_start(waiter *w, const char *address, const char *topic,
    const char *name, const pp_proc_opts *o, int wait_ms)
{
	memset(w, 0, sizeof(*w));
	w->address = address;
	w->topic = topic;
	w->name = name;
	w->opts = *o;
	w->wait_ms = wait_ms;
	PP_ASSERT_INT_EQ(pthread_create(&w->th, NULL, waiter_main, w), 0);
}

static void
waiter_join(waiter *w, int timeout_ms)
{
	PP_WAIT_UNTIL(atomic_load(&w->is_done), timeout_ms);
	pthread_join(w->th, NULL);
}

/* ---- offsets
 * -------------------------------------------------------------------- */

static void
test_offset_first(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, 10, -1, PP_ON_MAX_DISABLE);
	pp_id        ids[5], acked;
	pstate       s;
	uint64_t     t;

	COMMIT_SEQS(n->client, "t", 0, 5, ids);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	acked = ACK(n->client, "p", t);
	PP_ASSERT_U64_EQ(acked.seq, 1);
	PP_ASSERT_U64_EQ(acked.ms, ids[1].ms);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 2, 2);
	ACK(n->client, "p", t);
	/* One log left: a claim of count 2 holds just that one. */
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 4, 1);
	acked = ACK(n->client, "p", t);
	PP_ASSERT_U64_EQ(acked.seq, 4);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 5);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	CHECK_OPTS(&s, &o);
	PP_ASSERT_STR_EQ(s.topic, "t");
	/* Logs committed later continue the same cursor. */
	COMMIT_SEQS(n->client, "t", 5, 1, NULL);
	CLAIM_EXPECT(n->client, "t", "p", &o, 5, 1);
}

static void
test_offset_null_is_first(pp_tnode *n)
{
	pstate   s;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	/* NULL options are PP_PROC_OPTS_INIT: offset ">", count 1. */
	CLAIM_EXPECT(n->client, "t", "p", NULL, 0, 1);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_STR_EQ(s.offset, ">");
	PP_ASSERT_U64_EQ(s.i.opts.count, 1);
	PP_ASSERT_INT_EQ(s.i.opts.max_reclaims, 10);
	PP_ASSERT_INT_EQ(s.i.opts.reclaim_timeout_ms, 10000);
	PP_ASSERT_INT_EQ(s.i.opts.on_max_reclaims, PP_ON_MAX_DISABLE);
	PP_ASSERT_TRUE(s.i.has_claim);
}

static void
test_offset_new_only(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make("$>", 10, 10, -1, PP_ON_MAX_DISABLE);
	pstate       s;
	uint64_t     t;

	/* Committed just before the proc exists, most likely in the very
	 * millisecond of its creation (the peer delivered those, PEER §8.5). */
	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_STR_EQ(s.offset, "$>");
	PP_ASSERT_U64_EQ(s.i.next_seq, 3);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	COMMIT_SEQS(n->client, "t", 3, 2, NULL);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 3, 2);
	ACK(n->client, "p", t);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	/* On a topic that does not exist yet, every log is new. */
	CLAIM_NOTHING(n->client, "fresh", "q", &o);
	COMMIT_SEQS(n->client, "fresh", 0, 2, NULL);
	CLAIM_EXPECT(n->client, "fresh", "q", &o, 0, 2);
}

static void
test_offset_after_log(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(NULL, 10, 10, -1, PP_ON_MAX_DISABLE);
	pp_id        ids[6];
	char         off[PP_ID_STRLEN];

	/* One batch: all six logs share a millisecond, so "T-S" must start
	 * inside it (the peer skipped the rest of the millisecond). */
	COMMIT_SEQS(n->client, "t", 0, 6, ids);
	o.offset = ":2";
	CLAIM_EXPECT(n->client, "t", "by-seq", &o, 3, 3);
	o.offset = ":0";
	CLAIM_EXPECT(n->client, "t", "by-seq-0", &o, 1, 5);
	o.offset = pp_id_format(ids[3], off);
	CLAIM_EXPECT(n->client, "t", "by-id", &o, 4, 2);
	o.offset = pp_id_format(ids[0], off);
	CLAIM_EXPECT(n->client, "t", "by-id-0", &o, 1, 5);
	/* The last log: nothing yet, then what follows it. */
	o.offset = ":5";
	CLAIM_NOTHING(n->client, "t", "by-last", &o);
	COMMIT_SEQS(n->client, "t", 6, 1, NULL);
	CLAIM_EXPECT(n->client, "t", "by-last", &o, 6, 1);
}

static void
test_offset_millisecond(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(NULL, 10, 10, -1, PP_ON_MAX_DISABLE);
	pp_id        ids[5];
	char         off[32];

	/* Seq 0 in T0, seqs 1-3 in T1, seq 4 in T2, T0 < T1 < T2. */
	COMMIT_SEQS(n->client, "t", 0, 1, &ids[0]);
	proc_wait_past_ms(ids[0].ms);
	COMMIT_SEQS(n->client, "t", 1, 3, &ids[1]);
	proc_wait_past_ms(ids[1].ms);
	COMMIT_SEQS(n->client, "t", 4, 1, &ids[4]);
	PP_ASSERT_U64_CMP(ids[1].ms, >, ids[0].ms);
	PP_ASSERT_U64_EQ(ids[3].ms, ids[1].ms);
	PP_ASSERT_U64_CMP(ids[4].ms, >, ids[3].ms);

	pp_t_format(off, sizeof(off), "%" PRIu64, ids[1].ms);
	o.offset = off;
	CLAIM_EXPECT(n->client, "t", "at-t1", &o, 1, 4);
	pp_t_format(off, sizeof(off), "%" PRIu64, ids[0].ms);
	CLAIM_EXPECT(n->client, "t", "at-t0", &o, 0, 5);
	/* A millisecond without logs starts at the first log after it. */
	pp_t_format(off, sizeof(off), "%" PRIu64, ids[1].ms + 1);
	CLAIM_EXPECT(n->client, "t", "after-t1", &o, 4, 1);
	pp_t_format(off, sizeof(off), "%" PRIu64, ids[0].ms - 1000);
	CLAIM_EXPECT(n->client, "t", "long-ago", &o, 0, 5);
}

static void
test_offset_beyond_end(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(":10", 10, 10, -1, PP_ON_MAX_DISABLE);
	pstate       s;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_STR_EQ(s.offset, ":10");
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	/* Seqs 3..10: still nothing after log 10. */
	COMMIT_SEQS(n->client, "t", 3, 8, NULL);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	COMMIT_SEQS(n->client, "t", 11, 2, NULL);
	CLAIM_EXPECT(n->client, "t", "p", &o, 11, 2);
}

static void
test_claim_nothing(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 5, 10, -1, PP_ON_MAX_DISABLE);
	pp_claim    *cl = NULL;
	pstate       s;

	/* The topic does not exist yet: the proc is created, claims
	 * nothing, and no topic is created by it. */
	PP_PASS(pp_proc(n->client, "none", "p", &o, 0, &cl));
	PP_ASSERT_TRUE(cl != NULL);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 0);
	PP_ASSERT_TRUE(pp_claim_log(cl, 0) == NULL);
	pp_claim_free(cl);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.next_seq, 0);
	PP_ASSERT_U64_EQ(s.i.last_claimed_ms, 0);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	PP_ASSERT_U64_EQ(s.i.oldest_unacked_ms, 0);
	{
		uint64_t len = 77;

		PP_FAIL(pp_length(n->client, "none", &len), PP_ENOTOPIC);
	}
	/* An empty claim leaves nothing to ack. */
	PP_FAIL(pp_ack(n->client, "p", 0, NULL), PP_ENOTHING_TO_ACK);
	COMMIT_SEQS(n->client, "none", 0, 1, NULL);
	CLAIM_EXPECT(n->client, "none", "p", &o, 0, 1);
	pp_claim_free(NULL);
}

/* ---- claims and acks
 * ----------------------------------------------------------- */

static void
test_one_claim_at_a_time(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, 10, -1, PP_ON_MAX_DISABLE);
	pp_client   *other;
	pstate       s;
	pp_id        ids[4];
	uint64_t     t;

	other = pp_t_connect(n->address);
	COMMIT_SEQS(n->client, "t", 0, 4, ids);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_ASSERT_U64_CMP(t, !=, 0);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.claim_token, t);
	PP_ASSERT_U64_EQ(s.i.claim_first.seq, 0);
	PP_ASSERT_U64_EQ(s.i.claim_first.ms, ids[0].ms);
	PP_ASSERT_U64_EQ(s.i.claim_last.seq, 1);
	PP_ASSERT_U64_EQ(s.i.claim_deadline_ms, 0);
	PP_ASSERT_U64_EQ(s.i.next_seq, 0);
	PP_ASSERT_U64_CMP(s.i.last_claimed_ms, >, 0);
	PP_ASSERT_U64_EQ(s.i.last_acked_ms, 0);
	/* Nothing else while the claim is outstanding, for any client. */
	CLAIM_NOTHING(n->client, "t", "p", &o);
	CLAIM_NOTHING(other, "t", "p", &o);
	{
		pstate again;

		INSPECT(other, "p", &again);
		PSTATE_EQ(&again, &s);
	}
	/* Any client holding the token may ack. */
	ACK(other, "p", t);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	PP_ASSERT_U64_CMP(s.i.last_acked_ms, >, 0);
	t = CLAIM_EXPECT(other, "t", "p", &o, 2, 2);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	ACK(n->client, "p", t);
	pp_close(other);
}

static void
test_ack_without_claim(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 1, 10, 10000, PP_ON_MAX_DISABLE);
	pstate       before, after;
	pp_record    r = { "out", "x", 1 };
	pp_id        id = { 123, 456 };
	uint64_t     t;
	int          rv;

	/* A proc that never claimed. */
	CLAIM_NOTHING(n->client, "t", "p", &o);
	INSPECT(n->client, "p", &before);
	PP_FAIL(pp_ack(n->client, "p", 0, &id), PP_ENOTHING_TO_ACK);
	PP_ASSERT_U64_EQ(id.ms, 123);
	PP_ASSERT_U64_EQ(id.seq, 456);
	PP_FAIL(pp_reclaim(n->client, "p", 0, "x"), PP_ENOTHING_TO_RECLAIM);
	PP_FAIL(
	    pp_ack_commit(n->client, "p", 0, &r, 1, &id), PP_ENOTHING_TO_ACK);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "out"), 0);
	INSPECT(n->client, "p", &after);
	PSTATE_EQ(&after, &before);

	/* A proc whose claim was acked already. */
	COMMIT_SEQS(n->client, "t", 0, 2, NULL);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 1);
	ACK(n->client, "p", t);
	INSPECT(n->client, "p", &before);
	PP_FAIL(pp_ack(n->client, "p", 0, NULL), PP_ENOTHING_TO_ACK);
	/* The token of the acked claim: no claim, or a stale one. */
	rv = pp_ack(n->client, "p", t, NULL);
	if (rv != PP_ENOTHING_TO_ACK && rv != PP_ESTALE_CLAIM) {
		PP_FAIL_AT(
		    "ack with an acked token returned %s", pp_errname(rv));
	}
	PP_FAIL(pp_reclaim(n->client, "p", 0, NULL), PP_ENOTHING_TO_RECLAIM);
	PP_FAIL(
	    pp_ack_commit(n->client, "p", 0, &r, 1, &id), PP_ENOTHING_TO_ACK);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "out"), 0);
	INSPECT(n->client, "p", &after);
	PSTATE_EQ(&after, &before);
	/* And the cursor did not move: the next log is seq 1. */
	CLAIM_EXPECT(n->client, "t", "p", &o, 1, 1);
}

static void
test_stale_token(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, -1, -1, PP_ON_MAX_DISABLE);
	pp_record    r = { "out", "x", 1 };
	pp_id        id = { 7, 7 };
	pstate       before, after;
	uint64_t     t1, t2;

	COMMIT_SEQS(n->client, "t", 0, 4, NULL);
	t1 = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_PASS(pp_reclaim(n->client, "p", t1, "slow consumer"));
	t2 = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_ASSERT_U64_CMP(t2, !=, t1);
	INSPECT(n->client, "p", &before);
	PP_ASSERT_U64_EQ(before.i.claim_token, t2);

	/* The first consumer wakes up with its expired token. */
	PP_FAIL(pp_ack(n->client, "p", t1, &id), PP_ESTALE_CLAIM);
	PP_ASSERT_U64_EQ(id.seq, 7);
	PP_FAIL(pp_reclaim(n->client, "p", t1, "late"), PP_ESTALE_CLAIM);
	PP_FAIL(pp_ack_commit(n->client, "p", t1, &r, 1, &id), PP_ESTALE_CLAIM);
	PP_ASSERT_U64_EQ(id.seq, 7);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "out"), 0);
	/* A token that was never issued is stale too. */
	PP_FAIL(pp_ack(n->client, "p", t2 + 1000, NULL), PP_ESTALE_CLAIM);
	INSPECT(n->client, "p", &after);
	PSTATE_EQ(&after, &before);
	PP_ASSERT_TRUE(after.i.has_claim);
	PP_ASSERT_U64_EQ(after.i.reclaims, 1);
	PP_ASSERT_STR_EQ(after.last_error, "slow consumer");

	/* The current holder acks normally. */
	ACK(n->client, "p", t2);
	CLAIM_EXPECT(n->client, "t", "p", &o, 2, 2);
}

static void
test_token_zero(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 1, -1, -1, PP_ON_MAX_DISABLE);
	pstate       s;
	pp_id        ids[3], acked;
	uint64_t     t1, t2;

	COMMIT_SEQS(n->client, "t", 0, 3, ids);
	CLAIM_EXPECT(n->client, "t", "p", &o, 0, 1);
	acked = ACK(n->client, "p", 0);
	PP_ASSERT_U64_EQ(acked.seq, 0);
	PP_ASSERT_U64_EQ(acked.ms, ids[0].ms);
	t1 = CLAIM_EXPECT(n->client, "t", "p", &o, 1, 1);
	PP_PASS(pp_reclaim(n->client, "p", 0, NULL));
	t2 = CLAIM_EXPECT(n->client, "t", "p", &o, 1, 1);
	PP_ASSERT_U64_CMP(t2, !=, t1);
	PP_ASSERT_U64_CMP(t1, !=, 0);
	PP_ASSERT_U64_CMP(t2, !=, 0);
	acked = ACK(n->client, "p", 0);
	PP_ASSERT_U64_EQ(acked.seq, 1);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
}

static void
test_unknown_proc(pp_tnode *n)
{
	pp_proc_list *l = (pp_proc_list *)n;
	pp_record     r = { "out", "x", 1 };
	pp_id         id;

	CLAIM_NOTHING(n->client, "t", "exists", NULL);
	PP_FAIL(pp_ack(n->client, "nope", 0, &id), PP_ENOPROC);
	PP_FAIL(pp_ack(n->client, "nope", 5, &id), PP_ENOPROC);
	PP_FAIL(pp_reclaim(n->client, "nope", 0, "e"), PP_ENOPROC);
	PP_FAIL(pp_ack_commit(n->client, "nope", 0, &r, 1, &id), PP_ENOPROC);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "out"), 0);
	PP_FAIL(pp_proc_inspect(n->client, "nope", &l), PP_ENOPROC);
	PP_FAIL(pp_proc_disable(n->client, "nope", &l), PP_ENOPROC);
	PP_FAIL(pp_proc_resume(n->client, "nope", &l), PP_ENOPROC);
	PP_FAIL(pp_proc_destroy(n->client, "nope", &l), PP_ENOPROC);
	PP_ASSERT_TRUE(l == (pp_proc_list *)n);
	PP_FAIL(pp_proc_inspect(n->client, "nope", NULL), PP_ENOPROC);
	/* The list out parameter may be NULL on success too. */
	PP_PASS(pp_proc_inspect(n->client, "exists", NULL));
	PP_PASS(pp_proc_disable(n->client, "exists", NULL));
	PP_PASS(pp_proc_resume(n->client, "exists", NULL));
	PP_PASS(pp_proc_destroy(n->client, "exists", NULL));
	PP_FAIL(pp_proc_inspect(n->client, "exists", NULL), PP_ENOPROC);
	pp_proc_list_free(NULL);
}

/* ---- options
 * --------------------------------------------------------------------- */

typedef struct bad_call {
	const char  *what;
	const char  *topic;
	const char  *name;
	pp_proc_opts o;
	int          expect;
} bad_call;

static void
test_invalid_options(void)
{
	static char  long_name[202], max_name[201];
	pp_proc_opts d = PP_PROC_OPTS_INIT;
	bad_call     bad[32];
	pp_tnode     n;
	pp_claim    *cl;
	pstate       s[4];
	size_t       nb = 0, i;

	memset(long_name, 'n', 201);
	memset(max_name, 'm', 200);
#define BAD(w, t, nm, e)                                                       \
	do {                                                                   \
		bad[nb].what = (w);                                            \
		bad[nb].topic = (t);                                           \
		bad[nb].name = (nm);                                           \
		bad[nb].o = d;                                                 \
		bad[nb].expect = (e);                                          \
		nb++;                                                          \
	} while (0)
	BAD("count 0", "t", "c0", PP_EINVALID_OPTION);
	bad[nb - 1].o.count = 0;
	BAD("count 100001", "t", "c100001", PP_EINVALID_OPTION);
	bad[nb - 1].o.count = 100001;
	BAD("reclaim_timeout_ms 0", "t", "rt0", PP_EINVALID_OPTION);
	bad[nb - 1].o.reclaim_timeout_ms = 0;
	BAD("reclaim_timeout_ms -2", "t", "rtm2", PP_EINVALID_OPTION);
	bad[nb - 1].o.reclaim_timeout_ms = -2;
	BAD("max_reclaims -2", "t", "mrm2", PP_EINVALID_OPTION);
	bad[nb - 1].o.max_reclaims = -2;
	BAD("on_max_reclaims 3", "t", "om3", PP_EINVALID_OPTION);
	bad[nb - 1].o.on_max_reclaims = (enum pp_on_max_reclaims)3;
	BAD("on_max_reclaims 77", "t", "om77", PP_EINVALID_OPTION);
	bad[nb - 1].o.on_max_reclaims = (enum pp_on_max_reclaims)77;
	BAD("offset abc", "t", "oabc", PP_EINVALID_ID);
	bad[nb - 1].o.offset = "abc";
	BAD("offset <", "t", "olt", PP_EINVALID_ID);
	bad[nb - 1].o.offset = "<";
	BAD("offset 1-2-3", "t", "o123", PP_EINVALID_ID);
	bad[nb - 1].o.offset = "1-2-3";
	BAD("offset :-1", "t", "om1", PP_EINVALID_ID);
	bad[nb - 1].o.offset = ":-1";
	BAD("offset $", "t", "odollar", PP_EINVALID_ID);
	bad[nb - 1].o.offset = "$";
	BAD("name empty", "t", "", PP_EINVALID_NAME);
	BAD("name with a space", "t", "bad name", PP_EINVALID_NAME);
	BAD("name with #", "t", "a#b", PP_EINVALID_NAME);
	BAD("name with /", "t", "a/b", PP_EINVALID_NAME);
	BAD("name of 201 characters", "t", long_name, PP_EINVALID_NAME);
	BAD("topic with a space", "bad topic", "badtopic", PP_EINVALID_TOPIC);
	BAD("topic empty", "", "emptytopic", PP_EINVALID_TOPIC);
#undef BAD

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_SEQS(n.client, "t", 0, 2, NULL);
	for (i = 0; i < nb; i++) {
		int rv;

		cl = (pp_claim *)&n;
		rv = pp_proc(
		    n.client, bad[i].topic, bad[i].name, &bad[i].o, 0, &cl);
		if (rv != bad[i].expect) {
			PP_FAIL_AT("%s: pp_proc returned %s, expected %s",
			    bad[i].what, pp_errname(rv),
			    pp_errname(bad[i].expect));
		}
		PP_ASSERT_TRUE(cl == (pp_claim *)&n);
		if (bad[i].name[0] != '\0' && strlen(bad[i].name) <= 200
		    && strchr(bad[i].name, ' ') == NULL
		    && strchr(bad[i].name, '#') == NULL
		    && strchr(bad[i].name, '/') == NULL) {
			PP_FAIL(pp_proc_inspect(n.client, bad[i].name, NULL),
			    PP_ENOPROC);
		}
	}
	/* Nothing was created, and no topic either. */
	PP_ASSERT_U64_EQ(PROCS(n.client, s, 4), 0);
	{
		pp_topic_list *tl = NULL;

		PP_PASS(pp_topics(n.client, &tl));
		PP_ASSERT_U64_EQ(pp_topic_list_count(tl), 1);
		PP_ASSERT_STR_EQ(pp_topic_list_get(tl, 0)->name, "t");
		pp_topic_list_free(tl);
	}

	/* The boundaries are valid. */
	d.count = 100000;
	CLAIM_EXPECT(n.client, "t", "c100000", &d, 0, 2);
	d.count = 1;
	d.max_reclaims = -1;
	d.reclaim_timeout_ms = -1;
	d.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	CLAIM_EXPECT(n.client, "t", max_name, &d, 0, 1);
	d.max_reclaims = 0;
	d.reclaim_timeout_ms = 1;
	d.on_max_reclaims = PP_ON_MAX_CONTINUE;
	d.offset = "$>";
	CLAIM_NOTHING(n.client, "t", "A-z_0.9", &d);
	PP_ASSERT_U64_EQ(PROCS(n.client, s, 4), 3);
	INSPECT(n.client, max_name, &s[0]);
	PP_ASSERT_INT_EQ(s[0].i.opts.max_reclaims, -1);
	PP_ASSERT_INT_EQ(s[0].i.opts.reclaim_timeout_ms, -1);
	PP_ASSERT_INT_EQ(s[0].i.opts.on_max_reclaims, PP_ON_MAX_DEADLETTER);
	INSPECT(n.client, "c100000", &s[0]);
	PP_ASSERT_U64_EQ(s[0].i.opts.count, 100000);
	pp_t_node_stop(&n);
}

static void
test_options_mismatch(pp_tnode *n)
{
	pp_proc_opts a = proc_opts_make(":1", 2, 3, 5000, PP_ON_MAX_CONTINUE);
	pp_proc_opts v[8], init = PP_PROC_OPTS_INIT;
	pp_claim    *cl;
	pstate       before, after;
	int          i, nv = 0;

	COMMIT_SEQS(n->client, "t", 0, 6, NULL);
	COMMIT_SEQS(n->client, "u", 0, 1, NULL);
	CLAIM_EXPECT(n->client, "t", "p", &a, 2, 2);
	INSPECT(n->client, "p", &before);
	CHECK_OPTS(&before, &a);

	for (i = 0; i < 8; i++) {
		v[i] = a;
	}
	v[nv++].offset = ">";
	v[nv++].offset = NULL;
	v[nv++].count = 3;
	v[nv++].max_reclaims = 4;
	v[nv++].max_reclaims = -1;
	v[nv++].reclaim_timeout_ms = 5001;
	v[nv++].on_max_reclaims = PP_ON_MAX_DISABLE;
	v[nv++].on_max_reclaims = PP_ON_MAX_DEADLETTER;
	for (i = 0; i < nv; i++) {
		cl = (pp_claim *)n;
		PP_FAIL(pp_proc(n->client, "t", "p", &v[i], 0, &cl),
		    PP_EPROC_EXISTS);
		PP_ASSERT_TRUE(cl == (pp_claim *)n);
	}
	PP_FAIL(pp_proc(n->client, "t", "p", NULL, 0, &cl), PP_EPROC_EXISTS);
	/* The same name on another topic, with the same options. */
	PP_FAIL(pp_proc(n->client, "u", "p", &a, 0, &cl), PP_EPROC_EXISTS);
	INSPECT(n->client, "p", &after);
	PSTATE_EQ(&after, &before);

	/* The same options are fine (the claim is still outstanding). */
	CLAIM_NOTHING(n->client, "t", "p", &a);
	ACK(n->client, "p", 0);
	CLAIM_EXPECT(n->client, "t", "p", &a, 4, 2);

	/* NULL options, PP_PROC_OPTS_INIT and an explicit ">" are the same
	 * options: each means exactly the defaults. */
	CLAIM_EXPECT(n->client, "u", "q", NULL, 0, 1);
	INSPECT(n->client, "q", &before);
	CLAIM_NOTHING(n->client, "u", "q", &init);
	init.offset = ">";
	CLAIM_NOTHING(n->client, "u", "q", &init);
	INSPECT(n->client, "q", &after);
	PSTATE_EQ(&after, &before);
}

/* ---- reclaims
 * ---------------------------------------------------------------------- */

static void
test_reclaim_same_logs(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, -1, -1, PP_ON_MAX_DISABLE);
	pstate       s;
	uint64_t     t;

	COMMIT_SEQS(n->client, "t", 0, 5, NULL);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_PASS(pp_reclaim(n->client, "p", t, "first failure"));
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	PP_ASSERT_U64_EQ(s.i.next_seq, 0);
	PP_ASSERT_STR_EQ(s.last_error, "first failure");
	PP_FAIL(pp_reclaim(n->client, "p", t, NULL), PP_ENOTHING_TO_RECLAIM);

	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_PASS(pp_reclaim(n->client, "p", t, "second failure"));
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 2);
	PP_ASSERT_STR_EQ(s.last_error, "second failure");
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_PASS(pp_reclaim(n->client, "p", t, NULL));
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 3);

	/* An ack ends the run of reclaims. */
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	ACK(n->client, "p", t);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 2, 2);
	PP_PASS(pp_reclaim(n->client, "p", t, "after ack"));
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	PP_ASSERT_STR_EQ(s.last_error, "after ack");
	CLAIM_EXPECT(n->client, "t", "p", &o, 2, 2);
}

/* Reclaims the claim of `name` (which holds logs from `first`) once. */
static void
claim_and_reclaim_at(int line, pp_client *c, const char *topic,
    const char *name, const pp_proc_opts *o, uint64_t first, size_t count,
    const char *error)
{
	uint64_t t = proc_claim_expect_at(
	    __FILE__, line, c, topic, name, o, first, count, 0);
	int      rv;

	if ((rv = pp_reclaim(c, name, t, error)) != 0) {
		pp_t_fail(__FILE__, line, "pp_reclaim(%s) returned %s", name,
		    pp_errname(rv));
	}
}
#define CLAIM_AND_RECLAIM(c, topic, name, o, first, count, error)              \
	claim_and_reclaim_at(                                                  \
	    __LINE__, (c), (topic), (name), (o), (first), (count), (error))

static void
test_max_reclaims_disable(pp_tnode *n)
{
	pp_proc_opts  o = proc_opts_make(">", 1, 2, -1, PP_ON_MAX_DISABLE);
	pp_claim     *cl = NULL;
	pp_proc_list *l = NULL;
	pstate        s;
	uint64_t      t;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	/* An ack in between: only reclaims in a row count. */
	CLAIM_AND_RECLAIM(n->client, "t", "p", &o, 0, 1, "r1");
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 1);
	ACK(n->client, "p", t);
	/* max_reclaims 2: two reclaims in a row are allowed ... */
	CLAIM_AND_RECLAIM(n->client, "t", "p", &o, 1, 1, "r1");
	CLAIM_AND_RECLAIM(n->client, "t", "p", &o, 1, 1, "r2");
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 2);
	/* ... the third disables the proc. */
	CLAIM_AND_RECLAIM(n->client, "t", "p", &o, 1, 1, "r3");
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 3);
	PP_ASSERT_U64_EQ(s.i.next_seq, 1);
	PP_ASSERT_STR_EQ(s.last_error, "r3");
	PP_FAIL(pp_proc(n->client, "t", "p", &o, 0, &cl), PP_EPROC_DISABLED);
	PP_FAIL(pp_proc(n->client, "t", "p", &o, 200, &cl), PP_EPROC_DISABLED);
	PP_ASSERT_TRUE(cl == NULL);
	PP_FAIL(pp_reclaim(n->client, "p", 0, "x"), PP_EPROC_DISABLED);
	PP_FAIL(
	    pp_proc_disable(n->client, "p", NULL), PP_EPROC_ALREADY_DISABLED);

	/* Resume resets the reclaims; the logs are handed out again. */
	PP_PASS(pp_proc_resume(n->client, "p", &l));
	pstate_from_list_at(__LINE__, l, "p", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	if (s.i.has_claim) {
		/* The disabling reclaim kept its claim (PP_ON_MAX_DISABLE:
		 * "its claim stays"): give it back. */
		PP_PASS(pp_reclaim(n->client, "p", 0, NULL));
	}
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 1, 1);
	ACK(n->client, "p", t);
	CLAIM_EXPECT(n->client, "t", "p", &o, 2, 1);
}

static void
test_max_reclaims_zero_and_never(pp_tnode *n)
{
	pp_proc_opts zero = proc_opts_make(">", 1, 0, -1, PP_ON_MAX_DISABLE);
	pp_proc_opts never = proc_opts_make(">", 1, -1, -1, PP_ON_MAX_DISABLE);
	pstate       s;
	int          i;

	COMMIT_SEQS(n->client, "t", 0, 2, NULL);
	CLAIM_AND_RECLAIM(n->client, "t", "zero", &zero, 0, 1, "once");
	INSPECT(n->client, "zero", &s);
	PP_ASSERT_TRUE(s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	for (i = 0; i < 25; i++) {
		CLAIM_AND_RECLAIM(n->client, "t", "never", &never, 0, 1, NULL);
	}
	INSPECT(n->client, "never", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 25);
}

static void
test_max_reclaims_continue(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, 1, -1, PP_ON_MAX_CONTINUE);
	pstate       s;
	uint64_t     t;
	int          i;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	for (i = 0; i < 6; i++) {
		CLAIM_AND_RECLAIM(n->client, "t", "p", &o, 0, 2, "again");
	}
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 6);
	PP_ASSERT_U64_EQ(s.i.next_seq, 0);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "t.dead"), 0);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	ACK(n->client, "p", t);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	CLAIM_EXPECT(n->client, "t", "p", &o, 2, 1);
}

static bool
has_bytes(const char *hay, size_t len, const char *needle)
{
	return (memmem(hay, len, needle, strlen(needle)) != NULL);
}

/* The msgpack map of a dead letter has the key "attempts" with the
 * unsigned value `n` (< 128: a positive fixint, or a uint 8). */
static bool
has_attempts(const char *hay, size_t len, unsigned n)
{
	const unsigned char *p = memmem(hay, len, "attempts", 8);
	size_t               at;

	if (p == NULL) {
		return (false);
	}
	at = (size_t)((const char *)p - hay) + 8;
	if (at < len && p[8] == n) {
		return (true);
	}
	return (at + 1 < len && p[8] == 0xcc && p[9] == n);
}

static void
test_max_reclaims_deadletter(pp_tnode *n)
{
	static const char *err = "second failure: disk on fire";
	pp_proc_opts       o = proc_opts_make(">", 2, 1, -1, PP_ON_MAX_DEADLETTER);
	pp_t_logs          dead;
	pstate             s;
	uint64_t           t;
	size_t             i;

	COMMIT_SEQS(n->client, "jobs", 0, 5, NULL);
	/* A proc with a longer name, so the body cannot match by chance. */
	CLAIM_AND_RECLAIM(
	    n->client, "jobs", "worker.dl", &o, 0, 2, "first failure");
	INSPECT(n->client, "worker.dl", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "jobs.dead"), 0);
	/* max_reclaims 1: the second reclaim in a row dead-letters. */
	CLAIM_AND_RECLAIM(n->client, "jobs", "worker.dl", &o, 0, 2, err);

	pp_t_read_all(n->client, "jobs.dead", NULL, false, &dead);
	PP_ASSERT_U64_EQ(dead.count, 2);
	for (i = 0; i < dead.count; i++) {
		char orig[PROC_BODY_MAX];

		snprintf(orig, sizeof(orig), "jobs-%zu", i);
		if (!has_bytes(dead.bodies[i], dead.lens[i], orig)
		    || !has_bytes(dead.bodies[i], dead.lens[i], "worker.dl")
		    || !has_bytes(dead.bodies[i], dead.lens[i], err)
		    || !has_bytes(dead.bodies[i], dead.lens[i], "jobs")
		    || !has_attempts(dead.bodies[i], dead.lens[i], 2)) {
			PP_FAIL_AT("dead letter %zu (%zu bytes) lacks the body "
			           "\"%s\", the proc, the topic, the error or "
			           "attempts 2",
			    i, dead.lens[i], orig);
		}
	}
	pp_t_logs_free(&dead);
	/* The proc moved on past the dead logs, still active. */
	INSPECT(n->client, "worker.dl", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "jobs"), 5);
	t = CLAIM_EXPECT(n->client, "jobs", "worker.dl", &o, 2, 2);
	ACK(n->client, "worker.dl", t);
	/* A second dead letter goes to the same topic. */
	CLAIM_AND_RECLAIM(n->client, "jobs", "worker.dl", &o, 4, 1, "a");
	CLAIM_AND_RECLAIM(n->client, "jobs", "worker.dl", &o, 4, 1, "b");
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "jobs.dead"), 3);
	CLAIM_NOTHING(n->client, "jobs", "worker.dl", &o);
	INSPECT(n->client, "worker.dl", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 5);
}

static void
test_disable_resume(pp_tnode *n)
{
	pp_proc_opts  o = proc_opts_make(">", 1, 10, -1, PP_ON_MAX_DISABLE);
	pp_proc_list *l;
	pp_claim     *cl = NULL;
	pstate        s, before;
	uint64_t      t;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 1);
	INSPECT(n->client, "p", &before);
	PP_PASS(pp_proc_disable(n->client, "p", &l));
	pstate_from_list_at(__LINE__, l, "p", &s);
	PP_ASSERT_TRUE(s.i.is_disabled);
	/* A disabled proc keeps its outstanding claim. */
	PP_ASSERT_TRUE(s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.claim_token, t);
	l = NULL;
	PP_FAIL(pp_proc_disable(n->client, "p", &l), PP_EPROC_ALREADY_DISABLED);
	PP_ASSERT_TRUE(l == NULL);
	PP_FAIL(pp_proc(n->client, "t", "p", &o, 0, &cl), PP_EPROC_DISABLED);
	PP_FAIL(pp_reclaim(n->client, "p", t, "x"), PP_EPROC_DISABLED);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_ASSERT_STR_EQ(s.last_error, "");

	PP_PASS(pp_proc_resume(n->client, "p", &l));
	pstate_from_list_at(__LINE__, l, "p", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	before.i.is_disabled = false;
	PSTATE_EQ(&s, &before);
	PP_FAIL(pp_proc_resume(n->client, "p", &l), PP_EPROC_ALREADY_ACTIVE);
	ACK(n->client, "p", t);
	CLAIM_EXPECT(n->client, "t", "p", &o, 1, 1);
}

/* A few procs on two topics, each at its own position. */
static const char *const g_destroy_names[]
    = { "a", "b", "b.x", "ba", "bb", "c", NULL };

static void
test_destroy(void)
{
	pp_proc_opts  o = proc_opts_make(">", 1, 10, -1, PP_ON_MAX_DISABLE);
	pp_tnode      n;
	pp_proc_list *l;
	pstate        before[8], after[8], s, gone;
	size_t        i, k, nb, na;
	uint64_t      t;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_SEQS(n.client, "t", 0, 8, NULL);
	COMMIT_SEQS(n.client, "u", 0, 8, NULL);
	for (i = 0; g_destroy_names[i] != NULL; i++) {
		const char *topic = i % 2 ? "u" : "t";

		/* Proc i acks i logs and then holds a claim. */
		for (k = 0; k < i; k++) {
			t = CLAIM_EXPECT(
			    n.client, topic, g_destroy_names[i], &o, k, 1);
			ACK(n.client, g_destroy_names[i], t);
		}
		CLAIM_EXPECT(n.client, topic, g_destroy_names[i], &o, i, 1);
		PP_PASS(pp_reclaim(n.client, g_destroy_names[i], 0, "e"));
		CLAIM_EXPECT(n.client, topic, g_destroy_names[i], &o, i, 1);
	}
	nb = PROCS(n.client, before, 8);
	PP_ASSERT_U64_EQ(nb, 6);
	for (i = 0; i < nb; i++) {
		PP_ASSERT_STR_EQ(before[i].name, g_destroy_names[i]);
	}
	INSPECT(n.client, "b", &s);
	PP_PASS(pp_proc_destroy(n.client, "b", &l));
	pstate_from_list_at(__LINE__, l, "b", &gone);
	PSTATE_EQ(&gone, &s);
	PP_FAIL(pp_proc_inspect(n.client, "b", NULL), PP_ENOPROC);
	PP_FAIL(pp_proc_destroy(n.client, "b", NULL), PP_ENOPROC);
	PP_FAIL(pp_ack(n.client, "b", 0, NULL), PP_ENOPROC);

	/* The others are untouched, before and after a restart. */
	for (k = 0; k < 2; k++) {
		na = PROCS(n.client, after, 8);
		PP_ASSERT_U64_EQ(na, 5);
		for (i = 0; i < na; i++) {
			size_t j = i < 1 ? i : i + 1;

			PSTATE_EQ(&after[i], &before[j]);
		}
		if (k == 0) {
			pp_t_node_stop(&n);
			pp_t_node_start(&n, NULL);
		}
	}
	PP_FAIL(pp_proc_inspect(n.client, "b", NULL), PP_ENOPROC);
	/* The name is free again: a brand-new proc, from its offset, with
	 * any options. */
	o.count = 3;
	CLAIM_EXPECT(n.client, "u", "b", &o, 0, 3);
	INSPECT(n.client, "b", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_ASSERT_STR_EQ(s.last_error, "");
	PP_ASSERT_STR_EQ(s.topic, "u");
	PP_ASSERT_U64_EQ(s.i.opts.count, 3);
	pp_t_node_stop(&n);
}

/* ---- ack_commit
 * ---------------------------------------------------------------------- */

static void
test_ack_commit(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, 10, -1, PP_ON_MAX_DISABLE);
	pp_record    r[3]
	    = { { "out", "o0", 2 }, { "out2", "p0", 2 }, { "out", "o1", 2 } };
	pp_id     ids[3];
	pp_t_logs logs;
	pstate    s;
	uint64_t  t;

	COMMIT_SEQS(n->client, "in", 0, 3, NULL);
	t = CLAIM_EXPECT(n->client, "in", "p", &o, 0, 2);
	PP_PASS(pp_ack_commit(n->client, "p", t, r, 3, ids));
	PP_ASSERT_U64_EQ(ids[0].seq, 0);
	PP_ASSERT_U64_EQ(ids[1].seq, 0);
	PP_ASSERT_U64_EQ(ids[2].seq, 1);
	PP_ASSERT_U64_EQ(ids[1].ms, ids[0].ms);
	PP_ASSERT_U64_EQ(ids[2].ms, ids[0].ms);
	pp_t_read_all(n->client, "out", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2);
	PP_ASSERT_STR_EQ(logs.bodies[0], "o0");
	PP_ASSERT_STR_EQ(logs.bodies[1], "o1");
	pp_t_logs_free(&logs);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "out2"), 1);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	PP_ASSERT_U64_CMP(s.i.last_acked_ms, >, 0);
	/* ack_commit ends a run of reclaims as an ack does. */
	t = CLAIM_EXPECT(n->client, "in", "p", &o, 2, 1);
	PP_PASS(pp_reclaim(n->client, "p", t, "e"));
	t = CLAIM_EXPECT(n->client, "in", "p", &o, 2, 1);
	PP_PASS(pp_ack_commit(n->client, "p", 0, r, 1, ids));
	PP_ASSERT_U64_EQ(ids[0].seq, 2);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_ASSERT_U64_EQ(s.i.next_seq, 3);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
}

static void
test_ack_commit_refused(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 1, -1, -1, PP_ON_MAX_DISABLE);
	pp_record    r[2] = { { "out", "x", 1 }, { "out", "y", 1 } };
	pp_record    bad[2] = { { "out", "x", 1 }, { "bad topic", "y", 1 } };
	pp_id        ids[2] = { { 9, 9 }, { 9, 9 } };
	pstate       before, after;
	uint64_t     t1, t2;

	COMMIT_SEQS(n->client, "in", 0, 2, NULL);
	COMMIT_SEQS(n->client, "out", 0, 1, NULL);
	t1 = CLAIM_EXPECT(n->client, "in", "p", &o, 0, 1);
	PP_PASS(pp_reclaim(n->client, "p", t1, NULL));
	t2 = CLAIM_EXPECT(n->client, "in", "p", &o, 0, 1);
	INSPECT(n->client, "p", &before);

	/* Stale token: nothing is committed and the claim stays. */
	PP_FAIL(pp_ack_commit(n->client, "p", t1, r, 2, ids), PP_ESTALE_CLAIM);
	PP_ASSERT_U64_EQ(ids[0].ms, 9);
	PP_ASSERT_U64_EQ(ids[1].seq, 9);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "out"), 1);
	/* Nothing to commit, or a bad record: the ack does not happen. */
	PP_FAIL(pp_ack_commit(n->client, "p", t2, r, 0, ids), PP_EEMPTY);
	PP_FAIL(
	    pp_ack_commit(n->client, "p", t2, bad, 2, ids), PP_EINVALID_TOPIC);
	PP_ASSERT_U64_EQ(ids[0].ms, 9);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "out"), 1);
	INSPECT(n->client, "p", &after);
	PSTATE_EQ(&after, &before);
	PP_ASSERT_TRUE(after.i.has_claim);
	PP_ASSERT_U64_EQ(after.i.claim_token, t2);

	PP_PASS(pp_ack_commit(n->client, "p", t2, r, 2, ids));
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "out"), 3);
	PP_ASSERT_U64_EQ(ids[0].seq, 1);
	PP_ASSERT_U64_EQ(ids[1].seq, 2);
	/* The same token again: the claim is gone, nothing is committed. */
	{
		int rv = pp_ack_commit(n->client, "p", t2, r, 2, ids);

		if (rv != PP_ENOTHING_TO_ACK && rv != PP_ESTALE_CLAIM) {
			PP_FAIL_AT(
			    "second ack_commit returned %s", pp_errname(rv));
		}
	}
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "out"), 3);
}

/* ---- the reclaim timer
 * ---------------------------------------------------------------- */

static void
test_timer_releases(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, 10, 200, PP_ON_MAX_DISABLE);
	pstate       s;
	uint64_t     start, released, t;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	start = pp_t_mono_ms();
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(s.i.has_claim);
	PP_ASSERT_U64_CMP(s.i.claim_deadline_ms, >=, s.i.last_claimed_ms + 200);
	PP_ASSERT_U64_CMP(s.i.claim_deadline_ms, <=, s.i.last_claimed_ms + 300);
	/* No client call on this proc until the timer has done its job:
	 * only inspects, which must not reclaim anything themselves. */
	PP_WAIT_UNTIL(!proc_has_claim(n->client, "p"), 3000);
	released = pp_t_mono_ms();
	pp_t_diag("released %" PRIu64 " ms after the claim (timeout 200)",
	    released - start);
	PP_ASSERT_U64_CMP(released - start, >=, 190);
	PP_ASSERT_U64_CMP(released - start, <, 200 + pp_t_scaled(1000));
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	PP_ASSERT_U64_EQ(s.i.next_seq, 0);
	PP_FAIL(pp_ack(n->client, "p", t, NULL), PP_ENOTHING_TO_ACK);
	/* The same logs again, under a new token. */
	PP_ASSERT_U64_CMP(CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2), !=, t);
}

static void
test_timer_counts_toward_max(pp_tnode *n)
{
	pp_proc_opts dis = proc_opts_make(">", 1, 1, 100, PP_ON_MAX_DISABLE);
	pp_proc_opts dl = proc_opts_make(">", 1, 0, 100, PP_ON_MAX_DEADLETTER);
	pstate       s;

	COMMIT_SEQS(n->client, "t", 0, 2, NULL);
	/* max_reclaims 1: the first timeout hands the log out again, the
	 * second disables the proc. */
	CLAIM_EXPECT(n->client, "t", "dis", &dis, 0, 1);
	PP_WAIT_UNTIL(!proc_has_claim(n->client, "dis"), 3000);
	INSPECT(n->client, "dis", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	CLAIM_EXPECT(n->client, "t", "dis", &dis, 0, 1);
	PP_WAIT_UNTIL(proc_is_disabled(n->client, "dis"), 3000);
	INSPECT(n->client, "dis", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 2);
	/* Dead-lettering by the timer alone. */
	CLAIM_EXPECT(n->client, "t", "dl", &dl, 0, 1);
	PP_WAIT_UNTIL(proc_length_or_zero(n->client, "t.dead") == 1, 3000);
	PP_WAIT_UNTIL(!proc_has_claim(n->client, "dl"), 3000);
	INSPECT(n->client, "dl", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 1);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	CLAIM_EXPECT(n->client, "t", "dl", &dl, 1, 1);
}

static void
test_timer_wakes_waiter(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, -1, 300, PP_ON_MAX_DISABLE);
	waiter       w;
	uint64_t     claimed, t;

	COMMIT_SEQS(n->client, "t", 0, 2, NULL);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	claimed = pp_t_mono_ms();
	/* Another consumer blocks on the busy proc. */
	waiter_start(&w, n->address, "t", "p", &o, 5000);
	waiter_join(&w, 10000);
	PP_PASS(w.rv);
	PP_ASSERT_U64_EQ(w.count, 2);
	PP_ASSERT_U64_EQ(w.first_seq, 0);
	PP_ASSERT_STR_EQ(w.body, "t-0");
	PP_ASSERT_U64_CMP(w.token, !=, t);
	pp_t_diag("the waiter got the released claim %" PRIu64
	          " ms after the claim (timeout 300)",
	    w.return_ms - claimed);
	PP_ASSERT_U64_CMP(w.return_ms - claimed, <, 300 + pp_t_scaled(1000));
	/* It holds the claim now: the old token is stale. */
	PP_FAIL(pp_ack(n->client, "p", t, NULL), PP_ESTALE_CLAIM);
	ACK(n->client, "p", w.token);
}

/* ---- blocking claims
 * -------------------------------------------------------------------- */

/* A waiter blocks, then another client commits: the waiter gets the log
 * within milliseconds of the commit. */
static void
wake_on_commit(int wait_ms)
{
	pp_proc_opts o = proc_opts_make(">", 5, 10, 10000, PP_ON_MAX_DISABLE);
	pp_tnode     n;
	pp_client   *other;
	waiter       w;
	uint64_t     commit_ms;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_SEQS(n.client, "t", 0, 1, NULL);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", &o, 0, 1));
	other = pp_t_connect(n.address);
	waiter_start(&w, n.address, "t", "p", &o, wait_ms);
	/* The stimulus comes once the waiter has been inside pp_proc for a
	 * while (if it was not blocked yet, it gets the log at once). */
	PP_WAIT_UNTIL(atomic_load(&w.is_calling), 10000);
	PP_WAIT_UNTIL(pp_t_mono_ms() >= w.call_ms + 200, 10000);
	PP_ASSERT_TRUE(!atomic_load(&w.is_done));
	commit_ms = pp_t_mono_ms();
	COMMIT_SEQS(other, "t", 1, 1, NULL);
	waiter_join(&w, 10000);
	PP_PASS(w.rv);
	PP_ASSERT_U64_EQ(w.count, 1);
	PP_ASSERT_U64_EQ(w.first_seq, 1);
	PP_ASSERT_STR_EQ(w.body, "t-1");
	pp_t_diag("woken %" PRIu64 " ms after the commit call",
	    w.return_ms - commit_ms);
	PP_ASSERT_U64_CMP(w.return_ms - commit_ms, <, pp_t_scaled(1000));
	ACK(other, "p", w.token);
	pp_close(other);
	pp_t_node_stop(&n);
}

static void
test_wait_wakes(void)
{
	wake_on_commit(5000);
}

static void
test_wait_forever_wakes(void)
{
	wake_on_commit(-1);
}

static void
test_wait_idle(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 1, 10, 10000, PP_ON_MAX_DISABLE);
	pp_claim    *cl = NULL;
	uint64_t     start, took;

	start = pp_t_mono_ms();
	PP_PASS(pp_proc(n->client, "t", "p", &o, 300, &cl));
	took = pp_t_mono_ms() - start;
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 0);
	pp_claim_free(cl);
	pp_t_diag("an idle wait of 300 ms took %" PRIu64 " ms", took);
	PP_ASSERT_U64_CMP(took, >=, 300 - 50);
	PP_ASSERT_U64_CMP(took, <, 300 + pp_t_scaled(2000));
	/* wait_ms 0 returns at once. */
	start = pp_t_mono_ms();
	CLAIM_NOTHING(n->client, "t", "p", &o);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, pp_t_scaled(250));
	/* A log already there is returned at once, whatever wait_ms. */
	COMMIT_SEQS(n->client, "t", 0, 1, NULL);
	start = pp_t_mono_ms();
	PP_PASS(pp_proc(n->client, "t", "p", &o, 5000, &cl));
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, pp_t_scaled(1000));
	CHECK_CLAIM(cl, "t", 0, 1);
	pp_claim_free(cl);
	/* A waiter on a busy proc that nobody releases returns empty. */
	start = pp_t_mono_ms();
	PP_PASS(pp_proc(n->client, "t", "p", &o, 200, &cl));
	took = pp_t_mono_ms() - start;
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 0);
	pp_claim_free(cl);
	PP_ASSERT_U64_CMP(took, >=, 200 - 50);
}

/* ---- lag and pp_procs
 * ------------------------------------------------------------------- */

static void
test_lag(pp_tnode *n)
{
	pp_proc_opts o3 = proc_opts_make(">", 3, 10, -1, PP_ON_MAX_DISABLE);
	pp_proc_opts new = proc_opts_make("$>", 1, 10, -1, PP_ON_MAX_DISABLE);
	pp_id    ids[10], uids[2];
	pstate   s, all[4];
	uint64_t t, first;
	size_t   i;

	COMMIT_SEQS(n->client, "t", 0, 1, &ids[0]);
	proc_wait_past_ms(ids[0].ms);
	COMMIT_SEQS(n->client, "t", 1, 5, &ids[1]);
	proc_wait_past_ms(ids[1].ms);
	COMMIT_SEQS(n->client, "t", 6, 4, &ids[6]);
	COMMIT_SEQS(n->client, "u", 0, 2, uids);

	/* A claim does not move the cursor: lag counts claimed logs. */
	t = CLAIM_EXPECT(n->client, "t", "z", &o3, 0, 3);
	INSPECT(n->client, "z", &s);
	PP_ASSERT_U64_EQ(s.i.lag, 10);
	PP_ASSERT_U64_EQ(s.i.oldest_unacked_ms, ids[0].ms);
	ACK(n->client, "z", t);
	INSPECT(n->client, "z", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 3);
	PP_ASSERT_U64_EQ(s.i.lag, 7);
	PP_ASSERT_U64_EQ(s.i.oldest_unacked_ms, ids[3].ms);
	for (first = 3; first < 9; first += 3) {
		ACK(n->client, "z",
		    CLAIM_EXPECT(n->client, "t", "z", &o3, first, 3));
	}
	INSPECT(n->client, "z", &s);
	PP_ASSERT_U64_EQ(s.i.lag, 1);
	PP_ASSERT_U64_EQ(s.i.oldest_unacked_ms, ids[9].ms);
	ACK(n->client, "z", CLAIM_EXPECT(n->client, "t", "z", &o3, 9, 1));

	/* A proc that never claimed, and one that only sees new logs. */
	CLAIM_NOTHING(n->client, "t", "m", &new);
	PP_PASS(pp_proc_inspect(n->client, "m", NULL));
	{
		pp_claim    *cl = NULL;
		pp_proc_opts o1 = proc_opts_make(">", 1, 10, -1, PP_ON_MAX_DISABLE);

		/* Creating "a" claims u-0; give it back so "a" has no claim. */
		PP_PASS(pp_proc(n->client, "u", "a", &o1, 0, &cl));
		PP_ASSERT_U64_EQ(pp_claim_count(cl), 1);
		PP_PASS(pp_reclaim(n->client, "a", pp_claim_token(cl), NULL));
		pp_claim_free(cl);
	}
	PP_ASSERT_U64_EQ(PROCS(n->client, all, 4), 3);
	PP_ASSERT_STR_EQ(all[0].name, "a");
	PP_ASSERT_STR_EQ(all[1].name, "m");
	PP_ASSERT_STR_EQ(all[2].name, "z");
	PP_ASSERT_U64_EQ(all[0].i.lag, 2);
	PP_ASSERT_U64_EQ(all[0].i.oldest_unacked_ms, uids[0].ms);
	PP_ASSERT_U64_EQ(all[1].i.lag, 0);
	PP_ASSERT_U64_EQ(all[1].i.oldest_unacked_ms, 0);
	PP_ASSERT_U64_EQ(all[2].i.lag, 0);
	PP_ASSERT_U64_EQ(all[2].i.oldest_unacked_ms, 0);
	PP_ASSERT_U64_EQ(all[2].i.next_seq, 10);
	for (i = 0; i < 3; i++) {
		INSPECT(n->client, all[i].name, &s);
		PSTATE_EQ(&s, &all[i]);
	}
	/* New logs raise the lag of every proc of that topic. */
	COMMIT_SEQS(n->client, "t", 10, 2, &ids[0]);
	INSPECT(n->client, "m", &s);
	PP_ASSERT_U64_EQ(s.i.lag, 2);
	PP_ASSERT_U64_EQ(s.i.oldest_unacked_ms, ids[0].ms);
	INSPECT(n->client, "z", &s);
	PP_ASSERT_U64_EQ(s.i.lag, 2);
}

/* ---- restart
 * -----------------------------------------------------------------------------
 */

static void
test_restart(void)
{
	pp_proc_opts claimed = proc_opts_make(">", 2, 5, -1, PP_ON_MAX_CONTINUE);
	pp_proc_opts acked = proc_opts_make(":0", 1, 10, -1, PP_ON_MAX_DISABLE);
	pp_proc_opts dis = proc_opts_make(">", 1, 10, -1, PP_ON_MAX_DISABLE);
	pp_proc_opts dl = proc_opts_make("$>", 7, 3, 60000, PP_ON_MAX_DEADLETTER);
	pp_proc_opts timer = proc_opts_make(">", 1, 10, 4000, PP_ON_MAX_DISABLE);
	pp_tnode     n;
	pstate       before[8], after[8], s;
	pp_claim    *cl = NULL;
	uint64_t     t_claimed, t_timer, t_new, released;
	size_t       i, nb;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_SEQS(n.client, "t", 0, 6, NULL);
	t_claimed = CLAIM_EXPECT(n.client, "t", "claimed", &claimed, 0, 2);
	PP_PASS(pp_reclaim(n.client, "claimed", t_claimed, "boom"));
	t_claimed = CLAIM_EXPECT(n.client, "t", "claimed", &claimed, 0, 2);
	ACK(n.client, "acked",
	    CLAIM_EXPECT(n.client, "t", "acked", &acked, 1, 1));
	ACK(n.client, "acked",
	    CLAIM_EXPECT(n.client, "t", "acked", &acked, 2, 1));
	CLAIM_AND_RECLAIM(n.client, "t", "acked", &acked, 3, 1, "kept text");
	CLAIM_EXPECT(n.client, "t", "dis", &dis, 0, 1);
	PP_PASS(pp_proc_disable(n.client, "dis", NULL));
	CLAIM_NOTHING(n.client, "t", "dl", &dl);
	t_timer = CLAIM_EXPECT(n.client, "t", "timer", &timer, 0, 1);
	nb = PROCS(n.client, before, 8);
	PP_ASSERT_U64_EQ(nb, 5);

	pp_t_node_stop(&n);
	pp_t_node_start(&n, NULL);
	PP_ASSERT_U64_EQ(PROCS(n.client, after, 8), nb);
	INSPECT(n.client, "timer", &s);
	/* The claim of "timer" must still be outstanding: its deadline is
	 * seconds away unless the restart was very slow. */
	PP_ASSERT_U64_CMP(pp_t_now_ms(), <, s.i.claim_deadline_ms);
	for (i = 0; i < nb; i++) {
		PSTATE_EQ(&after[i], &before[i]);
	}
	/* Options were persisted (count included). */
	CHECK_OPTS(&after[0], &acked);
	CHECK_OPTS(&after[1], &claimed);
	CHECK_OPTS(&after[2], &dis);
	CHECK_OPTS(&after[3], &dl);
	CHECK_OPTS(&after[4], &timer);
	dl.count = 8;
	PP_FAIL(pp_proc(n.client, "t", "dl", &dl, 0, &cl), PP_EPROC_EXISTS);
	dl.count = 7;
	CLAIM_NOTHING(n.client, "t", "dl", &dl);
	/* "$>" was resolved at creation, not at restart. */
	COMMIT_SEQS(n.client, "t", 6, 1, NULL);
	CLAIM_EXPECT(n.client, "t", "dl", &dl, 6, 1);
	PP_FAIL(pp_proc(n.client, "t", "dis", &dis, 0, &cl), PP_EPROC_DISABLED);
	PP_ASSERT_STR_EQ(after[0].last_error, "kept text");

	/* Outstanding claims keep their tokens... */
	CLAIM_NOTHING(n.client, "t", "claimed", &claimed);
	ACK(n.client, "claimed", t_claimed);
	CLAIM_EXPECT(n.client, "t", "claimed", &claimed, 2, 2);
	/* ... and their deadlines: released by the timer, on time. */
	PP_WAIT_UNTIL(!proc_has_claim(n.client, "timer"), 10000);
	released = pp_t_now_ms();
	PP_ASSERT_U64_CMP(released + 20, >=, before[4].i.claim_deadline_ms);
	PP_ASSERT_U64_CMP(
	    released, <, before[4].i.claim_deadline_ms + pp_t_scaled(1500));
	INSPECT(n.client, "timer", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	/* Tokens are never reused across a restart. */
	t_new = CLAIM_EXPECT(n.client, "t", "timer", &timer, 0, 1);
	PP_ASSERT_U64_CMP(t_new, !=, t_timer);
	PP_ASSERT_U64_CMP(t_new, !=, t_claimed);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("offset > claims from the first stored log, count logs at a time",
	    test_offset_first, 0),
	PP_NODE_CASE("NULL options mean PP_PROC_OPTS_INIT with offset >",
	    test_offset_null_is_first, 0),
	PP_NODE_CASE("offset $> claims only logs committed after the proc was created",
	    test_offset_new_only, 0),
	PP_NODE_CASE("offsets :S and T-S start after the named log, also inside its "
	  "millisecond",
	    test_offset_after_log, 0),
	PP_NODE_CASE("offset T starts at the first log of millisecond T",
	    test_offset_millisecond, 0),
	PP_NODE_CASE("an offset beyond the end waits for logs instead of failing",
	    test_offset_beyond_end, 0),
	PP_NODE_CASE("a claim with nothing available is an empty claim, not an error",
	    test_claim_nothing, 0),
	PP_NODE_CASE("while a claim is outstanding pp_proc hands out nothing to any "
	  "client",
	    test_one_claim_at_a_time, 0),
	PP_NODE_CASE("ack, reclaim and ack_commit without a claim fail and change "
	  "nothing",
	    test_ack_without_claim, 0),
	PP_NODE_CASE("a stale claim token is refused by ack, reclaim and ack_commit and "
	  "the current claim stays",
	    test_stale_token, 0),
	PP_NODE_CASE("token 0 acks or reclaims whatever claim is outstanding",
	    test_token_zero, 0),
	PP_NODE_CASE("every call on an unknown proc fails with PP_ENOPROC",
	    test_unknown_proc, 0),
	PP_CASE("invalid options, names, topics and offsets are refused before the "
	  "proc exists",
	    test_invalid_options, 0),
	PP_NODE_CASE("other options than the stored ones are PP_EPROC_EXISTS, the same "
	  "ones are accepted",
	    test_options_mismatch, 0),
	PP_NODE_CASE("a reclaim hands the same logs out again and reclaims count until "
	  "an ack",
	    test_reclaim_same_logs, 0),
	PP_NODE_CASE("max_reclaims with PP_ON_MAX_DISABLE disables after that many "
	  "reclaims in a row; resume resets",
	    test_max_reclaims_disable, 0),
	PP_NODE_CASE("max_reclaims 0 disables at the first reclaim and -1 never "
	  "disables",
	    test_max_reclaims_zero_and_never, 0),
	PP_NODE_CASE("PP_ON_MAX_CONTINUE keeps handing out the same logs",
	    test_max_reclaims_continue, 0),
	PP_NODE_CASE("PP_ON_MAX_DEADLETTER moves the logs to <topic>.dead with proc, "
	  "attempts and error, and moves on",
	    test_max_reclaims_deadletter, 0),
	PP_NODE_CASE("disable and resume refuse a second call and keep the outstanding "
	  "claim",
	    test_disable_resume, 0),
	PP_CASE("destroy removes exactly that proc, also across a restart, and the "
	  "name starts fresh",
	    test_destroy, 0),
	PP_NODE_CASE("ack_commit commits its logs and acks the claim together",
	    test_ack_commit, 0),
	PP_NODE_CASE("ack_commit with a stale token or bad records commits nothing and "
	  "keeps the claim",
	    test_ack_commit_refused, 0),
	PP_NODE_CASE("the node's timer releases an expired claim without any client "
	  "call",
	    test_timer_releases, 0),
	PP_NODE_CASE("reclaims by the timer count toward max_reclaims, disable and "
	  "dead-letter",
	    test_timer_counts_toward_max, 0),
	PP_NODE_CASE("a pp_proc blocked with wait_ms receives the claim the timer "
	  "released",
	    test_timer_wakes_waiter, 0),
	PP_CASE("pp_proc with wait_ms returns a log committed by another client "
	  "at once",
	    test_wait_wakes, 0),
	PP_CASE("pp_proc with wait_ms -1 returns a log committed by another client "
	  "at once",
	    test_wait_forever_wakes, 0),
	PP_NODE_CASE("an idle pp_proc with wait_ms returns an empty claim after about "
	  "wait_ms",
	    test_wait_idle, 0),
	PP_NODE_CASE("pp_procs lists every proc in name order with its lag and oldest "
	  "unacked log",
	    test_lag, 0),
	PP_CASE("procs, options, cursors, errors, claims and deadlines survive a "
	  "restart",
	    test_restart, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
