/*
 * server.c - NNG rep server: receive, decode, dispatch, reply. This file
 * opens, starts, waits on and closes it; the listeners and their
 * watchdog are server_listen.c, connections coming and going
 * server_pipe.c, receiving and dispatching server_recv.c, replies and
 * the queued-reply sweep server_reply.c (their shared insides:
 * server_impl.h). The notes below are for all of them.
 *
 * Design notes: each of NCONN contexts receives in its aio callback
 * (decode the frame, then hand the request to the writer or a reader, or
 * answer it at once). Callbacks never block: the writer and readers
 * finish a request with request_done() from their own threads when the
 * answer is ready, which calls server_conn_reply() (request.h). That
 * thread also sends the reply, frees the frames and receives again, all
 * inline (see send_is_over): no hop through NNG's task threads per
 * reply. A context carries one request at a time, so NCONN bounds the
 * requests in flight and the memory they hold.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>

#include "address.h"
#include "auth.h"
#include "deadline.h"
#include "server.h"
#include "server_impl.h"
#include "tls.h"
#include "transport_close.h"

/* TLS connections allowed beyond --max-connections: the watchdog's
 * probes of our own listeners (answers_hello) must get through. */
#define PROBE_SLACK 4
#define SERVER_CLOSE_MS 5000

static int
map_nng(int rv)
{
	switch (rv) {
	case NNG_EADDRINUSE:
		return PP_EADDRINUSE;
	case NNG_EADDRINVAL:
	case NNG_ENOTSUP:
	case NNG_EINVAL:
		return PP_EADDR;
	case NNG_EPERM:
		return PP_EPERM;
	case NNG_ENOMEM:
		return PP_ENOMEM;
	case NNG_ECRYPTO:
	case NNG_EPEERAUTH:
		return PP_ETLS;
	default:
		return PP_EIO;
	}
}

/*
 * The TLS configurations: the listeners' (our certificate, clients must
 * present one signed by our CA) and the watchdog's (the same material as
 * a client; see answers_hello).
 */
static int
tls_configs(server *s, const ppi_tls_pem *pem, const server_security *sec,
    char *msg, size_t msglen)
{
	int rv;

	/* Our engine (lib/tls_engine.c) bounds what the listeners accept:
	 * connections still in their handshake count toward
	 * --max-connections (plus room for the watchdog's own probes), and
	 * a handshake must end within --auth-timeout. */
	if ((rv = ppi_tls_engine_use()) != 0) {
		snprintf(msg, msglen, "TLS engine: %s", nng_strerror(rv));
		return rv;
	}
	ppi_tls_engine_limits(sec->max_conns + PROBE_SLACK, sec->auth_timeout_ms);
	if ((rv = nng_tls_config_alloc(&s->tls, NNG_TLS_MODE_SERVER)) != 0 ||
	    (rv = nng_tls_config_auth_mode(s->tls,
	         NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
	    (rv = nng_tls_config_ca_chain(s->tls, pem->ca, NULL)) != 0 ||
	    (rv = nng_tls_config_own_cert(s->tls, pem->cert, pem->key,
	         NULL)) != 0 ||
	    (rv = nng_tls_config_alloc(&s->tls_probe, NNG_TLS_MODE_CLIENT)) !=
	        0 ||
	    (rv = nng_tls_config_auth_mode(s->tls_probe,
	         NNG_TLS_AUTH_MODE_NONE)) != 0 ||
	    (rv = nng_tls_config_own_cert(s->tls_probe, pem->cert, pem->key,
	         NULL)) != 0) {
		snprintf(msg, msglen, "TLS set-up: %s", nng_strerror(rv));
	}
	return rv;
}

int
server_open(node *n, const char *const *addrs, size_t naddrs,
    const server_security *sec, server **out, char *msg, size_t msglen)
{
	server  *s;
	ppi_addr a;
	size_t   i;
	int      rv;

	if (naddrs > MAX_LISTENERS) {
		snprintf(msg, msglen, "at most %d listeners", MAX_LISTENERS);
		return PP_EINVAL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		return PP_ENOMEM;
	}
	s->node  = n;
	s->peers = sec->peers;
	pthread_mutex_init(&s->mtx, NULL);
	pthread_mutex_init(&s->drain_mtx, NULL);
	pthread_cond_init(&s->idle, NULL);
	if ((rv = auth_alloc(sec->token, sec->max_conns, sec->auth_timeout_ms,
	         &s->auth)) != 0) {
		pthread_mutex_destroy(&s->drain_mtx);
		pthread_mutex_destroy(&s->mtx);
		pthread_cond_destroy(&s->idle);
		free(s);
		return rv;
	}
	if (sec->pem != NULL &&
	    (rv = tls_configs(s, sec->pem, sec, msg, msglen)) != 0) {
		goto fail;
	}
	if ((rv = nng_rep0_open(&s->sock)) != 0) {
		snprintf(msg, msglen, "nng_rep0_open: %s", nng_strerror(rv));
		goto fail;
	}
	nng_pipe_notify(s->sock, NNG_PIPE_EV_ADD_PRE, server_pipe_adding, s);
	nng_pipe_notify(s->sock, NNG_PIPE_EV_REM_POST, server_pipe_removed, s);
	/* Frames up to 4x the request limit are read so that they can be
	 * refused with PP_ETOOLARGE; larger ones make NNG drop the pipe. */
	nng_socket_set_size(
	    s->sock, NNG_OPT_RECVMAXSZ, 4 * PPI_REQUEST_MAX(n->max_body));
	for (i = 0; i < naddrs; i++) {
		s->addrs[i]     = addrs[i];
		s->is_exempt[i] = sec->worker_addr != NULL &&
		    strcmp(addrs[i], sec->worker_addr) == 0;
		if (ppi_address_parse(addrs[i], &a) != 0) {
			snprintf(msg, msglen,
			    "cannot listen on '%s': expected ipc://PATH, "
			    "tls+tcp://HOST:PORT or tcp://HOST:PORT",
			    addrs[i]);
			rv = NNG_EADDRINVAL;
		} else if (a.kind == PPI_ADDR_TLS && s->tls == NULL) {
			snprintf(msg, msglen, "cannot listen on %s: no TLS "
			    "material", addrs[i]);
			rv = NNG_EINVAL;
		} else if (a.kind != PPI_ADDR_IPC ||
		    (rv = server_claim_path(addrs[i] + 6, msg, msglen)) == 0) {
			rv = server_listen_on(s, i, msg, msglen);
		}
		if (rv != 0) {
			nng_close(s->sock);
			goto fail;
		}
		s->nlisteners++;
	}
	*out = s;
	return 0;
fail:
	if (s->tls != NULL) {
		nng_tls_config_free(s->tls);
	}
	if (s->tls_probe != NULL) {
		nng_tls_config_free(s->tls_probe);
	}
	auth_free(s->auth);
	pthread_mutex_destroy(&s->drain_mtx);
	pthread_mutex_destroy(&s->mtx);
	pthread_cond_destroy(&s->idle);
	free(s);
	return map_nng(rv);
}

int
server_start(server *s)
{
	conn *c;
	int   rv;

	if ((rv = nng_aio_alloc(&s->drain_aio, server_drain_cb, s)) != 0) {
		return map_nng(rv);
	}
	for (s->nconns = 0; s->nconns < NCONN; s->nconns++) {
		c      = &s->conns[s->nconns];
		c->srv = s;
		if ((rv = nng_aio_alloc(&c->aio, server_conn_cb, c)) != 0) {
			return map_nng(rv);
		}
		if ((rv = nng_aio_alloc(&c->send_aio, NULL, NULL)) != 0) {
			nng_aio_free(c->aio);
			return map_nng(rv);
		}
		if ((rv = nng_ctx_open(&c->ctx, s->sock)) != 0) {
			nng_aio_free(c->send_aio);
			nng_aio_free(c->aio);
			return map_nng(rv);
		}
		c->state = CONN_RECV;
		nng_ctx_recv(c->ctx, c->aio);
	}
	return 0;
}

void
server_detach_writer(server *s)
{
	pthread_mutex_lock(&s->mtx);
	s->is_writer_detached = true;
	pthread_mutex_unlock(&s->mtx);
}

void
server_refuse_new(server *s)
{
	atomic_store(&s->is_refusing, true);
}

void
server_wait_idle(server *s, int allowed, int timeout_ms)
{
	struct timespec deadline =
	    ppi_deadline_after_us(CLOCK_REALTIME, timeout_ms * 1000LL);

	pthread_mutex_lock(&s->mtx);
	atomic_store(&s->has_idle_waiter, true);
	while (atomic_load(&s->inflight) > allowed &&
	    pthread_cond_timedwait(&s->idle, &s->mtx, &deadline) == 0) {
	}
	atomic_store(&s->has_idle_waiter, false);
	pthread_mutex_unlock(&s->mtx);
}

void
server_wait_shutdown_peer(server *s, int timeout_ms)
{
	struct timespec deadline =
	    ppi_deadline_after_us(CLOCK_REALTIME, timeout_ms * 1000LL);

	pthread_mutex_lock(&s->mtx);
	while (s->shutdown_pipe != 0 && !s->is_shutdown_gone &&
	    pthread_cond_timedwait(&s->idle, &s->mtx, &deadline) == 0) {
	}
	pthread_mutex_unlock(&s->mtx);
}

void
server_unlink_sockets(server *s)
{
	size_t i;

	for (i = 0; s != NULL && i < s->nlisteners; i++) {
		/* server_claim_path made sure the file is this node's own. */
		if (strncmp(s->addrs[i], "ipc://", 6) == 0) {
			unlink(s->addrs[i] + 6);
		}
	}
}

void
server_close(server *s)
{
	int i;

	if (s == NULL) {
		return;
	}
	if (ppi_transport_close_is_stuck() ||
	    !ppi_transport_close_socket(s->sock.id, SERVER_CLOSE_MS)) {
		/* NNG is wedged: the contexts may still be in use; they
		 * stay, and go with the process, which is about to exit. */
		fprintf(stderr, "pipeproc-node: NNG did not close the "
		    "socket in time; leaving it\n");
		return;
	}
	/* No callback runs after these: none can rearm a context (a sweep
	 * of the draining ones included) while they are freed. */
	nng_aio_free(s->drain_aio);
	for (i = 0; i < s->nconns; i++) {
		nng_aio_stop(s->conns[i].aio);
	}
	for (i = 0; i < s->nconns; i++) {
		/* nng_aio_free waits for a running callback to finish. */
		nng_aio_free(s->conns[i].aio);
		nng_aio_stop(s->conns[i].send_aio);
		if (nng_aio_get_msg(s->conns[i].send_aio) != NULL) {
			nng_msg_free(nng_aio_get_msg(s->conns[i].send_aio));
		}
		nng_aio_free(s->conns[i].send_aio);
		nng_ctx_close(s->conns[i].ctx);
		if (s->conns[i].frame != NULL) {
			ppi_wire_request_fini(&s->conns[i].req.req);
			ppi_buf_fini(&s->conns[i].req.reply);
			nng_msg_free(s->conns[i].frame);
		}
	}
	if (s->tls != NULL) {
		nng_tls_config_free(s->tls);
	}
	if (s->tls_probe != NULL) {
		nng_tls_config_free(s->tls_probe);
	}
	auth_free(s->auth);
	pthread_mutex_destroy(&s->drain_mtx);
	pthread_mutex_destroy(&s->mtx);
	pthread_cond_destroy(&s->idle);
	free(s);
}
