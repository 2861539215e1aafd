/*
 * admin_util.h - fixtures of the tests that keep a long-running node in
 * bounds (admin_*_test.c): what a topic holds checked by sequences and
 * bodies, topic stats and lists, a retention pass proven by a witness
 * topic, and proc states copied and compared field by field. Helpers that
 * assert take the caller's file and line.
 */
#ifndef PP_TEST_ADMIN_UTIL_H
#define PP_TEST_ADMIN_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "proc_util.h"

#define BODY_MAX 1100

#define WAIT_MS 5000 /* deadline of a wait for retention, before scaling */

/* The topic holds exactly the logs first .. first+n-1, with their bodies. */
void check_topic_at(const char *file, int line, pp_client *c, const char *topic,
    uint64_t first, size_t n, size_t pad);

#define CHECK_TOPIC(c, topic, first, n, pad)                                   \
	check_topic_at(__FILE__, __LINE__, (c), (topic), (first), (n), (pad))

/* pp_topic_stat that must succeed (STAT). */
void admin_stat_at(const char *file, int line, pp_client *c, const char *topic,
    pp_topic_info *info);

#define STAT(c, topic, info)                                                   \
	admin_stat_at(__FILE__, __LINE__, (c), (topic), (info))

/* pp_length that must succeed. */
uint64_t admin_length_of(pp_client *c, const char *topic);

/* The sequence of the topic's first log, or its next sequence when
 * it is empty. */
uint64_t admin_first_seq_of(pp_client *c, const char *topic);

/* Is `topic` among pp_topics()? */
bool admin_is_listed(pp_client *c, const char *topic);

/* ---- procs -----------------------------------------------------------------
 */

pp_proc_opts admin_proc_opts(uint32_t count);

/* A pp_proc_info with its own copies of the strings. */
typedef struct pinfo {
	pp_proc_info i;
	char         name[PP_TOPIC_MAX + 1];
	char         topic[PP_TOPIC_MAX + 1];
	char         offset[PP_ID_STRLEN + 8];
	char         error[512];
} pinfo;

/* pp_proc_inspect of `name` into p; must list exactly that proc
 * (INSPECT). */
void admin_inspect_at(
    const char *file, int line, pp_client *c, const char *name, pinfo *p);

#define INSPECT(c, name, p)                                                    \
	admin_inspect_at(__FILE__, __LINE__, (c), (name), (p))

/* pp_procs into out[0 .. max); returns the count. */
size_t admin_procs_at(
    const char *file, int line, pp_client *c, pinfo *out, size_t max);

#define PROCS(c, out, max) admin_procs_at(__FILE__, __LINE__, (c), (out), (max))

/* Every field of two proc states is the same. */
void pinfo_eq_at(const char *file, int line, const pinfo *a, const pinfo *b);

#define PINFO_EQ(a, b) pinfo_eq_at(__FILE__, __LINE__, (a), (b))

#endif
