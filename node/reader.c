/*
 * reader.c - reader threads: each takes one read request at a time and
 * answers it from a short LMDB read transaction, in parallel with the
 * writer (LMDB readers never block the writer, nor it them).
 */
#include <stdlib.h>

#include "node.h"
#include "queue.h"

#define READERS_MAX 16

struct reader {
	store    *store;
	queue     q;
	int       nthreads;
	pthread_t threads[READERS_MAX];
};

static void
answer(store *s, request *r)
{
	switch (r->req.op) {
	case PPI_OP_RANGE:
		store_range(s, &r->req, &r->reply);
		break;
	case PPI_OP_LENGTH:
		store_length(s, &r->req, &r->reply);
		break;
	case PPI_OP_STAT:
		store_stat(s, &r->req, &r->reply);
		break;
	case PPI_OP_TOPICS:
		store_topics(s, &r->req, &r->reply);
		break;
	default:
		ppi_wire_reply_error(
		    &r->reply, PP_EINTERNAL, "not a read operation");
		break;
	}
	server_reply(r);
}

static void *
reader_main(void *arg)
{
	reader  *rd = arg;
	request *r;

	while ((r = queue_pop(&rd->q, false)) != NULL) {
		answer(rd->store, r);
	}
	return NULL;
}

int
reader_start(store *s, int nthreads, reader **out)
{
	reader *rd;

	if ((rd = calloc(1, sizeof(*rd))) == NULL) {
		return PP_ENOMEM;
	}
	rd->store = s;
	queue_init(&rd->q);
	if (nthreads > READERS_MAX) {
		nthreads = READERS_MAX;
	}
	while (rd->nthreads < nthreads &&
	    pthread_create(&rd->threads[rd->nthreads], NULL, reader_main,
	        rd) == 0) {
		rd->nthreads++;
	}
	if (rd->nthreads == 0) {
		queue_fini(&rd->q);
		free(rd);
		return PP_ENOMEM;
	}
	*out = rd;
	return 0;
}

void
reader_submit(reader *rd, request *r)
{
	queue_push(&rd->q, r);
}

void
reader_stop(reader *rd)
{
	int i;

	if (rd == NULL) {
		return;
	}
	queue_close(&rd->q);
	for (i = 0; i < rd->nthreads; i++) {
		pthread_join(rd->threads[i], NULL);
	}
	queue_fini(&rd->q);
	free(rd);
}
