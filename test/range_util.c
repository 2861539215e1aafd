/*
 * range_util.c - batches and millisecond waits of the range tests. See
 * range_util.h.
 */
#include "range_util.h"

void
range_commit_batch(
    pp_client *c, const char *topic, int n, pp_id *ids, uint64_t first_seq)
{
	pp_record r[16];
	char      bodies[16][24];
	int       i;

	for (i = 0; i < n; i++) {
		r[i].topic = topic;
		r[i].len = (size_t)snprintf(bodies[i], sizeof(bodies[i]),
		    "b%llu", (unsigned long long)first_seq + (unsigned)i);
		r[i].body = bodies[i];
	}
	PP_PASS(pp_commit(c, r, (size_t)n, ids));
}

void
range_next_millisecond(uint64_t ms)
{
	PP_WAIT_UNTIL(pp_t_now_ms() > ms, 2000);
}
