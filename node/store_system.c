/*
 * store_system.c - systemProcs in the store, and the writer's table of
 * them that workers claim from (SPEC §3, PEER §12 with the fixes of
 * §22-23: every option persisted, the whole `to` list kept, identical
 * re-creation idempotent and a different one an error).
 *
 *   state key: 0x04 name
 *   value (integers big-endian):
 *   +---------+--------+-------+--------+-------+-----+------------+
 *   | count:4 | maxr:4 | rto:8 | on_max | nfrom | nto | created:8  |
 *   +---------+--------+-------+--------+-------+-----+------------+
 *   then strings, each len:u16 + bytes: offset, plugin, config,
 *   from[nfrom], to[nto]
 *
 * The writer keeps every systemProc in memory (the table), reloaded
 * after a group created or destroyed one; its version tells workers
 * when their copy is stale (lib/system.h). It also remembers which
 * worker holds each claim of a systemProc's proc, so that the claims of
 * a worker that died are reclaimed at once, not at their timeout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_group.h"
#include "store_procs.h"
#include "store_system.h"

#define HEADER 28
#define LIST_MAX 16
#define NAME_SEP "__"

/* The writer's in-memory copy of every systemProc. */
struct sys_table {
	uint64_t          version;
	ppi_wire_sysitem *items; /* as sent to workers */
	sys_def          *defs;  /* the same, with their proc options */
	size_t            count;
	size_t            next; /* round robin: flat index to try first */
	sys_owner        *owners;
	size_t            nowners;
	size_t            owners_cap;
	uint32_t          running[64]; /* ids of the workers running */
	size_t            nrunning;
	bool              is_dirty;    /* reload after this group */
	bool              is_stopping; /* workers are being stopped */
};

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
	if (nfrom < 1 || nfrom > LIST_MAX || nto > LIST_MAX) {
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
	    !str_eq(&req->config, d->config) || strcmp(offset, d->offset) != 0 ||
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
			ppi_wire_reply_procs_item(reply, &info);
		}
	}
	ppi_wire_reply_procs_end(reply, false);
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
		    "a systemProc reads 1 to %d topics", LIST_MAX);
		return PP_EINVALID_OPTION;
	}
	for (i = 0; i < req->nnames + req->ntos; i++) {
		const ppi_str *t = i < req->nnames ? &req->names[i]
		                                    : &req->tos[i - req->nnames];

		if (!ppi_topic_valid(t->ptr, t->len)) {
			snprintf(g->msg, sizeof(g->msg),
			    "invalid topic name '%.*s'", (int) (t->len > 64 ? 64 : t->len),
			    t->ptr);
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
			    "proc name '%s" NAME_SEP "%s' would exceed %d characters",
			    name, topic, PP_TOPIC_MAX);
			return PP_EINVALID_NAME;
		}
	}
	return 0;
}

int
system_create(group *g, const ppi_request *req, ppi_buf *reply)
{
	char        procs[LIST_MAX][PP_TOPIC_MAX + 1];
	proc_rec    want[LIST_MAX], p;
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
	g->s->systable->is_dirty = true;
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
	g->s->systable->is_dirty = true;
	g->needs_sync            = true;
	g->has_changes           = true;
	ppi_wire_reply_ok(reply);
	return 0;
}

/* ---- claims for workers ------------------------------------------------ */

/* Remembers that worker `slot` holds p's claim. */
static void
own(sys_table *t, const proc_rec *p, uint32_t slot)
{
	sys_owner *o;
	size_t     i;

	for (i = 0; i < t->nowners; i++) {
		if (strcmp(t->owners[i].proc, p->name) == 0) {
			break;
		}
	}
	if (i == t->nowners) {
		if (t->nowners == t->owners_cap) {
			size_t     cap = t->owners_cap ? t->owners_cap * 2 : 16;
			sys_owner *n   = realloc(t->owners, cap * sizeof(*n));

			if (n == NULL) {
				return; /* the claim times out instead */
			}
			t->owners     = n;
			t->owners_cap = cap;
		}
		t->nowners++;
	}
	o = &t->owners[i];
	memcpy(o->proc, p->name, strlen(p->name) + 1);
	o->slot  = slot;
	o->token = p->token;
}

int
system_claim(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_empty)
{
	sys_table *t = g->s->systable;
	proc_rec   p;
	size_t     total = 0, i, at, si, pi;
	int        rc;

	*is_empty = false;
	if (req->settle != NULL) {
		/* The worker's previous claim, settled in the same round
		 * trip as the next claim (as pp_ack_proc). Safe to repeat:
		 * its token makes a resend a refusal, not a second apply. */
		int status;

		if ((rc = procs_settle(g, req->settle, &status)) != 0) {
			return rc;
		}
		/* A parked request is tried again later: settle only once
		 * (the writer owns the request). */
		((ppi_request *) req)->settle = NULL;
		if (status != 0) {
			ppi_wire_reply_settle_error(reply, status, g->msg);
			return 0;
		}
	}
	if (t->is_stopping) {
		ppi_wire_reply_error(reply, PP_ESHUTDOWN,
		    "the node is stopping its workers");
		return 0;
	}
	for (i = 0; i < t->nrunning && t->running[i] != req->worker; i++) {
	}
	if (i == t->nrunning) {
		/* A dead worker's request, still queued or parked: nobody
		 * would receive what it claimed. */
		ppi_wire_reply_error(reply, PP_ESHUTDOWN,
		    "not a running worker of this node");
		return 0;
	}
	if (req->known != t->version) {
		ppi_buf_reset(reply);
		ppi_wire_reply_systable(reply, t->version, t->items, t->count);
		return 0;
	}
	for (si = 0; si < t->count; si++) {
		total += t->items[si].nfrom;
	}
	/* Round robin over every proc of every systemProc. */
	for (i = 0; i < total; i++) {
		at = (t->next + i) % total;
		for (si = 0, pi = at; pi >= t->items[si].nfrom; si++) {
			pi -= t->items[si].nfrom;
		}
		rc = proc_get(g->txn, g->s, t->items[si].procs[pi],
		    strlen(t->items[si].procs[pi]), &p);
		if (rc == MDB_NOTFOUND) {
			continue; /* destroyed by hand */
		}
		if (rc != 0) {
			return rc;
		}
		if (p.is_disabled) {
			continue;
		}
		if ((rc = procs_claim_from(g, &p, (uint64_t) si << 8 | pi,
		         reply, is_empty)) != 0) {
			return rc;
		}
		if (!*is_empty) {
			t->next = at + 1;
			own(t, &p, (uint32_t) req->worker);
			return 0;
		}
	}
	*is_empty = true;
	ppi_buf_reset(reply);
	store_proc_empty_claim(reply);
	return 0;
}

/* ---- the table (writer side) ------------------------------------------ */

static void
table_clear(sys_table *t)
{
	size_t i;

	for (i = 0; i < t->count; i++) {
		sys_def_free(&t->defs[i]);
	}
	free(t->defs);
	free(t->items);
	t->defs  = NULL;
	t->items = NULL;
	t->count = 0;
}

int
store_system_reload(store *s)
{
	sys_table    *t = s->systable;
	unsigned char first = STATE_SYSTEM;
	MDB_txn      *txn;
	MDB_cursor   *cur;
	MDB_val       k = { 1, &first }, v;
	sys_def      *defs = NULL, *n;
	size_t        count = 0, i;
	int           rc;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		return rc;
	}
	if ((rc = mdb_cursor_open(txn, s->state, &cur)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && ((const unsigned char *) k.mv_data)[0] == STATE_SYSTEM) {
		if ((n = realloc(defs, (count + 1) * sizeof(*defs))) == NULL) {
			rc = ENOMEM;
			break;
		}
		defs = n;
		if (sys_def_decode(&k, &v, &defs[count])) {
			count++;
		} else {
			fprintf(stderr, "pipeproc-node: skipping a malformed "
			    "systemProc record\n");
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		for (i = 0; i < count; i++) {
			sys_def_free(&defs[i]);
		}
		free(defs);
		return rc;
	}
	table_clear(t);
	t->items = calloc(count + 1, sizeof(*t->items));
	if (t->items == NULL) {
		for (i = 0; i < count; i++) {
			sys_def_free(&defs[i]);
		}
		free(defs);
		return ENOMEM;
	}
	t->defs  = defs;
	t->count = count;
	for (i = 0; i < count; i++) {
		t->items[i].name   = defs[i].name;
		t->items[i].plugin = defs[i].plugin;
		t->items[i].config = defs[i].config;
		t->items[i].to     = (const char *const *) defs[i].to;
		t->items[i].nto    = defs[i].nto;
		t->items[i].from   = (const char *const *) defs[i].from;
		t->items[i].procs  = (const char *const *) defs[i].procs;
		t->items[i].nfrom  = defs[i].nfrom;
		t->items[i].count  = defs[i].count;
	}
	t->version++;
	t->is_dirty = false;
	t->next     = 0;
	return 0;
}

int
store_system_open(store *s)
{
	if ((s->systable = calloc(1, sizeof(*s->systable))) == NULL) {
		return ENOMEM;
	}
	return store_system_reload(s);
}

void
store_system_close(store *s)
{
	if (s->systable != NULL) {
		table_clear(s->systable);
		free(s->systable->owners);
		free(s->systable);
		s->systable = NULL;
	}
}

void
store_system_worker(store *s, uint32_t slot, bool is_running)
{
	sys_table *t = s->systable;
	size_t     i;

	for (i = 0; i < t->nrunning && t->running[i] != slot; i++) {
	}
	if (is_running && i == t->nrunning &&
	    t->nrunning < sizeof(t->running) / sizeof(t->running[0])) {
		t->running[t->nrunning++] = slot;
	} else if (!is_running && i < t->nrunning) {
		t->running[i] = t->running[--t->nrunning];
	}
}

bool
store_system_is_dirty(const store *s)
{
	return s->systable->is_dirty;
}

void
store_system_stopping(store *s)
{
	s->systable->is_stopping = true;
}

struct release_arg {
	sys_table  *t;
	bool        is_all;  /* every claim of every systemProc proc */
	uint32_t    slot;
	const char *why;
};

static int
apply_release(group *g, void *arg)
{
	struct release_arg *a = arg;
	sys_table          *t = a->t;
	proc_rec            p;
	size_t              i, j;
	int                 rc = 0;

	if (!a->is_all) {
		for (i = 0; i < t->nowners && rc == 0; i++) {
			if (t->owners[i].slot == a->slot) {
				rc = procs_release(g, t->owners[i].proc,
				    t->owners[i].token, a->why);
			}
		}
		return rc;
	}
	for (i = 0; i < t->count && rc == 0; i++) {
		for (j = 0; j < t->defs[i].nfrom && rc == 0; j++) {
			rc = proc_get(g->txn, g->s, t->defs[i].procs[j],
			    strlen(t->defs[i].procs[j]), &p);
			if (rc == MDB_NOTFOUND) {
				rc = 0;
			} else if (rc == 0 && p.token != 0) {
				rc = procs_release(g, p.name, p.token, a->why);
			}
		}
	}
	return rc;
}

/* Forgets the owners the release handled. */
static void
drop_owners(sys_table *t, bool is_all, uint32_t slot)
{
	size_t i, kept = 0;

	for (i = 0; i < t->nowners; i++) {
		if (!is_all && t->owners[i].slot != slot) {
			t->owners[kept++] = t->owners[i];
		}
	}
	t->nowners = kept;
}

void
store_system_release(store *s, bool is_all, uint32_t slot, const char *why,
    store_outcome *out)
{
	struct release_arg a = { s->systable, is_all, slot, why };
	char               msg[256];
	int                rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_run_group(s, apply_release, &a, out)) != 0) {
		store_error(rc, "releasing a worker's claims", msg, sizeof(msg));
		fprintf(stderr, "pipeproc-node: %s; they are reclaimed at "
		    "their timeout\n", msg);
	}
	drop_owners(s->systable, is_all, slot);
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
