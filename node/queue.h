/*
 * queue.h - a FIFO of requests that worker threads sleep on. The writer
 * takes everything at once (group commit); readers take one at a time.
 */
#ifndef PP_NODE_QUEUE_H
#define PP_NODE_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "request.h"

typedef struct queue {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	request        *head;
	request       **tail;
	bool            is_closed;
	bool            is_woken; /* queue_wake() since the last pop */
	int             nwaiting; /* threads asleep in a pop */
} queue;

void queue_init(queue *q);
void queue_fini(queue *q);
void queue_push(queue *q, request *r);
/* queue_wake - make a waiting pop return (maybe NULL): the writer has
 * work that is not a request (a dead worker's claims). */
void queue_wake(queue *q);
/* queue_close - wake every waiter; pops still drain what is queued. */
void queue_close(queue *q);
/*
 * queue_pop - wait for work. With is_all, take the whole list (linked by
 * ->next); otherwise one request. NULL once closed and empty.
 */
request *queue_pop(queue *q, bool is_all);

/* queue_is_empty - nothing is queued right now. */
bool queue_is_empty(queue *q);

/* queue_is_closed - queue_close() was called. */
bool queue_is_closed(queue *q);

/* queue_is_idle - empty, open, and a thread sleeps in a pop: it took
 * everything pushed before and has nothing to do. */
bool queue_is_idle(queue *q);

/*
 * queue_pop_until - like queue_pop(q, true), but gives up at `deadline`
 * (CLOCK_REALTIME) and returns NULL then.
 */
request *queue_pop_until(queue *q, const struct timespec *deadline);

#endif
