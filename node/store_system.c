/*
 * store_system.c - systemProcs in the store (SPEC §3, PEER §12 with the
 * fixes of §22-23: every option persisted, the whole `to` list kept,
 * identical re-creation idempotent and a different one an error): the
 * record, creation and destruction, and which systemProc a proc belongs
 * to. The writer's table of them is store_system_table.c.
 *
 *   state key: 0x04 name
 *   value (integers big-endian):
 *   +---------+--------+-------+--------+-------+-----+------------+
 *   | count:4 | maxr:4 | rto:8 | on_max | nfrom | nto | created:8  |
 *   +---------+--------+-------+--------+-------+-----+------------+
 *   then strings, each len:u16 + bytes: offset, plugin, config,
 *   from[nfrom], to[nto]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_group.h"
#include "store_procs.h"
#include "store_system.h"

#define HEADER 28
#define NAME_SEP "__"

/* ---- the record ------------------------------------------------------ */

static size_t
sys_key(unsigned char *key, const char *name, size_t len)
{
	key[0] = STATE_SYSTEM;
	memcpy(key + 1, name, len);
	return len + 1;
}

static unsigned char *
put_str(unsigned char *b, const char *s, size_t len)
{
	b[0] = (unsigned char) (len >> 8);
	b[1] = (unsigned char) len;
	memcpy(b + 2, s, len);
	return b + 2 + len;
}

/* Reads one string into a fresh allocation; NULL when malformed. */
static char *
get_str(const unsigned char **b, const unsigned char *end)
{
	size_t len;
	char  *s;

	if (end - *b < 2) {
		return NULL;
	}
	len = (size_t) ((*b)[0] << 8 | (*b)[1]);
	if ((size_t) (end - *b - 2) < len || (s = malloc(len + 1)) == NULL) {
		return NULL;
	}
	memcpy(s, *b + 2, len);
	s[len] = '\0';
	*b += 2 + len;
	return s;
}

void
sys_def_free(sys_def *d)
{
	size_t i;

	if (d == NULL) {
		return;
	}
	for (i = 0; i < d->nfrom; i++) {
		free(d->from[i]);
		free(d->procs[i]);
	}
	for (i = 0; i < d->nto; i++) {
		free(d->to[i]);
	}
	free(d->name);
	free(d->offset);
	free(d->plugin);
	free(d->config);
	memset(d, 0, sizeof(*d));
}

/* The name of the proc reading `topic` for systemProc `name`. */
static bool
proc_name(char *out, const char *name, size_t nfrom, const char *topic)
{
	int n = nfrom == 1
	    ? snprintf(out, PP_TOPIC_MAX + 1, "%s", name)
	    : snprintf(out, PP_TOPIC_MAX + 1, "%s" NAME_SEP "%s", name, topic);

	return n > 0 && n <= PP_TOPIC_MAX;
}

bool
sys_def_decode(const MDB_val *k, const MDB_val *v, sys_def *d)
{
	const unsigned char *h = v->mv_data, *end = h + v->mv_size, *b;
	char                 pname[PP_TOPIC_MAX + 1];
	size_t               nfrom, nto, i;

	memset(d, 0, sizeof(*d));
	if (v->mv_size < HEADER || k->mv_size < 2 ||
	    k->mv_size > PP_TOPIC_MAX + 1) {
		return false;
	}
	nfrom = h[17];
	nto   = h[18];
	if (nfrom < 1 || nfrom > SYS_LIST_MAX || nto > SYS_LIST_MAX) {
		return false;
	}
	d->count              = ppi_get_be32(h);
	d->max_reclaims       = (int32_t) ppi_get_be32(h + 4);
	d->reclaim_timeout_ms = (int64_t) ppi_get_be64(h + 8);
	d->on_max             = h[16];
	d->created_ms         = ppi_get_be64(h + 20);
	d->name = strndup((const char *) k->mv_data + 1, k->mv_size - 1);
	b       = h + HEADER;
	if (d->name == NULL || (d->offset = get_str(&b, end)) == NULL ||
	    (d->plugin = get_str(&b, end)) == NULL ||
	    (d->config = get_str(&b, end)) == NULL) {
		sys_def_free(d);
		return false;
	}
	/* Counted as they are filled, so sys_def_free() frees just those. */
	for (i = 0; i < nfrom; i++, d->nfrom++) {
		if ((d->from[i] = get_str(&b, end)) == NULL ||
		    !proc_name(pname, d->name, nfrom, d->from[i]) ||
		    (d->procs[i] = strdup(pname)) == NULL) {
			d->nfrom++;
			sys_def_free(d);
			return false;
		}
	}
	for (i = 0; i < nto; i++, d->nto++) {
		if ((d->to[i] = get_str(&b, end)) == NULL) {
			sys_def_free(d);
			return false;
		}
	}
	return true;
}

/* Writes the record of a systemProc request. An MDB code. */
static int
sys_put(group *g, const ppi_request *req, const char *offset)
{
	unsigned char  key[1 + PP_TOPIC_MAX];
	unsigned char *b;
	MDB_val        k, v;
	size_t         size = HEADER, i;
	int            rc;

	size += 2 + strlen(offset) + 2 + req->plugin.len + 2 + req->config.len;
	for (i = 0; i < req->nnames; i++) {
		size += 2 + req->names[i].len;
	}
	for (i = 0; i < req->ntos; i++) {
		size += 2 + req->tos[i].len;
	}
	k.mv_data = key;
	k.mv_size = sys_key(key, req->name.ptr, req->name.len);
	v.mv_size = size;
	if ((rc = mdb_put(g->txn, g->s->state, &k, &v, MDB_RESERVE)) != 0) {
		return rc;
	}
	b = v.mv_data;
	memset(b, 0, HEADER);
	ppi_put_be32(b, (uint32_t) req->count);
	ppi_put_be32(b + 4, (uint32_t) req->max_reclaims);
	ppi_put_be64(b + 8, (uint64_t) req->reclaim_timeout);
	b[16] = (unsigned char) req->on_max;
	b[17] = (unsigned char) req->nnames;
	b[18] = (unsigned char) req->ntos;
	ppi_put_be64(b + 20, g->now_ms);
	b = put_str(b + HEADER, offset, strlen(offset));
	b = put_str(b, req->plugin.ptr, req->plugin.len);
	b = put_str(b, req->config.ptr, req->config.len);
	for (i = 0; i < req->nnames; i++) {
		b = put_str(b, req->names[i].ptr, req->names[i].len);
	}
	for (i = 0; i < req->ntos; i++) {
		b = put_str(b, req->tos[i].ptr, req->tos[i].len);
	}
	return 0;
}

int
sys_get(MDB_txn *txn, store *s, const char *name, size_t len, sys_def *d)
{
	unsigned char key[1 + PP_TOPIC_MAX];
	MDB_val       k, v;
	int           rc;

	if (len == 0 || len > PP_TOPIC_MAX) {
		return MDB_NOTFOUND;
	}
	k.mv_data = key;
	k.mv_size = sys_key(key, name, len);
	if ((rc = mdb_get(txn, s->state, &k, &v)) != 0) {
		return rc;
	}
	return sys_def_decode(&k, &v, d) ? 0 : MDB_CORRUPTED;
}

/* ---- create and destroy ------------------------------------------------ */

static bool
str_eq(const ppi_str *a, const char *b)
{
	return a->len == strlen(b) && memcmp(a->ptr, b, a->len) == 0;
}

/* The request describes exactly the stored systemProc d. */
static bool
same_system(const ppi_request *req, const char *offset, const sys_def *d)
{
	size_t i;

	if (req->nnames != d->nfrom || req->ntos != d->nto ||
	    !str_eq(&req->plugin, d->plugin) ||
	    !str_eq(&req->config, d->config) ||
	    strcmp(offset, d->offset) != 0 ||
	    req->count != d->count || req->max_reclaims != d->max_reclaims ||
	    req->reclaim_timeout != d->reclaim_timeout_ms ||
	    req->on_max != d->on_max) {
		return false;
	}
	for (i = 0; i < d->nfrom; i++) {
		if (!str_eq(&req->names[i], d->from[i])) {
			return false;
		}
	}
	for (i = 0; i < d->nto; i++) {
		if (!str_eq(&req->tos[i], d->to[i])) {
			return false;
		}
	}
	return true;
}

/* Replies with the state of the procs named in `names`. */
static int
reply_procs(group *g, char (*names)[PP_TOPIC_MAX + 1], size_t n,
    ppi_buf *reply)
{
	MDB_cursor  *logs;
	pp_proc_info info;
	proc_rec     p;
	size_t       i;
	int          rc;

	if ((rc = mdb_cursor_open(g->txn, g->s->logs, &logs)) != 0) {
		return rc;
	}
	ppi_buf_reset(reply);
	ppi_wire_reply_procs_begin(reply, n);
	for (i = 0; i < n && rc == 0; i++) {
		if ((rc = proc_get(g->txn, g->s, names[i], strlen(names[i]),
		         &p)) == 0 &&
		    (rc = proc_report(g->txn, g->s, logs, &p, &info)) == 0) {
			proc_report_system(g->txn, g->s, &p, &info);
			ppi_wire_reply_procs_item(reply, &info);
		}
	}
	ppi_wire_reply_list_end(reply, false);
	mdb_cursor_close(logs);
	return rc;
}

/* Checks names, topics and that no topic is read twice. PP_E* or 0. */
static int
check_system(group *g, const ppi_request *req,
    char (*procs)[PP_TOPIC_MAX + 1])
{
	size_t i, j;

	if (!ppi_topic_valid(req->name.ptr, req->name.len)) {
		snprintf(g->msg, sizeof(g->msg),
		    "systemProc name must match [A-Za-z0-9_.-]{1,200}");
		return PP_EINVALID_NAME;
	}
	if (req->nnames < 1) {
		snprintf(g->msg, sizeof(g->msg),
		    "a systemProc reads 1 to %d topics", SYS_LIST_MAX);
		return PP_EINVALID_OPTION;
	}
	for (i = 0; i < req->nnames + req->ntos; i++) {
		const ppi_str *t = i < req->nnames
		    ? &req->names[i]
		    : &req->tos[i - req->nnames];

		if (!ppi_topic_valid(t->ptr, t->len)) {
			snprintf(g->msg, sizeof(g->msg),
			    "invalid topic name '%.*s'",
			    (int) (t->len > 64 ? 64 : t->len), t->ptr);
			return PP_EINVALID_TOPIC;
		}
	}
	for (i = 0; i < req->nnames; i++) {
		for (j = 0; j < i; j++) {
			if (req->names[i].len == req->names[j].len &&
			    memcmp(req->names[i].ptr, req->names[j].ptr,
			        req->names[i].len) == 0) {
				snprintf(g->msg, sizeof(g->msg),
				    "topic '%.*s' is named twice in from",
				    (int) req->names[i].len, req->names[i].ptr);
				return PP_EINVALID_OPTION;
			}
		}
		char name[PP_TOPIC_MAX + 1], topic[PP_TOPIC_MAX + 1];

		memcpy(name, req->name.ptr, req->name.len);
		name[req->name.len] = '\0';
		memcpy(topic, req->names[i].ptr, req->names[i].len);
		topic[req->names[i].len] = '\0';
		if (!proc_name(procs[i], name, req->nnames, topic)) {
			snprintf(g->msg, sizeof(g->msg),
			    "proc name '%s" NAME_SEP "%s' would exceed %d "
			    "characters", name, topic, PP_TOPIC_MAX);
			return PP_EINVALID_NAME;
		}
	}
	return 0;
}

int
system_create(group *g, const ppi_request *req, ppi_buf *reply)
{
	char        procs[SYS_LIST_MAX][PP_TOPIC_MAX + 1];
	proc_rec    want[SYS_LIST_MAX], p;
	ppi_request one;
	sys_def     d;
	size_t      i;
	int         rv, rc;

	if ((rv = check_system(g, req, procs)) != 0) {
		ppi_wire_reply_error(reply, rv, g->msg);
		return 0;
	}
	for (i = 0; i < req->nnames; i++) {
		one         = *req;
		one.op      = PPI_OP_PROC;
		one.topic   = req->names[i];
		one.name.ptr = procs[i];
		one.name.len = strlen(procs[i]);
		one.wait_ms = 0;
		if ((rv = procs_check_options(g, &one, &want[i])) != 0) {
			ppi_wire_reply_error(reply, rv, g->msg);
			return 0;
		}
	}
	rc = sys_get(g->txn, g->s, req->name.ptr, req->name.len, &d);
	if (rc == 0) {
		bool same = same_system(req, want[0].offset, &d);

		sys_def_free(&d);
		if (!same) {
			return procs_reply_fail(g, reply, PP_EPROC_EXISTS,
			    "systemProc '%s' exists with other options",
			    group_keep(g, req->name.ptr, req->name.len));
		}
		return reply_procs(g, procs, req->nnames, reply);
	}
	if (rc != MDB_NOTFOUND) {
		return rc;
	}
	for (i = 0; i < req->nnames; i++) {
		rc = proc_get(g->txn, g->s, procs[i], strlen(procs[i]), &p);
		if (rc == 0) {
			return procs_reply_fail(g, reply, PP_EPROC_EXISTS,
			    "proc '%s' exists already", procs[i]);
		}
		if (rc != MDB_NOTFOUND) {
			return rc;
		}
	}
	for (i = 0; i < req->nnames; i++) {
		want[i].is_isolating = true;
		if ((rc = procs_create(g, &want[i])) != 0 ||
		    (rc = proc_put(g->txn, g->s, &want[i])) != 0) {
			return rc;
		}
	}
	if ((rc = sys_put(g, req, want[0].offset)) != 0) {
		return rc;
	}
	sys_table_changed(g->s);
	g->needs_sync            = true;
	g->has_changes           = true; /* waiting workers get the table */
	return reply_procs(g, procs, req->nnames, reply);
}

int
system_destroy(group *g, const ppi_request *req, ppi_buf *reply)
{
	unsigned char key[1 + PP_TOPIC_MAX];
	MDB_val       k;
	sys_def       d;
	size_t        i;
	int           rc;

	if (!ppi_topic_valid(req->name.ptr, req->name.len)) {
		ppi_wire_reply_error(reply, PP_EINVALID_NAME,
		    "invalid systemProc name");
		return 0;
	}
	rc = sys_get(g->txn, g->s, req->name.ptr, req->name.len, &d);
	if (rc == MDB_NOTFOUND) {
		return procs_reply_fail(g, reply, PP_ENOSYSPROC,
		    "no systemProc '%s'",
		    group_keep(g, req->name.ptr, req->name.len));
	}
	if (rc != 0) {
		return rc;
	}
	for (i = 0; i < d.nfrom && rc == 0; i++) {
		k.mv_data = key;
		k.mv_size = proc_key(key, d.procs[i], strlen(d.procs[i]));
		rc = mdb_del(g->txn, g->s->state, &k, NULL);
		rc = rc == MDB_NOTFOUND ? 0 : rc;
	}
	sys_def_free(&d);
	if (rc != 0) {
		return rc;
	}
	k.mv_data = key;
	k.mv_size = sys_key(key, req->name.ptr, req->name.len);
	if ((rc = mdb_del(g->txn, g->s->state, &k, NULL)) != 0) {
		return rc;
	}
	sys_table_changed(g->s);
	g->needs_sync            = true;
	g->has_changes           = true;
	ppi_wire_reply_ok(reply);
	return 0;
}

/* ---- readers: which systemProc a proc belongs to ------------------------ */

bool
sys_lookup_proc(MDB_txn *txn, store *s, const char *proc, char *name,
    char *plugin, size_t plugin_cap)
{
	const char *at = proc;
	sys_def     d;
	size_t      len = strlen(proc), i;
	bool        found = false;

	/* The proc is "name" or "name__topic", and both parts may hold
	 * "__" themselves: try the whole name, then every split. */
	for (;;) {
		if (sys_get(txn, s, proc, len, &d) == 0) {
			for (i = 0; i < d.nfrom && !found; i++) {
				found = strcmp(d.procs[i], proc) == 0;
			}
			if (found) {
				snprintf(name, PP_TOPIC_MAX + 1, "%s", d.name);
				snprintf(plugin, plugin_cap, "%s", d.plugin);
			}
			sys_def_free(&d);
			if (found) {
				return true;
			}
		}
		if ((at = strstr(at, NAME_SEP)) == NULL) {
			return false;
		}
		len = (size_t) (at - proc);
		at += 1;
	}
}
