/*
 * queue.c - the request FIFO (see queue.h).
 */
#include "queue.h"

void
queue_init(queue *q)
{
	pthread_mutex_init(&q->mtx, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->head      = NULL;
	q->tail      = &q->head;
	q->is_closed = false;
	q->is_woken  = false;
	q->nwaiting  = 0;
}

void
queue_fini(queue *q)
{
	pthread_mutex_destroy(&q->mtx);
	pthread_cond_destroy(&q->cv);
}

void
queue_push(queue *q, request *r)
{
	pthread_mutex_lock(&q->mtx);
	r->next  = NULL;
	*q->tail = r;
	q->tail  = &r->next;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mtx);
}

void
queue_wake(queue *q)
{
	pthread_mutex_lock(&q->mtx);
	q->is_woken = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mtx);
}

void
queue_close(queue *q)
{
	pthread_mutex_lock(&q->mtx);
	q->is_closed = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mtx);
}

request *
queue_pop(queue *q, bool is_all)
{
	request *r;

	pthread_mutex_lock(&q->mtx);
	q->nwaiting++;
	while (q->head == NULL && !q->is_closed && !q->is_woken) {
		pthread_cond_wait(&q->cv, &q->mtx);
	}
	q->nwaiting--;
	q->is_woken = false;
	r = q->head;
	if (r != NULL) {
		if (is_all) {
			q->head = NULL;
		} else {
			q->head = r->next;
			r->next = NULL;
		}
		if (q->head == NULL) {
			q->tail = &q->head;
		}
	}
	pthread_mutex_unlock(&q->mtx);
	return r;
}

request *
queue_pop_until(queue *q, const struct timespec *deadline)
{
	request *r;

	pthread_mutex_lock(&q->mtx);
	q->nwaiting++;
	while (q->head == NULL && !q->is_closed && !q->is_woken &&
	    pthread_cond_timedwait(&q->cv, &q->mtx, deadline) == 0) {
	}
	q->nwaiting--;
	q->is_woken = false;
	r       = q->head;
	q->head = NULL;
	q->tail = &q->head;
	pthread_mutex_unlock(&q->mtx);
	return r;
}

bool
queue_is_closed(queue *q)
{
	bool is_closed;

	pthread_mutex_lock(&q->mtx);
	is_closed = q->is_closed && q->head == NULL;
	pthread_mutex_unlock(&q->mtx);
	return is_closed;
}

bool
queue_is_idle(queue *q)
{
	bool is_idle;

	pthread_mutex_lock(&q->mtx);
	is_idle = q->head == NULL && !q->is_closed && !q->is_woken &&
	    q->nwaiting > 0;
	pthread_mutex_unlock(&q->mtx);
	return is_idle;
}

bool
queue_is_empty(queue *q)
{
	bool is_empty;

	pthread_mutex_lock(&q->mtx);
	is_empty = q->head == NULL;
	pthread_mutex_unlock(&q->mtx);
	return is_empty;
}
