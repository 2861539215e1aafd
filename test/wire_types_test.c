/*
 * wire_types_test.c - the node against requests of the right shape with
 * wrong types from a raw NNG req client (DESIGN §5): every field of a
 * commit and of the read operations with each wrong msgpack type, and
 * unknown keys, which are ignored.
 *
 * Every malformed request gets an error reply map with a negative "st",
 * and the node stays up with its data intact (the fx_* fixture checks
 * that after each case).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <msgpack.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "harness.h"
#include "frame_util.h"

static void
test_commit_types(void)
{
	fixture fx;
	frame   f;
	int     k;

	fx_begin(&fx, 0);
	for (k = 0; k < 11; k++) {
		f_init(&f);
		if (k < 6) {
			f_commit_head(&f, 0, 0);
			f_array(&f, 1);
			f_array(&f, 1);
		}
		switch (k) {
		case 0: /* topic as an integer */
			f_array(&f, 2);
			f_uint(&f, 5);
			f_bin(&f, "x", 1);
			break;
		case 1: /* body as a string: bodies are bin */
			f_array(&f, 2);
			f_str(&f, "base");
			f_str(&f, "x");
			break;
		case 2: /* a log as a map */
			f_map(&f, 1);
			f_str(&f, "base");
			f_bin(&f, "x", 1);
			break;
		case 3: /* three elements */
			f_array(&f, 3);
			f_str(&f, "base");
			f_bin(&f, "x", 1);
			f_bin(&f, "y", 1);
			break;
		case 4: /* one element */
			f_array(&f, 1);
			f_str(&f, "base");
			break;
		case 5: /* body nil */
			f_array(&f, 2);
			f_str(&f, "base");
			f_nil(&f);
			break;
		case 6: /* calls is a string */
			f_commit_head(&f, 0, 0);
			f_str(&f, "calls");
			break;
		case 7: /* a call is a string */
			f_commit_head(&f, 0, 0);
			f_array(&f, 1);
			f_str(&f, "call");
			break;
		case 8: /* no calls */
			f_head(&f, 5, "commit");
			f_kv_uint(&f, "cid", 0);
			f_kv_uint(&f, "rid", 0);
			f_kv_uint(&f, "floor", 0);
			break;
		case 9: /* cid as a string */
			f_head(&f, 6, "commit");
			f_kv_str(&f, "cid", "1");
			f_kv_uint(&f, "rid", 0);
			f_kv_uint(&f, "floor", 0);
			f_str(&f, "calls");
			f_array(&f, 0);
			break;
		default: /* floor negative */
			f_head(&f, 6, "commit");
			f_kv_uint(&f, "cid", 0);
			f_kv_uint(&f, "rid", 0);
			f_kv_int(&f, "floor", -1);
			f_str(&f, "calls");
			f_array(&f, 0);
			break;
		}
		EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a mistyped commit");
		f_free(&f);
	}
	fx_end(&fx);
}

static void
test_read_types(void)
{
	fixture fx;
	frame   f;
	int     k;

	fx_begin(&fx, 0);
	for (k = 0; k < 10; k++) {
		f_init(&f);
		switch (k) {
		case 0: /* start as an integer */
			f_head(&f, 4, "range");
			f_kv_str(&f, "topic", "base");
			f_kv_uint(&f, "start", 5);
			break;
		case 1: /* end as a bin */
			f_head(&f, 4, "range");
			f_kv_str(&f, "topic", "base");
			f_str(&f, "end");
			f_bin(&f, ":1", 2);
			break;
		case 2: /* limit as a string */
			f_head(&f, 4, "range");
			f_kv_str(&f, "topic", "base");
			f_kv_str(&f, "limit", "10");
			break;
		case 3: /* limit negative */
			f_head(&f, 4, "range");
			f_kv_str(&f, "topic", "base");
			f_kv_int(&f, "limit", -1);
			break;
		case 4: /* rev as an integer */
			f_head(&f, 4, "range");
			f_kv_str(&f, "topic", "base");
			f_str(&f, "rev");
			f_uint(&f, 1);
			break;
		case 5: /* no topic */
			f_head(&f, 2, "range");
			break;
		case 6: /* topic as an integer */
			f_head(&f, 3, "range");
			f_kv_uint(&f, "topic", 7);
			break;
		case 7: /* length without topic */
			f_head(&f, 2, "length");
			break;
		case 8: /* stat with an array topic */
			f_head(&f, 3, "stat");
			f_str(&f, "topic");
			f_array(&f, 0);
			break;
		default: /* topics with an integer "after" */
			f_head(&f, 3, "topics");
			f_str(&f, "after");
			f_uint(&f, 1);
			break;
		}
		EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a mistyped read");
		f_free(&f);
	}
	fx_end(&fx);
}

static void
test_unknown_keys(void)
{
	fixture fx;
	frame   f;
	reply   r;
	int64_t count;

	fx_begin(&fx, 0);
	f_init(&f);
	f_head(&f, 5, "length");
	f_kv_str(&f, "topic", "base");
	f_str(&f, "zzz");
	f_array(&f, 2);
	f_uint(&f, 1);
	f_map(&f, 0);
	f_str(&f, "");
	f_nil(&f);
	raw_call(fx.raw, f.sb.data, f.sb.size, &r);
	PP_ASSERT_INT_EQ(reply_st(&r), 0);
	PP_ASSERT_TRUE(obj_int(obj_get(&r.root, "count"), &count));
	PP_ASSERT_INT_EQ(count, 3);
	reply_free(&r);
	f_free(&f);
	fx_end(&fx);
}

static const pp_test_case cases[] = {
	PP_CASE("commit fields of the wrong type get PP_EPROTO",
	    test_commit_types, 0),
	PP_CASE("read fields of the wrong type get PP_EPROTO",
	    test_read_types, 0),
	PP_CASE("unknown keys are ignored",
	    test_unknown_keys, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
