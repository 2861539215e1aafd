/*
 * frame.c - decoding the answers of an exec child and encoding the
 * claims sent to it (frame.h; pipeproc_plugin(7)).
 *
 * The decoder trusts nothing in the buffer: every length is checked
 * against a limit before it is used to index, a header line must end
 * within FRAME_LINE_MAX bytes, numbers have at most 20 digits and must
 * fit in 64 bits, and every error is a one-line text that names what was
 * wrong and, where it helps, the limit. It keeps no state between calls
 * but the counters in frame_answer.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "frame.h"

void
frame_answer_init(frame_answer *a, uint64_t max_body, uint64_t max_total,
    uint64_t max_outputs)
{
	memset(a, 0, sizeof(*a));
	a->max_body    = max_body;
	a->max_total   = max_total;
	a->max_outputs = max_outputs;
}

/* Records why the answer is malformed; returns FRAME_BAD. */
static enum frame_status
bad(frame_answer *a, const char *fmt, const char *s, size_t n)
{
	char shown[48];
	size_t i;

	/* Show at most 40 bytes of the offending text, printable. */
	if (n > 40) {
		n = 40;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];
		shown[i] = c >= 0x20 && c < 0x7f ? (char) c : '?';
	}
	shown[n] = '\0';
	snprintf(a->err, sizeof(a->err), fmt, shown);
	return FRAME_BAD;
}

/* Parses n bytes of decimal digits: no sign, no leading zero, <= 2^64-1.
 * Returns false on anything else. */
static bool
parse_len(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t   i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0')) {
		return false;
	}
	for (i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		d = (unsigned) (s[i] - '0');
		if (v > (UINT64_MAX - d) / 10) {
			return false;
		}
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* The word of a header line and what follows it (after one space). */
static bool
word_is(const char *line, size_t n, const char *word, const char **rest,
    size_t *rest_len)
{
	size_t w = strlen(word);

	if (n == w && memcmp(line, word, w) == 0) {
		*rest     = line + n;
		*rest_len = 0;
		return true;
	}
	if (n > w && memcmp(line, word, w) == 0 && line[w] == ' ') {
		*rest     = line + w + 1;
		*rest_len = n - w - 1;
		return true;
	}
	return false;
}

/*
 * The body of a frame whose header (hlen bytes with its "\n") is done and
 * whose body is blen bytes: checks the limit, waits for the bytes and the
 * "\n" that ends them.
 */
static enum frame_status
body(frame_answer *a, const char *buf, size_t len, size_t hlen, uint64_t blen,
    frame_item *item, size_t *used)
{
	if (blen > a->max_body) {
		snprintf(a->err, sizeof(a->err), "a body of %llu bytes is "
		    "larger than the limit of %llu bytes",
		    (unsigned long long) blen,
		    (unsigned long long) a->max_body);
		return FRAME_BAD;
	}
	if (len - hlen < blen + 1) {
		*used = hlen + (size_t) blen + 1;
		return FRAME_MORE;
	}
	if (buf[hlen + blen] != '\n') {
		snprintf(a->err, sizeof(a->err), "the body of %llu bytes is "
		    "not followed by a newline (is the length right?)",
		    (unsigned long long) blen);
		return FRAME_BAD;
	}
	item->body     = buf + hlen;
	item->body_len = (size_t) blen;
	*used          = hlen + (size_t) blen + 1;
	return FRAME_OK;
}

/* Counts one output against the answer's limits. */
static enum frame_status
count_output(frame_answer *a, uint64_t blen)
{
	if (a->outputs == a->max_outputs) {
		snprintf(a->err, sizeof(a->err), "more than %llu outputs in "
		    "one answer", (unsigned long long) a->max_outputs);
		return FRAME_BAD;
	}
	if (blen > a->max_total - a->total) {
		snprintf(a->err, sizeof(a->err), "the outputs of one answer "
		    "exceed %llu bytes together",
		    (unsigned long long) a->max_total);
		return FRAME_BAD;
	}
	a->outputs++;
	a->total += blen;
	return FRAME_OK;
}

enum frame_status
frame_next(frame_answer *a, const void *vbuf, size_t len, frame_item *item,
    size_t *used)
{
	const char       *buf = vbuf;
	const char       *nl, *rest, *sp;
	size_t            n, hlen, rest_len;
	uint64_t          blen;
	enum frame_status st;

	memset(item, 0, sizeof(*item));
	*used = 0;
	if (a->is_done) {
		return bad(a, "output after the end of the answer: '%s'", buf,
		    len);
	}
	nl = memchr(buf, '\n', len < FRAME_LINE_MAX ? len : FRAME_LINE_MAX);
	if (nl == NULL) {
		if (len >= FRAME_LINE_MAX) {
			snprintf(a->err, sizeof(a->err), "a header line longer "
			    "than %d bytes", FRAME_LINE_MAX - 1);
			return FRAME_BAD;
		}
		*used = len + 1;
		return FRAME_MORE;
	}
	n    = (size_t) (nl - buf);
	hlen = n + 1;
	if (word_is(buf, n, "done", &rest, &rest_len) && rest_len == 0 &&
	    n == 4) {
		item->kind = FRAME_DONE;
		a->is_done = true;
		*used      = hlen;
		return FRAME_OK;
	}
	if (word_is(buf, n, "emit", &rest, &rest_len)) {
		if (!parse_len(rest, rest_len, &blen)) {
			return bad(a, "bad length in 'emit %s'", rest,
			    rest_len);
		}
		item->kind = FRAME_EMIT;
		if ((st = body(a, buf, len, hlen, blen, item, used)) !=
		    FRAME_OK) {
			return st;
		}
		return count_output(a, blen);
	}
	if (word_is(buf, n, "emit_to", &rest, &rest_len)) {
		sp = rest_len > 0 ? memchr(rest, ' ', rest_len) : NULL;
		if (sp == NULL || sp == rest) {
			return bad(a, "'emit_to %s' is not 'emit_to TOPIC LEN'",
			    rest, rest_len);
		}
		if ((size_t) (sp - rest) > FRAME_TOPIC_MAX) {
			return bad(a, "the topic in 'emit_to %s...' is longer "
			    "than 200 bytes", rest, 20);
		}
		for (n = 0; n < (size_t) (sp - rest); n++) {
			if ((unsigned char) rest[n] < 0x21 ||
			    (unsigned char) rest[n] == 0x7f) {
				return bad(a, "a control character in the "
				    "topic of 'emit_to %s'", rest, rest_len);
			}
		}
		item->kind      = FRAME_EMIT_TO;
		item->topic     = rest;
		item->topic_len = (size_t) (sp - rest);
		if (!parse_len(sp + 1, rest_len - item->topic_len - 1,
		        &blen)) {
			return bad(a, "bad length in 'emit_to %s'", rest,
			    rest_len);
		}
		if ((st = body(a, buf, len, hlen, blen, item, used)) !=
		    FRAME_OK) {
			return st;
		}
		return count_output(a, blen);
	}
	if (word_is(buf, n, "fail", &rest, &rest_len)) {
		if (!parse_len(rest, rest_len, &blen)) {
			return bad(a, "bad length in 'fail %s'", rest,
			    rest_len);
		}
		item->kind = FRAME_FAIL;
		if ((st = body(a, buf, len, hlen, blen, item, used)) ==
		    FRAME_OK) {
			a->is_done = true;
		}
		return st;
	}
	return bad(a, "unknown frame '%s' (expected emit, emit_to, done or "
	    "fail)", buf, n);
}

size_t
frame_batch_header(char *out, size_t n)
{
	return (size_t) snprintf(out, 32, "batch %zu\n", n);
}

size_t
frame_log_header(char *out, const char *topic, uint64_t ms, uint64_t seq,
    size_t len)
{
	size_t tlen = strnlen(topic, FRAME_TOPIC_MAX + 1);

	if (tlen == 0 || tlen > FRAME_TOPIC_MAX ||
	    strpbrk(topic, " \n") != NULL) {
		return 0;
	}
	return (size_t) snprintf(out, FRAME_LOG_HEADER_MAX,
	    "log %s %llu-%llu %zu\n", topic, (unsigned long long) ms,
	    (unsigned long long) seq, len);
}
