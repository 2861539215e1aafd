/*
 * commit_expect_test.c - conditional appends (issue 13 item 10):
 * pp_commit_with() with expected next sequences, against a real node. A
 * commit whose topics are all where it expects them is applied; one that
 * finds any elsewhere is PP_ECONFLICT and changes nothing, in any topic;
 * the topic of a condition need not be written; queued commits see each
 * other; a resent producer commit is a duplicate before it is a conflict;
 * racing writers: exactly one wins each round, the topic has no gaps and
 * no doubles.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit_util.h"
#include "harness.h"

/* Commits one log "body" to topic expecting it at next_seq. */
static int
put_at(pp_client *c, const char *topic, const char *body, uint64_t next_seq,
    pp_id *id)
{
	pp_record      r = { topic, body, strlen(body) };
	pp_expect      e = { topic, next_seq };
	pp_commit_opts o;

	memset(&o, 0, sizeof(o));
	o.expects  = &e;
	o.nexpects = 1;
	return pp_commit_with(c, &r, 1, &o, id);
}

static void
test_expect(pp_tnode *n)
{
	const char *msg;
	pp_id       id;

	/* 0 for a topic that does not exist. */
	PP_FAIL(put_at(n->client, "t", "x", 1, &id), PP_ECONFLICT);
	{
		uint64_t count;

		PP_FAIL(pp_length(n->client, "t", &count), PP_ENOTOPIC);
	}
	PP_PASS(put_at(n->client, "t", "a", 0, &id));
	PP_ASSERT_U64_EQ(id.seq, 0);
	commit_fill_sentinel(&id, 1);
	PP_FAIL(put_at(n->client, "t", "b", 0, &id), PP_ECONFLICT);
	commit_assert_sentinel(&id, 1);
	msg = pp_client_errmsg(n->client);
	if (strstr(msg, "'t'") == NULL ||
	    strstr(msg, "expected next sequence 0, it is 1") == NULL) {
		PP_FAIL_AT("message: %s", msg);
	}
	PP_FAIL(put_at(n->client, "t", "b", 2, &id), PP_ECONFLICT);
	PP_PASS(put_at(n->client, "t", "b", 1, &id));
	PP_ASSERT_U64_EQ(id.seq, 1);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "t"), 2);

	/* A deleted topic starts again at 0. */
	PP_PASS(pp_topic_delete(n->client, "t", false));
	PP_FAIL(put_at(n->client, "t", "c", 2, &id), PP_ECONFLICT);
	PP_PASS(put_at(n->client, "t", "c", 0, &id));
}

static void
test_multi_topic(pp_tnode *n)
{
	pp_record      r[3] = { { "a", "1", 1 }, { "b", "2", 1 }, { "a", "3", 1 } };
	pp_expect      e[3] = { { "a", 1 }, { "b", 0 }, { "guard", 0 } };
	pp_commit_opts o;
	pp_id          ids[3];

	pp_t_commit_str(n->client, "a", "0");
	memset(&o, 0, sizeof(o));
	o.expects  = e;
	o.nexpects = 3;
	/* "b" is wrong: nothing lands in "a" either. */
	e[1].next_seq = 5;
	commit_fill_sentinel(ids, 3);
	PP_FAIL(pp_commit_with(n->client, r, 3, &o, ids), PP_ECONFLICT);
	commit_assert_sentinel(ids, 3);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "a"), 1);
	{
		uint64_t count;

		PP_FAIL(pp_length(n->client, "b", &count), PP_ENOTOPIC);
	}
	e[1].next_seq = 0;
	PP_PASS(pp_commit_with(n->client, r, 3, &o, ids));
	PP_ASSERT_U64_EQ(ids[0].seq, 1);
	PP_ASSERT_U64_EQ(ids[1].seq, 0);
	PP_ASSERT_U64_EQ(ids[2].seq, 2);
	/* A condition on a topic the commit does not write: a guard. */
	pp_t_commit_str(n->client, "guard", "g");
	e[0].next_seq = 3;
	e[1].next_seq = 1;
	PP_FAIL(pp_commit_with(n->client, r, 3, &o, ids), PP_ECONFLICT);
	PP_ASSERT_TRUE(strstr(pp_client_errmsg(n->client), "'guard'") != NULL);
	e[2].next_seq = 1;
	PP_PASS(pp_commit_with(n->client, r, 3, &o, ids));
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "a"), 5);
}

static void
test_bad_input(pp_tnode *n)
{
	pp_record      r = { "t", "x", 1 };
	pp_expect      e = { "bad topic", 0 };
	pp_commit_opts o;
	pp_id          id;

	memset(&o, 0, sizeof(o));
	o.expects  = &e;
	o.nexpects = 1;
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_EINVALID_TOPIC);
	e.topic = NULL;
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_EINVALID_TOPIC);
	e.topic = "";
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_EINVALID_TOPIC);
	{
		uint64_t count;

		PP_FAIL(pp_length(n->client, "t", &count), PP_ENOTOPIC);
	}
}

/* A producer's resend is a duplicate, not a conflict. */
static void
test_duplicate_first(pp_tnode *n)
{
	pp_record      r = { "t", "x", 1 };
	pp_expect      e = { "t", 0 };
	pp_commit_opts o;
	pp_id          id;

	memset(&o, 0, sizeof(o));
	o.producer     = "writer";
	o.producer_seq = 1;
	o.expects      = &e;
	o.nexpects     = 1;
	PP_PASS(pp_commit_with(n->client, &r, 1, &o, &id));
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_EDUPLICATE);
	/* A conflict does not record the sequence. */
	o.producer_seq = 2;
	PP_FAIL(pp_commit_with(n->client, &r, 1, &o, &id), PP_ECONFLICT);
	e.next_seq = 1;
	PP_PASS(pp_commit_with(n->client, &r, 1, &o, &id));
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "t"), 2);
}

/* ---- queued commits ------------------------------------------------------------ */

typedef struct results {
	pthread_mutex_t mu;
	int             status[8];
	int             n;
} results;

static void
on_done(void *arg, int status, const pp_id *ids, size_t count)
{
	results *r = arg;

	(void)ids;
	(void)count;
	pthread_mutex_lock(&r->mu);
	r->status[r->n++] = status;
	pthread_mutex_unlock(&r->mu);
}

static void
test_queued(pp_tnode *n)
{
	static const uint64_t expect[6] = { 0, 1, 1, 2, 0, 3 };
	static const int      want[6]   = { 0, 0, PP_ECONFLICT, 0,
                PP_ECONFLICT, 0 };
	static results        res       = { PTHREAD_MUTEX_INITIALIZER, { 0 },
                0 };
	pp_record             r         = { "q", "x", 1 };
	pp_expect             e;
	pp_commit_opts        o;
	int                   i;

	for (i = 0; i < 6; i++) {
		memset(&o, 0, sizeof(o));
		e.topic    = "q";
		e.next_seq = expect[i];
		o.expects  = &e;
		o.nexpects = 1;
		PP_PASS(pp_commit_with_async(n->client, &r, 1, &o, on_done,
		    &res));
	}
	PP_PASS(pp_flush(n->client, 10000));
	PP_ASSERT_INT_EQ(res.n, 6);
	for (i = 0; i < 6; i++) {
		if (res.status[i] != want[i]) {
			PP_FAIL_AT("call %d: %s, expected %s", i,
			    pp_errname(res.status[i]), pp_errname(want[i]));
		}
	}
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "q"), 4);
}

/* ---- racing writers ------------------------------------------------------------ */

#define WRITERS 4
#define ROUNDS  60

typedef struct race {
	const char       *address;
	pthread_barrier_t start; /* every writer at the round's start */
	pthread_barrier_t end;   /* every writer has its answer */
	atomic_int        wins[ROUNDS];
	atomic_int        conflicts[ROUNDS];
	atomic_int        errors;
} race;

typedef struct writer {
	race     *r;
	int       index;
	pthread_t th;
} writer;

static void *
writer_main(void *p)
{
	writer    *w = p;
	pp_client *c = pp_t_connect(w->r->address);
	char       body[32];
	pp_id      id;
	int        round, rv;

	for (round = 0; round < ROUNDS; round++) {
		snprintf(body, sizeof(body), "r%d-w%d", round, w->index);
		pthread_barrier_wait(&w->r->start);
		rv = put_at(c, "race", body, (uint64_t)round, &id);
		if (rv == 0) {
			atomic_fetch_add(&w->r->wins[round], 1);
		} else if (rv == PP_ECONFLICT) {
			atomic_fetch_add(&w->r->conflicts[round], 1);
		} else {
			atomic_fetch_add(&w->r->errors, 1);
		}
		pthread_barrier_wait(&w->r->end);
	}
	pp_close(c);
	return NULL;
}

static void
test_race(pp_tnode *n)
{
	static race   r;
	static writer ws[WRITERS];
	pp_t_logs     logs;
	char          prefix[16];
	int           i;

	memset(&r, 0, sizeof(r));
	r.address = n->address;
	pthread_barrier_init(&r.start, NULL, WRITERS);
	pthread_barrier_init(&r.end, NULL, WRITERS);
	for (i = 0; i < WRITERS; i++) {
		ws[i].r     = &r;
		ws[i].index = i;
		PP_ASSERT_INT_EQ(
		    pthread_create(&ws[i].th, NULL, writer_main, &ws[i]), 0);
	}
	for (i = 0; i < WRITERS; i++) {
		pthread_join(ws[i].th, NULL);
	}
	PP_ASSERT_INT_EQ(atomic_load(&r.errors), 0);
	for (i = 0; i < ROUNDS; i++) {
		PP_ASSERT_INT_EQ(atomic_load(&r.wins[i]), 1);
		PP_ASSERT_INT_EQ(atomic_load(&r.conflicts[i]), WRITERS - 1);
	}
	/* One log per round, in round order: no gap, no double. */
	pp_t_read_all(n->client, "race", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, ROUNDS);
	for (i = 0; i < ROUNDS; i++) {
		PP_ASSERT_U64_EQ(logs.ids[i].seq, (uint64_t)i);
		snprintf(prefix, sizeof(prefix), "r%d-", i);
		PP_ASSERT_TRUE(strncmp(logs.bodies[i], prefix,
		    strlen(prefix)) == 0);
	}
	pp_t_logs_free(&logs);
	pthread_barrier_destroy(&r.start);
	pthread_barrier_destroy(&r.end);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("a commit at the expected sequence is applied, elsewhere "
	    "PP_ECONFLICT naming topic and sequences",
	    test_expect, 0),
	PP_NODE_CASE("one wrong topic of several fails the whole commit; a "
	    "condition may guard a topic not written",
	    test_multi_topic, 0),
	PP_NODE_CASE("a bad topic in a condition is PP_EINVALID_TOPIC",
	    test_bad_input, 0),
	PP_NODE_CASE("a resent producer commit is a duplicate before a "
	    "conflict",
	    test_duplicate_first, 0),
	PP_NODE_CASE("queued conditional commits see each other in call order",
	    test_queued, 0),
	PP_NODE_CASE("racing writers: exactly one wins each round, no gaps "
	    "or doubles",
	    test_race, 120),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
