/*
 * wire_impl.h - msgpack helpers shared by the wire*.c files, the only
 * files that include <msgpack.h>.
 */
#ifndef PP_WIRE_IMPL_H
#define PP_WIRE_IMPL_H

#include <msgpack.h>

#include "wire.h"

/* Deepest nesting a frame may have (msgpack-c's own stack is 32). */
#define PPI_WIRE_MAX_DEPTH 24

/* A packer that appends to a ppi_buf. */
void ppi_wire_packer(msgpack_packer *pk, ppi_buf *b);

/* ppi_wire_begin_request - a request map of nfields fields after the
 * version and the operation, which every request starts with. */
void ppi_wire_begin_request(
    msgpack_packer *pk, ppi_buf *b, const char *op, size_t nfields);

/* Pack a NUL-terminated string / a byte string / a map key. */
void ppi_wire_pack_cstr(msgpack_packer *pk, const char *s);
void ppi_wire_pack_str(msgpack_packer *pk, const char *s, size_t len);
void ppi_wire_pack_status(msgpack_packer *pk, int status);

/*
 * ppi_wire_unpack - parse exactly one object spanning the whole frame,
 * after checking that its declared sizes fit in it (so a tiny frame can
 * never make msgpack-c allocate much) and that no map repeats a key.
 * Returns 0 or PP_EPROTO / PP_ENOMEM. On 0, `u` must be destroyed with
 * msgpack_unpacked_destroy(); on error it already is.
 */
int ppi_wire_unpack(const void *frame, size_t len, msgpack_unpacked *u);

/* ppi_wire_keys_unique - false when a map anywhere inside `o` names a
 * key twice (wire_keys.c); ppi_wire_unpack refuses such frames. */
bool ppi_wire_keys_unique(const msgpack_object *o);

/* A page reply; with token, a claim reply (it adds "token" and
 * "index"). */
void ppi_wire_pack_page(ppi_buf *b, const ppi_wire_entry *entries,
    size_t count, bool has_more, const uint64_t *token, uint64_t index);

/* The value under `key` in a map object, or NULL. */
const msgpack_object *ppi_wire_get(const msgpack_object *map, const char *key);

/* Typed reads; each returns false when the object has another type. */
bool ppi_wire_as_u64(const msgpack_object *o, uint64_t *v);
bool ppi_wire_as_int(const msgpack_object *o, int64_t *v);
bool ppi_wire_as_str(const msgpack_object *o, ppi_str *s);
bool ppi_wire_as_bool(const msgpack_object *o, bool *v);

/*
 * Tolerant reads of reply fields (wire_compat.c): `o` NULL means the field
 * is absent (an older node), which is fine and leaves *v as it was; a
 * present field of another type returns false (PP_EPROTO for the reply).
 * ppi_wire_field is item i of an array of count, or NULL past its end.
 * ppi_wire_opt_str copies a NUL-terminated string into dst ("" when
 * absent); false also when it does not fit in cap bytes.
 */
const msgpack_object *ppi_wire_field(
    const msgpack_object *items, uint32_t count, uint32_t i);
bool ppi_wire_opt_u64(const msgpack_object *o, uint64_t *v);
bool ppi_wire_opt_int(const msgpack_object *o, int64_t *v);
bool ppi_wire_opt_bool(const msgpack_object *o, bool *v);
bool ppi_wire_opt_double(const msgpack_object *o, double *v);
bool ppi_wire_opt_str(const msgpack_object *o, char *dst, size_t cap);

/*
 * ppi_wire_reply_open - unpack a reply frame and read its status; copies
 * `msg` on error. Returns the status (or PP_EPROTO); on 0, *root points
 * into u, which the caller destroys.
 */
int ppi_wire_reply_open(const void *frame, size_t len, msgpack_unpacked *u,
    const msgpack_object **root, char *msg, size_t msglen);

/* ppi_wire_decode_proc_call - an ack, ack_commit or reclaim call map,
 * or a commit call with options (call number i, for messages);
 * wire_call.c. */
int ppi_wire_decode_proc_call(msgpack_zone *zone, const msgpack_object *o,
    ppi_wire_call *c, uint32_t i, char *msg, size_t msglen);

/* ppi_wire_decode_calls - the "calls" array of a commit request into
 * req->calls (wire_call.c). */
int ppi_wire_decode_calls(msgpack_zone *zone, const msgpack_object *o,
    ppi_request *req, char *msg, size_t msglen);

/* ppi_wire_decode_producer_request - the key of a producer request
 * (wire_producer.c). */
int ppi_wire_decode_producer_request(const msgpack_object *root,
    ppi_request *req, char *msg, size_t msglen);

/* ppi_wire_decode_srcreport_request - the fields of a srcreport
 * request (wire_source.c). */
int ppi_wire_decode_srcreport_request(const msgpack_object *root,
    ppi_request *req, char *msg, size_t msglen);

/* ppi_wire_decode_system - the fields of sysproc, sysdestroy and
 * sysclaim requests (wire_system.c). */
int ppi_wire_decode_system(msgpack_zone *zone, const msgpack_object *root,
    ppi_request *req, char *msg, size_t msglen);

#endif
