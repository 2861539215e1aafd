/*
 * transport_pool.c - calls (a context with its send and receive aios)
 * and t's pool of idle ones, reused because opening a context and
 * allocating aios took locks and allocations in NNG on every round trip.
 * The reply's completion, call_replied, lives here too: it also settles
 * late calls (transport_call.c).
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <nng/nng.h>

#include "pipeproc.h"
#include "transport_impl.h"

void
ppi_transport_call_free(ppi_call *call)
{
	nng_aio_free(call->aio);
	nng_aio_free(call->recv_aio);
	nng_ctx_close(call->ctx);
	pthread_cond_destroy(&call->cv);
	pthread_mutex_destroy(&call->mu);
	free(call);
}

/* recv_aio's completion, in NNG's thread (inline when the reply comes
 * after the receive was posted). A late call's reply is dropped here. */
static void
call_replied(void *arg)
{
	ppi_call      *call = arg;
	ppi_transport *t    = call->t;
	bool           is_late;

	pthread_mutex_lock(&call->mu);
	call->is_replied = true;
	is_late          = call->is_late;
	pthread_cond_signal(&call->cv);
	pthread_mutex_unlock(&call->mu);
	if (is_late) {
		if (nng_aio_result(call->recv_aio) == 0) {
			nng_msg_free(nng_aio_get_msg(call->recv_aio));
			nng_aio_set_msg(call->recv_aio, NULL);
		}
		pthread_mutex_lock(&t->late_mu);
		t->nlate_waiting--;
		pthread_cond_broadcast(&t->late_cv);
		pthread_mutex_unlock(&t->late_mu);
	}
}

/* An idle call of t's, or a new one; NULL with *rv set on failure. */
ppi_call *
ppi_transport_call_get(ppi_transport *t, int *rv)
{
	pthread_condattr_t attr;
	ppi_call          *call = NULL;

	pthread_mutex_lock(&t->pool_mu);
	if (t->nidle > 0) {
		call = t->idle[--t->nidle];
	}
	pthread_mutex_unlock(&t->pool_mu);
	if (call != NULL) {
		call->is_replied = false;
		return call;
	}
	if ((call = calloc(1, sizeof(*call))) == NULL) {
		*rv = PP_ENOMEM;
		return NULL;
	}
	call->t = t;
	if ((*rv = nng_ctx_open(&call->ctx, t->sock)) != 0) {
		free(call);
		*rv = ppi_transport_map_nng(*rv);
		return NULL;
	}
	if ((*rv = nng_aio_alloc(&call->aio, NULL, NULL)) != 0 ||
	    (*rv = nng_aio_alloc(&call->recv_aio, call_replied, call)) != 0) {
		nng_aio_free(call->aio);
		nng_ctx_close(call->ctx);
		free(call);
		*rv = ppi_transport_map_nng(*rv);
		return NULL;
	}
	nng_aio_set_timeout(call->recv_aio, NNG_DURATION_INFINITE);
	pthread_mutex_init(&call->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&call->cv, &attr);
	pthread_condattr_destroy(&attr);
	return call;
}

/*
 * A call whose reply was received: its context has nothing outstanding,
 * so the next request may use it. Anything else (a timeout, an abandoned
 * call) is freed, which cancels what its context still waits for.
 */
void
ppi_transport_call_put(ppi_call *call)
{
	ppi_transport *t = call->t;

	pthread_mutex_lock(&t->pool_mu);
	if (t->nidle < CALL_POOL) {
		t->idle[t->nidle++] = call;
		call = NULL;
	}
	pthread_mutex_unlock(&t->pool_mu);
	if (call != NULL) {
		ppi_transport_call_free(call);
	}
}
