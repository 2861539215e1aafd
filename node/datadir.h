/*
 * datadir.h - the node's claim on its data directory: one node per
 * directory (an flock on DIR/node.lock holding the owner's pid), and the
 * private temporary directory of `--memory`.
 */
#ifndef PP_NODE_DATADIR_H
#define PP_NODE_DATADIR_H

#include <stddef.h>

/*
 * datadir_lock - create dir if needed and lock it for this process.
 * Returns the lock fd (kept open for the node's life), or a negative
 * PP_E* code (PP_ELOCKED when another node holds it) with msg set.
 */
int datadir_lock(const char *dir, char *msg, size_t msglen);

/* datadir_make_temp - a fresh private directory for --memory. */
int datadir_make_temp(char *path, size_t len, char *msg, size_t msglen);

/* datadir_remove_temp - delete what --memory created (store files too). */
void datadir_remove_temp(const char *path);

#endif
