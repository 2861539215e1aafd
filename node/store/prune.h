/*
 * prune.h - forgetting what grew old, a bounded step at a time: the
 * remembered replies (requests.c) and the idle producer keys
 * (producers.c) walk their keys the same way (prune.c).
 */
#ifndef PP_STORE_PRUNE_H
#define PP_STORE_PRUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_impl.h"

/* Longest key a walk resumes at. */
#define PRUNE_KEY_MAX 256

/*
 * One walk over a range of keys of one database: where it starts, where
 * the next step resumes, which keys belong to it and which are old.
 */
typedef struct prune_walk {
	MDB_dbi       dbi;
	unsigned char start[PRUNE_KEY_MAX]; /* the first key; len 0: the
	                                     * database's first */
	size_t        start_len;
	unsigned char at[PRUNE_KEY_MAX];    /* the next step's first key */
	size_t        at_len;
	bool          is_started;           /* at holds a key (else start) */
	/* Does key k belong to the walk? NULL: every key does. */
	bool (*is_ours)(const MDB_val *k);
	/* Is the entry older than cutoff_ms? */
	bool (*is_old)(const MDB_val *k, const MDB_val *v, uint64_t cutoff_ms);
} prune_walk;

/*
 * prune_step - one transaction: look at up to 4 * budget entries from
 * where the last step stopped, delete up to budget old ones (*deleted
 * says how many), and remember where to go on; past the last key the
 * next step starts over. Returns 0 or an MDB code (the walk then starts
 * over too).
 */
int prune_step(store *s, prune_walk *w, uint64_t cutoff_ms, size_t budget,
    size_t *deleted);

#endif
