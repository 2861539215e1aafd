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
	PPI_OP_SHUTDOWN
};

typedef struct ppi_wire_log {
	ppi_str     topic;
	const char *body;
	size_t      len;
} ppi_wire_log;

/* One pp_commit() call: atomic on its own. */
typedef struct ppi_wire_call {
	ppi_wire_log *logs;
	size_t        count;
} ppi_wire_call;

/* A decoded request. Which fields are set depends on `op`. */
typedef struct ppi_request {
	enum ppi_op    op;
	uint64_t       cid;   /* commit: client id */
	uint64_t       rid;   /* commit: request number */
	uint64_t       floor; /* commit: rids below are answered */
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
	ppi_str        after; /* topics */
	void          *unpacked_; /* decoder state, freed by fini */
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

/* ppi_wire_topics - list topics after `after` (NULL: from the first). */
void ppi_wire_topics(ppi_buf *b, const char *after);

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
void ppi_wire_reply_hello(ppi_buf *b, uint64_t max_body, uint64_t pid);
/* A commit reply: begin, then one ok or err per call, in call order. */
void ppi_wire_reply_commit_begin(ppi_buf *b, size_t ncalls);
void ppi_wire_reply_commit_ok(
    ppi_buf *b, uint64_t ms, const uint64_t *seqs, size_t count);
void ppi_wire_reply_commit_err(ppi_buf *b, int status, const char *msg);
void ppi_wire_reply_range(
    ppi_buf *b, const ppi_wire_entry *entries, size_t count, bool has_more);
void ppi_wire_reply_count(ppi_buf *b, uint64_t count);
void ppi_wire_reply_stat(ppi_buf *b, const pp_topic_info *info);
/* A topics reply: begin, `count` items, end. */
void ppi_wire_reply_topics_begin(ppi_buf *b, size_t count);
void ppi_wire_reply_topics_item(ppi_buf *b, const pp_topic_info *info);
void ppi_wire_reply_topics_end(ppi_buf *b, bool has_more);

/* ---- replies: decoded by the library ------------------------------------ */

/*
 * Every decoder below returns the reply's status: 0, the PP_E* code the
 * node sent (its detail copied into msg), or PP_EPROTO for a malformed
 * reply. Outputs are written only when 0 is returned.
 */
int ppi_wire_decode_status(
    const void *frame, size_t len, char *msg, size_t msglen);
int ppi_wire_decode_hello(const void *frame, size_t len, uint64_t *version,
    uint64_t *max_body, char *msg, size_t msglen);
/*
 * ppi_wire_decode_commit - per call i (of ncalls, with counts[i] logs):
 * status[i] = 0 and ids[i][0..counts[i]) filled, or status[i] < 0.
 */
int ppi_wire_decode_commit(const void *frame, size_t len, size_t ncalls,
    const size_t *counts, pp_id *const *ids, int *status, char *msg,
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
/*
 * ppi_wire_decode_topics - calls item(arg, &info) for each topic; info.name
 * is NUL-terminated only for the duration of the call (copied into
 * scratch). A non-zero return of item stops decoding and is returned.
 */
int ppi_wire_decode_topics(const void *frame, size_t len,
    int (*item)(void *arg, const pp_topic_info *info), void *arg,
    bool *has_more, char *msg, size_t msglen);

#endif
