/*
 * frame_util.c - raw request frames, a raw req client and the reply
 * checks of the wire tests. See frame_util.h.
 */
#include "frame_util.h"

void
f_init(frame *f)
{
	msgpack_sbuffer_init(&f->sb);
	msgpack_packer_init(&f->pk, &f->sb, msgpack_sbuffer_write);
}

void
f_free(frame *f)
{
	msgpack_sbuffer_destroy(&f->sb);
}

void
f_str(frame *f, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(&f->pk, n);
	msgpack_pack_str_body(&f->pk, s, n);
}

void
f_bin(frame *f, const void *p, size_t n)
{
	msgpack_pack_bin(&f->pk, n);
	msgpack_pack_bin_body(&f->pk, p, n);
}

void
f_raw(frame *f, const void *p, size_t n)
{
	msgpack_sbuffer_write(&f->sb, p, n);
}

void
f_map(frame *f, size_t n)
{
	msgpack_pack_map(&f->pk, n);
}

void
f_array(frame *f, size_t n)
{
	msgpack_pack_array(&f->pk, n);
}

void
f_uint(frame *f, uint64_t u)
{
	msgpack_pack_uint64(&f->pk, u);
}

void
f_int(frame *f, int64_t i)
{
	msgpack_pack_int64(&f->pk, i);
}

void
f_nil(frame *f)
{
	msgpack_pack_nil(&f->pk);
}

void
f_kv_str(frame *f, const char *key, const char *s)
{
	f_str(f, key);
	f_str(f, s);
}

void
f_kv_uint(frame *f, const char *key, uint64_t u)
{
	f_str(f, key);
	f_uint(f, u);
}

void
f_kv_int(frame *f, const char *key, int64_t i)
{
	f_str(f, key);
	f_int(f, i);
}

void
f_head_v(frame *f, size_t nfields, uint32_t v, const char *op)
{
	f_map(f, nfields);
	f_kv_uint(f, "v", v);
	f_kv_str(f, "op", op);
}

void
f_head(frame *f, size_t nfields, const char *op)
{
	f_head_v(f, nfields, 1, op);
}

void
f_commit1_v(frame *f, uint32_t v, uint64_t cid, uint64_t rid, uint64_t floor,
    const char *topic, const void *body, size_t len)
{
	f_head_v(f, 6, v, "commit");
	f_kv_uint(f, "cid", cid);
	f_kv_uint(f, "rid", rid);
	f_kv_uint(f, "floor", floor);
	f_str(f, "calls");
	f_array(f, 1);
	f_array(f, 1);
	f_array(f, 2);
	f_str(f, topic);
	f_bin(f, body, len);
}

void
f_commit1(frame *f, uint64_t cid, uint64_t rid, uint64_t floor,
    const char *topic, const void *body, size_t len)
{
	f_commit1_v(f, 1, cid, rid, floor, topic, body, len);
}

void
f_commit_head(frame *f, uint64_t cid, uint64_t rid)
{
	f_head(f, 6, "commit");
	f_kv_uint(f, "cid", cid);
	f_kv_uint(f, "rid", rid);
	f_kv_uint(f, "floor", 0);
	f_str(f, "calls");
}

nng_socket
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

const msgpack_object *
obj_get(const msgpack_object *map, const char *key)
{
	uint32_t i;
	size_t   n = strlen(key);

	if (map->type != MSGPACK_OBJECT_MAP) {
		return (NULL);
	}
	for (i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n
		    && memcmp(k->via.str.ptr, key, n) == 0) {
			return (&map->via.map.ptr[i].val);
		}
	}
	return (NULL);
}

bool
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

void
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
	if (msgpack_unpack_next(&r->up, r->buf, r->len, &off)
	    != MSGPACK_UNPACK_SUCCESS) {
		PP_FAIL_AT("the reply (%zu bytes) is not msgpack", r->len);
	}
	r->root = r->up.data;
	if (r->root.type != MSGPACK_OBJECT_MAP) {
		PP_FAIL_AT("the reply is not a map (type %d)", r->root.type);
	}
}

void
raw_call(nng_socket s, const void *buf, size_t len, reply *r)
{
	nng_msg *m;

	if (nng_msg_alloc(&m, 0) != 0 || nng_msg_append(m, buf, len) != 0) {
		PP_FAIL_AT("nng_msg_alloc");
	}
	raw_call_msg(s, m, r);
}

void
reply_free(reply *r)
{
	msgpack_unpacked_destroy(&r->up);
	nng_free(r->buf, r->len);
}

int64_t
reply_st(const reply *r)
{
	int64_t st;

	if (!obj_int(obj_get(&r->root, "st"), &st)) {
		PP_FAIL_AT("the reply has no integer \"st\"");
	}
	return (st);
}

void
expect_st_at(const char *file, int line, nng_socket s, const void *buf,
    size_t len, int want, const char *what)
{
	reply                 r;
	int64_t               st;
	const msgpack_object *msg;

	raw_call(s, buf, len, &r);
	st = reply_st(&r);
	msg = obj_get(&r.root, "msg");
	if (st != want) {
		pp_t_fail(file, line, "%s: st %lld %s (%.*s), expected %s",
		    what, (long long)st, pp_errname((int)st),
		    msg && msg->type == MSGPACK_OBJECT_STR
		        ? (int)msg->via.str.size
		        : 0,
		    msg && msg->type == MSGPACK_OBJECT_STR ? msg->via.str.ptr
		                                           : "",
		    pp_errname(want));
	}
	if (want < 0
	    && (msg == NULL || msg->type != MSGPACK_OBJECT_STR
	        || msg->via.str.size == 0)) {
		pp_t_fail(file, line, "%s: error reply without \"msg\"", what);
	}
	reply_free(&r);
}

void
fx_begin(fixture *fx, uint32_t max_body_bytes)
{
	pp_spawn_opts o;
	pp_record     r[3]
	    = { { "base", "b0", 2 }, { "base", "b1", 2 }, { "base", "b2", 2 } };
	pp_id ids[3];

	memset(&o, 0, sizeof(o));
	o.max_body_bytes = max_body_bytes;
	pp_t_node_init(&fx->n);
	pp_t_node_start(&fx->n, &o);
	PP_PASS(pp_commit(fx->n.client, r, 3, ids));
	fx->raw = raw_open(fx->n.address);
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
	PP_ASSERT_U64_EQ(
	    pp_t_commit_str(fx->n.client, "base", "more").seq, 3 + fx->extra);
	fx->extra++;
}

void
fx_end(fixture *fx)
{
	fx_check(fx);
	nng_close(fx->raw);
	pp_t_node_stop(&fx->n);
}
