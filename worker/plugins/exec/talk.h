/*
 * talk.h - one claim's conversation with an exec child: send the batch,
 * read the answer, hand its outputs to the emitter, all within a
 * deadline.
 */
#ifndef PP_EXEC_TALK_H
#define PP_EXEC_TALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pipeproc_plugin.h>

#include "child.h"
#include "frame.h"

/* Bytes of a fail text kept (pipeproc_plugin.h's fail()). */
#define TALK_FAIL_MAX 400

/* A child and the buffers of its conversation, reused claim to claim. */
typedef struct conn {
	child  c;
	char  *out; /* the encoded batch */
	size_t out_cap;
	char  *in; /* what the child wrote, not yet decoded from in_off */
	size_t in_off, in_len, in_cap;
} conn;

typedef struct talk_limits {
	uint64_t max_body;    /* one body, either way */
	uint64_t max_total;   /* all outputs of one answer */
	uint64_t max_outputs; /* output frames of one answer */
	int      timeout_ms;  /* for the whole batch */
} talk_limits;

enum talk_result {
	TALK_DONE,  /* success: the outputs are in the emitter */
	TALK_FAIL,  /* the child said fail, or an output was refused:
	             * `why` holds the reason; the child lives on */
	TALK_CRASH, /* the child closed its stdout (it died): stop it */
	TALK_BAD,   /* a malformed answer: `why` says what; kill it */
	TALK_HANG,  /* no answer before the deadline: kill it */
	TALK_ERROR  /* our side failed (memory): `why` says what; the
	             * conversation is out of step, kill it */
};

/*
 * talk_batch - send the n logs to the running child of `k` as one batch
 * and read its answer, passing outputs to em->emit/emit_to as they
 * arrive. Writes and reads are interleaved, so a child that answers
 * while it still reads cannot deadlock with us. On TALK_FAIL, TALK_BAD
 * and TALK_ERROR `why` (whylen bytes) says why; the others leave it
 * alone.
 */
enum talk_result talk_batch(conn *k, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em, const talk_limits *lim, char *why, size_t whylen);

/*
 * talk_idle_check - before a batch: false when the child is gone or has
 * written something while it had no batch (both break the protocol; the
 * caller restarts it, without blaming the claim); `why` says which.
 */
bool talk_idle_check(conn *k, char *why, size_t whylen);

/* talk_free - free the buffers (the child must be stopped). */
void talk_free(conn *k);

#endif
