/*
 * exec_frame_test.c - the exec plugin's frame decoder and encoder
 * (worker/plugins/exec/frame.c; pipeproc_plugin(7) "THE EXEC PLUGIN"):
 * answers decoded frame by frame and byte by byte, binary bodies, every
 * limit, and every malformed header with the text that names it.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "../worker/plugins/exec/frame.h"

/* Decodes all of buf as one answer; returns the last status, the frames
 * in items (up to max), their count in *n and the bytes used in *off. */
static enum frame_status
decode_all(frame_answer *a, const char *buf, size_t len, frame_item *items,
    size_t max, size_t *n, size_t *off)
{
	enum frame_status st = FRAME_MORE;
	size_t            used;

	*n   = 0;
	*off = 0;
	while (*off < len && *n < max) {
		st = frame_next(a, buf + *off, len - *off, &items[*n], &used);
		if (st != FRAME_OK) {
			return st;
		}
		*off += used;
		(*n)++;
	}
	return st;
}

static void
test_answer(void)
{
	static const char ans[] = "emit 5\nhe\nl\0\n"
	                          "emit_to shouts 3\nABC\n"
	                          "emit 0\n\n"
	                          "done\n";
	frame_answer a;
	frame_item   it[8];
	size_t       n, off;

	frame_answer_init(&a, 100, 1000, 10);
	PP_ASSERT_INT_EQ(decode_all(&a, ans, sizeof(ans) - 1, it, 8, &n, &off),
	    FRAME_OK);
	PP_ASSERT_U64_EQ(n, 4);
	PP_ASSERT_U64_EQ(off, sizeof(ans) - 1);
	PP_ASSERT_INT_EQ(it[0].kind, FRAME_EMIT);
	/* Binary-safe: a newline and a NUL inside the body. */
	PP_ASSERT_MEM_EQ(it[0].body, it[0].body_len, "he\nl\0", 5);
	PP_ASSERT_INT_EQ(it[1].kind, FRAME_EMIT_TO);
	PP_ASSERT_MEM_EQ(it[1].topic, it[1].topic_len, "shouts", 6);
	PP_ASSERT_MEM_EQ(it[1].body, it[1].body_len, "ABC", 3);
	PP_ASSERT_INT_EQ(it[2].kind, FRAME_EMIT);
	PP_ASSERT_U64_EQ(it[2].body_len, 0);
	PP_ASSERT_INT_EQ(it[3].kind, FRAME_DONE);
	PP_ASSERT_TRUE(a.is_done);
	PP_ASSERT_U64_EQ(a.outputs, 3);
	PP_ASSERT_U64_EQ(a.total, 8);
}

static void
test_fail(void)
{
	static const char ans[] = "emit 1\nx\nfail 11\nbad input!\n\n";
	frame_answer a;
	frame_item   it[4];
	size_t       n, off;

	frame_answer_init(&a, 100, 1000, 10);
	PP_ASSERT_INT_EQ(decode_all(&a, ans, sizeof(ans) - 1, it, 4, &n, &off),
	    FRAME_OK);
	PP_ASSERT_U64_EQ(n, 2);
	PP_ASSERT_INT_EQ(it[1].kind, FRAME_FAIL);
	PP_ASSERT_MEM_EQ(it[1].body, it[1].body_len, "bad input!\n", 11);
	PP_ASSERT_TRUE(a.is_done);
	/* Nothing may follow the end of an answer. */
	PP_ASSERT_INT_EQ(frame_next(&a, "done\n", 5, &it[0], &off), FRAME_BAD);
	PP_ASSERT_TRUE(strstr(a.err, "output after the end of the answer: "
	                   "'done?'") != NULL);
}

/* Every strict prefix of a frame asks for more, never for less than it
 * has, and never reads past its end (ASan watches the copies). */
static void
test_prefixes(void)
{
	static const char *const frames[] = { "emit 3\nabc\n",
		"emit_to t 2\nxy\n", "fail 4\noops\n", "done\n" };
	frame_answer a;
	frame_item   it;
	char         copy[64];
	size_t       f, k, used, len;

	for (f = 0; f < 4; f++) {
		len = strlen(frames[f]);
		for (k = 0; k < len; k++) {
			memcpy(copy, frames[f], k); /* exactly k bytes */
			frame_answer_init(&a, 100, 1000, 10);
			PP_ASSERT_INT_EQ(frame_next(&a, copy, k, &it, &used),
			    FRAME_MORE);
			PP_ASSERT_U64_CMP(used, >, k);
			PP_ASSERT_U64_CMP(used, <=, len);
		}
		frame_answer_init(&a, 100, 1000, 10);
		PP_ASSERT_INT_EQ(frame_next(&a, frames[f], len, &it, &used),
		    FRAME_OK);
		PP_ASSERT_U64_EQ(used, len);
	}
}

/* buf must be refused with a text holding `needle`. */
static void
refused_at(int line, const char *buf, size_t len, const char *needle)
{
	frame_answer a;
	frame_item   it;
	size_t       used;

	frame_answer_init(&a, 100, 150, 2);
	if (frame_next(&a, buf, len, &it, &used) != FRAME_BAD) {
		pp_t_fail(__FILE__, line, "'%.*s' was not refused", (int) len,
		    buf);
	}
	if (strstr(a.err, needle) == NULL) {
		pp_t_fail(__FILE__, line, "'%.*s': \"%s\" does not say \"%s\"",
		    (int) len, buf, a.err, needle);
	}
}
#define REFUSED(s, needle) refused_at(__LINE__, (s), strlen(s), (needle))

static void
test_malformed(void)
{
	char long_line[300];

	REFUSED("hello\n", "unknown frame 'hello' (expected emit, emit_to, "
	    "done or fail)");
	REFUSED("done \n", "unknown frame 'done '");
	REFUSED("DONE\n", "unknown frame");
	REFUSED("\n", "unknown frame ''");
	REFUSED("emit\n", "bad length in 'emit '");
	REFUSED("emit 01\nx\n", "bad length in 'emit 01'");
	REFUSED("emit +1\nx\n", "bad length");
	REFUSED("emit -1\nx\n", "bad length");
	REFUSED("emit 1 \nx\n", "bad length");
	REFUSED("emit 18446744073709551616\n", "bad length");
	REFUSED("emit 100000000000000000000\n", "bad length");
	REFUSED("emit 2\nabc\n", "the body of 2 bytes is not followed by a "
	    "newline");
	REFUSED("emit 101\n", "a body of 101 bytes is larger than the limit "
	    "of 100 bytes");
	REFUSED("fail 18446744073709551615\n", "larger than the limit");
	REFUSED("emit_to\n", "is not 'emit_to TOPIC LEN'");
	REFUSED("emit_to 5\n", "is not 'emit_to TOPIC LEN'");
	REFUSED("emit_to  5\nabcde\n", "is not 'emit_to TOPIC LEN'");
	REFUSED("emit_to a\tb 1\nx\n", "a control character in the topic");
	REFUSED("emit_to t x\n", "bad length in 'emit_to t x'");
	memset(long_line, 'a', sizeof(long_line));
	memcpy(long_line, "emit_to ", 8);
	memcpy(long_line + 8 + 201, " 1\nx\n", 5);
	refused_at(__LINE__, long_line, 8 + 201 + 5, "longer than 200 bytes");
	/* 255 bytes and no newline yet is still a header in progress;
	 * 256 is too long. */
	memset(long_line, 'e', sizeof(long_line));
	refused_at(__LINE__, long_line, FRAME_LINE_MAX,
	    "a header line longer than 255 bytes");
}

static void
test_limits(void)
{
	frame_answer a;
	frame_item   it;
	size_t       used;

	/* max_outputs 2. */
	frame_answer_init(&a, 100, 150, 2);
	PP_ASSERT_INT_EQ(frame_next(&a, "emit 1\na\n", 9, &it, &used),
	    FRAME_OK);
	PP_ASSERT_INT_EQ(frame_next(&a, "emit 1\na\n", 9, &it, &used),
	    FRAME_OK);
	PP_ASSERT_INT_EQ(frame_next(&a, "emit 1\na\n", 9, &it, &used),
	    FRAME_BAD);
	PP_ASSERT_STR_EQ(a.err, "more than 2 outputs in one answer");
	/* max_total 150: 100 + 50 fit, one byte more does not. */
	{
		static char buf[256];

		frame_answer_init(&a, 100, 150, 10);
		memcpy(buf, "emit 100\n", 9);
		memset(buf + 9, 'x', 100);
		buf[109] = '\n';
		PP_ASSERT_INT_EQ(frame_next(&a, buf, 110, &it, &used),
		    FRAME_OK);
		memcpy(buf, "emit 51\n", 8);
		memset(buf + 8, 'x', 51);
		buf[59] = '\n';
		PP_ASSERT_INT_EQ(frame_next(&a, buf, 60, &it, &used),
		    FRAME_BAD);
		PP_ASSERT_STR_EQ(a.err,
		    "the outputs of one answer exceed 150 bytes together");
	}
	/* A body larger than the limit is refused from its header alone,
	 * before any of it is buffered. */
	frame_answer_init(&a, 100, 150, 10);
	PP_ASSERT_INT_EQ(frame_next(&a, "emit 4294967296\n", 16, &it, &used),
	    FRAME_BAD);
	/* A fail text is not an output. */
	frame_answer_init(&a, 100, 150, 0);
	PP_ASSERT_INT_EQ(frame_next(&a, "fail 2\nno\n", 10, &it, &used),
	    FRAME_OK);
}

static void
test_encode(void)
{
	char   buf[FRAME_LOG_HEADER_MAX];
	char   topic[FRAME_TOPIC_MAX + 2];
	size_t n;

	n = frame_batch_header(buf, 12);
	PP_ASSERT_MEM_EQ(buf, n, "batch 12\n", 9);
	n = frame_log_header(buf, "orders", 1700000000000ull, 3, 42);
	PP_ASSERT_MEM_EQ(buf, n, "log orders 1700000000000-3 42\n", 30);
	memset(topic, 't', sizeof(topic) - 1);
	topic[FRAME_TOPIC_MAX] = '\0';
	n = frame_log_header(buf, topic, UINT64_MAX, UINT64_MAX, SIZE_MAX);
	PP_ASSERT_U64_CMP(n, <, FRAME_LOG_HEADER_MAX);
	topic[FRAME_TOPIC_MAX]     = 't';
	topic[FRAME_TOPIC_MAX + 1] = '\0';
	PP_ASSERT_U64_EQ(frame_log_header(buf, topic, 1, 0, 0), 0);
	PP_ASSERT_U64_EQ(frame_log_header(buf, "a b", 1, 0, 0), 0);
	PP_ASSERT_U64_EQ(frame_log_header(buf, "", 1, 0, 0), 0);
}

static const pp_test_case cases[] = {
	PP_CASE("an answer decodes frame by frame, bodies binary-safe",
	    test_answer, 10),
	PP_CASE("a fail frame ends the answer with its text", test_fail, 10),
	PP_CASE("every prefix of a frame asks for more", test_prefixes, 10),
	PP_CASE("malformed headers are refused with a text naming them",
	    test_malformed, 10),
	PP_CASE("outputs, bytes and bodies are limited per answer",
	    test_limits, 10),
	PP_CASE("batch and log headers encode; bad topics do not",
	    test_encode, 10),
	PP_CASES_END
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
