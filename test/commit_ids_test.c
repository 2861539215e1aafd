/*
 * commit_ids_test.c - the ids pp_commit hands out, against a real node
 * (SPEC §2, PEER §2 and §5): a single commit, consecutive sequences,
 * interleaved batches and their atomicity across topics, empty and bad
 * batches, ids that never go backwards, and a restart that keeps every log
 * and continues the sequence.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "commit_util.h"

static void
test_single(pp_tnode *n)
{
	pp_t_logs logs;
	uint64_t  before, after;
	pp_id     a, b;

	before = pp_t_now_ms();
	a      = pp_t_commit_str(n->client, "t", "hello");
	after  = pp_t_now_ms();
	PP_ASSERT_U64_EQ(a.seq, 0);
	/* The node's clock is this machine's clock. */
	PP_ASSERT_U64_CMP(a.ms + 100, >=, before);
	PP_ASSERT_U64_CMP(a.ms, <=, after + 100);
	b = pp_t_commit_str(n->client, "t", "world");
	PP_ASSERT_U64_EQ(b.seq, 1);
	PP_ASSERT_U64_CMP(b.ms, >=, a.ms);

	pp_t_read_all(n->client, "t", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2);
	PP_ASSERT_U64_EQ(logs.ids[0].ms, a.ms);
	PP_ASSERT_U64_EQ(logs.ids[0].seq, 0);
	PP_ASSERT_STR_EQ(logs.bodies[0], "hello");
	PP_ASSERT_U64_EQ(logs.ids[1].ms, b.ms);
	PP_ASSERT_U64_EQ(logs.ids[1].seq, 1);
	PP_ASSERT_STR_EQ(logs.bodies[1], "world");
	pp_t_logs_free(&logs);
}

static void
test_sequence(pp_tnode *n)
{
	pp_id    id, prev = { 0, 0 };
	char     body[32];
	int      i;

	for (i = 0; i < 50; i++) {
		snprintf(body, sizeof(body), "b%d", i);
		id = pp_t_commit_str(n->client, "seq", body);
		PP_ASSERT_U64_EQ(id.seq, (uint64_t)i);
		PP_ASSERT_U64_CMP(id.ms, >=, prev.ms);
		prev = id;
	}
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "seq"), 50);
}

static void
test_batch_interleaved(pp_tnode *n)
{
	static const char *topics[6] = { "t0", "t1", "t0", "t1", "t1", "t0" };
	static const char *bodies[6] = { "b0", "b1", "b2", "b3", "b4", "b5" };
	static const uint64_t seqs[6] = { 0, 0, 1, 1, 2, 2 };
	pp_record             r[6];
	pp_id                 ids[6];
	pp_t_logs             l0, l1;
	int                   i;

	for (i = 0; i < 6; i++) {
		r[i].topic = topics[i];
		r[i].body  = bodies[i];
		r[i].len   = 2;
	}
	PP_PASS(pp_commit(n->client, r, 6, ids));
	for (i = 0; i < 6; i++) {
		PP_ASSERT_U64_EQ(ids[i].seq, seqs[i]);
		PP_ASSERT_U64_EQ(ids[i].ms, ids[0].ms);
	}
	/* Ids are in input order: the id returned for record i names it. */
	pp_t_read_all(n->client, "t0", NULL, false, &l0);
	pp_t_read_all(n->client, "t1", NULL, false, &l1);
	PP_ASSERT_U64_EQ(l0.count, 3);
	PP_ASSERT_U64_EQ(l1.count, 3);
	for (i = 0; i < 6; i++) {
		pp_t_logs *l = topics[i][1] == '0' ? &l0 : &l1;

		PP_ASSERT_U64_EQ(l->ids[ids[i].seq].seq, ids[i].seq);
		PP_ASSERT_U64_EQ(l->ids[ids[i].seq].ms, ids[i].ms);
		PP_ASSERT_STR_EQ(l->bodies[ids[i].seq], bodies[i]);
	}
	pp_t_logs_free(&l0);
	pp_t_logs_free(&l1);
}

static void
test_atomic_across_topics(pp_tnode *n)
{
	static const char *bad[] = { "bad topic", "a#b", "", NULL };
	pp_record          r[3];
	pp_id              ids[3];
	int                i, pos;

	pp_t_commit_str(n->client, "valid", "first");
	/* The invalid topic at each position of the batch. */
	for (i = 0; bad[i] != NULL; i++) {
		for (pos = 0; pos < 3; pos++) {
			r[0].topic     = "valid";
			r[1].topic     = "fresh";
			r[2].topic     = "valid";
			r[pos].topic   = bad[i];
			r[0].body = r[1].body = r[2].body = "x";
			r[0].len = r[1].len = r[2].len = 1;
			commit_fill_sentinel(ids, 3);
			PP_FAIL(pp_commit(n->client, r, 3, ids),
			    PP_EINVALID_TOPIC);
			commit_assert_sentinel(ids, 3);
			PP_ASSERT_U64_EQ(pp_t_length(n->client, "valid"), 1);
			{
				uint64_t count = 99;

				PP_FAIL(pp_length(n->client, "fresh", &count),
				    PP_ENOTOPIC);
				PP_ASSERT_U64_EQ(count, 99);
			}
		}
	}
	/* The next good commit continues the sequence: nothing was used. */
	PP_ASSERT_U64_EQ(pp_t_commit_str(n->client, "valid", "second").seq, 1);
	PP_ASSERT_U64_EQ(pp_t_commit_str(n->client, "fresh", "first").seq, 0);
}

static void
test_empty(pp_tnode *n)
{
	pp_record r = { "t", "x", 1 };
	pp_id     id;

	commit_fill_sentinel(&id, 1);
	PP_FAIL(pp_commit(n->client, &r, 0, &id), PP_EEMPTY);
	commit_assert_sentinel(&id, 1);
	PP_FAIL(pp_commit(n->client, NULL, 0, &id), PP_EEMPTY);
}

static void
test_einval(pp_tnode *n)
{
	pp_record r = { "t", NULL, 5 };
	pp_id     id;
	int       rv;

	PP_FAIL(pp_commit(n->client, NULL, 1, &id), PP_EINVAL);
	/* A NULL body with a non-zero length is a bad body. */
	rv = pp_commit(n->client, &r, 1, &id);
	if (rv != PP_EINVALID_BODY && rv != PP_EINVAL) {
		PP_FAIL_AT("NULL body of 5 bytes: %d %s", rv, pp_errname(rv));
	}
	{
		uint64_t count;

		PP_FAIL(pp_length(n->client, "t", &count), PP_ENOTOPIC);
	}
}

/* ---- restart, ordering, statistics ------------------------------------------ */

static void
assert_info_eq(const pp_topic_info *a, const pp_topic_info *b)
{
	PP_ASSERT_U64_EQ(a->count, b->count);
	PP_ASSERT_U64_EQ(a->bytes, b->bytes);
	PP_ASSERT_U64_EQ(a->first.ms, b->first.ms);
	PP_ASSERT_U64_EQ(a->first.seq, b->first.seq);
	PP_ASSERT_U64_EQ(a->last.ms, b->last.ms);
	PP_ASSERT_U64_EQ(a->last.seq, b->last.seq);
	PP_ASSERT_U64_EQ(a->next_seq, b->next_seq);
	PP_ASSERT_U64_EQ(a->created_ms, b->created_ms);
}

static void
test_restart(void)
{
	pp_tnode      n;
	pp_record     r[10];
	pp_id         ids[10], id;
	char          bodies[10][16];
	pp_topic_info a1, b1, a2, b2;
	pp_t_logs     before, after;
	size_t        i;
	int           k;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	for (k = 0; k < 10; k++) {
		for (i = 0; i < 10; i++) {
			r[i].topic = (i == 9) ? "b" : "a";
			r[i].len   = (size_t)snprintf(bodies[i],
                            sizeof(bodies[i]), "r%d-%zu", k, i);
			r[i].body  = bodies[i];
		}
		PP_PASS(pp_commit(n.client, r, 10, ids));
	}
	PP_PASS(pp_topic_stat(n.client, "a", &a1));
	PP_PASS(pp_topic_stat(n.client, "b", &b1));
	pp_t_read_all(n.client, "a", NULL, false, &before);
	pp_t_node_stop(&n);

	pp_t_node_start(&n, NULL);
	PP_PASS(pp_topic_stat(n.client, "a", &a2));
	PP_PASS(pp_topic_stat(n.client, "b", &b2));
	assert_info_eq(&a1, &a2);
	assert_info_eq(&b1, &b2);
	PP_ASSERT_U64_EQ(a2.count, 90);
	PP_ASSERT_U64_EQ(b2.count, 10);
	pp_t_read_all(n.client, "a", NULL, false, &after);
	PP_ASSERT_U64_EQ(after.count, before.count);
	for (i = 0; i < after.count; i++) {
		PP_ASSERT_U64_EQ(after.ids[i].ms, before.ids[i].ms);
		PP_ASSERT_U64_EQ(after.ids[i].seq, before.ids[i].seq);
		PP_ASSERT_MEM_EQ(after.bodies[i], after.lens[i],
		    before.bodies[i], before.lens[i]);
	}
	/* The sequence continues; ids never go back. */
	id = pp_t_commit_str(n.client, "a", "after restart");
	PP_ASSERT_U64_EQ(id.seq, 90);
	PP_ASSERT_U64_CMP(id.ms, >=, a1.last.ms);
	id = pp_t_commit_str(n.client, "b", "after restart");
	PP_ASSERT_U64_EQ(id.seq, 10);
	pp_t_logs_free(&before);
	pp_t_logs_free(&after);
	pp_t_node_stop(&n);
}

/*
 * Ids never go backwards. A test cannot step the system clock back, so this
 * checks the invariant the node keeps for that case (DESIGN §3: ms is
 * max(now, last_ms) of every topic a commit touches): across many single
 * and multi-topic commits, ms never decreases within a topic, sequences
 * grow by one, and every log of a batch shares one ms.
 */
static void
test_monotonic(pp_tnode *n)
{
	pp_record r[3] = { { "ma", "1", 1 }, { "mb", "2", 1 }, { "ma", "3", 1 } };
	pp_id     ids[3], last_a = { 0, 0 }, last_b = { 0, 0 }, id;
	uint64_t  seq_a = 0, seq_b = 0;
	pp_t_logs la;
	size_t    i;
	int       k;

	for (k = 0; k < 1500; k++) {
		if (k % 3 == 0) {
			PP_PASS(pp_commit(n->client, r, 3, ids));
			PP_ASSERT_U64_EQ(ids[0].ms, ids[1].ms);
			PP_ASSERT_U64_EQ(ids[0].ms, ids[2].ms);
			PP_ASSERT_U64_CMP(ids[0].ms, >=, last_a.ms);
			PP_ASSERT_U64_CMP(ids[1].ms, >=, last_b.ms);
			PP_ASSERT_U64_EQ(ids[0].seq, seq_a);
			PP_ASSERT_U64_EQ(ids[2].seq, seq_a + 1);
			PP_ASSERT_U64_EQ(ids[1].seq, seq_b);
			seq_a += 2;
			seq_b += 1;
			last_a = ids[2];
			last_b = ids[1];
		} else {
			id = pp_t_commit_str(n->client, k % 3 == 1 ? "ma" : "mb",
			    "s");
			if (k % 3 == 1) {
				PP_ASSERT_U64_CMP(id.ms, >=, last_a.ms);
				PP_ASSERT_U64_EQ(id.seq, seq_a++);
				last_a = id;
			} else {
				PP_ASSERT_U64_CMP(id.ms, >=, last_b.ms);
				PP_ASSERT_U64_EQ(id.seq, seq_b++);
				last_b = id;
			}
		}
	}
	/* Stored order by seq is also (ms, seq) order. */
	pp_t_read_all(n->client, "ma", NULL, false, &la);
	PP_ASSERT_U64_EQ(la.count, seq_a);
	for (i = 1; i < la.count; i++) {
		PP_ASSERT_U64_EQ(la.ids[i].seq, la.ids[i - 1].seq + 1);
		PP_ASSERT_U64_CMP(la.ids[i].ms, >=, la.ids[i - 1].ms);
	}
	pp_t_logs_free(&la);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("a single commit gets sequence 0 and the wall clock's "
	    "millisecond",
	    test_single, 0),
	PP_NODE_CASE("consecutive commits get consecutive sequences",
	    test_sequence, 0),
	PP_NODE_CASE("a batch [t0,t1,t0,t1,t1,t0] gets sequences 0,0,1,1,2,2 "
	    "and one millisecond, ids in input order",
	    test_batch_interleaved, 0),
	PP_NODE_CASE("a batch with one invalid topic stores nothing of it",
	    test_atomic_across_topics, 0),
	PP_NODE_CASE("an empty batch is PP_EEMPTY",
	    test_empty, 0),
	PP_NODE_CASE("bad records are PP_EINVAL",
	    test_einval, 0),
	PP_CASE("a restarted node keeps every log and continues the sequence",
	    test_restart, 0),
	PP_NODE_CASE("ids never go backwards within a topic",
	    test_monotonic, 120),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
