/*
 * commit_util.h - fixtures of the commit tests (commit_*_test.c): ids
 * filled with a sentinel before a call, so a test can tell that a failed
 * call left them alone.
 */
#ifndef PP_TEST_COMMIT_UTIL_H
#define PP_TEST_COMMIT_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SENTINEL_MS 0xabababababababULL

/* Sets every id of ids[0..n) to {SENTINEL_MS, SENTINEL_MS}. */
void commit_fill_sentinel(pp_id *ids, size_t n);

/* Every id of ids[0..n) still holds the sentinel. */
void commit_assert_sentinel(const pp_id *ids, size_t n);

#endif
