/*
 * proc_crash_test.c - procs under crashes and competition (issue 3 item 4,
 * SPEC §4): kill -9 of the node between a claim and its ack; kill -9 during
 * a storm of ack_commits, after which every output log exists exactly when
 * its input's ack exists; and two processes competing for one proc, which
 * never hold a claim at the same time.
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

#define BODY_MAX 96

static const char *const g_sync_always[] = { "--sync", "always", NULL };

/* Commits n logs "<topic>-<seq>" from seq `first`, in batches. */
static void
commit_seqs(
    pp_client *c, const char *topic, uint64_t first, size_t n, pp_id *ids)
{
	enum { BATCH = 500 };
	pp_record r[BATCH];
	char      body[BATCH][BODY_MAX];
	size_t    done = 0, k, m;

	while (done < n) {
		m = n - done < BATCH ? n - done : BATCH;
		for (k = 0; k < m; k++) {
			r[k].topic = topic;
			r[k].body = body[k];
			r[k].len = (size_t)snprintf(body[k], BODY_MAX,
			    "%s-%" PRIu64, topic, first + done + k);
		}
		PP_PASS(pp_commit(c, r, m, ids + done));
		for (k = 0; k < m; k++) {
			PP_ASSERT_U64_EQ(ids[done + k].seq, first + done + k);
		}
		done += m;
	}
}

static void
inspect(pp_client *c, const char *name, pp_proc_info *out)
{
	pp_proc_list *l = NULL;

	PP_PASS(pp_proc_inspect(c, name, &l));
	PP_ASSERT_U64_EQ(pp_proc_list_count(l), 1);
	*out = *pp_proc_list_get(l, 0);
	/* The strings die with the list. */
	out->name = out->topic = out->offset = out->last_error = NULL;
	out->opts.offset = NULL;
	pp_proc_list_free(l);
}

static bool
has_claim(pp_client *c, const char *name)
{
	pp_proc_info i;

	inspect(c, name, &i);
	return (i.has_claim);
}

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

static pp_client *
connect_with_timeout(const char *address, int timeout_ms)
{
	pp_connect_opts o;
	pp_client      *c = NULL;

	memset(&o, 0, sizeof(o));
	o.request_timeout_ms = (uint32_t)pp_t_scaled(timeout_ms);
	PP_PASS(pp_connect(address, &o, &c));
	return (c);
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

	inspect(c, name, &i);
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
		    !has_claim(c, name), (int)o->reclaim_timeout_ms + 3000);
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
	commit_seqs(c, "t", 0, 6, ids);

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
	inspect(c, "p", &i);
	PP_ASSERT_U64_EQ(i.next_seq, 3);
	PP_ASSERT_TRUE(!i.has_claim);

	/* Round 3: a claim followed by a durable write of another kind, then
	 * a crash. */
	claimed_ms = pp_t_now_ms();
	t = claim_expect(c, "t", "p", &o, 3, 3);
	commit_seqs(c, "other", 0, 1, ids);
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
	pp_client    *c = connect_with_timeout(t->st->address, 5000);
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
	inspect(c, g_storm_procs[k], &i);
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
			inspect(c, g_storm_procs[k], &i);
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
	commit_seqs(c, "in", 0, STORM_INPUTS, inputs);
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

/* ---- two processes competing for one proc
 * ------------------------------------------- */

#define SHARED_INPUTS 600
#define HELPERS       2

/* One claim as a helper saw it: held from claim_us (just after pp_proc
 * returned) to release_us (just before pp_ack or pp_reclaim was called),
 * which lies inside the time the node held it for that helper. */
typedef struct held {
	uint64_t claim_us;
	uint64_t release_us;
	uint64_t first;
	uint64_t last;
	int      helper;
	char     kind; /* 'A' acked, 'R' reclaimed */
} held;

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

static pp_proc_opts
shared_opts(void)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;

	o.count = 3;
	o.max_reclaims = -1;
	o.reclaim_timeout_ms = -1;
	return (o);
}

static void
held_path(char *buf, size_t len, int helper)
{
	pp_t_format(buf, len, "%s/helper%d.txt", pp_t_root(), helper);
}

/* A helper process: claims from the shared proc, reclaims every fifth of
 * its claims and acks the others, until every input is acked; writes one
 * line per claim to its file. */
static int
helper_main(void *p, int in_fd, int out_fd)
{
	int          index = *(int *)p;
	pp_proc_opts o = shared_opts();
	char         addr[PP_T_PATH], path[PP_T_PATH + 32];
	pp_client   *c;
	pp_claim    *cl;
	pp_proc_info i;
	held        *v = NULL;
	size_t       nv = 0, cap = 0, k;
	uint64_t     got, token;
	FILE        *f;
	int          rv, claims = 0;

	(void)out_fd;
	if (pp_t_read_line(in_fd, addr, sizeof(addr), 60000) <= 0) {
		PP_FAIL_AT("helper %d got no address", index);
	}
	c = connect_with_timeout(addr, 30000);
	for (;;) {
		cl = NULL;
		if ((rv = pp_proc(c, "in", "shared", &o, 100, &cl)) != 0) {
			PP_FAIL_AT(
			    "helper %d: pp_proc: %s", index, pp_errname(rv));
		}
		got = mono_us();
		if (pp_claim_count(cl) == 0) {
			pp_claim_free(cl);
			inspect(c, "shared", &i);
			if (i.next_seq >= SHARED_INPUTS && !i.has_claim) {
				break;
			}
			continue;
		}
		if (nv == cap) {
			cap = cap ? cap * 2 : 256;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL) {
				PP_FAIL_AT("out of memory");
			}
		}
		v[nv].claim_us = got;
		v[nv].first = pp_claim_log(cl, 0)->id.seq;
		v[nv].last = pp_claim_log(cl, pp_claim_count(cl) - 1)->id.seq;
		v[nv].helper = index;
		token = pp_claim_token(cl);
		pp_claim_free(cl);
		v[nv].kind = (++claims % 5 == 0) ? 'R' : 'A';
		v[nv].release_us = mono_us();
		if (v[nv].kind == 'R') {
			rv = pp_reclaim(c, "shared", token, "give back");
		} else {
			rv = pp_ack(c, "shared", token, NULL);
		}
		if (rv != 0) {
			PP_FAIL_AT("helper %d: %s of %" PRIu64 "..%" PRIu64
			           ": %s",
			    index, v[nv].kind == 'R' ? "reclaim" : "ack",
			    v[nv].first, v[nv].last, pp_errname(rv));
		}
		nv++;
	}
	pp_close(c);
	held_path(path, sizeof(path), index);
	if ((f = fopen(path, "w")) == NULL) {
		PP_FAIL_AT("fopen %s", path);
	}
	for (k = 0; k < nv; k++) {
		fprintf(f,
		    "%c %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
		    v[k].kind, v[k].first, v[k].last, v[k].claim_us,
		    v[k].release_us);
	}
	fclose(f);
	free(v);
	return (0);
}

static int
held_cmp(const void *a, const void *b)
{
	const held *x = a, *y = b;

	if (x->claim_us != y->claim_us) {
		return (x->claim_us < y->claim_us ? -1 : 1);
	}
	return (0);
}

static void
test_competing_processes(void)
{
	static int   index[HELPERS];
	pp_proc_opts o = shared_opts();
	pp_t_child   kids[HELPERS];
	pp_tnode     n;
	pp_claim    *cl = NULL;
	pp_proc_info info;
	pp_id       *ids = calloc(SHARED_INPUTS, sizeof(pp_id));
	held        *v = NULL;
	size_t       nv = 0, cap = 0, j;
	char         line[PP_T_PATH + 2], path[PP_T_PATH + 32], kind;
	uint64_t     expect = 0, acked_claims[HELPERS] = { 0, 0 };
	FILE        *f;
	int          k, st;

	PP_ASSERT_TRUE(ids != NULL);
	/* Helpers are forked before this process uses NNG. */
	for (k = 0; k < HELPERS; k++) {
		index[k] = k;
		pp_t_child_fork(&kids[k], helper_main, &index[k]);
	}
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	/* The proc exists before its topic does: nothing is claimed here. */
	PP_PASS(pp_proc(n.client, "in", "shared", &o, 0, &cl));
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 0);
	pp_claim_free(cl);
	commit_seqs(n.client, "in", 0, SHARED_INPUTS, ids);
	snprintf(line, sizeof(line), "%s\n", n.address);
	for (k = 0; k < HELPERS; k++) {
		pp_t_write_all(kids[k].to_fd, line, strlen(line));
	}
	for (k = 0; k < HELPERS; k++) {
		st = pp_t_child_wait(&kids[k], 120000);
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			PP_FAIL_AT("helper %d failed (status %d)", k, st);
		}
	}
	inspect(n.client, "shared", &info);
	PP_ASSERT_U64_EQ(info.next_seq, SHARED_INPUTS);
	PP_ASSERT_TRUE(!info.has_claim);

	for (k = 0; k < HELPERS; k++) {
		held_path(path, sizeof(path), k);
		if ((f = fopen(path, "r")) == NULL) {
			PP_FAIL_AT("helper %d wrote no %s", k, path);
		}
		for (;;) {
			if (nv == cap) {
				cap = cap ? cap * 2 : 512;
				v = realloc(v, cap * sizeof(*v));
				PP_ASSERT_TRUE(v != NULL);
			}
			if (fscanf(f,
			        " %c %" SCNu64 " %" SCNu64 " %" SCNu64
			        " %" SCNu64,
			        &kind, &v[nv].first, &v[nv].last,
			        &v[nv].claim_us, &v[nv].release_us)
			    != 5) {
				break;
			}
			v[nv].kind = kind;
			v[nv].helper = k;
			if (kind == 'A') {
				acked_claims[k]++;
			}
			nv++;
		}
		fclose(f);
	}
	pp_t_diag("%zu claims; helper 0 acked %" PRIu64 ", helper 1 acked "
	          "%" PRIu64,
	    nv, acked_claims[0], acked_claims[1]);
	/* In claim order, each claim starts at the cursor, which only an ack
	 * moves: no log is handed out twice unless it was reclaimed, and
	 * every log is acked exactly once. */
	qsort(v, nv, sizeof(*v), held_cmp);
	for (j = 0; j < nv; j++) {
		if (v[j].first != expect || v[j].last < v[j].first
		    || v[j].last - v[j].first >= o.count) {
			PP_FAIL_AT("claim %zu of helper %d holds %" PRIu64
			           "..%" PRIu64
			           ", expected it to start at %" PRIu64,
			    j, v[j].helper, v[j].first, v[j].last, expect);
		}
		if (v[j].kind == 'A') {
			expect = v[j].last + 1;
		}
		/* Never two holders at once: this claim was given back
		 * before the next one was handed out. */
		if (j + 1 < nv && v[j].release_us > v[j + 1].claim_us) {
			PP_FAIL_AT("helper %d held %" PRIu64 "..%" PRIu64
			           " until %" PRIu64 " us, but helper %d got "
			           "%" PRIu64 "..%" PRIu64 " at %" PRIu64 " us",
			    v[j].helper, v[j].first, v[j].last, v[j].release_us,
			    v[j + 1].helper, v[j + 1].first, v[j + 1].last,
			    v[j + 1].claim_us);
		}
	}
	PP_ASSERT_U64_EQ(expect, SHARED_INPUTS);
	free(v);
	free(ids);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("kill -9 between claim and ack never loses the claimed logs, and a "
	  "surviving claim is released at its deadline",
	    test_kill_between_claim_and_ack, 120),
	PP_CASE("kill -9 during a storm of ack_commits: every output log exists "
	  "exactly when its input was acked",
	    test_ack_commit_storm, 240),
	PP_CASE("two processes competing for one proc never hold a claim at the "
	  "same time and every log is acked once",
	    test_competing_processes, 180),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
