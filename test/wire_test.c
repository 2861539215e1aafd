/*
 * wire_test.c - the node against a raw NNG req client (DESIGN §5): garbage,
 * wrong shapes and types, huge declared lengths, over-large requests,
 * unknown operations and versions each get an error reply map with a
 * negative "st", and the node stays up with its data intact; the node
 * re-validates what the library checks; a resent commit (same cid, rid)
 * is applied once, also across a restart. Fake listeners check how
 * pp_connect handles silent, foreign-version and garbage-speaking peers.
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

/* ---- frames ------------------------------------------------------------------ */

typedef struct frame {
	msgpack_sbuffer sb;
	msgpack_packer  pk;
} frame;

static void
f_init(frame *f)
{
	msgpack_sbuffer_init(&f->sb);
	msgpack_packer_init(&f->pk, &f->sb, msgpack_sbuffer_write);
}

static void
f_free(frame *f)
{
	msgpack_sbuffer_destroy(&f->sb);
}

static void
f_str(frame *f, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(&f->pk, n);
	msgpack_pack_str_body(&f->pk, s, n);
}

static void
f_bin(frame *f, const void *p, size_t n)
{
	msgpack_pack_bin(&f->pk, n);
	msgpack_pack_bin_body(&f->pk, p, n);
}

static void
f_raw(frame *f, const void *p, size_t n)
{
	msgpack_sbuffer_write(&f->sb, p, n);
}

/* Starts a request map of nfields (v and op included). */
static void
f_head(frame *f, size_t nfields, const char *op)
{
	msgpack_pack_map(&f->pk, nfields);
	f_str(f, "v");
	msgpack_pack_uint32(&f->pk, 1);
	f_str(f, "op");
	f_str(f, op);
}

/* {"v":1,"op":"commit","cid":cid,"rid":rid,"floor":floor,"calls":[[[topic,
 * body]]]} with one call of one log. */
static void
f_commit1(frame *f, uint64_t cid, uint64_t rid, uint64_t floor,
    const char *topic, const void *body, size_t len)
{
	f_head(f, 6, "commit");
	f_str(f, "cid");
	msgpack_pack_uint64(&f->pk, cid);
	f_str(f, "rid");
	msgpack_pack_uint64(&f->pk, rid);
	f_str(f, "floor");
	msgpack_pack_uint64(&f->pk, floor);
	f_str(f, "calls");
	msgpack_pack_array(&f->pk, 1);
	msgpack_pack_array(&f->pk, 1);
	msgpack_pack_array(&f->pk, 2);
	f_str(f, topic);
	f_bin(f, body, len);
}

/* The commit header up to and including the "calls" key. */
static void
f_commit_head(frame *f, uint64_t cid, uint64_t rid)
{
	f_head(f, 6, "commit");
	f_str(f, "cid");
	msgpack_pack_uint64(&f->pk, cid);
	f_str(f, "rid");
	msgpack_pack_uint64(&f->pk, rid);
	f_str(f, "floor");
	msgpack_pack_uint64(&f->pk, 0);
	f_str(f, "calls");
}

/* ---- a raw req client ---------------------------------------------------------- */

typedef struct reply {
	void            *buf;
	size_t           len;
	msgpack_unpacked up;
	msgpack_object   root;
} reply;

static nng_socket
raw_open(const char *address)
{
	nng_socket s;
	int        rv;

	if ((rv = nng_req0_open(&s)) != 0) {
		PP_FAIL_AT("nng_req0_open: %s", nng_strerror(rv));
	}
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, pp_t_scaled(20000));
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, pp_t_scaled(20000));
	nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 0);
	if ((rv = nng_dial(s, address, NULL, 0)) != 0) {
		PP_FAIL_AT("nng_dial %s: %s", address, nng_strerror(rv));
	}
	return (s);
}

static const msgpack_object *
obj_get(const msgpack_object *map, const char *key)
{
	uint32_t i;
	size_t   n = strlen(key);

	if (map->type != MSGPACK_OBJECT_MAP) {
		return (NULL);
	}
	for (i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
		    memcmp(k->via.str.ptr, key, n) == 0) {
			return (&map->via.map.ptr[i].val);
		}
	}
	return (NULL);
}

static bool
obj_int(const msgpack_object *o, int64_t *v)
{
	if (o == NULL) {
		return (false);
	}
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		*v = (int64_t)o->via.u64;
		return (true);
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*v = o->via.i64;
		return (true);
	}
	return (false);
}

/* Sends len bytes (a message of its own) and decodes the reply map. */
static void
raw_call_msg(nng_socket s, nng_msg *m, reply *r)
{
	size_t off = 0;
	int    rv;

	if ((rv = nng_sendmsg(s, m, 0)) != 0) {
		nng_msg_free(m);
		PP_FAIL_AT("nng_sendmsg: %s", nng_strerror(rv));
	}
	if ((rv = nng_recv(s, &r->buf, &r->len, NNG_FLAG_ALLOC)) != 0) {
		PP_FAIL_AT("no reply from the node: %s", nng_strerror(rv));
	}
	msgpack_unpacked_init(&r->up);
	if (msgpack_unpack_next(&r->up, r->buf, r->len, &off) !=
	    MSGPACK_UNPACK_SUCCESS) {
		PP_FAIL_AT("the reply (%zu bytes) is not msgpack", r->len);
	}
	r->root = r->up.data;
	if (r->root.type != MSGPACK_OBJECT_MAP) {
		PP_FAIL_AT("the reply is not a map (type %d)", r->root.type);
	}
}

static void
raw_call(nng_socket s, const void *buf, size_t len, reply *r)
{
	nng_msg *m;

	if (nng_msg_alloc(&m, 0) != 0 || nng_msg_append(m, buf, len) != 0) {
		PP_FAIL_AT("nng_msg_alloc");
	}
	raw_call_msg(s, m, r);
}

static void
reply_free(reply *r)
{
	msgpack_unpacked_destroy(&r->up);
	nng_free(r->buf, r->len);
}

static int64_t
reply_st(const reply *r)
{
	int64_t st;

	if (!obj_int(obj_get(&r->root, "st"), &st)) {
		PP_FAIL_AT("the reply has no integer \"st\"");
	}
	return (st);
}

/* The reply to buf must be an error map with st == want and a message. */
static void
expect_st_at(int line, nng_socket s, const void *buf, size_t len, int want,
    const char *what)
{
	reply                 r;
	int64_t               st;
	const msgpack_object *msg;

	raw_call(s, buf, len, &r);
	st  = reply_st(&r);
	msg = obj_get(&r.root, "msg");
	if (st != want) {
		pp_t_fail(__FILE__, line, "%s: st %lld %s (%.*s), expected %s",
		    what, (long long)st, pp_errname((int)st),
		    msg && msg->type == MSGPACK_OBJECT_STR ?
		        (int)msg->via.str.size : 0,
		    msg && msg->type == MSGPACK_OBJECT_STR ?
		        msg->via.str.ptr : "",
		    pp_errname(want));
	}
	if (want < 0 && (msg == NULL || msg->type != MSGPACK_OBJECT_STR ||
	                    msg->via.str.size == 0)) {
		pp_t_fail(__FILE__, line, "%s: error reply without \"msg\"",
		    what);
	}
	reply_free(&r);
}

#define EXPECT_ST(s, buf, len, want, what)                                     \
	expect_st_at(__LINE__, s, buf, len, want, what)
#define EXPECT_FRAME(s, f, want, what)                                         \
	expect_st_at(__LINE__, s, (f)->sb.data, (f)->sb.size, want, what)

/* ---- fixture: a node with known data ------------------------------------------- */

typedef struct fixture {
	pp_tnode   n;
	nng_socket raw;
	uint64_t   extra; /* logs the case legitimately added to "base" */
} fixture;

static void
fx_begin(fixture *fx, uint32_t max_body_bytes)
{
	pp_spawn_opts o;
	pp_record     r[3] = { { "base", "b0", 2 }, { "base", "b1", 2 },
		    { "base", "b2", 2 } };
	pp_id         ids[3];

	memset(&o, 0, sizeof(o));
	o.max_body_bytes = max_body_bytes;
	pp_t_node_init(&fx->n);
	pp_t_node_start(&fx->n, &o);
	PP_PASS(pp_commit(fx->n.client, r, 3, ids));
	fx->raw   = raw_open(fx->n.address);
	fx->extra = 0;
}

/* The node still answers and "base" is exactly what it was. */
static void
fx_check(fixture *fx)
{
	pp_t_logs logs;
	char      want[8];
	size_t    i;

	pp_t_read_all(fx->n.client, "base", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 3 + fx->extra);
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "b%zu", i);
		PP_ASSERT_STR_EQ(logs.bodies[i], want);
		PP_ASSERT_U64_EQ(logs.ids[i].seq, i);
	}
	pp_t_logs_free(&logs);
	PP_ASSERT_U64_EQ(pp_t_commit_str(fx->n.client, "base", "more").seq,
	    3 + fx->extra);
	fx->extra++;
}

static void
fx_end(fixture *fx)
{
	fx_check(fx);
	nng_close(fx->raw);
	pp_t_node_stop(&fx->n);
}

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
	msgpack_pack_array(&f.pk, 2);
	msgpack_pack_uint32(&f.pk, 1);
	f_str(&f, "commit");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "an array");
	f_free(&f);
	f_init(&f);
	f_str(&f, "hello");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a string");
	f_free(&f);
	f_init(&f);
	msgpack_pack_int64(&f.pk, -42);
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a number");
	f_free(&f);
	f_init(&f);
	msgpack_pack_nil(&f.pk);
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "nil");
	f_free(&f);
	/* A map with integer keys. */
	f_init(&f);
	msgpack_pack_map(&f.pk, 2);
	msgpack_pack_uint32(&f.pk, 1);
	msgpack_pack_uint32(&f.pk, 1);
	msgpack_pack_uint32(&f.pk, 2);
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
	msgpack_pack_map(&f.pk, 2);
	f_str(&f, "op");
	f_str(&f, "length");
	f_str(&f, "topic");
	f_str(&f, "base");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "no v");
	f_free(&f);
	f_init(&f);
	msgpack_pack_map(&f.pk, 2);
	f_str(&f, "v");
	msgpack_pack_uint32(&f.pk, 1);
	f_str(&f, "topic");
	f_str(&f, "base");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "no op");
	f_free(&f);
	f_init(&f);
	msgpack_pack_map(&f.pk, 3);
	f_str(&f, "v");
	f_str(&f, "1");
	f_str(&f, "op");
	f_str(&f, "length");
	f_str(&f, "topic");
	f_str(&f, "base");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "v as a string");
	f_free(&f);
	f_init(&f);
	msgpack_pack_map(&f.pk, 3);
	f_str(&f, "v");
	msgpack_pack_uint32(&f.pk, 1);
	f_str(&f, "op");
	msgpack_pack_uint32(&f.pk, 3);
	f_str(&f, "topic");
	f_str(&f, "base");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "op as a number");
	f_free(&f);
	f_init(&f);
	msgpack_pack_map(&f.pk, 0);
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
		msgpack_pack_map(&f.pk, 3);
		f_str(&f, "v");
		msgpack_pack_uint32(&f.pk, versions[i]);
		f_str(&f, "op");
		f_str(&f, "length");
		f_str(&f, "topic");
		f_str(&f, "base");
		EXPECT_FRAME(fx.raw, &f, PP_EVERSION, "another version");
		f_free(&f);
	}
	/* A commit of another version applies nothing. */
	f_init(&f);
	msgpack_pack_map(&f.pk, 6);
	f_str(&f, "v");
	msgpack_pack_uint32(&f.pk, 2);
	f_str(&f, "op");
	f_str(&f, "commit");
	f_str(&f, "cid");
	msgpack_pack_uint64(&f.pk, 0);
	f_str(&f, "rid");
	msgpack_pack_uint64(&f.pk, 0);
	f_str(&f, "floor");
	msgpack_pack_uint64(&f.pk, 0);
	f_str(&f, "calls");
	msgpack_pack_array(&f.pk, 1);
	msgpack_pack_array(&f.pk, 1);
	msgpack_pack_array(&f.pk, 2);
	f_str(&f, "base");
	f_bin(&f, "v2", 2);
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
		f_str(&f, "topic");
		f_str(&f, "base");
		EXPECT_FRAME(fx.raw, &f, PP_EUNKNOWN_OP, ops[i]);
		f_free(&f);
	}
	fx_end(&fx);
}

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
			msgpack_pack_array(&f.pk, 1);
			msgpack_pack_array(&f.pk, 1);
		}
		switch (k) {
		case 0: /* topic as an integer */
			msgpack_pack_array(&f.pk, 2);
			msgpack_pack_uint32(&f.pk, 5);
			f_bin(&f, "x", 1);
			break;
		case 1: /* body as a string: bodies are bin */
			msgpack_pack_array(&f.pk, 2);
			f_str(&f, "base");
			f_str(&f, "x");
			break;
		case 2: /* a log as a map */
			msgpack_pack_map(&f.pk, 1);
			f_str(&f, "base");
			f_bin(&f, "x", 1);
			break;
		case 3: /* three elements */
			msgpack_pack_array(&f.pk, 3);
			f_str(&f, "base");
			f_bin(&f, "x", 1);
			f_bin(&f, "y", 1);
			break;
		case 4: /* one element */
			msgpack_pack_array(&f.pk, 1);
			f_str(&f, "base");
			break;
		case 5: /* body nil */
			msgpack_pack_array(&f.pk, 2);
			f_str(&f, "base");
			msgpack_pack_nil(&f.pk);
			break;
		case 6: /* calls is a string */
			f_commit_head(&f, 0, 0);
			f_str(&f, "calls");
			break;
		case 7: /* a call is a string */
			f_commit_head(&f, 0, 0);
			msgpack_pack_array(&f.pk, 1);
			f_str(&f, "call");
			break;
		case 8: /* no calls */
			f_head(&f, 5, "commit");
			f_str(&f, "cid");
			msgpack_pack_uint64(&f.pk, 0);
			f_str(&f, "rid");
			msgpack_pack_uint64(&f.pk, 0);
			f_str(&f, "floor");
			msgpack_pack_uint64(&f.pk, 0);
			break;
		case 9: /* cid as a string */
			f_head(&f, 6, "commit");
			f_str(&f, "cid");
			f_str(&f, "1");
			f_str(&f, "rid");
			msgpack_pack_uint64(&f.pk, 0);
			f_str(&f, "floor");
			msgpack_pack_uint64(&f.pk, 0);
			f_str(&f, "calls");
			msgpack_pack_array(&f.pk, 0);
			break;
		default: /* floor negative */
			f_head(&f, 6, "commit");
			f_str(&f, "cid");
			msgpack_pack_uint64(&f.pk, 0);
			f_str(&f, "rid");
			msgpack_pack_uint64(&f.pk, 0);
			f_str(&f, "floor");
			msgpack_pack_int64(&f.pk, -1);
			f_str(&f, "calls");
			msgpack_pack_array(&f.pk, 0);
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
			f_str(&f, "topic");
			f_str(&f, "base");
			f_str(&f, "start");
			msgpack_pack_uint32(&f.pk, 5);
			break;
		case 1: /* end as a bin */
			f_head(&f, 4, "range");
			f_str(&f, "topic");
			f_str(&f, "base");
			f_str(&f, "end");
			f_bin(&f, ":1", 2);
			break;
		case 2: /* limit as a string */
			f_head(&f, 4, "range");
			f_str(&f, "topic");
			f_str(&f, "base");
			f_str(&f, "limit");
			f_str(&f, "10");
			break;
		case 3: /* limit negative */
			f_head(&f, 4, "range");
			f_str(&f, "topic");
			f_str(&f, "base");
			f_str(&f, "limit");
			msgpack_pack_int64(&f.pk, -1);
			break;
		case 4: /* rev as an integer */
			f_head(&f, 4, "range");
			f_str(&f, "topic");
			f_str(&f, "base");
			f_str(&f, "rev");
			msgpack_pack_uint32(&f.pk, 1);
			break;
		case 5: /* no topic */
			f_head(&f, 2, "range");
			break;
		case 6: /* topic as an integer */
			f_head(&f, 3, "range");
			f_str(&f, "topic");
			msgpack_pack_uint32(&f.pk, 7);
			break;
		case 7: /* length without topic */
			f_head(&f, 2, "length");
			break;
		case 8: /* stat with an array topic */
			f_head(&f, 3, "stat");
			f_str(&f, "topic");
			msgpack_pack_array(&f.pk, 0);
			break;
		default: /* topics with an integer "after" */
			f_head(&f, 3, "topics");
			f_str(&f, "after");
			msgpack_pack_uint32(&f.pk, 1);
			break;
		}
		EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a mistyped read");
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
	msgpack_pack_array(&f.pk, 1);
	msgpack_pack_array(&f.pk, 1);
	msgpack_pack_array(&f.pk, 2);
	f_str(&f, "base");
	f_raw(&f, bin32, sizeof(bin32));
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a bin32 claiming 4 GiB");
	f_free(&f);
	/* An op string that claims 4 GiB. */
	f_init(&f);
	msgpack_pack_map(&f.pk, 2);
	f_str(&f, "v");
	msgpack_pack_uint32(&f.pk, 1);
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
	msgpack_pack_array(&f.pk, 6);
	/* call 0: fine */
	msgpack_pack_array(&f.pk, 1);
	msgpack_pack_array(&f.pk, 2);
	f_str(&f, "ok1");
	f_bin(&f, "x", 1);
	/* call 1: a bad topic, then a good one: nothing of it is stored */
	msgpack_pack_array(&f.pk, 2);
	msgpack_pack_array(&f.pk, 2);
	f_str(&f, "bad topic");
	f_bin(&f, "x", 1);
	msgpack_pack_array(&f.pk, 2);
	f_str(&f, "ok2");
	f_bin(&f, "y", 1);
	/* call 2: an empty name */
	msgpack_pack_array(&f.pk, 1);
	msgpack_pack_array(&f.pk, 2);
	f_str(&f, "");
	f_bin(&f, "z", 1);
	/* call 3: 201 characters */
	msgpack_pack_array(&f.pk, 1);
	msgpack_pack_array(&f.pk, 2);
	f_str(&f, long_name);
	f_bin(&f, "z", 1);
	/* call 4: a body over max_body_bytes, then a small one */
	msgpack_pack_array(&f.pk, 2);
	msgpack_pack_array(&f.pk, 2);
	f_str(&f, "small");
	f_bin(&f, "s", 1);
	msgpack_pack_array(&f.pk, 2);
	f_str(&f, "big");
	f_bin(&f, big, sizeof(big));
	/* call 5: fine, same topic as call 0 */
	msgpack_pack_array(&f.pk, 1);
	msgpack_pack_array(&f.pk, 2);
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
	msgpack_pack_array(&f.pk, 1);
	msgpack_pack_array(&f.pk, 0);
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
		f_str(&f, "topic");
		f_str(&f, rows[i].topic);
		if (rows[i].start != NULL) {
			f_str(&f, "start");
			f_str(&f, rows[i].start);
		}
		if (rows[i].end != NULL) {
			f_str(&f, "end");
			f_str(&f, rows[i].end);
		}
		EXPECT_FRAME(fx.raw, &f, rows[i].want, rows[i].op);
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
	f_str(&f, "topic");
	f_str(&f, "base");
	f_str(&f, "zzz");
	msgpack_pack_array(&f.pk, 2);
	msgpack_pack_uint32(&f.pk, 1);
	msgpack_pack_map(&f.pk, 0);
	f_str(&f, "");
	msgpack_pack_nil(&f.pk);
	raw_call(fx.raw, f.sb.data, f.sb.size, &r);
	PP_ASSERT_INT_EQ(reply_st(&r), 0);
	PP_ASSERT_TRUE(obj_int(obj_get(&r.root, "count"), &count));
	PP_ASSERT_INT_EQ(count, 3);
	reply_free(&r);
	f_free(&f);
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

/* ---- connections ----------------------------------------------------------------- */

static int
unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	PP_ASSERT_TRUE(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		PP_FAIL_AT("connect %s: %s", path, strerror(errno));
	}
	return (fd);
}

static void
test_short_connections(void)
{
	fixture    fx;
	pp_client *c;
	int        i, fd;

	fx_begin(&fx, 0);
	/* Peers that connect and leave without a word (port scanners,
	 * liveness probes of a second node) must not stop the listener. */
	for (i = 0; i < 20; i++) {
		close(unix_connect(fx.n.sock));
	}
	fd = unix_connect(fx.n.sock);
	pp_t_write_all(fd, "\0SP\0\0\x30\0\0", 8);
	close(fd);
	c = pp_t_connect(fx.n.address);
	PP_ASSERT_U64_EQ(pp_t_length(c, "base"), 3);
	pp_close(c);
	fx_end(&fx);
}

static void
test_silent_connection(void)
{
	fixture    fx;
	pp_client *c;
	int        fd;

	fx_begin(&fx, 0);
	/* A peer that connects and never speaks does not block others. */
	fd = unix_connect(fx.n.sock);
	c  = pp_t_connect(fx.n.address);
	PP_ASSERT_U64_EQ(pp_t_length(c, "base"), 3);
	pp_close(c);
	close(fd);
	fx_end(&fx);
}

/* ---- fake nodes for pp_connect ----------------------------------------------------- */

typedef struct fake {
	nng_socket    sock;
	pthread_t     thread;
	atomic_bool   is_stopping;
	const void   *answer; /* NULL: never answer */
	size_t        answer_len;
	char          address[PP_T_PATH];
} fake;

static void *
fake_main(void *p)
{
	fake  *fk = p;
	void  *buf;
	size_t len;

	while (!atomic_load(&fk->is_stopping)) {
		if (nng_recv(fk->sock, &buf, &len, NNG_FLAG_ALLOC) != 0) {
			continue;
		}
		nng_free(buf, len);
		nng_send(fk->sock, (void *)fk->answer, fk->answer_len, 0);
	}
	return (NULL);
}

static void
fake_start(fake *fk, const void *answer, size_t len)
{
	int rv;

	memset(fk, 0, sizeof(*fk));
	pp_t_format(fk->address, sizeof(fk->address), "ipc://%s/fake",
	    pp_t_root());
	fk->answer     = answer;
	fk->answer_len = len;
	if ((rv = nng_rep0_open(&fk->sock)) != 0 ||
	    (rv = nng_listen(fk->sock, fk->address, NULL, 0)) != 0) {
		PP_FAIL_AT("fake listener: %s", nng_strerror(rv));
	}
	nng_socket_set_ms(fk->sock, NNG_OPT_RECVTIMEO, 50);
	if (answer != NULL) {
		pthread_create(&fk->thread, NULL, fake_main, fk);
	}
}

static void
fake_stop(fake *fk)
{
	atomic_store(&fk->is_stopping, true);
	if (fk->answer != NULL) {
		pthread_join(fk->thread, NULL);
	}
	nng_close(fk->sock);
}

static void
test_connect_silent_peer(void)
{
	fake            fk;
	pp_connect_opts o;
	pp_client      *c = NULL;
	uint64_t        start;

	fake_start(&fk, NULL, 0);
	memset(&o, 0, sizeof(o));
	o.timeout_ms = 300;
	start        = pp_t_mono_ms();
	PP_FAIL(pp_connect(fk.address, &o, &c), PP_ETIMEDOUT);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, >=, 250);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, 5000);
	PP_ASSERT_TRUE(c == NULL);
	fake_stop(&fk);
}

static void
expect_connect(const frame *answer, int want)
{
	fake            fk;
	pp_connect_opts o;
	pp_client      *c = NULL;
	int             rv;

	fake_start(&fk, answer->sb.data, answer->sb.size);
	memset(&o, 0, sizeof(o));
	o.timeout_ms = 3000;
	rv           = pp_connect(fk.address, &o, &c);
	if (rv != want) {
		PP_FAIL_AT("pp_connect to a fake node: %d %s, expected %s", rv,
		    pp_errname(rv), pp_errname(want));
	}
	PP_ASSERT_TRUE(c == NULL);
	fake_stop(&fk);
}

static void
test_connect_other_version(void)
{
	frame f;

	/* A node of version 2 refuses our hello. */
	f_init(&f);
	msgpack_pack_map(&f.pk, 3);
	f_str(&f, "st");
	msgpack_pack_int32(&f.pk, PP_EVERSION);
	f_str(&f, "msg");
	f_str(&f, "protocol version mismatch");
	f_str(&f, "v");
	msgpack_pack_uint32(&f.pk, 2);
	expect_connect(&f, PP_EVERSION);
	f_free(&f);
	/* A node that answers the hello but speaks version 2. */
	f_init(&f);
	msgpack_pack_map(&f.pk, 5);
	f_str(&f, "st");
	msgpack_pack_int32(&f.pk, 0);
	f_str(&f, "v");
	msgpack_pack_uint32(&f.pk, 2);
	f_str(&f, "node");
	f_str(&f, "9.9.9");
	f_str(&f, "max_body");
	msgpack_pack_uint32(&f.pk, 1024);
	f_str(&f, "pid");
	msgpack_pack_uint32(&f.pk, 1);
	expect_connect(&f, PP_EVERSION);
	f_free(&f);
}

static void
test_connect_garbage_peer(void)
{
	frame f;

	f_init(&f);
	f_raw(&f, "\xc1\xc1junk", 6);
	expect_connect(&f, PP_EPROTO);
	f_free(&f);
	f_init(&f);
	msgpack_pack_array(&f.pk, 0);
	expect_connect(&f, PP_EPROTO);
	f_free(&f);
}

static const pp_test_case cases[] = {
	PP_CASE("non-msgpack bytes get PP_EPROTO",
	    test_garbage, 0),
	PP_CASE("an array, string, number or nil instead of a map gets PP_EPROTO",
	    test_not_a_map, 0),
	PP_CASE("a map without v or op, or with them mistyped, gets PP_EPROTO",
	    test_missing_v_or_op, 0),
	PP_CASE("another protocol version gets PP_EVERSION",
	    test_version, 0),
	PP_CASE("an unknown operation gets PP_EUNKNOWN_OP",
	    test_unknown_op, 0),
	PP_CASE("commit fields of the wrong type get PP_EPROTO",
	    test_commit_types, 0),
	PP_CASE("read fields of the wrong type get PP_EPROTO",
	    test_read_types, 0),
	PP_CASE("huge declared lengths get PP_EPROTO",
	    test_huge_lengths, 0),
	PP_CASE("deeply nested frames get PP_EPROTO",
	    test_deep_nesting, 0),
	PP_CASE("a request over the node's limit gets PP_ETOOLARGE",
	    test_too_large, 120),
	PP_CASE("the node checks each commit call on its own",
	    test_node_checks_commits, 0),
	PP_CASE("the node checks topics and id expressions of reads",
	    test_node_checks_reads, 0),
	PP_CASE("unknown keys are ignored",
	    test_unknown_keys, 0),
	PP_CASE("hello reports version, maximum body and pid",
	    test_hello, 0),
	PP_CASE("a resent commit is applied once",
	    test_dedupe, 0),
	PP_CASE("a commit resent after a restart is applied once",
	    test_dedupe_after_restart, 0),
	PP_CASE("connections that close at once do not stop the listener",
	    test_short_connections, 0),
	PP_CASE("a connection that never speaks does not block others",
	    test_silent_connection, 0),
	PP_CASE("pp_connect to a peer that never answers is PP_ETIMEDOUT",
	    test_connect_silent_peer, 0),
	PP_CASE("pp_connect to a node of another version is PP_EVERSION",
	    test_connect_other_version, 0),
	PP_CASE("pp_connect to a peer that answers garbage is PP_EPROTO",
	    test_connect_garbage_peer, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
