/*
 * syncer.c - `--sync interval:MS`: a thread that flushes the store every
 * MS milliseconds, so commits are answered before they are on disk but
 * at most MS of them can be lost with the host.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "deadline.h"
#include "syncer.h"

struct syncer {
	store          *store;
	uint32_t        interval_ms;
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	bool            is_stopping;
	pthread_t       thread;
};

static void *
syncer_main(void *arg)
{
	syncer         *sy = arg;
	struct timespec next;

	pthread_mutex_lock(&sy->mtx);
	while (!sy->is_stopping) {
		next = ppi_deadline_after_us(
		    CLOCK_MONOTONIC, sy->interval_ms * 1000LL);
		while (!sy->is_stopping &&
		    pthread_cond_timedwait(&sy->cv, &sy->mtx, &next) == 0) {
		}
		pthread_mutex_unlock(&sy->mtx);
		store_sync(sy->store);
		pthread_mutex_lock(&sy->mtx);
	}
	pthread_mutex_unlock(&sy->mtx);
	return NULL;
}

int
syncer_start(store *s, uint32_t interval_ms, syncer **out)
{
	pthread_condattr_t attr;
	syncer            *sy;

	if ((sy = calloc(1, sizeof(*sy))) == NULL) {
		return PP_ENOMEM;
	}
	sy->store       = s;
	sy->interval_ms = interval_ms != 0 ? interval_ms : 1;
	pthread_mutex_init(&sy->mtx, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&sy->cv, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&sy->thread, NULL, syncer_main, sy) != 0) {
		pthread_mutex_destroy(&sy->mtx);
		pthread_cond_destroy(&sy->cv);
		free(sy);
		return PP_ENOMEM;
	}
	*out = sy;
	return 0;
}

void
syncer_stop(syncer *sy)
{
	if (sy == NULL) {
		return;
	}
	pthread_mutex_lock(&sy->mtx);
	sy->is_stopping = true;
	pthread_cond_signal(&sy->cv);
	pthread_mutex_unlock(&sy->mtx);
	pthread_join(sy->thread, NULL);
	pthread_mutex_destroy(&sy->mtx);
	pthread_cond_destroy(&sy->cv);
	free(sy);
}
