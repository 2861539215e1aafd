/*
 * proc_dedupe_test.c - proc calls resent after a lost connection are
 * answered with what the first attempt did (issue 14 item 7): disable,
 * resume and destroy, pp_ack_proc (the ack is applied once, the resend
 * gets the same claim, not PP_ESTALE_CLAIM) and plain claims, also
 * across a kill -9 of the node. The resend is the very frame a client
 * sends again (lib/lane.h), built here byte for byte and sent over a raw
 * NNG socket, so the node sees what a reconnecting client would send.
 */
#include <signal.h>

#include "frame_util.h"
#include "harness.h"

#define LANE_CID 0x1a2e00000000d0d1ULL

/* A proc admin frame (pdisable, presume, pdestroy) on the lane. */
static void
f_admin(frame *f, const char *op, const char *name, uint64_t rid)
{
	f_init(f);
	f_head(f, 6, op);
	f_kv_str(f, "name", name);
	f_kv_uint(f, "cid", LANE_CID);
	f_kv_uint(f, "rid", rid);
	f_kv_uint(f, "floor", rid);
}

/* A proc frame on the lane: claim `count` logs of "base" for `name`,
 * acking `ack` first when it is not 0. */
static void
f_proc(frame *f, const char *name, uint64_t count, uint64_t ack,
    uint64_t rid)
{
	f_init(f);
	f_head(f, 12 + (ack != 0 ? 1 : 0), "proc");
	f_kv_str(f, "topic", "base");
	f_kv_str(f, "name", name);
	f_kv_uint(f, "count", count);
	f_kv_int(f, "max_reclaims", 10);
	f_kv_int(f, "reclaim_timeout", 60000);
	f_kv_uint(f, "on_max", 0);
	f_kv_int(f, "wait", 0);
	if (ack != 0) {
		f_kv_uint(f, "ack", ack);
	}
	f_kv_uint(f, "cid", LANE_CID);
	f_kv_uint(f, "rid", rid);
	f_kv_uint(f, "floor", rid);
}

/* Sends f, expects status st, and returns the reply (to free). */
static void
call_st(nng_socket s, const frame *f, int st, reply *r)
{
	raw_call(s, f->sb.data, f->sb.size, r);
	PP_ASSERT_INT_EQ((int) reply_st(r), st);
}

/* Sends f twice; both replies must be byte for byte the same. */
static void
call_twice_same(nng_socket s, const frame *f, int st)
{
	reply a, b;

	call_st(s, f, st, &a);
	call_st(s, f, st, &b);
	PP_ASSERT_MEM_EQ(a.buf, a.len, b.buf, b.len);
	reply_free(&a);
	reply_free(&b);
}

/* The claim token of a claim reply ("token", a u64). */
static uint64_t
reply_token(const reply *r)
{
	const msgpack_object *o = obj_get(&r->root, "token");

	PP_ASSERT_TRUE(o != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER);
	return o->via.u64;
}

static void
test_admin_resend(void)
{
	pp_proc_list *l = NULL;
	pp_claim     *cl = NULL;
	fixture       fx;
	frame         f;
	reply         r;

	fx_begin(&fx, 0);
	PP_PASS(pp_proc(fx.n.client, "base", "p", NULL, 0, &cl));
	pp_claim_free(cl);

	/* Without dedupe the second disable would be ALREADY_DISABLED. */
	f_admin(&f, "pdisable", "p", 0);
	call_twice_same(fx.raw, &f, 0);
	f_free(&f);
	/* A new request (next rid) is applied, and refused. */
	f_admin(&f, "pdisable", "p", 1);
	call_st(fx.raw, &f, PP_EPROC_ALREADY_DISABLED, &r);
	reply_free(&r);
	f_free(&f);
	f_admin(&f, "presume", "p", 2);
	call_twice_same(fx.raw, &f, 0);
	f_free(&f);
	PP_PASS(pp_proc_inspect(fx.n.client, "p", &l));
	PP_ASSERT_TRUE(!pp_proc_list_get(l, 0)->is_disabled);
	pp_proc_list_free(l);
	/* Destroy twice: the resend is not PP_ENOPROC. */
	f_admin(&f, "pdestroy", "p", 3);
	call_twice_same(fx.raw, &f, 0);
	f_free(&f);
	PP_FAIL(pp_proc_inspect(fx.n.client, "p", &l), PP_ENOPROC);
	/* The library's own calls still behave as before. */
	PP_PASS(pp_proc(fx.n.client, "base", "q", NULL, 0, &cl));
	pp_claim_free(cl);
	PP_PASS(pp_proc_disable(fx.n.client, "q", NULL));
	PP_FAIL(pp_proc_disable(fx.n.client, "q", NULL),
	    PP_EPROC_ALREADY_DISABLED);
	fx_end(&fx);
}

/* The first claim of proc "p" (one log): its token. */
static uint64_t
first_claim(fixture *fx)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;
	pp_claim    *cl = NULL;
	uint64_t     tok;

	o.count              = 1;
	o.max_reclaims       = 10;
	o.reclaim_timeout_ms = 60000;
	PP_PASS(pp_proc(fx->n.client, "base", "p", &o, 0, &cl));
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 1);
	tok = pp_claim_token(cl);
	pp_claim_free(cl);
	return tok;
}

static void
test_ack_proc_resend(void)
{
	pp_proc_list *l = NULL;
	fixture       fx;
	frame         f;
	reply         a, b;
	uint64_t      tok;

	fx_begin(&fx, 0);
	tok = first_claim(&fx);
	/* Ack log 0 and claim log 1; the resend must not ack again (it
	 * would be PP_ESTALE_CLAIM) but get the same claim. */
	f_proc(&f, "p", 1, tok, 0);
	call_st(fx.raw, &f, 0, &a);
	call_st(fx.raw, &f, 0, &b);
	PP_ASSERT_MEM_EQ(a.buf, a.len, b.buf, b.len);
	PP_ASSERT_TRUE(reply_token(&a) != 0 && reply_token(&a) != tok);
	PP_PASS(pp_proc_inspect(fx.n.client, "p", &l));
	PP_ASSERT_U64_EQ(pp_proc_list_get(l, 0)->next_seq, 1);
	PP_ASSERT_TRUE(pp_proc_list_get(l, 0)->has_claim);
	PP_ASSERT_U64_EQ(pp_proc_list_get(l, 0)->claim_token, reply_token(&a));
	PP_ASSERT_U64_EQ(pp_proc_list_get(l, 0)->claim_first.seq, 1);
	pp_proc_list_free(l);
	/* The next request acks that claim: applied once more. */
	f_free(&f);
	f_proc(&f, "p", 1, reply_token(&a), 1);
	call_twice_same(fx.raw, &f, 0);
	PP_PASS(pp_proc_inspect(fx.n.client, "p", &l));
	PP_ASSERT_U64_EQ(pp_proc_list_get(l, 0)->next_seq, 2);
	pp_proc_list_free(l);
	reply_free(&a);
	reply_free(&b);
	f_free(&f);
	fx_end(&fx);
}

static void
test_claim_resend(void)
{
	fixture fx;
	frame   f;

	fx_begin(&fx, 0);
	/* Without dedupe the resend would find the claim outstanding and
	 * get an empty one until the reclaim timeout. */
	f_proc(&f, "c", 2, 0, 0);
	call_twice_same(fx.raw, &f, 0);
	f_free(&f);
	fx_end(&fx);
}

static void
test_ack_proc_resend_after_kill(void)
{
	pp_proc_list *l = NULL;
	fixture       fx;
	frame         f;
	reply         a, b;
	uint64_t      tok;

	fx_begin(&fx, 0);
	tok = first_claim(&fx);
	f_proc(&f, "p", 1, tok, 0);
	call_st(fx.raw, &f, 0, &a);
	/* The answer was lost with the node: kill -9, start again. */
	nng_close(fx.raw);
	pp_t_node_kill(&fx.n, SIGKILL);
	pp_close(fx.n.client);
	pp_t_node_start(&fx.n, NULL);
	fx.raw = raw_open(fx.n.address);
	call_st(fx.raw, &f, 0, &b);
	PP_ASSERT_MEM_EQ(a.buf, a.len, b.buf, b.len);
	PP_PASS(pp_proc_inspect(fx.n.client, "p", &l));
	PP_ASSERT_U64_EQ(pp_proc_list_get(l, 0)->next_seq, 1);
	PP_ASSERT_U64_EQ(pp_proc_list_get(l, 0)->claim_token, reply_token(&a));
	pp_proc_list_free(l);
	reply_free(&a);
	reply_free(&b);
	f_free(&f);
	fx_end(&fx);
}

static void
test_lane_frames_checked(void)
{
	fixture fx;
	frame   f;

	fx_begin(&fx, 0);
	/* cid without rid and floor is malformed. */
	f_init(&f);
	f_head(&f, 4, "pdisable");
	f_kv_str(&f, "name", "p");
	f_kv_uint(&f, "cid", 5);
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "cid without rid and floor");
	f_free(&f);
	f_init(&f);
	f_head(&f, 6, "pdestroy");
	f_kv_str(&f, "name", "p");
	f_kv_uint(&f, "cid", 5);
	f_kv_str(&f, "rid", "one");
	f_kv_uint(&f, "floor", 0);
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "a rid that is no integer");
	f_free(&f);
	fx_end(&fx);
}

static const pp_test_case cases[] = {
	PP_CASE("a resent disable, resume or destroy answers what the first "
	        "attempt did",
	    test_admin_resend, 0),
	PP_CASE("a resent pp_ack_proc acks once and gets the same claim",
	    test_ack_proc_resend, 0),
	PP_CASE("a resent claim gets the same logs", test_claim_resend, 0),
	PP_CASE("a pp_ack_proc resent after a kill -9 of the node is answered "
	        "from the store",
	    test_ack_proc_resend_after_kill, 0),
	PP_CASE("a malformed dedupe lane is PP_EPROTO", test_lane_frames_checked,
	    0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
