/*
 * deadletter_test.c - pp_deadletter_decode() against real dead letters
 * (issue 13 item 7): a proc with on_max_reclaims deadletter gives up on
 * its claim, the node commits the envelopes to "<topic>.dead", and the
 * decoder gives back the proc, the topic, the original id, the attempts,
 * the last error and the body byte for byte (a binary body included).
 * Error paths: NULL arguments, bodies that are not envelopes (plain text,
 * truncated envelopes, a field of another type), each PP_EINVALID_BODY
 * and never a crash; the output argument is unchanged on error.
 *
 * max_reclaims 1 makes the first reclaim dead-letter the claim (PEER
 * §10's count, issue 13 item 5; a 0 would be the default, 10).
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Commit `len` bytes at `body` to `topic`; its id in *id. */
static void
commit_body(pp_client *c, const char *topic, const void *body, size_t len,
    pp_id *id)
{
	pp_record rec = { topic, body, len };

	PP_PASS(pp_commit(c, &rec, 1, id));
}

/* Claim both logs of "in" as proc "p" and reclaim them with `error`: they
 * go to "in.dead". */
static void
dead_letter_two(pp_client *c, const char *error)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;
	pp_claim    *cl;

	o.count           = 2;
	o.max_reclaims    = 1;
	o.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	PP_PASS(pp_proc(c, "in", "p", &o, 0, &cl));
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 2);
	PP_PASS(pp_reclaim(c, "p", pp_claim_token(cl), error));
	pp_claim_free(cl);
}

static void
test_decode_real_letters(pp_tnode *n)
{
	static const unsigned char binary[] = { 0, 1, 0xc1, 0xff, '\n', '\t',
		0x80, 0 };
	pp_range_opts  ro = { 0 };
	pp_result     *res;
	pp_deadletter *dl;
	const pp_log  *log;
	pp_id          ids[2];

	commit_body(n->client, "in", "text body", 9, &ids[0]);
	commit_body(n->client, "in", binary, sizeof(binary), &ids[1]);
	dead_letter_two(n->client, "it\tfailed");
	PP_PASS(pp_range(n->client, "in.dead", &ro, &res));
	PP_ASSERT_U64_EQ(pp_result_count(res), 2);

	log = pp_result_log(res, 0);
	PP_PASS(pp_deadletter_decode(log->body, log->len, &dl));
	PP_ASSERT_STR_EQ(dl->proc, "p");
	PP_ASSERT_STR_EQ(dl->topic, "in");
	PP_ASSERT_U64_EQ(dl->id.ms, ids[0].ms);
	PP_ASSERT_U64_EQ(dl->id.seq, ids[0].seq);
	PP_ASSERT_U64_CMP(dl->attempts, >=, 1);
	PP_ASSERT_STR_EQ(dl->error, "it\tfailed");
	PP_ASSERT_MEM_EQ(dl->body, dl->len, "text body", 9);
	pp_deadletter_free(dl);

	log = pp_result_log(res, 1);
	PP_PASS(pp_deadletter_decode(log->body, log->len, &dl));
	PP_ASSERT_U64_EQ(dl->id.seq, ids[1].seq);
	PP_ASSERT_MEM_EQ(dl->body, dl->len, binary, sizeof(binary));
	pp_deadletter_free(dl);
	pp_result_free(res);
}

static void
test_no_error_is_empty(pp_tnode *n)
{
	pp_range_opts  ro = { 0 };
	pp_result     *res;
	pp_deadletter *dl;
	const pp_log  *log;
	pp_id          ids[2];

	commit_body(n->client, "in", "a", 1, &ids[0]);
	commit_body(n->client, "in", "", 0, &ids[1]);
	dead_letter_two(n->client, NULL);
	PP_PASS(pp_range(n->client, "in.dead", &ro, &res));
	log = pp_result_log(res, 1);
	PP_PASS(pp_deadletter_decode(log->body, log->len, &dl));
	PP_ASSERT_STR_EQ(dl->error, "");
	PP_ASSERT_U64_EQ(dl->len, 0);
	pp_deadletter_free(dl);
	pp_result_free(res);
}

static void
test_bad_input(pp_tnode *n)
{
	/* msgpack: {"proc":"p"} only, then {"proc":1,...} of wrong type. */
	static const unsigned char partial[] = { 0x81, 0xa4, 'p', 'r', 'o',
		'c', 0xa1, 'p' };
	static const unsigned char not_map[] = { 0x93, 1, 2, 3 };
	pp_deadletter *dl = (pp_deadletter *) &dl; /* must stay unchanged */
	pp_deadletter *good;
	pp_range_opts  ro = { 0 };
	pp_result     *res;
	const pp_log  *log;
	pp_id          ids[2];
	size_t         cut;

	PP_FAIL(pp_deadletter_decode(NULL, 3, &dl), PP_EINVAL);
	PP_FAIL(pp_deadletter_decode("abc", 3, NULL), PP_EINVAL);
	PP_FAIL(pp_deadletter_decode("plain text", 10, &dl), PP_EINVALID_BODY);
	PP_FAIL(pp_deadletter_decode("", 0, &dl), PP_EINVALID_BODY);
	PP_FAIL(pp_deadletter_decode(partial, sizeof(partial), &dl),
	    PP_EINVALID_BODY);
	PP_FAIL(pp_deadletter_decode(not_map, sizeof(not_map), &dl),
	    PP_EINVALID_BODY);
	PP_ASSERT_TRUE(dl == (pp_deadletter *) &dl);

	/* Every proper prefix of a real envelope is refused. */
	commit_body(n->client, "in", "x", 1, &ids[0]);
	commit_body(n->client, "in", "y", 1, &ids[1]);
	dead_letter_two(n->client, "e");
	PP_PASS(pp_range(n->client, "in.dead", &ro, &res));
	log = pp_result_log(res, 0);
	PP_PASS(pp_deadletter_decode(log->body, log->len, &good));
	pp_deadletter_free(good);
	for (cut = 0; cut < log->len; cut++) {
		PP_FAIL(pp_deadletter_decode(log->body, cut, &dl),
		    PP_EINVALID_BODY);
	}
	pp_result_free(res);
	pp_deadletter_free(NULL);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("dead letters decode to proc, topic, id, attempts, "
	    "error and the exact body", test_decode_real_letters, 30),
	PP_NODE_CASE("a reclaim without an error decodes to an empty error, "
	    "an empty body to length 0", test_no_error_is_empty, 30),
	PP_NODE_CASE("NULL arguments are PP_EINVAL; plain, partial and "
	    "truncated bodies are PP_EINVALID_BODY", test_bad_input, 30),
	PP_CASES_END
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
