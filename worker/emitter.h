/*
 * emitter.h - the pp_plugin_emitter a worker hands to process(): it
 * collects the emitted logs of one claim as pp_record values for
 * pp_ack_commit(), and the text given to fail().
 */
#ifndef PP_WORKER_EMITTER_H
#define PP_WORKER_EMITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeproc.h"
#include "pipeproc_plugin.h"

/* Bytes of fail() text kept (pipeproc_plugin.h). */
#define EMITTER_FAIL_MAX 400

/* One emitted log before its body's address is final. */
typedef struct emitter_out {
	const char *topic; /* one of the `to` topics (borrowed) */
	size_t      off;   /* of its body in the arena */
	size_t      len;
} emitter_out;

/*
 * One per worker thread, reused for every claim it handles. Fields are
 * private to emitter.c; `pub` is what the plugin gets.
 */
typedef struct emitter {
	pp_plugin_emitter  pub;
	char *const       *to;
	size_t             nto;
	uint64_t           max_body;  /* per log, the node's limit */
	uint64_t           max_total; /* all logs of one ack_commit */
	uint64_t           total;     /* counted as the library does */
	bool               is_open;   /* inside a process() call */
	emitter_out       *outs;
	pp_record         *recs;
	size_t             nouts, cap_outs;
	char              *arena; /* every body, each copied once */
	size_t             used, cap;
	bool               has_fail;
	char               fail[EMITTER_FAIL_MAX + 1];
} emitter;

/* emitter_init - an empty emitter for a node whose maximum body is
 * max_body bytes. */
void emitter_init(emitter *e, uint64_t max_body);

/* emitter_fini - free what the emitter holds. */
void emitter_fini(emitter *e);

/*
 * emitter_begin - forget the previous claim's outputs and open the
 * emitter for a process() call whose systemProc writes to `to` (nto
 * topics, borrowed until emitter_end()).
 */
void emitter_begin(emitter *e, char *const *to, size_t nto);

/* emitter_end - close it: later calls by the plugin fail (PP_EINVAL). */
void emitter_end(emitter *e);

/*
 * emitter_records - the logs emitted since emitter_begin(), in emit order
 * (an emit() to several topics gives one log per topic, in `to` order).
 * Returns their count; *recs is valid until the next emitter_begin().
 */
size_t emitter_records(emitter *e, const pp_record **recs);

/* emitter_fail_text - the last text given to fail(), or NULL. */
const char *emitter_fail_text(const emitter *e);

#endif
