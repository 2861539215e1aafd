/*
 * proc_crash_test.c - procs under crashes (issue 3 item 4, SPEC §4): kill
 * -9 of the node between a claim and its ack, and kill -9 during a storm
 * of ack_commits, after which every output log exists exactly when its
 * input's ack exists. Competition is in proc_compete_test.c.
 *
 * Nodes that get SIGKILLed are started with fork/exec (pp_t_node_exec) with
 * --sync always, so the test knows their pid. A claim is not synced on its
 * own (SPEC §4: a claim lost in a crash is delivered again), so after a
 * crash a claim is either still outstanding or its logs are claimable
 * again; they are never lost. Acks and ack_commits are durable once
 * answered.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "proc_crash_util.h"

static const char *const g_sync_always[] = { "--sync", "always", NULL };

/* The claim holds seqs first..first+n-1 of `topic` with their bodies. */
static void
check_claim(const pp_claim *cl, const char *topic, uint64_t first, size_t n)
{
	const pp_log *log;
	char          body[BODY_MAX];
	size_t        i;

	PP_ASSERT_U64_EQ(pp_claim_count(cl), n);
	for (i = 0; i < n; i++) {
		log = pp_claim_log(cl, i);
		PP_ASSERT_U64_EQ(log->id.seq, first + i);
		snprintf(body, sizeof(body), "%s-%" PRIu64, topic, first + i);
		PP_ASSERT_MEM_EQ(log->body, log->len, body, strlen(body));
	}
}

static uint64_t
claim_expect(pp_client *c, const char *topic, const char *name,
    const pp_proc_opts *o, uint64_t first, size_t n)
{
	pp_claim *cl = NULL;
	uint64_t  t;

	PP_PASS(pp_proc(c, topic, name, o, 0, &cl));
	check_claim(cl, topic, first, n);
	t = pp_claim_token(cl);
	pp_claim_free(cl);
	return (t);
}

/* ---- kill -9 between claim and ack
 * ---------------------------------------------- */

/* After a crash the claim of `name` (logs first..first+n-1, token t) is
 * either outstanding with its token and deadline, and then released by the
 * timer on time, or gone with the cursor unmoved. Either way the same logs
 * are claimed next. */
static void
check_claim_survived(pp_client *c, const char *name, const pp_proc_opts *o,
    uint64_t first, size_t n, uint64_t t, uint64_t claimed_ms)
{
	pp_proc_info i;
	uint64_t     released;

	proc_crash_inspect(c, name, &i);
	PP_ASSERT_U64_EQ(i.next_seq, first);
	if (i.has_claim) {
		pp_t_diag("%s: the claim survived the crash", name);
		PP_ASSERT_U64_EQ(i.claim_token, t);
		PP_ASSERT_U64_EQ(i.claim_first.seq, first);
		PP_ASSERT_U64_EQ(i.claim_last.seq, first + n - 1);
		PP_ASSERT_U64_CMP(i.claim_deadline_ms, >=,
		    claimed_ms + (uint64_t)o->reclaim_timeout_ms);
		PP_ASSERT_U64_CMP(i.claim_deadline_ms, <=,
		    claimed_ms + (uint64_t)o->reclaim_timeout_ms + 1000);
		/* Nothing else is handed out until the deadline. */
		if (pp_t_now_ms() + 100 < i.claim_deadline_ms) {
			claim_expect(c, "t", name, o, 0, 0);
		}
		PP_WAIT_UNTIL(
		    !proc_crash_has_claim(c, name), (int)o->reclaim_timeout_ms + 3000);
		released = pp_t_now_ms();
		PP_ASSERT_U64_CMP(released + 20, >=, i.claim_deadline_ms);
		PP_ASSERT_U64_CMP(
		    released, <, i.claim_deadline_ms + pp_t_scaled(1500));
	} else {
		pp_t_diag("%s: the claim was not synced before the crash; its "
		          "logs are claimable again",
		    name);
	}
}

static void
test_kill_between_claim_and_ack(void)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;
	pp_tnode     n;
	pp_client   *c;
	pp_proc_info i;
	pp_id        ids[6];
	uint64_t     t, claimed_ms;

	o.count = 3;
	o.max_reclaims = -1;
	o.reclaim_timeout_ms = 1500;
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
	c = pp_t_connect(n.address);
	proc_crash_commit_seqs(c, "t", 0, 6, ids);

	/* Round 1: claim, crash. */
	claimed_ms = pp_t_now_ms();
	t = claim_expect(c, "t", "p", &o, 0, 3);
	pp_close(c);
	pp_t_node_kill(&n, SIGKILL);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
	c = pp_t_connect(n.address);
	check_claim_survived(c, "p", &o, 0, 3, t, claimed_ms);
	t = claim_expect(c, "t", "p", &o, 0, 3);
	PP_PASS(pp_ack(c, "p", t, NULL));
	pp_close(c);

	/* Round 2: an answered ack survives a crash right after it. */
	pp_t_node_kill(&n, SIGKILL);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
	c = pp_t_connect(n.address);
	proc_crash_inspect(c, "p", &i);
	PP_ASSERT_U64_EQ(i.next_seq, 3);
	PP_ASSERT_TRUE(!i.has_claim);

	/* Round 3: a claim followed by a durable write of another kind, then
	 * a crash. */
	claimed_ms = pp_t_now_ms();
	t = claim_expect(c, "t", "p", &o, 3, 3);
	proc_crash_commit_seqs(c, "other", 0, 1, ids);
	pp_close(c);
	pp_t_node_kill(&n, SIGKILL);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
	c = pp_t_connect(n.address);
	check_claim_survived(c, "p", &o, 3, 3, t, claimed_ms);
	t = claim_expect(c, "t", "p", &o, 3, 3);
	PP_PASS(pp_ack(c, "p", t, NULL));
	claim_expect(c, "t", "p", &o, 0, 0);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
}

/* ---- kill -9 during a storm of ack_commits
 * ---------------------------------------- */

#define STORM_INPUTS  3000

#define STORM_PROCS   2

#define STORM_THREADS 4 /* two per proc */

static const char *const g_storm_procs[STORM_PROCS] = { "p0", "p1" };

static const char *const g_storm_outs[STORM_PROCS] = { "out0", "out1" };

typedef struct storm {
	const char  *address;
	pp_proc_opts opts;
	atomic_bool  is_stopping;
	atomic_int   n_errors;
	atomic_int   n_done;
	/* Highest input seq whose ack_commit was answered with 0, per proc,
	 * plus one (the cursor must be at least there after a crash). */
	atomic_uint_fast64_t acked_end[STORM_PROCS];
} storm;

typedef struct storm_thread {
	storm    *st;
	int       proc;
	pthread_t th;
} storm_thread;

static void *
storm_main(void *p)
{
	storm_thread *t = p;
	pp_client    *c = proc_crash_connect(t->st->address, 5000);
	pp_claim     *cl;
	pp_record     r[8];
	pp_id         ids[8];
	char          body[8][BODY_MAX];
	const pp_log *log;
	size_t        k, m;
	uint64_t      end, cur;
	int           rv;

	while (!atomic_load(&t->st->is_stopping)) {
		cl = NULL;
		rv = pp_proc(
		    c, "in", g_storm_procs[t->proc], &t->st->opts, 50, &cl);
		if (rv != 0) {
			/* Around the kill: timeouts, closed connections. */
			atomic_fetch_add(&t->st->n_errors, 1);
			continue;
		}
		m = pp_claim_count(cl);
		if (m == 0) {
			pp_claim_free(cl);
			continue;
		}
		if (m > 8) {
			PP_FAIL_AT("claim of %zu logs with count %u", m,
			    t->st->opts.count);
		}
		for (k = 0; k < m; k++) {
			log = pp_claim_log(cl, k);
			r[k].topic = g_storm_outs[t->proc];
			r[k].body = body[k];
			r[k].len = (size_t)snprintf(body[k], BODY_MAX,
			    "in:%" PRIu64 "-%" PRIu64, log->id.ms, log->id.seq);
		}
		end = pp_claim_log(cl, m - 1)->id.seq + 1;
		rv = pp_ack_commit(
		    c, g_storm_procs[t->proc], pp_claim_token(cl), r, m, ids);
		pp_claim_free(cl);
		if (rv != 0) {
			atomic_fetch_add(&t->st->n_errors, 1);
			continue;
		}
		atomic_fetch_add(&t->st->n_done, 1);
		cur = atomic_load(&t->st->acked_end[t->proc]);
		while (cur < end
		    && !atomic_compare_exchange_weak(
		        &t->st->acked_end[t->proc], &cur, end)) { }
	}
	pp_close(c);
	return (NULL);
}

/* Every output log of proc k names an acked input (seq < its cursor) with
 * the input's id, no input has two outputs, and every acked input has one:
 * the outputs are exactly the acked inputs. Returns the cursor. */
static uint64_t
verify_storm(pp_client *c, int k, const pp_id *inputs, uint64_t acked_end)
{
	pp_proc_info i;
	pp_t_logs    out;
	uint64_t     ms, seq;
	char        *seen = calloc(STORM_INPUTS, 1);
	size_t       j;
	int          used;

	PP_ASSERT_TRUE(seen != NULL);
	proc_crash_inspect(c, g_storm_procs[k], &i);
	PP_ASSERT_U64_CMP(i.next_seq, >=, acked_end);
	PP_ASSERT_U64_CMP(i.next_seq, <=, STORM_INPUTS);
	if (i.has_claim) {
		PP_ASSERT_U64_EQ(i.claim_first.seq, i.next_seq);
	}
	pp_t_read_all(c, g_storm_outs[k], NULL, false, &out);
	for (j = 0; j < out.count; j++) {
		if (sscanf(out.bodies[j], "in:%" SCNu64 "-%" SCNu64 "%n", &ms,
		        &seq, &used)
		        != 2
		    || (size_t)used != out.lens[j]) {
			PP_FAIL_AT("%s: unexpected body \"%s\"",
			    g_storm_outs[k], out.bodies[j]);
		}
		if (seq >= i.next_seq) {
			PP_FAIL_AT("%s has an output of input %" PRIu64
			           ", which is not acked (cursor %" PRIu64 ")",
			    g_storm_procs[k], seq, i.next_seq);
		}
		PP_ASSERT_U64_EQ(ms, inputs[seq].ms);
		if (seen[seq]) {
			PP_FAIL_AT("%s: input %" PRIu64 " has two outputs",
			    g_storm_procs[k], seq);
		}
		seen[seq] = 1;
	}
	for (seq = 0; seq < i.next_seq; seq++) {
		if (!seen[seq]) {
			PP_FAIL_AT("%s: input %" PRIu64
			           " is acked (cursor %" PRIu64
			           ") but has no output",
			    g_storm_procs[k], seq, i.next_seq);
		}
	}
	PP_ASSERT_U64_EQ(out.count, i.next_seq);
	pp_t_logs_free(&out);
	free(seen);
	return (i.next_seq);
}

/* Processes every remaining input of proc k from one client, giving back a
 * claim left over from before the crash. */
static void
finish_storm(pp_client *c, int k, const pp_proc_opts *o)
{
	pp_proc_info i;
	pp_claim    *cl;
	pp_record    r[8];
	pp_id        ids[8];
	char         body[8][BODY_MAX];
	size_t       j, m;
	int          rv;

	for (;;) {
		cl = NULL;
		PP_PASS(pp_proc(c, "in", g_storm_procs[k], o, 0, &cl));
		m = pp_claim_count(cl);
		if (m == 0) {
			pp_claim_free(cl);
			proc_crash_inspect(c, g_storm_procs[k], &i);
			if (i.has_claim) {
				rv = pp_reclaim(
				    c, g_storm_procs[k], 0, "crash");
				if (rv != 0 && rv != PP_ENOTHING_TO_RECLAIM) {
					PP_FAIL_AT(
					    "reclaim: %s", pp_errname(rv));
				}
				continue;
			}
			PP_ASSERT_U64_EQ(i.next_seq, STORM_INPUTS);
			return;
		}
		for (j = 0; j < m; j++) {
			const pp_log *log = pp_claim_log(cl, j);

			r[j].topic = g_storm_outs[k];
			r[j].body = body[j];
			r[j].len = (size_t)snprintf(body[j], BODY_MAX,
			    "in:%" PRIu64 "-%" PRIu64, log->id.ms, log->id.seq);
		}
		PP_PASS(pp_ack_commit(
		    c, g_storm_procs[k], pp_claim_token(cl), r, m, ids));
		pp_claim_free(cl);
	}
}

static void
test_ack_commit_storm(void)
{
	static storm_thread threads[STORM_THREADS];
	static storm        st;
	static pp_id        inputs[STORM_INPUTS];
	pp_tnode            n;
	pp_client          *c;
	uint64_t            cursor[STORM_PROCS];
	int                 round, k, target;

	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
	c = pp_t_connect(n.address);
	proc_crash_commit_seqs(c, "in", 0, STORM_INPUTS, inputs);
	pp_close(c);
	memset(&st, 0, sizeof(st));
	st.address = n.address;
	st.opts.offset = ">";
	st.opts.count = 3;
	st.opts.max_reclaims = -1;
	st.opts.reclaim_timeout_ms = 1000;
	st.opts.on_max_reclaims = PP_ON_MAX_DISABLE;

	for (round = 0; round < 3; round++) {
		atomic_store(&st.is_stopping, false);
		target = atomic_load(&st.n_done) + 300;
		for (k = 0; k < STORM_THREADS; k++) {
			threads[k].st = &st;
			threads[k].proc = k % STORM_PROCS;
			PP_ASSERT_INT_EQ(pthread_create(&threads[k].th, NULL,
			                     storm_main, &threads[k]),
			    0);
		}
		PP_WAIT_UNTIL(atomic_load(&st.n_done) >= target, 60000);
		/* Mid-storm: ack_commits in flight, groups half written. */
		pp_t_node_kill(&n, SIGKILL);
		atomic_store(&st.is_stopping, true);
		PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
		for (k = 0; k < STORM_THREADS; k++) {
			pthread_join(threads[k].th, NULL);
		}
		c = pp_t_connect(n.address);
		for (k = 0; k < STORM_PROCS; k++) {
			cursor[k] = verify_storm(
			    c, k, inputs, atomic_load(&st.acked_end[k]));
		}
		pp_t_diag("round %d: %d ack_commits answered, %d failed calls, "
		          "cursors %" PRIu64 " and %" PRIu64,
		    round, atomic_load(&st.n_done), atomic_load(&st.n_errors),
		    cursor[0], cursor[1]);
		pp_close(c);
		if (cursor[0] + 300 > STORM_INPUTS
		    || cursor[1] + 300 > STORM_INPUTS) {
			break;
		}
	}
	/* The rest, after the last crash: exactly one output per input. */
	c = pp_t_connect(n.address);
	for (k = 0; k < STORM_PROCS; k++) {
		finish_storm(c, k, &st.opts);
		PP_ASSERT_U64_EQ(verify_storm(c, k, inputs, 0), STORM_INPUTS);
	}
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
}

static const pp_test_case cases[] = {
	PP_CASE("kill -9 between claim and ack never loses the claimed logs, "
	    "and a surviving claim is released at its deadline",
	    test_kill_between_claim_and_ack, 120),
	PP_CASE("kill -9 during a storm of ack_commits: every output log "
	    "exists exactly when its input was acked",
	    test_ack_commit_storm, 240),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
