/*
 * store_requests.c - forgetting the remembered replies of clients that
 * went away.
 *
 * Each write request's reply is kept under (cid, rid) so that a resend
 * gets the same answer instead of being applied twice (store_commit.c).
 * A live client deletes its own old entries with every request (its
 * floor), but a client that exits leaves its last few behind, and over
 * months of clients coming and going they would pile up. A reply is only
 * ever asked for again by a resend within the client's request timeout
 * (a minute by default), so entries older than REQUEST_KEEP_MS are
 * removed here, a bounded number per transaction, resuming where the
 * previous step stopped.
 */
#include <string.h>

#include "store_impl.h"

size_t
store_request_frame(const MDB_val *v)
{
	const unsigned char *b = v->mv_data;

	return v->mv_size >= REQUEST_STAMP_SIZE && b[0] == 0
	    ? REQUEST_STAMP_SIZE
	    : 0;
}

uint64_t
store_request_ms(const MDB_val *v)
{
	return store_request_frame(v) != 0
	    ? ppi_get_be64((const unsigned char *) v->mv_data + 1)
	    : 0;
}

int
store_requests_prune(store *s, uint64_t cutoff_ms, size_t budget,
    size_t *deleted)
{
	static unsigned char resume[REQUEST_KEY_SIZE] = { STATE_REQUEST };
	MDB_txn             *txn;
	MDB_cursor          *cur;
	MDB_val              k = { REQUEST_KEY_SIZE, resume }, v;
	size_t               seen = 0;
	int                  rc;

	*deleted = 0;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		return rc;
	}
	if ((rc = mdb_cursor_open(txn, s->state, &cur)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	/* Look at up to 4 * budget entries: a step stays short even when
	 * few are old. */
	while (rc == 0 && k.mv_size == REQUEST_KEY_SIZE &&
	    ((unsigned char *) k.mv_data)[0] == STATE_REQUEST &&
	    *deleted < budget && seen < 4 * budget) {
		seen++;
		if (store_request_ms(&v) < cutoff_ms) {
			unsigned char at[REQUEST_KEY_SIZE];

			memcpy(at, k.mv_data, REQUEST_KEY_SIZE);
			if ((rc = mdb_cursor_del(cur, 0)) != 0) {
				break;
			}
			(*deleted)++;
			/* Seek past the hole rather than trust the cursor. */
			k.mv_size = REQUEST_KEY_SIZE;
			k.mv_data = at;
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			continue;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	/* Resume after what was looked at; start over at the end. */
	if (rc == 0 && k.mv_size == REQUEST_KEY_SIZE &&
	    ((unsigned char *) k.mv_data)[0] == STATE_REQUEST) {
		memcpy(resume, k.mv_data, REQUEST_KEY_SIZE);
	} else {
		memset(resume, 0, sizeof(resume));
		resume[0] = STATE_REQUEST;
		if (rc == MDB_NOTFOUND) {
			rc = 0;
		}
	}
	mdb_cursor_close(cur);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if (*deleted == 0) {
		mdb_txn_abort(txn);
		return 0;
	}
	return mdb_txn_commit(txn);
}
