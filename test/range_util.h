/*
 * range_util.h - fixtures of the range tests (range_*_test.c): batches of
 * logs committed in one millisecond, and a wait for the next millisecond
 * of the wall clock, which is the clock of the node's ids.
 */
#ifndef PP_TEST_RANGE_UTIL_H
#define PP_TEST_RANGE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Commits n logs (bodies "b<seq>") to topic in one batch. */
void range_commit_batch(
    pp_client *c, const char *topic, int n, pp_id *ids, uint64_t first_seq);

/* Waits until the wall clock has passed ms, so the next commit gets a
 * later millisecond (the node uses this machine's clock). */
void range_next_millisecond(uint64_t ms);

#endif
