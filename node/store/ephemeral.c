/*
 * ephemeral.c - procs that belong to a connection (issue 14 item 7).
 *
 * A liveProc or `pipeproc tail -f` creates a proc that only its own
 * connection uses. When that client dies, nobody destroys the proc, and
 * a proc that is never acked holds back GC of its topic for good. Such
 * procs carry a mark (a state key of their own, so the proc record keeps
 * its layout); the writer tracks which connection last claimed from each
 * (node/owners.c) and, once that connection has been gone for the grace
 * period, destroys the marked ones here. The mark survives restarts: a
 * node that starts gives every marked proc the grace period for its
 * client to reconnect and claim again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ephemeral.h"
#include "proc_rec.h"

#define STATE_EPHEMERAL 0x05

static size_t
mark_key(unsigned char *key, const char *name, size_t len)
{
	key[0] = STATE_EPHEMERAL;
	memcpy(key + 1, name, len);
	return 1 + len;
}

int
ephemeral_set(group *g, const char *name, size_t len, bool is_ephemeral)
{
	unsigned char key[PROC_KEY_MAX];
	MDB_val       k = { 0, key }, v = { 0, "" };
	int           rc;

	if (len > PP_TOPIC_MAX) {
		return EINVAL;
	}
	k.mv_size = mark_key(key, name, len);
	if (is_ephemeral) {
		return mdb_put(g->txn, g->s->state, &k, &v, 0);
	}
	rc = mdb_del(g->txn, g->s->state, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
store_ephemeral_list(store *s, store_names *out)
{
	unsigned char first = STATE_EPHEMERAL;
	MDB_txn      *txn;
	MDB_cursor   *cur;
	MDB_val       k = { 1, &first }, v;
	char        (*names)[PP_TOPIC_MAX + 1] = NULL, (*n)[PP_TOPIC_MAX + 1];
	size_t        count = 0, cap = 0;
	int           rc;

	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&s->map_lock);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		pthread_rwlock_unlock(&s->map_lock);
		return PP_ESTORE;
	}
	if ((rc = mdb_cursor_open(txn, s->state, &cur)) == 0) {
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		while (rc == 0 && k.mv_size > 1 && k.mv_size <= PROC_KEY_MAX &&
		    ((unsigned char *) k.mv_data)[0] == STATE_EPHEMERAL) {
			if (count == cap) {
				cap = cap != 0 ? 2 * cap : 16;
				if ((n = realloc(names, cap * sizeof(*n))) ==
				    NULL) {
					rc = ENOMEM;
					break;
				}
				names = n;
			}
			memcpy(names[count], (char *) k.mv_data + 1,
			    k.mv_size - 1);
			names[count][k.mv_size - 1] = '\0';
			count++;
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		}
		mdb_cursor_close(cur);
	}
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&s->map_lock);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		free(names);
		return rc == ENOMEM ? PP_ENOMEM : PP_ESTORE;
	}
	out->names = names;
	out->count = count;
	return 0;
}

struct destroy_arg {
	const store_names *names;
	size_t             destroyed;
};

/* Destroys the marked procs of the list; unmarked ones are left alone
 * (a plain proc of the same name was created since). */
static int
apply_destroy(group *g, void *arg)
{
	struct destroy_arg *a = arg;
	unsigned char       key[PROC_KEY_MAX];
	MDB_val             k = { 0, key }, v;
	size_t              i, len;
	int                 rc;

	for (i = 0; i < a->names->count; i++) {
		len       = strlen(a->names->names[i]);
		k.mv_size = mark_key(key, a->names->names[i], len);
		if ((rc = mdb_get(g->txn, g->s->state, &k, &v)) ==
		    MDB_NOTFOUND) {
			continue;
		}
		if (rc != 0 || (rc = mdb_del(g->txn, g->s->state, &k, NULL)) != 0) {
			return rc;
		}
		k.mv_size = proc_rec_key(key, a->names->names[i], len);
		rc        = mdb_del(g->txn, g->s->state, &k, NULL);
		if (rc == MDB_NOTFOUND) {
			continue;
		}
		if (rc != 0) {
			return rc;
		}
		a->destroyed++;
		g->needs_sync  = true;
		g->has_changes = true; /* its parked claims get PP_ENOPROC */
		g->s->procs_gen++;     /* GC reads positions again */
	}
	return 0;
}

int
store_ephemeral_destroy(store *s, const store_names *names,
    size_t *destroyed, store_outcome *out)
{
	struct destroy_arg a = { names, 0 };
	char               msg[256];
	int                rc;

	memset(out, 0, sizeof(*out));
	*destroyed = 0;
	if ((rc = group_run(s, apply_destroy, &a, out)) != 0) {
		return store_error(rc, "destroying procs of closed connections",
		    msg, sizeof(msg));
	}
	*destroyed = a.destroyed;
	return 0;
}
