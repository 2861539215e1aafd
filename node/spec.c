/*
 * spec.c - read-ahead of the next page of a walk (see spec.h).
 *
 * Design notes: prepared pages live in SPEC_SLOTS slots (so at most that
 * many pages, 2 MiB each, are held). A slot is claimed when the next page
 * is predicted and filled by the spec thread; a reader asking for it
 * waits until it is filled. Readers never build spec pages and the spec
 * thread never waits for readers, so the wait cannot deadlock. Logs are
 * immutable and only appended, so a prepared page that was full when it
 * was built is still exactly the answer later; a page that reached the
 * end of the topic is never kept, because logs may have arrived since.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

#define SPEC_SLOTS 4
#define BOUND_MAX 64

typedef enum { SLOT_FREE, SLOT_QUEUED, SLOT_READY } slot_state;

typedef struct slot {
	slot_state  state;
	uint64_t    stamp; /* claim order, to reuse the oldest slot */
	ppi_request req;   /* the predicted request; strings point below */
	char        topic[PP_TOPIC_MAX];
	char        start[BOUND_MAX];
	char        end[BOUND_MAX];
	ppi_buf     reply;
	store_page  page;
} slot;

struct spec {
	store          *store;
	pthread_mutex_t mtx;
	pthread_cond_t  work;  /* the thread: a slot is queued */
	pthread_cond_t  ready; /* readers: a slot was filled */
	slot            slots[SPEC_SLOTS];
	uint64_t        clock;
	bool            is_stopping;
	pthread_t       thread;
};

static bool
str_eq(const ppi_str *a, const ppi_str *b)
{
	size_t alen = a->ptr != NULL ? a->len : 0;
	size_t blen = b->ptr != NULL ? b->len : 0;

	return alen == blen && (alen == 0 || memcmp(a->ptr, b->ptr, alen) == 0);
}

static bool
same_request(const ppi_request *a, const ppi_request *b)
{
	return str_eq(&a->topic, &b->topic) && str_eq(&a->start, &b->start) &&
	    str_eq(&a->end, &b->end) && a->is_start_excl == b->is_start_excl &&
	    a->is_end_excl == b->is_end_excl &&
	    a->is_reverse == b->is_reverse && a->limit == b->limit;
}

static void *
spec_main(void *arg)
{
	spec *sp = arg;
	slot *sl;
	int   i;

	pthread_mutex_lock(&sp->mtx);
	for (;;) {
		sl = NULL;
		for (i = 0; i < SPEC_SLOTS && sl == NULL; i++) {
			if (sp->slots[i].state == SLOT_QUEUED) {
				sl = &sp->slots[i];
			}
		}
		if (sl == NULL) {
			if (sp->is_stopping) {
				break;
			}
			pthread_cond_wait(&sp->work, &sp->mtx);
			continue;
		}
		pthread_mutex_unlock(&sp->mtx);
		/* The slot stays QUEUED (so nobody reuses it) while built. */
		ppi_buf_reset(&sl->reply);
		store_read_range(sp->store, &sl->req, &sl->reply, &sl->page);
		pthread_mutex_lock(&sp->mtx);
		sl->state = SLOT_READY;
		pthread_cond_broadcast(&sp->ready);
	}
	pthread_mutex_unlock(&sp->mtx);
	return NULL;
}

int
spec_start(store *s, spec **out)
{
	spec *sp;
	int   i;

	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		return PP_ENOMEM;
	}
	sp->store = s;
	pthread_mutex_init(&sp->mtx, NULL);
	pthread_cond_init(&sp->work, NULL);
	pthread_cond_init(&sp->ready, NULL);
	for (i = 0; i < SPEC_SLOTS; i++) {
		ppi_buf_init(&sp->slots[i].reply);
	}
	if (pthread_create(&sp->thread, NULL, spec_main, sp) != 0) {
		free(sp);
		return PP_ENOMEM;
	}
	*out = sp;
	return 0;
}

void
spec_stop(spec *sp)
{
	int i;

	if (sp == NULL) {
		return;
	}
	pthread_mutex_lock(&sp->mtx);
	sp->is_stopping = true;
	for (i = 0; i < SPEC_SLOTS; i++) {
		if (sp->slots[i].state == SLOT_QUEUED) {
			sp->slots[i].state = SLOT_FREE; /* not built yet */
		}
	}
	pthread_cond_signal(&sp->work);
	pthread_cond_broadcast(&sp->ready);
	pthread_mutex_unlock(&sp->mtx);
	pthread_join(sp->thread, NULL);
	for (i = 0; i < SPEC_SLOTS; i++) {
		ppi_buf_fini(&sp->slots[i].reply);
	}
	pthread_mutex_destroy(&sp->mtx);
	pthread_cond_destroy(&sp->work);
	pthread_cond_destroy(&sp->ready);
	free(sp);
}

bool
spec_take(spec *sp, const ppi_request *req, ppi_buf *reply, store_page *page)
{
	slot *sl = NULL;
	bool  is_taken;
	int   i;

	pthread_mutex_lock(&sp->mtx);
	for (i = 0; i < SPEC_SLOTS && sl == NULL; i++) {
		if (sp->slots[i].state != SLOT_FREE &&
		    same_request(&sp->slots[i].req, req)) {
			sl = &sp->slots[i];
		}
	}
	while (sl != NULL && sl->state == SLOT_QUEUED && !sp->is_stopping) {
		pthread_cond_wait(&sp->ready, &sp->mtx);
	}
	if (sl == NULL || sl->state != SLOT_READY) {
		pthread_mutex_unlock(&sp->mtx);
		return false;
	}
	/* A page that reached the end may have missed newer logs. */
	is_taken = sl->page.has_more;
	if (is_taken) {
		ppi_buf_append(reply, sl->reply.data, sl->reply.len);
		*page = sl->page;
	}
	sl->state = SLOT_FREE;
	pthread_mutex_unlock(&sp->mtx);
	return is_taken;
}

/* Copies a bound into a slot; false if it does not fit. */
static bool
keep(ppi_str *dst, char *buf, size_t cap, const ppi_str *src)
{
	if (src->ptr == NULL) {
		dst->ptr = NULL;
		dst->len = 0;
		return true;
	}
	if (src->len > cap) {
		return false;
	}
	memcpy(buf, src->ptr, src->len);
	dst->ptr = buf;
	dst->len = src->len;
	return true;
}

void
spec_after(spec *sp, const ppi_request *req, const store_page *page)
{
	slot *sl = NULL;
	int   i, n;

	if (!req->is_stream || !page->has_more || page->count == 0 ||
	    (req->is_reverse && page->last_seq == 0) ||
	    (req->limit != 0 && req->limit <= page->count)) {
		return;
	}
	pthread_mutex_lock(&sp->mtx);
	/* A free slot, else the oldest prepared page nobody took. */
	for (i = 0; i < SPEC_SLOTS; i++) {
		slot *c = &sp->slots[i];
		if (c->state == SLOT_FREE) {
			sl = c;
			break;
		}
		if (c->state == SLOT_READY && (sl == NULL || c->stamp < sl->stamp)) {
			sl = c;
		}
	}
	if (sl == NULL || sp->is_stopping) {
		pthread_mutex_unlock(&sp->mtx);
		return;
	}
	memset(&sl->req, 0, sizeof(sl->req));
	sl->req.op = PPI_OP_RANGE;
	if (!keep(&sl->req.topic, sl->topic, sizeof(sl->topic), &req->topic) ||
	    !keep(&sl->req.end, sl->end, sizeof(sl->end), &req->end)) {
		sl->state = SLOT_FREE;
		pthread_mutex_unlock(&sp->mtx);
		return;
	}
	/* The walk continues right after the last log, as pp_iter does. */
	n = snprintf(sl->start, sizeof(sl->start), ":%llu",
	    (unsigned long long) (req->is_reverse ? page->last_seq - 1
	                                          : page->last_seq + 1));
	sl->req.start.ptr   = sl->start;
	sl->req.start.len   = (size_t) n;
	sl->req.is_end_excl = req->is_end_excl;
	sl->req.is_reverse  = req->is_reverse;
	sl->req.is_stream   = true;
	sl->req.limit       = req->limit != 0 ? req->limit - page->count : 0;
	sl->stamp           = ++sp->clock;
	sl->state           = SLOT_QUEUED;
	pthread_cond_signal(&sp->work);
	pthread_mutex_unlock(&sp->mtx);
}
