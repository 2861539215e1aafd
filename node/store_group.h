/*
 * store_group.h - one group commit in progress: its write transaction and
 * the topic records it has read or changed. Shared by store_commit.c
 * (commits, the group itself) and store_procs.c (proc operations).
 */
#ifndef PP_NODE_STORE_GROUP_H
#define PP_NODE_STORE_GROUP_H

#include "store_impl.h"

typedef struct cached_topic {
	const char *name; /* in a request frame or group-owned memory */
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
 * store_run_group - run fn in one write transaction (with at most one
 * sync), growing the map and retrying when it is full. On success the
 * outcome is filled; returns an MDB/errno code.
 */
int store_run_group(store *s, group_fn fn, void *arg, store_outcome *out);

/*
 * group_topic - the cached record of a topic, read once per group. With
 * is_create a missing topic is created; without, MDB_NOTFOUND.
 */
int group_topic(group *g, const char *name, size_t len, bool is_create,
    cached_topic **out);

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

/* ---- store_procs.c ------------------------------------------------------ */

/* procs_call - an ack, ack_commit or reclaim call of a write request. */
int procs_call(group *g, const ppi_wire_call *call, ppi_buf *reply);

/* procs_settle - the same call without a reply: *status is 0 or the
 * refusal, with the reason in g->msg. An MDB code. */
int procs_settle(group *g, const ppi_wire_call *call, int *status);

/*
 * procs_claim - create-if-needed and claim (op "proc"). *is_empty tells
 * that nothing was claimed (the writer may park the request).
 */
int procs_claim(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_empty);

/* procs_available - claim from the first of several procs with logs. */
int procs_available(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_empty);

/*
 * procs_wait - are the procs done? *is_pending when not; the reply is
 * then the PP_ETIMEDOUT it gets if the wait runs out.
 */
int procs_wait(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_pending);

/* procs_topic_config - set a topic's retention limits. */
int procs_topic_config(group *g, const ppi_request *req, ppi_buf *reply);

/* procs_topic_delete - delete a topic (and, forced, its procs). */
int procs_topic_delete(group *g, const ppi_request *req, ppi_buf *reply);

/* procs_admin - disable, resume or destroy one proc. */
int procs_admin(group *g, const ppi_request *req, ppi_buf *reply);

/* procs_reply_fail - write an error reply (fmt has one %s); returns 0. */
int procs_reply_fail(group *g, ppi_buf *reply, int status, const char *fmt,
    const char *arg);

/*
 * procs_check_names - the names of avail and waitprocs are all valid and
 * name procs. Returns 0, an MDB code, or -1 after an error reply.
 */
int procs_check_names(group *g, const ppi_request *req, ppi_buf *reply);

/* procs_expire - reclaim the claim `token` of `name` if still current. */
int procs_expire(group *g, const store_timer *t);

/* procs_release - as procs_expire, whatever the deadline, with `error`
 * as the reason (a worker died holding the claim); error NULL gives the
 * claim back without counting a reclaim (the holder stopped on purpose,
 * or the node restarted under it). */
int procs_release(group *g, const char *name, uint64_t token,
    const char *error);

struct proc_rec;

/*
 * procs_check_options - a new proc record from a proc request's name,
 * topic and options; PP_E* (reason in g->msg) when they are invalid.
 */
int procs_check_options(group *g, const ppi_request *req, struct proc_rec *p);
/* procs_same_options - same topic, offset and options. */
bool procs_same_options(const struct proc_rec *a, const struct proc_rec *b);
/* procs_create - resolve a new proc's cursor (then proc_put it). */
int procs_create(group *g, struct proc_rec *p);
/*
 * procs_claim_from - claim up to p->count logs of p into reply, tagged
 * with index; *is_empty when there were none. An MDB code.
 */
int procs_claim_from(group *g, struct proc_rec *p, uint64_t index,
    ppi_buf *reply, bool *is_empty);

/* ---- store_system.c, store_system_table.c ------------------------------- */

/* system_create, system_destroy - ops sysproc and sysdestroy. */
int system_create(group *g, const ppi_request *req, ppi_buf *reply);
int system_destroy(group *g, const ppi_request *req, ppi_buf *reply);
/* system_claim - op sysclaim (the table); *is_empty as procs_claim. */
int system_claim(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_empty);

#endif
