/*
 * server_reply.c - the server's replies: a request's reply buffer in an
 * NNG message, sent inline from the thread that finished the request,
 * and the sweep that lets contexts whose reply waited behind another on
 * its connection receive again (the design notes at the top of
 * server.c).
 */
#include <pthread.h>
#include <stdatomic.h>

#include <nng/nng.h>

#include "server_impl.h"

/* How often contexts whose reply waited behind another on its
 * connection are looked at when no other reply does it (see
 * drain_sweep): only when traffic stops, since every reply sweeps. NNG's
 * timer thread spins through the last millisecond of every sleep, so
 * this is one timer for all of them, and not a short one. */
#define DRAIN_POLL_MS 100

void
server_inflight_add(server *s, int delta)
{
	/* Both sequentially consistent: either the waiter sees the new
	 * count, or we see the waiter and wake it. */
	atomic_fetch_add(&s->inflight, delta);
	if (atomic_load(&s->has_idle_waiter)) {
		pthread_mutex_lock(&s->mtx);
		pthread_cond_broadcast(&s->idle);
		pthread_mutex_unlock(&s->mtx);
	}
}

/*
 * The reply buffer of a request lives in an NNG message, so a reply (a
 * 2 MiB range page, say) is sent without being copied.
 */
void *
server_reply_mem(void *arg, void *ptr, size_t size)
{
	conn *c = arg;

	(void) ptr;
	if (size == 0) {
		nng_msg_free(c->reply);
		c->reply = NULL;
		return NULL;
	}
	if (c->reply == NULL) {
		if (nng_msg_alloc(&c->reply, size) != 0) {
			c->reply = NULL;
			return NULL;
		}
	} else if (nng_msg_realloc(c->reply, size) != 0) {
		return NULL;
	}
	return nng_msg_body(c->reply);
}

/* Releases the finished request and receives the next one. */
static void
conn_recycle(conn *c)
{
	ppi_wire_request_fini(&c->req.req);
	ppi_buf_fini(&c->req.reply);
	nng_msg_free(c->frame);
	c->frame = NULL;
	server_inflight_add(c->srv, -1);
	c->state = CONN_RECV;
	nng_ctx_recv(c->ctx, c->aio);
}

/*
 * Whether the reply handed to send_aio has left the context (sent,
 * dropped, or failed). NNG 1.5.2 has no nng_aio_busy(): rep0 takes the
 * message off the aio when it passes the reply to the connection, and
 * leaves it there while the reply waits behind another one on a busy
 * connection (or when the send failed, with an error result). A message
 * taken off means the completion runs right now or ran, so waiting for
 * it is short.
 */
static bool
send_is_over(conn *c)
{
	nng_msg *msg;

	if (nng_aio_get_msg(c->send_aio) != NULL &&
	    nng_aio_result(c->send_aio) == 0) {
		return false; /* queued behind another reply */
	}
	nng_aio_wait(c->send_aio);
	if ((msg = nng_aio_get_msg(c->send_aio)) != NULL) {
		/* A failed send leaves the reply with us. */
		nng_aio_set_msg(c->send_aio, NULL);
		nng_msg_free(msg);
	}
	return true;
}

/*
 * Contexts may receive again once their reply has left: rep0 takes one
 * send at a time per context. Those still waiting (about 1% of replies
 * under load: the connection had not finished the previous one) are
 * looked at after every reply sent and by a timer while any remain.
 */
static void
drain_sweep(server *s)
{
	conn **pp, *c, *ready = NULL;

	if (atomic_load(&s->ndraining) == 0) {
		return;
	}
	pthread_mutex_lock(&s->drain_mtx);
	for (pp = &s->draining; (c = *pp) != NULL;) {
		if (send_is_over(c)) {
			*pp           = c->drain_next;
			c->drain_next = ready;
			ready         = c;
			atomic_fetch_sub(&s->ndraining, 1);
		} else {
			pp = &c->drain_next;
		}
	}
	pthread_mutex_unlock(&s->drain_mtx);
	while ((c = ready) != NULL) {
		ready = c->drain_next;
		conn_recycle(c);
	}
}

void
server_drain_cb(void *arg)
{
	server *s = arg;

	if (nng_aio_result(s->drain_aio) != 0) {
		return; /* server_close; it frees what the contexts hold */
	}
	drain_sweep(s);
	pthread_mutex_lock(&s->drain_mtx);
	s->is_drain_armed = s->draining != NULL;
	if (s->is_drain_armed) {
		nng_sleep_aio(DRAIN_POLL_MS, s->drain_aio);
	}
	pthread_mutex_unlock(&s->drain_mtx);
}

static void
drain_add(conn *c)
{
	server *s = c->srv;

	pthread_mutex_lock(&s->drain_mtx);
	c->drain_next = s->draining;
	s->draining   = c;
	atomic_fetch_add(&s->ndraining, 1);
	if (!s->is_drain_armed) {
		s->is_drain_armed = true;
		nng_sleep_aio(DRAIN_POLL_MS, s->drain_aio);
	}
	pthread_mutex_unlock(&s->drain_mtx);
}

/* The request's completion (request_done): send its reply on its
 * context; without memory for a reply, receive again at once. */
void
server_conn_reply(request *r)
{
	conn    *c = r->conn;
	nng_msg *msg;

	if (r->reply.is_failed) {
		ppi_buf_reset(&r->reply);
		ppi_wire_reply_error(&r->reply, PP_ENOMEM, "out of memory");
	}
	if (r->reply.is_failed || c->reply == NULL) {
		/* Without memory for a reply the client times out; the
		 * context must still go back to receiving. */
		conn_recycle(c);
		return;
	}
	/* Trim the message to what was written and hand it to NNG. */
	msg      = c->reply;
	c->reply = NULL;
	nng_msg_realloc(msg, r->reply.len);
	ppi_buf_forget(&r->reply);
	nng_aio_set_msg(c->send_aio, msg);
	c->state = CONN_SEND;
	nng_ctx_send(c->ctx, c->send_aio);
	/* Usually the reply went in this thread: receive again from here
	 * too, without a hop through NNG's task threads. */
	if (send_is_over(c)) {
		conn_recycle(c);
	} else {
		drain_add(c);
	}
	drain_sweep(c->srv);
}

