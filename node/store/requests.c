/*
 * requests.c - the remembered replies of write requests (docs/DESIGN.md
 * §5): a resend gets the stored answer instead of being applied twice,
 * a client's requests apply in rid order, and the replies of clients
 * that went away are forgotten.
 *
 *   state key: 0x01 cid:8 rid:8
 *   value:     0x00 ms:8 reply frame    (a bare frame before the stamp)
 *
 * A live client deletes its own old entries with every request (its
 * floor), but a client that exits leaves its last few behind, and over
 * months of clients coming and going they would pile up. A reply is only
 * ever asked for again by a resend within the client's request timeout
 * (a minute by default), so entries older than the dedupe window are
 * removed by store_requests_prune, a bounded number per transaction,
 * resuming where the previous step stopped.
 */
#include <errno.h>
#include <string.h>

#include "group.h"
#include "prune.h"
#include "requests.h"

/* A remembered reply is 0x00, the ms it was stored at (u64), then the
 * frame. Replies stored before the stamp existed are the bare frame,
 * which never starts with 0x00 (a msgpack map). */
#define REQUEST_STAMP_SIZE 9

/* Where the frame of a remembered reply starts. */
static size_t
requests_frame(const MDB_val *v)
{
	const unsigned char *b = v->mv_data;

	return v->mv_size >= REQUEST_STAMP_SIZE && b[0] == 0
	    ? REQUEST_STAMP_SIZE
	    : 0;
}

/* When a remembered reply was stored, ms; 0: before stamps. */
static uint64_t
requests_ms(const MDB_val *v)
{
	return requests_frame(v) != 0
	    ? ppi_get_be64((const unsigned char *) v->mv_data + 1)
	    : 0;
}

/* Deletes this client's remembered replies below `floor`. */
static int
requests_prune_client(group *g, uint64_t cid, uint64_t floor)
{
	MDB_cursor   *cur;
	unsigned char key[REQUEST_KEY_SIZE];
	MDB_val       k, v;
	int           rc;

	store_request_key(key, cid, 0);
	if ((rc = mdb_cursor_open(g->txn, g->s->state, &cur)) != 0) {
		return rc;
	}
	for (;;) {
		/* Seek again after each delete rather than trust the cursor;
		 * there are only a few entries per client. */
		k.mv_size = REQUEST_KEY_SIZE;
		k.mv_data = key;
		rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc != 0 || k.mv_size != REQUEST_KEY_SIZE ||
		    memcmp(k.mv_data, key, 9) != 0 ||
		    ppi_get_be64((unsigned char *) k.mv_data + 9) >= floor) {
			break;
		}
		if ((rc = mdb_cursor_del(cur, 0)) != 0) {
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
requests_replay(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_answered)
{
	unsigned char key[REQUEST_KEY_SIZE];
	MDB_val       k = { REQUEST_KEY_SIZE, key }, v;
	int           rc;

	*is_answered = false;
	if (req->cid == 0) {
		return 0;
	}
	store_request_key(key, req->cid, req->rid);
	rc = mdb_get(g->txn, g->s->state, &k, &v);
	if (rc == 0) {
		/* A resend of a request we applied: same answer. (Proc calls
	 * come on a lane of their own, unordered: lib/lane.h.) */
		size_t at = requests_frame(&v);

		ppi_buf_append(
		    reply, (unsigned char *) v.mv_data + at, v.mv_size - at);
		*is_answered = true;
		return 0;
	}
	if (rc != MDB_NOTFOUND) {
		return rc;
	}
	/* A client's commits apply in rid order: rid - 1 must be applied
	 * (stored) or already answered (below floor). Otherwise it is still
	 * on its way; the client resends this one after it. */
	if (req->op == PPI_OP_COMMIT && req->rid > 0 &&
	    req->rid - 1 >= req->floor) {
		store_request_key(key, req->cid, req->rid - 1);
		rc = mdb_get(g->txn, g->s->state, &k, &v);
		if (rc == MDB_NOTFOUND) {
			ppi_wire_reply_error(reply, PP_EORDER,
			    "request arrived before the one it follows");
			*is_answered = true;
			return 0;
		}
		return rc;
	}
	return 0;
}

int
requests_remember(group *g, const ppi_request *req, const ppi_buf *reply)
{
	unsigned char key[REQUEST_KEY_SIZE];
	MDB_val       k = { REQUEST_KEY_SIZE, key }, v;
	int           rc;

	if (req->cid == 0) {
		return 0;
	}
	if (reply->is_failed) {
		return ENOMEM;
	}
	store_request_key(key, req->cid, req->rid);
	v.mv_size = REQUEST_STAMP_SIZE + reply->len;
	if ((rc = mdb_put(g->txn, g->s->state, &k, &v, MDB_RESERVE)) != 0) {
		return rc;
	}
	/* Stamped, so that replies of clients that went away can be
	 * forgotten after a while (store_requests_prune). */
	((unsigned char *) v.mv_data)[0] = 0;
	ppi_put_be64((unsigned char *) v.mv_data + 1, g->now_ms);
	memcpy((unsigned char *) v.mv_data + REQUEST_STAMP_SIZE, reply->data,
	    reply->len);
	return requests_prune_client(g, req->cid, req->floor);
}

/* The remembered replies: the state keys that start with STATE_REQUEST. */
static bool
request_is_ours(const MDB_val *k)
{
	return k->mv_size == REQUEST_KEY_SIZE &&
	    ((unsigned char *) k->mv_data)[0] == STATE_REQUEST;
}

static bool
request_is_old(const MDB_val *k, const MDB_val *v, uint64_t cutoff_ms)
{
	(void) k;
	return requests_ms(v) < cutoff_ms;
}

static prune_walk requests_walk = {
	.start     = { STATE_REQUEST },
	.start_len = 1,
	.is_ours   = request_is_ours,
	.is_old    = request_is_old,
};

int
store_requests_prune(store *s, uint64_t cutoff_ms, size_t budget,
    size_t *deleted)
{
	char msg[256];
	int  rc;

	requests_walk.dbi = s->state;
	if ((rc = prune_step(s, &requests_walk, cutoff_ms, budget,
	         deleted)) == 0) {
		return 0;
	}
	return store_error(rc, "forgetting replies", msg, sizeof(msg));
}
