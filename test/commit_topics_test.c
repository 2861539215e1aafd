/*
 * commit_topics_test.c - what the node says about stored topics (PEER §7
 * with the fix of PEER §23.3): length, stat and topics describe the
 * stored logs, pp_topics lists thousands of topics in name order, and
 * reads of a missing topic are PP_ENOTOPIC.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "commit_util.h"

static void
test_stats(pp_tnode *n)
{
	static const char *names[3] = { "beta", "alpha", "gamma" };
	pp_id              first[3], last[3], id;
	uint64_t           bytes[3] = { 0, 0, 0 };
	pp_topic_info      info;
	pp_topic_list     *list = NULL;
	const pp_topic_info *e;
	char               body[64];
	int                t, k;

	for (t = 0; t < 3; t++) {
		for (k = 0; k < 5 * (t + 1); k++) {
			snprintf(body, sizeof(body), "%s-%0*d", names[t],
			    k + 1, k);
			id = pp_t_commit_str(n->client, names[t], body);
			bytes[t] += strlen(body);
			if (k == 0) {
				first[t] = id;
			}
			last[t] = id;
		}
	}
	for (t = 0; t < 3; t++) {
		PP_ASSERT_U64_EQ(pp_t_length(n->client, names[t]), 5 * (t + 1));
		PP_PASS(pp_topic_stat(n->client, names[t], &info));
		PP_ASSERT_STR_EQ(info.name, names[t]);
		PP_ASSERT_U64_EQ(info.count, 5 * (t + 1));
		PP_ASSERT_U64_EQ(info.bytes, bytes[t]);
		PP_ASSERT_U64_EQ(info.first.ms, first[t].ms);
		PP_ASSERT_U64_EQ(info.first.seq, 0);
		PP_ASSERT_U64_EQ(info.last.ms, last[t].ms);
		PP_ASSERT_U64_EQ(info.last.seq, last[t].seq);
		PP_ASSERT_U64_EQ(info.next_seq, 5 * (t + 1));
		PP_ASSERT_U64_EQ(info.created_ms, first[t].ms);
	}
	PP_PASS(pp_topics(n->client, &list));
	PP_ASSERT_U64_EQ(pp_topic_list_count(list), 3);
	/* Name order: alpha, beta, gamma. */
	for (k = 0; k < 3; k++) {
		t = k == 0 ? 1 : k == 1 ? 0 : 2;
		e = pp_topic_list_get(list, (size_t)k);
		PP_ASSERT_TRUE(e != NULL);
		PP_ASSERT_STR_EQ(e->name, names[t]);
		PP_ASSERT_U64_EQ(e->count, 5 * (t + 1));
		PP_ASSERT_U64_EQ(e->bytes, bytes[t]);
		PP_ASSERT_U64_EQ(e->first.ms, first[t].ms);
		PP_ASSERT_U64_EQ(e->first.seq, first[t].seq);
		PP_ASSERT_U64_EQ(e->last.ms, last[t].ms);
		PP_ASSERT_U64_EQ(e->last.seq, last[t].seq);
		PP_ASSERT_U64_EQ(e->next_seq, 5 * (t + 1));
		PP_ASSERT_U64_EQ(e->created_ms, first[t].ms);
	}
	PP_ASSERT_TRUE(pp_topic_list_get(list, 3) == NULL);
	pp_topic_list_free(list);
}

static void
test_many_topics(pp_tnode *n)
{
	enum { N = 2500 };
	pp_record           *r    = calloc(N, sizeof(*r));
	pp_id               *ids  = calloc(N, sizeof(*ids));
	char               (*names)[16] = calloc(N, 16);
	pp_topic_list       *list = NULL;
	const pp_topic_info *e;
	size_t               i;

	PP_ASSERT_TRUE(r != NULL && ids != NULL && names != NULL);
	for (i = 0; i < N; i++) {
		snprintf(names[i], 16, "t%05zu", i);
		r[i].topic = names[i];
		r[i].body  = names[i];
		r[i].len   = 6;
	}
	PP_PASS(pp_commit(n->client, r, N, ids));
	PP_PASS(pp_topics(n->client, &list));
	PP_ASSERT_U64_EQ(pp_topic_list_count(list), N);
	for (i = 0; i < N; i++) {
		e = pp_topic_list_get(list, i);
		PP_ASSERT_STR_EQ(e->name, names[i]);
		PP_ASSERT_U64_EQ(e->count, 1);
		PP_ASSERT_U64_EQ(e->bytes, 6);
		PP_ASSERT_U64_EQ(e->last.ms, ids[i].ms);
		PP_ASSERT_U64_EQ(e->last.seq, 0);
	}
	pp_topic_list_free(list);
	free(r);
	free(ids);
	free(names);
}

static void
test_missing_topic(pp_tnode *n)
{
	pp_result    *res = NULL;
	pp_iter      *it  = NULL;
	const pp_log *log;
	pp_topic_info info;
	uint64_t      count = 77;

	pp_t_commit_str(n->client, "exists", "x");
	PP_FAIL(pp_length(n->client, "missing", &count), PP_ENOTOPIC);
	PP_ASSERT_U64_EQ(count, 77);
	/* The detail of the failure stays on the client. */
	if (strstr(pp_client_errmsg(n->client), "missing") == NULL) {
		PP_FAIL_AT("pp_client_errmsg \"%s\" does not name the topic",
		    pp_client_errmsg(n->client));
	}
	info.count = 55;
	PP_FAIL(pp_topic_stat(n->client, "missing", &info), PP_ENOTOPIC);
	PP_ASSERT_U64_EQ(info.count, 55);
	PP_FAIL(pp_range(n->client, "missing", NULL, &res), PP_ENOTOPIC);
	PP_FAIL(pp_revrange(n->client, "missing", NULL, &res), PP_ENOTOPIC);
	PP_ASSERT_TRUE(res == NULL);
	/* The iterator sends nothing until its first step. */
	PP_PASS(pp_iter_open(n->client, "missing", NULL, false, &it));
	PP_FAIL(pp_iter_next(it, &log), PP_ENOTOPIC);
	pp_iter_close(it);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("length, stat and topics describe the stored logs",
	    test_stats, 0),
	PP_NODE_CASE("pp_topics lists thousands of topics in name order",
	    test_many_topics, 0),
	PP_NODE_CASE("reads of a missing topic are PP_ENOTOPIC",
	    test_missing_topic, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
