/*
 * wire_node_test.c - what the node checks itself on the wire (DESIGN §5):
 * it re-validates commits and reads that the library would refuse, answers
 * hello, and applies a resent commit (same cid, rid) once, also across a
 * restart.
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

/* ---- the node re-validates ------------------------------------------------------ */

/* Checks that res entry i is [0, ms, [seq...]] with n seqs; returns ms. */
static uint64_t
res_ok(const msgpack_object *res, uint32_t i, uint32_t n, uint64_t seq0)
{
	const msgpack_object *e, *seqs;
	int64_t               v;
	uint32_t              k;

	PP_ASSERT_TRUE(res != NULL && res->type == MSGPACK_OBJECT_ARRAY);
	PP_ASSERT_U64_CMP(i, <, res->via.array.size);
	e = &res->via.array.ptr[i];
	PP_ASSERT_TRUE(e->type == MSGPACK_OBJECT_ARRAY);
	PP_ASSERT_INT_EQ(e->via.array.size, 3);
	PP_ASSERT_TRUE(obj_int(&e->via.array.ptr[0], &v));
	PP_ASSERT_INT_EQ(v, 0);
	seqs = &e->via.array.ptr[2];
	PP_ASSERT_TRUE(seqs->type == MSGPACK_OBJECT_ARRAY);
	PP_ASSERT_INT_EQ(seqs->via.array.size, n);
	for (k = 0; k < n; k++) {
		PP_ASSERT_TRUE(obj_int(&seqs->via.array.ptr[k], &v));
		PP_ASSERT_INT_EQ(v, (int64_t)(seq0 + k));
	}
	PP_ASSERT_TRUE(obj_int(&e->via.array.ptr[1], &v));
	return ((uint64_t)v);
}

/* The id of the first log of res entry i, which must be a success. */
static pp_id
res_id(const msgpack_object *res, uint32_t i)
{
	const msgpack_object *e;
	int64_t               v;
	pp_id                 id;

	PP_ASSERT_TRUE(res != NULL && res->type == MSGPACK_OBJECT_ARRAY);
	PP_ASSERT_U64_CMP(i, <, res->via.array.size);
	e = &res->via.array.ptr[i];
	PP_ASSERT_TRUE(e->type == MSGPACK_OBJECT_ARRAY &&
	    e->via.array.size == 3);
	PP_ASSERT_TRUE(obj_int(&e->via.array.ptr[0], &v) && v == 0);
	PP_ASSERT_TRUE(obj_int(&e->via.array.ptr[1], &v));
	id.ms = (uint64_t)v;
	PP_ASSERT_TRUE(e->via.array.ptr[2].type == MSGPACK_OBJECT_ARRAY &&
	    e->via.array.ptr[2].via.array.size >= 1);
	PP_ASSERT_TRUE(obj_int(&e->via.array.ptr[2].via.array.ptr[0], &v));
	id.seq = (uint64_t)v;
	return (id);
}

/* Checks that res entry i is [code, msg]. */
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

static void
test_node_checks_commits(void)
{
	char     long_name[PP_TOPIC_MAX + 2];
	char     big[2000];
	fixture  fx;
	frame    f;
	reply    r;
	uint64_t count;

	memset(long_name, 'n', PP_TOPIC_MAX + 1);
	long_name[PP_TOPIC_MAX + 1] = '\0';
	memset(big, 'B', sizeof(big));
	fx_begin(&fx, 1024);
	f_init(&f);
	f_commit_head(&f, 0, 0);
	f_array(&f, 6);
	/* call 0: fine */
	f_array(&f, 1);
	f_array(&f, 2);
	f_str(&f, "ok1");
	f_bin(&f, "x", 1);
	/* call 1: a bad topic, then a good one: nothing of it is stored */
	f_array(&f, 2);
	f_array(&f, 2);
	f_str(&f, "bad topic");
	f_bin(&f, "x", 1);
	f_array(&f, 2);
	f_str(&f, "ok2");
	f_bin(&f, "y", 1);
	/* call 2: an empty name */
	f_array(&f, 1);
	f_array(&f, 2);
	f_str(&f, "");
	f_bin(&f, "z", 1);
	/* call 3: 201 characters */
	f_array(&f, 1);
	f_array(&f, 2);
	f_str(&f, long_name);
	f_bin(&f, "z", 1);
	/* call 4: a body over max_body_bytes, then a small one */
	f_array(&f, 2);
	f_array(&f, 2);
	f_str(&f, "small");
	f_bin(&f, "s", 1);
	f_array(&f, 2);
	f_str(&f, "big");
	f_bin(&f, big, sizeof(big));
	/* call 5: fine, same topic as call 0 */
	f_array(&f, 1);
	f_array(&f, 2);
	f_str(&f, "ok1");
	f_bin(&f, "w", 1);
	raw_call(fx.raw, f.sb.data, f.sb.size, &r);
	PP_ASSERT_INT_EQ(reply_st(&r), 0);
	res_ok(obj_get(&r.root, "res"), 0, 1, 0);
	res_err(obj_get(&r.root, "res"), 1, PP_EINVALID_TOPIC);
	res_err(obj_get(&r.root, "res"), 2, PP_EINVALID_TOPIC);
	res_err(obj_get(&r.root, "res"), 3, PP_EINVALID_TOPIC);
	res_err(obj_get(&r.root, "res"), 4, PP_ETOOBIG);
	res_ok(obj_get(&r.root, "res"), 5, 1, 1);
	PP_ASSERT_INT_EQ(obj_get(&r.root, "res")->via.array.size, 6);
	reply_free(&r);
	f_free(&f);
	PP_ASSERT_U64_EQ(pp_t_length(fx.n.client, "ok1"), 2);
	PP_FAIL(pp_length(fx.n.client, "ok2", &count), PP_ENOTOPIC);
	PP_FAIL(pp_length(fx.n.client, "small", &count), PP_ENOTOPIC);
	PP_FAIL(pp_length(fx.n.client, "big", &count), PP_ENOTOPIC);

	/* An empty call is refused on its own or with the request. */
	f_init(&f);
	f_commit_head(&f, 0, 0);
	f_array(&f, 1);
	f_array(&f, 0);
	raw_call(fx.raw, f.sb.data, f.sb.size, &r);
	if (reply_st(&r) == 0) {
		res_err(obj_get(&r.root, "res"), 0, PP_EEMPTY);
	} else {
		PP_ASSERT_INT_CMP(reply_st(&r), <, 0);
	}
	reply_free(&r);
	f_free(&f);
	fx_end(&fx);
}

static void
test_node_checks_reads(void)
{
	static const struct {
		const char *op, *topic, *start, *end;
		int         want;
	} rows[] = {
		{ "range", "a b", NULL, NULL, PP_EINVALID_TOPIC },
		{ "range", "", NULL, NULL, PP_EINVALID_TOPIC },
		{ "range", "base", "abc", NULL, PP_EINVALID_ID },
		{ "range", "base", NULL, ":-1", PP_EINVALID_ID },
		{ "range", "base", "1-2-3", NULL, PP_EINVALID_ID },
		{ "range", "base", NULL, "99999999999999999999", PP_EINVALID_ID },
		{ "range", "missing", NULL, NULL, PP_ENOTOPIC },
		{ "range", "missing", "abc", NULL, PP_EINVALID_ID },
		{ "length", "a#b", NULL, NULL, PP_EINVALID_TOPIC },
		{ "length", "missing", NULL, NULL, PP_ENOTOPIC },
		{ "stat", "a/b", NULL, NULL, PP_EINVALID_TOPIC },
		{ "stat", "missing", NULL, NULL, PP_ENOTOPIC },
	};
	fixture fx;
	frame   f;
	size_t  i;

	fx_begin(&fx, 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		f_init(&f);
		f_head(&f, 3 + (rows[i].start != NULL) + (rows[i].end != NULL),
		    rows[i].op);
		f_kv_str(&f, "topic", rows[i].topic);
		if (rows[i].start != NULL) {
			f_kv_str(&f, "start", rows[i].start);
		}
		if (rows[i].end != NULL) {
			f_kv_str(&f, "end", rows[i].end);
		}
		EXPECT_FRAME(fx.raw, &f, rows[i].want, rows[i].op);
		f_free(&f);
	}
	fx_end(&fx);
}

static void
test_hello(void)
{
	fixture               fx;
	frame                 f;
	reply                 r;
	int64_t               v;
	const msgpack_object *node;

	fx_begin(&fx, 4096);
	f_init(&f);
	f_head(&f, 2, "hello");
	raw_call(fx.raw, f.sb.data, f.sb.size, &r);
	PP_ASSERT_INT_EQ(reply_st(&r), 0);
	PP_ASSERT_TRUE(obj_int(obj_get(&r.root, "v"), &v));
	PP_ASSERT_INT_EQ(v, 1);
	PP_ASSERT_TRUE(obj_int(obj_get(&r.root, "max_body"), &v));
	PP_ASSERT_INT_EQ(v, 4096);
	PP_ASSERT_TRUE(obj_int(obj_get(&r.root, "pid"), &v));
	PP_ASSERT_INT_EQ(v, fx.n.pid);
	node = obj_get(&r.root, "node");
	PP_ASSERT_TRUE(node != NULL && node->type == MSGPACK_OBJECT_STR);
	PP_ASSERT_MEM_EQ(node->via.str.ptr, node->via.str.size, pp_version(),
	    strlen(pp_version()));
	reply_free(&r);
	f_free(&f);
	fx_end(&fx);
}

/* ---- at most once ---------------------------------------------------------------- */

/* Sends a one-log commit and returns its (ms, seq). */
static pp_id
raw_commit(nng_socket s, uint64_t cid, uint64_t rid, uint64_t floor,
    const char *topic, const char *body)
{
	frame f;
	reply r;
	pp_id id;

	f_init(&f);
	f_commit1(&f, cid, rid, floor, topic, body, strlen(body));
	raw_call(s, f.sb.data, f.sb.size, &r);
	f_free(&f);
	PP_ASSERT_INT_EQ(reply_st(&r), 0);
	id = res_id(obj_get(&r.root, "res"), 0);
	reply_free(&r);
	return (id);
}

static void
test_dedupe(void)
{
	uint64_t  cid = (pp_t_rand(&(uint64_t){ pp_t_seed() }) | 1);
	fixture   fx;
	pp_id     a, b, c, d;
	pp_t_logs logs;
	frame     f;

	fx_begin(&fx, 0);
	a = raw_commit(fx.raw, cid, 0, 0, "dup", "first");
	b = raw_commit(fx.raw, cid, 0, 0, "dup", "first");
	PP_ASSERT_U64_EQ(a.ms, b.ms);
	PP_ASSERT_U64_EQ(a.seq, b.seq);
	PP_ASSERT_U64_EQ(a.seq, 0);
	PP_ASSERT_U64_EQ(pp_t_length(fx.n.client, "dup"), 1);
	/* The next request of the client is applied. */
	c = raw_commit(fx.raw, cid, 1, 0, "dup", "second");
	PP_ASSERT_U64_EQ(c.seq, 1);
	/* A resend, even with another body, gets the remembered answer. */
	d = raw_commit(fx.raw, cid, 0, 0, "dup", "changed");
	PP_ASSERT_U64_EQ(d.ms, a.ms);
	PP_ASSERT_U64_EQ(d.seq, 0);
	d = raw_commit(fx.raw, cid, 1, 0, "dup", "second");
	PP_ASSERT_U64_EQ(d.seq, 1);
	pp_t_read_all(fx.n.client, "dup", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2);
	PP_ASSERT_STR_EQ(logs.bodies[0], "first");
	PP_ASSERT_STR_EQ(logs.bodies[1], "second");
	pp_t_logs_free(&logs);
	/* Another client with the same rid is another request. */
	PP_ASSERT_U64_EQ(raw_commit(fx.raw, cid + 2, 0, 0, "dup", "x").seq, 2);
	/* A request that skips ahead of the one it follows waits for it. */
	f_init(&f);
	f_commit1(&f, cid + 4, 5, 0, "dup", "early", 5);
	EXPECT_FRAME(fx.raw, &f, PP_EORDER, "rid 5 before rid 4");
	f_free(&f);
	PP_ASSERT_U64_EQ(pp_t_length(fx.n.client, "dup"), 3);
	fx_end(&fx);
}

static void
test_dedupe_after_restart(void)
{
	uint64_t  cid = 0x5eed0000abcdULL;
	fixture   fx;
	pp_id     a, b;

	fx_begin(&fx, 0);
	a = raw_commit(fx.raw, cid, 0, 0, "dup", "once");
	nng_close(fx.raw);
	pp_t_node_stop(&fx.n);
	pp_t_node_start(&fx.n, NULL);
	fx.raw = raw_open(fx.n.address);
	b      = raw_commit(fx.raw, cid, 0, 0, "dup", "once");
	PP_ASSERT_U64_EQ(a.ms, b.ms);
	PP_ASSERT_U64_EQ(a.seq, b.seq);
	PP_ASSERT_U64_EQ(pp_t_length(fx.n.client, "dup"), 1);
	PP_ASSERT_U64_EQ(raw_commit(fx.raw, cid, 1, 0, "dup", "next").seq, 1);
	fx_end(&fx);
}

static const pp_test_case cases[] = {
	PP_CASE("the node checks each commit call on its own",
	    test_node_checks_commits, 0),
	PP_CASE("the node checks topics and id expressions of reads",
	    test_node_checks_reads, 0),
	PP_CASE("hello reports version, maximum body and pid",
	    test_hello, 0),
	PP_CASE("a resent commit is applied once",
	    test_dedupe, 0),
	PP_CASE("a commit resent after a restart is applied once",
	    test_dedupe_after_restart, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
