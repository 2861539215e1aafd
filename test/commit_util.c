/*
 * commit_util.c - sentinel ids of the commit tests. See commit_util.h.
 */
#include "commit_util.h"

void
commit_fill_sentinel(pp_id *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		ids[i].ms = SENTINEL_MS;
		ids[i].seq = SENTINEL_MS;
	}
}

void
commit_assert_sentinel(const pp_id *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		PP_ASSERT_U64_EQ(ids[i].ms, SENTINEL_MS);
		PP_ASSERT_U64_EQ(ids[i].seq, SENTINEL_MS);
	}
}
