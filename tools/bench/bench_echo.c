/*
 * bench_echo.c - the bare NNG baseline of the many-client workloads: an
 * echo server with 64 rep contexts (as the node has) and N client
 * threads, each with its own req socket, doing 150-byte request /
 * 32-byte reply round trips over ipc. No encoding, no storage, no
 * library: what the transport alone allows for N waiting clients
 * (issue 15: the ceiling of commit_clients_N).
 *
 * Threads: the server runs entirely in NNG's callbacks (one aio a
 * context: recv, then send the reply, then recv again); the clients are
 * plain threads released together by a barrier.
 *
 * A variant (bench_echo_open_raw) serves the same clients from a raw
 * rep socket instead (NNG_OPT_RAW: no contexts; each request arrives
 * with its routing header, and the reply carries that header back),
 * with a few receive loops, each a thread blocked in nng_recvmsg. It
 * answers whether the node's receive path would be cheaper per message
 * that way (issue 15 item 1; workloads echo_raw_N, docs/DESIGN.md §7.1).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "bench.h"

#define ECHO_CONTEXTS   64
#define REQUEST_BYTES   150
#define REPLY_BYTES     32
#define RECV_TIMEOUT_MS 10000
#define RAW_LOOPS_MAX   16

/* One server context: receives a request, sends a short reply. */
typedef struct echo_ctx {
	nng_ctx  ctx;
	nng_aio *aio;
	bool     is_sending;
} echo_ctx;

struct bench_echo {
	char        dir[PATH_MAX];
	char        address[PATH_MAX + 16];
	nng_socket  rep;
	bool        has_rep;
	echo_ctx    ctxs[ECHO_CONTEXTS];
	int         nctxs;
	pthread_t   loops[RAW_LOOPS_MAX]; /* raw variant: receive loops */
	int         nloops;
};

static int
echo_fail(const char *what, int rv)
{
	fprintf(stderr, "bench: echo %s: %s\n", what, nng_strerror(rv));
	return (-1);
}

static void
echo_cb(void *arg)
{
	echo_ctx *e = arg;
	nng_msg  *m;

	if (nng_aio_result(e->aio) != 0) {
		if (e->is_sending) {
			nng_msg_free(nng_aio_get_msg(e->aio));
		}
		return; /* closed */
	}
	if (e->is_sending) {
		e->is_sending = false;
		nng_ctx_recv(e->ctx, e->aio);
		return;
	}
	m = nng_aio_get_msg(e->aio);
	nng_msg_clear(m);
	if (nng_msg_realloc(m, REPLY_BYTES) != 0) {
		nng_msg_free(m);
		nng_ctx_recv(e->ctx, e->aio);
		return;
	}
	memset(nng_msg_body(m), 'r', REPLY_BYTES);
	nng_aio_set_msg(e->aio, m);
	e->is_sending = true;
	nng_ctx_send(e->ctx, e->aio);
}

int
bench_echo_open(const bench_cfg *cfg, int run, bench_echo **echop)
{
	bench_echo *b;
	int         rv, i;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		return (-1);
	}
	if (bench_dir_make(cfg, "echo", run, b->dir, sizeof(b->dir)) != 0) {
		free(b);
		return (-1);
	}
	snprintf(b->address, sizeof(b->address), "ipc://%s/echo.ipc", b->dir);
	if ((rv = nng_rep0_open(&b->rep)) != 0) {
		echo_fail("rep0_open", rv);
		goto fail;
	}
	b->has_rep = true;
	for (i = 0; i < ECHO_CONTEXTS; i++) {
		echo_ctx *e = &b->ctxs[i];

		if ((rv = nng_ctx_open(&e->ctx, b->rep)) != 0 ||
		    (rv = nng_aio_alloc(&e->aio, echo_cb, e)) != 0) {
			echo_fail("context", rv);
			goto fail;
		}
		b->nctxs++;
		nng_ctx_recv(e->ctx, e->aio);
	}
	if ((rv = nng_listen(b->rep, b->address, NULL, 0)) != 0) {
		echo_fail("listen", rv);
		goto fail;
	}
	*echop = b;
	return (0);
fail:
	bench_echo_close(b);
	return (-1);
}

/* A raw receive loop: each request's header goes back on its reply,
 * which routes it to its pipe and request. Ends when the socket
 * closes. */
static void *
raw_loop_main(void *arg)
{
	bench_echo *b = arg;
	nng_msg    *m;
	int         rv;

	for (;;) {
		if ((rv = nng_recvmsg(b->rep, &m, 0)) != 0) {
			break;
		}
		nng_msg_clear(m); /* the body; the header stays */
		if (nng_msg_realloc(m, REPLY_BYTES) != 0) {
			nng_msg_free(m);
			continue;
		}
		memset(nng_msg_body(m), 'r', REPLY_BYTES);
		if ((rv = nng_sendmsg(b->rep, m, 0)) != 0) {
			nng_msg_free(m);
			break;
		}
	}
	if (rv != NNG_ECLOSED) {
		echo_fail("raw loop", rv);
	}
	return (NULL);
}

int
bench_echo_open_raw(
    const bench_cfg *cfg, int run, int nloops, bench_echo **echop)
{
	bench_echo *b;
	int         rv;

	if (nloops < 1 || nloops > RAW_LOOPS_MAX ||
	    (b = calloc(1, sizeof(*b))) == NULL) {
		return (-1);
	}
	if (bench_dir_make(cfg, "echoraw", run, b->dir, sizeof(b->dir)) != 0) {
		free(b);
		return (-1);
	}
	snprintf(b->address, sizeof(b->address), "ipc://%s/echo.ipc", b->dir);
	if ((rv = nng_rep0_open_raw(&b->rep)) != 0) {
		echo_fail("rep0_open_raw", rv);
		goto fail;
	}
	b->has_rep = true;
	if ((rv = nng_listen(b->rep, b->address, NULL, 0)) != 0) {
		echo_fail("listen", rv);
		goto fail;
	}
	for (; b->nloops < nloops; b->nloops++) {
		if (pthread_create(&b->loops[b->nloops], NULL, raw_loop_main,
		        b) != 0) {
			fprintf(stderr, "bench: echo: cannot start a loop\n");
			goto fail;
		}
	}
	*echop = b;
	return (0);
fail:
	bench_echo_close(b);
	return (-1);
}

typedef struct echo_client {
	nng_socket         req;
	pthread_barrier_t *barrier;
	const double      *deadline_s;
	long               count;
	int                rv;
} echo_client;

static void *
echo_client_main(void *arg)
{
	echo_client *c = arg;
	char         request[REQUEST_BYTES], reply[REPLY_BYTES * 2];
	size_t       len;

	memset(request, 'q', sizeof(request));
	pthread_barrier_wait(c->barrier);
	while (bench_now_s() < *c->deadline_s) {
		len = sizeof(reply);
		if ((c->rv = nng_send(c->req, request, sizeof(request), 0)) != 0 ||
		    (c->rv = nng_recv(c->req, reply, &len, 0)) != 0) {
			echo_fail("round trip", c->rv);
			break;
		}
		c->count++;
	}
	return (NULL);
}

int
bench_echo_clients_slice(bench_echo *b, int nclients, double slice_s,
    double *ops, double *elapsed_s)
{
	pthread_barrier_t barrier;
	echo_client      *cs = calloc((size_t) nclients, sizeof(*cs));
	pthread_t        *ts = calloc((size_t) nclients, sizeof(*ts));
	double            deadline_s = 0, start_s;
	long              total = 0;
	int               i, opened = 0, rv = 0;

	if (cs == NULL || ts == NULL) {
		free(cs);
		free(ts);
		return (-1);
	}
	for (opened = 0; opened < nclients; opened++) {
		echo_client *c = &cs[opened];

		if ((rv = nng_req0_open(&c->req)) != 0 ||
		    (rv = nng_socket_set_ms(c->req, NNG_OPT_RECVTIMEO,
		         RECV_TIMEOUT_MS)) != 0 ||
		    (rv = nng_dial(c->req, b->address, NULL, 0)) != 0) {
			echo_fail("client", rv);
			break;
		}
	}
	if (opened == nclients) {
		pthread_barrier_init(&barrier, NULL, (unsigned) nclients + 1);
		for (i = 0; i < nclients; i++) {
			cs[i].barrier    = &barrier;
			cs[i].deadline_s = &deadline_s;
			pthread_create(&ts[i], NULL, echo_client_main, &cs[i]);
		}
		start_s    = bench_now_s();
		deadline_s = start_s + slice_s;
		pthread_barrier_wait(&barrier);
		for (i = 0; i < nclients; i++) {
			pthread_join(ts[i], NULL);
			total += cs[i].count;
			rv = rv != 0 ? rv : cs[i].rv;
		}
		*elapsed_s += bench_now_s() - start_s;
		*ops += (double) total;
		pthread_barrier_destroy(&barrier);
	}
	for (i = 0; i < opened; i++) {
		nng_close(cs[i].req);
	}
	free(cs);
	free(ts);
	return (opened == nclients && rv == 0 ? 0 : -1);
}

void
bench_echo_close(bench_echo *b)
{
	int i;

	if (b == NULL) {
		return;
	}
	for (i = 0; i < b->nctxs; i++) {
		nng_aio_stop(b->ctxs[i].aio);
	}
	if (b->has_rep) {
		nng_close(b->rep); /* ends the raw loops' nng_recvmsg */
	}
	for (i = 0; i < b->nloops; i++) {
		pthread_join(b->loops[i], NULL);
	}
	for (i = 0; i < b->nctxs; i++) {
		nng_aio_free(b->ctxs[i].aio);
	}
	bench_dir_remove(b->dir);
	free(b);
}
