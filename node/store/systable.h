/*
 * systable.h - what the handlers tell the writer's table of systemProcs
 * (systable.c); the writer drives the table through store.h.
 */
#ifndef PP_NODE_STORE_SYSTABLE_H
#define PP_NODE_STORE_SYSTABLE_H

#include "store_impl.h"

/* systable_changed - a systemProc was created or destroyed in this
 * group: the writer reloads its table after it. */
void systable_changed(store *s);

#endif
