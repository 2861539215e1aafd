/*
 * writer.c - the writer thread: group commit.
 *
 * The thread sleeps on its queue; when woken it takes every queued write
 * request and hands them to store_commit_group() as one transaction with
 * one sync, then answers them all. Requests arriving meanwhile form the
 * next group, so the more clients wait, the more each sync carries.
 */
#include <stdlib.h>

#include "node.h"
#include "queue.h"

/* Upper bound of requests per group: keeps one transaction bounded. */
#define GROUP_MAX 4096

struct writer {
	store    *store;
	queue     q;
	pthread_t thread;
};

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
		commit_list(w, list);
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
