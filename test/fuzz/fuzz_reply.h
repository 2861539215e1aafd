/*
 * fuzz_reply.h - which reply decoder a fuzz_reply input is for: its first
 * byte modulo FUZZ_REPLY_KINDS. Shared by the harness and the seed
 * writer, so seeds reach the decoder they were encoded for.
 */
#ifndef PP_FUZZ_REPLY_H
#define PP_FUZZ_REPLY_H

enum fuzz_reply_kind {
	FUZZ_REPLY_STATUS,
	FUZZ_REPLY_HELLO,
	FUZZ_REPLY_COMMIT,
	FUZZ_REPLY_CLAIM,
	FUZZ_REPLY_RANGE,
	FUZZ_REPLY_COUNT,
	FUZZ_REPLY_STAT,
	FUZZ_REPLY_LIST_TOPICS, /* the four lists in enum ppi_list_kind order */
	FUZZ_REPLY_LIST_PROCS,
	FUZZ_REPLY_LIST_STATS_TOPICS,
	FUZZ_REPLY_LIST_STATS_PROCS,
	FUZZ_REPLY_SYSTABLE,
	FUZZ_REPLY_STATS_NODE,
	FUZZ_REPLY_LIST_STATS_SOURCES,
	FUZZ_REPLY_KINDS
};

/* The commit decoder is asked for three calls of 1, 3 and 2 logs. */
#define FUZZ_COMMIT_CALLS 3

#endif
