/*
 * writer.c - the writer thread: group commit.
 *
 * The thread sleeps on its queue; when woken it takes every queued write
 * request and hands them to store_commit_group() as one transaction with
 * one sync, then answers them all. Requests arriving meanwhile form the
 * next group, so the more clients wait, the more each sync carries.
 *
 * When fewer requests are queued than clients were active in the last two
 * groups, the writer lingers up to LINGER_US for the others (their reply
 * is on its way to them and their next commit on its way back), as
 * PostgreSQL's commit_delay does. Without it, N busy clients settle into
 * two cohorts that alternate, each paying for a sync. A lone client never
 * waits: it is the only active one.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node.h"
#include "deadline.h"
#include "queue.h"

/* Upper bound of requests per group: keeps one transaction bounded. */
#define GROUP_MAX 4096
#define LINGER_US 150

#define RECENT_MAX 64

struct writer {
	store    *store;
	queue     q;
	pthread_t thread;
	uint64_t  recent[2][RECENT_MAX]; /* distinct cids of the last groups */
	size_t    nrecent[2];
};

static size_t
list_length(const request *r)
{
	size_t n = 0;

	for (; r != NULL; r = r->next) {
		n++;
	}
	return n;
}

static bool
has_cid(const uint64_t *cids, size_t n, uint64_t cid)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (cids[i] == cid) {
			return true;
		}
	}
	return false;
}

/* Distinct clients of the last two groups: the ones worth waiting for. */
static size_t
active_clients(const writer *w)
{
	size_t n = w->nrecent[0], i;

	for (i = 0; i < w->nrecent[1]; i++) {
		if (!has_cid(w->recent[0], w->nrecent[0], w->recent[1][i])) {
			n++;
		}
	}
	return n;
}

static void
remember_clients(writer *w, const request *list)
{
	memcpy(w->recent[1], w->recent[0], sizeof(w->recent[0]));
	w->nrecent[1] = w->nrecent[0];
	w->nrecent[0] = 0;
	for (; list != NULL && w->nrecent[0] < RECENT_MAX; list = list->next) {
		if (!has_cid(w->recent[0], w->nrecent[0], list->req.cid)) {
			w->recent[0][w->nrecent[0]++] = list->req.cid;
		}
	}
}

/* Waits briefly for the other active clients (see above). */
static request *
linger(writer *w, request *list)
{
	struct timespec deadline;
	request        *more, *tail;
	size_t          n = list_length(list), want = active_clients(w);

	if (n < want) {
		deadline = ppi_deadline_after_us(CLOCK_REALTIME, LINGER_US);
		for (tail = list; tail->next != NULL; tail = tail->next) {
		}
		while (n < want &&
		    (more = queue_pop_until(&w->q, &deadline)) != NULL) {
			tail->next = more;
			n += list_length(more);
			for (; tail->next != NULL; tail = tail->next) {
			}
		}
	}
	remember_clients(w, list);
	return list;
}

static void
commit_list(writer *w, request *list)
{
	const ppi_request *reqs[GROUP_MAX];
	ppi_buf           *replies[GROUP_MAX];
	request           *batch[GROUP_MAX];
	request           *r, *next;
	size_t             n, i;

	while (list != NULL) {
		for (n = 0, r = list; r != NULL && n < GROUP_MAX; r = next) {
			next       = r->next;
			batch[n]   = r;
			reqs[n]    = &r->req;
			replies[n] = &r->reply;
			n++;
		}
		list = r;
		store_commit_group(w->store, reqs, replies, n);
		for (i = 0; i < n; i++) {
			server_reply(batch[i]);
		}
	}
}

static void *
writer_main(void *arg)
{
	writer  *w = arg;
	request *list;

	while ((list = queue_pop(&w->q, true)) != NULL) {
		commit_list(w, linger(w, list));
	}
	return NULL;
}

int
writer_start(store *s, writer **wp)
{
	writer *w;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		return PP_ENOMEM;
	}
	w->store = s;
	queue_init(&w->q);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		queue_fini(&w->q);
		free(w);
		return PP_ENOMEM;
	}
	*wp = w;
	return 0;
}

void
writer_submit(writer *w, request *r)
{
	queue_push(&w->q, r);
}

void
writer_stop(writer *w)
{
	if (w == NULL) {
		return;
	}
	queue_close(&w->q);
	pthread_join(w->thread, NULL);
	queue_fini(&w->q);
	free(w);
}
