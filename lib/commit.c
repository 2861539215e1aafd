/*
 * commit.c - pp_commit, pp_commit_async, their pp_commit_with twins (with
 * a producer key and expected sequences) and pp_flush: the commit queue.
 *
 * Every commit call becomes a `pending` entry on the client's queue. Two
 * sender threads each take everything queued (up to a request's worth)
 * and send it as one `commit` request, so concurrent and asynchronous
 * commits share round trips and the node's group commit shares syncs.
 *
 * Design notes:
 * - Each call stays atomic on its own: the node applies the calls of one
 *   request independently (docs/DESIGN.md §5).
 * - Batches get increasing numbers under the lock; a sender dispatches
 *   its results only after the previous batch has been dispatched, so
 *   callbacks run in call order and pp_flush can count completions.
 * - Each batch is one request with a fresh rid; `floor` is the smallest
 *   rid still unanswered, which lets the node forget older ones.
 * - A synchronous call's records are not copied: its caller is blocked
 *   until the entry is done. An asynchronous call is copied into one
 *   allocation with its entry.
 * - A lone synchronous caller sends its own request (no hand-off to a
 *   sender); callers answered together are batched together again (see
 *   linger()). docs/DESIGN.md §8 has the measurements behind both.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "deadline.h"
#include "id.h"
#include "wire.h"

#define SENDERS 2
#define BATCH_MAX_BYTES (4u << 20)
#define QUEUE_MAX_BYTES (64u << 20)
#define LINGER_US 50

typedef struct pending pending;
struct pending {
	pending           *next;
	enum ppi_call_kind kind;
	const char        *name;  /* proc calls */
	uint64_t           token; /* proc calls */
	const char        *error; /* reclaim; may be NULL */
	pp_id              acked; /* ack, ack_commit: the last acked id */
	const pp_record   *recs;
	const pp_commit_opts *opts; /* commit: NULL when none */
	size_t           count;
	size_t           bytes;
	pp_id           *ids;
	int              status;
	bool             is_done;
	pp_commit_cb     cb; /* NULL for a synchronous call */
	void            *arg;
	pthread_cond_t  *waiter; /* synchronous: signalled when done */
	char             errmsg[128];
	struct commit_group *group; /* pp_commit_async_many: its slab */
};

/* A batch taken from the queue, with what its request needs. */
typedef struct batch {
	pending *head;
	size_t   n;
	uint64_t no;  /* position in dispatch order */
	uint64_t rid; /* request number */
	uint64_t floor;
	int      slot;
} batch;

struct ppi_commitq {
	pthread_mutex_t mtx;
	pthread_cond_t  work; /* senders: queue not empty, or stopping */
	pthread_cond_t  done; /* waiters: something completed */
	pending        *head;
	pending       **tail;
	size_t          queued_bytes;
	uint64_t        next_batch;  /* number of the next batch taken */
	uint64_t        dispatched;  /* batches dispatched so far */
	size_t          nqueued;     /* entries on the queue */
	size_t          last_n;      /* entries in the last batch taken */
	uint64_t        submitted;   /* async entries queued so far */
	uint64_t        completed;   /* async entries whose cb returned */
	uint64_t        next_rid;
	uint64_t        inflight_rid[SENDERS]; /* 0: slot free */
	int             busy;                  /* slots in use */
	bool            is_stopping;
	int             nsenders;
	pthread_t       senders[SENDERS];
};

static pthread_mutex_t init_mtx = PTHREAD_MUTEX_INITIALIZER;

static void group_release(pending *p);

/* What one record weighs on the queue and on the wire (validate()). */
static size_t
record_bytes(size_t len, size_t tlen)
{
	return len + tlen + 16;
}

/*
 * Takes the queue head (up to a batch's worth) into a free slot. Called
 * with the lock held, a free slot and a non-empty queue.
 */
static void
take_batch(ppi_commitq *q, batch *b)
{
	pending *p = q->head, *last = NULL;
	size_t   bytes = 0;
	int      i;

	b->head = p;
	b->n    = 0;
	while (p != NULL && (b->n == 0 || bytes + p->bytes <= BATCH_MAX_BYTES)) {
		bytes += p->bytes;
		b->n++;
		last = p;
		p    = p->next;
	}
	q->head    = p;
	q->nqueued -= b->n;
	q->last_n  = b->n;
	last->next = NULL;
	if (q->head == NULL) {
		q->tail = &q->head;
	}
	b->no  = q->next_batch++;
	b->rid = ++q->next_rid;
	for (b->slot = 0; q->inflight_rid[b->slot] != 0; b->slot++) {
	}
	q->inflight_rid[b->slot] = b->rid;
	q->busy++;
	/* floor: the oldest request still unanswered, maybe this one. */
	b->floor = b->rid;
	for (i = 0; i < SENDERS; i++) {
		if (q->inflight_rid[i] != 0 && q->inflight_rid[i] < b->floor) {
			b->floor = q->inflight_rid[i];
		}
	}
}

static void
wait_turn(ppi_commitq *q, const batch *b)
{
	pthread_mutex_lock(&q->mtx);
	while (q->dispatched != b->no) {
		pthread_cond_wait(&q->done, &q->mtx);
	}
	pthread_mutex_unlock(&q->mtx);
}

/*
 * Sends one batch and records per-entry outcomes (no lock held). Returns
 * PP_EORDER, leaving the entries untouched, when the node saw it before
 * the batch it follows; the caller then sends it again.
 */
static int
send_batch(pp_client *c, pending *batch, size_t n, uint64_t rid,
    uint64_t floor)
{
	ppi_buf  req;
	pending *p;
	ppi_frame reply = { NULL, 0, NULL };
	size_t    i;
	size_t  *counts  = malloc(sizeof(*counts) * n);
	pp_id  **ids     = malloc(sizeof(*ids) * n);
	pp_id  **acked   = malloc(sizeof(*acked) * n);
	int     *status  = malloc(sizeof(*status) * n);
	char     msg[256] = "";
	int      rv;

	ppi_buf_init(&req);
	if (counts == NULL || ids == NULL || acked == NULL || status == NULL) {
		rv = PP_ENOMEM;
		goto fail;
	}
	ppi_wire_commit_begin(&req, c->cid, rid, floor, n);
	for (p = batch, i = 0; p != NULL; p = p->next, i++) {
		if (p->kind == PPI_CALL_COMMIT) {
			ppi_wire_commit_call_opts(
			    &req, p->recs, p->count, p->opts);
		} else {
			ppi_wire_proc_call(&req, p->kind, p->name, p->token,
			    p->error, p->recs, p->count);
		}
		counts[i] = p->kind == PPI_CALL_COMMIT ||
		        p->kind == PPI_CALL_ACK_COMMIT
		    ? p->count
		    : 0;
		ids[i]   = p->ids;
		acked[i] = &p->acked;
	}
	if ((rv = ppi_client_call(c, &req, &reply)) != 0) {
		goto fail;
	}
	rv = ppi_wire_decode_commit(
	    reply.data, reply.len, n, counts, ids, acked, status, msg, sizeof(msg));
	ppi_frame_free(&reply);
	if (rv == PP_EORDER) {
		goto out;
	}
	if (rv != 0) {
		goto fail;
	}
	for (p = batch, i = 0; p != NULL; p = p->next, i++) {
		p->status = status[i];
		if (status[i] != 0) {
			/* The reply's detail belongs to the first failing
			 * call; others keep the generic text. */
			snprintf(p->errmsg, sizeof(p->errmsg), "%s", msg);
			msg[0] = '\0';
		}
	}
	goto out;
fail:
	for (p = batch; p != NULL; p = p->next) {
		p->status = rv;
		snprintf(p->errmsg, sizeof(p->errmsg), "%s", msg);
	}
out:
	ppi_buf_fini(&req);
	free(counts);
	free(ids);
	free(acked);
	free(status);
	return rv;
}

/*
 * Sends a taken batch and completes its entries, in dispatch order.
 * Called without the lock; returns with the slot released.
 */
static void
run_batch(pp_client *c, ppi_commitq *q, batch *b)
{
	pending *p, *next;
	size_t   bytes = 0, nasync = 0;

	if (send_batch(c, b->head, b->n, b->rid, b->floor) == PP_EORDER) {
		/* Our predecessor was still on its way. Once it is answered
		 * it is below our floor, so the resend cannot be refused. */
		wait_turn(q, b);
		send_batch(c, b->head, b->n, b->rid, b->rid);
	}
	wait_turn(q, b);
	/* Callbacks run without the lock, in dispatch order. */
	for (p = b->head; p != NULL; p = p->next) {
		if (p->cb != NULL) {
			p->cb(p->arg, p->status, p->ids, p->count);
		}
	}
	pthread_mutex_lock(&q->mtx);
	for (p = b->head; p != NULL; p = next) {
		/* Read next first: a synchronous entry lives on its caller's
		 * stack and may vanish once it is done. */
		next = p->next;
		bytes += p->bytes;
		if (p->group != NULL) {
			group_release(p);
			nasync++;
		} else if (p->cb != NULL) {
			free(p);
			nasync++;
		} else {
			p->is_done = true;
			pthread_cond_signal(p->waiter);
		}
	}
	q->inflight_rid[b->slot] = 0;
	q->busy--;
	q->queued_bytes -= bytes;
	q->completed += nasync;
	q->dispatched++;
	pthread_cond_broadcast(&q->done);
	if (q->head != NULL) {
		pthread_cond_signal(&q->work);
	}
	pthread_mutex_unlock(&q->mtx);
}

/*
 * When the last batch carried N callers and fewer are queued now, waits
 * up to LINGER_US for the rest: they were woken together and are about
 * to commit again. Without this, threads sharing a client split into two
 * cohorts that alternate, each paying a whole round trip and sync.
 */
static void
linger(ppi_commitq *q)
{
	struct timespec deadline;

	if (q->nqueued >= q->last_n || q->is_stopping) {
		return;
	}
	deadline = ppi_deadline_after_us(CLOCK_REALTIME, LINGER_US);
	while (q->nqueued < q->last_n && !q->is_stopping &&
	    pthread_cond_timedwait(&q->work, &q->mtx, &deadline) == 0) {
	}
}

static void *
sender_main(void *arg)
{
	pp_client   *c = arg;
	ppi_commitq *q = c->commitq;
	batch        b;
	bool         is_lingered = false;

	pthread_mutex_lock(&q->mtx);
	for (;;) {
		while ((q->head == NULL || q->busy == SENDERS) &&
		    !(q->is_stopping && q->head == NULL)) {
			pthread_cond_wait(&q->work, &q->mtx);
		}
		if (q->head == NULL) {
			break; /* stopping and drained */
		}
		if (!is_lingered) {
			/* The lock is released meanwhile: look again. */
			linger(q);
			is_lingered = true;
			continue;
		}
		is_lingered = false;
		take_batch(q, &b);
		pthread_mutex_unlock(&q->mtx);
		run_batch(c, q, &b);
		pthread_mutex_lock(&q->mtx);
	}
	pthread_mutex_unlock(&q->mtx);
	return NULL;
}

/* Starts the senders on first use. */
static int
commitq_get(pp_client *c, ppi_commitq **qp)
{
	ppi_commitq *q;
	int          i;

	if (__atomic_load_n(&c->is_closed, __ATOMIC_ACQUIRE)) {
		return ppi_client_fail(c, PP_ECLOSED, "client is shut down");
	}
	pthread_mutex_lock(&init_mtx);
	if ((q = c->commitq) == NULL) {
		if ((q = calloc(1, sizeof(*q))) == NULL) {
			pthread_mutex_unlock(&init_mtx);
			return PP_ENOMEM;
		}
		pthread_mutex_init(&q->mtx, NULL);
		pthread_cond_init(&q->work, NULL);
		pthread_cond_init(&q->done, NULL);
		q->tail    = &q->head;
		c->commitq = q;
		for (i = 0; i < SENDERS; i++) {
			if (pthread_create(&q->senders[i], NULL, sender_main, c) !=
			    0) {
				break;
			}
			q->nsenders++;
		}
	}
	pthread_mutex_unlock(&init_mtx);
	if (q->nsenders == 0) {
		return PP_ENOMEM;
	}
	*qp = q;
	return 0;
}

/*
 * Checks a call before anything is queued; returns its payload bytes.
 * Messages number the records from `base` (pp_commit_async_many checks
 * its records one at a time).
 */
static int
validate_from(pp_client *c, const pp_record *recs, size_t count, size_t base,
    size_t *bytes)
{
	size_t i, total = 0, tlen;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (recs == NULL && count != 0) {
		return ppi_client_fail(c, PP_EINVAL, "records is NULL");
	}
	if (count == 0) {
		return ppi_client_fail(c, PP_EEMPTY, "no logs to commit");
	}
	for (i = 0; i < count; i++) {
		tlen = recs[i].topic != NULL ? strlen(recs[i].topic) : 0;
		if (!ppi_topic_valid(recs[i].topic, tlen)) {
			return ppi_client_fail(c, PP_EINVALID_TOPIC,
			    "log %zu: topic '%.*s' must match "
			    "[A-Za-z0-9_.-]{1,200}",
			    base + i, (int) (tlen > 64 ? 64 : tlen),
			    recs[i].topic != NULL ? recs[i].topic : "");
		}
		if (recs[i].body == NULL && recs[i].len != 0) {
			return ppi_client_fail(
			    c, PP_EINVAL, "log %zu: body is NULL", base + i);
		}
		if (recs[i].len > c->max_body) {
			return ppi_client_fail(c, PP_ETOOBIG,
			    "log %zu: body of %zu bytes exceeds the node's "
			    "maximum of %llu",
			    base + i, recs[i].len, (unsigned long long) c->max_body);
		}
		total += record_bytes(recs[i].len, tlen);
	}
	if (total > PPI_REQUEST_MAX(c->max_body)) {
		return ppi_client_fail(c, PP_ETOOLARGE,
		    "one commit of %zu bytes exceeds the request limit", total);
	}
	*bytes = total;
	return 0;
}

static int
validate(pp_client *c, const pp_record *recs, size_t count, size_t *bytes)
{
	return validate_from(c, recs, count, 0, bytes);
}

/*
 * Appends p to the queue; waits while the queue is full (async only).
 * With `b` given, when p is alone in the queue and a slot is free, p is
 * taken at once as its own batch (*is_taken): the caller sends it from
 * its own thread, saving two thread hand-offs per round trip.
 */
static int
enqueue(pp_client *c, ppi_commitq *q, pending *p, batch *b, bool *is_taken)
{
	pthread_mutex_lock(&q->mtx);
	while (p->cb != NULL && q->queued_bytes > 0 &&
	    q->queued_bytes + p->bytes > QUEUE_MAX_BYTES && !q->is_stopping) {
		pthread_cond_wait(&q->done, &q->mtx);
	}
	if (q->is_stopping || __atomic_load_n(&c->is_closed, __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&q->mtx);
		return ppi_client_fail(c, PP_ECLOSED, "client is shut down");
	}
	p->next = NULL;
	*q->tail = p;
	q->tail  = &p->next;
	q->queued_bytes += p->bytes;
	q->nqueued++;
	if (p->cb != NULL) {
		q->submitted++;
	}
	/* Alone, it goes at once; when the last batch carried several
	 * callers, they are coming back together and go as one batch. */
	if (b != NULL && q->head == p && q->busy < SENDERS && q->last_n <= 1) {
		take_batch(q, b);
		*is_taken = true;
	} else {
		pthread_cond_signal(&q->work);
	}
	pthread_mutex_unlock(&q->mtx);
	return 0;
}

/*
 * Queues a synchronous call and waits for its answer. p->ids must have
 * room for p->count ids; they are written only on success.
 */
static int
sync_call(pp_client *c, pending *p, pp_id *ids)
{
	ppi_commitq   *q;
	batch          b;
	pthread_cond_t cv;
	pp_id         *tmp = NULL;
	bool           is_taken = false;
	int            rv;

	/* Ids land in a scratch array so that `ids` stays unchanged on
	 * error, as the header promises. */
	if (p->count > 0 && (tmp = malloc(sizeof(*tmp) * p->count)) == NULL) {
		return PP_ENOMEM;
	}
	if ((rv = commitq_get(c, &q)) != 0) {
		free(tmp);
		return rv;
	}
	pthread_cond_init(&cv, NULL);
	p->ids    = tmp;
	p->waiter = &cv;
	if ((rv = enqueue(c, q, p, &b, &is_taken)) != 0) {
		pthread_cond_destroy(&cv);
		free(tmp);
		return rv;
	}
	if (is_taken) {
		run_batch(c, q, &b);
	}
	pthread_mutex_lock(&q->mtx);
	while (!p->is_done) {
		pthread_cond_wait(&cv, &q->mtx);
	}
	pthread_mutex_unlock(&q->mtx);
	pthread_cond_destroy(&cv);
	if (p->status == 0 && p->count > 0 && ids != NULL) {
		memcpy(ids, tmp, sizeof(*ids) * p->count);
	}
	free(tmp);
	if (p->status != 0) {
		return ppi_client_fail(c, p->status, "%s", p->errmsg);
	}
	return 0;
}

int
pp_commit(pp_client *c, const pp_record *recs, size_t count, pp_id *ids)
{
	pending p;
	size_t  bytes;
	int     rv;

	if ((rv = validate(c, recs, count, &bytes)) != 0) {
		return rv;
	}
	if (ids == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "ids is NULL");
	}
	memset(&p, 0, sizeof(p));
	p.kind  = PPI_CALL_COMMIT;
	p.recs  = recs;
	p.count = count;
	p.bytes = bytes;
	return sync_call(c, &p, ids);
}

/*
 * Checks commit options before anything is queued; adds the bytes they
 * take on the wire to *bytes.
 */
static int
validate_opts(pp_client *c, const pp_commit_opts *o, size_t *bytes)
{
	size_t i, tlen;

	if (o == NULL) {
		return 0;
	}
	if (o->producer != NULL) {
		int rv = ppi_client_check_producer_key(c, o->producer);

		if (rv != 0) {
			return rv;
		}
		if (o->producer_seq == 0) {
			return ppi_client_fail(c, PP_EINVAL,
			    "producer sequence must be at least 1");
		}
		*bytes += strlen(o->producer) + 16;
	}
	if (o->nexpects > PPI_EXPECTS_MAX) {
		return ppi_client_fail(c, PP_EINVAL,
		    "at most %d expected sequences per commit",
		    PPI_EXPECTS_MAX);
	}
	if (o->nexpects > 0 && o->expects == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "expects is NULL");
	}
	for (i = 0; i < o->nexpects; i++) {
		tlen = o->expects[i].topic != NULL
		    ? strnlen(o->expects[i].topic, PP_TOPIC_MAX + 1)
		    : 0;
		if (!ppi_topic_valid(o->expects[i].topic, tlen)) {
			return ppi_client_fail(c, PP_EINVALID_TOPIC,
			    "expect %zu: topic '%.*s' must match "
			    "[A-Za-z0-9_.-]{1,200}",
			    i, (int) (tlen > 64 ? 64 : tlen),
			    o->expects[i].topic != NULL ? o->expects[i].topic
			                                : "");
		}
		*bytes += tlen + 16;
	}
	return 0;
}

int
pp_commit_with(pp_client *c, const pp_record *recs, size_t count,
    const pp_commit_opts *opts, pp_id *ids)
{
	pending p;
	size_t  bytes;
	int     rv;

	if ((rv = validate(c, recs, count, &bytes)) != 0 ||
	    (rv = validate_opts(c, opts, &bytes)) != 0) {
		return rv;
	}
	if (ids == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "ids is NULL");
	}
	memset(&p, 0, sizeof(p));
	p.kind  = PPI_CALL_COMMIT;
	p.recs  = recs;
	p.opts  = opts;
	p.count = count;
	p.bytes = bytes;
	return sync_call(c, &p, ids);
}

int
ppi_client_proc_call(pp_client *c, enum ppi_call_kind kind, const char *name,
    uint64_t token, const char *error, const pp_record *recs, size_t count,
    pp_id *ids, pp_id *acked)
{
	pending p;
	size_t  bytes = 0;
	int     rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (kind == PPI_CALL_ACK_COMMIT &&
	    (rv = validate(c, recs, count, &bytes)) != 0) {
		return rv;
	}
	memset(&p, 0, sizeof(p));
	p.kind  = kind;
	p.name  = name;
	p.token = token;
	p.error = error;
	p.recs  = recs;
	p.count = kind == PPI_CALL_ACK_COMMIT ? count : 0;
	p.bytes = bytes + strlen(name) + (error != NULL ? strlen(error) : 0) +
	    32;
	if ((rv = sync_call(c, &p, ids)) == 0 && acked != NULL) {
		*acked = p.acked;
	}
	return rv;
}

/*
 * Copies one record's topic (with its NUL) and body to *data, pointing
 * *dst at the copies, and advances *data past them: the library keeps
 * what a caller queued, not the caller's memory.
 */
static void
copy_record(const pp_record *src, pp_record *dst, char **data)
{
	size_t tlen = strlen(src->topic);

	memcpy(*data, src->topic, tlen + 1);
	dst->topic = *data;
	*data += tlen + 1;
	if (src->len != 0) {
		memcpy(*data, src->body, src->len);
	}
	dst->body = *data;
	dst->len  = src->len;
	*data += src->len;
}

/*
 * Copies opts to `at` (room for a pp_commit_opts and its pp_expect
 * array) and its strings to *data (room for what validate_opts counted),
 * advancing *data past them. Returns the copy, or NULL for NULL opts.
 */
static const pp_commit_opts *
copy_opts(const pp_commit_opts *o, void *at, char **data)
{
	pp_commit_opts *copy;
	pp_expect      *exp;
	size_t          i, len;

	if (o == NULL) {
		return NULL;
	}
	copy  = at;
	exp   = (pp_expect *) (copy + 1);
	*copy = *o;
	if (o->producer != NULL) {
		len = strlen(o->producer);
		memcpy(*data, o->producer, len + 1);
		copy->producer = *data;
		*data += len + 1;
	}
	for (i = 0; i < o->nexpects; i++) {
		len = strlen(o->expects[i].topic);
		memcpy(*data, o->expects[i].topic, len + 1);
		exp[i].topic    = *data;
		exp[i].next_seq = o->expects[i].next_seq;
		*data += len + 1;
	}
	copy->expects = o->nexpects > 0 ? exp : NULL;
	return copy;
}

int
pp_commit_async(pp_client *c, const pp_record *recs, size_t count,
    pp_commit_cb cb, void *arg)
{
	return pp_commit_with_async(c, recs, count, NULL, cb, arg);
}

int
pp_commit_with_async(pp_client *c, const pp_record *recs, size_t count,
    const pp_commit_opts *opts, pp_commit_cb cb, void *arg)
{
	ppi_commitq *q;
	pending     *p;
	pp_record   *copy;
	char        *data;
	size_t       bytes, i, size, nopts;
	int          rv;

	if ((rv = validate(c, recs, count, &bytes)) != 0 ||
	    (rv = validate_opts(c, opts, &bytes)) != 0) {
		return rv;
	}
	if (cb == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "callback is NULL");
	}
	/* One allocation: entry, ids, record array, options and their
	 * expects, then topics and bodies (and the options' strings). */
	nopts = opts != NULL
	    ? sizeof(pp_commit_opts) + opts->nexpects * sizeof(pp_expect)
	    : 0;
	size = sizeof(*p) + count * (sizeof(pp_id) + sizeof(pp_record)) +
	    nopts + bytes;
	if ((p = malloc(size)) == NULL) {
		return PP_ENOMEM;
	}
	memset(p, 0, sizeof(*p));
	p->kind = PPI_CALL_COMMIT;
	p->ids  = (pp_id *) (p + 1);
	copy    = (pp_record *) (p->ids + count);
	data    = (char *) (copy + count) + nopts;
	p->opts = copy_opts(opts, copy + count, &data);
	for (i = 0; i < count; i++) {
		copy_record(&recs[i], &copy[i], &data);
	}
	p->recs  = copy;
	p->count = count;
	p->bytes = bytes;
	p->cb    = cb;
	p->arg   = arg;
	if ((rv = commitq_get(c, &q)) != 0 ||
	    (rv = enqueue(c, q, p, NULL, NULL)) != 0) {
		free(p);
		return rv;
	}
	return 0;
}

int
pp_flush(pp_client *c, int timeout_ms)
{
	ppi_commitq    *q;
	struct timespec deadline;
	uint64_t        target;
	int             rv = 0;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	pthread_mutex_lock(&init_mtx);
	q = c->commitq;
	pthread_mutex_unlock(&init_mtx);
	if (q == NULL) {
		return 0;
	}
	deadline = ppi_deadline_after_us(
	    CLOCK_REALTIME, timeout_ms >= 0 ? timeout_ms * 1000LL : 0);
	pthread_mutex_lock(&q->mtx);
	target = q->submitted;
	while (q->completed < target && rv == 0) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&q->done, &q->mtx);
		} else if (pthread_cond_timedwait(&q->done, &q->mtx, &deadline) !=
		    0) {
			rv = q->completed < target ? PP_ETIMEDOUT : 0;
		}
	}
	pthread_mutex_unlock(&q->mtx);
	return rv;
}

void
ppi_commitq_stop(pp_client *c)
{
	ppi_commitq *q = c->commitq;
	int          i;

	if (q == NULL) {
		return;
	}
	pthread_mutex_lock(&q->mtx);
	q->is_stopping = true;
	pthread_cond_broadcast(&q->work);
	pthread_cond_broadcast(&q->done);
	pthread_mutex_unlock(&q->mtx);
	/* Senders drain the queue before they exit. */
	for (i = 0; i < q->nsenders; i++) {
		pthread_join(q->senders[i], NULL);
	}
	pthread_mutex_destroy(&q->mtx);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->done);
	free(q);
	c->commitq = NULL;
}

/*
 * One pp_commit_async_many() call: a single allocation holding this
 * header, its entries (one one-log commit each, chained in order), their
 * records, statuses and ids, then the copied topics and bodies.
 *
 * Entries are dispatched batch after batch in order (run_batch's
 * wait_turn), so `left` is only ever touched by one sender at a time,
 * ordered by the queue's lock, and the slab's last entry is released
 * after every other one.
 */
typedef struct commit_group {
	size_t            count;
	size_t            left; /* entries whose outcome is not known yet */
	pending          *entries;
	int              *status;
	pp_id            *ids;
	pp_commit_many_cb cb;
	void             *arg;
} commit_group;

/* pp_commit_cb of one entry: its id already landed in g->ids (p->ids). */
static void
group_entry_done(void *arg, int status, const pp_id *ids, size_t count)
{
	pending      *p = arg;
	commit_group *g = p->group;
	size_t        i = (size_t) (p - g->entries);

	(void) ids;
	(void) count;
	g->status[i] = status;
	if (status != 0) {
		g->ids[i].ms  = 0;
		g->ids[i].seq = 0;
	}
	if (--g->left == 0) {
		g->cb(g->arg, g->status, g->ids, g->count);
	}
}

/* An entry leaves the queue (lock held); the last one frees the slab. */
static void
group_release(pending *p)
{
	commit_group *g = p->group;

	if (p == &g->entries[g->count - 1]) {
		free(g);
	}
}

/* Appends a group's chained entries to the queue with one lock. */
static int
enqueue_group(pp_client *c, ppi_commitq *q, commit_group *g, size_t bytes)
{
	pthread_mutex_lock(&q->mtx);
	while (q->queued_bytes > 0 &&
	    q->queued_bytes + bytes > QUEUE_MAX_BYTES && !q->is_stopping) {
		pthread_cond_wait(&q->done, &q->mtx);
	}
	if (q->is_stopping || __atomic_load_n(&c->is_closed, __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&q->mtx);
		return ppi_client_fail(c, PP_ECLOSED, "client is shut down");
	}
	*q->tail = &g->entries[0];
	q->tail  = &g->entries[g->count - 1].next;
	q->queued_bytes += bytes;
	q->nqueued += g->count;
	q->submitted += g->count;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->mtx);
	return 0;
}

int
pp_commit_async_many(pp_client *c, const pp_record *recs, size_t count,
    pp_commit_many_cb cb, void *arg)
{
	ppi_commitq  *q;
	commit_group *g;
	pending      *p;
	pp_record    *copy;
	char         *data;
	size_t        i, b, total = 0, fixed;
	int           rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (recs == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "records is NULL");
	}
	if (count == 0) {
		return ppi_client_fail(c, PP_EEMPTY, "no logs to commit");
	}
	if (cb == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "callback is NULL");
	}
	/* Every record is its own commit: each is checked on its own
	 * (not against one request's limit), all before anything is
	 * queued. */
	for (i = 0; i < count; i++) {
		if ((rv = validate_from(c, recs + i, 1, i, &b)) != 0) {
			return rv;
		}
		total += b;
	}
	fixed = sizeof(pending) + sizeof(pp_record) + sizeof(int) +
	    sizeof(pp_id);
	if (count > (SIZE_MAX - sizeof(*g) - total) / fixed) {
		return ppi_client_fail(c, PP_ENOMEM, "too many records");
	}
	/* Header, entries, records, ids, statuses, then the strings: a
	 * record's topic and body take at most its queue weight. */
	if ((g = malloc(sizeof(*g) + count * fixed + total)) == NULL) {
		return ppi_client_fail(c, PP_ENOMEM, "out of memory");
	}
	g->count   = count;
	g->left    = count;
	g->cb      = cb;
	g->arg     = arg;
	g->entries = (pending *) (g + 1);
	copy       = (pp_record *) (g->entries + count);
	g->ids     = (pp_id *) (copy + count);
	g->status  = (int *) (g->ids + count);
	data       = (char *) (g->status + count);
	for (i = 0; i < count; i++) {
		p = &g->entries[i];
		memset(p, 0, sizeof(*p));
		copy_record(&recs[i], &copy[i], &data);
		p->next  = i + 1 < count ? p + 1 : NULL;
		p->kind  = PPI_CALL_COMMIT;
		p->recs  = &copy[i];
		p->count = 1;
		p->bytes = record_bytes(recs[i].len, strlen(copy[i].topic));
		p->ids   = &g->ids[i];
		p->cb    = group_entry_done;
		p->arg   = p;
		p->group = g;
		g->status[i] = 0;
	}
	if ((rv = commitq_get(c, &q)) != 0 ||
	    (rv = enqueue_group(c, q, g, total)) != 0) {
		free(g);
		return rv;
	}
	return 0;
}
