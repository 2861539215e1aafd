/*
 * wire.h - the wire codec: every frame exchanged between clients and the
 * node, version 1 (docs/DESIGN.md §5 is the normative description).
 *
 * A frame is one msgpack map. Encoders append to a ppi_buf; decoders read
 * a frame in place, so strings and bodies they return point into the
 * frame and live as long as it does.
 */
#ifndef PP_WIRE_H
#define PP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pipeproc.h"

#define PPI_WIRE_VERSION 1
/* A range page holds at most this many body bytes (and at least 1 log). */
#define PPI_RANGE_PAGE_BYTES (2u << 20)
/* Largest request the node accepts; one commit call must fit in it. */
#define PPI_REQUEST_MAX(max_body) ((uint64_t) (max_body) + (16u << 20))
/* A topics page holds at most this many topics. */
#define PPI_TOPICS_PAGE 1000

/* A byte string inside a frame; not NUL-terminated. ptr NULL = absent. */
typedef struct ppi_str {
	const char *ptr;
	size_t      len;
} ppi_str;

enum ppi_op {
	PPI_OP_HELLO = 1,
	PPI_OP_COMMIT,
	PPI_OP_RANGE,
	PPI_OP_LENGTH,
	PPI_OP_STAT,
	PPI_OP_TOPICS,
	PPI_OP_SHUTDOWN,
	PPI_OP_PROC,     /* create if needed, then claim */
	PPI_OP_PINSPECT, /* proc admin: one proc by name */
	PPI_OP_PDISABLE,
	PPI_OP_PRESUME,
	PPI_OP_PDESTROY,
	PPI_OP_PROCS,    /* list procs */
	PPI_OP_AVAIL,    /* claim from any of several procs */
	PPI_OP_WAITPROCS, /* wait until procs are done */
	PPI_OP_BACKUP,    /* copy the store to a directory */
	PPI_OP_TDELETE,   /* delete a topic */
	PPI_OP_TCONFIG,   /* set a topic's retention limits */
	PPI_OP_SYSPROC,   /* create a systemProc (wire_system.c) */
	PPI_OP_SYSDESTROY, /* destroy a systemProc */
	PPI_OP_SYSCLAIM,  /* a worker's claim across every systemProc */
	PPI_OP_STATS,     /* metrics: one part per request (wire_stats.h) */
	PPI_OP_PRODUCER,  /* a producer key's last sequence (wire_producer.c) */
	PPI_OP_SRCREPORT  /* a source's upstream head (wire_source.c) */
};

/* What one call inside a write request does. */
enum ppi_call_kind {
	PPI_CALL_COMMIT = 0,
	PPI_CALL_ACK,
	PPI_CALL_ACK_COMMIT,
	PPI_CALL_RECLAIM
};

typedef struct ppi_wire_log {
	ppi_str     topic;
	const char *body;
	size_t      len;
} ppi_wire_log;

/* One call of a write request (a pp_commit(), pp_ack(), ...): atomic on
 * its own. */
typedef struct ppi_wire_call {
	enum ppi_call_kind kind;
	ppi_wire_log      *logs; /* commit, ack_commit */
	size_t             count;
	ppi_str            name;  /* ack, ack_commit, reclaim */
	uint64_t           token; /* 0: whatever claim is outstanding */
	ppi_str            error; /* reclaim; ptr NULL when absent */
	ppi_str            producer;     /* commit: key; ptr NULL if none */
	uint64_t           producer_seq; /* commit: >= 1 with a key */
	struct ppi_wire_expect *expects; /* commit: conditions */
	size_t             nexpects;
} ppi_wire_call;

/* A commit call's condition: `topic` is at `next_seq` (pp_expect). */
typedef struct ppi_wire_expect {
	ppi_str  topic;
	uint64_t next_seq;
} ppi_wire_expect;

/* Most conditions in one commit call (pp_commit_opts.nexpects). */
#define PPI_EXPECTS_MAX 64

/* A decoded request. Which fields are set depends on `op`. */
typedef struct ppi_request {
	enum ppi_op    op;
	uint64_t       cid;   /* commit, proc, proc admin: client id */
	uint64_t       rid;   /* ... request number (0 cid: none) */
	uint64_t       floor; /* ... rids below are answered */
	ppi_wire_call *calls; /* commit */
	size_t         ncalls;
	ppi_str        topic; /* range, length, stat */
	ppi_str        start; /* range */
	ppi_str        end;
	bool           is_start_excl;
	bool           is_end_excl;
	bool           is_reverse;
	bool           is_stream; /* range: the next page will be asked for */
	uint64_t       limit; /* range: 0 = none */
	ppi_str        after; /* topics, procs */
	ppi_str        dir;   /* backup */
	bool           is_force; /* tdelete */
	uint64_t       max_age_ms; /* tconfig */
	uint64_t       max_count;
	uint64_t       max_bytes;
	ppi_str        name;  /* proc ops */
	ppi_str        offset;           /* proc: ptr NULL when absent */
	uint64_t       count;            /* proc */
	int64_t        max_reclaims;     /* proc */
	int64_t        reclaim_timeout;  /* proc, ms */
	uint64_t       on_max;           /* proc: enum pp_on_max_reclaims */
	bool           has_ack;          /* proc: ack ack_token first */
	bool           must_exist;       /* proc: never create */
	uint64_t       ack_token;
	int64_t        wait_ms;          /* proc, avail, waitprocs: 0 none,
	                                  * -1 forever */
	ppi_str       *names;            /* avail, waitprocs; sysproc: from */
	size_t         nnames;
	ppi_str       *tos;              /* sysproc: to topics */
	size_t         ntos;
	ppi_str        plugin;           /* sysproc */
	ppi_str        config;           /* sysproc */
	uint64_t       worker;           /* sysclaim: the worker's slot */
	uint64_t       known;            /* sysclaim: its table version */
	struct ppi_wire_call *settle;    /* sysclaim: settle this first */
	bool           is_ephemeral;     /* proc: belongs to the connection */
	bool           is_retry;         /* node: a parked request tried
	                                  * again (not from the wire) */
	uint64_t       part;             /* stats: enum ppi_stats_part */
	ppi_str        key;              /* producer: the producer key */
	void          *unpacked_; /* decoder state, freed by fini */
	uint64_t       given;            /* proc: PP_PROC_GIVEN_* bits of the
	                                  * options to compare; all when the
	                                  * request has no "given" */
	uint64_t       head;             /* srcreport: upstream sequence;
	                                  * name: the source, key: its
	                                  * producer key */
} ppi_request;

/* A log inside a range reply. */
typedef struct ppi_wire_entry {
	uint64_t    ms;
	uint64_t    seq;
	const void *body;
	size_t      len;
} ppi_wire_entry;

/* ---- requests: encoded by the library ------------------------------- */

/* ppi_wire_hello, ppi_wire_shutdown - requests without fields. */
void ppi_wire_hello(ppi_buf *b);
void ppi_wire_shutdown(ppi_buf *b);

/* ppi_wire_commit_begin - a commit frame holding `ncalls` calls, each
 * appended next with ppi_wire_commit_call(). */
void ppi_wire_commit_begin(
    ppi_buf *b, uint64_t cid, uint64_t rid, uint64_t floor, size_t ncalls);
void ppi_wire_commit_call(ppi_buf *b, const pp_record *recs, size_t count);
/* ppi_wire_commit_call_opts - a commit call with options (a map:
 * wire_call.c); with opts NULL or empty it is ppi_wire_commit_call(). */
void ppi_wire_commit_call_opts(ppi_buf *b, const pp_record *recs,
    size_t count, const pp_commit_opts *opts);
/* ppi_wire_producer_key_valid - 1..PP_PRODUCER_MAX visible ASCII bytes. */
bool ppi_wire_producer_key_valid(const char *key, size_t len);
/* ppi_wire_producer - the request of pp_producer() (wire_producer.c). */
void ppi_wire_producer(ppi_buf *b, const char *key);
/* ppi_wire_reply_producer - its reply: {"st":0, "seq", "ms"}. */
void ppi_wire_reply_producer(ppi_buf *b, uint64_t seq, uint64_t ms);
/* ppi_wire_decode_producer - decodes that reply (see the decoders). */
int ppi_wire_decode_producer(const void *frame, size_t len,
    pp_producer_info *info, char *msg, size_t msglen);
/* ppi_wire_srcreport - a source's report (wire_source.c): `name`'s
 * plugin commits as producer `key`, and upstream is at `head`. */
void ppi_wire_srcreport(ppi_buf *b, const char *name, const char *key,
    uint64_t head);
/* ppi_wire_proc_call - an ack, ack_commit (with recs) or reclaim call. */
void ppi_wire_proc_call(ppi_buf *b, enum ppi_call_kind kind, const char *name,
    uint64_t token, const char *error, const pp_record *recs, size_t count);

/* What a range request asks for; start/end NULL when open. */
typedef struct ppi_range_args {
	const char *topic;
	const char *start;
	const char *end;
	bool        is_start_excl;
	bool        is_end_excl;
	bool        is_reverse;
	bool        is_stream; /* the caller will ask for the next page */
	uint64_t    limit;
} ppi_range_args;

void ppi_wire_range(ppi_buf *b, const ppi_range_args *a);

/* ppi_wire_topic_op - length or stat of one topic. */
void ppi_wire_topic_op(ppi_buf *b, enum ppi_op op, const char *topic);

/* ppi_wire_backup - copy the store into dir (a path on the node). */
void ppi_wire_backup(ppi_buf *b, const char *dir);

/* ppi_wire_topic_config - a topic's retention limits (0: none). */
void ppi_wire_topic_config(ppi_buf *b, const char *topic, uint64_t max_age_ms,
    uint64_t max_count, uint64_t max_bytes);

/* ppi_wire_topic_delete - delete topic (and its procs with is_force). */
void ppi_wire_topic_delete(ppi_buf *b, const char *topic, bool is_force);

/* ppi_wire_topics - list topics after `after` (NULL: from the first). */
void ppi_wire_topics(ppi_buf *b, const char *after);

/* The dedupe lane of a proc request (lane.h): "cid", "rid", "floor". */
typedef struct ppi_wire_lane {
	uint64_t cid, rid, floor;
} ppi_wire_lane;

/* ppi_wire_proc - create-if-needed and claim (see pp_proc()); with
 * has_ack, ack the claim `ack_token` first (pp_ack_proc()); with
 * must_exist, a missing proc is PP_ENOPROC instead of created. lane:
 * NULL, or the request's dedupe lane. is_ephemeral: the proc belongs to
 * this connection ("eph"; docs/DESIGN.md §5). */
void ppi_wire_proc(ppi_buf *b, const char *topic, const char *name,
    const pp_proc_opts *opts, int64_t wait_ms, bool has_ack,
    uint64_t ack_token, bool must_exist, const ppi_wire_lane *lane,
    bool is_ephemeral);

/* ppi_wire_proc_admin - inspect, disable, resume or destroy one proc;
 * lane: NULL, or the dedupe lane of a write. */
void ppi_wire_proc_admin(ppi_buf *b, enum ppi_op op, const char *name,
    const ppi_wire_lane *lane);

/* ppi_wire_procs - list procs after `after` (NULL: from the first). */
void ppi_wire_procs(ppi_buf *b, const char *after);

/* ppi_wire_names_op - avail or waitprocs: names and a wait in ms. */
void ppi_wire_names_op(ppi_buf *b, enum ppi_op op, const char *const *names,
    size_t count, int64_t wait_ms);

/* ---- requests: decoded by the node ------------------------------------ */

/*
 * ppi_wire_request_decode - validate and decode a request frame.
 * Returns 0, or PP_EPROTO / PP_EVERSION / PP_EUNKNOWN_OP / PP_ENOMEM with
 * a reason in msg. Topic names and id expressions are checked by the
 * node, not here. Release with ppi_wire_request_fini() in every case.
 */
int ppi_wire_request_decode(const void *frame, size_t len, ppi_request *req,
    char *msg, size_t msglen);
void ppi_wire_request_fini(ppi_request *req);

/* ---- replies: encoded by the node -------------------------------------- */

void ppi_wire_reply_error(ppi_buf *b, int status, const char *msg);
void ppi_wire_reply_ok(ppi_buf *b);
void ppi_wire_reply_hello(ppi_buf *b, uint64_t max_body, uint64_t pid,
    const char *store_dir, const char *node_id);
/* A commit reply: begin, then one ok or err per call, in call order. */
void ppi_wire_reply_commit_begin(ppi_buf *b, size_t ncalls);
void ppi_wire_reply_commit_ok(
    ppi_buf *b, uint64_t ms, const uint64_t *seqs, size_t count);
void ppi_wire_reply_commit_err(ppi_buf *b, int status, const char *msg);
/* ppi_wire_reply_call - the result of a proc call: committed ids (ms and
 * seqs, count 0 for none) and, when has_acked, the last acked id. */
void ppi_wire_reply_call(ppi_buf *b, uint64_t ms, const uint64_t *seqs,
    size_t count, bool has_acked, pp_id acked);
/* ppi_wire_reply_claim - the logs of a claim, its token, and which of
 * the requested procs it is from (avail; 0 otherwise). */
void ppi_wire_reply_claim(ppi_buf *b, const ppi_wire_entry *entries,
    size_t count, uint64_t token, uint64_t index);
/* A procs reply: begin, `count` items, ppi_wire_reply_list_end(). */
void ppi_wire_reply_procs_begin(ppi_buf *b, size_t count);
void ppi_wire_reply_procs_item(ppi_buf *b, const pp_proc_info *info);
/* ppi_wire_deadletter - the body of a dead-letter log (a msgpack map). */
void ppi_wire_deadletter(ppi_buf *b, const char *proc, const char *topic,
    pp_id id, uint32_t attempts, const char *error, const void *body,
    size_t len);
/* A decoded dead letter; every pointer points into the decoded data. */
typedef struct ppi_wire_deadletter_view {
	ppi_str     proc;
	ppi_str     topic;
	pp_id       id;
	uint32_t    attempts;
	ppi_str     error;
	const void *body;
	size_t      len;
} ppi_wire_deadletter_view;
/* ppi_wire_deadletter_decode - read a dead letter's body into *v.
 * Returns 0, PP_EINVALID_BODY (not an envelope) or PP_ENOMEM. */
int ppi_wire_deadletter_decode(
    const void *data, size_t len, ppi_wire_deadletter_view *v);
void ppi_wire_reply_range(
    ppi_buf *b, const ppi_wire_entry *entries, size_t count, bool has_more);
void ppi_wire_reply_count(ppi_buf *b, uint64_t count);
void ppi_wire_reply_stat(ppi_buf *b, const pp_topic_info *info);
/* A topics reply: begin, `count` items, ppi_wire_reply_list_end(). */
void ppi_wire_reply_topics_begin(ppi_buf *b, size_t count);
void ppi_wire_reply_topics_item(ppi_buf *b, const pp_topic_info *info);
/*
 * ppi_wire_reply_list_begin, ppi_wire_reply_list_end - every list reply
 * (topics, procs, stats pages) is {"st":0, key: [count items], "more"}:
 * begin, then the items, then end.
 */
void ppi_wire_reply_list_begin(ppi_buf *b, const char *key, size_t count);
void ppi_wire_reply_list_end(ppi_buf *b, bool has_more);

/* ---- replies: decoded by the library ------------------------------------ */

/*
 * Every decoder below returns the reply's status: 0, the PP_E* code the
 * node sent (its detail copied into msg), or PP_EPROTO for a malformed
 * reply. Outputs are written only when 0 is returned.
 */
int ppi_wire_decode_status(
    const void *frame, size_t len, char *msg, size_t msglen);
/*
 * ppi_wire_decode_hello_store - the store directory and node id a node
 * on this host appends to its hello (absent from older nodes and
 * --memory ones): true when both are there and fit, copied NUL-terminated.
 */
bool ppi_wire_decode_hello_store(const void *frame, size_t len, char *dir,
    size_t dirlen, char *node_id, size_t idlen);

int ppi_wire_decode_hello(const void *frame, size_t len, uint64_t *version,
    uint64_t *max_body, char *msg, size_t msglen);
/*
 * ppi_wire_decode_commit - per call i (of ncalls, with counts[i] logs):
 * status[i] = 0 and ids[i][0..counts[i]) filled (and *acked[i] when the
 * call acked and acked[i] is not NULL), or status[i] < 0.
 */
int ppi_wire_decode_commit(const void *frame, size_t len, size_t ncalls,
    const size_t *counts, pp_id *const *ids, pp_id *const *acked,
    int *status, char *msg, size_t msglen);
/* ppi_wire_decode_claim - as decode_range, plus the claim's token. */
int ppi_wire_decode_claim(const void *frame, size_t len, pp_log **logs,
    size_t *count, uint64_t *token, uint64_t *index, char *msg,
    size_t msglen);
/*
 * ppi_wire_decode_range - *logs is malloc'd (count entries; free it);
 * bodies point into frame.
 */
int ppi_wire_decode_range(const void *frame, size_t len, pp_log **logs,
    size_t *count, bool *has_more, char *msg, size_t msglen);
int ppi_wire_decode_count(
    const void *frame, size_t len, uint64_t *count, char *msg, size_t msglen);
int ppi_wire_decode_stat(const void *frame, size_t len, pp_topic_info *info,
    char *msg, size_t msglen);
/* What a list reply holds (ppi_wire_decode_list). */
enum ppi_list_kind {
	PPI_LIST_TOPICS,       /* pp_topic_info */
	PPI_LIST_PROCS,        /* pp_proc_info */
	PPI_LIST_STATS_TOPICS, /* pp_topic_stats (wire_stats.h) */
	PPI_LIST_STATS_PROCS,  /* pp_proc_stats */
	PPI_LIST_STATS_SOURCES /* pp_source_info (wire_stats.h) */
};

/*
 * ppi_wire_decode_list - a list reply (topics, procs, stats pages;
 * wire_list.c): calls row(arg, item) per item, item pointing at the type
 * its kind names. The strings of an item are NUL-terminated copies valid
 * only during the call. A non-zero return of row stops decoding and is
 * returned.
 */
int ppi_wire_decode_list(const void *frame, size_t len,
    enum ppi_list_kind kind, int (*row)(void *arg, const void *item),
    void *arg, bool *has_more, char *msg, size_t msglen);

/* ---- systemProcs and workers (wire_system.c) ------------------------ */

/* A systemProc as the node sends it to workers. */
typedef struct ppi_wire_sysitem {
	const char        *name;
	const char        *plugin;
	const char        *config;
	const char *const *to;
	size_t             nto;
	const char *const *from;  /* nfrom topics ... */
	const char *const *procs; /* ... and the proc reading each */
	size_t             nfrom;
	uint32_t           count;
	int32_t            max_reclaims; /* its procs' options */
	int64_t            reclaim_timeout_ms;
} ppi_wire_sysitem;

/* One systemProc as workers see it (decoded from a systable reply). */
typedef struct ppi_sysproc {
	char   *name;
	char   *plugin; /* absolute path */
	char   *config; /* "" when none */
	char  **to;     /* nto topics */
	size_t  nto;
	char  **from;   /* nfrom topics ... */
	char  **procs;  /* ... and the proc reading each */
	size_t  nfrom;
	uint32_t count; /* logs per claim */
	/* Its procs' options; 0 and 0 from a node that does not send them
	 * (an older table item of 7 fields). */
	int32_t  max_reclaims;
	int64_t  reclaim_timeout_ms;
} ppi_sysproc;

typedef struct ppi_systable {
	uint64_t     version;
	ppi_sysproc *items; /* in name order */
	size_t       count;
} ppi_systable;

/* ppi_systable_free - free a decoded table. Accepts NULL. */
void ppi_systable_free(ppi_systable *t);

/* Requests; plugin is the absolute path to send. */
void ppi_wire_sysproc(ppi_buf *b, const char *name,
    const pp_system_proc_opts *o, const char *plugin);
void ppi_wire_sysdestroy(ppi_buf *b, const char *name);
/* A worker's claim settled with its next claim: an ack, or (count > 0)
 * an ack_commit of recs. */
typedef struct ppi_settle {
	const char      *proc;
	uint64_t         token;
	const pp_record *recs;
	size_t           count;
} ppi_settle;

void ppi_wire_sysclaim(ppi_buf *b, uint64_t worker, uint64_t known,
    int64_t wait, const ppi_settle *settle);
/* ppi_wire_reply_settle_error - a sysclaim whose settle was refused. */
void ppi_wire_reply_settle_error(ppi_buf *b, int status, const char *msg);
/* ppi_wire_reply_systable - the table a worker must switch to. */
void ppi_wire_reply_systable(ppi_buf *b, uint64_t version,
    const ppi_wire_sysitem *items, size_t n);
/*
 * ppi_wire_decode_systable - a sysclaim reply: *table is set when it is a
 * table (free with ppi_systable_free()), NULL when it is a claim (then
 * decode it with ppi_wire_decode_claim()). Returns the status; on an
 * error *is_settle_error tells that the node refused the settle (and
 * claimed nothing).
 */
int ppi_wire_decode_systable(const void *frame, size_t len,
    ppi_systable **table, bool *is_settle_error, char *msg,
    size_t msglen);

#endif
