/*
 * ephemeral.h - the mark of a proc that belongs to a connection
 * (ephemeral.c; issue 14 item 7): the handlers that create and destroy
 * procs set and clear it inside their group.
 *
 *   state key: 0x05 proc name      value: empty
 */
#ifndef PP_NODE_STORE_EPHEMERAL_H
#define PP_NODE_STORE_EPHEMERAL_H

#include <stdbool.h>

#include "group.h"

/* ephemeral_set - mark proc `name` as its connection's (is_ephemeral)
 * or not: a proc created by a plain request loses a stale mark of an
 * earlier one of its name. An MDB code. */
int ephemeral_set(group *g, const char *name, size_t len, bool is_ephemeral);

#endif
