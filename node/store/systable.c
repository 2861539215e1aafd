/*
 * systable.c - the writer's table of systemProcs and the claims workers
 * make from it (op sysclaim). The writer opens it at its start.
 *
 * The writer keeps every systemProc in memory (the table), reloaded
 * after a group created or destroyed one; its version tells workers
 * when their copy is stale (lib/system.h). It also knows which workers
 * run, and which worker holds each claim of a systemProc's proc, so the
 * claims of a worker that died are reclaimed at once, not at their
 * timeout, and a dead worker's requests can never take new ones.
 * Only the writer thread touches any of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "group.h"
#include "ops.h"
#include "proc_rec.h"
#include "settle.h"
#include "sys_rec.h"
#include "systable.h"

/* Which worker holds a systemProc proc's claim. */
typedef struct sys_owner {
	char     proc[PP_TOPIC_MAX + 1];
	uint32_t slot;
	uint64_t token;
} sys_owner;

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
systable_claim(group *g, const ppi_request *req, ppi_buf *reply,
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

		if ((rc = settle_call_status(g, req->settle, &status)) != 0) {
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
		rc = proc_rec_get(g->txn, g->s, t->items[si].procs[pi],
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
		if ((rc = claim_from(g, &p, (uint64_t) si << 8 | pi,
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
	claim_empty_reply(reply);
	return 0;
}

/* ---- the table (writer side) ------------------------------------------ */

static void
table_clear(sys_table *t)
{
	size_t i;

	for (i = 0; i < t->count; i++) {
		sys_rec_free(&t->defs[i]);
	}
	free(t->defs);
	free(t->items);
	t->defs  = NULL;
	t->items = NULL;
	t->count = 0;
}

/* Loads the table again; an MDB/errno code. */
static int
table_load(store *s)
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
	while (rc == 0 &&
	    ((const unsigned char *) k.mv_data)[0] == STATE_SYSTEM) {
		if ((n = realloc(defs, (count + 1) * sizeof(*defs))) == NULL) {
			rc = ENOMEM;
			break;
		}
		defs = n;
		if (sys_rec_decode(&k, &v, &defs[count])) {
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
			sys_rec_free(&defs[i]);
		}
		free(defs);
		return rc;
	}
	table_clear(t);
	t->items = calloc(count + 1, sizeof(*t->items));
	if (t->items == NULL) {
		for (i = 0; i < count; i++) {
			sys_rec_free(&defs[i]);
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
		t->items[i].max_reclaims       = defs[i].max_reclaims;
		t->items[i].reclaim_timeout_ms = defs[i].reclaim_timeout_ms;
	}
	t->version++;
	t->is_dirty = false;
	t->next     = 0;
	return 0;
}

int
store_systable_reload(store *s)
{
	char msg[256];
	int  rc;

	if ((rc = table_load(s)) == 0) {
		return 0;
	}
	return store_error(rc, "loading systemProcs", msg, sizeof(msg));
}

int
store_systable_open(store *s, char *msg, size_t msglen)
{
	int rc;

	if ((s->systable = calloc(1, sizeof(*s->systable))) == NULL) {
		rc = ENOMEM;
	} else if ((rc = table_load(s)) == 0) {
		return 0;
	}
	store_systable_close(s);
	return store_error(rc, "loading systemProcs", msg, msglen);
}

void
store_systable_close(store *s)
{
	if (s->systable != NULL) {
		table_clear(s->systable);
		free(s->systable->owners);
		free(s->systable);
		s->systable = NULL;
	}
}

void
store_systable_worker(store *s, uint32_t slot, bool is_running)
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
store_systable_is_idle(const store *s, const ppi_request *req)
{
	const sys_table *t = s->systable;
	size_t           i;

	for (i = 0; i < t->nrunning && t->running[i] != req->worker; i++) {
	}
	return t->count == 0 && !t->is_stopping && !t->is_dirty &&
	    req->known == t->version && req->settle == NULL &&
	    i < t->nrunning;
}

bool
store_systable_is_dirty(const store *s)
{
	return s->systable->is_dirty;
}

void
store_systable_stopping(store *s)
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
				rc = settle_release(g, t->owners[i].proc,
				    t->owners[i].token, a->why);
			}
		}
		return rc;
	}
	for (i = 0; i < t->count && rc == 0; i++) {
		for (j = 0; j < t->defs[i].nfrom && rc == 0; j++) {
			rc = proc_rec_get(g->txn, g->s, t->defs[i].procs[j],
			    strlen(t->defs[i].procs[j]), &p);
			if (rc == MDB_NOTFOUND) {
				rc = 0;
			} else if (rc == 0 && p.token != 0) {
				rc = settle_release(g, p.name, p.token, a->why);
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
store_systable_release(store *s, bool is_all, uint32_t slot, const char *why,
    store_outcome *out)
{
	struct release_arg a = { s->systable, is_all, slot, why };
	char               msg[256];
	int                rc;

	memset(out, 0, sizeof(*out));
	if ((rc = group_run(s, apply_release, &a, out)) != 0) {
		store_error(
		    rc, "releasing a worker's claims", msg, sizeof(msg));
		fprintf(stderr, "pipeproc-node: %s; they are reclaimed at "
		    "their timeout\n", msg);
	}
	drop_owners(s->systable, is_all, slot);
}

void
systable_changed(store *s)
{
	s->systable->is_dirty = true;
}
