/*
 * wire_frame_test.c - the node against malformed frames from a raw NNG req
 * client (DESIGN §5): garbage, requests that are not a map, a missing or
 * foreign version or operation, huge declared lengths, deep nesting, maps
 * that name a key twice and over-large requests.
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

#define EXPECT_ST(s, buf, len, want, what)                                     \
	expect_st_at(__FILE__, __LINE__, s, buf, len, want, what)

/* ---- malformed requests ---------------------------------------------------- */

static void
test_garbage(void)
{
	static const unsigned char c1[] = { 0xc1 };
	static const unsigned char junk[] = { 'g', 'a', 'r', 'b', 0xff, 0xfe,
		0x00, 0xc1, 0x93 };
	static const unsigned char cut_map[] = { 0x82, 0xa1, 'v' };
	static const unsigned char cut_str[] = { 0x82, 0xa1, 'v', 0x01, 0xa2,
		'o', 'p', 0xa6, 'c', 'o' };
	unsigned char rnd[256];
	uint64_t      st = pp_t_seed();
	fixture       fx;
	int           k;
	size_t        i;

	fx_begin(&fx, 0);
	EXPECT_ST(fx.raw, "", 0, PP_EPROTO, "an empty message");
	EXPECT_ST(fx.raw, c1, sizeof(c1), PP_EPROTO, "0xc1");
	EXPECT_ST(fx.raw, junk, sizeof(junk), PP_EPROTO, "junk bytes");
	EXPECT_ST(fx.raw, cut_map, sizeof(cut_map), PP_EPROTO, "a cut map");
	EXPECT_ST(fx.raw, cut_str, sizeof(cut_str), PP_EPROTO,
	    "a cut string");
	for (k = 0; k < 200; k++) {
		size_t len = 1 + (size_t)pp_t_rand_below(&st, sizeof(rnd));

		for (i = 0; i < len; i++) {
			rnd[i] = (unsigned char)pp_t_rand(&st);
		}
		/* Random bytes that are not a map at the start. */
		rnd[0] = (unsigned char)(0xc1);
		EXPECT_ST(fx.raw, rnd, len, PP_EPROTO, "random bytes");
	}
	fx_end(&fx);
}

static void
test_not_a_map(void)
{
	fixture fx;
	frame   f;

	fx_begin(&fx, 0);
	f_init(&f);
	f_array(&f, 2);
	f_uint(&f, 1);
	f_str(&f, "commit");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "an array");
	f_free(&f);
	f_init(&f);
	f_str(&f, "hello");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a string");
	f_free(&f);
	f_init(&f);
	f_int(&f, -42);
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a number");
	f_free(&f);
	f_init(&f);
	f_nil(&f);
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "nil");
	f_free(&f);
	/* A map with integer keys. */
	f_init(&f);
	f_map(&f, 2);
	f_uint(&f, 1);
	f_uint(&f, 1);
	f_uint(&f, 2);
	f_str(&f, "length");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "integer keys");
	f_free(&f);
	fx_end(&fx);
}

static void
test_missing_v_or_op(void)
{
	fixture fx;
	frame   f;

	fx_begin(&fx, 0);
	f_init(&f);
	f_map(&f, 2);
	f_kv_str(&f, "op", "length");
	f_kv_str(&f, "topic", "base");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "no v");
	f_free(&f);
	f_init(&f);
	f_map(&f, 2);
	f_kv_uint(&f, "v", 1);
	f_kv_str(&f, "topic", "base");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "no op");
	f_free(&f);
	f_init(&f);
	f_map(&f, 3);
	f_kv_str(&f, "v", "1");
	f_kv_str(&f, "op", "length");
	f_kv_str(&f, "topic", "base");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "v as a string");
	f_free(&f);
	f_init(&f);
	f_map(&f, 3);
	f_kv_uint(&f, "v", 1);
	f_kv_uint(&f, "op", 3);
	f_kv_str(&f, "topic", "base");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "op as a number");
	f_free(&f);
	f_init(&f);
	f_map(&f, 0);
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "an empty map");
	f_free(&f);
	fx_end(&fx);
}

static void
test_version(void)
{
	static const uint32_t versions[] = { 0, 2, 1000 };
	fixture               fx;
	frame                 f;
	size_t                i;

	fx_begin(&fx, 0);
	for (i = 0; i < 3; i++) {
		f_init(&f);
		f_head_v(&f, 3, versions[i], "length");
		f_kv_str(&f, "topic", "base");
		EXPECT_FRAME(fx.raw, &f, PP_EVERSION, "another version");
		f_free(&f);
	}
	/* A commit of another version applies nothing. */
	f_init(&f);
	f_commit1_v(&f, 2, 0, 0, 0, "base", "v2", 2);
	EXPECT_FRAME(fx.raw, &f, PP_EVERSION, "a commit of version 2");
	f_free(&f);
	fx_end(&fx);
}

static void
test_unknown_op(void)
{
	static const char *ops[] = { "frobnicate", "", "COMMIT", "commit ",
		NULL };
	fixture            fx;
	frame              f;
	int                i;

	fx_begin(&fx, 0);
	for (i = 0; ops[i] != NULL; i++) {
		f_init(&f);
		f_head(&f, 3, ops[i]);
		f_kv_str(&f, "topic", "base");
		EXPECT_FRAME(fx.raw, &f, PP_EUNKNOWN_OP, ops[i]);
		f_free(&f);
	}
	fx_end(&fx);
}

static void
test_huge_lengths(void)
{
	static const unsigned char bin32[] = { 0xc6, 0xff, 0xff, 0xff, 0xff,
		'a', 'b', 'c' };
	static const unsigned char str32[] = { 0xdb, 0xff, 0xff, 0xff, 0xf0,
		'x' };
	static const unsigned char arr32[] = { 0xdd, 0xff, 0xff, 0xff, 0xff,
		0x01 };
	static const unsigned char map32[] = { 0xdf, 0xff, 0xff, 0xff, 0xff,
		0xa1, 'v', 0x01 };
	static const unsigned char ext32[] = { 0xc9, 0xff, 0xff, 0xff, 0xff,
		0x01, 'z' };
	fixture fx;
	frame   f;

	fx_begin(&fx, 0);
	/* A body that claims 4 GiB, inside a well-formed commit. */
	f_init(&f);
	f_commit_head(&f, 0, 0);
	f_array(&f, 1);
	f_array(&f, 1);
	f_array(&f, 2);
	f_str(&f, "base");
	f_raw(&f, bin32, sizeof(bin32));
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a bin32 claiming 4 GiB");
	f_free(&f);
	/* An op string that claims 4 GiB. */
	f_init(&f);
	f_map(&f, 2);
	f_kv_uint(&f, "v", 1);
	f_str(&f, "op");
	f_raw(&f, str32, sizeof(str32));
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a str32 claiming 4 GiB");
	f_free(&f);
	/* Calls that claim 4 billion elements. */
	f_init(&f);
	f_commit_head(&f, 0, 0);
	f_raw(&f, arr32, sizeof(arr32));
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "an array32 of 4 billion");
	f_free(&f);
	EXPECT_ST(fx.raw, map32, sizeof(map32), PP_EPROTO,
	    "a map32 of 4 billion");
	f_init(&f);
	f_head(&f, 3, "length");
	f_str(&f, "topic");
	f_raw(&f, ext32, sizeof(ext32));
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "an ext32 claiming 4 GiB");
	f_free(&f);
	fx_end(&fx);
}

static void
test_deep_nesting(void)
{
	size_t         depth = 100000;
	unsigned char *buf   = malloc(depth + 1);
	fixture        fx;
	frame          f;

	PP_ASSERT_TRUE(buf != NULL);
	memset(buf, 0x91, depth); /* [[[[...nil...]]]] */
	buf[depth] = 0xc0;
	fx_begin(&fx, 0);
	EXPECT_ST(fx.raw, buf, depth + 1, PP_EPROTO, "deeply nested arrays");
	/* The same depth inside the calls of a commit. */
	f_init(&f);
	f_commit_head(&f, 0, 0);
	f_raw(&f, buf, depth + 1);
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "deeply nested calls");
	f_free(&f);
	free(buf);
	fx_end(&fx);
}

static void
test_too_large(void)
{
	size_t   big = 80u << 20;
	fixture  fx;
	nng_msg *m;
	frame    f;
	reply    r;
	char    *body;

	fx_begin(&fx, 0);
	/* 80 MiB of junk: over the limit (max body + 16 MiB). */
	PP_ASSERT_INT_EQ(nng_msg_alloc(&m, big), 0);
	memset(nng_msg_body(m), 0x93, big);
	raw_call_msg(fx.raw, m, &r);
	if (reply_st(&r) != PP_ETOOLARGE) {
		PP_FAIL_AT("80 MiB of junk: st %lld, expected PP_ETOOLARGE",
		    (long long)reply_st(&r));
	}
	reply_free(&r);
	/* A well-formed commit whose one body is 40 MiB. */
	body = malloc(40u << 20);
	PP_ASSERT_TRUE(body != NULL);
	memset(body, 'L', 40u << 20);
	f_init(&f);
	f_commit1(&f, 0, 0, 0, "base", body, 40u << 20);
	free(body);
	EXPECT_FRAME(fx.raw, &f, PP_ETOOLARGE, "a 40 MiB commit");
	f_free(&f);
	fx_end(&fx);
}

/* A map that names a key twice means two things at once: refused, where
 * the same frame with distinct keys is served. */
static void
test_duplicate_keys(void)
{
	static const char *fillers[] = { "a", "b", "c", "d", "e", "f", "g",
		"h", "i" };
	fixture            fx;
	frame              f;
	size_t             i;
	int                round;

	fx_begin(&fx, 0);
	f_init(&f);
	f_head(&f, 3, "length");
	f_kv_str(&f, "topic", "base");
	EXPECT_FRAME(fx.raw, &f, 0, "length with one topic");
	f_free(&f);
	f_init(&f);
	f_head(&f, 4, "length");
	f_kv_str(&f, "topic", "base");
	f_kv_str(&f, "topic", "other");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "length naming topic twice");
	f_free(&f);
	f_init(&f);
	f_head(&f, 4, "length");
	f_kv_str(&f, "op", "shutdown");
	f_kv_str(&f, "topic", "base");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a second op");
	f_free(&f);
	/* Maps above the pairwise limit are checked by sorting. */
	for (round = 0; round < 2; round++) {
		f_init(&f);
		f_head(&f, 3 + 9, "length");
		f_kv_str(&f, "topic", "base");
		for (i = 0; i < 9; i++) {
			f_kv_uint(&f, round == 1 && i == 8 ? "c" : fillers[i], i);
		}
		EXPECT_FRAME(fx.raw, &f, round == 0 ? 0 : PP_EPROTO,
		    round == 0 ? "twelve distinct keys" : "twelve, one twice");
		f_free(&f);
	}
	fx_end(&fx);
}

static const pp_test_case cases[] = {
	PP_CASE("non-msgpack bytes get PP_EPROTO",
	    test_garbage, 0),
	PP_CASE("an array, string, number or nil instead of a map gets "
	    "PP_EPROTO",
	    test_not_a_map, 0),
	PP_CASE("a map without v or op, or with them mistyped, gets PP_EPROTO",
	    test_missing_v_or_op, 0),
	PP_CASE("another protocol version gets PP_EVERSION",
	    test_version, 0),
	PP_CASE("an unknown operation gets PP_EUNKNOWN_OP",
	    test_unknown_op, 0),
	PP_CASE("huge declared lengths get PP_EPROTO",
	    test_huge_lengths, 0),
	PP_CASE("deeply nested frames get PP_EPROTO",
	    test_deep_nesting, 0),
	PP_CASE("a map that names a key twice gets PP_EPROTO",
	    test_duplicate_keys, 0),
	PP_CASE("a request over the node's limit gets PP_ETOOLARGE",
	    test_too_large, 120),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
