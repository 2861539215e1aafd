/*
 * proc_state.h - fixtures of the proc tests (proc_*_test.c) that read a
 * proc's state back: pstate, a copy of a pp_proc_info that outlives its
 * list, inspected and compared field by field, and a claim reclaimed
 * once. Helpers that assert take the caller's file and line (the INSPECT,
 * PSTATE_EQ, ... macros).
 */
#ifndef PP_TEST_PROC_STATE_H
#define PP_TEST_PROC_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "proc_util.h"

/* ---- proc states
 * ---------------------------------------------------------------- */

/* A copy of a pp_proc_info that outlives its list. */
typedef struct pstate {
	pp_proc_info i;
	char         name[256];
	char         topic[256];
	char         offset[128];
	char         last_error[512];
} pstate;

void pstate_copy_at(
    const char *file, int line, pstate *s, const pp_proc_info *i);

/* Copies the one-element list of inspect/disable/resume/destroy. */
void pstate_from_list_at(
    const char *file, int line, pp_proc_list *l, const char *name, pstate *s);

void pstate_inspect_at(
    const char *file, int line, pp_client *c, const char *name, pstate *s);

#define INSPECT(c, name, s)                                                    \
	pstate_inspect_at(__FILE__, __LINE__, (c), (name), (s))

/* Every field of two states is equal. */
void pstate_eq_at(const char *file, int line, const pstate *a, const pstate *b);

#define PSTATE_EQ(a, b) pstate_eq_at(__FILE__, __LINE__, (a), (b))

/* The stored options are `o` (offset NULL stored as ">"). */
void pstate_check_opts_at(
    const char *file, int line, const pstate *s, const pp_proc_opts *o);

#define CHECK_OPTS(s, o) pstate_check_opts_at(__FILE__, __LINE__, (s), (o))

/* True while proc `name` holds a claim. */
bool proc_has_claim(pp_client *c, const char *name);

/* Reclaims the claim of `name` (which holds logs from `first`) once. */
void claim_and_reclaim_at(const char *file, int line, pp_client *c,
    const char *topic, const char *name, const pp_proc_opts *o, uint64_t first,
    size_t count, const char *error);

#define CLAIM_AND_RECLAIM(c, topic, name, o, first, count, error)              \
	claim_and_reclaim_at(__FILE__, __LINE__, (c), (topic), (name), (o),    \
	    (first), (count), (error))

#endif
