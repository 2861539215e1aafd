/*
 * fuzz_exec_frame.c - libFuzzer harness: the exec plugin's decoder of a
 * child's answer (worker/plugins/exec/frame.h).
 *
 * A processor in any language may write anything to its stdout; the
 * decoder must turn every byte string into frames, "more", or a refusal
 * with a text, never reading outside the buffer, and every frame it
 * returns must lie inside the buffer and within the limits it was given.
 * The first three bytes choose the limits, the rest is the child's
 * output, decoded frame by frame as the plugin does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/plugins/exec/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool is_true)
{
	if (!is_true) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	frame_answer   a;
	frame_item     item;
	const uint8_t *p;
	size_t         left, used;
	uint64_t       max_body, max_total, max_outputs;

	if (size < 3) {
		return 0;
	}
	max_body    = 1 + (uint64_t) data[0] * 17;
	max_total   = 1 + (uint64_t) data[1] * 61;
	max_outputs = 1 + data[2] % 16;
	frame_answer_init(&a, max_body, max_total, max_outputs);
	p    = data + 3;
	left = size - 3;
	for (;;) {
		enum frame_status st = frame_next(&a, p, left, &item, &used);

		if (st == FRAME_BAD) {
			check(strnlen(a.err, sizeof(a.err)) < sizeof(a.err));
			break;
		}
		if (st == FRAME_MORE) {
			check(used > left);
			check(used <= FRAME_LINE_MAX + max_body + 1);
			break;
		}
		check(used > 0 && used <= left);
		if (item.kind != FRAME_DONE) {
			const uint8_t *b = item.body;

			check(item.body_len <= max_body);
			check(item.body_len == 0 ||
			    (b >= p && b + item.body_len <= p + used));
		}
		if (item.kind == FRAME_EMIT_TO) {
			const uint8_t *t = (const uint8_t *) item.topic;

			check(item.topic_len >= 1 &&
			    item.topic_len <= FRAME_TOPIC_MAX);
			check(t >= p && t + item.topic_len <= p + used);
		}
		check(a.total <= max_total && a.outputs <= max_outputs);
		p += used;
		left -= used;
		if (a.is_done) {
			/* Nothing may follow the end of an answer. */
			check(left == 0 || frame_next(&a, p, left, &item, &used) ==
			    FRAME_BAD);
			break;
		}
	}
	return 0;
}
