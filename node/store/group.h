/*
 * group.h - the group engine (group.c): one group commit in progress,
 * its write transaction and the topic records it has read or changed.
 * Every handler of a write request (ops.h) runs inside one; collection
 * (gc.c) and the writer's systemProc table (systable.c) run their own.
 */
#ifndef PP_NODE_STORE_GROUP_H
#define PP_NODE_STORE_GROUP_H

#include "cursor.h"
#include "store_impl.h"

typedef struct cached_topic {
	const char *name; /* group-owned copy (group_keep) */
	size_t      len;
	topic_rec   rec;
	bool        is_new;
	bool        is_dirty;
	bool        is_deleted; /* pp_topic_delete: removed at flush */
} cached_topic;

/* Memory that lives as long as the group (dead-letter names, bodies). */
typedef struct group_mem {
	struct group_mem *next;
	char              data[];
} group_mem;

typedef struct group {
	store        *s;
	MDB_txn      *txn;
	cached_topic *slots; /* open addressing, power-of-two size */
	size_t        nslots;
	size_t        used;
	uint32_t      next_tid; /* 0: not loaded yet */
	bool          is_tid_dirty;
	bool          needs_sync;  /* something beyond claims was written */
	bool          has_changes; /* logs appended or procs released logs */
	bool          has_purge;   /* a topic was deleted: purge its logs */
	uint64_t      now_ms;
	uint64_t     *seqs; /* scratch: sequences of one call */
	size_t        seqs_cap;
	store_timer  *timers; /* claim deadlines set by this group */
	size_t        ntimers;
	size_t        timers_cap;
	group_mem    *mem;
	store_tally   tally; /* for the metrics; counted on commit only */
	char          msg[512];
} group;

/* What a group applies inside its transaction; returns an MDB code. */
typedef int (*group_fn)(group *g, void *arg);

/*
 * group_run - run fn in one write transaction (with at most one sync),
 * growing the map and retrying when it is full. On success the outcome
 * is filled; returns an MDB/errno code.
 */
int group_run(store *s, group_fn fn, void *arg, store_outcome *out);

/*
 * group_topic - the cached record of a topic, read once per group. With
 * is_create a missing topic is created; without, MDB_NOTFOUND.
 */
int group_topic(group *g, const char *name, size_t len, bool is_create,
    cached_topic **out);

/* group_open_topic - a cursor on the logs of `topic`, with its record;
 * MDB_NOTFOUND when the topic has none. Close c->cur when done. */
int group_open_topic(group *g, const char *topic, store_cursor *c);

/* group_validate_call - a commit call's logs break no rule (PP_E*). */
int group_validate_call(group *g, const ppi_wire_call *call);

/*
 * group_append - append a valid call's logs; all get one millisecond,
 * written to *ms, and their sequences are in g->seqs. An MDB code.
 */
int group_append(group *g, const ppi_wire_call *call, uint64_t *ms);

/* group_keep - a copy of len bytes that lives as long as the group. */
void *group_keep(group *g, const void *p, size_t len);

/* group_add_timer - a claim deadline for the writer's timer. */
int group_add_timer(group *g, const char *name, size_t len, uint64_t token,
    uint64_t deadline_ms);

/* group_reply_fail - write an error reply (fmt has one %s, the text
 * stays in g->msg); returns 0, so a handler can return it. */
int group_reply_fail(group *g, ppi_buf *reply, int status, const char *fmt,
    const char *arg);

#endif
