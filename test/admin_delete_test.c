/*
 * admin_delete_test.c - pp_topic_delete against real node processes
 * (issue 5 item 3; DESIGN "Collection, retention, deletion, backup"):
 * refused while procs read the topic unless forced, the name starting
 * afresh, and a big topic deleted without touching others, also across
 * restarts.
 *
 * Conventions: the log of sequence S in topic T has the body "T-S",
 * optionally padded with '.' to a fixed size (proc_util.h), so what a
 * topic holds can be checked by sequences and bodies alone. Nothing sleeps
 * for a fixed time: every wait polls a condition until a deadline.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "proc_util.h"
#include "admin_util.h"

/* ---- topic delete ---------------------------------------------------------- */

static void
test_delete_procs(pp_tnode *n)
{
	pp_proc_opts  o = admin_proc_opts(3);
	pp_topic_info tb, ta;
	pinfo         p0, p1, q0, s, list[4];
	uint64_t      token;
	pp_result    *res = NULL;
	pp_claim     *cl = NULL;
	pp_id         id;

	COMMIT_LOGS(n->client, "t", 0, 10, 0, NULL);
	COMMIT_LOGS(n->client, "u", 0, 5, 0, NULL);
	PP_FAIL(pp_topic_delete(n->client, "nope", false), PP_ENOTOPIC);
	PP_FAIL(pp_topic_delete(n->client, "nope", true), PP_ENOTOPIC);
	PP_FAIL(pp_topic_delete(n->client, "bad topic", false),
	    PP_EINVALID_TOPIC);
	PP_FAIL(pp_topic_delete(n->client, "", true), PP_EINVALID_TOPIC);

	/* Two procs read t (one acked, one holds a claim), one reads u. */
	token = CLAIM_PADDED(n->client, "t", "p0", &o, 0, 3, 0);
	ACK(n->client, "p0", token);
	CLAIM_PADDED(n->client, "t", "p1", &o, 0, 3, 0);
	token = CLAIM_PADDED(n->client, "u", "q0", &o, 0, 3, 0);
	ACK(n->client, "q0", token);
	INSPECT(n->client, "p0", &p0);
	INSPECT(n->client, "p1", &p1);
	INSPECT(n->client, "q0", &q0);
	STAT(n->client, "t", &tb);

	/* In use: refused, and nothing changes. */
	PP_FAIL(pp_topic_delete(n->client, "t", false), PP_ETOPIC_IN_USE);
	STAT(n->client, "t", &ta);
	PP_ASSERT_U64_EQ(ta.count, tb.count);
	PP_ASSERT_U64_EQ(ta.next_seq, tb.next_seq);
	PP_ASSERT_U64_EQ(ta.created_ms, tb.created_ms);
	CHECK_TOPIC(n->client, "t", 0, 10, 0);
	PP_ASSERT_TRUE(admin_is_listed(n->client, "t"));
	INSPECT(n->client, "p0", &s);
	PINFO_EQ(&s, &p0);
	INSPECT(n->client, "p1", &s);
	PINFO_EQ(&s, &p1);
	token = CLAIM_PADDED(n->client, "t", "p0", &o, 3, 3, 0);
	ACK(n->client, "p0", token);

	/* Forced: the topic and its procs go; the other proc stays. */
	PP_PASS(pp_topic_delete(n->client, "t", true));
	PP_FAIL(pp_proc_inspect(n->client, "p0", NULL), PP_ENOPROC);
	PP_FAIL(pp_proc_inspect(n->client, "p1", NULL), PP_ENOPROC);
	PP_FAIL(pp_ack(n->client, "p1", 0, NULL), PP_ENOPROC);
	PP_ASSERT_U64_EQ(PROCS(n->client, list, 4), 1);
	PINFO_EQ(&list[0], &q0);

	/* Reads of the deleted topic fail; it is not listed any more. */
	PP_FAIL(pp_length(n->client, "t", &token), PP_ENOTOPIC);
	PP_FAIL(pp_range(n->client, "t", NULL, &res), PP_ENOTOPIC);
	PP_ASSERT_TRUE(res == NULL);
	PP_FAIL(pp_revrange(n->client, "t", NULL, &res), PP_ENOTOPIC);
	PP_FAIL(pp_topic_stat(n->client, "t", &ta), PP_ENOTOPIC);
	PP_FAIL(pp_topic_config(n->client, "t", 0, 1, 0), PP_ENOTOPIC);
	PP_FAIL(pp_topic_delete(n->client, "t", true), PP_ENOTOPIC);
	PP_ASSERT_TRUE(!admin_is_listed(n->client, "t"));
	PP_ASSERT_TRUE(admin_is_listed(n->client, "u"));

	/* A new commit starts the topic afresh at 0, without old logs. */
	id = pp_t_commit_str(n->client, "t", "t-0");
	PP_ASSERT_U64_EQ(id.seq, 0);
	CHECK_TOPIC(n->client, "t", 0, 1, 0);
	STAT(n->client, "t", &ta);
	PP_ASSERT_U64_EQ(ta.count, 1);
	PP_ASSERT_U64_EQ(ta.next_seq, 1);
	PP_ASSERT_U64_EQ(ta.bytes, 3);
	PP_ASSERT_TRUE(admin_is_listed(n->client, "t"));
	/* A proc of the old name is a new proc: it sees only the new log. */
	CLAIM_PADDED(n->client, "t", "p0", &o, 0, 1, 0);
	INSPECT(n->client, "p0", &s);
	PP_ASSERT_U64_EQ(s.i.lost, 0);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_PASS(pp_proc_destroy(n->client, "p0", NULL));

	/* A disabled proc reads its topic too. */
	PP_PASS(pp_proc_disable(n->client, "q0", NULL));
	PP_FAIL(pp_topic_delete(n->client, "u", false), PP_ETOPIC_IN_USE);
	CHECK_TOPIC(n->client, "u", 0, 5, 0);
	INSPECT(n->client, "q0", &s);
	PP_ASSERT_TRUE(s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.next_seq, 3);

	/* A topic nobody reads is deleted without force. */
	PP_PASS(pp_proc_destroy(n->client, "q0", NULL));
	PP_PASS(pp_topic_delete(n->client, "u", false));
	PP_FAIL(pp_length(n->client, "u", &token), PP_ENOTOPIC);
	PP_PASS(pp_proc(n->client, "u", "q0", &o, 0, &cl));
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 0);
	pp_claim_free(cl);
	CHECK_TOPIC(n->client, "t", 0, 1, 0);
}

static void
test_delete_many(void)
{
	pp_proc_opts o = admin_proc_opts(10);
	pp_tnode     n;
	pinfo        before, s;
	uint64_t     token, len;
	int          round;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_LOGS(n.client, "big", 0, 5000, 0, NULL);
	COMMIT_LOGS(n.client, "keep", 0, 300, 0, NULL);
	COMMIT_LOGS(n.client, "keep2", 0, 50, 20, NULL);
	token = CLAIM_PADDED(n.client, "keep", "k", &o, 0, 10, 0);
	ACK(n.client, "k", token);
	INSPECT(n.client, "k", &before);

	PP_PASS(pp_topic_delete(n.client, "big", false));
	/* Gone at once, although its logs are purged in the background. */
	PP_FAIL(pp_length(n.client, "big", &len), PP_ENOTOPIC);
	PP_ASSERT_TRUE(!admin_is_listed(n.client, "big"));
	/* A new topic of the same name, at 0, while the purge may run. */
	COMMIT_LOGS(n.client, "big", 0, 3, 7, NULL);
	CHECK_TOPIC(n.client, "big", 0, 3, 7);
	CHECK_TOPIC(n.client, "keep", 0, 300, 0);
	CHECK_TOPIC(n.client, "keep2", 0, 50, 20);

	/* Restart at once (a purge may be cut short) and twice more. */
	for (round = 0; round < 2; round++) {
		pp_t_node_stop(&n);
		pp_t_node_start(&n, NULL);
		PP_ASSERT_U64_EQ(admin_length_of(n.client, "big"), 3);
		CHECK_TOPIC(n.client, "big", 0, 3, 7);
		CHECK_TOPIC(n.client, "keep", 0, 300, 0);
		CHECK_TOPIC(n.client, "keep2", 0, 50, 20);
		INSPECT(n.client, "k", &s);
		PINFO_EQ(&s, &before);
	}
	COMMIT_LOGS(n.client, "big", 3, 1, 7, NULL);
	CHECK_TOPIC(n.client, "big", 0, 4, 7);
	/* Deleted again, with nothing new: still gone after a restart. */
	PP_PASS(pp_topic_delete(n.client, "big", false));
	pp_t_node_stop(&n);
	pp_t_node_start(&n, NULL);
	PP_FAIL(pp_length(n.client, "big", &len), PP_ENOTOPIC);
	PP_ASSERT_TRUE(!admin_is_listed(n.client, "big"));
	CHECK_TOPIC(n.client, "keep", 0, 300, 0);
	CHECK_TOPIC(n.client, "keep2", 0, 50, 20);
	CLAIM_PADDED(n.client, "keep", "k", &o, 10, 10, 0);
	PP_ASSERT_U64_EQ(pp_t_commit_str(n.client, "big", "big-0").seq, 0);
	CHECK_TOPIC(n.client, "big", 0, 1, 0);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("topic delete is refused while procs read it unless "
	    "forced, and the name starts afresh at 0",
	    test_delete_procs, 30),
	PP_CASE("deleting a topic of 5,000 logs leaves other topics alone, "
	    "also across restarts",
	    test_delete_many, 30),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
