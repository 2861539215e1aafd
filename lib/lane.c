/*
 * lane.c - the unordered dedupe lane of proc calls (lane.h).
 *
 * Design notes: the unanswered rids are a small array under a mutex; it
 * holds one entry per call in flight on this client (a handful of
 * threads), so a scan for the minimum costs nothing next to a round
 * trip.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "pipeproc.h"
#include "lane.h"

struct ppi_lane {
	uint64_t        cid;
	pthread_mutex_t mu;
	uint64_t        next_rid;
	uint64_t       *open; /* rids taken and not done */
	size_t          nopen, cap;
};

int
ppi_lane_alloc(ppi_lane **out)
{
	ppi_lane       *l;
	struct timespec ts;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		return PP_ENOMEM;
	}
	if (getrandom(&l->cid, sizeof(l->cid), 0) != (ssize_t) sizeof(l->cid)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		l->cid = ((uint64_t) ts.tv_nsec << 32) ^ (uint64_t) ts.tv_sec ^
		    ((uint64_t) getpid() << 20);
	}
	l->cid |= 1; /* never 0, which means "no dedupe" */
	pthread_mutex_init(&l->mu, NULL);
	*out = l;
	return 0;
}

void
ppi_lane_free(ppi_lane *l)
{
	if (l == NULL) {
		return;
	}
	pthread_mutex_destroy(&l->mu);
	free(l->open);
	free(l);
}

int
ppi_lane_take(ppi_lane *l, ppi_wire_lane *t)
{
	uint64_t *n;
	size_t    i;

	pthread_mutex_lock(&l->mu);
	if (l->nopen == l->cap) {
		l->cap = l->cap != 0 ? 2 * l->cap : 8;
		if ((n = realloc(l->open, l->cap * sizeof(*n))) == NULL) {
			l->cap /= 2;
			pthread_mutex_unlock(&l->mu);
			return PP_ENOMEM;
		}
		l->open = n;
	}
	t->cid   = l->cid;
	t->rid   = l->next_rid++;
	t->floor = t->rid;
	for (i = 0; i < l->nopen; i++) {
		if (l->open[i] < t->floor) {
			t->floor = l->open[i];
		}
	}
	l->open[l->nopen++] = t->rid;
	pthread_mutex_unlock(&l->mu);
	return 0;
}

void
ppi_lane_done(ppi_lane *l, const ppi_wire_lane *t)
{
	size_t i;

	pthread_mutex_lock(&l->mu);
	for (i = 0; i < l->nopen; i++) {
		if (l->open[i] == t->rid) {
			l->open[i] = l->open[--l->nopen];
			break;
		}
	}
	pthread_mutex_unlock(&l->mu);
}
