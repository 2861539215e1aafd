/*
 * timers.c - min-heap of claim deadlines (see timers.h).
 */
#include <stdlib.h>

#include "timers.h"

static void
swap(store_timer *a, store_timer *b)
{
	store_timer t = *a;

	*a = *b;
	*b = t;
}

void
timers_fini(timers *t)
{
	free(t->heap);
	t->heap = NULL;
	t->n = t->cap = 0;
}

int
timers_add(timers *t, const store_timer *e)
{
	store_timer *h;
	size_t       i;

	if (t->n == t->cap) {
		t->cap = t->cap != 0 ? t->cap * 2 : 32;
		if ((h = realloc(t->heap, sizeof(*h) * t->cap)) == NULL) {
			return PP_ENOMEM;
		}
		t->heap = h;
	}
	i          = t->n++;
	t->heap[i] = *e;
	while (i > 0 && t->heap[(i - 1) / 2].deadline_ms > t->heap[i].deadline_ms) {
		swap(&t->heap[(i - 1) / 2], &t->heap[i]);
		i = (i - 1) / 2;
	}
	return 0;
}

uint64_t
timers_next(const timers *t)
{
	return t->n > 0 ? t->heap[0].deadline_ms : 0;
}

static void
pop(timers *t)
{
	size_t i = 0, c;

	t->heap[0] = t->heap[--t->n];
	for (;;) {
		c = 2 * i + 1;
		if (c >= t->n) {
			return;
		}
		if (c + 1 < t->n &&
		    t->heap[c + 1].deadline_ms < t->heap[c].deadline_ms) {
			c++;
		}
		if (t->heap[i].deadline_ms <= t->heap[c].deadline_ms) {
			return;
		}
		swap(&t->heap[i], &t->heap[c]);
		i = c;
	}
}

size_t
timers_take_due(timers *t, uint64_t now_ms, store_timer **due)
{
	size_t n = 0, cap = 0;

	*due = NULL;
	while (t->n > 0 && t->heap[0].deadline_ms <= now_ms) {
		if (n == cap) {
			store_timer *d;
			cap = cap != 0 ? cap * 2 : 8;
			if ((d = realloc(*due, sizeof(*d) * cap)) == NULL) {
				break; /* the rest fire on the next round */
			}
			*due = d;
		}
		(*due)[n++] = t->heap[0];
		pop(t);
	}
	return n;
}
