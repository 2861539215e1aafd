/*
 * fuzz_reply.c - libFuzzer harness: every reply decoder of the library.
 *
 * A hostile or broken node must not crash its clients: each decoder
 * returns a status for any bytes, and what it hands back (logs, names,
 * tables) must be readable and freeable. The first input byte picks the
 * decoder, the rest is the frame (seeds: test/fuzz/seeds.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_reply.h"
#include "wire.h"
#include "wire_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every byte of a decoded string, so ASan sees a bad pointer. */
static size_t
touch(const char *s)
{
	return s == NULL ? 0 : strlen(s);
}

static size_t
touch_logs(const pp_log *logs, size_t count)
{
	size_t i, sum = 0;

	for (i = 0; i < count; i++) {
		if (logs[i].len > 0) {
			sum += ((const unsigned char *) logs[i].body)[0] +
			    ((const unsigned char *) logs[i].body)[logs[i].len - 1];
		}
	}
	return sum;
}

static int
row(void *arg, const void *item)
{
	size_t *sum = arg;

	/* Every list item starts with its name (wire_list.c). */
	*sum += touch(*(const char *const *) item);
	return 0;
}

static void
decode_commit(const uint8_t *f, size_t len)
{
	size_t counts[FUZZ_COMMIT_CALLS] = { 1, 3, 2 };
	pp_id  a[1], b[3], c[2], acked[FUZZ_COMMIT_CALLS];
	pp_id *ids[FUZZ_COMMIT_CALLS] = { a, b, c };
	pp_id *ackp[FUZZ_COMMIT_CALLS] = { &acked[0], &acked[1], &acked[2] };
	int    status[FUZZ_COMMIT_CALLS];
	char   msg[256];

	(void) ppi_wire_decode_commit(f, len, FUZZ_COMMIT_CALLS, counts, ids,
	    ackp, status, msg, sizeof(msg));
}

static void
decode_systable(const uint8_t *f, size_t len)
{
	ppi_systable *t = NULL;
	bool          is_settle_error;
	char          msg[256];
	size_t        i, j, sum = 0;

	if (ppi_wire_decode_systable(f, len, &t, &is_settle_error, msg,
	        sizeof(msg)) == 0 && t != NULL) {
		for (i = 0; i < t->count; i++) {
			sum += touch(t->items[i].name) + touch(t->items[i].plugin) +
			    touch(t->items[i].config);
			for (j = 0; j < t->items[i].nto; j++) {
				sum += touch(t->items[i].to[j]);
			}
			for (j = 0; j < t->items[i].nfrom; j++) {
				sum += touch(t->items[i].from[j]) +
				    touch(t->items[i].procs[j]);
			}
		}
	}
	ppi_systable_free(t);
	(void) sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char          msg[256];
	uint64_t      u1, u2, token, index;
	pp_log       *logs = NULL;
	size_t        count = 0, sum = 0;
	bool          has_more;
	pp_topic_info info;
	pp_node_stats st;

	if (size == 0) {
		return 0;
	}
	const uint8_t *f   = data + 1;
	size_t         len = size - 1;

	switch (data[0] % FUZZ_REPLY_KINDS) {
	case FUZZ_REPLY_STATUS:
		(void) ppi_wire_decode_status(f, len, msg, sizeof(msg));
		break;
	case FUZZ_REPLY_HELLO:
		(void) ppi_wire_decode_hello(f, len, &u1, &u2, msg, sizeof(msg));
		break;
	case FUZZ_REPLY_COMMIT:
		decode_commit(f, len);
		break;
	case FUZZ_REPLY_CLAIM:
		if (ppi_wire_decode_claim(f, len, &logs, &count, &token, &index,
		        msg, sizeof(msg)) == 0) {
			sum += touch_logs(logs, count);
			free(logs);
		}
		break;
	case FUZZ_REPLY_RANGE:
		if (ppi_wire_decode_range(f, len, &logs, &count, &has_more, msg,
		        sizeof(msg)) == 0) {
			sum += touch_logs(logs, count);
			free(logs);
		}
		break;
	case FUZZ_REPLY_COUNT:
		(void) ppi_wire_decode_count(f, len, &u1, msg, sizeof(msg));
		break;
	case FUZZ_REPLY_STAT:
		(void) ppi_wire_decode_stat(f, len, &info, msg, sizeof(msg));
		break;
	case FUZZ_REPLY_LIST_TOPICS:
	case FUZZ_REPLY_LIST_PROCS:
	case FUZZ_REPLY_LIST_STATS_TOPICS:
	case FUZZ_REPLY_LIST_STATS_PROCS:
		(void) ppi_wire_decode_list(f, len,
		    (enum ppi_list_kind)((data[0] % FUZZ_REPLY_KINDS) -
		        FUZZ_REPLY_LIST_TOPICS),
		    row, &sum, &has_more, msg, sizeof(msg));
		break;
	case FUZZ_REPLY_SYSTABLE:
		decode_systable(f, len);
		break;
	case FUZZ_REPLY_STATS_NODE:
		(void) ppi_wire_decode_stats_node(f, len, &st, msg, sizeof(msg));
		break;
	case FUZZ_REPLY_LIST_STATS_SOURCES:
		(void) ppi_wire_decode_list(f, len, PPI_LIST_STATS_SOURCES, row,
		    &sum, &has_more, msg, sizeof(msg));
		break;
	}
	(void) sum;
	return 0;
}
