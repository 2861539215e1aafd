/*
 * inspect.c - procs seen by readers: inspect one, list all (in name
 * order, paged), walk them all (inspect.h), and the claim deadlines the
 * writer's timer loads at start-up. Short read transactions, as every
 * read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "inspect.h"

#define PROCS_PAGE 500

int
inspect_each_proc(store *s, const ppi_str *after, proc_fn fn, void *arg)
{
	unsigned char key[PROC_KEY_MAX];
	MDB_txn      *txn;
	MDB_cursor   *cur, *logs;
	MDB_val       k, v;
	proc_rec      p;
	int           rc;

	pthread_rwlock_rdlock(&s->map_lock);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		pthread_rwlock_unlock(&s->map_lock);
		return rc;
	}
	if ((rc = mdb_cursor_open(txn, s->state, &cur)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->logs, &logs)) != 0) {
		mdb_txn_abort(txn);
		pthread_rwlock_unlock(&s->map_lock);
		return rc;
	}
	k.mv_data = key;
	k.mv_size = after != NULL && after->ptr != NULL &&
	        after->len <= PP_TOPIC_MAX
	    ? proc_rec_key(key, after->ptr, after->len)
	    : proc_rec_key(key, "", 0);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && after != NULL && after->ptr != NULL &&
	    k.mv_size == after->len + 1 &&
	    memcmp((char *) k.mv_data + 1, after->ptr, after->len) == 0) {
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 2 || ((unsigned char *) k.mv_data)[0] != STATE_PROC) {
			rc = MDB_NOTFOUND;
			break;
		}
		if (!proc_rec_decode(
		        &v, (char *) k.mv_data + 1, k.mv_size - 1, &p)) {
			continue;
		}
		if ((rc = fn(arg, txn, logs, &p)) != 0) {
			break;
		}
	}
	mdb_cursor_close(logs);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&s->map_lock);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct list_arg {
	store   *s;
	ppi_buf  items; /* encoded procs, one reply item each */
	ppi_buf *reply;
	size_t   n;
	bool     has_more;
};

/* Items are encoded into a side buffer: the count comes first. */
static int
list_one(void *arg, MDB_txn *txn, MDB_cursor *logs, const proc_rec *p)
{
	struct list_arg *a = arg;
	pp_proc_info     info;
	int              rc;

	if (a->n == PROCS_PAGE) {
		a->has_more = true;
		return 1;
	}
	if ((rc = proc_rec_report(txn, a->s, logs, p, &info)) != 0) {
		return rc;
	}
	proc_rec_report_system(txn, a->s, p, &info);
	ppi_wire_reply_procs_item(&a->items, &info);
	a->n++;
	return 0;
}

void
store_inspect_procs(store *s, const ppi_request *req, ppi_buf *reply)
{
	struct list_arg a;
	char            msg[128];
	int             rc;

	memset(&a, 0, sizeof(a));
	a.s = s;
	ppi_buf_init(&a.items);
	rc = inspect_each_proc(s, &req->after, list_one, &a);
	if (rc != 0 && rc != 1) {
		ppi_wire_reply_error(
		    reply, store_error(rc, "procs", msg, sizeof(msg)), msg);
	} else {
		ppi_wire_reply_procs_begin(reply, a.n);
		ppi_buf_append(reply, a.items.data, a.items.len);
		ppi_wire_reply_list_end(reply, a.has_more);
	}
	ppi_buf_fini(&a.items);
}

void
store_inspect_proc(store *s, const ppi_request *req, ppi_buf *reply)
{
	MDB_txn     *txn;
	MDB_cursor  *logs;
	proc_rec     p;
	pp_proc_info info;
	char         msg[256];
	int          rc;

	if (!ppi_topic_valid(req->name.ptr, req->name.len)) {
		ppi_wire_reply_error(reply, PP_EINVALID_NAME, "invalid proc name");
		return;
	}
	pthread_rwlock_rdlock(&s->map_lock);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) == 0) {
		rc = proc_rec_get(txn, s, req->name.ptr, req->name.len, &p);
		if (rc == 0 &&
		    (rc = mdb_cursor_open(txn, s->logs, &logs)) == 0) {
			rc = proc_rec_report(txn, s, logs, &p, &info);
			if (rc == 0) {
				proc_rec_report_system(txn, s, &p, &info);
				ppi_wire_reply_procs_begin(reply, 1);
				ppi_wire_reply_procs_item(reply, &info);
				ppi_wire_reply_list_end(reply, false);
			}
			mdb_cursor_close(logs);
		}
		mdb_txn_abort(txn);
	}
	pthread_rwlock_unlock(&s->map_lock);
	if (rc == MDB_NOTFOUND) {
		snprintf(msg, sizeof(msg), "no proc '%.*s'", (int) req->name.len,
		    req->name.ptr);
		ppi_wire_reply_error(reply, PP_ENOPROC, msg);
	} else if (rc != 0) {
		ppi_wire_reply_error(
		    reply, store_error(rc, "inspect", msg, sizeof(msg)), msg);
	}
}

struct timers_arg {
	store_timer *timers;
	size_t       n;
	size_t       cap;
};

static int
timer_one(void *arg, MDB_txn *txn, MDB_cursor *logs, const proc_rec *p)
{
	struct timers_arg *a = arg;
	store_timer       *t;

	(void) txn;
	(void) logs;
	if (p->token == 0 || p->deadline_ms == 0) {
		return 0;
	}
	if (a->n == a->cap) {
		a->cap = a->cap != 0 ? a->cap * 2 : 16;
		if ((t = realloc(a->timers, sizeof(*t) * a->cap)) == NULL) {
			return ENOMEM;
		}
		a->timers = t;
	}
	t              = &a->timers[a->n++];
	t->deadline_ms = p->deadline_ms;
	t->token       = p->token;
	snprintf(t->name, sizeof(t->name), "%s", p->name);
	return 0;
}

int
store_inspect_timers(store *s, store_timer **timers, size_t *n)
{
	struct timers_arg a = { NULL, 0, 0 };
	char              msg[256];
	int               rc;

	if ((rc = inspect_each_proc(s, NULL, timer_one, &a)) != 0) {
		free(a.timers);
		return store_error(
		    rc, "loading claim timers", msg, sizeof(msg));
	}
	*timers = a.timers;
	*n      = a.n;
	return 0;
}
