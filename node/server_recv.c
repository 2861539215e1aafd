/*
 * server_recv.c - what a context receives: the frame checked (shutdown,
 * access token, size), decoded, and handed to the writer or a reader or
 * answered at once (the design notes at the top of server.c).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>

#include "server_impl.h"

static void
answer_now(request *r, int status, const char *msg)
{
	ppi_wire_reply_error(&r->reply, status, msg);
	server_conn_reply(r);
}

static void
dispatch(server *s, request *r)
{
	node    *n = s->node;
	request *expected = NULL;

	switch (r->req.op) {
	case PPI_OP_HELLO:
		ppi_wire_reply_hello(&r->reply, n->max_body, (uint64_t) getpid(),
		    n->store_dir, store_node_id(n->store));
		server_conn_reply(r);
		return;
	case PPI_OP_COMMIT:
	case PPI_OP_PROC:
	case PPI_OP_PDISABLE:
	case PPI_OP_PRESUME:
	case PPI_OP_PDESTROY:
	case PPI_OP_AVAIL:
	case PPI_OP_WAITPROCS:
	case PPI_OP_TDELETE:
	case PPI_OP_TCONFIG:
	case PPI_OP_SYSDESTROY:
	case PPI_OP_SYSCLAIM:
		writer_submit(n->writer, r);
		return;
	case PPI_OP_SHUTDOWN:
		/* Answered by main once everything else is done. */
		if (__atomic_compare_exchange_n(&n->shutdown_req, &expected, r,
		        false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			pthread_mutex_lock(&s->mtx);
			s->shutdown_pipe = (uint32_t) nng_pipe_id(nng_msg_get_pipe(
			    ((conn *) r->conn)->frame));
			pthread_mutex_unlock(&s->mtx);
			/* Not refusing yet: main stops the workers first,
			 * and they settle their claims through us. */
			if (write(n->stop_pipe[1], "s", 1) < 0) {
				/* The pipe is never full: one byte per stop. */
			}
			return;
		}
		answer_now(r, PP_ESHUTDOWN, "node is already shutting down");
		return;
	default:
		reader_submit(n->reader, r);
		return;
	}
}

static void
on_receive(conn *c)
{
	server *s = c->srv;
	char    msg[256];
	size_t  len;
	int     rv;

	c->frame = nng_aio_get_msg(c->aio);
	len      = nng_msg_len(c->frame);
	memset(&c->req, 0, sizeof(c->req));
	ppi_buf_init_with(&c->req.reply, server_reply_mem, c);
	c->req.conn    = c;
	c->req.done    = server_conn_reply;
	c->req.pipe_id = (uint32_t) nng_pipe_id(nng_msg_get_pipe(c->frame));
	server_inflight_add(s, 1);
	if (atomic_load(&s->is_refusing)) {
		answer_now(&c->req, PP_ESHUTDOWN, "node is shutting down");
		return;
	}
	/* Before anything else looks at the frame (auth.c). */
	if ((rv = auth_check(s->auth,
	         (uint32_t) nng_pipe_id(nng_msg_get_pipe(c->frame)),
	         nng_msg_body(c->frame), len, msg, sizeof(msg))) != 0) {
		if (rv == PP_EPEER) {
			server_foreign_reason(s, nng_msg_get_pipe(c->frame),
			    msg, sizeof(msg));
		}
		answer_now(&c->req, rv, msg);
		return;
	}
	if (len > PPI_REQUEST_MAX(s->node->max_body)) {
		snprintf(msg, sizeof(msg),
		    "request of %zu bytes exceeds the limit of %llu", len,
		    (unsigned long long) PPI_REQUEST_MAX(s->node->max_body));
		answer_now(&c->req, PP_ETOOLARGE, msg);
		return;
	}
	rv = ppi_wire_request_decode(
	    nng_msg_body(c->frame), len, &c->req.req, msg, sizeof(msg));
	if (rv != 0) {
		answer_now(&c->req, rv, msg);
		return;
	}
	dispatch(s, &c->req);
}

void
server_conn_cb(void *arg)
{
	conn *c  = arg;
	int   rv = nng_aio_result(c->aio);

	/* Only receives complete here: replies go through send_aio. */
	if (rv == NNG_ECLOSED) {
		return;
	}
	if (rv == 0) {
		on_receive(c);
		return;
	}
	c->state = CONN_RECV;
	nng_ctx_recv(c->ctx, c->aio);
}

