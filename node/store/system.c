/*
 * system.c - the handlers that create and destroy systemProcs (ops
 * sysproc and sysdestroy) inside a group commit (SPEC §3, PEER §12 with
 * the fixes of §22-23: every option persisted, the whole `to` list kept,
 * identical re-creation idempotent and a different one an error). The
 * record is sys_rec.c; the writer's table of systemProcs, which these
 * tell to reload, is systable.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "group.h"
#include "ops.h"
#include "proc_rec.h"
#include "sys_rec.h"
#include "systable.h"

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
		if ((rc = proc_rec_get(g->txn, g->s, names[i], strlen(names[i]),
		         &p)) == 0 &&
		    (rc = proc_rec_report(g->txn, g->s, logs, &p, &info)) ==
		        0) {
			proc_rec_report_system(g->txn, g->s, &p, &info);
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
	/* No `from` makes a source (pp_source()), which needs a `to`. */
	if (req->nnames < 1 && req->ntos < 1) {
		snprintf(g->msg, sizeof(g->msg),
		    "a systemProc reads 1 to %d topics; a source writes to 1 "
		    "to %d", SYS_LIST_MAX, SYS_LIST_MAX);
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
		if (!sys_rec_proc_name(procs[i], name, req->nnames, topic)) {
			snprintf(g->msg, sizeof(g->msg),
			    "proc name '%s" SYS_NAME_SEP "%s' would exceed %d "
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
	const char *offset;
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
		if ((rv = claim_check_options(g, &one, &want[i])) != 0) {
			ppi_wire_reply_error(reply, rv, g->msg);
			return 0;
		}
	}
	/* A source has no proc, so no offset. */
	offset = req->nnames > 0 ? want[0].offset : "";
	rc = sys_rec_get(g->txn, g->s, req->name.ptr, req->name.len, &d);
	if (rc == 0) {
		bool same = same_system(req, offset, &d);

		sys_rec_free(&d);
		if (!same) {
			return group_reply_fail(g, reply, PP_EPROC_EXISTS,
			    "systemProc '%s' exists with other options",
			    group_keep(g, req->name.ptr, req->name.len));
		}
		return reply_procs(g, procs, req->nnames, reply);
	}
	if (rc != MDB_NOTFOUND) {
		return rc;
	}
	for (i = 0; i < req->nnames; i++) {
		rc = proc_rec_get(g->txn, g->s, procs[i], strlen(procs[i]), &p);
		if (rc == 0) {
			return group_reply_fail(g, reply, PP_EPROC_EXISTS,
			    "proc '%s' exists already", procs[i]);
		}
		if (rc != MDB_NOTFOUND) {
			return rc;
		}
	}
	for (i = 0; i < req->nnames; i++) {
		want[i].is_isolating = true;
		if ((rc = claim_create(g, &want[i])) != 0 ||
		    (rc = proc_rec_put(g->txn, g->s, &want[i])) != 0) {
			return rc;
		}
	}
	rc = sys_rec_put(g->txn, g->s, req, offset, g->now_ms);
	if (rc != 0) {
		return rc;
	}
	systable_changed(g->s);
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
	rc = sys_rec_get(g->txn, g->s, req->name.ptr, req->name.len, &d);
	if (rc == MDB_NOTFOUND) {
		return group_reply_fail(g, reply, PP_ENOSYSPROC,
		    "no systemProc '%s'",
		    group_keep(g, req->name.ptr, req->name.len));
	}
	if (rc != 0) {
		return rc;
	}
	for (i = 0; i < d.nfrom && rc == 0; i++) {
		k.mv_data = key;
		k.mv_size = proc_rec_key(key, d.procs[i], strlen(d.procs[i]));
		rc = mdb_del(g->txn, g->s->state, &k, NULL);
		rc = rc == MDB_NOTFOUND ? 0 : rc;
	}
	sys_rec_free(&d);
	if (rc != 0) {
		return rc;
	}
	rc = sys_rec_del(g->txn, g->s, req->name.ptr, req->name.len);
	if (rc != 0) {
		return rc;
	}
	systable_changed(g->s);
	g->needs_sync            = true;
	g->has_changes           = true;
	ppi_wire_reply_ok(reply);
	return 0;
}
