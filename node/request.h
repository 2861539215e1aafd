/*
 * request.h - one request in flight, from receipt to reply, and how it
 * is finished. The server fills it and sets `done`; the writer or a
 * reader computes the reply and calls request_done() from its own thread,
 * the way NNG finishes an aio through its callback. So the writer and
 * the readers never call back into the server: they only know this
 * header.
 */
#ifndef PP_NODE_REQUEST_H
#define PP_NODE_REQUEST_H

#include <stdint.h>

#include "buf.h"
#include "wire.h"

typedef struct request request;

/* How a finished request's reply leaves: set by its owner, called once. */
typedef void (*request_done_fn)(request *r);

/* One request from receipt to reply; owned by its server context. */
struct request {
	request        *next;    /* queue link */
	ppi_request     req;     /* decoded; points into the received frame */
	ppi_buf         reply;   /* the frame to send */
	request_done_fn done;    /* sends the reply (any thread) */
	void           *conn;    /* the owner's context, for done() */
	uint32_t        pipe_id; /* the connection it came on (NNG pipe) */
	uint64_t        park_deadline_ms; /* a waiting claim: 0 = no end */
	uint64_t        queued_us; /* monotonic, when handed to the writer */
};

/*
 * request_done - r->reply is final: hand it to the owner, which sends it
 * and reuses r. The caller must not touch r afterwards (any thread).
 */
static inline void
request_done(request *r)
{
	r->done(r);
}

#endif
