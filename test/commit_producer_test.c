/*
 * commit_producer_test.c - idempotent producers (issue 12 item 1):
 * pp_commit_with() with a producer key and sequence, against a real node.
 * A sequence not above the key's last is PP_EDUPLICATE and changes
 * nothing, whichever client sends it; gaps are allowed; two commits of
 * one key in one group are ordered; concurrent producers never double a
 * log; the last sequence survives a restart and kill -9 (also between a
 * commit and its reply); idle keys are forgotten after the dedupe window;
 * bad keys and sequences are PP_EINVAL before anything is sent.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit_util.h"
#include "harness.h"

/* Commits one log "body" to topic with producer key/seq; returns the code. */
static int
put(pp_client *c, const char *topic, const char *body, const char *key,
    uint64_t seq, pp_id *id)
{
	pp_record      r = { topic, body, strlen(body) };
	pp_commit_opts o;

	memset(&o, 0, sizeof(o));
	o.producer     = key;
	o.producer_seq = seq;
	return pp_commit_with(c, &r, 1, &o, id);
}

static uint64_t
last_seq(pp_client *c, const char *key)
{
	pp_producer_info info;

	PP_PASS(pp_producer(c, key, &info));
	return info.last_seq;
}

static void
test_duplicate(pp_tnode *n)
{
	pp_producer_info info;
	pp_client       *other;
	pp_id            id;
	uint64_t         before;

	/* Unknown keys have no sequence. */
	PP_PASS(pp_producer(n->client, "p1", &info));
	PP_ASSERT_U64_EQ(info.last_seq, 0);
	PP_ASSERT_U64_EQ(info.updated_ms, 0);

	before = pp_t_now_ms();
	PP_PASS(put(n->client, "t", "one", "p1", 5, &id));
	PP_ASSERT_U64_EQ(id.seq, 0);
	PP_PASS(pp_producer(n->client, "p1", &info));
	PP_ASSERT_U64_EQ(info.last_seq, 5);
	PP_ASSERT_U64_CMP(info.updated_ms + 100, >=, before);

	/* The same and a lower sequence: duplicates, nothing written, ids
	 * untouched, the message names key and sequences. */
	commit_fill_sentinel(&id, 1);
	PP_FAIL(put(n->client, "t", "one again", "p1", 5, &id), PP_EDUPLICATE);
	commit_assert_sentinel(&id, 1);
	if (strstr(pp_client_errmsg(n->client), "'p1'") == NULL ||
	    strstr(pp_client_errmsg(n->client), "5") == NULL) {
		PP_FAIL_AT("message: %s", pp_client_errmsg(n->client));
	}
	PP_FAIL(put(n->client, "t", "older", "p1", 2, &id), PP_EDUPLICATE);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "t"), 1);

	/* Another client (a restarted producer) gets the same answer. */
	other = pp_t_connect(n->address);
	PP_FAIL(put(other, "t", "one", "p1", 5, &id), PP_EDUPLICATE);
	/* A gap is fine: the next is anything above. */
	PP_PASS(put(other, "t", "two", "p1", 9, &id));
	PP_ASSERT_U64_EQ(id.seq, 1);
	PP_FAIL(put(n->client, "t", "x", "p1", 9, &id), PP_EDUPLICATE);
	PP_ASSERT_U64_EQ(last_seq(n->client, "p1"), 9);
	/* Keys are independent; a plain commit is unaffected. */
	PP_PASS(put(n->client, "t", "three", "p2", 1, &id));
	pp_t_commit_str(n->client, "t", "plain");
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "t"), 4);
	PP_ASSERT_U64_EQ(last_seq(n->client, "p1"), 9);
	PP_ASSERT_U64_EQ(last_seq(n->client, "p2"), 1);
	pp_close(other);
}

static void
test_multi_topic(pp_tnode *n)
{
	pp_record      r[3] = { { "a", "1", 1 }, { "b", "2", 1 }, { "a", "3", 1 } };
	pp_commit_opts o;
	pp_id          ids[3];

	memset(&o, 0, sizeof(o));
	o.producer     = "jetstream/S/C";
	o.producer_seq = 100;
	PP_PASS(pp_commit_with(n->client, r, 3, &o, ids));
	PP_ASSERT_U64_EQ(ids[2].seq, 1);
	commit_fill_sentinel(ids, 3);
	PP_FAIL(pp_commit_with(n->client, r, 3, &o, ids), PP_EDUPLICATE);
	commit_assert_sentinel(ids, 3);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "a"), 2);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "b"), 1);
	/* NULL options: a plain commit. */
	PP_PASS(pp_commit_with(n->client, r, 3, NULL, ids));
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "a"), 4);
}

static void
test_bad_input(pp_tnode *n)
{
	char             longkey[PP_PRODUCER_MAX + 2];
	pp_producer_info info = { 77, 77 };
	pp_record        r    = { "t", "x", 1 };
	pp_commit_opts   o;
	pp_expect        e[65];
	pp_id            id;
	size_t           i;

	memset(longkey, 'k', sizeof(longkey));
	longkey[PP_PRODUCER_MAX + 1] = '\0';
	memset(&o, 0, sizeof(o));
	o.producer_seq = 1;
	o.producer     = "";
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_EINVAL);
	o.producer = longkey;
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_EINVAL);
	o.producer = "with space";
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_EINVAL);
	o.producer = "tab\there";
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_EINVAL);
	o.producer     = "ok";
	o.producer_seq = 0;
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_EINVAL);
	o.producer_seq = 1;
	o.nexpects     = 1;
	o.expects      = NULL;
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_EINVAL);
	for (i = 0; i < 65; i++) {
		e[i].topic    = "t";
		e[i].next_seq = 0;
	}
	o.expects  = e;
	o.nexpects = 65;
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_EINVAL);
	o.nexpects = 0;
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, NULL), PP_EINVAL);
	PP_FAIL(pp_commit_with(n->client, &r, 0, &o, &id), PP_EEMPTY);
	PP_FAIL(pp_commit_with_async(n->client, &r, 1, &o, NULL, NULL),
	    PP_EINVAL);
	/* A key of exactly 200 bytes is fine. */
	longkey[PP_PRODUCER_MAX] = '\0';
	o.producer               = longkey;
	PP_PASS(pp_commit_with(n->client, &r, 1, &o, &id));
	PP_ASSERT_U64_EQ(last_seq(n->client, longkey), 1);
	PP_FAIL(pp_producer(n->client, "", &info), PP_EINVAL);
	PP_FAIL(pp_producer(n->client, NULL, &info), PP_EINVAL);
	PP_FAIL(pp_producer(n->client, "bad key", &info), PP_EINVAL);
	PP_FAIL(pp_producer(n->client, "k", NULL), PP_EINVAL);
	PP_ASSERT_U64_EQ(info.last_seq, 77);
	PP_FAIL(pp_producer(NULL, "k", &info), PP_ENOTCONN);
	/* Nothing but the one good commit was written. */
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "t"), 1);
}

/* ---- one group: async calls with one key --------------------------------- */

typedef struct outcome {
	pthread_mutex_t mu;
	int             status[16];
	uint64_t        seq[16];
	int             n;
} outcome;

static void
on_done(void *arg, int status, const pp_id *ids, size_t count)
{
	outcome *o = arg;

	pthread_mutex_lock(&o->mu);
	o->seq[o->n]      = status == 0 && count > 0 ? ids[0].seq : 999;
	o->status[o->n++] = status;
	pthread_mutex_unlock(&o->mu);
}

static void
test_one_group(pp_tnode *n)
{
	/* Producer sequences in call order, and what each must get. */
	static const uint64_t seqs[8] = { 1, 1, 2, 0, 1, 3, 3, 10 };
	static const int      want[8] = { 0, PP_EDUPLICATE, 0, 0,
                PP_EDUPLICATE, 0, PP_EDUPLICATE, 0 };
	static outcome        out = { PTHREAD_MUTEX_INITIALIZER, { 0 }, { 0 },
                0 };
	pp_record             r   = { "g", "x", 1 };
	pp_commit_opts        o;
	pp_t_logs             logs;
	char                  bodies[8][8];
	int                   i;

	for (i = 0; i < 8; i++) {
		memset(&o, 0, sizeof(o));
		/* seq 0: a plain commit between them. */
		o.producer     = seqs[i] != 0 ? "grp" : NULL;
		o.producer_seq = seqs[i];
		r.len  = (size_t)snprintf(bodies[i], sizeof(bodies[i]), "c%d", i);
		r.body = bodies[i];
		PP_PASS(pp_commit_with_async(n->client, &r, 1, &o, on_done,
		    &out));
	}
	PP_PASS(pp_flush(n->client, 10000));
	PP_ASSERT_INT_EQ(out.n, 8);
	for (i = 0; i < 8; i++) {
		if (out.status[i] != want[i]) {
			PP_FAIL_AT("call %d (seq %llu): %s, expected %s", i,
			    (unsigned long long)seqs[i],
			    pp_errname(out.status[i]), pp_errname(want[i]));
		}
	}
	/* Applied: c0 c2 c3 c5 c7, in that order, sequences 0..4. */
	pp_t_read_all(n->client, "g", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 5);
	PP_ASSERT_STR_EQ(logs.bodies[0], "c0");
	PP_ASSERT_STR_EQ(logs.bodies[1], "c2");
	PP_ASSERT_STR_EQ(logs.bodies[2], "c3");
	PP_ASSERT_STR_EQ(logs.bodies[3], "c5");
	PP_ASSERT_STR_EQ(logs.bodies[4], "c7");
	pp_t_logs_free(&logs);
	PP_ASSERT_U64_EQ(last_seq(n->client, "grp"), 10);
}

/* ---- concurrent producers -------------------------------------------------- */

#define PRODUCERS 4
#define PER_PRODUCER 150

typedef struct racer {
	const char *address;
	int         index;   /* its own key, or -1 when sharing "shared" */
	int         applied; /* commits answered 0 */
	int         dups;
	pthread_t   th;
} racer;

/* Commits seq 1..PER_PRODUCER, each twice (the second a resend from a
 * second client), to topic "own" with its own key or to "shared" with a
 * shared key. */
static void *
racer_main(void *p)
{
	racer      *r = p;
	pp_client  *a = pp_t_connect(r->address), *b = pp_t_connect(r->address);
	char        key[32], body[48];
	const char *topic = r->index >= 0 ? "own" : "shared";
	pp_id       id;
	uint64_t    s;
	int         rv, k;

	snprintf(key, sizeof(key), r->index >= 0 ? "own-%d" : "shared",
	    r->index);
	for (s = 1; s <= PER_PRODUCER; s++) {
		snprintf(body, sizeof(body), "%s:%llu", key,
		    (unsigned long long)s);
		for (k = 0; k < 2; k++) {
			rv = put(k == 0 ? a : b, topic, body, key, s, &id);
			if (rv == 0) {
				r->applied++;
			} else if (rv == PP_EDUPLICATE) {
				r->dups++;
			} else {
				PP_FAIL_AT("%s seq %llu: %s", key,
				    (unsigned long long)s, pp_errname(rv));
			}
		}
	}
	pp_close(a);
	pp_close(b);
	return NULL;
}

static void
test_concurrent(pp_tnode *n)
{
	static racer racers[2 * PRODUCERS];
	pp_t_logs    logs;
	uint64_t     prev[PRODUCERS], s;
	int          i, who, applied = 0;
	size_t       k;

	for (i = 0; i < 2 * PRODUCERS; i++) {
		racers[i].address = n->address;
		racers[i].index   = i < PRODUCERS ? i : -1;
		PP_ASSERT_INT_EQ(
		    pthread_create(&racers[i].th, NULL, racer_main, &racers[i]),
		    0);
	}
	for (i = 0; i < 2 * PRODUCERS; i++) {
		pthread_join(racers[i].th, NULL);
	}
	/* Own keys: every sequence exactly once, in order, the resend
	 * always a duplicate. */
	pp_t_read_all(n->client, "own", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, PRODUCERS * PER_PRODUCER);
	memset(prev, 0, sizeof(prev));
	for (k = 0; k < logs.count; k++) {
		unsigned long long sq;

		PP_ASSERT_INT_EQ(sscanf(logs.bodies[k], "own-%d:%llu", &who,
		                     &sq),
		    2);
		PP_ASSERT_U64_EQ(sq, prev[who] + 1);
		prev[who] = sq;
	}
	pp_t_logs_free(&logs);
	for (i = 0; i < PRODUCERS; i++) {
		PP_ASSERT_INT_EQ(racers[i].applied, PER_PRODUCER);
		PP_ASSERT_INT_EQ(racers[i].dups, PER_PRODUCER);
	}
	/* One key shared by racing producers: each sequence at most once,
	 * increasing; every success is one stored log. */
	pp_t_read_all(n->client, "shared", NULL, false, &logs);
	for (i = PRODUCERS; i < 2 * PRODUCERS; i++) {
		applied += racers[i].applied;
	}
	PP_ASSERT_U64_EQ(logs.count, (uint64_t)applied);
	s = 0;
	for (k = 0; k < logs.count; k++) {
		unsigned long long sq;

		PP_ASSERT_INT_EQ(sscanf(logs.bodies[k], "shared:%llu", &sq), 1);
		PP_ASSERT_U64_CMP(sq, >, s);
		s = sq;
	}
	PP_ASSERT_U64_EQ(s, PER_PRODUCER); /* the last always lands */
	pp_t_logs_free(&logs);
	PP_ASSERT_U64_EQ(last_seq(n->client, "shared"), PER_PRODUCER);
}

/* ---- restarts ---------------------------------------------------------------- */

static const char *const g_sync_always[] = { "--sync", "always", NULL };

static void
test_restart(void)
{
	pp_tnode   n;
	pp_client *c;
	pp_id      id;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	PP_PASS(put(n.client, "t", "a", "k", 3, &id));
	pp_t_node_stop(&n);
	pp_t_node_start(&n, NULL);
	PP_ASSERT_U64_EQ(last_seq(n.client, "k"), 3);
	PP_FAIL(put(n.client, "t", "a", "k", 3, &id), PP_EDUPLICATE);
	PP_PASS(put(n.client, "t", "b", "k", 4, &id));
	pp_t_node_stop(&n);

	/* kill -9 right after an acknowledged commit. */
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
	c = pp_t_connect(n.address);
	PP_PASS(put(c, "t", "c", "k", 5, &id));
	pp_close(c);
	pp_t_node_kill(&n, SIGKILL);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
	c = pp_t_connect(n.address);
	PP_ASSERT_U64_EQ(last_seq(c, "k"), 5);
	PP_FAIL(put(c, "t", "c", "k", 5, &id), PP_EDUPLICATE);
	PP_ASSERT_U64_EQ(pp_t_length(c, "t"), 3);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_TRUE(pp_t_node_wait(&n, 10000) != -1);
}

/*
 * A producer process commits sequences start..CRASH_SEQS, one log each,
 * and reports every answer on a pipe. Three times the test kills -9 the
 * producer and then the node under it: commits the node applied after
 * the producer died never got their reply. Each new producer (a restart
 * that knows only what was reported) starts REDELIVER sequences before
 * the first unreported one, as a JetStream consumer redelivers a batch
 * whose ack was lost: all those, and whatever was applied unreported,
 * must be PP_EDUPLICATE. The topic must hold each sequence exactly once,
 * in order.
 */
#define CRASH_SEQS 1500
#define REDELIVER  5

static const char *g_crash_address;

static int
producer_main(void *arg, int in_fd, int out_fd)
{
	char       line[64], body[32];
	pp_client *c;
	pp_id      id;
	long       s, start;
	int        rv;

	(void)arg;
	if (pp_t_read_line(in_fd, line, sizeof(line), 10000) < 0 ||
	    (start = atol(line)) < 1 ||
	    pp_connect(g_crash_address, NULL, &c) != 0) {
		return 2;
	}
	for (s = start; s <= CRASH_SEQS; s++) {
		snprintf(body, sizeof(body), "s%ld", s);
		rv = put(c, "crash", body, "crasher", (uint64_t)s, &id);
		snprintf(line, sizeof(line), "%s %ld\n",
		    rv == 0 ? "ok" : rv == PP_EDUPLICATE ? "dup" : pp_errname(rv),
		    s);
		pp_t_write_all(out_fd, line, strlen(line));
		if (rv != 0 && rv != PP_EDUPLICATE) {
			return 3;
		}
	}
	pp_t_write_all(out_fd, "done\n", 5);
	pp_close(c);
	return 0;
}

/* Reads the producer's reports until `until` is confirmed, "done" or
 * EOF; returns true on "done". */
static bool
read_reports(pp_t_child *ch, long *confirmed, int *dups, long until)
{
	char line[64];
	long s;

	while (*confirmed < until &&
	    pp_t_read_line(ch->from_fd, line, sizeof(line), 60000) >= 0) {
		if (strcmp(line, "done") == 0) {
			return true;
		}
		if (sscanf(line, "ok %ld", &s) == 1) {
			PP_ASSERT_INT_EQ(s, *confirmed + 1);
		} else if (sscanf(line, "dup %ld", &s) == 1) {
			PP_ASSERT_INT_CMP(s, <=, *confirmed + 1);
			(*dups)++;
		} else {
			PP_FAIL_AT("producer: %s", line);
		}
		if (s > *confirmed) {
			*confirmed = s;
		}
	}
	return false;
}

static void
start_producer(pp_t_child *ch, long confirmed)
{
	char line[32];

	pp_t_child_fork(ch, producer_main, NULL);
	snprintf(line, sizeof(line), "%ld\n",
	    confirmed + 1 > REDELIVER ? confirmed + 1 - REDELIVER : 1);
	pp_t_write_all(ch->to_fd, line, strlen(line));
}

static void
test_kill_between_commit_and_reply(void)
{
	pp_tnode   n;
	pp_t_child ch;
	pp_client *c;
	pp_t_logs  logs;
	char       want[32];
	long       confirmed = 0;
	int        dups = 0, round;
	size_t     k;

	pp_t_node_init(&n);
	g_crash_address = n.address;
	for (round = 1; round <= 3; round++) {
		PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
		start_producer(&ch, confirmed);
		PP_ASSERT_TRUE(!read_reports(&ch, &confirmed, &dups,
		    confirmed + 200 + round * 37));
		/* The producer dies first: what the node applies from now
		 * on is never reported. Then the node. */
		kill(ch.pid, SIGKILL);
		pp_t_child_wait(&ch, 10000);
		pp_t_node_kill(&n, SIGKILL);
	}
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
	start_producer(&ch, confirmed);
	PP_ASSERT_TRUE(read_reports(&ch, &confirmed, &dups, CRASH_SEQS + 1));
	PP_ASSERT_INT_EQ(pp_t_child_wait(&ch, 10000), 0);
	pp_t_diag("%d commits answered as duplicates", dups);
	/* At least the redelivered ones of every restart. */
	PP_ASSERT_INT_CMP(dups, >=, 3 * REDELIVER);
	/* NNG in this process only now: the producers were forked before. */
	c = pp_t_connect(n.address);
	pp_t_read_all(c, "crash", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, CRASH_SEQS);
	for (k = 0; k < logs.count; k++) {
		snprintf(want, sizeof(want), "s%zu", k + 1);
		PP_ASSERT_STR_EQ(logs.bodies[k], want);
	}
	pp_t_logs_free(&logs);
	PP_ASSERT_U64_EQ(last_seq(c, "crasher"), CRASH_SEQS);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_TRUE(pp_t_node_wait(&n, 10000) != -1);
}

/* ---- expiry ------------------------------------------------------------------ */

static void
test_expiry(void)
{
	static const char *const extra[] = { "--dedupe-window", "1000",
		"--workers", "0", NULL };
	pp_tnode   n;
	pp_client *c;
	pp_id      id;

	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, extra), 0);
	c = pp_t_connect(n.address);
	PP_PASS(put(c, "t", "a", "idle", 7, &id));
	PP_PASS(put(c, "t", "a", "busy", 1, &id));
	PP_ASSERT_U64_EQ(last_seq(c, "idle"), 7);
	/* "busy" keeps committing: it stays; "idle" is forgotten. */
	{
		uint64_t s = 2, end = pp_t_mono_ms() + (uint64_t)
		    pp_t_scaled(15000);

		while (last_seq(c, "idle") != 0) {
			if (pp_t_mono_ms() > end) {
				PP_FAIL_AT("idle key not forgotten");
			}
			PP_PASS(put(c, "t", "b", "busy", s++, &id));
			pp_t_nap();
			pp_t_nap();
		}
		PP_ASSERT_U64_EQ(last_seq(c, "busy"), s - 1);
	}
	/* A forgotten key starts afresh. */
	PP_PASS(put(c, "t", "again", "idle", 1, &id));
	PP_ASSERT_U64_EQ(last_seq(c, "idle"), 1);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_TRUE(pp_t_node_wait(&n, 10000) != -1);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("a producer sequence not above the key's last is "
	    "PP_EDUPLICATE, from any client, and changes nothing",
	    test_duplicate, 0),
	PP_NODE_CASE("a multi-topic commit with a key is applied once",
	    test_multi_topic, 0),
	PP_NODE_CASE("bad keys, sequence 0 and bad options are refused",
	    test_bad_input, 0),
	PP_NODE_CASE("queued commits of one key apply in call order, "
	    "a duplicate failing alone",
	    test_one_group, 0),
	PP_NODE_CASE("concurrent producers never double a log",
	    test_concurrent, 120),
	PP_CASE("the last sequence survives a restart and kill -9",
	    test_restart, 0),
	PP_CASE("kill -9 between commit and reply: the resend is a duplicate, "
	    "nothing doubled or lost",
	    test_kill_between_commit_and_reply, 180),
	PP_CASE("a key idle for the dedupe window is forgotten",
	    test_expiry, 60),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
