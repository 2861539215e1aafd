/*
 * admin.c - the handlers of the write operations that do not claim:
 * waiting until procs are done (waitprocs), disable / resume / destroy,
 * a topic's retention limits, and deleting a topic with its procs,
 * inside a group commit like every handler (ops.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "claim.h"
#include "group.h"
#include "ops.h"
#include "ephemeral.h"
#include "proc_rec.h"
#include "requests.h"

int
admin_wait(group *g, const ppi_request *req, ppi_buf *reply, bool *is_pending)
{
	unsigned char first[1] = { STATE_PROC };
	MDB_cursor   *cur, *logs;
	MDB_val       k, v;
	pp_proc_info  info;
	proc_rec      p;
	size_t        i;
	int           rc;

	*is_pending = false;
	/* Every name valid and known before anything is judged. */
	if ((rc = claim_check_names(g, req, reply)) != 0) {
		return rc == -1 ? 0 : rc;
	}
	if ((rc = mdb_cursor_open(g->txn, g->s->logs, &logs)) != 0) {
		return rc;
	}
	if ((rc = mdb_cursor_open(g->txn, g->s->state, &cur)) != 0) {
		mdb_cursor_close(logs);
		return rc;
	}
	/* Named procs, or every proc when no name was given. */
	k.mv_data = first;
	k.mv_size = 1;
	rc = req->nnames > 0 ? 0 : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (i = 0; rc == 0 && !*is_pending; i++) {
		if (req->nnames > 0) {
			if (i == req->nnames) {
				break;
			}
			rc = proc_rec_get(g->txn, g->s, req->names[i].ptr,
			    req->names[i].len, &p);
		} else if (k.mv_size < 2 ||
		    ((unsigned char *) k.mv_data)[0] != STATE_PROC) {
			break;
		} else if (!proc_rec_decode(&v, (char *) k.mv_data + 1,
		               k.mv_size - 1, &p)) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		if (rc == 0 && !p.is_disabled &&
		    (rc = proc_rec_report(g->txn, g->s, logs, &p, &info)) ==
		        0) {
			*is_pending = info.has_claim || info.lag > 0;
		}
		if (rc == 0 && req->nnames == 0) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		}
	}
	mdb_cursor_close(cur);
	mdb_cursor_close(logs);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		return rc;
	}
	/* Pending: the reply waits with the answer it gets if time runs out. */
	ppi_buf_reset(reply);
	if (*is_pending) {
		ppi_wire_reply_error(reply, PP_ETIMEDOUT,
		    "procs still have logs to ack");
	} else {
		ppi_wire_reply_ok(reply);
	}
	return 0;
}

static int admin_proc_apply(
    group *g, const ppi_request *req, ppi_buf *reply);

/* Disable, resume and destroy on a client's dedupe lane (lib/lane.h)
 * are applied once; a resend gets the stored reply. */
int
admin_proc(group *g, const ppi_request *req, ppi_buf *reply)
{
	bool is_answered = false;
	int  rc;

	if (req->cid != 0 &&
	    ((rc = requests_replay(g, req, reply, &is_answered)) != 0 ||
	        is_answered)) {
		return rc;
	}
	if ((rc = admin_proc_apply(g, req, reply)) != 0) {
		return rc;
	}
	return req->cid != 0 ? requests_remember(g, req, reply) : 0;
}

static int
admin_proc_apply(group *g, const ppi_request *req, ppi_buf *reply)
{
	unsigned char key[PROC_KEY_MAX];
	MDB_cursor   *logs;
	MDB_val       k;
	pp_proc_info  info;
	proc_rec      p;
	int           rc;

	if (!ppi_topic_valid(req->name.ptr, req->name.len)) {
		ppi_wire_reply_error(reply, PP_EINVALID_NAME, "invalid proc name");
		return 0;
	}
	rc = proc_rec_get(g->txn, g->s, req->name.ptr, req->name.len, &p);
	if (rc == MDB_NOTFOUND) {
		return group_reply_fail(g, reply, PP_ENOPROC, "no proc '%s'",
		    group_keep(g, req->name.ptr, req->name.len));
	}
	if (rc != 0) {
		return rc;
	}
	if (req->op == PPI_OP_PDISABLE) {
		if (p.is_disabled) {
			return group_reply_fail(g, reply,
			    PP_EPROC_ALREADY_DISABLED,
			    "proc '%s' is already disabled", p.name);
		}
		p.is_disabled  = true;
		g->has_changes = true; /* waits for procs may now be done */
	} else if (req->op == PPI_OP_PRESUME) {
		if (!p.is_disabled) {
			return group_reply_fail(g, reply,
			    PP_EPROC_ALREADY_ACTIVE,
			    "proc '%s' is already active", p.name);
		}
		p.is_disabled  = false;
		p.reclaims     = 0;
		g->has_changes = true; /* waiting claims may proceed */
	}
	if ((rc = mdb_cursor_open(g->txn, g->s->logs, &logs)) != 0) {
		return rc;
	}
	rc = proc_rec_report(g->txn, g->s, logs, &p, &info);
	if (rc == 0) {
		proc_rec_report_system(g->txn, g->s, &p, &info);
		ppi_wire_reply_procs_begin(reply, 1);
		ppi_wire_reply_procs_item(reply, &info);
		ppi_wire_reply_list_end(reply, false);
	}
	mdb_cursor_close(logs);
	if (rc != 0) {
		return rc;
	}
	g->needs_sync = true;
	if (req->op == PPI_OP_PDESTROY) {
		g->has_changes = true; /* its waiting claims get PP_ENOPROC */
		k.mv_data = key;
		k.mv_size = proc_rec_key(key, p.name, strlen(p.name));
		if ((rc = ephemeral_set(g, p.name, strlen(p.name), false)) !=
		    0) {
			return rc;
		}
		return mdb_del(g->txn, g->s->state, &k, NULL);
	}
	return req->op == PPI_OP_PINSPECT ? 0 : proc_rec_put(g->txn, g->s, &p);
}


int
admin_topic_delete(group *g, const ppi_request *req, ppi_buf *reply)
{
	unsigned char first[1] = { STATE_PROC };
	unsigned char purge[5];
	MDB_cursor   *cur;
	MDB_val       k, v;
	cached_topic *t;
	proc_rec      p;
	const char   *name;
	size_t        nprocs = 0;
	int           pass, rc;

	if (!ppi_topic_valid(req->topic.ptr, req->topic.len)) {
		ppi_wire_reply_error(reply, PP_EINVALID_TOPIC,
		    "topic must match [A-Za-z0-9_.-]{1,200}");
		return 0;
	}
	name = group_keep(g, req->topic.ptr, req->topic.len);
	if (name == NULL) {
		return ENOMEM;
	}
	if ((rc = group_topic(g, name, req->topic.len, false, &t)) ==
	    MDB_NOTFOUND) {
		return group_reply_fail(
		    g, reply, PP_ENOTOPIC, "topic '%s' does not exist", name);
	}
	if (rc != 0) {
		return rc;
	}
	/* Pass 0 counts the procs reading it; pass 1 (forced) destroys
	 * them. Validate, then mutate. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && nprocs > 0 && !req->is_force) {
			return group_reply_fail(g, reply, PP_ETOPIC_IN_USE,
			    "procs read topic '%s' (force to destroy them)",
			    name);
		}
		if ((rc = mdb_cursor_open(g->txn, g->s->state, &cur)) != 0) {
			return rc;
		}
		k.mv_data = first;
		k.mv_size = 1;
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
		     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (k.mv_size < 2 ||
			    ((unsigned char *) k.mv_data)[0] != STATE_PROC) {
				break;
			}
			if (!proc_rec_decode(&v, (char *) k.mv_data + 1,
			        k.mv_size - 1, &p) ||
			    strcmp(p.topic, name) != 0) {
				continue;
			}
			nprocs++;
			if (pass == 1 && (rc = mdb_cursor_del(cur, 0)) != 0) {
				break;
			}
		}
		mdb_cursor_close(cur);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			return rc;
		}
	}
	/* The topic is gone now; its logs (under its old tid) are purged in
	 * the background, and a new commit starts it with a new tid. */
	purge[0] = STATE_PURGE;
	ppi_put_be32(purge + 1, t->rec.tid);
	k.mv_data = purge;
	k.mv_size = sizeof(purge);
	v.mv_data = "";
	v.mv_size = 0;
	if ((rc = mdb_put(g->txn, g->s->state, &k, &v, 0)) != 0) {
		return rc;
	}
	t->is_deleted  = true;
	t->is_dirty    = true;
	g->needs_sync  = true;
	g->has_purge   = true;
	g->has_changes = true; /* waits for procs may now be done */
	ppi_wire_reply_ok(reply);
	return 0;
}

int
admin_topic_config(group *g, const ppi_request *req, ppi_buf *reply)
{
	cached_topic *t;
	const char   *name;
	int           rc;

	if (!ppi_topic_valid(req->topic.ptr, req->topic.len)) {
		ppi_wire_reply_error(reply, PP_EINVALID_TOPIC,
		    "topic must match [A-Za-z0-9_.-]{1,200}");
		return 0;
	}
	if ((name = group_keep(g, req->topic.ptr, req->topic.len)) == NULL) {
		return ENOMEM;
	}
	rc = group_topic(g, name, req->topic.len, false, &t);
	if (rc == MDB_NOTFOUND) {
		return group_reply_fail(
		    g, reply, PP_ENOTOPIC, "topic '%s' does not exist", name);
	}
	if (rc != 0) {
		return rc;
	}
	t->rec.max_age_ms = req->max_age_ms;
	t->rec.max_count  = req->max_count;
	t->rec.max_bytes  = req->max_bytes;
	t->is_dirty       = true;
	g->needs_sync     = true;
	ppi_wire_reply_ok(reply);
	return 0;
}
