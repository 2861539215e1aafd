/*
 * harness.h - the test harness shared by every test/X_test.c program
 * (harness.c: runner, assertions, time; harness_node.c: processes, nodes).
 *
 * A test program is a table of cases named in sentences. pp_test_main()
 * runs each case in a forked child process (its own process group, with a
 * private temporary directory and a timeout) and prints TAP:
 *
 *	1..N
 *	ok 1 - a single commit returns sequence 0
 *	not ok 2 - ... # commit_test.c:42: length == 3 (2 vs 3)
 *
 * A node case (PP_NODE_CASE) is handed one ordinary node that the harness
 * started in the case's directory and stops after the case returned, so a
 * case that just needs a node holds no start/stop code of its own.
 *
 * Options: `-t NAME` runs the one case with that name, `-l` lists names.
 * Environment: PIPEPROC_NODE (the node program), PP_TEST_SEED (seed of the
 * fuzz cases), PP_TEST_TIMEOUT_SCALE (multiplies every timeout, e.g. 3
 * under a sanitizer).
 *
 * Design notes:
 * - A failed assertion prints both sides on stderr (prefixed "# "), sends a
 *   one-line reason to the runner and ends the case process with _exit(1).
 *   The runner then SIGKILLs the case's whole process group (nodes started
 *   with pp_t_node_exec and, through their lifeline, nodes started with
 *   pp_spawn) and removes the case directory, so a failure leaks nothing.
 * - Each case process is a child subreaper: a node whose spawner died is
 *   re-parented to it and pp_t_pid_gone() can reap it.
 * - NNG cannot be used in a child forked after the parent used NNG (its
 *   threads do not survive fork). Cases that need helper processes fork
 *   them with pp_t_child_fork() *before* their first pp_* call that talks
 *   to a node, and hand them the address through a pipe.
 * - Nothing sleeps for a fixed time: every wait polls a condition until a
 *   deadline (PP_WAIT_UNTIL, pp_t_wait_pid_gone, pp_t_read_line).
 */
#ifndef PP_TEST_HARNESS_H
#define PP_TEST_HARNESS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pipeproc.h"

/* ---- cases ---------------------------------------------------------------- */

typedef struct pp_tnode pp_tnode;

/* A case is either plain (fn: it starts whatever it needs itself) or a
 * node case (node_fn: the harness starts one ordinary node, pp_spawn with
 * default options in a fresh directory, hands it over and stops it with
 * pp_t_node_stop after the case returned). Build entries with the macros
 * below; cases that need node options, or kill or restart their node,
 * stay plain. */
typedef struct pp_test_case {
	const char *name;               /* a sentence; unique in its program */
	void (*fn)(void);               /* a plain case; returns on success */
	void (*node_fn)(pp_tnode *n);   /* a node case */
	int         timeout_s;          /* 0: 60 s */
} pp_test_case;

#define PP_CASE(name, fn, timeout_s) { (name), (fn), NULL, (timeout_s) }
#define PP_NODE_CASE(name, fn, timeout_s) { (name), NULL, (fn), (timeout_s) }
#define PP_CASES_END { NULL, NULL, NULL, 0 }

/* Runs the NULL-name-terminated table; returns the process exit status. */
int pp_test_main(int argc, char **argv, const pp_test_case *cases);

/* ---- assertions ---------------------------------------------------------- */

/* Fails the running case: prints file:line and the message, exits. */
void pp_t_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* Prints a TAP diagnostic line ("# ...") on stderr. */
void pp_t_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define PP_FAIL_AT(...) pp_t_fail(__FILE__, __LINE__, __VA_ARGS__)

#define PP_ASSERT_TRUE(c)                                                      \
	do {                                                                   \
		if (!(c)) {                                                    \
			PP_FAIL_AT("expected true: %s", #c);                   \
		}                                                              \
	} while (0)

#define PP_ASSERT_INT_CMP(a, op, b)                                            \
	do {                                                                   \
		long long ppt_l_ = (long long)(a);                             \
		long long ppt_r_ = (long long)(b);                             \
		if (!(ppt_l_ op ppt_r_)) {                                     \
			PP_FAIL_AT("%s %s %s (%lld vs %lld)", #a, #op, #b,     \
			    ppt_l_, ppt_r_);                                   \
		}                                                              \
	} while (0)

#define PP_ASSERT_U64_CMP(a, op, b)                                            \
	do {                                                                   \
		uint64_t ppt_l_ = (uint64_t)(a);                               \
		uint64_t ppt_r_ = (uint64_t)(b);                               \
		if (!(ppt_l_ op ppt_r_)) {                                     \
			PP_FAIL_AT("%s %s %s (%" PRIu64 " vs %" PRIu64 ")",    \
			    #a, #op, #b, ppt_l_, ppt_r_);                      \
		}                                                              \
	} while (0)

#define PP_ASSERT_INT_EQ(a, b) PP_ASSERT_INT_CMP(a, ==, b)
#define PP_ASSERT_U64_EQ(a, b) PP_ASSERT_U64_CMP(a, ==, b)

#define PP_ASSERT_STR_EQ(a, b)                                                 \
	do {                                                                   \
		const char *ppt_l_ = (a);                                      \
		const char *ppt_r_ = (b);                                      \
		if (!pp_t_str_eq(ppt_l_, ppt_r_)) {                            \
			PP_FAIL_AT("%s == %s (\"%s\" vs \"%s\")", #a, #b,      \
			    ppt_l_ ? ppt_l_ : "(null)",                        \
			    ppt_r_ ? ppt_r_ : "(null)");                       \
		}                                                              \
	} while (0)

/* Compares two byte strings; on a difference prints lengths, the first
 * differing offset and a few bytes of both around it. */
#define PP_ASSERT_MEM_EQ(a, alen, b, blen)                                     \
	pp_t_mem_eq(__FILE__, __LINE__, #a, (a), (alen), #b, (b), (blen))

/* expr must return 0. */
#define PP_PASS(expr)                                                          \
	do {                                                                   \
		int ppt_rv_ = (expr);                                          \
		if (ppt_rv_ != 0) {                                            \
			PP_FAIL_AT("%s returned %d %s (%s)%s%s", #expr,        \
			    ppt_rv_, pp_errname(ppt_rv_),                      \
			    pp_strerror(ppt_rv_), pp_t_errdetail()[0] ? ": " : \
			    "", pp_t_errdetail());                             \
		}                                                              \
	} while (0)

/* expr must return exactly the error code ex. */
#define PP_FAIL(expr, ex)                                                      \
	do {                                                                   \
		int ppt_rv_ = (expr);                                          \
		int ppt_ex_ = (ex);                                            \
		if (ppt_rv_ != ppt_ex_) {                                      \
			PP_FAIL_AT("%s returned %d %s (%s), expected %d %s",   \
			    #expr, ppt_rv_, pp_errname(ppt_rv_),               \
			    pp_strerror(ppt_rv_), ppt_ex_,                     \
			    pp_errname(ppt_ex_));                              \
		}                                                              \
	} while (0)

/* Polls cond every millisecond until it holds; fails after timeout_ms. */
#define PP_WAIT_UNTIL(cond, timeout_ms)                                        \
	do {                                                                   \
		uint64_t ppt_end_ = pp_t_mono_ms() + pp_t_scaled(timeout_ms);  \
		while (!(cond)) {                                              \
			if (pp_t_mono_ms() > ppt_end_) {                       \
				PP_FAIL_AT("not true within %d ms: %s",        \
				    (int)(timeout_ms), #cond);                 \
			}                                                      \
			pp_t_nap();                                            \
		}                                                              \
	} while (0)

bool        pp_t_str_eq(const char *a, const char *b);
void        pp_t_mem_eq(const char *file, int line, const char *an,
           const void *a, size_t alen, const char *bn, const void *b,
           size_t blen);
const char *pp_t_errdetail(void); /* pp_last_errmsg() of this thread */

/* ---- time, randomness, files --------------------------------------------- */

uint64_t pp_t_now_ms(void);        /* CLOCK_REALTIME, as the node's ids */
uint64_t pp_t_mono_ms(void);       /* CLOCK_MONOTONIC */
int      pp_t_scaled(int timeout_ms); /* times PP_TEST_TIMEOUT_SCALE */
void     pp_t_nap(void);           /* yields ~1 ms inside a polling loop */

/* Seed of this run (PP_TEST_SEED or a fixed default), printed once. */
uint64_t pp_t_seed(void);
/* splitmix64 step; *state is the generator. */
uint64_t pp_t_rand(uint64_t *state);
/* Uniform in [0, n); n > 0. */
uint64_t pp_t_rand_below(uint64_t *state, uint64_t n);

/* snprintf that fails the case instead of truncating. */
void pp_t_format(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The case's private directory (removed by the runner). */
const char *pp_t_root(void);
/* A new, empty directory "ROOT/TAG<k>"; returns a static-lifetime copy. */
const char *pp_t_mkdir(const char *tag);
/* The node program: $PIPEPROC_NODE, else build/bin/pipeproc-node. */
const char *pp_t_node_path(void);

/* ---- nodes ---------------------------------------------------------------- */

#define PP_T_PATH 256

struct pp_tnode {
	char       dir[PP_T_PATH];      /* data directory */
	char       sock[PP_T_PATH];     /* the ipc socket file */
	char       address[PP_T_PATH];  /* "ipc://" + sock */
	pp_client *client;              /* spawner (pp_t_node_spawn) */
	pid_t      pid;                 /* node process, once known */
	int        out_fd;              /* pp_t_node_exec: node stdout */
	bool       is_child;            /* pid is our own child */
};

/* Fills n with a fresh data directory and "ipc://DIR/sock". */
void pp_t_node_init(pp_tnode *n);

/* pp_spawn() on n->dir and n->address; opts (may be NULL) supplies the
 * other fields. Returns pp_spawn's code; on success n->client is the
 * spawner and n->pid is read from DIR/node.lock. */
int pp_t_node_spawn(pp_tnode *n, const pp_spawn_opts *opts);

/* pp_t_node_spawn that must succeed. */
void pp_t_node_start(pp_tnode *n, const pp_spawn_opts *opts);

/* pp_shutdown + pp_close of the spawner; asserts the node is gone. */
void pp_t_node_stop(pp_tnode *n);

/* fork/exec the node directly: --data DIR --listen ADDRESS --print-ready
 * plus extra (NULL-terminated, may be NULL). Waits for the "ready ..."
 * line. Returns 0 or -1 (the node did not become ready in time; it is
 * killed). n->pid is our child. */
int pp_t_node_exec(pp_tnode *n, const char *const *extra);

/* Runs a node case: starts a node as pp_t_node_init + pp_t_node_start
 * (NULL options), calls fn with it, then pp_t_node_stop. */
void pp_t_node_case_run(void (*fn)(pp_tnode *n));

/* Sends sig to the node; with SIGKILL also reaps it. */
void pp_t_node_kill(pp_tnode *n, int sig);

/* SIGSTOPs the node and waits until every one of its threads has
 * stopped (kill() returns before they have); SIGCONT resumes it. */
void pp_t_node_freeze(pp_tnode *n);

/* Waits for our child node to exit; returns its wait status, or -1 on
 * timeout. Closes n->out_fd. */
int pp_t_node_wait(pp_tnode *n, int timeout_ms);

/* Remembers a process that the case must not leave behind (a detached
 * node): a failing case SIGKILLs it. */
void pp_t_track_pid(pid_t pid);

/* The pid written in DIR/node.lock, or -1. */
pid_t pp_t_lock_pid(const char *dir);

/* True when pid has exited (reaping it when it is our child). */
bool pp_t_pid_gone(pid_t pid);
bool pp_t_wait_pid_gone(pid_t pid, int timeout_ms);

/* pp_connect that must succeed. */
pp_client *pp_t_connect(const char *address);

/* ---- helper processes ----------------------------------------------------- */

typedef struct pp_t_child {
	pid_t pid;
	int   to_fd;   /* parent writes, child reads (child's in_fd) */
	int   from_fd; /* child writes, parent reads (child's out_fd) */
} pp_t_child;

/* Forks a helper process that runs fn(arg, in_fd, out_fd) and exits with
 * its return value. Fork before using NNG in this process (see above). */
void pp_t_child_fork(pp_t_child *c, int (*fn)(void *, int, int), void *arg);
/* Waits for the helper; returns its wait status or -1 on timeout. */
int  pp_t_child_wait(pp_t_child *c, int timeout_ms);

/* Reads one '\n'-terminated line (without it) within timeout_ms.
 * Returns its length, or -1 on EOF, error or timeout. */
int  pp_t_read_line(int fd, char *buf, size_t len, int timeout_ms);
void pp_t_write_all(int fd, const void *buf, size_t len);

/* ---- reads ------------------------------------------------------------------ */

/* Commits one log (a string body) and returns its id; must succeed. */
pp_id pp_t_commit_str(pp_client *c, const char *topic, const char *body);

/* pp_length that must succeed. */
uint64_t pp_t_length(pp_client *c, const char *topic);

/* Every log of a topic, read with pp_iter (copies). */
typedef struct pp_t_logs {
	size_t  count;
	pp_id  *ids;
	char  **bodies; /* each NUL-terminated after lens[i] bytes */
	size_t *lens;
} pp_t_logs;

/* Reads the whole topic (as pp_iter_open with opts); must succeed. */
void pp_t_read_all(pp_client *c, const char *topic,
    const pp_range_opts *opts, bool is_reverse, pp_t_logs *out);
void pp_t_logs_free(pp_t_logs *logs);

/* Compares (ms, seq): <0, 0, >0. */
int pp_t_id_cmp(pp_id a, pp_id b);

#endif
