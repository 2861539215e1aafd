/*
 * transport.c - NNG req client: one socket per pp_client, one context per
 * request, over ipc, tls+tcp or (asked for) plain tcp.
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
#include "user.h"

#define REDIAL_MIN_MS 1000
#define CLOSE_WAIT_MS 2000 /* a socket's close, normally a few ms */
#define REFUSED_RING 8 /* pipes hung up on, whose removal is not counted */
#define REFUSED_REDIAL_MS (3600 * 1000) /* a refused dialer's pause */
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
	 * it, and redial_if_stuck() closes a dialer (whose pipes' callbacks
	 * then run) while holding mu. */
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

int
ppi_transport_map_nng(int rv)
{
	switch (rv) {
	case 0:
		return 0;
	case NNG_EADDRINUSE:
		return PP_EADDRINUSE;
	case NNG_ETIMEDOUT:
		return PP_ETIMEDOUT;
	case NNG_ECLOSED:
	case NNG_ECANCELED:
		return PP_ECLOSED;
	case NNG_ENOMEM:
		return PP_ENOMEM;
	case NNG_ECONNREFUSED:
	case NNG_ENOENT:
	case NNG_ECONNRESET:
	case NNG_ECONNSHUT:
	case NNG_ECONNABORTED:
	case NNG_EUNREACHABLE:
		return PP_ECONNREFUSED;
	case NNG_EADDRINVAL:
	case NNG_ENOTSUP:
	case NNG_EINVAL:
		return PP_EADDR;
	case NNG_EPERM:
		return PP_EPERM;
	case NNG_EMSGSIZE:
		return PP_ETOOLARGE;
	case NNG_EPEERAUTH:
	case NNG_ECRYPTO:
		return PP_ETLS;
	case NNG_EPROTO:
		return PP_EPROTO;
	default:
		return PP_EIO;
	}
}

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

/* A dialer for t's address with t's TLS material and TCP options. */
static int
make_dialer(ppi_transport *t, nng_dialer *d)
{
	int rv;

	if ((rv = nng_dialer_create(d, t->sock, t->address)) != 0) {
		return rv;
	}
	if (t->tls != NULL &&
	    (rv = nng_dialer_set_ptr(*d, NNG_OPT_TLS_CONFIG, t->tls)) != 0) {
		nng_dialer_close(*d);
		return rv;
	}
	if (t->addr.kind != PPI_ADDR_IPC) {
		nng_dialer_set_bool(*d, NNG_OPT_TCP_NODELAY, true);
		nng_dialer_set_bool(*d, NNG_OPT_TCP_KEEPALIVE, true);
	}
	return 0;
}

static void
pipe_added(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	ppi_transport *t = arg;

	(void) p;
	(void) ev;
	/* links first: a reader that sees the new pipe counted sees its
	 * number too (ppi_transport_link). */
	__atomic_add_fetch(&t->links, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&t->npipes, 1, __ATOMIC_SEQ_CST);
}

/*
 * Before a pipe is used: over ipc, the node must be our own user's (or
 * root's, when allowed). The kernel tells who listens (SO_PEERCRED), so
 * a socket someone else put at the address gets nothing from us, not
 * even the first request (issue 14 item 1).
 */
static void
pipe_checking(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	ppi_transport *t = arg;
	uint64_t       uid;

	(void) ev;
	if (t->addr.kind != PPI_ADDR_IPC ||
	    nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) != 0 ||
	    uid == (uint64_t) geteuid() ||
	    (uid == 0 && t->is_root_node_allowed)) {
		return;
	}
	pthread_mutex_lock(&t->refused_mu);
	t->refused[t->nrefused++ % REFUSED_RING] = (uint32_t) nng_pipe_id(p);
	pthread_mutex_unlock(&t->refused_mu);
	__atomic_store_n(&t->refused_uid, uid + 1, __ATOMIC_RELEASE);
	/* No quick redial either (set before the close, which starts its
	 * timer): the dialer would reconnect within milliseconds, only to
	 * be refused again, and our close would then likely come in the
	 * middle of its SP handshake, which stops NNG 1.5.2's ipc listener
	 * on the node (bug #1518) until the node's watchdog listens
	 * afresh. Closing the dialer from this callback deadlocks in NNG
	 * 1.5.2 (it waits for the very task that runs us); a long reconnect
	 * pause does not touch its state machine (NNG draws the pause at
	 * random below it, and half the time none at all, from a negative
	 * modulo: then the next refusal sets it again). A request that
	 * times out with no pipe makes a new dialer, at most once a second
	 * (redial_if_stuck), so our own node is found again when it comes
	 * back. */
	nng_dialer_set_ms(nng_pipe_dialer(p), NNG_OPT_RECONNMAXT, 0);
	nng_dialer_set_ms(nng_pipe_dialer(p), NNG_OPT_RECONNMINT,
	    REFUSED_REDIAL_MS);
	nng_pipe_close(p);
}

static void
pipe_removed(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	ppi_transport *t = arg;
	unsigned       i;

	(void) ev;
	pthread_mutex_lock(&t->refused_mu);
	for (i = 0; i < REFUSED_RING; i++) {
		if (t->refused[i] == (uint32_t) nng_pipe_id(p)) {
			/* Never added, so never counted. */
			t->refused[i] = 0;
			pthread_mutex_unlock(&t->refused_mu);
			return;
		}
	}
	pthread_mutex_unlock(&t->refused_mu);
	__atomic_sub_fetch(&t->npipes, 1, __ATOMIC_RELAXED);
}

int
ppi_transport_refusal(ppi_transport *t, char *msg, size_t msglen)
{
	uint64_t uid = __atomic_load_n(&t->refused_uid, __ATOMIC_ACQUIRE);
	char     owner[300], me[300];

	if (uid == 0) {
		return 0;
	}
	ppi_user_describe(uid - 1, owner, sizeof(owner));
	ppi_user_describe(geteuid(), me, sizeof(me));
	snprintf(msg, msglen, "%s is served by a node of %s, not of our user "
	    "(%s); refusing to talk to it%s", t->address, owner, me,
	    uid - 1 == 0 ? " (a node of root is allowed with "
	                   "is_root_node_allowed, --allow-root-node)"
	                 : "");
	return PP_EPEER;
}

/*
 * A request sent at sent_ms timed out: with no pipe, the dialer may be
 * stuck; with no reply since it was sent, the pipe may be dead (above).
 */
static void
redial_if_stuck(ppi_transport *t, uint64_t sent_ms)
{
	nng_dialer d;
	uint64_t   now = ppi_clock_ms(CLOCK_MONOTONIC);

	if (__atomic_load_n(&t->npipes, __ATOMIC_RELAXED) > 0 &&
	    __atomic_load_n(&t->replied_ms, __ATOMIC_RELAXED) >= sent_ms) {
		return; /* the connection answers: only this request is slow */
	}
	pthread_mutex_lock(&t->mu);
	if (now - t->redialed_ms >= REDIAL_MIN_MS &&
	    make_dialer(t, &d) == 0) {
		nng_dialer_close(t->dialer);
		t->dialer      = d;
		t->redialed_ms = now;
		/* Non-blocking: it keeps redialing on its own. */
		nng_dialer_start(d, NNG_FLAG_NONBLOCK);
	}
	pthread_mutex_unlock(&t->mu);
}

static void late_drain(ppi_transport *t);
static void late_free_all(ppi_transport *t);

/* The socket's bounded close (transport_close.c), after the replies of
 * late calls had a moment to come; false when it is stuck. */
static bool
close_sock(ppi_transport *t)
{
	if (!t->is_sock_closed) {
		late_drain(t);
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
	nng_pipe_notify(t->sock, NNG_PIPE_EV_ADD_PRE, pipe_checking, t);
	pthread_mutex_init(&t->pool_mu, NULL);
	pthread_mutex_init(&t->late_mu, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&t->late_cv, &cattr);
	pthread_condattr_destroy(&cattr);
	nng_pipe_notify(t->sock, NNG_PIPE_EV_ADD_POST, pipe_added, t);
	nng_pipe_notify(t->sock, NNG_PIPE_EV_REM_POST, pipe_removed, t);
	if ((a.kind == PPI_ADDR_TLS && (rv = make_tls(t, o->pem)) != 0) ||
	    (rv = make_dialer(t, &d)) != 0) {
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

static void call_free(ppi_call *call);

void
ppi_transport_close(ppi_transport *t)
{
	if (t == NULL) {
		return;
	}
	if (!close_sock(t)) {
		return; /* stuck in NNG, which may still use t: it stays */
	}
	late_free_all(t);
	while (t->nidle > 0) {
		call_free(t->idle[--t->nidle]);
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

/* Late calls kept at most; beyond, a given-up call is cancelled. */
#define LATE_MAX 64
/* How long a close waits for the replies of late calls. */
#define LATE_DRAIN_MS 500

static void
call_free(ppi_call *call)
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
		call_free(c);
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
	call_free(call);
}

/*
 * Before the socket closes: the replies of late calls, while there is a
 * connection they can come on, for at most LATE_DRAIN_MS (a stopped
 * node sends nothing, so closing after that is safe).
 */
static void
late_drain(ppi_transport *t)
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
static void
late_free_all(ppi_transport *t)
{
	ppi_call *late;

	while ((late = t->late) != NULL) {
		t->late = late->late_next;
		call_free(late);
	}
}

/* An idle call of t's, or a new one; NULL with *rv set on failure. */
static ppi_call *
call_get(ppi_transport *t, int *rv)
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
static void
call_put(ppi_call *call)
{
	ppi_transport *t = call->t;

	pthread_mutex_lock(&t->pool_mu);
	if (t->nidle < CALL_POOL) {
		t->idle[t->nidle++] = call;
		call = NULL;
	}
	pthread_mutex_unlock(&t->pool_mu);
	if (call != NULL) {
		call_free(call);
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

	if ((call = call_get(t, &rv)) == NULL) {
		return rv;
	}
	if ((rv = frame_alloc(t, req, len, &msg)) != 0) {
		call_free(call);
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
		call_free(call);
		if (rv == NNG_ETIMEDOUT) {
			redial_if_stuck(t, sent_ms);
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
		call_put(call);
		return 0;
	} else {
		call_free(call);
	}
	if (rv == NNG_ETIMEDOUT &&
	    __atomic_load_n(&t->npipes, __ATOMIC_RELAXED) <= 0 &&
	    __atomic_load_n(&t->refused_uid, __ATOMIC_ACQUIRE) != 0) {
		/* No pipe because we hang up on whoever serves it now; look
		 * again (pipe_checking paused the dialer that was refused). */
		redial_if_stuck(t, sent_ms);
		return PP_EPEER;
	} else if (rv == NNG_ETIMEDOUT) {
		redial_if_stuck(t, sent_ms);
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

bool
ppi_transport_is_connected(ppi_transport *t)
{
	return __atomic_load_n(&t->npipes, __ATOMIC_RELAXED) > 0;
}

uint64_t
ppi_transport_link(ppi_transport *t)
{
	int npipes = __atomic_load_n(&t->npipes, __ATOMIC_SEQ_CST);

	return npipes > 0 ? __atomic_load_n(&t->links, __ATOMIC_SEQ_CST) : 0;
}
