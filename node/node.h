/*
 * node.h - what the node's modules share: the request in flight and the
 * node object that ties store, writer, readers and server together.
 *
 *   server.c   NNG rep contexts: receive, decode, dispatch, reply
 *   writer.c   the writer thread: group commit
 *   reader.c   reader threads: range, length, stat, topics
 *   queue.c    the request queue both of them sleep on
 *   syncer.c   --sync interval:MS
 *   workers.c  the supervisor of worker processes
 *   main.c     arguments, data directory lock, start and stop
 */
#ifndef PP_NODE_NODE_H
#define PP_NODE_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"
#include "wire.h"

typedef struct request request;
typedef struct server  server;
typedef struct writer  writer;
typedef struct reader  reader;

/* One request from receipt to reply; owned by its server context. */
struct request {
	request    *next;  /* queue link */
	ppi_request req;   /* decoded; points into the received frame */
	ppi_buf     reply; /* the frame to send */
	void       *conn;  /* the server context that will send it */
	uint32_t    pipe_id; /* the connection it came on (NNG pipe) */
	uint64_t    park_deadline_ms; /* a waiting claim: 0 = no end */
	uint64_t    queued_us; /* monotonic, when handed to the writer */
};

typedef struct node {
	store   *store;
	writer  *writer;
	reader  *reader;
	server  *server;
	uint64_t max_body;
	int      stop_pipe[2]; /* server -> main: a shutdown request came */
	request *shutdown_req; /* answered last, once everything stopped */
} node;

/* server_reply - send r->reply back to its client (any thread). */
void server_reply(request *r);

/* Garbage collection settings of the writer (pipeproc-node --gc). */
typedef struct writer_gc {
	bool     is_enabled;
	uint64_t min_prune_ms;
	uint64_t interval_ms;
	/* How long replies of write requests are remembered for resends
	 * (--dedupe-window); 0: an hour. */
	uint64_t dedupe_window_ms;
} writer_gc;

int  writer_start(store *s, const writer_gc *gc, writer **w);
void writer_submit(writer *w, request *r);

/* A worker that starts, or ended (its claims go back at once). */
typedef struct worker_event {
	uint32_t slot;
	bool     is_start;
	bool     is_planned; /* it exited on purpose: not a failure */
	char     why[160];
} worker_event;

/*
 * writer_worker_started - worker `slot` is about to start: only running
 * workers get claims (any thread; call before starting it).
 */
void writer_worker_started(writer *w, uint32_t slot);
/*
 * writer_worker_exited - worker `slot` is gone: give its claims back at
 * once, counted as failed reclaims with `why` as the error unless
 * is_planned (any thread).
 */
void writer_worker_exited(
    writer *w, uint32_t slot, bool is_planned, const char *why);
/* writer_pipe_closed - the client of connection `pipe_id` is gone: drop
 * its waiting requests (any thread). */
void writer_pipe_closed(writer *w, uint32_t pipe_id);
/* writer_stop_workers - answer workers' claims with PP_ESHUTDOWN from now
 * on, waiting ones included (any thread). */
void writer_stop_workers(writer *w);
/* writer_stop - answer everything queued, then stop the thread. */
void writer_stop(writer *w);

int  reader_start(store *s, int nthreads, reader **r);
/* reader_set_system - where checked systemProcs go, and the program
 * that checks their plugins (before any request arrives). */
void reader_set_system(reader *rd, writer *w, const char *worker_path);
void reader_submit(reader *rd, request *r);
/* reader_stop - answer everything queued, then stop the threads. */
void reader_stop(reader *rd);

#endif
