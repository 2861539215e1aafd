/*
 * wire_commitcond_test.c - the node against raw frames of commits with
 * options and of the producer op (DESIGN §5), sent past the library's own
 * checks: a malformed call map is PP_EPROTO for the request and changes
 * nothing; a bad key, sequence 0 or a bad condition topic fails that call
 * alone (PP_EINVAL, PP_EINVALID_TOPIC) while the request's other calls
 * are applied; the producer op refuses a missing or bad key.
 */
#include "frame_util.h"

/* Result i of a commit reply is the error `code` with a message. */
static void
res_err(const msgpack_object *res, uint32_t i, int code)
{
	const msgpack_object *e;
	int64_t               v;

	PP_ASSERT_TRUE(res != NULL && res->type == MSGPACK_OBJECT_ARRAY);
	PP_ASSERT_U64_CMP(i, <, res->via.array.size);
	e = &res->via.array.ptr[i];
	PP_ASSERT_TRUE(e->type == MSGPACK_OBJECT_ARRAY);
	PP_ASSERT_INT_EQ(e->via.array.size, 2);
	PP_ASSERT_TRUE(obj_int(&e->via.array.ptr[0], &v));
	if (v != code) {
		PP_FAIL_AT("call %u: %lld %s, expected %s", i, (long long)v,
		    pp_errname((int)v), pp_errname(code));
	}
	PP_ASSERT_TRUE(e->via.array.ptr[1].type == MSGPACK_OBJECT_STR);
}

/* Result i is a success (three entries: 0, ms, seqs). */
static void
res_ok(const msgpack_object *res, uint32_t i)
{
	const msgpack_object *e;
	int64_t               v;

	PP_ASSERT_TRUE(res != NULL && res->type == MSGPACK_OBJECT_ARRAY);
	e = &res->via.array.ptr[i];
	PP_ASSERT_TRUE(e->type == MSGPACK_OBJECT_ARRAY);
	PP_ASSERT_INT_EQ(e->via.array.size, 3);
	PP_ASSERT_TRUE(obj_int(&e->via.array.ptr[0], &v));
	PP_ASSERT_INT_EQ(v, 0);
}

/* A commit call map {"k":"commit","logs":[[topic,"x"]], ...}: writes
 * the head and the logs; the caller adds `extra` more fields. */
static void
call_map(frame *f, const char *topic, size_t extra)
{
	f_map(f, 2 + extra);
	f_kv_str(f, "k", "commit");
	f_str(f, "logs");
	f_array(f, 1);
	f_array(f, 2);
	f_str(f, topic);
	f_bin(f, "x", 1);
}

static void
test_malformed(void)
{
	static const char *const what[] = { "pk as a string", "pk without ps",
		"ps not a number", "exp not an array", "exp entry not a pair",
		"exp with 65 entries", "no logs" };
	fixture  fx;
	frame    f;
	size_t   i, k;
	uint64_t count;

	fx_begin(&fx, 0);
	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		f_init(&f);
		f_commit_head(&f, 0, 0);
		f_array(&f, 1);
		switch (i) {
		case 0:
			call_map(&f, "m", 2);
			f_kv_str(&f, "pk", "key");
			f_kv_uint(&f, "ps", 1);
			break;
		case 1:
			call_map(&f, "m", 1);
			f_str(&f, "pk");
			f_bin(&f, "key", 3);
			break;
		case 2:
			call_map(&f, "m", 2);
			f_str(&f, "pk");
			f_bin(&f, "key", 3);
			f_kv_str(&f, "ps", "1");
			break;
		case 3:
			call_map(&f, "m", 1);
			f_kv_uint(&f, "exp", 0);
			break;
		case 4:
			call_map(&f, "m", 1);
			f_str(&f, "exp");
			f_array(&f, 1);
			f_array(&f, 1);
			f_str(&f, "m");
			break;
		case 5:
			call_map(&f, "m", 1);
			f_str(&f, "exp");
			f_array(&f, 65);
			for (k = 0; k < 65; k++) {
				f_array(&f, 2);
				f_str(&f, "m");
				f_uint(&f, 0);
			}
			break;
		default:
			f_map(&f, 1);
			f_kv_str(&f, "k", "commit");
			break;
		}
		EXPECT_FRAME(fx.raw, &f, PP_EPROTO, what[i]);
		f_free(&f);
	}
	PP_FAIL(pp_length(fx.n.client, "m", &count), PP_ENOTOPIC);
	fx_end(&fx);
}

static void
test_per_call(void)
{
	fixture  fx;
	frame    f;
	reply    r;
	uint64_t count;

	fx_begin(&fx, 0);
	f_init(&f);
	f_commit_head(&f, 0, 0);
	f_array(&f, 5);
	/* 0: a key with a space */
	call_map(&f, "c", 2);
	f_str(&f, "pk");
	f_bin(&f, "a key", 5);
	f_kv_uint(&f, "ps", 1);
	/* 1: sequence 0 */
	call_map(&f, "c", 2);
	f_str(&f, "pk");
	f_bin(&f, "key", 3);
	f_kv_uint(&f, "ps", 0);
	/* 2: an empty key */
	call_map(&f, "c", 2);
	f_str(&f, "pk");
	f_bin(&f, "", 0);
	f_kv_uint(&f, "ps", 1);
	/* 3: a condition on a bad topic */
	call_map(&f, "c", 1);
	f_str(&f, "exp");
	f_array(&f, 1);
	f_array(&f, 2);
	f_str(&f, "bad topic");
	f_uint(&f, 0);
	/* 4: fine, key and condition */
	call_map(&f, "c", 3);
	f_str(&f, "pk");
	f_bin(&f, "key", 3);
	f_kv_uint(&f, "ps", 1);
	f_str(&f, "exp");
	f_array(&f, 1);
	f_array(&f, 2);
	f_str(&f, "c");
	f_uint(&f, 0);
	raw_call(fx.raw, f.sb.data, f.sb.size, &r);
	PP_ASSERT_INT_EQ(reply_st(&r), 0);
	res_err(obj_get(&r.root, "res"), 0, PP_EINVAL);
	res_err(obj_get(&r.root, "res"), 1, PP_EINVAL);
	res_err(obj_get(&r.root, "res"), 2, PP_EINVAL);
	res_err(obj_get(&r.root, "res"), 3, PP_EINVALID_TOPIC);
	res_ok(obj_get(&r.root, "res"), 4);
	reply_free(&r);
	f_free(&f);
	PP_PASS(pp_length(fx.n.client, "c", &count));
	PP_ASSERT_U64_EQ(count, 1);
	fx_end(&fx);
}

static void
test_producer_op(void)
{
	fixture fx;
	frame   f;

	fx_begin(&fx, 0);
	f_init(&f);
	f_head(&f, 2, "producer");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "producer without a key");
	f_free(&f);
	f_init(&f);
	f_head(&f, 3, "producer");
	f_kv_str(&f, "key", "k");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a key that is a string");
	f_free(&f);
	f_init(&f);
	f_head(&f, 3, "producer");
	f_str(&f, "key");
	f_bin(&f, "a\nb", 3);
	EXPECT_FRAME(fx.raw, &f, PP_EINVAL, "a key with a newline");
	f_free(&f);
	fx_end(&fx);
}

static const pp_test_case cases[] = {
	PP_CASE("a malformed commit call map is PP_EPROTO and changes "
	    "nothing",
	    test_malformed, 0),
	PP_CASE("a bad key, sequence 0 or condition topic fails its call "
	    "alone",
	    test_per_call, 0),
	PP_CASE("the producer op refuses a missing or bad key",
	    test_producer_op, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
