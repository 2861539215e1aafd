/*
 * frame.h - the exec plugin's frame protocol, v1 (pipeproc_plugin(7),
 * "THE EXEC PLUGIN"): encoding a claim for the child and decoding the
 * child's answer, with hard limits and no allocation.
 *
 * Node -> child, one per claim:
 *
 *     batch <n>\n
 *     log <topic> <ms>-<seq> <len>\n<len bytes>\n      (n times)
 *
 * Child -> node, the answer to that batch:
 *
 *     emit <len>\n<len bytes>\n                (0 or more)
 *     emit_to <topic> <len>\n<len bytes>\n     (0 or more)
 *     done\n                                   (success)
 *   or
 *     fail <len>\n<len bytes>\n                (failure)
 *
 * Lengths are decimal byte counts (no sign, no leading zeros, at most
 * 20 digits). Bodies are raw bytes (binary-safe); the "\n" after each one
 * is not part of it.
 *
 * The decoder is pure: it reads a byte buffer, writes only the item and
 * the answer state it is given, and allocates nothing, so it can run
 * under a fuzzer as it is.
 */
#ifndef PP_EXEC_FRAME_H
#define PP_EXEC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest header line accepted from the child, "\n" included: room for
 * "emit_to", a 200-byte topic and a 20-digit length. */
#define FRAME_LINE_MAX 256
/* Longest topic name in an emit_to frame (PP_TOPIC_MAX). */
#define FRAME_TOPIC_MAX 200
/* Room for the text of a decoding error. */
#define FRAME_ERR_MAX 200

enum frame_kind {
	FRAME_EMIT,    /* an output to every `to` topic */
	FRAME_EMIT_TO, /* an output to one topic */
	FRAME_DONE,    /* success: the end of the answer */
	FRAME_FAIL     /* failure: the end of the answer, with a text */
};

enum frame_status {
	FRAME_OK,   /* *item holds one frame; *used bytes were read */
	FRAME_MORE, /* the buffer ends inside a frame: read more */
	FRAME_BAD   /* not the protocol: the text says why */
};

/* One decoded frame; the pointers point into the decoded buffer. */
typedef struct frame_item {
	enum frame_kind kind;
	const char     *topic; /* FRAME_EMIT_TO: not NUL-terminated */
	size_t          topic_len;
	const void     *body; /* EMIT, EMIT_TO, FAIL */
	size_t          body_len;
} frame_item;

/*
 * The state of one answer being decoded: the limits, set by the caller
 * with frame_answer_init(), and what has been counted so far.
 */
typedef struct frame_answer {
	uint64_t max_body;    /* largest body of one frame, bytes */
	uint64_t max_total;   /* all output bodies of one answer, bytes */
	uint64_t max_outputs; /* output frames in one answer */
	uint64_t total;       /* output body bytes so far */
	uint64_t outputs;     /* output frames so far */
	bool     is_done;     /* a done or fail frame ended it */
	char     err[FRAME_ERR_MAX];
} frame_answer;

/* frame_answer_init - an answer with no frame read yet and these limits
 * (each at least 1). */
void frame_answer_init(frame_answer *a, uint64_t max_body, uint64_t max_total,
    uint64_t max_outputs);

/*
 * frame_next - decode the frame at the start of buf (len bytes) as the
 * next frame of answer a.
 * FRAME_OK: *item is the frame (pointing into buf), *used its size in
 * bytes; a done or fail frame sets a->is_done.
 * FRAME_MORE: buf holds only the start of a frame; *used is the size the
 * frame needs at least (so the caller can size its buffer; never more
 * than FRAME_LINE_MAX + max_body + 1).
 * FRAME_BAD: the bytes break the protocol or a limit; a->err says how
 * (one line). Also returned for any frame after the end of the answer.
 * Never reads beyond buf + len, never allocates. Thread-safe.
 */
enum frame_status frame_next(frame_answer *a, const void *buf, size_t len,
    frame_item *item, size_t *used);

/* Room for the longest header frame_log_header() writes: "log ", the
 * topic, " ", "MS-SEQ" (41), " ", the length (20), "\n" and snprintf's
 * NUL. */
#define FRAME_LOG_HEADER_MAX (4 + FRAME_TOPIC_MAX + 1 + 41 + 1 + 20 + 1 + 1)

/*
 * frame_batch_header - write "batch <n>\n" into out (at least 32 bytes);
 * returns its length.
 */
size_t frame_batch_header(char *out, size_t n);

/*
 * frame_log_header - write "log <topic> <ms>-<seq> <len>\n" into out (at
 * least FRAME_LOG_HEADER_MAX bytes); returns its length, or 0 when the
 * topic is empty, longer than FRAME_TOPIC_MAX or holds a space, a
 * newline or a NUL (a topic name never does).
 */
size_t frame_log_header(char *out, const char *topic, uint64_t ms,
    uint64_t seq, size_t len);

#endif
