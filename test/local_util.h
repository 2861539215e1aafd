/*
 * local_util.h - fixtures of the local-read tests (local_*_test.c,
 * issue 15): a client that reads the node's store itself and one that
 * always asks the node, a check that tells which of the two a client
 * does (it freezes the node), and comparisons of every read call between
 * the two.
 */
#ifndef PP_TEST_LOCAL_UTIL_H
#define PP_TEST_LOCAL_UTIL_H

#include "harness.h"

/* A client of n->address with a short request timeout; is_off turns
 * local reads off (pp_connect_opts.is_local_reads_off). */
pp_client *local_connect(const pp_tnode *n, bool is_off);

/*
 * local_reads_locally - true when `c` answers pp_length(topic) while the
 * node is stopped with SIGSTOP (so it read the store itself), false when
 * it timed out (it asked the node). The node is continued either way.
 */
bool local_reads_locally(pp_tnode *n, pp_client *c, const char *topic);

/* Asserts that range (or revrange) with o gives the same code, logs,
 * bodies, has_more and error detail on both clients. */
void local_same_range(int line, pp_client *loc, pp_client *rem,
    const char *topic, const pp_range_opts *o, bool is_reverse);

/* Asserts that a pp_iter walk with o gives the same logs (or error). */
void local_same_iter(int line, pp_client *loc, pp_client *rem,
    const char *topic, const pp_range_opts *o, bool is_reverse);

/* Asserts that pp_length and pp_topic_stat agree (codes too). */
void local_same_topic(
    int line, pp_client *loc, pp_client *rem, const char *topic);

/* Asserts that pp_topics lists the same topics with the same figures. */
void local_same_topics(int line, pp_client *loc, pp_client *rem);

#endif
