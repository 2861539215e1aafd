/*
 * transport.c - NNG req client: one socket per pp_client, one context per
 * request, over ipc, tls+tcp or (asked for) plain tcp. This file opens,
 * hangs up and closes it; the dialer and its pipes are transport_dial.c,
 * requests and replies transport_call.c, the pool of contexts
 * transport_pool.c, NNG's error numbers transport_map.c (their shared
 * insides: transport_impl.h). The notes below are for all of them.
 *
 * Design notes: the req protocol's timed resend is switched off (we have
 * our own request timeouts). When a pipe breaks under a request NNG fails
 * it (NNG_ECONNRESET) and client.c sends it again once the dialer has
 * reconnected, which is safe because every write carries (cid, rid) and
 * the node applies each at most once (docs/DESIGN.md §5). The access
 * token, when there is one, is written into every frame here, the single
 * place all requests pass (token.h). NNG error numbers are mapped to PP_E*
 * codes here and go no further.
 *
 * NNG 1.5.2's tls+tcp dialer can stop redialing after the node died in
 * the middle of a handshake: the socket then has no pipe and never gets
 * one, and every request times out. So when a request times out while
 * the socket has no pipe (counted by pipe notifications), the dialer is
 * replaced by a fresh one, at most once a second; the next requests go
 * out on its connection. The same is done when a request times out and
 * no reply at all arrived on the socket since it was sent, pipe or no
 * pipe: a TCP connection whose peer vanished (a host gone, a kill -9
 * whose reset never arrived) can stay open and silent for as long as the
 * kernel's keepalive allows, hours; a fresh dialer finds the node again,
 * and what the dead pipe held is sent again (safe, as above).
 *
 * NNG 1.5.2 also wedges for good when a pipe closes as a message arrives
 * on it (transport_close.c). So a reply is awaited with our own deadline
 * and a request given up keeps receiving ("late" calls, read before the
 * socket closes), and every nng_close() of ours is bounded
 * (docs/DESIGN.md §6.1).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "deadline.h"
#include "pipeproc.h"
#include "tls.h"
#include "transport.h"
#include "transport_close.h"
#include "transport_impl.h"

#define CLOSE_WAIT_MS 2000 /* a socket's close, normally a few ms */

/* Our CA, certificate and key, and the name to check, into t->tls. */
static int
make_tls(ppi_transport *t, const ppi_tls_pem *pem)
{
	nng_tls_config *cfg;
	int             rv;

	/* tls_engine.c: our engine, which accepts a certificate naming the
	 * address we dial as an iPAddress subjectAltName. */
	if ((rv = ppi_tls_engine_use()) != 0 ||
	    (rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0) {
		return rv;
	}
	t->tls_engine = ppi_tls_engine_last_config();
	if ((rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) ==
	        0 &&
	    (rv = nng_tls_config_ca_chain(cfg, pem->ca, NULL)) == 0 &&
	    (rv = nng_tls_config_own_cert(cfg, pem->cert, pem->key, NULL)) ==
	        0 &&
	    (rv = nng_tls_config_server_name(cfg, t->addr.host)) == 0) {
		t->tls = cfg;
		return 0;
	}
	nng_tls_config_free(cfg);
	return rv;
}

/* The socket's bounded close (transport_close.c), after the replies of
 * late calls had a moment to come; false when it is stuck. */
static bool
close_sock(ppi_transport *t)
{
	if (!t->is_sock_closed) {
		ppi_transport_late_drain(t);
		t->is_sock_closed = true;
		t->is_sock_stuck  = !ppi_transport_close_socket(t->sock.id,
		    CLOSE_WAIT_MS);
	}
	return !t->is_sock_stuck;
}

/* A synchronous dial on a thread, so that it can be bounded in time. */
typedef struct dial_job {
	nng_dialer      d;
	int             rv;
	bool            is_done;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
} dial_job;

static void *
dial_main(void *arg)
{
	dial_job *j  = arg;
	int       rv = nng_dialer_start(j->d, 0);

	pthread_mutex_lock(&j->mu);
	j->rv      = rv;
	j->is_done = true;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/*
 * Dials once within timeout_ms. On timeout the socket is closed, which
 * ends the dial; the caller must then not use the socket again.
 */
static int
dial_within(nng_socket sock, nng_dialer d, uint32_t timeout_ms, bool *closed,
    bool *is_stuck)
{
	struct timespec deadline =
	    ppi_deadline_after_us(CLOCK_MONOTONIC, (int64_t) timeout_ms * 1000);
	pthread_condattr_t attr;
	pthread_t          th;
	dial_job          *j;
	int                rv;

	/* On the heap: a dial stuck in NNG keeps it (see close_sock). */
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		return NNG_ENOMEM;
	}
	j->d = d;
	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&th, NULL, dial_main, j) != 0) {
		rv = nng_dialer_start(d, 0);
		goto out;
	}
	pthread_mutex_lock(&j->mu);
	while (!j->is_done &&
	    pthread_cond_timedwait(&j->cv, &j->mu, &deadline) == 0) {
	}
	rv = j->rv;
	if (!j->is_done) {
		pthread_mutex_unlock(&j->mu);
		*closed = true;
		if (!ppi_transport_close_socket(sock.id, CLOSE_WAIT_MS)) {
			/* The dialing thread may never return: j stays. */
			pthread_detach(th);
			*is_stuck = true;
			return NNG_ETIMEDOUT;
		}
		pthread_join(th, NULL);
		rv = NNG_ETIMEDOUT;
		goto out;
	}
	pthread_mutex_unlock(&j->mu);
	pthread_join(th, NULL);
out:
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
	return rv;
}

int
ppi_transport_open(const char *address, const ppi_transport_opts *o,
    ppi_transport **tp, char *msg, size_t msglen)
{
	ppi_transport  *t;
	nng_dialer      d;
	ppi_addr        a;
	ppi_tls_failure failure;
	bool            closed = false, is_stuck = false;
	pthread_condattr_t cattr;
	int            rv, why;

	if (ppi_address_parse(address, &a) != 0) {
		snprintf(msg, msglen, "invalid address '%s'", address);
		return PP_EADDR;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		return PP_ENOMEM;
	}
	if (o->token != NULL) {
		t->token = *o->token;
	}
	t->is_root_node_allowed = o->is_root_node_allowed;
	if ((rv = nng_req0_open(&t->sock)) != 0) {
		snprintf(msg, msglen, "nng_req0_open: %s", nng_strerror(rv));
		free(t);
		return ppi_transport_map_nng(rv);
	}
	/* Replies are trusted (they come from our node); a range page plus
	 * framing stays far below this. */
	nng_socket_set_size(t->sock, NNG_OPT_RECVMAXSZ, 256u << 20);
	nng_socket_set_ms(t->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(t->sock, NNG_OPT_RECONNMINT, 10);
	nng_socket_set_ms(t->sock, NNG_OPT_RECONNMAXT, 1000);
	snprintf(t->address, sizeof(t->address), "%s", address);
	t->addr = a;
	pthread_mutex_init(&t->mu, NULL);
	pthread_mutex_init(&t->refused_mu, NULL);
	nng_pipe_notify(
	    t->sock, NNG_PIPE_EV_ADD_PRE, ppi_transport_pipe_checking, t);
	pthread_mutex_init(&t->pool_mu, NULL);
	pthread_mutex_init(&t->late_mu, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&t->late_cv, &cattr);
	pthread_condattr_destroy(&cattr);
	nng_pipe_notify(
	    t->sock, NNG_PIPE_EV_ADD_POST, ppi_transport_pipe_added, t);
	nng_pipe_notify(
	    t->sock, NNG_PIPE_EV_REM_POST, ppi_transport_pipe_removed, t);
	if ((a.kind == PPI_ADDR_TLS && (rv = make_tls(t, o->pem)) != 0) ||
	    (rv = ppi_transport_make_dialer(t, &d)) != 0) {
		snprintf(msg, msglen, "cannot connect to %s: %s", address,
		    nng_strerror(rv));
		goto fail;
	}
	t->dialer      = d;
	t->redialed_ms = ppi_clock_ms(CLOCK_MONOTONIC);
	rv = dial_within(t->sock, d, o->timeout_ms, &closed, &is_stuck);
	if (is_stuck) {
		/* NNG may still use t (pipe callbacks): it stays. */
		snprintf(msg, msglen, "cannot connect to %s: no connection "
		    "in time, and NNG did not let go of it", address);
		return PP_ETIMEDOUT;
	}
	if ((why = ppi_transport_refusal(t, msg, msglen)) != 0) {
		goto fail_pp;
	}
	if (rv != 0) {
		snprintf(msg, msglen, "cannot connect to %s: %s%s", address,
		    nng_strerror(rv),
		    rv == NNG_ETIMEDOUT ? " (no connection or handshake in "
		                          "time)"
		                        : "");
		/* NNG's codes do not say which side refused what: our TLS
		 * engine saw why the handshake failed; when there was none
		 * (a plain node, a TLS port dialed plainly), look. */
		if (rv != NNG_ETIMEDOUT &&
		    ((ppi_tls_engine_failure(t->tls_engine, &failure) &&
		         (why = ppi_tls_explain(&failure, &a, o->pem, msg,
		              msglen)) != 0) ||
		        (why = ppi_tls_diagnose(&a, o->pem, o->timeout_ms, msg,
		             msglen)) != 0)) {
			rv = 0;
			goto fail_pp;
		}
		goto fail;
	}
	*tp = t;
	return 0;
fail:
	why = ppi_transport_map_nng(rv);
fail_pp:
	if (!closed && !close_sock(t)) {
		return why; /* stuck in NNG, which may still use t */
	}
	if (t->tls != NULL) {
		nng_tls_config_free(t->tls);
	}
	pthread_mutex_destroy(&t->mu);
	pthread_mutex_destroy(&t->refused_mu);
	pthread_mutex_destroy(&t->pool_mu);
	pthread_mutex_destroy(&t->late_mu);
	pthread_cond_destroy(&t->late_cv);
	ppi_token_wipe(&t->token);
	free(t);
	return why;
}

void
ppi_transport_hangup(ppi_transport *t)
{
	close_sock(t);
}

void
ppi_transport_close(ppi_transport *t)
{
	if (t == NULL) {
		return;
	}
	if (!close_sock(t)) {
		return; /* stuck in NNG, which may still use t: it stays */
	}
	ppi_transport_late_free_all(t);
	while (t->nidle > 0) {
		ppi_transport_call_free(t->idle[--t->nidle]);
	}
	if (t->tls != NULL) {
		nng_tls_config_free(t->tls);
	}
	pthread_mutex_destroy(&t->mu);
	pthread_mutex_destroy(&t->refused_mu);
	pthread_mutex_destroy(&t->pool_mu);
	pthread_mutex_destroy(&t->late_mu);
	pthread_cond_destroy(&t->late_cv);
	ppi_token_wipe(&t->token);
	free(t);
}
