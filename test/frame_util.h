/*
 * frame_util.h - a builder for raw request frames and a raw NNG req client
 * for the wire tests (wire_*_test.c, DESIGN §5): a frame is a msgpack
 * buffer with its packer, f_head writes the request map's "v" and "op",
 * f_commit1 and f_commit_head whole commit requests; raw_call sends a
 * frame to a node and decodes the reply map, and EXPECT_ST checks its
 * "st". Nothing here goes through libpipeproc, so the node sees exactly
 * the bytes a case built.
 */
#ifndef PP_TEST_FRAME_UTIL_H
#define PP_TEST_FRAME_UTIL_H

#include <errno.h>
#include <msgpack.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

/* ---- frames
 * ------------------------------------------------------------------ */

typedef struct frame {
	msgpack_sbuffer sb;
	msgpack_packer  pk;
} frame;

/* An empty frame; f_free releases it. */
void f_init(frame *f);
void f_free(frame *f);

/* One msgpack value each: a string, bin, map or array header, unsigned or
 * signed integer (each packed in its smallest form, as msgpack-c does), or
 * nil. f_raw appends bytes as they are, for frames msgpack cannot say. */
void f_str(frame *f, const char *s);
void f_bin(frame *f, const void *p, size_t n);
void f_raw(frame *f, const void *p, size_t n);
void f_map(frame *f, size_t n);
void f_array(frame *f, size_t n);
void f_uint(frame *f, uint64_t u);
void f_int(frame *f, int64_t i);
void f_nil(frame *f);

/* A string key and its value. */
void f_kv_str(frame *f, const char *key, const char *s);
void f_kv_uint(frame *f, const char *key, uint64_t u);
void f_kv_int(frame *f, const char *key, int64_t i);

/* Starts a request map of nfields (v and op included) with "v" v. */
void f_head_v(frame *f, size_t nfields, uint32_t v, const char *op);

/* Starts a request map of nfields (v and op included), version 1. */
void f_head(frame *f, size_t nfields, const char *op);

/* {"v":v,"op":"commit","cid":cid,"rid":rid,"floor":floor,"calls":[[[topic,
 * body]]]} with one call of one log. */
void f_commit1_v(frame *f, uint32_t v, uint64_t cid, uint64_t rid,
    uint64_t floor, const char *topic, const void *body, size_t len);

/* f_commit1_v of version 1. */
void f_commit1(frame *f, uint64_t cid, uint64_t rid, uint64_t floor,
    const char *topic, const void *body, size_t len);

/* The commit header up to and including the "calls" key. */
void f_commit_head(frame *f, uint64_t cid, uint64_t rid);

/* ---- a raw req client
 * ---------------------------------------------------------- */

typedef struct reply {
	void            *buf;
	size_t           len;
	msgpack_unpacked up;
	msgpack_object   root;
} reply;

/* A req socket dialed to address; must succeed. */
nng_socket raw_open(const char *address);

/* The value of a string key of a map object, or NULL. */
const msgpack_object *obj_get(const msgpack_object *map, const char *key);

/* Stores an integer object in *v; false for NULL or any other type. */
bool obj_int(const msgpack_object *o, int64_t *v);

/* Sends len bytes (a message of its own) and decodes the reply map. */
void raw_call_msg(nng_socket s, nng_msg *m, reply *r);

/* raw_call_msg of len bytes from buf. */
void raw_call(nng_socket s, const void *buf, size_t len, reply *r);

/* Releases the reply and its decoded map. */
void reply_free(reply *r);

/* The reply's integer "st"; fails the case when it has none. */
int64_t reply_st(const reply *r);

/* The reply to buf must be an error map with st == want and a message. */
void expect_st_at(const char *file, int line, nng_socket s, const void *buf,
    size_t len, int want, const char *what);

#define EXPECT_FRAME(s, f, want, what)                                         \
	expect_st_at(                                                          \
	    __FILE__, __LINE__, s, (f)->sb.data, (f)->sb.size, want, what)

/* ---- fixture: a node with known data
 * ------------------------------------------- */

typedef struct fixture {
	pp_tnode   n;
	nng_socket raw;
	uint64_t   extra; /* logs the case legitimately added to "base" */
} fixture;

/* Starts a node (max_body_bytes 0: the default) with three logs in
 * "base" and opens a raw client to it. */
void fx_begin(fixture *fx, uint32_t max_body_bytes);

/* Checks the node still serves its data (fx_check), closes the raw
 * client and stops the node. */
void fx_end(fixture *fx);

#endif
