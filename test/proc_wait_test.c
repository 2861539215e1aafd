/*
 * proc_wait_test.c - pp_available_proc and pp_wait_for_procs against a real
 * node (issue 3; PEER §11 and §14 with the fixes the header documents):
 * which proc a claim comes from (validation, round robin, busy and disabled
 * procs skipped, empty claims, blocking waits and their wake-ups, tokens),
 * and when a wait for procs ends (nothing left, the §14 never-acked bug
 * fixed, timeouts, wake-up by the ack itself, names, disabled procs).
 *
 * Conventions: a log of topic T committed as its S-th log has the body
 * "T-S". Procs are created on topics before their logs are committed, so
 * creating one claims nothing. Timed stimuli come from a "script" thread
 * with its own client that runs steps at given offsets after the main
 * thread says go (just before its blocking call); nothing sleeps a fixed
 * time. Helpers that assert take the caller's line.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "proc_util.h"


/* Options that never reclaim or disable on their own. */
static pp_proc_opts
quiet_opts(const char *offset, uint32_t count)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;

	o.offset = offset;
	o.count = count;
	o.max_reclaims = -1;
	o.reclaim_timeout_ms = -1;
	return (o);
}

/* Creates the proc `name` on `topic`; the creation must claim nothing. */
static void
make_proc_at(int line, pp_client *c, const char *topic, const char *name,
    const pp_proc_opts *o)
{
	pp_claim *cl = proc_claim_at(__FILE__, line, c, topic, name, o, 0);

	if (pp_claim_count(cl) != 0) {
		pp_t_fail(__FILE__, line,
		    "creating %s claimed %zu logs, expected none", name,
		    pp_claim_count(cl));
	}
	pp_claim_free(cl);
}
#define MAKE_PROC(c, topic, name, o)                                           \
	make_proc_at(__LINE__, (c), (topic), (name), (o))

/* The claim holds exactly one log: `topic`'s log `seq`. */
static void
check_one_at(int line, const pp_claim *cl, const char *topic, uint64_t seq)
{
	const pp_log *log = pp_claim_log(cl, 0);
	char          body[PROC_BODY_MAX];

	snprintf(body, sizeof(body), "%s-%" PRIu64, topic, seq);
	if (pp_claim_count(cl) != 1 || log == NULL) {
		pp_t_fail(__FILE__, line, "claim holds %zu logs, expected %s",
		    pp_claim_count(cl), body);
	}
	if (log->id.seq != seq || log->len != strlen(body)
	    || memcmp(log->body, body, log->len) != 0) {
		pp_t_fail(__FILE__, line,
		    "claim holds seq %" PRIu64 " \"%.*s\", expected \"%s\"",
		    log->id.seq, (int)log->len, (const char *)log->body, body);
	}
	if (pp_claim_token(cl) == 0) {
		pp_t_fail(__FILE__, line, "a claim with logs has token 0");
	}
}
#define CHECK_ONE(cl, topic, seq) check_one_at(__LINE__, (cl), (topic), (seq))

/* The claim is the empty claim. */
static void
check_empty_at(int line, const pp_claim *cl)
{
	if (pp_claim_count(cl) != 0 || pp_claim_log(cl, 0) != NULL) {
		pp_t_fail(__FILE__, line,
		    "expected an empty claim, got %zu logs (first seq %" PRIu64
		    ")",
		    pp_claim_count(cl), pp_claim_log(cl, 0)->id.seq);
	}
	if (pp_claim_token(cl) != 0) {
		pp_t_fail(__FILE__, line, "an empty claim has token %" PRIu64,
		    pp_claim_token(cl));
	}
}
#define CHECK_EMPTY(cl) check_empty_at(__LINE__, (cl))

/* pp_available_proc that must succeed; *index gets the pick (left at
 * SIZE_MAX by an empty claim, which does not promise to set it). */
static pp_claim *
avail_at(int line, pp_client *c, const char *const *names, size_t n,
    int wait_ms, size_t *index)
{
	pp_claim *cl = NULL;
	int       rv;

	*index = SIZE_MAX;
	rv = pp_available_proc(c, names, n, wait_ms, index, &cl);
	if (rv != 0 || cl == NULL) {
		pp_t_fail(__FILE__, line, "pp_available_proc returned %s (%s)",
		    pp_errname(rv), pp_client_errmsg(c));
	}
	if (pp_claim_count(cl) > 0 && *index >= n) {
		pp_t_fail(__FILE__, line,
		    "a claim with logs has index %zu of %zu names", *index, n);
	}
	return (cl);
}
#define AVAIL(c, names, n, wait_ms, index)                                     \
	avail_at(__LINE__, (c), (names), (n), (wait_ms), (index))

/* pp_available_proc with wait_ms 0 must return the empty claim. */
static void
avail_nothing_at(int line, pp_client *c, const char *const *names, size_t n)
{
	size_t    index;
	pp_claim *cl = avail_at(line, c, names, n, 0, &index);

	check_empty_at(line, cl);
	pp_claim_free(cl);
}
#define AVAIL_NOTHING(c, names, n) avail_nothing_at(__LINE__, (c), (names), (n))

/* Claims all of `name`'s logs (up to its count) and acks them. */
static void
drain_at(int line, pp_client *c, const char *topic, const char *name,
    const pp_proc_opts *o)
{
	pp_claim *cl = proc_claim_at(__FILE__, line, c, topic, name, o, 0);

	if (pp_claim_count(cl) > 0) {
		proc_ack_at(__FILE__, line, c, name, pp_claim_token(cl));
	}
	pp_claim_free(cl);
}
#define DRAIN(c, topic, name, o) drain_at(__LINE__, (c), (topic), (name), (o))

/* The scalar fields of a proc's state (its strings are not kept). */
static pp_proc_info
inspect_at(int line, pp_client *c, const char *name)
{
	pp_proc_list *l = NULL;
	pp_proc_info  info;
	int           rv;

	if ((rv = pp_proc_inspect(c, name, &l)) != 0) {
		pp_t_fail(__FILE__, line, "pp_proc_inspect(%s) returned %s",
		    name, pp_errname(rv));
	}
	if (pp_proc_list_count(l) != 1 || pp_proc_list_get(l, 0) == NULL) {
		pp_t_fail(__FILE__, line, "inspect %s: %zu states", name,
		    pp_proc_list_count(l));
	}
	info = *pp_proc_list_get(l, 0);
	info.name = info.topic = info.offset = info.last_error = NULL;
	info.opts.offset = NULL;
	pp_proc_list_free(l);
	return (info);
}
#define INSPECT(c, name) inspect_at(__LINE__, (c), (name))

/* The proc holds no claim and its cursor is `next_seq`. */
static void
check_idle_at(int line, pp_client *c, const char *name, uint64_t next_seq)
{
	pp_proc_info i = inspect_at(line, c, name);

	if (i.has_claim || i.next_seq != next_seq) {
		pp_t_fail(__FILE__, line,
		    "proc %s: has_claim %d next_seq %" PRIu64
		    ", expected no claim and next_seq %" PRIu64,
		    name, (int)i.has_claim, i.next_seq, next_seq);
	}
}
#define CHECK_IDLE(c, name, next_seq)                                          \
	check_idle_at(__LINE__, (c), (name), (next_seq))

/* pp_wait_for_procs, timed: returns its code, *took_ms the time it took. */
static int
timed_wait(pp_client *c, const char *const *names, size_t n, int timeout_ms,
    uint64_t *took_ms)
{
	uint64_t start = pp_t_mono_ms();
	int      rv = pp_wait_for_procs(c, names, n, timeout_ms);

	*took_ms = pp_t_mono_ms() - start;
	return (rv);
}

/* The wait returns `expect` within `within_ms` (scaled). */
static void
wait_quick_at(int line, pp_client *c, const char *const *names, size_t n,
    int timeout_ms, int expect, int within_ms)
{
	uint64_t took;
	int      rv = timed_wait(c, names, n, timeout_ms, &took);

	if (rv != expect) {
		pp_t_fail(__FILE__, line,
		    "pp_wait_for_procs(%zu names, %d ms) returned %s after "
		    "%" PRIu64 " ms, expected %s",
		    n, timeout_ms, pp_errname(rv), took, pp_errname(expect));
	}
	if (took >= (uint64_t)pp_t_scaled(within_ms)) {
		pp_t_fail(__FILE__, line,
		    "pp_wait_for_procs(%zu names, %d ms) took %" PRIu64
		    " ms, expected under %d",
		    n, timeout_ms, took, pp_t_scaled(within_ms));
	}
}
/* Done: 0 at once even with a long timeout. */
#define WAIT_DONE(c, names, n)                                                 \
	wait_quick_at(__LINE__, (c), (names), (n), 5000, 0, 500)
/* Any code `ex`, returned at once even with a long timeout. */
#define WAIT_FAILS(c, names, n, ex)                                            \
	wait_quick_at(__LINE__, (c), (names), (n), 5000, (ex), 500)

/* The wait times out after about timeout_ms. */
static void
wait_times_out_at(
    int line, pp_client *c, const char *const *names, size_t n, int timeout_ms)
{
	uint64_t took;
	int      rv = timed_wait(c, names, n, timeout_ms, &took);

	if (rv != PP_ETIMEDOUT) {
		pp_t_fail(__FILE__, line,
		    "pp_wait_for_procs(%zu names, %d ms) returned %s after "
		    "%" PRIu64 " ms, expected PP_ETIMEDOUT",
		    n, timeout_ms, pp_errname(rv), took);
	}
	if (took + 50 < (uint64_t)timeout_ms
	    || took >= (uint64_t)(timeout_ms + pp_t_scaled(1000))) {
		pp_t_fail(__FILE__, line,
		    "PP_ETIMEDOUT after %" PRIu64 " ms, timeout %d ms", took,
		    timeout_ms);
	}
}
#define WAIT_TIMES_OUT(c, names, n, timeout_ms)                                \
	wait_times_out_at(__LINE__, (c), (names), (n), (timeout_ms))

/* ---- a script of timed steps on its own thread and client
 * ----------------------------------------------------- */

enum act {
	ACT_COMMIT,  /* commits topic's log seq */
	ACT_ACK,     /* acks name's claim (token 0); the acked seq is seq */
	ACT_CLAIM,   /* claims from name on topic; the first seq is seq */
	ACT_DISABLE, /* disables name */
	ACT_RESUME   /* resumes name */
};

typedef struct step {
	int          at_ms; /* after go */
	enum act     act;
	const char  *name;
	const char  *topic;
	uint64_t     seq;
	pp_proc_opts opts;     /* ACT_CLAIM */
	uint64_t     start_ms; /* monotonic, just before the call */
	uint64_t     done_ms;  /* monotonic, just after it returned */
} step;

typedef struct script {
	const char *address;
	step       *steps;
	size_t      n;
	pthread_t   th;
	uint64_t    go_ms;
	atomic_bool is_go;
	atomic_bool is_done;
} script;

static void
run_step(pp_client *c, step *s)
{
	pp_claim *cl = NULL;
	pp_id     id = { 0, 0 };
	int       rv;

	s->start_ms = pp_t_mono_ms();
	switch (s->act) {
	case ACT_COMMIT:
		id = PUT_LOGS(c, s->topic, s->seq, 1);
		break;
	case ACT_ACK:
		id = ACK(c, s->name, 0);
		PP_ASSERT_U64_EQ(id.seq, s->seq);
		break;
	case ACT_CLAIM:
		cl = proc_claim_at(__FILE__, __LINE__, c, s->topic, s->name, &s->opts, 0);
		PP_ASSERT_TRUE(pp_claim_count(cl) > 0);
		PP_ASSERT_U64_EQ(pp_claim_log(cl, 0)->id.seq, s->seq);
		pp_claim_free(cl);
		break;
	case ACT_DISABLE:
		PP_PASS(pp_proc_disable(c, s->name, NULL));
		break;
	case ACT_RESUME:
		rv = pp_proc_resume(c, s->name, NULL);
		PP_ASSERT_INT_EQ(rv, 0);
		break;
	}
	s->done_ms = pp_t_mono_ms();
}

static void *
script_main(void *p)
{
	script    *sc = p;
	pp_client *c = pp_t_connect(sc->address);
	size_t     i;

	PP_WAIT_UNTIL(atomic_load(&sc->is_go), 30000);
	for (i = 0; i < sc->n; i++) {
		PP_WAIT_UNTIL(
		    pp_t_mono_ms() >= sc->go_ms + (uint64_t)sc->steps[i].at_ms,
		    sc->steps[i].at_ms + 10000);
		run_step(c, &sc->steps[i]);
	}
	pp_close(c);
	atomic_store(&sc->is_done, true);
	return (NULL);
}

/* Starts the thread (it connects, then waits for script_go). */
static void
script_start(script *sc, const char *address, step *steps, size_t n)
{
	memset(sc, 0, sizeof(*sc));
	sc->address = address;
	sc->steps = steps;
	sc->n = n;
	PP_ASSERT_INT_EQ(pthread_create(&sc->th, NULL, script_main, sc), 0);
}

/* The steps' clock starts now. */
static void
script_go(script *sc)
{
	sc->go_ms = pp_t_mono_ms();
	atomic_store(&sc->is_go, true);
}

static void
script_join(script *sc)
{
	PP_WAIT_UNTIL(atomic_load(&sc->is_done), 30000);
	pthread_join(sc->th, NULL);
}

/* A blocking call that returned at `ret_ms` was woken by step s: it
 * returned after the step began and within a second of it. */
static void
check_woken_at(int line, const step *s, uint64_t ret_ms, const char *what)
{
	pp_t_diag("%s returned %" PRId64 " ms after the step's call began",
	    what, (int64_t)(ret_ms - s->start_ms));
	if (ret_ms < s->start_ms) {
		pp_t_fail(__FILE__, line,
		    "%s returned %" PRIu64 " ms before the step that should "
		    "wake it",
		    what, s->start_ms - ret_ms);
	}
	if (ret_ms - s->start_ms >= (uint64_t)pp_t_scaled(1000)) {
		pp_t_fail(__FILE__, line,
		    "%s returned %" PRIu64 " ms after the step, expected "
		    "within %d",
		    what, ret_ms - s->start_ms, pp_t_scaled(1000));
	}
}
#define CHECK_WOKEN(s, ret_ms, what)                                           \
	check_woken_at(__LINE__, (s), (ret_ms), (what))

/* ---- pp_available_proc: arguments
 * ------------------------------------------------------------ */

static void
test_avail_unknown(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *a_x[] = { "a", "nosuch" };
	const char  *x_a[] = { "nosuch", "a" };
	const char  *a_b_x[] = { "a", "b", "nosuch" };
	const char  *ab[] = { "a", "b" };
	pp_claim    *cl, *sentinel = (pp_claim *)&o;
	size_t       index;
	uint64_t     start;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 2);
	/* Wherever the unknown name is, and even with a wait, the call
	 * fails at once and leaves *claim alone. */
	cl = sentinel;
	start = pp_t_mono_ms();
	PP_FAIL(
	    pp_available_proc(n->client, a_x, 2, 0, &index, &cl), PP_ENOPROC);
	PP_FAIL(
	    pp_available_proc(n->client, x_a, 2, 0, &index, &cl), PP_ENOPROC);
	PP_FAIL(pp_available_proc(n->client, a_b_x, 3, 2000, &index, &cl),
	    PP_ENOPROC);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, pp_t_scaled(1000));
	PP_ASSERT_TRUE(cl == sentinel);
	/* Nothing was claimed from the known procs... */
	CHECK_IDLE(n->client, "a", 0);
	CHECK_IDLE(n->client, "b", 0);
	PP_FAIL(pp_ack(n->client, "a", 0, NULL), PP_ENOTHING_TO_ACK);
	/* ... and the unknown one was not created. */
	PP_FAIL(pp_proc_inspect(n->client, "nosuch", NULL), PP_ENOPROC);
	/* Without it, the same procs serve. */
	cl = AVAIL(n->client, ab, 2, 0, &index);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 1);
	pp_claim_free(cl);
}

static void
test_avail_invalid_names(void)
{
	pp_proc_opts o = quiet_opts(">", 1);
	char         long_name[202];
	const char  *bad[]
	    = { "", "has space", "x/y", "caf\xc3\xa9", long_name, NULL };
	const char *names[2];
	pp_claim   *cl, *sentinel = (pp_claim *)&o;
	pp_tnode    n;
	size_t      index, i;

	memset(long_name, 'n', 201);
	long_name[201] = '\0';
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	MAKE_PROC(n.client, "ta", "a", &o);
	PUT_LOGS(n.client, "ta", 0, 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The bad name after a good one with logs, and before it. */
		names[0] = "a";
		names[1] = bad[i];
		cl = sentinel;
		PP_FAIL(pp_available_proc(n.client, names, 2, 0, &index, &cl),
		    PP_EINVALID_NAME);
		names[0] = bad[i];
		names[1] = "a";
		PP_FAIL(pp_available_proc(n.client, names, 2, 0, &index, &cl),
		    PP_EINVALID_NAME);
		PP_ASSERT_TRUE(cl == sentinel);
	}
	CHECK_IDLE(n.client, "a", 0);
	/* 200 characters is a valid name: this one merely does not exist. */
	long_name[200] = '\0';
	names[0] = "a";
	names[1] = long_name;
	PP_FAIL(
	    pp_available_proc(n.client, names, 2, 0, &index, &cl), PP_ENOPROC);
	CHECK_IDLE(n.client, "a", 0);
	pp_t_node_stop(&n);
}

static void
test_avail_name_count(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	char         buf[65][8];
	const char  *names[65];
	pp_claim    *cl = NULL, *sentinel = (pp_claim *)&o;
	size_t       index, i;

	for (i = 0; i < 65; i++) {
		snprintf(buf[i], sizeof(buf[i]), "p%02zu", i);
		names[i] = buf[i];
	}
	/* p00..p62 on an idle topic, p63 on the only topic with a log. */
	for (i = 0; i < 64; i++) {
		MAKE_PROC(n->client, i == 63 ? "busy" : "idle", names[i], &o);
	}
	PUT_LOGS(n->client, "busy", 0, 1);
	cl = sentinel;
	PP_FAIL(
	    pp_available_proc(n->client, names, 0, 0, &index, &cl), PP_EINVAL);
	PP_FAIL(
	    pp_available_proc(n->client, names, 65, 0, &index, &cl), PP_EINVAL);
	PP_FAIL(
	    pp_available_proc(n->client, NULL, 1, 0, &index, &cl), PP_EINVAL);
	PP_FAIL(
	    pp_available_proc(n->client, names, 64, -2, &index, &cl), PP_EINVAL);
	PP_FAIL(
	    pp_available_proc(n->client, names, 64, 0, &index, NULL), PP_EINVAL);
	PP_ASSERT_TRUE(cl == sentinel);
	CHECK_IDLE(n->client, "p63", 0);
	/* 64 names is the most, and works. */
	cl = AVAIL(n->client, names, 64, 0, &index);
	CHECK_ONE(cl, "busy", 0);
	PP_ASSERT_U64_EQ(index, 63);
	ACK(n->client, names[index], pp_claim_token(cl));
	pp_claim_free(cl);
	CHECK_IDLE(n->client, "p63", 1);
}

/* ---- pp_available_proc: which proc
 * ------------------------------------------------------------ */

/* `rounds` claims from names, each acked at once; the picks go to
 * picks[] and each claim must be the next log of the picked proc's topic
 * (topics[i] is names[i]'s, next[i] its next sequence). */
static void
claim_rounds_at(int line, pp_client *c, const char *const *names,
    const char *const *topics, size_t n, uint64_t *next, size_t *picks,
    size_t rounds)
{
	pp_claim *cl;
	pp_id     acked;
	size_t    r, i;

	for (r = 0; r < rounds; r++) {
		cl = avail_at(line, c, names, n, 0, &i);
		if (pp_claim_count(cl) == 0) {
			pp_t_fail(__FILE__, line, "round %zu: empty claim", r);
		}
		check_one_at(line, cl, topics[i], next[i]);
		acked = proc_ack_at(__FILE__, line, c, names[i], pp_claim_token(cl));
		if (acked.seq != next[i]
		    || acked.ms != pp_claim_log(cl, 0)->id.ms) {
			pp_t_fail(__FILE__, line,
			    "round %zu: ack of %s returned seq %" PRIu64, r,
			    names[i], acked.seq);
		}
		pp_claim_free(cl);
		next[i]++;
		picks[r] = i;
	}
}
#define CLAIM_ROUNDS(c, names, topics, n, next, picks, rounds)                 \
	claim_rounds_at(                                                       \
	    __LINE__, (c), (names), (topics), (n), (next), (picks), (rounds))

static void
test_avail_round_robin(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names2[] = { "a", "b" };
	const char  *topics2[] = { "ta", "tb" };
	const char  *names3[] = { "x", "y", "z" };
	const char  *topics3[] = { "tx", "ty", "tz" };
	uint64_t     next[3] = { 0, 0, 0 };
	size_t       picks[8], r;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 4);
	/* Both have logs for four rounds: the picks alternate. */
	CLAIM_ROUNDS(n->client, names2, topics2, 2, next, picks, 4);
	pp_t_diag("picks of two procs: %zu %zu %zu %zu", picks[0], picks[1],
	    picks[2], picks[3]);
	for (r = 1; r < 4; r++) {
		PP_ASSERT_U64_CMP(picks[r], !=, picks[r - 1]);
	}
	PP_ASSERT_U64_EQ(next[0], 2);
	PP_ASSERT_U64_EQ(next[1], 2);
	/* "a" has nothing left: "b" serves every call. */
	CLAIM_ROUNDS(n->client, names2, topics2, 2, next, picks, 2);
	PP_ASSERT_U64_EQ(picks[0], 1);
	PP_ASSERT_U64_EQ(picks[1], 1);
	AVAIL_NOTHING(n->client, names2, 2);

	/* Three procs with logs take turns: every three picks hold each
	 * proc once, in the same cycle. */
	memset(next, 0, sizeof(next));
	for (r = 0; r < 3; r++) {
		MAKE_PROC(n->client, topics3[r], names3[r], &o);
		PUT_LOGS(n->client, topics3[r], 0, 3);
	}
	CLAIM_ROUNDS(n->client, names3, topics3, 3, next, picks, 8);
	pp_t_diag("picks of three procs: %zu %zu %zu %zu %zu %zu %zu %zu",
	    picks[0], picks[1], picks[2], picks[3], picks[4], picks[5],
	    picks[6], picks[7]);
	PP_ASSERT_U64_CMP(picks[0], !=, picks[1]);
	PP_ASSERT_U64_CMP(picks[1], !=, picks[2]);
	PP_ASSERT_U64_CMP(picks[0], !=, picks[2]);
	for (r = 3; r < 8; r++) {
		PP_ASSERT_U64_EQ(picks[r], picks[r - 3]);
	}
}

static void
test_avail_round_robin_across_lists(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *b[] = { "b" };
	const char  *abc[] = { "a", "b", "c" };
	const char  *topics[] = { "ta", "tb", "tc" };
	uint64_t     next[3] = { 0, 1, 0 };
	size_t       picks[3], i;
	pp_claim    *cl;

	for (i = 0; i < 3; i++) {
		MAKE_PROC(n->client, topics[i], abc[i], &o);
		PUT_LOGS(n->client, topics[i], 0, 2);
	}
	/* One worker serves "b" alone... */
	cl = AVAIL(n->client, b, 1, 0, &i);
	PP_ASSERT_U64_EQ(i, 0);
	CHECK_ONE(cl, "tb", 0);
	ACK(n->client, "b", pp_claim_token(cl));
	pp_claim_free(cl);
	/* ... so a worker with all three starts after "b": c, a, b. */
	CLAIM_ROUNDS(n->client, abc, topics, 3, next, picks, 3);
	pp_t_diag("picks after \"b\" was served: %zu %zu %zu", picks[0],
	    picks[1], picks[2]);
	PP_ASSERT_U64_EQ(picks[0], 2);
	PP_ASSERT_U64_EQ(picks[1], 0);
	PP_ASSERT_U64_EQ(picks[2], 1);
}

static void
test_avail_skips_claimed(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	const char  *topics[] = { "ta", "tb" };
	pp_claim    *first, *second, *cl;
	pp_proc_info info;
	size_t       x, y, i;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 2);
	/* X is picked and keeps its claim: the next call serves Y. */
	first = AVAIL(n->client, names, 2, 0, &x);
	CHECK_ONE(first, topics[x], 0);
	second = AVAIL(n->client, names, 2, 0, &y);
	PP_ASSERT_U64_EQ(y, 1 - x);
	CHECK_ONE(second, topics[y], 0);
	/* Both hold a claim: nothing, although both have more logs. */
	AVAIL_NOTHING(n->client, names, 2);
	info = INSPECT(n->client, names[x]);
	PP_ASSERT_TRUE(info.has_claim);
	PP_ASSERT_U64_EQ(info.claim_token, pp_claim_token(first));
	info = INSPECT(n->client, names[y]);
	PP_ASSERT_TRUE(info.has_claim);
	PP_ASSERT_U64_EQ(info.claim_token, pp_claim_token(second));
	/* Y acks: the next pick would be X, but X is still busy. */
	ACK(n->client, names[y], pp_claim_token(second));
	cl = AVAIL(n->client, names, 2, 0, &i);
	PP_ASSERT_U64_EQ(i, y);
	CHECK_ONE(cl, topics[y], 1);
	ACK(n->client, names[y], pp_claim_token(cl));
	pp_claim_free(cl);
	AVAIL_NOTHING(n->client, names, 2);
	/* X's claim was never touched. */
	info = INSPECT(n->client, names[x]);
	PP_ASSERT_TRUE(info.has_claim);
	PP_ASSERT_U64_EQ(info.claim_token, pp_claim_token(first));
	PP_ASSERT_U64_EQ(info.next_seq, 0);
	ACK(n->client, names[x], pp_claim_token(first));
	cl = AVAIL(n->client, names, 2, 0, &i);
	PP_ASSERT_U64_EQ(i, x);
	CHECK_ONE(cl, topics[x], 1);
	pp_claim_free(cl);
	pp_claim_free(first);
	pp_claim_free(second);
}

static void
test_avail_skips_disabled(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	const char  *topics[] = { "ta", "tb" };
	uint64_t     next[2] = { 0, 0 };
	pp_proc_info info;
	pp_claim    *cl;
	size_t       picks[3], i;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 3);
	PUT_LOGS(n->client, "tb", 0, 3);
	PP_PASS(pp_proc_disable(n->client, "a", NULL));
	/* Every call serves "b", round robin or not. */
	CLAIM_ROUNDS(n->client, names, topics, 2, next, picks, 3);
	for (i = 0; i < 3; i++) {
		PP_ASSERT_U64_EQ(picks[i], 1);
	}
	/* "b" is done and "a" is disabled: nothing, and "a" is untouched. */
	AVAIL_NOTHING(n->client, names, 2);
	info = INSPECT(n->client, "a");
	PP_ASSERT_TRUE(info.is_disabled);
	PP_ASSERT_TRUE(!info.has_claim);
	PP_ASSERT_U64_EQ(info.next_seq, 0);
	PP_ASSERT_U64_EQ(info.lag, 3);
	/* Resumed, it serves again from its first log. */
	PP_PASS(pp_proc_resume(n->client, "a", NULL));
	cl = AVAIL(n->client, names, 2, 0, &i);
	PP_ASSERT_U64_EQ(i, 0);
	CHECK_ONE(cl, "ta", 0);
	pp_claim_free(cl);
}

static void
test_avail_caught_up(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	pp_claim    *cl;
	size_t       index;
	uint64_t     start, took;

	/* "a" acked its only log; "b" is on a topic that does not exist. */
	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 1);
	DRAIN(n->client, "ta", "a", &o);
	start = pp_t_mono_ms();
	AVAIL_NOTHING(n->client, names, 2);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, pp_t_scaled(500));
	/* With a wait nobody ends, the empty claim comes after wait_ms. */
	start = pp_t_mono_ms();
	cl = AVAIL(n->client, names, 2, 300, &index);
	took = pp_t_mono_ms() - start;
	CHECK_EMPTY(cl);
	pp_claim_free(cl);
	pp_t_diag("an idle wait of 300 ms took %" PRIu64 " ms", took);
	PP_ASSERT_U64_CMP(took + 50, >=, 300);
	PP_ASSERT_U64_CMP(took, <, 300 + pp_t_scaled(1000));
	/* Nothing was claimed. */
	PP_FAIL(pp_ack(n->client, "a", 0, NULL), PP_ENOTHING_TO_ACK);
	PP_FAIL(pp_ack(n->client, "b", 0, NULL), PP_ENOTHING_TO_ACK);
	CHECK_IDLE(n->client, "a", 1);
}

/* ---- pp_available_proc: waits and tokens
 * ------------------------------------------------------------ */

static void
test_avail_wait_wakes(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	step         s1[2], s2[1];
	script       sc;
	pp_claim    *cl;
	size_t       index;
	uint64_t     ret;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 1);
	DRAIN(n->client, "ta", "a", &o);

	/* A commit to an unrelated topic does not end the wait; the one to
	 * "b"'s topic (which does not exist yet) hands its log out. */
	memset(s1, 0, sizeof(s1));
	s1[0].at_ms = 200;
	s1[0].act = ACT_COMMIT;
	s1[0].topic = "other";
	s1[1].at_ms = 400;
	s1[1].act = ACT_COMMIT;
	s1[1].topic = "tb";
	script_start(&sc, n->address, s1, 2);
	script_go(&sc);
	cl = AVAIL(n->client, names, 2, 5000, &index);
	ret = pp_t_mono_ms();
	script_join(&sc);
	CHECK_ONE(cl, "tb", 0);
	PP_ASSERT_U64_EQ(index, 1);
	CHECK_WOKEN(&s1[1], ret, "pp_available_proc(wait_ms 5000)");
	ACK(n->client, names[index], pp_claim_token(cl));
	pp_claim_free(cl);

	/* wait_ms -1, woken by a commit to the other proc's topic. */
	memset(s2, 0, sizeof(s2));
	s2[0].at_ms = 200;
	s2[0].act = ACT_COMMIT;
	s2[0].topic = "ta";
	s2[0].seq = 1;
	script_start(&sc, n->address, s2, 1);
	script_go(&sc);
	cl = AVAIL(n->client, names, 2, -1, &index);
	ret = pp_t_mono_ms();
	script_join(&sc);
	CHECK_ONE(cl, "ta", 1);
	PP_ASSERT_U64_EQ(index, 0);
	CHECK_WOKEN(&s2[0], ret, "pp_available_proc(wait_ms -1)");
	ACK(n->client, names[index], pp_claim_token(cl));
	pp_claim_free(cl);
	CHECK_IDLE(n->client, "a", 2);
	CHECK_IDLE(n->client, "b", 1);
}

static void
test_avail_wait_released(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	step         s[1];
	script       sc;
	pp_claim    *held, *cl;
	size_t       index;
	uint64_t     ret;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 3);
	/* "a" holds a claim and has more logs; "b" has none. */
	held = AVAIL(n->client, names, 2, 0, &index);
	PP_ASSERT_U64_EQ(index, 0);
	CHECK_ONE(held, "ta", 0);
	pp_claim_free(held);
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_ACK;
	s[0].name = "a";
	s[0].seq = 0;
	script_start(&sc, n->address, s, 1);
	script_go(&sc);
	cl = AVAIL(n->client, names, 2, 5000, &index);
	ret = pp_t_mono_ms();
	script_join(&sc);
	CHECK_ONE(cl, "ta", 1);
	PP_ASSERT_U64_EQ(index, 0);
	CHECK_WOKEN(&s[0], ret, "pp_available_proc woken by an ack");
	ACK(n->client, "a", pp_claim_token(cl));
	pp_claim_free(cl);

	/* Disabled with a log left: woken by the resume. */
	PP_PASS(pp_proc_disable(n->client, "a", NULL));
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_RESUME;
	s[0].name = "a";
	script_start(&sc, n->address, s, 1);
	script_go(&sc);
	cl = AVAIL(n->client, names, 2, 5000, &index);
	ret = pp_t_mono_ms();
	script_join(&sc);
	CHECK_ONE(cl, "ta", 2);
	PP_ASSERT_U64_EQ(index, 0);
	CHECK_WOKEN(&s[0], ret, "pp_available_proc woken by a resume");
	pp_claim_free(cl);
}

static void
test_avail_token(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	const char  *topics[] = { "ta", "tb" };
	pp_claim    *c1, *c2;
	pp_proc_info info;
	pp_id        acked;
	size_t       i, j;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 2);
	c1 = AVAIL(n->client, names, 2, 0, &i);
	CHECK_ONE(c1, topics[i], 0);
	c2 = AVAIL(n->client, names, 2, 0, &j);
	PP_ASSERT_U64_EQ(j, 1 - i);
	CHECK_ONE(c2, topics[j], 0);
	PP_ASSERT_U64_CMP(pp_claim_token(c1), !=, pp_claim_token(c2));
	/* Each token belongs to the proc of its index, not the other. */
	PP_FAIL(pp_ack(n->client, names[j], pp_claim_token(c1), NULL),
	    PP_ESTALE_CLAIM);
	PP_FAIL(pp_ack(n->client, names[i], pp_claim_token(c2), NULL),
	    PP_ESTALE_CLAIM);
	acked = ACK(n->client, names[i], pp_claim_token(c1));
	PP_ASSERT_U64_EQ(acked.seq, 0);
	PP_ASSERT_U64_EQ(acked.ms, pp_claim_log(c1, 0)->id.ms);
	CHECK_IDLE(n->client, names[i], 1);
	info = INSPECT(n->client, names[j]);
	PP_ASSERT_TRUE(info.has_claim);
	PP_ASSERT_U64_EQ(info.claim_token, pp_claim_token(c2));
	PP_ASSERT_U64_EQ(info.next_seq, 0);
	PP_FAIL(pp_ack(n->client, names[i], pp_claim_token(c1), NULL),
	    PP_ENOTHING_TO_ACK);
	/* The other token reclaims and acks its own proc. */
	PP_PASS(pp_reclaim(n->client, names[j], pp_claim_token(c2), "retry"));
	pp_claim_free(c2);
	c2 = AVAIL(n->client, names, 2, 0, &j);
	CHECK_ONE(c2, topics[j], j == i ? 1 : 0);
	ACK(n->client, names[j], pp_claim_token(c2));
	pp_claim_free(c1);
	pp_claim_free(c2);
}

/* ---- pp_wait_for_procs
 * ------------------------------------------------------------ */

static void
test_wait_all_acked(pp_tnode *n)
{
	pp_proc_opts o2 = quiet_opts(">", 2);
	pp_proc_opts o1 = quiet_opts(">", 1);
	const char  *ab[] = { "a", "b" };

	/* No procs at all. */
	WAIT_DONE(n->client, NULL, 0);
	MAKE_PROC(n->client, "ta", "a", &o2);
	MAKE_PROC(n->client, "tb", "b", &o1);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 1);
	DRAIN(n->client, "ta", "a", &o2);
	DRAIN(n->client, "tb", "b", &o1);
	WAIT_DONE(n->client, NULL, 0);
	WAIT_DONE(n->client, ab, 2);
	WAIT_DONE(n->client, ab, 1);
	wait_quick_at(__LINE__, n->client, ab, 2, 0, 0, 500);
	wait_quick_at(__LINE__, n->client, NULL, 0, -1, 0, 500);
}

static void
test_wait_never_acked_idle(pp_tnode *n)
{
	pp_proc_opts latest = quiet_opts("$>", 1);
	pp_proc_opts first = quiet_opts(">", 1);
	const char  *late[] = { "late" };
	const char  *both[] = { "late", "fresh" };
	pp_proc_info info;

	/* "late" starts after the 3 logs already there and never acks;
	 * "fresh" is on a topic that does not exist and never acks. */
	PUT_LOGS(n->client, "t", 0, 3);
	MAKE_PROC(n->client, "t", "late", &latest);
	MAKE_PROC(n->client, "none", "fresh", &first);
	info = INSPECT(n->client, "late");
	PP_ASSERT_U64_EQ(info.last_acked_ms, 0);
	PP_ASSERT_U64_EQ(info.lag, 0);
	WAIT_DONE(n->client, late, 1);
	WAIT_DONE(n->client, both, 2);
	WAIT_DONE(n->client, NULL, 0);
	/* A new log gives "late" something to do. */
	PUT_LOGS(n->client, "t", 3, 1);
	WAIT_TIMES_OUT(n->client, late, 1, 200);
	WAIT_DONE(n->client, both + 1, 1);
	DRAIN(n->client, "t", "late", &latest);
	WAIT_DONE(n->client, NULL, 0);
}

static void
test_wait_times_out_on_lag(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 3);
	const char  *a[] = { "a" };
	uint64_t     took;

	MAKE_PROC(n->client, "ta", "a", &o);
	PUT_LOGS(n->client, "ta", 0, 3);
	WAIT_TIMES_OUT(n->client, a, 1, 300);
	WAIT_TIMES_OUT(n->client, NULL, 0, 300);
	/* Timeout 0 answers at once. */
	PP_FAIL(timed_wait(n->client, a, 1, 0, &took), PP_ETIMEDOUT);
	PP_ASSERT_U64_CMP(took, <, pp_t_scaled(500));
	/* Nothing changed by waiting. */
	CHECK_IDLE(n->client, "a", 0);
	DRAIN(n->client, "ta", "a", &o);
	WAIT_DONE(n->client, a, 1);
}

static void
test_wait_times_out_on_claim(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 5);
	const char  *a[] = { "a" };
	pp_claim    *cl;

	MAKE_PROC(n->client, "ta", "a", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	/* Every log is claimed, none acked. */
	cl = proc_claim_at(__FILE__, __LINE__, n->client, "ta", "a", &o, 0);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 2);
	WAIT_TIMES_OUT(n->client, a, 1, 300);
	WAIT_TIMES_OUT(n->client, NULL, 0, 300);
	/* Given back, the logs are still to do. */
	PP_PASS(pp_reclaim(n->client, "a", pp_claim_token(cl), NULL));
	pp_claim_free(cl);
	WAIT_TIMES_OUT(n->client, a, 1, 200);
	DRAIN(n->client, "ta", "a", &o);
	WAIT_DONE(n->client, NULL, 0);
}

/* The peer's test: a proc claims 3 logs with count 3; the ack and the
 * wait run together; the wait ends because of the ack. */
static void
wait_woken_by_ack(const char *const *names, size_t count, int timeout_ms)
{
	pp_proc_opts o = quiet_opts(">", 3);
	step         s[1];
	script       sc;
	pp_claim    *cl;
	pp_tnode     n;
	uint64_t     took, ret;
	int          rv;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	MAKE_PROC(n.client, "ta", "a", &o);
	MAKE_PROC(n.client, "tb", "b", &o);
	PUT_LOGS(n.client, "ta", 0, 3);
	cl = proc_claim_at(__FILE__, __LINE__, n.client, "ta", "a", &o, 0);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 3);
	pp_claim_free(cl);
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_ACK;
	s[0].name = "a";
	s[0].seq = 2;
	script_start(&sc, n.address, s, 1);
	script_go(&sc);
	rv = timed_wait(n.client, names, count, timeout_ms, &took);
	ret = pp_t_mono_ms();
	script_join(&sc);
	PP_PASS(rv);
	CHECK_WOKEN(&s[0], ret, "pp_wait_for_procs");
	if (timeout_ms > 0) {
		PP_ASSERT_U64_CMP(took + 1000, <, (uint64_t)timeout_ms);
	}
	CHECK_IDLE(n.client, "a", 3);
	pp_t_node_stop(&n);
}

static void
test_wait_woken_by_ack(void)
{
	const char *a[] = { "a" };

	wait_woken_by_ack(a, 1, 5000);
}

static void
test_wait_forever_woken_by_ack(void)
{
	wait_woken_by_ack(NULL, 0, -1);
}

static void
test_wait_keeps_waiting(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 2);
	const char  *a[] = { "a" };
	step         s[3];
	script       sc;
	pp_claim    *cl;
	uint64_t     took, ret;
	int          rv;

	MAKE_PROC(n->client, "ta", "a", &o);
	PUT_LOGS(n->client, "ta", 0, 4);
	cl = proc_claim_at(__FILE__, __LINE__, n->client, "ta", "a", &o, 0);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 2);
	pp_claim_free(cl);
	/* The first ack leaves two logs; the wait ends at the second. */
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_ACK;
	s[0].name = "a";
	s[0].seq = 1;
	s[1].at_ms = 400;
	s[1].act = ACT_CLAIM;
	s[1].name = "a";
	s[1].topic = "ta";
	s[1].seq = 2;
	s[1].opts = o;
	s[2].at_ms = 600;
	s[2].act = ACT_ACK;
	s[2].name = "a";
	s[2].seq = 3;
	script_start(&sc, n->address, s, 3);
	script_go(&sc);
	rv = timed_wait(n->client, a, 1, 5000, &took);
	ret = pp_t_mono_ms();
	script_join(&sc);
	PP_PASS(rv);
	CHECK_WOKEN(&s[2], ret, "pp_wait_for_procs");
	CHECK_IDLE(n->client, "a", 4);
}

static void
test_wait_names_restrict(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 5);
	pp_proc_opts latest = quiet_opts("$>", 5);
	const char  *b[] = { "b" };
	const char  *c[] = { "c" };
	const char  *bc[] = { "b", "c" };
	const char  *a[] = { "a" };
	const char  *ba[] = { "b", "a" };
	const char  *ab[] = { "a", "b" };

	/* "a" lags; "b" acked everything; "c" never acked, nothing new. */
	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 2);
	DRAIN(n->client, "tb", "b", &o);
	MAKE_PROC(n->client, "ta", "c", &latest);
	WAIT_DONE(n->client, b, 1);
	WAIT_DONE(n->client, c, 1);
	WAIT_DONE(n->client, bc, 2);
	WAIT_TIMES_OUT(n->client, a, 1, 200);
	WAIT_TIMES_OUT(n->client, ba, 2, 200);
	WAIT_TIMES_OUT(n->client, ab, 2, 200);
	WAIT_TIMES_OUT(n->client, NULL, 0, 200);
}

static void
test_wait_unknown_name(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 5);
	const char  *x[] = { "nosuch" };
	const char  *bx[] = { "b", "nosuch" };
	const char  *xa[] = { "nosuch", "a" };
	const char  *ax[] = { "a", "nosuch" };
	const char  *bad1[] = { "" };
	const char  *bad2[] = { "b", "has space" };

	/* "a" lags, "b" is done. */
	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	WAIT_FAILS(n->client, x, 1, PP_ENOPROC);
	WAIT_FAILS(n->client, bx, 2, PP_ENOPROC);
	WAIT_FAILS(n->client, xa, 2, PP_ENOPROC);
	WAIT_FAILS(n->client, bad1, 1, PP_EINVALID_NAME);
	WAIT_FAILS(n->client, bad2, 2, PP_EINVALID_NAME);
	PP_FAIL(pp_wait_for_procs(n->client, NULL, 1, 0), PP_EINVAL);
	PP_FAIL(pp_proc_inspect(n->client, "nosuch", NULL), PP_ENOPROC);
	/* The unknown name after a proc that still lags: still at once. */
	WAIT_FAILS(n->client, ax, 2, PP_ENOPROC);
}

static void
test_wait_skips_disabled(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *a[] = { "a" };
	const char  *ad[] = { "a", "d" };
	pp_claim    *cl;

	/* "a" lags, "d" holds a claim; both are disabled. */
	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "td", "d", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "td", 0, 2);
	cl = proc_claim_at(__FILE__, __LINE__, n->client, "td", "d", &o, 0);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 1);
	pp_claim_free(cl);
	PP_PASS(pp_proc_disable(n->client, "a", NULL));
	PP_PASS(pp_proc_disable(n->client, "d", NULL));
	PP_ASSERT_TRUE(INSPECT(n->client, "d").has_claim);
	WAIT_DONE(n->client, NULL, 0);
	WAIT_DONE(n->client, a, 1);
	WAIT_DONE(n->client, ad, 2);
	/* Resumed, "a" is waited for again. */
	PP_PASS(pp_proc_resume(n->client, "a", NULL));
	WAIT_TIMES_OUT(n->client, a, 1, 200);
	WAIT_TIMES_OUT(n->client, NULL, 0, 200);
	WAIT_DONE(n->client, ad + 1, 1);
}

static void
test_wait_ends_on_disable(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	step         s[1];
	script       sc;
	uint64_t     took, ret;
	int          rv;

	MAKE_PROC(n->client, "ta", "a", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	/* The only lagging proc is disabled during the wait: nothing is
	 * left to wait for. */
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_DISABLE;
	s[0].name = "a";
	script_start(&sc, n->address, s, 1);
	script_go(&sc);
	rv = timed_wait(n->client, NULL, 0, 3000, &took);
	ret = pp_t_mono_ms();
	script_join(&sc);
	pp_t_diag(
	    "the wait returned %s after %" PRIu64 " ms", pp_errname(rv), took);
	PP_PASS(rv);
	CHECK_WOKEN(&s[0], ret, "pp_wait_for_procs");
}

static void
test_wait_all_active(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	pp_proc_opts latest = quiet_opts("$>", 1);
	step         s[3];
	script       sc;
	uint64_t     took, ret;
	int          rv;

	/* "a" holds a claim of its only log, "b" never acked and has
	 * nothing new, "c" lags but is disabled. */
	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tc", "c", &o);
	PUT_LOGS(n->client, "ta", 0, 1);
	PUT_LOGS(n->client, "tc", 0, 3);
	PUT_LOGS(n->client, "tl", 0, 1);
	pp_claim_free(proc_claim_at(__FILE__, __LINE__, n->client, "ta", "a", &o, 0));
	MAKE_PROC(n->client, "ta", "b", &latest);
	PP_PASS(pp_proc_disable(n->client, "c", NULL));
	WAIT_TIMES_OUT(n->client, NULL, 0, 200);
	/* During the wait a new proc "late" claims a log, then "a" acks:
	 * the wait goes on until "late" acks too. */
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_CLAIM;
	s[0].name = "late";
	s[0].topic = "tl";
	s[0].seq = 0;
	s[0].opts = o;
	s[1].at_ms = 400;
	s[1].act = ACT_ACK;
	s[1].name = "a";
	s[1].seq = 0;
	s[2].at_ms = 600;
	s[2].act = ACT_ACK;
	s[2].name = "late";
	s[2].seq = 0;
	script_start(&sc, n->address, s, 3);
	script_go(&sc);
	rv = timed_wait(n->client, NULL, 0, 5000, &took);
	ret = pp_t_mono_ms();
	script_join(&sc);
	PP_PASS(rv);
	CHECK_WOKEN(&s[2], ret, "pp_wait_for_procs(NULL, 0)");
	WAIT_DONE(n->client, NULL, 0);
}

/* The node's count of parked requests, once it equals `want` (or the
 * deadline passes: then the last value). */
static uint64_t
waiting_becomes(pp_client *c, uint64_t want, int timeout_ms)
{
	uint64_t         end = pp_t_mono_ms() + (uint64_t) timeout_ms, v = 0;
	pp_stats_report *st;

	do {
		PP_PASS(pp_stats(c, &st));
		v = pp_stats_node(st)->waiting_requests;
		pp_stats_free(st);
		if (v == want) {
			break;
		}
		pp_t_nap();
	} while (pp_t_mono_ms() < end);
	return (v);
}

/* The helper process: reads the node's address, claims and waits. */
static int
waiter_main(void *arg, int in_fd, int out_fd)
{
	pp_proc_opts o = quiet_opts(">", 1);
	pp_claim    *mine = NULL;
	pp_client   *c;
	char         address[PP_T_PATH];

	(void) arg;
	(void) out_fd;
	if (pp_t_read_line(in_fd, address, sizeof(address), 30000) < 0) {
		return (1);
	}
	c = pp_t_connect(address);
	pp_proc(c, "t", "p", &o, 60000, &mine);
	return (0); /* not reached before the kill */
}

/* A waiting claim whose client dies must not take the next log with it:
 * nobody would receive it, and it would stay claimed until the reclaim
 * timeout (here: never). */
static void
test_dead_waiter_dropped(void)
{
	pp_proc_opts  o = quiet_opts(">", 1);
	pp_spawn_opts so;
	pp_t_child    waiter;
	pp_claim     *cl;
	pp_tnode      n;

	/* Forked before this process uses NNG (harness.h). */
	pp_t_child_fork(&waiter, waiter_main, NULL);
	memset(&so, 0, sizeof(so));
	so.workers = PP_WORKERS_NONE; /* an idle worker waits too */
	pp_t_node_init(&n);
	pp_t_node_start(&n, &so);
	MAKE_PROC(n.client, "t", "p", &o);
	pp_t_write_all(waiter.to_fd, n.address, strlen(n.address));
	pp_t_write_all(waiter.to_fd, "\n", 1);
	PP_ASSERT_U64_EQ(waiting_becomes(n.client, 1, 10000), 1);
	kill(waiter.pid, SIGKILL);
	pp_t_child_wait(&waiter, 10000);
	/* The node learns of the closed connection and drops the wait. */
	PP_ASSERT_U64_EQ(waiting_becomes(n.client, 0, 10000), 0);
	PUT_LOGS(n.client, "t", 0, 1);
	cl = proc_claim_at(__FILE__, __LINE__, n.client, "t", "p", &o, 0);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 1);
	pp_claim_free(cl);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("pp_available_proc with an unknown name fails with PP_ENOPROC at "
	  "once and claims nothing from the others",
	    test_avail_unknown, 0),
	PP_CASE("pp_available_proc refuses invalid names with PP_EINVALID_NAME and "
	  "claims nothing",
	    test_avail_invalid_names, 0),
	PP_NODE_CASE("pp_available_proc takes 1 to 64 names: 0 and 65 are PP_EINVAL, 64 "
	  "work",
	    test_avail_name_count, 0),
	PP_NODE_CASE("pp_available_proc alternates between procs that have logs (round "
	  "robin)",
	    test_avail_round_robin, 0),
	PP_NODE_CASE("pp_available_proc starts after the proc this node served last, "
	  "also when that call named other procs",
	    test_avail_round_robin_across_lists, 0),
	PP_NODE_CASE("pp_available_proc skips a proc that holds a claim and serves the "
	  "other",
	    test_avail_skips_claimed, 0),
	PP_NODE_CASE("pp_available_proc skips a disabled proc and serves the other",
	    test_avail_skips_disabled, 0),
	PP_NODE_CASE("pp_available_proc returns an empty claim when every proc is caught "
	  "up",
	    test_avail_caught_up, 0),
	PP_NODE_CASE("pp_available_proc with wait_ms returns the log committed to any of "
	  "the procs' topics within a second",
	    test_avail_wait_wakes, 0),
	PP_NODE_CASE("a waiting pp_available_proc is woken by an ack or a resume that "
	  "frees logs",
	    test_avail_wait_released, 0),
	PP_NODE_CASE("the token of pp_available_proc acks the proc names[index] and no "
	  "other",
	    test_avail_token, 0),
	PP_NODE_CASE("pp_wait_for_procs returns 0 at once when every proc acked "
	  "everything",
	    test_wait_all_acked, 0),
	PP_NODE_CASE("a proc that never acked but has nothing to read counts as done "
	  "(PEER 14 fixed)",
	    test_wait_never_acked_idle, 0),
	PP_NODE_CASE("pp_wait_for_procs times out after about timeout_ms while a proc "
	  "has unacked logs",
	    test_wait_times_out_on_lag, 0),
	PP_NODE_CASE("pp_wait_for_procs times out after about timeout_ms while a proc "
	  "holds a claim",
	    test_wait_times_out_on_claim, 0),
	PP_CASE("pp_wait_for_procs is woken by the ack itself, long before its "
	  "timeout",
	    test_wait_woken_by_ack, 0),
	PP_CASE("pp_wait_for_procs with timeout -1 and no names is woken by the ack "
	  "itself",
	    test_wait_forever_woken_by_ack, 0),
	PP_NODE_CASE("pp_wait_for_procs woken by an ack keeps waiting while logs remain",
	    test_wait_keeps_waiting, 0),
	PP_NODE_CASE("names restrict pp_wait_for_procs: an idle proc named alone is done "
	  "while another lags",
	    test_wait_names_restrict, 0),
	PP_NODE_CASE("pp_wait_for_procs fails at once with PP_ENOPROC for an unknown name "
	  "and PP_EINVALID_NAME for a bad one",
	    test_wait_unknown_name, 0),
	PP_NODE_CASE("pp_wait_for_procs does not wait for disabled procs",
	    test_wait_skips_disabled, 0),
	PP_NODE_CASE("a pp_wait_for_procs in progress ends when the proc it waits for is "
	  "disabled",
	    test_wait_ends_on_disable, 0),
	PP_NODE_CASE("pp_wait_for_procs with no names waits for every active proc, "
	  "including one created meanwhile",
	    test_wait_all_active, 0),
	PP_CASE("a waiting claim whose client was killed is dropped and takes no "
	  "log",
	    test_dead_waiter_dropped, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
