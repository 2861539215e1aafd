/*
 * talk.c - one batch sent to an exec child and its answer read back
 * (talk.h; the frames are frame.h's).
 *
 * Design notes:
 * - One poll() loop both writes the batch and reads the answer: a child
 *   may answer (emit frames) before it has read the whole batch, and
 *   with both pipes full a write-then-read order would deadlock.
 * - The answer is decoded as it arrives; each output goes straight to the
 *   emitter, which copies it, so the input buffer holds at most one frame
 *   plus one read (FRAME_LINE_MAX + max_body + 1 + READ_CHUNK bytes).
 * - An output the emitter refuses (too big, not a `to` topic) fails the
 *   claim but not the child: the rest of the answer is read and dropped,
 *   so the next batch starts in step.
 * - A "done" or "fail" before the whole batch was written is malformed:
 *   the unread rest would be taken for the next batch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "talk.h"

#define READ_CHUNK 65536

/* pipeproc.h's codes the emitter returns (plugins do not include it). */
#define E_NOMEM -3
#define E_INVALID_TOPIC -4
#define E_TOOBIG -6
#define E_TOOLARGE -24

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Makes *buf hold at least need bytes. */
static int
reserve(char **buf, size_t *cap, size_t need)
{
	char  *p;
	size_t c = *cap > 0 ? *cap : 4096;

	if (need <= *cap) {
		return 0;
	}
	while (c < need) {
		c = c > SIZE_MAX / 2 ? need : c * 2;
	}
	if ((p = realloc(*buf, c)) == NULL) {
		return -1;
	}
	*buf = p;
	*cap = c;
	return 0;
}

/* Encodes the batch into k->out; returns its length, 0 on error. */
static size_t
encode(conn *k, const pp_plugin_log *logs, size_t n, const talk_limits *lim,
    char *why, size_t whylen)
{
	char   head[FRAME_LOG_HEADER_MAX];
	size_t len, h, i;

	if (reserve(&k->out, &k->out_cap, 32) != 0) {
		snprintf(why, whylen, "exec: out of memory");
		return 0;
	}
	len = frame_batch_header(k->out, n);
	for (i = 0; i < n; i++) {
		if ((h = frame_log_header(head, logs[i].topic, logs[i].ms,
		         logs[i].seq, logs[i].len)) == 0) {
			snprintf(why, whylen, "exec: topic '%.200s' cannot be "
			    "sent in a frame", logs[i].topic);
			return 0;
		}
		if (logs[i].len > lim->max_body) {
			snprintf(why, whylen, "exec: log %llu-%llu has %zu "
			    "bytes, more than the limit of %llu",
			    (unsigned long long) logs[i].ms,
			    (unsigned long long) logs[i].seq, logs[i].len,
			    (unsigned long long) lim->max_body);
			return 0;
		}
		if (reserve(&k->out, &k->out_cap, len + h + logs[i].len + 1) !=
		    0) {
			snprintf(why, whylen, "exec: out of memory");
			return 0;
		}
		memcpy(k->out + len, head, h);
		len += h;
		if (logs[i].len > 0) {
			memcpy(k->out + len, logs[i].body, logs[i].len);
		}
		len += logs[i].len;
		k->out[len++] = '\n';
	}
	return len;
}

/* What an emitter code means, for the reason of a failed claim. */
static const char *
emit_error(int rv)
{
	switch (rv) {
	case E_INVALID_TOPIC:
		return "not one of the systemProc's `to` topics";
	case E_TOOBIG:
		return "larger than the node's maximum body";
	case E_TOOLARGE:
		return "the outputs together do not fit in one request";
	case E_NOMEM:
		return "out of memory";
	default:
		return "refused";
	}
}

/* The length of the valid UTF-8 sequence at b (n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *b, size_t n)
{
	size_t len, i;

	if (b[0] < 0x80) {
		return 1;
	}
	if (b[0] >= 0xc2 && b[0] <= 0xdf) {
		len = 2;
	} else if (b[0] >= 0xe0 && b[0] <= 0xef) {
		len = 3;
	} else if (b[0] >= 0xf0 && b[0] <= 0xf4) {
		len = 4;
	} else {
		return 0;
	}
	if (len > n) {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((b[i] & 0xc0) != 0x80) {
			return 0;
		}
	}
	/* No overlong forms, surrogates or code points above U+10FFFF. */
	if ((b[0] == 0xe0 && b[1] < 0xa0) || (b[0] == 0xed && b[1] >= 0xa0) ||
	    (b[0] == 0xf0 && b[1] < 0x90) || (b[0] == 0xf4 && b[1] >= 0x90)) {
		return 0;
	}
	return len;
}

/* A fail text as one line of valid UTF-8 of at most TALK_FAIL_MAX bytes:
 * the node keeps it as text. Control characters become spaces, bytes
 * that are not UTF-8 '?'. */
static void
fail_text(const frame_item *it, char *why, size_t whylen)
{
	const unsigned char *b = it->body;
	size_t               n = it->body_len, i = 0, o = 0, k;

	if (n == 0) {
		snprintf(why, whylen, "exec: the child failed the batch "
		    "without a reason");
		return;
	}
	if (n > TALK_FAIL_MAX) {
		n = TALK_FAIL_MAX;
	}
	if (n > whylen - 1) {
		n = whylen - 1;
	}
	while (i < n) {
		if ((k = utf8_len(b + i, n - i)) == 0) {
			why[o++] = '?';
			i++;
		} else if (k == 1) {
			why[o++] = b[i] < 0x20 || b[i] == 0x7f ? ' '
			                                       : (char) b[i];
			i++;
		} else {
			memcpy(why + o, b + i, k);
			o += k;
			i += k;
		}
	}
	why[o] = '\0';
}

/*
 * Applies one decoded frame. An emitter error is kept in why (the first
 * one wins) and turns the answer into a failure.
 */
static void
apply(const frame_item *it, pp_plugin_emitter *em, bool *is_refused,
    char *why, size_t whylen)
{
	char topic[FRAME_TOPIC_MAX + 1];
	int  rv;

	switch (it->kind) {
	case FRAME_EMIT:
	case FRAME_EMIT_TO:
		if (*is_refused) {
			return; /* the claim fails anyway */
		}
		if (it->kind == FRAME_EMIT) {
			topic[0] = '\0';
			rv       = em->emit(em, it->body, it->body_len);
		} else {
			memcpy(topic, it->topic, it->topic_len);
			topic[it->topic_len] = '\0';
			rv = em->emit_to(em, topic, it->body, it->body_len);
		}
		if (rv != 0) {
			*is_refused = true;
			snprintf(why, whylen, "exec: %s%s%s of %zu bytes: %s "
			    "(%d)", it->kind == FRAME_EMIT ? "emit" : "emit_to",
			    topic[0] != '\0' ? " " : "", topic, it->body_len,
			    emit_error(rv), rv);
		}
		return;
	case FRAME_FAIL:
		if (!*is_refused) {
			fail_text(it, why, whylen);
		}
		return;
	case FRAME_DONE:
		return;
	}
}

/* Decodes what k->in holds. Returns -1 on a malformed answer (why set),
 * else 0 with *need the bytes the next frame needs at least. */
static int
decode(conn *k, frame_answer *a, pp_plugin_emitter *em, bool *is_refused,
    bool *is_fail, size_t *need, char *why, size_t whylen)
{
	frame_item        it;
	enum frame_status st;
	size_t            used;

	*need = 0;
	while (k->in_len > k->in_off && !a->is_done) {
		st = frame_next(a, k->in + k->in_off, k->in_len - k->in_off,
		    &it, &used);
		if (st == FRAME_BAD) {
			snprintf(why, whylen, "exec: malformed answer: %s",
			    a->err);
			return -1;
		}
		if (st == FRAME_MORE) {
			*need = used;
			break;
		}
		apply(&it, em, is_refused, why, whylen);
		*is_fail = it.kind == FRAME_FAIL;
		k->in_off += used;
	}
	if (k->in_off == k->in_len) {
		k->in_off = k->in_len = 0;
	}
	return 0;
}

/* Room to read into: the next frame's need, plus a chunk. */
static int
make_room(conn *k, size_t need)
{
	if (k->in_off > 0) {
		memmove(k->in, k->in + k->in_off, k->in_len - k->in_off);
		k->in_len -= k->in_off;
		k->in_off = 0;
	}
	if (need < k->in_len + READ_CHUNK) {
		need = k->in_len + READ_CHUNK;
	}
	return reserve(&k->in, &k->in_cap, need);
}

enum talk_result
talk_batch(conn *k, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em, const talk_limits *lim, char *why, size_t whylen)
{
	frame_answer  a;
	struct pollfd fds[2];
	size_t        out_len, out_off = 0, need = 0;
	int64_t       deadline = now_ms() + lim->timeout_ms, left;
	bool          is_refused = false, is_fail = false, is_pipe_gone = false;
	ssize_t       r;

	if ((out_len = encode(k, logs, n, lim, why, whylen)) == 0) {
		/* Nothing was sent: the child is still in step. */
		return TALK_FAIL;
	}
	frame_answer_init(&a, lim->max_body, lim->max_total, lim->max_outputs);
	for (;;) {
		if (decode(k, &a, em, &is_refused, &is_fail, &need, why,
		        whylen) != 0) {
			return TALK_BAD;
		}
		if (a.is_done) {
			if (out_off < out_len) {
				snprintf(why, whylen, "exec: malformed answer: "
				    "it ended before the child read the whole "
				    "batch");
				return TALK_BAD;
			}
			if (k->in_len > k->in_off) {
				snprintf(why, whylen, "exec: malformed answer: "
				    "%zu bytes after its end",
				    k->in_len - k->in_off);
				return TALK_BAD;
			}
			return is_refused || is_fail ? TALK_FAIL : TALK_DONE;
		}
		if (make_room(k, need) != 0) {
			snprintf(why, whylen, "exec: out of memory");
			return TALK_ERROR;
		}
		if ((left = deadline - now_ms()) <= 0) {
			return TALK_HANG;
		}
		fds[0] = (struct pollfd) { k->c.out_fd, POLLIN, 0 };
		fds[1] = (struct pollfd) { k->c.in_fd, POLLOUT, 0 };
		if (poll(fds, out_off < out_len && !is_pipe_gone ? 2 : 1,
		        (int) left) < 0) {
			if (errno == EINTR) {
				continue;
			}
			snprintf(why, whylen, "exec: poll: %s",
			    strerror(errno));
			return TALK_ERROR;
		}
		if (out_off < out_len && !is_pipe_gone &&
		    fds[1].revents != 0) {
			r = write(k->c.in_fd, k->out + out_off,
			    out_len - out_off);
			if (r > 0) {
				out_off += (size_t) r;
			} else if (r < 0 && errno != EAGAIN &&
			    errno != EINTR) {
				/* EPIPE: the child closed its stdin, and
				 * maybe died; its stdout tells. */
				is_pipe_gone = true;
			}
		}
		if (fds[0].revents != 0) {
			r = read(k->c.out_fd, k->in + k->in_len,
			    k->in_cap - k->in_len);
			if (r == 0) {
				return TALK_CRASH;
			}
			if (r > 0) {
				k->in_len += (size_t) r;
			} else if (errno != EAGAIN && errno != EINTR) {
				return TALK_CRASH;
			}
		}
	}
}

bool
talk_idle_check(conn *k, char *why, size_t whylen)
{
	struct pollfd fd = { k->c.out_fd, POLLIN, 0 };
	char          c;
	ssize_t       r;

	if (k->in_len > k->in_off) {
		snprintf(why, whylen, "wrote %zu bytes with no batch to "
		    "answer", k->in_len - k->in_off);
		return false;
	}
	if (poll(&fd, 1, 0) <= 0 || fd.revents == 0) {
		return true;
	}
	r = read(k->c.out_fd, &c, 1);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		snprintf(why, whylen, "closed its stdout between batches");
		return false;
	}
	if (r > 0) {
		snprintf(why, whylen, "wrote to its stdout with no batch to "
		    "answer");
		return false;
	}
	return true;
}

void
talk_free(conn *k)
{
	free(k->out);
	free(k->in);
	k->out = k->in = NULL;
	k->out_cap = k->in_cap = 0;
	k->in_off = k->in_len = 0;
}
