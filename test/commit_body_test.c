/*
 * commit_body_test.c - what a commit may carry, against a real node (SPEC
 * §2): bodies over max_body_bytes, the default maximum, empty and binary
 * bodies, and the topic name grammar in every call.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "commit_util.h"

static void
test_too_big(void)
{
	pp_tnode      n;
	pp_spawn_opts o;
	pp_record     r[2];
	pp_id         ids[2];
	char         *big = calloc(1, 2048);
	uint64_t      count;
	pp_t_logs     logs;

	PP_ASSERT_TRUE(big != NULL);
	memset(&o, 0, sizeof(o));
	o.max_body_bytes = 1024;
	pp_t_node_init(&n);
	pp_t_node_start(&n, &o);
	memset(big, 'z', 2048);
	r[0].topic = "a";
	r[0].body  = big;
	r[0].len   = 1024;
	PP_PASS(pp_commit(n.client, r, 1, ids));
	r[0].len = 1025;
	commit_fill_sentinel(ids, 1);
	PP_FAIL(pp_commit(n.client, r, 1, ids), PP_ETOOBIG);
	commit_assert_sentinel(ids, 1);
	/* In a batch: nothing of it is stored. */
	r[0].topic = "a";
	r[0].len   = 10;
	r[1].topic = "b";
	r[1].body  = big;
	r[1].len   = 2000;
	commit_fill_sentinel(ids, 2);
	PP_FAIL(pp_commit(n.client, r, 2, ids), PP_ETOOBIG);
	commit_assert_sentinel(ids, 2);
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "a"), 1);
	PP_FAIL(pp_length(n.client, "b", &count), PP_ENOTOPIC);
	pp_t_read_all(n.client, "a", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 1);
	PP_ASSERT_MEM_EQ(logs.bodies[0], logs.lens[0], big, 1024);
	pp_t_logs_free(&logs);
	free(big);
	pp_t_node_stop(&n);
}

static void
test_default_max_body(pp_tnode *n)
{
	pp_record     r;
	pp_id         id;
	pp_result    *res = NULL;
	const pp_log *log;
	unsigned char *big = malloc(PP_BODY_MAX_DEFAULT + 1);
	uint64_t       st = pp_t_seed();
	size_t         i;

	PP_ASSERT_TRUE(big != NULL);
	for (i = 0; i < PP_BODY_MAX_DEFAULT + 1; i += 8) {
		uint64_t v = pp_t_rand(&st);

		memcpy(big + i, &v, (PP_BODY_MAX_DEFAULT + 1 - i) < 8 ?
		        PP_BODY_MAX_DEFAULT + 1 - i : 8);
	}
	r.topic = "big";
	r.body  = big;
	r.len   = PP_BODY_MAX_DEFAULT + 1;
	PP_FAIL(pp_commit(n->client, &r, 1, &id), PP_ETOOBIG);
	r.len = PP_BODY_MAX_DEFAULT;
	PP_PASS(pp_commit(n->client, &r, 1, &id));
	PP_ASSERT_U64_EQ(id.seq, 0);
	/* A page holds at least one log, however big. */
	PP_PASS(pp_range(n->client, "big", NULL, &res));
	PP_ASSERT_U64_EQ(pp_result_count(res), 1);
	log = pp_result_log(res, 0);
	PP_ASSERT_MEM_EQ(log->body, log->len, big, PP_BODY_MAX_DEFAULT);
	pp_result_free(res);
	free(big);
}

static void
test_zero_body(pp_tnode *n)
{
	pp_record     r[2] = { { "z", NULL, 0 }, { "z", "", 0 } };
	pp_id         ids[2];
	pp_t_logs     logs;
	pp_topic_info info;

	PP_PASS(pp_commit(n->client, r, 2, ids));
	pp_t_read_all(n->client, "z", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2);
	PP_ASSERT_U64_EQ(logs.lens[0], 0);
	PP_ASSERT_U64_EQ(logs.lens[1], 0);
	pp_t_logs_free(&logs);
	PP_PASS(pp_topic_stat(n->client, "z", &info));
	PP_ASSERT_U64_EQ(info.count, 2);
	PP_ASSERT_U64_EQ(info.bytes, 0);
}

static void
test_binary(pp_tnode *n)
{
	unsigned char  small[1024], *large = malloc(100 * 1024);
	pp_record      r[2];
	pp_id          ids[2];
	pp_t_logs      logs;
	uint64_t       st = pp_t_seed();
	size_t         i;

	PP_ASSERT_TRUE(large != NULL);
	for (i = 0; i < sizeof(small); i++) {
		small[i] = (unsigned char)(i % 256);
	}
	for (i = 0; i < 100 * 1024; i++) {
		large[i] = (unsigned char)pp_t_rand(&st);
	}
	large[0] = large[100 * 1024 - 1] = 0;
	r[0].topic = "bin";
	r[0].body  = small;
	r[0].len   = sizeof(small);
	r[1].topic = "bin";
	r[1].body  = large;
	r[1].len   = 100 * 1024;
	PP_PASS(pp_commit(n->client, r, 2, ids));
	pp_t_read_all(n->client, "bin", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2);
	PP_ASSERT_MEM_EQ(logs.bodies[0], logs.lens[0], small, sizeof(small));
	PP_ASSERT_MEM_EQ(logs.bodies[1], logs.lens[1], large, 100 * 1024);
	pp_t_logs_free(&logs);
	free(large);
}

static void
test_topic_names(pp_tnode *n)
{
	static const char *bad[] = { "", "a b", "a#b", "a/b", "a\nb", "a:b",
		"a\tb", "a~b", "t\xc3\xb3pico", "a*", NULL };
	char              long_ok[PP_TOPIC_MAX + 1], long_bad[PP_TOPIC_MAX + 2];
	const char       *good[] = { long_ok, "Az09_.-", "x", ".", "-", NULL };
	pp_record         r;
	pp_id             id;
	pp_result        *res = NULL;
	pp_iter          *it  = NULL;
	pp_topic_info     info;
	pp_topic_list    *list = NULL;
	uint64_t          count;
	int               i;

	memset(long_ok, 'a', PP_TOPIC_MAX);
	long_ok[PP_TOPIC_MAX] = '\0';
	memset(long_bad, 'b', PP_TOPIC_MAX + 1);
	long_bad[PP_TOPIC_MAX + 1] = '\0';
	for (i = 0; good[i] != NULL; i++) {
		id = pp_t_commit_str(n->client, good[i], "ok");
		PP_ASSERT_U64_EQ(id.seq, 0);
		PP_ASSERT_U64_EQ(pp_t_length(n->client, good[i]), 1);
	}
	for (i = -1; bad[i < 0 ? 0 : i] != NULL; i++) {
		const char *t = i < 0 ? long_bad : bad[i];

		r.topic = t;
		r.body  = "x";
		r.len   = 1;
		if (pp_commit(n->client, &r, 1, &id) != PP_EINVALID_TOPIC) {
			PP_FAIL_AT("commit to topic \"%s\" was not refused", t);
		}
		PP_FAIL(pp_length(n->client, t, &count), PP_EINVALID_TOPIC);
		PP_FAIL(pp_topic_stat(n->client, t, &info), PP_EINVALID_TOPIC);
		PP_FAIL(pp_range(n->client, t, NULL, &res), PP_EINVALID_TOPIC);
		PP_FAIL(pp_revrange(n->client, t, NULL, &res),
		    PP_EINVALID_TOPIC);
		PP_FAIL(pp_iter_open(n->client, t, NULL, false, &it),
		    PP_EINVALID_TOPIC);
		PP_ASSERT_TRUE(res == NULL && it == NULL);
	}
	/* Only the good topics exist. */
	PP_PASS(pp_topics(n->client, &list));
	PP_ASSERT_U64_EQ(pp_topic_list_count(list), 5);
	pp_topic_list_free(list);
}

static const pp_test_case cases[] = {
	PP_CASE("a body over max_body_bytes is PP_ETOOBIG and stores nothing",
	    test_too_big, 0),
	PP_NODE_CASE("a body of the default maximum round-trips and one byte "
	    "more is PP_ETOOBIG",
	    test_default_max_body, 120),
	PP_NODE_CASE("0-byte bodies are stored and read back empty",
	    test_zero_body, 0),
	PP_NODE_CASE("binary bodies with NUL bytes round-trip",
	    test_binary, 0),
	PP_NODE_CASE("topic names follow [A-Za-z0-9_.-]{1,200} in every call",
	    test_topic_names, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
