/*
 * syncer.h - periodic store sync for `--sync interval:MS`.
 */
#ifndef PP_NODE_SYNCER_H
#define PP_NODE_SYNCER_H

#include <stdint.h>

#include "store/store.h"

typedef struct syncer syncer;

int  syncer_start(store *s, uint32_t interval_ms, syncer **sy);
/* syncer_stop - stop the thread (the caller syncs once more). NULL ok. */
void syncer_stop(syncer *sy);

#endif
