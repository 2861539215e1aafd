/*
 * proc_wait_util.h - fixtures of the pp_available_proc and
 * pp_wait_for_procs tests (proc_avail_*_test.c, proc_wait_for_test.c):
 * procs that never reclaim on their own, claims of one log or none, waits
 * that must end quickly or time out, and a "script" thread with its own
 * client that runs timed steps (commit, ack, claim, disable, resume) at
 * given offsets after the main thread says go, so nothing sleeps a fixed
 * time. Helpers that assert take the caller's file and line.
 */
#ifndef PP_TEST_PROC_WAIT_UTIL_H
#define PP_TEST_PROC_WAIT_UTIL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "proc_util.h"

/* Options that never reclaim or disable on their own. */
pp_proc_opts quiet_opts(const char *offset, uint32_t count);

/* Creates the proc `name` on `topic`; the creation must claim nothing. */
void make_proc_at(const char *file, int line, pp_client *c, const char *topic,
    const char *name, const pp_proc_opts *o);

#define MAKE_PROC(c, topic, name, o)                                           \
	make_proc_at(__FILE__, __LINE__, (c), (topic), (name), (o))

/* The claim holds exactly one log: `topic`'s log `seq`. */
void check_one_at(const char *file, int line, const pp_claim *cl,
    const char *topic, uint64_t seq);

#define CHECK_ONE(cl, topic, seq)                                              \
	check_one_at(__FILE__, __LINE__, (cl), (topic), (seq))

/* pp_available_proc that must succeed; *index gets the pick (left at
 * SIZE_MAX by an empty claim, which does not promise to set it). */
pp_claim *avail_at(const char *file, int line, pp_client *c,
    const char *const *names, size_t n, int wait_ms, size_t *index);

#define AVAIL(c, names, n, wait_ms, index)                                     \
	avail_at(__FILE__, __LINE__, (c), (names), (n), (wait_ms), (index))

/* Claims all of `name`'s logs (up to its count) and acks them. */
void drain_at(const char *file, int line, pp_client *c, const char *topic,
    const char *name, const pp_proc_opts *o);

#define DRAIN(c, topic, name, o)                                               \
	drain_at(__FILE__, __LINE__, (c), (topic), (name), (o))

/* The scalar fields of a proc's state (its strings are not kept). */
pp_proc_info proc_wait_inspect_at(
    const char *file, int line, pp_client *c, const char *name);

#define INSPECT(c, name) proc_wait_inspect_at(__FILE__, __LINE__, (c), (name))

/* The proc holds no claim and its cursor is `next_seq`. */
void check_idle_at(const char *file, int line, pp_client *c, const char *name,
    uint64_t next_seq);

#define CHECK_IDLE(c, name, next_seq)                                          \
	check_idle_at(__FILE__, __LINE__, (c), (name), (next_seq))

/* ---- a script of timed steps on its own thread and client
 * ----------------------------------------------------- */

enum act {
	ACT_COMMIT,  /* commits topic's log seq */
	ACT_ACK,     /* acks name's claim (token 0); the acked seq is seq */
	ACT_CLAIM,   /* claims from name on topic; the first seq is seq */
	ACT_DISABLE, /* disables name */
	ACT_RESUME   /* resumes name */
};

typedef struct step {
	int          at_ms; /* after go */
	enum act     act;
	const char  *name;
	const char  *topic;
	uint64_t     seq;
	pp_proc_opts opts;     /* ACT_CLAIM */
	uint64_t     start_ms; /* monotonic, just before the call */
	uint64_t     done_ms;  /* monotonic, just after it returned */
} step;

typedef struct script {
	const char *address;
	step       *steps;
	size_t      n;
	pthread_t   th;
	uint64_t    go_ms;
	atomic_bool is_go;
	atomic_bool is_done;
} script;

/* Starts the thread (it connects, then waits for script_go). */
void script_start(script *sc, const char *address, step *steps, size_t n);

/* The steps' clock starts now. */
void script_go(script *sc);

/* Waits for the script thread to finish its steps. */
void script_join(script *sc);

/* A blocking call that returned at `ret_ms` was woken by step s: it
 * returned after the step began and within a second of it. */
void check_woken_at(const char *file, int line, const step *s, uint64_t ret_ms,
    const char *what);

#define CHECK_WOKEN(s, ret_ms, what)                                           \
	check_woken_at(__FILE__, __LINE__, (s), (ret_ms), (what))

#endif
