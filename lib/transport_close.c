/*
 * transport_close.c - nng_close() bounded in time (transport_close.h).
 *
 * NNG 1.5.2 can wedge in nng_close(). A pipe closed just as a message
 * arrives on it (its header read, its body not yet asked for) never
 * finishes the protocol's receive: the transport asks for the body on
 * its receive aio, which the close has stopped, and NNG drops that
 * request without completing anything. The pipe's teardown then waits
 * for that receive forever (req0/rep0 pipe_stop), on NNG's only reaper
 * thread, so every later nng_close() in the process waits too: a
 * pp_close() while late replies come in, the node's listener probe and
 * its shutdown (docs/DESIGN.md §6.1). Our closes therefore run on a thread
 * of their own and are waited for a bounded time; when one is stuck,
 * what it would free stays allocated, since NNG may still use it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <nng/nng.h>

#include "deadline.h"
#include "transport_close.h"

typedef struct close_job {
	nng_socket      sock;
	int             refs; /* the closing thread and the waiter */
	bool            is_done;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
} close_job;

static bool is_nng_stuck; /* atomic: some close did not return */

static void
close_job_rele(close_job *j)
{
	int refs;

	pthread_mutex_lock(&j->mu);
	refs = --j->refs;
	pthread_mutex_unlock(&j->mu);
	if (refs == 0) {
		pthread_cond_destroy(&j->cv);
		pthread_mutex_destroy(&j->mu);
		free(j);
	}
}

static void *
close_main(void *arg)
{
	close_job *j = arg;

	nng_close(j->sock);
	pthread_mutex_lock(&j->mu);
	j->is_done = true;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	close_job_rele(j);
	return NULL;
}

bool
ppi_transport_close_socket(uint32_t sock_id, uint32_t timeout_ms)
{
	struct timespec deadline =
	    ppi_deadline_after_us(CLOCK_MONOTONIC, (int64_t) timeout_ms * 1000);
	pthread_condattr_t cattr;
	pthread_attr_t     attr;
	pthread_t          th;
	close_job         *j;
	bool               is_done;
	int                rv;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		nng_close((nng_socket) { .id = sock_id });
		return true;
	}
	j->sock.id = sock_id;
	j->refs    = 2;
	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &cattr);
	pthread_condattr_destroy(&cattr);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	rv = pthread_create(&th, &attr, close_main, j);
	pthread_attr_destroy(&attr);
	if (rv != 0) {
		j->refs = 1;
		close_main(j); /* no thread to spare: unbounded, as before */
		return true;
	}
	pthread_mutex_lock(&j->mu);
	while (!j->is_done &&
	    pthread_cond_timedwait(&j->cv, &j->mu, &deadline) == 0) {
	}
	is_done = j->is_done;
	pthread_mutex_unlock(&j->mu);
	close_job_rele(j);
	if (!is_done) {
		__atomic_store_n(&is_nng_stuck, true, __ATOMIC_RELAXED);
	}
	return is_done;
}

bool
ppi_transport_close_is_stuck(void)
{
	return __atomic_load_n(&is_nng_stuck, __ATOMIC_RELAXED);
}
