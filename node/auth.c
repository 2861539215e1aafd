/*
 * auth.c - access token, connection cap and auth deadline (see auth.h).
 *
 * Design notes: one table of open connections (NNG pipe ids), guarded by
 * a mutex, filled from NNG's pipe callbacks and consulted by the receive
 * callbacks. The table is a plain array: it holds at most the cap plus a
 * few worker connections, and a scan of a few hundred ids is cheaper than
 * the request it guards. Without a token the request path never touches
 * it.
 *
 * The token travels in every request (lib/token.c explains why). A
 * request without the right one is answered PP_EAUTH and nothing else,
 * before the frame is decoded, so an unauthenticated peer only ever
 * reaches the 20-line parser in ppi_token_find(). A connection that has
 * not sent one valid request within the auth timeout is closed, so idle
 * strangers cannot hold connections (and the cap) forever.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "pipeproc.h"
#include "auth.h"

#define EXEMPT_MAX 256 /* worker connections: at most 64 workers x 4 */

typedef struct entry {
	uint32_t pipe;
	bool     is_exempt;
	bool     is_authed;
	bool     is_reported;
	bool     is_over; /* arrived over the cap: answered PP_EBUSY */
	uint64_t added_ms;
	bool     is_foreign; /* another local user: answered PP_EPEER */
	uint64_t answered_ms; /* over or foreign: when first refused; 0 */
} entry;

struct auth {
	ppi_token       token;
	uint32_t        max_conns;
	uint32_t        timeout_ms;
	pthread_mutex_t mu;
	entry          *v;
	size_t          n, cap;
	uint32_t        count;  /* non-exempt entries within the cap */
	_Atomic uint32_t n_over; /* entries over the cap */
	_Atomic uint32_t n_foreign; /* entries of other users (peer.h) */
};

/* How long a refused connection is kept once answered (to receive its
 * PP_EBUSY or PP_EPEER), and at most when it never asks anything. */
#define OVER_MS 1000
#define SILENT_MS 10000

int
auth_alloc(const ppi_token *token, uint32_t max_conns,
    uint32_t auth_timeout_ms, auth **out)
{
	auth *a;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		return PP_ENOMEM;
	}
	a->cap = 2 * (size_t) max_conns + EXEMPT_MAX;
	if ((a->v = calloc(a->cap, sizeof(entry))) == NULL) {
		free(a);
		return PP_ENOMEM;
	}
	if (token != NULL) {
		a->token = *token;
	}
	a->max_conns  = max_conns;
	a->timeout_ms = auth_timeout_ms;
	pthread_mutex_init(&a->mu, NULL);
	*out = a;
	return 0;
}

void
auth_free(auth *a)
{
	if (a == NULL) {
		return;
	}
	ppi_token_wipe(&a->token);
	pthread_mutex_destroy(&a->mu);
	free(a->v);
	free(a);
}

bool
auth_has_token(const auth *a)
{
	return a->token.len > 0;
}

/*
 * A connection over the cap is not closed at once: it gets PP_EBUSY for
 * its requests and is closed OVER_MS after the first of them was answered
 * (SILENT_MS after it came when it asks nothing), so its client fails with an
 * error that says why instead of redialing in a loop (and NNG 1.5.2's
 * TLS dialer can hang in nng_close() while it churns like that).
 */
int
auth_pipe_add(auth *a, uint32_t pipe, bool is_exempt)
{
	bool is_over;
	int  rv = 0;

	pthread_mutex_lock(&a->mu);
	is_over = !is_exempt && a->count >= a->max_conns;
	if (a->n == a->cap) {
		rv = -1;
	} else {
		a->v[a->n++] = (entry) { .pipe = pipe,
			.is_exempt             = is_exempt,
			.is_authed             = is_exempt,
			.is_over               = is_over,
			.added_ms              = ppi_clock_ms(CLOCK_MONOTONIC) };
		if (is_over) {
			atomic_fetch_add(&a->n_over, 1);
			rv = 1;
		} else {
			a->count += is_exempt ? 0 : 1;
		}
	}
	pthread_mutex_unlock(&a->mu);
	return rv;
}

void
auth_pipe_remove(auth *a, uint32_t pipe)
{
	size_t i;

	pthread_mutex_lock(&a->mu);
	for (i = 0; i < a->n; i++) {
		if (a->v[i].pipe == pipe) {
			if (a->v[i].is_foreign) {
				atomic_fetch_sub(&a->n_foreign, 1);
			} else if (a->v[i].is_over) {
				atomic_fetch_sub(&a->n_over, 1);
			} else if (!a->v[i].is_exempt) {
				a->count--;
			}
			a->v[i] = a->v[--a->n];
			break;
		}
	}
	pthread_mutex_unlock(&a->mu);
}

int
auth_check(auth *a, uint32_t pipe, const void *frame, size_t len, char *msg,
    size_t msglen)
{
	const void *tok = NULL;
	size_t      tlen = 0, i;
	entry      *e = NULL;
	bool        is_ok;

	if (a->token.len == 0 && atomic_load(&a->n_over) == 0 &&
	    atomic_load(&a->n_foreign) == 0) {
		return 0;
	}
	pthread_mutex_lock(&a->mu);
	for (i = 0; i < a->n; i++) {
		if (a->v[i].pipe == pipe) {
			e = &a->v[i];
			break;
		}
	}
	if (e != NULL && (e->is_foreign || e->is_over) && e->answered_ms == 0) {
		e->answered_ms = ppi_clock_ms(CLOCK_MONOTONIC);
	}
	if (e != NULL && e->is_foreign) {
		pthread_mutex_unlock(&a->mu);
		snprintf(msg, msglen, "this node serves only its own user");
		return PP_EPEER;
	}
	if (e != NULL && e->is_over) {
		pthread_mutex_unlock(&a->mu);
		snprintf(msg, msglen, "the node serves at most %u connections "
		    "(--max-connections)", a->max_conns);
		return PP_EBUSY;
	}
	if (e != NULL && e->is_exempt) {
		pthread_mutex_unlock(&a->mu);
		return 0;
	}
	if (a->token.len == 0) {
		pthread_mutex_unlock(&a->mu);
		return 0;
	}
	is_ok = ppi_token_find(frame, len, &tok, &tlen) &&
	    ppi_token_equal(&a->token, tok, tlen);
	if (is_ok && e != NULL) {
		e->is_authed = true;
	}
	pthread_mutex_unlock(&a->mu);
	if (!is_ok) {
		snprintf(msg, msglen, "%s",
		    tok == NULL ? "this node requires an access token"
		                : "wrong access token");
		return PP_EAUTH;
	}
	return 0;
}

/*
 * A refused connection (over the cap, another user) goes OVER_MS after
 * its first request was answered, so that the answer reaches its client
 * however slow the node is (a sanitizer build under load took over a
 * second); one that never asks anything goes after SILENT_MS.
 */
static bool
refused_long_enough(const entry *e, uint64_t now)
{
	return e->answered_ms != 0 ? now - e->answered_ms >= OVER_MS
	                           : now - e->added_ms >= SILENT_MS;
}

size_t
auth_expired(auth *a, uint32_t *pipes, size_t max)
{
	uint64_t now = ppi_clock_ms(CLOCK_MONOTONIC);
	size_t   i, k = 0;

	if (a->token.len == 0 && atomic_load(&a->n_over) == 0 &&
	    atomic_load(&a->n_foreign) == 0) {
		return 0;
	}
	pthread_mutex_lock(&a->mu);
	for (i = 0; i < a->n && k < max; i++) {
		if (a->v[i].is_reported) {
			continue;
		}
		if (((a->v[i].is_over || a->v[i].is_foreign) &&
		        refused_long_enough(&a->v[i], now)) ||
		    (a->token.len > 0 && !a->v[i].is_authed &&
		        now - a->v[i].added_ms >= a->timeout_ms)) {
			a->v[i].is_reported = true;
			pipes[k++]          = a->v[i].pipe;
		}
	}
	pthread_mutex_unlock(&a->mu);
	return k;
}

uint32_t
auth_count(auth *a)
{
	uint32_t n;

	pthread_mutex_lock(&a->mu);
	n = a->count;
	pthread_mutex_unlock(&a->mu);
	return n;
}

int
auth_pipe_add_foreign(auth *a, uint32_t pipe)
{
	int rv = 0;

	pthread_mutex_lock(&a->mu);
	if (a->n == a->cap) {
		rv = -1;
	} else {
		a->v[a->n++] = (entry) { .pipe = pipe,
			.is_foreign            = true,
			.is_authed             = true,
			.added_ms              = ppi_clock_ms(CLOCK_MONOTONIC) };
		atomic_fetch_add(&a->n_foreign, 1);
	}
	pthread_mutex_unlock(&a->mu);
	return rv;
}
