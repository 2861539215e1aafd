/*
 * transport_call.c - requests and their replies: a frame sent on a call's
 * context, the reply awaited with our own deadline, and calls given up
 * kept receiving ("late") so that their replies are read before the
 * socket closes (the design notes at the top of transport.c).
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>

#include "deadline.h"
#include "pipeproc.h"
#include "transport_impl.h"

/* Late calls kept at most; beyond, a given-up call is cancelled. */
#define LATE_MAX 64
/* How long a close waits for the replies of late calls. */
#define LATE_DRAIN_MS 500

/* Late calls that got their answer are freed (not in call_replied:
 * an aio is never freed from its own callback). */
static void
late_reap(ppi_transport *t)
{
	ppi_call **pp, *c, *done = NULL;
	bool       is_replied;

	pthread_mutex_lock(&t->late_mu);
	for (pp = &t->late; (c = *pp) != NULL;) {
		pthread_mutex_lock(&c->mu);
		is_replied = c->is_replied;
		pthread_mutex_unlock(&c->mu);
		if (is_replied) {
			*pp          = c->late_next;
			c->late_next = done;
			done         = c;
			t->nlate--;
		} else {
			pp = &c->late_next;
		}
	}
	pthread_mutex_unlock(&t->late_mu);
	while ((c = done) != NULL) {
		done = c->late_next;
		ppi_transport_call_free(c);
	}
}

/*
 * A call whose waiter gives up before the reply came: kept receiving
 * (up to LATE_MAX of them), else cancelled and freed.
 */
static void
late_add(ppi_call *call)
{
	ppi_transport *t = call->t;
	bool           is_kept;

	late_reap(t);
	pthread_mutex_lock(&t->late_mu);
	is_kept = t->nlate < LATE_MAX;
	if (is_kept) {
		pthread_mutex_lock(&call->mu);
		call->is_late = !call->is_replied;
		is_kept       = call->is_late;
		pthread_mutex_unlock(&call->mu);
	}
	if (is_kept) {
		call->late_next = t->late;
		t->late         = call;
		t->nlate++;
		t->nlate_waiting++;
	}
	pthread_mutex_unlock(&t->late_mu);
	if (is_kept) {
		return;
	}
	nng_aio_stop(call->recv_aio);
	if (nng_aio_result(call->recv_aio) == 0) {
		nng_msg_free(nng_aio_get_msg(call->recv_aio));
		nng_aio_set_msg(call->recv_aio, NULL);
	}
	ppi_transport_call_free(call);
}

/*
 * Before the socket closes: the replies of late calls, while there is a
 * connection they can come on, for at most LATE_DRAIN_MS (a stopped
 * node sends nothing, so closing after that is safe).
 */
void
ppi_transport_late_drain(ppi_transport *t)
{
	struct timespec deadline =
	    ppi_deadline_after_us(CLOCK_MONOTONIC, LATE_DRAIN_MS * 1000);

	pthread_mutex_lock(&t->late_mu);
	while (t->nlate_waiting > 0 &&
	    __atomic_load_n(&t->npipes, __ATOMIC_RELAXED) > 0 &&
	    pthread_cond_timedwait(&t->late_cv, &t->late_mu, &deadline) ==
	        0) {
	}
	pthread_mutex_unlock(&t->late_mu);
}

/* After the socket closed, which ended what late calls waited for. */
void
ppi_transport_late_free_all(ppi_transport *t)
{
	ppi_call *late;

	while ((late = t->late) != NULL) {
		t->late = late->late_next;
		ppi_transport_call_free(late);
	}
}

/* The frame as sent: the request, with our token first when we have one. */
static int
frame_alloc(ppi_transport *t, const void *req, size_t len, nng_msg **out)
{
	nng_msg *msg;
	size_t   n;
	int      rv;

	if (t->token.len == 0) {
		if ((rv = nng_msg_alloc(&msg, len)) == 0) {
			memcpy(nng_msg_body(msg), req, len);
			*out = msg;
		}
		return rv;
	}
	if ((rv = nng_msg_alloc(&msg, len + PPI_TOKEN_FRAME_EXTRA(&t->token))) !=
	    0) {
		return rv;
	}
	if ((n = ppi_token_frame(&t->token, req, len, nng_msg_body(msg))) ==
	    0) {
		nng_msg_free(msg);
		return NNG_EINVAL;
	}
	nng_msg_realloc(msg, n); /* shrinking never fails */
	*out = msg;
	return 0;
}

int
ppi_transport_begin(ppi_transport *t, const void *req, size_t len,
    uint32_t timeout_ms, ppi_call **out)
{
	ppi_call *call;
	nng_msg  *msg;
	int       rv;

	if ((call = ppi_transport_call_get(t, &rv)) == NULL) {
		return rv;
	}
	if ((rv = frame_alloc(t, req, len, &msg)) != 0) {
		ppi_transport_call_free(call);
		return rv == NNG_EINVAL ? PP_EPROTO : ppi_transport_map_nng(rv);
	}
	nng_aio_set_timeout(call->aio, (nng_duration) timeout_ms);
	nng_aio_set_msg(call->aio, msg);
	call->t       = t;
	call->sent_ms = ppi_clock_ms(CLOCK_MONOTONIC);
	nng_ctx_send(call->ctx, call->aio);
	nng_aio_wait(call->aio);
	if ((rv = nng_aio_result(call->aio)) != 0) {
		uint64_t sent_ms = call->sent_ms;

		/* A failed send leaves the message with us. */
		nng_msg_free(msg);
		ppi_transport_call_free(call);
		if (rv == NNG_ETIMEDOUT) {
			ppi_transport_redial_if_stuck(t, sent_ms);
		}
		return ppi_transport_map_nng(rv);
	}
	call->recv_ms = ppi_clock_ms(CLOCK_MONOTONIC);
	call->timeout_ms = timeout_ms;
	nng_ctx_recv(call->ctx, call->recv_aio);
	*out = call;
	return 0;
}

/* Waits for the reply until the call's own deadline; true if it came. */
static bool
call_wait(ppi_call *call)
{
	struct timespec deadline = ppi_deadline_after_us(CLOCK_MONOTONIC,
	    ((int64_t) call->recv_ms + call->timeout_ms -
	        (int64_t) ppi_clock_ms(CLOCK_MONOTONIC)) * 1000);
	bool is_replied;

	pthread_mutex_lock(&call->mu);
	while (!call->is_replied &&
	    pthread_cond_timedwait(&call->cv, &call->mu, &deadline) == 0) {
	}
	is_replied = call->is_replied;
	pthread_mutex_unlock(&call->mu);
	return is_replied;
}

int
ppi_transport_end(ppi_call *call, ppi_frame *reply)
{
	ppi_transport *t       = call->t;
	uint64_t       sent_ms = call->sent_ms;
	nng_msg       *msg;
	int            rv;

	if (!call_wait(call)) {
		rv = NNG_ETIMEDOUT;
		late_add(call);
	} else if ((rv = nng_aio_result(call->recv_aio)) == 0) {
		msg = nng_aio_get_msg(call->recv_aio);
		nng_aio_set_msg(call->recv_aio, NULL);
		reply->msg_ = msg;
		reply->data = nng_msg_body(msg);
		reply->len  = nng_msg_len(msg);
		__atomic_store_n(&t->replied_ms,
		    ppi_clock_ms(CLOCK_MONOTONIC), __ATOMIC_RELAXED);
		ppi_transport_call_put(call);
		return 0;
	} else {
		ppi_transport_call_free(call);
	}
	if (rv == NNG_ETIMEDOUT &&
	    __atomic_load_n(&t->npipes, __ATOMIC_RELAXED) <= 0 &&
	    __atomic_load_n(&t->refused_uid, __ATOMIC_ACQUIRE) != 0) {
		/* No pipe because we hang up on whoever serves it now; look
		 * again (ppi_transport_pipe_checking paused the dialer that
		 * was refused). */
		ppi_transport_redial_if_stuck(t, sent_ms);
		return PP_EPEER;
	} else if (rv == NNG_ETIMEDOUT) {
		ppi_transport_redial_if_stuck(t, sent_ms);
	}
	return ppi_transport_map_nng(rv);
}

void
ppi_transport_abandon(ppi_call *call)
{
	if (call == NULL) {
		return;
	}
	/* Its reply may be on its way: read it, not close on it. */
	late_add(call);
}

int
ppi_transport_call(ppi_transport *t, const void *req, size_t len,
    uint32_t timeout_ms, ppi_frame *reply)
{
	ppi_call *call;
	int       rv;

	if ((rv = ppi_transport_begin(t, req, len, timeout_ms, &call)) != 0) {
		return rv;
	}
	return ppi_transport_end(call, reply);
}

void
ppi_frame_free(ppi_frame *f)
{
	if (f->msg_ != NULL) {
		nng_msg_free(f->msg_);
	}
	f->msg_ = NULL;
	f->data = NULL;
	f->len  = 0;
}
