/*
 * commit.c - the dispatcher of the writer's group commits: it orders a
 * group's requests, runs them through their handlers (ops.h) in one
 * group (group.h) and turns a failed group into every request's error.
 * The claim timer's reclaims come through here too (store_commit_expire).
 *
 * Design notes:
 * - Inside the writer, failure is sticky: one storage failure aborts the
 *   whole group, and every request of the batch gets that error.
 * - A client's requests apply in (cid, rid) order, whatever order they
 *   arrived in (docs/DESIGN.md §5).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "ops.h"

struct order_slot {
	const ppi_request *req;
	ppi_buf           *reply;
	bool              *is_parked;
};

/* Orders a group by (cid, rid) so a client's requests apply in order. */
static int
by_client_order(const void *a, const void *b)
{
	const ppi_request *x = ((const struct order_slot *) a)->req;
	const ppi_request *y = ((const struct order_slot *) b)->req;

	if (x->cid != y->cid) {
		return x->cid < y->cid ? -1 : 1;
	}
	if (x->rid != y->rid) {
		return x->rid < y->rid ? -1 : 1;
	}
	return 0;
}

struct requests_arg {
	struct order_slot *slots;
	size_t             n;
};

static int
apply_requests(group *g, void *arg)
{
	struct requests_arg *a = arg;
	const ppi_request   *req;
	size_t               i;
	int                  rc = 0;

	for (i = 0; i < a->n && rc == 0; i++) {
		req = a->slots[i].req;
		ppi_buf_reset(a->slots[i].reply);
		*a->slots[i].is_parked = false;
		switch (req->op) {
		case PPI_OP_COMMIT:
			rc = calls_apply(g, req, a->slots[i].reply);
			break;
		case PPI_OP_PROC:
			rc = claim_proc(g, req, a->slots[i].reply,
			    a->slots[i].is_parked);
			break;
		case PPI_OP_AVAIL:
			rc = claim_available(g, req, a->slots[i].reply,
			    a->slots[i].is_parked);
			break;
		case PPI_OP_WAITPROCS:
			rc = admin_wait(g, req, a->slots[i].reply,
			    a->slots[i].is_parked);
			break;
		case PPI_OP_TDELETE:
			rc = admin_topic_delete(g, req, a->slots[i].reply);
			break;
		case PPI_OP_TCONFIG:
			rc = admin_topic_config(g, req, a->slots[i].reply);
			break;
		case PPI_OP_SYSPROC:
			rc = system_create(g, req, a->slots[i].reply);
			break;
		case PPI_OP_SYSDESTROY:
			rc = system_destroy(g, req, a->slots[i].reply);
			break;
		case PPI_OP_SYSCLAIM:
			rc = systable_claim(g, req, a->slots[i].reply,
			    a->slots[i].is_parked);
			break;
		default:
			rc = admin_proc(g, req, a->slots[i].reply);
			break;
		}
		/* Only a request that asked to wait may be parked. */
		*a->slots[i].is_parked =
		    *a->slots[i].is_parked && req->wait_ms != 0;
	}
	return rc;
}

void
store_commit_group(store *s, const ppi_request *const *reqs,
    ppi_buf *const *replies, bool *is_parked, size_t n, store_outcome *out)
{
	struct requests_arg a;
	char                msg[256];
	size_t              i;
	int                 rc, rv;

	memset(out, 0, sizeof(*out));
	if ((a.slots = malloc(sizeof(*a.slots) * (n + 1))) == NULL) {
		rc = ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		a.slots[i].req       = reqs[i];
		a.slots[i].reply     = replies[i];
		a.slots[i].is_parked = &is_parked[i];
	}
	a.n = n;
	qsort(a.slots, n, sizeof(*a.slots), by_client_order);
	rc = group_run(s, apply_requests, &a, out);
	free(a.slots);
	if (rc == 0) {
		return;
	}
fail:
	rv = store_error(rc, "commit", msg, sizeof(msg));
	for (i = 0; i < n; i++) {
		is_parked[i] = false;
		ppi_buf_reset(replies[i]);
		ppi_wire_reply_error(replies[i], rv, msg);
	}
}

struct expire_arg {
	const store_timer *timers;
	size_t             n;
};

static int
apply_expire(group *g, void *arg)
{
	struct expire_arg *a = arg;
	size_t             i;
	int                rc = 0;

	for (i = 0; i < a->n && rc == 0; i++) {
		rc = settle_expire(g, &a->timers[i]);
	}
	return rc;
}

void
store_commit_expire(
    store *s, const store_timer *timers, size_t n, store_outcome *out)
{
	struct expire_arg a = { timers, n };
	char              msg[256];
	int               rc;

	memset(out, 0, sizeof(*out));
	if ((rc = group_run(s, apply_expire, &a, out)) != 0) {
		/* The timers fire again: the writer keeps them. */
		store_error(rc, "reclaim timer", msg, sizeof(msg));
		fprintf(stderr, "pipeproc-node: %s\n", msg);
	}
}
