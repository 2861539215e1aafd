/*
 * live_util.h - fixtures of the liveProc tests (live_*_test.c): a
 * `recorder` is the callbacks' argument; it copies every delivered log and
 * every status under its mutex and signals its condition, and a case waits
 * on that condition with a deadline (never a fixed sleep). rec_on_claim is
 * the callback; the recorder's action says how it settles each claim (ack,
 * ack_commit, reclaim, a gate, cancel from inside). Helpers that assert
 * take the caller's file and line.
 */
#ifndef PP_TEST_LIVE_UTIL_H
#define PP_TEST_LIVE_UTIL_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "proc_util.h"

#define REC_MAX 512 /* logs a recorder keeps */

#define OUT_MAX 16 /* logs per claim the ack_commit case expects */

#define BODY_MAX 64

/* What a callback does with a claim (the cases' behaviours). */
enum rec_action {
	ACT_RETURN_0,      /* return 0: the liveProc acks */
	ACT_ACK,           /* pp_live_ack, then a second one (must fail) */
	ACT_ACK_COMMIT,    /* pp_live_ack_commit of "out-<body>" to "out" */
	ACT_RECLAIM_FIRST, /* reclaim its first delivery, ack the next */
	ACT_FAIL_FIRST,    /* return 7 on its first delivery, then 0 */
	ACT_CANCEL,        /* pp_live_proc_cancel from inside, return 0 */
	ACT_GATE           /* wait until the case opens the gate */
};

typedef struct recorder {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	enum rec_action action;
	pp_client      *client; /* for inspect from inside the callback */
	/* Every delivered log, in order: */
	size_t   nlogs;
	uint64_t seqs[REC_MAX];
	char     bodies[REC_MAX][BODY_MAX];
	/* Claims and statuses: */
	size_t   nclaims;
	size_t   sizes[REC_MAX];
	size_t   nerrors;
	int      last_status;
	uint64_t entered_ms; /* CLOCK_MONOTONIC at the last entry */
	/* Results seen inside the callback: */
	int       second_ack_rv;
	int       settle_rv;
	int       later_rv;            /* a later delivery's settling call */
	bool      is_cancel_returned;  /* set by the case's canceller */
	bool      was_cancel_returned; /* ... as the gate opened */
	int       cancel_rv;
	char      last_error[256]; /* inspect's last_error on redelivery */
	uint32_t  reclaims;        /* ... and its reclaims */
	bool      is_in_gate;
	bool      is_gate_open;
	bool      is_wrong_thread; /* fn ran on two threads */
	bool      is_empty_claim;  /* fn got a claim without logs */
	pthread_t thread;
	bool      has_thread;
} recorder;

/* A recorder that settles claims by `action`, acking with `client`. */
void rec_init(recorder *r, enum rec_action action, pp_client *client);

/* Waits until pred(r) holds, at most timeout_ms (scaled); fails else. */
void rec_wait_at(const char *file, int line, recorder *r,
    bool (*pred)(const recorder *, size_t), size_t arg, int timeout_ms,
    const char *what);

/* Predicates of rec_wait_at: n logs copied, n errors seen, a
 * callback waiting in the gate. */
bool rec_has_logs(const recorder *r, size_t n);
bool rec_has_errors(const recorder *r, size_t n);
bool rec_is_in_gate(const recorder *r, size_t n);

#define WAIT_LOGS(r, n, ms)                                                    \
	rec_wait_at(__FILE__, __LINE__, (r), rec_has_logs, (n), (ms),          \
	    "logs delivered")

#define WAIT_ERRORS(r, n, ms)                                                  \
	rec_wait_at(                                                           \
	    __FILE__, __LINE__, (r), rec_has_errors, (n), (ms), "errors seen")

#define WAIT_GATE(r, ms)                                                       \
	rec_wait_at(                                                           \
	    __FILE__, __LINE__, (r), rec_is_in_gate, 0, (ms), "in the gate")

/* The number of logs copied so far. */
size_t rec_nlogs(recorder *r);

/* Lets a callback waiting in the gate return. */
void rec_open_gate(recorder *r);

/* The callback of every case; what it does is r->action. */
int rec_on_claim(pp_live *live, const pp_claim *claim, int status, void *arg);

/* Delivered logs [from, from+n) are "<topic>-<first>"... in order. */
void rec_check_logs_at(const char *file, int line, recorder *r, size_t from,
    const char *topic, uint64_t first, size_t n);

#define CHECK_LOGS(r, from, topic, first, n)                                   \
	rec_check_logs_at(                                                     \
	    __FILE__, __LINE__, (r), (from), (topic), (first), (n))

/* pp_live_proc that must succeed. */
pp_live *live_start_at(const char *file, int line, pp_client *c,
    const char *topic, const pp_live_opts *o, recorder *r);

#define LIVE_START(c, topic, o, r)                                             \
	live_start_at(__FILE__, __LINE__, (c), (topic), (o), (r))

/* The state of one proc (copied), or PP_ENOPROC. */
int live_inspect(pp_client *c, const char *name, pp_proc_info *info,
    char *offset, size_t offset_len);

/* How many procs whose name starts with "liveproc-" exist. */
size_t live_count_procs(pp_client *c);

#endif
