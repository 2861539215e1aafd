/*
 * reader.c - reader threads: each takes one read request at a time and
 * answers it from a short LMDB read transaction, in parallel with the
 * writer (LMDB readers never block the writer, nor it them). Pages of a
 * walk are read ahead by spec.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "plugin_check.h"
#include "queue.h"
#include "source_lag.h"
#include "spec.h"
#include "stats.h"

#define READERS_MAX 16

struct reader {
	store    *store;
	spec     *spec;
	queue     q;
	int       nthreads;
	pthread_t threads[READERS_MAX];
	writer     *writer;      /* systemProcs go on to it once checked */
	const char *worker_path; /* runs the plugin checks */
};

/*
 * A new systemProc's plugin is checked here, in a reader, because the
 * check runs a process and may take a while: the writer never waits for
 * it. A good one goes on to the writer, which stores the systemProc.
 * Returns true when the request was passed on (not answered here).
 */
static bool
check_system(reader *rd, request *r)
{
	char             plugin[4097], config[4097], name[PP_TOPIC_MAX + 1];
	char             msg[1024];
	plugin_check_for sp;
	int              rv;

	if (r->req.plugin.len >= sizeof(plugin) ||
	    r->req.config.len >= sizeof(config)) {
		ppi_wire_reply_error(&r->reply, PP_EINVAL,
		    "plugin path or config too long");
		return false;
	}
	memcpy(plugin, r->req.plugin.ptr, r->req.plugin.len);
	plugin[r->req.plugin.len] = '\0';
	memcpy(config, r->req.config.ptr, r->req.config.len);
	config[r->req.config.len] = '\0';
	/* A name without '/' is looked up by the worker (plugin_path.c). */
	if (plugin[0] != '/' && strchr(plugin, '/') != NULL) {
		ppi_wire_reply_error(&r->reply, PP_EINVAL,
		    "plugin must be an absolute path or a name without '/'");
		return false;
	}
	if (memchr(r->req.config.ptr, '\0', r->req.config.len) != NULL) {
		ppi_wire_reply_error(&r->reply, PP_EINVAL,
		    "config must not contain NUL bytes");
		return false;
	}
	snprintf(name, sizeof(name), "%.*s", (int) r->req.name.len,
	    r->req.name.ptr);
	sp.name               = name;
	sp.config             = config;
	sp.max_reclaims       = r->req.max_reclaims;
	sp.reclaim_timeout_ms = r->req.reclaim_timeout;
	sp.is_source          = r->req.nnames == 0;
	rv = plugin_check(rd->worker_path, plugin, &sp, msg, sizeof(msg));
	if (rv != 0) {
		ppi_wire_reply_error(&r->reply, rv, msg);
		return false;
	}
	writer_submit(rd->writer, r);
	return true;
}

/* A page of a walk may have been prepared ahead (spec.c). */
static void
answer_range(reader *rd, request *r)
{
	store_page page;

	if (!r->req.is_stream ||
	    !spec_take(rd->spec, &r->req, &r->reply, &page)) {
		store_read_range(rd->store, &r->req, &r->reply, &page);
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
		store_read_length(s, &r->req, &r->reply);
		break;
	case PPI_OP_STAT:
		store_read_stat(s, &r->req, &r->reply);
		break;
	case PPI_OP_TOPICS:
		store_read_topics(s, &r->req, &r->reply);
		break;
	case PPI_OP_PINSPECT:
		store_inspect_proc(s, &r->req, &r->reply);
		break;
	case PPI_OP_PROCS:
		store_inspect_procs(s, &r->req, &r->reply);
		break;
	case PPI_OP_BACKUP:
		store_backup(s, &r->req, &r->reply);
		break;
	case PPI_OP_STATS:
		stats_reply(s, &r->req, &r->reply);
		break;
	case PPI_OP_PRODUCER:
		store_producers_get(s, &r->req, &r->reply);
		break;
	case PPI_OP_SRCREPORT:
		source_lag_answer(s, &r->req, &r->reply);
		break;
	case PPI_OP_SYSPROC:
		if (check_system(rd, r)) {
			return;
		}
		break;
	default:
		ppi_wire_reply_error(
		    &r->reply, PP_EINTERNAL, "not a read operation");
		break;
	}
	request_done(r);
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
reader_set_system(reader *rd, writer *w, const char *worker_path)
{
	rd->writer      = w;
	rd->worker_path = worker_path;
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
