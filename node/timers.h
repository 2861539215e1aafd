/*
 * timers.h - the claim deadlines the writer acts on: a binary min-heap
 * of store_timer ordered by deadline. Entries may be stale (the claim was
 * acked meanwhile); settle_expire() checks the token before acting.
 */
#ifndef PP_NODE_TIMERS_H
#define PP_NODE_TIMERS_H

#include <stddef.h>

#include "store/store.h"

typedef struct timers {
	store_timer *heap;
	size_t       n;
	size_t       cap;
} timers;

void timers_fini(timers *t);
/* timers_add - 0, or PP_ENOMEM. */
int timers_add(timers *t, const store_timer *e);
/* timers_next - the earliest deadline (ms), or 0 when empty. */
uint64_t timers_next(const timers *t);
/* timers_take_due - move entries due at now_ms into *due (malloc'd). */
size_t timers_take_due(timers *t, uint64_t now_ms, store_timer **due);

#endif
