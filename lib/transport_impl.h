/*
 * transport_impl.h - the client transport's insides, shared by its files:
 * transport.c (open, hang up, close), transport_dial.c (the dialer, pipe
 * notifications, redials), transport_pool.c (calls: contexts and aios,
 * kept for reuse) and transport_call.c (requests, replies, late replies).
 * The design notes for all of them open transport.c.
 */
#ifndef PP_TRANSPORT_IMPL_H
#define PP_TRANSPORT_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "address.h"
#include "tls.h"
#include "token.h"
#include "transport.h"

#define REFUSED_RING 8 /* pipes hung up on, whose removal is not counted */
/* Idle calls (context and aio) kept for reuse: opening a context and
 * allocating an aio per request took locks and allocations in NNG on
 * every round trip. Enough for the commit senders and a few threads. */
#define CALL_POOL 8

struct ppi_transport {
	nng_socket      sock;
	ppi_token       token;
	char            address[512];
	ppi_addr        addr;
	nng_tls_config *tls;     /* tls+tcp: kept for new dialers */
	struct nng_tls_engine_config *tls_engine; /* its engine half */
	pthread_mutex_t mu;      /* guards dialer and redialed_ms */
	nng_dialer      dialer;
	uint64_t        redialed_ms;
	int             npipes;  /* atomic: pipes open now */
	uint64_t        links;   /* atomic: pipes ever added */
	bool            is_root_node_allowed;
	uint64_t        refused_uid; /* atomic: node's uid + 1; 0: none */
	/* Its own lock, never held across an NNG call: pipe callbacks take
	 * it, and ppi_transport_redial_if_stuck() closes a dialer (whose
	 * pipes' callbacks then run) while holding mu. */
	pthread_mutex_t refused_mu;
	uint32_t        refused[REFUSED_RING]; /* guarded by refused_mu */
	unsigned        nrefused;
	uint64_t        replied_ms; /* atomic: when a reply last arrived */
	pthread_mutex_t pool_mu; /* guards idle */
	ppi_call       *idle[CALL_POOL];
	int             nidle;
	/* Calls whose waiter gave up while their reply may still come
	 * (late_add): their replies are read before the socket closes. */
	pthread_mutex_t late_mu; /* guards late, nlate_waiting; late_cv */
	pthread_cond_t  late_cv; /* a late call got its answer */
	ppi_call       *late;
	int             nlate, nlate_waiting;
	bool            is_sock_closed; /* hangup or close did nng_close */
	bool            is_sock_stuck;  /* ... and it did not return */
};

/*
 * A call: one request and its reply on a context of its own. The reply
 * is received without an NNG timeout; the waiter times out on its own
 * (call_wait), and a call given up then stays receiving, "late", so that
 * a reply that still comes is read rather than arriving while the socket
 * closes (which wedges NNG 1.5.2, see close_sock).
 */
struct ppi_call {
	ppi_transport  *t;
	nng_ctx         ctx;
	nng_aio        *aio;      /* the send: no callback, waited for */
	nng_aio        *recv_aio; /* the reply: call_replied */
	uint64_t        sent_ms;
	uint64_t        recv_ms;    /* when the receive was posted */
	uint32_t        timeout_ms; /* for the reply, from recv_ms */
	pthread_mutex_t mu;       /* guards is_replied, is_late */
	pthread_cond_t  cv;
	bool            is_replied;
	bool            is_late;
	ppi_call       *late_next; /* on t->late, guarded by t->late_mu */
};

/* transport_dial.c */

/* ppi_transport_make_dialer - a dialer for t's address with t's TLS
 * material and TCP options; an NNG code. */
int ppi_transport_make_dialer(ppi_transport *t, nng_dialer *d);

/* The pipe notifications nng_pipe_notify() is given, arg being t:
 * ADD_PRE, ADD_POST and REM_POST. */
void ppi_transport_pipe_checking(nng_pipe p, nng_pipe_ev ev, void *arg);
void ppi_transport_pipe_added(nng_pipe p, nng_pipe_ev ev, void *arg);
void ppi_transport_pipe_removed(nng_pipe p, nng_pipe_ev ev, void *arg);

/* ppi_transport_redial_if_stuck - after a request sent at sent_ms timed
 * out: a fresh dialer when the connection looks dead, at most once a
 * second. */
void ppi_transport_redial_if_stuck(ppi_transport *t, uint64_t sent_ms);

/* transport_pool.c */

/* ppi_transport_call_get - an idle call of t's, or a new one; NULL with
 * *rv set (a PP_E* code) on failure. */
ppi_call *ppi_transport_call_get(ppi_transport *t, int *rv);

/* ppi_transport_call_put - back to t's idle calls once its reply was
 * received; freed when the pool is full. */
void ppi_transport_call_put(ppi_call *call);

/* ppi_transport_call_free - close the call's context and free it. */
void ppi_transport_call_free(ppi_call *call);

/* transport_call.c */

/* ppi_transport_late_drain - before the socket closes: wait a moment
 * for the replies of late calls. */
void ppi_transport_late_drain(ppi_transport *t);

/* ppi_transport_late_free_all - after the socket closed: free every late
 * call. */
void ppi_transport_late_free_all(ppi_transport *t);

#endif
