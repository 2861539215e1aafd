/*
 * reader.c - reader threads: each takes one read request at a time and
 * answers it from a short LMDB read transaction, in parallel with the
 * writer (LMDB readers never block the writer, nor it them). Pages of a
 * walk are read ahead by spec.c.
 */
#include <stdlib.h>

#include "node.h"
#include "queue.h"
#include "spec.h"

#define READERS_MAX 16

struct reader {
	store    *store;
	spec     *spec;
	queue     q;
	int       nthreads;
	pthread_t threads[READERS_MAX];
};

/* A page of a walk may have been prepared ahead (spec.c). */
static void
answer_range(reader *rd, request *r)
{
	store_page page;

	if (!r->req.is_stream ||
	    !spec_take(rd->spec, &r->req, &r->reply, &page)) {
		store_range(rd->store, &r->req, &r->reply, &page);
	}
	spec_after(rd->spec, &r->req, &page);
}

static void
answer(reader *rd, request *r)
{
	store *s = rd->store;

	switch (r->req.op) {
	case PPI_OP_RANGE:
		answer_range(rd, r);
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
	case PPI_OP_PINSPECT:
		store_proc_inspect(s, &r->req, &r->reply);
		break;
	case PPI_OP_PROCS:
		store_procs(s, &r->req, &r->reply);
		break;
	case PPI_OP_BACKUP:
		store_backup(s, &r->req, &r->reply);
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
		answer(rd, r);
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
	if (spec_start(s, &rd->spec) != 0) {
		free(rd);
		return PP_ENOMEM;
	}
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
		spec_stop(rd->spec);
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
	spec_stop(rd->spec);
	free(rd);
}
