/*
 * live_test.c - liveProcs against a real node (issue 4 item 4; PEER §13
 * and §14 with the fixes of PEER §23.13, 23.15 and 23.22): live and all
 * modes, batches, settling a claim from inside the callback (ack,
 * ack_commit, reclaim, the return value), cancel (twice, from inside the
 * callback, by free) leaving no proc behind, pp_wait_for_procs with idle
 * and busy liveProcs, delivery without polling delays, a client shared
 * with other threads, and the error paths (bad arguments, a killed node).
 *
 * Conventions: topic logs are committed with the body "<topic>-<seq>". A
 * `recorder` is the callbacks' argument: it copies every delivered log
 * and every status under its mutex and signals its condition, and the
 * case waits on that condition with a deadline (never a fixed sleep).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "proc_util.h"

#define REC_MAX  512 /* logs a recorder keeps */
#define OUT_MAX  16  /* logs per claim the ack_commit case expects */
#define BODY_MAX 64

/* What a callback does with a claim (the cases' behaviours). */
enum rec_action {
	ACT_RETURN_0,      /* return 0: the liveProc acks */
	ACT_ACK,           /* pp_live_ack, then a second one (must fail) */
	ACT_ACK_COMMIT,    /* pp_live_ack_commit of "out-<body>" to "out" */
	ACT_RECLAIM_FIRST, /* reclaim its first delivery, ack the next */
	ACT_FAIL_FIRST,    /* return 7 on its first delivery, then 0 */
	ACT_CANCEL,        /* pp_live_proc_cancel from inside, return 0 */
	ACT_GATE           /* wait until the case opens the gate */
};

typedef struct recorder {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	enum rec_action action;
	pp_client      *client; /* for inspect from inside the callback */
	/* Every delivered log, in order: */
	size_t   nlogs;
	uint64_t seqs[REC_MAX];
	char     bodies[REC_MAX][BODY_MAX];
	/* Claims and statuses: */
	size_t   nclaims;
	size_t   sizes[REC_MAX];
	size_t   nerrors;
	int      last_status;
	uint64_t entered_ms; /* CLOCK_MONOTONIC at the last entry */
	/* Results seen inside the callback: */
	int         second_ack_rv;
	int         settle_rv;
	int         later_rv; /* a later delivery's settling call */
	bool        is_cancel_returned; /* set by the case's canceller */
	bool        was_cancel_returned; /* ... as the gate opened */
	int         cancel_rv;
	char        last_error[256]; /* inspect's last_error on redelivery */
	uint32_t    reclaims;        /* ... and its reclaims */
	bool        is_in_gate;
	bool        is_gate_open;
	bool        is_wrong_thread; /* fn ran on two threads */
	bool        is_empty_claim;  /* fn got a claim without logs */
	pthread_t   thread;
	bool        has_thread;
} recorder;

static void
rec_init(recorder *r, enum rec_action action, pp_client *client)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->action = action;
	r->client = client;
}

/* Waits until pred(r) holds, at most timeout_ms (scaled); fails else. */
static void
rec_wait_at(int line, recorder *r, bool (*pred)(const recorder *, size_t),
    size_t arg, int timeout_ms, const char *what)
{
	struct timespec until;
	uint64_t        ms = (uint64_t)pp_t_scaled(timeout_ms);
	bool            ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	while (!(ok = pred(r, arg)) &&
	    pthread_cond_timedwait(&r->cv, &r->mu, &until) == 0) {
	}
	ok = pred(r, arg);
	pthread_mutex_unlock(&r->mu);
	if (!ok) {
		pp_t_fail(__FILE__, line,
		    "not within %d ms: %s %zu (logs %zu, claims %zu, errors "
		    "%zu)",
		    timeout_ms, what, arg, r->nlogs, r->nclaims, r->nerrors);
	}
}

static bool
has_logs(const recorder *r, size_t n)
{
	return (r->nlogs >= n);
}

static bool
has_errors(const recorder *r, size_t n)
{
	return (r->nerrors >= n);
}

static bool
is_in_gate(const recorder *r, size_t n)
{
	(void)n;
	return (r->is_in_gate);
}

#define WAIT_LOGS(r, n, ms) \
	rec_wait_at(__LINE__, (r), has_logs, (n), (ms), "logs delivered")
#define WAIT_ERRORS(r, n, ms) \
	rec_wait_at(__LINE__, (r), has_errors, (n), (ms), "errors seen")
#define WAIT_GATE(r, ms) \
	rec_wait_at(__LINE__, (r), is_in_gate, 0, (ms), "in the gate")

static size_t
rec_nlogs(recorder *r)
{
	size_t n;

	pthread_mutex_lock(&r->mu);
	n = r->nlogs;
	pthread_mutex_unlock(&r->mu);
	return (n);
}

static void
rec_open_gate(recorder *r)
{
	pthread_mutex_lock(&r->mu);
	r->is_gate_open = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Copies the claim's logs and notes its size and thread (under mu). */
static void
rec_add(recorder *r, const pp_claim *claim)
{
	const pp_log *log;
	size_t        i;

	if (r->has_thread && !pthread_equal(r->thread, pthread_self())) {
		r->is_wrong_thread = true;
	}
	r->thread = pthread_self();
	r->has_thread = true;
	if (pp_claim_count(claim) == 0) {
		r->is_empty_claim = true;
	}
	r->sizes[r->nclaims < REC_MAX ? r->nclaims : REC_MAX - 1] =
	    pp_claim_count(claim);
	r->nclaims++;
	for (i = 0; i < pp_claim_count(claim) && r->nlogs < REC_MAX; i++) {
		log = pp_claim_log(claim, i);
		r->seqs[r->nlogs] = log->id.seq;
		snprintf(r->bodies[r->nlogs], BODY_MAX, "%.*s",
		    (int)log->len, (const char *)log->body);
		r->nlogs++;
	}
}

/* Inspects the liveProc's proc from inside the callback. */
static void
rec_inspect(recorder *r, pp_live *live)
{
	pp_proc_list       *list = NULL;
	const pp_proc_info *info;

	if (pp_proc_inspect(r->client, pp_live_proc_name(live), &list) == 0 &&
	    (info = pp_proc_list_get(list, 0)) != NULL) {
		snprintf(r->last_error, sizeof(r->last_error), "%s",
		    info->last_error);
		r->reclaims = info->reclaims;
	}
	pp_proc_list_free(list);
}

/* The callback of every case; what it does is r->action. */
static int
on_claim(pp_live *live, const pp_claim *claim, int status, void *arg)
{
	recorder     *r = arg;
	pp_record     out[OUT_MAX];
	char          bodies[OUT_MAX][BODY_MAX + 8];
	pp_id         ids[OUT_MAX];
	const pp_log *log;
	size_t        i, n;
	bool          is_first;
	int           ret = 0;

	if (status != 0 || claim == NULL) {
		pthread_mutex_lock(&r->mu);
		r->nerrors++;
		r->last_status = status != 0 ? status : -9999;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		return (0);
	}
	pthread_mutex_lock(&r->mu);
	r->entered_ms = pp_t_mono_ms();
	is_first = r->nclaims == 0;
	pthread_mutex_unlock(&r->mu);

	switch (r->action) {
	case ACT_RETURN_0:
		break;
	case ACT_ACK:
		r->settle_rv = pp_live_ack(live);
		r->second_ack_rv = pp_live_ack(live);
		break;
	case ACT_ACK_COMMIT:
		n = pp_claim_count(claim);
		n = n < OUT_MAX ? n : OUT_MAX;
		for (i = 0; i < n; i++) {
			log = pp_claim_log(claim, i);
			out[i].topic = "out";
			out[i].len = (size_t)snprintf(bodies[i],
			    sizeof(bodies[i]), "out-%.*s", (int)log->len,
			    (const char *)log->body);
			out[i].body = bodies[i];
		}
		r->settle_rv = pp_live_ack_commit(live, out, n, ids);
		r->second_ack_rv = pp_live_ack(live);
		break;
	case ACT_RECLAIM_FIRST:
		if (is_first) {
			r->settle_rv = pp_live_reclaim(live, "bad input");
			r->second_ack_rv = pp_live_reclaim(live, "again");
		} else {
			rec_inspect(r, live);
			r->later_rv = pp_live_ack(live);
		}
		break;
	case ACT_FAIL_FIRST:
		if (is_first) {
			ret = 7;
		} else {
			rec_inspect(r, live);
		}
		break;
	case ACT_CANCEL:
		r->cancel_rv = pp_live_proc_cancel(live);
		break;
	case ACT_GATE:
		pthread_mutex_lock(&r->mu);
		r->is_in_gate = true;
		pthread_cond_broadcast(&r->cv);
		while (!r->is_gate_open) {
			pthread_cond_wait(&r->cv, &r->mu);
		}
		r->is_in_gate = false;
		r->was_cancel_returned = r->is_cancel_returned;
		pthread_mutex_unlock(&r->mu);
		break;
	}
	pthread_mutex_lock(&r->mu);
	rec_add(r, claim);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return (ret);
}

/* Delivered logs [from, from+n) are "<topic>-<first>"... in order. */
static void
check_logs_at(int line, recorder *r, size_t from, const char *topic,
    uint64_t first, size_t n)
{
	char   want[BODY_MAX];
	size_t i;

	pthread_mutex_lock(&r->mu);
	if (r->nlogs < from + n) {
		pthread_mutex_unlock(&r->mu);
		pp_t_fail(__FILE__, line, "%zu logs delivered, expected %zu",
		    r->nlogs, from + n);
	}
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "%s-%" PRIu64, topic, first + i);
		if (r->seqs[from + i] != first + i ||
		    strcmp(r->bodies[from + i], want) != 0) {
			pthread_mutex_unlock(&r->mu);
			pp_t_fail(__FILE__, line,
			    "log %zu: seq %" PRIu64 " \"%s\", expected seq %"
			    PRIu64 " \"%s\"",
			    from + i, r->seqs[from + i], r->bodies[from + i],
			    first + i, want);
		}
	}
	if (r->is_wrong_thread || r->is_empty_claim) {
		pthread_mutex_unlock(&r->mu);
		pp_t_fail(__FILE__, line, "the callback ran on two threads "
		    "or got a claim without logs");
	}
	pthread_mutex_unlock(&r->mu);
}
#define CHECK_LOGS(r, from, topic, first, n) \
	check_logs_at(__LINE__, (r), (from), (topic), (first), (n))

/* pp_live_proc that must succeed. */
static pp_live *
live_start_at(int line, pp_client *c, const char *topic,
    const pp_live_opts *o, recorder *r)
{
	pp_live      *live = NULL;
	int           rv;

	if ((rv = pp_live_proc(c, topic, o, on_claim, r, &live)) != 0) {
		pp_t_fail(__FILE__, line, "pp_live_proc(%s): %s (%s)", topic,
		    pp_errname(rv), pp_client_errmsg(c));
	}
	if (live == NULL) {
		pp_t_fail(__FILE__, line, "pp_live_proc returned no handle");
	}
	return (live);
}
#define LIVE_START(c, topic, o, r) live_start_at(__LINE__, (c), (topic), (o), (r))

/* The state of one proc (copied), or PP_ENOPROC. */
static int
inspect(pp_client *c, const char *name, pp_proc_info *info, char *offset,
    size_t offset_len)
{
	pp_proc_list *list = NULL;
	int           rv;

	if ((rv = pp_proc_inspect(c, name, &list)) != 0) {
		return (rv);
	}
	*info = *pp_proc_list_get(list, 0);
	snprintf(offset, offset_len, "%s", info->offset);
	info->name = info->topic = info->offset = info->last_error = NULL;
	info->opts.offset = NULL;
	pp_proc_list_free(list);
	return (0);
}

/* How many procs whose name starts with "liveproc-" exist. */
static size_t
count_liveprocs(pp_client *c)
{
	pp_proc_list *list = NULL;
	size_t        i, n = 0;

	PP_PASS(pp_procs(c, &list));
	for (i = 0; i < pp_proc_list_count(list); i++) {
		if (strncmp(pp_proc_list_get(list, i)->name, "liveproc-", 9) ==
		    0) {
			n++;
		}
	}
	pp_proc_list_free(list);
	return (n);
}

/* ---- modes and batches --------------------------------------------------- */

static void
test_live_mode(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	const char   *name;
	recorder      r;
	pp_live      *live;

	rec_init(&r, ACT_RETURN_0, n->client);
	PUT_LOGS(n->client, "t", 0, 3);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 3, 2);
	WAIT_LOGS(&r, 2, 5000);
	/* Everything acked: the wait says so, and nothing else came. */
	name = pp_live_proc_name(live);
	PP_PASS(pp_wait_for_procs(n->client, &name, 1, pp_t_scaled(5000)));
	PP_ASSERT_U64_EQ(rec_nlogs(&r), 2);
	CHECK_LOGS(&r, 0, "t", 3, 2);
	PP_ASSERT_U64_EQ(r.nclaims, 2);
	PP_PASS(pp_live_proc_cancel(live));
	pp_live_proc_free(live);
}

static void
test_all_mode(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_ALL, 0, 0, 0 };
	recorder      r;
	pp_live      *live;

	rec_init(&r, ACT_RETURN_0, n->client);
	PUT_LOGS(n->client, "t", 0, 3);
	live = LIVE_START(n->client, "t", &o, &r);
	WAIT_LOGS(&r, 3, 5000);
	PUT_LOGS(n->client, "t", 3, 2);
	WAIT_LOGS(&r, 5, 5000);
	CHECK_LOGS(&r, 0, "t", 0, 5);
	pp_live_proc_free(live);
}

static void
test_options_persisted(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_ALL, 3, 0, 0 };
	pp_live_opts  o2 = { PP_LIVE_NEW, 0, -1, 2500 };
	pp_proc_info  info;
	recorder      r;
	pp_live      *live, *live2;
	const char   *name;
	char          offset[16];
	size_t        i;

	rec_init(&r, ACT_RETURN_0, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	live2 = LIVE_START(n->client, "t", &o2, &r);
	/* liveproc-<32 lower-case hex digits>, different every time. */
	name = pp_live_proc_name(live);
	PP_ASSERT_INT_EQ(strlen(name), 9 + 32);
	PP_ASSERT_TRUE(strncmp(name, "liveproc-", 9) == 0);
	for (i = 9; i < 9 + 32; i++) {
		PP_ASSERT_TRUE(strchr("0123456789abcdef", name[i]) != NULL);
	}
	PP_ASSERT_TRUE(strcmp(name, pp_live_proc_name(live2)) != 0);
	PP_PASS(inspect(n->client, name, &info, offset, sizeof(offset)));
	PP_ASSERT_STR_EQ(offset, ">");
	PP_ASSERT_INT_EQ(info.opts.count, 3);
	PP_ASSERT_INT_EQ(info.opts.max_reclaims, 10);
	PP_ASSERT_INT_EQ(info.opts.reclaim_timeout_ms, 10000);
	PP_ASSERT_INT_EQ(info.opts.on_max_reclaims, PP_ON_MAX_CONTINUE);
	PP_ASSERT_TRUE(!info.is_disabled);
	PP_PASS(inspect(n->client, pp_live_proc_name(live2), &info, offset,
	    sizeof(offset)));
	PP_ASSERT_STR_EQ(offset, "$>");
	PP_ASSERT_INT_EQ(info.opts.count, 1);
	PP_ASSERT_INT_EQ(info.opts.max_reclaims, -1);
	PP_ASSERT_INT_EQ(info.opts.reclaim_timeout_ms, 2500);
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 2);
	pp_live_proc_free(live);
	pp_live_proc_free(live2);
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 0);
}

static void
test_batches(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_ALL, 4, 0, 0 };
	pp_record     recs[10];
	pp_id         ids[10];
	char          bodies[10][BODY_MAX];
	recorder      r;
	pp_live      *live;
	size_t        i;

	rec_init(&r, ACT_RETURN_0, n->client);
	for (i = 0; i < 10; i++) {
		recs[i].topic = "t";
		recs[i].len = (size_t)snprintf(bodies[i], BODY_MAX, "t-%zu", i);
		recs[i].body = bodies[i];
	}
	PP_PASS(pp_commit(n->client, recs, 10, ids));
	live = LIVE_START(n->client, "t", &o, &r);
	WAIT_LOGS(&r, 10, 5000);
	CHECK_LOGS(&r, 0, "t", 0, 10);
	pthread_mutex_lock(&r.mu);
	PP_ASSERT_U64_EQ(r.nclaims, 3);
	PP_ASSERT_U64_EQ(r.sizes[0], 4);
	PP_ASSERT_U64_EQ(r.sizes[1], 4);
	PP_ASSERT_U64_EQ(r.sizes[2], 2);
	pthread_mutex_unlock(&r.mu);
	pp_live_proc_free(live);
}

/* ---- settling from inside the callback ----------------------------------- */

static void
test_ack(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_proc_info  info;
	recorder      r;
	pp_live      *live;
	char          offset[16];

	rec_init(&r, ACT_ACK, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	/* Outside the callback there is nothing to settle. */
	PP_FAIL(pp_live_ack(live), PP_ENOTHING_TO_ACK);
	PP_FAIL(pp_live_reclaim(live, NULL), PP_ENOTHING_TO_RECLAIM);
	PP_FAIL(pp_live_ack_commit(live, NULL, 0, NULL), PP_ENOTHING_TO_ACK);
	PUT_LOGS(n->client, "t", 0, 1);
	WAIT_LOGS(&r, 1, 5000);
	PP_PASS(r.settle_rv);
	PP_ASSERT_INT_EQ(r.second_ack_rv, PP_ENOTHING_TO_ACK);
	PP_PASS(inspect(n->client, pp_live_proc_name(live), &info, offset,
	    sizeof(offset)));
	PP_ASSERT_U64_EQ(info.next_seq, 1);
	PP_ASSERT_TRUE(info.last_acked_ms != 0);
	pp_live_proc_free(live);
}

static void
test_ack_commit(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_ALL, 2, 0, 0 };
	pp_proc_info  info;
	pp_t_logs     logs;
	recorder      r;
	pp_live      *live;
	const char   *name;
	char          offset[16];

	rec_init(&r, ACT_ACK_COMMIT, n->client);
	PUT_LOGS(n->client, "t", 0, 2);
	live = LIVE_START(n->client, "t", &o, &r);
	WAIT_LOGS(&r, 2, 5000);
	PP_PASS(r.settle_rv);
	PP_ASSERT_INT_EQ(r.second_ack_rv, PP_ENOTHING_TO_ACK);
	name = pp_live_proc_name(live);
	PP_PASS(pp_wait_for_procs(n->client, &name, 1, pp_t_scaled(5000)));
	/* The outputs are there, in claim order, and the cursor moved. */
	pp_t_read_all(n->client, "out", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2);
	PP_ASSERT_STR_EQ(logs.bodies[0], "out-t-0");
	PP_ASSERT_STR_EQ(logs.bodies[1], "out-t-1");
	/* One commit with the ack: one millisecond for both outputs. */
	PP_ASSERT_U64_EQ(logs.ids[0].ms, logs.ids[1].ms);
	pp_t_logs_free(&logs);
	PP_PASS(inspect(n->client, name, &info, offset, sizeof(offset)));
	PP_ASSERT_U64_EQ(info.next_seq, 2);
	PP_ASSERT_TRUE(!info.has_claim);
	pp_live_proc_free(live);
}

static void
test_reclaim(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	pp_live      *live;

	rec_init(&r, ACT_RECLAIM_FIRST, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 0, 1);
	/* Delivered twice: reclaimed, then acked. */
	WAIT_LOGS(&r, 2, 5000);
	CHECK_LOGS(&r, 0, "t", 0, 1);
	CHECK_LOGS(&r, 1, "t", 0, 1);
	PP_PASS(r.settle_rv);
	/* The first claim was settled already: its second reclaim failed;
	 * then the second delivery's ack passed. */
	PP_ASSERT_INT_EQ(r.second_ack_rv, PP_ENOTHING_TO_RECLAIM);
	PP_PASS(r.later_rv);
	PP_ASSERT_STR_EQ(r.last_error, "bad input");
	PP_ASSERT_INT_EQ(r.reclaims, 1);
	PUT_LOGS(n->client, "t", 1, 1);
	WAIT_LOGS(&r, 3, 5000);
	CHECK_LOGS(&r, 2, "t", 1, 1);
	pp_live_proc_free(live);
}

static void
test_return_nonzero(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_proc_info  info;
	recorder      r;
	pp_live      *live;
	const char   *name;
	char          offset[16];

	rec_init(&r, ACT_FAIL_FIRST, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 0, 1);
	WAIT_LOGS(&r, 2, 5000);
	CHECK_LOGS(&r, 0, "t", 0, 1);
	CHECK_LOGS(&r, 1, "t", 0, 1);
	PP_ASSERT_STR_EQ(r.last_error, "liveProc callback returned 7");
	PP_ASSERT_INT_EQ(r.reclaims, 1);
	/* The second delivery returned 0: acked. */
	name = pp_live_proc_name(live);
	PP_PASS(pp_wait_for_procs(n->client, &name, 1, pp_t_scaled(5000)));
	PP_PASS(inspect(n->client, name, &info, offset, sizeof(offset)));
	PP_ASSERT_U64_EQ(info.next_seq, 1);
	PP_ASSERT_INT_EQ(info.reclaims, 0);
	pp_live_proc_free(live);
}

/* ---- cancel ----------------------------------------------------------------- */

static void
test_cancel(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_proc_info  info;
	recorder      r;
	pp_live      *live;
	char          name[64], offset[16];
	const char   *name_p;
	uint64_t      start, took;

	rec_init(&r, ACT_RETURN_0, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	snprintf(name, sizeof(name), "%s", pp_live_proc_name(live));
	PUT_LOGS(n->client, "t", 0, 1);
	WAIT_LOGS(&r, 1, 5000);
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 1);
	/* Acked: the ack went with the next claim, which is parked now. */
	name_p = name;
	PP_PASS(pp_wait_for_procs(n->client, &name_p, 1, pp_t_scaled(5000)));
	/* The thread is parked in the node (wait: the request timeout,
	 * 60 s); cancel must wake it, not wait for the slice to end. */
	start = pp_t_mono_ms();
	PP_PASS(pp_live_proc_cancel(live));
	took = pp_t_mono_ms() - start;
	pp_t_diag("cancel of a parked liveProc took %" PRIu64 " ms", took);
	PP_ASSERT_U64_CMP(took, <, pp_t_scaled(2000));
	PP_FAIL(inspect(n->client, name, &info, offset, sizeof(offset)),
	    PP_ENOPROC);
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 0);
	/* Twice is fine; nothing is delivered any more. */
	PP_PASS(pp_live_proc_cancel(live));
	PUT_LOGS(n->client, "t", 1, 1);
	PP_ASSERT_U64_EQ(rec_nlogs(&r), 1);
	/* The parked claim was answered, so nothing re-creates the proc
	 * when the node retries its waits after a commit. */
	PP_PASS(pp_wait_for_procs(n->client, NULL, 0, pp_t_scaled(5000)));
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 0);
	pp_live_proc_free(live);
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 0);
}

static void
test_cancel_inside(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	pp_live      *live;

	rec_init(&r, ACT_CANCEL, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 0, 1);
	WAIT_LOGS(&r, 1, 5000);
	PP_PASS(r.cancel_rv);
	/* The thread destroys the proc once the callback has returned. */
	PP_WAIT_UNTIL(count_liveprocs(n->client) == 0, 5000);
	PUT_LOGS(n->client, "t", 1, 2);
	/* The later cancel waits for the thread and reports its result. */
	PP_PASS(pp_live_proc_cancel(live));
	PP_PASS(pp_live_proc_cancel(live));
	PP_ASSERT_U64_EQ(rec_nlogs(&r), 1);
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 0);
	pp_live_proc_free(live);
}

typedef struct canceller {
	recorder     *r;
	pp_live      *live;
	bool          is_called;
	int           rv;
} canceller;

static void *
canceller_main(void *arg)
{
	canceller *k = arg;

	pthread_mutex_lock(&k->r->mu);
	k->is_called = true;
	pthread_cond_broadcast(&k->r->cv);
	pthread_mutex_unlock(&k->r->mu);
	k->rv = pp_live_proc_cancel(k->live);
	pthread_mutex_lock(&k->r->mu);
	k->r->is_cancel_returned = true;
	pthread_mutex_unlock(&k->r->mu);
	return (NULL);
}

static bool
is_cancel_called(const recorder *r, size_t arg)
{
	(void)r;
	return (((const canceller *)(uintptr_t)arg)->is_called);
}

static void
test_cancel_during_callback(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	canceller     k;
	pthread_t     th;
	pp_live      *live;

	rec_init(&r, ACT_GATE, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 0, 2);
	WAIT_GATE(&r, 5000);
	/* Cancel from another thread while the callback runs: it returns
	 * only after the callback did, whenever the gate opens. */
	memset(&k, 0, sizeof(k));
	k.r = &r;
	k.live = live;
	PP_ASSERT_INT_EQ(pthread_create(&th, NULL, canceller_main, &k), 0);
	rec_wait_at(__LINE__, &r, is_cancel_called, (size_t)(uintptr_t)&k,
	    5000, "cancel called");
	rec_open_gate(&r);
	pthread_join(th, NULL);
	PP_PASS(k.rv);
	PP_ASSERT_TRUE(!r.was_cancel_returned);
	/* The callback that ran finished; the second log never came. */
	PP_ASSERT_U64_EQ(rec_nlogs(&r), 1);
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 0);
	pp_live_proc_free(live);
}

static void
test_free_without_cancel(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_ALL, 0, 0, 0 };
	recorder      r;
	pp_live      *live;
	int           i;

	rec_init(&r, ACT_RETURN_0, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 1);
	pp_live_proc_free(live);
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 0);
	pp_live_proc_free(NULL);
	/* Many in a row leave nothing behind either. */
	for (i = 0; i < 20; i++) {
		live = LIVE_START(n->client, "t", &o, &r);
		pp_live_proc_free(live);
	}
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 0);
}

static void
test_destroyed_elsewhere(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	pp_live      *live;

	rec_init(&r, ACT_GATE, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 0, 1);
	WAIT_GATE(&r, 5000);
	/* Destroyed while its callback runs: the ack that follows finds no
	 * proc; the liveProc reports PP_ENOPROC and stops, and creates
	 * nothing again. */
	PP_PASS(pp_proc_destroy(n->client, pp_live_proc_name(live), NULL));
	rec_open_gate(&r);
	WAIT_ERRORS(&r, 1, 5000);
	PP_ASSERT_INT_EQ(r.last_status, PP_ENOPROC);
	PUT_LOGS(n->client, "t", 1, 1);
	PP_PASS(pp_wait_for_procs(n->client, NULL, 0, pp_t_scaled(5000)));
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 0);
	PP_ASSERT_U64_EQ(rec_nlogs(&r), 1);
	PP_PASS(pp_live_proc_cancel(live));
	pp_live_proc_free(live);
	PP_ASSERT_U64_EQ(r.nerrors, 1);
}

/* ---- waitForProcs ------------------------------------------------------- */

static void
test_wait_for_procs(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	pp_live      *live;
	const char   *name;
	uint64_t      start;

	rec_init(&r, ACT_GATE, n->client);
	PUT_LOGS(n->client, "t", 0, 3);
	live = LIVE_START(n->client, "t", &o, &r);
	name = pp_live_proc_name(live);
	/* Never acked, nothing to read: done (PEER §14 hung here). */
	start = pp_t_mono_ms();
	PP_PASS(pp_wait_for_procs(n->client, &name, 1, pp_t_scaled(5000)));
	PP_PASS(pp_wait_for_procs(n->client, NULL, 0, pp_t_scaled(5000)));
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, pp_t_scaled(1000));
	/* A claim the callback still holds: not done. */
	PUT_LOGS(n->client, "t", 3, 1);
	WAIT_GATE(&r, 5000);
	PP_FAIL(pp_wait_for_procs(n->client, &name, 1, 300), PP_ETIMEDOUT);
	rec_open_gate(&r);
	PP_PASS(pp_wait_for_procs(n->client, &name, 1, pp_t_scaled(5000)));
	CHECK_LOGS(&r, 0, "t", 3, 1);
	pp_live_proc_free(live);
}

/* ---- latency, sharing ---------------------------------------------------- */

static void
test_latency(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	pp_live      *live;
	uint64_t      start, worst = 0, took;
	size_t        i;

	rec_init(&r, ACT_RETURN_0, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	/* One at a time, each after the previous callback: every commit
	 * finds the liveProc idle (the polling peer took up to 4.5 s). */
	for (i = 0; i < 20; i++) {
		start = pp_t_mono_ms();
		PUT_LOGS(n->client, "t", i, 1);
		WAIT_LOGS(&r, i + 1, 5000);
		pthread_mutex_lock(&r.mu);
		took = r.entered_ms - start;
		pthread_mutex_unlock(&r.mu);
		worst = took > worst ? took : worst;
	}
	pp_t_diag("slowest commit-to-callback: %" PRIu64 " ms", worst);
	PP_ASSERT_U64_CMP(worst, <, 1000);
	CHECK_LOGS(&r, 0, "t", 0, 20);
	pp_live_proc_free(live);
}

#define SHARE_THREADS 4
#define SHARE_LOGS    50

typedef struct sharer {
	pp_client *client;
	char       topic[16];
	int        rv;
} sharer;

static void *
sharer_main(void *arg)
{
	sharer   *s = arg;
	pp_record rec;
	pp_id     id;
	uint64_t  count;
	char      body[BODY_MAX];
	int       i;

	for (i = 0; i < SHARE_LOGS && s->rv == 0; i++) {
		rec.topic = s->topic;
		rec.body = body;
		rec.len = (size_t)snprintf(body, sizeof(body), "%s-%d",
		    s->topic, i);
		s->rv = pp_commit(s->client, &rec, 1, &id);
		if (s->rv == 0) {
			s->rv = pp_length(s->client, s->topic, &count);
		}
	}
	return (NULL);
}

static void
test_shared_client(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pthread_t     th[SHARE_THREADS];
	sharer        sh[SHARE_THREADS];
	recorder      r;
	pp_live      *live;
	int           i;

	rec_init(&r, ACT_RETURN_0, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	/* The liveProc blocks in the node on this client while other
	 * threads commit and read through it. */
	for (i = 0; i < SHARE_THREADS; i++) {
		sh[i].client = n->client;
		sh[i].rv = 0;
		snprintf(sh[i].topic, sizeof(sh[i].topic), "s%d", i);
		PP_ASSERT_INT_EQ(
		    pthread_create(&th[i], NULL, sharer_main, &sh[i]), 0);
	}
	PUT_LOGS(n->client, "t", 0, SHARE_LOGS);
	for (i = 0; i < SHARE_THREADS; i++) {
		pthread_join(th[i], NULL);
		PP_PASS(sh[i].rv);
		PP_ASSERT_U64_EQ(pp_t_length(n->client, sh[i].topic), SHARE_LOGS);
	}
	WAIT_LOGS(&r, SHARE_LOGS, 10000);
	CHECK_LOGS(&r, 0, "t", 0, SHARE_LOGS);
	pp_live_proc_free(live);
}

/* ---- errors ----------------------------------------------------------------- */

static void
test_bad_arguments(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_live_opts  bad;
	recorder      r;
	pp_live      *live = NULL;

	rec_init(&r, ACT_RETURN_0, n->client);
	PP_FAIL(pp_live_proc(n->client, "t", &o, NULL, &r, &live), PP_EINVAL);
	PP_FAIL(pp_live_proc(n->client, "t", &o, on_claim, &r, NULL),
	    PP_EINVAL);
	PP_FAIL(pp_live_proc(NULL, "t", &o, on_claim, &r, &live),
	    PP_ENOTCONN);
	PP_FAIL(pp_live_proc(n->client, "bad topic", &o, on_claim, &r, &live),
	    PP_EINVALID_TOPIC);
	PP_FAIL(pp_live_proc(n->client, NULL, &o, on_claim, &r, &live),
	    PP_EINVALID_TOPIC);
	bad = o;
	bad.count = 100001;
	PP_FAIL(pp_live_proc(n->client, "t", &bad, on_claim, &r, &live),
	    PP_EINVALID_OPTION);
	bad = o;
	bad.mode = (enum pp_live_mode)7;
	PP_FAIL(pp_live_proc(n->client, "t", &bad, on_claim, &r, &live),
	    PP_EINVALID_OPTION);
	bad = o;
	bad.reclaim_timeout_ms = -5;
	PP_FAIL(pp_live_proc(n->client, "t", &bad, on_claim, &r, &live),
	    PP_EINVALID_OPTION);
	PP_ASSERT_TRUE(live == NULL);
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 0);
	/* NULL options are the defaults; NULL handles are refused. */
	live = LIVE_START(n->client, "t", NULL, &r);
	PP_FAIL(pp_live_proc_cancel(NULL), PP_EINVAL);
	PP_ASSERT_TRUE(pp_live_proc_name(NULL) == NULL);
	PP_FAIL(pp_live_ack(NULL), PP_ENOTHING_TO_ACK);
	pp_live_proc_free(live);
	PP_ASSERT_U64_EQ(count_liveprocs(n->client), 0);
	PP_ASSERT_U64_EQ(r.nerrors, 0);
}

static void
test_node_killed(void)
{
	pp_connect_opts copts;
	pp_live_opts    o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_tnode        n;
	recorder        r;
	pp_live        *live;
	pp_client      *c = NULL;
	uint64_t        start;
	int             rv;

	memset(&copts, 0, sizeof(copts));
	copts.request_timeout_ms = 500;
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, NULL), 0);
	PP_PASS(pp_connect(n.address, &copts, &c));
	rec_init(&r, ACT_RETURN_0, c);
	live = LIVE_START(c, "t", &o, &r);
	PUT_LOGS(c, "t", 0, 1);
	WAIT_LOGS(&r, 1, 5000);
	pp_t_node_kill(&n, SIGKILL);
	/* The claim in flight times out (its wait slice is the request
	 * timeout, 500 ms, plus the timeout itself). */
	WAIT_ERRORS(&r, 1, 10000);
	pthread_mutex_lock(&r.mu);
	PP_ASSERT_INT_CMP(r.last_status, <, 0);
	pp_t_diag("the callback got %s", pp_errname(r.last_status));
	pthread_mutex_unlock(&r.mu);
	/* Cancel cannot destroy the proc, but it returns, with an error. */
	start = pp_t_mono_ms();
	rv = pp_live_proc_cancel(live);
	pp_t_diag("cancel returned %s after %" PRIu64 " ms", pp_errname(rv),
	    pp_t_mono_ms() - start);
	PP_ASSERT_INT_CMP(rv, <, 0);
	PP_PASS(pp_live_proc_cancel(live));
	pp_live_proc_free(live);
	pp_close(c);
}

static void
test_client_shutdown(void)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_tnode      n;
	recorder      r;
	pp_live      *live;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	rec_init(&r, ACT_RETURN_0, n.client);
	live = LIVE_START(n.client, "t", &o, &r);
	/* pp_shutdown stops the node; the liveProc sees its client
	 * closed, tells the callback and stops. */
	PP_PASS(pp_shutdown(n.client));
	WAIT_ERRORS(&r, 1, 10000);
	PP_ASSERT_INT_CMP(r.last_status, <, 0);
	PP_ASSERT_INT_EQ(pp_live_proc_cancel(live), PP_ECLOSED);
	pp_live_proc_free(live);
	pp_close(n.client);
	n.client = NULL;
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("a live liveProc sees only logs committed after its creation",
	    test_live_mode, 0),
	PP_NODE_CASE("an all liveProc sees the stored logs, then new ones, in order",
	    test_all_mode, 0),
	PP_NODE_CASE("a liveProc's proc is named liveproc-<hex> and has the documented "
	  "options",
	    test_options_persisted, 0),
	PP_NODE_CASE("count > 1 hands the callback batches",
	    test_batches, 0),
	PP_NODE_CASE("pp_live_ack settles the claim once; outside a callback there is "
	  "nothing to settle",
	    test_ack, 0),
	PP_NODE_CASE("pp_live_ack_commit commits the outputs with the ack",
	    test_ack_commit, 0),
	PP_NODE_CASE("pp_live_reclaim delivers the same logs again with its error "
	  "visible",
	    test_reclaim, 0),
	PP_NODE_CASE("a callback returning non-zero reclaims; returning 0 acks",
	    test_return_nonzero, 0),
	PP_NODE_CASE("cancel wakes the parked claim, destroys the proc, and may be "
	  "called twice",
	    test_cancel, 0),
	PP_NODE_CASE("cancel from inside the callback stops the liveProc after it "
	  "returns",
	    test_cancel_inside, 0),
	PP_NODE_CASE("cancel waits for the running callback and delivers nothing after",
	    test_cancel_during_callback, 0),
	PP_NODE_CASE("free without cancel leaves no proc behind",
	    test_free_without_cancel, 0),
	PP_NODE_CASE("a liveProc whose proc is destroyed elsewhere stops with "
	  "PP_ENOPROC",
	    test_destroyed_elsewhere, 0),
	PP_NODE_CASE("pp_wait_for_procs: an idle liveProc is done, one holding a claim "
	  "is not",
	    test_wait_for_procs, 0),
	PP_NODE_CASE("each commit reaches an idle liveProc's callback without polling "
	  "delays",
	    test_latency, 0),
	PP_NODE_CASE("a liveProc blocks on a client that other threads use meanwhile",
	    test_shared_client, 0),
	PP_NODE_CASE("bad arguments fail before any proc exists",
	    test_bad_arguments, 0),
	PP_CASE("a killed node gives the callback an error; cancel and free still "
	  "return",
	    test_node_killed, 0),
	PP_CASE("pp_shutdown of the client stops its liveProcs with an error",
	    test_client_shutdown, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
