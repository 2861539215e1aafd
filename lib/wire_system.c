/*
 * wire_system.c - the frames of systemProcs and workers (docs/DESIGN.md
 * §5):
 *
 *   {"v":1, "op":"sysproc", "name", "from":[str...], "to":[str...],
 *    "plugin", "config", "offset"?, "count", "max_reclaims",
 *    "reclaim_timeout", "on_max"}
 *       -> {"st":0, "procs":[info...], "more":false}   (as "procs")
 *   {"v":1, "op":"sysdestroy", "name"}        -> {"st":0}
 *   {"v":1, "op":"sysclaim", "worker", "known", "wait", "settle"?}
 *       -> a claim ("index" = systemProc << 8 | from), or, when the
 *          node's table is not version `known`:
 *          {"st":0, "table":version, "items":[[name, plugin, config,
 *           count, [to...], [from...], [proc...]], ...]}
 *       "settle" is a proc call ({"k":"ack"|"ack_commit", ...}, as in a
 *       commit request) applied before the claim; when the node refuses
 *       it the reply is {"st":code, "msg", "settle":true} and nothing
 *       is claimed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_impl.h"

#define LIST_MAX 16
#define CONFIG_MAX 4096
#define PATH_MAX_WIRE 4096
#define ITEM_FIELDS 7

static void
pack_strs(msgpack_packer *pk, const char *const *v, size_t n)
{
	size_t i;

	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++) {
		ppi_wire_pack_cstr(pk, v[i]);
	}
}

void
ppi_wire_sysproc(ppi_buf *b, const char *name, const pp_system_proc_opts *o,
    const char *plugin)
{
	const pp_proc_opts *p = &o->proc;
	msgpack_packer      pk;

	ppi_wire_begin_request(
	    &pk, b, "sysproc", 9 + (p->offset != NULL ? 1 : 0));
	ppi_wire_pack_cstr(&pk, "name");
	ppi_wire_pack_cstr(&pk, name);
	ppi_wire_pack_cstr(&pk, "from");
	pack_strs(&pk, o->from, o->nfrom);
	ppi_wire_pack_cstr(&pk, "to");
	pack_strs(&pk, o->to, o->nto);
	ppi_wire_pack_cstr(&pk, "plugin");
	ppi_wire_pack_cstr(&pk, plugin);
	ppi_wire_pack_cstr(&pk, "config");
	ppi_wire_pack_cstr(&pk, o->config != NULL ? o->config : "");
	if (p->offset != NULL) {
		ppi_wire_pack_cstr(&pk, "offset");
		ppi_wire_pack_cstr(&pk, p->offset);
	}
	ppi_wire_pack_cstr(&pk, "count");
	msgpack_pack_uint32(&pk, p->count);
	ppi_wire_pack_cstr(&pk, "max_reclaims");
	msgpack_pack_int64(&pk, p->max_reclaims);
	ppi_wire_pack_cstr(&pk, "reclaim_timeout");
	msgpack_pack_int64(&pk, p->reclaim_timeout_ms);
	ppi_wire_pack_cstr(&pk, "on_max");
	msgpack_pack_uint32(&pk, (uint32_t) p->on_max_reclaims);
}

void
ppi_wire_sysdestroy(ppi_buf *b, const char *name)
{
	msgpack_packer pk;

	ppi_wire_begin_request(&pk, b, "sysdestroy", 1);
	ppi_wire_pack_cstr(&pk, "name");
	ppi_wire_pack_cstr(&pk, name);
}

void
ppi_wire_sysclaim(ppi_buf *b, uint64_t worker, uint64_t known, int64_t wait,
    const ppi_settle *settle)
{
	msgpack_packer pk;

	ppi_wire_begin_request(&pk, b, "sysclaim", settle != NULL ? 4 : 3);
	ppi_wire_pack_cstr(&pk, "worker");
	msgpack_pack_uint64(&pk, worker);
	ppi_wire_pack_cstr(&pk, "known");
	msgpack_pack_uint64(&pk, known);
	ppi_wire_pack_cstr(&pk, "wait");
	msgpack_pack_int64(&pk, wait);
	if (settle != NULL) {
		ppi_wire_pack_cstr(&pk, "settle");
		ppi_wire_proc_call(b,
		    settle->count > 0 ? PPI_CALL_ACK_COMMIT : PPI_CALL_ACK,
		    settle->proc, settle->token, NULL, settle->recs,
		    settle->count);
	}
}

void
ppi_wire_reply_settle_error(ppi_buf *b, int status, const char *msg)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, 3);
	ppi_wire_pack_status(&pk, status);
	ppi_wire_pack_cstr(&pk, "msg");
	ppi_wire_pack_cstr(&pk, msg);
	ppi_wire_pack_cstr(&pk, "settle");
	msgpack_pack_true(&pk);
}

/* ---- decoding (node side) ---------------------------------------------- */

#define FAIL(code, ...)                                                        \
	do {                                                                   \
		snprintf(msg, msglen, __VA_ARGS__);                            \
		return (code);                                                 \
	} while (0)

/* An array of at most LIST_MAX strings, into zone memory. */
static bool
as_strs(msgpack_zone *zone, const msgpack_object *o, ppi_str **out,
    size_t *n)
{
	uint32_t i;

	if (o == NULL || o->type != MSGPACK_OBJECT_ARRAY ||
	    o->via.array.size > LIST_MAX) {
		return false;
	}
	*n   = o->via.array.size;
	*out = msgpack_zone_malloc(zone, sizeof(ppi_str) * (*n + 1));
	if (*out == NULL) {
		return false;
	}
	for (i = 0; i < o->via.array.size; i++) {
		if (!ppi_wire_as_str(&o->via.array.ptr[i], &(*out)[i])) {
			return false;
		}
	}
	return true;
}

static int
decode_sysproc(msgpack_zone *zone, const msgpack_object *root,
    ppi_request *req, char *msg, size_t msglen)
{
	const msgpack_object *off = ppi_wire_get(root, "offset");

	if (!ppi_wire_as_str(ppi_wire_get(root, "name"), &req->name) ||
	    !as_strs(zone, ppi_wire_get(root, "from"), &req->names,
	        &req->nnames) ||
	    !as_strs(zone, ppi_wire_get(root, "to"), &req->tos, &req->ntos) ||
	    !ppi_wire_as_str(ppi_wire_get(root, "plugin"), &req->plugin) ||
	    !ppi_wire_as_str(ppi_wire_get(root, "config"), &req->config) ||
	    (off != NULL && !ppi_wire_as_str(off, &req->offset)) ||
	    !ppi_wire_as_u64(ppi_wire_get(root, "count"), &req->count) ||
	    !ppi_wire_as_int(
	        ppi_wire_get(root, "max_reclaims"), &req->max_reclaims) ||
	    !ppi_wire_as_int(
	        ppi_wire_get(root, "reclaim_timeout"), &req->reclaim_timeout) ||
	    !ppi_wire_as_u64(ppi_wire_get(root, "on_max"), &req->on_max)) {
		FAIL(PP_EPROTO,
		    "sysproc: needs name, from and to (at most %d strings "
		    "each), plugin, config, count, max_reclaims, "
		    "reclaim_timeout and on_max of the right types",
		    LIST_MAX);
	}
	if (req->plugin.len == 0 || req->plugin.len > PATH_MAX_WIRE ||
	    req->config.len > CONFIG_MAX) {
		FAIL(PP_EINVAL,
		    "sysproc: plugin must be a path, config at most %d bytes",
		    CONFIG_MAX);
	}
	return 0;
}

/* sysclaim's optional "settle": an ack or ack_commit call. */
static int
decode_settle(msgpack_zone *zone, const msgpack_object *o, ppi_request *req,
    char *msg, size_t msglen)
{
	int rv;

	if (o == NULL) {
		return 0;
	}
	if (o->type != MSGPACK_OBJECT_MAP ||
	    (req->settle = msgpack_zone_malloc(zone, sizeof(*req->settle))) ==
	        NULL) {
		FAIL(PP_EPROTO, "sysclaim: 'settle' must be a proc call");
	}
	memset(req->settle, 0, sizeof(*req->settle));
	if ((rv = ppi_wire_decode_proc_call(zone, o, req->settle, 0, msg,
	         msglen)) != 0) {
		return rv;
	}
	if (req->settle->kind == PPI_CALL_RECLAIM ||
	    req->settle->kind == PPI_CALL_COMMIT) {
		FAIL(PP_EPROTO, "sysclaim: 'settle' is an ack or ack_commit");
	}
	return 0;
}

int
ppi_wire_decode_system(msgpack_zone *zone, const msgpack_object *root,
    ppi_request *req, char *msg, size_t msglen)
{
	switch (req->op) {
	case PPI_OP_SYSPROC:
		return decode_sysproc(zone, root, req, msg, msglen);
	case PPI_OP_SYSDESTROY:
		if (!ppi_wire_as_str(ppi_wire_get(root, "name"), &req->name)) {
			FAIL(PP_EPROTO, "sysdestroy: 'name' must be a string");
		}
		return 0;
	default:
		if (!ppi_wire_as_u64(ppi_wire_get(root, "worker"), &req->worker) ||
		    !ppi_wire_as_u64(ppi_wire_get(root, "known"), &req->known) ||
		    !ppi_wire_as_int(ppi_wire_get(root, "wait"), &req->wait_ms)) {
			FAIL(PP_EPROTO,
			    "sysclaim: needs worker, known and wait");
		}
		return decode_settle(zone, ppi_wire_get(root, "settle"), req,
		    msg, msglen);
	}
}

void
ppi_wire_reply_systable(ppi_buf *b, uint64_t version,
    const ppi_wire_sysitem *items, size_t n)
{
	msgpack_packer pk;
	size_t         i;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, 3);
	ppi_wire_pack_status(&pk, 0);
	ppi_wire_pack_cstr(&pk, "table");
	msgpack_pack_uint64(&pk, version);
	ppi_wire_pack_cstr(&pk, "items");
	msgpack_pack_array(&pk, n);
	for (i = 0; i < n; i++) {
		msgpack_pack_array(&pk, ITEM_FIELDS);
		ppi_wire_pack_cstr(&pk, items[i].name);
		ppi_wire_pack_cstr(&pk, items[i].plugin);
		ppi_wire_pack_cstr(&pk, items[i].config);
		msgpack_pack_uint32(&pk, items[i].count);
		pack_strs(&pk, items[i].to, items[i].nto);
		pack_strs(&pk, items[i].from, items[i].nfrom);
		pack_strs(&pk, items[i].procs, items[i].nfrom);
	}
}

/* ---- decoding (library side) ---------------------------------------- */

/* A NUL-terminated copy of a string object; NULL if not a string. */
static char *
dup_str(const msgpack_object *o)
{
	ppi_str s;

	return ppi_wire_as_str(o, &s) ? strndup(s.ptr, s.len) : NULL;
}

static char **
dup_strs(const msgpack_object *o, size_t *n)
{
	char   **v;
	uint32_t i;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > LIST_MAX) {
		return NULL;
	}
	if ((v = calloc(o->via.array.size + 1, sizeof(*v))) == NULL) {
		return NULL;
	}
	for (i = 0; i < o->via.array.size; i++) {
		if ((v[i] = dup_str(&o->via.array.ptr[i])) == NULL) {
			while (i > 0) {
				free(v[--i]);
			}
			free(v);
			return NULL;
		}
	}
	*n = o->via.array.size;
	return v;
}

static bool
decode_item(const msgpack_object *o, ppi_sysproc *sp)
{
	const msgpack_object *f = o->via.array.ptr;
	uint64_t              count;
	size_t                nfrom = 0, nprocs = 0;

	if (o->type != MSGPACK_OBJECT_ARRAY ||
	    o->via.array.size != ITEM_FIELDS ||
	    !ppi_wire_as_u64(&f[3], &count) || count > UINT32_MAX) {
		return false;
	}
	sp->count  = (uint32_t) count;
	sp->name   = dup_str(&f[0]);
	sp->plugin = dup_str(&f[1]);
	sp->config = dup_str(&f[2]);
	sp->to     = dup_strs(&f[4], &sp->nto);
	sp->from   = dup_strs(&f[5], &nfrom);
	sp->procs  = dup_strs(&f[6], &nprocs);
	sp->nfrom  = nfrom;
	return sp->name != NULL && sp->plugin != NULL && sp->config != NULL &&
	    sp->to != NULL && sp->from != NULL && sp->procs != NULL &&
	    nfrom == nprocs;
}

static int
decode_table(const msgpack_object *root, ppi_systable **out)
{
	const msgpack_object *items = ppi_wire_get(root, "items");
	ppi_systable         *t;
	uint32_t              i;

	if (items == NULL || items->type != MSGPACK_OBJECT_ARRAY) {
		return PP_EPROTO;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->items = calloc(items->via.array.size + 1, sizeof(*t->items))) ==
	        NULL) {
		free(t);
		return PP_ENOMEM;
	}
	if (!ppi_wire_as_u64(ppi_wire_get(root, "table"), &t->version)) {
		ppi_systable_free(t);
		return PP_EPROTO;
	}
	for (i = 0; i < items->via.array.size; i++) {
		t->count++; /* so that free sees a half-decoded item too */
		if (!decode_item(&items->via.array.ptr[i], &t->items[i])) {
			ppi_systable_free(t);
			return PP_EPROTO;
		}
	}
	*out = t;
	return 0;
}

int
ppi_wire_decode_systable(const void *frame, size_t len, ppi_systable **table,
    bool *is_settle_error, char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root;
	int                   rv;

	*table = NULL;
	*is_settle_error = false;
	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		/* Open again only to tell a refused settle (rare). */
		if (ppi_wire_unpack(frame, len, &u) == 0) {
			*is_settle_error = u.data.type == MSGPACK_OBJECT_MAP &&
			    ppi_wire_get(&u.data, "settle") != NULL;
			msgpack_unpacked_destroy(&u);
		}
		return rv;
	}
	if (ppi_wire_get(root, "table") != NULL &&
	    (rv = decode_table(root, table)) != 0) {
		snprintf(msg, msglen, "malformed systemProc table from the node");
	}
	msgpack_unpacked_destroy(&u);
	return rv;
}

/* Frees a NULL-terminated array of strings (dup_strs makes them so). */
static void
free_strs(char **v)
{
	size_t i;

	if (v != NULL) {
		for (i = 0; v[i] != NULL; i++) {
			free(v[i]);
		}
		free(v);
	}
}

void
ppi_systable_free(ppi_systable *t)
{
	ppi_sysproc *sp;
	size_t       i;

	if (t == NULL) {
		return;
	}
	for (i = 0; i < t->count; i++) {
		sp = &t->items[i];
		free(sp->name);
		free(sp->plugin);
		free(sp->config);
		free_strs(sp->to);
		free_strs(sp->from);
		free_strs(sp->procs);
	}
	free(t->items);
	free(t);
}
