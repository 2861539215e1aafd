/*
 * transport_dial.c - the client socket's dialer and its pipes: making a
 * dialer, counting pipes as NNG notifies them, hanging up on a node of
 * another user, and replacing a dialer that looks stuck (the design
 * notes at the top of transport.c say why).
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "deadline.h"
#include "pipeproc.h"
#include "transport_impl.h"
#include "user.h"

#define REDIAL_MIN_MS 1000
#define REFUSED_REDIAL_MS (3600 * 1000) /* a refused dialer's pause */

/* A dialer for t's address with t's TLS material and TCP options. */
int
ppi_transport_make_dialer(ppi_transport *t, nng_dialer *d)
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

void
ppi_transport_pipe_added(nng_pipe p, nng_pipe_ev ev, void *arg)
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
void
ppi_transport_pipe_checking(nng_pipe p, nng_pipe_ev ev, void *arg)
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
	 * (ppi_transport_redial_if_stuck), so our own node is found again
	 * when it comes back. */
	nng_dialer_set_ms(nng_pipe_dialer(p), NNG_OPT_RECONNMAXT, 0);
	nng_dialer_set_ms(nng_pipe_dialer(p), NNG_OPT_RECONNMINT,
	    REFUSED_REDIAL_MS);
	nng_pipe_close(p);
}

void
ppi_transport_pipe_removed(nng_pipe p, nng_pipe_ev ev, void *arg)
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
void
ppi_transport_redial_if_stuck(ppi_transport *t, uint64_t sent_ms)
{
	nng_dialer d;
	uint64_t   now = ppi_clock_ms(CLOCK_MONOTONIC);

	if (__atomic_load_n(&t->npipes, __ATOMIC_RELAXED) > 0 &&
	    __atomic_load_n(&t->replied_ms, __ATOMIC_RELAXED) >= sent_ms) {
		return; /* the connection answers: only this request is slow */
	}
	pthread_mutex_lock(&t->mu);
	if (now - t->redialed_ms >= REDIAL_MIN_MS &&
	    ppi_transport_make_dialer(t, &d) == 0) {
		nng_dialer_close(t->dialer);
		t->dialer      = d;
		t->redialed_ms = now;
		/* Non-blocking: it keeps redialing on its own. */
		nng_dialer_start(d, NNG_FLAG_NONBLOCK);
	}
	pthread_mutex_unlock(&t->mu);
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
